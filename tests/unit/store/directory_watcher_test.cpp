#include "store/directory_watcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "store/article_set.hpp"
#include "store/directory_store.hpp"
#include "temp_dir.hpp"

namespace syndicated::store {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TempDir;

FileEvent changed(std::string path) { return {std::move(path), FileEventKind::kChanged}; }
FileEvent removed(std::string path) { return {std::move(path), FileEventKind::kRemoved}; }
FileEvent tree_removed(std::string path) { return {std::move(path), FileEventKind::kTreeRemoved}; }

std::string article(const std::string& id, const std::string& title = "Title") {
  return "+++\nid = \"" + id + "\"\ntitle = \"" + title +
         "\"\npublished = 2026-04-01T09:00:00+04:00\n+++\nBody.\n";
}

void write_file(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

std::string dump(const std::vector<FileEvent>& events) {
  std::string out;
  for (const auto& e : events) out += std::string(to_string(e.kind)) + " " + e.path + "\n";
  return out;
}

// Everything the watcher reports, gathered over several read() calls (as the daemon's debounce
// window would).
struct Seen {
  std::vector<FileEvent> events;
  bool overflow = false;
  bool root_lost = false;
  std::vector<Diagnostic> diagnostics;

  bool has(const FileEvent& e) const {
    return std::find(events.begin(), events.end(), e) != events.end();
  }
};

// Polls the watcher's descriptor (never sleeps blindly) until `done` holds or `timeout_ms` pass.
Seen collect(DirectoryWatcher& w, const std::function<bool(const Seen&)>& done,
             int timeout_ms = 5000) {
  Seen seen;
  constexpr int kStepMs = 20;
  for (int waited = 0; waited < timeout_ms && !done(seen); waited += kStepMs) {
    pollfd p{w.fd(), POLLIN, 0};
    if (::poll(&p, 1, kStepMs) <= 0) continue;
    WatchBatch b = w.read();
    seen.events.insert(seen.events.end(), b.events.begin(), b.events.end());
    seen.overflow |= b.overflow;
    seen.root_lost |= b.root_lost;
    seen.diagnostics.insert(seen.diagnostics.end(), b.diagnostics.begin(), b.diagnostics.end());
  }
  return seen;
}

Seen collect_for(DirectoryWatcher& w, int ms) {
  return collect(w, [](const Seen&) { return false; }, ms);
}

Seen collect_until_has(DirectoryWatcher& w, const FileEvent& e) {
  return collect(w, [&](const Seen& s) { return s.has(e); });
}

class DirectoryWatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<DirectoryWatcher> open_watcher() {
    auto w = DirectoryWatcher::open(dir_.path());
    if (!w) ADD_FAILURE() << w.error().to_string();
    return w ? std::move(w).value() : nullptr;
  }
  fs::path outside(const std::string& name) const {
    return dir_.path().parent_path() / (dir_.path().filename().string() + "-" + name);
  }

  TempDir dir_;
  TempDir elsewhere_;  // outside the store: where files are moved out to and in from
};

TEST(DirectoryWatcher, OpenFailsForAMissingRootNamingIt) {
  auto w = DirectoryWatcher::open("/nonexistent/syndicated/store");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().where, "/nonexistent/syndicated/store");
  EXPECT_THAT(w.error().message, HasSubstr("No such file or directory"));
}

TEST_F(DirectoryWatcherTest, WatchesTheTreeButNotHiddenDirectories) {
  fs::create_directories(dir_.path() / "a/b/c");
  fs::create_directories(dir_.path() / "d");
  fs::create_directories(dir_.path() / ".git/objects");
  fs::create_directories(dir_.path() / "a/.drafts");
  auto w = open_watcher();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->watched_directories(), 5u);  // "", a, a/b, a/b/c, d
  EXPECT_GE(w->watch_descriptor("a/b/c"), 0);
  EXPECT_EQ(w->watch_descriptor(".git"), -1);
  EXPECT_THAT(w->startup_diagnostics(), IsEmpty());
  EXPECT_TRUE(w->read().empty());  // nothing happened yet; never blocks
}

