// XConnector against a scripted HttpClient: the requests it makes (method, URL, headers, bodies)
// and how it reads every answer X can give.
#include "connectors/x/x_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"

namespace syndicated::connectors::x {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kConsumerSecret = "consumer-SECRET-value";
constexpr const char* kTokenSecret = "token-SECRET-value";
constexpr const char* kArticleUrl = "https://news.example.az/politics/budget-2026";

std::optional<std::string> header_of(const http::ClientRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return h.value;
    }
  }
  return std::nullopt;
}

AccountSettings settings() {
  AccountSettings s;
  s.name = "x_main";
  s.network = "x";
  s.where = "config.toml:40";
  s.site_name = "Example News";
  s.site_language = "az";
  s.credentials["consumer_key"] = Secret("ck-123");
  s.credentials["consumer_secret"] = Secret(kConsumerSecret);
  s.credentials["access_token"] = Secret("42-token-value");
  s.credentials["access_token_secret"] = Secret(kTokenSecret);
  return s;
}

core::Article article() {
  core::Article a;
  a.id = "budget-2026";
  a.title = "Parliament passes the 2026 budget";
  a.url = kArticleUrl;
  a.summary = "The budget was passed on the third reading.";
  a.categories = {{"Politics", "politics"}};
  a.tags = {{"Budget", "budget"}};
  a.images = {{"https://news.example.az/img/budget.jpg", "image/jpeg", {}, {}, {}, ""}};
  a.language = "en";
  a.source = "politics/budget.md";
  a.published = core::Timestamp{1767225000, 0, 0};  // 2025-12-31T23:50:00Z
  return a;
}

struct XConnectorTest : ::testing::Test {
  testing::FakeClock clock;  // 2026-01-01T00:00:00Z = 1767225600
  testing::FakeHttpClient http;
  ConnectorContext context{http, clock};
  int nonce_counter = 0;
  core::Article art = article();
  Post post;

  std::unique_ptr<XConnector> make(AccountSettings s = settings()) {
    auto c = XConnector::create(s, context,
                                [this] { return "nonce" + std::to_string(++nonce_counter); });
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }
  Delivery delivery(bool recovering = false) {
    return Delivery{art, post, "key-1", recovering ? 2 : 1, recovering};
  }
  void SetUp() override {
    post.text = "Parliament passes the 2026 budget\n\n" + std::string(kArticleUrl);
  }
};

std::string tweet_created(const std::string& id) {
  return json{{"data", {{"id", id}, {"text", "t"}, {"edit_history_tweet_ids", {id}}}}}.dump();
}

std::string timeline_with(const std::string& id, const std::string& expanded,
                          const char* key = "expanded_url") {
  json url = {{"start", 35},
              {"end", 58},
              {"url", "https://t.co/abcdef1234"},
              {"display_url", "news.example.az/politics…"}};
  url[key] = expanded;
  return json{
      {"data",
       {{{"id", "1700000000000000009"},
         {"text", "Something else https://t.co/zzz"},
         {"entities",
          {{"urls",
            {{{"url", "https://t.co/zzz"}, {"expanded_url", "https://news.example.az/other"}}}}}}},
        {{"id", id},
         {"text", "Parliament passes the 2026 budget\n\nhttps://t.co/abcdef1234"},
         {"created_at", "2026-01-01T00:00:00.000Z"},
         {"entities", {{"urls", {url}}}}}}},
      {"meta", {{"result_count", 2}}}}
      .dump();
}

// --- publish: request shapes ---------------------------------------------------------------

TEST_F(XConnectorTest, PostsTheTextAsJsonSignedWithOAuth) {
  auto x = make();
  http.push(201, tweet_created("1800000000000000001"));
  Outcome o = x->publish(delivery());
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "1800000000000000001");
  EXPECT_EQ(o.remote.url, "https://x.com/i/web/status/1800000000000000001");

  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, "https://api.x.com/2/tweets");
  EXPECT_EQ(header_of(reqs[0], "Content-Type"), "application/json");
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body, (json{{"text", post.text}}));

  // The header is exactly what OAuth 1.0a gives for this method, URL, nonce and clock (the JSON
  // body is not signed).
  auto expected = sign({"ck-123", kConsumerSecret, "42-token-value", kTokenSecret}, "POST",
                       "https://api.x.com/2/tweets", {}, "nonce1", 1767225600);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(header_of(reqs[0], "Authorization"), expected->authorization_header);
  EXPECT_THAT(*header_of(reqs[0], "Authorization"), HasSubstr("oauth_timestamp=\"1767225600\""));
}

