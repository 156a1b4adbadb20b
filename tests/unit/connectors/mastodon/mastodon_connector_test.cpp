// MastodonConnector against a scripted HttpClient: the requests it makes and how it reads every
// answer Mastodon can give.
#include "connectors/mastodon/mastodon_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"

namespace syndicated::connectors::mastodon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kToken = "mastodon-SECRET-token-value";
constexpr const char* kBase = "https://social.example.az";
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
  s.name = "mastodon_main";
  s.network = "mastodon";
  s.where = "config.toml:50";
  s.base_url = kBase;
  s.site_name = "Example News";
  s.site_language = "az";
  s.credentials["access_token"] = Secret(kToken);
  return s;
}

core::Article article() {
  core::Article a;
  a.id = "budget-2026";
  a.title = "Parliament passes the 2026 budget";
  a.url = kArticleUrl;
  a.summary = "The budget was passed on the third reading.";
  a.categories = {{"Politics", "politics"}};
  a.images = {{"https://news.example.az/img/budget.jpg", "image/jpeg", {}, {}, {}, "The vote"}};
  a.language = "en-GB";
  a.source = "politics/budget.md";
  return a;
}

std::string instance(int max_characters, int url_length = 23) {
  return json{{"domain", "social.example.az"},
              {"configuration",
               {{"statuses",
                 {{"max_characters", max_characters}, {"characters_reserved_per_url", url_length}}},
                {"media_attachments",
                 {{"supported_mime_types", {"image/jpeg", "image/png", "video/mp4"}},
                  {"image_size_limit", 1000}}}}}}
      .dump();
}

std::string status_json(const std::string& id) {
  return json{{"id", id}, {"url", std::string(kBase) + "/@news/" + id}}.dump();
}

struct MastodonConnectorTest : ::testing::Test {
  testing::FakeClock clock;  // 2026-01-01T00:00:00Z
  testing::FakeHttpClient http;
  ConnectorContext context{http, clock};
  core::Article art = article();
  std::vector<std::chrono::milliseconds> sleeps;

  std::unique_ptr<MastodonConnector> make(AccountSettings s = settings(), int polls = 3) {
    Tuning t;
    t.media_polls = polls;
    t.media_poll_delay = std::chrono::milliseconds(250);
    t.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    auto c = MastodonConnector::create(s, context, t);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }
  Post compose(MastodonConnector& m) {
    auto p = m.compose(art);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
    return p.ok() ? *p : Post{};
  }
};

// --- settings --------------------------------------------------------------------------------

TEST_F(MastodonConnectorTest, SettingsAreValidatedWithTheKeyAndItsLine) {
  auto s = settings();
  s.credentials.clear();
  auto c = MastodonConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("'access_token'"));
  EXPECT_EQ(c.error().where, "config.toml:50");

  s = settings();
  s.base_url.clear();
  c = MastodonConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("base_url is required"));

  s = settings();
  s.options["visibility"] = {"everyone", "config.toml:53"};
  c = MastodonConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("'visibility'"));
  EXPECT_EQ(c.error().where, "config.toml:53");

  s = settings();
  s.options["instance"] = {"x", "config.toml:54"};
  c = MastodonConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("unknown option 'instance'"));
  EXPECT_EQ(c.error().where, "config.toml:54");

  Registry registry;
  registry.add(mastodon_network());
  EXPECT_EQ(registry.find("mastodon")->credentials, std::vector<std::string>{"access_token"});
  auto built = registry.create(settings(), context);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ((*built)->recovery(), Recovery::kIdempotencyKey);
}

// --- compose ---------------------------------------------------------------------------------

TEST_F(MastodonConnectorTest, MeasuresGraphemesWithUrlsAs23) {
  MastodonRules rules(500, 23);
  EXPECT_EQ(rules.measure("Azərbaycan"), 10u);
  EXPECT_EQ(rules.measure("Привет мир"), 10u);
  EXPECT_EQ(rules.measure("👩‍👩‍👧 🇦🇿"), 3u);
  EXPECT_EQ(rules.measure("a https://example.com/" + std::string(100, 'p')), 2u + 23u);
  // Only URLs with a scheme are shortened, as Mastodon counts.
  EXPECT_EQ(rules.measure("see example.com"), 15u);
  EXPECT_EQ(rules.name(), "graphemes, URLs count 23 (Mastodon)");
}

TEST_F(MastodonConnectorTest, ComposesWithinTheDefaultLimit) {
  auto m = make();
  art.summary.clear();
  for (int i = 0; i < 120; ++i) art.summary += "Büdcə ";  // 720 graphemes of Azerbaijani
  Post post = compose(*m);
  EXPECT_EQ(post.limit, 500u);
  EXPECT_LE(post.length, 500u);
  EXPECT_THAT(post.text, HasSubstr(kArticleUrl));
  EXPECT_THAT(post.text, HasSubstr("…"));
  ASSERT_TRUE(post.image);
  EXPECT_EQ(post.language, "en-GB");
}

