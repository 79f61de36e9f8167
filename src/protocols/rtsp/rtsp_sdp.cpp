#include "protocols/rtsp/rtsp_sdp.h"

#include <gst/sdp/gstsdpmessage.h>

namespace haze::rtsp {

namespace {
constexpr size_t kMaxSdp = 64 * 1024;
constexpr guint kMaxMedias = 16;
}  // namespace

std::string EncodingName(std::string_view rtpmap) {
  const size_t space = rtpmap.find(' ');
  if (space == std::string_view::npos) return {};
  std::string_view rest = rtpmap.substr(space + 1);
  rest = rest.substr(0, rest.find('/'));
  std::string out;
  for (char c : rest) {
    if (c == ' ' || c == '\r' || c == '\n') break;
    out += g_ascii_toupper(c);
  }
  return out;
}

std::optional<std::vector<AnnouncedMedia>> ParseAnnouncedSdp(std::span<const uint8_t> sdp) {
  if (sdp.empty() || sdp.size() > kMaxSdp) return std::nullopt;
  GstSDPMessage* msg = nullptr;
  if (gst_sdp_message_new(&msg) != GST_SDP_OK) return std::nullopt;
  std::optional<std::vector<AnnouncedMedia>> out;
  if (gst_sdp_message_parse_buffer(sdp.data(), static_cast<guint>(sdp.size()), msg) == GST_SDP_OK &&
      gst_sdp_message_medias_len(msg) > 0 && gst_sdp_message_medias_len(msg) <= kMaxMedias) {
    out.emplace();
    for (guint i = 0; i < gst_sdp_message_medias_len(msg); ++i) {
      const GstSDPMedia* m = gst_sdp_message_get_media(msg, i);
      const gchar* kind = gst_sdp_media_get_media(m);
      const gchar* rtpmap = gst_sdp_media_get_attribute_val(m, "rtpmap");
      out->push_back({.media = kind ? kind : "", .encoding = rtpmap ? EncodingName(rtpmap) : ""});
    }
  }
  gst_sdp_message_free(msg);
  return out;
}

}  // namespace haze::rtsp
