// HazePrefixInputStream: a pollable input stream that first returns bytes already read from a
// connection, then reads the wrapped (pollable) stream. Used to hand a connection whose next
// request the segment fast path has read back to libsoup (soup_server_accept_iostream).
// Thread: the main context of the connection. Holds a reference to |base| and to the prefix.
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HAZE_TYPE_PREFIX_INPUT_STREAM (haze_prefix_input_stream_get_type())
G_DECLARE_FINAL_TYPE(HazePrefixInputStream, haze_prefix_input_stream, HAZE, PREFIX_INPUT_STREAM,
                     GInputStream)

// |base| must implement GPollableInputStream; |prefix| may be null or empty.
GInputStream* haze_prefix_input_stream_new(GInputStream* base, GBytes* prefix);

G_END_DECLS