TEST_F(DirectoryWatcherTest, ACreatedFileIsReportedWhenClosed) {
  fs::create_directories(dir_.path() / "sec");
  auto w = open_watcher();
  write_file(dir_.path() / "sec/new.md", article("new"));
  const Seen s = collect_until_has(*w, changed("sec/new.md"));
  EXPECT_THAT(s.events, ElementsAre(changed("sec/new.md"))) << dump(s.events);
}

TEST_F(DirectoryWatcherTest, AnInPlaceWriteIsReportedOnlyWhenTheFileIsClosed) {
  write_file(dir_.path() / "a.md", article("a"));
  auto w = open_watcher();
  const std::string bytes = article("a", "Edited in place");
  const int fd = ::open((dir_.path() / "a.md").c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), 10), 10);  // half-written, still open
  ::fsync(fd);
  EXPECT_THAT(collect_for(*w, 300).events, IsEmpty());
  ASSERT_EQ(::write(fd, bytes.data() + 10, bytes.size() - 10),
            static_cast<ssize_t>(bytes.size() - 10));
  EXPECT_THAT(collect_for(*w, 100).events, IsEmpty());
  ::close(fd);
  const Seen s = collect_until_has(*w, changed("a.md"));
  EXPECT_THAT(s.events, ElementsAre(changed("a.md"))) << dump(s.events);
}

TEST_F(DirectoryWatcherTest, ARenameIntoPlaceIsOneChangeAndTheTemporaryIsNeverSeen) {
  write_file(dir_.path() / "a.md", article("a"));
  auto w = open_watcher();
  // How editors and CMS exports save: a temporary next to the file, renamed over it.
  write_file(dir_.path() / ".a.md.tmp-1234", article("a", "New"));
  fs::rename(dir_.path() / ".a.md.tmp-1234", dir_.path() / "a.md");
  write_file(dir_.path() / "b.md.tmp", article("b"));
  fs::rename(dir_.path() / "b.md.tmp", dir_.path() / "b.md");
  // And from outside the store (same file system).
  write_file(elsewhere_.path() / "c.md", article("c"));
  fs::rename(elsewhere_.path() / "c.md", dir_.path() / "c.md");
  const Seen s = collect(*w, [](const Seen& x) { return x.events.size() >= 3; });
  std::set<std::string> paths;
  for (const auto& e : s.events) {
    EXPECT_EQ(e.kind, FileEventKind::kChanged) << dump(s.events);
    paths.insert(e.path);
  }
  EXPECT_EQ(paths, (std::set<std::string>{"a.md", "b.md", "c.md"})) << dump(s.events);
  EXPECT_THAT(collect_for(*w, 100).events, IsEmpty());
}

TEST_F(DirectoryWatcherTest, DeletionsAndMovesOutAreRemovals) {
  write_file(dir_.path() / "a.md", article("a"));
  write_file(dir_.path() / "b.json", "{}");
  auto w = open_watcher();
  fs::remove(dir_.path() / "a.md");
  fs::rename(dir_.path() / "b.json", elsewhere_.path() / "b.json");
  const Seen s = collect(*w, [](const Seen& x) { return x.events.size() >= 2; });
  EXPECT_THAT(s.events, ElementsAre(removed("a.md"), removed("b.json"))) << dump(s.events);
}

TEST_F(DirectoryWatcherTest, ADirectoryMovedOutIsOneTreeRemovalAndItsWatchesGo) {
  fs::create_directories(dir_.path() / "sec/deep");
  write_file(dir_.path() / "sec/deep/a.md", article("a"));
  auto w = open_watcher();
  ASSERT_EQ(w->watched_directories(), 3u);
  const fs::path away = elsewhere_.path() / "sec";
  fs::rename(dir_.path() / "sec", away);
  const Seen s = collect_until_has(*w, tree_removed("sec"));
  EXPECT_THAT(s.events, ElementsAre(tree_removed("sec"))) << dump(s.events);
  EXPECT_EQ(w->watched_directories(), 1u);
  // What happens there now is none of the store's business.
  write_file(away / "deep/b.md", article("b"));
  fs::remove(away / "deep/a.md");
  EXPECT_THAT(collect_for(*w, 200).events, IsEmpty());
}

