#include "push/push.h"

#include <gst/base/gstbasesink.h>

#include <atomic>

#include "base/log.h"
#include "triggers/variables.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::push {
namespace {

constexpr size_t kMaxLogs = 10;

GSource* AddTimeout(guint ms, GSourceFunc fn, gpointer data) {
  GSource* s = g_timeout_source_new(ms);
  g_source_set_callback(s, fn, data, nullptr);
  g_source_attach(s, g_main_context_get_thread_default());
  return s;
}

std::string JsonString(JsonNode* node) {
  gchar* s = json_to_string(node, FALSE);
  std::string out = s;
  g_free(s);
  json_node_unref(node);
  return out;
}

GstElement* MakeElement(const ElementSpec& spec) {
  GstElement* e = gst_element_factory_make(spec.factory.c_str(), nullptr);
  if (!e) return nullptr;
  for (const auto& [k, v] : spec.props) gst_util_set_object_arg(G_OBJECT(e), k.c_str(), v.c_str());
  return e;
}

// Parser for a track, or nullptr when the caps need none.
GstElement* MakeParser(const GstStructure* s, bool repeat_headers) {
  std::string_view name = gst_structure_get_name(s);
  GstElement* p = nullptr;
  if (name == "video/x-h264") p = gst_element_factory_make("h264parse", nullptr);
  if (name == "video/x-h265") p = gst_element_factory_make("h265parse", nullptr);
  if (p && repeat_headers) g_object_set(p, "config-interval", -1, nullptr);
  if (name == "audio/mpeg") {
    int version = 0;
    gst_structure_get_int(s, "mpegversion", &version);
    p = gst_element_factory_make(version == 1 ? "mpegaudioparse" : "aacparse", nullptr);
  }
  if (name == "audio/x-opus") p = gst_element_factory_make("opusparse", nullptr);
  return p;
}

// Only the media type (and mpegversion): parsers convert stream-format/alignment, so the muxer
// template must be matched on what the parser can produce, not on the source's exact caps.
GstCaps* LooseCaps(const GstCaps* caps) {
  GstCaps* out = gst_caps_new_empty();
  for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
    const GstStructure* s = gst_caps_get_structure(caps, i);
    GstStructure* l = gst_structure_new_empty(gst_structure_get_name(s));
    if (const GValue* v = gst_structure_get_value(s, "mpegversion")) {
      gst_structure_set_value(l, "mpegversion", v);
    }
    gst_caps_append_structure(out, l);
  }
  return out;
}

bool MuxAccepts(GstElement* mux, const GstCaps* exact) {
  GstCaps* caps = LooseCaps(exact);
  for (const GList* l = gst_element_class_get_pad_template_list(GST_ELEMENT_GET_CLASS(mux)); l;
       l = l->next) {
    auto* templ = static_cast<GstPadTemplate*>(l->data);
    if (GST_PAD_TEMPLATE_DIRECTION(templ) != GST_PAD_SINK) continue;
    GstCaps* tc = gst_pad_template_get_caps(templ);
    bool ok = gst_caps_can_intersect(tc, caps);
    gst_caps_unref(tc);
    if (ok) {
      gst_caps_unref(caps);
      return true;
    }
  }
  gst_caps_unref(caps);
  return false;
}

// A request pad of the muxer for a track: by template name when the muxer names its pads by
// kind (splitmuxsink, hlssink2, mp4mux...), else by caps.
GstPad* RequestMuxPad(GstElement* mux, const char* kind, GstPad* from, GstCaps* exact) {
  GstCaps* caps = LooseCaps(exact);
  GstPad* pad = nullptr;
  for (const GList* l = gst_element_class_get_pad_template_list(GST_ELEMENT_GET_CLASS(mux)); l;
       l = l->next) {
    auto* templ = static_cast<GstPadTemplate*>(l->data);
    if (GST_PAD_TEMPLATE_DIRECTION(templ) != GST_PAD_SINK ||
        GST_PAD_TEMPLATE_PRESENCE(templ) != GST_PAD_REQUEST ||
        !g_str_has_prefix(GST_PAD_TEMPLATE_NAME_TEMPLATE(templ), kind)) {
      continue;
    }
    GstCaps* tc = gst_pad_template_get_caps(templ);
    bool ok = gst_caps_can_intersect(tc, caps);
    gst_caps_unref(tc);
    if (ok) {
      pad = gst_element_request_pad(mux, templ, nullptr, nullptr);
      break;
    }
  }
  if (!pad) pad = gst_element_get_compatible_pad(mux, from, caps);
  gst_caps_unref(caps);
  return pad;
}

}  // namespace

