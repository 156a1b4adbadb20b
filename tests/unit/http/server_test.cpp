// The server over real sockets on 127.0.0.1 (port 0), driven by a raw POSIX client so that any
// byte sequence can be sent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "http/server.hpp"

namespace syndicated::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::shared_ptr<const std::string> bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

std::shared_ptr<const ResourceTable> make_table(const std::string& body,
                                                std::string etag = "\"v1\"") {
  auto table = std::make_shared<ResourceTable>();
  Resource feed;
  feed.content_type = "application/rss+xml";
  feed.last_modified = 1700000000;
  feed.identity = {bytes(body), etag};
  feed.gzip = Representation{bytes("GZ:" + body), "\"gz-" + etag.substr(1)};
  table->add("/feed.xml", feed);
  Resource other;
  other.content_type = "text/plain";
  other.identity = {bytes("other body"), "\"o1\""};
  table->add("/other.txt", other);
  return table;
}

struct ParsedResponse {
  std::string version;  // "HTTP/1.1"
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
};

// A blocking-with-deadlines raw TCP client.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads at least one more byte into buffer_; false on EOF, error or timeout.
  bool fill(std::chrono::milliseconds timeout = 5000ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    received_ += static_cast<std::size_t>(n);
    return true;
  }

  // Reads one response; `head_only` for responses to HEAD. nullopt on timeout/EOF/garbage.
  std::optional<ParsedResponse> read_response(bool head_only = false) {
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    ParsedResponse r;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = static_cast<unsigned>(std::stoul(status_line.substr(r.version.size() + 1, 3)));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (r.headers.count(name)) r.headers[name] += "\n";  // mark duplicates
      r.headers[name] += value;
      pos = next + 2;
    }
    std::size_t length = 0;
    if (r.has("content-length")) length = std::stoull(r.header("content-length"));
    if (head_only || r.status == 304 || r.status == 204) length = 0;
    while (buffer_.size() < length)
      if (!fill()) return std::nullopt;
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within `timeout`, with no bytes.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
    return false;
  }

  // Reads exactly n raw bytes (appending what is buffered first).
  std::string read_raw(std::size_t n) {
    while (buffer_.size() < n)
      if (!fill()) break;
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, out.size());
    return out;
  }

  const std::string& buffered() const { return buffer_; }
  std::size_t received() const { return received_; }  // bytes read by fill()
  // Closes with a reset (SO_LINGER 0), as a client that gives up does.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }
  void set_receive_buffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
  std::size_t received_ = 0;
};

std::string get(const std::string& target, const std::string& extra = "",
                const std::string& method = "GET", const std::string& version = "HTTP/1.1") {
  return method + " " + target + " " + version + "\r\nHost: test\r\n" + extra + "\r\n";
}

