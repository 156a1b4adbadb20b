#pragma once
// Loads the whole article store once, logging each skipped article once, for `render`.
// (`serve` keeps the store live through LiveService instead.)
#include <cstddef>
#include <vector>

#include "daemon/config.hpp"
#include "store/article_store.hpp"

namespace spdlog {
class logger;
}

namespace syndicated::daemon {

class FeedService {
 public:
  FeedService(const Config& config, store::ArticleStore& store, spdlog::logger& store_log);

  // Reads every article; returns how many were skipped.
  std::size_t load();

  const std::vector<core::Article>& articles() const { return articles_; }

 private:
  const Config& config_;
  store::ArticleStore& store_;
  spdlog::logger& log_;
  std::vector<core::Article> articles_;
};

}  // namespace syndicated::daemon
