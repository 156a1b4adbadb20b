// BeastHttpClient: see beast_client.hpp for what it promises.
//
// Shape (TLS client after Beast's http_client_async_ssl example, boost-1.74.0):
// - A Connection owns its own io_context and its stream (beast::tcp_stream, wrapped in a
//   beast::ssl_stream for https). A request holds one connection exclusively, starts each step
//   asynchronously (connect, handshake, write, read_some) and runs the connection's io_context on
//   the calling thread until that step completes. Deadlines are beast::tcp_stream expiries: when
//   one passes, the stream closes its socket and the step completes with beast::error::timeout.
//   Connections therefore move between threads freely through the pool, and concurrent requests
//   never share an io_context.
// - Host names are resolved by getaddrinfo() on a short-lived detached thread that the request
//   waits for until its connect deadline: Asio's resolver would join its thread when the
//   connection is destroyed, so a hung DNS lookup could outlast connect_timeout.
// - Host-name verification is OpenSSL's own (SSL_set1_host / X509_VERIFY_PARAM_set1_ip_asc), so
//   a mismatch is reported by X509_verify_cert_error_string like any other chain error.
// - Transport deadlines use std::chrono::steady_clock directly, as the server does: they bound real
//   socket waits and no logic depends on them (core::Clock is for what the daemon decides).
#include "http/beast_client.hpp"

#include <netdb.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace syndicated::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::uint32_t kHeaderLimit = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// URLs

struct Url {
  bool tls = true;
  std::string host;  // lower-case DNS name, or an IP literal without brackets
  bool host_is_ip = false;
  std::uint16_t port = 0;
  std::string target;       // origin-form: path and query
  std::string where;        // scheme://authority/path: no query, no fragment
  std::string host_header;  // host[:port], brackets around IPv6
  std::string pool_key;     // scheme://host:port
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// The URL as it may appear in an error: no query string, no fragment, no user info.
std::string redact(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  std::string out(url);
  const std::size_t scheme_end = out.find("://");
  const std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const std::size_t path = out.find('/', authority);
  const std::size_t at = out.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at != std::string::npos && at >= authority) out.erase(authority, at + 1 - authority);
  return out;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// Bytes allowed in a request target as sent: visible ASCII (anything else must be
// percent-encoded by the caller).
bool is_target_char(char c) { return c > 0x20 && c < 0x7f; }

core::Result<Url> parse_url(std::string_view text) {
  const std::string where = redact(text);
  auto fail = [&](std::string message) { return core::make_error(std::move(message), where); };

  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fail("not an absolute http(s) URL");
  Url url;
  const std::string scheme = lowered(text.substr(0, scheme_end));
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme == "http") {
    url.tls = false;
  } else {
    return fail("unsupported URL scheme (http and https only)");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path_and_more =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return fail("credentials in URLs are not supported");
  }
  if (authority.empty()) return fail("URL has no host");

  std::string_view host;
  std::string_view port_text;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address in URL");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("malformed URL authority");
      port_text = after.substr(1);
    }
    error_code ec;
    auto address = net::ip::make_address_v6(std::string(host), ec);
    if (ec) return fail("invalid IPv6 address in URL");
    url.host = address.to_string();
    url.host_is_ip = true;
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        return fail("IPv6 addresses in URLs must be in brackets");
      }
      port_text = authority.substr(colon + 1);
      host = authority.substr(0, colon);
    } else {
      host = authority;
    }
    if (host.empty()) return fail("URL has no host");
    if (!std::all_of(host.begin(), host.end(), is_host_char)) {
      return fail("invalid host name in URL");
    }
    url.host = lowered(host);
    error_code ec;
    auto address = net::ip::make_address_v4(url.host, ec);
    url.host_is_ip = !ec;
    if (url.host_is_ip) url.host = address.to_string();
  }

  const std::uint16_t default_port = url.tls ? 443 : 80;
  url.port = default_port;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return fail("invalid port in URL");
    }
    url.port = static_cast<std::uint16_t>(value);
  }

  path_and_more = path_and_more.substr(0, path_and_more.find('#'));
  if (!std::all_of(path_and_more.begin(), path_and_more.end(), is_target_char)) {
    return fail("URL contains characters that must be percent-encoded");
  }
  url.target = std::string(path_and_more);
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");

  const std::string host_in_url =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  url.host_header = host_in_url;
  if (url.port != default_port) url.host_header += ":" + std::to_string(url.port);
  url.pool_key = scheme + "://" + host_in_url + ":" + std::to_string(url.port);
  url.where = scheme + "://" + url.host_header +
              std::string(path_and_more.substr(0, path_and_more.find('?')));
  return url;
}

