#include "store/article_set.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/directory_store.hpp"
#include "temp_dir.hpp"

namespace syndicated::store {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TempDir;

std::string article(const std::string& id, const std::string& title = "A good article",
                    const std::string& status = "published") {
  return "+++\nid = \"" + id + "\"\ntitle = \"" + title +
         "\"\npublished = 2026-04-01T09:00:00+04:00\nstatus = \"" + status + "\"\n+++\nBody.\n";
}

std::vector<std::string> ids(const std::vector<core::Article>& articles) {
  std::vector<std::string> out;
  for (const auto& a : articles) out.push_back(a.id);
  return out;
}

std::string dump(const StoreChanges& c) {
  std::string out;
  for (const auto& d : c.diagnostics) out += d.to_string() + "\n";
  return out;
}

FileEvent changed(std::string path) { return {std::move(path), FileEventKind::kChanged}; }
FileEvent removed(std::string path) { return {std::move(path), FileEventKind::kRemoved}; }
FileEvent tree_removed(std::string path) { return {std::move(path), FileEventKind::kTreeRemoved}; }

class ArticleSetTest : public ::testing::Test {
 protected:
  ArticleSetTest() : parser_(ParserOptions{}), set_(options(), parser_) {}

  DirectoryStoreOptions options() const {
    DirectoryStoreOptions o{dir_.path()};
    o.threads = 2;
    return o;
  }
  StoreChanges apply(std::vector<FileEvent> events) { return set_.apply(events); }
  // What a fresh load of the store gives: an ArticleSet kept up to date must agree with it.
  std::vector<core::Article> fresh() { return DirectoryStore(options(), parser_).load_all().articles; }

