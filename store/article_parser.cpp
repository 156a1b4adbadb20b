#include "store/article_parser.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <uriparser/Uri.h>

#include "store/document.hpp"
#include "store/text.hpp"

namespace syndicated::store {
namespace {

using detail::Node;

// ---------------------------------------------------------------------------------------------
// Failures inside parse(): thrown by the validators below and caught in parse(), never further.

struct Invalid {
  int line;
  std::string message;
};

[[noreturn]] void fail(int line, std::string message) { throw Invalid{line, std::move(message)}; }

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Runs of whitespace (including line breaks) become one space: titles are one line of text.
std::string collapse_spaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : trim(s)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

// For a slug derived from a title: stray markup ("<em>") and entities ("&amp;") are not words.
std::string strip_markup(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      const auto close = s.find('>', i);
      if (close != std::string_view::npos) {
        i = close;
        out += ' ';
        continue;
      }
    } else if (s[i] == '&') {
      const auto semi = s.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10 && semi > i + 1) {
        const std::string_view name = s.substr(i + 1, semi - i - 1);
        if (std::all_of(name.begin(), name.end(), [](char c) {
              return ascii_alpha(c) || ascii_digit(c) || c == '#';
            })) {
          i = semi;
          out += ' ';
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// URLs (uriparser)

class UriHolder {
 public:
  UriHolder() = default;
  ~UriHolder() {
    if (used_) uriFreeUriMembersA(&uri_);
  }
  UriHolder(const UriHolder&) = delete;
  UriHolder& operator=(const UriHolder&) = delete;
  UriUriA* get() { return &uri_; }
  void set_used() { used_ = true; }

 private:
  UriUriA uri_{};
  bool used_ = false;
};

std::string range(const UriTextRangeA& r) {
  if (r.first == nullptr || r.afterLast == nullptr) return {};
  return std::string(r.first, r.afterLast);
}

// Resolves `ref` against the absolute `base`; the result must be an absolute http(s) URL.
// Returns the URL, or an empty string with `why` set.
std::string resolve_url(const std::string& base, std::string_view ref, std::string& why) {
  const std::string encoded = detail::encode_uri_lenient(trim(ref));
  UriHolder base_uri, rel_uri, abs_uri;
  const char* error_pos = nullptr;
  if (uriParseSingleUriA(base_uri.get(), base.c_str(), &error_pos) != URI_SUCCESS) {
    why = "the base URL is invalid";
    return {};
  }
  base_uri.set_used();
  if (uriParseSingleUriA(rel_uri.get(), encoded.c_str(), &error_pos) != URI_SUCCESS) {
    why = "it is not a valid URL";
    return {};
  }
  rel_uri.set_used();
  if (uriAddBaseUriA(abs_uri.get(), rel_uri.get(), base_uri.get()) != URI_SUCCESS) {
    why = "it cannot be resolved against the site's base URL";
    return {};
  }
  abs_uri.set_used();
  uriNormalizeSyntaxA(abs_uri.get());
  std::string scheme = range(abs_uri.get()->scheme);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ascii_lower);
  if (scheme != "http" && scheme != "https") {
    why = "only http and https URLs can be published";
    return {};
  }
  if (range(abs_uri.get()->hostText).empty()) {
    why = "it has no host name";
    return {};
  }
  int chars = 0;
  if (uriToStringCharsRequiredA(abs_uri.get(), &chars) != URI_SUCCESS) {
    why = "it cannot be written back as a URL";
    return {};
  }
  std::string out(static_cast<std::size_t>(chars) + 1, '\0');
  if (uriToStringA(out.data(), abs_uri.get(), chars + 1, nullptr) != URI_SUCCESS) {
    why = "it cannot be written back as a URL";
    return {};
  }
  out.resize(static_cast<std::size_t>(chars));
  return out;
}

// MIME type of an image from its URL's extension; empty when unknown.
std::string image_type_from_url(std::string_view url) {
  url = url.substr(0, std::min(url.find('?'), url.find('#')));
  const auto slash = url.rfind('/');
  const auto dot = url.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
  std::string ext(url.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), ascii_lower);
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  if (ext == "avif") return "image/avif";
  if (ext == "svg") return "image/svg+xml";
  return {};
}

// ---------------------------------------------------------------------------------------------
// Markdown (cmark-gfm)

// The newsroom is trusted: raw HTML in article bodies (embeds, figures, <iframe> players) is kept
// as written (CMARK_OPT_UNSAFE), and the GFM "tagfilter" extension is deliberately not enabled,
// because it would break video and social embeds. Feed readers sanitise content themselves.
constexpr int kCmarkOptions = CMARK_OPT_UNSAFE | CMARK_OPT_FOOTNOTES;
constexpr std::array<const char*, 3> kCmarkExtensions = {"table", "strikethrough", "autolink"};

std::string render_markdown(std::string_view markdown) {
  cmark_parser* parser = cmark_parser_new(kCmarkOptions);
  for (const char* name : kCmarkExtensions) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
      cmark_parser_attach_syntax_extension(parser, ext);
  }
  cmark_parser_feed(parser, markdown.data(), markdown.size());
  cmark_node* document = cmark_parser_finish(parser);
  char* html = cmark_render_html(document, kCmarkOptions, cmark_parser_get_syntax_extensions(parser));
  std::string out = html != nullptr ? html : "";
  cmark_get_default_mem_allocator()->free(html);
  cmark_node_free(document);
  cmark_parser_free(parser);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Permalink patterns

enum class Placeholder { kLiteral, kSlug, kId, kYear, kMonth, kDay, kCategory, kLang };

struct PatternPart {
  Placeholder kind;
  std::string literal;
};

std::vector<PatternPart> compile_permalink(std::string_view pattern) {
  static const std::array<std::pair<std::string_view, Placeholder>, 7> kNames = {{
      {"slug", Placeholder::kSlug},
      {"id", Placeholder::kId},
      {"yyyy", Placeholder::kYear},
      {"mm", Placeholder::kMonth},
      {"dd", Placeholder::kDay},
      {"category", Placeholder::kCategory},
      {"lang", Placeholder::kLang},
  }};
  std::vector<PatternPart> parts;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    const auto open = pattern.find('{', pos);
    if (open == std::string_view::npos) {
      parts.push_back({Placeholder::kLiteral, std::string(pattern.substr(pos))});
      break;
    }
    if (open > pos) parts.push_back({Placeholder::kLiteral, std::string(pattern.substr(pos, open - pos))});
    const auto close = pattern.find('}', open);
    if (close == std::string_view::npos)
      throw std::invalid_argument("permalink pattern '" + std::string(pattern) + "' has an unclosed '{'");
    const std::string_view name = pattern.substr(open + 1, close - open - 1);
    auto it = std::find_if(kNames.begin(), kNames.end(), [&](const auto& n) { return n.first == name; });
    if (it == kNames.end())
      throw std::invalid_argument("permalink pattern '" + std::string(pattern) +
                                  "' has an unknown placeholder '{" + std::string(name) +
                                  "}' (known: {slug} {id} {yyyy} {mm} {dd} {category} {lang})");
    parts.push_back({it->second, {}});
    pos = close + 1;
  }
  return parts;
}

std::string two_digits(unsigned v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

// ---------------------------------------------------------------------------------------------
// Field validation

constexpr std::array<std::string_view, 14> kFields = {
    "id",     "title",  "slug",     "url",       "summary",   "body",    "authors",
    "categories", "tags", "images", "language", "published", "updated", "status"};
constexpr std::array<std::string_view, 3> kAuthorFields = {"name", "url", "email"};
constexpr std::array<std::string_view, 6> kImageFields = {"url",    "type",   "width",
                                                         "height", "length", "caption"};

template <std::size_t N>
std::string unknown_key_message(std::string_view key, const std::array<std::string_view, N>& known,
                                std::string_view in) {
  std::string msg = "unknown field '" + std::string(key) + "'";
  if (!in.empty()) msg += " in " + std::string(in);
  std::string_view best;
  std::size_t best_distance = 3;
  for (auto k : known) {
    const std::size_t d = detail::edit_distance(key, k);
    if (d < best_distance) best_distance = d, best = k;
  }
  if (!best.empty()) return msg + " (did you mean '" + std::string(best) + "'?)";
  msg += " (known fields:";
  for (auto k : known) msg += " " + std::string(k);
  return msg + ")";
}

// Keys of a table in the order they were written.
std::vector<std::size_t> keys_in_order(const Node& table) {
  std::vector<std::size_t> order(table.keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return table.key_lines[a] < table.key_lines[b]; });
  return order;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace detail {
// The parser's shared state (ArticleParser::Impl is this).
struct ParserState {
  std::unique_ptr<icu::Transliterator> transliterator;
  std::mutex mutex;  // guards transliterator and term_cache
  std::unordered_map<std::string, std::string> term_cache;
  std::vector<PatternPart> permalink;

  static constexpr std::size_t kMaxCachedTerms = 65536;

  std::string slugify(std::string_view name, bool cache);
};
}  // namespace detail

struct ArticleParser::Impl : detail::ParserState {};

namespace {

// After transliteration: ASCII letters and digits kept (lower-cased), apostrophes and quotes
// dropped (so "kul'tura" stays one word), every other run becomes one '-'.
std::string slug_from_ascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool dash = false;
  for (char c : text) {
    if (ascii_alpha(c) || ascii_digit(c)) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += ascii_lower(c);
    } else if (c == '\'' || c == '"' || c == '`') {
      continue;
    } else {
      dash = true;
    }
  }
  return out;
}

}  // namespace

