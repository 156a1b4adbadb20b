#pragma once
// Where the engine's blocking connector calls run. The engine lives on the control loop and never
// blocks: it hands each call (publish, find, remove) to a Dispatcher, which runs `work` elsewhere
// (the daemon's implementation: a worker thread) and calls `done` back ON THE CONTROL LOOP with
// the outcome. `done` must be called at most once; a dispatcher that is destroyed with calls
// pending may drop them (the ledger row stays `sending` and is recovered at the next start).
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <utility>

#include "connectors/connector.hpp"

namespace syndicated::outbox {

class Dispatcher {
 public:
  using Work = std::function<connectors::Outcome()>;
  using Done = std::function<void(connectors::Outcome)>;
  virtual ~Dispatcher() = default;
  // `account` names the account the call is for (a dispatcher may keep one queue per account).
  virtual void run(const std::string& account, Work work, Done done) = 0;
};

// Runs the call at once, on the caller's thread (tests, one-shot tools).
class InlineDispatcher final : public Dispatcher {
 public:
  void run(const std::string& /*account*/, Work work, Done done) override { done(work()); }
};

// Holds calls until the test lets them go: keeps a call "in flight", or simulates a crash before
// the request left (drop_all) or after it reached the network but before its answer was recorded
// (lose_answer_next).
class QueuedDispatcher final : public Dispatcher {
 public:
  void run(const std::string& account, Work work, Done done) override {
    calls_.push_back(Call{account, std::move(work), std::move(done)});
  }
  std::size_t pending() const { return calls_.size(); }
  const std::string& next_account() const { return calls_.front().account; }

  // Runs the oldest call and hands its outcome back. False when nothing is pending.
  bool complete_next() {
    if (calls_.empty()) return false;
    Call call = std::move(calls_.front());
    calls_.pop_front();
    call.done(call.work());
    return true;
  }
  void complete_all() {
    while (complete_next()) {
    }
  }
  // Runs the oldest call's request but never reports its answer (the process died meanwhile).
  bool lose_answer_next() {
    if (calls_.empty()) return false;
    Call call = std::move(calls_.front());
    calls_.pop_front();
    (void)call.work();
    return true;
  }
  // Forgets every pending call: none of their requests left.
  void drop_all() { calls_.clear(); }

 private:
  struct Call {
    std::string account;
    Work work;
    Done done;
  };
  std::deque<Call> calls_;
};

}  // namespace syndicated::outbox
