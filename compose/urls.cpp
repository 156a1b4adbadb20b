// URL extraction as twitter-text 3.x's extractUrlsWithIndices() does it: the same regular
// expression (built here from the documented character classes and the TLD lists), run by ICU's
// backtracking engine over UTF-16 so that indices are JavaScript's, followed by the same checks
// (IDNA label lengths, the 4096 length cap, t.co slugs, scheme-less ASCII domains). As in
// twitter-text since 3.0, a bare short ccTLD domain ("foo.jp") counts as a URL too.
// twitter-text is Apache-2.0; the TLD lists are IANA's (see tlds.inc).
#include <unicode/regex.h>
#include <unicode/uniset.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "compose/compose.hpp"
#include "compose/unicode_util.hpp"

namespace syndicated::compose {
namespace {

#include "compose/tlds.inc"

// Character classes (ICU set syntax; every ASCII punctuation escaped).
constexpr const char* kInvalidChars = R"(\uFFFE\uFEFF\uFFFF)";
constexpr const char* kDirectional = R"(\u202A-\u202E\u061C\u200E\u200F\u2066-\u2069)";
constexpr const char* kSpaces =
    R"(\u0009-\u000D\u0020\u0085\u00A0\u1680\u180E\u2000-\u200A\u2028\u2029\u202F\u205F\u3000)";
constexpr const char* kPunct = R"(\!\'\#\%\&\(\)\*\+\,\\\-\.\/\:\;\<\=\>\?\@\[\]\^\_\{\|\}\~\$)";
constexpr const char* kLatinAccents =
    R"(\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF\u0100-\u024F\u0253\u0254\u0256\u0257\u0259)"
    R"(\u025B\u0263\u0268\u026F\u0272\u0289\u028B\u02BB\u0300-\u036F\u1E00-\u1EFF)";
constexpr const char* kCyrillic = R"(\u0400-\u04FF)";

// A trie of TLDs written as a regular expression: "(?:c(?:o(?:m|op)?|...)...)". ICU does not
// optimise alternations, and a flat one of ~1,500 TLDs costs ~0.4 ms per failed attempt; the trie
// fails at the first character that leads nowhere (the root is guarded by the set of first
// characters). At every node the longer continuations are tried before stopping there, as
// twitter-text's descending lists do ("com" before "co"); the order of siblings does not matter
// (no sibling is a prefix of another), so ASCII comes first, being the common case.
struct TrieNode {
  std::map<UChar32, TrieNode> children;
  bool terminal = false;
};

void trie_regex(const TrieNode& node, std::string& out) {
  if (node.children.empty()) return;
  const bool group = node.children.size() > 1 || node.terminal;
  if (group) out += "(?:";
  bool first = true;
  for (const auto& [c, child] : node.children) {
    if (!first) out += '|';
    first = false;
    icu::UnicodeString(c).toUTF8String(out);
    trie_regex(child, out);
  }
  if (group) out += node.terminal ? ")?" : ")";
}

std::string tld_group(const char* const* first, const char* const* last) {
  TrieNode root;
  for (auto it = first; it != last; ++it) {
    const icu::UnicodeString tld = icu::UnicodeString::fromUTF8(*it);
    TrieNode* node = &root;
    for (std::int32_t i = 0; i < tld.length();) {
      const UChar32 c = tld.char32At(i);
      i += U16_LENGTH(c);
      node = &node->children[c];
    }
    node->terminal = true;
  }
  std::string s = "(?:(?=[";
  for (const auto& [c, child] : root.children) icu::UnicodeString(c).toUTF8String(s);
  s += "])(?:";
  trie_regex(root, s);
  s += R"()(?=[^0-9a-zA-Z\@\+\-]|$)))";
  return s;
}

struct Patterns {
  std::unique_ptr<icu::RegexPattern> extract, tco, ascii_domain;
  icu::UnicodeSet spaces;  // no match contains one, except as the preceding character
};

std::unique_ptr<icu::RegexPattern> compile(const std::string& pattern) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  std::unique_ptr<icu::RegexPattern> p(icu::RegexPattern::compile(
      icu::UnicodeString::fromUTF8(pattern), UREGEX_CASE_INSENSITIVE, parse_error, status));
  if (U_FAILURE(status) || !p) {  // a bug in the patterns below
    std::fprintf(stderr, "compose: URL pattern does not compile: %s at offset %d\n",
                 u_errorName(status), parse_error.offset);
    std::abort();
  }
  return p;
}

Patterns build() {
  const std::string domain_char =
      std::string("[^") + kPunct + kSpaces + kInvalidChars + kDirectional + "]";
  const std::string subdomain =
      "(?:(?:" + domain_char + R"((?:[\_\-]|)" + domain_char + ")*)?" + domain_char + R"(\.))";
  const std::string domain_name =
      "(?:(?:" + domain_char + R"((?:\-|)" + domain_char + ")*)?" + domain_char + R"(\.))";
  const std::string gtld = tld_group(std::begin(kGenericTlds), std::end(kGenericTlds));
  const std::string cctld = tld_group(std::begin(kCountryTlds), std::end(kCountryTlds));
  const std::string punycode = R"((?:xn\-\-[\-0-9a-z]+))";
  const std::string domain =
      "(?:" + subdomain + "*" + domain_name + "(?:" + gtld + "|" + cctld + "|" + punycode + "))";

  const std::string path_char = std::string("[a-z") + kCyrillic +
                                R"(0-9\!\*\'\;\:\=\+\,\.\$\/\%\#\[\]\-\u2013\_\~\@\|\&)" +
                                kLatinAccents + "]";
  const std::string parens = R"(\((?:)" + path_char + "+|(?:" + path_char + R"(*\()" + path_char +
                             R"(+\))" + path_char + R"(*))\))";
  // As in twitter-text, the ending alternative is spliced in without a group of its own.
  const std::string path_ending = std::string(R"([\+\-a-z)") + kCyrillic + R"(0-9\=\_\#\/)" +
                                  kLatinAccents + "]|(?:" + parens + ")";
  const std::string path = "(?:(?:" + path_char + "*(?:" + parens + path_char + "*)*" +
                           path_ending + R"()|(?:\@)" + path_char + R"(+\/)))";
  const std::string query_char = R"([a-z0-9\!\?\*\'\@\(\)\;\:\&\=\+\$\/\%\#\[\]\-\_\.\,\~\|])";
  const std::string query_end = R"([a-z0-9\-\_\&\=\#\/])";
  const std::string preceding = std::string(R"((?:[^A-Za-z0-9\@\uFF20\$\#\uFF03)") + kInvalidChars +
                                "]|[" + kDirectional + "]|^)";

  Patterns p;
  UErrorCode status = U_ZERO_ERROR;
  p.spaces.applyPattern(icu::UnicodeString::fromUTF8(std::string("[") + kSpaces + "]"), status);
  if (U_FAILURE(status)) std::abort();
  p.spaces.freeze();
  p.extract = compile("((" + preceding + R"()((https?\:\/\/)?()" + domain + R"()(?:\:([0-9]+))?)" +
                      R"((\/)" + path + R"(*)?(\?)" + query_char + "*" + query_end + ")?))");
  p.tco = compile(R"(^https?\:\/\/t\.co\/([a-z0-9]+)(?:\?)" + query_char + "*" + query_end + ")?");
  p.ascii_domain = compile(std::string(R"((?:(?:[\-a-z0-9)") + kLatinAccents + R"(]+)\.)+(?:)" +
                           gtld + "|" + cctld + "|" + punycode + ")");
  return p;
}

// Compiled once: immutable, and ICU patterns are safe to share between threads (each call
// makes its own matcher).
const Patterns& patterns() {
  static const Patterns p = build();
  return p;
}

bool find_in(const icu::RegexPattern& pattern, const icu::UnicodeString& s) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(pattern.matcher(s, status));
  return U_SUCCESS(status) && m->find(status);
}

