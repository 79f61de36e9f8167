// dtscsrc reading side: waits for the stream, creates the pads, and pushes frames from the
// Reader on its GstTask. Thread: the task, and state changes (which stop the task first).
#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "dtsc/dtscsrc_private.h"
#include "dtsc/track_selector.h"

#define GST_CAT_DEFAULT dtsc_src_debug

using haze::MiniRef;
using haze::dtsc::BufferRegistry;
using haze::dtsc::Frame;
using haze::dtsc::kNone;
using haze::dtsc::TrackInfo;
using namespace haze::dtsc::src;

namespace {

constexpr int64_t kUnixThresholdMs = 100000000000;  // larger values of start/stop are unix ms

int64_t PositionToMedia(int64_t ms, int64_t unix_offset_ms) {
  if (ms < 0) return kNone;
  if (ms >= kUnixThresholdMs) return (ms - unix_offset_ms) * GST_MSECOND;
  return ms * GST_MSECOND;
}

gboolean SrcQuery(GstPad* pad, GstObject* parent, GstQuery* query) {
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    HazeDtscSrcPrivate* priv = HAZE_DTSC_SRC(parent)->priv;
    int64_t latency = 0;
    {
      std::lock_guard lock(priv->mutex);
      latency = priv->settings.latency;
    }
    gst_query_set_latency(query, TRUE, latency * GST_MSECOND, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return gst_pad_query_default(pad, parent, query);
}

gboolean SrcEvent(GstPad* pad, GstObject* parent, GstEvent* event) {
  const bool ok = GST_EVENT_TYPE(event) != GST_EVENT_SEEK;  // seeking is done with start/stop
  gst_event_unref(event);
  return ok;
}

// Pauses the task from inside it, unless a state change is stopping it (a pause after
// gst_task_stop would make gst_task_join wait forever).
void PauseFromTask(HazeDtscSrc* self) {
  std::lock_guard lock(self->priv->mutex);
  if (!self->priv->flushing) gst_task_pause(self->priv->task);
}

// Waits up to |ms| unless flushing; false when flushing.
bool WaitFor(HazeDtscSrcPrivate* priv, int64_t ms) {
  std::unique_lock lock(priv->mutex);
  if (priv->flushing) return false;
  priv->cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return priv->flushing; });
  return !priv->flushing;
}

void AddPads(HazeDtscSrc* self, const std::vector<TrackInfo>& tracks,
             const std::vector<uint32_t>& ids) {
  State& st = self->priv->state;
  const guint group = gst_util_group_id_next();
  GstPadTemplate* templ = gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), "src_%u");
  for (uint32_t id : ids) {
    const TrackInfo& info = tracks[id];
    const std::string name = "src_" + std::to_string(id);
    GstPad* pad = gst_pad_new_from_template(templ, name.c_str());
    gst_pad_set_query_function(pad, SrcQuery);
    gst_pad_set_event_function(pad, SrcEvent);
    gst_pad_use_fixed_caps(pad);
    gst_pad_set_active(pad, TRUE);
    gchar* stream_id = gst_pad_create_stream_id_printf(pad, GST_ELEMENT(self), "%u", id);
    GstEvent* start = gst_event_new_stream_start(stream_id);
    g_free(stream_id);
    gst_event_set_group_id(start, group);
    if (info.kind == haze::dtsc::TrackKind::kSubtitle)
      gst_event_set_stream_flags(start, GST_STREAM_FLAG_SPARSE);
    gst_pad_push_event(pad, start);
    if (info.caps) gst_pad_push_event(pad, gst_event_new_caps(info.caps.get()));
    st.pads[id] = OutPad{pad, info.caps, true};
    gst_flow_combiner_add_pad(self->priv->combiner, pad);
    gst_element_add_pad(GST_ELEMENT(self), pad);
  }
  gst_element_no_more_pads(GST_ELEMENT(self));
}

