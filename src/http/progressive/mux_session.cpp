#include "http/progressive/mux_session.h"

#include <gst/app/gstappsink.h>

#include <cstring>

#include "base/log.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {

// State shared with the streaming thread; outlives the session while callbacks may run.
struct MuxSession::Shared {
  std::mutex mutex;
  std::vector<MiniRef<GstBuffer>> buffers;
  bool scheduled = false;
  MuxSession* session = nullptr;  // null once the session is gone (main thread only writes)
  GMainContext* context = nullptr;
};

std::string MuxOptions::Key() const {
  return stream + "|" + FormatExtension(format) + "|" + audio + "|" + video + "|" +
         std::to_string(start_ms) + "|" + std::to_string(stop_ms);
}

const char* FormatExtension(MuxFormat format) {
  switch (format) {
    case MuxFormat::kFlv: return "flv";
    case MuxFormat::kTs: return "ts";
    case MuxFormat::kMkv: return "mkv";
    case MuxFormat::kWebm: return "webm";
    case MuxFormat::kMp4: return "mp4";
  }
  return "bin";
}

const char* FormatMime(MuxFormat format) {
  switch (format) {
    case MuxFormat::kFlv: return "video/x-flv";
    case MuxFormat::kTs: return "video/mp2t";
    case MuxFormat::kMkv: return "video/x-matroska";
    case MuxFormat::kWebm: return "video/webm";
    case MuxFormat::kMp4: return "video/mp4";
  }
  return "application/octet-stream";
}

namespace {

constexpr guint kFlushMs = 100;

void SetIfExists(GObject* obj, const char* prop, const char* value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(obj), prop))
    gst_util_set_object_arg(obj, prop, value);
}

GstElement* MakeMuxer(MuxFormat format) {
  GstElement* mux = nullptr;
  switch (format) {
    case MuxFormat::kFlv:
      mux = gst_element_factory_make("flvmux", nullptr);
      if (mux) g_object_set(mux, "streamable", TRUE, nullptr);
      break;
    case MuxFormat::kTs:
      mux = gst_element_factory_make("mpegtsmux", nullptr);
      break;
    case MuxFormat::kMkv:
    case MuxFormat::kWebm:
      mux = gst_element_factory_make(format == MuxFormat::kMkv ? "matroskamux" : "webmmux", nullptr);
      if (mux) g_object_set(mux, "streamable", TRUE, nullptr);
      break;
    case MuxFormat::kMp4:
      mux = gst_element_factory_make("mp4mux", nullptr);
      if (mux) g_object_set(mux, "fragment-duration", 1000u, "streamable", TRUE, nullptr);
      break;
  }
  // Aggregator muxers in live mode time out on a track whose next frame is late and then emit
  // frames with wrong timestamps (flvmux 1.22 writes audio tags on the video's 40 ms grid).
  // Waiting up to 200 ms for every track keeps the interleave and the timestamps right.
  if (mux) SetIfExists(G_OBJECT(mux), "latency", "200000000");
  return mux;
}

// Parser for a track's caps, configured for late joiners; null = link directly.
GstElement* MakeParser(const GstStructure* s, MuxFormat format) {
  const char* name = gst_structure_get_name(s);
  GstElement* p = nullptr;
  if (g_str_equal(name, "video/x-h264")) {
    p = gst_element_factory_make("h264parse", nullptr);
    if (p && format == MuxFormat::kTs) g_object_set(p, "config-interval", -1, nullptr);
  } else if (g_str_equal(name, "video/x-h265")) {
    p = gst_element_factory_make("h265parse", nullptr);
    if (p && format == MuxFormat::kTs) g_object_set(p, "config-interval", -1, nullptr);
  } else if (g_str_equal(name, "audio/mpeg")) {
    int version = 0;
    gst_structure_get_int(s, "mpegversion", &version);
    p = gst_element_factory_make(version == 1 ? "mpegaudioparse" : "aacparse", nullptr);
  } else if (g_str_equal(name, "video/x-vp9")) {
    p = gst_element_factory_make("vp9parse", nullptr);
  } else if (g_str_equal(name, "video/x-av1")) {
    p = gst_element_factory_make("av1parse", nullptr);
  } else if (g_str_equal(name, "audio/x-opus")) {
    p = gst_element_factory_make("opusparse", nullptr);
  }
  return p;
}

}  // namespace

