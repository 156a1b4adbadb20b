#pragma once
// Internal to http/: the request logic of respond() as a Reply that points into the resource
// table instead of copying from it. The session serialises a Reply straight into its reusable
// head buffer (no per-request strings); respond() converts one into a Response for tests and the
// fuzz target. Both go through build_reply(), so the logic the tests check is the logic served.
// No Beast, no Asio, no clock.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/resource.hpp"

namespace syndicated::http::detail {

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

enum class RouteKind : std::uint8_t { kUnmatched, kStatic, kDynamic };

struct ReplyContext {
  const ResourceTable* table = nullptr;  // may be null: no static resources
  const RouteMap* routes = nullptr;      // may be null: no dynamic routes
  std::string_view cache_control;        // format_cache_control(options.max_age_seconds)
};

// Filled in place by build_reply(); its views point into the table, the context, string literals
// and its own buffers, so it must stay put (not copyable) and the table must outlive it.
struct Reply {
  static constexpr std::size_t kMaxHeaders = 10;

  Reply() = default;
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  void reset();
  void add(std::string_view name, std::string_view value) { headers[header_count++] = {name, value}; }

  unsigned status = 200;
  std::array<HeaderView, kMaxHeaders> headers{};
  std::size_t header_count = 0;
  // Headers a dynamic handler set (in `dynamic`), written after `headers`; managed ones
  // (Content-Length, Transfer-Encoding, Connection) and values with CR/LF are skipped.
  bool has_dynamic_headers = false;
  std::string_view body;  // the bytes to send: empty for HEAD, 204 and 304
  bool close = false;     // the connection must close after this reply
  bool gzip = false;      // served from the gzip representation
  RouteKind route = RouteKind::kUnmatched;
  std::size_t route_index = 0;  // position in the RouteMap for kDynamic
  const Representation* representation = nullptr;  // static replies (200 and 304)
  // The body's sealed memfd when the body is sent and the table made one (sendfile); else null.
  const BodyFile* file = nullptr;
  Response dynamic;  // a dynamic handler's response, kept alive while the reply is written
  std::array<char, 24> length_buffer{};
};

// Routing, conditional GET, encoding negotiation, HEAD, 404/405/400.
void build_reply(const Request& request, const ReplyContext& context, Reply& out);
// An error the session detects before respond() (400 malformed, 413 body, 431 head too large):
// a short text/plain body, and the connection closes.
void build_error_reply(unsigned status, bool head_only, Reply& out);

// "public, max-age=N" (N >= 0) or "no-cache" (N < 0).
std::string format_cache_control(int max_age_seconds);
// RFC 9110 12.5.3: is a gzip coding acceptable (q > 0 for gzip/x-gzip, else for "*")?
bool accepts_gzip(std::string_view accept_encoding);
// RFC 9110 13.1.2: does the If-None-Match list match `etag` ("*" or weak comparison)?
bool if_none_match_matches(std::string_view if_none_match, std::string_view etag);
// Content-Length, Transfer-Encoding and Connection belong to the transport, not the handler.
bool is_managed_header(std::string_view name);
// Whether a dynamic handler's header is written: not managed, a non-empty name, no CR/LF (no
// response splitting, whatever a handler echoes).
bool keep_dynamic_header(std::string_view name, std::string_view value);
// The reason phrase for the status line ("" for unknown codes).
std::string_view reason_phrase(unsigned status);

}  // namespace syndicated::http::detail
