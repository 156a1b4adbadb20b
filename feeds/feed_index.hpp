#pragma once
// The live, incremental form of build_snapshot(): FeedIndex holds the article set and every feed's
// members, and turns each change (file events, time passing, a new config) into a new immutable
// Snapshot that shares every unchanged Document with the previous one. Pure like the rest of
// feeds/: no I/O, no clock (`now` is a parameter), no logging, single-threaded (the daemon calls
// it from one thread and publishes the snapshots it returns).
//
// Equivalence: after any sequence of calls, the snapshot's bytes equal build_snapshot() of the
// current article set at the latest `now`, except for
//  - Atom tombstones (RFC 6721, below), which build_snapshot never writes;
//  - Last-Modified: a document whose bytes did not change keeps its Document (same ETags, same
//    Last-Modified); one whose bytes changed takes the newest change among its items if that is
//    newer than its previous Last-Modified, otherwise max(now, previous + 1 s), so Last-Modified
//    always moves forward with the content (a removal leaving only older items must not make an
//    If-Modified-Since client get a wrong 304). A path that disappears and comes back later
//    continues from the Last-Modified it had.
//
// Time only moves forward: a `now` earlier than one seen before is taken as the latest one (an
// embargo once lifted is not re-imposed when the wall clock steps back).
//
// Cost of a change: O(log n) set operations per feed the article belongs to (site, each of its
// categories, authors and tags, plus a filter test per custom feed), then only the feeds whose
// displayed items (the first `limit`) or tombstones changed are rendered, compressed and hashed.
// Assembling the snapshot copies the sorted vector of document pointers (O(documents) pointer
// copies, no bytes). When the catalog changes (a feed appears, disappears or is renamed), the
// catalog vector, the OPML and the index page are rebuilt: O(feeds).
//
// Tombstones: when an article that was displayed in a feed stops being visible anywhere -
// retracted, back to draft, deleted, or moved back under embargo - each Atom feed that was showing
// it (as last published) carries <at:deleted-entry ref="tag:..." when="..."/> for
// `tombstone_seconds`. Not when an entry merely falls off the end of a feed (older than the
// limit: it still exists) nor when an edit moves it out of a category, author or tag (the entry
// still exists, with the same id, in other feeds; readers that deduplicate by id would delete it
// everywhere). Becoming visible again removes its tombstones. A feed that disappears from the
// catalog (its last article gone) takes its tombstones with it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/article.hpp"
#include "feeds/model.hpp"
#include "feeds/snapshot.hpp"

namespace syndicated::feeds {

class ItemCache;

struct FeedIndexOptions {
  // How long an Atom feed keeps the tombstone of a withdrawn entry; <= 0 disables tombstones.
  std::int64_t tombstone_seconds = 7 * 24 * 3600;
  // libdeflate level of the gzip representations (1..12). Lower is faster per changed document
  // at some cost in size; see the report in bench/feed_index_bench.cpp.
  int gzip_level = kDefaultGzipLevel;
  // The executor for the documents of one update: must call task(0) .. task(n - 1) exactly once
  // each, in any order and on any threads, and return once all of them have returned. Tasks do
  // not throw (FeedIndex catches inside them and rethrows after the call) and touch only state
  // that is read-only for the duration of the call, so they need no ordering between them.
  // Results are placed by index: the snapshot is byte-identical whatever the executor.
  // Empty (the default): a plain loop on the calling thread.
  using ParallelFor =
      std::function<void(std::size_t n, const std::function<void(std::size_t)>& task)>;
  ParallelFor parallel_for;
};

// Articles by status, for metrics.
struct ArticleCounts {
  std::size_t visible = 0;    // published, published <= now
  std::size_t embargoed = 0;  // published, published > now
  std::size_t drafts = 0;
  std::size_t retracted = 0;
  std::size_t total() const { return visible + embargoed + drafts + retracted; }
};

class FeedIndex {
 public:
  FeedIndex(Site site, FeedsConfig config, FeedIndexOptions options = {});
  ~FeedIndex();
  FeedIndex(const FeedIndex&) = delete;
  FeedIndex& operator=(const FeedIndex&) = delete;

  struct Update {
    // Complete and immutable; documents that did not change are the previous snapshot's own
    // (pointer-equal). When nothing changed at all, the previous snapshot itself.
    std::shared_ptr<const Snapshot> snapshot;
    std::vector<std::string> changed_paths;  // documents added or whose bytes changed, sorted
    std::vector<std::string> removed_paths;  // documents that no longer exist, sorted
    bool documents_changed() const { return !changed_paths.empty() || !removed_paths.empty(); }
  };

