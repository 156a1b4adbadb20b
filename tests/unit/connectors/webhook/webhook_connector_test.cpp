// WebhookConnector against a scripted HttpClient: settings validation, the payload schema, the
// signed headers, the stable webhook-id, and every classification branch.
#include "connectors/webhook/webhook_connector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "connectors/registry.hpp"
#include "connectors/webhook/signature.hpp"
#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"

namespace syndicated::connectors::webhook {
namespace {

using nlohmann::json;
using testing::FakeClock;
using testing::FakeHttpClient;

const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kGithubSecret = "It's a Secret to Everybody";
const std::string kUrl = "https://receiver.example/hooks/news?token=t0k3n";

std::optional<std::string> header(const http::ClientRequest& r, std::string_view name) {
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

core::Article sample_article() {
  core::Article a;
  a.id = "2026-vote-results";
  a.title = "Vote results are in";
  a.slug = "vote-results";
  a.url = "https://news.example/politics/vote-results";
  a.summary = "Turnout was 61%.";
  a.authors = {{"Aysel Məmmədova", "aysel", "https://news.example/authors/aysel", "a@x.example"},
               {"Ivan Petrov", "ivan", "", ""}};
  a.categories = {{"Politics", "politics"}};
  a.tags = {{"Elections", "elections"}, {"Baku", "baku"}};
  a.images = {{"https://news.example/img/vote.jpg", "image/jpeg", 1200, 800, 12345, "Queue"}};
  a.language = "az";
  a.published = {1767171600, 0, 240};  // 2025-12-31T13:00:00+04:00
  a.updated = core::Timestamp{1767175200, 0, 240};
  a.source = "politics/vote.md";
  return a;
}

class WebhookConnectorTest : public ::testing::Test {
 protected:
  WebhookConnectorTest() {
    settings_.name = "hook";
    settings_.network = "webhook";
    settings_.where = "config.toml:10";
    settings_.site_name = "News";
    settings_.site_language = "en";
    settings_.credentials["secret"] = Secret(kSecret);
    settings_.options["url"] = Option{kUrl, "config.toml:12"};
  }

  std::unique_ptr<WebhookConnector> make() {
    auto c = WebhookConnector::create(settings_, context_);
    EXPECT_TRUE(c) << (c ? "" : c.error().to_string());
    return c ? std::move(c).value() : nullptr;
  }

  core::Result<std::unique_ptr<WebhookConnector>> try_make() {
    return WebhookConnector::create(settings_, context_);
  }

  Post post_for(const core::Article& a, bool with_image = true) {
    Post p;
    p.text = a.title + " " + a.url;
    p.length = p.text.size();
    p.limit = kTextLimit;
    if (with_image && !a.images.empty()) p.image = a.images.front();
    p.language = a.language;
    return p;
  }

  Outcome publish_once(WebhookConnector& c, int attempt = 1) {
    Delivery d{article_, post_, "2026-vote-results/hook", attempt, false};
    return c.publish(d);
  }

  FakeHttpClient http_;
  FakeClock clock_;
  ConnectorContext context_{http_, clock_};
  AccountSettings settings_;
  core::Article article_ = sample_article();
  Post post_ = post_for(article_);
};

// --- settings ----------------------------------------------------------------------------

TEST_F(WebhookConnectorTest, RegistryEntryRequiresOnlyTheStandardSecret) {
  const Registry::Network n = webhook_network();
  EXPECT_EQ(n.name, "webhook");
  EXPECT_EQ(n.credentials, std::vector<std::string>{"secret"});
  Registry registry;
  registry.add(webhook_network());
  auto ok = registry.create(settings_, context_);
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ((*ok)->network(), "webhook");
  EXPECT_EQ((*ok)->recovery(), Recovery::kIdempotencyKey);

  settings_.credentials.erase("secret");
  auto missing = registry.create(settings_, context_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("'secret'"), std::string::npos);
  EXPECT_EQ(missing.error().where, "config.toml:10");
}

TEST_F(WebhookConnectorTest, UnknownOptionIsNamedWithItsLine) {
  settings_.options["github_signature"] = Option{"true", "config.toml:14"};
  auto c = try_make();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("unknown option 'github_signature'"), std::string::npos);
  EXPECT_EQ(c.error().where, "config.toml:14");
}

TEST_F(WebhookConnectorTest, UnknownCredentialIsAnError) {
  settings_.credentials["token"] = Secret("zzz");
  auto c = try_make();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("unknown credential 'token'"), std::string::npos);
}

TEST_F(WebhookConnectorTest, UrlIsRequiredAndMustBeHttpOrHttps) {
  settings_.options.erase("url");
  auto missing = try_make();
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("'url' is missing"), std::string::npos);
  EXPECT_EQ(missing.error().where, "config.toml:10");

