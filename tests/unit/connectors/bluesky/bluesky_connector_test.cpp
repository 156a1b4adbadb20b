// BlueskyConnector against a scripted PDS (FakeHttpClient's handler) and a MemoryStateStore: the
// session (one login, reused across restarts, refresh on expiry, login only when refreshing
// fails), the requests it makes, the record key, the link card and how it reads every answer.
#include "connectors/bluesky/bluesky_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "connectors/bluesky/tid.hpp"
#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"
#include "tests/fakes/memory_state_store.hpp"

namespace syndicated::connectors::bluesky {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kAppPassword = "abcd-efgh-ijkl-mnop";
constexpr const char* kBase = "https://pds.example";
constexpr const char* kDid = "did:plc:abc123";
constexpr const char* kArticleUrl = "https://news.example.az/politics/budget-2026";
constexpr const char* kImageUrl = "https://news.example.az/img/budget.png";

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

std::string nsid_of(const http::ClientRequest& r) {
  auto p = r.url.find("/xrpc/");
  if (p == std::string::npos) return r.url;
  auto q = r.url.find('?', p);
  return r.url.substr(p + 6, q == std::string::npos ? std::string::npos : q - p - 6);
}

http::ClientResponse answer(int status, json body, std::vector<http::Header> headers = {}) {
  http::ClientResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers = std::move(headers);
  r.headers.push_back({"Content-Type", "application/json"});
  return r;
}

http::ClientResponse xrpc_error(int status, const std::string& error, const std::string& message) {
  return answer(status, {{"error", error}, {"message", message}});
}

// A PDS as far as the connector sees it: tokens are "access-N" / "refresh-N"; one valid pair at
// a time (a refresh rotates both), records in a map, the image on the newsroom's server.
struct FakePds {
  int logins = 0;
  int refreshes = 0;
  int token = 0;
  std::string access, refresh;
  bool login_refused = false;
  bool refresh_refused = false;
  bool refuse_fresh_tokens = false;     // even a new session's token is refused
  std::map<std::string, json> records;  // rkey -> record
  std::string image = std::string(2048, 'P');
  int image_status = 200;
  std::string image_type = "image/png";
  // Per-NSID overrides (FIFO), for the classification tests.
  std::map<std::string, std::vector<http::ClientResponse>> overrides;

  void issue() {
    ++token;
    access = "access-" + std::to_string(token) + "-SECRETJWT";
    refresh = "refresh-" + std::to_string(token) + "-SECRETJWT";
  }
  json session() const {
    return {{"did", kDid},
            {"handle", "azernews.test"},
            {"accessJwt", access},
            {"refreshJwt", refresh},
            {"active", true}};
  }

