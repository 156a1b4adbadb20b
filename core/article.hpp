#pragma once
// The domain model every room shares: a validated article as the store hands it on.
// Plain data, no behaviour beyond comparison helpers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace syndicated::core {

// A category, tag or author's name with the URL-safe slug the store derived from it
// (transliterated to ASCII, lower case, '-' between words).
struct Term {
  std::string name;
  std::string slug;
  friend bool operator==(const Term&, const Term&) = default;
};

struct Author {
  std::string name;
  std::string slug;
  std::string url;    // optional
  std::string email;  // optional
  friend bool operator==(const Author&, const Author&) = default;
};

struct Image {
  std::string url;  // absolute
  std::string type;  // MIME type, e.g. "image/jpeg"; derived from the extension when absent
  std::optional<std::int64_t> width;
  std::optional<std::int64_t> height;
  std::optional<std::int64_t> length;  // bytes
  std::string caption;
  friend bool operator==(const Image&, const Image&) = default;
};

enum class ArticleStatus { kPublished, kDraft, kRetracted };

const char* to_string(ArticleStatus s);

struct Article {
  std::string id;  // required, immutable, unique: the entry's identity in every feed
  std::string title;  // plain text
  std::string slug;
  std::string url;  // canonical, absolute (from the file or the permalink pattern)
  std::string summary;  // plain text
  std::string body_html;  // HTML; relative URLs are resolved by the renderers
  std::vector<Author> authors;
  std::vector<Term> categories;
  std::vector<Term> tags;
  std::vector<Image> images;  // the first is the lead image
  std::string language;  // BCP 47, e.g. "az"; empty = the site's language
  Timestamp published;
  std::optional<Timestamp> updated;
  ArticleStatus status = ArticleStatus::kPublished;
  std::string source;  // where it came from, e.g. "politics/vote.md" (for diagnostics)

  // When the entry last changed: `updated` if given, else `published`.
  const Timestamp& modified() const { return updated ? *updated : published; }

  friend bool operator==(const Article&, const Article&) = default;
};

}  // namespace syndicated::core
