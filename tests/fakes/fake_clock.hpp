#pragma once
// A clock and scheduler whose time only moves when the test says so (in the manner of Envoy's
// SimulatedTimeSystem). advance() moves wall and monotonic time together and fires, in order,
// every timer that falls due — including timers scheduled by the timers it fires.
#include <chrono>
#include <functional>
#include <map>
#include <utility>

#include "core/clock.hpp"
#include "core/scheduler.hpp"

namespace syndicated::testing {

class FakeClock final : public core::Clock, public core::Scheduler {
 public:
  explicit FakeClock(core::Timestamp wall = {1767225600, 0, 0})  // 2026-01-01T00:00:00Z
      : wall_(wall) {}

  core::Timestamp now() const override { return wall_; }
  core::MonotonicTime monotonic_now() const override { return mono_; }

  TimerId call_at(core::MonotonicTime when, std::function<void()> fn) override {
    TimerId id = next_id_++;
    timers_.emplace(std::make_pair(when, id), std::move(fn));
    return id;
  }
  void cancel(TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if (it->first.second == id) {
        timers_.erase(it);
        return;
      }
    }
  }

  // Moves time forward by `d`, firing due timers at their own times along the way.
  void advance(std::chrono::nanoseconds d) {
    const core::MonotonicTime end = mono_ + d;
    while (!timers_.empty() && timers_.begin()->first.first <= end) {
      auto node = timers_.extract(timers_.begin());
      move_to(std::max(node.key().first, mono_));
      node.mapped()();
    }
    move_to(end);
  }
  // Fires what is due now, without moving time.
  void run_due() { advance(std::chrono::nanoseconds(0)); }

  std::size_t pending_timers() const { return timers_.size(); }

 private:
  void move_to(core::MonotonicTime t) {
    auto delta = std::chrono::duration_cast<std::chrono::nanoseconds>(t - mono_).count();
    mono_ = t;
    std::int64_t nanos = wall_.nanos + delta % 1000000000;
    wall_.unix_seconds += delta / 1000000000 + nanos / 1000000000;
    wall_.nanos = static_cast<std::int32_t>(nanos % 1000000000);
  }

  core::Timestamp wall_;
  core::MonotonicTime mono_{std::chrono::hours(1000)};
  TimerId next_id_ = 1;
  std::map<std::pair<core::MonotonicTime, TimerId>, std::function<void()>> timers_;
};

}  // namespace syndicated::testing