  core::Result<http::ClientResponse> handle(const http::ClientRequest& r) {
    if (r.url == kImageUrl) {
      http::ClientResponse img;
      img.status = image_status;
      img.body = image;
      img.headers.push_back({"Content-Type", image_type});
      return img;
    }
    const std::string nsid = nsid_of(r);
    if (auto it = overrides.find(nsid); it != overrides.end() && !it->second.empty()) {
      auto resp = it->second.front();
      it->second.erase(it->second.begin());
      return resp;
    }
    const std::string bearer = header_of(r, "Authorization").value_or("");
    if (nsid == "com.atproto.server.createSession") {
      ++logins;
      json body = json::parse(r.body);
      if (login_refused || body["password"] != kAppPassword) {
        return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password");
      }
      issue();
      return answer(200, session());
    }
    if (nsid == "com.atproto.server.refreshSession") {
      ++refreshes;
      if (refresh_refused || bearer != "Bearer " + refresh) {
        return xrpc_error(400, "ExpiredToken", "Token has expired");
      }
      issue();
      return answer(200, session());
    }
    if (bearer != "Bearer " + access || refuse_fresh_tokens) {
      return xrpc_error(400, "ExpiredToken", "Token has expired");
    }
    if (nsid == "com.atproto.repo.uploadBlob") {
      return answer(200, {{"blob",
                           {{"$type", "blob"},
                            {"ref", {{"$link", "bafkreithumb"}}},
                            {"mimeType", header_of(r, "Content-Type").value_or("")},
                            {"size", r.body.size()}}}});
    }
    if (nsid == "com.atproto.repo.createRecord") {
      json body = json::parse(r.body);
      const std::string rkey = body["rkey"];
      if (records.count(rkey)) {
        return xrpc_error(500, "InternalServerError", "Internal Server Error");
      }
      records[rkey] = body["record"];
      return answer(200, {{"uri", std::string("at://") + kDid + "/app.bsky.feed.post/" + rkey},
                          {"cid", "bafyreicid"},
                          {"validationStatus", "valid"}});
    }
    if (nsid == "com.atproto.repo.getRecord") {
      const std::string rkey = r.url.substr(r.url.find("rkey=") + 5);
      if (!records.count(rkey)) {
        return xrpc_error(400, "RecordNotFound", "Could not locate record");
      }
      return answer(200, {{"uri", std::string("at://") + kDid + "/app.bsky.feed.post/" + rkey},
                          {"cid", "bafyreicid"},
                          {"value", records[rkey]}});
    }
    if (nsid == "com.atproto.repo.deleteRecord") {
      records.erase(json::parse(r.body)["rkey"].get<std::string>());
      return answer(200, json::object());
    }
    return xrpc_error(501, "MethodNotImplemented", "no " + nsid);
  }
};

AccountSettings settings() {
  AccountSettings s;
  s.name = "bsky_main";
  s.network = "bluesky";
  s.where = "config.toml:50";
  s.site_name = "Example News";
  s.site_language = "az";
  s.base_url = kBase;
  s.credentials["identifier"] = Secret("azernews.test");
  s.credentials["app_password"] = Secret(kAppPassword);
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
  a.images = {{kImageUrl, "image/png", {}, {}, {}, "The chamber"}};
  a.language = "en";
  a.published = {1767222000, 0, 240};  // 2025-12-31T23:00:00Z
  a.source = "politics/budget.md";
  return a;
}

struct BlueskyConnectorTest : ::testing::Test {
  testing::FakeClock clock;  // 2026-01-01T00:00:00Z
  testing::FakeHttpClient http;
  testing::MemoryStateStore store;
  FakePds pds;
  core::Article art = article();
  Post post;
  std::vector<std::string> reasons;  // every reason seen, checked for secrets at the end

  void SetUp() override {
    http.set_handler([this](const http::ClientRequest& r) { return pds.handle(r); });
  }
  void TearDown() override {
    for (const auto& reason : reasons) {
      EXPECT_THAT(reason, Not(HasSubstr(kAppPassword)));
      EXPECT_THAT(reason, Not(HasSubstr("SECRETJWT")));
    }
  }

  std::unique_ptr<BlueskyConnector> make(AccountSettings s = settings(), bool with_store = true) {
    auto c =
        BlueskyConnector::create(s, ConnectorContext{http, clock, with_store ? &store : nullptr});
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }
  Post composed(BlueskyConnector& c) {
    auto p = c.compose(art);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
    return p.ok() ? *p : Post{};
  }
  Outcome publish(BlueskyConnector& c, bool recovering = false, std::string key = "syn-key-1") {
    post = composed(c);
    Outcome o = c.publish(Delivery{art, post, std::move(key), recovering ? 2 : 1, recovering});
    reasons.push_back(o.reason);
    return o;
  }
  std::vector<std::string> calls() const {
    std::vector<std::string> out;
    for (const auto& r : http.requests()) out.push_back(nsid_of(r));
    return out;
  }
  std::string rkey(const std::string& key = "syn-key-1") const {
    return deterministic_tid(art.published, key);
  }
};

// --- settings --------------------------------------------------------------------------------

TEST_F(BlueskyConnectorTest, RegistryEntry) {
  Registry::Network n = bluesky_network();
  EXPECT_EQ(n.name, "bluesky");
  EXPECT_EQ(n.credentials, (std::vector<std::string>{"identifier", "app_password"}));
  auto c = n.factory(settings(), ConnectorContext{http, clock, &store});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->network(), "bluesky");
  EXPECT_EQ((*c)->recovery(), Recovery::kDeterministicKey);
}

