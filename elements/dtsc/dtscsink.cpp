/**
 * SECTION:element-dtscsink
 * @title: dtscsink
 *
 * Writes parsed, timestamped tracks into the in-process DTSC buffer of stream #dtscsink:stream,
 * one request pad per track. Several dtscsinks (in one or several pipelines) may write different
 * tracks of the same stream; their media times share one wall-clock epoch. Readers are dtscsrc
 * elements and the server's outputs.
 *
 * Accepted payloads: H.264/H.265 in avc/hvc1 AU alignment (codec_data is the init data), AV1,
 * VP8, VP9, raw AAC (codec_data = AudioSpecificConfig), MP3, Opus and UTF-8 text. Put h264parse,
 * aacparse... in front so the parser converts.
 *
 * The element posts `haze-buffer-ready` (field stream) once the buffer is playable and
 * `haze-buffer-state` (fields stream, state FULL/DRY/RECOVER/EMPTY, issues, health) on every
 * buffer state change.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=25 ! \
 *   h264parse ! dtscsink stream=demo  dtscsrc stream=demo ! h264parse ! avdec_h264 ! fakesink
 * ]|
 */
#include "dtsc/dtscsink.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>
#include <mutex>
#include <string>

#include "dtsc/live_buffer.h"
#include "dtsc/writer_timeline.h"

GST_DEBUG_CATEGORY_STATIC(dtsc_sink_debug);
#define GST_CAT_DEFAULT dtsc_sink_debug

using haze::MiniRef;
using haze::dtsc::BufferRegistry;
using haze::dtsc::BufferState;
using haze::dtsc::kNone;
using haze::dtsc::LiveBuffer;

enum { PROP_0, PROP_STREAM, PROP_STREAM_NAME, PROP_DVR, PROP_SEGMENT_SIZE, PROP_MAX_KEEPAWAY,
       PROP_RESUME };

#define DEFAULT_STREAM nullptr
#define DEFAULT_OPTION -1

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS("video/x-h264, stream-format=(string)avc, alignment=(string)au; "
                    "video/x-h265, stream-format=(string){ hvc1, hev1 }, alignment=(string)au; "
                    "video/x-av1; video/x-vp8; video/x-vp9; "
                    "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw; "
                    "audio/mpeg, mpegversion=(int)1, layer=(int)3; "
                    "audio/x-opus; text/x-raw, format=(string)utf8"));

namespace {

struct Settings {
  std::string stream;
  int64_t dvr = DEFAULT_OPTION;
  int64_t segment_size = DEFAULT_OPTION;
  int64_t max_keepaway = DEFAULT_OPTION;
  int resume = DEFAULT_OPTION;
};

// Per-pad state, owned by the pad (element_private), touched on its streaming thread.
struct PadState {
  GstSegment segment;
  std::optional<uint32_t> track;
  std::atomic<bool> eos{false};  // read by other pads' threads (all-EOS check)
};

}  // namespace

struct HazeDtscSinkPrivate {
  std::mutex mutex;  // guards settings and state below (not the pad states)
  Settings settings;
  std::shared_ptr<LiveBuffer> buffer;
  haze::dtsc::WriterTimeline timeline;
  bool attached = false;
  bool ready_posted = false;
  BufferState posted_state = BufferState::kBooting;
  guint next_pad = 0;
};

struct _HazeDtscSink {
  GstElement parent;
  HazeDtscSinkPrivate* priv;
};

G_DEFINE_TYPE(HazeDtscSink, haze_dtsc_sink, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(dtscsink, "dtscsink", GST_RANK_NONE, HAZE_TYPE_DTSC_SINK);

static void haze_dtsc_sink_finalize(GObject* object);
static void haze_dtsc_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                        GParamSpec* pspec);
static void haze_dtsc_sink_get_property(GObject* object, guint prop_id, GValue* value,
                                        GParamSpec* pspec);
static GstPad* haze_dtsc_sink_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                              const gchar* name, const GstCaps* caps);
static void haze_dtsc_sink_release_pad(GstElement* element, GstPad* pad);
static GstStateChangeReturn haze_dtsc_sink_change_state(GstElement* element,
                                                        GstStateChange transition);
static GstFlowReturn haze_dtsc_sink_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer);
static gboolean haze_dtsc_sink_event(GstPad* pad, GstObject* parent, GstEvent* event);

