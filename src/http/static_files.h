// Static files of the web UI (web/): found in HAZE_SOURCE_DIR/web when running from the build
// tree, else in the installed data dir. Request paths are never trusted: only plain segments
// of [A-Za-z0-9._-] (no "..", no hidden files) map to files below the root.
// Thread: main GMainContext.
#pragma once

#include <string>

#include "http/http_server.h"

namespace haze::http {

// The web root directory ("" when none exists).
std::string WebRoot();
// Maps a request path to a file below |root|; "" when the path is unsafe.
std::string SafeFilePath(const std::string& root, const std::string& request_path);
// Serves |request| from |root| (index.html for "/"); 404 when missing, 400 when unsafe.
void ServeStatic(const std::string& root, const Request& request);

}  // namespace haze::http
