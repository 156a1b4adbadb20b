#pragma once
// From articles to the immutable set of documents the HTTP server shares: every feed in every
// format, the OPML list and the index page, each rendered once, gzip-compressed once, hashed once.
// Pure: no I/O, no clock (the caller passes `now`), no logging.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
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

struct Snapshot {
  std::vector<FeedSpec> feeds;  // the catalog, in a stable order
  std::vector<Document> documents;  // sorted by path
  std::size_t visible_articles = 0;  // published and not embargoed at `now`
  // The earliest embargo still ahead of `now`, if any: when the snapshot must be rebuilt.
  std::optional<core::Timestamp> next_embargo;

  const Document* find(std::string_view path) const;  // binary search
};

// Renders, compresses and hashes everything. Deterministic: the same inputs give the same bytes.
Snapshot build_snapshot(const Site& site, const FeedsConfig& config,
                        std::span<const core::Article> articles, core::Timestamp now);

// Compresses and hashes one body (exposed for tests and benchmarks).
Document make_document(std::string path, std::string content_type, std::string body,
                       std::int64_t last_modified);

}  // namespace syndicated::feeds
