#include "triggers/handler_run.h"

#include <gio/gio.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "base/gst_ref.h"
#include "base/log.h"

#define GST_CAT_DEFAULT haze_trigger_debug

namespace haze::triggers {

// Shared machinery: reference count, cancellable, timers, capped output reading and Finish.
class HandlerRun {
 public:
  HandlerRun(const HandlerRequest& request, HandlerDone done, bool drain)
      : req_(request), done_(std::move(done)), drain_(drain) {}
  virtual ~HandlerRun() {
    StopTimers();
    g_object_unref(cancel_);
  }
  HandlerRun(const HandlerRun&) = delete;
  HandlerRun& operator=(const HandlerRun&) = delete;

  HandlerRun* Ref() {
    ++refs_;
    return this;
  }
  void Unref() {
    if (--refs_ == 0) delete this;
  }
  static void UnrefCb(gpointer p) { static_cast<HandlerRun*>(p)->Unref(); }

  // The starter dropped its reference: a run still going is cancelled silently.
  void Abandon() {
    if (!finished_) {
      finished_ = true;
      done_ = nullptr;
      StopTimers();
      g_cancellable_cancel(cancel_);
      KillNow();
    }
    Unref();
  }

 protected:
  virtual void KillNow() {}
  virtual void OnOutputEnd() = 0;

  GSource* AddTimer(uint32_t ms, GSourceFunc fn) {
    GSource* s = g_timeout_source_new(ms);
    g_source_set_callback(s, fn, Ref(), UnrefCb);
    g_source_attach(s, g_main_context_get_thread_default());
    timers_[timer_count_++] = s;
    return s;
  }
  void StopTimers() {
    for (size_t i = 0; i < timer_count_; ++i) {
      g_source_destroy(timers_[i]);
      g_source_unref(timers_[i]);
    }
    timer_count_ = 0;
  }

  // Fails asynchronously (never call `done` from inside Start).
  void FailLater(std::string error) {
    later_error_ = std::move(error);
    AddTimer(0, [](gpointer p) -> gboolean {
      auto* self = static_cast<HandlerRun*>(p);
      HandlerResult r;
      r.error = self->later_error_;
      self->Finish(std::move(r));
      return G_SOURCE_REMOVE;
    });
  }

  void ReadMore(GInputStream* stream) {
    Ref();
    g_input_stream_read_async(stream, buf_.data(), buf_.size(), G_PRIORITY_DEFAULT, cancel_, OnRead,
                              this);
  }

  void Finish(HandlerResult result) {
    if (finished_) return;
    Ref();
    finished_ = true;
    StopTimers();
    g_cancellable_cancel(cancel_);
    result.output = std::move(out_);
    GST_DEBUG("trigger %s handler finished: usable=%d ok=%d timeout=%d %s", req_.trigger.c_str(),
              result.usable, result.ok, result.timed_out, result.error.c_str());
    if (auto done = std::move(done_)) done(std::move(result));
    Unref();
  }

  HandlerRequest req_;
  HandlerDone done_;
  GCancellable* cancel_ = g_cancellable_new();
  bool finished_ = false;
  bool eof_ = false;

 private:
  static void OnRead(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<HandlerRun*>(data);
    GError* err = nullptr;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &err);
    if (err) g_error_free(err);
    if (!self->finished_) self->HandleRead(G_INPUT_STREAM(source), n);
    self->Unref();
  }
  void HandleRead(GInputStream* stream, gssize n) {
    if (n <= 0) {
      eof_ = true;
      OnOutputEnd();
      return;
    }
    size_t room = req_.max_output - std::min(req_.max_output, out_.size());
    out_.append(buf_.data(), std::min(room, static_cast<size_t>(n)));
    if (out_.size() >= req_.max_output && !drain_) {
      eof_ = true;
      OnOutputEnd();
      return;
    }
    ReadMore(stream);  // executables: keep draining so a flooding child never blocks on a pipe
  }

  int refs_ = 1;
  bool drain_;
  std::string out_;
  std::string later_error_;
  std::array<char, 4096> buf_{};
  std::array<GSource*, 4> timers_{};
  size_t timer_count_ = 0;
};

void ReleaseHandlerRun(HandlerRun* run) {
  if (run) run->Abandon();
}

namespace {

std::string HttpDate(int64_t unix_ms) {
  GDateTime* dt = g_date_time_new_from_unix_utc(unix_ms / 1000);
  char* s = soup_date_time_to_string(dt, SOUP_DATE_HTTP);
  std::string out = s ? s : "";
  g_free(s);
  g_date_time_unref(dt);
  return out;
}

class ExecRun final : public HandlerRun {
 public:
  ExecRun(const HandlerRequest& request, HandlerDone done)
      : HandlerRun(request, std::move(done), /*drain=*/true) {}
  ~ExecRun() override {
    if (proc_) g_object_unref(proc_);
  }