GstElement* MakeDtscSource(const MuxOptions& options) {
  GstElement* src = gst_element_factory_make("dtscsrc", nullptr);
  if (!src) return nullptr;
  GObject* o = G_OBJECT(src);
  SetIfExists(o, "stream-name", options.stream.c_str());
  SetIfExists(o, "stream", options.stream.c_str());
  if (!options.audio.empty()) SetIfExists(o, "audio", options.audio.c_str());
  if (!options.video.empty()) SetIfExists(o, "video", options.video.c_str());
  // dtscsrc takes ms (media time, or unix ms inside the DVR window).
  if (options.start_ms >= 0) SetIfExists(o, "start", std::to_string(options.start_ms).c_str());
  if (options.stop_ms >= 0) SetIfExists(o, "stop", std::to_string(options.stop_ms).c_str());
  return src;
}

MuxSession::MuxSession(MuxOptions options, SourceFactory factory, GMainContext* context)
    : options_(std::move(options)), factory_(std::move(factory)), context_(context),
      ring_(4 << 20, true), shared_(std::make_shared<Shared>()) {
  shared_->session = this;
  shared_->context = context;
}

MuxSession::~MuxSession() { Stop(); }

bool MuxSession::Wanted(bool video, const std::string&) {
  // The source applies the MistServer selectors (dtscsrc audio=/video=); here only what the
  // container can carry is enforced: FLV holds one track of each kind.
  const std::string& sel = video ? options_.video : options_.audio;
  if (sel == "none" || sel == "-1") return false;
  int linked = video ? linked_video_ : linked_audio_;
  return options_.format != MuxFormat::kFlv || linked == 0;
}

Status MuxSession::Start(DataFn on_data, EndFn on_end) {
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  pipeline_ = GstRef<GstElement>::Adopt(gst_pipeline_new(nullptr));
  GstElement* src = factory_(options_);
  mux_ = MakeMuxer(options_.format);
  GstElement* sink = gst_element_factory_make("appsink", nullptr);
  if (!src || !mux_ || !sink) {
    if (src) gst_object_unref(gst_object_ref_sink(src));
    if (mux_) gst_object_unref(gst_object_ref_sink(mux_));
    if (sink) gst_object_unref(gst_object_ref_sink(sink));
    mux_ = nullptr;
    return Error{ErrorCode::kUnavailable, "missing element (source, muxer or appsink)",
                 options_.stream};
  }
  g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline_.get()), src, mux_, sink, nullptr);
  gst_element_link(mux_, sink);

  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = [](GstAppSink* appsink, gpointer data) -> GstFlowReturn {
    auto* weak = static_cast<std::weak_ptr<Shared>*>(data);
    auto shared = weak->lock();
    GstSample* sample = gst_app_sink_pull_sample(appsink);
    if (!shared || !sample) {
      if (sample) gst_sample_unref(sample);
      return GST_FLOW_OK;
    }
    bool schedule = false;
    {
      std::lock_guard lock(shared->mutex);
      shared->buffers.push_back(MiniRef<GstBuffer>::Borrow(gst_sample_get_buffer(sample)));
      schedule = !shared->scheduled;
      shared->scheduled = true;
    }
    gst_sample_unref(sample);
    if (schedule) {
      // Batch: viewers are fed every kFlushMs, not per muxer buffer.
      auto* keep = new std::shared_ptr<Shared>(shared);
      GSource* timer = g_timeout_source_new(kFlushMs);
      g_source_set_callback(
          timer,
          [](gpointer d) -> gboolean {
            auto& sh = *static_cast<std::shared_ptr<Shared>*>(d);
            if (sh->session) sh->session->Drain();
            return G_SOURCE_REMOVE;
          },
          keep, [](gpointer d) { delete static_cast<std::shared_ptr<Shared>*>(d); });
      g_source_attach(timer, shared->context);
      g_source_unref(timer);
    }
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks,
                             new std::weak_ptr<Shared>(shared_),
                             [](gpointer d) { delete static_cast<std::weak_ptr<Shared>*>(d); });

  GstIterator* it = gst_element_iterate_src_pads(src);
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    LinkTrack(GST_PAD(g_value_get_object(&v)));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  g_signal_connect(src, "pad-added", G_CALLBACK(&MuxSession::OnPadAdded), this);

  GstBus* bus = gst_element_get_bus(pipeline_.get());
  bus_watch_ = gst_bus_create_watch(bus);
  g_source_set_callback(bus_watch_, reinterpret_cast<GSourceFunc>(+[](GstBus* b, GstMessage* m, gpointer d) {
    return OnBus(b, m, d);
  }), this, nullptr);
  g_source_attach(bus_watch_, context_);
  gst_object_unref(bus);
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    Stop();
    return Error{ErrorCode::kUnavailable, "the muxing pipeline did not start", options_.stream};
  }
  GST_INFO("mux session %s started", options_.Key().c_str());
  return OkStatus();
}

void MuxSession::OnPadAdded(GstElement*, GstPad* pad, gpointer self) noexcept {
  static_cast<MuxSession*>(self)->LinkTrack(pad);
}

