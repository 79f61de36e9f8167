#include "core/stream_registry.h"

#include <gio/gio.h>

#include <map>

#include "base/log.h"
#include "core/stream.h"

#define GST_CAT_DEFAULT haze_core_debug

namespace haze::core {

const char* StreamStatusName(StreamStatus status) {
  switch (status) {
    case StreamStatus::kOffline: return "Offline";
    case StreamStatus::kBooting: return "Booting";
    case StreamStatus::kWaiting: return "Waiting for data";
    case StreamStatus::kOnline: return "Online";
    case StreamStatus::kShuttingDown: return "Shutting down";
    case StreamStatus::kFailed: return "Failed";
  }
  return "Offline";
}

int StreamStatusCode(StreamStatus status) {
  switch (status) {
    case StreamStatus::kFailed: return 0;
    case StreamStatus::kOnline: return 1;
    case StreamStatus::kOffline: return 2;
    case StreamStatus::kBooting: return 3;
    case StreamStatus::kWaiting: return 4;
    case StreamStatus::kShuttingDown: return 5;
  }
  return 0;
}

namespace {
constexpr int64_t kRestartBackoffMaxS = 30;

// push://[host][@password] -> (host, password)
std::pair<std::string, std::string> ParsePushSource(const std::string& source) {
  std::string rest = source.substr(7);
  auto at = rest.find('@');
  if (at == std::string::npos) return {rest, ""};
  return {rest.substr(0, at), rest.substr(at + 1)};
}

bool HostAllowed(const std::string& allowed, const std::string& ip) {
  if (allowed.empty()) return true;
  if (allowed == ip) return true;
  if (allowed == "localhost") return ip == "127.0.0.1" || ip == "::1";
  // Resolve names synchronously only for literal hostnames (rare config); IPs compare directly.
  GResolver* resolver = g_resolver_get_default();
  GList* addrs = g_resolver_lookup_by_name(resolver, allowed.c_str(), nullptr, nullptr);
  bool ok = false;
  for (GList* l = addrs; l && !ok; l = l->next) {
    GCharPtr s(g_inet_address_to_string(G_INET_ADDRESS(l->data)));
    ok = ip == s.get();
  }
  g_resolver_free_addresses(addrs);
  g_object_unref(resolver);
  return ok;
}
}  // namespace

struct StreamRegistry::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(const TemplateSet& t) : templates(t) {}

  struct Entry {
    std::unique_ptr<Stream> stream;
    int64_t next_restart = 0;  // monotonic s; always_on restart backoff
    int64_t backoff = 1;
  };

  const TemplateSet& templates;
  config::ServerConfig config;
  std::map<std::string, Entry> streams;
  ObserverList<const std::string&, StreamStatus, const std::string&> observers;
  std::map<uint64_t, ClientSnapshot> clients;
  uint64_t next_client = 1;
  guint tick = 0;
  PublishRewrite publish_rewrite;
  PublishAccept publish_accept;
  PlayRewrite play_rewrite;
  MessageObserver message_observer;
  std::map<std::string, uint64_t> continue_numbering;  // restart handover, used once per stream

  void Publish(const PublishRequest& request, const std::string& requested, PublishDone done);
  void Play(const PlayRequest& request, const std::string& requested, PlayDone done);

  const config::StreamConfig* ConfigFor(const std::string& name) const {
    return config.FindStream(ParseStreamName(name).base);
  }

  Stream* Find(const std::string& name) {
    auto it = streams.find(name);
    return it == streams.end() ? nullptr : it->second.stream.get();
  }

  Result<Stream*> Ensure(const std::string& name) {
    if (Stream* s = Find(name)) {
      if (s->status() == StreamStatus::kOffline) {
        if (auto st = s->Start(); !st) return st.error();
      }
      return s;
    }
    const config::StreamConfig* cfg = ConfigFor(name);
    if (!cfg) return Error{ErrorCode::kNotFound, "stream is not configured", name};
    std::weak_ptr<Impl> weak = shared_from_this();
    auto stream = std::make_unique<Stream>(
        ParseStreamName(name), *cfg, templates,
        [weak](Stream& s, StreamStatus status, const std::string& detail) {
          if (auto self = weak.lock()) self->observers.Notify(s.name().full, status, detail);
        });
    Stream* raw = stream.get();
    raw->SetMessageCallback([weak](Stream& s, GstMessage* msg) {
      if (auto self = weak.lock(); self && self->message_observer)
        self->message_observer(s.name().full, msg);
    });
    if (auto it = continue_numbering.find(name); it != continue_numbering.end()) {
      raw->ContinueNumberingFrom(it->second);
      continue_numbering.erase(it);
    }
    streams[name].stream = std::move(stream);
    auto st = raw->Start();
    if (!st) return st.error();
    return raw;
  }

