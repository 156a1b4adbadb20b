#pragma once
// The article store: where articles come from. The embedded default is a directory of files
// (DirectoryStore); PostgreSQL will follow behind the same interface.
#include <string>
#include <vector>

#include "core/article.hpp"

namespace syndicated::store {

// One problem with one article file: skipped, and reported with file, line and reason.
struct Diagnostic {
  std::string file;  // path relative to the store root
  int line = 0;      // 1-based; 0 when the problem is the whole file
  std::string message;
  std::string to_string() const;  // "politics/vote.md:3: missing required field 'id'"
};

struct LoadResult {
  std::vector<core::Article> articles;  // valid ones, sorted by id
  std::vector<Diagnostic> diagnostics;  // sorted by file, then line
};

class ArticleStore {
 public:
  virtual ~ArticleStore() = default;
  // Reads everything. Never throws for bad articles: they become diagnostics.
  virtual LoadResult load_all() = 0;
};

}  // namespace syndicated::store