TEST_F(XConnectorTest, BaseUrlOverridesTheApiHost) {
  auto s = settings();
  s.base_url = "https://127.0.0.1:8443/";
  auto x = make(s);
  http.push(201, tweet_created("7"));
  EXPECT_EQ(x->publish(delivery()).kind, Kind::kSent);
  EXPECT_EQ(http.requests().at(0).url, "https://127.0.0.1:8443/2/tweets");
}

TEST_F(XConnectorTest, UploadsTheLeadImageThenAttachesItsMediaId) {
  auto x = make();
  post.image = art.images[0];
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(1000, 'j') + "\xFF\xD9";
  http.push(200, jpeg, {{"Content-Type", "image/jpeg"}});
  http.push(
      200,
      R"({"data":{"id":"1880028106020515840","media_key":"3_1880028106020515840","size":1006}})");
  http.push(201, tweet_created("1800000000000000002"));
  Outcome o = x->publish(delivery());
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.reason, "posted");

  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].url, "https://news.example.az/img/budget.jpg");
  EXPECT_FALSE(header_of(reqs[0], "Authorization")) << "credentials go to X only";

  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].url, "https://api.x.com/2/media/upload");
  auto type = header_of(reqs[1], "Content-Type");
  ASSERT_TRUE(type);
  EXPECT_THAT(*type, StartsWith("multipart/form-data; boundary="));
  std::string boundary = type->substr(type->find('=') + 1);
  const std::string& mp = reqs[1].body;
  EXPECT_THAT(mp, StartsWith("--" + boundary + "\r\n"));
  EXPECT_THAT(mp, HasSubstr("Content-Disposition: form-data; name=\"media_category\"\r\n\r\n"
                            "tweet_image\r\n"));
  EXPECT_THAT(mp, HasSubstr("Content-Disposition: form-data; name=\"media\"; filename=\"image\"\r\n"
                            "Content-Type: image/jpeg\r\n\r\n" +
                            jpeg + "\r\n--" + boundary + "--\r\n"));
  EXPECT_THAT(*header_of(reqs[1], "Authorization"), StartsWith("OAuth "));

  EXPECT_EQ(reqs[2].url, "https://api.x.com/2/tweets");
  json body = json::parse(reqs[2].body);
  EXPECT_EQ(body["media"], (json{{"media_ids", {"1880028106020515840"}}}));
}

struct ImageFailure {
  const char* name;
  int status;
  std::string body;
  std::string type;
  const char* says;
};

