#include "http/reply.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <iterator>

#include "core/time.hpp"
#include "http/server.hpp"

namespace syndicated::http::detail {
namespace {

constexpr std::string_view kAllow = "GET, HEAD";
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// A qvalue (RFC 9110 12.4.2) in thousandths; -1 when it is not one.
int parse_qvalue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return -1;
  int value = (s[0] - '0') * 1000;
  s.remove_prefix(1);
  if (s.empty()) return value;
  if (s[0] != '.' || s.size() > 4) return -1;
  s.remove_prefix(1);
  int scale = 100;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return std::min(value, 1000);
}

std::string_view header_of(const Request& request, std::string_view name) {
  return request.header ? request.header(name) : std::string_view{};
}

void set_content_length(std::size_t length, Reply& out) {
  auto [end, ec] = std::to_chars(out.length_buffer.data(),
                                 out.length_buffer.data() + out.length_buffer.size(), length);
  (void)ec;  // 24 chars hold any 64-bit value
  out.add("Content-Length",
          std::string_view(out.length_buffer.data(),
                           static_cast<std::size_t>(end - out.length_buffer.data())));
}

std::string_view error_body(unsigned status) {
  switch (status) {
    case 400: return "Bad Request\n";
    case 404: return "Not Found\n";
    case 405: return "Method Not Allowed\n";
    case 413: return "Content Too Large\n";
    case 431: return "Request Header Fields Too Large\n";
    case 500: return "Internal Server Error\n";
    default: return "Error\n";
  }
}

void text_reply(unsigned status, bool head_only, Reply& out) {
  out.status = status;
  std::string_view body = error_body(status);
  out.add("Content-Type", kTextPlain);
  set_content_length(body.size(), out);
  if (status == 405) out.add("Allow", kAllow);
  out.body = head_only ? std::string_view{} : body;
}

bool status_has_body(unsigned status) {
  return !(status < 200 || status == 204 || status == 304);
}

void dynamic_reply(const Request& request, const DynamicHandler& handler, bool head_only,
                   Reply& out) {
  try {
    out.dynamic = handler(request);
  } catch (const std::exception&) {
    // The handler's bug is dropped alone: a 500 for this request, the server carries on.
    out.dynamic = Response{};
    text_reply(500, head_only, out);
    return;
  } catch (...) {
    out.dynamic = Response{};
    text_reply(500, head_only, out);
    return;
  }
  out.status = out.dynamic.status;
  out.has_dynamic_headers = true;
  if (!status_has_body(out.status)) return;
  std::string_view body = out.dynamic.body ? std::string_view(*out.dynamic.body) : "";
  set_content_length(body.size(), out);
  out.body = head_only ? std::string_view{} : body;
}

void static_reply(const Request& request, const ResourceTable::Entry& entry, bool head_only,
                  std::string_view cache_control, Reply& out) {
  const Resource& resource = entry.resource;
  const Representation* rep = &resource.identity;
  if (resource.gzip && accepts_gzip(header_of(request, "Accept-Encoding"))) {
    rep = &*resource.gzip;
    out.gzip = true;
  }
  out.representation = rep;

  bool not_modified = false;
  std::string_view inm = header_of(request, "If-None-Match");
  if (!inm.empty()) {
    not_modified = if_none_match_matches(inm, rep->etag);
  } else if (resource.last_modified >= 0) {
    // RFC 9110 13.1.3: If-Modified-Since only when If-None-Match is absent; an invalid date is
    // ignored.
    std::string_view ims = header_of(request, "If-Modified-Since");
    if (!ims.empty()) {
      auto date = core::parse_http_date(ims);
      not_modified = date.ok() && resource.last_modified <= *date;
    }
  }

  if (not_modified) {
    out.status = 304;
  } else {
    out.status = 200;
    out.add("Content-Type", resource.content_type);
    set_content_length(rep->body ? rep->body->size() : 0, out);
  }
  if (!rep->etag.empty()) out.add("ETag", rep->etag);
  if (!entry.last_modified_header.empty()) out.add("Last-Modified", entry.last_modified_header);
  out.add("Cache-Control", cache_control);
  if (resource.gzip) out.add("Vary", "Accept-Encoding");
  if (out.status == 200) {
    if (out.gzip) out.add("Content-Encoding", "gzip");
    if (!head_only && rep->body) {
      out.body = *rep->body;
      out.file = out.gzip ? entry.gzip_file.get() : entry.identity_file.get();
    }
  }
}

}  // namespace

void Reply::reset() {
  status = 200;
  header_count = 0;
  has_dynamic_headers = false;
  body = {};
  close = false;
  gzip = false;
  route = RouteKind::kUnmatched;
  route_index = 0;
  representation = nullptr;
  file = nullptr;
  dynamic = Response{};
}

