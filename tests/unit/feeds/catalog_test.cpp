#include "feeds/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_support.hpp"

namespace syndicated::feeds {
namespace {

using testing::article;
using testing::ts;

std::vector<std::string> ids(const std::vector<const core::Article*>& items) {
  std::vector<std::string> out;
  for (const auto* a : items) out.push_back(a->id);
  return out;
}

std::vector<std::string> paths(const std::vector<FeedSpec>& feeds) {
  std::vector<std::string> out;
  for (const auto& f : feeds) out.push_back(f.path);
  return out;
}

TEST(Model, ExtensionsAndContentTypes) {
  EXPECT_STREQ(extension(Format::kRss), ".xml");
  EXPECT_STREQ(extension(Format::kAtom), ".atom");
  EXPECT_STREQ(extension(Format::kJson), ".json");
  EXPECT_STREQ(content_type(Format::kRss), "application/rss+xml; charset=utf-8");
  EXPECT_STREQ(content_type(Format::kAtom), "application/atom+xml; charset=utf-8");
  EXPECT_STREQ(content_type(Format::kJson), "application/feed+json; charset=utf-8");
  EXPECT_STREQ(to_string(FeedKind::kCategory), "category");
  Site site;
  site.base_url = "https://x.example/";
  FeedSpec f;
  f.path = "/tag/a/feed";
  EXPECT_EQ(feed_url(site, f, Format::kAtom), "https://x.example/tag/a/feed.atom");
}

TEST(Visibility, StatusAndEmbargo) {
  const core::Timestamp now = ts("2024-03-10T12:00:00Z");
  core::Article a = article("a", "2024-03-10T12:00:00Z");
  EXPECT_TRUE(is_visible(a, now));  // published == now is visible
  a.published = ts("2024-03-10T16:00:01+04:00");  // one second after now
  EXPECT_FALSE(is_visible(a, now));
  a.published = ts("2024-03-10T15:59:59+04:00");
  EXPECT_TRUE(is_visible(a, now));
  a.status = core::ArticleStatus::kDraft;
  EXPECT_FALSE(is_visible(a, now));
  a.status = core::ArticleStatus::kRetracted;
  EXPECT_FALSE(is_visible(a, now));
}

TEST(SelectItems, NewestFirstTiesByIdAndLimit) {
  std::vector<core::Article> v = {
      article("b", "2024-03-01T10:00:00Z"), article("c", "2024-03-02T10:00:00Z"),
      article("a", "2024-03-01T14:00:00+04:00"),  // the same instant as "b"
      article("d", "2024-02-01T10:00:00Z"),
      article("future", "2024-04-01T10:00:00Z")};
  FeedSpec feed;
  feed.limit = 50;
  const core::Timestamp now = ts("2024-03-10T00:00:00Z");
  EXPECT_EQ(ids(select_items(feed, v, now)), (std::vector<std::string>{"c", "a", "b", "d"}));
  feed.limit = 2;
  EXPECT_EQ(ids(select_items(feed, v, now)), (std::vector<std::string>{"c", "a"}));
  feed.limit = 0;
  EXPECT_TRUE(select_items(feed, v, now).empty());
  // Input order does not matter.
  std::reverse(v.begin(), v.end());
  feed.limit = 3;
  EXPECT_EQ(ids(select_items(feed, v, now)), (std::vector<std::string>{"c", "a", "b"}));
}

TEST(SelectItems, Filters) {
  core::Article a = article("a", "2024-03-01T00:00:00Z");
  a.categories = {{"Politics", "politics"}};
  a.tags = {{"Vote", "vote"}};
  a.language = "en-GB";
  core::Article b = article("b", "2024-03-02T00:00:00Z");
  b.categories = {{"Sport", "sport"}};
  b.authors = {{"Jane", "jane", "", ""}};
  b.language = "az";
  core::Article c = article("c", "2024-03-03T00:00:00Z");
  c.categories = {{"Politics", "politics"}, {"Sport", "sport"}};
  c.authors = {{"Jane", "jane", "", ""}};
  std::vector<core::Article> v = {a, b, c};
  const core::Timestamp now = ts("2024-04-01T00:00:00Z");

  FeedSpec f;
  f.filter.categories = {"politics"};
  EXPECT_EQ(ids(select_items(f, v, now)), (std::vector<std::string>{"c", "a"}));
  f.filter.categories = {"politics", "sport"};  // OR within a list
  EXPECT_EQ(ids(select_items(f, v, now)), (std::vector<std::string>{"c", "b", "a"}));
  f.filter.authors = {"jane"};  // AND across lists
  EXPECT_EQ(ids(select_items(f, v, now)), (std::vector<std::string>{"c", "b"}));
  f = FeedSpec{};
  f.filter.tags = {"vote"};
  EXPECT_EQ(ids(select_items(f, v, now)), (std::vector<std::string>{"a"}));
  f = FeedSpec{};
  f.filter.languages = {"EN"};  // RFC 4647 basic filtering: "en" matches "en-GB"
  EXPECT_EQ(ids(select_items(f, v, now)), (std::vector<std::string>{"a"}));
  f.filter.languages = {"en-GB", "az"};
  EXPECT_EQ(ids(select_items(f, v, now)), (std::vector<std::string>{"b", "a"}));
  f.filter.languages = {"e"};  // not a prefix match on subtag boundaries
  EXPECT_TRUE(select_items(f, v, now).empty());
  f = FeedSpec{};
  f.filter.categories = {"nothing"};
  EXPECT_TRUE(select_items(f, v, now).empty());
}

TEST(Catalog, SiteThenCategoriesAuthorsTagsThenCustom) {
  const Site site = testing::sample_site();
  FeedsConfig config;
  config.default_limit = 20;
  FeedSpec custom_b;
  custom_b.name = "zeta-politics";
  custom_b.filter.categories = {"politics"};
  custom_b.limit = 0;  // not set: takes default_limit
  FeedSpec custom_a;
  custom_a.name = "alpha";
  custom_a.title = "Alpha picks";
  custom_a.limit = 5;
  FeedSpec clash;
  clash.name = "clash";
  clash.path = "/feed";  // taken by the site feed: dropped
  config.custom = {custom_b, custom_a, clash};
  const auto articles = testing::sample_articles();
  const auto feeds = build_catalog(site, config, articles, ts(testing::kSampleNow));

  EXPECT_EQ(paths(feeds), (std::vector<std::string>{
                              "/feed",
                              "/category/culture/feed",
                              "/category/iqtisadiyyat/feed",
                              "/category/politics/feed",
                              "/author/eli-hesenov/feed",
                              "/author/ivan-petrov/feed",
                              "/author/jane-doe/feed",
                              "/author/photo-desk/feed",
                              "/tag/budget/feed",
                              "/tag/gallery/feed",
                              "/tag/novruz/feed",
                              "/tag/parliament/feed",
                              "/tag/russia/feed",
                              "/tag/udm/feed",
                              "/feeds/alpha/feed",
                              "/feeds/zeta-politics/feed",
                          }));
  // No feed for the terms of drafts ("drafts") or embargoed articles ("secret").
  EXPECT_EQ(feeds[0].kind, FeedKind::kSite);
  EXPECT_EQ(feeds[0].title, "APA News");
  EXPECT_EQ(feeds[0].limit, 20u);
  EXPECT_EQ(feeds[2].kind, FeedKind::kCategory);
  EXPECT_EQ(feeds[2].name, "iqtisadiyyat");
  EXPECT_EQ(feeds[2].title, "APA News — İqtisadiyyat");
  EXPECT_EQ(feeds[2].filter.categories, std::vector<std::string>{"iqtisadiyyat"});
  EXPECT_EQ(feeds[4].title, "APA News — Əli Həsənov");
  EXPECT_EQ(feeds[4].filter.authors, std::vector<std::string>{"eli-hesenov"});
  EXPECT_EQ(feeds[13].filter.tags, std::vector<std::string>{"udm"});
  EXPECT_EQ(feeds[14].kind, FeedKind::kCustom);
  EXPECT_EQ(feeds[14].title, "Alpha picks");
  EXPECT_EQ(feeds[14].limit, 5u);
  EXPECT_EQ(feeds[15].title, "APA News — zeta-politics");
  EXPECT_EQ(feeds[15].limit, 20u);
}

TEST(Catalog, KindsCanBeDisabled) {
  FeedsConfig config;
  config.category_feeds = false;
  config.tag_feeds = false;
  const auto articles = testing::sample_articles();
  const auto feeds =
      build_catalog(testing::sample_site(), config, articles, ts(testing::kSampleNow));
  ASSERT_EQ(feeds.size(), 5u);
  for (std::size_t i = 1; i < feeds.size(); ++i) EXPECT_EQ(feeds[i].kind, FeedKind::kAuthor);
}

TEST(Catalog, TermNameComesFromTheNewestArticle) {
  core::Article old_one = article("1", "2024-01-01T00:00:00Z");
  old_one.categories = {{"Old name", "topic"}};
  core::Article new_one = article("2", "2024-02-01T00:00:00Z");
  new_one.categories = {{"New <b>name</b>", "topic"}};
  for (auto v : {std::vector{old_one, new_one}, std::vector{new_one, old_one}}) {
    const auto feeds = build_catalog(Site{}, FeedsConfig{}, v, ts("2024-03-01T00:00:00Z"));
    ASSERT_EQ(feeds.size(), 2u);
    EXPECT_EQ(feeds[1].title, "syndicated — New name");
  }
}

TEST(Catalog, EmptyStoreHasTheSiteFeed) {
  const auto feeds = build_catalog(Site{}, FeedsConfig{}, {}, ts("2024-03-01T00:00:00Z"));
  ASSERT_EQ(feeds.size(), 1u);
  EXPECT_EQ(feeds[0].path, "/feed");
}

}  // namespace
}  // namespace syndicated::feeds
