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

// One media section of a publisher's ANNOUNCE SDP.
struct AnnouncedMedia {
  std::string media;     // "video", "audio", ...
  std::string encoding;  // rtpmap encoding name, upper case ("H264", "MPEG4-GENERIC", ...)
};

// The depayloader and parser for one announced media ("rtph264depay ! h264parse"), or nullopt
// for encodings the buffer cannot store.
std::optional<std::string> DepayloaderFor(const AnnouncedMedia& media);

// The RECORD launch description: "( rtph264depay name=depay0 ! h264parse ! queue ! sink. ...
// dtscsink name=sink stream="NAME" )", one depay%d per announced media in order (media the
// buffer cannot store are received and dropped). nullopt when no media can be stored.
std::optional<std::string> RecordLaunchFor(const std::string& stream,
                                           const std::vector<AnnouncedMedia>& medias);

}  // namespace haze::rtsp
