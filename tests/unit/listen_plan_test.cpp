// PlanListener: config.protocols decides which connectors run; the command line overrides it.
#include "app/listen_plan.h"

#include <gtest/gtest.h>

namespace haze::app {
namespace {

config::ServerConfig Listed(std::vector<config::ProtocolConfig> protocols) {
  config::ServerConfig c;
  c.protocols = std::move(protocols);
  c.protocols_listed = true;
  return c;
}

TEST(ListenPlan, WithoutAListEveryConnectorRunsOnItsDefault) {
  config::ServerConfig c;
  auto spec = PlanListener(c, "", "RTSP", -1, 5554);
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->port, 5554);
  EXPECT_EQ(spec->iface, "");
}

TEST(ListenPlan, AnUnlistedConnectorDoesNotRun) {
  auto c = Listed({{.connector = "HTTP", .port = 8081}, {.connector = "RTMP"}});
  EXPECT_FALSE(PlanListener(c, "", "RTSP", -1, 5554));
  auto rtmp = PlanListener(c, "", "RTMP", -1, 1935);
  ASSERT_TRUE(rtmp);
  EXPECT_EQ(rtmp->port, 1935);  // listed without a port: the default
  EXPECT_EQ(PlanListener(c, "", "HTTP", -1, 8080)->port, 8081);
}

TEST(ListenPlan, AnEmptyListRunsNothing) {
  auto c = Listed({});
  EXPECT_FALSE(PlanListener(c, "", "HTTP", -1, 8080));
}

TEST(ListenPlan, CommandLinePortWinsAndEnables) {
  auto c = Listed({{.connector = "HTTP", .port = 8081}});
  EXPECT_EQ(PlanListener(c, "", "HTTP", 0, 8080)->port, 0);
  auto rtsp = PlanListener(c, "", "RTSP", 6000, 5554);
  ASSERT_TRUE(rtsp);
  EXPECT_EQ(rtsp->port, 6000);
}

TEST(ListenPlan, InterfaceFromCommandLineThenEntryThenController) {
  auto c = Listed({{.connector = "HTTP", .interface = "127.0.0.2"}, {.connector = "RTMP"}});
  c.interface = "127.0.0.3";
  EXPECT_EQ(PlanListener(c, "", "HTTP", -1, 8080)->iface, "127.0.0.2");
  EXPECT_EQ(PlanListener(c, "", "RTMP", -1, 1935)->iface, "127.0.0.3");
  EXPECT_EQ(PlanListener(c, "127.0.0.1", "HTTP", -1, 8080)->iface, "127.0.0.1");
}

TEST(ListenPlan, OutOfRangePortFallsBackToTheDefault) {
  auto c = Listed({{.connector = "HTTP", .port = 70000}});
  EXPECT_EQ(PlanListener(c, "", "HTTP", -1, 8080)->port, 8080);
}

}  // namespace
}  // namespace haze::app
