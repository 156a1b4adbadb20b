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

PreparedItem prepare_item(const Site& site, const core::Article& a) {
  PreparedItem p;
  p.id = entry_id(site, a);
  p.title = plain_title(a);
  const std::string body = resolved_body(a);
  p.rss_item = rss_item_fragment(a, p, body);
  p.atom_entry = atom_entry_fragment(site, a, p, body);
  p.json_item = json_item_fragment(site, a, p, body);
  return p;
}

const PreparedItem& ItemCache::get(const core::Article& a) {
  {
    std::lock_guard lock(mutex_);
    auto it = items_.find(&a);
    if (it != items_.end()) return it->second;
  }
  PreparedItem p = prepare_item(site_, a);  // outside the lock: threads prepare in parallel
  std::lock_guard lock(mutex_);
  return items_.try_emplace(&a, std::move(p)).first->second;  // the first one in wins
}

bool ItemCache::contains(const core::Article& a) {
  std::lock_guard lock(mutex_);
  return items_.count(&a) != 0;
}

}  // namespace syndicated::feeds
