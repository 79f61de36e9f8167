#include "triggers/publish_chain.h"

#include "triggers/payloads.h"

namespace haze::triggers {
namespace {

Error Denied(const char* trigger) {
  return Error{ErrorCode::kInvalidArgument, std::string("publish refused by ") + trigger, ""};
}

void RunPushRewrite(TriggerDispatcher& dispatcher, const core::PublishRequest& request,
                    PublishRewrite current, RewriteDone done) {
  if (!dispatcher.HasHandlers("PUSH_REWRITE", "", {}, true)) {
    dispatcher.Fire("PUSH_REWRITE", "",
                    PushRewritePayload(current.url, request.client_ip, current.stream_key));
    done(std::move(current));
    return;
  }
  std::vector<std::string> lines =
      PushRewritePayload(current.url, request.client_ip, current.stream_key);
  dispatcher.Decide("PUSH_REWRITE", "", lines,
                    [current, done = std::move(done)](Decision d) mutable {
                      if (!d.handled) return done(std::move(current));
                      if (!d.allow) return done(Denied("PUSH_REWRITE"));
                      current.stream_key = d.response;
                      done(std::move(current));
                    });
}

}  // namespace

std::string LastPathPart(const std::string& url) {
  std::string path = url.substr(0, url.find('?'));
  while (!path.empty() && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void RunPublishRewrites(TriggerDispatcher& dispatcher, const core::PublishRequest& request,
                        RewriteDone done) {
  PublishRewrite start{request.url, request.stream_key};
  if (request.connector != "RTMP" || !dispatcher.HasHandlers("RTMP_PUSH_REWRITE", "", {}, true)) {
    if (request.connector == "RTMP") {
      dispatcher.Fire("RTMP_PUSH_REWRITE", "",
                      RtmpPushRewritePayload(request.url, request.client_ip));
    }
    RunPushRewrite(dispatcher, request, std::move(start), std::move(done));
    return;
  }
  TriggerDispatcher* d = &dispatcher;
  dispatcher.Decide("RTMP_PUSH_REWRITE", "", RtmpPushRewritePayload(request.url, request.client_ip),
                    [d, request, start, done = std::move(done)](Decision x) mutable {
                      if (x.handled && !x.allow) return done(Denied("RTMP_PUSH_REWRITE"));
                      if (x.handled) {
                        start.url = x.response;
                        start.stream_key = LastPathPart(x.response);
                      }
                      RunPushRewrite(*d, request, std::move(start), std::move(done));
                    });
}

void CheckStreamPush(TriggerDispatcher& dispatcher, const std::string& stream,
                     const core::PublishRequest& request, const std::vector<std::string>& tags,
                     std::function<void(bool)> done) {
  dispatcher.Decide(
      "STREAM_PUSH", stream, ConnPayload(stream, request.client_ip, request.connector, request.url),
      [done = std::move(done)](Decision d) { done(d.allow); }, tags);
}

}  // namespace haze::triggers
