#pragma once
// The only door to the time. Everything that needs "now" is handed a Clock&;
// tests hand it a FakeClock (tests/fakes/fake_clock.hpp).
#include <chrono>

#include "core/time.hpp"

namespace syndicated::core {

using MonotonicTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time, for embargoes and dates.
  virtual Timestamp now() const = 0;
  // Steady time, for durations and deadlines.
  virtual MonotonicTime monotonic_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
  MonotonicTime monotonic_now() const override;
};

}  // namespace syndicated::core
