#include "protocols/cmaf/fmp4_writer.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "protocols/cmaf/byte_writer.h"

namespace haze::cmaf {
namespace {

constexpr std::array<uint32_t, 9> kUnityMatrix = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0,
                                                  0x40000000};
constexpr uint32_t kKeySampleFlags = 0x02000000;     // depends on nothing, sync
constexpr uint32_t kNonKeySampleFlags = 0x01010000;  // depends on others, non-sync

void Matrix(ByteWriter& w) {
  for (uint32_t v : kUnityMatrix) w.U32(v);
}

void Ftyp(ByteWriter& w) {
  size_t box = w.BeginBox("ftyp");
  w.FourCC("iso6");
  w.U32(0);
  for (std::string_view brand : {"iso6", "cmfc", "iso5", "dash", "mp41"}) w.FourCC(brand);
  w.EndBox(box);
}

void Mvhd(ByteWriter& w, uint32_t next_track) {
  size_t box = w.BeginFullBox("mvhd", 0, 0);
  w.U32(0);  // creation
  w.U32(0);  // modification
  w.U32(1000);
  w.U32(0);  // duration: fragmented
  w.U32(0x00010000);
  w.U16(0x0100);
  w.Zeros(10);
  Matrix(w);
  w.Zeros(24);
  w.U32(next_track);
  w.EndBox(box);
}

void Tkhd(ByteWriter& w, const MediaTrack& t) {
  size_t box = w.BeginFullBox("tkhd", 0, 0x000003);  // enabled, in movie
  w.U32(0);
  w.U32(0);
  w.U32(t.id);
  w.U32(0);
  w.U32(0);  // duration
  w.Zeros(8);
  w.U16(0);                          // layer
  w.U16(t.video ? 0 : 1);            // alternate group
  w.U16(t.video ? 0 : 0x0100);       // volume
  w.U16(0);
  Matrix(w);
  w.U32(static_cast<uint32_t>(t.width) << 16);
  w.U32(static_cast<uint32_t>(t.height) << 16);
  w.EndBox(box);
}

uint16_t PackedLanguage(const std::string& lang) {
  std::string l = lang.size() == 3 ? lang : "und";
  uint16_t v = 0;
  for (char c : l) v = static_cast<uint16_t>((v << 5) | ((c - 0x60) & 0x1f));
  return v;
}

void Mdhd(ByteWriter& w, const MediaTrack& t) {
  size_t box = w.BeginFullBox("mdhd", 0, 0);
  w.U32(0);
  w.U32(0);
  w.U32(t.timescale());
  w.U32(0);
  w.U16(PackedLanguage(t.lang));
  w.U16(0);
  w.EndBox(box);
}

void Hdlr(ByteWriter& w, bool video) {
  size_t box = w.BeginFullBox("hdlr", 0, 0);
  w.U32(0);
  w.FourCC(video ? "vide" : "soun");
  w.Zeros(12);
  std::string_view name = video ? "Haze video" : "Haze audio";
  w.Bytes(name.data(), name.size());
  w.U8(0);
  w.EndBox(box);
}

void VisualEntry(ByteWriter& w, const MediaTrack& t, std::string_view type,
                 std::string_view config_type) {
  size_t box = w.BeginBox(type);
  w.Zeros(6);
  w.U16(1);  // data_reference_index
  w.Zeros(16);
  w.U16(static_cast<uint32_t>(t.width));
  w.U16(static_cast<uint32_t>(t.height));
  w.U32(0x00480000);
  w.U32(0x00480000);
  w.U32(0);
  w.U16(1);  // frame_count
  w.Zeros(32);
  w.U16(0x0018);
  w.U16(0xffff);
  size_t config = w.BeginBox(config_type);
  w.Bytes(t.init);
  w.EndBox(config);
  w.EndBox(box);
}

void AudioEntryHeader(ByteWriter& w, const MediaTrack& t, uint32_t rate) {
  w.Zeros(6);
  w.U16(1);
  w.Zeros(8);
  w.U16(static_cast<uint32_t>(t.channels > 0 ? t.channels : 2));
  w.U16(16);
  w.U32(0);
  w.U32(std::min<uint32_t>(rate, 0xffff) << 16);
}

// MPEG-4 descriptor header with a 4-byte size (always valid, simplest for readers).
void Descriptor(ByteWriter& w, uint8_t tag, size_t size) {
  w.U8(tag);
  w.U8(0x80 | ((size >> 21) & 0x7f));
  w.U8(0x80 | ((size >> 14) & 0x7f));
  w.U8(0x80 | ((size >> 7) & 0x7f));
  w.U8(size & 0x7f);
}

void Esds(ByteWriter& w, const MediaTrack& t) {
  size_t box = w.BeginFullBox("esds", 0, 0);
  bool mp3 = t.codec == MediaCodec::kMP3;
  size_t dsi = mp3 ? 0 : t.init.size();
  size_t dec_config = 13 + (dsi ? 5 + dsi : 0);
  Descriptor(w, 0x03, 3 + 5 + dec_config + 5 + 1);
  w.U16(t.id);
  w.U8(0);
  Descriptor(w, 0x04, dec_config);
  w.U8(mp3 ? 0x6b : 0x40);
  w.U8(0x15);  // audio stream
  w.U24(0);
  w.U32(static_cast<uint32_t>(t.bandwidth));
  w.U32(static_cast<uint32_t>(t.avg_bandwidth));
  if (dsi) {
    Descriptor(w, 0x05, dsi);
    w.Bytes(t.init);
  }
  Descriptor(w, 0x06, 1);
  w.U8(0x02);
  w.EndBox(box);
}

// dOps from an OpusHead (little-endian fields become big-endian).
void Dops(ByteWriter& w, const MediaTrack& t) {
  const auto& h = t.init;
  size_t box = w.BeginBox("dOps");
  w.U8(0);
  if (h.size() >= 19) {
    w.U8(h[9]);
    w.U16(h[10] | (h[11] << 8));
    w.U32(h[12] | (h[13] << 8) | (h[14] << 16) | (static_cast<uint32_t>(h[15]) << 24));
    w.U16(h[16] | (h[17] << 8));
    w.U8(h[18]);
    if (h[18] != 0 && h.size() > 21) w.Bytes(h.data() + 19, h.size() - 19);
  } else {
    w.U8(static_cast<uint32_t>(t.channels > 0 ? t.channels : 2));
    w.U16(312);
    w.U32(48000);
    w.U16(0);
    w.U8(0);
  }
  w.EndBox(box);
}

void SampleEntry(ByteWriter& w, const MediaTrack& t) {
  switch (t.codec) {
    case MediaCodec::kH264:
      VisualEntry(w, t, "avc1", "avcC");
      return;
    case MediaCodec::kH265:
      VisualEntry(w, t, "hvc1", "hvcC");
      return;
    case MediaCodec::kAAC:
    case MediaCodec::kMP3: {
      size_t box = w.BeginBox("mp4a");
      AudioEntryHeader(w, t, t.timescale());
      Esds(w, t);
      w.EndBox(box);
      return;
    }
    case MediaCodec::kOpus: {
      size_t box = w.BeginBox("Opus");
      AudioEntryHeader(w, t, 48000);
      Dops(w, t);
      w.EndBox(box);
      return;
    }
    case MediaCodec::kUnknown:
      return;
  }
}

void EmptyTable(ByteWriter& w, std::string_view type, bool stsz) {
  size_t box = w.BeginFullBox(type, 0, 0);
  if (stsz) w.U32(0);
  w.U32(0);
  w.EndBox(box);
}

void Stbl(ByteWriter& w, const MediaTrack& t) {
  size_t stbl = w.BeginBox("stbl");
  size_t stsd = w.BeginFullBox("stsd", 0, 0);
  w.U32(1);
  SampleEntry(w, t);
  w.EndBox(stsd);
  EmptyTable(w, "stts", false);
  EmptyTable(w, "stsc", false);
  EmptyTable(w, "stsz", true);
  EmptyTable(w, "stco", false);
  w.EndBox(stbl);
}

void Minf(ByteWriter& w, const MediaTrack& t) {
  size_t minf = w.BeginBox("minf");
  if (t.video) {
    size_t vmhd = w.BeginFullBox("vmhd", 0, 1);
    w.Zeros(8);
    w.EndBox(vmhd);
  } else {
    size_t smhd = w.BeginFullBox("smhd", 0, 0);
    w.U32(0);
    w.EndBox(smhd);
  }
  size_t dinf = w.BeginBox("dinf");
  size_t dref = w.BeginFullBox("dref", 0, 0);
  w.U32(1);
  size_t url = w.BeginFullBox("url ", 0, 1);  // self-contained
  w.EndBox(url);
  w.EndBox(dref);
  w.EndBox(dinf);
  Stbl(w, t);
  w.EndBox(minf);
}

uint32_t DefaultDuration(const MediaTrack& t) {
  switch (t.codec) {
    case MediaCodec::kAAC:
      return 1024;
    case MediaCodec::kMP3:
      return 1152;
    case MediaCodec::kOpus:
      return t.timescale() / 50;
    default:
      break;
  }
  if (t.fps_n > 0 && t.fps_d > 0) return static_cast<uint32_t>(90000LL * t.fps_d / t.fps_n);
  return 3000;
}

}  // namespace