// ---------------------------------------------------------------------------------------------
// Request checks

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == 0; });
}

const Header* find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

// Go's net/http rule: such a request may be sent again when a reused connection turned out to be
// closed before any byte of the response arrived.
bool replayable(const ClientRequest& request) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
    if (request.method == m) return true;
  }
  return find_header(request.headers, "Idempotency-Key") != nullptr ||
         find_header(request.headers, "X-Idempotency-Key") != nullptr;
}

std::string ms(milliseconds d) { return std::to_string(d.count()) + " ms"; }

// ---------------------------------------------------------------------------------------------
// DNS

struct ResolveState {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  std::vector<tcp::endpoint> endpoints;
};

// getaddrinfo() on a detached thread; waits until `deadline`. A timed-out lookup finishes on its
// own later and only touches the shared state.
core::Result<std::vector<tcp::endpoint>> resolve(const std::string& host, std::uint16_t port,
                                                 SteadyClock::time_point deadline,
                                                 bool* timed_out) {
  auto state = std::make_shared<ResolveState>();
  try {
    std::thread([state, host, port] {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* list = nullptr;
      const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
      std::vector<tcp::endpoint> endpoints;
      if (rc == 0) {
        for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
          if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
          tcp::endpoint endpoint;
          std::memcpy(endpoint.data(), ai->ai_addr, ai->ai_addrlen);
          endpoint.port(port);
          endpoints.push_back(endpoint);
        }
        ::freeaddrinfo(list);
      }
      std::lock_guard lock(state->mu);
      state->rc = rc;
      state->endpoints = std::move(endpoints);
      state->done = true;
      state->cv.notify_all();
    }).detach();
  } catch (const std::exception& e) {
    return core::make_error(std::string("cannot start a DNS lookup: ") + e.what());
  }
  std::unique_lock lock(state->mu);
  if (!state->cv.wait_until(lock, deadline, [&] { return state->done; })) {
    *timed_out = true;
    return core::make_error("DNS lookup timed out");
  }
  if (state->rc != 0) {
    return core::make_error("DNS lookup of " + host + " failed: " + ::gai_strerror(state->rc));
  }
  if (state->endpoints.empty()) return core::make_error("DNS lookup of " + host + " found nothing");
  return std::move(state->endpoints);
}