// Waits for a condition on stats (they are counted when a write completes, which may be just
// after the client has read the response).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 2000ms) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::uint64_t status_count(const ServerStats& s, unsigned status) {
  for (const auto& sc : s.responses_by_status)
    if (sc.status == status) return sc.count;
  return 0;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}, bool with_routes = true) {
    options.port = 0;
    server_ = std::make_unique<Server>(options);
    server_->set_resources(make_table("first body"));
    if (with_routes) {
      server_->add_route("/healthz", [](const Request&) {
        Response r;
        r.headers = {{"Content-Type", "text/plain"}};
        r.body = bytes("ok\n");
        return r;
      });
    }
    auto status = server_->start();
    ASSERT_TRUE(status.ok()) << status.error().to_string();
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) server_->stop(1000ms);
  }
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, PortZeroGetsARealPort) {
  start();
  RawClient c(server_->port());
  EXPECT_TRUE(c.connected());
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml")));
  auto r1 = c.read_response();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->version, "HTTP/1.1");
  EXPECT_EQ(r1->status, 200u);
  EXPECT_EQ(r1->body, "first body");
  EXPECT_EQ(r1->header("content-length"), "10");
  EXPECT_EQ(r1->header("etag"), "\"v1\"");
  EXPECT_EQ(r1->header("server"), "syndicated");
  EXPECT_EQ(r1->header("vary"), "Accept-Encoding");
  EXPECT_TRUE(r1->has("date"));
  EXPECT_FALSE(r1->has("connection"));
  ASSERT_TRUE(c.send(get("/other.txt")));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "other body");
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/other.txt") + get("/feed.xml") + get("/nope") +
                     get("/feed.xml", "", "HEAD") + get("/healthz")));
  auto r1 = c.read_response();
  auto r2 = c.read_response();
  auto r3 = c.read_response();
  auto r4 = c.read_response(/*head_only=*/true);
  auto r5 = c.read_response();
  ASSERT_TRUE(r1 && r2 && r3 && r4 && r5);
  EXPECT_EQ(r1->body, "other body");
  EXPECT_EQ(r2->body, "first body");
  EXPECT_EQ(r3->status, 404u);
  EXPECT_EQ(r4->status, 200u);
  EXPECT_EQ(r4->header("content-length"), "10");
  EXPECT_EQ(r5->body, "ok\n");
  EXPECT_TRUE(c.buffered().empty());  // HEAD sent no body bytes
}

TEST_F(ServerTest, Http10AnsweredAsHttp10AndClosed) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml", "", "GET", "HTTP/1.0")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.0");
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_within(2000ms));
}

TEST_F(ServerTest, Http10KeepAliveWhenAsked) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml", "Connection: keep-alive\r\n", "GET", "HTTP/1.0")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, "HTTP/1.0");
  EXPECT_EQ(r->header("connection"), "keep-alive");
  ASSERT_TRUE(c.send(get("/other.txt", "", "GET", "HTTP/1.0")));
  auto r2 = c.read_response();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->body, "other body");
}

TEST_F(ServerTest, Http11ConnectionCloseHonoured) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml", "Connection: close\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_within(2000ms));
}

TEST_F(ServerTest, ConditionalAndGzipOverTheWire) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml", "If-None-Match: \"v1\"\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304u);
  EXPECT_EQ(r->header("etag"), "\"v1\"");
  EXPECT_TRUE(r->has("last-modified"));
  EXPECT_TRUE(r->has("cache-control"));
  ASSERT_TRUE(c.send(get("/feed.xml", "Accept-Encoding: gzip, deflate\r\n")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("content-encoding"), "gzip");
  EXPECT_EQ(r->body, "GZ:first body");
  // The connection is still in sync after the 304.
  ASSERT_TRUE(c.send(get("/other.txt")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "other body");
  EXPECT_TRUE(eventually([&] {
    auto s = server_->stats();
    return s.not_modified == 1 && s.gzip_responses == 1 && status_count(s, 200) == 2;
  }));
}

TEST_F(ServerTest, OversizeHeaderGets431AndClose) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  start(o);
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml", "X-Big: " + std::string(4096, 'a') + "\r\n")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431u);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_within(3000ms));
}

TEST_F(ServerTest, HeaderJustUnderTheLimitIsServed) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  start(o);
  RawClient c(server_->port());
  std::string request = get("/feed.xml", "X-Pad: \r\n");
  request = get("/feed.xml", "X-Pad: " + std::string(1000 - request.size(), 'a') + "\r\n");
  ASSERT_LE(request.size(), 1024u);
  ASSERT_TRUE(c.send(request));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, RequestWithBodyIsRefused) {
  start();
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.send("POST /feed.xml HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413u);
    EXPECT_TRUE(c.closed_within(3000ms));
  }
  {
    RawClient c(server_->port());
    ASSERT_TRUE(
        c.send("GET /feed.xml HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n"
               "hello\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_GE(r->status, 400u);
    EXPECT_LT(r->status, 500u);
    EXPECT_TRUE(c.closed_within(3000ms));
  }
  {
    // Content-Length: 0 is no body: served.
    RawClient c(server_->port());
    ASSERT_TRUE(c.send(get("/feed.xml", "Content-Length: 0\r\n")));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200u);
  }
}

TEST_F(ServerTest, GarbageGets400AndClose) {
  start();
  for (std::string garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 16),
                              std::string("HELLO WORLD\r\n\r\n"),
                              std::string("GET /feed.xml HTTP/9\r\n\r\n"),
                              std::string("GET /feed.xml HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    RawClient c(server_->port());
    ASSERT_TRUE(c.send(garbage));
    auto r = c.read_response();
    ASSERT_TRUE(r) << garbage;
    EXPECT_EQ(r->status, 400u) << garbage;
    EXPECT_TRUE(c.closed_within(3000ms)) << garbage;
  }
}

TEST_F(ServerTest, AbsoluteFormTargetIs400) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("http://example.com/feed.xml")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_TRUE(c.closed_within(3000ms));
}

