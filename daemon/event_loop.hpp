#pragma once
// The daemon's control loop: one thread, epoll over a timerfd (all timers), a signalfd (SIGHUP,
// SIGTERM, SIGINT) and whatever file descriptors are added (the store watcher's inotify fd).
// Rebuilding feeds, reloading and systemd notification all happen here, never on the HTTP I/O
// threads.
#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <vector>

#include "core/result.hpp"
#include "core/scheduler.hpp"

namespace syndicated::daemon {

class EventLoop final : public core::Scheduler {
 public:
  // `clock` gives the monotonic time the timers are measured against.
  explicit EventLoop(const core::Clock& clock);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Blocks `signals` for the whole process (call before any thread starts) and delivers them to
  // `handler` on the loop.
  core::Status handle_signals(std::vector<int> signals, std::function<void(int)> handler);
  // Calls `on_readable` on the loop whenever `fd` is readable. The fd stays owned by the caller.
  core::Status watch_fd(int fd, std::function<void()> on_readable);
  void unwatch_fd(int fd);

  // Runs `fn` on the loop soon. The one method that any thread may call (worker threads hand
  // their results back through it).
  void post(std::function<void()> fn);

  TimerId call_at(core::MonotonicTime when, std::function<void()> fn) override;
  void cancel(TimerId id) override;

  // Runs until stop(). A callback that throws is logged by the caller's wrapper, not here: it
  // propagates out of run().
  void run();
  void stop() { stopping_ = true; }

 private:
  void arm_timerfd();
  void fire_due_timers();
  void run_posted();

  struct Timer {
    core::MonotonicTime when;
    TimerId id;
    bool operator>(const Timer& o) const { return when != o.when ? when > o.when : id > o.id; }
  };

  const core::Clock& clock_;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int signal_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: post() was called
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  bool stopping_ = false;
  TimerId next_id_ = 1;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> queue_;
  std::map<TimerId, std::function<void()>> callbacks_;  // live timers
  std::map<int, std::function<void()>> fds_;
  std::function<void(int)> signal_handler_;
};

}  // namespace syndicated::daemon
