#pragma once
// Walking the store directory and reading article files: the one implementation behind
// DirectoryStore::load_all, ArticleSet (full and partial rescans, single files) and the naming
// rules DirectoryWatcher filters events with. Internal to store/.
#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"
#include "store/article_parser.hpp"
#include "store/article_store.hpp"

namespace syndicated::store::detail {

// Symlinked directories are followed, but each real directory is entered once (loops end), and
// never deeper than this many levels below the store root.
inline constexpr int kMaxDepth = 32;

// Hidden files and editor droppings: ".x", "x~", ".#x", "#x#", "x.swp", "x.swx", "x.tmp".
bool is_ignored_name(std::string_view name);

// "a/b" + "c" -> "a/b/c"; "" + "c" -> "c".
std::string join_relative(std::string_view dir, std::string_view name);

// True when `path` is `dir` itself or lies below it ('/'-separated relative paths; "" is the root).
bool is_within(std::string_view path, std::string_view dir);

// What stat() says about a file's identity and version. Equal signatures mean the file was not
// rewritten, replaced or renamed over (ctime moves on every write and on every rename into place,
// to the nanosecond on Linux file systems; a file system with coarse timestamps could hide an
// in-place edit of the same size within one tick from a rescan, never from a watcher event).
struct FileSignature {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  long long mtime_ns = 0;
  long long ctime_ns = 0;
  friend bool operator==(const FileSignature&, const FileSignature&) = default;
};

struct ScannedFile {
  std::string relative;  // '/'-separated, relative to the store root
  std::filesystem::path path;
  FileSignature signature;
};

struct ScanResult {
  std::vector<ScannedFile> files;        // article files, sorted by relative path
  std::vector<Diagnostic> diagnostics;   // directories that could not be read
  std::vector<std::string> failed_dirs;  // their relative paths: what was under them is unknown
};

// Walks `root`/`relative` (relative "" = the whole store) with the store's rules: ignored names are
// skipped, symlinked directories followed once, at most kMaxDepth levels below the root.
ScanResult scan_tree(const std::filesystem::path& root, const std::string& relative);

// One file read and parsed.
struct FileOutcome {
  enum class Kind {
    kArticle,  // parsed: `article` is set
    kBroken,   // exists but cannot be read or parsed: `diagnostic` is set
    kGone,     // no longer exists, or is not a regular file (any more)
  };
  Kind kind = Kind::kGone;
  std::shared_ptr<core::Article> article;
  std::optional<Diagnostic> diagnostic;
  int id_line = 0;
  FileSignature signature;  // of the bytes that were read (kArticle, kBroken)
};

// Reads and parses one file. Never throws.
FileOutcome load_file(const std::filesystem::path& path, const std::string& relative,
                      std::size_t max_bytes, const ArticleParser& parser, std::string& buffer);

struct FileToLoad {
  std::string relative;
  std::filesystem::path path;
};

// Reads and parses many files on up to `threads` threads (0 = one per hardware thread, at most
// 16; small batches run on the calling thread). Outcomes come back in the order of `files`.
std::vector<FileOutcome> load_files(const std::vector<FileToLoad>& files, std::size_t max_bytes,
                                    const ArticleParser& parser, unsigned threads);

}  // namespace syndicated::store::detail
