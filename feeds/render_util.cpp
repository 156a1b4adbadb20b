#include "feeds/render_util.hpp"

#include "feeds/html.hpp"
#include "feeds/text.hpp"

namespace syndicated::feeds {

std::string entry_id(const Site& site, const core::Article& a) { return entry_id(site, a.id); }

std::string entry_id(const Site& site, std::string_view article_id) {
  std::string id = "tag:";
  id.append(site.tag_authority);
  id.push_back(':');
  id.append(percent_encode_tag_specific(article_id));
  return id;
}

std::string feed_id(const Site& site, const FeedSpec& feed) {
  std::string id = "tag:";
  id.append(site.tag_authority);
  id.push_back(':');
  id.append(percent_encode_tag_specific(feed.path));
  return id;
}

std::optional<core::Timestamp> newest_change(std::span<const core::Article* const> items) {
  std::optional<core::Timestamp> newest;
  for (const core::Article* a : items)
    if (!newest || a->modified() > *newest) newest = a->modified();
  return newest;
}

std::string plain_title(const core::Article& a) { return html_to_text(a.title); }

std::string resolved_body(const core::Article& a) { return resolve_html_urls(a.body_html, a.url); }

const PreparedItem& ItemCache::get(const core::Article& a) {
  std::lock_guard lock(mutex_);  // uncontended when the items were prepared before fanning out
  auto [it, inserted] = items_.try_emplace(&a);
  if (inserted) it->second = PreparedItem{entry_id(site_, a), plain_title(a), resolved_body(a)};
  return it->second;
}

}  // namespace syndicated::feeds
