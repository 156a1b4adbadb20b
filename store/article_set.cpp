#include "store/article_set.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace syndicated::store {
namespace {

namespace fs = std::filesystem;

// Relative paths from events must stay inside the store.
bool is_safe_relative(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

// No component of `path` is a hidden or editor-temporary name.
bool has_no_ignored_component(std::string_view path) {
  for (std::size_t start = 0; start < path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (detail::is_ignored_name(path.substr(start, end - start))) return false;
    start = end + 1;
  }
  return true;
}

void adjust(ArticleCounts& counts, const core::Article& a, int delta) {
  std::size_t* slot = &counts.published;
  if (a.status == core::ArticleStatus::kDraft) slot = &counts.draft;
  if (a.status == core::ArticleStatus::kRetracted) slot = &counts.retracted;
  *slot = static_cast<std::size_t>(static_cast<long long>(*slot) + delta);
}

}  // namespace

const char* to_string(FileEventKind kind) {
  switch (kind) {
    case FileEventKind::kChanged: return "changed";
    case FileEventKind::kRemoved: return "removed";
    case FileEventKind::kTreeRemoved: return "tree-removed";
  }
  return "?";
}

// The bookkeeping of one rescan() or apply(): which ids were touched and who held them before,
// so the result is the net difference, whatever order the files were handled in.
struct ArticleSet::Update {
  struct Before {
    std::shared_ptr<core::Article> article;  // the id's article before the call; null if none
    std::string path;                        // the file that held it
  };
  std::map<std::string, Before> before;  // by id
  std::set<std::string> read_paths;      // files read by this call
  std::vector<Diagnostic> diagnostics;
};

ArticleSet::ArticleSet(DirectoryStoreOptions options, const ArticleParser& parser)
    : options_(std::move(options)), parser_(parser) {}

ArticleSet::~ArticleSet() = default;

const ArticleSet::Entry* ArticleSet::winner(const std::string& id) const {
  const auto it = owners_.find(id);
  if (it == owners_.end() || it->second.empty()) return nullptr;
  const auto f = files_.find(*it->second.begin());
  return f == files_.end() ? nullptr : &f->second;
}

const core::Article* ArticleSet::find(std::string_view id) const {
  const auto it = owners_.find(id);
  if (it == owners_.end() || it->second.empty()) return nullptr;
  const auto f = files_.find(*it->second.begin());
  return f == files_.end() ? nullptr : f->second.article.get();
}

ArticleCounts ArticleSet::counts() const { return counts_; }

std::vector<core::Article> ArticleSet::articles() const {
  std::vector<core::Article> out;
  out.reserve(owners_.size());
  for (const auto& [id, paths] : owners_) {
    if (const Entry* e = winner(id)) out.push_back(*e->article);
  }
  return out;
}

void ArticleSet::touch(const std::string& id, Update& update) const {
  if (update.before.contains(id)) return;
  Update::Before b;
  if (const auto it = owners_.find(id); it != owners_.end() && !it->second.empty()) {
    b.path = *it->second.begin();
    b.article = files_.at(b.path).article;
  }
  update.before.emplace(id, std::move(b));
}

void ArticleSet::drop_path(const std::string& path, Update& update) {
  const auto it = files_.find(path);
  if (it == files_.end()) return;
  if (const auto& article = it->second.article) {
    touch(article->id, update);
    const auto o = owners_.find(article->id);
    o->second.erase(path);
    if (o->second.empty()) owners_.erase(o);
  }
  if (it->second.broken) --counts_.broken_files;
  files_.erase(it);
}

void ArticleSet::store_outcome(const std::string& path, detail::FileOutcome outcome,
                               Update& update) {
  using Kind = detail::FileOutcome::Kind;
  if (outcome.kind == Kind::kGone) {
    drop_path(path, update);
    return;
  }
  update.read_paths.insert(path);
  Entry& entry = files_[path];
  if (outcome.kind == Kind::kBroken) {
    Diagnostic d = std::move(*outcome.diagnostic);
    if (entry.article) d.message += "; the last good version stays in the feeds";
    update.diagnostics.push_back(std::move(d));
    if (!entry.broken) ++counts_.broken_files;
    entry.broken = true;
    entry.signature = outcome.signature;
    if (entry.article) touch(entry.article->id, update);  // re-checks duplicates, changes nothing
    return;
  }
  if (entry.broken) --counts_.broken_files;
  entry.broken = false;
  entry.signature = outcome.signature;
  entry.id_line = outcome.id_line;
  if (entry.article && entry.article->id != outcome.article->id) {
    touch(entry.article->id, update);
    const auto o = owners_.find(entry.article->id);
    o->second.erase(path);
    if (o->second.empty()) owners_.erase(o);
  }
  touch(outcome.article->id, update);
  owners_[outcome.article->id].insert(path);
  // An unchanged article keeps its object: finish() then compares pointers, not fields.
  if (!entry.article || *entry.article != *outcome.article) entry.article = std::move(outcome.article);
}

void ArticleSet::load_paths(const std::vector<detail::FileToLoad>& files, Update& update) {
  std::vector<detail::FileOutcome> outcomes =
      detail::load_files(files, options_.max_file_bytes, parser_, options_.threads);
  for (std::size_t i = 0; i < files.size(); ++i)
    store_outcome(files[i].relative, std::move(outcomes[i]), update);
}

void ArticleSet::reconcile_tree(const std::string& dir, detail::ScanResult scan, RescanMode mode,
                                Update& update) {
  const auto scanned = [&](const std::string& path) {
    const auto it = std::lower_bound(
        scan.files.begin(), scan.files.end(), path,
        [](const detail::ScannedFile& f, const std::string& p) { return f.relative < p; });
    return it != scan.files.end() && it->relative == path;
  };
  const auto under_failed_dir = [&](const std::string& path) {
    return std::any_of(scan.failed_dirs.begin(), scan.failed_dirs.end(),
                       [&](const std::string& d) { return detail::is_within(path, d); });
  };
  // Files of this subtree the walk did not find are gone (unless their directory was unreadable).
  std::vector<std::string> gone;
  const auto consider = [&](const std::string& path) {
    if (!scanned(path) && !under_failed_dir(path)) gone.push_back(path);
  };
  if (dir.empty()) {
    for (const auto& [path, entry] : files_) consider(path);
  } else {
    if (files_.contains(dir)) consider(dir);
    const std::string prefix = dir + "/";
    for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix);
         ++it)
      consider(it->first);
  }
  for (const auto& path : gone) drop_path(path, update);

  std::vector<detail::FileToLoad> to_load;
  for (auto& file : scan.files) {
    const auto it = files_.find(file.relative);
    if (mode == RescanMode::kEveryFile || it == files_.end() ||
        it->second.signature != file.signature)
      to_load.push_back({std::move(file.relative), std::move(file.path)});
  }
  load_paths(to_load, update);
  for (auto& d : scan.diagnostics) update.diagnostics.push_back(std::move(d));
}