// Waits for the stream and opens the reader; false while not ready (or on error).
bool TryOpen(HazeDtscSrc* self) {
  HazeDtscSrcPrivate* priv = self->priv;
  State& st = priv->state;
  Settings s;
  {
    std::lock_guard lock(priv->mutex);
    s = priv->settings;
  }
  const int64_t waited_ms = (g_get_monotonic_time() - st.open_started) / 1000;
  if (!st.buffer->ReadyForPlay(waited_ms)) {
    if (waited_ms >= s.wait_timeout) {
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("Stream %s is not available", s.stream.c_str()),
                        ("not playable after %" G_GINT64_FORMAT " ms", waited_ms));
      PauseFromTask(self);
      return false;
    }
    WaitFor(priv, 20);
    return false;
  }
  const std::vector<TrackInfo> tracks = st.buffer->Tracks();
  const std::vector<uint32_t> ids = haze::dtsc::SelectTracks(tracks, s.audio, s.video, s.subtitle);
  if (ids.empty()) {
    GST_ELEMENT_ERROR(self, STREAM, WRONG_TYPE, ("No track of stream %s matches the selection",
                      s.stream.c_str()), (nullptr));
    PauseFromTask(self);
    return false;
  }
  const int64_t unix_offset = st.buffer->Stats().unix_offset_ms;
  haze::dtsc::ReaderOptions ro;
  ro.tracks = ids;
  ro.start = PositionToMedia(s.start, unix_offset);
  // A VoD buffer has no live edge: without a start position, play it from the beginning.
  if (ro.start == kNone && st.buffer->options().vod) ro.start = 0;
  st.live = ro.start == kNone;
  ro.stop = PositionToMedia(s.stop, unix_offset);
  auto reader = st.buffer->NewReader(ro);
  {
    std::lock_guard lock(priv->mutex);
    st.reader = std::move(reader);
  }
  GST_INFO_OBJECT(self, "reading %zu tracks of %s", ids.size(), s.stream.c_str());
  AddPads(self, tracks, ids);
  return true;
}

// Running time "now", or 0 without a clock.
int64_t NowRunning(HazeDtscSrc* self) {
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock) return 0;
  const int64_t now = static_cast<int64_t>(gst_clock_get_time(clock)) -
                      static_cast<int64_t>(gst_element_get_base_time(GST_ELEMENT(self)));
  gst_object_unref(clock);
  return std::max<int64_t>(now, 0);
}

int64_t BaseTime(HazeDtscSrc* self) {
  return static_cast<int64_t>(gst_element_get_base_time(GST_ELEMENT(self)));
}

// Maps the first frame: the newest frame of the buffer (live) or the first frame (positioned
// start) lands on the running time "now"; the older backlog lands before it, clamped at 0.
void Anchor(HazeDtscSrc* self, const Frame& frame) {
  State& st = self->priv->state;
  const bool live = st.live;
  st.first_media = frame.dts;
  const int64_t now = NowRunning(self);
  const int64_t live_ref = live ? std::max(st.buffer->Stats().last_ts, frame.dts) : frame.dts;
  int64_t r0 = now - (live_ref - frame.dts);
  if (live) {
    // Live writers map media time to their clock (media = clock - epoch). With the same system
    // clock here, media time m ran at running time epoch + m - base: use that exact mapping
    // (no added latency) unless the clocks clearly differ.
    const int64_t epoch = st.buffer->Epoch(kNone);
    const int64_t exact = epoch == kNone ? kNone : epoch + frame.dts - BaseTime(self);
    if (exact != kNone && std::llabs(exact - r0) < 2 * GST_SECOND) r0 = exact;
  }
  r0 = std::max<int64_t>(0, r0);
  gst_segment_init(&st.segment, GST_FORMAT_TIME);
  if (r0 <= kTsOffset) {
    st.segment.start = static_cast<guint64>(kTsOffset - r0);
  } else {
    st.segment.base = static_cast<guint64>(r0 - kTsOffset);
  }
  st.segment.position = st.segment.start;
  for (auto& [id, out] : st.pads) gst_pad_push_event(out.pad, gst_event_new_segment(&st.segment));
  st.anchored = true;
}

void Pace(HazeDtscSrc* self, GstClockTime ts) {
  const State& st = self->priv->state;
  const GstClockTime rt = gst_segment_to_running_time(&st.segment, GST_FORMAT_TIME, ts);
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock || !GST_CLOCK_TIME_IS_VALID(rt)) {
    if (clock) gst_object_unref(clock);
    return;
  }
  const GstClockTime target = gst_element_get_base_time(GST_ELEMENT(self)) + rt;
  while (true) {
    const GstClockTime now = gst_clock_get_time(clock);
    if (now >= target) break;
    const int64_t wait_ms = std::min<int64_t>((target - now) / GST_MSECOND + 1, 100);
    if (!WaitFor(self->priv, wait_ms)) break;
  }
  gst_object_unref(clock);
}

void SendEos(HazeDtscSrc* self) {
  State& st = self->priv->state;
  if (!st.eos_sent) {
    GST_INFO_OBJECT(self, "end of stream");
    for (auto& [id, out] : st.pads) gst_pad_push_event(out.pad, gst_event_new_eos());
    st.eos_sent = true;
  }
  PauseFromTask(self);
}

void HandleFlow(HazeDtscSrc* self, GstFlowReturn ret) {
  if (ret == GST_FLOW_OK) return;
  GST_DEBUG_OBJECT(self, "flow %s", gst_flow_get_name(ret));
  if (ret == GST_FLOW_FLUSHING || ret == GST_FLOW_EOS) {
    PauseFromTask(self);
    return;
  }
  GST_ELEMENT_FLOW_ERROR(self, ret);
  SendEos(self);
}

