// ServerThread: runs a GMainLoop on its own thread and GMainContext for loopback tests; objects
// that live on the server side are created, used and destroyed there through Run().
// Thread: the test thread calls Run()/Stop(); callbacks run on the server thread.
#pragma once

#include <glib.h>

#include <functional>
#include <future>
#include <thread>

namespace haze::testing {

class ServerThread {
 public:
  ServerThread() {
    context_ = g_main_context_new();
    loop_ = g_main_loop_new(context_, FALSE);
    thread_ = std::thread([this] {
      g_main_context_push_thread_default(context_);
      g_main_loop_run(loop_);
      g_main_context_pop_thread_default(context_);
    });
  }
  ~ServerThread() { Stop(); }

  // Runs |fn| on the server thread and waits for it.
  void Run(std::function<void()> fn) {
    std::promise<void> done;
    auto* job = new std::pair<std::function<void()>, std::promise<void>*>(std::move(fn), &done);
    GSource* src = g_idle_source_new();  // always dispatched by the server thread
    g_source_set_callback(src, [](gpointer d) -> gboolean {
      auto* j = static_cast<std::pair<std::function<void()>, std::promise<void>*>*>(d);
      j->first();
      j->second->set_value();
      delete j;
      return G_SOURCE_REMOVE;
    }, job, nullptr);
    g_source_attach(src, context_);
    g_source_unref(src);
    done.get_future().wait();
  }

  void Stop() {
    if (!loop_) return;
    g_main_loop_quit(loop_);
    thread_.join();
    g_main_loop_unref(loop_);
    g_main_context_unref(context_);
    loop_ = nullptr;
  }
  GMainContext* context() const { return context_; }

 private:
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace haze::testing
