#pragma once
// The syndication engine: each article once per account, even across crashes.
//
// Single-threaded: every member is called on the daemon's control loop, and so are the
// Dispatcher's `done` callbacks and the Scheduler's timers. Connector calls (blocking) run
// through the Dispatcher. The ledger is the only memory of what was posted; the engine keeps the
// current articles (to compose at send time), one in-flight call per account and its timers.
// See outbox/README.md for the rules.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "connectors/connector.hpp"
#include "core/article.hpp"
#include "core/clock.hpp"
#include "core/scheduler.hpp"
#include "outbox/dispatcher.hpp"
#include "outbox/ledger.hpp"
#include "outbox/policy.hpp"

namespace syndicated::outbox {

// A row changed state (or, for sent → sent, its removal failed). For logs and metrics.
struct TransitionEvent {
  std::int64_t id = 0;
  std::string account;
  std::string article_id;
  State from = State::kPlanned;
  State to = State::kPlanned;
  int attempt = 0;
  std::string reason;
  std::string remote_url;
  // to == kSent: from the article's publication to the recorded answer.
  std::optional<std::chrono::nanoseconds> latency;
};

class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void on_transition(const TransitionEvent& /*event*/) {}
  // An account was stopped (401, X's 402, ...) and needs an operator: log at error level.
  virtual void on_alert(const std::string& /*account*/, const std::string& /*message*/) {}
  // The ledger failed (disk full, locked too long ...); the engine retries later.
  virtual void on_error(const core::Error& /*error*/) {}
};

struct EngineOptions {
  // Returns a number in [0, 1) for backoff jitter; empty = a PRNG seeded with `seed`.
  std::function<double()> jitter;
  std::uint64_t seed = 0x5eed;
  // How often the ledger is re-read for rows changed by another process (`outbox retry`).
  std::chrono::nanoseconds rescan_interval = std::chrono::seconds(30);
  EngineObserver* observer = nullptr;
};

struct AccountStats {
  std::string name;
  std::string network;
  bool stopped = false;
  std::string stop_reason;
  bool in_flight = false;
  std::uint64_t attempts = 0;  // publish requests started (a recovery lookup included)
  std::uint64_t sent = 0;
  std::uint64_t transient = 0;  // transient outcomes (retried or dead)
  std::uint64_t failed = 0;     // permanent outcomes, compose errors and dead deliveries
  std::uint64_t stops = 0;      // kStopAccount outcomes
  std::uint64_t deleted = 0;    // remote posts removed by retraction
};

struct EngineStats {
  std::vector<AccountStats> accounts;
  std::vector<StateCount> rows;  // the ledger's rows by account and state (empty on error)
  std::uint64_t ledger_errors = 0;
  std::uint64_t latency_count = 0;  // publish-to-post latency of sent rows, since start
  double latency_seconds_sum = 0;
};

class Engine {
 public:
  Engine(Ledger& ledger, const core::Clock& clock, core::Scheduler& scheduler,
         Dispatcher& dispatcher, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Adds an account, or replaces the policy and connector of one with the same name (reload):
  // a replaced account is resumed. The connector is shared with calls in flight.
  void add_account(AccountPolicy policy, std::shared_ptr<connectors::Connector> connector);
  // Forgets an account (reload without it); a call in flight still records its outcome.
  void remove_account(const std::string& name);
  // Lets a stopped account post again: its needs_reconnect rows are planned anew.
  void resume_account(const std::string& name);

  // The store's articles at start (and after a full rescan). Per account: a first start records
  // what is live and matching as skipped and posts nothing; later starts plan what is live,
  // matching, unknown to the ledger and young enough, resume planned rows, recover `sending`
  // rows (outcome unknown) and re-plan needs_reconnect rows.
  void start(const std::vector<core::Article>& current);
  // Store changes. Edits never repost; an embargoed article is planned when its time comes; a
  // retracted one cancels what has not gone out and, when the policy opts in, deletes what has.
  void upsert(const core::Article& article);
  void remove(const std::string& article_id);  // cancels pending rows; never deletes remotely

  // Re-reads due rows (another process may have changed the ledger); runs every
  // rescan_interval, and the daemon calls it on reload.
  void rescan();
  // No new calls start; calls in flight finish and record their outcome.
  void stop();
  bool idle() const;  // nothing in flight

  EngineStats stats();

 private:
  struct Account;
  struct Removal;

  const core::Article& remember(const core::Article& article);
  void start_account(Account& acc);
  void plan(const core::Article& article);
  void plan_for(Account& acc, const core::Article& article);
  void cancel(const std::string& article_id, const std::string& why, bool retracted);
  void arm_embargo(const core::Article& article);
  void pump(Account& acc);
  void pump_once(Account& acc);
  void dispatch_send(Account& acc, DeliveryRow row);
  void dispatch_removal(Account& acc);
  void on_sent_outcome(const std::string& name, const AccountPolicy& policy, DeliveryRow row,
                       const core::Article& article, bool found, connectors::Outcome outcome);
  void on_removal_outcome(const std::string& name, const AccountPolicy& policy, Removal removal,
                          connectors::Outcome outcome);
  void queue_removal(Account& acc, const DeliveryRow& row);
  void stop_account(Account& acc, const std::string& reason);
  void arm(Account& acc, core::MonotonicTime when);
  void retry_later(Account& acc);
  void arm_rescan();
  std::optional<DeliveryRow> move(const DeliveryRow& row, const Change& change);
  std::chrono::nanoseconds backoff(const AccountPolicy& policy, int attempts);
  core::MonotonicTime mono_at(const core::Timestamp& wall) const;
  static core::MonotonicTime mono_at(const core::Timestamp& wall, const core::Timestamp& now,
                                     core::MonotonicTime mono);
  bool live(const core::Article& article) const;
  void report(const core::Error& error);
  void emit(const DeliveryRow& before, const DeliveryRow& after,
            std::optional<std::chrono::nanoseconds> latency = std::nullopt);
  Account* find_account(const std::string& name);

  Ledger& ledger_;
  const core::Clock& clock_;
  core::Scheduler& scheduler_;
  Dispatcher& dispatcher_;
  EngineOptions options_;
  std::function<double()> jitter_;

  std::map<std::string, std::unique_ptr<Account>> accounts_;
  std::map<std::string, core::Article> articles_;  // the store's current articles, by id
  std::map<std::string, core::Scheduler::TimerId> embargo_timers_;
  core::Scheduler::TimerId rescan_timer_ = 0;
  std::set<std::int64_t> in_flight_rows_;  // rows whose publish call has not answered yet
  std::uint64_t in_flight_calls_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  std::uint64_t ledger_errors_ = 0;
  std::uint64_t latency_count_ = 0;
  double latency_seconds_sum_ = 0;
  // Checked by callbacks that may outlive the engine (dispatcher `done`).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace syndicated::outbox
