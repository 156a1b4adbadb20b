// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). Keys keep a fixed order (ordered_json)
// and every string is cleaned first, so the output is deterministic and valid UTF-8.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <vector>

#include "core/time.hpp"
#include "feeds/render.hpp"
#include "feeds/render_util.hpp"
#include "feeds/text.hpp"

namespace syndicated::feeds {
namespace {

using Json = nlohmann::ordered_json;

Json author_json(std::string_view name, std::string_view url) {
  Json j = Json::object();
  if (!name.empty()) j["name"] = clean_text(name);
  if (!url.empty()) j["url"] = clean_text(url);
  return j;  // may be empty; the caller drops it (the schema wants at least one property)
}

constexpr int kIndent = 2;

std::string dump(const Json& j) {
  return j.dump(kIndent, ' ', false, Json::error_handler_t::replace);
}

Json item_json(const Site& site, const core::Article& a, const PreparedItem& p,
               std::string_view body) {
  Json item = Json::object();
  item["id"] = clean_text(p.id);
  if (!a.url.empty()) item["url"] = clean_text(a.url);
  item["title"] = p.title;
  if (!a.summary.empty()) item["summary"] = clean_text(a.summary);
  item["content_html"] = clean_text(body);
  if (!a.images.empty()) item["image"] = clean_text(a.images.front().url);
  item["date_published"] = core::format_rfc3339(a.published);
  item["date_modified"] = core::format_rfc3339(a.modified());
  Json authors = Json::array();
  for (const core::Author& au : a.authors)
    if (Json j = author_json(au.name, au.url); !j.empty()) authors.push_back(std::move(j));
  if (!authors.empty()) item["authors"] = std::move(authors);
  // Categories, then tags, by name; the schema wants unique items.
  std::vector<std::string> tags;
  for (const auto* terms : {&a.categories, &a.tags}) {
    for (const core::Term& t : *terms) {
      std::string name = clean_text(t.name);
      if (!name.empty() && std::find(tags.begin(), tags.end(), name) == tags.end())
        tags.push_back(std::move(name));
    }
  }
  if (!tags.empty()) item["tags"] = tags;
  item["language"] = clean_text(item_language(site, a));
  Json attachments = Json::array();
  std::vector<std::string> titles;  // equal titles would mark attachments as alternates
  for (const core::Image& img : a.images) {
    Json att = Json::object();
    att["url"] = clean_text(img.url);
    att["mime_type"] = img.type.empty() ? std::string("application/octet-stream")
                                        : clean_text(img.type);
    if (std::string title = clean_text(img.caption);
        !title.empty() && std::find(titles.begin(), titles.end(), title) == titles.end()) {
      titles.push_back(title);
      att["title"] = std::move(title);
    }
    if (img.length) att["size_in_bytes"] = *img.length;
    attachments.push_back(std::move(att));
  }
  if (!attachments.empty()) item["attachments"] = std::move(attachments);
  return item;
}

}  // namespace

// The item as nlohmann writes it as an element of "items" (two levels down): its own dump with
// every line indented by two more levels. Strings never hold a raw newline (dump escapes it).
std::string json_item_fragment(const Site& site, const core::Article& a, const PreparedItem& p,
                               std::string_view body) {
  const std::string own = dump(item_json(site, a, p, body));
  const std::string indent(2 * kIndent, ' ');
  std::string out;
  out.reserve(own.size() + own.size() / 16 + indent.size());
  out.append(indent);
  for (char c : own) {
    out.push_back(c);
    if (c == '\n') out.append(indent);
  }
  return out;
}

std::string render_json_feed(const Site& site, const FeedSpec& feed,
                             std::span<const core::Article* const> items) {
  ItemCache cache(site);
  return render_json_feed(site, feed, items, cache);
}

std::string render_json_feed(const Site& site, const FeedSpec& feed,
                             std::span<const core::Article* const> items, ItemCache& cache) {
  Json doc = Json::object();
  doc["version"] = "https://jsonfeed.org/version/1.1";
  doc["title"] = clean_text(feed.title);
  doc["home_page_url"] = clean_text(home_page(site));
  doc["feed_url"] = clean_text(feed_url(site, feed, Format::kJson));
  if (!feed.description.empty()) doc["description"] = clean_text(feed.description);
  if (!site.icon.empty()) doc["icon"] = clean_text(site.icon);
  if (!site.language.empty()) doc["language"] = clean_text(site.language);
  if (Json j = author_json(site.title, home_page(site)); !j.empty())
    doc["authors"] = Json::array({std::move(j)});
  if (items.empty()) {
    doc["items"] = Json::array();
    std::string out = dump(doc);
    out.push_back('\n');
    return out;
  }
  // "items" is the last key: the document without it, reopened, then the cached items as dump()
  // writes the elements of a non-empty array (",\n" between them, "\n  ]" after).
  std::vector<const PreparedItem*> prepared;
  prepared.reserve(items.size());
  std::string head = dump(doc);  // "{\n  ...\n}"
  std::size_t size = head.size() + 32;
  for (const core::Article* a : items) {
    prepared.push_back(&cache.get(*a));
    size += prepared.back()->json_item.size() + 2;
  }
  std::string out;
  out.reserve(size);
  out.append(head, 0, head.size() - 2);  // without "\n}"
  out.append(",\n  \"items\": [\n");
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    if (i > 0) out.append(",\n");
    out.append(prepared[i]->json_item);
  }
  out.append("\n  ]\n}\n");
  return out;
}

}  // namespace syndicated::feeds