TEST_F(ServerTest, WrongMethodIs405WithAllowAndKeepsConnection) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml", "", "DELETE")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405u);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");
  ASSERT_TRUE(c.send(get("/feed.xml")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, SlowClientClosedAfterReadTimeout) {
  ServerOptions o;
  o.read_timeout = 200ms;
  start(o);
  RawClient c(server_->port());
  const auto begin = Clock::now();
  ASSERT_TRUE(c.send("GET /feed.xml HTTP/1.1\r\nHost: t\r\n"));  // and then nothing
  EXPECT_TRUE(c.closed_within(3000ms));
  EXPECT_GE(Clock::now() - begin, 150ms);
  EXPECT_TRUE(eventually([&] { return server_->stats().connections_timed_out == 1; }));
}

TEST_F(ServerTest, TricklingClientClosedAfterReadTimeout) {
  // A byte every 50 ms never completes a head: the deadline is per head, not per read.
  ServerOptions o;
  o.read_timeout = 200ms;
  start(o);
  RawClient c(server_->port());
  const auto begin = Clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    c.send("X");
    closed = c.closed_within(50ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - begin, 1500ms);
}

TEST_F(ServerTest, IdleKeepAliveClosedAfterIdleTimeout) {
  ServerOptions o;
  o.idle_timeout = 200ms;
  start(o);
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml")));
  ASSERT_TRUE(c.read_response());
  const auto begin = Clock::now();
  EXPECT_TRUE(c.closed_within(3000ms));
  EXPECT_GE(Clock::now() - begin, 150ms);
}

TEST_F(ServerTest, ConnectionCap) {
  ServerOptions o;
  o.max_connections = 2;
  start(o);
  RawClient a(server_->port());
  RawClient b(server_->port());
  for (RawClient* c : {&a, &b}) {
    ASSERT_TRUE(c->send(get("/feed.xml")));
    ASSERT_TRUE(c->read_response());
  }
  RawClient third(server_->port());
  third.send(get("/feed.xml"));
  EXPECT_TRUE(third.closed_within(3000ms));
  EXPECT_EQ(server_->stats().connections_rejected, 1u);
  EXPECT_EQ(server_->stats().active_connections, 2u);
  // The first two still work.
  ASSERT_TRUE(a.send(get("/other.txt")));
  EXPECT_TRUE(a.read_response());
}

TEST_F(ServerTest, ConnectionCapFreesSlotsOnClose) {
  ServerOptions o;
  o.max_connections = 1;
  start(o);
  {
    RawClient a(server_->port());
    ASSERT_TRUE(a.send(get("/feed.xml")));
    ASSERT_TRUE(a.read_response());
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().active_connections == 0; }));
  RawClient b(server_->port());
  ASSERT_TRUE(b.send(get("/feed.xml")));
  EXPECT_TRUE(b.read_response());
}

