// Stream info (json_/info_, X-Mst-Path, public address, offline/unknown streams), the embed
// page, Prometheus (checked by promtool) and the /ws API WebSocket.
#include <set>

#include "http/stream_info.h"
#include "support/http_fixture.h"

namespace haze::testing {
namespace {

using InfoTest = HttpLayerFixture;

std::vector<std::pair<std::string, std::string>> Sources(const Json& j) {
  std::vector<std::pair<std::string, std::string>> out;
  JsonNode* s = j.Get("source");
  if (!s || !JSON_NODE_HOLDS_ARRAY(s)) return out;
  JsonArray* a = json_node_get_array(s);
  for (guint i = 0; i < json_array_get_length(a); ++i) {
    JsonObject* o = json_array_get_object_element(a, i);
    out.emplace_back(ObjString(o, "type"), ObjString(o, "url"));
  }
  return out;
}

TEST_F(InfoTest, JsonInfoHasMistShape) {
  HttpResult r = HttpRequest("GET", MediaUrl("/json_videogen.js"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  Json j(r.body);
  EXPECT_EQ(ObjString(j.obj(), "type"), "live");
  EXPECT_EQ(json_object_get_int_member(j.obj(), "width"), 640);
  EXPECT_EQ(json_object_get_int_member(j.obj(), "height"), 360);
  EXPECT_EQ(json_object_get_int_member(j.obj(), "unixoffset"), 1700000000000);
  JsonObject* meta = j.Object("meta");
  ASSERT_TRUE(meta);
  EXPECT_EQ(json_object_get_int_member(meta, "buffer_window"), 10000);
  JsonObject* tracks = json_object_get_object_member(meta, "tracks");
  JsonObject* video = json_object_get_object_member(tracks, "video_H264_640x360_25fps_0");
  ASSERT_TRUE(video) << r.body;
  EXPECT_EQ(ObjString(video, "codec"), "H264");
  EXPECT_EQ(json_object_get_int_member(video, "bps"), 75000);
  auto sources = Sources(j);
  std::string base = "http://127.0.0.1:" + std::to_string(http_port_) + "/";
  auto has = [&](const std::string& type, const std::string& url) {
    for (const auto& s : sources)
      if (s.first == type && s.second == url) return true;
    return false;
  };
  EXPECT_TRUE(has("html5/video/mp4", base + "videogen.mp4")) << r.body;
  EXPECT_TRUE(has("flash/7", base + "videogen.flv"));
  EXPECT_TRUE(has("html5/video/mpeg", base + "videogen.ts"));
  EXPECT_TRUE(has("html5/application/vnd.apple.mpegurl", base + "hls/videogen/index.m3u8"));
  EXPECT_TRUE(has("dash/video/mp4", base + "cmaf/videogen/index.mpd"));
  EXPECT_TRUE(has("rtsp", "rtsp://127.0.0.1:5554/videogen"));
  EXPECT_FALSE(has("html5/video/webm", base + "videogen.webm"));  // H.264/AAC does not fit WebM
}

TEST_F(InfoTest, XMstPathAndPublicAddressRewriteUrls) {
  Json j(HttpRequest("GET", MediaUrl("/json_videogen.js"), {},
                     {{"X-Mst-Path", "https://cdn.example.com/live/"}}).body);
  auto sources = Sources(j);
  ASSERT_FALSE(sources.empty());
  for (const auto& [type, url] : sources) {
    if (type == "rtsp") {
      EXPECT_EQ(url, "rtsp://cdn.example.com:5554/videogen");
    } else if (type == "flash/10") {
      EXPECT_EQ(url, "rtmp://cdn.example.com:1935/play/videogen");
    } else {
      EXPECT_EQ(url.rfind("https://cdn.example.com/live/", 0), 0u) << url;
    }
  }
  server_.Run([this] {
    json_object_set_string_member(config_->Section("config"), "public_address", "https://pub.example.org/haze");
    ASSERT_TRUE(config_->Changed().ok());
  });
  Json p(HttpRequest("GET", MediaUrl("/json_videogen.js")).body);
  for (const auto& [type, url] : Sources(p))
    if (url.rfind("http", 0) == 0) {
      EXPECT_EQ(url.rfind("https://pub.example.org/haze/", 0), 0u) << url;
    }
  // The embed page uses the forwarded base too.
  HttpResult page = HttpRequest("GET", MediaUrl("/videogen.html"), {}, {{"X-Mst-Path", "https://cdn.example.com/live/"}});
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("https://cdn.example.com/live/player.js"), std::string::npos);
}

TEST_F(InfoTest, InfoJsIsAnAssignment) {
  HttpResult r = HttpRequest("GET", MediaUrl("/info_videogen.js"));
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("mistvideo['videogen'] = {"), std::string::npos) << r.body;
}

TEST_F(InfoTest, UnknownIs404AndOfflineStartsOnDemand) {
  HttpResult unknown = HttpRequest("GET", MediaUrl("/json_nosuch.js"));
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find("not configured"), std::string::npos);
  EXPECT_EQ(HttpRequest("GET", MediaUrl("/nosuch.flv")).status, 404u);
  EXPECT_EQ(HttpRequest("GET", MediaUrl("/nosuch.html")).status, 404u);

  // Configured, never becomes ready: 503 + Retry-After after a short wait, and it was started.
  server_.Run([this] { backend_->configured.push_back("sleepy"); });
  HttpResult r = HttpRequest("GET", MediaUrl("/json_sleepy.js"));
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.Header("Retry-After"), "2");
  server_.Run([this] { EXPECT_EQ(backend_->started.front(), "sleepy"); });