TEST_F(DirectoryWatcherTest, ADeletedTreeIsOneTreeRemoval) {
  fs::create_directories(dir_.path() / "sec/deep");
  write_file(dir_.path() / "sec/deep/a.md", article("a"));
  write_file(dir_.path() / "sec/b.md", article("b"));
  write_file(dir_.path() / "keep.md", article("k"));
  auto w = open_watcher();
  fs::remove_all(dir_.path() / "sec");
  const Seen s = collect_until_has(*w, tree_removed("sec"));
  // Within one read the file removals under "sec" collapse into the tree removal; across reads
  // they may come first. Either way the tree removal is last.
  ASSERT_FALSE(s.events.empty());
  EXPECT_EQ(s.events.back(), tree_removed("sec")) << dump(s.events);
  EXPECT_EQ(w->watched_directories(), 1u);
}

TEST_F(DirectoryWatcherTest, ANewSubdirectoryIsWatched) {
  auto w = open_watcher();
  fs::create_directory(dir_.path() / "new");
  // Wait until the watcher has seen the directory, then write: the file's own event must come.
  (void)collect(*w, [&](const Seen&) { return w->watch_descriptor("new") >= 0; });
  ASSERT_GE(w->watch_descriptor("new"), 0);
  write_file(dir_.path() / "new/a.md", article("a"));
  const Seen s = collect_until_has(*w, changed("new/a.md"));
  EXPECT_TRUE(s.has(changed("new/a.md"))) << dump(s.events);
}

TEST_F(DirectoryWatcherTest, FilesWrittenIntoANewTreeBeforeItsWatchExistsAreReported) {
  auto w = open_watcher();
  // mkdir -p and files at once, before the watcher has read anything: the files land before the
  // watches exist, so only the listing of each new directory can find them.
  fs::create_directories(dir_.path() / "n1/n2/n3");
  write_file(dir_.path() / "n1/a.md", article("a"));
  write_file(dir_.path() / "n1/n2/b.md", article("b"));
  write_file(dir_.path() / "n1/n2/n3/c.md", article("c"));
  write_file(dir_.path() / "n1/n2/n3/.c.md.swp", "swap");
  const Seen s = collect(*w, [](const Seen& x) {
    return x.has(changed("n1/a.md")) && x.has(changed("n1/n2/b.md")) &&
           x.has(changed("n1/n2/n3/c.md"));
  });
  EXPECT_TRUE(s.has(changed("n1/a.md"))) << dump(s.events);
  EXPECT_TRUE(s.has(changed("n1/n2/b.md"))) << dump(s.events);
  EXPECT_TRUE(s.has(changed("n1/n2/n3/c.md"))) << dump(s.events);
  for (const auto& e : s.events) EXPECT_EQ(e.kind, FileEventKind::kChanged) << e.path;
  EXPECT_EQ(w->watched_directories(), 4u);
  // And the new directories are watched for what comes next.
  write_file(dir_.path() / "n1/n2/n3/d.md", article("d"));
  EXPECT_TRUE(collect_until_has(*w, changed("n1/n2/n3/d.md")).has(changed("n1/n2/n3/d.md")));
}

TEST_F(DirectoryWatcherTest, ADirectoryMovedInIsListedRecursively) {
  fs::create_directories(elsewhere_.path() / "batch/deep");
  write_file(elsewhere_.path() / "batch/a.md", article("a"));
  write_file(elsewhere_.path() / "batch/deep/b.json", "{}");
  write_file(elsewhere_.path() / "batch/deep/notes.txt", "x");
  auto w = open_watcher();
  fs::rename(elsewhere_.path() / "batch", dir_.path() / "batch");
  const Seen s = collect(*w, [](const Seen& x) { return x.events.size() >= 2; });
  EXPECT_THAT(s.events, ElementsAre(changed("batch/a.md"), changed("batch/deep/b.json")))
      << dump(s.events);
  EXPECT_EQ(w->watched_directories(), 3u);
}

TEST_F(DirectoryWatcherTest, ADirectoryRenamedWithinTheStoreMovesItsFiles) {
  fs::create_directories(dir_.path() / "old/deep");
  write_file(dir_.path() / "old/deep/a.md", article("a"));
  auto w = open_watcher();
  fs::rename(dir_.path() / "old", dir_.path() / "new");
  const Seen s = collect_until_has(*w, changed("new/deep/a.md"));
  EXPECT_THAT(s.events, ElementsAre(tree_removed("old"), changed("new/deep/a.md")))
      << dump(s.events);
  EXPECT_EQ(w->watch_descriptor("old"), -1);
  EXPECT_EQ(w->watch_descriptor("old/deep"), -1);
  write_file(dir_.path() / "new/deep/b.md", article("b"));
  const Seen after = collect_until_has(*w, changed("new/deep/b.md"));
  EXPECT_THAT(after.events, ElementsAre(changed("new/deep/b.md"))) << dump(after.events);
}