void MuxSession::LinkTrack(GstPad* pad) {
  std::lock_guard lock(link_mutex_);
  if (!mux_ || gst_pad_is_linked(pad)) return;
  auto caps = MiniRef<GstCaps>::Adopt(gst_pad_get_current_caps(pad));
  if (!caps) caps = MiniRef<GstCaps>::Adopt(gst_pad_query_caps(pad, nullptr));
  if (!caps || gst_caps_is_empty(caps.get()) || gst_caps_is_any(caps.get())) return;
  const GstStructure* s = gst_caps_get_structure(caps.get(), 0);
  bool video = g_str_has_prefix(gst_structure_get_name(s), "video/");
  bool audio = g_str_has_prefix(gst_structure_get_name(s), "audio/");
  GCharPtr pad_name(gst_pad_get_name(pad));
  if ((!video && !audio) || !Wanted(video, pad_name.get())) return;
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  g_object_set(queue, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time",
               guint64{3 * GST_SECOND}, nullptr);
  GstElement* parser = MakeParser(s, options_.format);
  gst_bin_add(GST_BIN(pipeline_.get()), queue);
  if (parser) gst_bin_add(GST_BIN(pipeline_.get()), parser);
  GstElement* last = parser ? parser : queue;
  if (parser) gst_element_link(queue, parser);
  GstPad* out = gst_element_get_static_pad(last, "src");
  // Parsers send bitrate tags again and again; flvmux answers each with a new onMetaData tag
  // (~20 per second). Live outputs need no stream tags: drop them before the muxer.
  gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                    [](GstPad*, GstPadProbeInfo* info, gpointer) -> GstPadProbeReturn {
                      return GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_TAG
                                 ? GST_PAD_PROBE_DROP
                                 : GST_PAD_PROBE_OK;
                    },
                    nullptr, nullptr);
  GstPad* mux_pad = gst_element_get_compatible_pad(mux_, out, nullptr);
  bool ok = mux_pad && gst_pad_link(out, mux_pad) == GST_PAD_LINK_OK;
  gst_object_unref(out);
  if (mux_pad) gst_object_unref(mux_pad);
  GstPad* qsink = gst_element_get_static_pad(queue, "sink");
  ok = ok && gst_pad_link(pad, qsink) == GST_PAD_LINK_OK;
  gst_object_unref(qsink);
  if (!ok) {
    GST_WARNING("mux session %s: cannot mux track %s (%" GST_PTR_FORMAT ")",
                options_.Key().c_str(), pad_name.get(), caps.get());
    return;
  }
  ++mux_pads_;
  if (video) {
    if (!has_video_) video_track_id_ = static_cast<uint32_t>(mux_pads_);
    has_video_ = true;
    ++linked_video_;
  } else {
    ++linked_audio_;
  }
  if (parser) gst_element_sync_state_with_parent(parser);
  gst_element_sync_state_with_parent(queue);
}

void MuxSession::Drain() {
  std::vector<MiniRef<GstBuffer>> buffers;
  {
    std::lock_guard lock(shared_->mutex);
    buffers.swap(shared_->buffers);
    shared_->scheduled = false;
  }
  bool has_video;
  uint32_t video_id;
  {
    std::lock_guard lock(link_mutex_);
    has_video = has_video_;
    video_id = video_track_id_;
  }
  for (const auto& b : buffers) {
    GstMapInfo map;
    if (!gst_buffer_map(b.get(), &map, GST_MAP_READ)) continue;
    bool sync = IsSyncPoint(options_.format, map.data, map.size, has_video, video_id);
    ring_.Append(map.data, map.size, sync);
    gst_buffer_unmap(b.get(), &map);
  }
  ring_.Seal();
  if (on_data_ && !buffers.empty()) on_data_();
}

gboolean MuxSession::OnBus(GstBus*, GstMessage* msg, gpointer self) noexcept {
  auto* s = static_cast<MuxSession*>(self);
  std::string reason;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    reason = err ? err->message : "error";
    if (err) g_error_free(err);
    GST_WARNING("mux session %s: %s", s->options_.Key().c_str(), reason.c_str());
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
    reason = "end of stream";
  } else {
    return G_SOURCE_CONTINUE;
  }
  if (s->on_end_) {
    auto end = s->on_end_;  // may destroy the session
    end(reason);
  }
  return G_SOURCE_CONTINUE;
}

void MuxSession::Stop() {
  if (bus_watch_) {
    g_source_destroy(bus_watch_);
    g_source_unref(bus_watch_);
    bus_watch_ = nullptr;
  }
  if (shared_) {
    std::lock_guard lock(shared_->mutex);
    shared_->session = nullptr;
  }
  if (pipeline_) {
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.Reset();
  }
  mux_ = nullptr;
}

}  // namespace haze::http
