#include "feeds/html.hpp"

#include <uriparser/Uri.h>

#include <optional>
#include <vector>

#include "feeds/text.hpp"

namespace syndicated::feeds {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':'.
bool has_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':') return true;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

// What browsers do before parsing a URL written by a person: percent-encode the bytes RFC 3986
// never allows (controls, space, non-ASCII, "<>\"\\^`{|}"). '%' is kept: it is assumed to
// start an escape already.
std::string encode_illegal(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool bad = c <= 0x20 || c >= 0x7F || ch == '"' || ch == '<' || ch == '>' ||
                     ch == '\\' || ch == '^' || ch == '`' || ch == '{' || ch == '|' || ch == '}';
    if (bad) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// A parsed absolute base URL, reused for every reference in one article.
class Resolver {
 public:
  explicit Resolver(std::string_view base) : text_(base) {
    const char* error = nullptr;
    ok_ = has_scheme(text_) &&
          uriParseSingleUriExA(&base_, text_.data(), text_.data() + text_.size(), &error) ==
              URI_SUCCESS;
  }
  ~Resolver() { uriFreeUriMembersA(&base_); }
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  bool ok() const { return ok_; }

  // The resolved URL, or nullopt when `ref` is left as it is.
  std::optional<std::string> resolve(std::string_view ref_in) const {
    if (!ok_) return std::nullopt;
    const std::string_view trimmed = trim(ref_in);
    if (has_scheme(trimmed)) return std::nullopt;
    const std::string ref = encode_illegal(trimmed);
    UriUriA rel{};
    UriUriA abs{};
    const char* error = nullptr;
    std::optional<std::string> result;
    if (uriParseSingleUriExA(&rel, ref.data(), ref.data() + ref.size(), &error) == URI_SUCCESS &&
        uriAddBaseUriExA(&abs, &rel, &base_, URI_RESOLVE_STRICTLY) == URI_SUCCESS) {
      int needed = 0;
      if (uriToStringCharsRequiredA(&abs, &needed) == URI_SUCCESS) {
        std::string out(static_cast<std::size_t>(needed) + 1, '\0');
        int written = 0;
        if (uriToStringA(out.data(), &abs, needed + 1, &written) == URI_SUCCESS) {
          out.resize(static_cast<std::size_t>(written > 0 ? written - 1 : 0));  // minus the NUL
          result = std::move(out);
        }
      }
    }
    uriFreeUriMembersA(&rel);
    uriFreeUriMembersA(&abs);
    return result;
  }

 private:
  std::string text_;
  UriUriA base_{};
  bool ok_ = false;
};

// srcset = candidate *("," candidate); candidate = URL [descriptors] (HTML "parse a srcset
// attribute", simplified: descriptors are kept verbatim).
std::string resolve_srcset(const Resolver& resolver, std::string_view value) {
  std::string out;
  std::size_t i = 0;
  const std::size_t n = value.size();
  while (i < n) {
    while (i < n && (is_space(value[i]) || value[i] == ',')) ++i;
    if (i >= n) break;
    std::size_t start = i;
    while (i < n && !is_space(value[i])) ++i;
    std::string_view url = value.substr(start, i - start);
    std::string_view descriptor;
    if (!url.empty() && url.back() == ',') {
      while (!url.empty() && url.back() == ',') url.remove_suffix(1);
    } else {
      const std::size_t d = i;
      while (i < n && value[i] != ',') ++i;
      descriptor = trim(value.substr(d, i - d));
    }
    if (!out.empty()) out.append(", ");
    auto resolved = resolver.resolve(url);
    out.append(resolved ? std::string_view(*resolved) : url);
    if (!descriptor.empty()) {
      out.push_back(' ');
      out.append(descriptor);
    }
  }
  return out;
}

void append_attr_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '"': out.append("&quot;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      default: out.push_back(c);
    }
  }
}

enum class UrlAttr { kNone, kSingle, kSrcset };

UrlAttr classify(std::string_view name) {
  std::string lowered;
  for (char c : name) lowered.push_back(lower(c));
  if (lowered == "href" || lowered == "src" || lowered == "poster") return UrlAttr::kSingle;
  if (lowered == "srcset") return UrlAttr::kSrcset;
  return UrlAttr::kNone;
}

