#include "feeds/snapshot.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>

#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "test_support.hpp"

namespace syndicated::feeds {
namespace {

using testing::ts;

std::string gunzip(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);  // gzip wrapper
  std::string out;
  char buf[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

Snapshot sample_snapshot(FeedsConfig config = {}) {
  const auto articles = testing::sample_articles();
  return build_snapshot(testing::sample_site(), config, articles, ts(testing::kSampleNow));
}

TEST(MakeDocument, GzipAndEtags) {
  const std::string body(5000, 'x');
  const Document d = make_document("/feed.xml", content_type(Format::kRss), body, 42);
  EXPECT_EQ(d.path, "/feed.xml");
  EXPECT_EQ(d.last_modified, 42);
  EXPECT_EQ(*d.identity.bytes, body);
  EXPECT_LT(d.gzip.bytes->size(), body.size());
  EXPECT_EQ(gunzip(*d.gzip.bytes), body);
  EXPECT_NE(d.identity.etag, d.gzip.etag);
  for (const std::string& etag : {d.identity.etag, d.gzip.etag}) {
    ASSERT_GE(etag.size(), 18u);
    EXPECT_EQ(etag.front(), '"');
    EXPECT_EQ(etag.back(), '"');
    EXPECT_EQ(etag.find_first_not_of("0123456789abcdef", 1), etag.size() - 1) << etag;
  }
  // Deterministic, and the ETag follows the bytes.
  const Document again = make_document("/feed.xml", "t", body, 42);
  EXPECT_EQ(again.identity.etag, d.identity.etag);
  EXPECT_EQ(again.gzip.etag, d.gzip.etag);
  EXPECT_EQ(*again.gzip.bytes, *d.gzip.bytes);
  EXPECT_NE(make_document("/feed.xml", "t", body + "y", 42).identity.etag, d.identity.etag);
  // Empty bodies work too.
  EXPECT_EQ(gunzip(*make_document("/", "t", "", 0).gzip.bytes), "");
}

TEST(Snapshot, DocumentsSortedAndFindable) {
  const Snapshot s = sample_snapshot();
  ASSERT_EQ(s.documents.size(), s.feeds.size() * 3 + 2);
  EXPECT_TRUE(std::is_sorted(s.documents.begin(), s.documents.end(),
                             [](const Document& a, const Document& b) { return a.path < b.path; }));
  for (const Document& d : s.documents) EXPECT_EQ(s.find(d.path), &d);
  for (const char* p : {"/", "/feed.xml", "/feed.atom", "/feed.json", "/feeds.opml",
                        "/category/politics/feed.xml", "/author/jane-doe/feed.atom",
                        "/tag/novruz/feed.json", "/category/iqtisadiyyat/feed.json"})
    EXPECT_NE(s.find(p), nullptr) << p;
  for (const char* p : {"", "/feed", "/feed.rss", "/category/secret/feed.xml",
                        "/category/drafts/feed.xml", "/zzz"})
    EXPECT_EQ(s.find(p), nullptr) << p;
}

TEST(Snapshot, ContentTypes) {
  const Snapshot s = sample_snapshot();
  EXPECT_EQ(s.find("/feed.xml")->content_type, "application/rss+xml; charset=utf-8");
  EXPECT_EQ(s.find("/feed.atom")->content_type, "application/atom+xml; charset=utf-8");
  EXPECT_EQ(s.find("/feed.json")->content_type, "application/feed+json; charset=utf-8");
  EXPECT_EQ(s.find("/feeds.opml")->content_type, "text/x-opml; charset=utf-8");
  EXPECT_EQ(s.find("/")->content_type, "text/html; charset=utf-8");
}

TEST(Snapshot, CountsEmbargoAndLastModified) {
  FeedsConfig config;
  FeedSpec nothing;
  nothing.name = "nothing";
  nothing.filter.categories = {"no-such-category"};
  config.custom = {nothing};
  const Snapshot s = sample_snapshot(config);
  EXPECT_EQ(s.visible_articles, 4u);
  ASSERT_TRUE(s.next_embargo.has_value());
  EXPECT_EQ(*s.next_embargo, ts("2024-03-11T06:00:00Z"));
  // The site feed: newest modified() among its items (the gallery's publication).
  EXPECT_EQ(s.find("/feed.xml")->last_modified, ts("2024-03-08T18:45:00-05:00").unix_seconds);
  // Politics: the budget (updated 2024-03-02T04:00Z) and the Russian article (2024-03-05).
  EXPECT_EQ(s.find("/category/politics/feed.atom")->last_modified,
            ts("2024-03-05T14:00:00+03:00").unix_seconds);
  EXPECT_EQ(s.find("/tag/budget/feed.json")->last_modified,
            ts("2024-03-02T08:00:00+04:00").unix_seconds);
  EXPECT_EQ(s.find("/feeds/nothing/feed.xml")->last_modified, 0);
  EXPECT_EQ(s.find("/")->last_modified, s.find("/feed.xml")->last_modified);
}

TEST(Snapshot, NoEmbargoWhenNothingIsAhead) {
  auto articles = testing::sample_articles();
  // A future draft is not an embargo: it will not appear at its date.
  articles.erase(std::remove_if(articles.begin(), articles.end(),
                                [](const core::Article& a) { return a.id == "2024-0007"; }),
                 articles.end());
  articles.push_back(testing::article("future-draft", "2024-04-01T00:00:00Z"));
  articles.back().status = core::ArticleStatus::kDraft;
  const Snapshot s =
      build_snapshot(testing::sample_site(), FeedsConfig{}, articles, ts(testing::kSampleNow));
  EXPECT_FALSE(s.next_embargo.has_value());
}

TEST(Snapshot, HiddenArticlesAppearNowhere) {
  const Snapshot s = sample_snapshot();
  for (const Document& d : s.documents) {
    for (const char* id : {"2024-0005", "2024-0006", "2024-0007"})
      EXPECT_EQ(d.identity.bytes->find(id), std::string::npos) << id << " in " << d.path;
    EXPECT_EQ(gunzip(*d.gzip.bytes), *d.identity.bytes) << d.path;
    EXPECT_NE(d.identity.etag, d.gzip.etag) << d.path;
  }
}

TEST(Snapshot, AgreesWithSelectItemsForEveryFeed) {
  // build_snapshot groups articles by term instead of filtering per feed; same result required.
  FeedsConfig config;
  config.default_limit = 2;
  FeedSpec custom;
  custom.name = "politics-en";
  custom.filter.categories = {"politics"};
  custom.filter.languages = {"en"};
  config.custom = {custom};
  const Site site = testing::sample_site();
  const auto articles = testing::sample_articles();
  const Snapshot s = build_snapshot(site, config, articles, ts(testing::kSampleNow));
  for (const FeedSpec& feed : s.feeds) {
    const auto items = select_items(feed, articles, ts(testing::kSampleNow));
    for (Format f : kAllFormats) {
      const Document* d = s.find(feed.path + extension(f));
      ASSERT_NE(d, nullptr);
      EXPECT_EQ(*d->identity.bytes, render(f, site, feed, items)) << d->path;
    }
  }
  EXPECT_EQ(*s.find("/feeds.opml")->identity.bytes, render_opml(site, s.feeds));
  EXPECT_EQ(*s.find("/")->identity.bytes, render_index_html(site, s.feeds));
}

TEST(Snapshot, DeterministicWhateverTheInputOrder) {
  auto articles = testing::sample_articles();
  const Snapshot a =
      build_snapshot(testing::sample_site(), FeedsConfig{}, articles, ts(testing::kSampleNow));
  std::reverse(articles.begin(), articles.end());
  const Snapshot b =
      build_snapshot(testing::sample_site(), FeedsConfig{}, articles, ts(testing::kSampleNow));
  ASSERT_EQ(a.documents.size(), b.documents.size());
  for (std::size_t i = 0; i < a.documents.size(); ++i) {
    EXPECT_EQ(a.documents[i].path, b.documents[i].path);
    EXPECT_EQ(*a.documents[i].identity.bytes, *b.documents[i].identity.bytes);
    EXPECT_EQ(a.documents[i].identity.etag, b.documents[i].identity.etag);
    EXPECT_EQ(a.documents[i].gzip.etag, b.documents[i].gzip.etag);
  }
}

TEST(Snapshot, ContentChangeMovesEtagAndLastModified) {
  auto articles = testing::sample_articles();
  const Snapshot before =
      build_snapshot(testing::sample_site(), FeedsConfig{}, articles, ts(testing::kSampleNow));
  articles[0].title = "Budget passes (corrected)";
  articles[0].updated = ts("2024-03-09T00:00:00Z");
  const Snapshot after =
      build_snapshot(testing::sample_site(), FeedsConfig{}, articles, ts(testing::kSampleNow));
  const Document* b = before.find("/category/politics/feed.xml");
  const Document* a = after.find("/category/politics/feed.xml");
  EXPECT_NE(b->identity.etag, a->identity.etag);
  EXPECT_NE(b->gzip.etag, a->gzip.etag);
  EXPECT_GT(a->last_modified, b->last_modified);
  // An unrelated feed keeps its bytes and ETag.
  EXPECT_EQ(before.find("/category/culture/feed.xml")->identity.etag,
            after.find("/category/culture/feed.xml")->identity.etag);
}

TEST(Snapshot, LargeStore) {
  // 20,000 articles over 200 categories, 50 authors and 500 tags: must stay quick because
  // articles are grouped once instead of filtered per feed.
  std::vector<core::Article> articles;
  articles.reserve(20000);
  for (int i = 0; i < 20000; ++i) {
    core::Article a = testing::article("id" + std::to_string(i), "2024-01-01T00:00:00Z");
    a.published.unix_seconds += i * 60;
    const std::string c = std::to_string(i % 200), au = std::to_string(i % 50),
                      t = std::to_string(i % 500);
    a.categories = {{"Category " + c, "c" + c}};
    a.authors = {{"Author " + au, "a" + au, "", ""}};
    a.tags = {{"Tag " + t, "t" + t}};
    articles.push_back(std::move(a));
  }
  FeedsConfig config;
  config.default_limit = 10;
  const Snapshot s =
      build_snapshot(Site{}, config, articles, ts("2030-01-01T00:00:00Z"));
  EXPECT_EQ(s.visible_articles, 20000u);
  EXPECT_EQ(s.feeds.size(), 1u + 200 + 50 + 500);
  EXPECT_EQ(s.documents.size(), s.feeds.size() * 3 + 2);
  const Document* d = s.find("/category/c7/feed.json");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->identity.bytes->find(":id19807\""), std::string::npos);
}

}  // namespace
}  // namespace syndicated::feeds
