#pragma once
// Small text helpers of the store, pure and separately testable. Internal to store/.
#include <cstddef>
#include <string>
#include <string_view>

namespace syndicated::store::detail {

struct Utf8Check {
  bool ok = true;
  int line = 0;      // 1-based line of the first bad byte
  int column = 0;    // 1-based byte column on that line
  unsigned char byte = 0;
};

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
Utf8Check check_utf8(std::string_view text);

// 1-based line of byte offset `pos` in `text`.
int line_of_offset(std::string_view text, std::size_t pos);

// Levenshtein distance, for "did you mean" hints on misspelled keys.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Percent-encodes bytes a URI may not hold literally (non-ASCII, spaces, controls, quotes, ...),
// leaving reserved characters and existing %XX escapes alone: an IRI becomes a URI.
std::string encode_uri_lenient(std::string_view text);

// Percent-encodes everything but RFC 3986 unreserved characters (for one path segment).
std::string encode_path_segment(std::string_view text);

// "a-b" slug shape: non-empty, [a-z0-9-], no leading/trailing '-'.
bool is_slug(std::string_view s);

}  // namespace syndicated::store::detail
