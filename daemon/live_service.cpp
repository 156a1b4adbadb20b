#include "daemon/live_service.hpp"

#include <spdlog/logger.h>

#include <algorithm>

#include "daemon/logging.hpp"
#include "daemon/publisher.hpp"
#include "daemon/wiring.hpp"

namespace syndicated::daemon {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

feeds::FeedIndexOptions index_options(const Config& c,
                                       feeds::FeedIndexOptions::ParallelFor parallel_for) {
  feeds::FeedIndexOptions o;
  o.tombstone_seconds = c.tombstone_seconds;
  o.parallel_for = std::move(parallel_for);
  return o;
}

}  // namespace

LiveService::LiveService(const Config& config, const core::Clock& clock,
                         core::Scheduler& scheduler, Publisher& publisher, DaemonMetrics& metrics,
                         spdlog::logger& store_log, spdlog::logger& log,
                         feeds::FeedIndexOptions::ParallelFor parallel_for)
    : config_(config),
      clock_(clock),
      scheduler_(scheduler),
      publisher_(publisher),
      metrics_(metrics),
      store_log_(store_log),
      log_(log),
      parallel_for_(std::move(parallel_for)),
      parser_(std::make_unique<store::ArticleParser>(parser_options(config))),
      articles_(std::make_unique<store::ArticleSet>(store_options(config), *parser_)),
      index_(std::make_unique<feeds::FeedIndex>(config.site, config.feeds,
                                                index_options(config, parallel_for_))),
      snapshot_(std::make_shared<const feeds::Snapshot>()),
      table_(std::make_shared<const http::ResourceTable>()) {}

LiveService::~LiveService() {
  for (auto id : {debounce_timer_, deadline_timer_, rescan_timer_})
    if (id) scheduler_.cancel(id);
}

std::size_t LiveService::served_documents() const { return table_->size(); }

void LiveService::start() {
  rescan("start");
  arm_rescan();
}

void LiveService::rescan(const char* reason) {
  const auto started = clock_.monotonic_now();
  metrics_.rescans.fetch_add(1, std::memory_order_relaxed);
  store::StoreChanges changes = articles_->rescan();
  log_.info("store scanned reason={} articles={} changed={} removed={} problems={}", reason,
            articles_->size(), changes.upserts.size(), changes.removed_ids.size(),
            changes.diagnostics.size());
  apply(std::move(changes), started);
}

void LiveService::on_watch_batch(store::WatchBatch batch) {
  metrics_.watcher_events.fetch_add(batch.events.size(), std::memory_order_relaxed);
  log_.debug("watch batch events={} overflow={} pending={}", batch.events.size(), batch.overflow,
             pending_.size());
  if (batch.overflow) {
    metrics_.watcher_overflows.fetch_add(1, std::memory_order_relaxed);
    log_.warn("inotify queue overflowed; rescanning the store");
    pending_.clear();
    if (debounce_timer_) scheduler_.cancel(debounce_timer_), debounce_timer_ = 0;
    rescan("overflow");
    return;
  }
  if (batch.events.empty()) return;
  const auto now = clock_.monotonic_now();
  if (pending_.empty()) first_pending_ = now;
  for (auto& e : batch.events) pending_.push_back(std::move(e));
  // Re-arm the quiet period, but never wait more than ten of them after the first event.
  if (debounce_timer_) scheduler_.cancel(debounce_timer_);
  const auto quiet = config_.debounce;
  const auto at = std::min(now + quiet, first_pending_ + quiet * 10);
  debounce_timer_ = scheduler_.call_at(at, [this] {
    debounce_timer_ = 0;
    flush_pending();
  });
}

void LiveService::flush_pending() {
  if (pending_.empty()) return;
  const auto started = first_pending_;
  std::vector<store::FileEvent> events;
  events.swap(pending_);
  auto changes = articles_->apply(events);
  log_.debug("store changes events={} upserts={} removed={} problems={}", events.size(),
             changes.upserts.size(), changes.removed_ids.size(), changes.diagnostics.size());
  apply(std::move(changes), started);
}

void LiveService::log_diagnostics(const std::vector<store::Diagnostic>& diagnostics) {
  log_skipped(store_log_, diagnostics);
  metrics_.store_errors.fetch_add(diagnostics.size(), std::memory_order_relaxed);
}

std::vector<core::Article> LiveService::articles() const {
  auto all = articles_->articles();
  default_language(all, config_.site.language);
  return all;
}

void LiveService::apply(store::StoreChanges changes, core::MonotonicTime started) {
  log_diagnostics(changes.diagnostics);
  if (changes.upserts.empty() && changes.removed_ids.empty() && table_->size() > 0) {
    update_article_metrics();
    return;
  }
  default_language(changes.upserts, config_.site.language);
  if (observer_) observer_->on_articles(changes.upserts, changes.removed_ids);
  auto update = index_->apply(std::move(changes.upserts), std::move(changes.removed_ids),
                              clock_.now());
  publish(update, started);
  update_article_metrics();
  arm_deadline();
}

