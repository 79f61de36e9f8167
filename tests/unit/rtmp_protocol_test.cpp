// Unit tests of the pure RTMP layers: AMF0, chunk stream, handshake, FLV tags.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>

#include "protocols/rtmp/amf0.h"
#include "protocols/rtmp/bytes.h"
#include "protocols/rtmp/chunk.h"
#include "protocols/rtmp/flv_tags.h"
#include "protocols/rtmp/handshake.h"

namespace haze::rtmp {
namespace {

// Parsed FLV packets view their input: test inputs are kept alive for the whole run.
std::string_view Kept(std::string bytes) {
  static std::deque<std::string> kept;
  return kept.emplace_back(std::move(bytes));
}
std::string_view Kept(const char* bytes, size_t size) { return Kept(std::string(bytes, size)); }

using amf0::Property;
using amf0::Value;

TEST(Amf0, RoundTripsEveryType) {
  std::vector<Value> in = {
      Value::String("connect"), Value::Number(1), Value::Bool(true), Value::Null(),
      Value::Undefined(),
      Value::Object({{"app", Value::String("live")}, {"n", Value::Number(3.5)}}),
      Value::EcmaArray({{"width", Value::Number(640)}}),
      Value::StrictArray({Value::Number(1), Value::String("x")}),
      Value::Date(1700000000000.0, 60), Value::String(std::string(70000, 'z'))};
  std::string bytes = amf0::EncodeAll(in);
  auto out = amf0::DecodeAll(bytes);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  ASSERT_EQ(out->size(), in.size());
  EXPECT_EQ(out.value()[0].string, "connect");
  EXPECT_EQ(out.value()[1].number, 1);
  EXPECT_TRUE(out.value()[2].boolean);
  EXPECT_EQ(out.value()[3].type, amf0::Type::kNull);
  EXPECT_EQ(out.value()[4].type, amf0::Type::kUndefined);
  EXPECT_EQ(out.value()[5].GetString("app"), "live");
  EXPECT_EQ(out.value()[5].GetNumber("n"), 3.5);
  EXPECT_EQ(out.value()[6].type, amf0::Type::kEcmaArray);
  EXPECT_EQ(out.value()[6].GetNumber("width"), 640);
  ASSERT_EQ(out.value()[7].items.size(), 2u);
  EXPECT_EQ(out.value()[7].items[1].string, "x");
  EXPECT_EQ(out.value()[8].number, 1700000000000.0);
  EXPECT_EQ(out.value()[8].timezone, 60);
  EXPECT_EQ(out.value()[9].type, amf0::Type::kLongString);
  EXPECT_EQ(out.value()[9].string.size(), 70000u);
}

TEST(Amf0, KnownEncoding) {
  std::string b;
  amf0::Encode(Value::Number(1.0), &b);
  EXPECT_EQ(b, std::string("\x00\x3f\xf0\x00\x00\x00\x00\x00\x00", 9));
  b.clear();
  amf0::Encode(Value::Object({{"a", Value::Bool(false)}}), &b);
  EXPECT_EQ(b, std::string("\x03\x00\x01" "a" "\x01\x00\x00\x00\x09", 9));
}

TEST(Amf0, RejectsTruncatedAndHostileInput) {
  std::string b = amf0::EncodeAll({Value::Object({{"k", Value::String("value")}})});
  for (size_t n = 1; n + 1 < b.size(); ++n) {
    EXPECT_FALSE(amf0::DecodeAll(b.substr(0, n)).ok()) << n;
  }
  // Deep nesting is refused.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string("\x0a\x00\x00\x00\x01", 5);
  deep += std::string("\x05", 1);
  EXPECT_FALSE(amf0::DecodeAll(deep).ok());
  // A strict array claiming more values than bytes.
  EXPECT_FALSE(amf0::DecodeAll(std::string("\x0a\xff\xff\xff\xff\x05", 6)).ok());
  // Unknown marker (AMF3 switch, reference).
  EXPECT_FALSE(amf0::DecodeAll(std::string("\x11", 1)).ok());
  EXPECT_FALSE(amf0::DecodeAll(std::string("\x07\x00\x01", 3)).ok());
  // Too many values.
  std::string many(5000, '\x05');
  EXPECT_FALSE(amf0::DecodeAll(many).ok());
}

std::vector<Message> ParseAll(ChunkReader* r, const std::string& bytes, size_t step) {
  std::vector<Message> out;
  std::string pending;
  for (size_t i = 0; i < bytes.size(); i += step) {
    pending += bytes.substr(i, step);
    auto n = r->Parse(pending, &out);
    EXPECT_TRUE(n.ok()) << n.error().ToString();
    if (!n.ok()) break;
    pending.erase(0, n.value());
  }
  EXPECT_TRUE(pending.empty());
  return out;
}

TEST(Chunk, WriterAndReaderAgreeAtAnySplit) {
  std::string payload(1000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = char(i * 7);
  std::string bytes;
  WriteChunks(4, kVideo, 1, 1234, payload, 128, &bytes);
  WriteChunks(300, kAudio, 1, 0x1234567, std::string_view("abc"), 128, &bytes);  // 3-byte csid, ext ts
  WriteChunks(70, kDataAmf0, 1, 0, std::string_view(""), 128, &bytes);          // 2-byte csid, empty
  for (size_t step : {1, 7, 128, 5000}) {
    ChunkReader r;
    auto msgs = ParseAll(&r, bytes, step);
    ASSERT_EQ(msgs.size(), 3u);
    EXPECT_EQ(msgs[0].payload, payload);
    EXPECT_EQ(msgs[0].timestamp, 1234u);
    EXPECT_EQ(msgs[0].csid, 4u);
    EXPECT_EQ(msgs[0].stream_id, 1u);
    EXPECT_EQ(msgs[1].csid, 300u);
    EXPECT_EQ(msgs[1].timestamp, 0x1234567u);
    EXPECT_EQ(msgs[1].payload, "abc");
    EXPECT_EQ(msgs[2].csid, 70u);
    EXPECT_TRUE(msgs[2].payload.empty());
  }
}

TEST(Chunk, HeaderTypesAndDeltas) {
  // fmt0 ts=1000 len=2 type=8 sid=1; fmt2 delta 33; fmt3 (repeats delta); fmt1 delta 10 len 1.
  std::string b = std::string("\x04\x00\x03\xe8\x00\x00\x02\x08\x01\x00\x00\x00" "ab", 14) +
                  std::string("\x84\x00\x00\x21" "cd", 6) + std::string("\xc4" "ef", 3) +
                  std::string("\x44\x00\x00\x0a\x00\x00\x01\x09" "g", 9);
  ChunkReader r;
  auto msgs = ParseAll(&r, b, 1);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[0].timestamp, 1000u);
  EXPECT_EQ(msgs[1].timestamp, 1033u);
  EXPECT_EQ(msgs[2].timestamp, 1066u);
  EXPECT_EQ(msgs[2].payload, "ef");
  EXPECT_EQ(msgs[3].timestamp, 1076u);
  EXPECT_EQ(msgs[3].type, kVideo);
  EXPECT_EQ(msgs[3].stream_id, 1u);
}

TEST(Chunk, ChunkSizeChangeAndAbort) {
  std::string b;
  std::string size;
  PutU32(&size, 4096);
  WriteChunks(2, kSetChunkSize, 0, 0, size, 128, &b);
  std::string big(3000, 'x');
  WriteChunks(6, kVideo, 1, 5, big, 4096, &b);
  // A partial message on csid 7 (first chunk of 4096 of a 5000 byte message), then abort.
  std::string partial;
  WriteChunks(7, kVideo, 1, 5, std::string(5000, 'y'), 4096, &partial);
  b += partial.substr(0, 12 + 4096);
  std::string abort;
  PutU32(&abort, 7);
  WriteChunks(2, kAbort, 0, 0, abort, 4096, &b);
  WriteChunks(7, kVideo, 1, 9, std::string_view("z"), 4096, &b);
  ChunkReader r;
  auto msgs = ParseAll(&r, b, 100);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(r.chunk_size(), 4096u);
  EXPECT_EQ(msgs[1].payload, big);
  EXPECT_EQ(msgs[2].type, kAbort);
  EXPECT_EQ(msgs[3].payload, "z");
}

TEST(Chunk, RejectsOversizedAndMalformed) {
  ChunkLimits limits;
  limits.max_message_size = 1000;
  ChunkReader r(limits);
  std::string b;
  WriteChunks(4, kVideo, 1, 0, std::string(2000, 'a'), 128, &b);
  std::vector<Message> out;
  EXPECT_FALSE(r.Parse(b, &out).ok());
  ChunkReader r2;
  EXPECT_FALSE(r2.Parse(std::string("\xc4" "abc", 4), &out).ok());  // fmt3 without a header
  ChunkReader r3;
  std::string zero;
  PutU32(&zero, 0);
  std::string b3;
  WriteChunks(2, kSetChunkSize, 0, 0, zero, 128, &b3);
  EXPECT_FALSE(r3.Parse(b3, &out).ok());
}

TEST(Chunk, BoundsUnfinishedData) {
  ChunkLimits limits;
  limits.max_message_size = 1000;
  ChunkReader r(limits);
  std::string b;
  // Many chunk streams each holding the first chunk of a 1000-byte message.
  for (uint32_t csid = 3; csid < 40; ++csid) {
    std::string one;
    WriteChunks(csid, kVideo, 1, 0, std::string(1000, 'a'), 128, &one);
    b += one.substr(0, 12 + 128);
  }
  std::vector<Message> out;
  auto st = r.Parse(b, &out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("unfinished"), std::string::npos);
}

TEST(Chunk, UnwrapsTimestamps) {
  TimestampUnwrapper u;
  EXPECT_EQ(u.Unwrap(0xfffffff0u), 0xfffffff0ll);
  EXPECT_EQ(u.Unwrap(0xffffffe0u), 0xffffffe0ll);  // small step back
  EXPECT_EQ(u.Unwrap(0x10u), 0x100000010ll);        // wrap
  EXPECT_EQ(u.Unwrap(0xfffffffeu), 0xfffffffell);   // back across the wrap
  EXPECT_EQ(u.Unwrap(0x20u), 0x100000020ll);
}

TEST(Handshake, PlainClient) {
  std::string hello = handshake::ClientHello(false, 1);
  auto resp = handshake::ServerResponse(hello, 5);
  ASSERT_TRUE(resp.ok());
  EXPECT_TRUE(handshake::VerifyServerResponse(resp.value(), hello.substr(1), false));
}

TEST(Handshake, DigestClient) {
  std::string hello = handshake::ClientHello(true, 1);
  EXPECT_GE(handshake::FindDigest(std::string_view(hello).substr(1), true), 0);
  auto resp = handshake::ServerResponse(hello, 5);
  ASSERT_TRUE(resp.ok());
  EXPECT_TRUE(handshake::VerifyServerResponse(resp.value(), hello.substr(1), true));
  // A flipped bit breaks the client digest: the server answers plainly.
  std::string bad = hello;
  bad[100] ^= 1;
  bad[900] ^= 1;
  auto plain = handshake::ServerResponse(bad, 5);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(handshake::VerifyServerResponse(plain.value(), bad.substr(1), true));
}

TEST(Handshake, RejectsOtherVersions) {
  std::string hello = handshake::ClientHello(false, 1);
  hello[0] = 6;
  EXPECT_FALSE(handshake::ServerResponse(hello, 0).ok());
}

TEST(Flv, ParsesAvc) {
  auto cfg = flv::ParseVideo(Kept("\x17\x00\x00\x00\x00\x01\x64", 7));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->kind, flv::PacketKind::kConfig);
  EXPECT_EQ(cfg->codec, flv::Codec::kH264);
  EXPECT_EQ(cfg->data.size(), 2u);
  auto f = flv::ParseVideo(Kept("\x27\x01\xff\xff\xd8" "abc", 8));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, flv::PacketKind::kFrame);
  EXPECT_FALSE(f->keyframe);
  EXPECT_EQ(f->cts_ms, -40);
  EXPECT_EQ(f->data, "abc");
  EXPECT_FALSE(flv::ParseVideo(Kept("\x17\x01", 2)).ok());
  EXPECT_EQ(flv::ParseVideo(Kept("\x12\x00", 2))->kind, flv::PacketKind::kSkip);  // H.263
}