struct Push::Branch {
  Push* push = nullptr;
  bool video = false;
  bool started = false;
  std::atomic<bool> eos_sent{false};
};

SourceFactory DefaultSourceFactory() {
  return [](const std::string& stream, const PushParams& p) -> GstElement* {
    GstElement* src = gst_element_factory_make("dtscsrc", nullptr);
    if (!src) return nullptr;
    auto has = [&](const char* prop) {
      return g_object_class_find_property(G_OBJECT_GET_CLASS(src), prop) != nullptr;
    };
    g_object_set(src, has("stream") ? "stream" : "stream-name", stream.c_str(), nullptr);
    if (!p.audio.empty() && has("audio")) g_object_set(src, "audio", p.audio.c_str(), nullptr);
    if (!p.video.empty() && has("video")) g_object_set(src, "video", p.video.c_str(), nullptr);
    if (p.recstop_ms && has("stop")) g_object_set(src, "stop", gint64{*p.recstop_ms}, nullptr);
    if (p.realtime && has("realtime")) g_object_set(src, "realtime", TRUE, nullptr);
    if (has("start")) {
      if (p.pushdelay_s) {
        gint64 start = g_get_real_time() / 1000 - gint64{*p.pushdelay_s} * 1000;
        g_object_set(src, "start", start, nullptr);  // unix ms inside the DVR window
      } else if (p.recstart_ms) {
        g_object_set(src, "start", gint64{*p.recstart_ms}, nullptr);
      }
    }
    return src;
  };
}

Push::Push(uint64_t id, std::string stream, std::string original_target, std::string target,
           PushTarget parsed)
    : id_(id),
      stream_(std::move(stream)),
      original_target_(std::move(original_target)),
      target_(std::move(target)),
      parsed_(std::move(parsed)) {
  InitLogging();
}

Push::~Push() {
  if (stop_timer_) {
    GSource* s = g_main_context_find_source_by_id(g_main_context_get_thread_default(), stop_timer_);
    if (s) g_source_destroy(s);
  }
  if (pipeline_) {
    if (bus_watch_) {
      GstBus* bus = gst_element_get_bus(pipeline_);
      gst_bus_remove_watch(bus);
      gst_object_unref(bus);
    }
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
}

void Push::Log(std::string line) {
  GST_INFO("push %" G_GUINT64_FORMAT " (%s): %s", id_, stream_.c_str(), line.c_str());
  std::lock_guard<std::mutex> guard(logs_lock_);
  logs_.push_back(std::move(line));
  while (logs_.size() > kMaxLogs) logs_.pop_front();
}

Status Push::Start(const SourceFactory& source, EndCallback on_end) {
  on_end_ = std::move(on_end);
  auto plan = PlanSink(parsed_);
  if (!plan.ok()) return plan.error();
  plan_ = std::move(plan.value());
  GstElement* src = source(stream_, parsed_.params);
  if (!src) return Error{ErrorCode::kUnavailable, "no source element for the stream", stream_};
  mux_ = MakeElement(plan_.mux);
  GstElement* sink = plan_.sink ? MakeElement(*plan_.sink) : nullptr;
  if (!mux_ || (plan_.sink && !sink)) {
    gst_object_unref(gst_object_ref_sink(src));
    if (mux_) gst_object_unref(gst_object_ref_sink(mux_));
    if (sink) gst_object_unref(gst_object_ref_sink(sink));
    return Error{ErrorCode::kUnavailable, "muxer or sink element missing", DescribePlan(plan_)};
  }
  pipeline_ = gst_pipeline_new(("push-" + std::to_string(id_)).c_str());
  gst_object_ref_sink(pipeline_);
  gst_bin_add_many(GST_BIN(pipeline_), src, mux_, nullptr);
  if (sink) {
    gst_bin_add(GST_BIN(pipeline_), sink);
    gst_element_link(mux_, sink);
    GstPad* sp = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(
        sp,
        static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        OnSinkBuffer, this, nullptr);
    gst_object_unref(sp);
  }
  if (!plan_.split_location.empty()) {
    g_signal_connect(mux_, "format-location-full", G_CALLBACK(OnFormatLocation), this);
  }
  g_signal_connect(src, "pad-added", G_CALLBACK(OnPadAdded), this);
  g_signal_connect(src, "no-more-pads", G_CALLBACK(OnNoMorePads), this);
  GstIterator* it = gst_element_iterate_src_pads(src);
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    LinkSourcePad(GST_PAD(g_value_get_object(&v)));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  GstBus* bus = gst_element_get_bus(pipeline_);
  bus_watch_ = gst_bus_add_watch(bus, OnBusMessage, this);
  gst_object_unref(bus);
  start_unix_ms_ = g_get_real_time() / 1000;
  Log("starting: " + DescribePlan(plan_));
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    End("READ_START_FAILURE", "pipeline failed to start");
    return Error{ErrorCode::kUnavailable, "push pipeline failed to start", stream_};
  }
  return OkStatus();
}