TEST_F(ServerTest, SetResourcesVisibleToNextRequest) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml")));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "first body");
  server_->set_resources(make_table("second body", "\"v2\""));
  ASSERT_TRUE(c.send(get("/feed.xml", "If-None-Match: \"v1\"\r\n")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "second body");
  EXPECT_EQ(r->header("etag"), "\"v2\"");
  server_->set_resources(nullptr);
  ASSERT_TRUE(c.send(get("/feed.xml")));
  r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404u);
}

TEST_F(ServerTest, StopLetsAnInFlightResponseFinish) {
  start();
  const std::string big(32 * 1024 * 1024, 'x');
  {
    auto table = std::make_shared<ResourceTable>();
    Resource res;
    res.content_type = "application/octet-stream";
    res.identity = {bytes(big), "\"big\""};
    table->add("/big", res);
    server_->set_resources(table);  // the server now holds the only reference to the body
  }
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/big")));
  ASSERT_TRUE(c.fill());  // the response has started
  RawClient idle(server_->port());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->stop(5000ms);
    stopped = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(stopped.load());  // waiting for our response
  EXPECT_TRUE(idle.closed_within(2000ms));  // not in flight: closed at once
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->header("connection"), "");  // it was keep-alive when it started
  EXPECT_EQ(r->body.size(), big.size());
  EXPECT_TRUE(r->body == big);
  EXPECT_TRUE(c.closed_within(3000ms));
  stopper.join();
  EXPECT_TRUE(stopped.load());
  // No new connections after stop.
  RawClient late(server_->port());
  EXPECT_TRUE(!late.connected() || late.closed_within(1000ms));
}

TEST_F(ServerTest, StopGraceExpiresForStuckClient) {
  start();
  auto table = std::make_shared<ResourceTable>();
  Resource res;
  res.content_type = "application/octet-stream";
  res.identity = {bytes(std::string(64 * 1024 * 1024, 'y')), "\"big\""};
  table->add("/big", res);
  server_->set_resources(table);
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/big")));
  ASSERT_TRUE(c.fill());  // then never read again
  const auto begin = Clock::now();
  server_->stop(300ms);
  const auto took = Clock::now() - begin;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3000ms);
  server_->stop();  // idempotent
}

TEST_F(ServerTest, StartOnAddressInUseFails) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t port = ntohs(addr.sin_port);

  ServerOptions o;
  o.port = port;
  Server server(o);
  auto status = server.start();
  ASSERT_FALSE(status.ok());
  const std::string message = status.error().to_string();
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
  ::close(fd);
}

TEST_F(ServerTest, SecondServerOnTheSamePortFails) {
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  Server first(o);
  ASSERT_TRUE(first.start().ok());
  o.port = first.port();
  Server second(o);  // a second daemon started by mistake must not share the traffic silently
  auto status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().to_string().find("in use"), std::string::npos)
      << status.error().to_string();
  first.stop();
}

TEST_F(ServerTest, StartOnBadAddressFails) {
  ServerOptions o;
  o.address = "not-an-ip";
  Server server(o);
  auto status = server.start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().to_string().find("not-an-ip"), std::string::npos);
}

TEST_F(ServerTest, AdoptsAListeningSocket) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 64), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);

  ServerOptions o;
  o.listen_fd = fd;
  o.threads = 2;
  Server server(o);
  server.set_resources(make_table("adopted"));
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(server.port(), ntohs(addr.sin_port));
  for (int i = 0; i < 8; ++i) {
    RawClient c(server.port());
    ASSERT_TRUE(c.send(get("/feed.xml")));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "adopted");
  }
  server.stop();
  ::close(fd);  // the server closed only its dups
}

TEST_F(ServerTest, ManyConnectionsAcrossThreads) {
  ServerOptions o;
  o.threads = 3;
  start(o);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 30; ++i) clients.push_back(std::make_unique<RawClient>(server_->port()));
  for (auto& c : clients) ASSERT_TRUE(c->send(get("/feed.xml")));
  for (auto& c : clients) {
    auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "first body");
  }
  EXPECT_TRUE(eventually([&] { return server_->stats().requests == 30; }));
  EXPECT_EQ(server_->stats().connections_accepted, 30u);
}

