// BeastHttpClient against a scripted server over real TLS on loopback, with a throw-away CA made
// by tests/integration/fakes/testca.py at suite set-up.
#include "http/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "http/beast_client.hpp"
#include "tests/unit/http/script_server.hpp"

namespace syndicated::http {
namespace {

using namespace std::chrono_literals;
using testing::ScriptServer;
using Conn = ScriptServer::Conn;

std::string ok_response(std::string_view body, std::string_view extra_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

// Answers every request on the connection with 200 and the request's method, target and body.
void echo_all(Conn& c) {
  while (auto request = c.read_request()) {
    std::string body = std::string(request->method_string()) + " " +
                       std::string(request->target()) + " " + request->body();
    if (!c.write(ok_response(body))) return;
  }
}

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char pattern[] = "/tmp/syndicated-client-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = new std::string(pattern);
    const std::string command =
        "python3 " SYNDICATED_SOURCE_DIR "/tests/integration/fakes/testca.py " + *dir_;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  static std::string cert_dir() { return *dir_; }

  static ClientOptions options() {
    ClientOptions o;
    o.ca_file = *dir_ + "/ca.pem";
    o.connect_timeout = 5s;
    o.read_timeout = 5s;
    o.total_timeout = 20s;
    o.user_agent = "syndicated-test";
    return o;
  }

  static std::unique_ptr<BeastHttpClient> client(ClientOptions o = options()) {
    auto c = BeastHttpClient::create(std::move(o));
    EXPECT_TRUE(c.ok()) << c.error().to_string();
    return std::move(c.value());
  }

  std::unique_ptr<ScriptServer> server(ScriptServer::Script script, bool tls = true,
                                       std::string address = "127.0.0.1") {
    return std::make_unique<ScriptServer>(
        ScriptServer::Options{tls, std::move(address), cert_dir()}, std::move(script));
  }

  static std::string url(const ScriptServer& s, std::string_view path = "/",
                         std::string_view host = "127.0.0.1", std::string_view scheme = "https") {
    return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(s.port()) +
           std::string(path);
  }

  static core::Result<ClientResponse> get(HttpClient& c, const std::string& u) {
    ClientRequest r;
    r.url = u;
    return c.send(r);
  }

  static std::string* dir_;
};

std::string* ClientTest::dir_ = nullptr;

TEST(Iequals, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(iequals("Content-Type", "content-type"));
  EXPECT_FALSE(iequals("Content-Type", "content-typ"));
  EXPECT_FALSE(iequals("a", "b"));
  ClientResponse r;
  r.headers = {{"X-One", "1"}, {"x-one", "2"}, {"Retry-After", "30"}};
  EXPECT_EQ(r.header("x-ONE"), "1");
  EXPECT_EQ(r.header("retry-after"), "30");
  EXPECT_FALSE(r.header("Location").has_value());
}

TEST_F(ClientTest, GetRoundTripWithHeadersAndQuery) {
  auto s = server([](Conn& c) {
    auto request = c.read_request();
    if (!request) return;
    c.write(ok_response("hello", "X-Reply: yes\r\nContent-Type: text/plain\r\n"));
    c.stall();
  });
  auto c = client();
  ClientRequest r;
  r.url = url(*s, "/path/x?token=abc&b=2");
  r.headers = {{"Accept", "application/json"}, {"X-Custom", "v 1"}};
  auto res = c->send(r);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(res->header("x-reply"), "yes");
  EXPECT_EQ(res->header("Content-Type"), "text/plain");

  s->stop();
  auto requests = s->full_requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& q = requests[0];
  EXPECT_EQ(q.method_string(), "GET");
  EXPECT_EQ(q.target(), "/path/x?token=abc&b=2");
  EXPECT_EQ(q["Host"], "127.0.0.1:" + std::to_string(s->port()));
  EXPECT_EQ(q["User-Agent"], "syndicated-test");
  EXPECT_EQ(q["Accept"], "application/json");
  EXPECT_EQ(q["X-Custom"], "v 1");
  EXPECT_EQ(q.count("Content-Length"), 0u);
  EXPECT_EQ(s->sni_names(), std::vector<std::string>{""});  // no SNI for an IP address
}

TEST_F(ClientTest, PostSendsBodyWithContentLength) {
  auto s = server([](Conn& c) {
    auto request = c.read_request();
    if (!request) return;
    c.write("HTTP/1.1 201 Created\r\nContent-Length: " + std::to_string(request->body().size()) +
            "\r\nLocation: /posts/1\r\n\r\n" + request->body());
    c.stall();
  });
  auto c = client();
  ClientRequest r;
  r.method = "POST";
  r.url = url(*s, "/posts");
  r.headers = {{"Content-Type", "application/json"}, {"User-Agent", "custom-agent"}};
  r.body = R"({"text":"Salam, dünya"})";
  auto res = c->send(r);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, r.body);
  EXPECT_EQ(res->header("Location"), "/posts/1");
  s->stop();
  auto q = s->full_requests().at(0);
  EXPECT_EQ(q["Content-Length"], std::to_string(r.body.size()));
  EXPECT_EQ(q["User-Agent"], "custom-agent");
  EXPECT_EQ(q.count("User-Agent"), 1u);
}

TEST_F(ClientTest, ErrorStatusesAreResponses) {
  auto s = server([](Conn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 4\r\n\r\nslow");
    c.stall();
  });
  auto res = get(*client(), url(*s));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->header("Retry-After"), "30");
}