// --- publish: request shapes -----------------------------------------------------------------

TEST_F(MastodonConnectorTest, PostsJsonWithAnIdempotencyKeyAndReadsTheInstanceOnce) {
  auto m = make();
  art.images.clear();
  Post post = compose(*m);
  http.push(200, instance(500));
  http.push(200, status_json("111"));
  Outcome o = m->publish({art, post, "budget-2026/mastodon_main", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "111");
  EXPECT_EQ(o.remote.url, std::string(kBase) + "/@news/111");
  EXPECT_EQ(o.reason, "posted");

  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].url, std::string(kBase) + "/api/v2/instance");
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].url, std::string(kBase) + "/api/v1/statuses");
  EXPECT_EQ(header_of(reqs[1], "Authorization"), std::string("Bearer ") + kToken);
  EXPECT_EQ(header_of(reqs[1], "Content-Type"), "application/json");
  const auto key = header_of(reqs[1], "Idempotency-Key");
  ASSERT_TRUE(key);
  EXPECT_EQ(*key, idempotency_key("budget-2026/mastodon_main"));
  EXPECT_EQ(key->size(), std::string("syndicated-").size() + 64);
  EXPECT_EQ(json::parse(reqs[1].body),
            (json{{"status", post.text}, {"visibility", "public"}, {"language", "en"}}));

  // A retry: the same key, no second instance read.
  http.push(200, status_json("111"));
  Outcome again = m->publish({art, post, "budget-2026/mastodon_main", 2, true});
  EXPECT_EQ(again.remote.id, "111");
  reqs = http.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(header_of(reqs[2], "Idempotency-Key"), key);
  // Another delivery, another key.
  EXPECT_NE(idempotency_key("other/mastodon_main"), *key);
}

TEST_F(MastodonConnectorTest, VisibilityOptionIsSent) {
  auto s = settings();
  s.options["visibility"] = {"Unlisted", "config.toml:52"};
  auto m = make(s);
  art.images.clear();
  Post post = compose(*m);
  http.push(200, instance(500));
  http.push(200, status_json("5"));
  ASSERT_EQ(m->publish({art, post, "k", 1, false}).kind, Kind::kSent);
  EXPECT_EQ(json::parse(http.requests()[1].body)["visibility"], "unlisted");
}

TEST_F(MastodonConnectorTest, ComposesAgainUnderTheInstanceLimit) {
  auto m = make();
  art.images.clear();
  art.summary.clear();
  for (int i = 0; i < 100; ++i) art.summary += "Привет ";  // 700 graphemes
  Post post = compose(*m);
  ASSERT_EQ(post.limit, 500u);
  ASSERT_THAT(post.text, HasSubstr("…"));

  http.push(200, instance(1000));
  http.push(200, status_json("9"));
  Outcome o = m->publish({art, post, "k", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("composed again for the instance's limit of 1000"));
  const std::string sent = json::parse(http.requests()[1].body)["status"];
  EXPECT_THAT(sent, Not(HasSubstr("…")));
  EXPECT_GT(MastodonRules(1000, 23).measure(sent), 500u);
  // From now on compose() uses the instance's limit.
  EXPECT_EQ(m->limits().max_characters, 1000u);
  EXPECT_EQ(compose(*m).limit, 1000u);

  // A smaller instance: the text is shortened to fit it.
  auto small = make();
  http.push(200, instance(200));
  http.push(200, status_json("10"));
  ASSERT_EQ(small->publish({art, post, "k", 1, false}).kind, Kind::kSent);
  const std::string shorter = json::parse(http.requests()[3].body)["status"];
  EXPECT_LE(MastodonRules(200, 23).measure(shorter), 200u);
  EXPECT_THAT(shorter, HasSubstr(kArticleUrl));
}

TEST_F(MastodonConnectorTest, InstanceV1AndUnreachableInstance) {
  auto m = make();
  art.images.clear();
  Post post = compose(*m);
  http.push_error("connection refused");
  http.push(200, status_json("1"));
  ASSERT_EQ(m->publish({art, post, "k", 1, false}).kind, Kind::kSent);
  EXPECT_EQ(m->limits().max_characters, 500u);
  // Not remembered: asked again, v2 is 404, v1 answers (Pleroma style).
  http.push(404, R"({"error":"Record not found"})");
  http.push(200, R"({"max_toot_chars": 5000})");
  http.push(200, status_json("2"));
  ASSERT_EQ(m->publish({art, post, "k2", 1, false}).kind, Kind::kSent);
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[3].url, std::string(kBase) + "/api/v1/instance");
  EXPECT_EQ(m->limits().max_characters, 5000u);
}

