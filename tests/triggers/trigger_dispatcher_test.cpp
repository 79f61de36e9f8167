// TriggerDispatcher with real peers: executables (small sh scripts written at test time; the
// server itself never uses a shell) and a local SoupServer on port 0 as the HTTP handler.
#include "triggers/trigger_dispatcher.h"

#include <gtest/gtest.h>

#include "support/script_dir.h"
#include "support/soup_listen.h"
#include <libsoup/soup.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

namespace haze::triggers {
namespace {

class TriggerDispatcherTest : public test::ScriptDirTest {
 protected:
  static HandlerConfig Handler(std::string handler, bool sync,
                               std::optional<std::string> def = std::nullopt) {
    HandlerConfig h;
    h.handler = std::move(handler);
    h.sync = sync;
    h.default_response = std::move(def);
    return h;
  }
  Decision DecideAndWait(TriggerDispatcher& d, const char* name, const std::string& stream,
                         const std::vector<std::string>& lines) {
    std::optional<Decision> out;
    d.Decide(name, stream, lines, [&](Decision x) { out = std::move(x); });
    EXPECT_TRUE(RunUntil([&] { return out.has_value(); }));
    return out.value_or(Decision{});
  }

  static DispatcherOptions Fast() {
    DispatcherOptions o;
    o.term_after_ms = 400;
    o.kill_after_ms = 900;
    o.max_response_bytes = 1000;
    return o;
  }

