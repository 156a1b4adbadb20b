#pragma once
// Composing social posts: a text template filled from an article, measured by a network's own
// rules and shortened to fit — on grapheme and word boundaries, with "…", never cutting a URL.
// Pure: no I/O. Unicode work (NFC, grapheme breaks, word breaks) is ICU's.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"
#include "core/result.hpp"

namespace syndicated::compose {

// How a network measures text.
class TextRules {
 public:
  virtual ~TextRules() = default;
  virtual std::size_t measure(std::string_view utf8) const = 0;
  virtual std::size_t limit() const = 0;
  virtual std::string name() const = 0;  // e.g. "twitter-text v3 weighted length"
  bool fits(std::string_view utf8) const { return measure(utf8) <= limit(); }
};

// X/Twitter: twitter-text v3 weighted length (NFC; every URL — including bare domains with a
// known TLD, as twitter-text's extractor finds them — counts 23; emoji 2; CJK and most non-Latin
// ranges 2 per the v3 config; limit 280).
class TwitterRules final : public TextRules {
 public:
  std::size_t measure(std::string_view utf8) const override;
  std::size_t limit() const override { return 280; }
  std::string name() const override { return "twitter-text v3 weighted length"; }
};

// The full twitter-text parse result, as twitter-text's parseTweet() reports it (ranges are
// inclusive UTF-16 indices into the original text), for the conformance tests and the preview.
struct TwitterParse {
  int weighted_length = 0;
  bool valid = false;
  int permillage = 0;
  int valid_range_start = 0, valid_range_end = 0;
  int display_range_start = 0, display_range_end = 0;
};
TwitterParse parse_tweet(std::string_view utf8);

// A twitter-text weighted-length configuration (twitter-text's config/v2.json and v3.json).
// parse_tweet(utf8) uses v3, the one X applies today; v2 (no emoji discount) is kept for the
// conformance suite.
struct TwitterConfig {
  struct Range {
    char32_t start = 0, end = 0;  // inclusive
    int weight = 0;
  };
  int max_weighted_length = 280;
  int scale = 100;
  int default_weight = 200;
  int transformed_url_length = 23;
  bool emoji_parsing = true;
  std::vector<Range> ranges;

  static TwitterConfig v2();
  static TwitterConfig v3();
};
TwitterParse parse_tweet(std::string_view utf8, const TwitterConfig& config);

// Grapheme clusters (extended, ICU), with every URL counted as `url_length` graphemes when
// url_length > 0 (Mastodon: 23), and an optional byte cap (Bluesky: 3000).
class GraphemeRules final : public TextRules {
 public:
  GraphemeRules(std::size_t limit, std::size_t url_length, std::size_t max_bytes = 0,
                std::string name = "graphemes");
  std::size_t measure(std::string_view utf8) const override;
  std::size_t limit() const override { return limit_; }
  std::string name() const override { return name_; }

 private:
  std::size_t limit_, url_length_, max_bytes_;
  std::string name_;
};

// Extended grapheme clusters in UTF-8 text.
std::size_t grapheme_count(std::string_view utf8);
// Unicode NFC.
std::string nfc(std::string_view utf8);
// URLs in free text as twitter-text's extractor finds them (scheme-less "azernews.az/x" counts),
// as UTF-8 byte ranges [start, end).
struct Span {
  std::size_t byte_start = 0;
  std::size_t byte_end = 0;
  std::string value;
};
std::vector<Span> extract_urls(std::string_view utf8);

// "#Politics #Siyasət": one hashtag per distinct category then tag, letters/digits/_ kept
// (Unicode-aware), everything else dropped; empty tags skipped.
std::vector<std::string> hashtags(const core::Article& article);

// The values a template can use.
struct Fields {
  std::string title;
  std::string summary;
  std::string url;
  std::vector<std::string> hashtags;  // without '#'
  std::string author;                 // "A, B"
  std::string category;               // the first category's name
  std::string site;
};
Fields fields_from(const core::Article& article, std::string_view site_name, bool with_hashtags);

// What a rendered post is: its text, and where the URL and the hashtags landed (UTF-8 byte
// ranges of the final text, for facets).
struct Rendered {
  std::string text;
  std::vector<Span> links;  // value = the URL
  std::vector<Span> tags;   // value = the tag without '#'
};

// A parsed template: text with {title} {summary} {url} {hashtags} {author} {category} {site}
// placeholders; "{{" and "}}" are literal braces. Unknown fields are an error naming the field
// and its offset.
class Template {
 public:
  static core::Result<Template> parse(std::string_view text, std::string where = {});

  // Fills the fields and shortens until rules.fits(): the summary first, then hashtags (dropped
  // from the end), then the title — each on a word boundary when one is near, else a grapheme
  // boundary, ending in "…"; the URL is never cut. Whitespace left by emptied fields collapses.
  // The result is NFC. An Error when even the shortest form does not fit.
  core::Result<Rendered> render(const Fields& fields, const TextRules& rules) const;

  const std::string& source() const { return source_; }

 private:
  struct Piece {
    bool field = false;
    std::string text;  // literal text, or the field name
  };
  std::string source_;
  std::string where_;  // for errors, e.g. "accounts.x.template"
  std::vector<Piece> pieces_;
};

}  // namespace syndicated::compose