  for (const std::string bad : {"ftp://x.example/h", "https://", "receiver.example/h",
                                "https:///path", "https://a b.example/"}) {
    settings_.options["url"] = Option{bad, "config.toml:12"};
    auto c = try_make();
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().where, "config.toml:12") << bad;
  }
  settings_.options["url"] = Option{"http://127.0.0.1:8080/h", "config.toml:12"};
  EXPECT_TRUE(try_make());
  settings_.options["url"] = Option{"HTTPS://Receiver.example", "config.toml:12"};
  EXPECT_TRUE(try_make());
}

TEST_F(WebhookConnectorTest, TimeoutOptionIsValidatedAndUsed) {
  settings_.options["timeout"] = Option{"0", "config.toml:13"};
  auto bad = try_make();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, "config.toml:13");
  settings_.options["timeout"] = Option{"15s", "config.toml:13"};
  EXPECT_FALSE(try_make());

  settings_.options["timeout"] = Option{"15", "config.toml:13"};
  auto c = make();
  http_.push(200, "{}");
  publish_once(*c);
  ASSERT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(http_.requests()[0].total_timeout, std::chrono::milliseconds(15000));

  settings_.options.erase("timeout");
  auto d = make();
  http_.push(200, "{}");
  publish_once(*d);
  // Without the option, the account's client timeout (the daemon's timeout_s) applies.
  EXPECT_FALSE(http_.requests().back().total_timeout.has_value());
}

TEST_F(WebhookConnectorTest, BadSecretIsRefusedWithoutEchoingIt) {
  settings_.credentials["secret"] = Secret("whsec_this is not base64 at all!");
  auto c = try_make();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("credential 'secret'"), std::string::npos);
  EXPECT_EQ(c.error().to_string().find("not base64 at all"), std::string::npos);
}

TEST_F(WebhookConnectorTest, BadTemplateIsAConfigError) {
  settings_.text_template = "{title} {nonsense}";
  auto c = try_make();
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("nonsense"), std::string::npos);
}

// --- compose -----------------------------------------------------------------------------

TEST_F(WebhookConnectorTest, ComposesTheDefaultTemplateWithTheLeadImage) {
  auto c = make();
  auto post = c->compose(article_);
  ASSERT_TRUE(post) << post.error().to_string();
  EXPECT_EQ(post->text, "Vote results are in https://news.example/politics/vote-results");
  EXPECT_EQ(post->limit, kTextLimit);
  EXPECT_EQ(post->length, 62u);
  ASSERT_TRUE(post->image);
  EXPECT_EQ(post->image->url, "https://news.example/img/vote.jpg");
  EXPECT_EQ(post->language, "az");
  bool link = false;
  for (const auto& f : post->facets) {
    if (f.kind == Facet::Kind::kLink) {
      link = true;
      EXPECT_EQ(post->text.substr(f.byte_start, f.byte_end - f.byte_start), article_.url);
    }
  }
  EXPECT_TRUE(link);
}

TEST_F(WebhookConnectorTest, ComposesTheAccountTemplateWithoutImageWhenTurnedOff) {
  settings_.text_template = "{site}: {title} {hashtags}";
  settings_.lead_image = false;
  article_.language.clear();
  auto c = make();
  auto post = c->compose(article_);
  ASSERT_TRUE(post) << post.error().to_string();
  EXPECT_EQ(post->text.rfind("News: Vote results are in #", 0), 0u) << post->text;
  EXPECT_FALSE(post->image);
  EXPECT_EQ(post->language, "en");
}

// --- payload and headers -----------------------------------------------------------------

