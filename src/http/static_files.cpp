#include "http/static_files.h"

#include <glib.h>

#include "haze_build_config.h"

namespace haze::http {

std::string WebRoot() {
  for (std::string dir : {std::string(HAZE_SOURCE_DIR) + "/web", std::string(HAZE_DATADIR) + "/web"})
    if (g_file_test(dir.c_str(), G_FILE_TEST_IS_DIR)) return dir;
  return {};
}

std::string SafeFilePath(const std::string& root, const std::string& request_path) {
  if (root.empty() || request_path.empty() || request_path[0] != '/') return {};
  std::string rel = request_path == "/" ? "/index.html" : request_path;
  std::string out = root;
  size_t pos = 1;
  while (pos <= rel.size()) {
    size_t end = rel.find('/', pos);
    if (end == std::string::npos) end = rel.size();
    std::string seg = rel.substr(pos, end - pos);
    if (seg.empty() || seg[0] == '.') return {};
    for (char c : seg)
      if (!g_ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return {};
    out += "/" + seg;
    pos = end + 1;
  }
  return out;
}

void ServeStatic(const std::string& root, const Request& request) {
  std::string file = SafeFilePath(root, request.path);
  if (file.empty()) {
    RespondError(request.msg, SOUP_STATUS_BAD_REQUEST, "bad path");
    return;
  }
  if (g_file_test(file.c_str(), G_FILE_TEST_IS_DIR)) file += "/index.html";
  gchar* data = nullptr;
  gsize size = 0;
  if (!g_file_test(file.c_str(), G_FILE_TEST_IS_REGULAR) ||
      !g_file_get_contents(file.c_str(), &data, &size, nullptr)) {
    RespondError(request.msg, SOUP_STATUS_NOT_FOUND, "not found");
    return;
  }
  soup_server_message_set_status(request.msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response(request.msg, MimeForPath(file), SOUP_MEMORY_TAKE, data, size);
}

}  // namespace haze::http