constexpr std::int32_t kMaxUrlLength = 4096;
constexpr std::int32_t kMaxTcoSlugLength = 40;
constexpr std::int32_t kMaxLabelLength = 63;

// punycode.js toASCII() length of one label (it also splits at the ideographic full stops).
bool label_ok(const icu::UnicodeString& label) {
  std::int32_t total = 0, start = 0;
  const std::int32_t n = label.length();
  for (std::int32_t i = 0; i <= n; ++i) {
    const bool sep = i == n || label[i] == 0x2E || label[i] == 0x3002 || label[i] == 0xFF0E ||
                     label[i] == 0xFF61;
    if (!sep) continue;
    const icu::UnicodeString part(label, start, i - start);
    bool ascii = true;
    for (std::int32_t k = 0; k < part.length(); ++k) ascii = ascii && part[k] < 0x80;
    total +=
        ascii ? part.length() : 4 + static_cast<std::int32_t>(detail::punycode_encode(part).size());
    if (i < n) ++total;
    start = i + 1;
  }
  return total >= 1 && total <= kMaxLabelLength;
}

// twitter-text's idna.toAscii() (which returns the domain unchanged when valid).
bool idna_valid(const icu::UnicodeString& domain) {
  if (domain.startsWith(icu::UnicodeString(u"xn--")) &&
      !find_in(*patterns().ascii_domain, domain)) {
    return false;
  }
  std::int32_t start = 0;
  for (std::int32_t i = 0; i <= domain.length(); ++i) {
    if (i < domain.length() && domain[i] != u'.') continue;
    if (!label_ok(icu::UnicodeString(domain, start, i - start))) return false;
    start = i + 1;
  }
  return true;
}

