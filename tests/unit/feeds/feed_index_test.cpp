#include "feeds/feed_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/time.hpp"
#include "feeds/snapshot.hpp"
#include "test_support.hpp"

namespace syndicated::feeds {
namespace {

using testing::ts;

constexpr std::string_view kTombstoneNs =
    " xmlns:at=\"http://purl.org/atompub/tombstones/1.0\"";

// The Atom bytes without RFC 6721 tombstones (which build_snapshot never writes).
std::string strip_tombstones(std::string s) {
  if (auto p = s.find(kTombstoneNs); p != std::string::npos) s.erase(p, kTombstoneNs.size());
  for (std::size_t p; (p = s.find("\n  <at:deleted-entry")) != std::string::npos;)
    s.erase(p, s.find("/>", p) + 2 - p);
  return s;
}

std::vector<core::Article> values(const std::map<std::string, core::Article>& m) {
  std::vector<core::Article> v;
  for (const auto& [id, a] : m) v.push_back(a);
  return v;
}

// The index's snapshot against build_snapshot() of the same articles at the same time.
void expect_equivalent(const Snapshot& got, const Site& site, const FeedsConfig& config,
                       const std::vector<core::Article>& articles, core::Timestamp now,
                       const std::string& where) {
  SCOPED_TRACE(where);
  const Snapshot want = build_snapshot(site, config, articles, now);
  ASSERT_EQ(got.feeds.size(), want.feeds.size());
  for (std::size_t i = 0; i < want.feeds.size(); ++i)
    EXPECT_TRUE(got.feeds[i] == want.feeds[i]) << want.feeds[i].path;
  EXPECT_EQ(got.visible_articles, want.visible_articles);
  EXPECT_EQ(got.next_embargo, want.next_embargo);
  std::vector<std::string> got_paths, want_paths;
  for (const Document& d : got.documents) got_paths.push_back(d.path);
  for (const Document& d : want.documents) want_paths.push_back(d.path);
  ASSERT_EQ(got_paths, want_paths);
  for (std::size_t i = 0; i < want.documents.size(); ++i) {
    const Document& g = got.documents[i];
    const Document& w = want.documents[i];
    EXPECT_EQ(g.content_type, w.content_type);
    const bool atom = g.path.ends_with(".atom");
    EXPECT_EQ(atom ? strip_tombstones(*g.identity.bytes) : *g.identity.bytes, *w.identity.bytes)
        << g.path;
    if (*g.identity.bytes == *w.identity.bytes) {
      EXPECT_EQ(g.identity.etag, w.identity.etag);
    }
    // Feeds: the newest change among the items, or later (Last-Modified never goes back).
    if (g.path != "/" && g.path != "/feeds.opml") {
      EXPECT_GE(g.last_modified, w.last_modified);
    }
  }
}

// What an Update claims against the two snapshots it sits between.
void expect_update_consistent(const Snapshot& before, const FeedIndex::Update& u,
                              const std::string& where) {
  SCOPED_TRACE(where);
  std::set<std::string> changed(u.changed_paths.begin(), u.changed_paths.end());
  std::set<std::string> removed(u.removed_paths.begin(), u.removed_paths.end());
  EXPECT_TRUE(std::is_sorted(u.changed_paths.begin(), u.changed_paths.end()));
  EXPECT_TRUE(std::is_sorted(u.removed_paths.begin(), u.removed_paths.end()));
  const Snapshot& after = *u.snapshot;
  for (const Document& d : after.documents) {
    auto old = before.find_shared(d.path);
    auto now = after.find_shared(d.path);
    EXPECT_EQ(changed.count(d.path) == 1, old != now) << d.path;
    if (old && old != now) {
      EXPECT_NE(*old->identity.bytes, *now->identity.bytes) << d.path;  // no empty changes
      EXPECT_NE(old->identity.etag, now->identity.etag) << d.path;
      EXPECT_GT(now->last_modified, old->last_modified) << d.path;
    }
  }
  for (const Document& d : before.documents)
    EXPECT_EQ(removed.count(d.path) == 1, after.find(d.path) == nullptr) << d.path;
  if (!u.documents_changed()) {
    EXPECT_EQ(before.documents.share(), after.documents.share());
  }
}

// An executor running the tasks on two fresh threads: one takes indices from the front, the
// other from the back, so the order differs from the serial loop's.
void two_threads(std::size_t n, const std::function<void(std::size_t)>& task) {
  std::mutex mutex;
  std::size_t front = 0, back = n;  // [front, back) not yet taken
  const auto worker = [&](bool from_back) {
    for (;;) {
      std::size_t i = 0;
      {
        std::lock_guard lock(mutex);
        if (front == back) return;
        i = from_back ? --back : front++;
      }
      task(i);
    }
  };
  std::thread a(worker, false), b(worker, true);
  a.join();
  b.join();
}

// Byte for byte the same documents, ETags and Last-Modified.
void expect_identical(const Snapshot& a, const Snapshot& b, const std::string& where) {
  SCOPED_TRACE(where);
  ASSERT_EQ(a.documents.size(), b.documents.size());
  for (std::size_t i = 0; i < a.documents.size(); ++i) {
    const Document& x = a.documents[i];
    const Document& y = b.documents[i];
    ASSERT_EQ(x.path, y.path);
    EXPECT_EQ(x.content_type, y.content_type) << x.path;
    EXPECT_EQ(*x.identity.bytes, *y.identity.bytes) << x.path;
    EXPECT_EQ(x.identity.etag, y.identity.etag) << x.path;
    EXPECT_EQ(*x.gzip.bytes, *y.gzip.bytes) << x.path;
    EXPECT_EQ(x.gzip.etag, y.gzip.etag) << x.path;
    EXPECT_EQ(x.last_modified, y.last_modified) << x.path;
  }
  EXPECT_EQ(a.visible_articles, b.visible_articles);
  EXPECT_EQ(a.next_embargo, b.next_embargo);
}

void expect_same_update(const FeedIndex::Update& a, const FeedIndex::Update& b,
                        const std::string& where) {
  EXPECT_EQ(a.changed_paths, b.changed_paths) << where;
  EXPECT_EQ(a.removed_paths, b.removed_paths) << where;
  expect_identical(*a.snapshot, *b.snapshot, where);
}

FeedsConfig sample_config() {
  FeedsConfig config;
  FeedSpec custom;
  custom.name = "az-ru";
  custom.filter.languages = {"az", "ru"};
  config.custom = {custom};
  return config;
}

class FeedIndexTest : public ::testing::Test {
 protected:
  Site site_ = testing::sample_site();
  FeedsConfig config_ = sample_config();
  core::Timestamp now_ = ts(testing::kSampleNow);
  std::map<std::string, core::Article> model_;

