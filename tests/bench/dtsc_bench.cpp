// DTSC buffer benchmark: prints figures, asserts nothing (run with `meson test --benchmark` or
// directly). 1) added latency dtscsink -> dtscsrc in one live pipeline; 2) memory per Mbps for a
// 2 Mbps stream with the default 50 s window; 3) CPU per frame and bytes per reader at 1, 100
// and 1000 readers.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <vector>

#include "dtsc/live_buffer.h"
#include "elements.h"

namespace {

using haze::MiniRef;
using haze::dtsc::BufferOptions;
using haze::dtsc::BufferRegistry;
using haze::dtsc::LiveBuffer;

constexpr int64_t kMsNs = 1000000;

int64_t RssBytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

int64_t HeapBytes() { return static_cast<int64_t>(mallinfo2().uordblks); }

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

MiniRef<GstCaps> H264Caps() {
  static const uint8_t kAvcc[] = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x00, 0x01, 0x00, 0x00};
  GstBuffer* cd = gst_buffer_new_memdup(kAvcc, sizeof kAvcc);
  GstCaps* caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc",
                                      "alignment", G_TYPE_STRING, "au", "width", G_TYPE_INT, 1280,
                                      "height", G_TYPE_INT, 720, "framerate", GST_TYPE_FRACTION, 25,
                                      1, "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  gst_buffer_unref(cd);
  return MiniRef<GstCaps>::Adopt(caps);
}

MiniRef<GstCaps> AacCaps() {
  static const uint8_t kAsc[] = {0x11, 0x90};
  GstBuffer* cd = gst_buffer_new_memdup(kAsc, sizeof kAsc);
  GstCaps* caps = gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format",
                                      G_TYPE_STRING, "raw", "rate", G_TYPE_INT, 48000, "channels",
                                      G_TYPE_INT, 2, "codec_data", GST_TYPE_BUFFER, cd, nullptr);
  gst_buffer_unref(cd);
  return MiniRef<GstCaps>::Adopt(caps);
}

MiniRef<GstBuffer> Payload(size_t size) {
  GstBuffer* b = gst_buffer_new_allocate(nullptr, size, nullptr);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_WRITE);
  std::fill_n(map.data, map.size, 0x5a);  // touch the pages: RSS counts them
  gst_buffer_unmap(b, &map);
  return MiniRef<GstBuffer>::Adopt(b);
}

// A 2 Mbps stream: 1.872 Mbps H.264 at 25 fps, GOP 2 s with 5x keyframes, 128 kbps AAC.
struct SyntheticStream {
  std::shared_ptr<LiveBuffer> buffer;
  uint32_t video = 0, audio = 0;
  int64_t t_video = 0, t_audio = 0;  // ns
  int frame = 0;
  uint64_t frames = 0;
  explicit SyntheticStream(std::shared_ptr<LiveBuffer> b) : buffer(std::move(b)) {
    video = *buffer->AddTrack(H264Caps().get());
    audio = *buffer->AddTrack(AacCaps().get());
  }
  // Pushes media up to |until| (ns), interleaved by time.
  void PushUntil(int64_t until) {
    constexpr int64_t kVideoStep = 40 * kMsNs;
    constexpr int64_t kAudioStep = 1024 * 1000000000LL / 48000;
    while (t_video < until || t_audio < until) {
      if (t_video <= t_audio) {
        const bool key = frame % 50 == 0;
        buffer->Push(video, Payload(key ? 43333 : 8667), t_video, t_video, key);
        t_video += kVideoStep;
        frame++;
      } else {
        buffer->Push(audio, Payload(341), t_audio, t_audio, true);
        t_audio += kAudioStep;
      }
      frames++;
    }
  }
};

// --- 1. latency -----------------------------------------------------------------------------

struct LatencyProbe {
  std::mutex mutex;
  std::map<uint32_t, gint64> in;  // frame number (first payload bytes) -> monotonic us at dtscsink
  std::vector<gint64> deltas;
};

// The buffer copies payloads into its pages, so frames are recognised by their bytes.
uint32_t FrameNumber(GstBuffer* b) {
  uint32_t n = 0;
  gst_buffer_extract(b, 0, &n, sizeof n);
  return n;
}