TEST_F(WebhookConnectorTest, PublishesTheDocumentedSchema) {
  auto c = make();
  http_.push(200, "");
  EXPECT_EQ(publish_once(*c).kind, Outcome::Kind::kSent);
  ASSERT_EQ(http_.requests().size(), 1u);
  const auto sent = http_.requests();
  const auto& r = sent[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, kUrl);
  EXPECT_EQ(r.body, c->publish_body({article_, post_, "2026-vote-results/hook", 1, false}));

  const auto body = nlohmann::ordered_json::parse(r.body);
  EXPECT_EQ(body.dump(), r.body);  // minified, in the documented order
  EXPECT_EQ(body["type"], "article.published");
  EXPECT_EQ(body["timestamp"], "2025-12-31T09:00:00Z");
  const auto& d = body["data"];
  std::vector<std::string> keys;
  for (const auto& [k, _] : d.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "url", "title", "summary", "language",
                                            "published", "updated", "authors", "categories", "tags",
                                            "image", "text"}));
  EXPECT_EQ(d["id"], "2026-vote-results");
  EXPECT_EQ(d["url"], "https://news.example/politics/vote-results");
  EXPECT_EQ(d["title"], "Vote results are in");
  EXPECT_EQ(d["summary"], "Turnout was 61%.");
  EXPECT_EQ(d["language"], "az");
  EXPECT_EQ(d["published"], "2025-12-31T13:00:00+04:00");
  EXPECT_EQ(d["updated"], "2025-12-31T14:00:00+04:00");
  EXPECT_EQ(d["authors"], nlohmann::ordered_json::parse(R"([{"name":"Aysel Məmmədova",
      "url":"https://news.example/authors/aysel"},{"name":"Ivan Petrov","url":""}])"));
  EXPECT_EQ(r.body.find("a@x.example"), std::string::npos);  // no e-mail addresses
  EXPECT_EQ(d["categories"], nlohmann::ordered_json::parse(R"(["Politics"])"));
  EXPECT_EQ(d["tags"], nlohmann::ordered_json::parse(R"(["Elections","Baku"])"));
  EXPECT_EQ(d["image"], nlohmann::ordered_json::parse(R"({"url":"https://news.example/img/vote.jpg",
      "caption":"Queue","type":"image/jpeg","width":1200,"height":800})"));
  EXPECT_EQ(d["text"], post_.text);
}

TEST_F(WebhookConnectorTest, AbsentValuesAreNullOrEmptyNotMissing) {
  article_.updated.reset();
  article_.language.clear();
  article_.authors.clear();
  article_.images[0].width.reset();
  article_.images[0].height.reset();
  post_ = post_for(article_);
  auto c = make();
  auto d = json::parse(c->publish_body({article_, post_, "k", 1, false}))["data"];
  EXPECT_TRUE(d["updated"].is_null());
  EXPECT_EQ(d["language"], "en");
  EXPECT_EQ(d["authors"], json::array());
  EXPECT_TRUE(d["image"]["width"].is_null());
  EXPECT_TRUE(d["image"]["height"].is_null());

  const Post no_image = post_for(article_, /*with_image=*/false);
  auto e = json::parse(c->publish_body({article_, no_image, "k", 1, false}))["data"];
  EXPECT_TRUE(e.contains("image"));
  EXPECT_TRUE(e["image"].is_null());
}

