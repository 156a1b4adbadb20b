#pragma once
// Watches the article store directory, recursively, with inotify, for the daemon's event loop.
//
// The watcher owns a non-blocking inotify descriptor; the daemon polls fd() for readability
// (level-triggered) and calls read(), which never blocks. Events name files relative to the store
// root, only for names the store reads (DirectoryStore::is_article_file): hidden files, editor
// swap and backup files and other extensions never show up.
//
//  * A file is reported (kChanged) when it is closed after writing or renamed into place, never
//    while it is being written: IN_MODIFY is not watched, so a half-written file is not read
//    because of an event.
//  * Deleted or moved-away files are kRemoved; a deleted or moved-away directory is one
//    kTreeRemoved, and its watches are dropped.
//  * A new directory (created, or moved in with its contents) is watched at once and then listed,
//    recursively: every article file already in it is reported as kChanged, so files that landed
//    before the watch existed are not missed (some may be reported twice; that is harmless).
//  * Within one read(), events for the same path collapse to the last one (changed then removed =
//    removed), and a kTreeRemoved drops the earlier events under it; the order of what is left is
//    the order things happened in.
//  * When the kernel's queue overflowed (fs.inotify.max_queued_events), `overflow` is set: events
//    were lost, so the daemon rescans the store. The watcher re-walks the tree to repair its own
//    watches first, and leaves `events` empty.
//
// No clock, no logging: problems come back as Diagnostics.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "store/article_store.hpp"
#include "store/file_event.hpp"

namespace syndicated::store {

struct WatchBatch {
  std::vector<FileEvent> events;
  bool overflow = false;   // the kernel dropped events: rescan the whole store
  bool root_lost = false;  // the store directory itself was deleted, moved or unmounted: no more
                           // events will come; the daemon should say so and open a new watcher
  std::vector<Diagnostic> diagnostics;  // e.g. a new directory that could not be watched

  bool empty() const { return events.empty() && !overflow && !root_lost && diagnostics.empty(); }
};

// One inotify event as the kernel writes it, decoded.
struct InotifyEvent {
  int wd = -1;
  std::uint32_t mask = 0;
  std::uint32_t cookie = 0;
  std::string name;  // empty for events about the watched directory itself
};

// Decodes a buffer read from an inotify descriptor. A truncated trailing event is dropped.
std::vector<InotifyEvent> decode_inotify_events(std::span<const char> bytes);

class DirectoryWatcher {
 public:
  // Starts watching `root` and every directory under it that the store reads (hidden directories
  // are skipped; symlinked directories are followed, each real directory once). Fails, naming
  // the path and the reason, when inotify cannot start or a watch cannot be added because of a
  // kernel limit (the message names the fs.inotify sysctl to raise).
  static core::Result<std::unique_ptr<DirectoryWatcher>> open(std::filesystem::path root);

  ~DirectoryWatcher();
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

  // The non-blocking inotify descriptor to poll for readability.
  int fd() const { return fd_; }

  // Drains what is available now (up to a few MiB per call; when more is queued, fd() stays
  // readable) and never blocks.
  WatchBatch read();

  // What read() does with the bytes it read: decodes inotify events and handles them (adding
  // and dropping watches). Public so tests can feed synthetic buffers.
  WatchBatch process(std::span<const char> bytes);

  std::size_t watched_directories() const { return wd_of_dir_.size(); }
  // The watch descriptor of a watched directory ("" is the root), or -1.
  int watch_descriptor(std::string_view relative_dir) const;

  // Directories that could not be watched when the watcher opened (unreadable ones, ...);
  // a rescan reports them too.
  const std::vector<Diagnostic>& startup_diagnostics() const { return startup_diagnostics_; }

 private:
  class Batcher;
  DirectoryWatcher(int fd, std::filesystem::path root);

  // Watches `relative` and the directories under it. With `report_files`, article files found
  // are reported as kChanged. With `revisit`, directories already watched are walked again (the
  // repair after an overflow). Returns false only on a kernel limit (with `error` set).
  bool add_tree(const std::string& relative, int depth, bool report_files, bool revisit,
                Batcher* batch, std::vector<std::string>* seen,
                std::vector<Diagnostic>& diagnostics, std::string* limit_error);
  void remove_tree(const std::string& relative);
  void handle(const InotifyEvent& ev, Batcher& batch, WatchBatch& out);
  void repair_watches(WatchBatch& out);

  int fd_ = -1;
  std::filesystem::path root_;
  std::unordered_map<int, std::string> dir_of_wd_;
  std::map<std::string, int, std::less<>> wd_of_dir_;
  std::vector<Diagnostic> startup_diagnostics_;
};

}  // namespace syndicated::store