TEST_F(XConnectorTest, AnImageThatCannotBeUsedIsLeftOutAndTheReasonSaysSo) {
  const ImageFailure cases[] = {
      {"404", 404, "nope", "text/html", "HTTP 404"},
      {"html", 200, "<html>", "text/html; charset=utf-8", "'text/html'"},
      {"too large", 200, std::string(kMaxImageBytes + 1, 'x'), "image/png", "5 MB"},
      {"empty", 200, "", "image/png", "bytes"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    testing::FakeHttpClient local;
    ConnectorContext ctx{local, clock};
    auto x = XConnector::create(settings(), ctx, [] { return std::string("n"); });
    ASSERT_TRUE(x.ok());
    post.image = art.images[0];
    local.push(c.status, c.body, {{"Content-Type", c.type}});
    local.push(201, tweet_created("11"));
    Outcome o = (*x)->publish(delivery());
    ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
    EXPECT_THAT(o.reason, HasSubstr("without the image"));
    EXPECT_THAT(o.reason, HasSubstr(c.says));
    auto reqs = local.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_FALSE(json::parse(reqs[1].body).contains("media"));
  }
}

TEST_F(XConnectorTest, ImageFetchTransportErrorPostsWithoutImage) {
  auto x = make();
  post.image = art.images[0];
  http.push_error("connection refused");
  http.push(201, tweet_created("12"));
  Outcome o = x->publish(delivery());
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_THAT(o.reason, HasSubstr("connection refused"));
}

TEST_F(XConnectorTest, RefusedUploadPostsWithoutImageButAnOutageStops) {
  {
    auto x = make();
    post.image = art.images[0];
    http.push(200, "GIF89a...", {{"content-type", "image/gif"}});
    http.push(400, R"({"errors":[{"message":"media type unrecognized."}]})");
    http.push(201, tweet_created("13"));
    Outcome o = x->publish(delivery());
    ASSERT_EQ(o.kind, Kind::kSent);
    EXPECT_THAT(o.reason, HasSubstr("media type unrecognized."));
  }
  testing::FakeHttpClient local;
  ConnectorContext ctx{local, clock};
  auto x = XConnector::create(settings(), ctx, [] { return std::string("n"); });
  ASSERT_TRUE(x.ok());
  local.push(200, "GIF89a...", {{"content-type", "image/gif"}});
  local.push(503, R"({"title":"Service Unavailable","detail":"Service Unavailable","status":503})");
  Outcome o = (*x)->publish(delivery());
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_EQ(local.requests().size(), 2u) << "no tweet without trying the image again";
}

// --- publish: classification ------------------------------------------------------------------

struct Case {
  const char* name;
  int status;
  std::string body;
  std::vector<http::Header> headers;
  Kind kind;
  const char* says;
};

TEST_F(XConnectorTest, ClassifiesEveryAnswer) {
  const Case cases[] = {
      {"500", 500, "{}", {}, Kind::kTransient, "500"},
      {"503", 503, R"({"title":"Service Unavailable","status":503})", {}, Kind::kTransient, "503"},
      {"429",
       429,
       R"({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})",
       {{"x-rate-limit-reset", "1767226500"}, {"x-rate-limit-remaining", "0"}},
       Kind::kTransient,
       "429"},
      {"401",
       401,
       R"({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})",
       {},
       Kind::kStopAccount,
       "X rejected the credentials (401): reconnect the account"},
      {"402",
       402,
       R"({"title":"CreditsDepleted","detail":"Your enrolled account does not have any credits","type":"https://api.twitter.com/2/problems/credits"})",
       {},
       Kind::kStopAccount,
       "X API credits exhausted (402)"},
      {"403 duplicate",
       403,
       R"({"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403})",
       {},
       Kind::kPermanent,
       "You are not allowed to create a Tweet with duplicate content."},
      {"403 other",
       403,
       R"({"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403})",
       {},
       Kind::kPermanent,
       "You are not permitted to perform this action."},
      {"400 problem",
       400,
       R"({"detail":"Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text.","type":"about:blank","title":"Bad Request","status":400})",
       {},
       Kind::kPermanent,
       "Your Tweet text is too long."},
      {"400 errors",
       400,
       R"({"errors":[{"parameters":{"media.media_ids":["1"]},"message":"Your media IDs are invalid."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"})",
       {},
       Kind::kPermanent,
       "Your media IDs are invalid."},
      {"413 not json",
       413,
       "<html>Request Entity Too Large</html>",
       {},
       Kind::kPermanent,
       "Request Entity Too Large"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    testing::FakeHttpClient local;
    ConnectorContext ctx{local, clock};
    auto x = XConnector::create(settings(), ctx, [] { return std::string("n"); });
    ASSERT_TRUE(x.ok());
    local.push(c.status, c.body, c.headers);
    Outcome o = (*x)->publish(delivery());
    EXPECT_EQ(o.kind, c.kind) << o.reason;
    EXPECT_THAT(o.reason, HasSubstr(c.says));
    EXPECT_EQ(local.requests().size(), 1u);
  }
}

TEST_F(XConnectorTest, TransportErrorIsTransient) {
  auto x = make();
  http.push_error("TLS handshake failed");
  Outcome o = x->publish(delivery());
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, HasSubstr("TLS handshake failed"));
}

TEST_F(XConnectorTest, RateLimitHintsBecomeRetryAtAndPauseUntil) {
  auto x = make();
  http.push(429, "{}", {{"x-rate-limit-reset", "1767226500"}, {"x-rate-limit-remaining", "0"}});
  Outcome o = x->publish(delivery());
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767226500);
  ASSERT_TRUE(o.pause_until);
  EXPECT_EQ(o.pause_until->unix_seconds, 1767226500);

  http.push(429, "{}", {{"Retry-After", "120"}});
  o = x->publish(delivery());
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225600 + 120);
  EXPECT_FALSE(o.pause_until);

  http.push(503, "{}", {{"Retry-After", "Thu, 01 Jan 2026 00:10:00 GMT"}});
  o = x->publish(delivery());
  EXPECT_EQ(o.kind, Kind::kTransient);
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225600 + 600);
}