TEST_F(ClientTest, VerificationFailsAgainstAnotherCa) {
  auto s = server(echo_all);
  auto o = options();
  o.ca_file = cert_dir() + "/other-ca.pem";
  auto res = get(*client(o), url(*s, "/v1/x?secret=hunter2"));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("TLS certificate verification failed"), std::string::npos)
      << res.error().message;
  EXPECT_EQ(res.error().where, url(*s, "/v1/x"));
  EXPECT_EQ(res.error().to_string().find("hunter2"), std::string::npos);
  EXPECT_TRUE(s->requests().empty());
}

TEST_F(ClientTest, VerificationFailsWithTheSystemStore) {
  auto s = server(echo_all);
  auto o = options();
  o.ca_file.clear();
  auto res = get(*client(o), url(*s));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("TLS certificate verification failed"), std::string::npos)
      << res.error().message;
  EXPECT_TRUE(s->requests().empty());
}

TEST_F(ClientTest, VerificationCanBeTurnedOffForTests) {
  auto s = server(echo_all);
  auto o = options();
  o.ca_file = cert_dir() + "/other-ca.pem";
  o.verify_peer = false;
  auto res = get(*client(o), url(*s, "/a"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "GET /a ");
}

TEST_F(ClientTest, HostNameMismatchFails) {
  // The certificate names 127.0.0.1, localhost and ::1, not 127.0.0.2.
  auto s = server(echo_all, true, "127.0.0.2");
  auto res = get(*client(), url(*s, "/", "127.0.0.2"));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("TLS certificate verification failed"), std::string::npos)
      << res.error().message;
  EXPECT_NE(res.error().message.find("mismatch"), std::string::npos) << res.error().message;
  EXPECT_TRUE(s->requests().empty());
}