  FeedIndexTest() {
    for (auto& a : testing::sample_articles()) model_[a.id] = a;
  }
  std::unique_ptr<FeedIndex> make(FeedIndexOptions options = {}) {
    auto index = std::make_unique<FeedIndex>(site_, config_, options);
    auto u = index->reset(values(model_), now_);
    expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "reset");
    return index;
  }
  FeedIndex::Update upsert(FeedIndex& index, const core::Article& a) {
    model_[a.id] = a;
    const auto before = index.snapshot();
    auto u = index.apply({a}, {}, now_);
    expect_update_consistent(*before, u, "upsert " + a.id);
    expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "upsert " + a.id);
    return u;
  }
  FeedIndex::Update remove(FeedIndex& index, const std::string& id) {
    model_.erase(id);
    const auto before = index.snapshot();
    auto u = index.apply({}, {id}, now_);
    expect_update_consistent(*before, u, "remove " + id);
    expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "remove " + id);
    return u;
  }
  const std::string& bytes(const FeedIndex& index, std::string_view path) {
    const Document* d = index.snapshot()->find(path);
    EXPECT_NE(d, nullptr) << path;
    static const std::string kNone;
    return d ? *d->identity.bytes : kNone;
  }
};

TEST_F(FeedIndexTest, ResetEqualsBuildSnapshot) {
  auto index = make();
  EXPECT_EQ(index->counts().visible, 4u);
  EXPECT_EQ(index->counts().embargoed, 1u);
  EXPECT_EQ(index->counts().drafts, 1u);
  EXPECT_EQ(index->counts().retracted, 1u);
  EXPECT_EQ(index->counts().total(), 7u);
  EXPECT_NE(index->find_article("2024-0001"), nullptr);
  EXPECT_EQ(index->find_article("nope"), nullptr);
}

