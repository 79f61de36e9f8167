// Declarative pipeline templates (pipelines/*.pipeline): gst-launch syntax with ${variables} and a
// few header lines. Parsing and expansion are pure; TemplateSet loads the built-in templates
// (embedded from pipelines/) and a user folder, and picks one for a stream's source.
// Thread: main (TemplateSet); the pure functions from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace haze::core {

enum class TemplateKind { kLive, kVod, kPush };

// A template file:
//   # Description on the first comment line
//   # match: <regex>        one or more; named groups (?P<name>...) become variables
//   # kind: live|vod|push   push templates have no body: protocol servers feed the buffer
//   # exec: <command>       optional; run without a shell, its stdout is ${exec_fd}
//   # priority: <n>         optional, higher wins
//   <gst-launch body, may span lines; lines starting with # are comments>
struct PipelineTemplate {
  std::string name;    // file name without .pipeline
  std::string origin;  // "built-in" or the file path
  std::string description;
  std::vector<std::string> matches;
  TemplateKind kind = TemplateKind::kLive;
  std::string exec;
  int priority = 0;
  std::vector<std::pair<int, std::string>> body;  // (line number, text)

  // True when |source| matches; fills the named groups into |vars|.
  bool Matches(const std::string& source, std::map<std::string, std::string>* vars) const;
};

Result<PipelineTemplate> ParseTemplate(const std::string& name, const std::string& origin,
                                       const std::string& text);

// Expands ${name} and ${name:-default} in |text|. Values inside double quotes are escaped for
// gst-launch; a value used outside quotes may only hold [A-Za-z0-9_.:+/@-] (no injection of
// elements or properties). Unknown variables are an error naming the line.
Result<std::string> ExpandVariables(const std::string& text,
                                    const std::map<std::string, std::string>& vars,
                                    const std::string& context);

struct ExpandedPipeline {
  std::string launch;  // gst-launch description
  std::string exec;    // command to run (expanded), "" if none
};
Result<ExpandedPipeline> ExpandTemplate(const PipelineTemplate& tpl,
                                        const std::map<std::string, std::string>& vars);

class TemplateSet {
 public:
  // Loads the built-in templates and, if |user_dir| is set, *.pipeline files from it (a user
  // template overrides a built-in one with the same name). Bad user files are logged and skipped.
  void Load(const std::string& user_dir);
  // The template for |source| and its match variables, or an error.
  Result<const PipelineTemplate*> Select(const std::string& source,
                                         std::map<std::string, std::string>* vars) const;
  const PipelineTemplate* Find(const std::string& name) const;
  const std::vector<PipelineTemplate>& all() const { return templates_; }

 private:
  void Add(PipelineTemplate tpl);
  std::vector<PipelineTemplate> templates_;
};

}  // namespace haze::core
