// respond(): routing, conditional GET, encoding negotiation, HEAD, 404/405 — without sockets.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "http/server.hpp"

namespace syndicated::http {
namespace {

constexpr std::int64_t kModified = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT

std::shared_ptr<const std::string> bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// A request with owned headers (Request itself only holds views).
struct TestRequest {
  std::string method = "GET";
  std::string target = "/feed.xml";
  unsigned version = 11;
  std::map<std::string, std::string> headers;  // names as sent; looked up case-insensitively

  Request view() const {
    Request r;
    r.method = method;
    r.target = target;
    r.path = std::string_view(target).substr(0, std::string_view(target).find('?'));
    r.version = version;
    r.header = [this](std::string_view name) -> std::string_view {
      for (const auto& [k, v] : headers)
        if (k.size() == name.size() &&
            std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a)) ==
                     std::tolower(static_cast<unsigned char>(b));
            }))
          return v;
      return {};
    };
    return r;
  }
};

std::optional<std::string> header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return std::nullopt;
}

int count_header(const Response& r, std::string_view name) {
  int n = 0;
  for (const auto& [k, v] : r.headers) n += (k == name);
  return n;
}

std::string body_of(const Response& r) { return r.body ? *r.body : std::string(); }

class RespondTest : public ::testing::Test {
 protected:
  RespondTest() {
    auto table = std::make_shared<ResourceTable>();
    Resource feed;
    feed.content_type = "application/rss+xml; charset=utf-8";
    feed.last_modified = kModified;
    feed.identity = {bytes("<rss>identity</rss>"), "\"id-1\""};
    feed.gzip = Representation{bytes("GZIPPEDBYTES"), "\"gz-1\""};
    table->add("/feed.xml", feed);

    Resource plain;
    plain.content_type = "text/plain";
    plain.identity = {bytes("hello"), "\"plain-1\""};
    table->add("/plain.txt", plain);
    table_ = table;

    routes_["/healthz"] = [](const Request& r) {
      Response resp;
      resp.status = 200;
      resp.headers = {{"Content-Type", "text/plain"}, {"X-Path", std::string(r.path)}};
      resp.body = bytes("ok\n");
      return resp;
    };
    routes_["/boom"] = [](const Request&) -> Response { throw std::runtime_error("bug"); };
    options_.max_age_seconds = 120;
  }

  Response get(const TestRequest& r) { return respond(r.view(), table_.get(), routes_, options_); }

  std::shared_ptr<const ResourceTable> table_;
  RouteMap routes_;
  ServerOptions options_;
};

TEST_F(RespondTest, ServesIdentityWithValidatorsAndCaching) {
  Response r = get({});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r), "<rss>identity</rss>");
  EXPECT_EQ(header(r, "Content-Type"), "application/rss+xml; charset=utf-8");
  EXPECT_EQ(header(r, "Content-Length"), "19");
  EXPECT_EQ(header(r, "ETag"), "\"id-1\"");
  EXPECT_EQ(header(r, "Last-Modified"), core::format_http_date(kModified));
  EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=120");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
  EXPECT_FALSE(header(r, "Content-Encoding"));
  EXPECT_FALSE(header(r, "Connection"));
}

TEST_F(RespondTest, BodyIsSharedNotCopied) {
  Response r = get({});
  EXPECT_EQ(r.body.get(), table_->find("/feed.xml")->identity.body.get());
}

TEST_F(RespondTest, QueryStringIsIgnoredForLookup) {
  TestRequest req;
  req.target = "/feed.xml?utm_source=x&y=z";
  EXPECT_EQ(get(req).status, 200u);
}

TEST_F(RespondTest, NoVaryWithoutGzipRepresentation) {
  TestRequest req;
  req.target = "/plain.txt";
  req.headers["Accept-Encoding"] = "gzip";
  Response r = get(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r), "hello");
  EXPECT_FALSE(header(r, "Vary"));
  EXPECT_FALSE(header(r, "Content-Encoding"));
  EXPECT_FALSE(header(r, "Last-Modified"));  // last_modified = -1
}

TEST_F(RespondTest, GzipChosenWhenAccepted) {
  TestRequest req;
  req.headers["Accept-Encoding"] = "br, gzip, deflate";
  Response r = get(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r), "GZIPPEDBYTES");
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(r, "ETag"), "\"gz-1\"");
  EXPECT_EQ(header(r, "Content-Length"), "12");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
}

