#pragma once
// The outbound HTTP(S) client every connector talks through. This header is the whole interface:
// no Beast, no Asio, no OpenSSL. The real implementation is BeastHttpClient (http/beast_client.*);
// unit tests use testing::FakeHttpClient (tests/fakes/fake_http_client.hpp).
//
// Calls are blocking and bounded by the timeouts below; the syndication engine runs them on
// per-account worker threads, never on the control loop or the server's I/O threads.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace syndicated::http {

struct Header {
  std::string name;
  std::string value;
};

struct ClientRequest {
  std::string method = "GET";  // "GET", "POST", "PUT", "DELETE", ...
  std::string url;             // absolute: https://host[:port]/path?query (http:// also allowed)
  std::vector<Header> headers;  // Host, Content-Length and User-Agent are added when absent
  std::string body;
  // Overrides ClientOptions::total_timeout for this request when set.
  std::optional<std::chrono::milliseconds> total_timeout;
};

struct ClientResponse {
  int status = 0;
  std::vector<Header> headers;  // as received, in order
  std::string body;             // de-chunked; never larger than ClientOptions::max_response_bytes

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct ClientOptions {
  // PEM bundle of trusted CAs; empty = the system's default verify paths.
  std::string ca_file;
  // Certificate chain and host-name verification. Only a test may turn this off.
  bool verify_peer = true;
  std::chrono::milliseconds connect_timeout{10'000};  // DNS + TCP + TLS handshake
  std::chrono::milliseconds read_timeout{30'000};     // between bytes of the response
  std::chrono::milliseconds total_timeout{60'000};    // the whole exchange
  std::size_t max_response_bytes = 16u << 20;         // body cap; larger is an error
  std::chrono::milliseconds idle_timeout{60'000};     // a kept-alive connection is dropped after
  std::size_t max_idle_per_host = 4;
  std::string user_agent = "syndicated";
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and waits for its response. Any HTTP status, 4xx and 5xx included, is a
  // response; an Error means no (complete) response: bad URL, DNS, connect, TLS handshake or
  // verification, a timeout, a cap exceeded, a malformed response. Error::where is the URL
  // (without query string). Safe to call from several threads at once.
  virtual core::Result<ClientResponse> send(const ClientRequest& request) = 0;
};

// Case-insensitive ASCII comparison, for header names.
bool iequals(std::string_view a, std::string_view b);

}  // namespace syndicated::http
