#pragma once
// The current articles of a directory store, kept up to date incrementally.
//
// ArticleSet remembers, per article file, the article it holds and the file's stat signature, and
// per id the files that claim it. rescan() walks the whole store (the start, a lost inotify
// queue, a periodic safety net); apply() takes the events of a DirectoryWatcher and reads only
// the files they name, so the cost of one change does not grow with the size of the store. Both
// return what changed, by id, against the state before the call: an unchanged store gives empty
// changes.
//
// Rules (the same as DirectoryStore::load_all, which is a rescan of a fresh set):
//  * Duplicate ids: the first file in sorted path order holds the id; the others are skipped with
//    a diagnostic. When the holder goes away, the next file's article takes over (an upsert).
//  * Bad input loses nothing: a file that becomes unreadable or fails to parse is reported, and
//    the last good version read from that path stays in the set until the file is fixed or
//    removed. A file that was never good is only a diagnostic.
//  * A deleted file (or one moved away, or a tree removed) takes its id with it, unless another
//    file holds the same id.
//  * Diagnostics are reported when a file is read, so a broken file is reported once per version,
//    not on every rescan.
//
// Not thread-safe: one owner (the daemon's event loop) calls it. Parsing of many files at once
// (the first rescan, a burst of events) runs on up to `options.threads` threads inside the call.
// No clock, no logging: everything worth telling is in the returned StoreChanges.
#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"
#include "store/article_parser.hpp"
#include "store/article_store.hpp"
#include "store/directory_store.hpp"
#include "store/file_event.hpp"
#include "store/file_scan.hpp"

namespace syndicated::store {

struct StoreChanges {
  std::vector<core::Article> upserts;    // new or changed articles, as they now are; sorted by id
  std::vector<std::string> removed_ids;  // ids no file holds any more; sorted
  std::vector<Diagnostic> diagnostics;   // problems found by this call; sorted by file, then line

  // True when no article changed (diagnostics may still have been found).
  bool unchanged() const { return upserts.empty() && removed_ids.empty(); }
};

enum class RescanMode {
  kChangedFiles,  // read files that are new or whose stat signature moved (cheap: a walk + stat)
  kEveryFile,     // read and parse every file again
};

struct ArticleCounts {
  std::size_t published = 0;
  std::size_t draft = 0;
  std::size_t retracted = 0;
  std::size_t broken_files = 0;  // files whose current version is broken (some still served)
};

class ArticleSet {
 public:
  ArticleSet(DirectoryStoreOptions options, const ArticleParser& parser);
  ~ArticleSet();
  ArticleSet(const ArticleSet&) = delete;
  ArticleSet& operator=(const ArticleSet&) = delete;

  // Walks the whole store and brings the set in line with it. The first call reports every
  // article as an upsert. A store root that cannot be read is a diagnostic and changes nothing;
  // neither does a subdirectory that cannot be listed (its articles are kept).
  StoreChanges rescan(RescanMode mode = RescanMode::kChangedFiles);

  // Applies watcher events, in order, reading only the files named: kChanged reads the file
  // (and, when the path names a directory, reconciles that subtree alone); kRemoved forgets the
  // file without reading anything; kTreeRemoved forgets every file under the path. Events for
  // names the store ignores are ignored. Paths with ".." or a leading '/' are ignored.
  // The daemon should pass all the events of one debounce window in one call: a file removed and
  // written again within it then nets out to one upsert, or to nothing.
  StoreChanges apply(std::span<const FileEvent> events);

  std::size_t size() const { return owners_.size(); }  // distinct ids
  const core::Article* find(std::string_view id) const;
  ArticleCounts counts() const;
  // Every article, sorted by id (a copy).
  std::vector<core::Article> articles() const;

  // load_all() of a fresh set, without keeping it: every file read once, articles moved out.
  static LoadResult load(DirectoryStoreOptions options, const ArticleParser& parser);

 private:
  struct Entry {
    std::shared_ptr<core::Article> article;  // last good version from this path; null if none
    detail::FileSignature signature;         // of the last version read, good or broken
    int id_line = 0;                         // line of `id` in the version `article` came from
    bool broken = false;                     // the last version read was broken
  };
  struct Update;

  void drop_path(const std::string& path, Update& update);
  void store_outcome(const std::string& path, detail::FileOutcome outcome, Update& update);
  void touch(const std::string& id, Update& update) const;
  void load_paths(const std::vector<detail::FileToLoad>& files, Update& update);
  void reconcile_tree(const std::string& dir, detail::ScanResult scan, RescanMode mode,
                      Update& update);
  void rescan_into(RescanMode mode, Update& update);
  StoreChanges finish(Update& update, bool collect_upserts);
  const Entry* winner(const std::string& id) const;

  DirectoryStoreOptions options_;
  const ArticleParser& parser_;
  std::map<std::string, Entry, std::less<>> files_;                  // by relative path
  std::map<std::string, std::set<std::string>, std::less<>> owners_;  // id -> paths claiming it
  ArticleCounts counts_;
};

}  // namespace syndicated::store
