#include "daemon/event_loop.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>
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

TEST(EventLoop, RunsWorkPostedFromOtherThreadsOnTheLoop) {
  core::SystemClock clock;
  EventLoop loop(clock);
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> seen;
  bool all_on_loop = true;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        loop.post([&, t, i] {
          all_on_loop = all_on_loop && std::this_thread::get_id() == loop_thread;
          seen.push_back(t * 100 + i);
          if (seen.size() == 100) loop.stop();
        });
      }
    });
  }
  loop.run();
  for (auto& th : threads) th.join();
  EXPECT_TRUE(all_on_loop);
  ASSERT_EQ(seen.size(), 100u);
  // Each thread's posts run in the order it posted them.
  for (int t = 0; t < 4; ++t) {
    int last = -1;
    for (int v : seen)
      if (v / 100 == t) {
        EXPECT_GT(v % 100, last);
        last = v % 100;
      }
  }
}

}  // namespace
}  // namespace syndicated::daemon