TEST_F(WebhookConnectorTest, SignsTheExactBytesSentWithStandardHeaders) {
  auto c = make();
  http_.push(200, "");
  publish_once(*c);
  const auto sent = http_.requests();
  const auto& r = sent[0];
  EXPECT_EQ(header(r, "content-type"), "application/json");
  EXPECT_EQ(header(r, "user-agent"), std::string(kUserAgent));
  const auto id = header(r, "webhook-id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 36u);
  EXPECT_EQ(id->rfind("msg_", 0), 0u);
  EXPECT_EQ(id->find('.'), std::string::npos);
  EXPECT_EQ(header(r, "webhook-timestamp"), "1767225600");  // the FakeClock's now
  const auto sig = header(r, "webhook-signature");
  ASSERT_TRUE(sig);
  auto receiver = StandardWebhooksSigner::from_secrets(kSecret);
  ASSERT_TRUE(receiver);
  EXPECT_TRUE(receiver->verify(*id, "1767225600", r.body, *sig, clock_.now()));
  EXPECT_FALSE(receiver->verify(*id, "1767225600", r.body + " ", *sig, clock_.now()));
  EXPECT_FALSE(header(r, "X-Hub-Signature-256"));  // not configured
}

TEST_F(WebhookConnectorTest, SignsWithEverySecretDuringRotation) {
  const std::string old_secret = "whsec_" + base64_encode(std::string(24, 'o'));
  settings_.credentials["secret"] = Secret(kSecret + " " + old_secret);
  auto c = make();
  http_.push(200, "");
  publish_once(*c);
  const auto sent = http_.requests();
  const auto& r = sent[0];
  const std::string sig = *header(r, "webhook-signature");
  EXPECT_NE(sig.find(' '), std::string::npos);
  auto old_only = StandardWebhooksSigner::from_secrets(old_secret);
  ASSERT_TRUE(old_only);
  EXPECT_TRUE(old_only->matches(*header(r, "webhook-id"), "1767225600", r.body, sig));
}

TEST_F(WebhookConnectorTest, AddsGithubSignatureWhenConfigured) {
  settings_.credentials["github_secret"] = Secret(kGithubSecret);
  auto c = make();
  http_.push(200, "");
  publish_once(*c);
  const auto sent = http_.requests();
  const auto& r = sent[0];
  const auto gh = header(r, "X-Hub-Signature-256");
  ASSERT_TRUE(gh);
  EXPECT_TRUE(verify_github_signature(kGithubSecret, r.body, *gh));
}

TEST_F(WebhookConnectorTest, WebhookIdIsStableAcrossAttemptsAndRestarts) {
  auto c = make();
  for (int i = 0; i < 3; ++i) http_.push(503, "busy");
  publish_once(*c, 1);
  clock_.advance(std::chrono::minutes(5));
  publish_once(*c, 2);
  Delivery recovering{article_, post_, "2026-vote-results/hook", 3, true};
  auto restarted = make();  // a new process: nothing kept in memory
  restarted->publish(recovering);
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(header(r, "webhook-id"), header(requests[0], "webhook-id"));
    EXPECT_EQ(r.body, requests[0].body);  // the same event, byte for byte
  }
  // ... while the attempt's timestamp (and so the signature) moves with the clock.
  EXPECT_EQ(header(requests[0], "webhook-timestamp"), "1767225600");
  EXPECT_EQ(header(requests[1], "webhook-timestamp"), "1767225900");
  EXPECT_NE(header(requests[0], "webhook-signature"), header(requests[1], "webhook-signature"));

  EXPECT_EQ(header(requests[0], "webhook-id"),
            WebhookConnector::delivery_webhook_id("2026-vote-results/hook"));
  EXPECT_NE(WebhookConnector::delivery_webhook_id("2026-vote-results/hook"),
            WebhookConnector::delivery_webhook_id("2026-vote-results/other"));
}

// --- classification ----------------------------------------------------------------------

TEST_F(WebhookConnectorTest, SuccessKeepsTheArticleIdAndTheReceiversUrl) {
  auto c = make();
  http_.push(200, R"({"ok":true,"url":"https://receiver.example/d/42"})");
  auto out = publish_once(*c);
  EXPECT_EQ(out.kind, Outcome::Kind::kSent);
  EXPECT_EQ(out.remote.id, "2026-vote-results");
  EXPECT_EQ(out.remote.url, "https://receiver.example/d/42");

  for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
           {201, "accepted"}, {202, R"({"url":42})"}, {204, ""}, {299, "[1]"}}) {
    http_.push(status, body);
    auto o = publish_once(*c);
    EXPECT_EQ(o.kind, Outcome::Kind::kSent) << status;
    EXPECT_EQ(o.remote.id, "2026-vote-results") << status;
    EXPECT_EQ(o.remote.url, "") << status;
  }
}

TEST_F(WebhookConnectorTest, GoneDisablesTheEndpoint) {
  auto c = make();
  http_.push(410, "bye");
  auto out = publish_once(*c);
  EXPECT_EQ(out.kind, Outcome::Kind::kStopAccount);
  EXPECT_NE(out.reason.find("410 Gone"), std::string::npos);
  EXPECT_NE(out.reason.find("disabled"), std::string::npos);
}