gchar* Push::OnFormatLocation(GstElement*, guint fragment, GstSample* first, gpointer data) {
  auto* self = static_cast<Push*>(data);
  GstBuffer* buf = first ? gst_sample_get_buffer(first) : nullptr;
  GstSegment* seg = first ? gst_sample_get_segment(first) : nullptr;
  GstClockTime ts = buf ? (GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf))
                        : GST_CLOCK_TIME_NONE;
  if (seg && GST_CLOCK_TIME_IS_VALID(ts)) {
    ts = gst_segment_to_running_time(seg, GST_FORMAT_TIME, ts);
  }
  triggers::VariableMap vars = {
      {"segmentCounter", std::to_string(fragment)},
      {"currentMediaTime", std::to_string(GST_CLOCK_TIME_IS_VALID(ts) ? ts / GST_MSECOND : 0)}};
  std::string path = triggers::ExpandVariables(self->plan_.split_location, vars);
  {
    std::lock_guard<std::mutex> guard(self->stats_.lock);
    self->stats_.segments.push_back(path);
  }
  return g_strdup(path.c_str());
}

void Push::OnNoMorePads(GstElement* src, gpointer data) {
  auto* self = static_cast<Push*>(data);
  int branches;
  {
    std::lock_guard<std::mutex> guard(self->stats_.lock);
    branches = self->stats_.branches;
  }
  if (branches > 0) return;
  GError* err = g_error_new_literal(GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
                                    "no track of the stream fits the push target");
  gst_element_post_message(src, gst_message_new_error(GST_OBJECT(src), err, nullptr));
  g_error_free(err);
}

void Push::OnPadAdded(GstElement*, GstPad* pad, gpointer self) {
  static_cast<Push*>(self)->LinkSourcePad(pad);
}

void Push::LinkSourcePad(GstPad* pad) {
  std::lock_guard<std::mutex> guard(link_lock_);
  if (gst_pad_is_linked(pad)) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = gst_caps_get_size(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  std::string media = s ? gst_structure_get_name(s) : "";
  bool video = media.rfind("video/", 0) == 0;
  bool audio = media.rfind("audio/", 0) == 0;
  bool wanted =
      ((video && parsed_.params.video != "none") || (audio && parsed_.params.audio != "none")) &&
      MuxAccepts(mux_, caps);
  if (!wanted && (video || audio)) Log("track " + media + " left out");
  GstElement* parser = wanted && s ? MakeParser(s, plan_.repeat_headers) : nullptr;
  GstElement* queue = gst_element_factory_make(wanted ? "queue" : "fakesink", nullptr);
  if (!wanted) g_object_set(queue, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(pipeline_), queue);
  if (parser) gst_bin_add(GST_BIN(pipeline_), parser);
  GstElement* first = parser ? parser : queue;
  GstPad* first_sink = gst_element_get_static_pad(first, "sink");
  gst_pad_link(pad, first_sink);
  gst_object_unref(first_sink);
  if (parser) gst_element_link(parser, queue);
  if (wanted) {
    GstPad* qsrc = gst_element_get_static_pad(queue, "src");
    GstPad* mux_pad = RequestMuxPad(mux_, video ? "video" : "audio", qsrc, caps);
    if (!mux_pad || gst_pad_link(qsrc, mux_pad) != GST_PAD_LINK_OK) {
      Log("track " + media + " could not be linked to " + plan_.mux.factory);
    } else {
      auto branch = std::make_unique<Branch>();
      branch->push = this;
      branch->video = video;
      GstPad* probe_pad = gst_element_get_static_pad(queue, "sink");
      gst_pad_add_probe(probe_pad, GST_PAD_PROBE_TYPE_BUFFER, OnBuffer, branch.get(), nullptr);
      gst_object_unref(probe_pad);
      std::lock_guard<std::mutex> stats_guard(stats_.lock);
      ++stats_.branches;
      stats_.tracks.push_back(media);
      branches_.push_back(std::move(branch));
    }
    if (mux_pad) gst_object_unref(mux_pad);
    gst_object_unref(qsrc);
  }
  gst_caps_unref(caps);
  if (parser) gst_element_sync_state_with_parent(parser);
  gst_element_sync_state_with_parent(queue);
}

GstPadProbeReturn Push::OnBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  auto* b = static_cast<Branch*>(data);
  Push* self = b->push;
  if (b->eos_sent) return GST_PAD_PROBE_DROP;
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  const PushParams& p = self->parsed_.params;
  // Running time: comparable across tracks whatever the encoder's timestamp offset.
  if (GstEvent* seg_event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0)) {
    const GstSegment* seg = nullptr;
    gst_event_parse_segment(seg_event, &seg);
    if (seg->format == GST_FORMAT_TIME) ts = gst_segment_to_running_time(seg, GST_FORMAT_TIME, ts);
    gst_event_unref(seg_event);
  }
  int64_t t = GST_CLOCK_TIME_IS_VALID(ts) ? static_cast<int64_t>(ts) : -1;
  bool stop = self->stopping_;
  {
    std::lock_guard<std::mutex> guard(self->stats_.lock);
    auto& st = self->stats_;
    if (b->video && !b->started) {
      // Recordings start on a keyframe.
      if (GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT)) return GST_PAD_PROBE_DROP;
      st.video_started = true;
    }
    b->started = true;
    if (t >= 0 && st.first_pts < 0) st.first_pts = t;
    bool planned = p.duration_s && st.first_pts >= 0 &&
                   t - st.first_pts >= static_cast<int64_t>(*p.duration_s * GST_SECOND);
    if (planned) st.planned_stop = true;
    stop = stop || planned;
    if (!stop && t > st.last_pts) st.last_pts = t;
  }
  if (!stop) return GST_PAD_PROBE_OK;
  b->eos_sent = true;
  gst_pad_send_event(pad, gst_event_new_eos());
  return GST_PAD_PROBE_DROP;
}

