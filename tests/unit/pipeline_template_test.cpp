#include "core/pipeline_template.h"

#include <glib/gstdio.h>
#include <gtest/gtest.h>

namespace haze::core {
namespace {

TEST(PipelineTemplate, ParsesHeaderAndBody) {
  auto t = ParseTemplate("x", "x.pipeline",
                         "# A test\n# match: ^x-(?P<n>[0-9]+)$\n# kind: vod\n"
                         "fakesrc num-buffers=${n} ! fakesink\n");
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(t->description, "A test");
  EXPECT_EQ(t->kind, TemplateKind::kVod);
  std::map<std::string, std::string> vars;
  EXPECT_TRUE(t->Matches("x-12", &vars));
  EXPECT_EQ(vars["n"], "12");
  EXPECT_FALSE(t->Matches("y-12", nullptr));
  auto e = ExpandTemplate(t.value(), vars);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->launch, "fakesrc num-buffers=12 ! fakesink");
}

TEST(PipelineTemplate, RejectsTemplateWithoutMatch) {
  EXPECT_FALSE(ParseTemplate("x", "x.pipeline", "fakesrc ! fakesink\n").ok());
  EXPECT_FALSE(ParseTemplate("x", "x.pipeline", "# match: ([\nfakesrc ! fakesink\n").ok());
}

TEST(PipelineTemplate, QuotedValuesAreEscaped) {
  auto e = ExpandVariables(R"(filesrc location="${p}")", {{"p", R"(/a "b"\c)"}}, "t");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.value(), R"(filesrc location="/a \"b\"\\c")");
}

TEST(PipelineTemplate, BareValuesCannotInjectElements) {
  EXPECT_FALSE(ExpandVariables("udpsrc port=${p}", {{"p", "5000 ! fakesink"}}, "t").ok());
  EXPECT_TRUE(ExpandVariables("udpsrc port=${p}", {{"p", "5000"}}, "t").ok());
}

TEST(PipelineTemplate, DefaultsAndUnknownVariables) {
  auto e = ExpandVariables(R"(x a="${h:-0.0.0.0}")", {{"h", ""}}, "t");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.value(), R"(x a="0.0.0.0")");
  auto bad = ExpandVariables("x ${nope}", {}, "tpl:3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().context, "tpl:3");
}

TEST(TemplateSet, SelectsBuiltInTemplatesBySource) {
  TemplateSet set;
  set.Load("");
  struct {
    const char* source;
    const char* name;
  } cases[] = {{"videogen", "videogen"},
               {"/media/a.mp4", "file-mp4"},
               {"/media/a.webm", "file-mkv"},
               {"/media/a.flv", "file-flv"},
               {"/media/a.ts", "file-ts"},
               {"ts-exec:ffmpeg -i x -f mpegts -", "ts-exec"},
               {"tsudp://239.0.0.1:5000/eth0", "tsudp"},
               {"tsudp://:5000", "tsudp"},
               {"push://", "push"},
               {"push://@secret", "push"}};
  for (const auto& c : cases) {
    std::map<std::string, std::string> vars;
    auto t = set.Select(c.source, &vars);
    ASSERT_TRUE(t.ok()) << c.source;
    EXPECT_EQ(t.value()->name, c.name) << c.source;
  }
  EXPECT_FALSE(set.Select("gopher://x", nullptr).ok());
  std::map<std::string, std::string> vars;
  ASSERT_TRUE(set.Select("push://@secret", &vars).ok());
  EXPECT_EQ(vars["password"], "secret");
}

TEST(TemplateSet, UserFolderAddsAndOverridesTemplates) {
  gchar* dir = g_dir_make_tmp("haze-tpl-XXXXXX", nullptr);
  std::string d = dir;
  g_free(dir);
  std::string mine = d + "/mine.pipeline", vg = d + "/videogen.pipeline", bad = d + "/bad.pipeline";
  g_file_set_contents(mine.c_str(), "# match: ^mine://\\d+$\nfakesrc ! fakesink\n", -1, nullptr);
  g_file_set_contents(vg.c_str(), "# Overridden\n# match: ^videogen$\nfakesrc ! fakesink\n", -1,
                      nullptr);
  g_file_set_contents(bad.c_str(), "no header\n", -1, nullptr);
  TemplateSet set;
  set.Load(d);
  auto t = set.Select("mine://42", nullptr);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value()->name, "mine");
  EXPECT_EQ(set.Find("videogen")->description, "Overridden");
  EXPECT_EQ(set.Find("bad"), nullptr);  // skipped with a log line
  for (const auto& f : {mine, vg, bad}) g_remove(f.c_str());
  g_rmdir(d.c_str());
}

}  // namespace
}  // namespace haze::core