TEST_F(WebhookConnectorTest, RefusedSignatureAndRedirectsStopTheAccount) {
  auto c = make();
  for (int status : {401, 403, 301, 302, 307, 308}) {
    http_.push(status, "no", {{"Location", "https://elsewhere.example/"}});
    auto out = publish_once(*c);
    EXPECT_EQ(out.kind, Outcome::Kind::kStopAccount) << status;
    EXPECT_NE(out.reason.find(std::to_string(status)), std::string::npos) << status;
  }
}

TEST_F(WebhookConnectorTest, OverloadAndServerErrorsAreTransient) {
  auto c = make();
  for (int status : {408, 425, 429, 500, 502, 503, 504, 599}) {
    http_.push(status, "try later");
    auto out = publish_once(*c);
    EXPECT_EQ(out.kind, Outcome::Kind::kTransient) << status;
    EXPECT_FALSE(out.retry_at) << status;
    EXPECT_NE(out.reason.find(std::to_string(status)), std::string::npos) << status;
  }
  http_.push_error("connect: connection refused");
  auto out = publish_once(*c);
  EXPECT_EQ(out.kind, Outcome::Kind::kTransient);
  EXPECT_NE(out.reason.find("connection refused"), std::string::npos);
}

TEST_F(WebhookConnectorTest, RetryAfterSecondsAndDatesAreHonoured) {
  auto c = make();
  const std::int64_t now = clock_.now().unix_seconds;

  http_.push(503, "", {{"retry-after", "120"}});
  auto secs = publish_once(*c);
  ASSERT_TRUE(secs.retry_at);
  EXPECT_EQ(secs.retry_at->unix_seconds, now + 120);
  ASSERT_TRUE(secs.pause_until);  // the whole endpoint is unavailable
  EXPECT_EQ(secs.pause_until->unix_seconds, now + 120);

  http_.push(429, "", {{"Retry-After", core::format_http_date(now + 3600)}});
  auto date = publish_once(*c);
  EXPECT_EQ(date.kind, Outcome::Kind::kTransient);
  ASSERT_TRUE(date.retry_at);
  EXPECT_EQ(date.retry_at->unix_seconds, now + 3600);
  ASSERT_TRUE(date.pause_until);

  http_.push(500, "", {{"Retry-After", "30"}});
  auto five = publish_once(*c);
  ASSERT_TRUE(five.retry_at);
  EXPECT_EQ(five.retry_at->unix_seconds, now + 30);
  EXPECT_FALSE(five.pause_until);  // one failed request, not a throttled endpoint

  http_.push(503, "", {{"Retry-After", "soon"}});
  EXPECT_FALSE(publish_once(*c).retry_at);
}

TEST_F(WebhookConnectorTest, OtherClientErrorsArePermanentWithATruncatedBody) {
  auto c = make();
  for (int status : {400, 404, 405, 413, 422}) {
    http_.push(status, "{\"error\":\"bad\nthing\"}");
    auto out = publish_once(*c);
    EXPECT_EQ(out.kind, Outcome::Kind::kPermanent) << status;
    EXPECT_NE(out.reason.find(std::to_string(status)), std::string::npos) << status;
    EXPECT_NE(out.reason.find("bad thing"), std::string::npos) << out.reason;
  }
  http_.push(400, std::string(5000, 'x') + "END");
  auto out = publish_once(*c);
  EXPECT_LT(out.reason.size(), 300u);
  EXPECT_EQ(out.reason.find("END"), std::string::npos);
  EXPECT_NE(out.reason.find("…"), std::string::npos);

  // Cut on a UTF-8 boundary: "ə" is two bytes; 199 ASCII bytes put it across the cut.
  http_.push(400, std::string(199, 'a') + "əəə");
  auto utf8 = publish_once(*c);
  EXPECT_NO_THROW((void)json(utf8.reason).dump(-1, ' ', false, json::error_handler_t::strict))
      << utf8.reason;
  EXPECT_EQ(utf8.kind, Outcome::Kind::kPermanent);
}

