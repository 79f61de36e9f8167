// ObserverList and Subscription: callbacks that cannot outlive their owner.
//
// Add() returns a move-only Subscription; destroying it (or calling Reset()) removes the callback.
// The list's state is shared with its subscriptions through a weak reference, so a subscription
// may also outlive the list (its reset then does nothing). Notify() looks each observer up again
// before calling it: an observer removed while the list is being notified (by itself or by
// another observer) is not called afterwards. Observers added during Notify() are called from the
// next Notify() on.
// Thread: single-threaded (use from one GMainContext).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace haze {

class Subscription {
 public:
  Subscription() = default;
  explicit Subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  ~Subscription() { Reset(); }
  Subscription(Subscription&& o) noexcept : cancel_(std::exchange(o.cancel_, nullptr)) {}
  Subscription& operator=(Subscription&& o) noexcept {
    if (this != &o) {
      Reset();
      cancel_ = std::exchange(o.cancel_, nullptr);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  void Reset() {
    if (auto cancel = std::exchange(cancel_, nullptr)) cancel();
  }
  explicit operator bool() const { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

template <typename... Args>
class ObserverList {
 public:
  using Observer = std::function<void(Args...)>;

  [[nodiscard]] Subscription Add(Observer observer) {
    uint64_t id = state_->next_id++;
    state_->observers.emplace(id, std::move(observer));
    std::weak_ptr<State> weak = state_;
    return Subscription([weak, id] {
      if (auto s = weak.lock()) s->observers.erase(id);
    });
  }

  void Notify(Args... args) const {
    std::shared_ptr<State> keep = state_;  // an observer may destroy the list's owner
    std::vector<uint64_t> ids;
    ids.reserve(keep->observers.size());
    for (const auto& [id, o] : keep->observers) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = keep->observers.find(id);
      if (it == keep->observers.end()) continue;
      Observer copy = it->second;  // the observer may unsubscribe itself while running
      copy(args...);
    }
  }

  size_t size() const { return state_->observers.size(); }
  void Clear() { state_->observers.clear(); }

 private:
  struct State {
    uint64_t next_id = 1;
    std::map<uint64_t, Observer> observers;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace haze
