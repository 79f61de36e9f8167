#include "protocols/cmaf/fast_http.h"

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/gst_ref.h"
#include "base/log.h"
#include "protocols/cmaf/cmaf_endpoint.h"
#include "protocols/cmaf/http1_request.h"
#include "protocols/cmaf/prefix_input_stream.h"
#include "protocols/cmaf/soup_bridge.h"
#include "protocols/hls/hls_endpoint.h"

#define GST_CAT_DEFAULT haze_hls_debug

// The HTTP layer's access log (http_server.cpp): fast-path requests are logged there too.
static GstDebugCategory* access_log = nullptr;

namespace haze::cmaf {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Below libsoup's default-priority sources: a main-loop iteration that finds the listener or
// a libsoup connection ready serves those first, so new viewers (one accept per iteration)
// are not queued behind a full round of segment writes.
constexpr int kFastPriority = G_PRIORITY_DEFAULT + 10;
constexpr int kRequestsPerTurn = 4;
// Keep-alive connections idle this long, or responses stuck this long, are closed.
constexpr int64_t kIdleTimeoutUs = 120 * G_USEC_PER_SEC;
constexpr guint kSweepSeconds = 15;
// Every hand-back wraps the connection's streams once more: after this many, libsoup keeps it.
constexpr int kMaxHandBacks = 2;
constexpr char kHandBacksKey[] = "haze-fast-path-hand-backs";

bool IsSegmentPath(const std::string& path) {
  return path.starts_with("/hls/") || path.starts_with("/cmaf/");
}

// What the fast path answers itself; everything else goes (back) to libsoup.
bool Ours(const RequestHead& h) {
  if (h.method != "GET" && h.method != "HEAD") return false;
  if (h.minor != 1 || h.has_body || h.unusual) return false;
  // libsoup normalizes dot segments and empty segments; leave such paths to it.
  if (h.path.find("/.") != std::string::npos || h.path.find("//") != std::string::npos)
    return false;
  return IsSegmentPath(h.path);
}

}  // namespace

