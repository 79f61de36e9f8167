// PushManager: automatic pushes on wildcard children, PUSH_OUT_START rewrite, identical-push
// dedupe, push_list / push_stop and the auto-push API shapes. Real muxers, ffprobe, and real
// executables as trigger handlers. The source factory stands in for dtscsrc.
#include "push/push_manager.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "support/script_dir.h"
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace haze::push {
namespace {

GstElement* TestSource(int seconds, bool live) {
  std::string desc = "videotestsrc is-live=" + std::string(live ? "true" : "false") +
                     " num-buffers=" + std::to_string(seconds * 25) +
                     " ! video/x-raw,width=160,height=120,framerate=25/1 ! x264enc "
                     "speed-preset=ultrafast key-int-max=25 ! h264parse name=v";
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), FALSE, nullptr);
  GstElement* e = gst_bin_get_by_name(GST_BIN(bin), "v");
  GstPad* pad = gst_element_get_static_pad(e, "src");
  gst_element_add_pad(bin, gst_ghost_pad_new("v", pad));
  gst_object_unref(pad);
  gst_object_unref(e);
  return bin;
}

class PushManagerTest : public test::ScriptDirTest {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    ScriptDirTest::SetUp();
  }
  static int Count(const std::string& text, const std::string& needle) {
    int n = 0;
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
    return n;
  }
  static triggers::HandlerConfig Handler(std::string h, bool sync) {
    triggers::HandlerConfig c;
    c.handler = std::move(h);
    c.sync = sync;
    return c;
  }
  static JsonNode* Json(const std::string& s) { return json_from_string(s.c_str(), nullptr); }

  std::string dir_;
};

TEST_F(PushManagerTest, AutoPushRecordsEveryWildcardChild) {
  std::string log = dir_ + "/recording_end.log";
  std::string h = Script("rec_end", "{ cat; echo; echo ---; } >> '" + log + "'");
  triggers::TriggerDispatcher d;
  d.SetConfig({{"RECORDING_END", {Handler(h, false)}}});
  triggers::VariableStore vars;
  PushManager m(&d, &vars, {},
                [](const std::string&, const PushParams&) { return TestSource(2, false); });
  JsonNode* req =
      Json(R"({"stream": "live+", "target": ")" + dir_ + R"(/rec/$wildcard/$datetime.mkv"})");
  auto id = m.ApiAutoAdd(req);
  json_node_unref(req);
  ASSERT_TRUE(id.ok());
  m.StreamStarted("live+alice");
  m.StreamStarted("live+bob");
  m.StreamStarted("other");
  EXPECT_EQ(m.running(), 2u);
  ASSERT_TRUE(RunUntil([&] { return Count(Read(log), "---") >= 2; }));
  std::string payloads = Read(log);
  EXPECT_NE(payloads.find("live+alice\n" + dir_ + "/rec/alice/"), std::string::npos) << payloads;
  EXPECT_NE(payloads.find("live+bob\n" + dir_ + "/rec/bob/"), std::string::npos);
  EXPECT_NE(payloads.find(".mkv\nEBML\n"), std::string::npos);
  EXPECT_NE(payloads.find("CLEAN_EOF\nend of input reached"), std::string::npos);
  for (const char* child : {"alice", "bob"}) {
    GDir* dir = g_dir_open((dir_ + "/rec/" + child).c_str(), 0, nullptr);
    ASSERT_NE(dir, nullptr) << child;
    const char* file = g_dir_read_name(dir);
    ASSERT_NE(file, nullptr);
    std::string path = dir_ + "/rec/" + child + "/" + file;
    g_dir_close(dir);
    std::string cmd =
        "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
        "stream=nb_read_frames -of csv=p=0 '" +
        path + "' | grep -qx 50";
    EXPECT_EQ(system(cmd.c_str()), 0) << path;
  }
  EXPECT_FALSE(g_file_test((dir_ + "/rec/other").c_str(), G_FILE_TEST_EXISTS));
  JsonObject* list = m.ApiAutoList();
  EXPECT_TRUE(json_object_has_member(list, id.value().c_str()));
  json_object_unref(list);
  JsonArray* arrays = m.ApiAutoListArrays();
  ASSERT_EQ(json_array_get_length(arrays), 1u);
  EXPECT_STREQ(json_array_get_string_element(json_array_get_array_element(arrays, 0), 0), "live+");
  EXPECT_EQ(json_array_get_length(json_array_get_array_element(arrays, 0)), 10u);
  json_array_unref(arrays);
  req = Json(R"("live+")");
  m.ApiAutoRemove(req);
  json_node_unref(req);
  list = m.ApiAutoList();
  EXPECT_EQ(json_object_get_size(list), 0u);
  json_object_unref(list);
}

