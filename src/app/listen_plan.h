// Which listeners run, on which interface and port: config.protocols (MistServer's connector
// list) with the command line over it. Pure logic, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"

namespace haze::app {

struct ListenSpec {
  std::string iface;  // "" = all interfaces
  uint16_t port = 0;  // 0 = pick a free port
};

// |connector| ("HTTP", "RTMP", ...) runs when config.protocols lists it, when the config has no
// protocols list (every default connector runs, as on MistServer's first start), or when the
// command line gives its port (|cli_port| >= 0). The port: the command line's, else the list
// entry's, else |default_port|. The interface: -i (|cli_iface|), else the entry's, else
// config.controller.interface. Empty: the connector does not run.
std::optional<ListenSpec> PlanListener(const config::ServerConfig& config,
                                       const std::string& cli_iface, const std::string& connector,
                                       int cli_port, uint16_t default_port);

}  // namespace haze::app