bool valid_url(const icu::UnicodeString& url, std::int32_t protocol_length,
               const icu::UnicodeString& domain) {
  if (!idna_valid(domain)) return false;
  return protocol_length + url.length() <= kMaxUrlLength;
}

}  // namespace

namespace detail {

std::vector<Utf16Url> extract_urls_utf16(const icu::UnicodeString& text) {
  std::vector<Utf16Url> urls;
  if (text.indexOf(u'.') < 0) return urls;
  const Patterns& p = patterns();
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(p.extract->matcher(text, status));
  if (U_FAILURE(status)) return urls;
  // The regex is only run over the white-space-free runs that hold a '.' (plus the character
  // before them): a match never spans white space and always holds a dot, so this finds the same
  // matches as scanning the whole text, without trying the pattern at every position of every
  // word (ICU does not compile patterns, and that is most of the cost).
  m->useTransparentBounds(true);
  m->useAnchoringBounds(false);
  const std::int32_t n = text.length();
  std::int32_t i = 0;
  while (i < n) {
    while (i < n && p.spaces.contains(text.char32At(i))) i += U16_LENGTH(text.char32At(i));
    const std::int32_t word = i;
    bool dot = false;
    while (i < n && !p.spaces.contains(text.char32At(i))) {
      dot = dot || text[i] == u'.';
      i += U16_LENGTH(text.char32At(i));
    }
    if (!dot) continue;
    m->region(word > 0 ? word - 1 : 0, i, status);
    if (U_FAILURE(status)) break;
    while (m->find(status) && U_SUCCESS(status)) {
      const icu::UnicodeString before = m->group(2, status);
      const icu::UnicodeString url = m->group(3, status);
      const icu::UnicodeString protocol = m->group(4, status);
      const icu::UnicodeString domain = m->group(5, status);
      const bool has_path = m->start(7, status) >= 0;
      std::int32_t end = m->end(3, status);
      const std::int32_t start = end - url.length();
      if (U_FAILURE(status)) break;
      if (!valid_url(url, protocol.isEmpty() ? 8 : protocol.length(), domain)) continue;

      if (protocol.isEmpty()) {
        if (!before.isEmpty()) {
          const char16_t last = before[before.length() - 1];
          if (last == u'-' || last == u'_' || last == u'.' || last == u'/') continue;
        }
        UErrorCode s2 = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexMatcher> am(p.ascii_domain->matcher(domain, s2));
        std::int32_t ascii_end = 0;
        bool found = false;
        Utf16Url last_url;  // the last one pushed
        while (U_SUCCESS(s2) && am->find(s2)) {
          const icu::UnicodeString ascii = am->group(s2);
          const std::int32_t ascii_start = domain.indexOf(ascii, ascii_end);
          ascii_end = ascii_start + ascii.length();
          found = true;
          last_url = Utf16Url{start + ascii_start, start + ascii_end, ascii.length()};
          urls.push_back(last_url);
        }
        if (!found) continue;
        if (has_path) {
          urls.back().length = last_url.length + url.length() - domain.length();
          urls.back().end = end;
        }
      } else {
        UErrorCode s2 = U_ZERO_ERROR;
        std::unique_ptr<icu::RegexMatcher> tm(p.tco->matcher(url, s2));
        if (U_SUCCESS(s2) && tm->find(s2)) {
          if (tm->end(1, s2) - tm->start(1, s2) > kMaxTcoSlugLength) continue;
          end = start + tm->end(s2);
        }
        urls.push_back(Utf16Url{start, end, end - start});
      }
    }
  }
  return urls;
}

}  // namespace detail

std::vector<Span> extract_urls(std::string_view utf8) {
  std::vector<Span> out;
  if (utf8.find('.') == std::string_view::npos) return out;
  const detail::Utf16Text t = detail::decode(utf8);
  for (const auto& u : detail::extract_urls_utf16(t.text)) {
    Span s;
    s.byte_start = t.byte_at[static_cast<std::size_t>(u.start)];
    s.byte_end = t.byte_at[static_cast<std::size_t>(u.end)];
    s.value = std::string(utf8.substr(s.byte_start, s.byte_end - s.byte_start));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace syndicated::compose
