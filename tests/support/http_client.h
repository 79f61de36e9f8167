// Small synchronous HTTP helpers for loopback tests (libsoup SoupSession on the test thread),
// and a runner for real client programs (ffprobe, promtool) without a shell.
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <map>
#include <string>
#include <vector>

namespace haze::testing {

struct HttpResult {
  guint status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (g_ascii_strcasecmp(k.c_str(), name.c_str()) == 0) return v;
    return {};
  }
};

inline HttpResult HttpRequest(const std::string& method, const std::string& url,
                              const std::string& body = {},
                              const std::map<std::string, std::string>& headers = {},
                              const char* content_type = "application/json") {
  SoupSession* session = soup_session_new_with_options("timeout", 20, nullptr);
  SoupMessage* msg = soup_message_new(method.c_str(), url.c_str());
  HttpResult r;
  if (!msg) {
    g_object_unref(session);
    return r;
  }
  for (const auto& [k, v] : headers)
    soup_message_headers_replace(soup_message_get_request_headers(msg), k.c_str(), v.c_str());
  if (!body.empty()) {
    GBytes* b = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(msg, content_type, b);
    g_bytes_unref(b);
  }
  GError* err = nullptr;
  GBytes* out = soup_session_send_and_read(session, msg, nullptr, &err);
  r.status = soup_message_get_status(msg);
  if (out) {
    gsize n = 0;
    const char* d = static_cast<const char*>(g_bytes_get_data(out, &n));
    r.body.assign(d ? d : "", n);
    g_bytes_unref(out);
  }
  if (err) g_error_free(err);
  SoupMessageHeadersIter it;
  const char *name, *value;
  soup_message_headers_iter_init(&it, soup_message_get_response_headers(msg));
  while (soup_message_headers_iter_next(&it, &name, &value)) r.headers[name] = value;
  g_object_unref(msg);
  g_object_unref(session);
  return r;
}

// Parses |text| as JSON; returns a node (caller unrefs) or null.
inline JsonNode* ParseJson(const std::string& text) {
  JsonParser* p = json_parser_new();
  JsonNode* out = nullptr;
  if (json_parser_load_from_data(p, text.data(), static_cast<gssize>(text.size()), nullptr) &&
      json_parser_get_root(p))
    out = json_node_copy(json_parser_get_root(p));
  g_object_unref(p);
  return out;
}

struct ProgramResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs |argv| (no shell) with |input| on stdin; waits at most until the program exits.
inline ProgramResult RunProgram(const std::vector<std::string>& argv, const std::string& input = {}) {
  std::vector<const char*> args;
  for (const auto& a : argv) args.push_back(a.c_str());
  args.push_back(nullptr);
  ProgramResult r;
  GError* err = nullptr;
  GSubprocess* p = g_subprocess_newv(args.data(),
                                     static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                                                   G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                   G_SUBPROCESS_FLAGS_STDERR_PIPE),
                                     &err);
  if (!p) {
    r.err = err ? err->message : "spawn failed";
    if (err) g_error_free(err);
    return r;
  }
  char *out = nullptr, *errout = nullptr;
  g_subprocess_communicate_utf8(p, input.empty() ? nullptr : input.c_str(), nullptr, &out, &errout, &err);
  if (err) g_error_free(err);
  r.out = out ? out : "";
  r.err = errout ? errout : "";
  g_free(out);
  g_free(errout);
  r.exit_code = g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
  g_object_unref(p);
  return r;
}

inline bool HaveProgram(const char* name) {
  gchar* path = g_find_program_in_path(name);
  bool ok = path != nullptr;
  g_free(path);
  return ok;
}

}  // namespace haze::testing