TEST_F(RespondTest, GzipNotChosenWithQZero) {
  TestRequest req;
  req.headers["Accept-Encoding"] = "gzip;q=0, deflate";
  Response r = get(req);
  EXPECT_EQ(body_of(r), "<rss>identity</rss>");
  EXPECT_FALSE(header(r, "Content-Encoding"));
  EXPECT_EQ(header(r, "ETag"), "\"id-1\"");
}

TEST_F(RespondTest, GzipViaWildcard) {
  TestRequest req;
  req.headers["Accept-Encoding"] = "*";
  EXPECT_EQ(header(get(req), "Content-Encoding"), "gzip");
  req.headers["Accept-Encoding"] = "*;q=0.5, gzip;q=0";
  EXPECT_FALSE(header(get(req), "Content-Encoding"));
}

TEST_F(RespondTest, IfNoneMatchExact) {
  TestRequest req;
  req.headers["If-None-Match"] = "\"id-1\"";
  Response r = get(req);
  EXPECT_EQ(r.status, 304u);
  EXPECT_EQ(body_of(r), "");
  EXPECT_EQ(header(r, "ETag"), "\"id-1\"");
  EXPECT_EQ(header(r, "Last-Modified"), core::format_http_date(kModified));
  EXPECT_EQ(header(r, "Cache-Control"), "public, max-age=120");
  EXPECT_EQ(header(r, "Vary"), "Accept-Encoding");
  EXPECT_FALSE(header(r, "Content-Length"));  // RFC 9110 8.6: 304 needs none
  EXPECT_FALSE(header(r, "Content-Type"));
}

TEST_F(RespondTest, IfNoneMatchList) {
  TestRequest req;
  req.headers["If-None-Match"] = "\"other\", W/\"x\" ,  \"id-1\"";
  EXPECT_EQ(get(req).status, 304u);
}

TEST_F(RespondTest, IfNoneMatchWeakComparison) {
  TestRequest req;
  req.headers["If-None-Match"] = "W/\"id-1\"";
  EXPECT_EQ(get(req).status, 304u);
}

TEST_F(RespondTest, IfNoneMatchStar) {
  TestRequest req;
  req.headers["If-None-Match"] = "*";
  EXPECT_EQ(get(req).status, 304u);
}

TEST_F(RespondTest, IfNoneMatchWrongEtagGives200) {
  TestRequest req;
  req.headers["If-None-Match"] = "\"id-2\", \"gz-1\"";
  Response r = get(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r), "<rss>identity</rss>");
}

TEST_F(RespondTest, EtagIsPerRepresentation) {
  // The gzip etag validates the gzip representation only.
  TestRequest req;
  req.headers["If-None-Match"] = "\"gz-1\"";
  req.headers["Accept-Encoding"] = "gzip";
  Response r = get(req);
  EXPECT_EQ(r.status, 304u);
  EXPECT_EQ(header(r, "ETag"), "\"gz-1\"");
  req.headers["If-None-Match"] = "\"id-1\"";
  EXPECT_EQ(get(req).status, 200u);
}

TEST_F(RespondTest, MalformedIfNoneMatchDoesNotMatch) {
  for (const char* value : {"\"id-1", "id-1", "W/", ",,,", "W/\"", "\"\""}) {
    TestRequest req;
    req.headers["If-None-Match"] = value;
    EXPECT_EQ(get(req).status, 200u) << value;
  }
}

TEST_F(RespondTest, IfModifiedSince) {
  TestRequest req;
  req.headers["If-Modified-Since"] = core::format_http_date(kModified);
  EXPECT_EQ(get(req).status, 304u);
  req.headers["If-Modified-Since"] = core::format_http_date(kModified + 60);
  EXPECT_EQ(get(req).status, 304u);
  req.headers["If-Modified-Since"] = core::format_http_date(kModified - 1);
  EXPECT_EQ(get(req).status, 200u);
  req.headers["If-Modified-Since"] = "not a date";
  EXPECT_EQ(get(req).status, 200u);
}

TEST_F(RespondTest, IfModifiedSinceIgnoredWhenIfNoneMatchPresent) {
  TestRequest req;
  req.headers["If-Modified-Since"] = core::format_http_date(kModified + 60);
  req.headers["If-None-Match"] = "\"stale\"";
  EXPECT_EQ(get(req).status, 200u);
}

