// MistServer-compatible track selectors. Written from the grammar in compat/mistserver.md 1.5.
#include "dtsc/track_selector.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <optional>

namespace haze::dtsc {

namespace {

using Ids = std::vector<uint32_t>;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); });
}

// A track id; nullopt for anything that is not a small decimal number.
std::optional<uint32_t> ParseId(const std::string& s) {
  if (!IsDigits(s) || s.size() > 9) return std::nullopt;
  return static_cast<uint32_t>(std::strtoul(s.c_str(), nullptr, 10));
}

// ISO-639-1 -> ISO-639-2 for the common languages.
std::string Lang3(const std::string& lang) {
  static const char* const kPairs[][2] = {
      {"en", "eng"}, {"nl", "nld"}, {"de", "deu"}, {"fr", "fra"}, {"es", "spa"}, {"it", "ita"},
      {"pt", "por"}, {"ru", "rus"}, {"ja", "jpn"}, {"zh", "zho"}, {"ko", "kor"}, {"ar", "ara"},
      {"sv", "swe"}, {"no", "nor"}, {"da", "dan"}, {"fi", "fin"}, {"pl", "pol"}, {"tr", "tur"},
      {"el", "ell"}, {"he", "heb"}, {"hi", "hin"}, {"cs", "ces"}, {"hu", "hun"}, {"uk", "ukr"}};
  const std::string l = Lower(lang);
  for (const auto& p : kPairs)
    if (l == p[0]) return p[1];
  return l;
}

// "2mbps", "500kbps", "64000bps" -> bits per second.
std::optional<uint64_t> ParseBitrate(const std::string& s) {
  const std::string l = Lower(s);
  char* end = nullptr;
  const double v = std::strtod(l.c_str(), &end);
  if (end == l.c_str() || !(v >= 0 && v < 1e12)) return std::nullopt;
  const std::string unit(end);
  double mul = 0;
  if (unit == "bps" || unit == "bit" || unit == "b") mul = 1;
  else if (unit == "kbps" || unit == "kbit" || unit == "k") mul = 1e3;
  else if (unit == "mbps" || unit == "mbit" || unit == "m") mul = 1e6;
  else if (unit == "gbps") mul = 1e9;
  else return std::nullopt;
  return static_cast<uint64_t>(v * mul);
}

// "1280x720" -> (w, h).
std::optional<std::pair<int, int>> ParseResolution(const std::string& s) {
  const auto x = Lower(s).find('x');
  if (x == std::string::npos) return std::nullopt;
  const std::string w = s.substr(0, x), h = s.substr(x + 1);
  if (!IsDigits(w) || !IsDigits(h) || w.size() > 6 || h.size() > 6) return std::nullopt;
  return std::pair{std::atoi(w.c_str()), std::atoi(h.c_str())};
}

uint64_t Bits(const TrackInfo& t) { return t.bps * 8; }
int64_t Area(const TrackInfo& t) { return int64_t{t.width} * t.height; }

bool CodecMatches(const TrackInfo& t, const std::string& l) {
  const std::string name = Lower(CodecName(t.codec));
  if (l == name) return true;
  if (t.codec == Codec::kH265 && (l == "h265" || l == "hevc")) return true;
  if (t.codec == Codec::kAAC && l == "mp4a") return true;
  return t.codec == Codec::kText && (l == "text" || l == "srt" || l == "vtt");
}

// The track of |of| with the extreme value of |key|; |highest| picks the maximum.
template <typename Key>
Ids Extreme(const std::vector<const TrackInfo*>& of, Key key, bool highest) {
  const TrackInfo* best = nullptr;
  for (const TrackInfo* t : of)
    if (!best || (highest ? key(*t) > key(*best) : key(*t) < key(*best))) best = t;
  return best ? Ids{best->id} : Ids{};
}

template <typename Pred>
Ids Filter(const std::vector<const TrackInfo*>& of, Pred pred) {
  Ids out;
  for (const TrackInfo* t : of)
    if (pred(*t)) out.push_back(t->id);
  return out;
}