  // Start-up and full rescans: `articles` is the whole store. Diffed against the current state
  // (an article equal to the one held is not touched), so a rescan that finds nothing new changes
  // nothing: same snapshot, same ETags, empty path lists. Later duplicates of an id win.
  Update reset(std::vector<core::Article> articles, core::Timestamp now);
  // File events: articles created or edited (an upsert with status draft or retracted takes the
  // entry out of every feed), and ids deleted from the store (unknown ids are ignored). Time moves
  // to `now` first, as advance() would.
  Update apply(std::vector<core::Article> upserts, std::vector<std::string> removed_ids,
               core::Timestamp now);
  // Time passing: embargoes lifting and tombstones expiring up to `now`.
  Update advance(core::Timestamp now);
  // A new site or feeds config (SIGHUP): everything re-rendered, and only documents whose bytes
  // differ are reported changed. O(store).
  Update reconfigure(Site site, FeedsConfig config, core::Timestamp now);

  // The next instant at which advance() will change something: the earliest embargo lift or
  // tombstone expiry after the latest `now`. The daemon arms its timer for it.
  std::optional<core::Timestamp> next_deadline() const;

  const std::shared_ptr<const Snapshot>& snapshot() const { return snapshot_; }
  ArticleCounts counts() const { return counts_; }
  std::size_t tombstone_count() const;  // (feed, entry) pairs currently published
  const core::Article* find_article(std::string_view id) const;
  core::Timestamp now() const { return now_; }

 private:
  struct FeedState;
  struct NewestFirstPtr {
    bool operator()(const std::shared_ptr<const core::Article>& a,
                    const std::shared_ptr<const core::Article>& b) const;
  };
  using ArticlePtr = std::shared_ptr<const core::Article>;
  using FeedMap = std::map<std::string, std::unique_ptr<FeedState>, std::less<>>;
  struct Tombstone {
    core::Timestamp when;
    core::Timestamp expires;
    std::vector<FeedState*> feeds;  // the feeds that carry it (a dying feed removes itself)
  };
  class Batch;
  struct RenderJob;

  void init_feeds();
  FeedState* term_feed(FeedKind kind, const std::string& slug, bool create, Batch& batch);
  template <class Fn>
  void for_each_feed_of(const core::Article& a, bool create, Batch& batch, Fn fn);
  bool is_visible(const core::Article& a) const;
  bool is_embargoed(const core::Article& a) const;
  void count(const core::Article& a, int delta);
  void attach(const ArticlePtr& a, Batch& batch);
  void detach(const ArticlePtr& a, bool withdrawn, Batch& batch);
  void show(const ArticlePtr& a, Batch& batch);
  void hide(const ArticlePtr& a, bool withdrawn, Batch& batch);
  void upsert(core::Article article, Batch& batch);
  void remove(const std::string& id, Batch& batch);
  void advance_to(core::Timestamp now, Batch& batch);
  void drop_tombstones(const std::string& article_id, Batch& batch);
  void forget_tombstones_of(FeedState* f);
  void unpublish(FeedState* f, Batch& batch);
  bool plan_render(FeedState* f, RenderJob& job);
  void render_document(RenderJob& job, std::size_t format_index) const;
  void run_tasks(std::size_t n, const std::function<void(std::size_t)>& task) const;
  void render_jobs(std::vector<RenderJob>& jobs);
  void commit_render(RenderJob& job, Batch& batch);
  void render_touched(Batch& batch);
  void render_list(std::string_view path, const char* type, std::string body,
                   std::int64_t computed, Batch& batch);
  std::optional<std::int64_t> previous_last_modified(const std::string& path) const;
  void update_catalog(Batch& batch, bool rebuild_all);
  Update finish(Batch& batch, bool rebuild_all);

  Site site_;
  FeedsConfig config_;
  FeedIndexOptions options_;
  core::Timestamp now_{};

  std::unordered_map<std::string, ArticlePtr> articles_;
  ArticleCounts counts_;
  std::set<std::pair<core::Timestamp, std::string>> embargoed_;  // (published, id)
  std::multiset<std::int64_t> visible_modified_;  // modified() of visible articles (OPML's date)

  std::unique_ptr<FeedState> site_feed_;
  FeedMap categories_, authors_, tags_;  // by slug
  std::vector<std::unique_ptr<FeedState>> custom_;  // as custom_feed_specs() orders them

  std::map<std::string, Tombstone, std::less<>> tombstones_;  // by article id
  std::set<std::pair<core::Timestamp, std::string>> tombstone_expiry_;  // (expires, article id)

  // Last-Modified of paths that disappeared, so a feed that comes back continues from there.
  std::unordered_map<std::string, std::int64_t> retired_last_modified_;
  std::shared_ptr<const Snapshot> snapshot_;
  // Prepared items (id, plain title, resolved body) kept across updates, so that re-rendering a
  // feed prepares only the articles that changed. An article's entry is dropped when it leaves
  // the index; the whole cache when it grows past a bound or the site changes.
  std::unique_ptr<ItemCache> items_;
  FeedList catalog_;  // during finish(): the catalog of the snapshot being made
};

}  // namespace syndicated::feeds