  // Configured and it comes up: the request waits and gets the info.
  server_.Run([this] {
    backend_->configured.push_back("quick");
    backend_->start_makes_playable = true;
  });
  EXPECT_EQ(HttpRequest("GET", MediaUrl("/json_quick.js")).status, 200u);
}

TEST_F(InfoTest, PlayerJsIsServed) {
  HttpResult r = HttpRequest("GET", MediaUrl("/player.js"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "application/javascript");
  EXPECT_NE(r.body.find("hazePlay"), std::string::npos);
}

TEST_F(InfoTest, PrometheusIsValidExposition) {
  server_.Run([this] {
    backend_->streams["videogen"].snap.viewers = 3;
    layer_->set_trigger_stats([] {
      return std::map<std::string, http::TriggerStat>{{"PUSH_REWRITE", {4, 120, 1}}};
    });
  });
  HttpResult r = HttpRequest("GET", ApiUrl("/metrics"));
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("mist_sessions_total{sessType=\"viewers\"} 3\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("mist_trigger_count{trigger=\"PUSH_REWRITE\"} 4\n"), std::string::npos);
  EXPECT_NE(r.body.find("haze_stream_buffer_window_seconds{stream=\"videogen\"} 10\n"), std::string::npos);
  if (!HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
  ProgramResult check = RunProgram({"promtool", "check", "metrics"}, r.body);
  // 0 = clean; 3 = lint only. The one lint finding allowed is MistServer's camelCase label
  // `sessType`, which its Grafana dashboards need; everything else must be clean.
  EXPECT_TRUE(check.exit_code == 0 || check.exit_code == 3) << check.out << check.err;
  gchar** problems = g_strsplit((check.out + check.err).c_str(), "\n", -1);
  for (gchar** l = problems; *l; ++l)
    if (**l) {
      EXPECT_NE(std::string(*l).find("label names should be written in 'snake_case'"),
                std::string::npos) << *l;
    }
  g_strfreev(problems);
  // No duplicate series.
  std::set<std::string> series;
  gchar** lines = g_strsplit(r.body.c_str(), "\n", -1);
  for (gchar** l = lines; *l; ++l) {
    if (**l == '#' || **l == 0) continue;
    std::string line = *l;
    EXPECT_TRUE(series.insert(line.substr(0, line.rfind(' '))).second) << line;
  }
  g_strfreev(lines);

  Json j(HttpRequest("GET", ApiUrl("/metrics.json")).body);
  EXPECT_EQ(json_object_get_int_member(json_object_get_object_member(j.Object("triggers"), "PUSH_REWRITE"), "fails"), 1);
  EXPECT_TRUE(json_object_has_member(j.Object("streams"), "videogen"));
}

// Connects to ws://.../ws on the test thread and collects text frames for a while.
std::vector<std::string> WsFrames(const std::string& url, const std::vector<std::string>& send,
                                  unsigned wait_ms) {
  GMainContext* ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  SoupSession* session = soup_session_new();
  SoupMessage* msg = soup_message_new("GET", url.c_str());
  struct State {
    SoupWebsocketConnection* conn = nullptr;
    bool done = false;
    std::vector<std::string> frames;
  } st;
  soup_session_websocket_connect_async(session, msg, nullptr, nullptr, G_PRIORITY_DEFAULT, nullptr,
      [](GObject* src, GAsyncResult* res, gpointer d) {
        auto* st = static_cast<State*>(d);
        st->conn = soup_session_websocket_connect_finish(SOUP_SESSION(src), res, nullptr);
        st->done = true;
      }, &st);
  while (!st.done) g_main_context_iteration(ctx, TRUE);
  if (st.conn) {
    g_signal_connect(st.conn, "message", G_CALLBACK(+[](SoupWebsocketConnection*, gint, GBytes* b, gpointer d) {
      gsize n = 0;
      const char* p = static_cast<const char*>(g_bytes_get_data(b, &n));
      static_cast<State*>(d)->frames.emplace_back(p, n);
    }), &st);
    for (const auto& s : send) soup_websocket_connection_send_text(st.conn, s.c_str());
    int64_t end = g_get_monotonic_time() + wait_ms * 1000;
    while (g_get_monotonic_time() < end) g_main_context_iteration(ctx, FALSE), g_usleep(2000);
    soup_websocket_connection_close(st.conn, SOUP_WEBSOCKET_CLOSE_NORMAL, nullptr);
    g_object_unref(st.conn);
  }
  g_object_unref(msg);
  g_object_unref(session);
  g_main_context_pop_thread_default(ctx);
  g_main_context_unref(ctx);
  return st.frames;
}

TEST_F(InfoTest, ApiWebSocketSendsAuthLogsAndStreams) {
  server_.Run([this] {
    log_->Install();
    GST_CAT_WARNING(haze_core_debug, "before connect");
  });
  std::string url = "ws://127.0.0.1:" + std::to_string(api_port_) + "/ws?logs=10&streams=1";
  auto frames = WsFrames(url, {}, 300);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_EQ(frames[0], "[\"auth\",true]");
  bool log = false, stream = false;
  for (const auto& f : frames) {
    if (f.find("[\"log\",") == 0 && f.find("before connect") != std::string::npos) log = true;
    if (f.find("[\"stream\",[\"videogen\",\"Online\"") == 0) stream = true;
  }
  EXPECT_TRUE(log);
  EXPECT_TRUE(stream);
}

TEST_F(InfoTest, StreamInfoWebSocketPushesInfo) {
  std::string url = "ws://127.0.0.1:" + std::to_string(http_port_) + "/json_videogen.js";
  auto frames = WsFrames(url, {}, 200);
  ASSERT_FALSE(frames.empty());
  Json j(frames[0]);
  EXPECT_EQ(ObjString(j.obj(), "type"), "live");
}

}  // namespace
}  // namespace haze::testing
