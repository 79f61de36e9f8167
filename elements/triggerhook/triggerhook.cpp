/**
 * SECTION:element-triggerhook
 * @title: triggerhook
 *
 * A pass-through element that marks a point in a pipeline template where the server may fire a
 * trigger. It never does I/O itself: it posts element messages named `haze-trigger` on the bus,
 * and the server turns them into triggers.
 *
 * Message fields: `event` (string: "first-buffer", "caps", "eos", "keyframe-gap"), `hook`
 * (string: the `hook-name` property, or the element name), `stream` (string, the `stream-name`
 * property, may be empty), `running-time` (guint64 ns, or GST_CLOCK_TIME_NONE), and per event:
 * `caps` (string) for "caps", `gap` (guint64 ns) for "keyframe-gap".
 *
 * A keyframe gap is reported once per gap, on the first buffer more than `max-keyframe-gap`
 * after the last keyframe (only for video caps; 0 disables it).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=100 ! x264enc key-int-max=250 ! \
 *     triggerhook hook-name=after-encode max-keyframe-gap=2000000000 ! fakesink
 * ]|
 * prints a `haze-trigger` message for the first buffer, the caps, the keyframe gap and EOS.
 */
#include "triggerhook/triggerhook.h"

GST_DEBUG_CATEGORY_STATIC(haze_trigger_hook_debug);
#define GST_CAT_DEFAULT haze_trigger_hook_debug

namespace {

constexpr guint kDefaultEvents = HAZE_TRIGGER_HOOK_FIRST_BUFFER | HAZE_TRIGGER_HOOK_CAPS |
                                 HAZE_TRIGGER_HOOK_EOS | HAZE_TRIGGER_HOOK_KEYFRAME_GAP;
constexpr guint64 kDefaultMaxKeyframeGap = 10 * GST_SECOND;

enum {
  PROP_0,
  PROP_HOOK_NAME,
  PROP_STREAM_NAME,
  PROP_EVENTS,
  PROP_MAX_KEYFRAME_GAP,
};

// Property values, under the object lock.
struct Settings {
  gchar* hook_name = nullptr;
  gchar* stream_name = nullptr;
  guint events = kDefaultEvents;
  guint64 max_keyframe_gap = kDefaultMaxKeyframeGap;
};

// Runtime state, created in start() and reset in stop(). Streaming thread only.
struct State {
  bool seen_buffer = false;
  bool video = false;
  GstClockTime last_keyframe = GST_CLOCK_TIME_NONE;
  bool gap_reported = false;
};

}  // namespace

struct HazeTriggerHookPrivate {
  Settings settings;
  State state;
};

