#include "core/pipeline_template.h"

#include <gio/gio.h>

#include <algorithm>
#include <sstream>

#include "base/gst_ref.h"
#include "base/log.h"
#include "core/resources.h"

#define GST_CAT_DEFAULT haze_core_debug

namespace haze::core {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool IsBareSafe(const std::string& v) {
  return std::all_of(v.begin(), v.end(), [](char c) {
    return g_ascii_isalnum(c) || std::string_view("_.:+/@-").find(c) != std::string_view::npos;
  });
}

std::string EscapeQuoted(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Status ParseHeader(PipelineTemplate& tpl, const std::string& comment, int line) {
  auto colon = comment.find(':');
  std::string key = colon == std::string::npos ? "" : Trim(comment.substr(0, colon));
  std::string value = colon == std::string::npos ? "" : Trim(comment.substr(colon + 1));
  std::string where = tpl.origin + ":" + std::to_string(line);
  if (key == "match") {
    GError* err = nullptr;
    GRegex* re = g_regex_new(value.c_str(), G_REGEX_OPTIMIZE, G_REGEX_MATCH_DEFAULT, &err);
    if (!re) {
      GErrorPtr e(err);
      return Error::FromGError(e.get(), ErrorCode::kParse, where);
    }
    g_regex_unref(re);
    tpl.matches.push_back(value);
  } else if (key == "kind") {
    if (value == "live") tpl.kind = TemplateKind::kLive;
    else if (value == "vod") tpl.kind = TemplateKind::kVod;
    else if (value == "push") tpl.kind = TemplateKind::kPush;
    else return Error{ErrorCode::kParse, "kind must be live, vod or push", where};
  } else if (key == "exec") {
    tpl.exec = value;
  } else if (key == "priority") {
    tpl.priority = static_cast<int>(g_ascii_strtoll(value.c_str(), nullptr, 10));
  } else if (tpl.description.empty()) {
    tpl.description = Trim(comment);
  }
  return OkStatus();
}

}  // namespace

bool PipelineTemplate::Matches(const std::string& source,
                               std::map<std::string, std::string>* vars) const {
  for (const auto& pattern : matches) {
    GRegex* re = g_regex_new(pattern.c_str(), G_REGEX_DEFAULT, G_REGEX_MATCH_DEFAULT, nullptr);
    if (!re) continue;
    GMatchInfo* info = nullptr;
    bool ok = g_regex_match(re, source.c_str(), G_REGEX_MATCH_DEFAULT, &info);
    if (ok && vars) {
      // Named groups become variables.
      const char* p = pattern.c_str();
      while ((p = strstr(p, "(?P<")) != nullptr) {
        p += 4;
        const char* end = strchr(p, '>');
        if (!end) break;
        std::string group(p, end);
        GCharPtr v(g_match_info_fetch_named(info, group.c_str()));
        (*vars)[group] = v ? v.get() : "";
        p = end;
      }
    }
    g_match_info_free(info);
    g_regex_unref(re);
    if (ok) return true;
  }
  return false;
}

Result<PipelineTemplate> ParseTemplate(const std::string& name, const std::string& origin,
                                       const std::string& text) {
  PipelineTemplate tpl;
  tpl.name = name;
  tpl.origin = origin;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string t = Trim(line);
    if (t.empty()) continue;
    if (t[0] == '#') {
      if (auto st = ParseHeader(tpl, t.substr(1), n); !st) return st.error();
      continue;
    }
    tpl.body.emplace_back(n, t);
  }
  if (tpl.matches.empty())
    return Error{ErrorCode::kParse, "template has no '# match:' line", origin};
  if (tpl.kind != TemplateKind::kPush && tpl.body.empty())
    return Error{ErrorCode::kParse, "template has no pipeline", origin};
  return tpl;
}

Result<std::string> ExpandVariables(const std::string& text,
                                    const std::map<std::string, std::string>& vars,
                                    const std::string& context) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      out += c;
      out += text[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out += c;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return Error{ErrorCode::kParse, "unterminated ${", context};
    std::string expr = text.substr(i + 2, close - i - 2);
    std::string name = expr, fallback;
    bool has_fallback = false;
    if (auto d = expr.find(":-"); d != std::string::npos) {
      name = expr.substr(0, d);
      fallback = expr.substr(d + 2);
      has_fallback = true;
    }
    auto it = vars.find(name);
    std::string value;
    if (it != vars.end() && !it->second.empty()) value = it->second;
    else if (has_fallback) value = fallback;
    else if (it == vars.end())
      return Error{ErrorCode::kNotFound, "unknown variable ${" + name + "}", context};
    if (quoted) {
      out += EscapeQuoted(value);
    } else if (IsBareSafe(value)) {
      out += value;
    } else {
      return Error{ErrorCode::kInvalidArgument,
                   "value of ${" + name + "} must be in double quotes (it has special characters)",
                   context};
    }
    i = close;
  }
  return out;
}

