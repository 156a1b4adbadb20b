#include "store/file_scan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>
#include <utility>

namespace syndicated::store::detail {
namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

FileSignature signature_of(const struct stat& st) {
  FileSignature s;
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
  s.ctime_ns = static_cast<long long>(st.st_ctim.tv_sec) * 1'000'000'000LL + st.st_ctim.tv_nsec;
  return s;
}

int depth_of(std::string_view relative) {
  if (relative.empty()) return 0;
  return 1 + static_cast<int>(std::count(relative.begin(), relative.end(), '/'));
}

class Walker {
 public:
  explicit Walker(ScanResult& out) : out_(out) {}

  void walk(const fs::path& dir, const std::string& relative, int depth) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      fail(relative, std::string("cannot open the directory: ") + std::strerror(errno));
      return;
    }
    if (!visited_.insert({st.st_dev, st.st_ino}).second) return;  // a symlink loop or a repeat
    if (depth > kMaxDepth) {
      report(relative, "directories nested deeper than " + std::to_string(kMaxDepth) +
                           " levels are not read");
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      fail(relative, "cannot list the directory: " + ec.message());
      return;
    }
    std::vector<std::pair<std::string, fs::path>> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::string name = it->path().filename().string();
      if (is_ignored_name(name)) continue;
      entries.emplace_back(std::move(name), it->path());
    }
    if (ec) fail(relative, "cannot list the directory: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (auto& [name, path] : entries) {
      std::string rel = join_relative(relative, name);
      struct stat est {};
      if (::stat(path.c_str(), &est) != 0) {
        // A dangling symlink or a file that vanished: only worth a word if it looked like one.
        if (is_article_name(rel)) report(rel, std::string("cannot read the file: ") + std::strerror(errno));
        continue;
      }
      if (S_ISDIR(est.st_mode)) {
        walk(path, rel, depth + 1);
      } else if (S_ISREG(est.st_mode) && is_article_name(rel)) {
        out_.files.push_back({std::move(rel), std::move(path), signature_of(est)});
      }
    }
  }

 private:
  static bool is_article_name(std::string_view rel) {
    return ends_with(rel, ".md") || ends_with(rel, ".json");  // the directories were checked
  }
  void report(const std::string& relative, std::string message) {
    out_.diagnostics.push_back({relative.empty() ? "." : relative, 0, std::move(message)});
  }
  void fail(const std::string& relative, std::string message) {
    report(relative, std::move(message));
    out_.failed_dirs.push_back(relative);
  }

  ScanResult& out_;
  std::set<std::pair<dev_t, ino_t>> visited_;
};

// Reads a whole file, refusing more than `limit` bytes. Returns an error message or nullopt;
// `gone` is set when the file no longer exists (not an error: it was deleted or moved away).
std::optional<std::string> read_file(const fs::path& path, std::size_t limit, std::string& out,
                                     FileSignature& signature, bool& gone) {
  gone = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      gone = true;
      return std::nullopt;
    }
    // Remember which version could not be read, so a rescan does not report it again.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) signature = signature_of(st);
    return std::string("cannot read the file: ") + std::strerror(err);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return std::string("cannot read the file: ") + std::strerror(err);
  }
  if (!S_ISREG(st.st_mode)) {  // replaced by a directory, a FIFO, ...: not an article file
    ::close(fd);
    gone = true;
    return std::nullopt;
  }
  signature = signature_of(st);
  const auto too_big = [&](std::size_t size) {
    return "the file is " + std::to_string(size) + " bytes, over the limit of " +
           std::to_string(limit) + " bytes; skipped";
  };
  if (st.st_size > 0 && static_cast<std::size_t>(st.st_size) > limit) {
    ::close(fd);
    return too_big(static_cast<std::size_t>(st.st_size));
  }
  out.clear();
  out.resize(st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 4096);
  std::size_t used = 0;
  while (true) {
    if (used == out.size()) {
      if (out.size() > limit) break;
      out.resize(std::min(out.size() * 2, limit + 1));
    }
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return std::string("cannot read the file: ") + std::strerror(err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (used > limit) return too_big(used);  // it grew while we read it
  out.resize(used);
  return std::nullopt;
}

}  // namespace

