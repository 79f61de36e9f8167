#include "protocols/rtmp/rtmp_messages.h"

#include "protocols/rtmp/bytes.h"

namespace haze::rtmp::msg {

using amf0::Value;

std::string U32(uint32_t value) {
  std::string out;
  PutU32(&out, value);
  return out;
}

std::string PeerBandwidth(uint32_t window, uint8_t limit_type) {
  std::string out = U32(window);
  PutU8(&out, limit_type);
  return out;
}

std::string UserControl(uint16_t event, uint32_t value) {
  std::string out;
  PutU16(&out, event);
  PutU32(&out, value);
  return out;
}

std::string Reply(bool ok, double transaction, const Value& props, const Value& info) {
  return amf0::EncodeAll({Value::String(ok ? "_result" : "_error"), Value::Number(transaction),
                          props, info});
}

std::string OnStatus(std::string_view level, std::string_view code, std::string_view description,
                     std::string_view details) {
  std::vector<amf0::Property> info = {{"level", Value::String(std::string(level))},
                                      {"code", Value::String(std::string(code))},
                                      {"description", Value::String(std::string(description))}};
  if (!details.empty()) info.push_back({"details", Value::String(std::string(details))});
  info.push_back({"clientid", Value::String("haze")});
  return amf0::EncodeAll(
      {Value::String("onStatus"), Value::Number(0), Value::Null(), Value::Object(std::move(info))});
}

std::string ConnectResult(double transaction) {
  Value props = Value::Object({{"fmsVer", Value::String("FMS/3,5,7,7009")},
                               {"capabilities", Value::Number(31)},
                               {"mode", Value::Number(1)}});
  Value info = Value::Object({{"level", Value::String("status")},
                              {"code", Value::String("NetConnection.Connect.Success")},
                              {"description", Value::String("Connection succeeded.")},
                              {"objectEncoding", Value::Number(0)}});
  return Reply(true, transaction, props, info);
}

std::string SampleAccess() {
  return amf0::EncodeAll({Value::String("|RtmpSampleAccess"), Value::Bool(true), Value::Bool(true)});
}

}  // namespace haze::rtmp::msg