  void Remove(const std::string& name, const std::string& reason) {
    auto it = streams.find(name);
    if (it == streams.end()) return;
    it->second.stream->Stop(reason);
    streams.erase(it);
  }

  // Once a second: reap idle on-demand streams, restart failed always_on ones with backoff.
  void Tick() {
    int64_t now = g_get_monotonic_time() / G_USEC_PER_SEC;
    std::vector<std::string> reap;
    for (auto& [name, e] : streams) {
      Stream& s = *e.stream;
      const auto& cfg = s.config();
      if (cfg.always_on && !s.name().is_wildcard()) {
        if (s.status() == StreamStatus::kFailed || s.status() == StreamStatus::kOffline) {
          if (now >= e.next_restart) {
            GST_INFO("restarting always_on stream %s", name.c_str());
            e.next_restart = now + e.backoff;
            e.backoff = std::min(e.backoff * 2, kRestartBackoffMaxS);
            (void)s.Start();
          }
        } else if (s.status() == StreamStatus::kOnline) {
          e.backoff = 1;
        }
        continue;
      }
      if (s.status() == StreamStatus::kOffline) {
        reap.push_back(name);
        continue;
      }
      int64_t timeout = s.is_push() && cfg.resume ? std::max(cfg.input_timeout_s, cfg.resume_grace_s)
                                                   : cfg.input_timeout_s;
      if (s.IdleSeconds() > timeout) reap.push_back(name);
    }
    for (const auto& name : reap) {
      GST_INFO("stopping idle stream %s", name.c_str());
      Remove(name, "no viewers");
    }
  }

  static gboolean OnTick(gpointer data) {
    static_cast<Impl*>(data)->Tick();
    return G_SOURCE_CONTINUE;
  }
};

// A connection's hold on a stream: registered in the client list, counted on the stream.
class SessionBase {
 public:
  SessionBase(std::weak_ptr<StreamRegistry::Impl> impl, std::string stream,
              std::shared_ptr<dtsc::LiveBuffer> buffer, ClientSnapshot info)
      : impl_(std::move(impl)), stream_(std::move(stream)), buffer_(std::move(buffer)) {
    if (auto i = impl_.lock()) {
      id_ = i->next_client++;
      info.id = id_;
      info.connected_unix = g_get_real_time() / G_USEC_PER_SEC;
      i->clients[id_] = std::move(info);
    }
  }
  virtual ~SessionBase() {
    if (auto i = impl_.lock()) i->clients.erase(id_);
  }
  void CountBytes(uint64_t bytes, bool down) {
    if (auto i = impl_.lock()) {
      auto it = i->clients.find(id_);
      if (it != i->clients.end()) (down ? it->second.bytes_down : it->second.bytes_up) += bytes;
    }
  }

 protected:
  std::weak_ptr<StreamRegistry::Impl> impl_;
  std::string stream_;
  std::shared_ptr<dtsc::LiveBuffer> buffer_;
  uint64_t id_ = 0;
};

namespace {

class PublishSessionImpl final : public PublishSession, SessionBase {
 public:
  using SessionBase::SessionBase;
  ~PublishSessionImpl() override {
    if (auto i = impl_.lock()) {
      if (Stream* s = i->Find(stream_)) {
        s->SetPublishing(false);
        // Without resume the stream ends with its publisher; with resume it waits (reaper).
        if (!s->config().resume) i->Remove(stream_, "publisher disconnected");
      }
    }
  }
  const std::string& stream() const override { return stream_; }
  std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return buffer_; }
};

class PlaySessionImpl final : public PlaySession, SessionBase {
 public:
  using SessionBase::SessionBase;
  ~PlaySessionImpl() override {
    if (auto i = impl_.lock())
      if (Stream* s = i->Find(stream_)) s->RemoveViewer();
  }
  const std::string& stream() const override { return stream_; }
  std::shared_ptr<dtsc::LiveBuffer> buffer() const override { return buffer_; }
  void AddBytesOut(uint64_t bytes) override { CountBytes(bytes, true); }
};

}  // namespace

StreamRegistry::StreamRegistry(const TemplateSet& templates)
    : impl_(std::make_shared<Impl>(templates)) {
  impl_->tick = g_timeout_add_seconds(1, &Impl::OnTick, impl_.get());
}

