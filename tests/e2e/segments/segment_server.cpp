// Demo/e2e server for segmented delivery: publishes a looping encoded clip in real time as
// stream "live" (and the whole clip as "vod"), serves /hls, /cmaf, /time through the soup bridge
// and, with --web DIR, the player page and vendored player libraries under /web/.
// Usage: segment_server [--port N] [--seconds S] [--web DIR] [--part-ms N] [--hold-ms N];
// prints "port=N" once listening.
#include <glib/gstdio.h>

#include <cstdio>

#include "../../support/segment_http_fixture.h"
#include "../../support/media_fixture.h"

namespace {

using haze::testing::EncodedMedia;
using haze::testing::FakeSource;

struct Publisher {
  const EncodedMedia* media = nullptr;
  std::shared_ptr<FakeSource> source;
  int64_t loop_ns = 10000000000;
  gint64 start_us = 0;
  size_t next = 0;
  int64_t loop = 0;

  void Tick() {
    int64_t now = (g_get_monotonic_time() - start_us) * 1000;
    for (;;) {
      if (next == media->frames.size()) {
        next = 0;
        ++loop;
      }
      haze::testing::EncodedFrame f = media->frames[next];
      f.dts += loop * loop_ns;
      f.pts += loop * loop_ns;
      if (f.dts > now) return;
      source->Push(f);
      ++next;
    }
  }
};

const char* ContentType(const std::string& path) {
  if (path.ends_with(".html")) return "text/html";
  if (path.ends_with(".js") || path.ends_with(".mjs")) return "application/javascript";
  return "application/octet-stream";
}

void ServeWeb(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer dir) {
  std::string rel = std::string(path).substr(4);  // after "/web"
  std::string file = std::string(static_cast<const char*>(dir)) + rel;
  gchar* data = nullptr;
  gsize size = 0;
  if (rel.find("..") != std::string::npos || !g_file_get_contents(file.c_str(), &data, &size, nullptr)) {
    soup_server_message_set_status(msg, 404, nullptr);
    return;
  }
  soup_server_message_set_status(msg, 200, nullptr);
  soup_server_message_set_response(msg, ContentType(rel), SOUP_MEMORY_TAKE, data, size);
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int port = 0, seconds = 0;
  haze::cmaf::ServiceOptions options;
  const char* web = nullptr;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port") port = std::atoi(argv[i + 1]);
    if (k == "--seconds") seconds = std::atoi(argv[i + 1]);
    if (k == "--web") web = argv[i + 1];
    if (k == "--part-ms") options.store.part_target_ns = std::atoll(argv[i + 1]) * 1000000;
    if (k == "--hold-ms") options.store.part_hold_back_ns = std::atoll(argv[i + 1]) * 1000000;
  }
  EncodedMedia media = haze::testing::EncodeTestMedia(10, 640, 360, 1000, "ball");
  auto vod = std::make_shared<FakeSource>(media.tracks);
  int64_t end = 0;
  for (const auto& f : media.frames) {
    vod->Push(f);
    if (f.track == 0) end = std::max(end, f.dts + 40000000);
  }
  vod->Finish(end);
  Publisher pub{&media, std::make_shared<FakeSource>(media.tracks)};
  pub.start_us = g_get_monotonic_time();
  haze::cmaf::SegmentService service([&](const std::string& name) -> std::shared_ptr<haze::cmaf::FragmentSource> {
    if (name == "live") return pub.source;
    if (name == "vod") return vod;
    return nullptr;
  }, options);
  SoupServer* server = soup_server_new("server-header", "haze-segments", nullptr);
  haze::cmaf::AddSegmentRoutes(server, &service);
  if (web) soup_server_add_handler(server, "/web", ServeWeb, const_cast<char*>(web), nullptr);
  GError* error = nullptr;
  const int bound = haze::testing::ListenLoopback(server, static_cast<guint>(port), &error);
  if (!bound) {
    std::fprintf(stderr, "listen: %s\n", error ? error->message : "?");
    return 1;
  }
  std::printf("port=%d\n", bound);
  std::fflush(stdout);
  g_timeout_add(10, [](gpointer p) -> gboolean { static_cast<Publisher*>(p)->Tick(); return G_SOURCE_CONTINUE; }, &pub);
  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  if (seconds > 0) g_timeout_add_seconds(static_cast<guint>(seconds), [](gpointer l) -> gboolean { g_main_loop_quit(static_cast<GMainLoop*>(l)); return G_SOURCE_REMOVE; }, loop);
  g_main_loop_run(loop);
  g_main_loop_unref(loop);
  soup_server_disconnect(server);
  g_object_unref(server);
  return 0;
}
