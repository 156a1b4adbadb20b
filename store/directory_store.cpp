#include "store/directory_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

namespace syndicated::store {
namespace {

namespace fs = std::filesystem;

// Symlinked directories are followed, but each real directory is entered once (loops end), and
// never deeper than this.
constexpr int kMaxDepth = 32;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Hidden files and editor droppings: ".x", "x~", ".#x", "#x#", "x.swp", "x.tmp".
bool is_ignored_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return true;
  if (name.back() == '~') return true;
  if (name.size() >= 2 && name.front() == '#' && name.back() == '#') return true;
  return ends_with(name, ".swp") || ends_with(name, ".swx") || ends_with(name, ".tmp");
}

struct Candidate {
  std::string relative;  // generic form, '/' separated
  fs::path path;
};

struct Outcome {
  std::optional<core::Article> article;
  std::optional<Diagnostic> diagnostic;
  int id_line = 0;
};

class Walker {
 public:
  explicit Walker(std::vector<Diagnostic>& diagnostics) : diagnostics_(diagnostics) {}

  void walk(const fs::path& dir, const std::string& relative, int depth) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      report(relative, std::string("cannot open the directory: ") + std::strerror(errno));
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
      report(relative, "cannot list the directory: " + ec.message());
      return;
    }
    std::vector<std::pair<std::string, fs::path>> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      std::string name = it->path().filename().string();
      if (is_ignored_name(name)) continue;
      entries.emplace_back(std::move(name), it->path());
    }
    if (ec) report(relative, "cannot list the directory: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (auto& [name, path] : entries) {
      const std::string rel = relative.empty() ? name : relative + "/" + name;
      struct stat est {};
      if (::stat(path.c_str(), &est) != 0) {
        // A dangling symlink or a file that vanished: only worth a word if it looked like one.
        if (DirectoryStore::is_article_file(rel))
          report(rel, std::string("cannot read the file: ") + std::strerror(errno));
        continue;
      }
      if (S_ISDIR(est.st_mode)) {
        walk(path, rel, depth + 1);
      } else if (S_ISREG(est.st_mode) && DirectoryStore::is_article_file(rel)) {
        files_.push_back({rel, std::move(path)});
      }
    }
  }

  std::vector<Candidate> take_files() { return std::move(files_); }

 private:
  void report(const std::string& relative, std::string message) {
    diagnostics_.push_back({relative.empty() ? "." : relative, 0, std::move(message)});
  }

  std::vector<Diagnostic>& diagnostics_;
  std::set<std::pair<dev_t, ino_t>> visited_;
  std::vector<Candidate> files_;
};

// Reads a whole file, refusing more than `limit` bytes. Returns an error message or nullopt.
std::optional<std::string> read_file(const fs::path& path, std::size_t limit, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::string("cannot read the file: ") + std::strerror(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return std::string("cannot read the file: ") + std::strerror(err);
  }
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

Outcome load_one(const Candidate& file, std::size_t limit, const ArticleParser& parser,
                 std::string& buffer) {
  Outcome outcome;
  try {
    if (auto error = read_file(file.path, limit, buffer)) {
      outcome.diagnostic = Diagnostic{file.relative, 0, std::move(*error)};
      return outcome;
    }
    ParseInfo info;
    auto parsed = parser.parse(file.relative, buffer, info);
    if (!parsed) {
      outcome.diagnostic = Diagnostic{file.relative, info.error_line, parsed.error().message};
      return outcome;
    }
    outcome.article = std::move(parsed).value();
    outcome.id_line = info.id_line;
  } catch (const std::exception& e) {
    outcome.diagnostic = Diagnostic{file.relative, 0, std::string("cannot load: ") + e.what()};
  } catch (...) {
    outcome.diagnostic = Diagnostic{file.relative, 0, "cannot load: unknown error"};
  }
  return outcome;
}

}  // namespace

std::string Diagnostic::to_string() const {
  return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

DirectoryStore::DirectoryStore(DirectoryStoreOptions options, const ArticleParser& parser)
    : options_(std::move(options)), parser_(parser) {}

bool DirectoryStore::is_article_file(const std::filesystem::path& relative) {
  for (const auto& part : relative) {
    const std::string name = part.string();
    if (name == "/" || name.empty() || name == ".") continue;
    if (is_ignored_name(name)) return false;
  }
  const std::string ext = relative.extension().string();
  return ext == ".md" || ext == ".json";
}

LoadResult DirectoryStore::load_all() {
  LoadResult result;
  try {
    std::error_code ec;
    if (!fs::is_directory(options_.root, ec)) {
      result.diagnostics.push_back(
          {".", 0, "the store directory '" + options_.root.string() + "' does not exist or is not a directory"});
      return result;
    }
    Walker walker(result.diagnostics);
    walker.walk(options_.root, "", 0);
    std::vector<Candidate> files = walker.take_files();
    std::sort(files.begin(), files.end(),
              [](const Candidate& a, const Candidate& b) { return a.relative < b.relative; });

    // Parsing dominates; spread it over a few threads. Results keep the sorted file order.
    std::vector<Outcome> outcomes(files.size());
    unsigned threads = options_.threads != 0 ? options_.threads : std::thread::hardware_concurrency();
    threads = std::clamp<unsigned>(threads, 1, 16);
    if (files.size() < 64) threads = 1;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      std::string buffer;
      for (std::size_t i = next++; i < files.size(); i = next++)
        outcomes[i] = load_one(files[i], options_.max_file_bytes, parser_, buffer);
    };
    if (threads == 1) {
      work();
    } else {
      std::vector<std::thread> pool;
      pool.reserve(threads - 1);
      try {
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
      } catch (const std::system_error&) {
        // Could not start a thread: the threads that did start and this one finish the work.
      }
      work();
      for (auto& t : pool) t.join();
    }

    // Duplicate ids: the first file in path order keeps the id.
    std::unordered_map<std::string, std::size_t> owner;
    owner.reserve(files.size());
    result.articles.reserve(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      Outcome& o = outcomes[i];
      if (o.diagnostic) {
        result.diagnostics.push_back(std::move(*o.diagnostic));
        continue;
      }
      if (!o.article) continue;
      auto [it, inserted] = owner.emplace(o.article->id, i);
      if (!inserted) {
        result.diagnostics.push_back(
            {files[i].relative, o.id_line,
             "duplicate id '" + o.article->id + "': already used by " + files[it->second].relative +
                 "; this file is skipped"});
        continue;
      }
      result.articles.push_back(std::move(*o.article));
    }
  } catch (const std::exception& e) {
    result.diagnostics.push_back({".", 0, std::string("cannot load the store: ") + e.what()});
  }
  std::sort(result.articles.begin(), result.articles.end(),
            [](const core::Article& a, const core::Article& b) { return a.id < b.id; });
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.file != b.file) return a.file < b.file;
                     return a.line < b.line;
                   });
  return result;
}

}  // namespace syndicated::store
