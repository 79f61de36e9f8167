#include "http/output_catalog.h"

#include <glib.h>

namespace haze::http {

const std::vector<OutputDescriptor>& Outputs() {
  static const std::vector<OutputDescriptor> kOutputs = {
      {"CMAF", "HLS (CMAF)", "cmaf/$/index.m3u8", "html5/application/vnd.apple.mpegurl;version=7",
       9, UrlScheme::kHttp, false, false},
      {"HLS", "HLS (TS)", "hls/$/index.m3u8", "html5/application/vnd.apple.mpegurl", 9,
       UrlScheme::kHttp, false, false},
      {"MP4", "MP4 progressive", "$.mp4", "html5/video/mp4", 8, UrlScheme::kHttp, false, false},
      {"DASH", "DASH (CMAF)", "cmaf/$/index.mpd", "dash/video/mp4", 8, UrlScheme::kHttp, false,
       false},
      {"EBML", "WebM progressive", "$.webm", "html5/video/webm", 8, UrlScheme::kHttp, false, true},
      {"RTMP", "RTMP", "play/$", "flash/10", 7, UrlScheme::kRtmp, true, false},
      {"FLV", "FLV progressive", "$.flv", "flash/7", 5, UrlScheme::kHttp, true, false},
      {"MKV", "Matroska progressive", "$.mkv", "html5/video/x-matroska", 3, UrlScheme::kHttp, false,
       false},
      {"RTSP", "RTSP", "$", "rtsp", 2, UrlScheme::kRtsp, false, false},
      {"HTTPTS", "TS progressive", "$.ts", "html5/video/mpeg", 1, UrlScheme::kHttp, false, false},
  };
  return kOutputs;
}

bool OutputFits(const OutputDescriptor& out, const std::vector<dtsc::TrackInfo>& tracks) {
  using dtsc::Codec;
  for (const auto& t : tracks) {
    if (t.kind != dtsc::TrackKind::kVideo && t.kind != dtsc::TrackKind::kAudio) continue;
    if (out.needs_h264_aac && t.codec != Codec::kH264 && t.codec != Codec::kAAC &&
        t.codec != Codec::kMP3)
      return false;
    if (out.needs_vpx_opus && t.codec != Codec::kVP8 && t.codec != Codec::kVP9 &&
        t.codec != Codec::kAV1 && t.codec != Codec::kOpus)
      return false;
  }
  return true;
}

namespace {

std::string Replace(std::string pattern, const std::string& stream) {
  gchar* escaped = g_uri_escape_string(stream.c_str(), "+", FALSE);
  for (size_t pos; (pos = pattern.find('$')) != std::string::npos;) pattern.replace(pos, 1, escaped);
  g_free(escaped);
  return pattern;
}

}  // namespace

std::string OutputUrl(const OutputDescriptor& out, const UrlBase& base, const std::string& stream) {
  std::string path = Replace(out.pattern, stream);
  switch (out.scheme) {
    case UrlScheme::kHttp:
      return base.http + path;
    case UrlScheme::kRtmp:
      return "rtmp://" + base.host + ":" + std::to_string(base.rtmp_port) + "/" + path;
    case UrlScheme::kRtsp:
      return "rtsp://" + base.host + ":" + std::to_string(base.rtsp_port) + "/" + path;
  }
  return path;
}

UrlBase MakeUrlBase(const std::string& mst_path, const std::string& public_address,
                    const std::string& host_header, int http_port) {
  UrlBase b;
  std::string base = !mst_path.empty() ? mst_path : public_address;
  if (!base.empty()) {
    b.http = base;
    if (b.http.back() != '/') b.http += '/';
    GUri* uri = g_uri_parse(b.http.c_str(), G_URI_FLAGS_NONE, nullptr);
    if (uri && g_uri_get_host(uri)) b.host = g_uri_get_host(uri);
    if (uri) g_uri_unref(uri);
  }
  if (b.host.empty() || b.http.empty()) {
    std::string host = host_header.empty() ? "localhost:" + std::to_string(http_port) : host_header;
    // Reject anything that is not a plain host[:port] (no injection into generated URLs).
    for (char c : host)
      if (!g_ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']')
        host = "localhost:" + std::to_string(http_port);
    if (b.http.empty()) b.http = "http://" + host + "/";
    if (b.host.empty()) {
      size_t colon = host.rfind(':');
      b.host = (colon != std::string::npos && host.find(']') == std::string::npos)
                   ? host.substr(0, colon)
                   : host;
    }
  }
  return b;
}

}  // namespace haze::http