  void Start() {
    GSubprocessLauncher* l = g_subprocess_launcher_new(static_cast<GSubprocessFlags>(
        G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
        G_SUBPROCESS_FLAGS_STDERR_SILENCE));
    if (req_.trigger_protocol) SetTriggerEnv(l);
    for (const auto& [k, v] : req_.extra)
      g_subprocess_launcher_setenv(l, k.c_str(), v.c_str(), TRUE);
    std::vector<const char*> argv;
    if (req_.argv.empty()) {
      argv = {req_.handler.c_str(), req_.trigger.c_str()};
    } else {
      for (const auto& a : req_.argv) argv.push_back(a.c_str());
    }
    argv.push_back(nullptr);
    GError* err = nullptr;
    proc_ = g_subprocess_launcher_spawnv(l, argv.data(), &err);
    g_object_unref(l);
    if (!proc_) {
      FailLater(err ? err->message : "spawn failed");
      if (err) g_error_free(err);
      return;
    }
    g_output_stream_write_all_async(g_subprocess_get_stdin_pipe(proc_), req_.payload.data(),
                                    req_.payload.size(), G_PRIORITY_DEFAULT, cancel_, OnWritten,
                                    Ref());
    ReadMore(g_subprocess_get_stdout_pipe(proc_));
    g_subprocess_wait_async(proc_, cancel_, OnWait, Ref());
    AddTimer(req_.term_after_ms, OnTerm);
    AddTimer(std::max(req_.kill_after_ms, req_.term_after_ms), OnKill);
  }

 private:
  void SetTriggerEnv(GSubprocessLauncher* l) {
    g_subprocess_launcher_setenv(l, "MIST_TRIGGER", req_.trigger.c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_TRIG_DEF", req_.default_response.c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_PID", std::to_string(getpid()).c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_TUUID", req_.uuid.c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_TIME", std::to_string(req_.unix_ms).c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_DATE", HttpDate(req_.unix_ms).c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_INSTANCE", req_.instance.c_str(), TRUE);
    g_subprocess_launcher_setenv(l, "MIST_NAME", req_.server_name.c_str(), TRUE);
  }
  void KillNow() override {
    if (proc_ && !exited_) g_subprocess_force_exit(proc_);
  }
  void OnOutputEnd() override {
    if (exited_) Complete();
  }

  void Complete() {
    HandlerResult r;
    r.timed_out = term_sent_;
    if (term_sent_) {
      r.error = "timed out";
    } else if (g_subprocess_get_if_signaled(proc_)) {
      r.error = "killed by signal " + std::to_string(g_subprocess_get_term_sig(proc_));
    } else {
      r.usable = true;
      int code = g_subprocess_get_exit_status(proc_);
      r.ok = code == 0;
      if (!r.ok) r.error = "exit status " + std::to_string(code);
    }
    Finish(std::move(r));
  }

  static void OnWritten(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<ExecRun*>(static_cast<HandlerRun*>(data));
    GError* err = nullptr;
    g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, nullptr, &err);
    if (err) g_error_free(err);  // EPIPE when the handler does not read stdin: fine
    g_output_stream_close(G_OUTPUT_STREAM(source), nullptr, nullptr);
    self->Unref();
  }
  static void OnWait(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<ExecRun*>(static_cast<HandlerRun*>(data));
    GError* err = nullptr;
    gboolean done = g_subprocess_wait_finish(G_SUBPROCESS(source), res, &err);
    if (err) g_error_free(err);
    if (done && !self->finished_) {
      self->exited_ = true;
      if (self->eof_) {
        self->Complete();
      } else {
        // A background child of the handler may keep stdout open: use what was read so far.
        self->AddTimer(500, [](gpointer data) -> gboolean {
          auto* run = static_cast<ExecRun*>(static_cast<HandlerRun*>(data));
          if (!run->finished_) run->Complete();
          return G_SOURCE_REMOVE;
        });
      }
    }
    self->Unref();
  }
  static gboolean OnTerm(gpointer data) {
    auto* self = static_cast<ExecRun*>(static_cast<HandlerRun*>(data));
    if (!self->finished_ && !self->exited_) {
      GST_WARNING("trigger %s handler timed out, sending SIGTERM", self->req_.trigger.c_str());
      self->term_sent_ = true;
      g_subprocess_send_signal(self->proc_, SIGTERM);
    }
    return G_SOURCE_REMOVE;
  }
  static gboolean OnKill(gpointer data) {
    auto* self = static_cast<ExecRun*>(static_cast<HandlerRun*>(data));
    if (!self->finished_) {
      GST_WARNING("trigger %s handler still running, killing it", self->req_.trigger.c_str());
      self->term_sent_ = true;
      self->KillNow();
      self->Complete();
    }
    return G_SOURCE_REMOVE;
  }

