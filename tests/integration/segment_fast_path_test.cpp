// The segment fast path (fast_http.h) over real sockets: several GETs and HEADs on one
// keep-alive connection, pipelined requests, requests it hands back to libsoup (Range, other
// routes, malformed), Connection: close, a client closing mid-body and a slow reader. The
// client runs in a thread with blocking sockets while this thread turns the main context.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <thread>

#include "../support/media_fixture.h"
#include "../support/segment_http_fixture.h"
#include "protocols/cmaf/fast_http.h"
#include "protocols/cmaf/http1_request.h"
#include "protocols/hls/hls_endpoint.h"

namespace haze::cmaf {
namespace {

using testing::FakeSource;

const testing::EncodedMedia& Media() {
  static testing::EncodedMedia media = testing::EncodeTestMedia(8);
  return media;
}

struct Reply {
  int status = 0;
  std::string head, body;
  std::string Header(const std::string& name) const {
    size_t at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    at += name.size() + 4;
    return head.substr(at, head.find("\r\n", at) - at);
  }
};

class Client {
 public:
  explicit Client(int port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  }
  // Reads one response (Content-Length framed; no body for HEAD). status 0 on EOF/timeout.
  Reply Read(bool head_request = false, size_t chunk = 65536) {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!Fill(chunk)) return r;
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    r.status = std::atoi(r.head.c_str() + 9);
    size_t length = std::strtoul(r.Header("Content-Length").c_str(), nullptr, 10);
    if (head_request || r.status == 304) length = 0;
    while (buf_.size() < length)
      if (!Fill(chunk)) return Reply();
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }
  // True when the server closed the connection (not on a read timeout).
  bool AtEof() {
    if (!buf_.empty()) return false;
    char c;
    ssize_t n = read(fd_, &c, 1);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
  bool Fill(size_t chunk) {
    std::string tmp(chunk, '\0');
    ssize_t n = read(fd_, tmp.data(), tmp.size());
    if (n <= 0) return false;
    buf_.append(tmp.data(), static_cast<size_t>(n));
    return true;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

class SegmentFastPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = std::make_shared<FakeSource>(Media().tracks);
    for (const auto& f : Media().frames) source_->Push(f);
    source_->Finish(8000000000);
    service_ = std::make_unique<SegmentService>(
        [this](const std::string& name) -> std::shared_ptr<FragmentSource> {
          return name == "vod" ? source_ : nullptr;
        });
    server_ = std::make_unique<testing::SegmentHttpServer>(service_.get());
    ASSERT_GT(server_->port(), 0);
    hls::HandleHls(*service_, {"vod", "0_1/index.m3u8", {}, {}},
                   [this](HttpResponse r) { playlist_ = std::string(r.body.view()); });
    size_t ts = playlist_.find(".ts");
    ASSERT_NE(ts, std::string::npos) << playlist_;
    size_t line = playlist_.rfind('\n', ts) + 1;
    segment_ = "/hls/vod/0_1/" + playlist_.substr(line, ts + 3 - line);
    hls::HandleHls(*service_, {"vod", segment_.substr(9), {}, {}},
                   [this](HttpResponse r) { segment_bytes_ = std::string(r.body.view()); });
    // Large enough for the sendfile path (body_files.h).
    ASSERT_GT(segment_bytes_.size(), BodyFiles::kMinBody);
  }

  // Runs |client| in a thread while this thread turns the main context.
  void RunClient(const std::function<void()>& client) {
    std::atomic<bool> done{false};
    std::thread t([&] {
      client();
      done = true;
      g_main_context_wakeup(nullptr);
    });
    while (!done) g_main_context_iteration(nullptr, TRUE);
    t.join();
  }

  std::shared_ptr<FakeSource> source_;
  std::unique_ptr<SegmentService> service_;
  std::unique_ptr<testing::SegmentHttpServer> server_;
  std::string playlist_, segment_, segment_bytes_;
};

TEST_F(SegmentFastPathTest, SeveralRequestsOnOneConnection) {
  std::vector<Reply> replies;
  RunClient([&] {
    Client c(server_->port());
    ASSERT_TRUE(c.connected());
    for (const std::string& req :
         {Get("/hls/vod/0_1/index.m3u8"), Get(segment_), Get(segment_),
          "HEAD " + segment_ + " HTTP/1.1\r\nHost: x\r\n\r\n", Get("/hls/vod/0_1/nope.ts"),
          Get("/hls/vod/0_1/index.m3u8?foo=bar%20baz")}) {
      ASSERT_TRUE(c.Send(req));
      replies.push_back(c.Read(req.starts_with("HEAD")));
    }
    std::string etag = replies[1].Header("ETag");
    ASSERT_TRUE(c.Send(Get(segment_, "If-None-Match: " + etag + "\r\n")));
    replies.push_back(c.Read());
  });
  ASSERT_EQ(replies.size(), 7u);
  EXPECT_EQ(replies[0].status, 200);
  EXPECT_EQ(replies[0].body, playlist_);
  EXPECT_EQ(replies[0].Header("Content-Type"), "application/vnd.apple.mpegurl");
  for (int i : {1, 2}) {
    EXPECT_EQ(replies[i].status, 200);
    EXPECT_EQ(replies[i].body, segment_bytes_);
    EXPECT_EQ(replies[i].Header("Cache-Control"), kSegmentCache);
    EXPECT_EQ(replies[i].Header("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(replies[i].Header("Server"), "haze-test");
    EXPECT_FALSE(replies[i].Header("Date").empty());
    EXPECT_FALSE(replies[i].Header("Last-Modified").empty());
  }
  EXPECT_EQ(replies[3].status, 200);  // HEAD: full length, no body
  EXPECT_EQ(replies[3].Header("Content-Length"), std::to_string(segment_bytes_.size()));
  EXPECT_EQ(replies[4].status, 404);
  EXPECT_EQ(replies[5].status, 200);
  EXPECT_EQ(replies[6].status, 304);
  EXPECT_EQ(replies[6].body, "");
}

TEST_F(SegmentFastPathTest, PipelinedRequests) {
  std::vector<Reply> replies;
  RunClient([&] {
    Client c(server_->port());
    ASSERT_TRUE(c.Send(Get(segment_) + Get("/hls/vod/0_1/index.m3u8") + Get(segment_) +
                       Get("/hls/vod/index.m3u8") + Get(segment_) + Get(segment_)));
    for (int i = 0; i < 6; ++i) replies.push_back(c.Read());
  });
  ASSERT_EQ(replies.size(), 6u);
  for (int i : {0, 2, 4, 5}) EXPECT_EQ(replies[i].body, segment_bytes_) << i;
  EXPECT_EQ(replies[1].body, playlist_);
  EXPECT_NE(replies[3].body.find("#EXT-X-STREAM-INF"), std::string::npos);
}

// Requests the fast path does not serve go back to libsoup with the bytes it already read.
TEST_F(SegmentFastPathTest, HandsOtherRequestsBackToLibsoup) {
  std::vector<Reply> replies;
  RunClient([&] {
    Client c(server_->port());
    ASSERT_TRUE(c.Send(Get(segment_)));
    replies.push_back(c.Read());
    ASSERT_TRUE(c.Send(Get(segment_, "Range: bytes=0-9\r\n")));
    replies.push_back(c.Read());
    ASSERT_TRUE(c.Send(Get(segment_)));  // libsoup keeps serving it
    replies.push_back(c.Read());
    ASSERT_TRUE(c.Send("POST " + segment_ + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    replies.push_back(c.Read());
    Client d(server_->port());
    ASSERT_TRUE(d.Send(Get(segment_)));
    replies.push_back(d.Read());
    ASSERT_TRUE(d.Send(Get("/time")));
    replies.push_back(d.Read());
    Client e(server_->port());
    ASSERT_TRUE(e.Send(Get(segment_)));
    replies.push_back(e.Read());
    ASSERT_TRUE(e.Send("GET /hls/vod/0_1/index.m3u8 HTTP/1.1\r\nBad Header\r\n\r\n"));
    replies.push_back(e.Read());
  });
  ASSERT_EQ(replies.size(), 8u);
  EXPECT_EQ(replies[0].status, 200);
  EXPECT_EQ(replies[1].status, 206);
  EXPECT_EQ(replies[1].body, segment_bytes_.substr(0, 10));
  EXPECT_EQ(replies[2].body, segment_bytes_);
  EXPECT_EQ(replies[3].status, 405);
  EXPECT_EQ(replies[4].body, segment_bytes_);
  EXPECT_EQ(replies[5].status, 200);
  EXPECT_EQ(replies[5].Header("Content-Type"), "text/plain");
  EXPECT_EQ(replies[6].body, segment_bytes_);
  EXPECT_EQ(replies[7].status, 400);
}

TEST_F(SegmentFastPathTest, ConnectionCloseIsHonoured) {
  Reply first, second;
  bool eof = false;
  RunClient([&] {
    Client c(server_->port());
    ASSERT_TRUE(c.Send(Get(segment_)));
    first = c.Read();
    ASSERT_TRUE(c.Send(Get(segment_, "Connection: close\r\n")));
    second = c.Read();
    eof = c.AtEof();
  });
  EXPECT_EQ(first.body, segment_bytes_);
  EXPECT_EQ(second.body, segment_bytes_);
  EXPECT_EQ(second.Header("Connection"), "close");
  EXPECT_TRUE(eof);
}

TEST_F(SegmentFastPathTest, ClientClosingMidBodyLeavesTheServerServing) {
  Reply after;
  RunClient([&] {
    for (int i = 0; i < 5; ++i) {
      Client c(server_->port(), 4096);
      ASSERT_TRUE(c.Send(Get(segment_)));
      ASSERT_TRUE(c.Send(Get(segment_)));
      c.Fill(1000);  // a little of the first body, then gone
      c.Close();
    }
    Client d(server_->port());
    ASSERT_TRUE(d.Send(Get(segment_)));
    after = d.Read();
  });
  EXPECT_EQ(after.body, segment_bytes_);
}

TEST_F(SegmentFastPathTest, SlowReaderGetsEveryByte) {
  std::vector<Reply> replies;
  RunClient([&] {
    Client c(server_->port(), 4096);
    ASSERT_TRUE(c.Send(Get(segment_)));
    replies.push_back(c.Read());
    ASSERT_TRUE(c.Send(Get(segment_)));
    std::string body;
    for (int i = 0; i < 20; ++i) {  // dribble: the server hits EAGAIN and resumes
      c.Fill(2048);
      g_usleep(2000);
    }
    replies.push_back(c.Read(false, 2048));
  });
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].body, segment_bytes_);
  EXPECT_EQ(replies[1].body, segment_bytes_);
}

// The requests above really go through the fast path: counted by a SegmentFastPath of our own.
TEST_F(SegmentFastPathTest, KeepAliveRequestsAreServedByTheFastPath) {
  SoupServer* soup = soup_server_new("server-header", "fast-test", nullptr);
  SegmentFastPath fast(soup, service_.get());
  struct Ctx {
    SegmentService* service;
    SegmentFastPath* fast;
  } ctx{service_.get(), &fast};
  soup_server_add_handler(
      soup, "/hls",
      [](SoupServer*, SoupServerMessage* msg, const char* path, GHashTable* query, gpointer d) {
        auto* c = static_cast<Ctx*>(d);
        ServeSegmentRequest(msg, path, query, *c->service, c->fast);
      },
      &ctx, nullptr);
  const int port = testing::ListenLoopback(soup);
  ASSERT_GT(port, 0);
  std::vector<Reply> replies;
  std::atomic<bool> idle{false}, done{false};
  bool eof = false;
  std::thread client([&] {
    Client c(port);
    for (int i = 0; i < 3; ++i) {
      if (!c.Send(Get(segment_))) break;
      replies.push_back(c.Read());
    }
    idle = true;
    g_main_context_wakeup(nullptr);
    eof = c.AtEof();  // the idle sweep closes it
    done = true;
    g_main_context_wakeup(nullptr);
  });
  size_t swept = 0;
  while (!done) {
    g_main_context_iteration(nullptr, TRUE);
    if (idle && swept == 0) swept = fast.CloseStale(0);
  }
  client.join();
  EXPECT_EQ(swept, 1u);
  EXPECT_TRUE(eof);
  EXPECT_EQ(fast.connection_count(), 0u);
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[2].body, segment_bytes_);
  EXPECT_EQ(replies[2].Header("Server"), "fast-test");
  EXPECT_EQ(fast.requests_served(), 3u);
  EXPECT_EQ(fast.handed_back(), 0u);
  soup_server_disconnect(soup);
  g_object_unref(soup);
}

TEST(BodyFiles, CopiesLargeBodiesOnceAndEvictsTheOldest) {
  BodyFiles files;
  EXPECT_EQ(files.Get(BytesRef::FromString("small")), nullptr);
  std::string big(BodyFiles::kMinBody + 1, 'x');
  big[7] = 'y';
  BytesRef a = BytesRef::FromString(big);
  auto fa = files.Get(a);
  ASSERT_NE(fa, nullptr);
  EXPECT_EQ(files.Get(a), fa);
  char buf[8];
  ASSERT_EQ(pread(fa->fd(), buf, 8, 0), 8);
  EXPECT_EQ(std::string(buf, 8), big.substr(0, 8));
  std::vector<BytesRef> more;
  for (size_t i = 0; i < BodyFiles::kMaxEntries; ++i) {
    more.push_back(BytesRef::FromString(big));
    ASSERT_NE(files.Get(more.back()), nullptr);
  }
  EXPECT_EQ(files.size(), BodyFiles::kMaxEntries);
  EXPECT_NE(files.Get(a), fa);               // evicted, made again
  ASSERT_EQ(pread(fa->fd(), buf, 8, 0), 8);  // the old file stays valid for its holder
}

TEST(Http1Request, ParsesPlainGetsAndFlagsTheRest) {
  RequestHead h;
  std::string req =
      "GET /hls/a%20b/index.m3u8?x=1&y=a+b HTTP/1.1\r\nHost: h\r\n"
      "If-None-Match: \"e\"\r\n\r\nGET /next";
  ASSERT_EQ(ParseRequestHead(req, h), ParseStatus::kOk);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.path, "/hls/a%20b/index.m3u8");
  EXPECT_EQ(h.query, "x=1&y=a+b");
  EXPECT_EQ(h.if_none_match, "\"e\"");
  EXPECT_TRUE(h.keep_alive);
  EXPECT_FALSE(h.unusual);
  EXPECT_EQ(h.head_size, req.find("GET /next"));
  std::map<std::string, std::string> q;
  ASSERT_TRUE(DecodeQuery(h.query, q));
  EXPECT_EQ(q["y"], "a b");
  EXPECT_FALSE(DecodeQuery("a=%4", q));

  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nHost: h\r\n", h), ParseStatus::kIncomplete);
  ASSERT_EQ(ParseRequestHead("GET / HTTP/1.1\r\n\r\n", h), ParseStatus::kOk);
  EXPECT_TRUE(h.unusual);  // no Host: libsoup answers 400
  ASSERT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", h), ParseStatus::kOk);
  EXPECT_TRUE(h.unusual);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/2.0\r\n\r\n", h), ParseStatus::kBad);
  EXPECT_EQ(ParseRequestHead("GET /a b HTTP/1.1\r\n\r\n", h), ParseStatus::kBad);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\n folded\r\n\r\n", h), ParseStatus::kBad);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nX: a\nb\r\n\r\n", h), ParseStatus::kBad);
  EXPECT_EQ(ParseRequestHead(std::string(kMaxRequestHead, 'a'), h), ParseStatus::kBad);
  ASSERT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", h), ParseStatus::kOk);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nRange: bytes=0-1\r\n\r\n", h), ParseStatus::kOk);
  EXPECT_TRUE(h.unusual);
  ASSERT_EQ(ParseRequestHead("GET http://x/ HTTP/1.1\r\n\r\n", h), ParseStatus::kOk);
  EXPECT_TRUE(h.unusual);
  ASSERT_EQ(ParseRequestHead("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", h), ParseStatus::kOk);
  EXPECT_TRUE(h.has_body);
  EXPECT_EQ(ParseRequestHead("GET / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", h), ParseStatus::kBad);
}

}  // namespace
}  // namespace haze::cmaf
