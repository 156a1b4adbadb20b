#pragma once
// Making article HTML self-contained for feed readers (many ignore xml:base): relative URLs in
// href, src, srcset and poster attributes are resolved against the article's URL (RFC 3986
// section 5, with liburiparser).
#include <string>
#include <string_view>

namespace syndicated::feeds {

// Resolves one reference against an absolute base URL. Returns `ref` unchanged when it already
// has a scheme ("https:", "mailto:", "data:"), when the base is not an absolute URL, or when the
// reference cannot be parsed even after percent-encoding spaces and non-ASCII bytes.
// Protocol-relative references ("//cdn.example/a.jpg") take the base's scheme; fragments
// ("#notes") become base-without-fragment + fragment.
std::string resolve_url(std::string_view base, std::string_view ref);

// Returns `html` with the URL attributes of every start tag resolved against `base`. Everything
// else (text, comments, script/style content, other attributes) is copied byte for byte; a
// rewritten value is entity-decoded, resolved, re-escaped and double-quoted.
std::string resolve_html_urls(std::string_view html, std::string_view base);

}  // namespace syndicated::feeds