TEST_F(BlueskyConnectorTest, SettingsAreValidated) {
  auto s = settings();
  s.credentials.erase("app_password");
  auto c = BlueskyConnector::create(s, ConnectorContext{http, clock});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("'app_password'"));
  EXPECT_EQ(c.error().where, "config.toml:50");

  s = settings();
  s.options["thumbnail"] = Option{"yes", "config.toml:57"};
  c = BlueskyConnector::create(s, ConnectorContext{http, clock});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("unknown option 'thumbnail'"));
  EXPECT_EQ(c.error().where, "config.toml:57");

  s = settings();
  s.options["link_card"] = Option{"maybe", "config.toml:58"};
  c = BlueskyConnector::create(s, ConnectorContext{http, clock});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("link_card"));
  EXPECT_EQ(c.error().where, "config.toml:58");

  s = settings();
  s.base_url = "pds.example";
  EXPECT_FALSE(BlueskyConnector::create(s, ConnectorContext{http, clock}).ok());
  s.base_url = "http://127.0.0.1:2583/";
  EXPECT_TRUE(BlueskyConnector::create(s, ConnectorContext{http, clock}).ok());
  s.text_template = "{nope}";
  EXPECT_FALSE(BlueskyConnector::create(s, ConnectorContext{http, clock}).ok());
  EXPECT_TRUE(http.requests().empty());  // creating a connector never logs in
}

// --- compose ---------------------------------------------------------------------------------

TEST_F(BlueskyConnectorTest, ComposeFitsGraphemesAndBytes) {
  auto bsky = make();
  Post p = composed(*bsky);
  EXPECT_EQ(p.text, "Parliament passes the 2026 budget\n\n" + std::string(kArticleUrl) +
                        "\n\n#Politics #Budget");
  EXPECT_EQ(p.limit, 300u);
  EXPECT_EQ(p.length, p.text.size());  // ASCII: one grapheme per byte
  EXPECT_THAT(p.rule, HasSubstr("graphemes"));
  EXPECT_EQ(p.language, "en");
  ASSERT_TRUE(p.image.has_value());
  EXPECT_EQ(p.image->url, kImageUrl);
  ASSERT_EQ(p.facets.size(), 3u);
  EXPECT_EQ(p.facets[0].kind, Facet::Kind::kLink);
  EXPECT_EQ(p.text.substr(p.facets[0].byte_start, p.facets[0].byte_end - p.facets[0].byte_start),
            kArticleUrl);
  EXPECT_EQ(p.facets[2].value, "Budget");
  EXPECT_EQ(p.text.substr(p.facets[2].byte_start, p.facets[2].byte_end - p.facets[2].byte_start),
            "#Budget");

  // A long title: shortened to 300 graphemes, the URL (counted in full) kept whole.
  art.title.clear();
  for (int i = 0; i < 80; ++i) art.title += "word ";
  p = composed(*bsky);
  EXPECT_LE(compose::grapheme_count(p.text), 300u);
  EXPECT_THAT(p.text, HasSubstr(kArticleUrl));
  EXPECT_THAT(p.text, HasSubstr("…"));

  // 300 graphemes of 20 bytes each would be 6000 bytes: the 3000-byte cap shortens further.
  art.title.clear();
  for (int i = 0; i < 250; ++i) art.title += "👨‍❤️‍👨";
  p = composed(*bsky);
  EXPECT_LE(p.text.size(), 3000u);
  EXPECT_THAT(p.text, HasSubstr(kArticleUrl));
}

// --- session ---------------------------------------------------------------------------------