TEST_F(WebhookConnectorTest, NoSecretEverReachesAReason) {
  settings_.credentials["github_secret"] = Secret(kGithubSecret);
  auto c = make();
  // A debugging receiver that echoes its configuration back.
  const std::string echo = "expected secret " + kSecret + " or " + kGithubSecret;
  for (int status : {400, 401, 500}) {
    http_.push(status, echo);
    auto out = publish_once(*c);
    EXPECT_EQ(out.reason.find(kSecret), std::string::npos) << out.reason;
    EXPECT_EQ(out.reason.find(kSecret.substr(6)), std::string::npos) << out.reason;
    EXPECT_EQ(out.reason.find(kGithubSecret), std::string::npos) << out.reason;
    EXPECT_NE(out.reason.find(Secret::kRedacted), std::string::npos) << out.reason;
  }
  http_.push_error("tls: handshake failed with " + kSecret);
  auto out = publish_once(*c);
  EXPECT_EQ(out.reason.find(kSecret), std::string::npos) << out.reason;
}

// --- remove and find ---------------------------------------------------------------------

TEST_F(WebhookConnectorTest, RemoveSendsASignedRetractionWithItsOwnStableId) {
  auto c = make();
  http_.push(200, "");
  publish_once(*c);
  http_.push(500, "");
  http_.push(200, "");
  const RemoteRef remote{"2026-vote-results", "https://receiver.example/d/42"};
  EXPECT_EQ(c->remove(remote).kind, Outcome::Kind::kTransient);
  clock_.advance(std::chrono::seconds(90));
  auto out = c->remove(remote);
  EXPECT_EQ(out.kind, Outcome::Kind::kSent);
  EXPECT_EQ(out.remote.id, remote.id);
  EXPECT_EQ(out.remote.url, remote.url);

  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  const auto& first = requests[1];
  const auto& second = requests[2];
  EXPECT_EQ(header(first, "webhook-id"), header(second, "webhook-id"));
  EXPECT_NE(header(first, "webhook-id"), header(requests[0], "webhook-id"));
  EXPECT_EQ(header(second, "webhook-id"), c->retraction_webhook_id("2026-vote-results"));
  const auto body = json::parse(second.body);
  EXPECT_EQ(body["type"], "article.retracted");
  EXPECT_EQ(body["timestamp"], "2026-01-01T00:01:30Z");
  EXPECT_EQ(body["data"], json::parse(R"({"id":"2026-vote-results"})"));
  auto receiver = StandardWebhooksSigner::from_secrets(kSecret);
  ASSERT_TRUE(receiver);
  EXPECT_TRUE(receiver->verify(*header(second, "webhook-id"), "1767225690", second.body,
                               *header(second, "webhook-signature"), clock_.now()));
}

TEST_F(WebhookConnectorTest, RemoveClassifiesLikePublish) {
  auto c = make();
  http_.push(410, "");
  EXPECT_EQ(c->remove({"a", ""}).kind, Outcome::Kind::kStopAccount);
  http_.push(422, "no");
  EXPECT_EQ(c->remove({"a", ""}).kind, Outcome::Kind::kPermanent);
  http_.push(429, "");
  EXPECT_EQ(c->remove({"a", ""}).kind, Outcome::Kind::kTransient);
  auto empty = c->remove({"", ""});
  EXPECT_EQ(empty.kind, Outcome::Kind::kPermanent);
  EXPECT_EQ(http_.requests().size(), 3u);  // nothing sent for an empty reference
}

TEST_F(WebhookConnectorTest, RetractionIdsDifferPerAccount) {
  auto a = make();
  settings_.name = "hook2";
  auto b = make();
  EXPECT_NE(a->retraction_webhook_id("x"), b->retraction_webhook_id("x"));
  settings_.name = "hook";
  EXPECT_EQ(a->retraction_webhook_id("x"), make()->retraction_webhook_id("x"));  // restart
  EXPECT_NE(a->retraction_webhook_id("x"), a->retraction_webhook_id("y"));
}

TEST_F(WebhookConnectorTest, FindIsNotFoundWithoutARequest) {
  auto c = make();
  Delivery d{article_, post_, "k", 1, true};
  EXPECT_EQ(c->find(d).kind, Outcome::Kind::kNotFound);
  EXPECT_TRUE(http_.requests().empty());
}

}  // namespace
}  // namespace syndicated::connectors::webhook