std::string detail::ParserState::slugify(std::string_view name, bool cache) {
  const bool ascii = std::all_of(name.begin(), name.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return slug_from_ascii(name);  // the transliterator would only lower-case it
  std::lock_guard lock(mutex);
  if (cache) {
    if (auto it = term_cache.find(std::string(name)); it != term_cache.end()) return it->second;
  }
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(name.data(), static_cast<std::int32_t>(name.size())));
  transliterator->transliterate(text);
  std::string latin;
  text.toUTF8String(latin);
  std::string slug = slug_from_ascii(latin);
  if (cache) {
    if (term_cache.size() >= kMaxCachedTerms) term_cache.clear();
    term_cache.emplace(std::string(name), slug);
  }
  return slug;
}

namespace {

// Reads one article's fields from a Node tree into an Article.
class Extractor {
 public:
  Extractor(detail::ParserState& impl, const ParserOptions& options, bool json, ParseInfo& info)
      : impl_(impl), options_(options), json_(json), info_(info) {}

  // `markdown_body` is null for JSON (the body is a field there).
  core::Article extract(const Node& root, const std::string* markdown_body, std::string_view file) {
    core::Article a;
    a.source = std::string(file);
    bool has_published = false;
    int updated_line = 0;
    bool has_body = false;
    for (std::size_t i : keys_in_order(root)) {
      const std::string& key = root.keys[i];
      const int line = root.key_lines[i];
      const Node& v = root.values[i];
      if (key == "id") {
        a.id = string_field(v, line, "'id'");
        if (a.id.empty()) fail(line, "'id' is empty");
        if (std::any_of(a.id.begin(), a.id.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; }))
          fail(line, "'id' must not contain spaces or control characters: '" + a.id + "'");
        info_.id_line = line;
      } else if (key == "title") {
        a.title = collapse_spaces(string_field(v, line, "'title'"));
        if (a.title.empty()) fail(line, "'title' is empty");
      } else if (key == "slug") {
        a.slug = string_field(v, line, "'slug'");
        if (!detail::is_slug(a.slug))
          fail(line, "'slug' may hold only lower-case ASCII letters, digits and '-' (got '" + a.slug +
                         "'); leave it out to derive it from the title");
      } else if (key == "url") {
        a.url = url_field(v, line, "'url'");
      } else if (key == "summary") {
        a.summary = std::string(trim(string_field(v, line, "'summary'")));
      } else if (key == "body") {
        if (!json_)
          fail(line, "'body' does not belong in the front matter: the Markdown after the closing "
                     "'+++' is the body");
        a.body_html = string_field(v, line, "'body'");
        has_body = true;
      } else if (key == "authors") {
        a.authors = authors_field(v, line);
      } else if (key == "categories") {
        a.categories = terms_field(v, line, "'categories'");
      } else if (key == "tags") {
        a.tags = terms_field(v, line, "'tags'");
      } else if (key == "images") {
        a.images = images_field(v, line);
      } else if (key == "language") {
        a.language = language_field(v, line);
      } else if (key == "published") {
        a.published = time_field(v, line, "published");
        has_published = true;
      } else if (key == "updated") {
        a.updated = time_field(v, line, "updated");
        updated_line = line;
      } else if (key == "status") {
        const std::string s = string_field(v, line, "'status'");
        if (s == "published") {
          a.status = core::ArticleStatus::kPublished;
        } else if (s == "draft") {
          a.status = core::ArticleStatus::kDraft;
        } else if (s == "retracted") {
          a.status = core::ArticleStatus::kRetracted;
        } else {
          fail(line, "'status' must be one of published, draft, retracted (got '" + s + "')");
        }
      } else {
        fail(line, unknown_key_message(key, kFields, ""));
      }
    }
    const int root_line = root.line > 0 ? root.line : 1;
    if (a.id.empty()) fail(root_line, "missing required field 'id'");
    if (a.title.empty()) fail(root_line, "missing required field 'title'");
    if (!has_published) fail(root_line, "missing required field 'published'");
    if (a.updated && *a.updated < a.published)
      fail(updated_line, "'updated' (" + core::format_rfc3339(*a.updated) +
                             ") is before 'published' (" + core::format_rfc3339(a.published) + ")");
    if (markdown_body != nullptr) {
      a.body_html = render_markdown(*markdown_body);
    } else if (!has_body) {
      a.body_html.clear();
    }
    if (a.slug.empty()) {
      a.slug = impl_.slugify(strip_markup(a.title), /*cache=*/false);
      if (a.slug.empty()) a.slug = impl_.slugify(a.id, false);
      if (a.slug.empty())
        fail(root_line, "cannot derive a slug from the title '" + a.title + "': set 'slug'");
    }
    if (a.url.empty()) a.url = permalink(a, root_line);
    return a;
  }

