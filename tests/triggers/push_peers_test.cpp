// Pushes against real peers: a recording process killed with SIGKILL leaves a decodable file
// (gst-launch-1.0 child running the muxer/sink plan, with the haze plugin from the build dir),
// and an RTMP push to nginx with Debian's RTMP module arrives and decodes.
#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <vector>

#include "push/push.h"

namespace haze::push {
namespace {

int VideoFrames(const std::string& path) {
  std::string cmd =
      "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
      "stream=nb_read_frames -of csv=p=0 '" +
      path + "' 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  char buf[64] = {0};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  pclose(f);
  return n ? atoi(buf) : -1;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class PushPeersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    char tmpl[] = "/tmp/haze-peer-XXXXXX";
    dir_ = g_mkdtemp(tmpl);
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  static void Sleep(int ms) {
    gint64 end = g_get_monotonic_time() + ms * 1000;
    while (g_get_monotonic_time() < end) g_main_context_iteration(nullptr, FALSE), g_usleep(10000);
  }
  std::string dir_;
};

TEST_F(PushPeersTest, KilledRecordingStaysDecodable) {
  std::vector<GSubprocess*> procs;
  std::vector<std::string> files;
  for (const char* ext : {"mkv", "ts", "mp4", "flv"}) {
    std::string path = dir_ + "/killed." + ext;
    auto plan = PlanSink(ParseTarget(path).value());
    ASSERT_TRUE(plan.ok());
    std::string launch =
        "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! "
        "x264enc speed-preset=ultrafast tune=zerolatency key-int-max=25 ! h264parse "
        "config-interval=-1 ! triggerhook ! " +
        DescribePlan(plan.value());
    gchar** argv = nullptr;
    std::string cmd = "gst-launch-1.0 -q " + launch;
    ASSERT_TRUE(g_shell_parse_argv(cmd.c_str(), nullptr, &argv, nullptr));
    GError* err = nullptr;
    GSubprocess* p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &err);
    g_strfreev(argv);
    ASSERT_NE(p, nullptr) << (err ? err->message : "");
    procs.push_back(p);
    files.push_back(path);
  }
  Sleep(3000);
  for (auto* p : procs) {
    g_subprocess_force_exit(p);  // SIGKILL: no EOS, no finalisation
    g_subprocess_wait(p, nullptr, nullptr);
    EXPECT_TRUE(g_subprocess_get_if_signaled(p));
    g_object_unref(p);
  }
  for (const auto& f : files) {
    int frames = VideoFrames(f);
    EXPECT_GE(frames, 25) << f;  // at least the first second decodes
  }
}

TEST_F(PushPeersTest, RtmpPushToNginxArrivesAndDecodes) {
  const char* module = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
  if (!g_file_test("/usr/sbin/nginx", G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test(module, G_FILE_TEST_EXISTS)) {
    GTEST_SKIP() << "nginx with libnginx-mod-rtmp not installed";
  }
  int port = FreePort();
  for (const char* sub : {"/logs", "/rec", "/tmp"})
    g_mkdir_with_parents((dir_ + sub).c_str(), 0755);
  std::ofstream(dir_ + "/nginx.conf")
      << "load_module " << module << ";\n"
      << "daemon off;\nmaster_process off;\npid nginx.pid;\n"
      << "error_log logs/error.log info;\nevents { worker_connections 64; }\n"
      << "rtmp { server { listen 127.0.0.1:" << port << "; chunk_size 4096;\n"
      << "  application sink { live on; record all; record_path " << dir_ << "/rec;\n"
      << "    record_unique off; } } }\n"
      << "http { access_log off; client_body_temp_path tmp; proxy_temp_path tmp;\n"
      << "  fastcgi_temp_path tmp; uwsgi_temp_path tmp; scgi_temp_path tmp; }\n";
  std::string prefix = dir_ + "/";
  const char* argv[] = {"/usr/sbin/nginx", "-p", prefix.c_str(), "-c", "nginx.conf", nullptr};
  GError* err = nullptr;
  GSubprocess* nginx = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &err);
  ASSERT_NE(nginx, nullptr) << (err ? err->message : "");
  Sleep(500);

  std::string target = "rtmp://127.0.0.1:" + std::to_string(port) + "/sink/secretkey";
  Push push(1, "live", target, target, ParseTarget(target).value());
  bool ended = false;
  auto st = push.Start(
      [](const std::string&, const PushParams&) {
        GstElement* bin = gst_parse_bin_from_description(
            "videotestsrc is-live=true num-buffers=75 ! "
            "video/x-raw,width=320,height=240,framerate=25/1 ! x264enc speed-preset=ultrafast "
            "tune=zerolatency key-int-max=25 ! h264parse name=v",
            FALSE, nullptr);
        GstElement* v = gst_bin_get_by_name(GST_BIN(bin), "v");
        GstPad* pad = gst_element_get_static_pad(v, "src");
        gst_element_add_pad(bin, gst_ghost_pad_new("v", pad));
        gst_object_unref(pad);
        gst_object_unref(v);
        return bin;
      },
      [&](Push&) { ended = true; });
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
  while (!ended && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  EXPECT_TRUE(ended);
  EXPECT_EQ(push.exit_reason(), "CLEAN_EOF");
  Sleep(500);  // nginx closes the recording after the publisher left
  g_subprocess_send_signal(nginx, SIGTERM);
  g_subprocess_wait(nginx, nullptr, nullptr);
  g_object_unref(nginx);
  int frames = VideoFrames(dir_ + "/rec/secretkey.flv");
  EXPECT_GE(frames, 60);
  EXPECT_LE(frames, 75);
}

// Receives a network push in-process and counts decoded-ready H.264 frames.
struct Receiver {
  GstElement* pipeline = nullptr;
  std::atomic<int> frames{0};
  explicit Receiver(const std::string& source) {
    std::string desc = source +
                       " ! tsdemux ! h264parse ! video/x-h264,alignment=au ! "
                       "fakesink name=out sync=false";
    pipeline = gst_parse_launch(desc.c_str(), nullptr);
    GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline), "out");
    GstPad* pad = gst_element_get_static_pad(out, "sink");
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer data) {
          ++static_cast<Receiver*>(data)->frames;
          return GST_PAD_PROBE_OK;
        },
        this, nullptr);
    gst_object_unref(pad);
    gst_object_unref(out);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
  }
  ~Receiver() {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
  }
};

