// Helpers for RTMP tests with real peers: a GMainContext pumped by the test thread (the server
// runs on it), and child processes (ffmpeg, ffprobe, gst-launch) spawned without a shell.
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace haze::testing {

class TestLoop {
 public:
  TestLoop() : ctx_(g_main_context_new()) { g_main_context_push_thread_default(ctx_); }
  ~TestLoop() {
    g_main_context_pop_thread_default(ctx_);
    g_main_context_unref(ctx_);
  }
  GMainContext* context() const { return ctx_; }
  // Iterates the context until |done| is true or |timeout_ms| passed; returns done().
  bool RunUntil(const std::function<bool()>& done, int timeout_ms) {
    gint64 end = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
    while (!done()) {
      if (g_get_monotonic_time() > end) return false;
      GSource* tick = g_timeout_source_new(20);
      g_source_set_callback(tick, [](gpointer) { return G_SOURCE_REMOVE; }, nullptr, nullptr);
      g_source_attach(tick, ctx_);
      g_main_context_iteration(ctx_, TRUE);
      g_source_destroy(tick);
      g_source_unref(tick);
    }
    return true;
  }
  void RunFor(int ms) {
    gint64 end = g_get_monotonic_time() + gint64(ms) * 1000;
    RunUntil([end] { return g_get_monotonic_time() > end; }, ms + 1000);
  }

 private:
  GMainContext* ctx_;
};

// A child process whose stdout/stderr are collected; completion arrives on the loop's context.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    for (const auto& a : argv) args.push_back(a.c_str());
    args.push_back(nullptr);
    GError* err = nullptr;
    proc_ = g_subprocess_newv(args.data(),
                              GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                               G_SUBPROCESS_FLAGS_STDERR_PIPE),
                              &err);
    if (!proc_) {
      err_ = err ? err->message : "spawn failed";
      g_clear_error(&err);
      done_ = true;
      status_ = -1;
      return;
    }
    g_subprocess_communicate_utf8_async(proc_, nullptr, nullptr, &Child::OnDone, this);
  }
  ~Child() {
    if (proc_ && !done_) g_subprocess_force_exit(proc_);
    // The async call holds its own ref; our pointer is left for the callback to find done.
    while (proc_ && !done_) g_main_context_iteration(g_main_context_get_thread_default(), TRUE);
    if (proc_) g_object_unref(proc_);
  }
  bool done() const { return done_; }
  int status() const { return status_; }  // exit code, -1 when killed or not started
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }
  void Interrupt() {
    if (proc_ && !done_) g_subprocess_send_signal(proc_, SIGINT);
  }

 private:
  static void OnDone(GObject* src, GAsyncResult* res, gpointer data) {
    auto* self = static_cast<Child*>(data);
    char* out = nullptr;
    char* err = nullptr;
    g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, &out, &err, nullptr);
    self->out_ = out ? out : "";
    self->err_ = err ? err : "";
    g_free(out);
    g_free(err);
    self->status_ = g_subprocess_get_if_exited(self->proc_)
                        ? g_subprocess_get_exit_status(self->proc_)
                        : -1;
    self->done_ = true;
  }
  GSubprocess* proc_ = nullptr;
  bool done_ = false;
  int status_ = -1;
  std::string out_, err_;
};

}  // namespace haze::testing