TEST_F(PushManagerTest, PushOutStartRewritesOrRefuses) {
  std::string h = Script("pos",
                         "read stream; read target\n"
                         "case \"$target\" in *deny*) echo;; *) echo '" +
                             dir_ + "/rewritten_$stream.ts';; esac");
  triggers::TriggerDispatcher d;
  d.SetConfig({{"PUSH_OUT_START", {Handler(h, true)}}});
  PushManager m(&d, nullptr, {},
                [](const std::string&, const PushParams&) { return TestSource(1, false); });
  std::optional<Result<uint64_t>> a, b, dup;
  m.StartPush("cam", dir_ + "/orig.ts", [&](Result<uint64_t> r) { a = std::move(r); });
  m.StartPush("cam", dir_ + "/orig.ts", [&](Result<uint64_t> r) { dup = std::move(r); });
  m.StartPush("cam", dir_ + "/deny.ts", [&](Result<uint64_t> r) { b = std::move(r); });
  ASSERT_TRUE(dup.has_value());  // refused at once: the same push is still deciding
  EXPECT_EQ(dup->error().code, ErrorCode::kAlreadyExists);
  ASSERT_TRUE(RunUntil([&] { return a && b; }));
  EXPECT_TRUE(a->ok());
  EXPECT_FALSE(b->ok());
  ASSERT_TRUE(RunUntil([&] { return m.running() == 0; }));
  EXPECT_TRUE(g_file_test((dir_ + "/rewritten_cam.ts").c_str(), G_FILE_TEST_EXISTS));
  EXPECT_FALSE(g_file_test((dir_ + "/orig.ts").c_str(), G_FILE_TEST_EXISTS));
}

TEST_F(PushManagerTest, ListStopAndNoIdenticalPushes) {
  std::string log = dir_ + "/push_end.log";
  std::string h = Script("push_end", "{ cat; echo; echo ---; } >> '" + log + "'");
  triggers::TriggerDispatcher d;
  d.SetConfig({{"PUSH_END", {Handler(h, false)}}});
  PushManager m(&d, nullptr, {},
                [](const std::string&, const PushParams&) { return TestSource(30, true); });
  std::optional<Result<uint64_t>> first, second;
  m.StartPush("s", dir_ + "/$stream.mkv", [&](Result<uint64_t> r) { first = std::move(r); });
  m.StartPush("s", dir_ + "/s.mkv", [&](Result<uint64_t> r) { second = std::move(r); });
  ASSERT_TRUE(first && first->ok());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->error().code, ErrorCode::kAlreadyExists);

  JsonNode* list = m.ApiPushList();
  JsonArray* rows = json_node_get_array(list);
  ASSERT_EQ(json_array_get_length(rows), 1u);
  JsonArray* row = json_array_get_array_element(rows, 0);
  EXPECT_EQ(json_array_get_int_element(row, 0), static_cast<gint64>(first->value()));
  EXPECT_STREQ(json_array_get_string_element(row, 1), "s");
  EXPECT_EQ(std::string(json_array_get_string_element(row, 2)), dir_ + "/$stream.mkv");
  EXPECT_EQ(std::string(json_array_get_string_element(row, 3)), dir_ + "/s.mkv");
  EXPECT_TRUE(json_object_has_member(json_array_get_object_element(row, 5), "active_seconds"));
  json_node_unref(list);

  RunUntil([] { return false; }, 1);  // record a second
  JsonNode* stop = Json(std::to_string(first->value()));
  m.ApiPushStop(stop, true);
  json_node_unref(stop);
  ASSERT_TRUE(RunUntil([&] { return Count(Read(log), "---") == 1; }));
  std::string payload = Read(log);
  EXPECT_EQ(payload.rfind(std::to_string(first->value()) + "\ns\n" + dir_ + "/$stream.mkv\n" +
                              dir_ + "/s.mkv\n[",
                          0),
            0u)
      << payload;
  EXPECT_NE(payload.find("CLEAN_CONTROLLER_REQ"), std::string::npos);
  std::string cmd = "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '" + dir_ +
                    "/s.mkv' | grep -qx h264";
  EXPECT_EQ(system(cmd.c_str()), 0);

  JsonNode* settings = Json(R"({"wait": 5, "maxspeed": 2})");
  JsonObject* now = m.ApiSettings(settings);
  EXPECT_EQ(json_object_get_int_member(now, "wait"), 5);
  EXPECT_EQ(json_object_get_int_member(now, "maxspeed"), 2);
  json_object_unref(now);
  json_node_unref(settings);
}

