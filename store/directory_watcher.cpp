#include "store/directory_watcher.hpp"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <utility>

#include "store/directory_store.hpp"
#include "store/file_scan.hpp"

namespace syndicated::store {
namespace {

namespace fs = std::filesystem;

// Not IN_MODIFY: a file is reported when it is closed or renamed into place, never half-written.
// IN_CREATE only matters for directories (and symlinks/hard links, which are never "closed").
// IN_EXCL_UNLINK: no events from files already unlinked but still open.
constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                     IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                                     IN_EXCL_UNLINK;

// Bytes read from the descriptor per read() call, at most; the rest waits for the next call.
constexpr std::size_t kMaxBytesPerRead = 4 * 1024 * 1024;

std::string read_sysctl(const char* path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return "?";
  return value;
}

// "cannot watch 'a/b': No space left on device" plus what to do about the kernel limits.
std::string watch_error(const std::string& relative, const fs::path& full, int err) {
  std::string message = "cannot watch the directory '" + (relative.empty() ? full.string() : relative) +
                        "': " + std::strerror(err);
  if (err == ENOSPC) {
    message += " (the inotify watch limit, fs.inotify.max_user_watches = " +
               read_sysctl("/proc/sys/fs/inotify/max_user_watches") +
               ", is reached; raise it, e.g. sysctl fs.inotify.max_user_watches=524288)";
  } else if (err == ENOMEM) {
    message += " (the kernel is out of memory for inotify watches)";
  }
  return message;
}

// Both paths name the same directory now (one is a symlink to the other).
bool same_directory(const fs::path& a, const fs::path& b) {
  struct stat sa {};
  struct stat sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool is_limit_error(int err) { return err == ENOSPC || err == ENOMEM; }

}  // namespace

std::vector<InotifyEvent> decode_inotify_events(std::span<const char> bytes) {
  std::vector<InotifyEvent> out;
  constexpr std::size_t kHeader = sizeof(struct inotify_event);
  std::size_t pos = 0;
  while (bytes.size() - pos >= kHeader) {
    struct inotify_event header {};
    std::memcpy(&header, bytes.data() + pos, kHeader);  // the buffer need not be aligned
    if (header.len > bytes.size() - pos - kHeader) break;  // truncated
    InotifyEvent ev;
    ev.wd = header.wd;
    ev.mask = header.mask;
    ev.cookie = header.cookie;
    const char* name = bytes.data() + pos + kHeader;
    ev.name.assign(name, ::strnlen(name, header.len));  // NUL-padded
    out.push_back(std::move(ev));
    pos += kHeader + header.len;
  }
  return out;
}

// Collects the events of one read(): the last event per path wins, and a tree removal drops the
// earlier events under it, keeping the order of what is left.
class DirectoryWatcher::Batcher {
 public:
  void add(std::string path, FileEventKind kind) {
    if (kind == FileEventKind::kTreeRemoved) {
      const std::string prefix = path + "/";
      for (auto it = live_.lower_bound(prefix); it != live_.end() && it->first.starts_with(prefix);)
        it = drop(it);
    }
    if (auto it = live_.find(path); it != live_.end()) drop(it);
    live_.emplace(path, events_.size());
    events_.push_back(FileEvent{std::move(path), kind});
  }

  void clear() {
    live_.clear();
    events_.clear();
  }

  std::vector<FileEvent> take() {
    std::vector<FileEvent> out;
    out.reserve(live_.size());
    for (auto& ev : events_)
      if (!ev.path.empty()) out.push_back(std::move(ev));
    clear();
    return out;
  }

 private:
  std::map<std::string, std::size_t>::iterator drop(std::map<std::string, std::size_t>::iterator it) {
    events_[it->second].path.clear();  // a tombstone: no event names the root itself
    return live_.erase(it);
  }

  std::map<std::string, std::size_t> live_;  // path -> index of its live event
  std::vector<FileEvent> events_;
};

DirectoryWatcher::DirectoryWatcher(int fd, fs::path root) : fd_(fd), root_(std::move(root)) {}

DirectoryWatcher::~DirectoryWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

core::Result<std::unique_ptr<DirectoryWatcher>> DirectoryWatcher::open(fs::path root) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0)
    return core::make_error("cannot watch the store directory: " + std::string(std::strerror(errno)),
                            root.string());
  if (!S_ISDIR(st.st_mode))
    return core::make_error("cannot watch the store directory: not a directory", root.string());
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string message = std::string("cannot start inotify: ") + std::strerror(err);
    if (err == EMFILE)
      message += " (the limit of inotify instances, fs.inotify.max_user_instances = " +
                 read_sysctl("/proc/sys/fs/inotify/max_user_instances") + ", may be reached)";
    return core::make_error(std::move(message), root.string());
  }
  std::unique_ptr<DirectoryWatcher> watcher(new DirectoryWatcher(fd, std::move(root)));
  std::string limit_error;
  if (!watcher->add_tree("", 0, false, false, nullptr, nullptr, watcher->startup_diagnostics_,
                         &limit_error))
    return core::make_error(std::move(limit_error), watcher->root_.string());
  if (watcher->watch_descriptor("") < 0) {
    std::string message = "cannot watch the store directory";
    if (!watcher->startup_diagnostics_.empty())
      message = watcher->startup_diagnostics_.front().message;
    return core::make_error(std::move(message), watcher->root_.string());
  }
  return watcher;
}