 private:
  std::string kind(const Node& v) const { return detail::describe_kind(v.kind, json_); }

  [[noreturn]] void wrong_type(const Node& v, int line, std::string_view what,
                               std::string_view expected) const {
    fail(line, std::string(what) + " must be " + std::string(expected) + ", not " + kind(v));
  }

  std::string string_field(const Node& v, int line, std::string_view what) const {
    if (v.kind != Node::Kind::kString) wrong_type(v, line, what, "a string");
    return v.text;
  }

  std::string url_field(const Node& v, int line, std::string_view what) const {
    const std::string raw = string_field(v, line, what);
    if (trim(raw).empty()) fail(line, std::string(what) + " is empty");
    std::string why;
    std::string url = resolve_url(options_.base_url, raw, why);
    if (url.empty()) fail(line, std::string(what) + " '" + raw + "' is not usable: " + why);
    return url;
  }

  std::int64_t count_field(const Node& v, int line, std::string_view what) const {
    if (v.kind != Node::Kind::kInteger || v.integer_overflow)
      wrong_type(v, line, what, "a non-negative integer");
    if (v.integer < 0)
      fail(line, std::string(what) + " must be a non-negative integer (got " +
                     std::to_string(v.integer) + ")");
    return v.integer;
  }

  core::Timestamp time_field(const Node& v, int line, std::string_view name) const {
    const std::string what = "'" + std::string(name) + "'";
    switch (v.kind) {
      case Node::Kind::kOffsetDateTime:
        return v.time;
      case Node::Kind::kString: {
        auto parsed = core::parse_rfc3339(trim(v.text));
        if (!parsed)
          fail(line, what + " is not an RFC 3339 date-time: " + parsed.error().message +
                         " (write e.g. 2026-04-12T09:30:00+04:00)");
        return *parsed;
      }
      case Node::Kind::kLocalDateTime:
        fail(line, what + " has no UTC offset (" + v.text +
                       "): write it like 2026-04-12T09:30:00+04:00");
      case Node::Kind::kLocalDate:
        fail(line, what + " is a date without a time (" + v.text +
                       "): write it like 2026-04-12T09:30:00+04:00");
      default:
        wrong_type(v, line, what, "an RFC 3339 date-time");
    }
  }