StreamRegistry::~StreamRegistry() {
  if (impl_->tick) g_source_remove(impl_->tick);
  impl_->observers.Clear();
  StopAll("server shutting down");
}

std::map<std::string, uint64_t> StreamRegistry::NextFragmentNumbers() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [name, e] : impl_->streams)
    if (auto b = e.stream->buffer(); b && b->NextFragmentNumber() > 0)
      out[name] = b->NextFragmentNumber();
  return out;
}

void StreamRegistry::ContinueNumbering(std::map<std::string, uint64_t> next) {
  impl_->continue_numbering = std::move(next);
}

void StreamRegistry::StopAll(const std::string& reason) {
  std::vector<std::string> names;
  for (auto& [name, e] : impl_->streams) names.push_back(name);
  for (auto& n : names) impl_->Remove(n, reason);
}

void StreamRegistry::Reconcile(const config::ServerConfig& config) {
  impl_->config = config;
  std::vector<std::string> stale;
  for (auto& [name, e] : impl_->streams) {
    const config::StreamConfig* cfg = impl_->ConfigFor(name);
    const auto& running = e.stream->config();
    if (!cfg || cfg->source != running.source || cfg->pipeline != running.pipeline)
      stale.push_back(name);
  }
  for (const auto& name : stale) impl_->Remove(name, "configuration changed");
  for (const auto& [name, cfg] : config.streams) {
    if (cfg.always_on && !impl_->Find(name)) {
      auto r = impl_->Ensure(name);
      if (!r) GST_WARNING("cannot start %s: %s", name.c_str(), r.error().ToString().c_str());
    }
  }
}

Status StreamRegistry::Start(const std::string& name) {
  auto r = impl_->Ensure(SanitizeStreamName(name));
  if (!r) return r.error();
  return OkStatus();
}

void StreamRegistry::Stop(const std::string& name) { impl_->Remove(name, "stopped"); }

static StreamSnapshot MakeSnapshot(const Stream& s) {
  StreamSnapshot snap;
  snap.name = s.name().full;
  snap.status = s.status();
  snap.error = s.error();
  snap.vod = s.is_vod();
  snap.viewers = s.viewers();
  snap.total_viewers = s.total_viewers();
  snap.inputs = (s.publishing() || (!s.is_push() && s.status() != StreamStatus::kOffline &&
                                    s.status() != StreamStatus::kFailed))
                    ? 1
                    : 0;
  snap.started_unix = s.started_unix();
  snap.tags = s.config().tags;
  snap.buffer = s.buffer();
  if (snap.buffer) snap.bytes_in = snap.buffer->Stats().bytes_in;
  return snap;
}

std::vector<StreamSnapshot> StreamRegistry::Snapshots() const {
  std::vector<StreamSnapshot> out;
  out.reserve(impl_->streams.size());
  for (const auto& [name, e] : impl_->streams) out.push_back(MakeSnapshot(*e.stream));
  return out;
}

std::optional<StreamSnapshot> StreamRegistry::Snapshot(const std::string& name) const {
  Stream* s = impl_->Find(name);
  if (!s) return std::nullopt;
  return MakeSnapshot(*s);
}

std::vector<ClientSnapshot> StreamRegistry::Clients() const {
  std::vector<ClientSnapshot> out;
  for (const auto& [id, c] : impl_->clients) out.push_back(c);
  return out;
}

const config::StreamConfig* StreamRegistry::ConfigFor(const std::string& name) const {
  return impl_->ConfigFor(name);
}

Result<ExpandedPipeline> StreamRegistry::DescribePipeline(const std::string& name) const {
  std::string sane = SanitizeStreamName(name);
  const config::StreamConfig* cfg = impl_->ConfigFor(sane);
  if (!cfg) return Error{ErrorCode::kNotFound, "stream is not configured", name};
  Stream probe(ParseStreamName(sane), *cfg, impl_->templates, nullptr);
  return probe.Describe();
}

Subscription StreamRegistry::AddStatusObserver(StatusObserver observer) {
  return impl_->observers.Add(std::move(observer));
}

void StreamRegistry::SetPublishHooks(PublishRewrite rewrite, PublishAccept accept) {
  impl_->publish_rewrite = std::move(rewrite);
  impl_->publish_accept = std::move(accept);
}

void StreamRegistry::SetMessageObserver(MessageObserver observer) {
  impl_->message_observer = std::move(observer);
}

void StreamRegistry::SetPlayRewrite(PlayRewrite rewrite) { impl_->play_rewrite = std::move(rewrite); }

