/**
 * SECTION:element-dtscsrc
 * @title: dtscsrc
 *
 * Reads the tracks of stream #dtscsrc:stream from the in-process DTSC buffer, one sometimes pad
 * `src_%u` per selected track (u = track id). Tracks are picked with MistServer's selectors in
 * #dtscsrc:audio, #dtscsrc:video and #dtscsrc:subtitle (default: all audio and all video).
 * Pads appear once the stream is ready to play (two tracks with data, or 500 ms of data, at most
 * 5 s), followed by no-more-pads. Every pad starts on a keyframe with its codec data in the caps.
 *
 * dtscsrc is a live source: buffers carry running times (the newest frame at start maps to "now")
 * and, with #dtscsrc:realtime, are paced by the pipeline clock. It sends EOS when #dtscsrc:stop is
 * reached or the writer finished.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=25 ! \
 *   h264parse ! dtscsink stream=demo  dtscsrc stream=demo ! h264parse ! avdec_h264 ! fakesink
 * ]|
 */
#include "dtsc/dtscsrc.h"

#include <gst/base/gstflowcombiner.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dtsc/dtscsrc_private.h"

GST_DEBUG_CATEGORY(dtsc_src_debug);
#define GST_CAT_DEFAULT dtsc_src_debug

using namespace haze::dtsc::src;

enum { PROP_0, PROP_STREAM, PROP_STREAM_NAME, PROP_AUDIO, PROP_VIDEO, PROP_SUBTITLE, PROP_START,
       PROP_STOP, PROP_REALTIME, PROP_WAIT_TIMEOUT, PROP_LATENCY };

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE(HazeDtscSrc, haze_dtsc_src, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(dtscsrc, "dtscsrc", GST_RANK_NONE, HAZE_TYPE_DTSC_SRC);

static void haze_dtsc_src_finalize(GObject* object);
static void haze_dtsc_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                       GParamSpec* pspec);
static void haze_dtsc_src_get_property(GObject* object, guint prop_id, GValue* value,
                                       GParamSpec* pspec);
static GstStateChangeReturn haze_dtsc_src_change_state(GstElement* element,
                                                       GstStateChange transition);

static void InstallString(GObjectClass* klass, guint id, const char* name, const char* nick,
                          const char* blurb) {
  g_object_class_install_property(
      klass, id,
      g_param_spec_string(name, nick, blurb, nullptr,
                          static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                   GST_PARAM_MUTABLE_READY)));
}

static void haze_dtsc_src_class_init(HazeDtscSrcClass* klass) {
  GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass* element_class = GST_ELEMENT_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(dtsc_src_debug, "dtscsrc", 0, "Haze DTSC buffer source");

  gobject_class->finalize = haze_dtsc_src_finalize;
  gobject_class->set_property = haze_dtsc_src_set_property;
  gobject_class->get_property = haze_dtsc_src_get_property;

  const auto flags = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                              GST_PARAM_MUTABLE_READY);
  InstallString(gobject_class, PROP_STREAM, "stream", "Stream", "Name of the stream to read");
  InstallString(gobject_class, PROP_STREAM_NAME, "stream-name", "Stream name",
                "Alias of the stream property");
  InstallString(gobject_class, PROP_AUDIO, "audio", "Audio",
                "Audio track selector (MistServer grammar; empty = all)");
  InstallString(gobject_class, PROP_VIDEO, "video", "Video",
                "Video track selector (MistServer grammar; empty = all)");
  InstallString(gobject_class, PROP_SUBTITLE, "subtitle", "Subtitle",
                "Subtitle track selector (MistServer grammar; empty = none)");
  g_object_class_install_property(
      gobject_class, PROP_START,
      g_param_spec_int64("start", "Start",
                         "Start position in ms: media time, or unix time (ms) inside the DVR "
                         "window; -1 = live edge",
                         -1, G_MAXINT64 / 1000000, kDefaultStart, flags));
  g_object_class_install_property(
      gobject_class, PROP_STOP,
      g_param_spec_int64("stop", "Stop",
                         "Stop position in ms (media or unix time); -1 = none", -1,
                         G_MAXINT64 / 1000000, kDefaultStop, flags));
  g_object_class_install_property(
      gobject_class, PROP_REALTIME,
      g_param_spec_boolean("realtime", "Realtime",
                           "Pace output by media time (false = as fast as possible)",
                           kDefaultRealtime, flags));
  g_object_class_install_property(
      gobject_class, PROP_WAIT_TIMEOUT,
      g_param_spec_int64("wait-timeout", "Wait timeout",
                         "How long to wait for the stream to become playable (ms)", 0,
                         G_MAXINT64 / 1000000, kDefaultWaitTimeout, flags));
  g_object_class_install_property(
      gobject_class, PROP_LATENCY,
      g_param_spec_int64("latency", "Latency", "Latency reported to downstream (ms)", 0, 60000,
                         kDefaultLatency, flags));

  element_class->change_state = GST_DEBUG_FUNCPTR(haze_dtsc_src_change_state);
  gst_element_class_set_static_metadata(element_class, "DTSC buffer source", "Source/Network",
                                        "Reads tracks from a Haze DTSC live buffer",
                                        "Haze <https://haze.invalid/>");
  gst_element_class_add_static_pad_template(element_class, &src_template);
}