void LiveService::publish(const feeds::FeedIndex::Update& update, core::MonotonicTime started) {
  snapshot_ = update.snapshot;
  if (!update.changed_paths.empty() || !update.removed_paths.empty() || table_->size() == 0) {
    std::vector<std::pair<std::string, http::Resource>> upserts;
    upserts.reserve(update.changed_paths.size());
    for (const std::string& path : update.changed_paths) {
      if (const feeds::Document* d = snapshot_->find(path))
        upserts.emplace_back(path, to_resource(*d));
    }
    if (table_->size() == 0) {
      table_ = to_resource_table(*snapshot_);
    } else {
      table_ = table_->with_changes(std::move(upserts), update.removed_paths);
    }
    publisher_.publish(table_);
    metrics_.feed_updates.fetch_add(1, std::memory_order_relaxed);
    metrics_.documents_rendered.fetch_add(update.changed_paths.size(), std::memory_order_relaxed);
    metrics_.documents.store(table_->size(), std::memory_order_relaxed);
    const double seconds =
        std::chrono::duration<double>(clock_.monotonic_now() - started).count();
    metrics_.render_seconds.observe(seconds);
    log_.debug("feeds updated changed={} removed={} seconds={:.4f}", update.changed_paths.size(),
               update.removed_paths.size(), seconds);
  }
}

void LiveService::arm_deadline() {
  if (deadline_timer_) scheduler_.cancel(deadline_timer_), deadline_timer_ = 0;
  auto next = index_->next_deadline();
  if (!next) return;
  // Wall-clock deadline -> monotonic timer; re-checked at least hourly so a clock step is caught.
  const core::Timestamp now = clock_.now();
  std::int64_t delta_ns = (next->unix_seconds - now.unix_seconds) * 1000000000LL +
                          (next->nanos - now.nanos);
  delta_ns = std::clamp<std::int64_t>(delta_ns, 0, 3600LL * 1000000000LL);
  deadline_timer_ =
      scheduler_.call_at(clock_.monotonic_now() + std::chrono::nanoseconds(delta_ns), [this] {
        deadline_timer_ = 0;
        const auto started = clock_.monotonic_now();
        auto update = index_->advance(clock_.now());
        publish(update, started);
        update_article_metrics();
        arm_deadline();
      });
}

void LiveService::arm_rescan() {
  if (config_.rescan_interval.count() <= 0) return;
  rescan_timer_ = scheduler_.call_at(clock_.monotonic_now() + config_.rescan_interval, [this] {
    rescan_timer_ = 0;
    rescan("interval");
    arm_rescan();
  });
}

void LiveService::update_article_metrics() {
  const feeds::ArticleCounts counts = index_->counts();
  metrics_.articles_published.store(counts.visible, std::memory_order_relaxed);
  metrics_.articles_embargoed.store(counts.embargoed, std::memory_order_relaxed);
  metrics_.articles_draft.store(counts.drafts, std::memory_order_relaxed);
  metrics_.articles_retracted.store(counts.retracted, std::memory_order_relaxed);
}

core::Status LiveService::reconfigure(const Config& next) {
  std::vector<std::string> ignored;
  if (next.store_path != config_.store_path) ignored.push_back("store.path");
  if (next.listen.to_string() != config_.listen.to_string()) ignored.push_back("server.listen");
  if (next.threads != config_.threads) ignored.push_back("server.threads");
  for (const auto& key : ignored)
    log_.warn("reload: '{}' changes only on restart; keeping the running value", key);

  Config merged = next;
  merged.store_path = config_.store_path;
  merged.listen = config_.listen;
  merged.threads = config_.threads;
  const auto started = clock_.monotonic_now();
  const bool parser_changed = merged.site.base_url != config_.site.base_url ||
                              merged.permalink != config_.permalink ||
                              merged.max_file_bytes != config_.max_file_bytes;
  config_ = merged;
  if (parser_changed) {
    // Canonical URLs depend on the base URL and permalink: parse everything again.
    parser_ = std::make_unique<store::ArticleParser>(parser_options(config_));
    articles_ = std::make_unique<store::ArticleSet>(store_options(config_), *parser_);
    auto changes = articles_->rescan();
    log_diagnostics(changes.diagnostics);
    default_language(changes.upserts, config_.site.language);
    if (observer_) observer_->on_articles(changes.upserts, changes.removed_ids);
    publish(index_->reconfigure(config_.site, config_.feeds, clock_.now()), started);
    publish(index_->reset(std::move(changes.upserts), clock_.now()), started);
  } else {
    auto update = index_->reconfigure(config_.site, config_.feeds, clock_.now());
    publish(update, started);
  }
  update_article_metrics();
  arm_deadline();
  return core::Ok{};
}

}  // namespace syndicated::daemon