  std::string language_field(const Node& v, int line) const {
    const std::string raw = string_field(v, line, "'language'");
    std::string out;
    std::size_t start = 0;
    int index = 0;
    bool private_use = false;
    bool ok = !raw.empty();
    while (ok && start <= raw.size()) {
      std::size_t end = raw.find_first_of("-_", start);
      if (end == std::string::npos) end = raw.size();
      std::string sub = raw.substr(start, end - start);
      const bool alpha = std::all_of(sub.begin(), sub.end(), ascii_alpha);
      const bool alnum =
          std::all_of(sub.begin(), sub.end(), [](char c) { return ascii_alpha(c) || ascii_digit(c); });
      if (sub.empty() || sub.size() > 8 || !alnum) {
        ok = false;
        break;
      }
      if (index == 0) {
        if (!alpha || sub.size() < 2) ok = false;
        std::transform(sub.begin(), sub.end(), sub.begin(), ascii_lower);
      } else if (private_use || sub.size() == 1) {
        std::transform(sub.begin(), sub.end(), sub.begin(), ascii_lower);
        if (sub == "x") private_use = true;
      } else if (sub.size() == 2 && alpha) {
        std::transform(sub.begin(), sub.end(), sub.begin(), ascii_upper);  // region: AZ
      } else if (sub.size() == 4 && alpha) {
        std::transform(sub.begin(), sub.end(), sub.begin(), ascii_lower);  // script: Latn
        sub[0] = ascii_upper(sub[0]);
      } else {
        std::transform(sub.begin(), sub.end(), sub.begin(), ascii_lower);
      }
      if (!out.empty()) out += '-';
      out += sub;
      ++index;
      start = end + 1;
    }
    if (!ok)
      fail(line, "'language' '" + raw + "' is not a BCP 47 language tag (e.g. en, az, ru, az-Latn-AZ)");
    return out;
  }

