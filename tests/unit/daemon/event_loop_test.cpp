#include "daemon/event_loop.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

namespace syndicated::daemon {
namespace {

TEST(EventLoop, FiresTimersInOrderAndSkipsCancelled) {
  core::SystemClock clock;
  EventLoop loop(clock);
  std::vector<int> fired;
  const auto now = clock.monotonic_now();
  loop.call_at(now + std::chrono::milliseconds(30), [&] {
    fired.push_back(3);
    loop.stop();
  });
  loop.call_at(now + std::chrono::milliseconds(10), [&] { fired.push_back(1); });
  auto cancelled = loop.call_at(now + std::chrono::milliseconds(20), [&] { fired.push_back(2); });
  loop.call_at(now - std::chrono::milliseconds(5), [&] { fired.push_back(0); });  // past: at once
  loop.cancel(cancelled);
  loop.run();
  EXPECT_EQ(fired, (std::vector<int>{0, 1, 3}));
}

TEST(EventLoop, CallsBackWhenAnFdIsReadable) {
  core::SystemClock clock;
  EventLoop loop(clock);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string got;
  ASSERT_TRUE(loop.watch_fd(fds[0], [&] {
                    char buf[16];
                    ssize_t n = ::read(fds[0], buf, sizeof buf);
                    got.append(buf, static_cast<std::size_t>(n));
                    loop.stop();
                  })
                  .ok());
  loop.call_at(clock.monotonic_now() + std::chrono::milliseconds(5),
               [&] { ASSERT_EQ(::write(fds[1], "hi", 2), 2); });
  loop.run();
  EXPECT_EQ(got, "hi");
  loop.unwatch_fd(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, TimersScheduledFromTimersRun) {
  core::SystemClock clock;
  EventLoop loop(clock);
  int count = 0;
  std::function<void()> tick = [&] {
    if (++count == 5) {
      loop.stop();
      return;
    }
    loop.call_at(clock.monotonic_now() + std::chrono::milliseconds(1), tick);
  };
  loop.call_at(clock.monotonic_now(), tick);
  loop.run();
  EXPECT_EQ(count, 5);
}

}  // namespace
}  // namespace syndicated::daemon
