#pragma once
// BeastHttpClient: the real HttpClient (HTTP/1.1 over TLS or plain TCP, Boost.Beast + OpenSSL),
// behind a pimpl so that no Beast, Asio or OpenSSL header leaks to its users.
//
// - https:// and http:// URLs; host names, IPv4 and bracketed IPv6 literals, explicit ports.
// - TLS 1.2 or later; the chain is verified against ClientOptions::ca_file or the system's
//   default verify paths, and the certificate must name the host (DNS name or IP address SAN);
//   SNI is sent for host names.
// - Blocking calls; every operation runs asynchronously on a private io_context of the connection
//   it uses, driven by the calling thread, so a timeout cancels it cleanly. connect_timeout bounds
//   DNS + TCP + TLS handshake, read_timeout each wait for bytes (and for the request's write),
//   total_timeout (or ClientRequest::total_timeout) the whole exchange including a retry.
// - Keep-alive connections are pooled per (scheme, host, port): at most max_idle_per_host idle
//   ones, dropped after idle_timeout or when the server has closed them. A connection that failed,
//   timed out or was not fully read is never reused. A request that finds its pooled connection
//   closed by the server before any byte of the response came back is retried once on a fresh
//   connection, but only when it is idempotent (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) or carries
//   an Idempotency-Key header: a POST is never sent twice otherwise.
// - Errors name the URL without its query string (which may hold secrets). Nothing is logged.
#include <cstddef>
#include <memory>

#include "core/result.hpp"
#include "http/client.hpp"

namespace syndicated::http {

class BeastHttpClient final : public HttpClient {
 public:
  // Fails when the trust store cannot be loaded (ca_file missing or not PEM) or TLS cannot be set
  // up: a start-up error.
  static core::Result<std::unique_ptr<BeastHttpClient>> create(ClientOptions options);

  ~BeastHttpClient() override;
  BeastHttpClient(const BeastHttpClient&) = delete;
  BeastHttpClient& operator=(const BeastHttpClient&) = delete;

  core::Result<ClientResponse> send(const ClientRequest& request) override;

  // Kept-alive connections waiting in the pool, all hosts together (for tests and metrics).
  std::size_t idle_connections() const;

  struct Impl;

 private:
  explicit BeastHttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace syndicated::http
