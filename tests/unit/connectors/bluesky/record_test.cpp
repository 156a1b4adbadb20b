// The post record as app.bsky.feed.post wants it, and facets with UTF-8 byte offsets checked
// against ../shared/testdata/social/bluesky-vectors.json (the PDS does not check them).
#include "connectors/bluesky/record.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "connectors/bluesky/bluesky_connector.hpp"
#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"

namespace syndicated::connectors::bluesky {
namespace {

using nlohmann::json;

json vectors() {
  const char* env = std::getenv("SYNDICATED_SHARED_DIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : SYNDICATED_SHARED_DIR;
  std::ifstream in(dir + "/testdata/social/bluesky-vectors.json");
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  EXPECT_TRUE(j.is_object()) << "cannot read bluesky-vectors.json under " << dir;
  return j;
}

json vector_with(const std::string& text) {
  const json all = vectors();
  for (const auto& v : all["facet_vectors"]) {
    if (v["text"] == text) return v;
  }
  ADD_FAILURE() << "no vector for " << text;
  return json::object();
}

// The link and tag facets a vector expects, as the record carries them.
json expected_facets(const json& vector) {
  json out = json::array();
  for (const auto& f : vector["facets"]) {
    const std::string feature = f["feature"];
    json item;
    if (feature == "app.bsky.richtext.facet#link") {
      item = {{"$type", feature}, {"uri", f.contains("uri") ? f["uri"] : f["substring"]}};
    } else if (feature == "app.bsky.richtext.facet#tag") {
      item = {{"$type", feature}, {"tag", f["tag"]}};
    } else {
      continue;  // mentions: not something a news post generates
    }
    out.push_back({{"index", {{"byteStart", f["byteStart"]}, {"byteEnd", f["byteEnd"]}}},
                   {"features", json::array({item})}});
  }
  return out;
}

struct Composer {
  testing::FakeClock clock;
  testing::FakeHttpClient http;
  std::unique_ptr<BlueskyConnector> make(const std::string& tmpl, bool hashtags) {
    AccountSettings s;
    s.name = "bsky";
    s.network = "bluesky";
    s.text_template = tmpl;
    s.hashtags = hashtags;
    s.credentials["identifier"] = Secret("azernews.test");
    s.credentials["app_password"] = Secret("abcd-efgh-ijkl-mnop");
    auto c = BlueskyConnector::create(s, ConnectorContext{http, clock});
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }
};

TEST(BlueskyRecordTest, VectorsThemselvesAreConsistent) {
  // Each facet's byte range covers its substring (what a wrong offset would break).
  const json all = vectors();
  ASSERT_EQ(all["facet_vectors"].size(), 3u);
  for (const auto& v : all["facet_vectors"]) {
    const std::string text = v["text"];
    for (const auto& f : v["facets"]) {
      if (!f.contains("substring")) continue;
      const std::size_t s = f["byteStart"], e = f["byteEnd"];
      EXPECT_EQ(text.substr(s, e - s), f["substring"].get<std::string>()) << text;
    }
  }
}

TEST(BlueskyRecordTest, ComposedAzerbaijaniPostHasTheVectorsFacets) {
  const std::string text =
      "✨ Azərbaycan: yeni xəbər https://www.azernews.az/business/123.html #Azerbaijan "
      "@azernews.test";
  const json v = vector_with(text);
  Composer c;
  auto bsky = c.make("✨ {title} {url} {hashtags} @azernews.test", true);
  core::Article a;
  a.id = "123";
  a.title = "Azərbaycan: yeni xəbər";
  a.url = "https://www.azernews.az/business/123.html";
  a.tags = {{"Azerbaijan", "azerbaijan"}};
  a.language = "az";
  auto post = bsky->compose(a);
  ASSERT_TRUE(post.ok()) << post.error().to_string();
  EXPECT_EQ(post->text, text);
  EXPECT_EQ(post->text.size(), 98u);
  EXPECT_EQ(facets_json(post->facets, post->text), expected_facets(v));
}

TEST(BlueskyRecordTest, ComposedPostWithEmojiAndTrailingDotHasTheDocsLinkFacet) {
  const std::string text =
      "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 "
      "https://en.wikipedia.org/wiki/CBOR.";
  const json v = vector_with(text);
  Composer c;
  auto bsky = c.make(
      "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 {url}.", false);
  core::Article a;
  a.id = "cbor";
  a.title = "CBOR";
  a.url = "https://en.wikipedia.org/wiki/CBOR";
  auto post = bsky->compose(a);
  ASSERT_TRUE(post.ok()) << post.error().to_string();
  EXPECT_EQ(post->text, text);
  EXPECT_EQ(post->text.size(), v["utf8_bytes"].get<std::size_t>());
  EXPECT_EQ(facets_json(post->facets, post->text), expected_facets(v));
}

TEST(BlueskyRecordTest, LinkOnOtherTextKeepsItsRange) {
  const json v = vector_with("Go to this site");
  const std::vector<Facet> facets = {{Facet::Kind::kLink, 6, 15, "https://example.com"}};
  EXPECT_EQ(facets_json(facets, "Go to this site"), expected_facets(v));
}

TEST(BlueskyRecordTest, FacetsThatDoNotFitTheTextAreLeftOut) {
  const std::string text = "ə #Tag https://a.example/x";  // 'ə' is 2 bytes
  const std::vector<Facet> facets = {
      {Facet::Kind::kLink, 10, 28, "https://a.example/x"},  // past the end (28 > 27)
      {Facet::Kind::kTag, 1, 7, "Tag"},                     // splits 'ə'
      {Facet::Kind::kTag, 7, 3, "Tag"},                     // reversed
      {Facet::Kind::kTag, 3, 7, ""},                        // empty tag
      {Facet::Kind::kLink, 8, 28, "https://a.example/x"},   // past the end
      {Facet::Kind::kLink, 8, 27, "https://a.example/x"},   // good
      {Facet::Kind::kTag, 3, 7, "Tag"},                     // good
  };
  const json out = facets_json(facets, text);
  ASSERT_EQ(out.size(), 2u) << out.dump();
  EXPECT_EQ(out[0]["index"], (json{{"byteStart", 3}, {"byteEnd", 7}}));  // sorted
  EXPECT_EQ(out[1]["index"], (json{{"byteStart", 8}, {"byteEnd", 27}}));
}

TEST(BlueskyRecordTest, RecordShape) {
  Post post;
  post.text = "Hi https://n.example/a #News";
  post.language = "az";
  post.facets = {{Facet::Kind::kLink, 3, 22, "https://n.example/a"},
                 {Facet::Kind::kTag, 23, 28, "News"}};
  const json blob = {{"$type", "blob"},
                     {"ref", {{"$link", "bafkreiexample"}}},
                     {"mimeType", "image/png"},
                     {"size", 68}};
  const json record = post_record(post, "2026-01-01T00:00:00.000Z",
                                  ExternalCard{"https://n.example/a", "Title", "Summary", blob});
  EXPECT_EQ(record, json::parse(R"({
    "$type": "app.bsky.feed.post",
    "text": "Hi https://n.example/a #News",
    "createdAt": "2026-01-01T00:00:00.000Z",
    "langs": ["az"],
    "facets": [
      {"index": {"byteStart": 3, "byteEnd": 22},
       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://n.example/a"}]},
      {"index": {"byteStart": 23, "byteEnd": 28},
       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "News"}]}],
    "embed": {"$type": "app.bsky.embed.external",
              "external": {"uri": "https://n.example/a", "title": "Title",
                           "description": "Summary",
                           "thumb": {"$type": "blob", "ref": {"$link": "bafkreiexample"},
                                     "mimeType": "image/png", "size": 68}}}
  })"));
  // Without language, facets and card: just the required keys.
  Post bare;
  bare.text = "plain";
  EXPECT_EQ(post_record(bare, "2026-01-01T00:00:00.000Z", std::nullopt),
            (json{{"$type", "app.bsky.feed.post"},
                  {"text", "plain"},
                  {"createdAt", "2026-01-01T00:00:00.000Z"}}));
}

TEST(BlueskyRecordTest, CreatedAtIsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(created_at({1767225600, 0, 0}), "2026-01-01T00:00:00.000Z");
  // The offset the time was written in does not matter: always UTC.
  EXPECT_EQ(created_at({1767239999, 987654321, 240}), "2026-01-01T03:59:59.987Z");
  EXPECT_EQ(created_at({0, 0, 0}), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace syndicated::connectors::bluesky