GstElement* LiveVideo(int frames) {
  std::string desc = "videotestsrc is-live=true num-buffers=" + std::to_string(frames) +
                     " ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc "
                     "speed-preset=ultrafast tune=zerolatency key-int-max=25 ! h264parse name=v";
  GstElement* bin = gst_parse_bin_from_description(desc.c_str(), FALSE, nullptr);
  GstElement* v = gst_bin_get_by_name(GST_BIN(bin), "v");
  GstPad* pad = gst_element_get_static_pad(v, "src");
  gst_element_add_pad(bin, gst_ghost_pad_new("v", pad));
  gst_object_unref(pad);
  gst_object_unref(v);
  return bin;
}

int RunNetworkPush(const std::string& target) {
  auto parsed = ParseTarget(target);
  EXPECT_TRUE(parsed.ok());
  Push push(7, "live", target, target, parsed.value());
  bool ended = false;
  auto st = push.Start([](const std::string&, const PushParams&) { return LiveVideo(50); },
                       [&](Push&) { ended = true; });
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().ToString());
  gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
  while (!ended && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
  EXPECT_TRUE(ended);
  EXPECT_EQ(push.exit_reason(), "CLEAN_EOF") << push.PushEndPayload()[4];
  return std::stoi(push.OutputEndPayload()[3]);  // bytes
}

TEST_F(PushPeersTest, TsUdpPushArrives) {
  int port = FreePort();
  Receiver rx("udpsrc address=127.0.0.1 port=" + std::to_string(port) +
              " caps=video/mpegts,systemstream=true");
  Sleep(300);
  EXPECT_GT(RunNetworkPush("tsudp://127.0.0.1:" + std::to_string(port)), 10000);
  Sleep(300);
  EXPECT_GE(rx.frames.load(), 40);
}

TEST_F(PushPeersTest, SrtPushArrives) {
  int port = FreePort();
  Receiver rx("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) + "?mode=listener");
  Sleep(300);
  EXPECT_GT(RunNetworkPush("srt://127.0.0.1:" + std::to_string(port) + "?mode=caller&latency=100"),
            10000);
  Sleep(500);
  EXPECT_GE(rx.frames.load(), 40);
}

}  // namespace
}  // namespace haze::push