void ArticleSet::rescan_into(RescanMode mode, Update& update) {
  std::error_code ec;
  if (!fs::is_directory(options_.root, ec)) {
    update.diagnostics.push_back({".", 0,
                                  "the store directory '" + options_.root.string() +
                                      "' does not exist or is not a directory"});
    return;
  }
  reconcile_tree("", detail::scan_tree(options_.root, ""), mode, update);
}

StoreChanges ArticleSet::finish(Update& update, bool collect_upserts) {
  StoreChanges changes;
  for (auto& [id, before] : update.before) {
    const auto o = owners_.find(id);
    const Entry* now = winner(id);
    const core::Article* after = now ? now->article.get() : nullptr;
    if (before.article) adjust(counts_, *before.article, -1);
    if (after) adjust(counts_, *after, +1);
    if (!after) {
      if (before.article) changes.removed_ids.push_back(id);
    } else if (!before.article ||
               (before.article.get() != after && *before.article != *after)) {
      if (collect_upserts) changes.upserts.push_back(*after);
    }
    if (o == owners_.end() || o->second.size() < 2) continue;
    // Report a duplicate when its file was read now, or when it just lost the id to another.
    const std::string& holder = *o->second.begin();
    for (auto p = std::next(o->second.begin()); p != o->second.end(); ++p) {
      if (!update.read_paths.contains(*p) && *p != before.path) continue;
      update.diagnostics.push_back({*p, files_.at(*p).id_line,
                                    "duplicate id '" + id + "': already used by " + holder +
                                        "; this file is skipped"});
    }
  }
  changes.diagnostics = std::move(update.diagnostics);
  std::stable_sort(changes.diagnostics.begin(), changes.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.file != b.file) return a.file < b.file;
                     return a.line < b.line;
                   });
  return changes;
}