TEST_F(DirectoryWatcherTest, ABurstOfAThousandFilesIsSeenInFull) {
  fs::create_directories(dir_.path() / "burst");
  auto w = open_watcher();
  for (int i = 0; i < 1000; ++i)
    write_file(dir_.path() / ("burst/article-" + std::to_string(i) + ".md"), article(std::to_string(i)));
  std::set<std::string> paths;
  const Seen s = collect(*w, [&](const Seen& x) {
    for (const auto& e : x.events) paths.insert(e.path);
    return paths.size() >= 1000;
  });
  EXPECT_FALSE(s.overflow);
  EXPECT_EQ(paths.size(), 1000u);
  for (const auto& e : s.events) EXPECT_EQ(e.kind, FileEventKind::kChanged);
}

TEST_F(DirectoryWatcherTest, EditorSwapBackupAndHiddenFilesAreIgnored) {
  write_file(dir_.path() / "a.md", article("a"));
  auto w = open_watcher();
  write_file(dir_.path() / ".a.md.swp", "vim swap");
  write_file(dir_.path() / ".a.md.swx", "vim swap");
  write_file(dir_.path() / "a.md~", "backup");
  write_file(dir_.path() / "#a.md#", "emacs auto-save");
  fs::create_symlink("user@host.1234", dir_.path() / ".#a.md");  // emacs lock: a dangling link
  write_file(dir_.path() / "upload.tmp", "x");
  write_file(dir_.path() / ".hidden.md", article("h"));
  write_file(dir_.path() / "notes.txt", "x");
  fs::create_directories(dir_.path() / ".git/objects");
  write_file(dir_.path() / ".git/objects/x.md", "x");
  fs::remove(dir_.path() / ".a.md.swp");
  fs::rename(dir_.path() / "a.md~", dir_.path() / "b.md~");
  fs::remove_all(dir_.path() / ".git");
  EXPECT_THAT(collect_for(*w, 300).events, IsEmpty());
  EXPECT_EQ(w->watched_directories(), 1u);
}

TEST_F(DirectoryWatcherTest, VimsBackupDanceEndsAsAChange) {
  write_file(dir_.path() / "a.md", article("a"));
  auto w = open_watcher();
  // vim with 'backupcopy=no': rename the original to a backup, write a new file, drop the backup.
  fs::rename(dir_.path() / "a.md", dir_.path() / "a.md~");
  write_file(dir_.path() / "a.md", article("a", "Saved by vim"));
  fs::remove(dir_.path() / "a.md~");
  const Seen s = collect_until_has(*w, changed("a.md"));
  ASSERT_FALSE(s.events.empty());
  EXPECT_EQ(s.events.back(), changed("a.md")) << dump(s.events);
}

TEST_F(DirectoryWatcherTest, SymlinksAndHardLinksAreReportedWhenCreated) {
  write_file(elsewhere_.path() / "target.md", article("t"));
  write_file(dir_.path() / "orig.md", article("o"));
  auto w = open_watcher();
  fs::create_symlink(elsewhere_.path() / "target.md", dir_.path() / "link.md");
  fs::create_hard_link(dir_.path() / "orig.md", dir_.path() / "hard.md");
  const Seen s = collect(*w, [](const Seen& x) {
    return x.has(changed("link.md")) && x.has(changed("hard.md"));
  });
  EXPECT_TRUE(s.has(changed("link.md"))) << dump(s.events);
  EXPECT_TRUE(s.has(changed("hard.md"))) << dump(s.events);
}