int DirectoryWatcher::watch_descriptor(std::string_view relative_dir) const {
  const auto it = wd_of_dir_.find(relative_dir);
  return it == wd_of_dir_.end() ? -1 : it->second;
}

bool DirectoryWatcher::add_tree(const std::string& relative, int depth, bool report_files,
                                bool revisit, Batcher* batch, std::vector<std::string>* seen,
                                std::vector<Diagnostic>& diagnostics, std::string* limit_error) {
  if (depth > detail::kMaxDepth) return true;  // not read by the store either
  const fs::path full = relative.empty() ? root_ : root_ / relative;
  // Watch first, then list: whatever lands after the watch exists is an event, whatever landed
  // before is in the listing.
  const int wd = ::inotify_add_watch(fd_, full.c_str(), kWatchMask);
  if (wd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return true;  // gone again already
    if (is_limit_error(err) && limit_error != nullptr) {
      *limit_error = watch_error(relative, full, err);
      return false;
    }
    diagnostics.push_back({relative.empty() ? "." : relative, 0, watch_error(relative, full, err)});
    // Still list it: the files there now are reported; later changes wait for a rescan.
  } else if (const auto known = dir_of_wd_.find(wd); known != dir_of_wd_.end()) {
    if (known->second == relative) {
      if (!revisit) return true;  // already watched and listed
    } else if (same_directory(root_ / known->second, full)) {
      return true;  // the same directory under another name (a symlink): watched once
    } else {
      // Renamed while its events were lost (an overflow): the watch follows the new name.
      if (const auto old = wd_of_dir_.find(known->second); old != wd_of_dir_.end() && old->second == wd)
        wd_of_dir_.erase(old);
      if (const auto stale = wd_of_dir_.find(relative); stale != wd_of_dir_.end()) {
        dir_of_wd_.erase(stale->second);
        wd_of_dir_.erase(stale);
      }
      known->second = relative;
      wd_of_dir_.emplace(relative, wd);
    }
  } else {
    // A stale mapping of this name (its directory was replaced) goes.
    if (const auto old = wd_of_dir_.find(relative); old != wd_of_dir_.end()) {
      dir_of_wd_.erase(old->second);
      wd_of_dir_.erase(old);
    }
    dir_of_wd_.emplace(wd, relative);
    wd_of_dir_.emplace(relative, wd);
  }
  if (seen != nullptr) seen->push_back(relative);

  std::error_code ec;
  fs::directory_iterator it(full, ec);
  if (ec) return true;  // vanished or unreadable: a rescan reports it
  std::vector<std::string> names;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (!detail::is_ignored_name(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());  // the same first name for a directory as the store's walk
  for (const std::string& name : names) {
    std::string rel = detail::join_relative(relative, name);
    struct stat st {};
    if (::stat((full / name).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (!add_tree(rel, depth + 1, report_files, revisit, batch, seen, diagnostics, limit_error))
        return false;
    } else if (report_files && batch != nullptr && S_ISREG(st.st_mode) &&
               DirectoryStore::is_article_file(rel)) {
      batch->add(std::move(rel), FileEventKind::kChanged);
    }
  }
  return true;
}

void DirectoryWatcher::remove_tree(const std::string& relative) {
  std::vector<std::pair<std::string, int>> gone;
  if (relative.empty()) {  // the root: everything
    for (const auto& [path, wd] : wd_of_dir_) ::inotify_rm_watch(fd_, wd);
    wd_of_dir_.clear();
    dir_of_wd_.clear();
    return;
  }
  if (const auto it = wd_of_dir_.find(relative); it != wd_of_dir_.end()) gone.emplace_back(*it);
  const std::string prefix = relative + "/";
  for (auto it = wd_of_dir_.lower_bound(prefix);
       it != wd_of_dir_.end() && it->first.starts_with(prefix); ++it)
    gone.emplace_back(*it);
  for (const auto& [path, wd] : gone) {
    ::inotify_rm_watch(fd_, wd);  // EINVAL when the kernel dropped it already: fine
    dir_of_wd_.erase(wd);
    wd_of_dir_.erase(path);
  }
}

void DirectoryWatcher::handle(const InotifyEvent& ev, Batcher& batch, WatchBatch& out) {
  if ((ev.mask & IN_Q_OVERFLOW) != 0) {
    out.overflow = true;
    return;
  }
  const auto known = dir_of_wd_.find(ev.wd);
  if (known == dir_of_wd_.end()) return;  // a watch dropped already (its late events)
  const std::string dir = known->second;

  if (ev.name.empty()) {  // about the watched directory itself
    const bool gone = (ev.mask & (IN_IGNORED | IN_DELETE_SELF | IN_UNMOUNT)) != 0;
    if (dir.empty() && (gone || (ev.mask & IN_MOVE_SELF) != 0)) {
      out.root_lost = true;
      remove_tree("");
      return;
    }
    // A subdirectory's move or deletion is reported by its parent (IN_MOVED_FROM, IN_DELETE),
    // which comes first; here its watch, and those under it, are forgotten.
    if (gone) remove_tree(dir);
    return;
  }

  std::string rel = detail::join_relative(dir, ev.name);
  const fs::path full = root_ / rel;
  const bool ignored = detail::is_ignored_name(ev.name);
  if ((ev.mask & (IN_DELETE | IN_MOVED_FROM)) != 0) {
    // A directory, or a symlink to one that was watched: the whole tree goes.
    if ((ev.mask & IN_ISDIR) != 0 || wd_of_dir_.contains(rel)) {
      if (ignored) return;  // never watched, nothing of it in the store
      remove_tree(rel);
      batch.add(std::move(rel), FileEventKind::kTreeRemoved);
    } else if (DirectoryStore::is_article_file(rel)) {
      batch.add(std::move(rel), FileEventKind::kRemoved);
    }
    return;
  }
  if (ignored) return;
  if ((ev.mask & (IN_CREATE | IN_MOVED_TO)) != 0) {
    bool is_dir = (ev.mask & IN_ISDIR) != 0;
    struct stat st {};
    if (!is_dir && (ev.mask & IN_CREATE) != 0) {
      // A plain file created is reported when it is closed. Symlinks and hard links are never
      // "closed after writing": they are complete when they appear.
      struct stat lst {};
      if (::lstat(full.c_str(), &lst) != 0) return;
      const bool complete = S_ISLNK(lst.st_mode) || (S_ISREG(lst.st_mode) && lst.st_nlink > 1);
      if (!complete) return;
      if (S_ISLNK(lst.st_mode) && ::stat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        is_dir = true;
      } else {
        if (DirectoryStore::is_article_file(rel)) batch.add(std::move(rel), FileEventKind::kChanged);
        return;
      }
    } else if (!is_dir && ::stat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      is_dir = true;  // a symlink to a directory renamed into place
    }
    if (is_dir) {
      const auto depth = 1 + std::count(rel.begin(), rel.end(), '/');
      add_tree(rel, static_cast<int>(depth), true, false, &batch, nullptr, out.diagnostics,
               nullptr);
      return;
    }
  }
  if ((ev.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0 && DirectoryStore::is_article_file(rel))
    batch.add(std::move(rel), FileEventKind::kChanged);
}

void DirectoryWatcher::repair_watches(WatchBatch& out) {
  // Events were lost: new directories may be unwatched, removed ones still mapped. Walk the tree
  // again (the daemon rescans it anyway) and forget the directories that were not found.
  std::vector<std::string> seen;
  add_tree("", 0, false, true, nullptr, &seen, out.diagnostics, nullptr);
  std::sort(seen.begin(), seen.end());
  std::vector<std::string> stale;
  for (const auto& [path, wd] : wd_of_dir_)
    if (!std::binary_search(seen.begin(), seen.end(), path)) stale.push_back(path);
  for (const auto& path : stale) {
    if (const auto it = wd_of_dir_.find(path); it != wd_of_dir_.end()) {
      ::inotify_rm_watch(fd_, it->second);
      dir_of_wd_.erase(it->second);
      wd_of_dir_.erase(it);
    }
  }
  if (watch_descriptor("") < 0) out.root_lost = true;
}

WatchBatch DirectoryWatcher::process(std::span<const char> bytes) {
  WatchBatch out;
  Batcher batch;
  for (const InotifyEvent& ev : decode_inotify_events(bytes)) handle(ev, batch, out);
  if (out.overflow) {
    batch.clear();  // the daemon rescans everything
    if (!out.root_lost) repair_watches(out);
  }
  out.events = batch.take();
  return out;
}

WatchBatch DirectoryWatcher::read() {
  // Whole events only: the kernel never splits an event across reads, and a buffer of at least
  // sizeof(inotify_event) + NAME_MAX + 1 always holds the next one.
  std::vector<char> bytes;
  std::vector<Diagnostic> out_diagnostics;
  alignas(struct inotify_event) char chunk[64 * 1024];
  while (bytes.size() < kMaxBytesPerRead) {
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err != EAGAIN && err != EWOULDBLOCK)
        out_diagnostics.push_back({".", 0, std::string("cannot read inotify events: ") + std::strerror(err)});
      break;  // drained
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  WatchBatch out = process(bytes);
  for (auto& d : out_diagnostics) out.diagnostics.push_back(std::move(d));
  return out;
}

}  // namespace syndicated::store
