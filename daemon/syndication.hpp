#pragma once
// The running daemon's syndication: the ledger, one connector and one worker lane per account,
// and the outbox engine, fed with the store's changes by LiveService. Runs on the control loop;
// connector calls run on the ThreadDispatcher's threads. Logs every transition (never a secret)
// and keeps the counters /metrics shows.
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/article.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/scheduler.hpp"
#include "daemon/accounts.hpp"
#include "daemon/config.hpp"
#include "daemon/thread_dispatcher.hpp"
#include "outbox/engine.hpp"
#include "outbox/sqlite_ledger.hpp"

namespace spdlog {
class logger;
}

namespace syndicated::daemon {

class Syndication final : private outbox::EngineObserver {
 public:
  // Opens the ledger (creating its directory) and builds every enabled account. Errors are
  // start-up errors: a bad account option, unreadable credentials, an unusable database.
  static core::Result<std::unique_ptr<Syndication>> create(
      const Config& config, const connectors::Registry& registry, const core::Clock& clock,
      core::Scheduler& scheduler, ThreadDispatcher::Post post, spdlog::logger& log);
  ~Syndication() override;

  // The store as it is at start-up, then its changes.
  void start(const std::vector<core::Article>& current);
  void on_changes(const std::vector<core::Article>& upserts,
                  const std::vector<std::string>& removed_ids);
  // Reload: accounts are rebuilt from `next` (all or nothing: on an error the running ones stay),
  // stopped accounts resume, and the ledger is re-read (e.g. after `outbox retry`).
  core::Status reconfigure(const Config& next);
  // No new requests; the ones in flight finish and are recorded.
  void stop();
  bool idle() const;
  std::size_t accounts() const { return account_names_.size(); }

  // Prometheus text for the syndication series (safe to call from any thread).
  std::string metrics_text() const;

 private:
  Syndication(const Config& config, const connectors::Registry& registry,
              const core::Clock& clock, core::Scheduler& scheduler, ThreadDispatcher::Post post,
              spdlog::logger& log, std::unique_ptr<outbox::SqliteLedger> ledger);
  void add_accounts(std::vector<BuiltAccount> built);
  void refresh_metrics();
  void arm_metrics_refresh();

  void on_transition(const outbox::TransitionEvent& event) override;
  void on_alert(const std::string& account, const std::string& message) override;
  void on_error(const core::Error& error) override;

  const connectors::Registry& registry_;
  const core::Clock& clock_;
  core::Scheduler& scheduler_;
  spdlog::logger& log_;
  Config config_;
  std::unique_ptr<outbox::SqliteLedger> ledger_;
  ThreadDispatcher dispatcher_;
  std::unique_ptr<outbox::Engine> engine_;
  std::vector<std::string> account_names_;
  core::Scheduler::TimerId metrics_timer_ = 0;
  bool refresh_pending_ = false;

  // Publish-to-post latency (seconds), fixed buckets.
  static constexpr std::array<double, 13> kLatencyBounds = {
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
  mutable std::mutex metrics_mu_;
  std::string metrics_text_;  // the engine's and ledger's series, refreshed on the loop
  std::array<std::uint64_t, kLatencyBounds.size() + 1> latency_buckets_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
  std::map<std::string, std::uint64_t> alerts_;  // by account
};

}  // namespace syndicated::daemon