GstPadProbeReturn OnIn(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* p = static_cast<LatencyProbe*>(data);
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  std::lock_guard lock(p->mutex);
  p->in[FrameNumber(b)] = g_get_monotonic_time();
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn OnOut(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* p = static_cast<LatencyProbe*>(data);
  const gint64 now = g_get_monotonic_time();
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  std::lock_guard lock(p->mutex);
  auto it = p->in.find(FrameNumber(b));
  if (it != p->in.end()) {
    p->deltas.push_back(now - it->second);
    p->in.erase(it);
  }
  return GST_PAD_PROBE_OK;
}

void BenchLatency() {
  const char* launch =
      "appsrc name=in is-live=true do-timestamp=true format=time "
      "caps=\"video/x-h264,stream-format=avc,alignment=au,codec_data=(buffer)0164001fffe1000001000"
      "0\" ! dtscsink name=sink stream=bench_latency "
      "dtscsrc stream=bench_latency ! fakesink name=out sync=false";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch, &err);
  if (!pipeline) {
    std::printf("latency: cannot build pipeline: %s\n", err ? err->message : "?");
    return;
  }
  GstElement* in = gst_bin_get_by_name(GST_BIN(pipeline), "in");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  LatencyProbe probe;
  GstPad* sinkpad = gst_element_get_static_pad(sink, "sink_0");
  GstPad* outpad = gst_element_get_static_pad(out, "sink");
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, OnIn, &probe, nullptr);
  gst_pad_add_probe(outpad, GST_PAD_PROBE_TYPE_BUFFER, OnOut, &probe, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  constexpr int kFrames = 150;  // 3 s at 50 fps
  for (int i = 0; i < kFrames; ++i) {
    GstBuffer* b = Payload(5000).Release();
    const uint32_t n = static_cast<uint32_t>(i);
    gst_buffer_fill(b, 0, &n, sizeof n);
    if (i % 25) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
    gst_app_src_push_buffer(GST_APP_SRC(in), b);
    g_usleep(20000);
  }
  g_usleep(200000);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  std::vector<gint64> d;
  {
    std::lock_guard lock(probe.mutex);
    // The first frames wait for the stream to become playable (500 ms of data): skip 1 s.
    if (probe.deltas.size() > 50) d.assign(probe.deltas.begin() + 50, probe.deltas.end());
  }
  std::sort(d.begin(), d.end());
  if (d.empty()) {
    std::printf("latency: no frames measured\n");
  } else {
    std::printf("latency dtscsink->dtscsrc (live, realtime=true, %zu frames): median %.3f ms, "
                "p90 %.3f ms, max %.3f ms\n",
                d.size(), d[d.size() / 2] / 1000.0, d[d.size() * 9 / 10] / 1000.0,
                d.back() / 1000.0);
  }
  gst_object_unref(sinkpad);
  gst_object_unref(outpad);
  gst_object_unref(in);
  gst_object_unref(sink);
  gst_object_unref(out);
  gst_object_unref(pipeline);
  BufferRegistry::Get().Remove("bench_latency");
}

// --- 2. memory --------------------------------------------------------------------------------

void BenchMemory() {
  malloc_trim(0);
  const int64_t before = RssBytes();
  const int64_t heap_before = HeapBytes();
  auto buffer = std::make_shared<LiveBuffer>("bench_memory");  // default options: 50 s window
  SyntheticStream s(buffer);
  s.PushUntil(50000 * kMsNs);  // the first window, nothing trimmed yet
  malloc_trim(0);
  const int64_t first_window = RssBytes();
  s.PushUntil(120000 * kMsNs);  // steady state: 120 s pushed, about 50 s kept
  malloc_trim(0);
  const int64_t after = RssBytes();
  const int64_t heap = HeapBytes() - heap_before;
  const auto stats = buffer->Stats();
  uint64_t media = 0;
  for (const auto& f : buffer->Fragments()) media += f.bytes;
  const double mb = (after - before) / 1e6;
  const double frames_kept = stats.window_ns / 1e9 * (25 + 48000.0 / 1024);
  std::printf("memory: heap (index, not the pages) %.2f MB = %.0f bytes per frame; RSS beyond the "
              "media %.0f bytes per frame\n",
              heap / 1e6, heap / frames_kept,
              static_cast<double>(after - before - static_cast<int64_t>(media)) / frames_kept);
  std::printf("memory 2 Mbps, DVR 50000 ms: window %.1f s, media %.2f MB, RSS delta %.2f MB = "
              "%.2f MB per Mbps (first 50 s, before any trimming: %.2f MB per Mbps)\n",
              stats.window_ns / 1e9, media / 1e6, mb, mb / 2.0,
              (first_window - before) / 2e6);
}

// --- 3. readers -------------------------------------------------------------------------------

void BenchReaders(int readers) {
  auto buffer = std::make_shared<LiveBuffer>("bench_readers");
  SyntheticStream s(buffer);
  s.PushUntil(2000 * kMsNs);
  malloc_trim(0);
  std::vector<std::unique_ptr<haze::dtsc::Reader>> rs;
  rs.reserve(readers);
  const int64_t heap_before = HeapBytes();
  for (int i = 0; i < readers; ++i) rs.push_back(buffer->NewReader());
  const int64_t heap_after = HeapBytes();
  for (auto& r : rs)
    while (r->Next()) {
    }
  // 20 s of media: the writer pushes, then every reader takes every new frame (as an output
  // thread would), all on this thread.
  const double cpu0 = CpuSeconds();
  const uint64_t frames0 = s.frames;
  uint64_t delivered = 0;
  for (int64_t t = 2000; t < 22000; t += 40) {
    s.PushUntil(t * kMsNs);
    for (auto& r : rs)
      while (auto f = r->Next()) delivered++;
  }
  const double cpu = CpuSeconds() - cpu0;
  const uint64_t frames = s.frames - frames0;
  std::printf("readers %4d: %.3f us CPU per frame written+read by all, %.1f ns per frame per "
              "reader, %.0f bytes per reader (heap), %llu deliveries, skips %llu\n",
              readers, cpu * 1e6 / frames, cpu * 1e9 / (static_cast<double>(frames) * readers),
              static_cast<double>(heap_after - heap_before) / readers,
              static_cast<unsigned long long>(delivered),
              static_cast<unsigned long long>(buffer->Stats().reader_skips));
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "haze", "Haze (static)",
                             haze_register_elements, "0", "LGPL", "haze", "haze",
                             "https://haze.invalid/");
  BenchMemory();
  for (int n : {1, 100, 1000}) BenchReaders(n);
  BenchLatency();
  return 0;
}
