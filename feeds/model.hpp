#pragma once
// What the feeds room is told: the site and the feeds to build. Plain data; daemon/ fills it
// from the config file.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"

namespace syndicated::feeds {

struct Site {
  std::string title = "syndicated";
  std::string description;
  std::string base_url = "http://localhost:8080/";  // absolute, ends with '/'; feed URLs hang off it
  std::string language = "en";  // BCP 47
  std::string icon;  // absolute URL or empty
  std::string copyright;
  // Authority and date of the tag: URIs (RFC 4151) that identify entries, e.g. "apa.az,2024".
  // Entry ids are "tag:<authority>:<article id>" and must never change once published.
  std::string tag_authority = "localhost,2024";
};

enum class FeedKind { kSite, kCategory, kAuthor, kTag, kCustom };

const char* to_string(FeedKind k);

// Matches an article when every non-empty list has a match (lists are OR within, AND across).
// Values are slugs for categories/tags/authors, BCP 47 tags for languages.
struct FeedFilter {
  std::vector<std::string> categories;
  std::vector<std::string> tags;
  std::vector<std::string> authors;
  std::vector<std::string> languages;
  bool matches(const core::Article& a) const;
  friend bool operator==(const FeedFilter&, const FeedFilter&) = default;
};

struct FeedSpec {
  FeedKind kind = FeedKind::kSite;
  std::string name;  // "site", a term's slug, or the custom feed's name
  std::string path;  // URL path without extension, e.g. "/category/politics/feed"
  std::string title;
  std::string description;
  FeedFilter filter;
  std::size_t limit = 50;
  friend bool operator==(const FeedSpec&, const FeedSpec&) = default;
};

enum class Format { kRss, kAtom, kJson };
inline constexpr Format kAllFormats[] = {Format::kRss, Format::kAtom, Format::kJson};
const char* extension(Format f);     // ".xml", ".atom", ".json"
const char* content_type(Format f);  // with "; charset=utf-8"
const char* media_type(Format f);    // without parameters, e.g. "application/atom+xml"
const char* to_string(Format f);     // "RSS", "Atom", "JSON Feed" (for people)

// What the operator configured; the catalog turns it into FeedSpecs.
struct FeedsConfig {
  std::size_t default_limit = 50;
  bool category_feeds = true;
  bool author_feeds = true;
  bool tag_feeds = true;
  std::vector<FeedSpec> custom;  // kind = kCustom, path filled by the catalog if empty
};

// Absolute URL of a site path: base_url without its trailing '/' + path ("/feed.xml").
std::string absolute_url(const Site& site, std::string_view path);
// Absolute URL of a feed in one format: absolute_url(site, feed.path + extension(f)).
std::string feed_url(const Site& site, const FeedSpec& feed, Format f);

}  // namespace syndicated::feeds
