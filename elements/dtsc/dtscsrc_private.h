// dtscsrc internals shared by dtscsrc.cpp (GObject boilerplate) and dtscsrc_task.cpp (reading).
// Settings are guarded by priv->mutex; State is touched by the task and by state changes after
// the task stopped. Pads are owned by the element; OutPad keeps borrowed pointers.
#pragma once

#include <gst/base/gstflowcombiner.h>
#include <gst/gst.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dtsc/dtscsrc.h"
#include "dtsc/live_buffer.h"

GST_DEBUG_CATEGORY_EXTERN(dtsc_src_debug);

namespace haze::dtsc::src {

inline constexpr int64_t kDefaultStart = -1;
inline constexpr int64_t kDefaultStop = -1;
inline constexpr bool kDefaultRealtime = true;
inline constexpr int64_t kDefaultWaitTimeout = 5000;
inline constexpr int64_t kDefaultLatency = 0;
// Buffer timestamps are media time - first media time + this, so frames a little older than the
// first one (other tracks) stay positive.
inline constexpr int64_t kTsOffset = 10 * GST_SECOND;

struct Settings {
  std::string stream;
  std::string audio, video, subtitle;
  int64_t start = kDefaultStart;
  int64_t stop = kDefaultStop;
  bool realtime = kDefaultRealtime;
  int64_t wait_timeout = kDefaultWaitTimeout;
  int64_t latency = kDefaultLatency;
};

struct OutPad {
  GstPad* pad = nullptr;  // owned by the element
  MiniRef<GstCaps> caps;  // last caps sent
  bool discont = true;    // the next buffer on this pad is marked DISCONT
};

struct State {
  std::shared_ptr<LiveBuffer> buffer;
  std::unique_ptr<Reader> reader;
  std::map<uint32_t, OutPad> pads;  // by track id
  int64_t open_started = 0;         // monotonic us when we began waiting for the stream
  bool anchored = false;
  bool live = true;  // reading from the live edge (not a VoD buffer, no start position)
  int64_t first_media = 0;  // media time of the first frame pushed
  GstSegment segment;       // sent on every pad
  bool eos_sent = false;
  uint64_t skips_seen = 0;  // Reader::skipped() at the last pushed frame
};

}  // namespace haze::dtsc::src

struct HazeDtscSrcPrivate {
  std::mutex mutex;  // settings + flushing
  std::condition_variable cv;
  haze::dtsc::src::Settings settings;
  bool flushing = true;
  haze::dtsc::src::State state;
  GstTask* task = nullptr;
  GRecMutex task_lock;
  GstFlowCombiner* combiner = nullptr;
};

struct _HazeDtscSrc {
  GstElement parent;
  HazeDtscSrcPrivate* priv;
};

void haze_dtsc_src_loop(gpointer user_data);
bool haze_dtsc_src_start(HazeDtscSrc* self);
void haze_dtsc_src_stop(HazeDtscSrc* self);
void haze_dtsc_src_start_task(HazeDtscSrc* self);
void haze_dtsc_src_pause_task(HazeDtscSrc* self);