TEST_F(XConnectorTest, ExhaustedWindowOnSuccessPausesTheAccount) {
  auto x = make();
  http.push(201, tweet_created("14"),
            {{"x-rate-limit-limit", "100"},
             {"x-rate-limit-remaining", "0"},
             {"x-rate-limit-reset", "1767226000"}});
  Outcome o = x->publish(delivery());
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_FALSE(o.retry_at);
  ASSERT_TRUE(o.pause_until);
  EXPECT_EQ(o.pause_until->unix_seconds, 1767226000);

  http.push(201, tweet_created("15"),
            {{"x-rate-limit-remaining", "7"}, {"x-rate-limit-reset", "1767226000"}});
  EXPECT_FALSE(x->publish(delivery()).pause_until);
}

TEST_F(XConnectorTest, ReasonsNeverCarrySecrets) {
  auto x = make();
  // A server (or a proxy) that echoes what it was sent.
  http.set_handler([](const http::ClientRequest& r) -> core::Result<http::ClientResponse> {
    http::ClientResponse resp;
    resp.status = 400;
    std::string auth;
    for (const auto& h : r.headers) auth += h.name + ": " + h.value + " ";
    resp.body =
        json{{"detail", "bad request " + auth + " secret=" + kConsumerSecret + "&" + kTokenSecret}}
            .dump();
    return resp;
  });
  Outcome o = x->publish(delivery());
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_THAT(o.reason, Not(HasSubstr(kConsumerSecret)));
  EXPECT_THAT(o.reason, Not(HasSubstr(kTokenSecret)));
  EXPECT_THAT(o.reason, Not(HasSubstr("42-token-value")));
  EXPECT_THAT(o.reason, HasSubstr("<redacted>"));

  http.set_handler(nullptr);
  for (int status : {401, 402, 429, 500}) {
    http.push(status, std::string("{\"detail\":\"") + kTokenSecret + "\"}");
    EXPECT_THAT(x->publish(delivery()).reason, Not(HasSubstr(kTokenSecret)));
  }
}

// --- recovery ------------------------------------------------------------------------------------

TEST_F(XConnectorTest, FindLocatesAnEarlierPostOfTheArticle) {
  auto x = make();
  http.push(200, R"({"data":{"id":"2244994945","name":"News","username":"news"}})");
  http.push(200, timeline_with("1800000000000000003", kArticleUrl));
  Outcome o = x->find(delivery(true));
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "1800000000000000003");
  EXPECT_EQ(o.remote.url, "https://x.com/i/web/status/1800000000000000003");
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].url, "https://api.x.com/2/users/me");
  // Only posts since the article's publication (minus 5 minutes for clocks) are read.
  EXPECT_EQ(reqs[1].url,
            "https://api.x.com/2/users/2244994945/tweets?max_results=100"
            "&start_time=2025-12-31T23%3A45%3A00Z&tweet.fields=entities,created_at");
  // The query is signed.
  auto expected = sign({"ck-123", kConsumerSecret, "42-token-value", kTokenSecret}, "GET",
                       reqs[1].url, {}, "nonce2", 1767225600);
  EXPECT_EQ(header_of(reqs[1], "Authorization"), expected->authorization_header);
}

TEST_F(XConnectorTest, FindReadsPageAfterPageBackToThePublication) {
  // A busy account posted more than a page since: the article's tweet is on the second page.
  auto x = make();
  http.push(200, R"({"data":{"id":"2244994945"}})");
  json first = json::parse(timeline_with("1800000000000000010", "https://news.example.az/other/"));
  first["meta"] = {{"result_count", 2}, {"next_token", "7140dibdnow9c7btw3z"}};
  http.push(200, first.dump());
  http.push(200, timeline_with("1800000000000000003", kArticleUrl));
  Outcome o = x->find(delivery(true));
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "1800000000000000003");
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_THAT(reqs[2].url, HasSubstr("&pagination_token=7140dibdnow9c7btw3z"));
}