class SegmentFastPath::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(SegmentFastPath* owner, GIOStream* stream, GSocket* socket)
      : owner_(owner),
        stream_(GRef<GIOStream>::Adopt(stream)),
        socket_(GRef<GSocket>::Borrow(socket)),
        in_(g_io_stream_get_input_stream(stream)) {
    g_socket_set_blocking(socket, FALSE);
    if (GSocketAddress* remote = g_socket_get_remote_address(socket, nullptr)) {
      if (G_IS_INET_SOCKET_ADDRESS(remote)) {
        gchar* ip = g_inet_address_to_string(
            g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(remote)));
        peer_ = ip;
        g_free(ip);
      }
      g_object_unref(remote);
    }
  }
  ~Connection() { DropSources(); }

  // Serves |head| (already parsed, first request of the connection).
  void Start(RequestHead head, std::string path) {
    auto keep = shared_from_this();
    in_next_ = true;
    Dispatch(head, path);
    in_next_ = false;
    if (!busy_ && !closed_) Next();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    GST_LOG("segment fast path: connection %p closed after %" G_GUINT64_FORMAT " requests", this,
            requests_);
    DropSources();
    g_socket_shutdown(socket_.get(), TRUE, TRUE, nullptr);
    g_io_stream_close(stream_.get(), nullptr, nullptr);
    owner_->Forget(this);
  }

  // Idle between requests, or a response that made no progress, for longer than |limit_us|.
  bool Stale(int64_t now_us, int64_t limit_us) const {
    return !closed_ && now_us - last_activity_us_ > limit_us && (!busy_ || !out_head_.empty());
  }

 private:
  void DropSources() {
    for (GSource** s : {&read_source_, &write_source_}) {
      if (*s) {
        g_source_destroy(*s);
        g_source_unref(*s);
        *s = nullptr;
      }
    }
  }

  // Serves the requests that have arrived. Reads the socket at most once and answers at most
  // kRequestsPerTurn requests per call, then yields to the main loop: a client that asks again
  // as fast as it is answered must not keep every other connection waiting.
  void Next() {
    auto keep = shared_from_this();
    in_next_ = true;
    bool read_once = false;
    int answered = 0;
    while (!busy_ && !closed_) {
      RequestHead head;
      ParseStatus st = ParseRequestHead(inbuf_, head);
      if (st == ParseStatus::kIncomplete) {
        if (read_once) {
          ArmRead();
          break;
        }
        read_once = true;
        if (!ReadAvailable()) break;  // waits for the socket (or closed)
        continue;
      }
      if (st == ParseStatus::kBad || !Ours(head)) {
        HandBack();
        break;
      }
      if (answered++ == kRequestsPerTurn) {  // more pipelined requests: continue next turn
        ArmLater();
        break;
      }
      inbuf_.erase(0, head.head_size);
      std::string path = head.path;
      Dispatch(head, path);
    }
    in_next_ = false;
  }

  // Reads what the socket has. False when nothing came (a read source is armed) or it closed.
  bool ReadAvailable() {
    char buf[kReadChunk];
    GError* err = nullptr;
    gssize n = g_pollable_input_stream_read_nonblocking(G_POLLABLE_INPUT_STREAM(in_), buf,
                                                        sizeof(buf), nullptr, &err);
    if (n > 0) {
      inbuf_.append(buf, static_cast<size_t>(n));
      return true;
    }
    bool would_block = n < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    if (err) g_error_free(err);
    if (!would_block) {  // EOF or error: the client is gone
      Close();
      return false;
    }
    ArmRead();
    return false;
  }

  void ArmRead() {
    if (read_source_) return;
    read_source_ = g_pollable_input_stream_create_source(G_POLLABLE_INPUT_STREAM(in_), nullptr);
    g_source_set_callback(read_source_,
                          reinterpret_cast<GSourceFunc>(+[](GObject*, gpointer self) -> gboolean {
                            static_cast<Connection*>(self)->OnReadable();
                            return G_SOURCE_CONTINUE;
                          }),
                          this, nullptr);
    g_source_set_priority(read_source_, kFastPriority);
    g_source_attach(read_source_, g_main_context_get_thread_default());
  }

  // The bytes are already here: resumes on the next main-loop turn.
  void ArmLater() {
    if (read_source_) return;
    read_source_ = g_timeout_source_new(0);
    g_source_set_callback(
        read_source_,
        +[](gpointer self) -> gboolean {
          static_cast<Connection*>(self)->OnReadable();
          return G_SOURCE_CONTINUE;
        },
        this, nullptr);
    g_source_set_priority(read_source_, kFastPriority);
    g_source_attach(read_source_, g_main_context_get_thread_default());
  }

  void OnReadable() {
    auto keep = shared_from_this();
    g_source_destroy(read_source_);
    g_source_unref(read_source_);
    read_source_ = nullptr;
    Next();
  }

  void Dispatch(const RequestHead& head, const std::string& path) {
    last_activity_us_ = g_get_monotonic_time();
    auto service_alive = owner_->service_alive_.lock();
    if (!service_alive || !*service_alive) {
      Close();
      return;
    }
    busy_ = true;
    head_only_ = head.method == "HEAD";
    log_path_ = path;
    keep_alive_ = head.keep_alive;
    bool hls = path.starts_with("/hls/");
    HttpRequest req;
    req.if_none_match = head.if_none_match;
    std::weak_ptr<Connection> weak = weak_from_this();
    auto answered = std::make_shared<bool>(false);
    Respond respond = [weak, answered](HttpResponse r) {
      if (*answered) return;
      *answered = true;
      if (auto c = weak.lock()) c->Answer(std::move(r));
    };
    if (!SplitSegmentPath(path, hls ? "/hls" : "/cmaf", req.stream, req.path) ||
        !DecodeQuery(head.query, req.query)) {
      respond(NotFound());
      return;
    }
    if (hls)
      hls::HandleHls(*owner_->service_, req, respond);
    else
      HandleCmaf(*owner_->service_, req, respond);
  }

  void Answer(HttpResponse r) {
    if (closed_) return;
    // The query is not logged: it may carry tokens.
    GST_CAT_INFO(access_log ? access_log : haze_hls_debug, "segments %s %s %s %d",
                 peer_.empty() ? "-" : peer_.c_str(), head_only_ ? "HEAD" : "GET",
                 log_path_.c_str(), r.status);
    ResponseHeadInfo info;
    info.status = r.status;
    info.server = owner_->server_header_;
    info.date = owner_->Date();
    info.content_type = r.content_type;
    info.headers = &r.headers;
    info.content_length = r.body.size();
    info.close = !keep_alive_;
    out_head_ = WriteResponseHead(info);
    out_body_ = head_only_ ? BytesRef() : std::move(r.body);
    out_file_ = out_body_ ? owner_->files_.Get(out_body_) : nullptr;
    out_sent_ = 0;
    ++owner_->served_;
    ++requests_;
    Send();
  }

  void Send() {
    auto keep = shared_from_this();
    size_t total = out_head_.size() + out_body_.size();
    while (out_sent_ < total) {
      if (out_file_ && out_sent_ >= out_head_.size()) {
        if (!SendFile()) return;
        continue;
      }
      GOutputVector vec[2];
      int n = 0;
      if (out_sent_ < out_head_.size())
        vec[n++] = {out_head_.data() + out_sent_, out_head_.size() - out_sent_};
      size_t body_from = out_sent_ > out_head_.size() ? out_sent_ - out_head_.size() : 0;
      if (out_body_.size() > body_from && !out_file_)
        vec[n++] = {out_body_.data() + body_from, out_body_.size() - body_from};
      GError* err = nullptr;
      // With a file body the head goes first, held back (MSG_MORE) to share packets with it.
      gssize sent = g_socket_send_message(socket_.get(), nullptr, vec, n, nullptr, 0,
                                          out_file_ ? MSG_MORE : 0, nullptr, &err);
      if (sent < 0) {
        bool would_block = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
        g_error_free(err);
        if (!would_block) {
          Close();
          return;
        }
        ArmWrite();
        return;
      }
      out_sent_ += static_cast<size_t>(sent);
      if (sent > 0) last_activity_us_ = g_get_monotonic_time();
    }
    out_head_.clear();
    out_body_.Reset();
    out_file_.reset();
    busy_ = false;
    if (!keep_alive_) {
      Close();
      return;
    }
    if (!in_next_) Next();
  }

  // Sends body bytes from the body's memfd. False when it has to wait (write source armed) or
  // the connection closed.
  bool SendFile() {
    off_t offset = static_cast<off_t>(out_sent_ - out_head_.size());
    size_t left = out_body_.size() - static_cast<size_t>(offset);
    ssize_t sent = sendfile(g_socket_get_fd(socket_.get()), out_file_->fd(), &offset, left);
    if (sent < 0) {
      if (errno == EINTR) return true;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        ArmWrite();
        return false;
      }
      Close();
      return false;
    }
    if (sent == 0) {  // cannot happen with a complete file; do not spin
      Close();
      return false;
    }
    out_sent_ += static_cast<size_t>(sent);
    last_activity_us_ = g_get_monotonic_time();
    return true;
  }

  void ArmWrite() {
    if (write_source_) return;
    write_source_ = g_socket_create_source(socket_.get(), G_IO_OUT, nullptr);
    g_source_set_callback(
        write_source_,
        reinterpret_cast<GSourceFunc>(+[](GSocket*, GIOCondition, gpointer self) -> gboolean {
          auto* c = static_cast<Connection*>(self);
          g_source_unref(c->write_source_);
          c->write_source_ = nullptr;
          c->Send();
          return G_SOURCE_REMOVE;
        }),
        this, nullptr);
    g_source_set_priority(write_source_, kFastPriority);
    g_source_attach(write_source_, g_main_context_get_thread_default());
  }

  // Gives the connection, with the request bytes already read, back to libsoup.
  void HandBack() {
    GST_DEBUG("segment fast path: connection %p handed back to libsoup after %" G_GUINT64_FORMAT
              " requests",
              this, requests_);
    DropSources();
    closed_ = true;
    GBytes* prefix = g_bytes_new(inbuf_.data(), inbuf_.size());
    GInputStream* in = haze_prefix_input_stream_new(in_, prefix);
    g_bytes_unref(prefix);
    GIOStream* io = g_simple_io_stream_new(in, g_io_stream_get_output_stream(stream_.get()));
    g_object_unref(in);
    // The stolen stream closes the socket when it goes; libsoup's connection keeps it alive.
    g_object_set_data_full(G_OBJECT(io), "haze-stolen-stream", g_object_ref(stream_.get()),
                           g_object_unref);
    GSocketAddress* local = g_socket_get_local_address(socket_.get(), nullptr);
    GSocketAddress* remote = g_socket_get_remote_address(socket_.get(), nullptr);
    GError* err = nullptr;
    if (!soup_server_accept_iostream(owner_->server_, io, local, remote, &err)) {
      GST_INFO("segment fast path: hand back failed: %s", err ? err->message : "?");
      g_clear_error(&err);
      g_io_stream_close(stream_.get(), nullptr, nullptr);
    }
    ++owner_->handed_back_;
    int count = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(socket_.get()), kHandBacksKey));
    g_object_set_data(G_OBJECT(socket_.get()), kHandBacksKey, GINT_TO_POINTER(count + 1));
    if (local) g_object_unref(local);
    if (remote) g_object_unref(remote);
    g_object_unref(io);
    owner_->Forget(this);
  }

  SegmentFastPath* owner_;
  GRef<GIOStream> stream_;
  GRef<GSocket> socket_;
  GInputStream* in_;  // borrowed from stream_
  std::string inbuf_;
  std::string out_head_;
  BytesRef out_body_;
  std::shared_ptr<BodyFile> out_file_;  // out_body_'s memfd, when it has one
  size_t out_sent_ = 0;
  GSource* read_source_ = nullptr;
  GSource* write_source_ = nullptr;
  bool busy_ = false;
  bool closed_ = false;
  bool in_next_ = false;
  bool head_only_ = false;
  bool keep_alive_ = true;
  uint64_t requests_ = 0;
  int64_t last_activity_us_ = g_get_monotonic_time();
  std::string peer_;
  std::string log_path_;
};

