#pragma once
// Timers on the daemon's control loop. The real one is daemon::EventLoop (epoll + timerfd); tests
// use FakeClock (tests/fakes/fake_clock.hpp), which fires timers as the test advances time.
#include <cstdint>
#include <functional>

#include "core/clock.hpp"

namespace syndicated::core {

class Scheduler {
 public:
  using TimerId = std::uint64_t;  // never 0
  virtual ~Scheduler() = default;
  // Runs `fn` on the control loop once the monotonic time reaches `when` (at once if past).
  virtual TimerId call_at(MonotonicTime when, std::function<void()> fn) = 0;
  // Forgets a timer that has not fired; unknown or fired ids are ignored.
  virtual void cancel(TimerId id) = 0;
};

}  // namespace syndicated::core
