#include "feeds/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace syndicated::feeds {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Result of looking at the UTF-8 sequence starting at s[i] (s[i] >= 0x80).
struct Sequence {
  std::size_t length;  // bytes consumed: the whole sequence, or the maximal ill-formed subpart
  bool valid;
};

// Well-formed sequences per Unicode table 3-7; on error, consumes the maximal subpart of an
// ill-formed sequence (at least one byte), as Unicode recommends for U+FFFD substitution.
Sequence utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // U+D800-U+DFFF are not characters
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {1, false};
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return {k, false};
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return {k, false};
  }
  return {need + 1, true};
}

bool allowed_ascii(unsigned char c) { return c >= 0x20 || c == '\t' || c == '\n' || c == '\r'; }

// Appends `in` to `out` cleaned: ill-formed UTF-8 becomes U+FFFD, forbidden characters are
// dropped, and each allowed ASCII byte for which `escape(c)` returns non-null is replaced by that
// string. Runs of bytes that need nothing are appended in one go (this is the renderers' hot
// loop: byte-by-byte push_back was a third of RSS rendering time).
template <bool kNoEscapes, class Escape>
void clean_walk(std::string& out, std::string_view in, Escape escape) {
  const char* const data = in.data();
  const std::size_t n = in.size();
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  std::size_t i = 0;
  const auto flush = [&] {
    if (i > run) out.append(data + run, i - run);
  };
  while (i < n) {
    if constexpr (kNoEscapes) {
      // Skip eight printable ASCII bytes at a time (no high bit, none below 0x20).
      constexpr std::uint64_t kHigh = 0x8080808080808080ULL, kSpace = 0x2020202020202020ULL;
      while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        if (((w | ((w - kSpace) & ~w)) & kHigh) != 0) break;
        i += 8;
      }
      if (i >= n) break;
    }
    const auto c = static_cast<unsigned char>(data[i]);
    if (c < 0x80) {
      if (allowed_ascii(c)) {
        if (const char* e = escape(static_cast<char>(c))) {
          flush();
          out.append(e);
          run = i + 1;
        }
      } else {
        flush();
        run = i + 1;
      }
      ++i;
      continue;
    }
    const Sequence seq = utf8_sequence(in, i);
    if (!seq.valid) {
      flush();
      out.append(kReplacement);
      run = i + seq.length;
    } else if (seq.length == 3 && c == 0xEF && static_cast<unsigned char>(data[i + 1]) == 0xBF &&
               static_cast<unsigned char>(data[i + 2]) >= 0xBE) {
      flush();  // U+FFFE, U+FFFF: not XML characters; dropped
      run = i + seq.length;
    }
    i += seq.length;
  }
  flush();
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    out.append(kReplacement);
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Named character references worth knowing in news titles; sorted for binary search.
constexpr std::array<std::pair<std::string_view, std::uint32_t>, 84> kEntities = {{
    {"AElig", 0xC6},   {"Aacute", 0xC1}, {"Agrave", 0xC0}, {"Aring", 0xC5},   {"Auml", 0xC4},
    {"Ccedil", 0xC7},  {"Dagger", 0x2021}, {"Eacute", 0xC9}, {"Ntilde", 0xD1}, {"Ouml", 0xD6},
    {"Prime", 0x2033}, {"Uuml", 0xDC},   {"aacute", 0xE1}, {"acirc", 0xE2},   {"aelig", 0xE6},
    {"agrave", 0xE0},  {"amp", 0x26},    {"apos", 0x27},   {"aring", 0xE5},   {"atilde", 0xE3},
    {"auml", 0xE4},    {"bdquo", 0x201E}, {"bull", 0x2022}, {"ccedil", 0xE7},  {"cent", 0xA2},
    {"copy", 0xA9},    {"dagger", 0x2020}, {"darr", 0x2193}, {"deg", 0xB0},    {"divide", 0xF7},
    {"eacute", 0xE9},  {"ecirc", 0xEA},  {"egrave", 0xE8}, {"emsp", 0x2003},  {"ensp", 0x2002},
    {"euml", 0xEB},    {"euro", 0x20AC}, {"frac12", 0xBD}, {"frac14", 0xBC},  {"frac34", 0xBE},
    {"ge", 0x2265},    {"gt", 0x3E},     {"harr", 0x2194}, {"hellip", 0x2026}, {"iacute", 0xED},
    {"icirc", 0xEE},   {"iexcl", 0xA1},  {"iquest", 0xBF}, {"laquo", 0xAB},   {"larr", 0x2190},
    {"ldquo", 0x201C}, {"le", 0x2264},   {"lrm", 0x200E},  {"lsaquo", 0x2039}, {"lsquo", 0x2018},
    {"lt", 0x3C},      {"mdash", 0x2014}, {"micro", 0xB5}, {"middot", 0xB7},  {"minus", 0x2212},
    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"ne", 0x2260},  {"ntilde", 0xF1},  {"oacute", 0xF3},
    {"ocirc", 0xF4},   {"ouml", 0xF6},   {"para", 0xB6},   {"permil", 0x2030}, {"plusmn", 0xB1},
    {"pound", 0xA3},   {"prime", 0x2032}, {"quot", 0x22},  {"raquo", 0xBB},   {"rarr", 0x2192},
    {"rdquo", 0x201D}, {"reg", 0xAE},    {"rlm", 0x200F},  {"rsaquo", 0x203A}, {"rsquo", 0x2019},
    {"sbquo", 0x201A}, {"sect", 0xA7},   {"shy", 0xAD},    {"szlig", 0xDF},
}};

