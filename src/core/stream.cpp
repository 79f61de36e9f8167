#include "core/stream.h"

#include <gio/gunixinputstream.h>

#include <algorithm>
#include <utility>

#include "base/log.h"

#define GST_CAT_DEFAULT haze_core_debug

namespace haze::core {
namespace {

constexpr guint kPollIntervalMs = 250;

// Finds the template line that mentions |word| (for "no element \"foo\"" style errors).
std::string LocateInTemplate(const PipelineTemplate& tpl, const std::string& message) {
  auto q1 = message.find('"');
  auto q2 = q1 == std::string::npos ? q1 : message.find('"', q1 + 1);
  if (q2 == std::string::npos) return tpl.origin;
  std::string word = message.substr(q1 + 1, q2 - q1 - 1);
  for (const auto& [line, text] : tpl.body)
    if (text.find(word) != std::string::npos) return tpl.origin + ":" + std::to_string(line);
  return tpl.origin;
}

bool HasDtscSink(GstElement* pipeline) {
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  bool found = false;
  while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* e = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* f = gst_element_get_factory(e);
    found = f && g_strcmp0(GST_OBJECT_NAME(f), "dtscsink") == 0;
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return found;
}

}  // namespace

Stream::Stream(StreamName name, config::StreamConfig config, const TemplateSet& templates,
               StatusCallback on_status)
    : name_(std::move(name)),
      config_(std::move(config)),
      templates_(templates),
      on_status_(std::move(on_status)) {}

Stream::~Stream() {
  on_status_ = nullptr;
  Stop("stream removed");
}

Result<const PipelineTemplate*> Stream::SelectTemplate(
    std::map<std::string, std::string>* vars) const {
  return templates_.Select(config_.source, vars);
}

Result<ExpandedPipeline> Stream::Describe() const {
  std::map<std::string, std::string> vars = StreamVariables(name_);
  vars["source"] = config_.source;
  vars["exec_fd"] = "0";
  if (!config_.pipeline.empty()) {
    auto tpl = ParseTemplate("inline", "streams/" + name_.base + "/pipeline",
                             "# match: .*\n" + config_.pipeline);
    if (!tpl) return tpl.error();
    return ExpandTemplate(tpl.value(), vars);
  }
  auto tpl = SelectTemplate(&vars);
  if (!tpl) return tpl.error();
  if (tpl.value()->kind == TemplateKind::kPush)
    return Error{ErrorCode::kInvalidArgument,
                 "push:// streams have no pipeline: publishers feed the buffer", name_.full};
  return ExpandTemplate(*tpl.value(), vars);
}

Status Stream::Start() {
  if (status_ != StreamStatus::kOffline && status_ != StreamStatus::kFailed) return OkStatus();
  error_.clear();
  std::map<std::string, std::string> vars = StreamVariables(name_);
  vars["source"] = config_.source;
  PipelineTemplate inline_tpl;
  const PipelineTemplate* tpl = nullptr;
  if (!config_.pipeline.empty()) {
    auto parsed = ParseTemplate("inline", "streams/" + name_.base + "/pipeline",
                                "# match: .*\n" + config_.pipeline);
    if (!parsed) return parsed.error();
    inline_tpl = std::move(parsed.value());
    tpl = &inline_tpl;
  } else {
    auto selected = SelectTemplate(&vars);
    if (!selected) {
      SetStatus(StreamStatus::kFailed, selected.error().ToString());
      return selected.error();
    }
    tpl = selected.value();
  }
  kind_ = tpl->kind;
  started_unix_ = g_get_real_time() / G_USEC_PER_SEC;
  buffer_ = dtsc::BufferRegistry::Get().Acquire(name_.full);
  if (continue_from_) buffer_->ContinueNumbering(std::exchange(continue_from_, 0));
  dtsc::BufferOptions opts;
  opts.dvr_ms = config_.dvr_ms;
  opts.segment_ms = config_.segment_ms;
  opts.max_keepaway_ms = config_.max_keepaway_ms;
  opts.resume = config_.resume;
  opts.vod = kind_ == TemplateKind::kVod;
  buffer_->SetOptions(opts);
  SetStatus(StreamStatus::kBooting);
  poll_source_ = g_timeout_add(kPollIntervalMs, &Stream::OnPoll, this);
  if (kind_ == TemplateKind::kPush) {
    SetStatus(StreamStatus::kWaiting);
    return OkStatus();
  }
  if (!tpl->exec.empty()) {
    auto cmd = ExpandTemplate(*tpl, [&] {
      auto v = vars;
      v["exec_fd"] = "0";
      return v;
    }());
    if (!cmd) return cmd.error();
    auto fd = SpawnSourceCommand(cmd->exec);
    if (!fd) {
      Fail(fd.error().ToString());
      return fd.error();
    }
    vars["exec_fd"] = std::to_string(fd.value());
  }
  auto expanded = ExpandTemplate(*tpl, vars);
  if (!expanded) {
    Fail(expanded.error().ToString());
    return expanded.error();
  }
  GST_INFO("stream %s: starting template %s", name_.full.c_str(), tpl->origin.c_str());
  GError* err = nullptr;
  auto pipeline = GstRef<GstElement>::Adopt(
      gst_parse_launch_full(expanded->launch.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err));
  if (!pipeline) {
    GErrorPtr e(err);
    std::string msg = e ? e->message : "cannot parse";
    Error error{ErrorCode::kParse, msg, LocateInTemplate(*tpl, msg)};
    Fail(error.ToString());
    return error;
  }
  if (!GST_IS_BIN(pipeline.get()) || !HasDtscSink(pipeline.get())) {
    Error error{ErrorCode::kInvalidArgument, "the pipeline must end in dtscsink", tpl->origin};
    Fail(error.ToString());
    return error;
  }
  gst_object_set_name(GST_OBJECT(pipeline.get()), ("stream-" + name_.full).c_str());
  pipeline_ = std::move(pipeline);
  return StartPipeline(expanded.value());
}

Status Stream::StartPipeline(const ExpandedPipeline&) {
  GstBus* bus = gst_element_get_bus(pipeline_.get());
  bus_watch_ = gst_bus_add_watch(bus, &Stream::BusWatch, this);
  gst_object_unref(bus);
  if (gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The ERROR message on the bus carries the element and reason; take it now.
    GstBus* b = gst_element_get_bus(pipeline_.get());
    GstMessage* msg = gst_bus_pop_filtered(b, GST_MESSAGE_ERROR);
    gst_object_unref(b);
    std::string reason = "pipeline refused to start";
    if (msg) {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      reason = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " + (err ? err->message : "");
      if (err) g_error_free(err);
      gst_message_unref(msg);
    }
    Fail(reason);
    return Error{ErrorCode::kUnavailable, reason, name_.full};
  }
  return OkStatus();
}

Result<int> Stream::SpawnSourceCommand(const std::string& command) {
  gchar** argv = nullptr;
  GError* err = nullptr;
  // Split like a shell would, but never run one.
  if (!g_shell_parse_argv(command.c_str(), nullptr, &argv, &err)) {
    GErrorPtr e(err);
    return Error::FromGError(e.get(), ErrorCode::kInvalidArgument, name_.full + " source command");
  }
  command_ = GRef<GSubprocess>::Adopt(g_subprocess_newv(
      argv, static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_SILENCE),
      &err));
  std::string program = argv[0] ? argv[0] : "";
  g_strfreev(argv);
  if (!command_) {
    GErrorPtr e(err);
    return Error::FromGError(e.get(), ErrorCode::kUnavailable, name_.full + " source command");
  }
  GST_INFO("stream %s: started source command %s (pid %s)", name_.full.c_str(), program.c_str(),
           g_subprocess_get_identifier(command_.get()));
  GInputStream* out = g_subprocess_get_stdout_pipe(command_.get());
  return g_unix_input_stream_get_fd(G_UNIX_INPUT_STREAM(out));
}