void build_reply(const Request& request, const ReplyContext& context, Reply& out) {
  out.reset();
  const bool is_get = request.method == "GET";
  const bool is_head = request.method == "HEAD";
  std::string_view target = request.target.empty() ? request.path : request.target;

  // Only origin-form ("/path?query"): absolute-form is for proxies, authority-form for CONNECT,
  // asterisk-form for a server-wide OPTIONS; none of them names one of our resources.
  if (target.empty() || target.front() != '/') {
    out.close = true;
    text_reply(400, is_head, out);
    return;
  }
  std::string_view path = target.substr(0, target.find('?'));

  if (context.routes != nullptr) {
    auto it = context.routes->find(path);
    if (it != context.routes->end()) {
      out.route = RouteKind::kDynamic;
      out.route_index = static_cast<std::size_t>(std::distance(context.routes->begin(), it));
      if (!is_get && !is_head) return text_reply(405, false, out);
      if (!it->second) return text_reply(500, is_head, out);
      return dynamic_reply(request, it->second, is_head, out);
    }
  }

  const ResourceTable::Entry* entry =
      context.table != nullptr ? context.table->find_entry(path) : nullptr;
  if (entry == nullptr) return text_reply(404, is_head, out);
  out.route = RouteKind::kStatic;
  if (!is_get && !is_head) return text_reply(405, false, out);
  static_reply(request, *entry, is_head, context.cache_control, out);
}

void build_error_reply(unsigned status, bool head_only, Reply& out) {
  out.reset();
  out.close = true;
  text_reply(status, head_only, out);
}

std::string format_cache_control(int max_age_seconds) {
  if (max_age_seconds < 0) return "no-cache";
  return "public, max-age=" + std::to_string(max_age_seconds);
}

bool accepts_gzip(std::string_view accept_encoding) {
  int gzip_q = -1;  // -1: not mentioned
  int star_q = -1;
  while (!accept_encoding.empty()) {
    std::size_t comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding.remove_prefix(comma == std::string_view::npos ? accept_encoding.size()
                                                                  : comma + 1);
    std::size_t semi = element.find(';');
    std::string_view coding = trim(element.substr(0, semi));
    if (coding.empty()) continue;
    int q = 1000;
    while (semi != std::string_view::npos) {
      element.remove_prefix(semi + 1);
      semi = element.find(';');
      std::string_view param = trim(element.substr(0, semi));
      if (param.size() >= 2 && lower(param[0]) == 'q' && param[1] == '=') {
        q = parse_qvalue(trim(param.substr(2)));
        if (q < 0) q = 0;  // a malformed weight does not make a coding acceptable
      }
    }
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      gzip_q = std::max(gzip_q, q);
    else if (coding == "*")
      star_q = std::max(star_q, q);
  }
  return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) {
  // Weak comparison (RFC 9110 8.8.3.2): the opaque-tags match, W/ prefixes ignored.
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  std::size_t pos = 0;
  const std::size_t n = if_none_match.size();
  while (pos < n) {
    char c = if_none_match[pos];
    if (is_space(c) || c == ',') {
      ++pos;
      continue;
    }
    if (c == '*') return true;
    if (if_none_match.compare(pos, 2, "W/") == 0) pos += 2;
    if (pos < n && if_none_match[pos] == '"') {
      std::size_t close = if_none_match.find('"', pos + 1);
      if (close == std::string_view::npos) return false;
      if (!etag.empty() && if_none_match.substr(pos, close - pos + 1) == etag) return true;
      pos = close + 1;
    } else {
      // Not an entity-tag: skip the element.
      std::size_t comma = if_none_match.find(',', pos);
      pos = comma == std::string_view::npos ? n : comma + 1;
    }
  }
  return false;
}

bool is_managed_header(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection");
}

bool keep_dynamic_header(std::string_view name, std::string_view value) {
  auto has_crlf = [](std::string_view v) { return v.find_first_of("\r\n") != v.npos; };
  return !name.empty() && !is_managed_header(name) && !has_crlf(name) && !has_crlf(value);
}

std::string_view reason_phrase(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

}  // namespace syndicated::http::detail

namespace syndicated::http {

Response respond(const Request& request, const ResourceTable* table, const RouteMap& routes,
                 const ServerOptions& options) {
  const std::string cache_control = detail::format_cache_control(options.max_age_seconds);
  detail::ReplyContext context{table, &routes, cache_control};
  detail::Reply reply;
  detail::build_reply(request, context, reply);

  Response response;
  response.status = reply.status;
  response.headers.reserve(reply.header_count + reply.dynamic.headers.size() + 1);
  for (std::size_t i = 0; i < reply.header_count; ++i)
    response.headers.emplace_back(std::string(reply.headers[i].name),
                                  std::string(reply.headers[i].value));
  if (reply.has_dynamic_headers) {
    for (const auto& [name, value] : reply.dynamic.headers)
      if (detail::keep_dynamic_header(name, value)) response.headers.emplace_back(name, value);
  }
  if (reply.close) response.headers.emplace_back("Connection", "close");
  if (!reply.body.empty()) {
    if (reply.representation != nullptr && reply.representation->body)
      response.body = reply.representation->body;  // shared, not copied
    else if (reply.has_dynamic_headers && reply.dynamic.body)
      response.body = reply.dynamic.body;
    else
      response.body = std::make_shared<const std::string>(reply.body);
  }
  return response;
}

}  // namespace syndicated::http