TEST_F(FeedIndexTest, EmptyIndexHasSiteFeedAndLists) {
  FeedIndex index(site_, config_);
  const Snapshot& s = *index.snapshot();
  expect_equivalent(s, site_, config_, {}, core::Timestamp{}, "empty");
  EXPECT_NE(s.find("/feed.atom"), nullptr);
  EXPECT_NE(s.find("/feeds.opml"), nullptr);
}

TEST_F(FeedIndexTest, IdenticalResetChangesNothing) {
  auto index = make();
  const auto before = index->snapshot();
  auto u = index->reset(values(model_), now_);
  EXPECT_TRUE(u.changed_paths.empty());
  EXPECT_TRUE(u.removed_paths.empty());
  EXPECT_EQ(u.snapshot, before);  // the very same snapshot: same ETags everywhere
  // An upsert equal to what is held is no change either, even later in time.
  now_.unix_seconds += 60;
  u = index->apply({model_.at("2024-0001")}, {}, now_);
  EXPECT_FALSE(u.documents_changed());
  EXPECT_EQ(u.snapshot->documents.share(), before->documents.share());
}

TEST_F(FeedIndexTest, EditMovesEtagAndLastModifiedOnlyWhereTheArticleIs) {
  auto index = make();
  const auto before = index->snapshot();
  core::Article a = model_.at("2024-0004");  // culture, photo-desk, novruz, gallery
  a.title = "Novruz celebrations (updated)";
  a.updated = ts("2024-03-10T11:00:00Z");
  auto u = upsert(*index, a);
  const auto after = u.snapshot;
  for (const char* p : {"/feed.xml", "/feed.atom", "/feed.json", "/category/culture/feed.atom",
                        "/tag/novruz/feed.xml", "/author/photo-desk/feed.json"}) {
    EXPECT_NE(before->find(p)->identity.etag, after->find(p)->identity.etag) << p;
    EXPECT_NE(before->find(p)->gzip.etag, after->find(p)->gzip.etag) << p;
    EXPECT_EQ(after->find(p)->last_modified, ts("2024-03-10T11:00:00Z").unix_seconds) << p;
    EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), p)) << p;
  }
  EXPECT_NE(bytes(*index, "/feed.atom").find("Novruz celebrations (updated)"), std::string::npos);
  // The id never changes.
  EXPECT_NE(bytes(*index, "/feed.atom").find("<id>tag:news.example.az,2024:2024-0004</id>"),
            std::string::npos);
  // Other categories' documents are the same objects (shared, not re-rendered).
  for (const char* p : {"/category/politics/feed.xml", "/category/politics/feed.atom",
                        "/category/iqtisadiyyat/feed.json", "/tag/budget/feed.xml",
                        "/author/jane-doe/feed.atom", "/feeds.opml", "/"})
    EXPECT_EQ(before->find_shared(p), after->find_shared(p)) << p;
  EXPECT_EQ(u.changed_paths.size(), 5u * 3u);  // site, culture, photo-desk, novruz, gallery
  EXPECT_EQ(before->feeds.share(), after->feeds.share());  // the catalog did not change
}