GstPadProbeReturn Push::OnSinkBuffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<Push*>(data);
  uint64_t size = 0;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    size = gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
  } else {
    size = gst_buffer_list_calculate_size(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  }
  std::lock_guard<std::mutex> guard(self->stats_.lock);
  self->stats_.bytes += size;
  return GST_PAD_PROBE_OK;
}

gboolean Push::OnBusMessage(GstBus*, GstMessage* msg, gpointer data) {
  static_cast<Push*>(data)->HandleBusMessage(msg);
  return G_SOURCE_CONTINUE;
}

void Push::HandleBusMessage(GstMessage* msg) {
  if (ended_) return;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_EOS: {
      bool planned;
      {
        std::lock_guard<std::mutex> guard(stats_.lock);
        planned = stats_.planned_stop;
      }
      planned = planned || parsed_.params.recstop_ms.has_value();  // the source stopped there
      if (planned) {
        End("CLEAN_INTENDED_STOP", "planned stopping point reached");
      } else if (stopping_) {
        End("CLEAN_CONTROLLER_REQ", "stopped on request");
      } else {
        End("CLEAN_EOF", "end of input reached");
      }
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      std::string text = err ? err->message : "unknown error";
      if (err) g_error_free(err);
      bool sink_side = GST_MESSAGE_SRC(msg) == GST_OBJECT(mux_) ||
                       (plan_.sink && GST_IS_BASE_SINK(GST_MESSAGE_SRC(msg)));
      Log("error: " + text);
      End(sink_side ? "WRITE_FAILURE" : "INTERNAL_ERROR", text);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      Log(std::string("warning: ") + (err ? err->message : ""));
      if (err) g_error_free(err);
      break;
    }
    default:
      break;
  }
}

void Push::Stop(bool graceful) {
  if (!pipeline_ || ended_ || stopping_) return;
  stopping_ = true;
  Log(graceful ? "graceful stop requested" : "stop requested");
  guint ms = graceful ? 5000 : (parsed_.is_file() ? 1000 : 0);
  if (ms == 0) {
    End("CLEAN_CONTROLLER_REQ", "stopped on request");
    return;
  }
  // The buffer probes turn the next frame of every track into EOS; this timer covers a source
  // that sends nothing more.
  GSource* s = AddTimeout(
      ms,
      [](gpointer data) -> gboolean {
        auto* self = static_cast<Push*>(data);
        self->stop_timer_ = 0;
        self->End("CLEAN_CONTROLLER_REQ", "stopped on request (forced)");
        return G_SOURCE_REMOVE;
      },
      this);
  stop_timer_ = g_source_get_id(s);
  g_source_unref(s);
}