TEST_F(BlueskyConnectorTest, LogsInOnceAndReusesTheSessionAfterARestart) {
  {
    auto bsky = make();
    ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
    ASSERT_EQ(publish(*bsky, false, "syn-key-2").kind, Kind::kSent);
  }
  EXPECT_EQ(pds.logins, 1);
  ASSERT_TRUE(store.value().has_value());
  json saved = json::parse(*store.value());
  EXPECT_EQ(saved["did"], kDid);
  EXPECT_EQ(saved["accessJwt"], pds.access);
  EXPECT_EQ(saved["refreshJwt"], pds.refresh);
  EXPECT_EQ(saved["identifier"], "azernews.test");
  EXPECT_EQ(saved["service"], kBase);
  EXPECT_FALSE(saved.contains("password"));
  EXPECT_THAT(*store.value(), Not(HasSubstr(kAppPassword)));

  // A restart: a new connector on the same store posts without logging in.
  auto again = make();
  ASSERT_EQ(publish(*again, false, "syn-key-3").kind, Kind::kSent);
  EXPECT_EQ(pds.logins, 1);
  EXPECT_EQ(pds.refreshes, 0);
  EXPECT_EQ(pds.records.size(), 3u);

  // The login request itself: identifier + app password, no Authorization.
  auto reqs = http.requests();
  ASSERT_EQ(nsid_of(reqs[0]), "com.atproto.server.createSession");
  EXPECT_EQ(reqs[0].url, std::string(kBase) + "/xrpc/com.atproto.server.createSession");
  EXPECT_EQ(json::parse(reqs[0].body),
            (json{{"identifier", "azernews.test"}, {"password", kAppPassword}}));
  EXPECT_FALSE(header_of(reqs[0], "Authorization").has_value());
}

TEST_F(BlueskyConnectorTest, SessionOfAnotherAccountInTheStoreIsNotUsed) {
  {
    auto bsky = make();
    ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  }
  auto s = settings();
  s.credentials["identifier"] = Secret("other.test");
  auto other = make(s);
  ASSERT_EQ(publish(*other, false, "syn-key-2").kind, Kind::kSent);
  EXPECT_EQ(pds.logins, 2);
}

TEST_F(BlueskyConnectorTest, WithoutAStoreTheSessionStaysInMemory) {
  auto bsky = make(settings(), /*with_store=*/false);
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  ASSERT_EQ(publish(*bsky, false, "syn-key-2").kind, Kind::kSent);
  EXPECT_EQ(pds.logins, 1);
  EXPECT_FALSE(store.value().has_value());
}

TEST_F(BlueskyConnectorTest, ExpiredTokenIsRefreshedAndTheCallRetriedOnce) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  const std::string held_refresh = pds.refresh;
  pds.issue();  // the server moved on: the access token we hold is expired, the refresh not
  pds.refresh = held_refresh;
  const auto before = http.requests().size();

  Outcome o = publish(*bsky, false, "syn-key-2");
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(pds.logins, 1);
  EXPECT_EQ(pds.refreshes, 1);
  // uploadBlob refused (expired) → refresh → uploadBlob again → createRecord.
  auto c = calls();
  c.erase(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(before));
  EXPECT_EQ(c, (std::vector<std::string>{
                   kImageUrl, "com.atproto.repo.uploadBlob", "com.atproto.server.refreshSession",
                   "com.atproto.repo.uploadBlob", "com.atproto.repo.createRecord"}));
  auto reqs = http.requests();
  EXPECT_EQ(reqs[before + 2].url, std::string(kBase) + "/xrpc/com.atproto.server.refreshSession");
  EXPECT_EQ(reqs[before + 2].method, "POST");
  EXPECT_EQ(header_of(reqs[before + 2], "Authorization"), "Bearer " + held_refresh);
  EXPECT_EQ(header_of(reqs[before + 3], "Authorization"), "Bearer " + pds.access);
  // The rotated tokens are saved.
  EXPECT_EQ(json::parse(*store.value())["accessJwt"], pds.access);
  EXPECT_EQ(json::parse(*store.value())["refreshJwt"], pds.refresh);
}

TEST_F(BlueskyConnectorTest, UnauthorizedIsTreatedLikeAnExpiredToken) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      xrpc_error(401, "AuthenticationRequired", "Authentication Required"));
  Outcome o = publish(*bsky, false, "syn-key-2");
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(pds.refreshes, 1);
  EXPECT_EQ(pds.logins, 1);
}

TEST_F(BlueskyConnectorTest, RefreshRefusedThenANewSession) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  pds.access = "revoked";  // the token we hold is refused
  pds.refresh_refused = true;
  Outcome o = publish(*bsky, false, "syn-key-2");
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(pds.refreshes, 1);
  EXPECT_EQ(pds.logins, 2);
  EXPECT_EQ(json::parse(*store.value())["accessJwt"], pds.access);
}

