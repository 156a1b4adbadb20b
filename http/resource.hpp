#pragma once
// What the server serves: an immutable table of static resources (each with an identity and an
// optional gzip representation), swapped in whole, plus a few dynamic routes. Transport only:
// nothing here knows about feeds.
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

// Immutable once built; the server holds a shared_ptr<const ResourceTable> and swaps it whole.
class ResourceTable {
 public:
  // A resource plus the header text the server would otherwise format per request.
  struct Entry {
    Resource resource;
    std::string last_modified_header;  // IMF-fixdate; empty when last_modified < 0
  };

  // Adds or replaces the resource at `path` (an exact, origin-form path such as "/feed.xml").
  void add(std::string path, Resource resource);
  const Resource* find(std::string_view path) const;
  const Entry* find_entry(std::string_view path) const;
  std::size_t size() const { return resources_.size(); }

 private:
  std::map<std::string, Entry, std::less<>> resources_;
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