void Push::End(std::string machine, std::string human) {
  if (ended_) return;
  ended_ = true;
  machine_reason_ = std::move(machine);
  human_reason_ = std::move(human);
  stop_unix_ms_ = g_get_real_time() / 1000;
  if (stop_timer_) {
    GSource* s = g_main_context_find_source_by_id(g_main_context_get_thread_default(), stop_timer_);
    if (s) g_source_destroy(s);
    stop_timer_ = 0;
  }
  if (bus_watch_) {
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_watch(bus);
    gst_object_unref(bus);
    bus_watch_ = 0;
  }
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  Log("ended: " + machine_reason_ + " (" + human_reason_ + ")");
  if (auto cb = std::move(on_end_)) cb(*this);  // may destroy this
}

std::string Push::StatsSnapshotJson() const {
  JsonNode* n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, StatusJson());
  return JsonString(n);
}

JsonObject* Push::StatusJson() const {
  JsonObject* o = json_object_new();
  std::lock_guard<std::mutex> guard(stats_.lock);
  int64_t media_ms = stats_.first_pts >= 0 ? (stats_.last_pts - stats_.first_pts) / GST_MSECOND : 0;
  int64_t now = ended_ ? stop_unix_ms_ : g_get_real_time() / 1000;
  int64_t active_ms = start_unix_ms_ ? now - start_unix_ms_ : 0;
  json_object_set_int_member(o, "mediatime",
                             stats_.last_pts >= 0 ? stats_.last_pts / GST_MSECOND : 0);
  json_object_set_int_member(o, "media_tx", media_ms);
  json_object_set_int_member(o, "active_seconds", active_ms / 1000);
  json_object_set_int_member(o, "active_ms", active_ms);
  json_object_set_int_member(o, "bytes", static_cast<gint64>(stats_.bytes));
  json_object_set_string_member(o, "current_target", target_.c_str());
  JsonArray* tracks = json_array_new();
  for (const auto& t : stats_.tracks) json_array_add_string_element(tracks, t.c_str());
  json_object_set_array_member(o, "tracks", tracks);
  if (ended_) json_object_set_string_member(o, "exit_reason", machine_reason_.c_str());
  return o;
}

std::vector<std::string> Push::OutputEndPayload() const {
  std::lock_guard<std::mutex> guard(stats_.lock);
  auto ms = [](int64_t ns) {
    return ns >= 0 ? std::to_string(ns / GST_MSECOND) : std::string("0");
  };
  int64_t media_ms = stats_.first_pts >= 0 ? (stats_.last_pts - stats_.first_pts) / GST_MSECOND : 0;
  int64_t stop = stop_unix_ms_ ? stop_unix_ms_ : g_get_real_time() / 1000;
  return {stream_,
          target_,
          parsed_.connector(),
          std::to_string(stats_.bytes),
          std::to_string((stop - start_unix_ms_) / 1000),
          std::to_string(start_unix_ms_ / 1000),
          std::to_string(stop / 1000),
          std::to_string(media_ms),
          ms(stats_.first_pts),
          ms(stats_.last_pts),
          machine_reason_,
          human_reason_};
}

std::vector<std::string> Push::PushEndPayload() const {
  JsonNode* logs = json_node_new(JSON_NODE_ARRAY);
  JsonArray* a = json_array_new();
  {
    std::lock_guard<std::mutex> guard(logs_lock_);
    for (const auto& l : logs_) json_array_add_string_element(a, l.c_str());
  }
  json_node_take_array(logs, a);
  return {std::to_string(id_), stream_, original_target_, target_, JsonString(logs),
          StatsSnapshotJson()};
}

JsonNode* Push::ListEntry() const {
  JsonArray* a = json_array_new();
  json_array_add_int_element(a, static_cast<gint64>(id_));
  json_array_add_string_element(a, stream_.c_str());
  json_array_add_string_element(a, original_target_.c_str());
  json_array_add_string_element(a, target_.c_str());
  JsonArray* logs = json_array_new();
  {
    std::lock_guard<std::mutex> guard(logs_lock_);
    for (const auto& l : logs_) json_array_add_string_element(logs, l.c_str());
  }
  json_array_add_array_element(a, logs);
  json_array_add_object_element(a, StatusJson());
  JsonNode* n = json_node_new(JSON_NODE_ARRAY);
  json_node_take_array(n, a);
  return n;
}

}  // namespace haze::push