TEST(Flv, ParsesEnhanced) {
  auto hevc = flv::ParseVideo(Kept("\x91hvc1" "\x00\x00\x28" "x", 9));
  ASSERT_TRUE(hevc.ok());
  EXPECT_EQ(hevc->codec, flv::Codec::kH265);
  EXPECT_EQ(hevc->kind, flv::PacketKind::kFrame);
  EXPECT_TRUE(hevc->keyframe);
  EXPECT_EQ(hevc->cts_ms, 40);
  EXPECT_EQ(hevc->data, "x");
  auto av1 = flv::ParseVideo(Kept("\x90" "av01" "cfg", 8));
  EXPECT_EQ(av1->codec, flv::Codec::kAV1);
  EXPECT_EQ(av1->kind, flv::PacketKind::kConfig);
  EXPECT_EQ(av1->data, "cfg");
  auto vp9 = flv::ParseVideo(Kept("\xa3vp09" "f", 6));
  EXPECT_EQ(vp9->codec, flv::Codec::kVP9);
  EXPECT_FALSE(vp9->keyframe);
  EXPECT_EQ(vp9->data, "f");
  // Round trip of the play-side header.
  std::string h = flv::VideoHeader(flv::Codec::kH265, false, false, 80) + "d";
  auto back = flv::ParseVideo(h);
  EXPECT_EQ(back->cts_ms, 80);
  EXPECT_EQ(back->data, "d");
  EXPECT_EQ(flv::ParseVideo(Kept(flv::VideoHeader(flv::Codec::kAV1, true, false, 0) + "q"))->data, "q");
}

TEST(Flv, ParsesAudio) {
  auto cfg = flv::ParseAudio(Kept("\xaf\x00\x11\x90", 4));
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->kind, flv::PacketKind::kConfig);
  auto asc = flv::ParseAudioSpecificConfig(cfg->data);
  ASSERT_TRUE(asc.ok());
  EXPECT_EQ(asc->object_type, 2);
  EXPECT_EQ(asc->rate, 48000);
  EXPECT_EQ(asc->channels, 2);
  auto mp3 = flv::ParseAudio(Kept("\x2f\xff\xfb\x90\x64", 5));
  EXPECT_EQ(mp3->codec, flv::Codec::kMP3);
  auto hdr = flv::ParseMpegAudioHeader(mp3->data);
  ASSERT_TRUE(hdr.ok());
  EXPECT_EQ(hdr->rate, 44100);
  EXPECT_EQ(hdr->channels, 2);
  EXPECT_EQ(flv::AudioHeader(flv::Codec::kAAC, true, 48000, 2), std::string("\xaf\x00", 2));
}

}  // namespace
}  // namespace haze::rtmp
