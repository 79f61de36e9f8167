// Command line of the haze executable. Pure parsing (GOptionContext), no side effects.
#pragma once

#include <string>

#include "base/result.h"

namespace haze::app {

struct CliOptions {
  std::string config_path;      // -c
  std::string interface;        // -i, "" = config or all interfaces
  int api_port = -1;            // -p; -1 = config or 4242; 0 = pick a free port
  int http_port = -1;           // -1 = config or 8080
  int rtmp_port = -1;           // -1 = config or 1935
  int rtsp_port = -1;           // -1 = config or 5554
  int srt_port = -1;            // -1 = config or 8889
  std::string configrw = "rw";  // r, w, rw, off
  std::string print_pipeline;   // stream name
  bool version = false;
};

// Parses argv. Errors are one line ("unknown option --x", "-p needs a port from 0 to 65535").
// |help| receives the help text when --help was given (then the result is an error-free
// CliOptions and the caller prints |help| and exits 0).
Result<CliOptions> ParseCli(int argc, char** argv, std::string* help);

}  // namespace haze::app
