// The gst-rtsp-server launch description that serves one stream's DTSC buffer: one dtscsrc and
// one payloader per playable track (pay0, pay1, ...). Pure logic, no GObject. Thread: any.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dtsc/live_buffer.h"

namespace haze::rtsp {

// The payloader for |track| ("rtph264pay config-interval=-1", ...), or nullopt for codecs RTSP
// play does not carry.
std::optional<std::string> PayloaderFor(const dtsc::TrackInfo& track);

// "( dtscsrc stream="NAME" name=src src.src_0 ! queue ! rtph264pay ... name=pay0 pt=96 ... )",
// or nullopt when no track can be carried. |stream| must be a sanitized stream name.
std::optional<std::string> LaunchFor(const std::string& stream,
                                     const std::vector<dtsc::TrackInfo>& tracks);

}  // namespace haze::rtsp