void PushFrame(HazeDtscSrc* self, const Frame& frame) {
  HazeDtscSrcPrivate* priv = self->priv;
  State& st = priv->state;
  auto it = st.pads.find(frame.track);
  if (it == st.pads.end()) return;
  OutPad& out = it->second;
  if (!st.anchored) Anchor(self, frame);
  if (frame.keyframe) {
    auto info = st.buffer->Track(frame.track);
    if (info && info->caps && info->caps.get() != out.caps.get() &&
        (!out.caps || !gst_caps_is_equal(info->caps.get(), out.caps.get()))) {
      gst_pad_push_event(out.pad, gst_event_new_caps(info->caps.get()));
    }
    if (info) out.caps = info->caps;
  }
  auto map = [&](int64_t m) -> GstClockTime {
    const int64_t v = m - st.first_media + kTsOffset;
    return v < 0 ? 0 : static_cast<GstClockTime>(v);
  };
  GstBuffer* buf = frame.payload.MakeBuffer().Release();  // shares the page: no copy
  GST_BUFFER_DTS(buf) = map(frame.dts);
  GST_BUFFER_PTS(buf) = map(frame.pts);
  GST_BUFFER_DURATION(buf) = frame.duration == kNone ? GST_CLOCK_TIME_NONE
                                                     : static_cast<GstClockTime>(frame.duration);
  if (frame.keyframe) GST_BUFFER_FLAG_UNSET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  else GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  // A publisher reconnect, or this reader jumped ahead (it lagged more than maxkeepaway).
  const uint64_t skips = st.reader->skipped();
  if (skips != st.skips_seen) {
    GST_INFO_OBJECT(self, "reader skipped ahead (%" G_GUINT64_FORMAT " skips)", skips);
    for (auto& [id, p] : st.pads) p.discont = true;
    st.skips_seen = skips;
  }
  if (frame.discont || out.discont) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  out.discont = false;
  bool realtime = false;
  {
    std::lock_guard lock(priv->mutex);
    realtime = priv->settings.realtime;
  }
  if (realtime) Pace(self, GST_BUFFER_DTS(buf));
  const GstFlowReturn ret = gst_pad_push(out.pad, buf);
  HandleFlow(self, gst_flow_combiner_update_pad_flow(priv->combiner, out.pad, ret));
}

}  // namespace

void haze_dtsc_src_loop(gpointer user_data) {
  HazeDtscSrc* self = HAZE_DTSC_SRC(user_data);
  State& st = self->priv->state;
  if (st.eos_sent) {
    PauseFromTask(self);
    return;
  }
  if (!st.reader && !TryOpen(self)) return;
  std::optional<Frame> frame = st.reader->WaitNext(std::chrono::milliseconds(100));
  if (!frame) {
    if (st.reader->AtEnd()) SendEos(self);
    return;
  }
  PushFrame(self, *frame);
}

bool haze_dtsc_src_start(HazeDtscSrc* self) {
  HazeDtscSrcPrivate* priv = self->priv;
  std::string stream;
  {
    std::lock_guard lock(priv->mutex);
    stream = priv->settings.stream;
    priv->flushing = false;
  }
  if (stream.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No stream name set"), (nullptr));
    return false;
  }
  priv->state = State{};
  priv->state.buffer = BufferRegistry::Get().Acquire(stream);
  priv->state.open_started = g_get_monotonic_time();
  gst_flow_combiner_reset(priv->combiner);
  return true;
}

void haze_dtsc_src_start_task(HazeDtscSrc* self) {
  {
    std::lock_guard lock(self->priv->mutex);
    self->priv->flushing = false;
  }
  if (self->priv->state.reader) self->priv->state.reader->Resume();
  gst_task_start(self->priv->task);
}

static void haze_dtsc_src_halt(HazeDtscSrc* self) {
  HazeDtscSrcPrivate* priv = self->priv;
  {
    std::lock_guard lock(priv->mutex);  // the task sets the reader under this lock
    priv->flushing = true;
    if (priv->state.reader) priv->state.reader->Interrupt();
  }
  priv->cv.notify_all();
}

void haze_dtsc_src_pause_task(HazeDtscSrc* self) {
  // Do not wait for the running iteration: it may be blocked in a downstream sink's preroll
  // (sinks pause first); it returns once that sink flushes or plays again.
  haze_dtsc_src_halt(self);
  gst_task_pause(self->priv->task);
}

void haze_dtsc_src_stop(HazeDtscSrc* self) {
  HazeDtscSrcPrivate* priv = self->priv;
  haze_dtsc_src_halt(self);
  gst_task_stop(priv->task);
  gst_task_join(priv->task);
  for (auto& [id, out] : priv->state.pads) {
    gst_flow_combiner_remove_pad(priv->combiner, out.pad);
    gst_pad_set_active(out.pad, FALSE);
    gst_element_remove_pad(GST_ELEMENT(self), out.pad);
  }
  priv->state = State{};
}