TEST_F(ServerTest, StatsByRouteAndStatus) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml") + get("/feed.xml", "If-None-Match: *\r\n") +
                     get("/healthz") + get("/missing") + get("/feed.xml", "", "POST")));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(eventually([&] { return server_->stats().requests == 5; }));
  const ServerStats s = server_->stats();
  EXPECT_EQ(status_count(s, 200), 2u);
  EXPECT_EQ(status_count(s, 304), 1u);
  EXPECT_EQ(status_count(s, 404), 1u);
  EXPECT_EQ(status_count(s, 405), 1u);
  EXPECT_GT(s.bytes_sent, 0u);
  ASSERT_EQ(s.routes.size(), 3u);
  EXPECT_EQ(s.routes[0].route, "static");
  EXPECT_EQ(s.routes[0].requests, 3u);
  EXPECT_EQ(s.routes[1].route, "/healthz");
  EXPECT_EQ(s.routes[1].requests, 1u);
  EXPECT_EQ(s.routes[2].route, "unmatched");
  EXPECT_EQ(s.routes[2].requests, 1u);
  std::uint64_t route_bytes = 0;
  for (const auto& r : s.routes) route_bytes += r.bytes_sent;
  EXPECT_EQ(route_bytes, s.bytes_sent);
}

TEST_F(ServerTest, AddRouteAfterStartThrows) {
  start();
  EXPECT_THROW(server_->add_route("/late", [](const Request&) { return Response{}; }),
               std::logic_error);
}

// Bodies that do not repeat with a short period, so a reordered or duplicated chunk shows.
std::string patterned(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>('a' + (x >> 24) % 26);
  }
  return s;
}

std::shared_ptr<const ResourceTable> make_big_table(ResourceTableOptions options = {}) {
  auto table = std::make_shared<ResourceTable>(options);
  Resource feed;
  feed.content_type = "application/rss+xml";
  feed.last_modified = 1700000000;
  feed.identity = {bytes(patterned(300 * 1000, 1)), "\"big\""};
  feed.gzip = Representation{bytes(patterned(40 * 1000, 2)), "\"big-gz\""};
  table->add("/big.xml", feed);
  Resource small;
  small.content_type = "text/plain";
  small.identity = {bytes("small body"), "\"s\""};
  table->add("/small.txt", small);
  return table;
}

// Every kind of response over one connection, pipelined, then checked byte for byte; returns the
// stats once the server has counted all the responses.
ServerStats serve_mixed(Server& server, const std::shared_ptr<const ResourceTable>& table) {
  server.set_resources(table);
  const std::string identity = *table->find("/big.xml")->identity.body;
  const std::string gzip = *table->find("/big.xml")->gzip->body;
  RawClient c(server.port());
  EXPECT_TRUE(c.send(get("/big.xml") + get("/big.xml", "Accept-Encoding: gzip\r\n") +
                     get("/big.xml", "", "HEAD") + get("/big.xml", "If-None-Match: \"big\"\r\n") +
                     get("/small.txt") + get("/big.xml")));
  auto r = c.read_response();
  EXPECT_TRUE(r && r->status == 200 && r->body == identity);
  EXPECT_EQ(r ? r->header("content-length") : "", std::to_string(identity.size()));
  r = c.read_response();
  EXPECT_TRUE(r && r->status == 200 && r->body == gzip);
  EXPECT_EQ(r ? r->header("content-encoding") : "", "gzip");
  r = c.read_response(/*head_only=*/true);
  EXPECT_TRUE(r && r->status == 200 && r->body.empty());
  EXPECT_EQ(r ? r->header("content-length") : "", std::to_string(identity.size()));
  r = c.read_response();
  EXPECT_TRUE(r && r->status == 304 && r->body.empty());
  r = c.read_response();
  EXPECT_TRUE(r && r->status == 200 && r->body == "small body");
  r = c.read_response();
  EXPECT_TRUE(r && r->status == 200 && r->body == identity);
  // Nothing more: HEAD and 304 carried no body bytes.
  EXPECT_FALSE(c.fill(200ms));
  EXPECT_TRUE(c.buffered().empty());
  EXPECT_TRUE(eventually([&] { return server.stats().requests == 6; }));
  ServerStats s = server.stats();
  EXPECT_EQ(s.bytes_sent, c.received());  // head and body bytes, exactly
  return s;
}