TEST_F(ClientTest, SendsSniForHostNames) {
  auto s = server(echo_all);
  auto res = get(*client(), url(*s, "/n", "localhost"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "GET /n ");
  s->stop();
  EXPECT_EQ(s->sni_names(), std::vector<std::string>{"localhost"});
  EXPECT_EQ(s->full_requests().at(0)["Host"], "localhost:" + std::to_string(s->port()));
}

TEST_F(ClientTest, HostNamesAreCaseInsensitive) {
  auto s = server(echo_all);
  auto res = get(*client(), url(*s, "/n", "LocalHost"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  s->stop();
  EXPECT_EQ(s->sni_names(), std::vector<std::string>{"localhost"});
}

TEST_F(ClientTest, Ipv6Literal) {
  std::unique_ptr<ScriptServer> s;
  try {
    s = server(echo_all, true, "::1");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  auto res = get(*client(), url(*s, "/six", "[::1]"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "GET /six ");
  s->stop();
  EXPECT_EQ(s->full_requests().at(0)["Host"], "[::1]:" + std::to_string(s->port()));
}

TEST_F(ClientTest, PlainHttp) {
  auto s = server(echo_all, false);
  auto res = get(*client(), url(*s, "/plain?x=1", "127.0.0.1", "http"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "GET /plain?x=1 ");
}

TEST_F(ClientTest, ConnectTimeoutWhenTheServerNeverHandshakes) {
  auto s = server([](Conn& c) { c.stall(); }, false);  // TCP accepted, TLS never answered
  auto o = options();
  o.connect_timeout = 200ms;
  auto res = get(*client(o), url(*s, "/x?k=secret"));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("connect timed out after 200 ms"), std::string::npos)
      << res.error().message;
  EXPECT_EQ(res.error().where, url(*s, "/x"));
}

TEST_F(ClientTest, ReadTimeoutWhenTheServerDoesNotAnswer) {
  auto s = server([](Conn& c) {
    if (c.read_request()) c.stall();
  });
  auto o = options();
  o.read_timeout = 200ms;
  auto res = get(*client(o), url(*s));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("read timed out after 200 ms"), std::string::npos)
      << res.error().message;
}

TEST_F(ClientTest, TotalTimeoutBoundsATricklingResponse) {
  // A byte every 20 ms never trips the read timeout; the per-request total does.
  auto s = server([](Conn& c) {
    if (!c.read_request()) return;
    if (!c.write("HTTP/1.1 200 OK\r\nX-Slow: ")) return;
    while (c.stall(20ms) && c.write("a")) {
    }
  });
  auto o = options();
  o.read_timeout = 5s;
  o.total_timeout = 60s;
  ClientRequest r;
  r.url = url(*s);
  r.total_timeout = 300ms;
  auto res = client(o)->send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("timed out after 300 ms"), std::string::npos)
      << res.error().message;
}

TEST_F(ClientTest, DecodesChunkedBodies) {
  auto s = server([](Conn& c) {
    if (!c.read_request()) return;
    c.write(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n");
    c.stall();
  });
  auto res = get(*client(), url(*s));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "hello, world");
}

TEST_F(ClientTest, ReadsUntilCloseWithoutLength) {
  auto s = server([](Conn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it");
    c.close();
  });
  auto c = client();
  auto res = get(*c, url(*s));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "all of it");
  EXPECT_EQ(c->idle_connections(), 0u);
}

TEST_F(ClientTest, TruncatedBodyIsAnError) {
  auto s = server([](Conn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..");
    c.close();
  });
  auto c = client();
  auto res = get(*c, url(*s));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("before the response was complete"), std::string::npos)
      << res.error().message;
  EXPECT_EQ(s->accepted(), 1);  // an incomplete response is not retried
}

TEST_F(ClientTest, ResponseOverTheCapIsAnErrorAndTheConnectionIsDropped) {
  auto s = server([](Conn& c) {
    while (auto request = c.read_request()) {
      if (request->target() == "/length") {
        c.write(ok_response(std::string(2000, 'x')));
      } else if (request->target() == "/chunked") {
        c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 20; ++i) c.write("64\r\n" + std::string(100, 'y') + "\r\n");
        c.write("0\r\n\r\n");
      } else {
        c.write(ok_response("small"));
      }
    }
  });
  auto o = options();
  o.max_response_bytes = 1000;
  auto c = client(o);
  for (const char* path : {"/length", "/chunked"}) {
    auto res = get(*c, url(*s, path));
    ASSERT_FALSE(res.ok()) << path;
    EXPECT_EQ(res.error().message, "response body over 1000 bytes") << path;
  }
  auto res = get(*c, url(*s, "/small"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "small");
  EXPECT_EQ(s->accepted(), 3);  // a capped connection is never reused
}

TEST_F(ClientTest, HeadAnd204And304HaveNoBody) {
  auto s = server([](Conn& c) {
    while (auto request = c.read_request()) {
      if (request->method_string() == "HEAD") {
        c.write("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
      } else if (request->target() == "/204") {
        c.write("HTTP/1.1 204 No Content\r\n\r\n");
      } else {
        c.write("HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n");
      }
    }
  });
  auto c = client();
  ClientRequest head;
  head.method = "HEAD";
  head.url = url(*s, "/h");
  auto res = c->send(head);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("Content-Length"), "1234");
  EXPECT_EQ(res->body, "");
  res = get(*c, url(*s, "/204"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 204);
  res = get(*c, url(*s, "/304"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 304);
  EXPECT_EQ(res->header("ETag"), "\"e\"");
  EXPECT_EQ(s->accepted(), 1);  // all three on one kept-alive connection
}

TEST_F(ClientTest, InterimResponsesAreSkipped) {
  auto s = server([](Conn& c) {
    if (!c.read_request()) return;
    c.write("HTTP/1.1 100 Continue\r\n\r\n" + ok_response("final"));
    c.stall();
  });
  auto res = get(*client(), url(*s));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "final");
}

TEST_F(ClientTest, ReusesKeptAliveConnections) {
  auto s = server(echo_all);
  auto c = client();
  for (const char* path : {"/1", "/2", "/3"}) {
    auto res = get(*c, url(*s, path));
    ASSERT_TRUE(res.ok()) << res.error().to_string();
    EXPECT_EQ(res->body, std::string("GET ") + path + " ");
  }
  EXPECT_EQ(s->accepted(), 1);
  EXPECT_EQ(c->idle_connections(), 1u);
}

TEST_F(ClientTest, NoReuseWithoutIdleSlotsOrAfterTheIdleTimeout) {
  auto s = server(echo_all);
  auto o = options();
  o.max_idle_per_host = 0;
  auto c = client(o);
  ASSERT_TRUE(get(*c, url(*s, "/1")).ok());
  ASSERT_TRUE(get(*c, url(*s, "/2")).ok());
  EXPECT_EQ(s->accepted(), 2);
  EXPECT_EQ(c->idle_connections(), 0u);

  o = options();
  o.idle_timeout = 0ms;
  c = client(o);
  ASSERT_TRUE(get(*c, url(*s, "/3")).ok());
  ASSERT_TRUE(get(*c, url(*s, "/4")).ok());
  EXPECT_EQ(s->accepted(), 4);
}

TEST_F(ClientTest, ConnectionCloseIsHonoured) {
  auto s = server(echo_all);
  auto c = client();
  ClientRequest r;
  r.url = url(*s, "/1");
  r.headers = {{"Connection", "close"}};
  ASSERT_TRUE(c->send(r).ok());
  EXPECT_EQ(c->idle_connections(), 0u);
}

TEST_F(ClientTest, ConnectionsAreKeptPerHost) {
  auto s1 = server(echo_all);
  auto s2 = server(echo_all);
  auto c = client();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(get(*c, url(*s1, "/a")).ok());
    ASSERT_TRUE(get(*c, url(*s2, "/b")).ok());
  }
  EXPECT_EQ(s1->accepted(), 1);
  EXPECT_EQ(s2->accepted(), 1);
  EXPECT_EQ(c->idle_connections(), 2u);
}

// The first connection answers one request, then reads the next one and closes without answering
// (the race of a server closing an idle keep-alive connection as the request arrives).
void close_after_first(Conn& c) {
  if (c.index == 0) {
    auto request = c.read_request();
    if (!request) return;
    c.write(ok_response("first"));
    c.read_request();
    c.close();
    return;
  }
  echo_all(c);
}

TEST_F(ClientTest, StaleConnectionRetriesAnIdempotentRequestOnce) {
  auto s = server(close_after_first);
  auto c = client();
  ASSERT_TRUE(get(*c, url(*s, "/1")).ok());
  auto res = get(*c, url(*s, "/2"));
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "GET /2 ");
  EXPECT_EQ(s->accepted(), 2);
  EXPECT_EQ(s->requests(), (std::vector<std::string>{"GET /1", "GET /2", "GET /2"}));
}