  std::string dir_;
};

TEST_F(TriggerDispatcherTest, ExecutableGetsExactPayloadArgvAndEnvironment) {
  std::string h = Script("h",
                         "cat > \"$(dirname \"$0\")/payload\"\n"
                         "env | grep '^MIST_' | sort > \"$(dirname \"$0\")/env\"\n"
                         "echo \"$#:$1\" > \"$(dirname \"$0\")/argv\"");
  DispatcherOptions o = Fast();
  o.server_name = "haze-test";
  TriggerDispatcher d(o);
  d.SetConfig({{"STREAM_BUFFER", {Handler(h, false, "dflt")}}});
  d.Fire("STREAM_BUFFER", "live", {"live", "FULL", "{\"buffer\":1}"});
  EXPECT_EQ(d.running(), 1u);
  ASSERT_TRUE(RunUntil([&] { return d.running() == 0; }));
  EXPECT_EQ(Read("payload"), "live\nFULL\n{\"buffer\":1}");
  EXPECT_EQ(Read("argv"), "1:STREAM_BUFFER\n");
  std::string env = Read("env");
  EXPECT_NE(env.find("MIST_TRIGGER=STREAM_BUFFER\n"), std::string::npos) << env;
  EXPECT_NE(env.find("MIST_TRIG_DEF=dflt\n"), std::string::npos);
  EXPECT_NE(env.find("MIST_PID=" + std::to_string(getpid()) + "\n"), std::string::npos);
  EXPECT_NE(env.find("MIST_NAME=haze-test\n"), std::string::npos);
  EXPECT_NE(env.find("MIST_TUUID="), std::string::npos);
  EXPECT_NE(env.find("MIST_TIME=1"), std::string::npos);
  EXPECT_NE(env.find("GMT\n"), std::string::npos);  // MIST_DATE is an HTTP date
  auto stats = d.Stats().at("STREAM_BUFFER");
  EXPECT_EQ(stats.count, 1u);
  EXPECT_EQ(stats.fails, 0u);
}

TEST_F(TriggerDispatcherTest, StreamFilterSelectsHandlers) {
  std::string h =
      Script("h", "cat >> \"$(dirname \"$0\")/seen\"; echo >> \"$(dirname \"$0\")/seen\"");
  TriggerDispatcher d(Fast());
  HandlerConfig only_live = Handler(h, false);
  only_live.streams = StreamFilter({"live"});
  d.SetConfig({{"CONN_CLOSE", {only_live}}, {"PUSH_REWRITE", {only_live}}});
  d.Fire("CONN_CLOSE", "other", {"other"});
  EXPECT_EQ(d.running(), 0u);
  EXPECT_FALSE(d.HasHandlers("CONN_CLOSE", "other"));
  EXPECT_TRUE(d.HasHandlers("CONN_CLOSE", "live+x"));
  // Not stream-specific: the filter is ignored.
  EXPECT_TRUE(d.HasHandlers("PUSH_REWRITE", "other"));
  d.Fire("CONN_CLOSE", "live+x", {"live+x"});
  ASSERT_TRUE(RunUntil([&] { return d.running() == 0; }));
  EXPECT_EQ(Read("seen"), "live+x\n");
}

// The seeds' token example: rtmp://host/live/<token> becomes stream "live"; a wrong key is refused.
TEST_F(TriggerDispatcherTest, PushRewriteMapsSecretKeyAndRefusesWrongKey) {
  std::string h = Script("rewrite",
                         "read url; read ip; read name\n"
                         "if [ \"$name\" = \"s3cr3t\" ]; then echo live; else echo; fi");
  TriggerDispatcher d(Fast());
  d.SetConfig({{"PUSH_REWRITE", {Handler(h, true)}}});
  Decision ok =
      DecideAndWait(d, "PUSH_REWRITE", "", {"rtmp://127.0.0.1/live/s3cr3t", "127.0.0.1", "s3cr3t"});
  EXPECT_TRUE(ok.handled);
  EXPECT_TRUE(ok.allow);
  EXPECT_EQ(ok.response, "live");  // trimmed: no newline in the stream name
  Decision bad =
      DecideAndWait(d, "PUSH_REWRITE", "", {"rtmp://127.0.0.1/live/guess", "127.0.0.1", "guess"});
  EXPECT_TRUE(bad.handled);
  EXPECT_FALSE(bad.allow);
  EXPECT_EQ(bad.response, "");
}

TEST_F(TriggerDispatcherTest, LiveBandwidthHonoursThreshold) {
  std::string no = Script("no", "cat >/dev/null; echo false");
  TriggerDispatcher d(Fast());
  HandlerConfig h = Handler(no, true);
  h.params = "1000000";
  d.SetConfig({{"LIVE_BANDWIDTH", {h}}});
  Decision below = DecideAndWait(d, "LIVE_BANDWIDTH", "s", {"s", "999999"});
  EXPECT_FALSE(below.handled);
  EXPECT_TRUE(below.allow);
  Decision above = DecideAndWait(d, "LIVE_BANDWIDTH", "s", {"s", "1000000"});
  EXPECT_TRUE(above.handled);
  EXPECT_FALSE(above.allow);
}

TEST_F(TriggerDispatcherTest, BoolTriggersNeedEveryHandler) {
  std::string yes = Script("yes", "cat >/dev/null; echo YES");
  std::string no = Script("no", "cat >/dev/null; echo 0");
  TriggerDispatcher d(Fast());
  d.SetConfig({{"CONN_PLAY", {Handler(yes, true), Handler(yes, true)}},
               {"STREAM_PUSH", {Handler(yes, true), Handler(no, true)}}});
  EXPECT_TRUE(DecideAndWait(d, "CONN_PLAY", "s", {"s"}).allow);
  EXPECT_FALSE(DecideAndWait(d, "STREAM_PUSH", "s", {"s"}).allow);
  // Nothing configured: allowed, synchronously.
  bool called = false;
  d.Decide("CONN_OPEN", "s", {"s"}, [&](Decision x) {
    called = true;
    EXPECT_FALSE(x.handled);
    EXPECT_TRUE(x.allow);
  });
  EXPECT_TRUE(called);
}

TEST_F(TriggerDispatcherTest, HangingHandlerTimesOutToDefault) {
  std::string hang = Script("hang", "exec sleep 30");
  std::string stubborn = Script("stubborn", "trap '' TERM\nexec sleep 30");
  TriggerDispatcher d(Fast());
  d.SetConfig(
      {{"CONN_PLAY", {Handler(hang, true, "false")}}, {"PLAY_REWRITE", {Handler(stubborn, true)}}});
  Decision a = DecideAndWait(d, "CONN_PLAY", "s", {"s"});
  EXPECT_FALSE(a.allow);  // default "false"
  // Ignores SIGTERM: killed, and a rewrite without default denies (never "true").
  Decision b = DecideAndWait(d, "PLAY_REWRITE", "s", {"s"});
  EXPECT_FALSE(b.allow);
  EXPECT_EQ(b.response, "");
  EXPECT_EQ(d.Stats().at("CONN_PLAY").fails, 1u);
  EXPECT_EQ(d.Stats().at("PLAY_REWRITE").fails, 1u);
}

TEST_F(TriggerDispatcherTest, CrashingAndMissingHandlersUseDefault) {
  std::string crash = Script("crash", "kill -SEGV $$");
  TriggerDispatcher d(Fast());
  d.SetConfig({{"DEFAULT_STREAM", {Handler(crash, true)}},
               {"PUSH_OUT_START", {Handler(crash, true, "/tmp/fallback.mkv\n")}},
               {"CONN_OPEN", {Handler(dir_ + "/does-not-exist", true)}}});
  EXPECT_FALSE(DecideAndWait(d, "DEFAULT_STREAM", "s", {"", "s", "h", "HLS", "/"}).allow);
  Decision p = DecideAndWait(d, "PUSH_OUT_START", "s", {"s", "/x.mkv"});
  EXPECT_TRUE(p.allow);
  EXPECT_EQ(p.response, "/tmp/fallback.mkv");
  // Missing executable on a bool trigger: MistServer's default "true".
  EXPECT_TRUE(DecideAndWait(d, "CONN_OPEN", "s", {"s"}).allow);
  EXPECT_EQ(d.Stats().at("CONN_OPEN").fails, 1u);
}

TEST_F(TriggerDispatcherTest, BackgroundChildHoldingStdoutDoesNotStallTheAnswer) {
  std::string h = Script("bg", "cat >/dev/null; echo live; sleep 1 &");
  TriggerDispatcher d(Fast());
  d.SetConfig({{"PUSH_REWRITE", {Handler(h, true)}}});
  Decision x = DecideAndWait(d, "PUSH_REWRITE", "", {"u", "ip", "n"});
  EXPECT_TRUE(x.allow);
  EXPECT_EQ(x.response, "live");
  EXPECT_EQ(d.Stats().at("PUSH_REWRITE").fails, 0u);
}

TEST_F(TriggerDispatcherTest, FloodingHandlerIsCapped) {
  std::string flood = Script("flood", "cat >/dev/null; head -c 3000000 /dev/zero | tr '\\0' a");
  std::string endless = Script("endless", "exec yes");
  TriggerDispatcher d(Fast());
  d.SetConfig({{"PUSH_REWRITE", {Handler(flood, true)}},
               {"STREAM_SOURCE", {Handler(endless, true, "fallback")}}});
  Decision a = DecideAndWait(d, "PUSH_REWRITE", "", {"u", "ip", "n"});
  EXPECT_EQ(a.response, std::string(1000, 'a'));
  Decision b = DecideAndWait(d, "STREAM_SOURCE", "s", {"s"});
  EXPECT_EQ(b.response, "fallback");  // never finished: timed out
}

TEST_F(TriggerDispatcherTest, RunningHandlersAreBounded) {
  std::string slow = Script("slow", "exec sleep 30");
  DispatcherOptions o = Fast();
  o.max_running = 2;
  TriggerDispatcher d(o);
  d.SetConfig({{"CONN_CLOSE", {Handler(slow, false)}}, {"CONN_PLAY", {Handler(slow, true, "0")}}});
  for (int i = 0; i < 5; ++i) d.Fire("CONN_CLOSE", "s", {"s"});
  EXPECT_EQ(d.running(), 2u);
  EXPECT_EQ(d.Stats().at("CONN_CLOSE").fails, 3u);
  // A sync trigger over the limit gets its default at once.
  bool called = false;
  d.Decide("CONN_PLAY", "s", {"s"}, [&](Decision x) {
    called = true;
    EXPECT_FALSE(x.allow);
  });
  EXPECT_TRUE(called);
}

TEST_F(TriggerDispatcherTest, AsyncHandlersNeverDelayTheCaller) {
  std::string slow = Script("slow", "exec sleep 30");
  TriggerDispatcher d(Fast());
  d.SetConfig({{"CONN_OPEN", {Handler(slow, false)}}});
  bool called = false;
  d.Decide("CONN_OPEN", "s", {"s"}, [&](Decision) { called = true; });
  EXPECT_TRUE(called);
  EXPECT_EQ(d.running(), 1u);
  // The destructor kills it (no stray process).
}

struct HttpPeer {
  SoupServer* server = nullptr;
  std::string url;
  std::string body, trigger, uuid, millis, pid, content_type, name, method;
  int requests = 0;
  guint status = 200;
  std::string reply = "newname\n";
  bool hang = false;
  std::vector<SoupServerMessage*> paused;

