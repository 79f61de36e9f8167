// libFuzzer entry point: the AMF0 decoder (and a re-encode round trip of what it accepts).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocols/rtmp/amf0.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace haze::rtmp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto values = amf0::DecodeAll(in);
  if (!values.ok()) return 0;
  std::string again = amf0::EncodeAll(values.value());
  auto round = amf0::DecodeAll(again);
  if (!round.ok() || round->size() != values->size()) std::abort();
  return 0;
}
