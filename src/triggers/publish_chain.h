// The trigger part of the publish decision chain (MistServer order): RTMP_PUSH_REWRITE (RTMP
// only; the answer is a new full URL whose last path part is the stream), then PUSH_REWRITE
// (the answer is the stream name to use). Either may deny. STREAM_PUSH runs later, once the
// registry resolved and sanitized the name (CheckStreamPush).
// Thread: main GMainContext; |done| runs there (possibly before the call returns when no sync
// handler is configured). The dispatcher must outlive pending calls (it drops them otherwise).
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "core/stream_host.h"
#include "triggers/trigger_dispatcher.h"

namespace haze::triggers {

struct PublishRewrite {
  std::string url;         // the (possibly rewritten) full URL
  std::string stream_key;  // requested stream name or key after the rewrites (not sanitized)
};

// The last path part of a URL, without query ("rtmp://h/live/key?x=1" -> "key").
std::string LastPathPart(const std::string& url);

using RewriteDone = std::function<void(Result<PublishRewrite>)>;
void RunPublishRewrites(TriggerDispatcher& dispatcher, const core::PublishRequest& request,
                        RewriteDone done);

// STREAM_PUSH for the resolved stream: |done| gets false when a sync handler refuses.
void CheckStreamPush(TriggerDispatcher& dispatcher, const std::string& stream,
                     const core::PublishRequest& request, const std::vector<std::string>& tags,
                     std::function<void(bool)> done);

}  // namespace haze::triggers