  TempDir dir_;
  ArticleParser parser_;
  ArticleSet set_;
};

TEST_F(ArticleSetTest, FirstRescanUpsertsEverythingAndAnUnchangedRescanChangesNothing) {
  dir_.write("a.md", article("a"));
  dir_.write("sec/b.md", article("b"));
  dir_.write("sec/deep/c.json",
             R"({"id": "c", "title": "J", "published": "2026-01-01T00:00:00Z"})");
  const StoreChanges first = set_.rescan();
  EXPECT_EQ(ids(first.upserts), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_THAT(first.removed_ids, IsEmpty());
  EXPECT_THAT(first.diagnostics, IsEmpty()) << dump(first);
  EXPECT_EQ(set_.size(), 3u);
  ASSERT_NE(set_.find("b"), nullptr);
  EXPECT_EQ(set_.find("b")->source, "sec/b.md");
  EXPECT_EQ(set_.find("zzz"), nullptr);

  const StoreChanges again = set_.rescan();
  EXPECT_TRUE(again.unchanged());
  EXPECT_THAT(again.diagnostics, IsEmpty());
  // Reading every file again finds the same articles: still nothing.
  const StoreChanges reread = set_.rescan(RescanMode::kEveryFile);
  EXPECT_TRUE(reread.unchanged());
  EXPECT_EQ(set_.articles(), fresh());
}

TEST_F(ArticleSetTest, AnEditIsOneUpsertAndARewriteOfTheSameBytesIsNone) {
  dir_.write("a.md", article("a"));
  dir_.write("b.md", article("b"));
  (void)set_.rescan();

  dir_.write("a.md", article("a", "A new title"));
  const StoreChanges edit = apply({changed("a.md")});
  ASSERT_EQ(edit.upserts.size(), 1u);
  EXPECT_EQ(edit.upserts[0].id, "a");
  EXPECT_EQ(edit.upserts[0].title, "A new title");
  EXPECT_THAT(edit.removed_ids, IsEmpty());
  EXPECT_EQ(set_.find("a")->title, "A new title");

  dir_.write("b.md", article("b"));  // saved again, unchanged
  EXPECT_TRUE(apply({changed("b.md")}).unchanged());
  EXPECT_TRUE(set_.rescan().unchanged());
  EXPECT_EQ(set_.articles(), fresh());
}

TEST_F(ArticleSetTest, ABrokenNewVersionKeepsTheLastGoodOneAndIsReportedOnce) {
  dir_.write("a.md", article("a", "Good"));
  (void)set_.rescan();

  dir_.write("a.md", "+++\nid = \"a\"\ntitle = \"Half-sa");  // saved half-way
  const StoreChanges broken = apply({changed("a.md")});
  EXPECT_TRUE(broken.unchanged());
  ASSERT_EQ(broken.diagnostics.size(), 1u);
  EXPECT_EQ(broken.diagnostics[0].file, "a.md");
  EXPECT_THAT(broken.diagnostics[0].message, HasSubstr("the last good version stays in the feeds"));
  ASSERT_NE(set_.find("a"), nullptr);
  EXPECT_EQ(set_.find("a")->title, "Good");
  EXPECT_EQ(set_.counts().broken_files, 1u);

  // The periodic rescan does not report the same broken version again, nor drop the article.
  const StoreChanges rescan = set_.rescan();
  EXPECT_TRUE(rescan.unchanged());
  EXPECT_THAT(rescan.diagnostics, IsEmpty()) << dump(rescan);

  // A typo in a field name: the same.
  dir_.write("a.md", "+++\nid = \"a\"\ntitel = \"Typo\"\npublished = 2026-04-01T09:00:00Z\n+++\n");
  const StoreChanges typo = apply({changed("a.md")});
  EXPECT_TRUE(typo.unchanged());
  ASSERT_EQ(typo.diagnostics.size(), 1u);
  EXPECT_THAT(typo.diagnostics[0].message, HasSubstr("unknown field 'titel'"));
  EXPECT_EQ(set_.find("a")->title, "Good");

  dir_.write("a.md", article("a", "Fixed"));
  const StoreChanges fixed = apply({changed("a.md")});
  ASSERT_EQ(fixed.upserts.size(), 1u);
  EXPECT_EQ(fixed.upserts[0].title, "Fixed");
  EXPECT_THAT(fixed.diagnostics, IsEmpty());
  EXPECT_EQ(set_.counts().broken_files, 0u);
}

TEST_F(ArticleSetTest, AFileThatWasNeverGoodIsOnlyADiagnostic) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  dir_.write("new.md", "+++\nid = \"new\"\n");  // a half-written new file
  const StoreChanges c = apply({changed("new.md")});
  EXPECT_TRUE(c.unchanged());
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_EQ(c.diagnostics[0].file, "new.md");
  EXPECT_THAT(c.diagnostics[0].message, ::testing::Not(HasSubstr("last good version")));
  EXPECT_EQ(set_.find("new"), nullptr);
  // Deleting it is silent.
  fs::remove(dir_.path() / "new.md");
  const StoreChanges gone = apply({removed("new.md")});
  EXPECT_TRUE(gone.unchanged());
  EXPECT_THAT(gone.diagnostics, IsEmpty());
  EXPECT_EQ(set_.counts().broken_files, 0u);
}

TEST_F(ArticleSetTest, DeletionRemovesTheIdByEventAndByRescan) {
  dir_.write("a.md", article("a"));
  dir_.write("b.md", article("b"));
  dir_.write("c.md", article("c"));
  (void)set_.rescan();

  fs::remove(dir_.path() / "a.md");
  const StoreChanges by_event = apply({removed("a.md")});
  EXPECT_THAT(by_event.removed_ids, ElementsAre("a"));
  EXPECT_THAT(by_event.upserts, IsEmpty());

  fs::remove(dir_.path() / "b.md");  // no event: the safety net finds it
  const StoreChanges by_rescan = set_.rescan();
  EXPECT_THAT(by_rescan.removed_ids, ElementsAre("b"));
  EXPECT_EQ(set_.size(), 1u);
  EXPECT_EQ(set_.articles(), fresh());
}

TEST_F(ArticleSetTest, AChangedEventForAFileThatIsGoneRemovesIt) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  fs::remove(dir_.path() / "a.md");
  const StoreChanges c = apply({changed("a.md")});
  EXPECT_THAT(c.removed_ids, ElementsAre("a"));
  EXPECT_THAT(c.diagnostics, IsEmpty());
}

TEST_F(ArticleSetTest, RetractionIsAnUpsertWithTheNewStatus) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  EXPECT_EQ(set_.counts().published, 1u);
  dir_.write("a.md", article("a", "A good article", "retracted"));
  const StoreChanges c = apply({changed("a.md")});
  ASSERT_EQ(c.upserts.size(), 1u);
  EXPECT_EQ(c.upserts[0].status, core::ArticleStatus::kRetracted);
  const ArticleCounts counts = set_.counts();
  EXPECT_EQ(counts.published, 0u);
  EXPECT_EQ(counts.retracted, 1u);
}

