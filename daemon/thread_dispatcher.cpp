#include "daemon/thread_dispatcher.hpp"

#include <exception>

namespace syndicated::daemon {

ThreadDispatcher::ThreadDispatcher(Post post) : post_(std::move(post)) {}

ThreadDispatcher::~ThreadDispatcher() {
  std::lock_guard lock(mu_);
  for (auto& [_, lane] : lanes_) {
    {
      std::lock_guard lane_lock(lane->mu);
      lane->stopping = true;
      lane->queue.clear();
    }
    lane->cv.notify_all();
  }
  for (auto& [_, lane] : lanes_)
    if (lane->thread.joinable()) lane->thread.join();
}

void ThreadDispatcher::run(const std::string& account, Work work, Done done) {
  Lane* lane = nullptr;
  {
    std::lock_guard lock(mu_);
    auto& slot = lanes_[account];
    if (!slot) {
      slot = std::make_unique<Lane>();
      Lane* raw = slot.get();
      raw->thread = std::thread([this, raw] { loop(*raw); });
    }
    lane = slot.get();
  }
  {
    std::lock_guard lane_lock(lane->mu);
    lane->queue.emplace_back(std::move(work), std::move(done));
  }
  lane->cv.notify_one();
}

void ThreadDispatcher::loop(Lane& lane) {
  for (;;) {
    std::pair<Work, Done> call;
    {
      std::unique_lock lock(lane.mu);
      lane.cv.wait(lock, [&] { return lane.stopping || !lane.queue.empty(); });
      if (lane.stopping) return;
      call = std::move(lane.queue.front());
      lane.queue.pop_front();
    }
    connectors::Outcome outcome;
    try {
      outcome = call.first();
    } catch (const std::exception& e) {
      // A connector that throws loses this attempt only; the engine treats it as transient.
      outcome.kind = connectors::Outcome::Kind::kTransient;
      outcome.reason = std::string("connector error: ") + e.what();
    }
    post_([done = std::move(call.second), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));
    });
  }
}

}  // namespace syndicated::daemon
