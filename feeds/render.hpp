#pragma once
// One renderer per format. Each takes the already selected items (newest first) and returns the
// document's bytes. Pure and deterministic.
#include <span>
#include <string>

#include "core/article.hpp"
#include "feeds/model.hpp"

namespace syndicated::feeds {

std::string render_rss(const Site& site, const FeedSpec& feed,
                       std::span<const core::Article* const> items);
std::string render_atom(const Site& site, const FeedSpec& feed,
                        std::span<const core::Article* const> items);
std::string render_json_feed(const Site& site, const FeedSpec& feed,
                             std::span<const core::Article* const> items);
std::string render(Format format, const Site& site, const FeedSpec& feed,
                   std::span<const core::Article* const> items);

// OPML 2.0 listing every feed (RSS URLs as xmlUrl, one outline per feed and format).
std::string render_opml(const Site& site, std::span<const FeedSpec> feeds);
// The HTML page at "/" listing the feeds, with <link rel="alternate"> discovery tags.
std::string render_index_html(const Site& site, std::span<const FeedSpec> feeds);

}  // namespace syndicated::feeds
