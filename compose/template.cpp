// Templates: parse "{field}" placeholders, fill them from Fields, and shorten until the network's
// rules say the text fits — the summary first, then hashtags from the end, then the title; each
// cut on a word boundary near the end of what is kept, else on a grapheme boundary, and ended
// with "…". The URL is never cut. Whitespace left by emptied fields collapses.
#include <unicode/normalizer2.h>

#include <array>
#include <functional>

#include "compose/compose.hpp"
#include "compose/unicode_util.hpp"

namespace syndicated::compose {
namespace {

constexpr std::array<std::string_view, 7> kFieldNames = {"title",  "summary",  "url", "hashtags",
                                                         "author", "category", "site"};
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026
// A word boundary is used when it keeps at least this share (in tenths) of the graphemes the
// grapheme cut would keep; otherwise the cut falls mid-word.
constexpr std::size_t kWordCutTenths = 7;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// NFC, every run of white space one space, trimmed: the form field values are cut in.
std::string clean(std::string_view value) {
  const std::string n = nfc(value);
  std::string out;
  out.reserve(n.size());
  bool space = false;
  for (char c : n) {
    if (is_space(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Drops what should not stand before "…": white space, separators, opening brackets/quotes.
void trim_cut(std::string& s) {
  static constexpr std::array<std::string_view, 6> kMultibyte = {
      "\xE2\x80\x93", "\xE2\x80\x94", "\xC2\xAB", "\xE2\x80\x9C", "\xE2\x80\x9E", "\xE2\x80\x98"};
  for (bool again = true; again && !s.empty();) {
    again = false;
    const char last = s.back();
    if (is_space(last) || last == ',' || last == ';' || last == ':' || last == '-' || last == '(' ||
        last == '[' || last == '"' || last == '\'' || last == '/') {
      s.pop_back();
      again = true;
      continue;
    }
    for (auto m : kMultibyte) {
      if (s.size() >= m.size() && std::string_view(s).substr(s.size() - m.size()) == m) {
        s.resize(s.size() - m.size());
        again = true;
        break;
      }
    }
  }
}

// Writes pieces while collapsing white space: runs of spaces become one space, runs containing
// newlines become one or two newlines ("\n\n" kept, never more), and nothing leads or trails.
class Assembler {
 public:
  explicit Assembler(Rendered& out) : r_(out) {}

  void text(std::string_view s) {
    for (char c : s) {
      if (c == '\n') {
        ++newlines_;
      } else if (c == '\r') {
        // "\r\n" counts as one newline
      } else if (is_space(c)) {
        space_ = true;
      } else {
        flush();
        r_.text += c;
      }
    }
  }
  // An unbreakable token (URL, hashtag); returns where it starts.
  std::size_t atom(std::string_view s) {
    flush();
    const std::size_t start = r_.text.size();
    r_.text.append(s);
    return start;
  }

 private:
  void flush() {
    if (!r_.text.empty()) {
      if (newlines_ > 0) {
        r_.text.append(newlines_ >= 2 ? 2 : 1, '\n');
      } else if (space_) {
        r_.text += ' ';
      }
    }
    newlines_ = 0;
    space_ = false;
  }

  Rendered& r_;
  int newlines_ = 0;
  bool space_ = false;
};

struct Values {
  std::string title, summary, url, author, category, site;
  std::vector<std::string> tags;
};

struct State {
  std::string title, summary;
  std::size_t tags = 0;
};

// The longest prefix of `value` (cut as described above, with "…") for which fits() holds;
// `value` itself when it fits; empty when no prefix does.
std::string best_cut(const std::string& value,
                     const std::function<bool(const std::string&)>& fits) {
  if (value.empty() || fits(value)) return value;
  const auto g = detail::grapheme_boundaries(value);
  auto candidate = [&](std::size_t bytes) {
    std::string p = value.substr(0, bytes);
    trim_cut(p);
    if (!p.empty()) p += kEllipsis;
    return p;
  };
  // Binary search over grapheme counts 1 .. n-1 (n graphemes would be the whole value).
  std::size_t lo = 1, hi = g.size() >= 2 ? g.size() - 2 : 0, best = 0;
  std::string best_text;
  while (lo <= hi && hi > 0) {
    const std::size_t mid = lo + (hi - lo) / 2;
    std::string c = candidate(g[mid]);
    if (c.empty() || fits(c)) {
      if (!c.empty()) {
        best = mid;
        best_text = std::move(c);
      }
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (best == 0) return {};
  // Prefer the last word boundary within the last ~30% of what the grapheme cut keeps.
  const std::size_t cut = g[best];
  const std::size_t floor_bytes = g[(best * kWordCutTenths + 9) / 10];
  const auto words = detail::word_boundaries(value);
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    const std::size_t w = *it;
    if (w > cut) continue;
    if (w < floor_bytes || w == 0) break;
    if (w == cut) break;  // the grapheme cut is itself at a word boundary
    std::string c = candidate(w);
    if (!c.empty() && fits(c)) return c;
    break;
  }
  return best_text;
}

// Re-derives the spans after whole-text NFC (only needed when a piece began with a combining
// mark that composes with the text before it).
void renormalize(Rendered& r) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || n->isNormalizedUTF8(r.text, status) || U_FAILURE(status)) return;
  r.text = nfc(r.text);
  std::size_t from = 0;
  for (auto& l : r.links) {
    const auto at = r.text.find(l.value, from);
    if (at == std::string::npos) continue;
    l.byte_start = at;
    l.byte_end = at + l.value.size();
    from = l.byte_end;
  }
  from = 0;
  for (auto& t : r.tags) {
    const auto at = r.text.find("#" + t.value, from);
    if (at == std::string::npos) continue;
    t.byte_start = at;
    t.byte_end = at + 1 + t.value.size();
    from = t.byte_end;
  }
}

}  // namespace

core::Result<Template> Template::parse(std::string_view text, std::string where) {
  Template t;
  t.source_ = std::string(text);
  t.where_ = std::move(where);
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.pieces_.push_back(Piece{false, nfc(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '{') {
      if (i + 1 < text.size() && text[i + 1] == '{') {
        literal += '{';
        i += 2;
        continue;
      }
      const auto close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        return core::make_error(
            "unclosed '{' at offset " + std::to_string(i) + " (write '{{' for a literal brace)",
            t.where_);
      }
      const std::string_view name = text.substr(i + 1, close - i - 1);
      bool known = false;
      for (auto k : kFieldNames) known = known || k == name;
      if (!known) {
        std::string names;
        for (auto k : kFieldNames) names += (names.empty() ? "{" : ", {") + std::string(k) + "}";
        return core::make_error("unknown field '{" + std::string(name) + "}' at offset " +
                                    std::to_string(i) + " (known: " + names + ")",
                                t.where_);
      }
      flush();
      t.pieces_.push_back(Piece{true, std::string(name)});
      i = close + 1;
    } else if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        i += 2;
        continue;
      }
      return core::make_error(
          "unmatched '}' at offset " + std::to_string(i) + " (write '}}' for a literal brace)",
          t.where_);
    } else {
      literal += c;
      ++i;
    }
  }
  flush();
  return t;
}

core::Result<Rendered> Template::render(const Fields& fields, const TextRules& rules) const {
  Values v;
  v.title = clean(fields.title);
  v.summary = clean(fields.summary);
  v.url = clean(fields.url);
  v.author = clean(fields.author);
  v.category = clean(fields.category);
  v.site = clean(fields.site);
  for (const auto& tag : fields.hashtags) {
    std::string c = clean(tag);
    while (!c.empty() && c.front() == '#') c.erase(0, 1);
    if (c.empty() || c.find(' ') != std::string::npos) continue;
    v.tags.push_back(std::move(c));
  }

  auto build = [&](const State& s) {
    Rendered r;
    Assembler a(r);
    for (const auto& p : pieces_) {
      if (!p.field) {
        a.text(p.text);
      } else if (p.text == "title") {
        a.text(s.title);
      } else if (p.text == "summary") {
        a.text(s.summary);
      } else if (p.text == "url") {
        if (v.url.empty()) continue;
        const std::size_t start = a.atom(v.url);
        r.links.push_back(Span{start, r.text.size(), v.url});
      } else if (p.text == "hashtags") {
        for (std::size_t i = 0; i < s.tags && i < v.tags.size(); ++i) {
          if (i > 0) a.text(" ");
          const std::size_t start = a.atom("#" + v.tags[i]);
          r.tags.push_back(Span{start, r.text.size(), v.tags[i]});
        }
      } else if (p.text == "author") {
        a.text(v.author);
      } else if (p.text == "category") {
        a.text(v.category);
      } else if (p.text == "site") {
        a.text(v.site);
      }
    }
    renormalize(r);
    return r;
  };
  auto fits = [&](const State& s) { return rules.fits(build(s).text); };

  State s{v.title, v.summary, v.tags.size()};
  if (fits(s)) return build(s);

  auto summary_fits = [&](const std::string& x) {
    State t = s;
    t.summary = x;
    return fits(t);
  };
  auto title_fits = [&](const std::string& x) {
    State t = s;
    t.title = x;
    return fits(t);
  };

  // 1. The summary.
  s.summary = best_cut(v.summary, summary_fits);
  if (!s.summary.empty()) return build(s);
  // 2. Hashtags, from the end; then give the summary back what dropping them freed.
  const std::size_t all_tags = s.tags;
  while (s.tags > 0 && !fits(s)) --s.tags;
  if (fits(s)) {
    if (s.tags < all_tags) s.summary = best_cut(v.summary, summary_fits);
    return build(s);
  }
  // 3. The title.
  s.title = best_cut(v.title, title_fits);
  if (fits(s)) return build(s);
  const Rendered shortest = build(s);
  return core::make_error("the post cannot fit " + rules.name() + " (limit " +
                              std::to_string(rules.limit()) +
                              "): even without summary, title "
                              "and hashtags it measures " +
                              std::to_string(rules.measure(shortest.text)),
                          where_);
}

}  // namespace syndicated::compose