TEST_F(BlueskyConnectorTest, RefreshAndLoginBothRefusedStopsTheAccount) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  pds.access = "revoked";
  pds.refresh_refused = true;
  pds.login_refused = true;
  Outcome o = publish(*bsky, false, "syn-key-2");
  EXPECT_EQ(o.kind, Kind::kStopAccount);
  EXPECT_THAT(o.reason, HasSubstr("app_password"));
  EXPECT_THAT(o.reason, HasSubstr("Invalid identifier or password"));
  EXPECT_EQ(pds.records.size(), 1u);
}

TEST_F(BlueskyConnectorTest, AFreshSessionsTokenRefusedStopsTheAccount) {
  auto bsky = make();
  pds.refuse_fresh_tokens = true;
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kStopAccount) << o.reason;
  EXPECT_EQ(pds.logins, 1);  // no login loop
}

TEST_F(BlueskyConnectorTest, WrongAppPasswordStopsTheAccount) {
  auto s = settings();
  s.credentials["app_password"] = Secret("wrong-pass-word-xyz");
  auto bsky = make(s);
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kStopAccount);
  EXPECT_THAT(o.reason, Not(HasSubstr("wrong-pass-word-xyz")));
  EXPECT_EQ(pds.logins, 1);
}

TEST_F(BlueskyConnectorTest, LoginRateLimitedIsTransient) {
  pds.overrides["com.atproto.server.createSession"].push_back(
      answer(429, {{"error", "RateLimitExceeded"}, {"message", "Rate Limit Exceeded"}},
             {{"RateLimit-Limit", "30"},
              {"RateLimit-Remaining", "0"},
              {"RateLimit-Reset", "1767225900"}}));
  auto bsky = make();
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kTransient);
  ASSERT_TRUE(o.retry_at.has_value());
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225900);
  ASSERT_TRUE(o.pause_until.has_value());
  EXPECT_EQ(o.pause_until->unix_seconds, 1767225900);
}

TEST_F(BlueskyConnectorTest, RefreshUnreachableIsTransientWithoutALogin) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  pds.access = "revoked";
  pds.overrides["com.atproto.server.refreshSession"].push_back(
      xrpc_error(502, "UpstreamFailure", "Bad Gateway"));
  Outcome o = publish(*bsky, false, "syn-key-2");
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_EQ(pds.logins, 1);
}

// --- publish ---------------------------------------------------------------------------------

TEST_F(BlueskyConnectorTest, CreatesThePostRecordWithFacetsAndALinkCardWithThumb) {
  auto bsky = make();
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.reason, "posted");
  const std::string uri = std::string("at://") + kDid + "/app.bsky.feed.post/" + rkey();
  EXPECT_EQ(o.remote.id, uri);
  EXPECT_EQ(o.remote.url, "https://bsky.app/profile/" + std::string(kDid) + "/post/" + rkey());

  auto reqs = http.requests();
  ASSERT_EQ(calls(), (std::vector<std::string>{"com.atproto.server.createSession", kImageUrl,
                                               "com.atproto.repo.uploadBlob",
                                               "com.atproto.repo.createRecord"}));
  // The image: fetched without credentials, uploaded as is with its type.
  EXPECT_FALSE(header_of(reqs[1], "Authorization").has_value());
  EXPECT_EQ(reqs[2].method, "POST");
  EXPECT_EQ(reqs[2].url, std::string(kBase) + "/xrpc/com.atproto.repo.uploadBlob");
  EXPECT_EQ(header_of(reqs[2], "Content-Type"), "image/png");
  EXPECT_EQ(header_of(reqs[2], "Authorization"), "Bearer " + pds.access);
  EXPECT_EQ(reqs[2].body, pds.image);

  EXPECT_EQ(reqs[3].url, std::string(kBase) + "/xrpc/com.atproto.repo.createRecord");
  EXPECT_EQ(header_of(reqs[3], "Content-Type"), "application/json");
  const std::string text = post.text;
  const std::size_t link = text.find(kArticleUrl);
  const std::size_t politics = text.find("#Politics");
  const std::size_t budget = text.find("#Budget");
  const json expected = {
      {"repo", kDid},
      {"collection", "app.bsky.feed.post"},
      {"rkey", rkey()},
      {"record",
       {{"$type", "app.bsky.feed.post"},
        {"text", text},
        {"createdAt", "2026-01-01T00:00:00.000Z"},
        {"langs", {"en"}},
        {"facets",
         {{{"index", {{"byteStart", link}, {"byteEnd", link + std::strlen(kArticleUrl)}}},
           {"features", {{{"$type", "app.bsky.richtext.facet#link"}, {"uri", kArticleUrl}}}}},
          {{"index", {{"byteStart", politics}, {"byteEnd", politics + 9}}},
           {"features", {{{"$type", "app.bsky.richtext.facet#tag"}, {"tag", "Politics"}}}}},
          {{"index", {{"byteStart", budget}, {"byteEnd", budget + 7}}},
           {"features", {{{"$type", "app.bsky.richtext.facet#tag"}, {"tag", "Budget"}}}}}}},
        {"embed",
         {{"$type", "app.bsky.embed.external"},
          {"external",
           {{"uri", kArticleUrl},
            {"title", "Parliament passes the 2026 budget"},
            {"description", "The budget was passed on the third reading."},
            {"thumb",
             {{"$type", "blob"},
              {"ref", {{"$link", "bafkreithumb"}}},
              {"mimeType", "image/png"},
              {"size", 2048}}}}}}}}}};
  EXPECT_EQ(json::parse(reqs[3].body), expected);
}

