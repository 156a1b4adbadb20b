// UTF-8/UTF-16 conversion, NFC, grapheme and word boundaries (ICU).
#include "compose/unicode_util.hpp"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <cstdlib>
#include <memory>
#include <utility>

#include "compose/compose.hpp"

namespace syndicated::compose {
namespace detail {

Utf16Text decode(std::string_view utf8) {
  Utf16Text out;
  out.byte_at.reserve(utf8.size() + 1);
  const auto* s = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const auto n = static_cast<std::int32_t>(utf8.size());
  std::int32_t i = 0;
  while (i < n) {
    const std::int32_t begin = i;
    UChar32 c = 0;
    U8_NEXT(s, i, n, c);
    if (c < 0) c = 0xFFFD;
    out.text.append(c);
    out.byte_at.push_back(static_cast<std::uint32_t>(begin));
    if (c > 0xFFFF) out.byte_at.push_back(static_cast<std::uint32_t>(begin));
  }
  out.byte_at.push_back(static_cast<std::uint32_t>(n));
  return out;
}

std::string to_utf8(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

namespace {

// Break iterators are costly to create (rule tables) and cheap to reuse; one per thread and
// kind, never shared across threads. They hold no state between calls that matters.
icu::BreakIterator& iterator(bool words) {
  thread_local std::unique_ptr<icu::BreakIterator> characters, word_iter;
  auto& slot = words ? word_iter : characters;
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    slot.reset(words ? icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status)
                     : icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !slot) std::abort();  // ICU data missing: a broken installation
  }
  return *slot;
}

std::vector<std::size_t> boundaries(std::string_view utf8, bool words) {
  std::vector<std::size_t> out;
  if (utf8.empty()) {
    out.push_back(0);
    return out;
  }
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = utext_openUTF8(nullptr, utf8.data(), static_cast<int64_t>(utf8.size()), &status);
  auto& it = iterator(words);
  it.setText(ut, status);
  for (std::int32_t p = it.first(); p != icu::BreakIterator::DONE; p = it.next()) {
    out.push_back(static_cast<std::size_t>(p));
  }
  // Detach the iterator from the UText before closing it.
  icu::UnicodeString empty;
  it.setText(empty);
  utext_close(ut);
  if (U_FAILURE(status) || out.empty()) return {0, utf8.size()};
  return out;
}

}  // namespace

std::vector<std::size_t> grapheme_boundaries(std::string_view utf8) {
  return boundaries(utf8, false);
}
std::vector<std::size_t> word_boundaries(std::string_view utf8) { return boundaries(utf8, true); }

// RFC 3492 section 6.3, on code points, without case annotations (as punycode.js encode()).
std::string punycode_encode(const icu::UnicodeString& label) {
  constexpr std::uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
  std::vector<std::uint32_t> cps;
  for (std::int32_t i = 0; i < label.length();) {
    const UChar32 c = label.char32At(i);
    cps.push_back(static_cast<std::uint32_t>(c));
    i += U16_LENGTH(c);
  }
  auto digit = [](std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + d - 26); };
  auto adapt = [&](std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / kDamp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((kBase - kTMin) * kTMax) / 2) {
      delta /= kBase - kTMin;
      k += kBase;
    }
    return k + (kBase - kTMin + 1) * delta / (delta + kSkew);
  };
  std::string out;
  for (auto c : cps) {
    if (c < 0x80) out += static_cast<char>(c);
  }
  const auto basic = static_cast<std::uint32_t>(out.size());
  std::uint32_t handled = basic;
  if (basic > 0) out += '-';
  std::uint32_t n = 0x80, delta = 0, bias = 72;
  while (handled < cps.size()) {
    std::uint32_t m = 0xFFFFFFFF;
    for (auto c : cps) {
      if (c >= n && c < m) m = c;
    }
    delta += (m - n) * (handled + 1);
    n = m;
    for (auto c : cps) {
      if (c < n) ++delta;
      if (c == n) {
        std::uint32_t q = delta;
        for (std::uint32_t k = kBase;; k += kBase) {
          const std::uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
          if (q < t) break;
          out += digit(t + (q - t) % (kBase - t));
          q = (q - t) / (kBase - t);
        }
        out += digit(q);
        bias = adapt(delta, handled + 1, handled == basic);
        delta = 0;
        ++handled;
      }
    }
    ++delta;
    ++n;
  }
  return out;
}

}  // namespace detail

std::string nfc(std::string_view utf8) {
  bool ascii = true;
  for (char c : utf8) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return std::string(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return std::string(utf8);
  // Through UTF-16 so that ill-formed input comes out as U+FFFD, well-formed UTF-8.
  const icu::UnicodeString in = detail::decode(utf8).text;
  icu::UnicodeString out = n->normalize(in, status);
  if (U_FAILURE(status)) return std::string(utf8);
  return detail::to_utf8(out);
}

std::size_t grapheme_count(std::string_view utf8) {
  if (utf8.empty()) return 0;
  return detail::grapheme_boundaries(utf8).size() - 1;
}

GraphemeRules::GraphemeRules(std::size_t limit, std::size_t url_length, std::size_t max_bytes,
                             std::string name)
    : limit_(limit), url_length_(url_length), max_bytes_(max_bytes), name_(std::move(name)) {}

// Graphemes, each URL counting url_length_ (when > 0) instead of its own clusters. Over the
// byte cap, the measure is at least limit() + 1 (so fits() is false and shortening goes on
// until the text is under both the grapheme limit and the byte cap).
std::size_t GraphemeRules::measure(std::string_view utf8) const {
  std::size_t count = 0;
  if (url_length_ == 0) {
    count = grapheme_count(utf8);
  } else {
    const auto urls = extract_urls(utf8);
    const auto bounds = detail::grapheme_boundaries(utf8);
    std::size_t u = 0;
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
      const std::size_t start = bounds[i];
      while (u < urls.size() && urls[u].byte_end <= start) ++u;
      if (u < urls.size() && start >= urls[u].byte_start) continue;  // inside a URL
      ++count;
    }
    count += urls.size() * url_length_;
  }
  if (max_bytes_ > 0 && utf8.size() > max_bytes_ && count <= limit_) count = limit_ + 1;
  return count;
}

}  // namespace syndicated::compose