TEST_F(ArticleSetTest, DuplicateIdsFirstPathHoldsItAndTheNextTakesOver) {
  dir_.write("b/second.md", article("same", "Second"));
  dir_.write("a/first.md", article("same", "First"));
  const StoreChanges first = set_.rescan();
  ASSERT_EQ(first.upserts.size(), 1u);
  EXPECT_EQ(first.upserts[0].source, "a/first.md");
  ASSERT_EQ(first.diagnostics.size(), 1u) << dump(first);
  EXPECT_EQ(first.diagnostics[0].file, "b/second.md");
  EXPECT_EQ(first.diagnostics[0].line, 2);
  EXPECT_THAT(first.diagnostics[0].message, HasSubstr("already used by a/first.md"));

  // The holder goes: the next file's article takes over (an upsert, not a removal).
  fs::remove(dir_.path() / "a/first.md");
  const StoreChanges handover = apply({removed("a/first.md")});
  EXPECT_THAT(handover.removed_ids, IsEmpty());
  ASSERT_EQ(handover.upserts.size(), 1u);
  EXPECT_EQ(handover.upserts[0].title, "Second");
  EXPECT_EQ(handover.upserts[0].source, "b/second.md");
  EXPECT_THAT(handover.diagnostics, IsEmpty());

  // A file earlier in path order claims the id: it wins, and the demoted file is reported.
  dir_.write("0.md", article("same", "Zero"));
  const StoreChanges steal = apply({changed("0.md")});
  ASSERT_EQ(steal.upserts.size(), 1u);
  EXPECT_EQ(steal.upserts[0].source, "0.md");
  ASSERT_EQ(steal.diagnostics.size(), 1u) << dump(steal);
  EXPECT_EQ(steal.diagnostics[0].file, "b/second.md");
  EXPECT_EQ(set_.articles(), fresh());

  // A duplicate edited is reported again (it was read), and changes nothing.
  dir_.write("b/second.md", article("same", "Second, edited"));
  const StoreChanges edited = apply({changed("b/second.md")});
  EXPECT_TRUE(edited.unchanged());
  ASSERT_EQ(edited.diagnostics.size(), 1u);
  EXPECT_THAT(edited.diagnostics[0].message, HasSubstr("already used by 0.md"));

  // Both go: the id goes.
  fs::remove(dir_.path() / "0.md");
  fs::remove(dir_.path() / "b/second.md");
  const StoreChanges both = apply({removed("0.md"), removed("b/second.md")});
  EXPECT_THAT(both.removed_ids, ElementsAre("same"));
  EXPECT_THAT(both.upserts, IsEmpty());
}

TEST_F(ArticleSetTest, AnIdChangeRemovesTheOldIdAndUpsertsTheNewOne) {
  dir_.write("a.md", article("old-id"));
  (void)set_.rescan();
  dir_.write("a.md", article("new-id"));
  const StoreChanges c = apply({changed("a.md")});
  EXPECT_THAT(c.removed_ids, ElementsAre("old-id"));
  EXPECT_EQ(ids(c.upserts), (std::vector<std::string>{"new-id"}));
  EXPECT_EQ(set_.find("old-id"), nullptr);
}

TEST_F(ArticleSetTest, ARenameWithinTheStoreNetsOutToOneUpsertOfTheSource) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  fs::rename(dir_.path() / "a.md", dir_.path() / "b.md");
  const StoreChanges c = apply({removed("a.md"), changed("b.md")});
  EXPECT_THAT(c.removed_ids, IsEmpty());
  ASSERT_EQ(c.upserts.size(), 1u);
  EXPECT_EQ(c.upserts[0].source, "b.md");

  // Removed and written again within one window (vim's backup dance): nothing changed.
  fs::rename(dir_.path() / "b.md", dir_.path() / "b.md~");
  dir_.write("b.md", article("a"));
  EXPECT_TRUE(apply({removed("b.md"), changed("b.md")}).unchanged());
}