TEST_F(FeedIndexTest, RetractionRemovesEverywhereAndLeavesTombstones) {
  auto index = make();
  core::Article a = model_.at("2024-0003");  // politics, jane-doe + ivan-petrov, russia, ru
  now_ = ts("2024-03-10T12:30:00Z");
  a.status = core::ArticleStatus::kRetracted;
  auto u = upsert(*index, a);
  const std::string ref = "tag:news.example.az,2024:2024-0003";
  for (const Document& d : u.snapshot->documents) {
    if (!d.path.ends_with(".xml") && !d.path.ends_with(".json")) continue;
    EXPECT_EQ(d.identity.bytes->find("2024-0003"), std::string::npos) << d.path;
  }
  // The tag "russia" and the author "ivan-petrov" had only this article: gone.
  for (const char* p : {"/tag/russia/feed.xml", "/tag/russia/feed.atom", "/tag/russia/feed.json",
                        "/author/ivan-petrov/feed.atom"}) {
    EXPECT_EQ(u.snapshot->find(p), nullptr) << p;
    EXPECT_TRUE(std::binary_search(u.removed_paths.begin(), u.removed_paths.end(), p)) << p;
  }
  EXPECT_NE(std::find(u.changed_paths.begin(), u.changed_paths.end(), "/feeds.opml"),
            u.changed_paths.end());
  // Tombstones in the Atom feeds that were showing it, and only there.
  const std::string tomb = "<at:deleted-entry ref=\"" + ref + "\" when=\"2024-03-10T12:30:00Z\"/>";
  for (const char* p : {"/feed.atom", "/category/politics/feed.atom", "/author/jane-doe/feed.atom",
                        "/feeds/az-ru/feed.atom"}) {
    const std::string& atom = bytes(*index, p);
    EXPECT_NE(atom.find(tomb), std::string::npos) << p;
    EXPECT_NE(atom.find(kTombstoneNs), std::string::npos) << p;
    EXPECT_EQ(atom.find("<entry xml:lang=\"ru\""), std::string::npos) << p;
  }
  EXPECT_EQ(bytes(*index, "/category/culture/feed.atom").find("deleted-entry"), std::string::npos);
  EXPECT_EQ(index->tombstone_count(), 4u);
  EXPECT_EQ(index->counts().retracted, 2u);
  if (testing::have_program("/usr/bin/jing")) {
    EXPECT_TRUE(testing::atom_is_valid(bytes(*index, "/feed.atom")));
    EXPECT_TRUE(testing::atom_is_valid(bytes(*index, "/category/politics/feed.atom")));
  }
  // The deadline is the tombstones' expiry (the embargo of 2024-0007 comes first).
  EXPECT_EQ(*index->next_deadline(), ts("2024-03-11T06:00:00Z"));
}

TEST_F(FeedIndexTest, DeletionLeavesTombstonesThatExpireAtTheDeadline) {
  FeedIndexOptions options;
  options.tombstone_seconds = 3600;
  auto index = make(options);
  now_ = ts("2024-03-10T12:00:30Z");
  remove(*index, "2024-0002");
  const std::string tomb = "<at:deleted-entry ref=\"tag:news.example.az,2024:2024-0002\"";
  EXPECT_NE(bytes(*index, "/feed.atom").find(tomb), std::string::npos);
  ASSERT_TRUE(index->next_deadline().has_value());
  EXPECT_EQ(*index->next_deadline(), ts("2024-03-10T13:00:30Z"));

  // Just before: nothing changes.
  auto u = index->advance(ts("2024-03-10T13:00:29Z"));
  EXPECT_FALSE(u.documents_changed());
  // At the deadline: the tombstones go, the Atom documents change, the others stay.
  const auto before = index->snapshot();
  now_ = *index->next_deadline();
  u = index->advance(now_);
  expect_update_consistent(*before, u, "expiry");
  expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "expiry");
  EXPECT_EQ(bytes(*index, "/feed.atom").find("deleted-entry"), std::string::npos);
  EXPECT_EQ(bytes(*index, "/feed.atom"), *build_snapshot(site_, config_, values(model_), now_)
                                              .find("/feed.atom")
                                              ->identity.bytes);
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), "/feed.atom"));
  EXPECT_FALSE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), "/feed.xml"));
  // The bytes went back to what they were before the tombstone, but Last-Modified goes on.
  EXPECT_GE(u.snapshot->find("/feed.atom")->last_modified, now_.unix_seconds);
  EXPECT_EQ(index->tombstone_count(), 0u);
  EXPECT_EQ(*index->next_deadline(), ts("2024-03-11T06:00:00Z"));  // the embargo
}