  std::vector<core::Term> terms_field(const Node& v, int line, std::string_view what) const {
    std::vector<const Node*> items;
    if (v.kind == Node::Kind::kString) {
      items.push_back(&v);
    } else if (v.kind == Node::Kind::kArray) {
      for (const Node& item : v.items) items.push_back(&item);
    } else {
      wrong_type(v, line, what, "an array of strings");
    }
    std::vector<core::Term> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Node& item = *items[i];
      const int item_line = item.line > 0 ? item.line : line;
      const std::string label = "entry " + std::to_string(i + 1) + " of " + std::string(what);
      if (item.kind != Node::Kind::kString) wrong_type(item, item_line, label, "a string");
      std::string name = collapse_spaces(item.text);
      if (name.empty()) fail(item_line, label + " is empty");
      std::string slug = impl_.slugify(name, /*cache=*/true);
      if (slug.empty())
        fail(item_line, label + " '" + name + "' has no letters or digits to make a slug from");
      const bool seen = std::any_of(out.begin(), out.end(), [&](const core::Term& t) { return t.slug == slug; });
      if (!seen) out.push_back({std::move(name), std::move(slug)});
    }
    return out;
  }

  core::Author author_from(const Node& item, int line, std::size_t index) const {
    const std::string label = "author " + std::to_string(index);
    core::Author author;
    if (item.kind == Node::Kind::kString) {
      author.name = collapse_spaces(item.text);
    } else if (item.kind == Node::Kind::kTable) {
      for (std::size_t k : keys_in_order(item)) {
        const std::string& key = item.keys[k];
        const int kline = item.key_lines[k];
        const Node& value = item.values[k];
        const std::string what = "'" + key + "' of " + label;
        if (key == "name") {
          author.name = collapse_spaces(string_field(value, kline, what));
        } else if (key == "url") {
          author.url = url_field(value, kline, what);
        } else if (key == "email") {
          author.email = std::string(trim(string_field(value, kline, what)));
          if (author.email.find('@') == std::string::npos ||
              author.email.find(' ') != std::string::npos)
            fail(kline, what + " '" + author.email + "' is not an e-mail address");
        } else {
          fail(kline, unknown_key_message(key, kAuthorFields, label));
        }
      }
    } else {
      wrong_type(item, line, label, json_ ? "a name or an object with a name" : "a name or a table with a name");
    }
    if (author.name.empty()) fail(line, label + " has no 'name'");
    author.slug = impl_.slugify(author.name, /*cache=*/true);
    if (author.slug.empty())
      fail(line, label + " '" + author.name + "' has no letters or digits to make a slug from");
    return author;
  }

  std::vector<core::Author> authors_field(const Node& v, int line) const {
    std::vector<core::Author> out;
    if (v.kind == Node::Kind::kString || v.kind == Node::Kind::kTable) {
      out.push_back(author_from(v, line, 1));
    } else if (v.kind == Node::Kind::kArray) {
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        const Node& item = v.items[i];
        out.push_back(author_from(item, item.line > 0 ? item.line : line, i + 1));
      }
    } else {
      wrong_type(v, line, "'authors'", "an array of names or of tables with a name");
    }
    return out;
  }

  core::Image image_from(const Node& item, int line, std::size_t index) const {
    const std::string label = "image " + std::to_string(index);
    if (item.kind != Node::Kind::kTable)
      wrong_type(item, line, label, json_ ? "an object with a 'url'" : "a table with a 'url'");
    core::Image image;
    for (std::size_t k : keys_in_order(item)) {
      const std::string& key = item.keys[k];
      const int kline = item.key_lines[k];
      const Node& value = item.values[k];
      const std::string what = "'" + key + "' of " + label;
      if (key == "url") {
        image.url = url_field(value, kline, what);
      } else if (key == "type") {
        image.type = std::string(trim(string_field(value, kline, what)));
        if (image.type.find('/') == std::string::npos)
          fail(kline, what + " '" + image.type + "' is not a MIME type (e.g. image/jpeg)");
      } else if (key == "width") {
        image.width = count_field(value, kline, what);
      } else if (key == "height") {
        image.height = count_field(value, kline, what);
      } else if (key == "length") {
        image.length = count_field(value, kline, what);
      } else if (key == "caption") {
        image.caption = std::string(trim(string_field(value, kline, what)));
      } else {
        fail(kline, unknown_key_message(key, kImageFields, label));
      }
    }
    if (image.url.empty()) fail(line, label + " has no 'url'");
    if (image.type.empty()) {
      image.type = image_type_from_url(image.url);
      if (image.type.empty())
        fail(line, label + " has no 'type' and its extension is not one of jpg, jpeg, png, gif, "
                           "webp, avif, svg: add e.g. type = \"image/jpeg\"");
    }
    return image;
  }

  std::vector<core::Image> images_field(const Node& v, int line) const {
    std::vector<core::Image> out;
    if (v.kind == Node::Kind::kTable) {
      out.push_back(image_from(v, line, 1));
    } else if (v.kind == Node::Kind::kArray) {
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        const Node& item = v.items[i];
        out.push_back(image_from(item, item.line > 0 ? item.line : line, i + 1));
      }
    } else {
      wrong_type(v, line, "'images'", json_ ? "an array of objects" : "an array of tables");
    }
    return out;
  }

  std::string permalink(const core::Article& a, int line) const {
    const std::int64_t local = a.published.unix_seconds + std::int64_t{a.published.offset_minutes} * 60;
    const std::int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    std::int64_t year = 0;
    unsigned month = 0, day = 0;
    core::civil_from_days(days, year, month, day);
    std::string path;
    for (const PatternPart& part : impl_.permalink) {
      switch (part.kind) {
        case Placeholder::kLiteral: path += part.literal; break;
        case Placeholder::kSlug: path += a.slug; break;
        case Placeholder::kId: path += detail::encode_path_segment(a.id); break;
        case Placeholder::kYear: path += std::to_string(year); break;
        case Placeholder::kMonth: path += two_digits(month); break;
        case Placeholder::kDay: path += two_digits(day); break;
        case Placeholder::kCategory:
          if (!a.categories.empty()) path += a.categories.front().slug;
          break;
        case Placeholder::kLang: {
          std::string lang = a.language;
          std::transform(lang.begin(), lang.end(), lang.begin(), ascii_lower);
          path += lang;
          break;
        }
      }
    }
    // An empty {category} or {lang} leaves "//": drop the empty segment. The pattern is relative
    // to base_url, so a leading '/' is dropped too.
    std::string clean;
    for (char c : path) {
      if (c == '/' && (clean.empty() || clean.back() == '/')) continue;
      clean += c;
    }
    std::string why;
    std::string url = resolve_url(options_.base_url, clean, why);
    if (url.empty()) fail(line, "cannot build the article's URL from the permalink pattern: " + why);
    return url;
  }

  detail::ParserState& impl_;
  const ParserOptions& options_;
  bool json_;
  ParseInfo& info_;
};