static_assert(std::is_sorted(kEntities.begin(), kEntities.end()),
              "kEntities must stay sorted for binary search");

// Tries to decode the reference at in[i] == '&'. On success appends it and returns the bytes it
// used; 0 when it is not a reference we know (the '&' is then literal).
std::size_t decode_reference(std::string_view in, std::size_t i, std::string& out) {
  const std::size_t semi = in.find(';', i + 1);
  if (semi == std::string_view::npos || semi - i > 34 || semi == i + 1) return 0;
  std::string_view name = in.substr(i + 1, semi - i - 1);
  if (name[0] == '#') {
    std::uint32_t cp = 0;
    std::size_t k = 1;
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    if (hex) k = 2;
    if (k >= name.size()) return 0;
    for (; k < name.size(); ++k) {
      const char c = name[k];
      std::uint32_t d;
      if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
      else if (hex && c >= 'a' && c <= 'f') d = static_cast<std::uint32_t>(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F') d = static_cast<std::uint32_t>(c - 'A' + 10);
      else return 0;
      cp = cp * (hex ? 16 : 10) + d;
      if (cp > 0x10FFFF) cp = 0x110000;  // saturate: becomes U+FFFD
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  auto it = std::lower_bound(kEntities.begin(), kEntities.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it == kEntities.end() || it->first != name) return 0;
  append_utf8(out, it->second);
  return semi - i + 1;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view s, std::size_t i, std::string_view prefix) {
  if (s.size() - i < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k)
    if (lower(s[i + k]) != prefix[k]) return false;
  return true;
}

// Finds the '>' closing the tag that starts at `i`, skipping quoted attribute values.
std::size_t tag_end(std::string_view s, std::size_t i) {
  char quote = 0;
  for (std::size_t k = i + 1; k < s.size(); ++k) {
    const char c = s[k];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return k;
    }
  }
  return std::string_view::npos;
}

}  // namespace

void append_clean(std::string& out, std::string_view in) {
  clean_walk<true>(out, in, [](char) -> const char* { return nullptr; });
}

std::string clean_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  append_clean(out, in);
  return out;
}

void append_xml_text(std::string& out, std::string_view in) {
  clean_walk<false>(out, in, [](char c) -> const char* {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      case '\r': return "&#13;";  // would otherwise be normalised to LF
      default: return nullptr;
    }
  });
}

