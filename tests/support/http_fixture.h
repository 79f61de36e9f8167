// HttpLayerFixture: an HttpLayer on loopback (ports picked by the OS) over a FakeStreamBackend,
// a temp config file and a LogRing, running on a ServerThread.
#pragma once

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/log.h"
#include "config/config_store.h"
#include "core/log_ring.h"
#include "http/http_layer.h"
#include "support/fake_stream_backend.h"
#include "support/http_client.h"
#include "support/server_thread.h"

namespace haze::testing {

// A parsed JSON answer.
struct Json {
  JsonNode* node = nullptr;
  explicit Json(const std::string& text) : node(ParseJson(text)) {}
  ~Json() {
    if (node) json_node_unref(node);
  }
  Json(const Json&) = delete;
  Json& operator=(const Json&) = delete;
  JsonObject* obj() const {
    return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : nullptr;
  }
  bool Has(const char* key) const { return obj() && json_object_has_member(obj(), key); }
  JsonNode* Get(const char* key) const { return Has(key) ? json_object_get_member(obj(), key) : nullptr; }
  JsonObject* Object(const char* key) const {
    JsonNode* n = Get(key);
    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : nullptr;
  }
};

inline std::string ObjString(JsonObject* o, const char* key) {
  if (!o || !json_object_has_member(o, key)) return {};
  JsonNode* n = json_object_get_member(o, key);
  return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n) : "";
}

class HttpLayerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    InitLogging();
    gchar* dir = g_dir_make_tmp("haze-http-XXXXXX", nullptr);
    dir_ = dir;
    g_free(dir);
    config_path_ = dir_ + "/config.json";
    server_.Run([this] {
      auto store = config::ConfigStore::Open(config_path_, config::ConfigRw::kOff);
      ASSERT_TRUE(store.ok()) << store.error().ToString();
      config_ = std::move(store.value());
      backend_ = std::make_unique<FakeStreamBackend>();
      backend_->AddLive("videogen");
      log_ = std::make_unique<core::LogRing>();
      layer_ = std::make_unique<http::HttpLayer>(*config_, *backend_, *log_);
      Customize();
      auto ports = layer_->Start(server_.context(), "127.0.0.1", 0, 0);
      ASSERT_TRUE(ports.ok()) << ports.error().ToString();
      api_port_ = ports->first;
      http_port_ = ports->second;
    });
  }
  void TearDown() override {
    server_.Run([this] {
      layer_.reset();
      log_.reset();
      backend_.reset();
      config_.reset();
    });
    server_.Stop();
    for (const char* f : {"/config.json", "/config.json.bak"}) g_remove((dir_ + f).c_str());
    g_rmdir(dir_.c_str());
  }
  virtual void Customize() {}

  std::string ApiUrl(const std::string& path = "/api") const {
    return "http://127.0.0.1:" + std::to_string(api_port_) + path;
  }
  std::string MediaUrl(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }
  HttpResult Api(const std::string& body, const std::map<std::string, std::string>& headers = {},
                 const std::string& path = "/api") {
    return HttpRequest("POST", ApiUrl(path), body, headers);
  }

  ServerThread server_;
  std::string dir_, config_path_;
  std::unique_ptr<config::ConfigStore> config_;
  std::unique_ptr<FakeStreamBackend> backend_;
  std::unique_ptr<core::LogRing> log_;
  std::unique_ptr<http::HttpLayer> layer_;
  uint16_t api_port_ = 0, http_port_ = 0;
};

}  // namespace haze::testing