TEST_F(BlueskyConnectorTest, ThumbSkippedWhenTheImageCannotBeFetched) {
  auto bsky = make();
  pds.image_status = 404;
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("without the link card's thumb"));
  EXPECT_THAT(o.reason, HasSubstr("404"));
  const json record = pds.records.at(rkey());
  EXPECT_EQ(record["embed"]["external"]["uri"], kArticleUrl);
  EXPECT_FALSE(record["embed"]["external"].contains("thumb"));
}

TEST_F(BlueskyConnectorTest, ThumbSkippedWhenTheImageIsUnreachable) {
  auto bsky = make();
  http.set_handler([this](const http::ClientRequest& r) -> core::Result<http::ClientResponse> {
    if (r.url == kImageUrl) return core::make_error("connection refused", kImageUrl);
    return pds.handle(r);
  });
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("connection refused"));
  EXPECT_FALSE(pds.records.at(rkey())["embed"]["external"].contains("thumb"));
}

TEST_F(BlueskyConnectorTest, ThumbSkippedWhenTheImageIsOverAMillionBytes) {
  auto bsky = make();
  pds.image = std::string(1'000'001, 'J');
  pds.image_type = "image/jpeg";
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("1000001 bytes"));
  EXPECT_THAT(o.reason, HasSubstr("cannot re-encode"));
  const auto c = calls();
  EXPECT_EQ(std::count(c.begin(), c.end(), "com.atproto.repo.uploadBlob"), 0);
  EXPECT_FALSE(pds.records.at(rkey())["embed"]["external"].contains("thumb"));

  // Exactly 1,000,000 is fine.
  pds.image = std::string(1'000'000, 'J');
  ASSERT_EQ(publish(*bsky, false, "syn-key-2").kind, Kind::kSent);
  EXPECT_EQ(pds.records.at(rkey("syn-key-2"))["embed"]["external"]["thumb"]["size"], 1'000'000);
}

TEST_F(BlueskyConnectorTest, ThumbSkippedWhenNotAnImageOrRefused) {
  auto bsky = make();
  pds.image_type = "text/html";
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_THAT(o.reason, HasSubstr("not an image"));

  pds.image_type = "image/png";
  pds.overrides["com.atproto.repo.uploadBlob"].push_back(
      xrpc_error(400, "InvalidRequest", "Unsupported mime type"));
  o = publish(*bsky, false, "syn-key-2");
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_THAT(o.reason, HasSubstr("Unsupported mime type"));
  EXPECT_FALSE(pds.records.at(rkey("syn-key-2"))["embed"]["external"].contains("thumb"));
}

TEST_F(BlueskyConnectorTest, WithoutLinkCardNoEmbedAndNoImage) {
  auto s = settings();
  s.options["link_card"] = Option{"false", "config.toml:55"};
  auto bsky = make(s);
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_FALSE(post.image.has_value());
  EXPECT_FALSE(pds.records.at(rkey()).contains("embed"));
  EXPECT_EQ(calls(), (std::vector<std::string>{"com.atproto.server.createSession",
                                               "com.atproto.repo.createRecord"}));
}