// ---------------------------------------------------------------------------------------------
// Connections

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Connection {
  Connection(bool tls, ssl::context& ctx) {
    if (tls) {
      tls_stream = std::make_unique<TlsStream>(ioc, ctx);
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
  }
  ~Connection() {
    error_code ignored;
    lowest().socket().close(ignored);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  beast::tcp_stream& lowest() { return tls_stream ? beast::get_lowest_layer(*tls_stream) : *plain; }

  // True when the idle connection is still open and nothing unexpected arrived on it (a server's
  // FIN, a TLS close_notify or stray bytes all make it unusable).
  bool usable() {
    if (buffer.size() != 0 || !lowest().socket().is_open()) return false;
    char byte = 0;
    const ssize_t n = ::recv(lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  // Runs the io_context until the operation started by `start` calls its handler.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = net::error::operation_aborted;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  net::io_context ioc{1};  // declared first: destroyed after the streams
  std::unique_ptr<TlsStream> tls_stream;
  std::unique_ptr<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since{};
};

class Pool {
 public:
  Pool(std::size_t max_idle_per_host, milliseconds idle_timeout)
      : max_idle_(max_idle_per_host), idle_timeout_(idle_timeout) {}

  std::unique_ptr<Connection> take(const std::string& key) {
    std::vector<std::unique_ptr<Connection>> dropped;  // closed outside the lock
    std::unique_ptr<Connection> found;
    {
      std::lock_guard lock(mu_);
      sweep(dropped);
      auto it = idle_.find(key);
      if (it != idle_.end()) {
        auto& list = it->second;
        while (!list.empty() && !found) {
          std::unique_ptr<Connection> c = std::move(list.back());
          list.pop_back();
          if (c->usable()) {
            found = std::move(c);
          } else {
            dropped.push_back(std::move(c));
          }
        }
        if (list.empty()) idle_.erase(it);
      }
    }
    return found;
  }

  void put(const std::string& key, std::unique_ptr<Connection> c) {
    if (max_idle_ == 0) return;
    std::vector<std::unique_ptr<Connection>> dropped;
    c->idle_since = SteadyClock::now();
    std::lock_guard lock(mu_);
    sweep(dropped);
    auto& list = idle_[key];
    list.push_back(std::move(c));
    while (list.size() > max_idle_) {
      dropped.push_back(std::move(list.front()));
      list.erase(list.begin());
    }
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [key, list] : idle_) n += list.size();
    return n;
  }

 private:
  void sweep(std::vector<std::unique_ptr<Connection>>& dropped) {
    const auto now = SteadyClock::now();
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      for (auto c = list.begin(); c != list.end();) {
        if (now - (*c)->idle_since >= idle_timeout_) {
          dropped.push_back(std::move(*c));
          c = list.erase(c);
        } else {
          ++c;
        }
      }
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
  }

  const std::size_t max_idle_;
  const milliseconds idle_timeout_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

// ---------------------------------------------------------------------------------------------
// One exchange

// Deadlines of one request: the total one, and how each step's deadline is derived from it.
struct Deadlines {
  SteadyClock::time_point total;
  milliseconds total_timeout;

  // The earlier of now + step and the total deadline; `by_total` says which one it is.
  SteadyClock::time_point step(milliseconds step_timeout, bool* by_total) const {
    const auto t = SteadyClock::now() + step_timeout;
    *by_total = total <= t;
    return *by_total ? total : t;
  }
  std::string total_message() const {
    return "request timed out after " + ms(total_timeout) + " (total)";
  }
};

// The request as written: the body is a view of ClientRequest::body (media uploads are not copied).
using RequestMessage = bhttp::request<bhttp::span_body<const char>>;

struct Failure {
  std::string message;
  bool retryable = false;  // a reused connection closed before any byte of the response
};

}  // namespace

struct BeastHttpClient::Impl {
  ClientOptions options;
  ssl::context ctx{ssl::context::tls_client};
  Pool pool;

  explicit Impl(ClientOptions o)
      : options(std::move(o)), pool(options.max_idle_per_host, options.idle_timeout) {}

  core::Result<ClientResponse> send(const ClientRequest& request);

 private:
  core::Result<std::unique_ptr<Connection>> connect(const Url& url, const Deadlines& deadlines);
  template <class Stream>
  std::optional<Failure> exchange(Connection& c, Stream& stream, const RequestMessage& message,
                                  bool head, const Deadlines& deadlines, ClientResponse& response,
                                  bool& keep_alive);
};

core::Result<std::unique_ptr<Connection>> BeastHttpClient::Impl::connect(
    const Url& url, const Deadlines& deadlines) {
  bool by_total = false;
  const auto deadline = deadlines.step(options.connect_timeout, &by_total);
  const std::string timeout_message =
      by_total ? deadlines.total_message()
               : "connect timed out after " + ms(options.connect_timeout);

  std::vector<tcp::endpoint> endpoints;
  if (url.host_is_ip) {
    endpoints.emplace_back(net::ip::make_address(url.host), url.port);
  } else {
    bool timed_out = false;
    auto resolved = resolve(url.host, url.port, deadline, &timed_out);
    if (!resolved) {
      return core::make_error(timed_out ? timeout_message + " (DNS lookup)"
                                        : resolved.error().message);
    }
    endpoints = std::move(resolved.value());
  }

  auto c = std::make_unique<Connection>(url.tls, ctx);
  c->lowest().expires_at(deadline);
  error_code ec = c->run([&](auto handler) { c->lowest().async_connect(endpoints, handler); });
  if (ec == beast::error::timeout) return core::make_error(timeout_message);
  if (ec) {
    return core::make_error("connect to " + url.host_header + " failed: " + ec.message());
  }

  if (url.tls) {
    SSL* ssl = c->tls_stream->native_handle();
    if (!url.host_is_ip && SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1) {
      return core::make_error("cannot set the TLS server name");
    }
    if (options.verify_peer) {
      int ok = 0;
      if (url.host_is_ip) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
      } else {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = SSL_set1_host(ssl, url.host.c_str());
      }
      if (ok != 1) return core::make_error("cannot set the TLS host name to verify");
    }
    ec = c->run(
        [&](auto handler) { c->tls_stream->async_handshake(ssl::stream_base::client, handler); });
    if (ec == beast::error::timeout) return core::make_error(timeout_message + " (TLS handshake)");
    if (ec) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        return core::make_error(std::string("TLS certificate verification failed: ") +
                                X509_verify_cert_error_string(verify));
      }
      return core::make_error("TLS handshake failed: " + ec.message());
    }
  }
  c->lowest().expires_never();
  return c;
}

