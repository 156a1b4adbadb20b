#pragma once
// The embedded article store: one article per file under a directory, recursively.
//   *.md   Markdown with TOML front matter between "+++" lines; the body is CommonMark (GFM).
//   *.json a JSON object with the same fields and an HTML "body".
// Hidden files and directories, editor temporaries (*~, .#*, #*#, *.swp, *.swx, *.tmp) and other
// extensions are ignored. Symlinked directories are followed, each real directory once.
// load_all() is deterministic: files are read in sorted path order (the first of two files with
// the same id wins), articles come back sorted by id, diagnostics by file and line.
#include <cstddef>
#include <filesystem>
#include <string>

#include "store/article_parser.hpp"
#include "store/article_store.hpp"

namespace syndicated::store {

struct DirectoryStoreOptions {
  std::filesystem::path root;
  std::size_t max_file_bytes = 4 * 1024 * 1024;  // larger files are skipped with a diagnostic
  unsigned threads = 0;  // parsing threads for load_all(); 0 = one per hardware thread (max 16)
};

class DirectoryStore final : public ArticleStore {
 public:
  DirectoryStore(DirectoryStoreOptions options, const ArticleParser& parser);
  LoadResult load_all() override;

  // True for names the store reads (used by the watcher too).
  static bool is_article_file(const std::filesystem::path& relative);

 private:
  DirectoryStoreOptions options_;
  const ArticleParser& parser_;
};

}  // namespace syndicated::store
