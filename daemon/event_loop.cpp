#include "daemon/event_loop.hpp"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace syndicated::daemon {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

EventLoop::EventLoop(const core::Clock& clock) : clock_(clock) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || timer_fd_ < 0 || wake_fd_ < 0)
    throw std::runtime_error("cannot create the control loop: " + errno_text());
  for (int fd : {timer_fd_, wake_fd_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
      throw std::runtime_error("cannot watch the control loop's fds: " + errno_text());
  }
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void EventLoop::run_posted() {
  std::uint64_t count;
  while (::read(wake_fd_, &count, sizeof count) > 0) {
  }
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

EventLoop::~EventLoop() {
  if (signal_fd_ >= 0) ::close(signal_fd_);
  if (timer_fd_ >= 0) ::close(timer_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

core::Status EventLoop::handle_signals(std::vector<int> signals, std::function<void(int)> handler) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
    return core::make_error(std::string("cannot block signals: ") + std::strerror(rc));
  signal_fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return core::make_error("cannot create a signalfd: " + errno_text());
  signal_handler_ = std::move(handler);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = signal_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd_, &ev) != 0)
    return core::make_error("cannot watch the signalfd: " + errno_text());
  return core::Ok{};
}

core::Status EventLoop::watch_fd(int fd, std::function<void()> on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
    return core::make_error("cannot watch fd " + std::to_string(fd) + ": " + errno_text());
  fds_[fd] = std::move(on_readable);
  return core::Ok{};
}

void EventLoop::unwatch_fd(int fd) {
  if (fds_.erase(fd)) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

core::Scheduler::TimerId EventLoop::call_at(core::MonotonicTime when, std::function<void()> fn) {
  TimerId id = next_id_++;
  callbacks_.emplace(id, std::move(fn));
  bool earliest = queue_.empty() || when < queue_.top().when;
  queue_.push({when, id});
  if (earliest) arm_timerfd();
  return id;
}

void EventLoop::cancel(TimerId id) { callbacks_.erase(id); }  // its queue entry is skipped later

void EventLoop::arm_timerfd() {
  while (!queue_.empty() && !callbacks_.count(queue_.top().id)) queue_.pop();
  itimerspec spec{};
  if (!queue_.empty()) {
    auto delay = queue_.top().when - clock_.monotonic_now();
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count();
    if (ns < 1) ns = 1;  // 0 would disarm
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  }
  ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

void EventLoop::fire_due_timers() {
  std::uint64_t expirations;
  while (::read(timer_fd_, &expirations, sizeof expirations) > 0) {
  }
  const auto now = clock_.monotonic_now();
  while (!queue_.empty() && queue_.top().when <= now) {
    TimerId id = queue_.top().id;
    queue_.pop();
    auto it = callbacks_.find(id);
    if (it == callbacks_.end()) continue;  // cancelled
    auto fn = std::move(it->second);
    callbacks_.erase(it);
    fn();
  }
  arm_timerfd();
}

void EventLoop::run() {
  stopping_ = false;
  epoll_event events[16];
  while (!stopping_) {
    int n = ::epoll_wait(epoll_fd_, events, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("epoll_wait failed: " + errno_text());
    }
    for (int i = 0; i < n && !stopping_; ++i) {
      int fd = events[i].data.fd;
      if (fd == timer_fd_) {
        fire_due_timers();
      } else if (fd == wake_fd_) {
        run_posted();
      } else if (fd == signal_fd_) {
        signalfd_siginfo info{};
        while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          if (signal_handler_) signal_handler_(static_cast<int>(info.ssi_signo));
        }
      } else if (auto it = fds_.find(fd); it != fds_.end()) {
        auto fn = it->second;  // the callback may unwatch itself
        fn();
      }
    }
  }
}

}  // namespace syndicated::daemon