TEST_F(FeedIndexTest, RepublishingRemovesTheTombstone) {
  auto index = make();
  core::Article a = model_.at("2024-0001");
  a.status = core::ArticleStatus::kRetracted;
  upsert(*index, a);
  EXPECT_NE(bytes(*index, "/feed.atom").find("deleted-entry"), std::string::npos);
  a.status = core::ArticleStatus::kPublished;
  upsert(*index, a);
  EXPECT_EQ(bytes(*index, "/feed.atom").find("deleted-entry"), std::string::npos);
  EXPECT_EQ(index->tombstone_count(), 0u);
}

TEST_F(FeedIndexTest, NoTombstoneWhenAnEditMovesTheEntryOutOfACategory) {
  auto index = make();
  core::Article a = model_.at("2024-0001");  // politics
  a.categories = {{"Culture", "culture"}};
  upsert(*index, a);
  EXPECT_EQ(bytes(*index, "/category/politics/feed.atom").find("deleted-entry"),
            std::string::npos);
  EXPECT_EQ(index->tombstone_count(), 0u);
}

TEST_F(FeedIndexTest, NoTombstoneWhenAnEntryFallsOffTheEnd) {
  config_.default_limit = 2;
  auto index = make();
  const std::string first = bytes(*index, "/feed.atom");
  core::Article fresh = testing::article("2024-0100", "2024-03-10T11:59:00Z");
  upsert(*index, fresh);  // pushes the oldest shown entry out of the site feed
  EXPECT_NE(bytes(*index, "/feed.atom"), first);
  EXPECT_EQ(bytes(*index, "/feed.atom").find("deleted-entry"), std::string::npos);
}

TEST_F(FeedIndexTest, EmbargoLiftsAtTheDeadline) {
  auto index = make();
  ASSERT_TRUE(index->next_deadline().has_value());
  const core::Timestamp lift = *index->next_deadline();
  EXPECT_EQ(lift, ts("2024-03-11T06:00:00Z"));
  EXPECT_EQ(bytes(*index, "/feed.xml").find("2024-0007"), std::string::npos);
  core::Timestamp just_before = lift;
  just_before.nanos = 0;
  just_before.unix_seconds -= 1;
  EXPECT_FALSE(index->advance(just_before).documents_changed());
  const auto before = index->snapshot();
  now_ = lift;
  auto u = index->advance(lift);
  expect_update_consistent(*before, u, "lift");
  expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "lift");
  EXPECT_NE(bytes(*index, "/feed.xml").find("2024-0007"), std::string::npos);
  // A new category appeared: new documents, and the catalog lists it.
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(),
                                 "/category/secret/feed.json"));
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), "/feeds.opml"));
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), "/"));
  EXPECT_FALSE(index->next_deadline().has_value());
  EXPECT_EQ(index->counts().embargoed, 0u);
  EXPECT_EQ(index->counts().visible, 5u);
}

TEST_F(FeedIndexTest, NewCategoryAddsDocumentsAndChangesTheLists) {
  auto index = make();
  const auto before = index->snapshot();
  core::Article a = testing::article("2024-0200", "2024-03-10T10:00:00Z");
  a.categories = {{"Sport", "sport"}};
  auto u = upsert(*index, a);
  for (const char* p : {"/category/sport/feed.xml", "/category/sport/feed.atom",
                        "/category/sport/feed.json", "/feeds.opml", "/"})
    EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), p)) << p;
  EXPECT_NE(before->feeds.share(), u.snapshot->feeds.share());
  EXPECT_EQ(before->find_shared("/category/politics/feed.xml"),
            u.snapshot->find_shared("/category/politics/feed.xml"));
}