template <class Stream>
std::optional<Failure> BeastHttpClient::Impl::exchange(Connection& c, Stream& stream,
                                                       const RequestMessage& message, bool head,
                                                       const Deadlines& deadlines,
                                                       ClientResponse& response, bool& keep_alive) {
  bool by_total = false;
  auto timeout_message = [&](std::string_view what) {
    return by_total ? deadlines.total_message()
                    : std::string(what) + " timed out after " + ms(options.read_timeout);
  };

  c.lowest().expires_at(deadlines.step(options.read_timeout, &by_total));
  error_code ec = c.run([&](auto handler) { bhttp::async_write(stream, message, handler); });
  if (ec == beast::error::timeout) return Failure{timeout_message("sending the request"), false};
  if (ec) return Failure{"sending the request failed: " + ec.message(), true};

  while (true) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_response_bytes);
    if (head) parser.skip(true);
    bool received = c.buffer.size() != 0;
    while (!parser.is_done()) {
      c.lowest().expires_at(deadlines.step(options.read_timeout, &by_total));
      ec = c.run([&](auto handler) { bhttp::async_read_some(stream, c.buffer, parser, handler); });
      received = received || parser.got_some() || c.buffer.size() != 0;
      if (ec == ssl::error::stream_truncated && parser.got_some()) {
        // The server closed TCP without a TLS close_notify, which many do: a body delimited by
        // the connection's end is complete, any other is truncated.
        ec = {};
        parser.put_eof(ec);
        if (!ec && parser.is_done()) break;
        if (!ec) ec = bhttp::error::partial_message;
      }
      if (!ec) continue;
      if (ec == beast::error::timeout) return Failure{timeout_message("read"), false};
      if (ec == bhttp::error::body_limit) {
        return Failure{
            "response body over " + std::to_string(options.max_response_bytes) + " bytes", false};
      }
      if (ec == bhttp::error::header_limit) {
        return Failure{"response header over " + std::to_string(kHeaderLimit) + " bytes", false};
      }
      if (!received) {
        return Failure{"connection closed before a response (" + ec.message() + ")", true};
      }
      if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream ||
          ec == ssl::error::stream_truncated || ec == net::error::eof ||
          ec == net::error::connection_reset) {
        return Failure{"connection closed before the response was complete (" + ec.message() + ")",
                       false};
      }
      if (ec.category() == make_error_code(bhttp::error::bad_status).category()) {
        return Failure{"malformed response: " + ec.message(), false};
      }
      return Failure{"reading the response failed: " + ec.message(), false};
    }
    auto& res = parser.get();
    const unsigned status = res.result_int();
    // Interim responses (100 Continue, 103 Early Hints) are skipped; 101 is final but unusable.
    if (status >= 100 && status < 200 && status != 101) continue;
    response.status = static_cast<int>(status);
    response.headers.clear();
    for (const auto& field : res) {
      response.headers.push_back(
          Header{std::string(field.name_string()), std::string(field.value())});
    }
    response.body = std::move(res.body());
    keep_alive = res.keep_alive() && !parser.need_eof() && status != 101 && c.buffer.size() == 0;
    return std::nullopt;
  }
}

