// Pure logic of the HTTP layer: auth challenge, URL bases, safe static paths, stream names from
// paths, sync-point detection and the chunk ring, Prometheus rendering.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "http/api/auth.h"
#include "http/output_catalog.h"
#include "http/progressive/chunk_ring.h"
#include "http/prometheus.h"
#include "http/static_files.h"
#include "http/stream_info.h"

namespace haze::http {
namespace {

TEST(Auth, ChallengeIsStablePerDayAndIp) {
  int64_t t = 1700000000;
  EXPECT_EQ(AuthChallenge("10.0.0.1", t), AuthChallenge("10.0.0.1", t + 60));
  EXPECT_NE(AuthChallenge("10.0.0.1", t), AuthChallenge("10.0.0.2", t));
  EXPECT_NE(AuthChallenge("10.0.0.1", t), AuthChallenge("10.0.0.1", t + 3 * 86400));
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Auth, StatusFlow) {
  std::map<std::string, std::string> none;
  EXPECT_EQ(Authorize(none, nullptr, "1.2.3.4", 0).status, AuthStatus::kNoAccount);
  JsonObject* creds = json_object_new();
  json_object_set_string_member(creds, "new_username", "a");
  json_object_set_string_member(creds, "new_password", "pw");
  AuthResult made = Authorize(none, creds, "1.2.3.4", 0);
  EXPECT_EQ(made.status, AuthStatus::kAccountMade);
  EXPECT_EQ(made.new_password_md5, Md5Hex("pw"));
  std::map<std::string, std::string> accounts{{"a", Md5Hex("pw")}};
  json_object_set_string_member(creds, "username", "a");
  json_object_set_string_member(creds, "password", Md5Hex(Md5Hex("pw") + AuthChallenge("1.2.3.4", 0)).c_str());
  EXPECT_EQ(Authorize(accounts, creds, "1.2.3.4", 0).status, AuthStatus::kOk);
  EXPECT_EQ(Authorize(accounts, creds, "5.6.7.8", 0).status, AuthStatus::kChallenge);
  json_object_unref(creds);
}

TEST(UrlBase, HeaderProxyAndPublicAddress) {
  UrlBase b = MakeUrlBase("", "", "media.local:8080", 8080);
  EXPECT_EQ(b.http, "http://media.local:8080/");
  EXPECT_EQ(b.host, "media.local");
  b = MakeUrlBase("https://x.example/p", "https://ignored/", "h:1", 8080);
  EXPECT_EQ(b.http, "https://x.example/p/");
  EXPECT_EQ(b.host, "x.example");
  b = MakeUrlBase("", "https://pub.example/", "h:1", 8080);
  EXPECT_EQ(b.http, "https://pub.example/");
  // A hostile Host header is not echoed into generated URLs.
  b = MakeUrlBase("", "", "evil\"><script>", 8080);
  EXPECT_EQ(b.http, "http://localhost:8080/");
  const OutputDescriptor* flv = nullptr;
  for (const auto& o : Outputs())
    if (std::string(o.id) == "FLV") flv = &o;
  ASSERT_TRUE(flv);
  EXPECT_EQ(OutputUrl(*flv, MakeUrlBase("", "", "h:8080", 8080), "live+a b"), "http://h:8080/live+a%20b.flv");
}

TEST(StaticFiles, SafePaths) {
  EXPECT_EQ(SafeFilePath("/w", "/"), "/w/index.html");
  EXPECT_EQ(SafeFilePath("/w", "/js/app.js"), "/w/js/app.js");
  EXPECT_EQ(SafeFilePath("/w", "/../etc/passwd"), "");
  EXPECT_EQ(SafeFilePath("/w", "/a/../../x"), "");
  EXPECT_EQ(SafeFilePath("/w", "/.git/config"), "");
  EXPECT_EQ(SafeFilePath("/w", "/a//b"), "");
  EXPECT_EQ(SafeFilePath("/w", "/a\\b"), "");
  EXPECT_EQ(SafeFilePath("", "/x"), "");
}

TEST(StreamInfo, StreamFromPath) {
  EXPECT_EQ(StreamFromPath("/json_live.js", "/json_", ".js"), "live");
  EXPECT_EQ(StreamFromPath("/json_Live+Cam.js", "/json_", ".js"), "live+Cam");
  EXPECT_EQ(StreamFromPath("/json_.js", "/json_", ".js"), "");
  EXPECT_EQ(StreamFromPath("/a/b.flv", "/", ".flv"), "");
  EXPECT_EQ(StreamFromPath("/live.flv", "/", ".flv"), "live");
}

std::string FlvTag(uint8_t type, uint8_t flags, uint8_t packet_type) {
  std::string t(16, '\0');
  t[0] = static_cast<char>(type);
  t[11] = static_cast<char>(flags);
  t[12] = static_cast<char>(packet_type);
  return t;
}

bool Sync(MuxFormat f, const std::string& d, bool video = true, uint32_t id = 1) {
  return IsSyncPoint(f, reinterpret_cast<const uint8_t*>(d.data()), d.size(), video, id);
}

TEST(SyncPoints, Flv) {
  EXPECT_TRUE(Sync(MuxFormat::kFlv, FlvTag(9, 0x17, 1)));    // AVC keyframe NALU
  EXPECT_FALSE(Sync(MuxFormat::kFlv, FlvTag(9, 0x17, 0)));   // sequence header
  EXPECT_FALSE(Sync(MuxFormat::kFlv, FlvTag(9, 0x27, 1)));   // inter frame
  EXPECT_FALSE(Sync(MuxFormat::kFlv, FlvTag(8, 0xAF, 1)));   // audio with video present
  EXPECT_TRUE(Sync(MuxFormat::kFlv, FlvTag(8, 0xAF, 1), false));
}

TEST(SyncPoints, TsRandomAccess) {
  std::string pkt(188, '\xff');
  pkt[0] = 0x47;
  pkt[1] = 0x40;  // payload unit start
  pkt[3] = 0x30;  // adaptation + payload
  pkt[4] = 7;
  pkt[5] = 0x40;  // random access
  EXPECT_TRUE(Sync(MuxFormat::kTs, pkt));
  pkt[5] = 0;
  EXPECT_FALSE(Sync(MuxFormat::kTs, pkt));
}

void Box(std::string& out, const char* type, const std::string& payload) {
  uint32_t size = static_cast<uint32_t>(payload.size() + 8);
  char hdr[8] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                 static_cast<char>(size >> 8), static_cast<char>(size)};
  std::memcpy(hdr + 4, type, 4);
  out.append(hdr, 8).append(payload);
}

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string Moof(uint32_t track, uint32_t first_flags) {
  std::string tfhd = Be32(0) + Be32(track);                  // version/flags 0, track id
  std::string trun = Be32(0x000004 | 0x1) + Be32(1) + Be32(0) + Be32(first_flags);
  std::string traf, moof;
  Box(traf, "tfhd", tfhd);
  Box(traf, "trun", trun);
  std::string mfhd = Be32(0) + Be32(1);
  std::string inner;
  Box(inner, "mfhd", mfhd);
  Box(inner, "traf", traf);
  Box(moof, "moof", inner);
  return moof;
}

TEST(SyncPoints, Mp4MoofOfVideoTrackStartingWithSyncSample) {
  EXPECT_TRUE(Sync(MuxFormat::kMp4, Moof(1, 0x02000000)));
  EXPECT_FALSE(Sync(MuxFormat::kMp4, Moof(1, 0x01010000)));  // non-sync first sample
  EXPECT_FALSE(Sync(MuxFormat::kMp4, Moof(2, 0x02000000)));  // audio track
  EXPECT_TRUE(Sync(MuxFormat::kMp4, Moof(2, 0), false));
  EXPECT_FALSE(Sync(MuxFormat::kMp4, "\0\0\0\x10" "ftypisom....", true));
}

TEST(SyncPoints, MatroskaCluster) {
  EXPECT_TRUE(Sync(MuxFormat::kWebm, std::string("\x1F\x43\xB6\x75\x01", 5)));
  EXPECT_FALSE(Sync(MuxFormat::kMkv, std::string("\xA3\x43\xB6\x75", 4)));
}

void Add(ChunkRing& r, const std::string& s, bool sync) {
  r.Append(reinterpret_cast<const uint8_t*>(s.data()), s.size(), sync);
}

std::string Str(GBytes* b) {
  gsize n = 0;
  const char* d = static_cast<const char*>(g_bytes_get_data(b, &n));
  return std::string(d ? d : "", n);
}

TEST(ChunkRing, HeaderSyncPointsAndTrimming) {
  ChunkRing r(100);
  Add(r, "HDR", false);
  EXPECT_FALSE(r.ready());
  Add(r, "K1", true);
  Add(r, "d1", false);
  r.Seal();
  ASSERT_TRUE(r.ready());
  EXPECT_EQ(Str(r.header()), "HDR");
  EXPECT_EQ(Str(r.Get(*r.newest_sync())->bytes), "K1d1");  // coalesced until the next sync
  for (int i = 0; i < 50; ++i) {
    Add(r, "K" + std::to_string(i), true);
    Add(r, "dddddddddd", false);
    r.Seal();
  }
  EXPECT_LE(r.bytes(), 100u);
  EXPECT_GT(r.first_seq(), 0u);
  EXPECT_EQ(r.Get(r.first_seq() - 1), nullptr);
  EXPECT_TRUE(r.Get(*r.newest_sync())->sync);
}

TEST(ChunkRing, HttpChunkFraming) {
  ChunkRing r(1 << 20, true);
  Add(r, "HEADER", false);
  Add(r, std::string(20, 'k'), true);
  r.Seal();
  EXPECT_EQ(Str(r.header()), "6\r\nHEADER\r\n");
  EXPECT_EQ(Str(r.Get(0)->bytes), "14\r\n" + std::string(20, 'k') + "\r\n");
}

TEST(Prometheus, EveryFamilyHasHelpAndTypeAndSpacedValues) {
  MetricsInput in;
  core::StreamSnapshot s;
  s.name = "a\"b";
  s.viewers = 2;
  in.streams.push_back(s);
  in.triggers["STREAM_BUFFER"] = {1, 2, 3};
  std::string text = RenderPrometheusText(in);
  EXPECT_NE(text.find("mist_sessions{stream=\"a\\\"b\",sessType=\"viewers\"} 2\n"), std::string::npos) << text;
  std::set<std::string> typed, seen;
  gchar** lines = g_strsplit(text.c_str(), "\n", -1);
  for (gchar** l = lines; *l; ++l) {
    std::string line = *l;
    if (line.rfind("# TYPE ", 0) == 0) typed.insert(line.substr(7, line.find(' ', 7) - 7));
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find_first_of("{ "));
    seen.insert(name);
    EXPECT_NE(line.rfind(' '), std::string::npos);
  }
  g_strfreev(lines);
  for (const auto& n : seen) EXPECT_TRUE(typed.count(n)) << n;
}

}  // namespace
}  // namespace haze::http
