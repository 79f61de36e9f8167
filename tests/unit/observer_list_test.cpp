// ObserverList / Subscription: callbacks end with their subscription, even mid-notification.
#include "base/observer_list.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace haze {
namespace {

TEST(ObserverList, DestroyedSubscriptionIsNotCalled) {
  ObserverList<int> list;
  int a = 0, b = 0;
  Subscription sa = list.Add([&](int v) { a += v; });
  {
    Subscription sb = list.Add([&](int v) { b += v; });
    list.Notify(1);
  }
  list.Notify(2);
  EXPECT_EQ(a, 3);
  EXPECT_EQ(b, 1);
  EXPECT_EQ(list.size(), 1u);
}

TEST(ObserverList, ObserverRemovedDuringNotifyIsSkipped) {
  ObserverList<> list;
  std::optional<Subscription> second;
  int first_calls = 0, second_calls = 0;
  // The first observer destroys the second one's owner: the second must not run afterwards.
  Subscription first = list.Add([&] {
    ++first_calls;
    second.reset();
  });
  second = list.Add([&] { ++second_calls; });
  list.Notify();
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);
}

TEST(ObserverList, ObserverMayUnsubscribeItself) {
  ObserverList<> list;
  auto sub = std::make_unique<Subscription>();
  int calls = 0;
  *sub = list.Add([&] {
    ++calls;
    sub.reset();  // destroys the std::function being run: Notify runs a copy
  });
  list.Notify();
  list.Notify();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(list.size(), 0u);
}

TEST(ObserverList, SubscriptionMayOutliveTheList) {
  Subscription sub;
  {
    ObserverList<int> list;
    sub = list.Add([](int) {});
  }
  sub.Reset();  // nothing to remove any more: must not touch the freed list
  EXPECT_FALSE(sub);
}

TEST(ObserverList, MovedSubscriptionKeepsTheObserver) {
  ObserverList<> list;
  int calls = 0;
  Subscription a = list.Add([&] { ++calls; });
  Subscription b = std::move(a);
  a.Reset();  // moved-from: no effect
  list.Notify();
  EXPECT_EQ(calls, 1);
  b = Subscription();
  list.Notify();
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace haze