TEST_F(XConnectorTest, FindThatCannotReadBackFarEnoughCannotTell) {
  // Ten full pages and still more: "not found" could post twice, so the answer is "try later".
  AccountSettings s = settings();
  s.options["lookup_count"] = {"5", "config.toml:9"};
  auto x = make(s);
  http.push(200, R"({"data":{"id":"2244994945"}})");
  json page = {{"data", json::array()}, {"meta", {{"next_token", "more"}}}};
  for (int i = 0; i < 5; ++i)
    page["data"].push_back({{"id", "17000000000000000" + std::to_string(10 + i)}, {"text", "x"}});
  for (int i = 0; i < 10; ++i) http.push(200, page.dump());
  Outcome o = x->find(delivery(true));
  EXPECT_EQ(o.kind, Kind::kTransient) << o.reason;
  EXPECT_EQ(http.requests().size(), 11u);
}

TEST_F(XConnectorTest, FindWithNothingThereSaysNotFound) {
  auto x = make();
  http.push(200, R"({"data":{"id":"2244994945"}})");
  http.push(200, R"({"meta":{"result_count":0}})");
  EXPECT_EQ(x->find(delivery(true)).kind, Kind::kNotFound);
}

TEST_F(XConnectorTest, RecoveringPublishPostsWithoutASecondLookup) {
  // The engine has just called find() (Recovery::kLookup); publish does not read the timeline.
  auto x = make();
  http.push(201, tweet_created("16"));
  Outcome o = x->publish(delivery(true));
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "16");
  ASSERT_EQ(http.requests().size(), 1u);
  EXPECT_EQ(http.requests()[0].method, "POST");
}

TEST_F(XConnectorTest, LookupFailureIsTransient) {
  auto x = make();
  http.push(503, "{}");
  Outcome o = x->find(delivery(true));
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_EQ(http.requests().size(), 1u);
}

TEST_F(XConnectorTest, DuplicateWhileRecoveringMeansTheEarlierAttemptLanded) {
  auto x = make();
  const std::string dup =
      R"({"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403})";
  http.push(403, dup);  // the earlier attempt landed after the engine's lookup
  http.push(200, R"({"data":{"id":"2244994945"}})");
  http.push(200, timeline_with("1800000000000000004", kArticleUrl));
  Outcome o = x->publish(delivery(true));
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "1800000000000000004");
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_THAT(reqs[2].url, HasSubstr("/2/users/2244994945/tweets"));

  // Not recovering: a duplicate is permanent, no lookup.
  http.push(403, dup);
  o = x->publish(delivery(false));
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_EQ(http.requests().size(), 4u);
}

// --- find ------------------------------------------------------------------------------------

TEST_F(XConnectorTest, FindMatchesExpandedOrUnwoundUrlNotTheText) {
  auto x = make();
  http.push(200, R"({"data":{"id":"99"}})");
  http.push(200,
            timeline_with("1800000000000000005", "https://NEWS.example.az/politics/budget-2026/"));
  Outcome o = x->find(delivery());
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "1800000000000000005");

  http.push(200, timeline_with("1800000000000000006", kArticleUrl, "unwound_url"));
  o = x->find(delivery());
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "1800000000000000006");
  EXPECT_EQ(http.requests().size(), 3u) << "users/me is asked once";

  http.push(200,
            timeline_with("1800000000000000007", "https://news.example.az/politics/budget-2025"));
  EXPECT_EQ(x->find(delivery()).kind, Kind::kNotFound);

  http.push(200, R"({"meta":{"result_count":0}})");
  EXPECT_EQ(x->find(delivery()).kind, Kind::kNotFound);
}

TEST_F(XConnectorTest, FindUsesLookupCountAndClassifiesErrors) {
  auto s = settings();
  s.options["lookup_count"] = {"20", "config.toml:47"};
  auto x = make(s);
  http.push(401, R"({"title":"Unauthorized","status":401})");
  EXPECT_EQ(x->find(delivery()).kind, Kind::kStopAccount);
  http.push(200, R"({"data":{"id":"99"}})");
  http.push(429, "{}", {{"x-rate-limit-reset", "1767229999"}, {"x-rate-limit-remaining", "0"}});
  Outcome o = x->find(delivery());
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767229999);
  EXPECT_THAT(http.requests().back().url, HasSubstr("max_results=20&"));
}

// --- remove ----------------------------------------------------------------------------------