SegmentFastPath::SegmentFastPath(SoupServer* server, SegmentService* service)
    : server_(server), service_(service), service_alive_(service->alive_token()) {
  if (!access_log) GST_DEBUG_CATEGORY_GET(access_log, "haze-http-access");
  sweep_ = g_timeout_source_new_seconds(kSweepSeconds);
  g_source_set_callback(
      sweep_,
      [](gpointer self) -> gboolean {
        static_cast<SegmentFastPath*>(self)->CloseStale(kIdleTimeoutUs);
        return G_SOURCE_CONTINUE;
      },
      this, nullptr);
  g_source_attach(sweep_, g_main_context_get_thread_default());
  gchar* header = nullptr;
  g_object_get(server, "server-header", &header, nullptr);
  server_header_ = header ? header : "";
  g_free(header);
}

size_t SegmentFastPath::CloseStale(int64_t limit_us) {
  int64_t now = g_get_monotonic_time();
  std::vector<std::shared_ptr<Connection>> stale;
  for (const auto& [raw, c] : connections_)
    if (c->Stale(now, limit_us)) stale.push_back(c);
  for (const auto& c : stale) c->Close();
  return stale.size();
}

SegmentFastPath::~SegmentFastPath() {
  g_source_destroy(sweep_);
  g_source_unref(sweep_);
  auto all = std::move(connections_);
  connections_.clear();
  for (auto& [raw, c] : all) c->Close();
}