  GSubprocess* proc_ = nullptr;
  bool exited_ = false;
  bool term_sent_ = false;
};

class HttpRun final : public HandlerRun {
 public:
  HttpRun(SoupSession* session, const HandlerRequest& request, HandlerDone done)
      : HandlerRun(request, std::move(done), /*drain=*/false),
        session_(static_cast<SoupSession*>(g_object_ref(session))) {}
  ~HttpRun() override {
    if (stream_) g_object_unref(stream_);
    if (msg_) g_object_unref(msg_);
    g_object_unref(session_);
  }

  void Start() {
    msg_ = soup_message_new(req_.method.c_str(), req_.handler.c_str());
    if (!msg_) {
      FailLater("invalid handler URL");
      return;
    }
    SoupMessageHeaders* h = soup_message_get_request_headers(msg_);
    if (req_.trigger_protocol) SetTriggerHeaders(h);
    for (const auto& [k, v] : req_.extra) soup_message_headers_replace(h, k.c_str(), v.c_str());
    if (req_.method == "POST") {
      GBytes* body = g_bytes_new(req_.payload.data(), req_.payload.size());
      soup_message_set_request_body_from_bytes(msg_, "text/plain", body);
      g_bytes_unref(body);
    }
    soup_session_send_async(session_, msg_, G_PRIORITY_DEFAULT, cancel_, OnSent, Ref());
    AddTimer(req_.term_after_ms, OnTimeout);
  }

 private:
  void SetTriggerHeaders(SoupMessageHeaders* h) {
    soup_message_headers_replace(h, "X-Trigger", req_.trigger.c_str());
    soup_message_headers_replace(h, "X-Trigger-UUID", req_.uuid.c_str());
    soup_message_headers_replace(h, "X-Trigger-UnixMillis", std::to_string(req_.unix_ms).c_str());
    soup_message_headers_replace(h, "Date", HttpDate(req_.unix_ms).c_str());
    soup_message_headers_replace(h, "X-PID", std::to_string(getpid()).c_str());
    if (!req_.instance.empty())
      soup_message_headers_replace(h, "X-Instance", req_.instance.c_str());
    if (!req_.server_name.empty()) {
      soup_message_headers_replace(h, "X-Name", req_.server_name.c_str());
    }
  }
  void OnOutputEnd() override {
    HandlerResult r;
    guint status = soup_message_get_status(msg_);
    r.usable = r.ok = SOUP_STATUS_IS_SUCCESSFUL(status);
    if (!r.ok) r.error = "HTTP status " + std::to_string(status);
    if (stream_) g_input_stream_close_async(stream_, G_PRIORITY_DEFAULT, nullptr, nullptr, nullptr);
    Finish(std::move(r));
  }

  static void OnSent(GObject* source, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<HttpRun*>(static_cast<HandlerRun*>(data));
    GError* err = nullptr;
    GInputStream* stream = soup_session_send_finish(SOUP_SESSION(source), res, &err);
    if (!self->finished_) {
      if (!stream) {
        HandlerResult r;
        r.error = err ? err->message : "request failed";
        self->Finish(std::move(r));
      } else {
        self->stream_ = static_cast<GInputStream*>(g_object_ref(stream));
        self->ReadMore(stream);
      }
    }
    if (stream) g_object_unref(stream);
    if (err) g_error_free(err);
    self->Unref();
  }
  static gboolean OnTimeout(gpointer data) {
    auto* self = static_cast<HttpRun*>(static_cast<HandlerRun*>(data));
    HandlerResult r;
    r.timed_out = true;
    r.error = "timed out";
    self->Finish(std::move(r));
    return G_SOURCE_REMOVE;
  }

  SoupSession* session_;
  SoupMessage* msg_ = nullptr;
  GInputStream* stream_ = nullptr;
};

}  // namespace

HandlerRunPtr StartExecHandler(const HandlerRequest& request, HandlerDone done) {
  auto* run = new ExecRun(request, std::move(done));
  run->Start();
  return HandlerRunPtr(run);
}

HandlerRunPtr StartHttpHandler(SoupSession* session, const HandlerRequest& request,
                               HandlerDone done) {
  auto* run = new HttpRun(session, request, std::move(done));
  run->Start();
  return HandlerRunPtr(run);
}

}  // namespace haze::triggers