static void haze_dtsc_src_init(HazeDtscSrc* self) {
  self->priv = new HazeDtscSrcPrivate();
  g_rec_mutex_init(&self->priv->task_lock);
  self->priv->task = gst_task_new(haze_dtsc_src_loop, self, nullptr);
  gst_object_set_name(GST_OBJECT(self->priv->task), "dtscsrc-task");
  gst_task_set_lock(self->priv->task, &self->priv->task_lock);
  self->priv->combiner = gst_flow_combiner_new();
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}

static void haze_dtsc_src_finalize(GObject* object) {
  HazeDtscSrcPrivate* priv = HAZE_DTSC_SRC(object)->priv;
  gst_object_unref(priv->task);
  g_rec_mutex_clear(&priv->task_lock);
  gst_flow_combiner_free(priv->combiner);
  delete priv;
  G_OBJECT_CLASS(haze_dtsc_src_parent_class)->finalize(object);
}

static void haze_dtsc_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                       GParamSpec* pspec) {
  HazeDtscSrcPrivate* priv = HAZE_DTSC_SRC(object)->priv;
  std::lock_guard lock(priv->mutex);
  Settings& s = priv->settings;
  auto str = [&] {
    const char* v = g_value_get_string(value);
    return std::string(v ? v : "");
  };
  switch (prop_id) {
    case PROP_STREAM:
    case PROP_STREAM_NAME: s.stream = str(); break;
    case PROP_AUDIO: s.audio = str(); break;
    case PROP_VIDEO: s.video = str(); break;
    case PROP_SUBTITLE: s.subtitle = str(); break;
    case PROP_START: s.start = g_value_get_int64(value); break;
    case PROP_STOP: s.stop = g_value_get_int64(value); break;
    case PROP_REALTIME: s.realtime = g_value_get_boolean(value); break;
    case PROP_WAIT_TIMEOUT: s.wait_timeout = g_value_get_int64(value); break;
    case PROP_LATENCY: s.latency = g_value_get_int64(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void haze_dtsc_src_get_property(GObject* object, guint prop_id, GValue* value,
                                       GParamSpec* pspec) {
  HazeDtscSrcPrivate* priv = HAZE_DTSC_SRC(object)->priv;
  std::lock_guard lock(priv->mutex);
  const Settings& s = priv->settings;
  auto str = [&](const std::string& v) { g_value_set_string(value, v.empty() ? nullptr : v.c_str()); };
  switch (prop_id) {
    case PROP_STREAM:
    case PROP_STREAM_NAME: str(s.stream); break;
    case PROP_AUDIO: str(s.audio); break;
    case PROP_VIDEO: str(s.video); break;
    case PROP_SUBTITLE: str(s.subtitle); break;
    case PROP_START: g_value_set_int64(value, s.start); break;
    case PROP_STOP: g_value_set_int64(value, s.stop); break;
    case PROP_REALTIME: g_value_set_boolean(value, s.realtime); break;
    case PROP_WAIT_TIMEOUT: g_value_set_int64(value, s.wait_timeout); break;
    case PROP_LATENCY: g_value_set_int64(value, s.latency); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static GstStateChangeReturn haze_dtsc_src_change_state(GstElement* element,
                                                       GstStateChange transition) {
  HazeDtscSrc* self = HAZE_DTSC_SRC(element);
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!haze_dtsc_src_start(self)) return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      haze_dtsc_src_pause_task(self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      haze_dtsc_src_stop(self);
      break;
    default:
      break;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(haze_dtsc_src_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) return ret;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      return GST_STATE_CHANGE_NO_PREROLL;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      haze_dtsc_src_start_task(self);
      break;
    default:
      break;
  }
  return ret;
}