// --- recovery by the deterministic key -------------------------------------------------------

TEST_F(BlueskyConnectorTest, RecoveringFindsTheRecordOfAnEarlierAttempt) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  const auto before = http.requests().size();
  Outcome o = publish(*bsky, /*recovering=*/true);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("already posted"));
  EXPECT_EQ(o.remote.id, std::string("at://") + kDid + "/app.bsky.feed.post/" + rkey());
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), before + 1);
  EXPECT_EQ(reqs.back().method, "GET");
  EXPECT_EQ(reqs.back().url, std::string(kBase) +
                                 "/xrpc/com.atproto.repo.getRecord?repo=did%3Aplc%3Aabc123"
                                 "&collection=app.bsky.feed.post&rkey=" +
                                 rkey());
  EXPECT_EQ(pds.records.size(), 1u);
}

TEST_F(BlueskyConnectorTest, AnEditedDateBetweenAttemptsKeepsTheRecordKey) {
  // The engine hands over the publication time it planned with; the article's own date may
  // have been moved by an editor since the lost attempt. Same record key, no second post.
  auto bsky = make();
  const core::Timestamp planned = art.published;
  post = composed(*bsky);
  Delivery first{art, post, "syn-key-1", 1, false, planned};
  ASSERT_EQ(bsky->publish(first).kind, Kind::kSent);
  art.published = core::Timestamp{art.published.unix_seconds + 3600, 0, 0};
  Delivery retry{art, post, "syn-key-1", 2, true, planned};
  Outcome o = bsky->publish(retry);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, std::string("at://") + kDid + "/app.bsky.feed.post/" +
                             deterministic_tid(planned, "syn-key-1"));
  EXPECT_EQ(pds.records.size(), 1u);
}

TEST_F(BlueskyConnectorTest, RecoveringPostsWhenNothingWasWritten) {
  auto bsky = make();
  Outcome o = publish(*bsky, /*recovering=*/true);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.reason, "posted");
  EXPECT_EQ(pds.records.size(), 1u);
  const auto c = calls();
  EXPECT_EQ(c[1], "com.atproto.repo.getRecord");
}

TEST_F(BlueskyConnectorTest, ACollidingCreateIsResolvedToTheExistingRecord) {
  auto bsky = make();
  ASSERT_EQ(publish(*bsky).kind, Kind::kSent);
  // A first attempt (not flagged as recovering) whose record is there: the PDS answers 500.
  Outcome o = publish(*bsky);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("already posted"));
  EXPECT_EQ(pds.records.size(), 1u);
  EXPECT_EQ(calls().back(), "com.atproto.repo.getRecord");
}

TEST_F(BlueskyConnectorTest, FindReportsTheRecordByItsKey) {
  auto bsky = make();
  post = composed(*bsky);
  Delivery d{art, post, "syn-key-1", 1, true};
  EXPECT_EQ(bsky->find(d).kind, Kind::kNotFound);
  ASSERT_EQ(bsky->publish(d).kind, Kind::kSent);
  Outcome o = bsky->find(d);
  EXPECT_EQ(o.kind, Kind::kSent);
  EXPECT_EQ(o.remote.url, "https://bsky.app/profile/" + std::string(kDid) + "/post/" + rkey());
}

// --- classification --------------------------------------------------------------------------

TEST_F(BlueskyConnectorTest, RateLimitedPostIsTransientWithRetryAt) {
  auto bsky = make();
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      answer(429, {{"error", "RateLimitExceeded"}, {"message", "Rate Limit Exceeded"}},
             {{"RateLimit-Limit", "5000"},
              {"RateLimit-Remaining", "0"},
              {"RateLimit-Reset", "1767229200"}}));
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kTransient);
  ASSERT_TRUE(o.retry_at.has_value());
  EXPECT_EQ(o.retry_at->unix_seconds, 1767229200);
  EXPECT_EQ(o.pause_until->unix_seconds, 1767229200);
  EXPECT_THAT(o.reason, HasSubstr("rate limit"));
}