TEST_F(FeedIndexTest, LastArticleOfATagRemoved) {
  auto index = make();
  auto u = remove(*index, "2024-0002");  // the only "udm" and "iqtisadiyyat" article
  for (const char* p : {"/tag/udm/feed.xml", "/tag/udm/feed.atom", "/tag/udm/feed.json",
                        "/category/iqtisadiyyat/feed.xml", "/author/eli-hesenov/feed.json"})
    EXPECT_TRUE(std::binary_search(u.removed_paths.begin(), u.removed_paths.end(), p)) << p;
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), "/feeds.opml"));
}

TEST_F(FeedIndexTest, RenamedTermRetitlesItsFeed) {
  auto index = make();
  core::Article a = model_.at("2024-0003");  // the newest politics article
  a.categories = {{"Politics &amp; Power", "politics"}};
  auto u = upsert(*index, a);
  EXPECT_NE(bytes(*index, "/category/politics/feed.xml").find("Politics &amp; Power"),
            std::string::npos);
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(), "/feeds.opml"));
}

TEST_F(FeedIndexTest, LastModifiedMovesForwardWhenTheNewestItemLeaves) {
  auto index = make();
  const auto before = index->snapshot()->find_shared("/category/politics/feed.xml");
  // The Russian article is the newest in politics; deleting it leaves only older items.
  now_ = ts("2024-03-10T12:05:00Z");
  remove(*index, "2024-0003");
  const auto after = index->snapshot()->find_shared("/category/politics/feed.xml");
  EXPECT_NE(before->identity.etag, after->identity.etag);
  EXPECT_EQ(before->last_modified, ts("2024-03-05T14:00:00+03:00").unix_seconds);
  EXPECT_EQ(after->last_modified, now_.unix_seconds);  // not the budget's older date
}

TEST_F(FeedIndexTest, ACustomFeedAtATermPathAppearsWhenTheTermGoes) {
  FeedSpec custom;
  custom.name = "culture-override";
  custom.path = "/category/culture/feed";
  custom.title = "Custom culture";
  config_.custom.push_back(custom);
  auto index = make();
  EXPECT_EQ(bytes(*index, "/category/culture/feed.xml").find("Custom culture"), std::string::npos);
  core::Article a = model_.at("2024-0004");
  a.categories.clear();
  upsert(*index, a);  // the culture category feed disappears, the custom feed takes the path
  EXPECT_NE(bytes(*index, "/category/culture/feed.xml").find("Custom culture"), std::string::npos);
}

TEST_F(FeedIndexTest, ReconfigureRendersOnlyWhatChanged) {
  auto index = make();
  const auto before = index->snapshot();
  FeedsConfig next = config_;
  next.tag_feeds = false;
  FeedSpec custom;
  custom.name = "en";
  custom.filter.languages = {"en"};
  next.custom.push_back(custom);
  auto u = index->reconfigure(site_, next, now_);
  config_ = next;
  expect_update_consistent(*before, u, "reconfigure");
  expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "reconfigure");
  EXPECT_TRUE(std::binary_search(u.removed_paths.begin(), u.removed_paths.end(),
                                 "/tag/novruz/feed.xml"));
  EXPECT_TRUE(std::binary_search(u.changed_paths.begin(), u.changed_paths.end(),
                                 "/feeds/en/feed.json"));
  EXPECT_EQ(before->find_shared("/feed.xml"), u.snapshot->find_shared("/feed.xml"));
  // The same config again: nothing.
  EXPECT_FALSE(index->reconfigure(site_, config_, now_).documents_changed());
  // A new site title changes every document.
  site_.title = "APA";
  u = index->reconfigure(site_, config_, now_);
  expect_equivalent(*u.snapshot, site_, config_, values(model_), now_, "retitled");
  EXPECT_EQ(u.changed_paths.size(), u.snapshot->documents.size());
}

