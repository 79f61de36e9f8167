#include "triggers/hook_message.h"

namespace haze::triggers {

std::optional<std::vector<std::string>> HookPayload(GstMessage* message,
                                                    const std::string& stream) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT) return std::nullopt;
  const GstStructure* s = gst_message_get_structure(message);
  if (!s || !gst_structure_has_name(s, "haze-trigger")) return std::nullopt;
  auto str = [&](const char* field) {
    const char* v = gst_structure_get_string(s, field);
    return std::string(v ? v : "");
  };
  std::string name = str("stream");
  if (name.empty()) name = stream;
  guint64 rt = GST_CLOCK_TIME_NONE;
  gst_structure_get_uint64(s, "running-time", &rt);
  std::string detail = str("caps");
  guint64 gap = 0;
  if (gst_structure_get_uint64(s, "gap", &gap)) detail = std::to_string(gap / GST_MSECOND);
  return std::vector<std::string>{
      name, str("hook"), str("event"),
      GST_CLOCK_TIME_IS_VALID(rt) ? std::to_string(rt / GST_MSECOND) : std::string("-1"), detail};
}

bool FireHookMessage(TriggerDispatcher& dispatcher, GstMessage* message, const std::string& stream,
                     const std::vector<std::string>& tags) {
  auto payload = HookPayload(message, stream);
  if (!payload) return false;
  dispatcher.Fire("PIPELINE_HOOK", (*payload)[0], *payload, tags);
  return true;
}

bool StreamMessageTriggers::Handle(GstMessage* message, const std::string& stream,
                                   const std::vector<std::string>& tags) {
  if (FireHookMessage(dispatcher_, message, stream, tags)) return true;
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT) return false;
  const GstStructure* s = gst_message_get_structure(message);
  if (!s || !gst_structure_has_name(s, "haze-buffer-state")) return false;
  const char* name_field = gst_structure_get_string(s, "stream");
  std::string name = name_field && *name_field ? name_field : stream;
  const char* state_field = gst_structure_get_string(s, "state");
  const char* health_field = gst_structure_get_string(s, "health");
  std::string state = state_field ? state_field : "";
  std::string health = health_field ? health_field : "{}";
  State& st = streams_[name];
  std::string previous = st.last;
  if (state == previous) return true;
  st.last = state;
  std::vector<std::string> lines;
  if (state == "FULL" && !st.full_sent) {
    st.full_sent = true;
    lines = {name, "FULL", health};
  } else if ((state == "FULL" || state == "RECOVER") && previous == "DRY") {
    lines = {name, "RECOVER", health};
  } else if (state == "DRY") {
    lines = {name, "DRY", health};
  } else if (state == "EMPTY") {
    lines = {name, "EMPTY"};
  }
  if (!lines.empty()) dispatcher_.Fire("STREAM_BUFFER", name, lines, tags);
  return true;
}

}  // namespace haze::triggers
