#pragma once
// The live heart of `serve`: keeps the article set, the feed index and the served table in step
// with the store. File events are batched (debounce), applied incrementally, and the changed
// documents are swapped into the server's table at once. Embargo lifts and tombstone expiries
// are timers; a full rescan runs at start, on watcher overflow and on an interval.
// Runs on the control loop only (one thread): no locks inside.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/scheduler.hpp"
#include "daemon/config.hpp"
#include "daemon/metrics.hpp"
#include "feeds/feed_index.hpp"
#include "http/resource.hpp"
#include "store/article_set.hpp"
#include "store/directory_watcher.hpp"

namespace spdlog {
class logger;
}

namespace syndicated::daemon {

// Where new tables go (the HTTP server in production, a recorder in tests).
class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual void publish(std::shared_ptr<const http::ResourceTable> table) = 0;
};

// Who else wants the store's changes (the syndication engine). Called on the control loop with
// every applied batch, after the articles were validated and before the feeds are rebuilt.
class ArticleObserver {
 public:
  virtual ~ArticleObserver() = default;
  virtual void on_articles(const std::vector<core::Article>& upserts,
                           const std::vector<std::string>& removed_ids) = 0;
};

class LiveService {
 public:
  // `parallel_for` fans the rendering of one update's documents out (empty: on this thread).
  LiveService(const Config& config, const core::Clock& clock, core::Scheduler& scheduler,
              Publisher& publisher, DaemonMetrics& metrics, spdlog::logger& store_log,
              spdlog::logger& log, feeds::FeedIndexOptions::ParallelFor parallel_for = {});
  ~LiveService();
  LiveService(const LiveService&) = delete;
  LiveService& operator=(const LiveService&) = delete;

  // Reads the whole store, publishes the first table and arms the timers.
  void start();
  // A batch from the store watcher. Applied after `store.debounce_ms` of quiet (at most
  // 10 × that after the first event), so that changes arriving together are applied together.
  void on_watch_batch(store::WatchBatch batch);
  // Reads the whole store again; only real differences change feeds.
  void rescan(const char* reason);
  // A new configuration (SIGHUP). Site and feed settings apply at once; settings that need a
  // restart (store path, listen address, threads) are reported and ignored.
  core::Status reconfigure(const Config& next);

  // Later batches also go to `observer` (nullptr: none).
  void set_observer(ArticleObserver* observer) { observer_ = observer; }
  // Every article in the store now (a copy), e.g. to start the syndication engine.
  std::vector<core::Article> articles() const;

  const feeds::Snapshot& snapshot() const { return *snapshot_; }
  std::size_t served_documents() const;
  const Config& config() const { return config_; }

 private:
  void flush_pending();
  void publish(const feeds::FeedIndex::Update& update, core::MonotonicTime started);
  void log_diagnostics(const std::vector<store::Diagnostic>& diagnostics);
  void apply(store::StoreChanges changes, core::MonotonicTime started);
  void arm_deadline();
  void arm_rescan();
  void update_article_metrics();

  Config config_;
  const core::Clock& clock_;
  core::Scheduler& scheduler_;
  Publisher& publisher_;
  DaemonMetrics& metrics_;
  spdlog::logger& store_log_;
  spdlog::logger& log_;
  feeds::FeedIndexOptions::ParallelFor parallel_for_;
  ArticleObserver* observer_ = nullptr;

  std::unique_ptr<store::ArticleParser> parser_;
  std::unique_ptr<store::ArticleSet> articles_;
  std::unique_ptr<feeds::FeedIndex> index_;
  std::shared_ptr<const feeds::Snapshot> snapshot_;
  std::shared_ptr<const http::ResourceTable> table_;

  std::vector<store::FileEvent> pending_;
  core::MonotonicTime first_pending_{};
  core::Scheduler::TimerId debounce_timer_ = 0;
  core::Scheduler::TimerId deadline_timer_ = 0;
  core::Scheduler::TimerId rescan_timer_ = 0;
};

}  // namespace syndicated::daemon