bool starts_with_ci(std::string_view s, std::size_t i, std::string_view lower_prefix) {
  if (s.size() - i < lower_prefix.size()) return false;
  for (std::size_t k = 0; k < lower_prefix.size(); ++k)
    if (lower(s[i + k]) != lower_prefix[k]) return false;
  return true;
}

}  // namespace

std::string resolve_url(std::string_view base, std::string_view ref) {
  Resolver resolver(base);
  auto resolved = resolver.resolve(ref);
  return resolved ? std::move(*resolved) : std::string(ref);
}

std::string resolve_html_urls(std::string_view html, std::string_view base) {
  Resolver resolver(base);
  if (!resolver.ok() || html.find('<') == std::string_view::npos) return std::string(html);
  std::string out;
  out.reserve(html.size() + html.size() / 8);
  std::size_t copied = 0;  // html[0, copied) is already in `out`
  const std::size_t n = html.size();
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    if (i + 1 >= n || !is_alpha(html[i + 1])) {
      ++i;
      continue;
    }
    // Tag name.
    std::size_t k = i + 1;
    while (k < n && !is_space(html[k]) && html[k] != '/' && html[k] != '>') ++k;
    const std::string_view tag = html.substr(i + 1, k - i - 1);
    // Attributes.
    while (k < n && html[k] != '>') {
      if (is_space(html[k]) || html[k] == '/') {
        ++k;
        continue;
      }
      const std::size_t name_start = k;
      while (k < n && !is_space(html[k]) && html[k] != '/' && html[k] != '>' && html[k] != '=')
        ++k;
      const std::string_view name = html.substr(name_start, k - name_start);
      std::size_t j = k;
      while (j < n && is_space(html[j])) ++j;
      if (j >= n || html[j] != '=') continue;  // an attribute without a value
      ++j;
      while (j < n && is_space(html[j])) ++j;
      if (j >= n) {
        k = j;
        break;
      }
      const std::size_t value_start = j;  // includes the quote, if any
      std::string_view value;
      if (html[j] == '"' || html[j] == '\'') {
        const std::size_t close = html.find(html[j], j + 1);
        if (close == std::string_view::npos) {
          k = n;
          break;
        }
        value = html.substr(j + 1, close - j - 1);
        k = close + 1;
      } else {
        while (j < n && !is_space(html[j]) && html[j] != '>') ++j;
        value = html.substr(value_start, j - value_start);
        k = j;
      }
      const UrlAttr kind = classify(name);
      if (kind == UrlAttr::kNone) continue;
      const std::string decoded = decode_entities(value);
      std::string replacement;
      if (kind == UrlAttr::kSrcset) {
        replacement = resolve_srcset(resolver, decoded);
      } else if (auto resolved = resolver.resolve(decoded)) {
        replacement = std::move(*resolved);
      } else {
        continue;  // absolute or unusable: leave the bytes alone
      }
      out.append(html.substr(copied, value_start - copied));
      out.push_back('"');
      append_attr_escaped(out, replacement);
      out.push_back('"');
      copied = k;
    }
    i = k;
    // Raw-text elements: skip to their end tag so "<script>if (a<b)..." is not parsed as tags.
    if (starts_with_ci(tag, 0, "script") && tag.size() == 6) {
      const std::size_t close = [&] {
        for (std::size_t p = i; (p = html.find("</", p)) != std::string_view::npos; ++p)
          if (starts_with_ci(html, p + 2, "script")) return p;
        return std::string_view::npos;
      }();
      if (close == std::string_view::npos) break;
      i = close;
    } else if (starts_with_ci(tag, 0, "style") && tag.size() == 5) {
      const std::size_t close = [&] {
        for (std::size_t p = i; (p = html.find("</", p)) != std::string_view::npos; ++p)
          if (starts_with_ci(html, p + 2, "style")) return p;
        return std::string_view::npos;
      }();
      if (close == std::string_view::npos) break;
      i = close;
    }
  }
  out.append(html.substr(copied));
  return out;
}

}  // namespace syndicated::feeds
