#pragma once
// Which feeds exist (catalog) and which articles each holds (select).
#include <span>
#include <vector>

#include "core/article.hpp"
#include "feeds/model.hpp"

namespace syndicated::feeds {

// The site-wide feed, then one per category, author and tag seen among the visible articles
// (when enabled), then the custom feeds; a stable order (kind, then slug).
std::vector<FeedSpec> build_catalog(const Site& site, const FeedsConfig& config,
                                    std::span<const core::Article> articles, core::Timestamp now);

// The pieces of the catalog, shared with FeedIndex (which keeps the catalog up to date one change
// at a time instead of calling build_catalog):
// - the site-wide feed;
FeedSpec site_feed_spec(const Site& site, const FeedsConfig& config);
// - the feed of one category, author or tag (kind), titled with the term's display name;
FeedSpec term_feed_spec(const Site& site, const FeedsConfig& config, FeedKind kind,
                        const std::string& slug, const std::string& name);
// - the custom feeds with their defaults filled in (path, name, title, limit), sorted by name,
//   before the catalog drops those whose path is taken already.
std::vector<FeedSpec> custom_feed_specs(const Site& site, const FeedsConfig& config);

// Published, and not embargoed at `now` (published <= now).
bool is_visible(const core::Article& a, core::Timestamp now);

// The feed's items: visible, matching, newest `published` first, ties broken by id, at most
// feed.limit.
std::vector<const core::Article*> select_items(const FeedSpec& feed,
                                               std::span<const core::Article> articles,
                                               core::Timestamp now);

// The order of every feed: newest `published` first, then by id (ascending) for equal times.
bool newest_first(const core::Article& a, const core::Article& b);

// The visible articles, sorted newest_first. build_snapshot sorts once and groups from here.
std::vector<const core::Article*> visible_newest_first(std::span<const core::Article> articles,
                                                       core::Timestamp now);

}  // namespace syndicated::feeds
