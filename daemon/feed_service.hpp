#pragma once
// Loads the article store and turns it into a feeds snapshot, logging each skipped article once.
// Shared by `serve` (which then publishes the snapshot) and `render`.
#include <memory>

#include "core/clock.hpp"
#include "daemon/config.hpp"
#include "feeds/snapshot.hpp"
#include "store/article_store.hpp"

namespace spdlog {
class logger;
}

namespace syndicated::daemon {

class FeedService {
 public:
  FeedService(const Config& config, store::ArticleStore& store, const core::Clock& clock,
              spdlog::logger& store_log);

  // Reads every article; returns how many were skipped.
  std::size_t load();
  // Renders everything for the current time.
  std::shared_ptr<const feeds::Snapshot> build() const;

  const std::vector<core::Article>& articles() const { return articles_; }

 private:
  const Config& config_;
  store::ArticleStore& store_;
  const core::Clock& clock_;
  spdlog::logger& log_;
  std::vector<core::Article> articles_;
};

}  // namespace syndicated::daemon
