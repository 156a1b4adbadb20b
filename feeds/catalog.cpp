#include "feeds/catalog.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "feeds/text.hpp"

namespace syndicated::feeds {
namespace {

// The display name of a slug: the one used by the newest article that carries it, so a renamed
// category shows its new name and the choice does not depend on the input order.
struct TermSeen {
  std::string name;
  const core::Article* by = nullptr;
};

void note(std::map<std::string, TermSeen>& seen, const std::string& slug, const std::string& name,
          const core::Article& a) {
  if (slug.empty()) return;
  TermSeen& t = seen[slug];
  if (t.by == nullptr || newest_first(a, *t.by)) {
    t.name = name;
    t.by = &a;
  }
}

}  // namespace

FeedSpec site_feed_spec(const Site& site, const FeedsConfig& config) {
  FeedSpec f;
  f.kind = FeedKind::kSite;
  f.name = "site";
  f.path = "/feed";
  f.title = site.title;
  f.description = site.description;
  f.limit = config.default_limit;
  return f;
}

FeedSpec term_feed_spec(const Site& site, const FeedsConfig& config, FeedKind kind,
                        const std::string& slug, const std::string& name) {
  FeedSpec f;
  f.kind = kind;
  f.name = slug;
  const std::string display = html_to_text(name);
  f.title = site.title + " — " + display;
  std::string_view prefix;
  switch (kind) {
    case FeedKind::kCategory:
      prefix = "/category/";
      f.description = "Articles in the category “" + display + "”";
      f.filter.categories = {slug};
      break;
    case FeedKind::kAuthor:
      prefix = "/author/";
      f.description = "Articles by " + display;
      f.filter.authors = {slug};
      break;
    case FeedKind::kTag:
      prefix = "/tag/";
      f.description = "Articles tagged “" + display + "”";
      f.filter.tags = {slug};
      break;
    default: break;
  }
  f.path = std::string(prefix) + percent_encode(slug) + "/feed";
  f.limit = config.default_limit;
  return f;
}

std::vector<FeedSpec> custom_feed_specs(const Site& site, const FeedsConfig& config) {
  std::vector<FeedSpec> custom;
  for (FeedSpec f : config.custom) {
    if (f.name.empty() && f.path.empty()) continue;
    f.kind = FeedKind::kCustom;
    if (f.path.empty()) f.path = "/feeds/" + percent_encode(f.name) + "/feed";
    if (f.path.front() != '/') f.path.insert(f.path.begin(), '/');
    if (f.name.empty()) f.name = f.path;
    if (f.title.empty()) f.title = site.title + " — " + f.name;
    if (f.limit == 0) f.limit = config.default_limit;  // 0 = "not set"
    custom.push_back(std::move(f));
  }
  std::stable_sort(custom.begin(), custom.end(),
                   [](const FeedSpec& a, const FeedSpec& b) { return a.name < b.name; });
  return custom;
}

bool newest_first(const core::Article& a, const core::Article& b) {
  if (a.published != b.published) return a.published > b.published;
  return a.id < b.id;
}

bool is_visible(const core::Article& a, core::Timestamp now) {
  return a.status == core::ArticleStatus::kPublished && a.published <= now;
}

std::vector<const core::Article*> visible_newest_first(std::span<const core::Article> articles,
                                                       core::Timestamp now) {
  std::vector<const core::Article*> out;
  out.reserve(articles.size());
  for (const core::Article& a : articles)
    if (is_visible(a, now)) out.push_back(&a);
  std::sort(out.begin(), out.end(),
            [](const core::Article* x, const core::Article* y) { return newest_first(*x, *y); });
  return out;
}

std::vector<FeedSpec> build_catalog(const Site& site, const FeedsConfig& config,
                                    std::span<const core::Article> articles,
                                    core::Timestamp now) {
  std::map<std::string, TermSeen> categories, authors, tags;
  for (const core::Article& a : articles) {
    if (!is_visible(a, now)) continue;
    if (config.category_feeds)
      for (const core::Term& t : a.categories) note(categories, t.slug, t.name, a);
    if (config.author_feeds)
      for (const core::Author& au : a.authors) note(authors, au.slug, au.name, a);
    if (config.tag_feeds)
      for (const core::Term& t : a.tags) note(tags, t.slug, t.name, a);
  }

  std::vector<FeedSpec> feeds;
  feeds.reserve(1 + categories.size() + authors.size() + tags.size() + config.custom.size());
  feeds.push_back(site_feed_spec(site, config));
  for (const auto& [slug, seen] : categories)
    feeds.push_back(term_feed_spec(site, config, FeedKind::kCategory, slug, seen.name));
  for (const auto& [slug, seen] : authors)
    feeds.push_back(term_feed_spec(site, config, FeedKind::kAuthor, slug, seen.name));
  for (const auto& [slug, seen] : tags)
    feeds.push_back(term_feed_spec(site, config, FeedKind::kTag, slug, seen.name));

  // Custom feeds, by name; one whose path is taken already is dropped (paths are identities).
  std::set<std::string> paths;
  for (const FeedSpec& f : feeds) paths.insert(f.path);
  for (FeedSpec& f : custom_feed_specs(site, config))
    if (paths.insert(f.path).second) feeds.push_back(std::move(f));
  return feeds;
}

std::vector<const core::Article*> select_items(const FeedSpec& feed,
                                               std::span<const core::Article> articles,
                                               core::Timestamp now) {
  std::vector<const core::Article*> out;
  for (const core::Article& a : articles)
    if (is_visible(a, now) && feed.filter.matches(a)) out.push_back(&a);
  const auto cmp = [](const core::Article* x, const core::Article* y) {
    return newest_first(*x, *y);
  };
  if (out.size() > feed.limit) {
    // Only the first `limit` need sorting: O(n log limit) instead of O(n log n).
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(feed.limit),
                      out.end(), cmp);
    out.resize(feed.limit);
  } else {
    std::sort(out.begin(), out.end(), cmp);
  }
  return out;
}

}  // namespace syndicated::feeds