bool is_ignored_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return true;
  if (name.back() == '~') return true;
  if (name.size() >= 2 && name.front() == '#' && name.back() == '#') return true;
  return ends_with(name, ".swp") || ends_with(name, ".swx") || ends_with(name, ".tmp");
}

std::string join_relative(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out += dir;
  if (!dir.empty()) out += '/';
  out += name;
  return out;
}

bool is_within(std::string_view path, std::string_view dir) {
  if (dir.empty()) return true;
  return path.size() >= dir.size() && path.substr(0, dir.size()) == dir &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

ScanResult scan_tree(const fs::path& root, const std::string& relative) {
  ScanResult out;
  try {
    Walker walker(out);
    walker.walk(relative.empty() ? root : root / relative, relative, depth_of(relative));
  } catch (const std::exception& e) {
    out.diagnostics.push_back({relative.empty() ? "." : relative, 0,
                               std::string("cannot walk the directory: ") + e.what()});
    out.failed_dirs.push_back(relative);
  }
  std::sort(out.files.begin(), out.files.end(),
            [](const ScannedFile& a, const ScannedFile& b) { return a.relative < b.relative; });
  return out;
}

FileOutcome load_file(const fs::path& path, const std::string& relative, std::size_t max_bytes,
                      const ArticleParser& parser, std::string& buffer) {
  FileOutcome outcome;
  try {
    bool gone = false;
    if (auto error = read_file(path, max_bytes, buffer, outcome.signature, gone)) {
      outcome.kind = FileOutcome::Kind::kBroken;
      outcome.diagnostic = Diagnostic{relative, 0, std::move(*error)};
      return outcome;
    }
    if (gone) {
      outcome.kind = FileOutcome::Kind::kGone;
      return outcome;
    }
    ParseInfo info;
    auto parsed = parser.parse(relative, buffer, info);
    if (!parsed) {
      outcome.kind = FileOutcome::Kind::kBroken;
      outcome.diagnostic = Diagnostic{relative, info.error_line, parsed.error().message};
      return outcome;
    }
    outcome.kind = FileOutcome::Kind::kArticle;
    outcome.article = std::make_shared<core::Article>(std::move(parsed).value());
    outcome.id_line = info.id_line;
  } catch (const std::exception& e) {
    outcome.kind = FileOutcome::Kind::kBroken;
    outcome.article.reset();
    outcome.diagnostic = Diagnostic{relative, 0, std::string("cannot load: ") + e.what()};
  } catch (...) {
    outcome.kind = FileOutcome::Kind::kBroken;
    outcome.article.reset();
    outcome.diagnostic = Diagnostic{relative, 0, "cannot load: unknown error"};
  }
  return outcome;
}

std::vector<FileOutcome> load_files(const std::vector<FileToLoad>& files, std::size_t max_bytes,
                                    const ArticleParser& parser, unsigned threads) {
  // Parsing dominates (~60 µs per article); spread it over a few threads.
  std::vector<FileOutcome> outcomes(files.size());
  threads = threads != 0 ? threads : std::thread::hardware_concurrency();
  threads = std::clamp<unsigned>(threads, 1, 16);
  if (files.size() < 64) threads = 1;
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    std::string buffer;
    for (std::size_t i = next++; i < files.size(); i = next++)
      outcomes[i] = load_file(files[i].path, files[i].relative, max_bytes, parser, buffer);
  };
  if (threads == 1) {
    work();
    return outcomes;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {
    // Could not start a thread: the threads that did start and this one finish the work.
  }
  work();
  for (auto& t : pool) t.join();
  return outcomes;
}

}  // namespace syndicated::store::detail
