#pragma once
// What the server serves: an immutable table of static resources (each with an identity and an
// optional gzip representation), swapped in whole, plus a few dynamic routes. Transport only:
// nothing here knows about feeds.
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace syndicated::http {

struct Representation {
  std::shared_ptr<const std::string> body;
  std::string etag;  // strong, quoted
};

struct Resource {
  std::string content_type;
  std::int64_t last_modified = -1;  // unix seconds; -1: no Last-Modified
  Representation identity;
  std::optional<Representation> gzip;
};

class BodyFile;

struct ResourceTableOptions {
  // Bodies of at least this many bytes are also copied once into a sealed memfd (BodyFile) when
  // added, and the server sends them with sendfile(); smaller ones (and all of them if memfds are
  // unavailable) are written from memory. SIZE_MAX: never.
  std::size_t file_min_bytes = 16 * 1024;
};

// Immutable once published; the server holds a shared_ptr<const ResourceTable> and swaps it whole.
//
// The paths are split over kShardCount shards by hash, each a shared_ptr to an immutable sorted
// vector of entries (themselves shared). with_changes() copies only the shards it touches and
// shares the rest with the table it started from, so publishing one change costs the size of the
// change (plus a copy of a few shards of ~size()/kShardCount pointers), not the size of the table.
class ResourceTable {
 public:
  static constexpr std::size_t kShardCount = 256;

  // A resource plus what the server would otherwise compute per request.
  struct Entry {
    Resource resource;
    std::string last_modified_header;  // IMF-fixdate; empty when last_modified < 0
    // The representations' bytes in sealed memfds for sendfile(); null: served from memory.
    std::shared_ptr<const BodyFile> identity_file;
    std::shared_ptr<const BodyFile> gzip_file;
  };

  ResourceTable();
  explicit ResourceTable(ResourceTableOptions options);
  // Copies share every shard (copy-on-write: add() on the copy clones the shard it changes).
  ResourceTable(const ResourceTable&) = default;
  ResourceTable& operator=(const ResourceTable&) = default;
  ~ResourceTable();

  // Adds or replaces the resource at `path` (an exact, origin-form path such as "/feed.xml").
  // For building a table before it is published.
  void add(std::string path, Resource resource);

  // A new table: this one with `upserts` added or replacing and then `removals` removed (a path
  // in both ends up removed; unknown removals are ignored). Shards no change touches are shared
  // with this table, which stays valid and unchanged for whoever still holds it.
  std::shared_ptr<const ResourceTable> with_changes(
      std::vector<std::pair<std::string, Resource>> upserts,
      std::vector<std::string> removals) const;

  const Resource* find(std::string_view path) const;
  const Entry* find_entry(std::string_view path) const;
  std::size_t size() const { return size_; }
  const ResourceTableOptions& options() const { return options_; }

  // The shard that holds `path`, and a shard's identity (null when empty): two tables share a
  // shard when these are equal. For tests and diagnostics.
  static std::size_t shard_of(std::string_view path);
  const void* shard_identity(std::size_t shard) const;

 private:
  struct Shard;
  Shard& writable_shard(std::size_t index);
  void remove(std::string_view path);

  ResourceTableOptions options_;
  std::array<std::shared_ptr<Shard>, kShardCount> shards_;  // never changed once shared
  std::size_t size_ = 0;
};

// A request as handlers see it (already parsed and size-checked by the server).
struct Request {
  std::string_view method;
  std::string_view target;  // path plus query
  std::string_view path;    // without the query
  unsigned version = 11;    // 10 or 11
  std::function<std::string_view(std::string_view)> header;  // "" when absent
};

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const std::string> body;  // may be null
};

// Dynamic routes (e.g. /healthz, /metrics): called on the I/O thread; must be quick.
// A handler that throws gets a 500; the server and the connection carry on.
using DynamicHandler = std::function<Response(const Request&)>;
using RouteMap = std::map<std::string, DynamicHandler, std::less<>>;

}  // namespace syndicated::http