static void haze_dtsc_sink_class_init(HazeDtscSinkClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(dtsc_sink_debug, "dtscsink", 0, "Haze DTSC buffer sink");

  gobject_class->finalize = haze_dtsc_sink_finalize;
  gobject_class->set_property = haze_dtsc_sink_set_property;
  gobject_class->get_property = haze_dtsc_sink_get_property;

  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_STREAM,
      g_param_spec_string("stream", "Stream", "Name of the stream to write", DEFAULT_STREAM,
                          flags));
  g_object_class_install_property(
      gobject_class, PROP_STREAM_NAME,
      g_param_spec_string("stream-name", "Stream name", "Alias of the stream property",
                          DEFAULT_STREAM, flags));
  g_object_class_install_property(
      gobject_class, PROP_DVR,
      g_param_spec_int64("dvr", "DVR window", "DVR window in ms (-1 = keep the buffer's)", -1,
                         G_MAXINT64 / 1000000, DEFAULT_OPTION, flags));
  g_object_class_install_property(
      gobject_class, PROP_SEGMENT_SIZE,
      g_param_spec_int64("segment-size", "Segment size",
                         "Minimum fragment duration in ms (-1 = keep the buffer's)", -1,
                         G_MAXINT64 / 1000000, DEFAULT_OPTION, flags));
  g_object_class_install_property(
      gobject_class, PROP_MAX_KEEPAWAY,
      g_param_spec_int64("max-keepaway", "Max keepaway",
                         "How far a live reader may lag in ms (-1 = keep the buffer's)", -1,
                         G_MAXINT64 / 1000000, DEFAULT_OPTION, flags));
  g_object_class_install_property(
      gobject_class, PROP_RESUME,
      g_param_spec_int("resume", "Resume",
                       "Keep the buffer across a publisher reconnect (1), not (0), or keep "
                       "the buffer's setting (-1)",
                       -1, 1, DEFAULT_OPTION, flags));

  element_class->request_new_pad = GST_DEBUG_FUNCPTR(haze_dtsc_sink_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR(haze_dtsc_sink_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR(haze_dtsc_sink_change_state);

  gst_element_class_set_static_metadata(element_class, "DTSC buffer sink", "Sink/Network",
                                        "Writes tracks into a Haze DTSC live buffer",
                                        "Haze <https://haze.invalid/>");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
}

static void haze_dtsc_sink_init(HazeDtscSink* self) {
  self->priv = new HazeDtscSinkPrivate();
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}

static void haze_dtsc_sink_finalize(GObject* object) {
  delete HAZE_DTSC_SINK(object)->priv;
  G_OBJECT_CLASS(haze_dtsc_sink_parent_class)->finalize(object);
}

static void haze_dtsc_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                        GParamSpec* pspec) {
  HazeDtscSinkPrivate* priv = HAZE_DTSC_SINK(object)->priv;
  std::lock_guard lock(priv->mutex);
  switch (prop_id) {
    case PROP_STREAM:
    case PROP_STREAM_NAME: {
      const char* s = g_value_get_string(value);
      priv->settings.stream = s ? s : "";
      break;
    }
    case PROP_DVR: priv->settings.dvr = g_value_get_int64(value); break;
    case PROP_SEGMENT_SIZE: priv->settings.segment_size = g_value_get_int64(value); break;
    case PROP_MAX_KEEPAWAY: priv->settings.max_keepaway = g_value_get_int64(value); break;
    case PROP_RESUME: priv->settings.resume = g_value_get_int(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void haze_dtsc_sink_get_property(GObject* object, guint prop_id, GValue* value,
                                        GParamSpec* pspec) {
  HazeDtscSinkPrivate* priv = HAZE_DTSC_SINK(object)->priv;
  std::lock_guard lock(priv->mutex);
  switch (prop_id) {
    case PROP_STREAM:
    case PROP_STREAM_NAME:
      g_value_set_string(value, priv->settings.stream.empty() ? nullptr
                                                               : priv->settings.stream.c_str());
      break;
    case PROP_DVR: g_value_set_int64(value, priv->settings.dvr); break;
    case PROP_SEGMENT_SIZE: g_value_set_int64(value, priv->settings.segment_size); break;
    case PROP_MAX_KEEPAWAY: g_value_set_int64(value, priv->settings.max_keepaway); break;
    case PROP_RESUME: g_value_set_int(value, priv->settings.resume); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static GstPad* haze_dtsc_sink_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                              const gchar* name, const GstCaps* caps) {
  HazeDtscSink* self = HAZE_DTSC_SINK(element);
  std::string pad_name;
  {
    std::lock_guard lock(self->priv->mutex);
    guint index = self->priv->next_pad;
    if (name && sscanf(name, "sink_%u", &index) == 1 && index >= self->priv->next_pad)
      self->priv->next_pad = index + 1;
    else
      self->priv->next_pad++;
    pad_name = "sink_" + std::to_string(index);
  }
  if (GstPad* existing = gst_element_get_static_pad(element, pad_name.c_str())) {
    gst_object_unref(existing);  // name in use
    return nullptr;
  }
  GstPad* pad = gst_pad_new_from_template(templ, pad_name.c_str());
  auto* state = new PadState();
  gst_segment_init(&state->segment, GST_FORMAT_TIME);
  gst_pad_set_element_private(pad, state);
  gst_pad_set_chain_function(pad, GST_DEBUG_FUNCPTR(haze_dtsc_sink_chain));
  gst_pad_set_event_function(pad, GST_DEBUG_FUNCPTR(haze_dtsc_sink_event));
  GST_PAD_SET_PROXY_CAPS(pad);
  gst_pad_set_active(pad, TRUE);
  gst_element_add_pad(element, pad);
  return pad;
}

static void haze_dtsc_sink_release_pad(GstElement* element, GstPad* pad) {
  HazeDtscSink* self = HAZE_DTSC_SINK(element);
  auto* state = static_cast<PadState*>(gst_pad_get_element_private(pad));
  {
    std::lock_guard lock(self->priv->mutex);
    if (state && state->track && self->priv->buffer)
      self->priv->buffer->ReleaseTrack(*state->track);
  }
  gst_pad_set_element_private(pad, nullptr);
  delete state;
  gst_pad_set_active(pad, FALSE);
  gst_element_remove_pad(element, pad);
}

// --- bus messages ---

static void haze_dtsc_sink_post_updates(HazeDtscSink* self, const std::shared_ptr<LiveBuffer>& buf) {
  HazeDtscSinkPrivate* priv = self->priv;
  bool post_ready = false, post_state = false;
  const haze::dtsc::BufferStats stats = buf->Stats();
  {
    std::lock_guard lock(priv->mutex);
    if (!priv->ready_posted && buf->Playable()) post_ready = priv->ready_posted = true;
    if (stats.state != priv->posted_state) {
      post_state = stats.state != BufferState::kBooting;
      priv->posted_state = stats.state;
    }
  }
  if (post_ready) {
    GstStructure* s = gst_structure_new("haze-buffer-ready", "stream", G_TYPE_STRING,
                                        buf->name().c_str(), nullptr);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  }
  if (post_state) {
    const std::string health = buf->HealthJson();
    GST_INFO_OBJECT(self, "buffer %s: %s %s", buf->name().c_str(),
                    haze::dtsc::BufferStateName(stats.state), stats.issues.c_str());
    GstStructure* s = gst_structure_new(
        "haze-buffer-state", "stream", G_TYPE_STRING, buf->name().c_str(), "state", G_TYPE_STRING,
        haze::dtsc::BufferStateName(stats.state), "issues", G_TYPE_STRING, stats.issues.c_str(),
        "health", G_TYPE_STRING, health.c_str(), nullptr);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  }
}

// --- data flow ---

// Media time (ns) of running time |running|, or kNone.
static int64_t haze_dtsc_sink_media_time(HazeDtscSink* self, const std::shared_ptr<LiveBuffer>& buf,
                                         int64_t running) {
  GstElement* element = GST_ELEMENT(self);
  int64_t base = -1;
  int64_t now = 0;
  GstClock* clock = gst_element_get_clock(element);
  if (clock && GST_STATE(element) == GST_STATE_PLAYING) {
    base = static_cast<int64_t>(gst_element_get_base_time(element));
    now = static_cast<int64_t>(gst_clock_get_time(clock));
  } else {
    GstClock* sys = gst_system_clock_obtain();
    now = static_cast<int64_t>(gst_clock_get_time(sys));
    gst_object_unref(sys);
  }
  if (clock) gst_object_unref(clock);
  std::lock_guard lock(self->priv->mutex);
  return self->priv->timeline.ToMedia(running, base, now,
                                      [&](int64_t proposed) { return buf->Epoch(proposed); });
}

static int64_t haze_dtsc_sink_running_time(const GstSegment* segment, GstClockTime ts) {
  if (!GST_CLOCK_TIME_IS_VALID(ts)) return kNone;
  guint64 rt = 0;
  const int sign = gst_segment_to_running_time_full(segment, GST_FORMAT_TIME, ts, &rt);
  if (sign == 0) return kNone;
  return sign > 0 ? static_cast<int64_t>(rt) : -static_cast<int64_t>(rt);
}

static GstFlowReturn haze_dtsc_sink_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  HazeDtscSink* self = HAZE_DTSC_SINK(parent);
  MiniRef<GstBuffer> owned = MiniRef<GstBuffer>::Adopt(buffer);
  auto* state = static_cast<PadState*>(gst_pad_get_element_private(pad));
  std::shared_ptr<LiveBuffer> buf;
  {
    std::lock_guard lock(self->priv->mutex);
    buf = self->priv->buffer;
  }
  if (!buf || !state) return GST_FLOW_FLUSHING;
  if (!state->track) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (nullptr), ("%s: data before caps",
                      GST_PAD_NAME(pad)));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  int64_t dts_rt = haze_dtsc_sink_running_time(&state->segment, GST_BUFFER_DTS(buffer));
  int64_t pts_rt = haze_dtsc_sink_running_time(&state->segment, GST_BUFFER_PTS(buffer));
  if (dts_rt == kNone) dts_rt = pts_rt;
  if (dts_rt == kNone) {
    GST_WARNING_OBJECT(pad, "dropping a buffer without timestamps");
    return GST_FLOW_OK;
  }
  const int64_t dts = haze_dtsc_sink_media_time(self, buf, dts_rt);
  const int64_t pts = pts_rt == kNone ? dts : dts + (pts_rt - dts_rt);
  const bool key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  if (!buf->Push(*state->track, std::move(owned), dts, pts, key))
    GST_DEBUG_OBJECT(pad, "frame refused (out of order) at %" G_GINT64_FORMAT, dts);
  haze_dtsc_sink_post_updates(self, buf);
  return GST_FLOW_OK;
}

static bool haze_dtsc_sink_all_eos(HazeDtscSink* self) {
  bool all = true;
  GST_OBJECT_LOCK(self);
  for (GList* l = GST_ELEMENT(self)->sinkpads; l; l = l->next) {
    auto* st = static_cast<PadState*>(gst_pad_get_element_private(GST_PAD(l->data)));
    // Pads that never got caps (a demuxer branch for an absent codec) never see EOS either.
    if (st && st->track && !st->eos) all = false;
  }
  GST_OBJECT_UNLOCK(self);
  return all;
}

static void haze_dtsc_sink_on_eos(HazeDtscSink* self, PadState* state) {
  state->eos = true;
  if (!haze_dtsc_sink_all_eos(self)) return;
  std::shared_ptr<LiveBuffer> buf;
  {
    std::lock_guard lock(self->priv->mutex);
    if (!self->priv->attached) return;
    self->priv->attached = false;
    buf = self->priv->buffer;
  }
  GST_INFO_OBJECT(self, "all pads at EOS: writer gone");
  if (buf) {
    buf->WriterGone();
    haze_dtsc_sink_post_updates(self, buf);
  }
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_eos(GST_OBJECT(self)));
}

static void haze_dtsc_sink_on_caps(HazeDtscSink* self, GstPad* pad, PadState* state,
                                   GstCaps* caps) {
  std::shared_ptr<LiveBuffer> buf;
  {
    std::lock_guard lock(self->priv->mutex);
    buf = self->priv->buffer;
  }
  if (!buf) return;
  if (state->track) {
    buf->UpdateCaps(*state->track, caps);
    return;
  }
  state->track = buf->AddTrack(caps);
  GST_INFO_OBJECT(pad, "track %d for %" GST_PTR_FORMAT, state->track ? (int)*state->track : -1,
                  caps);
}

static gboolean haze_dtsc_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  HazeDtscSink* self = HAZE_DTSC_SINK(parent);
  auto* state = static_cast<PadState*>(gst_pad_get_element_private(pad));
  MiniRef<GstEvent> owned = MiniRef<GstEvent>::Adopt(event);
  if (!state) return FALSE;
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      haze_dtsc_sink_on_caps(self, pad, state, caps);
      return state->track.has_value();
    }
    case GST_EVENT_SEGMENT: {
      const GstSegment* segment = nullptr;
      gst_event_parse_segment(event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, (nullptr), ("need a TIME segment"));
        return FALSE;
      }
      gst_segment_copy_into(segment, &state->segment);
      return TRUE;
    }
    case GST_EVENT_TAG: {
      GstTagList* tags = nullptr;
      gst_event_parse_tag(event, &tags);
      gchar* lang = nullptr;
      if (state->track && gst_tag_list_get_string(tags, GST_TAG_LANGUAGE_CODE, &lang)) {
        std::lock_guard lock(self->priv->mutex);
        if (self->priv->buffer) self->priv->buffer->SetLanguage(*state->track, lang);
      }
      g_free(lang);
      return TRUE;
    }
    case GST_EVENT_FLUSH_STOP: {
      gst_segment_init(&state->segment, GST_FORMAT_TIME);
      state->eos = false;
      std::lock_guard lock(self->priv->mutex);
      if (self->priv->buffer) {
        const int64_t last = self->priv->buffer->Stats().last_ts;
        self->priv->timeline.Reset();
        if (last != kNone) self->priv->timeline.SetFloor(last + 1);
        self->priv->buffer->MarkDiscont();
      }
      return TRUE;
    }
    case GST_EVENT_EOS:
      haze_dtsc_sink_on_eos(self, state);
      return TRUE;
    default:
      return TRUE;
  }
}