TEST_F(DirectoryWatcherTest, TheKernelQueueOverflowingIsFlaggedAndWatchesAreRepaired) {
  const long max_queued = [] {
    std::ifstream in("/proc/sys/fs/inotify/max_queued_events");
    long v = 0;
    in >> v;
    return v;
  }();
  if (max_queued <= 0 || max_queued > 100000) GTEST_SKIP() << "max_queued_events=" << max_queued;
  fs::create_directories(dir_.path() / "moving/sub");
  auto w = open_watcher();
  // Two files closed after writing in turn: every IN_CLOSE_WRITE differs from the one before it,
  // so the kernel merges none of them; nobody reads meanwhile.
  for (long i = 0; i < max_queued + 100; ++i)
    write_file(dir_.path() / (i % 2 == 0 ? "a.md" : "b.md"), "x");
  fs::create_directories(dir_.path() / "late/deeper");  // its events are lost in the overflow
  fs::rename(dir_.path() / "moving", dir_.path() / "moved");  // and so are these
  const Seen s = collect(*w, [](const Seen& x) { return x.overflow; });
  EXPECT_TRUE(s.overflow);
  EXPECT_FALSE(s.root_lost);
  // The repair walked the tree: the directory whose creation was lost is watched.
  EXPECT_GE(w->watch_descriptor("late/deeper"), 0);
  EXPECT_GE(w->watch_descriptor("moved/sub"), 0);
  EXPECT_EQ(w->watch_descriptor("moving"), -1);
  EXPECT_EQ(w->watch_descriptor("moving/sub"), -1);
  (void)collect_for(*w, 100);
  write_file(dir_.path() / "late/deeper/a.md", article("a"));
  write_file(dir_.path() / "moved/sub/b.md", article("b"));
  const Seen after = collect(*w, [](const Seen& x) {
    return x.has(changed("late/deeper/a.md")) && x.has(changed("moved/sub/b.md"));
  });
  EXPECT_THAT(after.events, ElementsAre(changed("late/deeper/a.md"), changed("moved/sub/b.md")))
      << dump(after.events);
}

TEST_F(DirectoryWatcherTest, TheStoreDirectoryItselfGoingIsRootLost) {
  const fs::path root = dir_.path() / "store";
  fs::create_directories(root / "sec");
  auto opened = DirectoryWatcher::open(root);
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  auto& w = *opened.value();
  fs::rename(root, dir_.path() / "moved");
  const Seen s = collect(w, [](const Seen& x) { return x.root_lost; });
  EXPECT_TRUE(s.root_lost);
  EXPECT_EQ(w.watched_directories(), 0u);
}

// Synthetic buffers: the decoding and the handling without the kernel's timing.

std::vector<char> encode(const std::vector<InotifyEvent>& events) {
  std::vector<char> out;
  for (const auto& e : events) {
    struct inotify_event h {};
    h.wd = e.wd;
    h.mask = e.mask;
    h.cookie = e.cookie;
    // The kernel pads names with NULs to a multiple of the header's alignment.
    h.len = e.name.empty() ? 0 : static_cast<std::uint32_t>((e.name.size() + 1 + 15) / 16 * 16);
    const char* p = reinterpret_cast<const char*>(&h);
    out.insert(out.end(), p, p + sizeof h);
    std::string name = e.name;
    name.resize(h.len, '\0');
    out.insert(out.end(), name.begin(), name.end());
  }
  return out;
}

TEST(InotifyDecoding, DecodesEventsWithPaddedNamesAndDropsATruncatedTail) {
  const std::vector<InotifyEvent> in = {
      {1, IN_CLOSE_WRITE, 0, "a-rather-long-article-name.md"},
      {2, IN_MOVED_FROM | IN_ISDIR, 77, "sec"},
      {-1, IN_Q_OVERFLOW, 0, ""},
  };
  std::vector<char> bytes = encode(in);
  const auto out = decode_inotify_events(bytes);
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].wd, in[i].wd);
    EXPECT_EQ(out[i].mask, in[i].mask);
    EXPECT_EQ(out[i].cookie, in[i].cookie);
    EXPECT_EQ(out[i].name, in[i].name);
  }
  bytes.resize(bytes.size() - 3);  // the last header cut short
  EXPECT_EQ(decode_inotify_events(bytes).size(), 2u);
  bytes.resize(sizeof(struct inotify_event) + 4);  // the first name cut short
  EXPECT_TRUE(decode_inotify_events(bytes).empty());
  EXPECT_TRUE(decode_inotify_events({}).empty());
}

