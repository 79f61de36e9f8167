// haze: the media server executable. Options, config, Server, main loop.
#include <gst/gst.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "app/cli_options.h"
#include "app/server.h"
#include "base/gst_ref.h"
#include "base/log.h"
#include "config/config_store.h"
#include "core/resources.h"
#include "haze_build_config.h"

int main(int argc, char** argv) {
  // The command line as given, for a SIGHUP restart (option parsing edits argv).
  std::vector<std::string> args(argv, argv + argc);
  std::string help;
  auto options = haze::app::ParseCli(argc, argv, &help);
  if (!help.empty()) {
    std::fputs(help.c_str(), stdout);
    return 0;
  }
  if (!options) {
    std::fprintf(stderr, "haze: %s (see haze --help)\n", options.error().ToString().c_str());
    return 1;
  }
  if (options->version) {
    haze::GCharPtr gst_version(gst_version_string());
    std::printf("haze %s (GStreamer %s)\n", HAZE_VERSION, gst_version.get());
    return 0;
  }
  gst_init(nullptr, nullptr);
  haze::InitLogging();
  haze::core::RegisterResources();
  haze::app::RegisterStaticPlugin();

  if (!options->print_pipeline.empty()) {
    auto store = haze::config::ConfigStore::Open(options->config_path, haze::config::ConfigRw::kOff);
    if (!store) {
      std::fprintf(stderr, "haze: %s\n", store.error().ToString().c_str());
      return 1;
    }
    auto cmd = haze::app::Server::GstLaunchCommand(store.value()->typed(), options->print_pipeline);
    if (!cmd) {
      std::fprintf(stderr, "haze: %s\n", cmd.error().ToString().c_str());
      return 1;
    }
    std::printf("%s\n", cmd->c_str());
    return 0;
  }

  haze::app::Server server(std::move(options.value()));
  if (auto st = server.Start(); !st) {
    std::fprintf(stderr, "haze: %s\n", st.error().ToString().c_str());
    return 1;
  }
  std::fputs(server.Banner().c_str(), stdout);
  std::fflush(stdout);
  server.Run();
  if (const auto& handover = server.restart_handover()) {
    // SIGHUP: the same binary and arguments, in this process (a service manager keeps its PID);
    // the listeners' copies were made to survive exec.
    g_setenv(haze::app::kHandoverEnv, handover->c_str(), TRUE);
    std::fflush(stdout);
    std::vector<char*> exec_argv;
    for (auto& a : args) exec_argv.push_back(a.data());
    exec_argv.push_back(nullptr);
    execv("/proc/self/exe", exec_argv.data());
    std::fprintf(stderr, "haze: restart failed: cannot re-execute: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