struct _HazeTriggerHook {
  GstBaseTransform parent;
  HazeTriggerHookPrivate* priv;
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define haze_trigger_hook_parent_class parent_class
G_DEFINE_TYPE(HazeTriggerHook, haze_trigger_hook, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE(triggerhook, "triggerhook", GST_RANK_NONE, HAZE_TYPE_TRIGGER_HOOK);

static void haze_trigger_hook_finalize(GObject* object);
static void haze_trigger_hook_set_property(GObject* object, guint prop_id, const GValue* value,
                                           GParamSpec* pspec);
static void haze_trigger_hook_get_property(GObject* object, guint prop_id, GValue* value,
                                           GParamSpec* pspec);
static gboolean haze_trigger_hook_start(GstBaseTransform* trans);
static gboolean haze_trigger_hook_stop(GstBaseTransform* trans);
static gboolean haze_trigger_hook_set_caps(GstBaseTransform* trans, GstCaps* in, GstCaps* out);
static gboolean haze_trigger_hook_sink_event(GstBaseTransform* trans, GstEvent* event);
static GstFlowReturn haze_trigger_hook_transform_ip(GstBaseTransform* trans, GstBuffer* buf);

GType haze_trigger_hook_events_get_type(void) {
  static GType type = 0;
  static const GFlagsValue values[] = {
      {HAZE_TRIGGER_HOOK_FIRST_BUFFER, "First buffer", "first-buffer"},
      {HAZE_TRIGGER_HOOK_CAPS, "Caps set or changed", "caps"},
      {HAZE_TRIGGER_HOOK_EOS, "End of stream", "eos"},
      {HAZE_TRIGGER_HOOK_KEYFRAME_GAP, "Gap between keyframes", "keyframe-gap"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) {
    GType t = g_flags_register_static("HazeTriggerHookEvents", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

static void haze_trigger_hook_class_init(HazeTriggerHookClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(haze_trigger_hook_debug, "triggerhook", 0, "Haze trigger hook");

  gobject_class->finalize = haze_trigger_hook_finalize;
  gobject_class->set_property = haze_trigger_hook_set_property;
  gobject_class->get_property = haze_trigger_hook_get_property;

  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_HOOK_NAME,
      g_param_spec_string("hook-name", "Hook name",
                          "Name reported in the messages (default: the element name)", nullptr,
                          flags));
  g_object_class_install_property(
      gobject_class, PROP_STREAM_NAME,
      g_param_spec_string("stream-name", "Stream name", "Stream reported in the messages", nullptr,
                          flags));
  g_object_class_install_property(
      gobject_class, PROP_EVENTS,
      g_param_spec_flags("events", "Events", "Which events post a haze-trigger message",
                         HAZE_TYPE_TRIGGER_HOOK_EVENTS, kDefaultEvents, flags));
  g_object_class_install_property(
      gobject_class, PROP_MAX_KEYFRAME_GAP,
      g_param_spec_uint64("max-keyframe-gap", "Maximum keyframe gap",
                          "Report a gap between video keyframes longer than this (ns, 0 = off)", 0,
                          G_MAXUINT64, kDefaultMaxKeyframeGap, flags));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "Trigger hook", "Generic",
      "Pass-through that posts haze-trigger messages on first buffer, caps, EOS and keyframe gaps",
      "Haze");

  trans_class->start = GST_DEBUG_FUNCPTR(haze_trigger_hook_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(haze_trigger_hook_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(haze_trigger_hook_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(haze_trigger_hook_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(haze_trigger_hook_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
  trans_class->passthrough_on_same_caps = TRUE;

  gst_type_mark_as_plugin_api(HAZE_TYPE_TRIGGER_HOOK_EVENTS, static_cast<GstPluginAPIFlags>(0));
}

static void haze_trigger_hook_init(HazeTriggerHook* self) {
  self->priv = new HazeTriggerHookPrivate();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_gap_aware(GST_BASE_TRANSFORM(self), TRUE);
}

static void haze_trigger_hook_finalize(GObject* object) {
  HazeTriggerHook* self = HAZE_TRIGGER_HOOK(object);
  g_free(self->priv->settings.hook_name);
  g_free(self->priv->settings.stream_name);
  delete self->priv;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void haze_trigger_hook_set_property(GObject* object, guint prop_id, const GValue* value,
                                           GParamSpec* pspec) {
  HazeTriggerHook* self = HAZE_TRIGGER_HOOK(object);
  Settings& s = self->priv->settings;
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_HOOK_NAME:
      g_free(s.hook_name);
      s.hook_name = g_value_dup_string(value);
      break;
    case PROP_STREAM_NAME:
      g_free(s.stream_name);
      s.stream_name = g_value_dup_string(value);
      break;
    case PROP_EVENTS:
      s.events = g_value_get_flags(value);
      break;
    case PROP_MAX_KEYFRAME_GAP:
      s.max_keyframe_gap = g_value_get_uint64(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void haze_trigger_hook_get_property(GObject* object, guint prop_id, GValue* value,
                                           GParamSpec* pspec) {
  HazeTriggerHook* self = HAZE_TRIGGER_HOOK(object);
  const Settings& s = self->priv->settings;
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_HOOK_NAME:
      g_value_set_string(value, s.hook_name);
      break;
    case PROP_STREAM_NAME:
      g_value_set_string(value, s.stream_name);
      break;
    case PROP_EVENTS:
      g_value_set_flags(value, s.events);
      break;
    case PROP_MAX_KEYFRAME_GAP:
      g_value_set_uint64(value, s.max_keyframe_gap);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

// Posts one haze-trigger message if |event| is enabled. |extra| (transfer full) adds fields.
static void post_trigger(HazeTriggerHook* self, HazeTriggerHookEvents event, const char* nick,
                         GstClockTime running_time, GstStructure* extra) {
  GST_OBJECT_LOCK(self);
  bool enabled = (self->priv->settings.events & event) != 0;
  gchar* hook = g_strdup(self->priv->settings.hook_name ? self->priv->settings.hook_name
                                                        : GST_OBJECT_NAME(self));
  gchar* stream =
      g_strdup(self->priv->settings.stream_name ? self->priv->settings.stream_name : "");
  GST_OBJECT_UNLOCK(self);
  if (enabled) {
    GstStructure* s = gst_structure_new("haze-trigger", "event", G_TYPE_STRING, nick, "hook",
                                        G_TYPE_STRING, hook, "stream", G_TYPE_STRING, stream,
                                        "running-time", G_TYPE_UINT64, running_time, nullptr);
    if (extra) {
      gst_structure_foreach(
          extra,
          [](GQuark field, const GValue* value, gpointer data) -> gboolean {
            gst_structure_id_set_value(static_cast<GstStructure*>(data), field, value);
            return TRUE;
          },
          s);
    }
    GST_DEBUG_OBJECT(self, "posting %s", nick);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  }
  if (extra) gst_structure_free(extra);
  g_free(hook);
  g_free(stream);
}

static gboolean haze_trigger_hook_start(GstBaseTransform* trans) {
  HAZE_TRIGGER_HOOK(trans)->priv->state = State{};
  return TRUE;
}

static gboolean haze_trigger_hook_stop(GstBaseTransform* trans) {
  HAZE_TRIGGER_HOOK(trans)->priv->state = State{};
  return TRUE;
}

static gboolean haze_trigger_hook_set_caps(GstBaseTransform* trans, GstCaps* in, GstCaps* out) {
  HazeTriggerHook* self = HAZE_TRIGGER_HOOK(trans);
  const GstStructure* st = gst_caps_get_size(in) ? gst_caps_get_structure(in, 0) : nullptr;
  self->priv->state.video = st && g_str_has_prefix(gst_structure_get_name(st), "video/");
  gchar* caps = gst_caps_to_string(in);
  post_trigger(self, HAZE_TRIGGER_HOOK_CAPS, "caps", GST_CLOCK_TIME_NONE,
               gst_structure_new("extra", "caps", G_TYPE_STRING, caps, nullptr));
  g_free(caps);
  return TRUE;
}

static gboolean haze_trigger_hook_sink_event(GstBaseTransform* trans, GstEvent* event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    post_trigger(HAZE_TRIGGER_HOOK(trans), HAZE_TRIGGER_HOOK_EOS, "eos", GST_CLOCK_TIME_NONE,
                 nullptr);
  }
  return GST_BASE_TRANSFORM_CLASS(parent_class)->sink_event(trans, event);
}

static GstFlowReturn haze_trigger_hook_transform_ip(GstBaseTransform* trans, GstBuffer* buf) {
  HazeTriggerHook* self = HAZE_TRIGGER_HOOK(trans);
  State& state = self->priv->state;
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID(buf) ? GST_BUFFER_PTS(buf) : GST_BUFFER_DTS(buf);
  GstClockTime rt = GST_CLOCK_TIME_IS_VALID(ts)
                        ? gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, ts)
                        : GST_CLOCK_TIME_NONE;
  if (!state.seen_buffer) {
    state.seen_buffer = true;
    post_trigger(self, HAZE_TRIGGER_HOOK_FIRST_BUFFER, "first-buffer", rt, nullptr);
  }
  if (!state.video || !GST_CLOCK_TIME_IS_VALID(rt)) return GST_FLOW_OK;
  GST_OBJECT_LOCK(self);
  guint64 max_gap = self->priv->settings.max_keyframe_gap;
  GST_OBJECT_UNLOCK(self);
  bool keyframe = !GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (GST_CLOCK_TIME_IS_VALID(state.last_keyframe) && max_gap > 0 && !state.gap_reported &&
      rt > state.last_keyframe && rt - state.last_keyframe > max_gap) {
    state.gap_reported = true;
    post_trigger(
        self, HAZE_TRIGGER_HOOK_KEYFRAME_GAP, "keyframe-gap", rt,
        gst_structure_new("extra", "gap", G_TYPE_UINT64, rt - state.last_keyframe, nullptr));
  }
  if (keyframe) {
    state.last_keyframe = rt;
    state.gap_reported = false;
  }
  return GST_FLOW_OK;
}