void Stream::Stop(const std::string& reason) {
  bool was_running = status_ != StreamStatus::kOffline && status_ != StreamStatus::kFailed;
  if (was_running) SetStatus(StreamStatus::kShuttingDown, reason);
  Teardown();
  if (was_running) SetStatus(StreamStatus::kOffline, reason);
}

void Stream::Fail(const std::string& reason) {
  Teardown();
  SetStatus(StreamStatus::kFailed, reason);
}

void Stream::Teardown() {
  if (poll_source_) g_source_remove(poll_source_);
  poll_source_ = 0;
  if (bus_watch_) g_source_remove(bus_watch_);
  bus_watch_ = 0;
  if (pipeline_) {
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.Reset();
  }
  if (command_) {
    g_subprocess_force_exit(command_.get());
    command_.Reset();
  }
  if (buffer_) {
    buffer_->Close();  // readers end now (no resume wait)
    dtsc::BufferRegistry::Get().Remove(name_.full);
    buffer_.reset();
  }
  publishing_ = false;
}

void Stream::SetPublishing(bool publishing) {
  publishing_ = publishing;
  idle_since_ = 0;
  if (!publishing && status_ == StreamStatus::kOnline) SetStatus(StreamStatus::kWaiting);
}

void Stream::RemoveViewer() {
  if (viewers_ > 0) --viewers_;
}

