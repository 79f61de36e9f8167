#include "app/listen_plan.h"

namespace haze::app {

std::optional<ListenSpec> PlanListener(const config::ServerConfig& config,
                                       const std::string& cli_iface, const std::string& connector,
                                       int cli_port, uint16_t default_port) {
  const config::ProtocolConfig* entry = config.FindProtocol(connector);
  if (cli_port < 0 && config.protocols_listed && !entry) return std::nullopt;
  ListenSpec spec;
  if (cli_port >= 0) {
    spec.port = static_cast<uint16_t>(cli_port);
  } else if (entry && entry->port >= 0 && entry->port <= 65535) {
    spec.port = static_cast<uint16_t>(entry->port);
  } else {
    spec.port = default_port;
  }
  if (!cli_iface.empty()) {
    spec.iface = cli_iface;
  } else if (entry && !entry->interface.empty()) {
    spec.iface = entry->interface;
  } else {
    spec.iface = config.interface;
  }
  return spec;
}

}  // namespace haze::app