// --- the lead image --------------------------------------------------------------------------

TEST_F(MastodonConnectorTest, UploadsTheImageAndPollsUntilProcessed) {
  auto m = make();
  Post post = compose(*m);
  http.push(200, instance(500));
  http.push(200, "JPEGDATA", {{"Content-Type", "image/jpeg"}});
  http.push(202, R"({"id":"77","type":"image","url":null})");
  http.push(206, R"({"id":"77","type":"image","url":null})");
  http.push(200, R"({"id":"77","type":"image","url":"https://files/77.jpg"})");
  http.push(200, status_json("12"));
  Outcome o = m->publish({art, post, "k", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.reason, "posted");

  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[1].url, "https://news.example.az/img/budget.jpg");
  EXPECT_FALSE(header_of(reqs[1], "Authorization")) << "no token to the newsroom's server";
  EXPECT_EQ(reqs[2].url, std::string(kBase) + "/api/v2/media");
  EXPECT_THAT(*header_of(reqs[2], "Content-Type"), HasSubstr("multipart/form-data; boundary="));
  EXPECT_THAT(reqs[2].body, HasSubstr("name=\"file\"; filename=\"image.jpg\"\r\n"
                                      "Content-Type: image/jpeg\r\n\r\nJPEGDATA\r\n"));
  EXPECT_THAT(reqs[2].body, HasSubstr("name=\"description\""));
  EXPECT_THAT(reqs[2].body, HasSubstr("\r\n\r\nThe vote\r\n"));
  EXPECT_EQ(reqs[3].url, std::string(kBase) + "/api/v1/media/77");
  EXPECT_EQ(reqs[4].url, std::string(kBase) + "/api/v1/media/77");
  EXPECT_EQ(json::parse(reqs[5].body)["media_ids"], json::array({"77"}));
  EXPECT_EQ(sleeps, (std::vector<std::chrono::milliseconds>(2, std::chrono::milliseconds(250))));
}

TEST_F(MastodonConnectorTest, ImageStillProcessingAfterThePollsIsLeftOut) {
  auto m = make(settings(), 2);
  Post post = compose(*m);
  http.push(200, instance(500));
  http.push(200, "JPEGDATA", {{"Content-Type", "image/jpeg"}});
  http.push(202, R"({"id":"77","url":null})");
  http.push(206, R"({"id":"77","url":null})");
  http.push(206, R"({"id":"77","url":null})");
  http.push(200, status_json("13"));
  Outcome o = m->publish({art, post, "k", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_THAT(o.reason, HasSubstr("without the image: the image was still being processed"));
  EXPECT_FALSE(json::parse(http.requests()[5].body).contains("media_ids"));
}

TEST_F(MastodonConnectorTest, ImageProblemsPostWithoutTheImage) {
  struct Case {
    int status;
    std::string body;
    std::string type;
    std::string says;
  };
  for (const Case& c : {Case{404, "gone", "image/jpeg", "HTTP 404"},
                        Case{200, "<html>", "text/html", "type 'text/html'"},
                        Case{200, std::string(1001, 'x'), "image/png", "1001 bytes"}}) {
    auto m = make();
    Post post = compose(*m);
    http.push(200, instance(500));  // image_size_limit 1000, jpeg and png
    http.push(c.status, c.body, {{"Content-Type", c.type}});
    http.push(200, status_json("14"));
    Outcome o = m->publish({art, post, "k", 1, false});
    ASSERT_EQ(o.kind, Kind::kSent);
    EXPECT_THAT(o.reason, HasSubstr("posted without the image"));
    EXPECT_THAT(o.reason, HasSubstr(c.says));
  }
  // A fetch error, and a 422 from the upload.
  auto m = make();
  Post post = compose(*m);
  http.push(200, instance(500));
  http.push_error("timeout");
  http.push(200, status_json("15"));
  EXPECT_THAT(m->publish({art, post, "k", 1, false}).reason,
              HasSubstr("the image could not be fetched"));
  http.push(200, "JPEG", {{"Content-Type", "image/jpeg"}});
  http.push(422, R"({"error":"Validation failed: File content type is invalid"})");
  http.push(200, status_json("16"));
  Outcome o = m->publish({art, post, "k", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_THAT(o.reason, HasSubstr("File content type is invalid"));
  // A 503 from the upload: the whole publish is retried later.
  http.push(200, "JPEG", {{"Content-Type", "image/jpeg"}});
  http.push(503, "busy");
  EXPECT_EQ(m->publish({art, post, "k", 1, false}).kind, Kind::kTransient);
}

// --- classification --------------------------------------------------------------------------

TEST_F(MastodonConnectorTest, AnswersAreClassified) {
  auto m = make();
  art.images.clear();
  Post post = compose(*m);
  http.push(200, instance(500));
  Delivery d{art, post, "k", 1, false};

  http.push(401, R"({"error":"The access token is invalid"})");
  Outcome o = m->publish(d);
  EXPECT_EQ(o.kind, Kind::kStopAccount);
  EXPECT_THAT(o.reason, HasSubstr("The access token is invalid"));

  http.push(403, R"({"error":"This action is outside the authorized scopes"})");
  EXPECT_EQ(m->publish(d).kind, Kind::kStopAccount);

  http.push(422, R"({"error":"Validation failed: Text character limit of 500 exceeded"})");
  o = m->publish(d);
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_THAT(o.reason, HasSubstr("Validation failed: Text character limit of 500 exceeded"));

  http.push(500, "<html>oops</html>");
  EXPECT_EQ(m->publish(d).kind, Kind::kTransient);
  http.push(502, "");
  EXPECT_EQ(m->publish(d).kind, Kind::kTransient);
  http.push_error("connect timeout");
  EXPECT_EQ(m->publish(d).kind, Kind::kTransient);

  http.push(404, R"({"error":"Record not found"})");
  EXPECT_EQ(m->publish(d).kind, Kind::kPermanent);

  http.push(200, "not json");
  o = m->publish(d);
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, HasSubstr("same Idempotency-Key"));
}

TEST_F(MastodonConnectorTest, RateLimitHeadersAreHonoured) {
  auto m = make();
  art.images.clear();
  Post post = compose(*m);
  Delivery d{art, post, "k", 1, false};
  http.push(200, instance(500), {{"X-RateLimit-Remaining", "250"}});
  http.push(200, status_json("20"),
            {{"X-RateLimit-Limit", "300"},
             {"X-RateLimit-Remaining", "0"},
             {"X-RateLimit-Reset", "2026-01-01T00:05:00.149Z"}});
  Outcome o = m->publish(d);
  ASSERT_EQ(o.kind, Kind::kSent);
  ASSERT_TRUE(o.pause_until);
  EXPECT_EQ(o.pause_until->unix_seconds, 1767225600 + 300);

  http.push(429, R"({"error":"Too many requests"})",
            {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "2026-01-01T00:10:00Z"}});
  o = m->publish(d);
  EXPECT_EQ(o.kind, Kind::kTransient);
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225600 + 600);
  EXPECT_EQ(o.pause_until, o.retry_at);

  // Without the reset header, Retry-After.
  http.push(429, R"({"error":"Too many requests"})", {{"Retry-After", "30"}});
  o = m->publish(d);
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225600 + 30);
}

TEST_F(MastodonConnectorTest, RemoveDeletesTheStatus) {
  auto m = make();
  http.push(200, status_json("30"));
  Outcome o = m->remove({"30", "u"});
  EXPECT_EQ(o.kind, Kind::kSent);
  EXPECT_EQ(http.requests()[0].method, "DELETE");
  EXPECT_EQ(http.requests()[0].url, std::string(kBase) + "/api/v1/statuses/30");
  http.push(404, R"({"error":"Record not found"})");
  EXPECT_EQ(m->remove({"30", "u"}).kind, Kind::kNotFound);
  http.push(401, R"({"error":"The access token is invalid"})");
  EXPECT_EQ(m->remove({"30", "u"}).kind, Kind::kStopAccount);
  EXPECT_EQ(m->remove({"../x", ""}).kind, Kind::kPermanent);
  EXPECT_EQ(http.requests().size(), 3u);
  EXPECT_EQ(m->find({art, Post{}, "k", 2, true}).kind, Kind::kNotFound);
}

TEST_F(MastodonConnectorTest, TheTokenNeverReachesAReason) {
  auto m = make();
  art.images.clear();
  Post post = compose(*m);
  http.push(200, instance(500));
  http.push(422, std::string(R"({"error":"token )") + kToken + R"( is odd"})");
  Outcome o = m->publish({art, post, "k", 1, false});
  EXPECT_THAT(o.reason, Not(HasSubstr(kToken)));
  EXPECT_THAT(o.reason, HasSubstr("<redacted>"));
  http.push_error(std::string("failed for ") + kToken);
  o = m->publish({art, post, "k", 1, false});
  EXPECT_THAT(o.reason, Not(HasSubstr(kToken)));
}

}  // namespace
}  // namespace syndicated::connectors::mastodon
