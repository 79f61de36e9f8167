// libFuzzer entry for a publisher's ANNOUNCE SDP (RTSP RECORD): the SDP parse, our rtpmap
// reading and the RECORD launch built from the result.
#include <cstddef>
#include <cstdint>
#include <string>

#include "protocols/rtsp/rtsp_launch.h"
#include "protocols/rtsp/rtsp_sdp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto medias = haze::rtsp::ParseAnnouncedSdp({data, size});
  if (medias) {
    auto launch = haze::rtsp::RecordLaunchFor("fuzz", *medias);
    if (launch && launch->find("dtscsink") == std::string::npos) __builtin_trap();
  }
  haze::rtsp::EncodingName({reinterpret_cast<const char*>(data), size});
  return 0;
}