std::vector<uint8_t> WriteInitSegment(const MediaTrack& t) {
  if (t.codec == MediaCodec::kUnknown) return {};
  ByteWriter w(1024);
  Ftyp(w);
  size_t moov = w.BeginBox("moov");
  Mvhd(w, t.id + 1);
  size_t trak = w.BeginBox("trak");
  Tkhd(w, t);
  size_t mdia = w.BeginBox("mdia");
  Mdhd(w, t);
  Hdlr(w, t.video);
  Minf(w, t);
  w.EndBox(mdia);
  w.EndBox(trak);
  size_t mvex = w.BeginBox("mvex");
  size_t trex = w.BeginFullBox("trex", 0, 0);
  w.U32(t.id);
  w.U32(1);
  w.U32(0);
  w.U32(0);
  w.U32(0);
  w.EndBox(trex);
  w.EndBox(mvex);
  w.EndBox(moov);
  return w.Take();
}

std::vector<uint8_t> WriteMediaChunk(const MediaTrack& t, uint32_t sequence,
                                     std::span<const Sample> samples, int64_t end_dts) {
  const uint32_t scale = t.timescale();
  size_t payload = 0;
  bool has_cts = false;
  for (const Sample& s : samples) {
    payload += s.data.size();
    has_cts = has_cts || s.pts != s.dts;
  }
  ByteWriter w(payload + 64 + samples.size() * 16);
  size_t moof = w.BeginBox("moof");
  size_t mfhd = w.BeginFullBox("mfhd", 0, 0);
  w.U32(sequence);
  w.EndBox(mfhd);
  size_t traf = w.BeginBox("traf");
  size_t tfhd = w.BeginFullBox("tfhd", 0, 0x020000);  // default-base-is-moof
  w.U32(t.id);
  w.EndBox(tfhd);
  size_t tfdt = w.BeginFullBox("tfdt", 1, 0);
  int64_t base = samples.empty() ? 0 : ToTimescale(samples.front().dts, scale);
  w.U64(static_cast<uint64_t>(std::max<int64_t>(base, 0)));
  w.EndBox(tfdt);
  uint32_t flags = 0x000001 | 0x000100 | 0x000200 | 0x000400 | (has_cts ? 0x000800 : 0);
  size_t trun = w.BeginFullBox("trun", 1, flags);
  w.U32(static_cast<uint32_t>(samples.size()));
  size_t data_offset_at = w.size();
  w.U32(0);
  int64_t last_duration = DefaultDuration(t);
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    int64_t dts = ToTimescale(s.dts, scale);
    int64_t next = i + 1 < samples.size() ? ToTimescale(samples[i + 1].dts, scale)
                   : end_dts != kUnknownEnd ? ToTimescale(end_dts, scale)
                                            : dts + last_duration;
    int64_t duration = next > dts ? next - dts : last_duration;
    last_duration = duration;
    w.U32(static_cast<uint32_t>(duration));
    w.U32(static_cast<uint32_t>(s.data.size()));
    w.U32(!t.video || s.keyframe ? kKeySampleFlags : kNonKeySampleFlags);
    if (has_cts) w.U32(static_cast<uint32_t>(static_cast<int32_t>(ToTimescale(s.pts, scale) - dts)));
  }
  w.EndBox(trun);
  w.EndBox(traf);
  w.EndBox(moof);
  w.PatchU32(data_offset_at, static_cast<uint32_t>(w.size() + 8));
  w.U32(static_cast<uint32_t>(payload + 8));
  w.FourCC("mdat");
  for (const Sample& s : samples) w.Bytes(s.data);
  return w.Take();
}

}  // namespace haze::cmaf
