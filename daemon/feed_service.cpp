#include "daemon/feed_service.hpp"

#include <spdlog/logger.h>

#include "daemon/logging.hpp"
#include "daemon/wiring.hpp"

namespace syndicated::daemon {

FeedService::FeedService(const Config& config, store::ArticleStore& store,
                         const core::Clock& clock, spdlog::logger& store_log)
    : config_(config), store_(store), clock_(clock), log_(store_log) {}

std::size_t FeedService::load() {
  store::LoadResult result = store_.load_all();
  for (const store::Diagnostic& d : result.diagnostics) {
    log_.warn("article skipped file={} line={} reason={}", log_value(d.file), d.line,
              log_value(d.message));
  }
  articles_ = std::move(result.articles);
  default_language(articles_, config_.site.language);
  log_.info("store loaded path={} articles={} skipped={}", log_value(config_.store_path.string()),
            articles_.size(), result.diagnostics.size());
  return result.diagnostics.size();
}

std::shared_ptr<const feeds::Snapshot> FeedService::build() const {
  return std::make_shared<const feeds::Snapshot>(
      feeds::build_snapshot(config_.site, config_.feeds, articles_, clock_.now()));
}

}  // namespace syndicated::daemon
