#include "feeds/feed_index.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <unordered_set>
#include <utility>

#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "feeds/render_util.hpp"

namespace syndicated::feeds {
namespace {

// Article::operator== compares timestamps as instants, but the renderers write them in their own
// offset: an edit that only changes the offset changes the bytes.
bool identical(const core::Article& a, const core::Article& b) {
  if (!(a == b)) return false;
  if (a.published.offset_minutes != b.published.offset_minutes) return false;
  return !a.updated || a.updated->offset_minutes == b.updated->offset_minutes;
}

// Last-Modified of a document whose bytes changed (see the header): the newest change among its
// items when that moves forward, else now, and never backwards or standing still.
std::int64_t next_last_modified(std::optional<std::int64_t> previous, std::int64_t computed,
                                core::Timestamp now) {
  if (!previous || computed > *previous) return computed;
  return std::max(now.unix_seconds, *previous + 1);
}

// Bound of the prepared-item cache: a full rebuild must not hold a second copy of every body of
// the store. An item holds its body about three times (once per format), so 4,096 items of
// 5 KB bodies take about 60 MB.
constexpr std::size_t kMaxCachedItems = 4096;

}  // namespace

struct FeedIndex::FeedState {
  FeedKind kind = FeedKind::kSite;
  std::string slug;       // term feeds: the key in categories_/authors_/tags_
  std::string term_name;  // term feeds: the display name the spec was made with
  FeedSpec spec;
  std::set<ArticlePtr, NewestFirstPtr> members;  // every visible article the feed holds
  std::vector<ArticlePtr> shown;                 // the first `limit` members as last rendered
  std::map<std::string, core::Timestamp> tombstones;  // article id -> when withdrawn
  std::array<DocumentList::Ptr, std::size(kAllFormats)> docs;  // as published (null: none)
  bool active = true;     // custom feeds: false while another feed has the same path
  bool published = false;  // docs are in the snapshot
  bool dirty = false;      // re-render even if `shown` is unchanged (tombstones, title)
  bool touched = false;    // in the current batch's list
  bool dead = false;       // removed from the catalog in the current batch
};

// What one call changes, collected before anything is rendered.
class FeedIndex::Batch {
 public:
  void touch(FeedState* f) {
    if (!f->touched) {
      f->touched = true;
      touched.push_back(f);
    }
  }
  std::vector<FeedState*> touched;
  std::vector<std::unique_ptr<FeedState>> dead;  // kept alive until the batch ends
  bool catalog_changed = false;
  // path -> new document, or null when the path goes away; the last word wins.
  std::map<std::string, DocumentList::Ptr> changes;
};

bool FeedIndex::NewestFirstPtr::operator()(const ArticlePtr& a, const ArticlePtr& b) const {
  return newest_first(*a, *b);
}

FeedIndex::FeedIndex(Site site, FeedsConfig config, FeedIndexOptions options)
    : site_(std::move(site)),
      config_(std::move(config)),
      options_(std::move(options)),
      items_(std::make_unique<ItemCache>(site_)) {
  snapshot_ = std::make_shared<const Snapshot>();
  init_feeds();
  Batch batch;
  finish(batch, /*rebuild_all=*/true);  // the empty feeds, OPML and index
}

FeedIndex::~FeedIndex() = default;

void FeedIndex::init_feeds() {
  site_feed_ = std::make_unique<FeedState>();
  site_feed_->kind = FeedKind::kSite;
  site_feed_->spec = site_feed_spec(site_, config_);
  categories_.clear();
  authors_.clear();
  tags_.clear();
  custom_.clear();
  for (FeedSpec& spec : custom_feed_specs(site_, config_)) {
    auto f = std::make_unique<FeedState>();
    f->kind = FeedKind::kCustom;
    f->spec = std::move(spec);
    f->active = false;  // decided by finish()
    custom_.push_back(std::move(f));
  }
}

FeedIndex::FeedState* FeedIndex::term_feed(FeedKind kind, const std::string& slug, bool create,
                                           Batch& batch) {
  FeedMap& map = kind == FeedKind::kCategory ? categories_
                 : kind == FeedKind::kAuthor ? authors_
                                             : tags_;
  auto it = map.find(slug);
  if (it != map.end()) return it->second.get();
  if (!create) return nullptr;
  auto f = std::make_unique<FeedState>();
  f->kind = kind;
  f->slug = slug;
  // The path is known now; the title once the newest member is (update_catalog).
  f->spec = term_feed_spec(site_, config_, kind, slug, slug);
  FeedState* raw = f.get();
  map.emplace(slug, std::move(f));
  batch.catalog_changed = true;
  return raw;
}

// Calls fn(FeedState*) for every feed whose filter holds `a` (a feed may come twice when the
// article lists a term twice; fn must not mind). With `create`, missing term feeds are made.
template <class Fn>
void FeedIndex::for_each_feed_of(const core::Article& a, bool create, Batch& batch, Fn fn) {
  fn(site_feed_.get());
  const auto terms = [&](FeedKind kind, bool enabled, const auto& list) {
    if (!enabled) return;
    for (const auto& t : list) {
      if (t.slug.empty()) continue;
      if (FeedState* f = term_feed(kind, t.slug, create, batch)) fn(f);
    }
  };
  terms(FeedKind::kCategory, config_.category_feeds, a.categories);
  terms(FeedKind::kAuthor, config_.author_feeds, a.authors);
  terms(FeedKind::kTag, config_.tag_feeds, a.tags);
  for (const auto& c : custom_)
    if (c->spec.filter.matches(a)) fn(c.get());
}

bool FeedIndex::is_visible(const core::Article& a) const {
  return a.status == core::ArticleStatus::kPublished && a.published <= now_;
}

bool FeedIndex::is_embargoed(const core::Article& a) const {
  return a.status == core::ArticleStatus::kPublished && a.published > now_;
}

void FeedIndex::count(const core::Article& a, int delta) {
  std::size_t* n = nullptr;
  switch (a.status) {
    case core::ArticleStatus::kPublished:
      n = a.published <= now_ ? &counts_.visible : &counts_.embargoed;
      break;
    case core::ArticleStatus::kDraft: n = &counts_.drafts; break;
    case core::ArticleStatus::kRetracted: n = &counts_.retracted; break;
  }
  *n = delta > 0 ? *n + 1 : *n - 1;
}

void FeedIndex::show(const ArticlePtr& a, Batch& batch) {
  for_each_feed_of(*a, /*create=*/true, batch, [&](FeedState* f) {
    f->members.insert(a);
    batch.touch(f);
  });
  visible_modified_.insert(a->modified().unix_seconds);
  drop_tombstones(a->id, batch);  // visible again: no longer withdrawn
}

void FeedIndex::hide(const ArticlePtr& a, bool withdrawn, Batch& batch) {
  std::vector<FeedState*> tombstoned;
  const bool tombstones = withdrawn && options_.tombstone_seconds > 0;
  for_each_feed_of(*a, /*create=*/false, batch, [&](FeedState* f) {
    // `shown` is what readers were last given: only those feeds need the tombstone.
    if (tombstones && f->published &&
        std::any_of(f->shown.begin(), f->shown.end(),
                    [&](const ArticlePtr& s) { return s->id == a->id; }) &&
        std::find(tombstoned.begin(), tombstoned.end(), f) == tombstoned.end())
      tombstoned.push_back(f);
    f->members.erase(a);
    batch.touch(f);
  });
  visible_modified_.erase(visible_modified_.find(a->modified().unix_seconds));
  if (tombstoned.empty()) return;
  drop_tombstones(a->id, batch);  // defensive: there is none while an article is visible
  Tombstone t;
  t.when = now_;
  t.expires = now_;
  t.expires.unix_seconds += options_.tombstone_seconds;
  for (FeedState* f : tombstoned) {
    f->tombstones[a->id] = now_;
    f->dirty = true;
    t.feeds.push_back(f);
  }
  tombstone_expiry_.emplace(t.expires, a->id);
  tombstones_.emplace(a->id, std::move(t));
}

void FeedIndex::drop_tombstones(const std::string& article_id, Batch& batch) {
  auto it = tombstones_.find(article_id);
  if (it == tombstones_.end()) return;
  for (FeedState* f : it->second.feeds) {
    f->tombstones.erase(article_id);
    f->dirty = true;
    batch.touch(f);
  }
  tombstone_expiry_.erase({it->second.expires, article_id});
  tombstones_.erase(it);
}

// A feed leaving the catalog (or made inactive) takes its tombstones with it.
void FeedIndex::forget_tombstones_of(FeedState* f) {
  for (const auto& [id, when] : f->tombstones) {
    auto it = tombstones_.find(id);
    if (it == tombstones_.end()) continue;
    auto& feeds = it->second.feeds;
    feeds.erase(std::remove(feeds.begin(), feeds.end(), f), feeds.end());
    if (feeds.empty()) {
      tombstone_expiry_.erase({it->second.expires, id});
      tombstones_.erase(it);
    }
  }
  f->tombstones.clear();
}

void FeedIndex::detach(const ArticlePtr& a, bool withdrawn, Batch& batch) {
  items_->erase(*a);  // before the address can be reused by another article
  if (is_visible(*a)) hide(a, withdrawn, batch);
  else if (is_embargoed(*a)) embargoed_.erase({a->published, a->id});
  count(*a, -1);
}

void FeedIndex::attach(const ArticlePtr& a, Batch& batch) {
  count(*a, +1);
  if (is_visible(*a)) show(a, batch);
  else if (is_embargoed(*a)) embargoed_.emplace(a->published, a->id);
}

void FeedIndex::upsert(core::Article article, Batch& batch) {
  auto it = articles_.find(article.id);
  if (it != articles_.end() && identical(*it->second, article)) return;
  auto next = std::make_shared<const core::Article>(std::move(article));
  if (it != articles_.end()) {
    const ArticlePtr previous = it->second;  // alive until its set entries are gone
    detach(previous, /*withdrawn=*/!is_visible(*next), batch);
    it->second = next;
  } else {
    articles_.emplace(next->id, next);
  }
  attach(next, batch);
}

void FeedIndex::remove(const std::string& id, Batch& batch) {
  auto it = articles_.find(id);
  if (it == articles_.end()) return;
  const ArticlePtr previous = it->second;
  detach(previous, /*withdrawn=*/true, batch);
  articles_.erase(it);
}

void FeedIndex::advance_to(core::Timestamp now, Batch& batch) {
  if (now > now_) now_ = now;
  while (!embargoed_.empty() && embargoed_.begin()->first <= now_) {
    const std::string id = embargoed_.begin()->second;
    embargoed_.erase(embargoed_.begin());
    const ArticlePtr& a = articles_.at(id);
    --counts_.embargoed;
    ++counts_.visible;
    show(a, batch);
  }
  while (!tombstone_expiry_.empty() && tombstone_expiry_.begin()->first <= now_) {
    const std::string id = tombstone_expiry_.begin()->second;
    drop_tombstones(id, batch);
  }
}

FeedIndex::Update FeedIndex::reset(std::vector<core::Article> articles, core::Timestamp now) {
  Batch batch;
  advance_to(now, batch);
  std::unordered_map<std::string_view, std::size_t> latest;  // id -> index of its last copy
  latest.reserve(articles.size());
  for (std::size_t i = 0; i < articles.size(); ++i) latest[articles[i].id] = i;
  std::vector<std::string> gone;
  for (const auto& [id, a] : articles_)
    if (latest.find(id) == latest.end()) gone.push_back(id);
  std::sort(gone.begin(), gone.end());  // deterministic order of tombstone bookkeeping
  for (const std::string& id : gone) remove(id, batch);
  for (std::size_t i = 0; i < articles.size(); ++i)
    if (latest.at(articles[i].id) == i) upsert(std::move(articles[i]), batch);
  return finish(batch, /*rebuild_all=*/false);
}

FeedIndex::Update FeedIndex::apply(std::vector<core::Article> upserts,
                                   std::vector<std::string> removed_ids, core::Timestamp now) {
  Batch batch;
  advance_to(now, batch);
  for (core::Article& a : upserts) upsert(std::move(a), batch);
  for (const std::string& id : removed_ids) remove(id, batch);
  return finish(batch, /*rebuild_all=*/false);
}

FeedIndex::Update FeedIndex::advance(core::Timestamp now) {
  Batch batch;
  advance_to(now, batch);
  return finish(batch, /*rebuild_all=*/false);
}

FeedIndex::Update FeedIndex::reconfigure(Site site, FeedsConfig config, core::Timestamp now) {
  Batch batch;
  advance_to(now, batch);
  // Tombstones belong to feed paths; carry them over to the feeds of the new config.
  std::map<std::string, std::map<std::string, core::Timestamp>> tombstones_by_path;
  const auto save = [&](FeedState* f) {
    if (!f->tombstones.empty()) tombstones_by_path[f->spec.path] = f->tombstones;
  };
  save(site_feed_.get());
  for (FeedMap* map : {&categories_, &authors_, &tags_})
    for (auto& [slug, f] : *map) save(f.get());
  for (auto& f : custom_) save(f.get());
  batch.touched.clear();  // the states are about to go
  for (auto& [id, t] : tombstones_) t.feeds.clear();

  site_ = std::move(site);  // items_ refers to site_, which stays where it is
  config_ = std::move(config);
  items_->clear();  // ids depend on the site
  init_feeds();
  for (const auto& [id, a] : articles_) {
    if (!is_visible(*a)) continue;
    for_each_feed_of(*a, /*create=*/true, batch, [&](FeedState* f) { f->members.insert(a); });
  }
  // Every feed is rendered; the catalog decides which custom feeds are active.
  const auto restore = [&](FeedState* f) {
    batch.touch(f);
    f->dirty = true;
    auto it = tombstones_by_path.find(f->spec.path);
    if (it == tombstones_by_path.end() || f->kind == FeedKind::kCustom) return;
    f->tombstones = it->second;
    for (const auto& [id, when] : f->tombstones) tombstones_.at(id).feeds.push_back(f);
  };
  restore(site_feed_.get());
  for (FeedMap* map : {&categories_, &authors_, &tags_})
    for (auto& [slug, f] : *map) restore(f.get());
  for (auto& f : custom_) restore(f.get());
  // Custom feeds get theirs back once they are known to be active (update_catalog).
  for (auto& f : custom_) {
    auto it = tombstones_by_path.find(f->spec.path);
    if (it != tombstones_by_path.end()) f->tombstones = it->second;
  }
  // Tombstones of feeds that no longer exist expire now.
  std::vector<std::string> orphans;
  for (const auto& [id, t] : tombstones_)
    if (t.feeds.empty()) orphans.push_back(id);
  for (auto& f : custom_)
    for (const auto& [id, when] : f->tombstones) {
      auto it = std::find(orphans.begin(), orphans.end(), id);
      if (it != orphans.end()) orphans.erase(it);
    }
  for (const std::string& id : orphans) drop_tombstones(id, batch);
  return finish(batch, /*rebuild_all=*/true);
}

std::optional<core::Timestamp> FeedIndex::next_deadline() const {
  std::optional<core::Timestamp> next;
  if (!embargoed_.empty()) next = embargoed_.begin()->first;
  if (!tombstone_expiry_.empty() && (!next || tombstone_expiry_.begin()->first < *next))
    next = tombstone_expiry_.begin()->first;
  return next;
}

std::size_t FeedIndex::tombstone_count() const {
  std::size_t n = 0;
  for (const auto& [id, t] : tombstones_) n += t.feeds.size();
  return n;
}

const core::Article* FeedIndex::find_article(std::string_view id) const {
  auto it = articles_.find(std::string(id));
  return it == articles_.end() ? nullptr : it->second.get();
}

std::optional<std::int64_t> FeedIndex::previous_last_modified(const std::string& path) const {
  if (const Document* d = snapshot_->find(path)) return d->last_modified;
  auto it = retired_last_modified_.find(path);
  if (it != retired_last_modified_.end()) return it->second;
  return std::nullopt;
}

void FeedIndex::unpublish(FeedState* f, Batch& batch) {
  forget_tombstones_of(f);
  for (std::size_t i = 0; i < std::size(kAllFormats); ++i) {
    if (!f->docs[i]) continue;
    retired_last_modified_[f->docs[i]->path] = f->docs[i]->last_modified;
    batch.changes[f->docs[i]->path] = nullptr;
    f->docs[i] = nullptr;
  }
  f->shown.clear();
  f->published = false;
}

// One feed to re-render: planned on the calling thread (plan_render), its three documents made
// by independent tasks (render_document), the results committed in order (commit_render).
struct FeedIndex::RenderJob {
  static constexpr std::size_t kFormats = std::size(kAllFormats);
  FeedState* feed = nullptr;
  std::vector<ArticlePtr> shown;
  std::vector<const core::Article*> items;  // prepared in the item cache before fanning out
  std::vector<DeletedEntry> deleted;
  std::int64_t computed = 0;  // the newest change among the items
  std::array<std::string, kFormats> paths;
  std::array<DocumentList::Ptr, kFormats> previous;  // the document it replaces, if any
  std::array<std::optional<std::int64_t>, kFormats> before;  // Last-Modified to continue from
  std::array<DocumentList::Ptr, kFormats> docs;  // the result (== previous when bytes are equal)
  std::array<std::exception_ptr, kFormats> errors;
};

// False when the feed shows the same items as last rendered (same bytes).
bool FeedIndex::plan_render(FeedState* f, RenderJob& job) {
  job.feed = f;
  job.shown.reserve(std::min(f->spec.limit, f->members.size()));
  for (auto it = f->members.begin(); it != f->members.end() && job.shown.size() < f->spec.limit;
       ++it)
    job.shown.push_back(*it);
  if (f->published && !f->dirty && job.shown == f->shown) return false;

  job.items.reserve(job.shown.size());
  for (const ArticlePtr& a : job.shown) job.items.push_back(a.get());
  const auto newest = newest_change(job.items);
  job.computed = newest ? newest->unix_seconds : 0;
  for (const auto& [id, when] : f->tombstones) job.deleted.push_back({entry_id(site_, id), when});
  // Most recent withdrawal first; ties by ref (the map is ordered by article id already).
  std::stable_sort(job.deleted.begin(), job.deleted.end(),
                   [](const DeletedEntry& a, const DeletedEntry& b) { return a.when > b.when; });
  for (std::size_t i = 0; i < RenderJob::kFormats; ++i) {
    job.paths[i] = f->spec.path + extension(kAllFormats[i]);
    job.previous[i] = f->docs[i] ? f->docs[i] : snapshot_->find_shared(job.paths[i]);
    job.before[i] = job.previous[i]
                        ? std::optional<std::int64_t>(job.previous[i]->last_modified)
                        : previous_last_modified(job.paths[i]);
  }
  return true;
}

// Runs on any thread: reads the job's own fields, site_, options_, now_ and the item cache
// (whose entries for the job's items already exist), writes only job.docs[i].
void FeedIndex::render_document(RenderJob& job, std::size_t i) const {
  const Format format = kAllFormats[i];
  const FeedSpec& spec = job.feed->spec;
  std::string body = format == Format::kAtom
                         ? render_atom(site_, spec, job.items, *items_, job.deleted)
                         : render(format, site_, spec, job.items, *items_);
  if (job.previous[i] && *job.previous[i]->identity.bytes == body) {
    job.docs[i] = job.previous[i];  // same bytes: same Document, same ETags, same Last-Modified
    return;
  }
  job.docs[i] = std::make_shared<const Document>(
      make_document(job.paths[i], content_type(format), std::move(body),
                    next_last_modified(job.before[i], job.computed, now_), options_.gzip_level));
}

void FeedIndex::run_tasks(std::size_t n, const std::function<void(std::size_t)>& task) const {
  if (n == 0) return;
  if (options_.parallel_for) {
    options_.parallel_for(n, task);
  } else {
    for (std::size_t t = 0; t < n; ++t) task(t);
  }
}

void FeedIndex::render_jobs(std::vector<RenderJob>& jobs) {
  const std::size_t n = jobs.size() * RenderJob::kFormats;
  if (n == 0) return;
  // The items the cache does not hold yet, each once, prepared in parallel first.
  std::vector<const core::Article*> fresh;
  std::unordered_set<const core::Article*> seen;
  for (const RenderJob& job : jobs)
    for (const core::Article* a : job.items)
      if (seen.insert(a).second && !items_->contains(*a)) fresh.push_back(a);
  std::vector<std::exception_ptr> errors(fresh.size());
  run_tasks(fresh.size(), [&](std::size_t i) {
    try {
      items_->get(*fresh[i]);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);

  run_tasks(n, [&](std::size_t t) {
    RenderJob& job = jobs[t / RenderJob::kFormats];
    const std::size_t i = t % RenderJob::kFormats;
    try {
      render_document(job, i);
    } catch (...) {
      job.errors[i] = std::current_exception();
    }
  });
  for (RenderJob& job : jobs)  // the first error by index, whatever the executor's order
    for (const std::exception_ptr& e : job.errors)
      if (e) std::rethrow_exception(e);
}

void FeedIndex::commit_render(RenderJob& job, Batch& batch) {
  FeedState* f = job.feed;
  for (std::size_t i = 0; i < RenderJob::kFormats; ++i) {
    f->docs[i] = std::move(job.docs[i]);
    retired_last_modified_.erase(job.paths[i]);
    batch.changes[std::move(job.paths[i])] = f->docs[i];
  }
  f->shown = std::move(job.shown);
  f->dirty = false;
  f->published = true;
}

// Renders the touched feeds whose displayed items changed, in waves: the items of a wave are
// prepared in the cache first (render_jobs), and the cache is cleared between waves when it has
// grown past its bound.
void FeedIndex::render_touched(Batch& batch) {
  std::vector<RenderJob> wave;
  std::unordered_set<const core::Article*> fresh;  // items of the wave the cache lacks
  const auto flush = [&] {
    render_jobs(wave);
    for (RenderJob& job : wave) commit_render(job, batch);
    wave.clear();
    fresh.clear();
  };
  for (FeedState* f : batch.touched) {
    if (f->dead || !f->active) continue;
    RenderJob job;
    if (!plan_render(f, job)) continue;
    if (items_->size() + fresh.size() > kMaxCachedItems) {
      flush();
      if (items_->size() > kMaxCachedItems) items_->clear();
    }
    for (const core::Article* a : job.items)
      if (!items_->contains(*a)) fresh.insert(a);
    wave.push_back(std::move(job));
  }
  flush();
}

void FeedIndex::render_list(std::string_view path_view, const char* type, std::string body,
                            std::int64_t computed, Batch& batch) {
  std::string path(path_view);
  DocumentList::Ptr doc = snapshot_->find_shared(path);
  if (!doc || *doc->identity.bytes != body) {
    doc = std::make_shared<const Document>(
        make_document(path, type, std::move(body),
                      next_last_modified(previous_last_modified(path), computed, now_),
                      options_.gzip_level));
  }
  batch.changes[std::move(path)] = std::move(doc);
}

// Removes term feeds left without articles, renames those whose newest article names the term
// differently, decides which custom feeds are active, and rebuilds the catalog, OPML and index
// page when any of that changed.
void FeedIndex::update_catalog(Batch& batch, bool rebuild_all) {
  for (FeedState* f : batch.touched) {
    if (f->kind == FeedKind::kSite || f->kind == FeedKind::kCustom) continue;
    FeedMap& map = f->kind == FeedKind::kCategory ? categories_
                   : f->kind == FeedKind::kAuthor ? authors_
                                                  : tags_;
    if (f->members.empty()) {
      unpublish(f, batch);
      f->dead = true;
      auto it = map.find(f->slug);
      batch.dead.push_back(std::move(it->second));
      map.erase(it);
      batch.catalog_changed = true;
      continue;
    }
    // The display name: the first term with this slug in the newest article (build_catalog's).
    const core::Article& newest = **f->members.begin();
    const std::string* name = nullptr;
    const auto find_name = [&](const auto& list) {
      for (const auto& t : list)
        if (t.slug == f->slug) return &t.name;
      return static_cast<const std::string*>(nullptr);
    };
    if (f->kind == FeedKind::kCategory) name = find_name(newest.categories);
    else if (f->kind == FeedKind::kAuthor) name = find_name(newest.authors);
    else name = find_name(newest.tags);
    if (name == nullptr) continue;  // cannot happen: a member carries the slug
    if (!f->published || *name != f->term_name || rebuild_all) {
      f->term_name = *name;
      FeedSpec spec = term_feed_spec(site_, config_, f->kind, f->slug, f->term_name);
      if (!(spec == f->spec)) {
        f->spec = std::move(spec);
        f->dirty = true;
        batch.catalog_changed = true;
      }
    }
  }
  if (!batch.catalog_changed && !rebuild_all) return;

  // Custom feeds: active unless a built-in feed or an earlier custom feed has the path.
  std::vector<FeedSpec> catalog;
  catalog.reserve(1 + categories_.size() + authors_.size() + tags_.size() + custom_.size());
  catalog.push_back(site_feed_->spec);
  for (FeedMap* map : {&categories_, &authors_, &tags_})
    for (auto& [slug, f] : *map) catalog.push_back(f->spec);
  std::unordered_set<std::string_view> paths;
  paths.reserve(catalog.size() + custom_.size());
  for (const FeedSpec& spec : catalog) paths.insert(spec.path);
  for (auto& f : custom_) {
    const bool active = paths.insert(f->spec.path).second;
    if (active) catalog.push_back(f->spec);
    if (active == f->active && !rebuild_all) continue;
    if (active && !f->active) {
      // Tombstones restored by reconfigure(), if any.
      for (const auto& [id, when] : f->tombstones) {
        auto it = tombstones_.find(id);
        if (it != tombstones_.end() &&
            std::find(it->second.feeds.begin(), it->second.feeds.end(), f.get()) ==
                it->second.feeds.end())
          it->second.feeds.push_back(f.get());
      }
    }
    if (!active) {
      unpublish(f.get(), batch);
    } else {
      f->dirty = true;
      batch.touch(f.get());
    }
    f->active = active;
  }

  const auto& old = snapshot_->feeds;
  const bool same = old.size() == catalog.size() &&
                    std::equal(catalog.begin(), catalog.end(), old.begin());
  FeedList feeds = same ? old : FeedList(std::move(catalog));
  const std::int64_t newest =
      visible_modified_.empty() ? 0 : *visible_modified_.rbegin();
  render_list(kOpmlPath, kOpmlContentType, render_opml(site_, feeds), newest, batch);
  render_list(kIndexPath, kIndexContentType, render_index_html(site_, feeds), newest, batch);
  catalog_ = std::move(feeds);
}

FeedIndex::Update FeedIndex::finish(Batch& batch, bool rebuild_all) {
  catalog_ = snapshot_->feeds;
  if (rebuild_all) {
    // Every path of the previous snapshot goes unless rendered again.
    for (const Document& d : snapshot_->documents) batch.changes[d.path] = nullptr;
    batch.touch(site_feed_.get());
    site_feed_->dirty = true;
    for (FeedMap* map : {&categories_, &authors_, &tags_})
      for (auto& [slug, f] : *map) {
        f->dirty = true;
        batch.touch(f.get());
      }
  }
  update_catalog(batch, rebuild_all);
  render_touched(batch);

  // Merge the previous documents with the changes (both sorted by path).
  Update update;
  const DocumentList::Vector& before = snapshot_->documents.pointers();
  auto merged = std::make_shared<DocumentList::Vector>();
  merged->reserve(before.size() + batch.changes.size());
  auto b = before.begin();
  for (auto& [path, doc] : batch.changes) {
    while (b != before.end() && (*b)->path < path) merged->push_back(*b++);
    const bool existed = b != before.end() && (*b)->path == path;
    if (doc) {
      if (!existed || *b != doc) update.changed_paths.push_back(path);
      merged->push_back(std::move(doc));
    } else if (existed) {
      update.removed_paths.push_back(path);
    }
    if (existed) ++b;
  }
  merged->insert(merged->end(), b, before.end());

  const std::optional<core::Timestamp> next_embargo =
      embargoed_.empty() ? std::nullopt : std::optional(embargoed_.begin()->first);
  const bool feeds_same = catalog_.share() == snapshot_->feeds.share();
  if (!update.documents_changed() && feeds_same &&
      snapshot_->visible_articles == counts_.visible && snapshot_->next_embargo == next_embargo) {
    update.snapshot = snapshot_;
  } else {
    auto snap = std::make_shared<Snapshot>();
    snap->feeds = catalog_;
    snap->documents = update.documents_changed() ? DocumentList(std::move(merged))
                                                 : snapshot_->documents;
    snap->visible_articles = counts_.visible;
    snap->next_embargo = next_embargo;
    snapshot_ = snap;
    update.snapshot = std::move(snap);
  }
  for (FeedState* f : batch.touched) f->touched = false;
  return update;
}

}  // namespace syndicated::feeds