// --- state ---

static bool haze_dtsc_sink_start(HazeDtscSink* self) {
  HazeDtscSinkPrivate* priv = self->priv;
  std::lock_guard lock(priv->mutex);
  if (priv->settings.stream.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No stream name set"), (nullptr));
    return false;
  }
  priv->buffer = BufferRegistry::Get().Acquire(priv->settings.stream);
  haze::dtsc::BufferOptions opts = priv->buffer->options();
  if (priv->settings.dvr >= 0) opts.dvr_ms = priv->settings.dvr;
  if (priv->settings.segment_size >= 0) opts.segment_ms = priv->settings.segment_size;
  if (priv->settings.max_keepaway >= 0) opts.max_keepaway_ms = priv->settings.max_keepaway;
  if (priv->settings.resume >= 0) opts.resume = priv->settings.resume == 1;
  priv->buffer->SetOptions(opts);
  const haze::dtsc::BufferStats before = priv->buffer->Stats();
  priv->timeline.Reset();
  // A reconnecting publisher (resume) continues after the frames already in the buffer, even
  // when its clock says otherwise (e.g. the previous writer ran faster than real time).
  if (before.writers == 0 && before.last_ts != kNone)
    priv->timeline.SetFloor(before.last_ts + GST_MSECOND);
  priv->buffer->AttachWriter();
  priv->attached = true;
  priv->ready_posted = false;
  priv->posted_state = priv->buffer->Stats().state;
  GST_INFO_OBJECT(self, "writing stream %s", priv->settings.stream.c_str());
  return true;
}

static void haze_dtsc_sink_stop(HazeDtscSink* self) {
  std::shared_ptr<LiveBuffer> buf;
  bool attached = false;
  {
    std::lock_guard lock(self->priv->mutex);
    buf = std::move(self->priv->buffer);
    attached = std::exchange(self->priv->attached, false);
  }
  GST_OBJECT_LOCK(self);
  for (GList* l = GST_ELEMENT(self)->sinkpads; l; l = l->next) {
    auto* st = static_cast<PadState*>(gst_pad_get_element_private(GST_PAD(l->data)));
    if (!st) continue;
    if (st->track && buf) buf->ReleaseTrack(*st->track);
    st->track.reset();
    st->eos = false;
    gst_segment_init(&st->segment, GST_FORMAT_TIME);
  }
  GST_OBJECT_UNLOCK(self);
  if (buf && attached) buf->WriterGone();
}

static GstStateChangeReturn haze_dtsc_sink_change_state(GstElement* element,
                                                        GstStateChange transition) {
  HazeDtscSink* self = HAZE_DTSC_SINK(element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !haze_dtsc_sink_start(self))
    return GST_STATE_CHANGE_FAILURE;
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(haze_dtsc_sink_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) haze_dtsc_sink_stop(self);
  return ret;
}