StoreChanges ArticleSet::rescan(RescanMode mode) {
  Update update;
  try {
    rescan_into(mode, update);
  } catch (const std::exception& e) {
    update.diagnostics.push_back({".", 0, std::string("cannot rescan the store: ") + e.what()});
  }
  return finish(update, true);
}

StoreChanges ArticleSet::apply(std::span<const FileEvent> events) {
  Update update;
  try {
    // Net effect first: a tree removal cancels the earlier events under it; for each file only
    // its last event counts (the file is read now, not when the event happened).
    std::vector<std::string> removed_trees;
    std::map<std::string, FileEventKind> last;
    for (const FileEvent& ev : events) {
      if (!is_safe_relative(ev.path)) continue;
      if (ev.kind == FileEventKind::kTreeRemoved) {
        std::erase_if(last, [&](const auto& kv) { return detail::is_within(kv.first, ev.path); });
        removed_trees.push_back(ev.path);
      } else {
        last[ev.path] = ev.kind;
      }
    }
    for (const std::string& dir : removed_trees) {
      std::vector<std::string> gone;
      if (files_.contains(dir)) gone.push_back(dir);
      const std::string prefix = dir + "/";
      for (auto it = files_.lower_bound(prefix);
           it != files_.end() && it->first.starts_with(prefix); ++it)
        gone.push_back(it->first);
      for (const auto& path : gone) drop_path(path, update);
    }
    std::vector<detail::FileToLoad> to_load;
    for (const auto& [path, kind] : last) {
      if (kind == FileEventKind::kRemoved) {
        drop_path(path, update);
        continue;
      }
      if (!has_no_ignored_component(path)) continue;
      if (DirectoryStore::is_article_file(path)) {
        to_load.push_back({path, options_.root / path});
        continue;
      }
      struct stat st {};
      const fs::path full = options_.root / path;
      if (::stat(full.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        reconcile_tree(path, detail::scan_tree(options_.root, path), RescanMode::kChangedFiles,
                       update);
    }
    load_paths(to_load, update);
  } catch (const std::exception& e) {
    update.diagnostics.push_back({".", 0, std::string("cannot apply store changes: ") + e.what()});
  }
  return finish(update, true);
}

LoadResult ArticleSet::load(DirectoryStoreOptions options, const ArticleParser& parser) {
  LoadResult result;
  ArticleSet set(std::move(options), parser);
  Update update;
  try {
    set.rescan_into(RescanMode::kEveryFile, update);
  } catch (const std::exception& e) {
    update.diagnostics.push_back({".", 0, std::string("cannot load the store: ") + e.what()});
  }
  result.diagnostics = set.finish(update, false).diagnostics;
  // The set is thrown away: move the articles out instead of copying them.
  result.articles.reserve(set.owners_.size());
  for (const auto& [id, paths] : set.owners_) {
    Entry& e = set.files_.at(*paths.begin());
    result.articles.push_back(std::move(*e.article));
  }
  return result;
}

}  // namespace syndicated::store