Result<ExpandedPipeline> ExpandTemplate(const PipelineTemplate& tpl,
                                        const std::map<std::string, std::string>& vars) {
  ExpandedPipeline out;
  for (const auto& [line, text] : tpl.body) {
    auto e = ExpandVariables(text, vars, tpl.origin + ":" + std::to_string(line));
    if (!e) return e.error();
    if (!out.launch.empty()) out.launch += ' ';
    out.launch += e.value();
  }
  if (!tpl.exec.empty()) {
    // The command is split into argv later, never run through a shell; no quoting rules apply.
    std::string cmd;
    for (size_t i = 0; i < tpl.exec.size(); ++i) {
      if (tpl.exec.compare(i, 2, "${") == 0) {
        size_t close = tpl.exec.find('}', i);
        if (close == std::string::npos) return Error{ErrorCode::kParse, "unterminated ${", tpl.origin};
        std::string name = tpl.exec.substr(i + 2, close - i - 2);
        auto it = vars.find(name);
        if (it == vars.end())
          return Error{ErrorCode::kNotFound, "unknown variable ${" + name + "}", tpl.origin};
        cmd += it->second;
        i = close;
      } else {
        cmd += tpl.exec[i];
      }
    }
    out.exec = cmd;
  }
  return out;
}

void TemplateSet::Add(PipelineTemplate tpl) {
  auto it = std::find_if(templates_.begin(), templates_.end(),
                         [&](const PipelineTemplate& t) { return t.name == tpl.name; });
  if (it != templates_.end()) *it = std::move(tpl);
  else templates_.push_back(std::move(tpl));
}

void TemplateSet::Load(const std::string& user_dir) {
  templates_.clear();
  RegisterResources();
  char** names = g_resources_enumerate_children("/haze/pipelines", G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                nullptr);
  for (char** n = names; n && *n; ++n) {
    std::string file = *n;
    if (!g_str_has_suffix(file.c_str(), ".pipeline")) continue;
    GBytes* bytes = g_resources_lookup_data(("/haze/pipelines/" + file).c_str(),
                                            G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
    if (!bytes) continue;
    gsize size = 0;
    auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    std::string name = file.substr(0, file.size() - 9);
    auto tpl = ParseTemplate(name, "pipelines/" + file, std::string(data, size));
    g_bytes_unref(bytes);
    if (tpl) Add(std::move(tpl.value()));
    else GST_ERROR("built-in template %s: %s", file.c_str(), tpl.error().ToString().c_str());
  }
  g_strfreev(names);
  if (user_dir.empty()) return;
  GDir* dir = g_dir_open(user_dir.c_str(), 0, nullptr);
  if (!dir) {
    GST_WARNING("templates folder %s cannot be read", user_dir.c_str());
    return;
  }
  while (const char* f = g_dir_read_name(dir)) {
    if (!g_str_has_suffix(f, ".pipeline")) continue;
    GCharPtr path(g_build_filename(user_dir.c_str(), f, nullptr));
    gchar* text = nullptr;
    if (!g_file_get_contents(path.get(), &text, nullptr, nullptr)) continue;
    std::string name(f, strlen(f) - 9);
    auto tpl = ParseTemplate(name, path.get(), text);
    g_free(text);
    if (tpl) Add(std::move(tpl.value()));
    else GST_WARNING("skipping template %s", tpl.error().ToString().c_str());
  }
  g_dir_close(dir);
}

Result<const PipelineTemplate*> TemplateSet::Select(
    const std::string& source, std::map<std::string, std::string>* vars) const {
  const PipelineTemplate* best = nullptr;
  std::map<std::string, std::string> best_vars;
  for (const auto& t : templates_) {
    std::map<std::string, std::string> v;
    if (!t.Matches(source, &v)) continue;
    if (!best || t.priority > best->priority) {
      best = &t;
      best_vars = std::move(v);
    }
  }
  if (!best)
    return Error{ErrorCode::kNotFound, "no pipeline template matches source '" + source + "'"};
  if (vars) vars->insert(best_vars.begin(), best_vars.end());
  return best;
}

const PipelineTemplate* TemplateSet::Find(const std::string& name) const {
  for (const auto& t : templates_)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace haze::core
