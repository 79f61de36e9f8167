// Test fixture base: a private temporary folder for handler scripts and their output files,
// removed after the test, plus a main-loop wait. Used by the trigger and push tests.
#pragma once

#include <glib.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace haze::test {

class ScriptDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/haze-test-XXXXXX";
    dir_ = g_mkdtemp(tmpl);
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  // Writes an executable /bin/sh script into the folder; returns its path.
  std::string Script(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
  }
  // Reads a file: an absolute path, or a name inside the folder.
  std::string Read(const std::string& path_or_name) {
    std::ifstream f(path_or_name.starts_with("/") ? path_or_name : dir_ + "/" + path_or_name);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  // Iterates the default main context until |cond| holds or |seconds| pass.
  template <typename F>
  bool RunUntil(F cond, int seconds = 20) {
    gint64 deadline = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
    while (!cond() && g_get_monotonic_time() < deadline) g_main_context_iteration(nullptr, TRUE);
    return cond();
  }

  std::string dir_;
};

}  // namespace haze::test