TEST_F(ServerTest, LargeBodiesAreSentFromTheirFile) {
  start();
  const ServerStats s = serve_mixed(*server_, make_big_table());
  EXPECT_EQ(s.file_responses, 3u);  // the two identity 200s and the gzip one
  EXPECT_EQ(s.gzip_responses, 1u);
}

TEST_F(ServerTest, LargeBodiesFromMemoryWhenTheTableHasNoFiles) {
  start();
  const ServerStats s = serve_mixed(*server_, make_big_table({.file_min_bytes = SIZE_MAX}));
  EXPECT_EQ(s.file_responses, 0u);
}

// memfd_create refused (as under a seccomp filter; here: no descriptor left while the table is
// built): the table has no files and the same bytes are written from memory.
TEST_F(ServerTest, LargeBodiesFromMemoryWhenMemfdFails) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the sanitizer runtime needs file descriptors that this test takes away";
#endif
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit none = saved;
  none.rlim_cur = 0;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none), 0);
  auto table = make_big_table();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_EQ(table->find_entry("/big.xml")->identity_file, nullptr);
  start();
  const ServerStats s = serve_mixed(*server_, table);
  EXPECT_EQ(s.file_responses, 0u);
}

TEST_F(ServerTest, SmallBodiesStayOnTheMemoryPath) {
  start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.send(get("/feed.xml")));
  ASSERT_TRUE(c.read_response());
  ASSERT_TRUE(eventually([&] { return server_->stats().requests == 1; }));
  EXPECT_EQ(server_->stats().file_responses, 0u);
}

// A client that stops reading in the middle of a sendfile() body is closed by write_timeout.
TEST_F(ServerTest, WriteTimeoutCoversTheSendfileLoop) {
  ServerOptions o;
  o.write_timeout = 300ms;
  start(o);
  auto table = std::make_shared<ResourceTable>();
  Resource res;
  res.content_type = "application/octet-stream";
  res.identity = {bytes(std::string(64 * 1024 * 1024, 'z')), "\"huge\""};
  table->add("/huge", res);
  ASSERT_NE(table->find_entry("/huge")->identity_file, nullptr);
  server_->set_resources(table);
  RawClient c(server_->port());
  c.set_receive_buffer(64 * 1024);
  ASSERT_TRUE(c.send(get("/huge")));
  ASSERT_TRUE(c.fill());  // the response has started; now stall
  EXPECT_TRUE(eventually([&] { return server_->stats().connections_timed_out == 1; }, 3000ms));
  EXPECT_TRUE(eventually([&] { return server_->stats().active_connections == 0; }));
  const ServerStats s = server_->stats();
  EXPECT_EQ(s.file_responses, 1u);
  EXPECT_GT(s.bytes_sent, 0u);
  EXPECT_LT(s.bytes_sent, 64u * 1024 * 1024);  // what was sent before the deadline
}