TEST_F(ClientTest, StaleConnectionDoesNotResendAPost) {
  auto s = server(close_after_first);
  auto c = client();
  ASSERT_TRUE(get(*c, url(*s, "/1")).ok());
  ClientRequest post;
  post.method = "POST";
  post.url = url(*s, "/statuses");
  post.body = "once";
  auto res = c->send(post);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("connection closed before a response"), std::string::npos)
      << res.error().message;
  EXPECT_NE(res.error().message.find("not retried"), std::string::npos) << res.error().message;
  EXPECT_EQ(s->accepted(), 1);
  EXPECT_EQ(s->requests(), (std::vector<std::string>{"GET /1", "POST /statuses"}));
}

TEST_F(ClientTest, StaleConnectionRetriesAPostWithAnIdempotencyKey) {
  auto s = server(close_after_first);
  auto c = client();
  ASSERT_TRUE(get(*c, url(*s, "/1")).ok());
  ClientRequest post;
  post.method = "POST";
  post.url = url(*s, "/statuses");
  post.headers = {{"Idempotency-Key", "k1"}};
  post.body = "once";
  auto res = c->send(post);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "POST /statuses once");
  EXPECT_EQ(s->accepted(), 2);
}

TEST_F(ClientTest, RetriesOnlyOnce) {
  auto s = server([](Conn& c) {
    if (c.index == 0) {
      if (!c.read_request()) return;
      c.write(ok_response("first"));
    }
    c.read_request();  // every later connection: read and close without answering
    c.close();
  });
  auto c = client();
  ASSERT_TRUE(get(*c, url(*s, "/1")).ok());
  auto res = get(*c, url(*s, "/2"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(s->accepted(), 2);
}

TEST_F(ClientTest, IdleConnectionClosedByTheServerIsNotUsed) {
  auto s = server([](Conn& c) {
    if (c.index == 0) {
      if (!c.read_request()) return;
      c.write(ok_response("first"));
      c.close();
      return;
    }
    echo_all(c);
  });
  auto c = client();
  ASSERT_TRUE(get(*c, url(*s, "/1")).ok());
  while (s->finished() < 1) std::this_thread::sleep_for(1ms);
  ClientRequest post;
  post.method = "POST";
  post.url = url(*s, "/p");
  post.body = "b";
  auto res = c->send(post);  // not sent on the closed connection, so it needs no retry
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->body, "POST /p b");
  EXPECT_EQ(s->accepted(), 2);
}

TEST_F(ClientTest, ConcurrentSendsFromFourThreads) {
  auto s = server(echo_all);
  auto c = client();
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::vector<std::string>> bodies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        ClientRequest r;
        r.method = "POST";
        r.url = url(*s, "/t" + std::to_string(t));
        r.body = std::to_string(i);
        auto res = c->send(r);
        bodies[t].push_back(res.ok() ? res->body : res.error().to_string());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(bodies[t].size(), std::size_t{kEach});
    for (int i = 0; i < kEach; ++i) {
      EXPECT_EQ(bodies[t][i], "POST /t" + std::to_string(t) + " " + std::to_string(i));
    }
  }
  EXPECT_LE(s->accepted(), kThreads);
  EXPECT_EQ(s->requests().size(), std::size_t{kThreads * kEach});
}