TEST_F(BlueskyConnectorTest, ExhaustedWindowOnSuccessPausesTheAccount) {
  auto bsky = make();
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      answer(200,
             {{"uri", std::string("at://") + kDid + "/app.bsky.feed.post/" + rkey()},
              {"cid", "bafyreicid"}},
             {{"RateLimit-Limit", "3000"},
              {"RateLimit-Remaining", "0"},
              {"RateLimit-Reset", "1767225960"}}));
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kSent);
  ASSERT_TRUE(o.pause_until.has_value());
  EXPECT_EQ(o.pause_until->unix_seconds, 1767225960);
  EXPECT_FALSE(o.retry_at.has_value());

  // Remaining above 0: no pause.
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      answer(200,
             {{"uri", std::string("at://") + kDid + "/app.bsky.feed.post/" + rkey("syn-key-2")},
              {"cid", "bafyreicid"}},
             {{"RateLimit-Remaining", "2999"}, {"RateLimit-Reset", "1767225960"}}));
  EXPECT_FALSE(publish(*bsky, false, "syn-key-2").pause_until.has_value());
}

TEST_F(BlueskyConnectorTest, ServerErrorsAndTransportErrorsAreTransient) {
  auto bsky = make();
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      xrpc_error(503, "NotEnoughResources", "try later"));
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, HasSubstr("503"));

  http.set_handler([this](const http::ClientRequest& r) -> core::Result<http::ClientResponse> {
    if (nsid_of(r) == "com.atproto.repo.createRecord") {
      return core::make_error("read timeout", std::string(kBase) + "/xrpc/x");
    }
    return pds.handle(r);
  });
  o = publish(*bsky, false, "syn-key-2");
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, HasSubstr("read timeout"));
}

TEST_F(BlueskyConnectorTest, InvalidRequestIsPermanentWithTheServersMessage) {
  auto bsky = make();
  // The server's message may quote what it got: secrets are scrubbed from reasons anyway.
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      xrpc_error(400, "InvalidRequest",
                 "Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got 301) at "
                 "$.record.text; password " +
                     std::string(kAppPassword)));
  Outcome o = publish(*bsky);
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_THAT(o.reason, HasSubstr("400 InvalidRequest"));
  EXPECT_THAT(o.reason, HasSubstr("grapheme too big"));
  EXPECT_THAT(o.reason, HasSubstr("<redacted>"));
}

TEST_F(BlueskyConnectorTest, AccountTakedownStopsTheAccount) {
  auto bsky = make();
  pds.overrides["com.atproto.repo.createRecord"].push_back(
      xrpc_error(400, "AccountTakedown", "Account has been taken down"));
  EXPECT_EQ(publish(*bsky).kind, Kind::kStopAccount);
}

// --- remove ----------------------------------------------------------------------------------

TEST_F(BlueskyConnectorTest, RemoveDeletesTheRecord) {
  auto bsky = make();
  Outcome sent = publish(*bsky);
  ASSERT_EQ(sent.kind, Kind::kSent);
  Outcome o = bsky->remove(sent.remote);
  reasons.push_back(o.reason);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_TRUE(pds.records.empty());
  auto reqs = http.requests();
  EXPECT_EQ(reqs.back().url, std::string(kBase) + "/xrpc/com.atproto.repo.deleteRecord");
  EXPECT_EQ(json::parse(reqs.back().body),
            (json{{"repo", kDid}, {"collection", "app.bsky.feed.post"}, {"rkey", rkey()}}));
  // Deleting again is still success (the PDS answers 200).
  EXPECT_TRUE(bsky->remove(sent.remote).ok());
}

TEST_F(BlueskyConnectorTest, RemoveOfSomethingElseIsPermanent) {
  auto bsky = make();
  Outcome o = bsky->remove(RemoteRef{"1800000000000000001", ""});
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_TRUE(http.requests().empty());
}

TEST_F(BlueskyConnectorTest, RemoveWithAnExpiredTokenRefreshes) {
  auto bsky = make();
  Outcome sent = publish(*bsky);
  pds.issue();
  pds.refresh = json::parse(*store.value())["refreshJwt"];
  Outcome o = bsky->remove(sent.remote);
  EXPECT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(pds.refreshes, 1);
  EXPECT_EQ(pds.logins, 1);
}

}  // namespace
}  // namespace syndicated::connectors::bluesky
