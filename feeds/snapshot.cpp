#include "feeds/snapshot.hpp"

#include <libdeflate.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "feeds/render_util.hpp"

namespace syndicated::feeds {
namespace {

constexpr std::size_t kEtagBytes = 16;  // 128 bits of SHA-256: plenty for an ETag
constexpr std::size_t kMaxScratchBytes = 4 << 20;  // gzip's per-thread buffer is kept up to this

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// One compressor per thread and level: allocating one costs more than compressing a small feed.
libdeflate_compressor* compressor(int level) {
  level = std::clamp(level, 1, 12);
  thread_local std::array<std::unique_ptr<libdeflate_compressor, CompressorDeleter>, 13> cs;
  auto& c = cs[static_cast<std::size_t>(level)];
  if (!c) c.reset(libdeflate_alloc_compressor(level));
  if (!c) throw std::bad_alloc();
  return c.get();
}

// Compressed into a per-thread scratch buffer (libdeflate wants room for the worst case, about
// the body's size), then copied into a string of the exact size: a document's gzip bytes do not
// keep the worst case's capacity, and the scratch buffer's pages are not faulted in again for
// every document.
std::string gzip(std::string_view body, int level) {
  libdeflate_compressor* c = compressor(level);
  thread_local std::vector<char> scratch;
  const std::size_t bound = libdeflate_gzip_compress_bound(c, body.size());
  if (scratch.size() < bound) scratch.resize(bound);
  const std::size_t n =
      libdeflate_gzip_compress(c, body.data(), body.size(), scratch.data(), bound);
  if (n == 0) throw std::logic_error("gzip: output larger than libdeflate's own bound");
  std::string out(scratch.data(), n);
  if (scratch.size() > kMaxScratchBytes) {  // one huge document must not pin its buffer
    scratch.clear();
    scratch.shrink_to_fit();
  }
  return out;
}

// A strong ETag: the quoted hex of the first 128 bits of the bytes' SHA-256.
std::string etag_of(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &md_len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (std::size_t i = 0; i < kEtagBytes && i < md_len; ++i) {
    tag.push_back(kHex[md[i] >> 4]);
    tag.push_back(kHex[md[i] & 0xF]);
  }
  tag.push_back('"');
  return tag;
}

using Items = std::vector<const core::Article*>;

// Articles grouped by term slug once, in newest-first order, so the catalog's thousands of
// category/author/tag feeds cost O(articles x terms per article), not O(feeds x articles).
struct Groups {
  std::unordered_map<std::string_view, Items> categories, authors, tags;
};

template <class Terms>
void group(std::unordered_map<std::string_view, Items>& by_slug, const core::Article* a,
           const Terms& terms) {
  for (const auto& t : terms) {
    Items& items = by_slug[t.slug];
    if (items.empty() || items.back() != a) items.push_back(a);  // a term listed twice
  }
}

Items first_n(const Items& items, std::size_t n) {
  return Items(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(std::min(n, items.size())));
}

Items items_for(const FeedSpec& feed, const Items& visible, const Groups& groups) {
  const std::unordered_map<std::string_view, Items>* by_slug = nullptr;
  const std::vector<std::string>* wanted = nullptr;
  const FeedFilter& f = feed.filter;
  // A filter on a single term list with one value: take the precomputed group.
  const int lists = !f.categories.empty() + !f.tags.empty() + !f.authors.empty() +
                    !f.languages.empty();
  if (lists == 1 && f.categories.size() == 1) by_slug = &groups.categories, wanted = &f.categories;
  if (lists == 1 && f.authors.size() == 1) by_slug = &groups.authors, wanted = &f.authors;
  if (lists == 1 && f.tags.size() == 1) by_slug = &groups.tags, wanted = &f.tags;
  if (by_slug != nullptr) {
    auto it = by_slug->find(wanted->front());
    return it == by_slug->end() ? Items{} : first_n(it->second, feed.limit);
  }
  if (lists == 0) return first_n(visible, feed.limit);
  Items out;
  for (const core::Article* a : visible) {
    if (out.size() >= feed.limit) break;
    if (f.matches(*a)) out.push_back(a);
  }
  return out;
}

std::int64_t last_modified_of(std::span<const core::Article* const> items) {
  auto newest = newest_change(items);
  return newest ? newest->unix_seconds : 0;
}

}  // namespace

std::shared_ptr<const Document> Snapshot::find_shared(std::string_view path) const {
  const auto& docs = documents.pointers();
  auto it = std::lower_bound(docs.begin(), docs.end(), path,
                             [](const DocumentList::Ptr& d, std::string_view p) { return d->path < p; });
  return it != docs.end() && (*it)->path == path ? *it : nullptr;
}

const Document* Snapshot::find(std::string_view path) const { return find_shared(path).get(); }

Document make_document(std::string path, std::string content_type, std::string body,
                       std::int64_t last_modified) {
  return make_document(std::move(path), std::move(content_type), std::move(body), last_modified,
                       kDefaultGzipLevel);
}

Document make_document(std::string path, std::string content_type, std::string body,
                       std::int64_t last_modified, int gzip_level) {
  Document d;
  d.path = std::move(path);
  d.content_type = std::move(content_type);
  d.last_modified = last_modified;
  auto compressed = std::make_shared<const std::string>(gzip(body, gzip_level));
  d.gzip.etag = etag_of(*compressed);
  d.gzip.bytes = std::move(compressed);
  d.identity.etag = etag_of(body);
  d.identity.bytes = std::make_shared<const std::string>(std::move(body));
  return d;
}

Snapshot build_snapshot(const Site& site, const FeedsConfig& config,
                        std::span<const core::Article> articles, core::Timestamp now) {
  Snapshot snap;
  const Items visible = visible_newest_first(articles, now);
  snap.visible_articles = visible.size();
  for (const core::Article& a : articles) {
    if (a.status == core::ArticleStatus::kPublished && a.published > now &&
        (!snap.next_embargo || a.published < *snap.next_embargo))
      snap.next_embargo = a.published;
  }
  snap.feeds = FeedList(build_catalog(site, config, articles, now));

  Groups groups;
  for (const core::Article* a : visible) {
    group(groups.categories, a, a->categories);
    group(groups.authors, a, a->authors);
    group(groups.tags, a, a->tags);
  }

  auto documents = std::make_shared<DocumentList::Vector>();
  documents->reserve(snap.feeds.size() * std::size(kAllFormats) + 2);
  const auto add = [&](Document d) {
    documents->push_back(std::make_shared<const Document>(std::move(d)));
  };
  for (const FeedSpec& feed : snap.feeds) {
    const Items items = items_for(feed, visible, groups);
    const std::int64_t last_modified = last_modified_of(items);
    ItemCache cache(site);  // shared by the three formats of this feed
    for (Format f : kAllFormats)
      add(make_document(feed.path + extension(f), content_type(f),
                        render(f, site, feed, items, cache), last_modified));
  }
  // The lists change with the catalog, which only changes when visible articles do.
  const std::int64_t site_modified = last_modified_of(visible);
  add(make_document(std::string(kOpmlPath), kOpmlContentType, render_opml(site, snap.feeds),
                    site_modified));
  add(make_document(std::string(kIndexPath), kIndexContentType,
                    render_index_html(site, snap.feeds), site_modified));
  std::sort(documents->begin(), documents->end(),
            [](const DocumentList::Ptr& a, const DocumentList::Ptr& b) { return a->path < b->path; });
  snap.documents = DocumentList(std::move(documents));
  return snap;
}

}  // namespace syndicated::feeds