// sendfile() to a connection the client has reset raises SIGPIPE (it has no MSG_NOSIGNAL); the
// server must survive it (this test process would be killed) and carry on serving.
TEST_F(ServerTest, ClientResetDuringSendfileIsSurvived) {
  start();
  auto table = std::make_shared<ResourceTable>();
  Resource res;
  res.content_type = "application/octet-stream";
  res.identity = {bytes(std::string(16 * 1024 * 1024, 'r')), "\"r\""};
  table->add("/huge", res);
  server_->set_resources(table);
  for (int i = 0; i < 5; ++i) {
    RawClient c(server_->port());
    c.set_receive_buffer(32 * 1024);
    ASSERT_TRUE(c.send(get("/huge")));
    ASSERT_TRUE(c.fill());
    c.reset();
  }
  EXPECT_TRUE(eventually([&] { return server_->stats().active_connections == 0; }));
  EXPECT_EQ(server_->stats().file_responses, 5u);
  RawClient after(server_->port());
  ASSERT_TRUE(after.send(get("/huge", "", "HEAD")));
  auto r = after.read_response(/*head_only=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200u);
}

// Connections arriving while the server stops with no grace: handed between threads or not, none
// may outlive its io_context (AddressSanitizer checks the destruction order here).
TEST_F(ServerTest, StopWithoutGraceWhileConnectionsArrive) {
  for (int round = 0; round < 5; ++round) {
    ServerOptions o;
    o.threads = 3;
    o.port = 0;
    auto server = std::make_unique<Server>(o);
    server->set_resources(make_table("body"));
    ASSERT_TRUE(server->start().ok());
    const std::uint16_t port = server->port();
    std::atomic<bool> done{false};
    std::thread clients([&] {
      std::vector<std::unique_ptr<RawClient>> open;
      while (!done.load()) {
        open.push_back(std::make_unique<RawClient>(port));
        open.back()->send(get("/feed.xml"));
        if (open.size() > 50) open.erase(open.begin());
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 10 * round));
    server->stop(0ms);
    server.reset();
    done = true;
    clients.join();
  }
}

// A burst of connections is spread over the I/O threads (by their number of connections), not
// left to whichever acceptor woke first.
TEST_F(ServerTest, ConnectionsAreSpreadOverThreads) {
  ServerOptions o;
  o.threads = 2;
  o.port = 0;
  server_ = std::make_unique<Server>(o);
  std::mutex mu;
  std::map<std::thread::id, int> per_thread;
  server_->add_route("/whoami", [&](const Request&) {
    std::lock_guard lock(mu);
    ++per_thread[std::this_thread::get_id()];
    return Response{};
  });
  ASSERT_TRUE(server_->start().ok());
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 40; ++i) clients.push_back(std::make_unique<RawClient>(server_->port()));
  for (auto& c : clients) ASSERT_TRUE(c->send(get("/whoami")));
  for (auto& c : clients) ASSERT_TRUE(c->read_response());
  std::lock_guard lock(mu);
  ASSERT_EQ(per_thread.size(), 2u);
  for (const auto& [id, n] : per_thread) {
    EXPECT_GE(n, 16);
    EXPECT_LE(n, 24);
  }
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  ::pclose(pipe);
  return out;
}

TEST_F(ServerTest, CurlAgrees) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no curl";
  start();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port());
  EXPECT_EQ(run("curl -sS --max-time 5 " + url + "/feed.xml"), "first body");
  EXPECT_EQ(run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -H 'If-None-Match: \"v1\"' " +
                url + "/feed.xml"),
            "304");
  EXPECT_EQ(run("curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X POST " + url +
                "/feed.xml"),
            "405");
  EXPECT_EQ(run("curl -sS --max-time 5 -I -o /dev/null -w '%{http_code} %{size_download}' " + url +
                "/feed.xml"),
            "200 0");
  // Two URLs, one connection (curl reuses it: "Re-using existing connection").
  const std::string verbose = run("curl -sS -v --max-time 5 " + url + "/feed.xml " + url +
                                  "/other.txt 2>&1");
  EXPECT_NE(verbose.find("first body"), std::string::npos) << verbose;
  EXPECT_NE(verbose.find("other body"), std::string::npos) << verbose;
  EXPECT_NE(verbose.find("e-using"), std::string::npos) << verbose;
  // HTTP/1.0.
  EXPECT_EQ(run("curl -sS --http1.0 --max-time 5 " + url + "/other.txt"), "other body");
}

}  // namespace
}  // namespace syndicated::http