TEST_F(XConnectorTest, RemoveDeletesTheTweet) {
  auto x = make();
  http.push(200, R"({"data":{"deleted":true}})");
  Outcome o = x->remove({"1800000000000000008", "https://x.com/i/web/status/1800000000000000008"});
  EXPECT_EQ(o.kind, Kind::kSent) << o.reason;
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "DELETE");
  EXPECT_EQ(reqs[0].url, "https://api.x.com/2/tweets/1800000000000000008");
  EXPECT_THAT(*header_of(reqs[0], "Authorization"), StartsWith("OAuth "));

  http.push(404, R"({"title":"Not Found Error","status":404})");
  EXPECT_EQ(x->remove({"1800000000000000008", ""}).kind, Kind::kNotFound);
  http.push(401, "{}");
  EXPECT_EQ(x->remove({"1800000000000000008", ""}).kind, Kind::kStopAccount);
  http.push(503, "{}");
  EXPECT_EQ(x->remove({"1800000000000000008", ""}).kind, Kind::kTransient);
  EXPECT_EQ(x->remove({"../users/me", ""}).kind, Kind::kPermanent);
  EXPECT_EQ(http.requests().size(), 4u);
}

// --- construction ------------------------------------------------------------------------------

TEST_F(XConnectorTest, UnknownOrBadOptionsNameTheKeyAndWhere) {
  auto s = settings();
  s.options["max_chars"] = {"200", "config.toml:45"};
  auto r = XConnector::create(s, context);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("'max_chars'"));
  EXPECT_EQ(r.error().where, "config.toml:45");

  s = settings();
  s.options["lookup_count"] = {"500", "config.toml:46"};
  r = XConnector::create(s, context);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("lookup_count"));
  EXPECT_EQ(r.error().where, "config.toml:46");

  s = settings();
  s.credentials.erase("access_token_secret");
  r = XConnector::create(s, context);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("access_token_secret"));
}

TEST_F(XConnectorTest, RegistryEntry) {
  auto n = x_network();
  EXPECT_EQ(n.name, "x");
  EXPECT_THAT(n.credentials, ::testing::ElementsAre("consumer_key", "consumer_secret",
                                                    "access_token", "access_token_secret"));
  auto c = n.factory(settings(), context);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->network(), "x");
  EXPECT_EQ((*c)->recovery(), Recovery::kLookup);
  auto s = settings();
  s.options["nope"] = {"1", "config.toml:9"};
  EXPECT_FALSE(n.factory(s, context).ok());
}

// --- compose ---------------------------------------------------------------------------------

TEST_F(XConnectorTest, ComposesWithTwitterRules) {
  auto x = make();
  auto p = x->compose(art);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_THAT(p->text, StartsWith("Parliament passes the 2026 budget\n\n"));
  EXPECT_THAT(p->text, HasSubstr(kArticleUrl));
  EXPECT_THAT(p->text, HasSubstr("#Politics"));
  EXPECT_EQ(p->rule, "twitter-text v3 weighted length");
  EXPECT_EQ(p->limit, 280u);
  EXPECT_EQ(p->length, compose::TwitterRules().measure(p->text));
  EXPECT_LE(p->length, 280u);
  ASSERT_TRUE(p->image);
  EXPECT_EQ(p->image->url, art.images[0].url);
  EXPECT_EQ(p->language, "en");
  bool link = false;
  for (const auto& f : p->facets) {
    if (f.kind == Facet::Kind::kLink) {
      link = true;
      EXPECT_EQ(p->text.substr(f.byte_start, f.byte_end - f.byte_start), kArticleUrl);
    }
  }
  EXPECT_TRUE(link);

  // A long headline is shortened to fit; the URL survives.
  art.title = std::string(400, 'a');
  p = x->compose(art);
  ASSERT_TRUE(p.ok());
  EXPECT_LE(p->length, 280u);
  EXPECT_THAT(p->text, HasSubstr(kArticleUrl));
}

TEST_F(XConnectorTest, ComposeHonoursTheAccountsSettings) {
  auto s = settings();
  s.lead_image = false;
  s.hashtags = false;
  s.text_template = "{title} {url}";
  auto x = make(s);
  art.language.clear();
  auto p = x->compose(art);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->text, "Parliament passes the 2026 budget " + std::string(kArticleUrl));
  EXPECT_FALSE(p->image);
  EXPECT_EQ(p->language, "az");

  s.text_template = "{title} {nope}";
  EXPECT_FALSE(XConnector::create(s, context).ok());
}

}  // namespace
}  // namespace syndicated::connectors::x
