// The playback outputs Haze offers, as typed capability descriptors (MistServer `capa` idea):
// connector id, human name, URL pattern ($ = stream), MIME type for players and priority.
// Used by stream info source[], `capabilities` and Prometheus. Pure data. Thread: any.
#pragma once

#include <string>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::http {

enum class UrlScheme { kHttp, kRtmp, kRtsp };

struct OutputDescriptor {
  const char* id;       // connector name ("FLV", "HTTPTS", "MP4", "EBML", "HLS", "CMAF", ...)
  const char* name;     // human readable ("FLV progressive")
  const char* pattern;  // "/$.flv"; for RTMP/RTSP the path after host:port
  const char* mime;     // player type ("html5/video/mp4", "flash/7", ...)
  int priority;
  UrlScheme scheme;
  bool needs_h264_aac;  // FLV-style: H.264/AAC only
  bool needs_vpx_opus;  // WebM: VP8/VP9/AV1 + Opus/Vorbis only
};

const std::vector<OutputDescriptor>& Outputs();
// Whether |out| can carry these tracks.
bool OutputFits(const OutputDescriptor& out, const std::vector<dtsc::TrackInfo>& tracks);

// Builds URLs from a base: "http://host:8080/" (or an X-Mst-Path / public address base).
struct UrlBase {
  std::string http;  // ends with '/'
  std::string host;  // host name only, for rtmp:// and rtsp://
  int rtmp_port = 1935;
  int rtsp_port = 5554;
};
std::string OutputUrl(const OutputDescriptor& out, const UrlBase& base, const std::string& stream);

// The base for generated URLs of a request: X-Mst-Path wins, then the configured public
// address, then http://<Host header>/. Hosts are only taken from headers as opaque strings.
UrlBase MakeUrlBase(const std::string& mst_path, const std::string& public_address,
                    const std::string& host_header, int http_port);

}  // namespace haze::http
