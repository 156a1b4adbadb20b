#pragma once
// Pieces the renderers share (internal to feeds/): identities, the newest change, titles and
// bodies prepared for output.
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/article.hpp"
#include "feeds/model.hpp"

namespace syndicated::feeds {

inline constexpr std::string_view kGenerator = "syndicated";

// "tag:<authority>:<article id, percent-encoded where RFC 4151 needs it>". Never changes.
std::string entry_id(const Site& site, const core::Article& a);
std::string entry_id(const Site& site, std::string_view article_id);
// "tag:<authority>:<feed path>", e.g. "tag:apa.az,2024:/category/politics/feed".
std::string feed_id(const Site& site, const FeedSpec& feed);

// The newest modified() among the items (compared as instants; written in its own offset).
std::optional<core::Timestamp> newest_change(std::span<const core::Article* const> items);

// The article's title as plain text (HTML stripped, entities decoded).
std::string plain_title(const core::Article& a);
// The body with relative URLs resolved against the article URL.
std::string resolved_body(const core::Article& a);
// The article's language, or the site's when the article has none.
inline std::string_view item_language(const Site& site, const core::Article& a) {
  return a.language.empty() ? std::string_view(site.language) : std::string_view(a.language);
}
// The home page of the site: base_url as configured.
inline const std::string& home_page(const Site& site) { return site.base_url; }

// What each renderer derives from an article, computed once per article and shared by the three
// formats of a feed (build_snapshot keeps one cache per feed: memory stays bounded by its limit):
// the item as each format writes it, so that re-rendering a feed whose items are cached only
// copies bytes. The fragments do not depend on the feed, only on the site and the article.
struct PreparedItem {
  std::string id;          // entry_id()
  std::string title;       // plain_title()
  std::string rss_item;    // "\n    <item>...</item>" (XmlWriter fragment at depth 2)
  std::string atom_entry;  // "\n  <entry ...>...</entry>" (depth 1)
  std::string json_item;   // "    {...}": the item object as nlohmann dumps it inside "items"
};
PreparedItem prepare_item(const Site& site, const core::Article& a);
// The fragments, from id, title and the resolved body (render_rss.cpp, render_atom.cpp,
// render_json.cpp).
std::string rss_item_fragment(const core::Article& a, const PreparedItem& p,
                              std::string_view body);
std::string atom_entry_fragment(const Site& site, const core::Article& a, const PreparedItem& p,
                                std::string_view body);
std::string json_item_fragment(const Site& site, const core::Article& a, const PreparedItem& p,
                               std::string_view body);

// get() and contains() may be called from several threads at once (FeedIndex prepares items and
// renders documents in parallel);
// size(), clear() and erase() may not run concurrently with anything else. References returned
// stay valid until the entry is erased or the cache cleared.
class ItemCache {
 public:
  explicit ItemCache(const Site& site) : site_(site) {}
  const PreparedItem& get(const core::Article& a);
  bool contains(const core::Article& a);
  std::size_t size() const { return items_.size(); }
  void clear() { items_.clear(); }
  // Forgets one article (FeedIndex keeps a cache across updates and must drop an article before
  // its address can be reused).
  void erase(const core::Article& a) { items_.erase(&a); }

 private:
  const Site& site_;
  std::mutex mutex_;  // guards items_ in get()
  std::unordered_map<const core::Article*, PreparedItem> items_;
};

// An RFC 6721 tombstone: <at:deleted-entry ref="<entry id>" when="<RFC 3339>"/> in an Atom feed,
// telling readers that an entry they may hold was withdrawn (see FeedIndex for when).
inline constexpr std::string_view kTombstonesNamespace = "http://purl.org/atompub/tombstones/1.0";
struct DeletedEntry {
  std::string ref;       // entry_id() of the withdrawn article
  core::Timestamp when;  // when it was withdrawn
};

// The renderers with a cache supplied by the caller (the public ones make their own).
std::string render_rss(const Site& site, const FeedSpec& feed,
                       std::span<const core::Article* const> items, ItemCache& cache);
std::string render_atom(const Site& site, const FeedSpec& feed,
                        std::span<const core::Article* const> items, ItemCache& cache);
// Atom with tombstones, written after the feed's metadata and before the entries (RFC 4287's
// schema allows extension elements only there). With none, the same bytes as render_atom.
std::string render_atom(const Site& site, const FeedSpec& feed,
                        std::span<const core::Article* const> items, ItemCache& cache,
                        std::span<const DeletedEntry> deleted);
std::string render_json_feed(const Site& site, const FeedSpec& feed,
                             std::span<const core::Article* const> items, ItemCache& cache);
std::string render(Format format, const Site& site, const FeedSpec& feed,
                   std::span<const core::Article* const> items, ItemCache& cache);

}  // namespace syndicated::feeds