TEST_F(ClientTest, BadUrlsAreErrors) {
  auto c = client();
  for (const char* u : {"", "not a url", "ftp://example.com/", "https://", "https:///path",
                        "https://:443/", "https://example.com:0/", "https://example.com:99999/",
                        "https://example.com:8x/", "https://[::1/", "https://[zz]/", "https://::1/",
                        "https://exa mple.com/", "https://user:pw@example.com/",
                        "https://example.com/a b", "https://example.com/\r\nX: y"}) {
    ClientRequest r;
    r.url = u;
    auto res = c->send(r);
    EXPECT_FALSE(res.ok()) << u;
  }
  ClientRequest r;
  r.url = "https://user:pw@example.com/x?token=secret";
  auto res = c->send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().where, "https://example.com/x");
}

TEST_F(ClientTest, HeaderInjectionIsRefused) {
  auto s = server(echo_all);
  auto c = client();
  ClientRequest r;
  r.url = url(*s);
  r.headers = {{"X-A", "v\r\nX-Injected: 1"}};
  EXPECT_FALSE(c->send(r).ok());
  r.headers = {{"Bad Name", "v"}};
  EXPECT_FALSE(c->send(r).ok());
  r.headers = {};
  r.method = "GET /x HTTP/1.1\r\n";
  EXPECT_FALSE(c->send(r).ok());
  r.method = "POST";
  r.body = "abc";
  r.headers = {{"Content-Length", "10"}};
  EXPECT_FALSE(c->send(r).ok());
  EXPECT_TRUE(s->requests().empty());
}

TEST_F(ClientTest, ConnectRefusedNamesTheUrlWithoutQuery) {
  unsigned short port = 0;
  {
    auto s = server(echo_all);
    port = s->port();
  }  // closed: nothing listens on the port any more
  auto res = get(*client(), "https://127.0.0.1:" + std::to_string(port) + "/p?api_key=secret");
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.error().message.find("connect to 127.0.0.1:"), std::string::npos)
      << res.error().message;
  EXPECT_EQ(res.error().where, "https://127.0.0.1:" + std::to_string(port) + "/p");
  EXPECT_EQ(res.error().to_string().find("secret"), std::string::npos);
}

TEST_F(ClientTest, MissingCaFileIsAStartUpError) {
  auto o = options();
  o.ca_file = cert_dir() + "/missing.pem";
  auto c = BeastHttpClient::create(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().where, o.ca_file);
}

}  // namespace
}  // namespace syndicated::http
