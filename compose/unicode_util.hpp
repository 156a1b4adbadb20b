#pragma once
// Internal helpers of the compose room (not part of its interface): UTF-8 <-> UTF-16 with an
// index map, cached ICU break iterators, and the UTF-16 URL extractor behind extract_urls().
#include <unicode/brkiter.h>
#include <unicode/unistr.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace syndicated::compose::detail {

// UTF-8 decoded to UTF-16, with the UTF-8 byte offset of every UTF-16 unit (byte_at has
// text.length() + 1 entries; the last is the input's size). Ill-formed bytes become U+FFFD.
struct Utf16Text {
  icu::UnicodeString text;
  std::vector<std::uint32_t> byte_at;
};
Utf16Text decode(std::string_view utf8);
std::string to_utf8(const icu::UnicodeString& text);

// A URL found by the twitter-text extractor: UTF-16 [start, end) in the searched text, and the
// length of the URL string twitter-text reports (which parseTweet skips; it differs from
// end - start only for scheme-less URLs whose host had a non-ASCII prefix).
struct Utf16Url {
  std::int32_t start = 0;
  std::int32_t end = 0;
  std::int32_t length = 0;
};
std::vector<Utf16Url> extract_urls_utf16(const icu::UnicodeString& text);

// Boundaries as UTF-8 byte offsets, first 0 and last utf8.size() (for non-empty text).
std::vector<std::size_t> grapheme_boundaries(std::string_view utf8);
std::vector<std::size_t> word_boundaries(std::string_view utf8);

// Punycode (RFC 3492) encoding of one label's code points, as punycode.js encodes them.
std::string punycode_encode(const icu::UnicodeString& label);

}  // namespace syndicated::compose::detail
