#include "app/cli_options.h"

#include <glib.h>

#include "base/gst_ref.h"

namespace haze::app {

Result<CliOptions> ParseCli(int argc, char** argv, std::string* help) {
  CliOptions o;
  gchar* config = nullptr;
  gchar* iface = nullptr;
  gchar* configrw = nullptr;
  gchar* print = nullptr;
  gboolean version = FALSE;
  gboolean want_help = FALSE;
  GOptionEntry entries[] = {
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "Config file (default: built-in)", "FILE"},
      {"interface", 'i', 0, G_OPTION_ARG_STRING, &iface, "Interface to bind (default: all)", "ADDR"},
      {"port", 'p', 0, G_OPTION_ARG_INT, &o.api_port, "API and web UI port (default 4242)", "N"},
      {"http-port", 0, 0, G_OPTION_ARG_INT, &o.http_port, "HTTP media port (default 8080)", "N"},
      {"rtmp-port", 0, 0, G_OPTION_ARG_INT, &o.rtmp_port, "RTMP port (default 1935)", "N"},
      {"rtsp-port", 0, 0, G_OPTION_ARG_INT, &o.rtsp_port, "RTSP port (default 5554)", "N"},
      {"srt-port", 0, 0, G_OPTION_ARG_INT, &o.srt_port, "SRT port, UDP (default 8889)", "N"},
      {"configrw", 0, 0, G_OPTION_ARG_STRING, &configrw,
       "Config file mode: r (reload on change), w (auto-save), rw (default), off", "MODE"},
      {"print-pipeline", 0, 0, G_OPTION_ARG_STRING, &print,
       "Print a gst-launch-1.0 command reproducing STREAM's pipeline, then exit", "STREAM"},
      {"version", 'v', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr},
      {"help", 'h', 0, G_OPTION_ARG_NONE, &want_help, "Show this help", nullptr},
      {nullptr}};
  GOptionContext* ctx = g_option_context_new("- Haze media server");
  g_option_context_set_help_enabled(ctx, FALSE);
  g_option_context_add_main_entries(ctx, entries, nullptr);
  GError* err = nullptr;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &err);
  if (want_help && help) {
    gchar* text = g_option_context_get_help(ctx, TRUE, nullptr);
    *help = text;
    g_free(text);
  }
  g_option_context_free(ctx);
  auto take = [](gchar* s) {
    std::string out = s ? s : "";
    g_free(s);
    return out;
  };
  o.config_path = take(config);
  o.interface = take(iface);
  std::string rw = take(configrw);
  if (!rw.empty()) o.configrw = rw;
  o.print_pipeline = take(print);
  o.version = version;
  if (!ok) {
    GErrorPtr e(err);
    return Error{ErrorCode::kInvalidArgument, e ? e->message : "bad arguments"};
  }
  if (argc > 1)
    return Error{ErrorCode::kInvalidArgument, std::string("unexpected argument '") + argv[1] + "'"};
  struct {
    const char* flag;
    int value;
  } ports[] = {{"-p", o.api_port},        {"--http-port", o.http_port}, {"--rtmp-port", o.rtmp_port},
               {"--rtsp-port", o.rtsp_port}, {"--srt-port", o.srt_port}};
  for (const auto& p : ports)
    if (p.value < -1 || p.value > 65535)
      return Error{ErrorCode::kInvalidArgument,
                   std::string(p.flag) + " needs a port from 0 to 65535"};
  if (o.configrw != "r" && o.configrw != "w" && o.configrw != "rw" && o.configrw != "off")
    return Error{ErrorCode::kInvalidArgument, "--configrw takes r, w, rw or off"};
  return o;
}

}  // namespace haze::app