TEST_F(ArticleSetTest, ATreeRemovalForgetsOnlyThatTree) {
  dir_.write("sec/a.md", article("a"));
  dir_.write("sec/deep/b.md", article("b"));
  dir_.write("sec-other/c.md", article("c"));  // sorts between "sec" and "sec/"
  dir_.write("secret.md", article("d"));
  (void)set_.rescan();
  fs::rename(dir_.path() / "sec", dir_.path().parent_path() / (dir_.path().filename().string() + "-moved"));
  const StoreChanges c = apply({tree_removed("sec")});
  EXPECT_THAT(c.removed_ids, ElementsAre("a", "b"));
  EXPECT_THAT(c.upserts, IsEmpty());
  EXPECT_EQ(ids(set_.articles()), (std::vector<std::string>{"c", "d"}));
  fs::remove_all(dir_.path().parent_path() / (dir_.path().filename().string() + "-moved"));
}

TEST_F(ArticleSetTest, ATreeRemovalCancelsEarlierEventsUnderItButNotLaterOnes) {
  dir_.write("sec/a.md", article("a"));
  (void)set_.rescan();
  fs::remove_all(dir_.path() / "sec");
  dir_.write("sec/b.md", article("b"));  // the directory came back with another file
  const StoreChanges c =
      apply({changed("sec/a.md"), tree_removed("sec"), changed("sec/b.md")});
  EXPECT_THAT(c.removed_ids, ElementsAre("a"));
  EXPECT_EQ(ids(c.upserts), (std::vector<std::string>{"b"}));
}

TEST_F(ArticleSetTest, AChangedDirectoryIsReconciledAlone) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  dir_.write("new/one.md", article("one"));
  dir_.write("new/deeper/two.md", article("two"));
  dir_.write("b.md", article("b"));  // outside the subtree: not read
  const StoreChanges c = apply({changed("new")});
  EXPECT_EQ(ids(c.upserts), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(set_.find("b"), nullptr);
}

TEST_F(ArticleSetTest, IgnoredAndUnsafePathsAreIgnored) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  dir_.write(".a.md.swp", article("swap"));
  dir_.write("a.md~", article("backup"));
  dir_.write(".hidden/x.md", article("hidden"));
  dir_.write("notes.txt", "x");
  const StoreChanges c = apply({changed(".a.md.swp"), changed("a.md~"), changed(".hidden/x.md"),
                                changed(".hidden"), changed("notes.txt"), changed("../a.md"),
                                changed("/etc/passwd"), changed(""), removed("../a.md")});
  EXPECT_TRUE(c.unchanged());
  EXPECT_THAT(c.diagnostics, IsEmpty()) << dump(c);
  EXPECT_EQ(set_.size(), 1u);
}

TEST_F(ArticleSetTest, ABurstIsReadInOneCallAndAgreesWithAFreshLoad) {
  (void)set_.rescan();
  std::vector<FileEvent> events;
  for (int i = 0; i < 300; ++i) {
    const std::string path = "s" + std::to_string(i % 7) + "/a-" + std::to_string(i) + ".md";
    dir_.write(path, article("id-" + std::to_string(i)));
    events.push_back(changed(path));
  }
  const StoreChanges c = apply(events);
  EXPECT_EQ(c.upserts.size(), 300u);
  EXPECT_EQ(set_.articles(), fresh());
  EXPECT_TRUE(set_.rescan().unchanged());
}

TEST_F(ArticleSetTest, AMissingRootChangesNothing) {
  dir_.write("a.md", article("a"));
  (void)set_.rescan();
  const fs::path moved = dir_.path().string() + "-away";
  fs::rename(dir_.path(), moved);
  const StoreChanges c = set_.rescan();
  EXPECT_TRUE(c.unchanged());
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_THAT(c.diagnostics[0].message, HasSubstr("does not exist"));
  EXPECT_EQ(set_.size(), 1u);
  fs::rename(moved, dir_.path());
}

TEST_F(ArticleSetTest, AnUnreadableSubdirectoryKeepsItsArticles) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every directory";
  dir_.write("sec/a.md", article("a"));
  dir_.write("b.md", article("b"));
  (void)set_.rescan();
  ::chmod((dir_.path() / "sec").c_str(), 0);
  const StoreChanges c = set_.rescan();
  ::chmod((dir_.path() / "sec").c_str(), 0755);
  EXPECT_TRUE(c.unchanged());
  ASSERT_EQ(c.diagnostics.size(), 1u);
  EXPECT_THAT(c.diagnostics[0].message, HasSubstr("cannot"));
}

}  // namespace
}  // namespace syndicated::store
