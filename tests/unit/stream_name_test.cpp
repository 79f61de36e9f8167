#include "core/stream_name.h"

#include <gtest/gtest.h>

namespace haze::core {
namespace {

TEST(StreamName, SanitizesBaseLikeMistServer) {
  EXPECT_EQ(SanitizeStreamName("Live"), "live");
  EXPECT_EQ(SanitizeStreamName("my stream"), "my+stream");
  EXPECT_EQ(SanitizeStreamName("a$b!c"), "abc");
  EXPECT_EQ(SanitizeStreamName("live+John?token=1"), "live+John");
}

TEST(StreamName, WildcardCannotEscapePaths) {
  EXPECT_EQ(SanitizeStreamName("live+../../etc"), "live+....etc");
  EXPECT_EQ(SanitizeStreamName("live+.."), "live");
  EXPECT_EQ(SanitizeStreamName("live+a/b"), "live+ab");
}

TEST(StreamName, CutsAtMaxLength) {
  EXPECT_EQ(SanitizeStreamName(std::string(300, 'a')).size(), kMaxStreamNameLength);
}

TEST(StreamName, ParsesWildcard) {
  auto n = ParseStreamName("live+john");
  EXPECT_EQ(n.base, "live");
  EXPECT_EQ(n.wildcard, "john");
  EXPECT_TRUE(n.is_wildcard());
  auto vars = StreamVariables(n);
  EXPECT_EQ(vars["pluswildcard"], "+john");
  EXPECT_EQ(vars["basename"], "live");
  auto plain = ParseStreamName("live");
  EXPECT_FALSE(plain.is_wildcard());
  EXPECT_EQ(StreamVariables(plain)["pluswildcard"], "");
}

}  // namespace
}  // namespace haze::core