int64_t Stream::IdleSeconds() const {
  if (viewers_ > 0 || publishing_) return 0;
  if (idle_since_ == 0) return 0;
  return g_get_monotonic_time() / G_USEC_PER_SEC - idle_since_;
}

void Stream::SetStatus(StreamStatus status, const std::string& detail) {
  if (status == status_ && detail.empty()) return;
  status_ = status;
  if (status == StreamStatus::kFailed) error_ = detail;
  if ((status == StreamStatus::kFailed || status == StreamStatus::kOffline) && viewers_ == 0)
    idle_since_ = g_get_monotonic_time() / G_USEC_PER_SEC;
  if (status == StreamStatus::kFailed)
    GST_WARNING("stream %s: %s: %s", name_.full.c_str(), StreamStatusName(status), detail.c_str());
  else
    GST_INFO("stream %s: %s%s%s", name_.full.c_str(), StreamStatusName(status),
             detail.empty() ? "" : ": ", detail.c_str());
  if (on_status_) on_status_(*this, status, detail);
}

void Stream::CheckPlayable() {
  if (!buffer_) return;
  bool playable = buffer_->Playable();
  if (playable && (status_ == StreamStatus::kWaiting || status_ == StreamStatus::kBooting))
    SetStatus(StreamStatus::kOnline);
  // Idle bookkeeping: start counting when nobody uses the stream.
  if (viewers_ == 0 && !publishing_ && idle_since_ == 0)
    idle_since_ = g_get_monotonic_time() / G_USEC_PER_SEC;
}

gboolean Stream::OnPoll(gpointer data) {
  static_cast<Stream*>(data)->CheckPlayable();
  return G_SOURCE_CONTINUE;
}

gboolean Stream::BusWatch(GstBus*, GstMessage* message, gpointer data) {
  static_cast<Stream*>(data)->OnBusMessage(message);
  return G_SOURCE_CONTINUE;
}

void Stream::OnBusMessage(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(message, &err, &debug);
      std::string reason =
          std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " + (err ? err->message : "");
      GST_DEBUG("stream %s error details: %s", name_.full.c_str(), debug ? debug : "");
      if (err) g_error_free(err);
      g_free(debug);
      Fail(reason);
      break;
    }
    case GST_MESSAGE_EOS:
      if (kind_ == TemplateKind::kVod) {
        GST_INFO("stream %s: file fully loaded", name_.full.c_str());
        CheckPlayable();
      } else {
        Stop("source ended");
      }
      break;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC(message) == GST_OBJECT(pipeline_.get())) {
        GstState old_state, new_state;
        gst_message_parse_state_changed(message, &old_state, &new_state, nullptr);
        GCharPtr dot(g_strdup_printf("haze-%s-%s", name_.full.c_str(),
                                     gst_element_state_get_name(new_state)));
        GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS(GST_BIN(pipeline_.get()), GST_DEBUG_GRAPH_SHOW_ALL,
                                          dot.get());
        if (new_state == GST_STATE_PLAYING && status_ == StreamStatus::kBooting)
          SetStatus(StreamStatus::kWaiting);
      }
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_message_has_name(message, "haze-buffer-ready")) CheckPlayable();
      if (on_message_) on_message_(*this, message);
      break;
    default:
      break;
  }
}

}  // namespace haze::core
