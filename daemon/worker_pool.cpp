#include "daemon/worker_pool.hpp"

#include <exception>

namespace syndicated::daemon {

WorkerPool::WorkerPool(std::size_t threads) {
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

// Takes task indices until none are left. `lock` is held on entry and on return.
void WorkerPool::run_tasks(std::unique_lock<std::mutex>& lock) {
  while (task_ != nullptr && next_ < count_) {
    const std::size_t i = next_++;
    const auto* task = task_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*task)(i);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    if (error && !error_) error_ = error;
    if (++finished_ == count_) done_.notify_all();
  }
}

void WorkerPool::work() {
  std::unique_lock lock(mu_);
  std::size_t seen = generation_;
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    run_tasks(lock);
  }
}

void WorkerPool::parallel_for(std::size_t n, const std::function<void(std::size_t)>& task) {
  if (n == 0) return;
  if (threads_.empty() || n == 1) {
    for (std::size_t i = 0; i < n; ++i) task(i);
    return;
  }
  std::unique_lock lock(mu_);
  task_ = &task;
  next_ = 0;
  count_ = n;
  finished_ = 0;
  error_ = nullptr;
  ++generation_;
  wake_.notify_all();
  run_tasks(lock);
  done_.wait(lock, [&] { return finished_ == count_; });
  task_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace syndicated::daemon
