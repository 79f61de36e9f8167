#include "protocols/ts/ts_muxer.h"

#include <algorithm>
#include <numeric>

#include "protocols/cmaf/byte_writer.h"
#include "protocols/cmaf/codec_string.h"

namespace haze::ts {
namespace {

using cmaf::MediaCodec;
constexpr size_t kPacket = 188;
constexpr size_t kMaxAudioFramesPerPes = 6;

// Parameter sets of an avcC (SPS, PPS) or hvcC (VPS, SPS, PPS arrays), and the NAL length size.
void ParseConfig(const cmaf::MediaTrack& t, std::vector<std::vector<uint8_t>>& sets,
                 size_t& length_size) {
  cmaf::ByteReader r(t.init);
  if (t.codec == MediaCodec::kH264 && t.init.size() >= 7) {
    r.Skip(4);
    length_size = (r.U8() & 3) + 1;
    for (int list = 0; list < 2 && !r.failed(); ++list) {
      uint32_t count = list == 0 ? (r.U8() & 0x1f) : r.U8();
      for (uint32_t i = 0; i < count && !r.failed(); ++i) {
        auto nal = r.Bytes(r.U16());
        if (!nal.empty()) sets.emplace_back(nal.begin(), nal.end());
      }
    }
  } else if (t.codec == MediaCodec::kH265 && t.init.size() >= 23) {
    r.Skip(21);
    length_size = (r.U8() & 3) + 1;
    uint32_t arrays = r.U8();
    for (uint32_t a = 0; a < arrays && !r.failed(); ++a) {
      r.U8();
      uint32_t count = r.U16();
      for (uint32_t i = 0; i < count && !r.failed(); ++i) {
        auto nal = r.Bytes(r.U16());
        if (!nal.empty()) sets.emplace_back(nal.begin(), nal.end());
      }
    }
  }
}

void StartCode(std::vector<uint8_t>& out) { out.insert(out.end(), {0, 0, 0, 1}); }

void PutTimestamp(std::vector<uint8_t>& out, uint8_t prefix, int64_t ts) {
  uint64_t v = static_cast<uint64_t>(ts) & 0x1ffffffffULL;
  out.push_back(static_cast<uint8_t>((prefix << 4) | ((v >> 29) & 0x0e) | 1));
  out.push_back(static_cast<uint8_t>(v >> 22));
  out.push_back(static_cast<uint8_t>(((v >> 14) & 0xfe) | 1));
  out.push_back(static_cast<uint8_t>(v >> 7));
  out.push_back(static_cast<uint8_t>(((v << 1) & 0xfe) | 1));
}

int64_t To90k(int64_t ns) { return cmaf::ToTimescale(ns, 90000) + kTimestampOffset90k; }

}  // namespace

uint32_t Crc32Mpeg(std::span<const uint8_t> data) {
  uint32_t crc = 0xffffffff;
  for (uint8_t b : data) {
    crc ^= static_cast<uint32_t>(b) << 24;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc;
}

uint8_t TsMuxer::StreamType(MediaCodec codec) {
  switch (codec) {
    case MediaCodec::kH264:
      return 0x1b;
    case MediaCodec::kH265:
      return 0x24;
    case MediaCodec::kAAC:
      return 0x0f;
    case MediaCodec::kMP3:
      return 0x03;
    default:
      return 0;
  }
}

TsMuxer::TsMuxer(std::vector<cmaf::MediaTrack> tracks) {
  for (size_t i = 0; i < tracks.size(); ++i) {
    Track t;
    t.info = std::move(tracks[i]);
    t.pid = static_cast<uint16_t>(kFirstEsPid + i);
    t.stream_type = StreamType(t.info.codec);
    ParseConfig(t.info, t.parameter_sets, t.nal_length_size);
    if (t.stream_type && (pcr_pid_ == 0 || (t.info.video && !tracks_[pcr_pid_ - kFirstEsPid].info.video)))
      pcr_pid_ = t.pid;
    tracks_.push_back(std::move(t));
  }
}

bool TsMuxer::Carries(size_t track) const {
  return track < tracks_.size() && tracks_[track].stream_type != 0;
}

uint8_t TsMuxer::NextCc(uint16_t pid) {
  uint8_t cc = cc_[pid];
  cc_[pid] = (cc + 1) & 0x0f;
  return cc;
}

void TsMuxer::WritePsi(std::vector<uint8_t>& out) {
  auto section = [&](uint16_t pid, std::vector<uint8_t> body) {
    uint32_t crc = Crc32Mpeg(body);
    for (int s = 24; s >= 0; s -= 8) body.push_back(static_cast<uint8_t>(crc >> s));
    size_t at = out.size();
    out.insert(out.end(), {0x47, static_cast<uint8_t>(0x40 | (pid >> 8)),
                           static_cast<uint8_t>(pid), static_cast<uint8_t>(0x10 | NextCc(pid)), 0});
    out.insert(out.end(), body.begin(), body.end());
    out.resize(at + kPacket, 0xff);
  };
  // PAT: program 1 -> PMT PID.
  section(0, {0x00, 0xb0, 13, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01,
              static_cast<uint8_t>(0xe0 | (kPmtPid >> 8)), static_cast<uint8_t>(kPmtPid)});
  std::vector<uint8_t> pmt = {0x02, 0xb0, 0, 0x00, 0x01, 0xc1, 0x00, 0x00,
                              static_cast<uint8_t>(0xe0 | (pcr_pid_ >> 8)),
                              static_cast<uint8_t>(pcr_pid_), 0xf0, 0x00};
  for (const Track& t : tracks_) {
    if (!t.stream_type) continue;
    pmt.insert(pmt.end(), {t.stream_type, static_cast<uint8_t>(0xe0 | (t.pid >> 8)),
                           static_cast<uint8_t>(t.pid), 0xf0, 0x00});
  }
  pmt[2] = static_cast<uint8_t>(pmt.size() - 3 + 4);
  section(kPmtPid, std::move(pmt));
}

void TsMuxer::WritePes(std::vector<uint8_t>& out, uint16_t pid, uint8_t stream_id,
                       std::span<const uint8_t> payload, int64_t pts, int64_t dts, bool key,
                       bool pcr) {
  std::vector<uint8_t> head = {0, 0, 1, stream_id, 0, 0, 0x80};
  bool with_dts = dts != pts;
  head.push_back(with_dts ? 0xc0 : 0x80);
  head.push_back(with_dts ? 10 : 5);
  PutTimestamp(head, with_dts ? 3 : 2, pts);
  if (with_dts) PutTimestamp(head, 1, dts);
  size_t pes_len = head.size() - 6 + payload.size();
  if (stream_id != 0xe0 || pes_len <= 0xffff) {
    head[4] = static_cast<uint8_t>(pes_len >> 8);
    head[5] = static_cast<uint8_t>(pes_len);
  }
  size_t total = head.size() + payload.size(), done = 0;
  while (done < total) {
    bool first = done == 0;
    size_t at = out.size();
    out.resize(at + kPacket, 0xff);
    uint8_t* p = out.data() + at;
    p[0] = 0x47;
    p[1] = static_cast<uint8_t>((first ? 0x40 : 0) | (pid >> 8));
    p[2] = static_cast<uint8_t>(pid);
    size_t af = 0;  // adaptation field bytes including its length byte
    uint8_t af_flags = 0;
    if (first && (pcr || key)) {
      af = pcr ? 8 : 2;
      af_flags = static_cast<uint8_t>((key ? 0x40 : 0) | (pcr ? 0x10 : 0));
    }
    size_t room = kPacket - 4 - af, left = total - done;
    if (left < room) af += room - left;
    p[3] = static_cast<uint8_t>((af ? 0x30 : 0x10) | NextCc(pid));
    if (af) {
      p[4] = static_cast<uint8_t>(af - 1);
      if (af > 1) p[5] = af_flags;
      if (af_flags & 0x10) {
        uint64_t base = static_cast<uint64_t>(dts - 9000) & 0x1ffffffffULL;  // PCR 100 ms early
        p[6] = static_cast<uint8_t>(base >> 25);
        p[7] = static_cast<uint8_t>(base >> 17);
        p[8] = static_cast<uint8_t>(base >> 9);
        p[9] = static_cast<uint8_t>(base >> 1);
        p[10] = static_cast<uint8_t>(((base & 1) << 7) | 0x7e);
        p[11] = 0;
      }
    }
    size_t n = std::min(kPacket - 4 - af, total - done);
    uint8_t* dst = p + 4 + af;
    for (size_t i = 0; i < n; ++i, ++done)
      dst[i] = done < head.size() ? head[done] : payload[done - head.size()];
  }
}

void TsMuxer::WriteVideo(std::vector<uint8_t>& out, Track& t, const cmaf::Sample& s) {
  bool hevc = t.info.codec == MediaCodec::kH265;
  std::vector<uint8_t> es;
  es.reserve(s.data.size() + 256);
  StartCode(es);
  if (hevc) es.insert(es.end(), {0x46, 0x01, 0x50});
  else es.insert(es.end(), {0x09, 0xf0});
  if (s.keyframe) {
    for (const auto& ps : t.parameter_sets) {
      StartCode(es);
      es.insert(es.end(), ps.begin(), ps.end());
    }
  }
  cmaf::ByteReader r(s.data);
  while (r.remaining() > t.nal_length_size) {
    uint32_t len = 0;
    for (size_t i = 0; i < t.nal_length_size; ++i) len = (len << 8) | r.U8();
    auto nal = r.Bytes(len);
    if (nal.empty()) break;
    int type = hevc ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
    if (type == (hevc ? 35 : 9)) continue;  // our own AUD is already there
    StartCode(es);
    es.insert(es.end(), nal.begin(), nal.end());
  }
  int64_t dts = To90k(s.dts);
  WritePes(out, t.pid, 0xe0, es, To90k(s.pts), dts, s.keyframe, t.pid == pcr_pid_);
}

void TsMuxer::WriteAudio(std::vector<uint8_t>& out, Track& t,
                         std::span<const cmaf::Sample> group) {
  std::vector<uint8_t> es;
  auto asc = cmaf::ParseAsc(t.info.init);
  int profile = (asc.object_type >= 1 && asc.object_type <= 4 ? asc.object_type : 2) - 1;
  for (const cmaf::Sample& s : group) {
    if (t.info.codec == MediaCodec::kAAC) {
      size_t len = s.data.size() + 7;
      es.insert(es.end(), {0xff, 0xf1,
                           static_cast<uint8_t>((profile << 6) | ((asc.rate_index & 0x0f) << 2) |
                                                ((asc.channels >> 2) & 1)),
                           static_cast<uint8_t>(((asc.channels & 3) << 6) | (len >> 11)),
                           static_cast<uint8_t>(len >> 3),
                           static_cast<uint8_t>(((len & 7) << 5) | 0x1f), 0xfc});
    }
    es.insert(es.end(), s.data.begin(), s.data.end());
  }
  int64_t pts = To90k(group.front().pts);
  WritePes(out, t.pid, 0xc0, es, pts, pts, false, t.pid == pcr_pid_);
}

std::vector<uint8_t> TsMuxer::WriteSegment(std::span<const TsSample> samples) {
  std::vector<size_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return samples[a].sample.dts < samples[b].sample.dts;
  });
  std::vector<uint8_t> out;
  size_t bytes = 0;
  for (const auto& s : samples) bytes += s.sample.data.size();
  out.reserve(bytes * 21 / 20 + 4096);
  WritePsi(out);
  std::vector<cmaf::Sample> group;
  size_t group_track = 0;
  auto flush = [&] {
    if (!group.empty()) WriteAudio(out, tracks_[group_track], group);
    group.clear();
  };
  for (size_t i : order) {
    const TsSample& s = samples[i];
    if (!Carries(s.track)) continue;
    Track& t = tracks_[s.track];
    if (t.info.video) {  // audio keeps grouping across video frames (<= ~130 ms apart)
      WriteVideo(out, t, s.sample);
      continue;
    }
    if (s.track != group_track || group.size() >= kMaxAudioFramesPerPes) flush();
    group_track = s.track;
    group.push_back(s.sample);
  }
  flush();
  return out;
}

}  // namespace haze::ts
