#include "daemon/feed_service.hpp"

#include <spdlog/logger.h>

#include "daemon/logging.hpp"
#include "daemon/wiring.hpp"

namespace syndicated::daemon {

FeedService::FeedService(const Config& config, store::ArticleStore& store,
                         spdlog::logger& store_log)
    : config_(config), store_(store), log_(store_log) {}

std::size_t FeedService::load() {
  store::LoadResult result = store_.load_all();
  log_skipped(log_, result.diagnostics);
  articles_ = std::move(result.articles);
  default_language(articles_, config_.site.language);
  log_.info("store loaded path={} articles={} skipped={}", log_value(config_.store_path.string()),
            articles_.size(), result.diagnostics.size());
  return result.diagnostics.size();
}

}  // namespace syndicated::daemon
