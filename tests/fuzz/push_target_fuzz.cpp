// libFuzzer entry: push targets from the API (push_start / push_auto_add), variable expansion,
// trigger responses from HTTP handlers and custom-variable output.
#include <cstddef>
#include <cstdint>
#include <string>

#include "push/push_target.h"
#include "triggers/trigger_types.h"
#include "triggers/variables.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto target = haze::push::ParseTarget(text);
  if (target.ok()) {
    auto plan = haze::push::PlanSink(target.value());
    if (plan.ok()) (void)haze::push::DescribePlan(plan.value());
  }
  haze::triggers::VariableMap vars = {{"stream", "live+$stream"}, {"a", "${a}$a"}, {"b", ""}};
  (void)haze::triggers::ExpandVariables(text, vars);
  (void)haze::triggers::UsesVariable(text, "segmentCounter");
  (void)haze::triggers::ParseBoolResponse(text);
  (void)haze::triggers::TrimResponse(text);
  return 0;
}
