// Registers the embedded resources (default config, built-in pipeline templates). Idempotent.
#pragma once

namespace haze::core {
void RegisterResources();
}  // namespace haze::core
