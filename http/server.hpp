#pragma once
// The HTTP/1.1 server. Beast and Asio stay behind this header (pimpl): its users see none of them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "http/resource.hpp"

namespace syndicated::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (see Server::port())
  std::optional<int> listen_fd;  // an already listening socket (socket activation)
  std::size_t threads = 2;  // one io_context per thread
  std::size_t max_connections = 10000;
  std::size_t max_header_bytes = 16 * 1024;  // larger request heads get 431
  std::chrono::milliseconds read_timeout{15000};   // per request head; slow clients are closed
  std::chrono::milliseconds write_timeout{60000};  // per response
  std::chrono::milliseconds idle_timeout{60000};   // keep-alive between requests
  int max_age_seconds = 300;
  // SO_SNDBUF for accepted connections (0 = the kernel's default). Large enough for a whole feed
  // saves syscalls per response; the kernel caps it at net.core.wmem_max.
  int send_buffer_bytes = 1024 * 1024;  // Cache-Control: public, max-age=N for static resources
  std::string server_header = "syndicated";
};

struct StatusCount {
  unsigned status = 0;  // 0: any status outside the tracked set (see kTrackedStatuses in server.cpp)
  std::uint64_t count = 0;
};

struct RouteStats {
  std::string route;  // "static" (the resource table), a dynamic route's path, or "unmatched"
  std::uint64_t requests = 0;
  std::uint64_t bytes_sent = 0;  // head and body bytes written
  std::vector<StatusCount> responses;  // by status, ascending, zero counts omitted
};

// A snapshot; counters are summed over the I/O threads (each thread counts its own, so counting
// costs no cross-core traffic). Monotonic except active_connections.
struct ServerStats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_rejected = 0;  // over the cap
  std::uint64_t active_connections = 0;
  std::uint64_t connections_timed_out = 0;  // closed by the read, idle or write deadline
  std::uint64_t requests = 0;               // responses written, errors included
  std::uint64_t bytes_sent = 0;             // head and body bytes written
  std::uint64_t not_modified = 0;           // 304s
  std::uint64_t gzip_responses = 0;         // 200s served from the gzip representation
  std::uint64_t file_responses = 0;  // bodies sent with sendfile() from a memfd (zero-copy)
  std::vector<StatusCount> responses_by_status;  // ascending, zero counts omitted
  std::vector<RouteStats> routes;  // "static", then dynamic routes by path, then "unmatched"
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (or adopts listen_fd) and starts the I/O threads. After ok(), port() is known and
  // connections are accepted.
  core::Status start();
  // Stops accepting, lets in-flight responses finish for up to `grace`, then closes the rest and
  // joins the threads.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  std::uint16_t port() const;

  // Swapped atomically; requests in flight keep the table they started with.
  void set_resources(std::shared_ptr<const ResourceTable> table);
  // Register before start(). Exact path match; GET and HEAD only.
  void add_route(std::string path, DynamicHandler handler);

  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The request logic, without sockets (unit tests and the fuzz target drive it directly):
// routing, conditional GET, encoding negotiation, HEAD, 404/405.
// Response.headers carry Content-Length (except on 204/304) and, for requests that must end the
// connection (a target that is not origin-form), "Connection: close"; the server adds Server,
// Date and Connection itself.
Response respond(const Request& request, const ResourceTable* table, const RouteMap& routes,
                 const ServerOptions& options);

}  // namespace syndicated::http