// Tracks of |of| that a single selector token matches (no prefixes, not none/all).
Ids Match(const std::vector<const TrackInfo*>& of, const std::string& token) {
  const std::string l = Lower(token);
  if (IsDigits(l) || (l.size() > 1 && l[0] == 'i' && IsDigits(l.substr(1)))) {
    const auto id = ParseId(l[0] == 'i' ? l.substr(1) : l);
    return Filter(of, [&](const TrackInfo& t) { return id && t.id == *id; });
  }
  if (l == "highbps" || l == "maxbps" || l == "bestbps") return Extreme(of, Bits, true);
  if (l == "lowbps" || l == "minbps" || l == "worstbps") return Extreme(of, Bits, false);
  if (l == "highres" || l == "maxres" || l == "bestres") return Extreme(of, Area, true);
  if (l == "lowres" || l == "minres" || l == "worstres") return Extreme(of, Area, false);
  if (l == "mono") return Filter(of, [](const TrackInfo& t) { return t.channels == 1; });
  if (l == "stereo") return Filter(of, [](const TrackInfo& t) { return t.channels == 2; });
  if (l == "surround") return Filter(of, [](const TrackInfo& t) { return t.channels > 2; });
  if (l == "bframes") return Filter(of, [](const TrackInfo& t) { return t.bframes; });
  if (l.size() > 2 && l.size() <= 5 && l.ends_with("ch") && IsDigits(l.substr(0, l.size() - 2))) {
    const int ch = std::atoi(l.c_str());
    return Filter(of, [&](const TrackInfo& t) { return t.channels == ch; });
  }
  if (l.starts_with("max<")) {
    const auto limit = ParseBitrate(l.substr(4));
    if (!limit) return {};
    std::vector<const TrackInfo*> below;
    for (const TrackInfo* t : of)
      if (Bits(*t) <= *limit) below.push_back(t);
    return Extreme(below, Bits, true);
  }
  if (l[0] == '>' || l[0] == '<') {
    const bool greater = l[0] == '>';
    const std::string rest = l.substr(1);
    if (auto res = ParseResolution(rest)) {
      const int64_t area = int64_t{res->first} * res->second;
      return Filter(of, [&](const TrackInfo& t) {
        return greater ? Area(t) > area : Area(t) < area;
      });
    }
    if (auto bits = ParseBitrate(rest))
      return Filter(of, [&](const TrackInfo& t) {
        return greater ? Bits(t) > *bits : Bits(t) < *bits;
      });
    return {};
  }
  if (l[0] == '~') {
    const auto res = ParseResolution(l.substr(1));
    if (!res) return {};
    const int64_t area = int64_t{res->first} * res->second;
    return Extreme(of, [&](const TrackInfo& t) { return -std::llabs(Area(t) - area); }, true);
  }
  if (auto res = ParseResolution(l))
    return Filter(of, [&](const TrackInfo& t) {
      return t.width == res->first && t.height == res->second;
    });
  if (auto bits = ParseBitrate(l)) {
    return Extreme(of, [&](const TrackInfo& t) {
      const int64_t diff = static_cast<int64_t>(Bits(t)) - static_cast<int64_t>(*bits);
      return -std::llabs(diff);
    }, true);
  }
  const std::string lang = Lang3(l);
  return Filter(of, [&](const TrackInfo& t) {
    return CodecMatches(t, l) || (!t.lang.empty() && Lower(t.lang) == lang);
  });
}

void AddUnique(Ids& sel, const Ids& add) {
  for (uint32_t id : add)
    if (std::find(sel.begin(), sel.end(), id) == sel.end()) sel.push_back(id);
}

}  // namespace

std::vector<uint32_t> SelectKind(const std::vector<TrackInfo>& tracks, TrackKind kind,
                                 const std::string& selector) {
  std::vector<const TrackInfo*> of;
  for (const auto& t : tracks)
    if (t.kind == kind) of.push_back(&t);
  std::string spec = selector;
  if (spec.empty()) spec = kind == TrackKind::kVideo || kind == TrackKind::kAudio ? "all" : "none";
  Ids sel;
  Ids all;
  for (const TrackInfo* t : of) all.push_back(t->id);
  size_t pos = 0;
  bool first = true;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    std::string token = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (token.empty()) continue;
    const char op = token[0] == '|' || token[0] == '!' ? token[0] : 0;
    if (op) token = token.substr(1);
    if (op == '!' && first) sel = all;
    first = false;
    const std::string l = Lower(token);
    Ids m = l == "all" || l == "*" ? all : l == "none" || l == "-1" ? Ids{} : Match(of, token);
    if (op == '|') {
      std::erase_if(sel, [&](uint32_t id) { return std::find(m.begin(), m.end(), id) == m.end(); });
    } else if (op == '!') {
      std::erase_if(sel, [&](uint32_t id) { return std::find(m.begin(), m.end(), id) != m.end(); });
    } else if (l == "none" || l == "-1") {
      sel.clear();
    } else {
      AddUnique(sel, m);
    }
  }
  return sel;
}

std::vector<uint32_t> SelectTracks(const std::vector<TrackInfo>& tracks, const std::string& audio,
                                   const std::string& video, const std::string& subtitle) {
  Ids out = SelectKind(tracks, TrackKind::kVideo, video);
  AddUnique(out, SelectKind(tracks, TrackKind::kAudio, audio));
  AddUnique(out, SelectKind(tracks, TrackKind::kSubtitle, subtitle));
  return out;
}

}  // namespace haze::dtsc
