#include "core/clock.hpp"

namespace syndicated::core {

Timestamp SystemClock::now() const {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  auto secs = std::chrono::floor<std::chrono::seconds>(since);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs);
  return Timestamp{secs.count(), static_cast<std::int32_t>(nanos.count()), 0};
}

MonotonicTime SystemClock::monotonic_now() const { return std::chrono::steady_clock::now(); }

}  // namespace syndicated::core