TEST_F(DirectoryWatcherTest, ASyntheticOverflowIsFlaggedAndDropsTheBatch) {
  auto w = open_watcher();
  const int root = w->watch_descriptor("");
  const WatchBatch b = w->process(encode({{root, IN_CLOSE_WRITE, 0, "a.md"},
                                          {-1, IN_Q_OVERFLOW, 0, ""}}));
  EXPECT_TRUE(b.overflow);
  EXPECT_THAT(b.events, IsEmpty());  // the daemon rescans instead
  EXPECT_FALSE(b.root_lost);
  EXPECT_EQ(w->watched_directories(), 1u);
}

TEST_F(DirectoryWatcherTest, SyntheticEventsCoalescePerPathAndUnderTreeRemovals) {
  fs::create_directories(dir_.path() / "sec");
  auto w = open_watcher();
  const int root = w->watch_descriptor("");
  const int sec = w->watch_descriptor("sec");
  const WatchBatch b = w->process(encode({
      {root, IN_CLOSE_WRITE, 0, "a.md"},
      {sec, IN_CLOSE_WRITE, 0, "x.md"},
      {root, IN_CLOSE_WRITE, 0, "b.md"},
      {root, IN_DELETE, 0, "a.md"},           // changed then removed: removed
      {root, IN_DELETE, 0, "c.md"},
      {root, IN_MOVED_TO, 5, "c.md"},         // removed then changed: changed
      {root, IN_CLOSE_WRITE, 0, "b.md"},      // twice: once, at its last place
      {root, IN_CLOSE_WRITE, 0, "b.md.swp"},  // ignored
      {root, IN_CREATE, 0, "d.md"},           // created, not yet closed: nothing
      {root, IN_DELETE | IN_ISDIR, 0, "sec"},  // drops sec/x.md
      {sec, IN_CLOSE_WRITE, 0, "late.md"},    // a late event of a dropped watch: ignored
      {12345, IN_CLOSE_WRITE, 0, "who.md"},   // an unknown watch: ignored
  }));
  EXPECT_FALSE(b.overflow);
  EXPECT_THAT(b.events, ElementsAre(removed("a.md"), changed("c.md"), changed("b.md"),
                                    tree_removed("sec")))
      << dump(b.events);
  EXPECT_EQ(w->watch_descriptor("sec"), -1);
}

// The watcher and the set together, as the daemon will drive them: after every change, applying
// the events gives what a fresh load of the store gives.
TEST_F(DirectoryWatcherTest, EventsAppliedToAnArticleSetKeepItEqualToAFreshLoad) {
  ArticleParser parser({});
  DirectoryStoreOptions options{dir_.path()};
  options.threads = 2;
  write_file(dir_.path() / "a.md", article("a"));
  fs::create_directories(dir_.path() / "sec");
  write_file(dir_.path() / "sec/b.md", article("b"));
  auto w = open_watcher();
  ArticleSet set(options, parser);
  (void)set.rescan();

  const auto settle_and_check = [&](const FileEvent& last, const char* step) {
    SCOPED_TRACE(step);
    const Seen s = collect_until_has(*w, last);
    ASSERT_TRUE(s.has(last)) << dump(s.events);
    (void)set.apply(s.events);
    EXPECT_EQ(set.articles(), DirectoryStore(options, parser).load_all().articles);
  };

  write_file(dir_.path() / "c.md", article("c"));
  settle_and_check(changed("c.md"), "create");
  write_file(dir_.path() / "a.md", article("a", "Edited"));
  settle_and_check(changed("a.md"), "edit");
  write_file(elsewhere_.path() / "d.md", article("d"));
  fs::rename(elsewhere_.path() / "d.md", dir_.path() / "sec/d.md");
  settle_and_check(changed("sec/d.md"), "move in");
  fs::rename(dir_.path() / "sec", dir_.path() / "section");
  settle_and_check(changed("section/d.md"), "directory renamed");
  fs::remove(dir_.path() / "c.md");
  settle_and_check(removed("c.md"), "delete");
  fs::rename(dir_.path() / "section", elsewhere_.path() / "section");
  settle_and_check(tree_removed("section"), "tree moved out");
  EXPECT_EQ(set.size(), 1u);
  EXPECT_TRUE(set.rescan().unchanged());
}

}  // namespace
}  // namespace syndicated::store
