// triggerhook: a pass-through element for pipeline templates that posts `haze-trigger` element
// messages (first buffer, caps change, EOS, keyframe gap); the server turns them into triggers.
// Thread: streaming thread for data; properties from any thread (object lock).
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define HAZE_TYPE_TRIGGER_HOOK (haze_trigger_hook_get_type())
G_DECLARE_FINAL_TYPE(HazeTriggerHook, haze_trigger_hook, HAZE, TRIGGER_HOOK, GstBaseTransform)

// Which events post a message (the `events` property).
typedef enum {
  HAZE_TRIGGER_HOOK_FIRST_BUFFER = (1 << 0),
  HAZE_TRIGGER_HOOK_CAPS = (1 << 1),
  HAZE_TRIGGER_HOOK_EOS = (1 << 2),
  HAZE_TRIGGER_HOOK_KEYFRAME_GAP = (1 << 3),
} HazeTriggerHookEvents;

#define HAZE_TYPE_TRIGGER_HOOK_EVENTS (haze_trigger_hook_events_get_type())
GType haze_trigger_hook_events_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(triggerhook);

G_END_DECLS