core::Result<ClientResponse> BeastHttpClient::Impl::send(const ClientRequest& request) {
  auto url = parse_url(request.url);
  if (!url) return url.error();
  auto fail = [&](std::string message) { return core::make_error(std::move(message), url->where); };

  if (!is_token(request.method)) return fail("invalid request method");
  for (const Header& h : request.headers) {
    if (!is_token(h.name)) return fail("invalid request header name");
    if (!is_field_value(h.value)) return fail("invalid value of request header " + h.name);
  }
  if (find_header(request.headers, "Transfer-Encoding") != nullptr) {
    return fail("Transfer-Encoding is not supported in requests (the body is sent whole)");
  }
  if (const Header* cl = find_header(request.headers, "Content-Length")) {
    if (cl->value != std::to_string(request.body.size())) {
      return fail("Content-Length header does not match the body");
    }
  }

  RequestMessage message;
  message.version(11);
  message.method_string(request.method);
  message.target(url->target);
  for (const Header& h : request.headers) message.insert(h.name, h.value);
  if (find_header(request.headers, "Host") == nullptr)
    message.set(bhttp::field::host, url->host_header);
  if (find_header(request.headers, "User-Agent") == nullptr && !options.user_agent.empty()) {
    message.set(bhttp::field::user_agent, options.user_agent);
  }
  if (find_header(request.headers, "Content-Length") == nullptr &&
      (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
       request.method == "PATCH")) {
    message.set(bhttp::field::content_length, std::to_string(request.body.size()));
  }
  message.body() = {request.body.data(), request.body.size()};
  const bool head = request.method == "HEAD";
  bool close_after = false;
  if (const Header* connection = find_header(request.headers, "Connection")) {
    close_after = iequals(connection->value, "close");
  }

  const milliseconds total_timeout = request.total_timeout.value_or(options.total_timeout);
  const Deadlines deadlines{SteadyClock::now() + total_timeout, total_timeout};

  bool fresh_only = false;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> c = fresh_only ? nullptr : pool.take(url->pool_key);
    const bool reused = c != nullptr;
    if (!c) {
      auto connected = connect(*url, deadlines);
      if (!connected) return fail(connected.error().message);
      c = std::move(connected.value());
    }
    ClientResponse response;
    bool keep_alive = false;
    std::optional<Failure> failure =
        c->tls_stream ? exchange(*c, *c->tls_stream, message, head, deadlines, response, keep_alive)
                      : exchange(*c, *c->plain, message, head, deadlines, response, keep_alive);
    if (!failure) {
      if (keep_alive && !close_after) {
        c->lowest().expires_never();
        pool.put(url->pool_key, std::move(c));
      }
      return response;
    }
    if (reused && failure->retryable && attempt == 0 && replayable(request)) {
      fresh_only = true;  // the closed connection is dropped here
      continue;
    }
    if (reused && failure->retryable && !replayable(request)) {
      failure->message +=
          "; not retried: " + request.method + " is not idempotent and has no Idempotency-Key";
    }
    return fail(failure->message);
  }
}

BeastHttpClient::BeastHttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BeastHttpClient::~BeastHttpClient() = default;

core::Result<std::unique_ptr<BeastHttpClient>> BeastHttpClient::create(ClientOptions options) {
  try {
    auto impl = std::make_unique<Impl>(std::move(options));
    SSL_CTX* native = impl->ctx.native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
      return core::make_error("cannot require TLS 1.2");
    }
    impl->ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (impl->options.verify_peer) {
      impl->ctx.set_verify_mode(ssl::verify_peer);
      error_code ec;
      if (impl->options.ca_file.empty()) {
        impl->ctx.set_default_verify_paths(ec);
        if (ec)
          return core::make_error("cannot load the system's CA certificates: " + ec.message());
      } else {
        impl->ctx.load_verify_file(impl->options.ca_file, ec);
        if (ec) {
          return core::make_error("cannot load CA certificates: " + ec.message(),
                                  impl->options.ca_file);
        }
      }
    } else {
      impl->ctx.set_verify_mode(ssl::verify_none);
    }
    return std::unique_ptr<BeastHttpClient>(new BeastHttpClient(std::move(impl)));
  } catch (const std::exception& e) {
    return core::make_error(std::string("cannot set up the HTTP client: ") + e.what());
  }
}

core::Result<ClientResponse> BeastHttpClient::send(const ClientRequest& request) {
  try {
    return impl_->send(request);
  } catch (const std::exception& e) {
    return core::make_error(std::string("HTTP client error: ") + e.what(), redact(request.url));
  }
}

std::size_t BeastHttpClient::idle_connections() const { return impl_->pool.size(); }

}  // namespace syndicated::http
