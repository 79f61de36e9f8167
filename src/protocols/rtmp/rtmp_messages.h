// Payloads of the RTMP messages the server sends: protocol control, user control, and the AMF0
// command replies (_result, onStatus) in the shape real servers use. Pure C++, no GObject.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/rtmp/amf0.h"

namespace haze::rtmp {

// Chunk stream ids the server uses.
inline constexpr uint32_t kCsidControl = 2;
inline constexpr uint32_t kCsidCommand = 3;
inline constexpr uint32_t kCsidAudio = 4;
inline constexpr uint32_t kCsidStream = 5;  // onStatus and data on the media stream
inline constexpr uint32_t kCsidVideo = 6;
inline constexpr uint32_t kMediaStreamId = 1;  // the one stream id createStream hands out

namespace msg {

std::string U32(uint32_t value);  // Set Chunk Size, Window Ack Size, Acknowledgement, Abort
std::string PeerBandwidth(uint32_t window, uint8_t limit_type);
std::string UserControl(uint16_t event, uint32_t value);
// _result / _error: [name, transaction id, properties, info].
std::string Reply(bool ok, double transaction, const amf0::Value& props, const amf0::Value& info);
// onStatus on the media stream: level "status" or "error", code e.g. NetStream.Publish.Start.
std::string OnStatus(std::string_view level, std::string_view code, std::string_view description,
                     std::string_view details = {});
std::string ConnectResult(double transaction);
// |RtmpSampleAccess data message players expect after Play.Start.
std::string SampleAccess();

}  // namespace msg
}  // namespace haze::rtmp