std::string where(std::string_view file, int line) {
  return line > 0 ? std::string(file) + ":" + std::to_string(line) : std::string(file);
}

std::once_flag g_cmark_registered;

}  // namespace

ArticleParser::ArticleParser(ParserOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  std::call_once(g_cmark_registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  std::string why;
  const std::string base = resolve_url(options_.base_url, options_.base_url, why);
  if (base.empty())
    throw std::invalid_argument("base_url '" + options_.base_url +
                                "' must be an absolute http(s) URL: " + why);
  options_.base_url = base;
  if (options_.base_url.back() != '/') options_.base_url += '/';
  impl_->permalink = compile_permalink(options_.permalink);

  // Azerbaijani schwa has no Latin-ASCII mapping of its own ('ə' would become '@'): map it first.
  static constexpr char kRules[] =
      ":: NFC; ə > e; Ə > E; :: Any-Latin; :: Latin-ASCII; :: Lower;";
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  impl_->transliterator.reset(icu::Transliterator::createFromRules(
      "syndicated-slug", icu::UnicodeString::fromUTF8(kRules), UTRANS_FORWARD, parse_error, status));
  if (U_FAILURE(status) || !impl_->transliterator)
    throw std::runtime_error(std::string("cannot create the ICU transliterator for slugs: ") +
                             u_errorName(status));
}

ArticleParser::~ArticleParser() = default;

std::string ArticleParser::slugify(std::string_view name) const {
  return impl_->slugify(name, /*cache=*/false);
}

core::Result<core::Article> ArticleParser::parse(std::string_view file,
                                                 std::string_view bytes) const {
  ParseInfo info;
  return parse(file, bytes, info);
}

core::Result<core::Article> ArticleParser::parse(std::string_view file, std::string_view bytes,
                                                 ParseInfo& info) const {
  info = ParseInfo{};
  try {
    const bool json = ends_with(file, ".json");
    const bool markdown = ends_with(file, ".md");
    if (!json && !markdown) fail(0, "not an article file: the name must end in .md or .json");
    if (bytes.empty()) fail(0, "the file is empty");
    if (auto utf8 = detail::check_utf8(bytes); !utf8.ok) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      std::string byte = "0x";
      byte += kHex[utf8.byte >> 4];
      byte += kHex[utf8.byte & 0xF];
      fail(utf8.line, "the file is not valid UTF-8 (byte " + byte + " at column " +
                          std::to_string(utf8.column) + "); save it as UTF-8");
    }
    if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);  // BOM
    if (trim(bytes).empty()) fail(0, "the file is empty (only white space)");

    Extractor extractor(*impl_, options_, json, info);
    if (json) {
      detail::ReadOutcome doc = detail::read_json(bytes);
      if (!doc.ok) fail(doc.error_line, doc.error);
      return extractor.extract(doc.root, nullptr, file);
    }

    // Markdown: "+++" on line 1, TOML, "+++", then the body.
    auto line_end = [&](std::size_t from) {
      auto nl = bytes.find('\n', from);
      return nl == std::string_view::npos ? bytes.size() : nl;
    };
    std::size_t end = line_end(0);
    if (trim(bytes.substr(0, end)) != "+++")
      fail(1, "a .md article must start with a '+++' line that opens its TOML front matter");
    const std::size_t front_start = std::min(end + 1, bytes.size());
    std::size_t pos = front_start;
    std::size_t front_end = std::string_view::npos;
    std::size_t body_start = bytes.size();
    while (pos < bytes.size()) {
      end = line_end(pos);
      if (trim(bytes.substr(pos, end - pos)) == "+++") {
        front_end = pos;
        body_start = std::min(end + 1, bytes.size());
        break;
      }
      pos = end + 1;
    }
    if (front_end == std::string_view::npos)
      fail(1, "the front matter opened by '+++' on line 1 is never closed: add a '+++' line after "
              "the last field");
    detail::ReadOutcome doc =
        detail::read_toml(bytes.substr(front_start, front_end - front_start), 2);
    if (!doc.ok) fail(doc.error_line, doc.error);
    doc.root.line = 1;
    const std::string body(bytes.substr(body_start));
    return extractor.extract(doc.root, &body, file);
  } catch (const Invalid& e) {
    info.error_line = e.line;
    return core::make_error(e.message, where(file, e.line));
  } catch (const std::exception& e) {
    info.error_line = 0;
    return core::make_error(std::string("cannot read the article: ") + e.what(), where(file, 0));
  }
}

}  // namespace syndicated::store