TEST_F(FeedIndexTest, TombstonesSurviveReconfigure) {
  auto index = make();
  remove(*index, "2024-0001");
  EXPECT_EQ(index->tombstone_count(), 3u);  // site, politics, jane-doe
  EXPECT_NE(bytes(*index, "/category/politics/feed.atom").find("deleted-entry"),
            std::string::npos);
  FeedsConfig next = config_;
  next.author_feeds = false;
  index->reconfigure(site_, next, now_);
  EXPECT_NE(bytes(*index, "/feed.atom").find("deleted-entry"), std::string::npos);
  EXPECT_NE(bytes(*index, "/category/politics/feed.atom").find("deleted-entry"),
            std::string::npos);
  EXPECT_EQ(index->tombstone_count(), 2u);  // site and politics (jane-doe's feed is gone)
}

TEST_F(FeedIndexTest, ParallelForGivesTheSameBytesAsTheSerialLoop) {
  FeedIndexOptions parallel;
  parallel.parallel_for = two_threads;
  std::size_t calls = 0;
  FeedIndexOptions counting;  // also checks that every index is run exactly once
  counting.parallel_for = [&](std::size_t n, const std::function<void(std::size_t)>& task) {
    ++calls;
    std::vector<int> runs(n);
    two_threads(n, [&](std::size_t i) {
      ++runs[i];  // each index by one thread only
      task(i);
    });
    EXPECT_EQ(std::count(runs.begin(), runs.end(), 1), static_cast<std::ptrdiff_t>(n));
  };
  FeedIndex serial(site_, config_);
  FeedIndex threaded(site_, config_, parallel);
  FeedIndex counted(site_, config_, counting);
  const auto all = [&](auto fn, const std::string& where) {
    const FeedIndex::Update a = fn(serial);
    expect_same_update(a, fn(threaded), where);
    expect_same_update(a, fn(counted), where + " (counted)");
  };
  all([&](FeedIndex& i) { return i.reset(values(model_), now_); }, "reset");
  EXPECT_GT(calls, 0u);
  core::Article a = model_.at("2024-0001");
  a.title = "Edited";
  all([&](FeedIndex& i) { return i.apply({a}, {}, now_); }, "edit");
  all([&](FeedIndex& i) { return i.apply({}, {"2024-0002"}, now_); }, "delete");
  now_.unix_seconds += 30 * 24 * 3600;  // embargo lifts, tombstones expire
  all([&](FeedIndex& i) { return i.advance(now_); }, "advance");
  FeedsConfig config = config_;
  config.default_limit = 2;
  all([&](FeedIndex& i) { return i.reconfigure(site_, config, now_); }, "reconfigure");
}

TEST_F(FeedIndexTest, AnExceptionInATaskReachesTheCaller) {
  FeedIndexOptions options;
  bool fail = false;
  options.parallel_for = [&](std::size_t n, const std::function<void(std::size_t)>& task) {
    if (fail) throw std::runtime_error("executor down");
    two_threads(n, task);
  };
  FeedIndex index(site_, config_, options);
  index.reset(values(model_), now_);
  fail = true;
  core::Article a = model_.at("2024-0001");
  a.title = "Edited";
  EXPECT_THROW(index.apply({a}, {}, now_), std::runtime_error);
}

// Random upserts, removals, time steps, rescans and reconfigurations, each compared with
// build_snapshot() of the same articles (seeded: the same sequence every run).
class FeedIndexProperty : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(FeedIndexProperty, EquivalentToBuildSnapshot) {
  std::mt19937 rng(GetParam());
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  Site site = testing::sample_site();
  FeedsConfig config;
  config.default_limit = 3;
  FeedSpec en;
  en.name = "en";
  en.filter.languages = {"en"};
  FeedSpec c0;  // the path of a category feed: active only while that category has no feed
  c0.name = "c0-override";
  c0.path = "/category/c0/feed";
  FeedSpec mixed;
  mixed.name = "mixed";
  mixed.filter.categories = {"c1", "c2"};
  mixed.filter.tags = {"t0"};
  mixed.limit = 2;
  config.custom = {en, c0, mixed};
  FeedIndexOptions options;
  options.tombstone_seconds = GetParam() % 2 == 0 ? 600 : 0;
  FeedIndex index(site, config, options);
  // The same operations through a two-thread parallel_for: the same bytes, ETags and paths.
  FeedIndexOptions parallel_options = options;
  parallel_options.parallel_for = two_threads;
  FeedIndex parallel(site, config, parallel_options);
  core::Timestamp now = ts("2024-03-10T12:00:00Z");
  std::map<std::string, core::Article> model;

