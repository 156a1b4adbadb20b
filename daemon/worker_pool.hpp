#pragma once
// A small fixed pool for the control loop's CPU-bound fan-out (rendering and compressing the
// documents of one update in parallel). parallel_for(n, task) runs task(0..n-1) on the pool's
// threads and the caller's, and returns when all are done. Keeps compression off the I/O threads.
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace syndicated::daemon {

class WorkerPool {
 public:
  // `threads` helpers besides the caller (0: everything runs on the caller).
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Not reentrant: one parallel_for at a time (the control loop is one thread).
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& task);

 private:
  void work();
  void run_tasks(std::unique_lock<std::mutex>& lock);

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  std::size_t finished_ = 0;
  std::size_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace syndicated::daemon
