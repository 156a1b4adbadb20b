#include "feeds/model.hpp"

#include <algorithm>

namespace syndicated::feeds {
namespace {

bool contains_slug(const std::vector<core::Term>& terms, const std::string& slug) {
  return std::any_of(terms.begin(), terms.end(), [&](const core::Term& t) { return t.slug == slug; });
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// BCP 47 matching as in RFC 4647 "basic filtering": "en" matches "en" and "en-GB", case-insensitive.
bool language_matches(std::string_view range, std::string_view tag) {
  if (range.empty() || tag.size() < range.size()) return false;
  for (std::size_t i = 0; i < range.size(); ++i)
    if (ascii_lower(range[i]) != ascii_lower(tag[i])) return false;
  return tag.size() == range.size() || tag[range.size()] == '-';
}

template <class Pred>
bool any_value(const std::vector<std::string>& values, Pred pred) {
  return values.empty() || std::any_of(values.begin(), values.end(), pred);
}

}  // namespace

const char* to_string(FeedKind k) {
  switch (k) {
    case FeedKind::kSite: return "site";
    case FeedKind::kCategory: return "category";
    case FeedKind::kAuthor: return "author";
    case FeedKind::kTag: return "tag";
    case FeedKind::kCustom: return "custom";
  }
  return "?";
}

const char* to_string(Format f) {
  switch (f) {
    case Format::kRss: return "RSS";
    case Format::kAtom: return "Atom";
    case Format::kJson: return "JSON Feed";
  }
  return "?";
}

const char* extension(Format f) {
  switch (f) {
    case Format::kRss: return ".xml";
    case Format::kAtom: return ".atom";
    case Format::kJson: return ".json";
  }
  return "";
}

const char* content_type(Format f) {
  switch (f) {
    case Format::kRss: return "application/rss+xml; charset=utf-8";
    case Format::kAtom: return "application/atom+xml; charset=utf-8";
    case Format::kJson: return "application/feed+json; charset=utf-8";
  }
  return "application/octet-stream";
}

const char* media_type(Format f) {
  switch (f) {
    case Format::kRss: return "application/rss+xml";
    case Format::kAtom: return "application/atom+xml";
    case Format::kJson: return "application/feed+json";
  }
  return "application/octet-stream";
}

bool FeedFilter::matches(const core::Article& a) const {
  return any_value(categories, [&](const std::string& s) { return contains_slug(a.categories, s); }) &&
         any_value(tags, [&](const std::string& s) { return contains_slug(a.tags, s); }) &&
         any_value(authors,
                   [&](const std::string& s) {
                     return std::any_of(a.authors.begin(), a.authors.end(),
                                        [&](const core::Author& au) { return au.slug == s; });
                   }) &&
         any_value(languages, [&](const std::string& s) { return language_matches(s, a.language); });
}

std::string feed_url(const Site& site, const FeedSpec& feed, Format f) {
  return absolute_url(site, feed.path + extension(f));
}

std::string absolute_url(const Site& site, std::string_view path) {
  std::string_view base = site.base_url;
  if (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string out;
  out.reserve(base.size() + path.size());
  out.append(base);
  out.append(path);
  return out;
}

}  // namespace syndicated::feeds