void StreamRegistry::AuthorizePublish(const PublishRequest& request, PublishDone done) {
  if (!impl_->publish_rewrite) return impl_->Publish(request, request.stream_key, std::move(done));
  std::weak_ptr<Impl> weak = impl_;
  impl_->publish_rewrite(request, [weak, request, done](Result<std::string> name) {
    auto self = weak.lock();
    if (!self) return done(Error{ErrorCode::kUnavailable, "server shutting down"});
    if (!name) {
      GST_WARNING("refused %s publish from %s: %s", request.connector.c_str(),
                  request.client_ip.c_str(), name.error().message.c_str());
      return done(name.error());
    }
    self->Publish(request, name.value(), done);
  });
}

void StreamRegistry::Impl::Publish(const PublishRequest& request, const std::string& requested_in,
                                   PublishDone done) {
  std::string requested = requested_in;
  if (auto it = config.stream_keys.find(requested); it != config.stream_keys.end())
    requested = it->second;
  std::string name = SanitizeStreamName(requested);
  const config::StreamConfig* cfg = ConfigFor(name);
  // A refused name may be a mistyped stream key: only configured names reach the log.
  std::string shown = cfg ? name : "(not configured)";
  auto deny = [&](std::string why) {
    GST_WARNING("refused %s publish from %s to stream %s: %s", request.connector.c_str(),
                request.client_ip.c_str(), shown.c_str(), why.c_str());
    done(Error{ErrorCode::kInvalidArgument, std::move(why), shown});
  };
  if (name.empty() || !cfg) return deny("stream is not configured");
  if (cfg->source.rfind("push://", 0) != 0) return deny("stream does not accept pushes");
  auto [allowed_host, password] = ParsePushSource(cfg->source);
  if (!password.empty() && request.app != password) return deny("wrong push password");
  if (!HostAllowed(allowed_host, request.client_ip)) return deny("host not allowed to push");
  if (Stream* s = Find(name); s && s->publishing()) return deny("stream is already being published");
  auto grant = [self = shared_from_this(), request, name, done]() {
    if (Stream* s = self->Find(name); s && s->publishing()) {
      return done(Error{ErrorCode::kAlreadyExists, "stream is already being published", name});
    }
    auto stream = self->Ensure(name);
    if (!stream) return done(stream.error());
    stream.value()->SetPublishing(true);
    ClientSnapshot info;
    info.host = request.client_ip;
    info.stream = name;
    info.protocol = "INPUT:" + request.connector;
    GST_INFO("accepted %s publish from %s to stream %s", request.connector.c_str(),
             request.client_ip.c_str(), name.c_str());
    done(std::unique_ptr<PublishSession>(
        new PublishSessionImpl(self, name, stream.value()->buffer(), std::move(info))));
  };
  if (!publish_accept) return grant();
  std::weak_ptr<Impl> weak = shared_from_this();
  publish_accept(name, request, [weak, grant, done, name](bool ok) {
    if (!weak.lock()) return done(Error{ErrorCode::kUnavailable, "server shutting down"});
    if (!ok) {
      GST_WARNING("publish to %s refused by STREAM_PUSH", name.c_str());
      return done(Error{ErrorCode::kInvalidArgument, "refused by STREAM_PUSH", name});
    }
    grant();
  });
}

void StreamRegistry::OpenForPlay(const PlayRequest& request, PlayDone done) {
  if (!impl_->play_rewrite) return impl_->Play(request, request.stream, std::move(done));
  std::weak_ptr<Impl> weak = impl_;
  impl_->play_rewrite(request, [weak, request, done](Result<std::string> name) {
    auto self = weak.lock();
    if (!self) return done(Error{ErrorCode::kUnavailable, "server shutting down"});
    if (!name) return done(name.error());
    self->Play(request, name.value(), done);
  });
}

void StreamRegistry::Impl::Play(const PlayRequest& request, const std::string& requested,
                                PlayDone done) {
  std::string name = SanitizeStreamName(requested);
  if (name.empty() || !ConfigFor(name))
    return done(Error{ErrorCode::kNotFound, "no such stream", name});
  Stream* existing = Find(name);
  if (existing && existing->status() == StreamStatus::kFailed)
    return done(Error{ErrorCode::kUnavailable, existing->error(), name});
  auto stream = Ensure(name);
  if (!stream) return done(stream.error());
  stream.value()->AddViewer();
  ClientSnapshot info;
  info.host = request.client_ip;
  info.stream = name;
  info.protocol = request.connector;
  done(std::unique_ptr<PlaySession>(
      new PlaySessionImpl(shared_from_this(), name, stream.value()->buffer(), std::move(info))));
}

}  // namespace haze::core
