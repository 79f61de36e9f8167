#include "http/body_limit.h"

#include "base/log.h"

#define GST_CAT_DEFAULT haze_http_debug

namespace haze::http {
namespace {

constexpr char kGuardKey[] = "haze-body-guard";

struct BodyGuard {
  size_t limit = 0;
  size_t read = 0;
  bool refused = false;
  std::string what;
};

void Refuse(SoupServerMessage* msg, BodyGuard* g, const std::string& why) {
  g->refused = true;
  const char* host = soup_server_message_get_remote_host(msg);
  GST_WARNING("%s: %s %s: refused (413)", g->what.c_str(), host ? host : "-", why.c_str());
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  soup_message_body_set_accumulate(body, FALSE);
  soup_message_body_truncate(body);
  // The handler is skipped; whatever libsoup writes after the body goes nowhere (shut down).
  soup_server_message_set_status(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, nullptr);
  std::string text = "request body over " + std::to_string(g->limit) + " bytes\n";
  std::string answer = "HTTP/1.1 413 Request Entity Too Large\r\nConnection: close\r\n"
                       "Access-Control-Allow-Origin: *\r\nContent-Type: text/plain\r\n"
                       "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
  if (GSocket* socket = soup_server_message_get_socket(msg)) {
    // Nothing else is in flight on the connection: libsoup answers one request at a time and
    // this one has not been answered. A few hundred bytes fit any socket buffer.
    g_socket_send(socket, answer.data(), answer.size(), nullptr, nullptr);
    g_socket_shutdown(socket, FALSE, TRUE, nullptr);
  }
}

void OnGotChunk(SoupServerMessage* msg, GBytes* chunk, gpointer data) noexcept {
  auto* g = static_cast<BodyGuard*>(data);
  g->read += g_bytes_get_size(chunk);
  if (!g->refused && g->read > g->limit) {
    Refuse(msg, g, "sent a request body over " + std::to_string(g->limit) + " bytes (chunked)");
  } else if (g->refused && g->read > g->limit + kDrainBytes) {
    g_signal_handlers_disconnect_by_func(msg, reinterpret_cast<gpointer>(&OnGotChunk), data);
    if (GSocket* socket = soup_server_message_get_socket(msg))
      g_socket_shutdown(socket, TRUE, TRUE, nullptr);  // libsoup aborts the message
  }
}

}  // namespace

void GuardRequestBody(SoupServerMessage* msg, size_t limit, const std::string& what) {
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  SoupEncoding encoding = soup_message_headers_get_encoding(headers);
  if (encoding == SOUP_ENCODING_NONE) return;
  auto* g = new BodyGuard{limit, 0, false, what};
  g_object_set_data_full(G_OBJECT(msg), kGuardKey, g,
                         [](gpointer p) { delete static_cast<BodyGuard*>(p); });
  g_signal_connect(msg, "got-chunk", G_CALLBACK(&OnGotChunk), g);
  if (encoding == SOUP_ENCODING_CONTENT_LENGTH) {
    goffset length = soup_message_headers_get_content_length(headers);
    if (length < 0 || static_cast<guint64>(length) > limit)
      Refuse(msg, g, "declares a " + std::to_string(length) + "-byte body, over the " +
                         std::to_string(limit) + "-byte limit");
  }
}

bool BodyRefused(SoupServerMessage* msg) {
  auto* g = static_cast<BodyGuard*>(g_object_get_data(G_OBJECT(msg), kGuardKey));
  return g && g->refused;
}

}  // namespace haze::http
