// JSON API over real HTTP: transport, authorization, command table, config round trips.
#include "haze_build_config.h"
#include "http/api/auth.h"
#include "support/http_fixture.h"

namespace haze::testing {
namespace {

using ApiTest = HttpLayerFixture;
const std::map<std::string, std::string> kProxied = {{"X-Forwarded-For", "203.0.113.9"}};

TEST_F(ApiTest, LocalRequestIsAuthorizedAndAnswersInMistShape) {
  HttpResult r = Api(R"({"version": true})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header("Content-Type"), "text/javascript");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  Json j(r.body);
  ASSERT_TRUE(j.obj()) << r.body;
  EXPECT_EQ(ObjString(j.Object("authorize"), "status"), "OK");
  EXPECT_TRUE(json_object_get_boolean_member(j.Object("authorize"), "local"));
  EXPECT_EQ(json_object_get_int_member(j.obj(), "LTS"), 1);
  EXPECT_EQ(ObjString(j.Object("version"), "version"), HAZE_VERSION);
  // Not minimal: config, streams and log come along.
  EXPECT_TRUE(j.Has("config"));
  EXPECT_TRUE(j.Has("streams"));
  EXPECT_TRUE(j.Has("log"));
}

TEST_F(ApiTest, Api2IsMinimal) {
  Json j(Api(R"({"version": true})", {}, "/api2").body);
  EXPECT_TRUE(j.Has("version"));
  EXPECT_FALSE(j.Has("config"));
  EXPECT_FALSE(j.Has("log"));
  Json k(Api(R"({"version": true, "minimal": 1})").body);
  EXPECT_FALSE(k.Has("config"));
}

TEST_F(ApiTest, ChallengeResponseWithFirstAccount) {
  // Through a proxy: no auto-authorization, and no account yet.
  Json none(Api(R"({"version": true})", kProxied).body);
  EXPECT_EQ(ObjString(none.Object("authorize"), "status"), "NOACC");
  EXPECT_FALSE(none.Has("version"));

  Json made(Api(R"({"authorize": {"new_username": "admin", "new_password": "s3cret"}, "version": true})",
                kProxied).body);
  EXPECT_EQ(ObjString(made.Object("authorize"), "status"), "ACC_MADE");
  EXPECT_TRUE(made.Has("version"));
  server_.Run([this] {
    EXPECT_EQ(config_->typed().accounts.at("admin"), http::Md5Hex("s3cret"));
  });

  Json chall(Api(R"({"authorize": {"username": "admin", "password": ""}})", kProxied).body);
  EXPECT_EQ(ObjString(chall.Object("authorize"), "status"), "CHALL");
  std::string challenge = ObjString(chall.Object("authorize"), "challenge");
  ASSERT_EQ(challenge.size(), 32u);
  EXPECT_EQ(challenge, http::AuthChallenge("127.0.0.1", g_get_real_time() / G_USEC_PER_SEC));

  std::string good = http::Md5Hex(http::Md5Hex("s3cret") + challenge);
  Json ok(Api(R"({"authorize": {"username": "admin", "password": ")" + good + R"("}, "version": true})",
              kProxied).body);
  EXPECT_EQ(ObjString(ok.Object("authorize"), "status"), "OK");
  EXPECT_TRUE(ok.Has("version"));

  Json bad(Api(R"({"authorize": {"username": "admin", "password": "0123"}, "version": true})", kProxied).body);
  EXPECT_EQ(ObjString(bad.Object("authorize"), "status"), "CHALL");
  EXPECT_FALSE(bad.Has("version"));

  // Header form: a wrong password gets 403 with a json challenge.
  auto h = kProxied;
  h["Authorization"] = R"(json {"username": "admin", "password": "nope"})";
  HttpResult denied = Api(R"({"version": true})", h);
  EXPECT_EQ(denied.status, 403u);
  EXPECT_NE(denied.Header("WWW-Authenticate").find("json"), std::string::npos);
  h["Authorization"] = R"(json {"username": "admin", "password": ")" + good + R"("})";
  EXPECT_TRUE(Json(Api(R"({"version": true})", h).body).Has("version"));
}

TEST_F(ApiTest, LocalAutoAuthCanBeSwitchedOff) {
  server_.Run([this] {
    json_object_set_boolean_member(
        json_object_get_object_member(config_->Section("config"), "controller"), "local_auto_auth", FALSE);
    ASSERT_TRUE(config_->Changed().ok());
  });
  Json j(Api(R"({"version": true})").body);
  EXPECT_EQ(ObjString(j.Object("authorize"), "status"), "NOACC");
}

TEST_F(ApiTest, SeveralCommandsAreAnsweredUnderTheirKeys) {
  Json j(Api(R"({"addstream": {"cam": {"source": "push://"}}, "active_streams": true,
                 "capabilities": true, "bogus_command": 1, "minimal": 1})").body);
  ASSERT_TRUE(j.obj());
  EXPECT_TRUE(j.Has("addstream"));
  ASSERT_TRUE(j.Has("active_streams"));
  JsonArray* active = json_node_get_array(j.Get("active_streams"));
  ASSERT_EQ(json_array_get_length(active), 1u);
  EXPECT_STREQ(json_array_get_string_element(active, 0), "videogen");
  EXPECT_TRUE(json_object_has_member(j.Object("capabilities"), "connectors"));
  EXPECT_NE(ObjString(j.Object("bogus_command"), "error").find("unknown command"), std::string::npos);
  // A stream edit also returns the stream list.
  EXPECT_TRUE(json_object_has_member(j.Object("streams"), "cam"));
}

TEST_F(ApiTest, BadInputGets400AndNeverCrashes) {
  HttpResult r = Api("{not json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_FALSE(ObjString(Json(r.body).obj(), "error").empty()) << r.body;
  EXPECT_EQ(Api("[1,2,3]").status, 400u);
  EXPECT_EQ(Api(R"({"addstream": 5, "deletestream": {"x": [1]}, "active_streams": {"fields": 7},
                   "clients": [1, "x"], "totals": "y", "variable_add": [1], "config": []})").status, 200u);
  EXPECT_EQ(Api(std::string(1000, '[')).status, 400u);
  // Server still alive.
  EXPECT_EQ(Api(R"({"version": true})").status, 200u);
}

TEST_F(ApiTest, GetWithCommandParameterAndJsonp) {
  gchar* q = g_uri_escape_string(R"({"version":true,"minimal":1})", nullptr, FALSE);
  HttpResult r = HttpRequest("GET", ApiUrl("/api?callback=cb_1&command=") + q);
  g_free(q);
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.rfind("cb_1(", 0), 0u) << r.body;
  EXPECT_EQ(r.body.substr(r.body.size() - 2), ");");
}

TEST_F(ApiTest, AddAndDeleteStreamRoundTrip) {
  Json bad(Api(R"({"addstream": {"Bad Name!": {"source": "push://"}, "nosource": {}}, "minimal": 1})").body);
  EXPECT_TRUE(json_object_has_member(json_object_get_object_member(bad.Object("addstream"), "Bad Name!"), "error"));
  EXPECT_TRUE(json_object_has_member(json_object_get_object_member(bad.Object("addstream"), "nosource"), "error"));

  Json add(Api(R"({"addstream": {"cam1": {"source": "push://", "DVR": 30000}}, "minimal": 1})").body);
  JsonObject* cam = json_object_get_object_member(add.Object("streams"), "cam1");
  ASSERT_TRUE(cam);
  EXPECT_EQ(ObjString(cam, "source"), "push://");
  EXPECT_EQ(json_object_get_int_member(cam, "online"), 0);
  server_.Run([this] { EXPECT_TRUE(config_->typed().FindStream("cam1")); });

  Json del(Api(R"({"deletestream": ["cam1", "missing"], "minimal": 1})").body);
  JsonArray* deleted = json_node_get_array(del.Get("deletestream"));
  ASSERT_EQ(json_array_get_length(deleted), 1u);
  EXPECT_FALSE(json_object_has_member(del.Object("streams"), "cam1"));
  server_.Run([this] {
    EXPECT_FALSE(config_->typed().FindStream("cam1"));
    EXPECT_EQ(backend_->stopped.back(), "cam1");
  });

  // `streams` with an object replaces the whole list.
  Json rep(Api(R"({"streams": {"only": {"source": "push://"}}, "minimal": 1})").body);
  EXPECT_TRUE(json_object_has_member(rep.Object("streams"), "only"));
  EXPECT_FALSE(json_object_has_member(rep.Object("streams"), "videogen"));
}

TEST_F(ApiTest, StreamEventsAndCommandsOfOtherModules) {
  std::vector<std::string> events;
  server_.Run([&] {
    layer_->set_stream_event([&](const char* e, const std::string& s, const std::string& cfg) {
      events.push_back(std::string(e) + " " + s + (cfg.empty() ? "" : " " + cfg));
    });
    layer_->AddApiCommand("push_list", [](http::ApiContext&, JsonNode*) {
      return json_node_init_int(json_node_alloc(), 7);
    });
  });
  Api(R"({"addstream": {"cam": {"source": "push://"}}})");
  Api(R"({"addstream": {"cam": {"source": "push://"}}})");  // unchanged: no event
  Api(R"({"addstream": {"cam": {"source": "push://", "DVR": 9000}}})");
  Api(R"({"deletestream": "cam"})");
  server_.Run([&] {
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0], R"(STREAM_ADD cam {"source":"push://"})");
    EXPECT_EQ(events[1].rfind("STREAM_CONFIG cam ", 0), 0u);
    EXPECT_EQ(events[2], "STREAM_REMOVE cam");
    layer_->set_stream_event(nullptr);
  });
  Json j(Api(R"({"push_list": true, "minimal": 1})").body);
  EXPECT_EQ(json_node_get_int(j.Get("push_list")), 7);
}

TEST_F(ApiTest, ConfigSaveBackupRestoreReload) {
  Json cfg(Api(R"({"config": {"serverid": "edge-7"}, "minimal": 1})").body);
  EXPECT_EQ(ObjString(cfg.Object("config"), "serverid"), "edge-7");
  Json saved(Api(R"({"save": true, "minimal": 1})").body);
  EXPECT_STREQ(json_node_get_string(saved.Get("save")), "OK");
  ASSERT_TRUE(g_file_test(config_path_.c_str(), G_FILE_TEST_EXISTS));

  Json backup(Api(R"({"config_backup": true, "minimal": 1})").body);
  JsonObject* doc = backup.Object("config_backup");
  ASSERT_TRUE(doc);
  EXPECT_TRUE(json_object_has_member(doc, "streams"));
  std::string backup_text = GCharPtr(json_to_string(backup.Get("config_backup"), FALSE)).get();

  Api(R"({"addstream": {"temp": {"source": "push://"}}})");
  Json restored(Api(R"({"config_restore": )" + backup_text + R"(, "minimal": 1})").body);
  EXPECT_STREQ(json_node_get_string(restored.Get("config_restore")), "OK");
  EXPECT_FALSE(json_object_has_member(restored.Object("streams"), "temp"));

  // Reload re-reads the saved file.
  Api(R"({"config": {"serverid": "changed"}})");
  Json reloaded(Api(R"({"config_reload": true, "config": true, "minimal": 1})").body);
  EXPECT_STREQ(json_node_get_string(reloaded.Get("config_reload")), "OK");
  EXPECT_EQ(ObjString(reloaded.Object("config"), "serverid"), "edge-7");
}

TEST_F(ApiTest, Variables) {
  Json a(Api(R"({"variable_add": ["colour", "blue"], "minimal": 1})").body);
  EXPECT_EQ(ObjString(json_object_get_object_member(a.Object("variable_add"), "colour"), "value"), "blue");
  Json b(Api(R"({"variable_add": {"name": "probe", "target": "http://127.0.0.1:9/x", "interval": 5},
                 "variable_list": true, "minimal": 1})").body);
  JsonObject* probe = json_object_get_object_member(b.Object("variable_list"), "probe");
  ASSERT_TRUE(probe);
  EXPECT_EQ(json_object_get_int_member(probe, "interval"), 5);
  Json c(Api(R"({"variable_remove": "colour", "minimal": 1})").body);
  EXPECT_FALSE(json_object_has_member(c.Object("variable_remove"), "colour"));
  EXPECT_TRUE(json_object_has_member(Json(Api(R"({"variable_add": [""]})").body).Object("variable_add"), "error"));
}

TEST_F(ApiTest, TotalsFollowTheStreamsFilterAndTheTimeRange) {
  server_.Run([this] {
    backend_->AddLive("other");
    backend_->streams["videogen"].snap.viewers = 2;
    backend_->streams["other"].snap.viewers = 3;
    layer_->SampleTotalsForTesting();
  });
  auto last_clients = [&](const std::string& request) {
    Json j(Api(R"({"totals": )" + request + R"(, "minimal": 1})").body);
    JsonArray* data = json_object_get_array_member(j.Object("totals"), "data");
    const guint n = json_array_get_length(data);
    return n ? json_array_get_int_element(json_array_get_array_element(data, n - 1), 0) : -1;
  };
  EXPECT_EQ(last_clients(R"({"fields": ["clients"]})"), 5);
  EXPECT_EQ(last_clients(R"({"fields": ["clients"], "streams": ["videogen"]})"), 2);
  EXPECT_EQ(last_clients(R"({"fields": ["clients"], "streams": ["other", "videogen"]})"), 5);
  EXPECT_EQ(last_clients(R"({"fields": ["clients"], "streams": ["nope"]})"), 0);
  EXPECT_EQ(last_clients(R"({"fields": ["clients"], "start": -60})"), 5);
  // A range with no samples answers one empty sample, as for a fresh server.
  EXPECT_EQ(last_clients(R"({"fields": ["clients"], "start": 1, "end": 2})"), 0);
}

TEST_F(ApiTest, StatsCommandsInAllForms) {
  server_.Run([this] { backend_->streams["videogen"].snap.viewers = 2; });
  Json j(Api(R"({"active_streams": ["status", "viewers", "tracks", "lastms"],
                 "stats_streams": ["clients"],
                 "clients": {"fields": ["host", "stream", "protocol"]},
                 "totals": {"fields": ["clients"]}, "log": true, "minimal": 1})").body);
  JsonArray* row = json_object_get_array_member(j.Object("active_streams"), "videogen");
  ASSERT_TRUE(row);
  EXPECT_STREQ(json_array_get_string_element(row, 0), "Online");
  EXPECT_EQ(json_array_get_int_element(row, 1), 2);
  EXPECT_EQ(json_array_get_int_element(row, 2), 2);
  EXPECT_EQ(json_array_get_int_element(row, 3), 10000);
  EXPECT_EQ(json_object_get_int_member(json_object_get_object_member(j.Object("stats_streams"), "videogen"), "clients"), 2);
  JsonArray* data = json_object_get_array_member(j.Object("clients"), "data");
  ASSERT_EQ(json_array_get_length(data), 2u);  // current connections, without `time`
  EXPECT_STREQ(json_array_get_string_element(json_array_get_array_element(data, 0), 1), "videogen");
  EXPECT_TRUE(json_object_has_member(j.Object("totals"), "interval"));
  EXPECT_TRUE(JSON_NODE_HOLDS_ARRAY(j.Get("log")));

  Json lf(Api(R"({"active_streams": {"fields": ["status", "health"], "streams": ["videogen"],
                  "longform": true}, "minimal": 1})").body);
  JsonObject* v = json_object_get_object_member(lf.Object("active_streams"), "videogen");
  ASSERT_TRUE(v);
  EXPECT_EQ(ObjString(v, "status"), "Online");
  EXPECT_EQ(ObjString(json_object_get_object_member(v, "health"), "state"), "FULL");
}

TEST_F(ApiTest, LogCommandShowsHazeLogLines) {
  server_.Run([this] {
    log_->Install();
    GST_CAT_WARNING(haze_core_debug, "something to see %d", 42);
  });
  Json j(Api(R"({"log": true, "minimal": 1})").body);
  JsonArray* log = json_node_get_array(j.Get("log"));
  bool found = false;
  for (guint i = 0; i < json_array_get_length(log); ++i) {
    JsonArray* e = json_array_get_array_element(log, i);
    if (std::string(json_array_get_string_element(e, 2)) == "something to see 42") {
      found = true;
      EXPECT_STREQ(json_array_get_string_element(e, 1), "WARN");
    }
  }
  EXPECT_TRUE(found) << j.node;
}

TEST_F(ApiTest, PortInUseIsACleanError) {
  server_.Run([this] {
    FakeStreamBackend other_backend;
    core::LogRing ring;
    http::HttpLayer other(*config_, other_backend, ring);
    auto r = other.Start(server_.context(), "127.0.0.1", api_port_, 0);
    EXPECT_FALSE(r.ok());
  });
}

TEST_F(ApiTest, StaticFilesAndTraversal) {
  HttpResult index = HttpRequest("GET", ApiUrl("/"));
  EXPECT_EQ(index.status, 200u);
  EXPECT_NE(index.body.find("Haze"), std::string::npos);
  EXPECT_NE(HttpRequest("GET", ApiUrl("/..%2f..%2fetc/passwd")).status, 200u);
  EXPECT_NE(HttpRequest("GET", ApiUrl("/.hidden")).status, 200u);
  EXPECT_EQ(HttpRequest("GET", ApiUrl("/nothing-here.js")).status, 404u);
}

}  // namespace
}  // namespace haze::testing