TEST_F(RespondTest, IfModifiedSinceWithoutLastModifiedGives200) {
  TestRequest req;
  req.target = "/plain.txt";
  req.headers["If-Modified-Since"] = core::format_http_date(kModified);
  EXPECT_EQ(get(req).status, 200u);
}

TEST_F(RespondTest, HeadHasNoBodyButContentLength) {
  TestRequest req;
  req.method = "HEAD";
  Response r = get(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, nullptr);
  EXPECT_EQ(header(r, "Content-Length"), "19");
  req.headers["Accept-Encoding"] = "gzip";
  r = get(req);
  EXPECT_EQ(r.body, nullptr);
  EXPECT_EQ(header(r, "Content-Length"), "12");
}

TEST_F(RespondTest, UnknownPathIs404) {
  TestRequest req;
  req.target = "/nope";
  Response r = get(req);
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(header(r, "Content-Length"), std::to_string(body_of(r).size()));
  req.method = "POST";
  EXPECT_EQ(get(req).status, 404u);
}

TEST_F(RespondTest, WrongMethodOnKnownPathIs405WithAllow) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "BREW"}) {
    TestRequest req;
    req.method = method;
    Response r = get(req);
    EXPECT_EQ(r.status, 405u) << method;
    EXPECT_EQ(header(r, "Allow"), "GET, HEAD") << method;
    req.target = "/healthz";
    EXPECT_EQ(get(req).status, 405u) << method;
  }
}

TEST_F(RespondTest, DynamicRoute) {
  TestRequest req;
  req.target = "/healthz?verbose=1";
  Response r = get(req);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r), "ok\n");
  EXPECT_EQ(header(r, "X-Path"), "/healthz");
  EXPECT_EQ(header(r, "Content-Length"), "3");
  req.method = "HEAD";
  r = get(req);
  EXPECT_EQ(r.body, nullptr);
  EXPECT_EQ(header(r, "Content-Length"), "3");
}

TEST_F(RespondTest, DynamicRouteManagedHeadersAreReplaced) {
  routes_["/x"] = [](const Request&) {
    Response resp;
    resp.headers = {{"content-length", "999"}, {"Connection", "close"}, {"X-A", "1"}};
    resp.body = bytes("abc");
    return resp;
  };
  TestRequest req;
  req.target = "/x";
  Response r = get(req);
  EXPECT_EQ(count_header(r, "content-length"), 0);
  EXPECT_EQ(header(r, "Content-Length"), "3");
  EXPECT_FALSE(header(r, "Connection"));
  EXPECT_EQ(header(r, "X-A"), "1");
}

TEST_F(RespondTest, ThrowingHandlerGives500) {
  TestRequest req;
  req.target = "/boom";
  EXPECT_EQ(get(req).status, 500u);
}

TEST_F(RespondTest, NonOriginFormTargetIs400AndCloses) {
  for (const char* target : {"http://example.com/feed.xml", "*", "example.com:443", "feed.xml"}) {
    TestRequest req;
    req.target = target;
    Response r = get(req);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(header(r, "Connection"), "close") << target;
  }
}

TEST_F(RespondTest, OddPathsDoNotCrash) {
  for (std::string target : {std::string("/../../etc/passwd"), std::string("/feed.xml/.."),
                             std::string("/\0x", 3), std::string("/%2e%2e/"), std::string("//"),
                             std::string("/?"), std::string("/feed.xml#frag")}) {
    TestRequest req;
    req.target = target;
    EXPECT_EQ(get(req).status, 404u);
  }
}

TEST_F(RespondTest, NullTableServesRoutesOnly) {
  TestRequest req;
  EXPECT_EQ(respond(req.view(), nullptr, routes_, options_).status, 404u);
  req.target = "/healthz";
  EXPECT_EQ(respond(req.view(), nullptr, routes_, options_).status, 200u);
}

TEST_F(RespondTest, RequestWithoutHeaderFunction) {
  Request r;
  r.method = "GET";
  r.target = "/feed.xml";
  r.path = "/feed.xml";
  EXPECT_EQ(respond(r, table_.get(), routes_, options_).status, 200u);
}

TEST_F(RespondTest, NegativeMaxAgeMeansNoCache) {
  options_.max_age_seconds = -1;
  EXPECT_EQ(header(get({}), "Cache-Control"), "no-cache");
}

}  // namespace
}  // namespace syndicated::http