  HttpPeer() {
    server = soup_server_new(nullptr, nullptr);
    soup_server_add_handler(server, "/", OnRequest, this, nullptr);
    GError* err = nullptr;
    const int port = haze::testing::ListenLoopback(server, 0, &err);
    EXPECT_EQ(err, nullptr);
    url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  }
  ~HttpPeer() {
    for (auto* m : paused) g_object_unref(m);
    soup_server_disconnect(server);
    g_object_unref(server);
  }
  static void OnRequest(SoupServer*, SoupServerMessage* msg, const char*, GHashTable*,
                        gpointer data) {
    auto* self = static_cast<HttpPeer*>(data);
    ++self->requests;
    SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
    auto get = [&](const char* n) {
      const char* v = soup_message_headers_get_one(h, n);
      return std::string(v ? v : "");
    };
    self->method = soup_server_message_get_method(msg);
    self->trigger = get("X-Trigger");
    self->uuid = get("X-Trigger-UUID");
    self->millis = get("X-Trigger-UnixMillis");
    self->pid = get("X-PID");
    self->name = get("X-Name");
    self->content_type = get("Content-Type");
    SoupMessageBody* b = soup_server_message_get_request_body(msg);
    self->body.assign(b->data ? b->data : "", b->length);
    if (self->hang) {
      soup_server_message_pause(msg);
      self->paused.push_back(static_cast<SoupServerMessage*>(g_object_ref(msg)));
      return;
    }
    soup_server_message_set_status(msg, self->status, nullptr);
    soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_COPY, self->reply.data(),
                                     self->reply.size());
  }
};

TEST_F(TriggerDispatcherTest, HttpHandlerGetsPostWithMistHeaders) {
  HttpPeer peer;
  DispatcherOptions o = Fast();
  o.server_name = "edge-1";
  TriggerDispatcher d(o);
  d.SetConfig({{"PUSH_REWRITE", {Handler(peer.url, true)}}});
  Decision x = DecideAndWait(d, "PUSH_REWRITE", "", {"rtmp://h/live/key", "10.0.0.1", "key"});
  EXPECT_TRUE(x.allow);
  EXPECT_EQ(x.response, "newname");
  EXPECT_EQ(peer.method, "POST");
  EXPECT_EQ(peer.body, "rtmp://h/live/key\n10.0.0.1\nkey");
  EXPECT_EQ(peer.trigger, "PUSH_REWRITE");
  EXPECT_EQ(peer.content_type, "text/plain");
  EXPECT_EQ(peer.pid, std::to_string(getpid()));
  EXPECT_EQ(peer.name, "edge-1");
  EXPECT_EQ(peer.uuid.size(), 36u);
  EXPECT_GT(std::stoll(peer.millis), 1600000000000LL);
}

TEST_F(TriggerDispatcherTest, HttpFailuresAndTimeoutsUseDefault) {
  HttpPeer peer;
  TriggerDispatcher d(Fast());
  d.SetConfig(
      {{"PUSH_REWRITE", {Handler(peer.url, true)}}, {"CONN_PLAY", {Handler(peer.url, true, "0")}}});
  peer.status = 500;
  EXPECT_FALSE(DecideAndWait(d, "PUSH_REWRITE", "", {"u", "ip", "n"}).allow);
  peer.status = 200;
  peer.hang = true;
  EXPECT_FALSE(DecideAndWait(d, "CONN_PLAY", "s", {"s"}).allow);
  EXPECT_EQ(d.Stats().at("PUSH_REWRITE").fails, 1u);
  EXPECT_EQ(d.Stats().at("CONN_PLAY").fails, 1u);
}

}  // namespace
}  // namespace haze::triggers
