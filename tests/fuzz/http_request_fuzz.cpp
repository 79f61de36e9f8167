// libFuzzer entry point for what the HTTP layer reads from the network: JSON API requests
// (parsed and run through the command table with a dummy backend, in memory only), the
// `Authorization: json` credentials, request paths (stream names, static files) and URL-base
// headers, plus the muxer-output sync-point parsers.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/log.h"
#include "config/config_loader.h"
#include "config/config_store.h"
#include "core/log_ring.h"
#include "http/api/api_router.h"
#include "http/api/auth.h"
#include "http/output_catalog.h"
#include "http/progressive/chunk_ring.h"
#include "http/static_files.h"
#include "http/stream_info.h"
#include "support/fake_stream_backend.h"

namespace {

struct World {
  bool init = (gst_init(nullptr, nullptr), haze::InitLogging(), true);
  std::unique_ptr<haze::config::ConfigStore> config =
      std::move(haze::config::ConfigStore::Open("", haze::config::ConfigRw::kOff).value());
  haze::testing::FakeStreamBackend backend;
  haze::core::LogRing log;
  haze::http::ApiContext ctx{*config, backend, log, {}, 0, {}, false};
  haze::http::ApiRouter router{ctx};
  World() { backend.AddLive("videogen"); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  std::string text(reinterpret_cast<const char*>(data), size);

  auto parsed = haze::config::ParseJsonText(text, "fuzz");
  if (parsed) {
    JsonNode* node = parsed.value();
    if (JSON_NODE_HOLDS_OBJECT(node)) {
      JsonObject* req = json_node_get_object(node);
      // Never touch the disk from the fuzzer.
      for (const char* k : {"save", "config_reload"})
        if (json_object_has_member(req, k)) json_object_remove_member(req, k);
      JsonNode* answer = world->router.Execute(req, true);
      json_node_unref(answer);
      JsonObject* out = json_object_new();
      world->router.CheckAuth(req, "192.0.2.1", false, out, nullptr);
      json_object_unref(out);
    }
    json_node_unref(node);
  }
  haze::http::StreamFromPath(text, "/json_", ".js");
  haze::http::SafeFilePath("/srv/web", text);
  haze::http::MakeUrlBase(text, "", text, 8080);
  for (auto f : {haze::http::MuxFormat::kFlv, haze::http::MuxFormat::kTs,
                 haze::http::MuxFormat::kMkv, haze::http::MuxFormat::kMp4}) {
    haze::http::IsSyncPoint(f, data, size, true, 1);
    haze::http::IsSyncPoint(f, data, size, false, 1);
  }
  return 0;
}
