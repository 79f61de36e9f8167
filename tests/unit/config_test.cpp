#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/config_loader.h"
#include "config/config_store.h"

namespace haze::config {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class TempDir {
 public:
  TempDir() {
    gchar* dir = g_dir_make_tmp("haze-config-XXXXXX", nullptr);
    path_ = dir;
    g_free(dir);
  }
  ~TempDir() {
    GDir* d = g_dir_open(path_.c_str(), 0, nullptr);
    while (const char* f = d ? g_dir_read_name(d) : nullptr) g_remove((path_ + "/" + f).c_str());
    if (d) g_dir_close(d);
    g_rmdir(path_.c_str());
  }
  std::string File(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(Config, ReferenceConfigLoadsWithEveryKey) {
  std::string path = std::string(g_getenv("HAZE_SOURCE_DIR")) + "/data/config/reference.json";
  auto store = ConfigStore::Open(path, ConfigRw::kOff);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  const ServerConfig& c = store.value()->typed();
  EXPECT_EQ(c.serverid, "haze-1");
  EXPECT_EQ(c.interface, "127.0.0.1");
  EXPECT_EQ(c.api_port, 4242);
  ASSERT_NE(c.FindProtocol("RTMP"), nullptr);
  EXPECT_EQ(c.FindProtocol("RTMP")->port, 1935);
  EXPECT_EQ(c.FindProtocol("RTMP")->merge_write_ms, 100);
  EXPECT_EQ(c.FindProtocol("RTMP")->merge_write_players, 50);
  EXPECT_EQ(c.FindProtocol("RTMP")->ping_interval_ms, 60000);
  EXPECT_EQ(c.FindProtocol("RTMP")->ping_timeout_ms, 30000);
  EXPECT_EQ(c.FindProtocol("HTTP")->merge_write_ms, -1);
  EXPECT_EQ(c.prometheus, "metrics");
  EXPECT_EQ(c.public_address, "https://media.example.com/haze");
  ASSERT_NE(c.FindStream("live"), nullptr);
  EXPECT_EQ(c.FindStream("live")->dvr_ms, 30000);
  EXPECT_TRUE(c.FindStream("live")->resume);
  EXPECT_EQ(c.FindStream("live")->tags.size(), 1u);
  EXPECT_TRUE(c.FindStream("videogen")->always_on);
  EXPECT_EQ(c.FindStream("movie")->dvr_ms, 50000);  // default
  EXPECT_FALSE(c.FindStream("custom")->pipeline.empty());
  EXPECT_EQ(c.accounts.at("admin"), "21232f297a57a5a743894a0e4a801fc3");
  EXPECT_EQ(c.limits.json_depth, 32);
  EXPECT_EQ(c.limits.api_body_bytes, 2097152);
  EXPECT_EQ(c.limits.api_preauth_body_bytes, 8192);
  EXPECT_EQ(c.limits.ws_message_bytes, 32768);
  EXPECT_EQ(c.limits.rtmp_message_bytes, 4194304);
}

TEST(Config, EmbeddedDefaultHasVideogenAndLive) {
  auto store = ConfigStore::Open("", ConfigRw::kReadWrite);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store.value()->typed().FindStream("videogen")->source, "videogen");
  EXPECT_EQ(store.value()->typed().FindStream("live")->source, "push://");
  // The built-in default is never written back.
  EXPECT_FALSE(store.value()->Save().ok());
}

TEST(Config, TypeErrorsNameTheJsonPath) {
  auto node = ParseJsonText(R"({"streams":{"a":{"source":"videogen","DVR":"soon"}}})", "t");
  ASSERT_TRUE(node.ok());
  auto cfg = ParseServerConfig(node.value());
  json_node_unref(node.value());
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().context, "/streams/a/DVR");
}

// One value per text; json-glib 1.6 would take the first and leak the others (json-glib#74).
TEST(Config, JsonTextWithSeveralTopLevelValuesIsRefused) {
  for (const char* text : {R"({"a":1}{"b":2})", "[1][2]", "1[2]", R"({"a":[{}]}[3]{"c":{}})"}) {
    auto node = ParseJsonText(text, "t");
    EXPECT_FALSE(node.ok()) << text;
    if (node.ok()) json_node_unref(node.value());
  }
  auto one = ParseJsonText(R"( {"a":[1,{"b":[]}]} )", "t");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(json_object_has_member(json_node_get_object(one.value()), "a"));
  json_node_unref(one.value());
}

TEST(Config, UnknownKeysSurviveSave) {
  TempDir dir;
  std::string path = dir.File("c.json");
  g_file_set_contents(path.c_str(),
                      R"({"streams":{"a":{"source":"videogen","x-custom":42}},"mystery":[1,2]})",
                      -1, nullptr);
  auto store = ConfigStore::Open(path, ConfigRw::kOff);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(store.value()->Save().ok());
  std::string text = ReadFile(path);
  EXPECT_NE(text.find("x-custom"), std::string::npos);
  EXPECT_NE(text.find("mystery"), std::string::npos);
}

TEST(Config, InvalidEditIsRefusedAndRolledBack) {
  auto store = ConfigStore::Open("", ConfigRw::kOff);
  ASSERT_TRUE(store.ok());
  JsonObject* streams = store.value()->Section("streams");
  JsonObject* bad = json_object_new();
  json_object_set_string_member(bad, "source", "videogen");
  json_object_set_int_member(bad, "DVR", 5);  // below the 1000 ms minimum
  json_object_set_object_member(streams, "bad", bad);
  EXPECT_FALSE(store.value()->Changed().ok());
  EXPECT_EQ(store.value()->typed().FindStream("bad"), nullptr);
  EXPECT_FALSE(json_object_has_member(store.value()->Section("streams"), "bad"));
}

TEST(Config, ReloadRefusesBrokenFileAndKeepsRunningConfig) {
  TempDir dir;
  std::string path = dir.File("c.json");
  g_file_set_contents(path.c_str(), R"({"streams":{"a":{"source":"videogen"}}})", -1, nullptr);
  auto store = ConfigStore::Open(path, ConfigRw::kOff);
  ASSERT_TRUE(store.ok());
  g_file_set_contents(path.c_str(), R"({"streams":{"a":)", -1, nullptr);
  EXPECT_FALSE(store.value()->Reload().ok());
  EXPECT_NE(store.value()->typed().FindStream("a"), nullptr);
  g_file_set_contents(path.c_str(), R"({"streams":{"b":{"source":"videogen"}}})", -1, nullptr);
  EXPECT_TRUE(store.value()->Reload().ok());
  EXPECT_EQ(store.value()->typed().FindStream("a"), nullptr);
  EXPECT_NE(store.value()->typed().FindStream("b"), nullptr);
}

TEST(Config, AutoReloadOnFileChange) {
  TempDir dir;
  std::string path = dir.File("c.json");
  g_file_set_contents(path.c_str(), R"({"streams":{"a":{"source":"videogen"}}})", -1, nullptr);
  auto store = ConfigStore::Open(path, ConfigRw::kRead);
  ASSERT_TRUE(store.ok());
  bool seen = false;
  auto subscription = store.value()->AddObserver([&](const ServerConfig& c) { seen = c.FindStream("b") != nullptr; });
  g_file_set_contents(path.c_str(), R"({"streams":{"b":{"source":"videogen"}}})", -1, nullptr);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!seen && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  EXPECT_TRUE(seen);
}

TEST(Config, AutoSaveAfterChange) {
  TempDir dir;
  std::string path = dir.File("new.json");  // does not exist: starts from the default
  auto store = ConfigStore::Open(path, ConfigRw::kWrite);
  ASSERT_TRUE(store.ok());
  store.value()->set_autosave_delay_ms(10);
  JsonObject* s = json_object_new();
  json_object_set_string_member(s, "source", "push://");
  json_object_set_object_member(store.value()->Section("streams"), "added", s);
  ASSERT_TRUE(store.value()->Changed().ok());
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (!g_file_test(path.c_str(), G_FILE_TEST_EXISTS) && g_get_monotonic_time() < deadline)
    g_main_context_iteration(nullptr, TRUE);
  EXPECT_NE(ReadFile(path).find("\"added\""), std::string::npos);
}

}  // namespace
}  // namespace haze::config