  const auto random_article = [&](std::string id) {
    core::Article a = testing::article(id, "2024-03-10T12:00:00Z");
    a.published.unix_seconds += pick(4000) - 3000;  // a quarter in the future
    a.published.offset_minutes = pick(3) * 60;
    if (pick(3) == 0) {
      core::Timestamp u = a.published;
      u.unix_seconds += pick(500);
      a.updated = u;
    }
    const int s = pick(10);
    a.status = s < 7 ? core::ArticleStatus::kPublished
                     : s < 9 ? core::ArticleStatus::kRetracted
                             : core::ArticleStatus::kDraft;
    for (int k = pick(3); k > 0; --k) {
      const std::string c = std::to_string(pick(4));
      a.categories.push_back({(pick(4) == 0 ? "Cat " : "Category ") + c, "c" + c});
    }
    for (int k = pick(3); k > 0; --k) {
      const std::string t = std::to_string(pick(5));
      a.tags.push_back({"Tag " + t, "t" + t});
    }
    if (pick(2) == 0) a.authors.push_back({"Author " + std::to_string(pick(3)),
                                           "a" + std::to_string(pick(3)), "", ""});
    a.language = std::array{"en", "az", "ru", ""}[static_cast<std::size_t>(pick(4))];
    a.title += " v" + std::to_string(pick(1000));
    return a;
  };

  for (int step = 0; step < 300; ++step) {
    const std::string where = "seed " + std::to_string(GetParam()) + " step " +
                              std::to_string(step);
    const auto before = index.snapshot();
    FeedIndex::Update u, p;
    const int op = pick(20);
    if (op < 12) {
      std::vector<core::Article> upserts;
      std::vector<std::string> removed;
      for (int k = 1 + pick(3); k > 0; --k) {
        const std::string id = "id" + std::to_string(pick(25));
        if (pick(5) == 0) {
          removed.push_back(id);
        } else {
          upserts.push_back(random_article(id));
        }
      }
      if (pick(6) == 0) now.unix_seconds += pick(900);
      for (const auto& a : upserts) model[a.id] = a;
      for (const auto& id : removed) model.erase(id);
      // (apply() does upserts before removals, as the model did.)
      u = index.apply(upserts, removed, now);
      p = parallel.apply(upserts, removed, now);
    } else if (op < 16) {
      now.unix_seconds += pick(1200);
      if (pick(2) == 0 && index.next_deadline()) now = std::max(now, *index.next_deadline());
      u = index.advance(now);
      p = parallel.advance(now);
    } else if (op < 19) {
      // A rescan: mostly the same set, sometimes with an edit or a loss.
      if (!model.empty() && pick(2) == 0) {
        auto it = model.begin();
        std::advance(it, pick(static_cast<int>(model.size())));
        if (pick(2) == 0) model.erase(it);
        else it->second.title += "!";
      }
      u = index.reset(values(model), now);
      p = parallel.reset(values(model), now);
    } else {
      config.default_limit = static_cast<std::size_t>(2 + pick(3));
      config.tag_feeds = pick(3) != 0;
      u = index.reconfigure(site, config, now);
      p = parallel.reconfigure(site, config, now);
    }
    expect_same_update(u, p, where + " (parallel)");
    expect_update_consistent(*before, u, where);
    expect_equivalent(*u.snapshot, site, config, values(model), now, where);
    if (::testing::Test::HasFailure()) return;
    // The deadline is ahead of now and nothing happens before it.
    if (auto d = index.next_deadline()) {
      EXPECT_GT(*d, now) << where;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, FeedIndexProperty, ::testing::Values(1u, 2u, 3u, 4u, 5u, 6u));

}  // namespace
}  // namespace syndicated::feeds