TEST_F(PushManagerTest, RulesSchedulesAndCompletion) {
  triggers::VariableStore vars;
  JsonNode* v = Json(R"(["enabled", "0"])");
  ASSERT_TRUE(vars.Add(v).ok());
  json_node_unref(v);
  PushManager m(nullptr, &vars, {},
                [](const std::string&, const PushParams&) { return TestSource(30, true); });
  JsonNode* s = Json(R"({"wait": 0})");
  json_object_unref(m.ApiSettings(s));
  json_node_unref(s);
  JsonNode* req = Json(R"({"stream": "cam", "target": ")" + dir_ +
                       R"(/ruled.ts", "start_rule": ["$enabled", 2, "1"]})");
  ASSERT_TRUE(m.ApiAutoAdd(req).ok());
  json_node_unref(req);
  m.StreamStarted("cam");
  EXPECT_EQ(m.running(), 0u);  // rule false
  v = Json(R"(["enabled", "1"])");
  ASSERT_TRUE(vars.Add(v).ok());
  json_node_unref(v);
  m.CheckNow();
  EXPECT_EQ(m.running(), 1u);
  m.CheckNow();
  EXPECT_EQ(m.running(), 1u);  // never twice
  v = Json(R"(["enabled", "0"])");
  ASSERT_TRUE(vars.Add(v).ok());
  json_node_unref(v);
  m.CheckNow();  // rule false again: stopped gracefully
  ASSERT_TRUE(RunUntil([&] { return m.running() == 0; }));

  // A schedule in the past starts at once (MistServer skips it); without completetime the entry
  // is removed once started. A completetime in the past removes the entry.
  req = Json(R"({"stream": "cam", "target": ")" + dir_ + R"(/sched.ts", "scheduletime": 1})");
  ASSERT_TRUE(m.ApiAutoAdd(req).ok());
  json_node_unref(req);
  EXPECT_EQ(m.running(), 1u);
  m.CheckNow();
  JsonObject* list = m.ApiAutoList();
  EXPECT_EQ(json_object_get_size(list), 1u);  // only the ruled entry is left
  json_object_unref(list);
  req = Json(R"({"stream": "cam", "target": ")" + dir_ + R"(/done.ts", "completetime": 1})");
  ASSERT_TRUE(m.ApiAutoAdd(req).ok());
  json_node_unref(req);
  EXPECT_EQ(m.running(), 1u);  // not started: already complete
  m.CheckNow();
  list = m.ApiAutoList();
  EXPECT_EQ(json_object_get_size(list), 1u);
  json_object_unref(list);
  m.StreamStopped("cam");
  ASSERT_TRUE(RunUntil([&] { return m.running() == 0; }));
}

}  // namespace
}  // namespace haze::push
