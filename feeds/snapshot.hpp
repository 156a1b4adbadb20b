#pragma once
// From articles to the immutable set of documents the HTTP server shares: every feed in every
// format, the OPML list and the index page, each rendered once, gzip-compressed once, hashed once.
// Pure: no I/O, no clock (the caller passes `now`), no logging.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"
#include "feeds/model.hpp"

namespace syndicated::feeds {

struct Representation {
  std::shared_ptr<const std::string> bytes;
  std::string etag;  // strong, quoted: "\"3f2a...\""; differs between identity and gzip
};

struct Document {
  std::string path;          // URL path, e.g. "/category/politics/feed.atom"
  std::string content_type;  // with charset
  Representation identity;
  Representation gzip;
  std::int64_t last_modified = 0;  // unix seconds of the newest change in the document
};

// The documents of a snapshot, sorted by path. Each is held by shared_ptr so that consecutive
// snapshots built by FeedIndex share the documents that did not change (pointer-equal), and the
// list itself is shared between snapshots that differ only in their counters. Iterating yields
// `const Document&`, so code written for the former std::vector<Document> reads it unchanged.
class DocumentList {
 public:
  using Ptr = std::shared_ptr<const Document>;
  using Vector = std::vector<Ptr>;

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = Document;
    using difference_type = std::ptrdiff_t;
    using pointer = const Document*;
    using reference = const Document&;
    const_iterator() = default;
    explicit const_iterator(Vector::const_iterator it) : it_(it) {}
    reference operator*() const { return **it_; }
    pointer operator->() const { return it_->get(); }
    reference operator[](difference_type n) const { return *it_[n]; }
    const_iterator& operator++() { ++it_; return *this; }
    const_iterator operator++(int) { auto t = *this; ++it_; return t; }
    const_iterator& operator--() { --it_; return *this; }
    const_iterator operator--(int) { auto t = *this; --it_; return t; }
    const_iterator& operator+=(difference_type n) { it_ += n; return *this; }
    const_iterator& operator-=(difference_type n) { it_ -= n; return *this; }
    friend const_iterator operator+(const_iterator a, difference_type n) { return a += n; }
    friend const_iterator operator+(difference_type n, const_iterator a) { return a += n; }
    friend const_iterator operator-(const_iterator a, difference_type n) { return a -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
      return a.it_ - b.it_;
    }
    friend bool operator==(const const_iterator&, const const_iterator&) = default;
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
      return a.it_ <=> b.it_;
    }
    const Ptr& shared() const { return *it_; }

   private:
    Vector::const_iterator it_{};
  };
  using iterator = const_iterator;

  DocumentList() = default;
  // `documents` must be sorted by path, without duplicates or nulls.
  explicit DocumentList(std::shared_ptr<const Vector> documents) : docs_(std::move(documents)) {}

  std::size_t size() const { return docs_ ? docs_->size() : 0; }
  bool empty() const { return size() == 0; }
  const Document& operator[](std::size_t i) const { return *(*docs_)[i]; }
  const_iterator begin() const { return const_iterator(vec().begin()); }
  const_iterator end() const { return const_iterator(vec().end()); }
  // The shared documents themselves, e.g. to publish them without copying bytes.
  const Vector& pointers() const { return vec(); }
  const Ptr& shared(std::size_t i) const { return (*docs_)[i]; }
  const Ptr* data() const { return vec().data(); }
  // The whole list, to share it with another snapshot.
  const std::shared_ptr<const Vector>& share() const { return docs_; }

 private:
  const Vector& vec() const {
    static const Vector kEmpty;
    return docs_ ? *docs_ : kEmpty;
  }
  std::shared_ptr<const Vector> docs_;
};

// The catalog of a snapshot: a shared, immutable vector of FeedSpec (shared between snapshots
// until the catalog changes). Contiguous, so it converts to std::span<const FeedSpec>.
class FeedList {
 public:
  FeedList() = default;
  explicit FeedList(std::shared_ptr<const std::vector<FeedSpec>> feeds) : feeds_(std::move(feeds)) {}
  explicit FeedList(std::vector<FeedSpec> feeds)
      : feeds_(std::make_shared<const std::vector<FeedSpec>>(std::move(feeds))) {}

  std::size_t size() const { return feeds_ ? feeds_->size() : 0; }
  bool empty() const { return size() == 0; }
  const FeedSpec* data() const { return feeds_ ? feeds_->data() : nullptr; }
  const FeedSpec* begin() const { return data(); }
  const FeedSpec* end() const { return data() + size(); }
  const FeedSpec& operator[](std::size_t i) const { return (*feeds_)[i]; }
  const FeedSpec& front() const { return feeds_->front(); }
  const std::shared_ptr<const std::vector<FeedSpec>>& share() const { return feeds_; }

 private:
  std::shared_ptr<const std::vector<FeedSpec>> feeds_;
};

struct Snapshot {
  FeedList feeds;  // the catalog, in a stable order
  DocumentList documents;  // sorted by path
  std::size_t visible_articles = 0;  // published and not embargoed at `now`
  // The earliest embargo still ahead of `now`, if any: when the snapshot must be rebuilt.
  std::optional<core::Timestamp> next_embargo;

  const Document* find(std::string_view path) const;  // binary search
  // The same, shared (null when absent).
  std::shared_ptr<const Document> find_shared(std::string_view path) const;
};

// Renders, compresses and hashes everything. Deterministic: the same inputs give the same bytes.
Snapshot build_snapshot(const Site& site, const FeedsConfig& config,
                        std::span<const core::Article> articles, core::Timestamp now);

// The two lists of feeds, next to the feeds themselves.
inline constexpr std::string_view kOpmlPath = "/feeds.opml";
inline constexpr const char* kOpmlContentType = "text/x-opml; charset=utf-8";
inline constexpr std::string_view kIndexPath = "/";
inline constexpr const char* kIndexContentType = "text/html; charset=utf-8";

// Compresses and hashes one body (exposed for tests and benchmarks).
// libdeflate level 6 by default (build_snapshot, FeedIndex unless told otherwise, 1..12): on
// varied news text about 3.7% larger than level 9 and 2.6 times faster (bench_feed_index
// --gzip-table; the table is in bench/feed_index_bench.cpp).
inline constexpr int kDefaultGzipLevel = 6;
Document make_document(std::string path, std::string content_type, std::string body,
                       std::int64_t last_modified);
Document make_document(std::string path, std::string content_type, std::string body,
                       std::int64_t last_modified, int gzip_level);

}  // namespace syndicated::feeds
