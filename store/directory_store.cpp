#include "store/directory_store.hpp"

#include <string>
#include <utility>

#include "store/article_set.hpp"
#include "store/file_scan.hpp"

namespace syndicated::store {

std::string Diagnostic::to_string() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

DirectoryStore::DirectoryStore(DirectoryStoreOptions options, const ArticleParser& parser)
    : options_(std::move(options)), parser_(parser) {}

bool DirectoryStore::is_article_file(const std::filesystem::path& relative) {
  for (const auto& part : relative) {
    const std::string name = part.string();
    if (name == "/" || name.empty() || name == ".") continue;
    if (detail::is_ignored_name(name)) return false;
  }
  const std::string ext = relative.extension().string();
  return ext == ".md" || ext == ".json";
}

// One walk and one read of every file: the first rescan of a set that is then thrown away.
LoadResult DirectoryStore::load_all() { return ArticleSet::load(options_, parser_); }

}  // namespace syndicated::store
