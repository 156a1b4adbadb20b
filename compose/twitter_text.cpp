// twitter-text 3.x parseTweet(): NFC, URLs count transformedURLLength, emoji sequences count
// defaultWeight once (v3), every other UTF-16 unit is weighted by the config's ranges — walked
// exactly as twitter-text walks the string, so the ranges it reports are its UTF-16 indices.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <cmath>

#include "compose/compose.hpp"
#include "compose/unicode_util.hpp"

namespace syndicated::compose {
namespace {

std::vector<TwitterConfig::Range> default_ranges() {
  return {{0, 4351, 100}, {8192, 8205, 100}, {8208, 8223, 100}, {8242, 8247, 100}};
}

bool has(UChar32 c, UProperty p) { return u_hasBinaryProperty(c, p) != 0; }

constexpr UChar32 kZwj = 0x200D;
constexpr UChar32 kVs16 = 0xFE0F;
constexpr UChar32 kKeycap = 0x20E3;
constexpr UChar32 kCancelTag = 0xE007F;

bool is_modifier(UChar32 c) { return has(c, UCHAR_EMOJI_MODIFIER); }
bool is_tag(UChar32 c) { return c >= 0xE0020 && c <= 0xE007E; }
bool is_emoji_base(UChar32 c) {
  if (c < 0x80) return false;  // digits, '#', '*' only as keycaps
  return has(c, UCHAR_EXTENDED_PICTOGRAPHIC) || has(c, UCHAR_EMOJI_PRESENTATION) ||
         has(c, UCHAR_EMOJI);
}

// The length (UTF-16 units) of the emoji sequence starting at i, or 0. Recognises what
// twemoji-parser does for well-formed text: keycaps, flag pairs, tag sequences (subdivision
// flags), modifiers, VS16 and ZWJ sequences.
std::int32_t emoji_at(const icu::UnicodeString& s, std::int32_t i) {
  const std::int32_t n = s.length();
  auto cp = [&](std::int32_t k) -> UChar32 { return k < n ? s.char32At(k) : -1; };
  const UChar32 c = cp(i);
  std::int32_t k = i + U16_LENGTH(c);
  if ((c >= u'0' && c <= u'9') || c == u'#' || c == u'*') {
    if (cp(k) == kVs16) ++k;
    return cp(k) == kKeycap ? k + 1 - i : 0;
  }
  if (has(c, UCHAR_REGIONAL_INDICATOR)) {
    const UChar32 d = cp(k);
    if (d >= 0 && has(d, UCHAR_REGIONAL_INDICATOR)) return k + U16_LENGTH(d) - i;
    return k - i;
  }
  if (!is_emoji_base(c)) return 0;
  auto tail = [&](std::int32_t& at) {
    UChar32 d = cp(at);
    if (d == kVs16) {
      ++at;
      d = cp(at);
      if (d == kKeycap) ++at, d = cp(at);
    }
    if (d >= 0 && is_modifier(d)) at += 2, d = cp(at);
    if (d >= 0 && is_tag(d)) {
      std::int32_t t = at;
      while (cp(t) >= 0 && is_tag(cp(t))) t += 2;
      if (cp(t) == kCancelTag) at = t + 2;
    }
  };
  tail(k);
  while (cp(k) == kZwj) {
    const UChar32 d = cp(k + 1);
    if (d < 0 || !is_emoji_base(d)) break;
    k += 1 + U16_LENGTH(d);
    tail(k);
  }
  return k - i;
}

int weight_of(char16_t unit, const TwitterConfig& config) {
  for (const auto& r : config.ranges) {
    if (unit >= r.start && unit <= r.end) return r.weight;
  }
  return config.default_weight;
}

bool invalid_char(char16_t u) { return u == 0xFFFE || u == 0xFEFF || u == 0xFFFF; }

}  // namespace

TwitterConfig TwitterConfig::v2() {
  TwitterConfig c;
  c.emoji_parsing = false;
  c.ranges = default_ranges();
  return c;
}

TwitterConfig TwitterConfig::v3() {
  TwitterConfig c;
  c.emoji_parsing = true;
  c.ranges = default_ranges();
  return c;
}

TwitterParse parse_tweet(std::string_view utf8) {
  static const TwitterConfig kV3 = TwitterConfig::v3();
  return parse_tweet(utf8, kV3);
}

TwitterParse parse_tweet(std::string_view utf8, const TwitterConfig& config) {
  const icu::UnicodeString text = detail::decode(utf8).text;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  icu::UnicodeString norm;
  if (U_SUCCESS(status) && !nfc->isNormalized(text, status)) {
    norm = nfc->normalize(text, status);
  } else {
    norm = text;
  }
  const std::int32_t n = norm.length();

  // Entity length by start index (0 = none).
  std::vector<std::int32_t> url_at(static_cast<std::size_t>(n), 0);
  for (const auto& u : detail::extract_urls_utf16(norm)) {
    if (u.start < n) url_at[static_cast<std::size_t>(u.start)] = u.length;
  }

  const std::int64_t scale = config.scale;
  std::int64_t weighted = 0;
  std::int32_t valid_index = 0;
  bool valid = true;
  for (std::int32_t i = 0; i < n; ++i) {
    std::int32_t emoji = 0;
    if (url_at[static_cast<std::size_t>(i)] > 0) {
      weighted += config.transformed_url_length * scale;
      i += url_at[static_cast<std::size_t>(i)] - 1;
    } else if (config.emoji_parsing && (emoji = emoji_at(norm, i)) > 0) {
      weighted += config.default_weight;
      i += emoji - 1;
    } else {
      if (U16_IS_LEAD(norm[i]) && i + 1 < n && U16_IS_TRAIL(norm[i + 1])) ++i;
      weighted += weight_of(norm[i], config);
    }
    if (valid) valid = !invalid_char(norm[i]);
    if (valid && weighted <= config.max_weighted_length * scale) valid_index = i;
  }

  TwitterParse r;
  const double length = static_cast<double>(weighted) / static_cast<double>(scale);
  r.weighted_length = static_cast<int>(weighted / scale);
  r.valid = valid && length > 0 && length <= config.max_weighted_length;
  r.permillage = static_cast<int>(std::floor(length / config.max_weighted_length * 1000));
  r.valid_range_start = 0;
  r.valid_range_end = valid_index + (text.length() - n);
  r.display_range_start = 0;
  r.display_range_end = text.length() > 0 ? text.length() - 1 : 0;
  return r;
}

std::size_t TwitterRules::measure(std::string_view utf8) const {
  return static_cast<std::size_t>(parse_tweet(utf8).weighted_length);
}

}  // namespace syndicated::compose