void append_xml_attr(std::string& out, std::string_view in) {
  clean_walk<false>(out, in, [](char c) -> const char* {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      case '"': return "&quot;";
      case '\t': return "&#9;";
      case '\n': return "&#10;";
      case '\r': return "&#13;";
      default: return nullptr;
    }
  });
}

void append_cdata(std::string& out, std::string_view in) {
  out.append("<![CDATA[");
  const std::size_t begin = out.size();
  append_clean(out, in);
  // Rare: "]]>" inside. "]]" ends this section and ">" starts the next: "]]]]><![CDATA[>".
  if (out.find("]]>", begin) != std::string::npos) {
    std::string body = out.substr(begin);
    out.resize(begin);
    std::string_view rest = body;
    for (std::size_t pos; (pos = rest.find("]]>")) != std::string_view::npos;) {
      out.append(rest.substr(0, pos + 2));
      out.append("]]><![CDATA[");
      rest.remove_prefix(pos + 2);
    }
    out.append(rest);
  }
  out.append("]]>");
}

std::string decode_entities(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    if (in[i] == '&') {
      if (std::size_t used = decode_reference(in, i, out)) {
        i += used;
        continue;
      }
    }
    out.push_back(in[i++]);
  }
  return out;
}

std::string html_to_text(std::string_view in) {
  std::string text;
  text.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const char c = in[i];
    if (c == '<' && i + 1 < in.size() &&
        (is_alpha(in[i + 1]) || in[i + 1] == '/' || in[i + 1] == '!' || in[i + 1] == '?')) {
      if (in.compare(i, 4, "<!--") == 0) {
        const std::size_t end = in.find("-->", i + 4);
        i = end == std::string_view::npos ? in.size() : end + 3;
        continue;
      }
      const std::size_t end = tag_end(in, i);
      if (end == std::string_view::npos) break;  // an unterminated tag: drop the rest
      // Raw-text elements: their content is not text.
      for (std::string_view raw : {std::string_view("script"), std::string_view("style")}) {
        if (starts_with_ci(in, i + 1, raw) && !is_alpha(in[i + 1 + raw.size()])) {
          std::string close = "</" + std::string(raw);
          std::size_t k = end + 1;
          while (k < in.size() && !starts_with_ci(in, k, close)) ++k;
          const std::size_t close_end = k < in.size() ? tag_end(in, k) : std::string_view::npos;
          i = close_end == std::string_view::npos ? in.size() : close_end;
          break;
        }
      }
      text.push_back(' ');  // "a<br>b" and "<p>a</p><p>b</p>" must not glue words together
      i = std::max(i, end) + 1;
      continue;
    }
    if (c == '&') {
      if (std::size_t used = decode_reference(in, i, text)) {
        i += used;
        continue;
      }
    }
    text.push_back(c);
    ++i;
  }
  // Clean, then collapse whitespace (so a dropped control between spaces leaves one space).
  const std::string cleaned = clean_text(text);
  std::string collapsed;
  collapsed.reserve(cleaned.size());
  bool space = false;
  for (char c : cleaned) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = !collapsed.empty();
    } else {
      if (space) collapsed.push_back(' ');
      space = false;
      collapsed.push_back(c);
    }
  }
  return collapsed;
}

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

template <class Keep>
std::string encode(std::string_view in, Keep keep) {
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace

std::string percent_encode(std::string_view in) { return encode(in, unreserved); }

std::string percent_encode_tag_specific(std::string_view in) {
  return encode(in, [](unsigned char c) {
    if (unreserved(c)) return true;
    switch (c) {
      // sub-delims, ':' and '@' (pchar), '/' and '?'
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
      case ';': case '=': case ':': case '@': case '/': case '?':
        return true;
      default:
        return false;
    }
  });
}

}  // namespace syndicated::feeds
