#pragma once
// outbox::Dispatcher for the daemon: one worker thread per account runs its blocking connector
// calls in order (a slow network never holds up another account), and each outcome goes back to
// the control loop through `post`.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "outbox/dispatcher.hpp"

namespace syndicated::daemon {

class ThreadDispatcher final : public outbox::Dispatcher {
 public:
  using Post = std::function<void(std::function<void()>)>;  // e.g. EventLoop::post
  explicit ThreadDispatcher(Post post);
  // Waits for the calls in flight (bounded by the HTTP clients' timeouts); drops queued ones.
  ~ThreadDispatcher() override;
  ThreadDispatcher(const ThreadDispatcher&) = delete;
  ThreadDispatcher& operator=(const ThreadDispatcher&) = delete;

  void run(const std::string& account, Work work, Done done) override;

 private:
  struct Lane {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::pair<Work, Done>> queue;
    bool stopping = false;
    std::thread thread;
  };
  void loop(Lane& lane);

  Post post_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Lane>> lanes_;
};

}  // namespace syndicated::daemon