void SegmentFastPath::Forget(Connection* c) {
  auto it = connections_.find(c);
  if (it == connections_.end()) return;
  // Destroyed after the caller's stack unwinds (callers hold their own reference).
  auto keep = std::move(it->second);
  connections_.erase(it);
}

const std::string& SegmentFastPath::Date() {
  int64_t now_ms = g_get_real_time() / 1000;
  if (now_ms / 1000 != date_second_) {
    date_second_ = now_ms / 1000;
    date_ = HttpDate(now_ms);
  }
  return date_;
}

bool SegmentFastPath::TakeOver(SoupServerMessage* msg, const std::string& path, GHashTable* query) {
  if (soup_server_message_get_http_version(msg) != SOUP_HTTP_1_1) return false;
  GUri* uri = soup_server_message_get_uri(msg);
  if (!uri || g_strcmp0(g_uri_get_scheme(uri), "http") != 0) return false;
  const char* method = soup_server_message_get_method(msg);
  SoupMessageHeaders* h = soup_server_message_get_request_headers(msg);
  RequestHead head;
  head.method = method ? method : "";
  head.path = path;
  head.keep_alive = !soup_message_headers_header_contains(h, "Connection", "close");
  for (const char* name : {"Range", "If-Range", "Upgrade", "Expect", "Sec-WebSocket-Key"})
    if (soup_message_headers_get_one(h, name)) head.unusual = true;
  if (!head.keep_alive || !Ours(head)) return false;
  const char* inm = soup_message_headers_get_one(h, "If-None-Match");
  if (inm) head.if_none_match = inm;
  if (query) {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, query);
    std::string q;
    while (g_hash_table_iter_next(&it, &k, &v)) {
      char* ek = g_uri_escape_string(static_cast<const char*>(k), nullptr, FALSE);
      char* ev = g_uri_escape_string(v ? static_cast<const char*>(v) : "", nullptr, FALSE);
      q += (q.empty() ? "" : "&") + std::string(ek) + "=" + ev;
      g_free(ek);
      g_free(ev);
    }
    head.query = q;
  }
  GSocket* socket = soup_server_message_get_socket(msg);
  if (!socket ||
      GPOINTER_TO_INT(g_object_get_data(G_OBJECT(socket), kHandBacksKey)) >= kMaxHandBacks)
    return false;  // libsoup keeps a connection handed back this often
  GRef<GSocket> socket_ref = GRef<GSocket>::Borrow(socket);
  GIOStream* stream = soup_server_message_steal_connection(msg);
  if (!stream) return false;
  if (!G_IS_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream)) ||
      !g_pollable_input_stream_can_poll(
          G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream)))) {
    g_io_stream_close(stream, nullptr, nullptr);
    g_object_unref(stream);
    return true;
  }
  auto c = std::make_shared<Connection>(this, stream, socket_ref.get());
  connections_[c.get()] = c;
  GST_LOG("segment fast path: took connection %p (socket %p fd %d) over (%zu)", c.get(), socket,
          g_socket_get_fd(socket), connections_.size());
  c->Start(std::move(head), path);
  return true;
}

}  // namespace haze::cmaf
