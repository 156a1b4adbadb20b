#include "store/directory_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace syndicated::store {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

const std::filesystem::path kBrokenDir =
    std::filesystem::path(SYNDICATED_SOURCE_DIR) / "tests/unit/store/data/broken";

constexpr char kGood[] = R"(+++
id = "%ID%"
title = "A good article"
published = 2026-04-01T09:00:00+04:00
+++
Body.
)";

std::string good(const std::string& id) {
  std::string s = kGood;
  s.replace(s.find("%ID%"), 4, id);
  return s;
}

std::vector<std::string> ids(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& a : r.articles) out.push_back(a.id);
  return out;
}

std::string dump(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.to_string() + "\n";
  return out;
}

struct Expected {
  const char* file;
  int line;
  const char* fragment;
};

// Every deliberately broken file of tests/unit/store/data/broken/ and what it must report.
const Expected kBrokenCases[] = {
    {"bad-date.md", 4, "'published' is not an RFC 3339 date-time: "},
    {"bad-status.md", 5, "'status' must be one of published, draft, retracted (got 'publshed')"},
    {"duplicate-b.json", 4, "duplicate id 'broken-duplicate': already used by duplicate-a.md"},
    {"empty.md", 0, "the file is empty"},
    {"invalid-utf8.md", 3, "not valid UTF-8 (byte 0x80 at column 19)"},
    {"json-syntax.json", 4, "JSON syntax error"},
    {"local-date-time.md", 5, "'published' has no UTC offset"},
    {"missing-id.md", 1, "missing required field 'id'"},
    {"missing-published.json", 1, "missing required field 'published'"},
    {"no-front-matter.md", 1, "must start with a '+++' line"},
    {"not-an-object.json", 1, "must be a JSON object"},
    {"toml-syntax.md", 4, "TOML syntax error"},
    {"unclosed-front-matter.md", 1, "never closed"},
    {"unknown-field.md", 4, "unknown field 'catgories' (did you mean 'categories'?)"},
    {"updated-before-published.md", 5, "'updated' (2026-04-01T09:00:00+04:00) is before 'published'"},
    {"wrong-type-tags.json", 4, "'tags' must be an array of strings, not an integer"},
    {"wrong-type-title.md", 3, "'title' must be a string, not an integer"},
    {"wrong-type-width.json", 8, "'width' of image 1 must be a non-negative integer, not a string"},
};

TEST(DirectoryStore, EachBrokenFileGivesOneDiagnosticWithFileLineAndReason) {
  ArticleParser parser({});
  DirectoryStore store({kBrokenDir}, parser);
  const LoadResult r = store.load_all();

  EXPECT_EQ(ids(r), (std::vector<std::string>{"broken-duplicate", "broken-good"}));
  EXPECT_EQ(r.articles[0].source, "duplicate-a.md");
  ASSERT_EQ(r.diagnostics.size(), std::size(kBrokenCases)) << dump(r);
  for (std::size_t i = 0; i < std::size(kBrokenCases); ++i) {
    const Expected& e = kBrokenCases[i];
    const Diagnostic& d = r.diagnostics[i];
    SCOPED_TRACE(d.to_string());
    EXPECT_EQ(d.file, e.file);
    EXPECT_EQ(d.line, e.line);
    EXPECT_THAT(d.message, HasSubstr(e.fragment));
  }
}

TEST(DirectoryStore, DiagnosticToStringNamesFileAndLine) {
  EXPECT_EQ((Diagnostic{"politics/vote.md", 3, "missing required field 'id'"}.to_string()),
            "politics/vote.md:3: missing required field 'id'");
  EXPECT_EQ((Diagnostic{"empty.md", 0, "the file is empty"}.to_string()), "empty.md: the file is empty");
}

TEST(DirectoryStore, WalksRecursivelyAndSortsArticlesById) {
  TempDir dir;
  dir.write("z/deep/er/one.md", good("c-3"));
  dir.write("a.json", R"({"id": "b-2", "title": "J", "published": "2026-01-01T00:00:00Z"})");
  dir.write("m/two.md", good("a-1"));
  ArticleParser parser({});
  const LoadResult r = DirectoryStore({dir.path()}, parser).load_all();
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"a-1", "b-2", "c-3"}));
  EXPECT_EQ(r.articles[2].source, "z/deep/er/one.md");
}

TEST(DirectoryStore, IgnoresHiddenFilesEditorTemporariesAndOtherExtensions) {
  TempDir dir;
  dir.write("kept.md", good("kept"));
  dir.write(".hidden.md", good("hidden-file"));
  dir.write(".git/inside.md", good("hidden-dir"));
  dir.write("section/.drafts/x.md", good("hidden-subdir"));
  dir.write("kept.md~", "garbage");
  dir.write(".#kept.md", "garbage");
  dir.write("#kept.md#", "garbage");
  dir.write(".kept.md.swp", "garbage");
  dir.write("kept.md.swp", "garbage");
  dir.write("upload.tmp", "garbage");
  dir.write("notes.txt", "garbage");
  dir.write("photo.jpg", "\xFF\xD8\xFF");
  dir.write("README", "garbage");
  ArticleParser parser({});
  const LoadResult r = DirectoryStore({dir.path()}, parser).load_all();
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"kept"}));
}

TEST(DirectoryStore, IsArticleFile) {
  EXPECT_TRUE(DirectoryStore::is_article_file("politics/vote.md"));
  EXPECT_TRUE(DirectoryStore::is_article_file("vote.json"));
  EXPECT_TRUE(DirectoryStore::is_article_file("./2026/vote.md"));
  EXPECT_FALSE(DirectoryStore::is_article_file("vote.txt"));
  EXPECT_FALSE(DirectoryStore::is_article_file("vote.md~"));
  EXPECT_FALSE(DirectoryStore::is_article_file(".#vote.md"));
  EXPECT_FALSE(DirectoryStore::is_article_file("#vote.md#"));
  EXPECT_FALSE(DirectoryStore::is_article_file(".vote.md.swp"));
  EXPECT_FALSE(DirectoryStore::is_article_file("vote.tmp"));
  EXPECT_FALSE(DirectoryStore::is_article_file(".git/vote.md"));
  EXPECT_FALSE(DirectoryStore::is_article_file("a/.cache/vote.json"));
}

TEST(DirectoryStore, SkipsAFileOverTheSizeLimit) {
  TempDir dir;
  std::string huge = good("huge");
  huge += std::string(5000, 'x');
  dir.write("huge.md", huge);
  dir.write("small.md", good("small"));
  ArticleParser parser({});
  DirectoryStoreOptions options{dir.path()};
  options.max_file_bytes = 4096;
  const LoadResult r = DirectoryStore(options, parser).load_all();
  EXPECT_EQ(ids(r), (std::vector<std::string>{"small"}));
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].file, "huge.md");
  EXPECT_EQ(r.diagnostics[0].line, 0);
  EXPECT_THAT(r.diagnostics[0].message,
              HasSubstr("is " + std::to_string(huge.size()) + " bytes, over the limit of 4096 bytes"));
}

TEST(DirectoryStore, AnUnreadableFileIsADiagnostic) {
  TempDir dir;
  dir.write("ok.md", good("ok"));
  // A dangling symlink cannot be read whoever runs the test (root reads chmod 000 files).
  std::filesystem::create_symlink(dir.path() / "missing-target.md", dir.path() / "dangling.md");
  ArticleParser parser({});
  const LoadResult r = DirectoryStore({dir.path()}, parser).load_all();
  EXPECT_EQ(ids(r), (std::vector<std::string>{"ok"}));
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].file, "dangling.md");
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("cannot read the file"));
}

TEST(DirectoryStore, DuplicateIdKeepsTheFirstFileInPathOrder) {
  TempDir dir;
  dir.write("b/second.md", good("same"));
  dir.write("a/first.md", good("same"));
  dir.write("c.md", good("other"));
  ArticleParser parser({});
  const LoadResult r = DirectoryStore({dir.path()}, parser).load_all();
  EXPECT_EQ(ids(r), (std::vector<std::string>{"other", "same"}));
  EXPECT_EQ(r.articles[1].source, "a/first.md");
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].file, "b/second.md");
  EXPECT_EQ(r.diagnostics[0].line, 2);
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("already used by a/first.md"));
}

TEST(DirectoryStore, SymlinkLoopsEndAndLinkedDirectoriesAreReadOnce) {
  TempDir dir;
  dir.write("real/one.md", good("one"));
  std::filesystem::create_directory_symlink(dir.path(), dir.path() / "real/loop");
  std::filesystem::create_directory_symlink(dir.path() / "real", dir.path() / "alias");
  ArticleParser parser({});
  const LoadResult r = DirectoryStore({dir.path()}, parser).load_all();
  // "alias" is visited first (sorted) and holds the only copy; "real" is the same directory.
  EXPECT_EQ(ids(r), (std::vector<std::string>{"one"}));
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
}

TEST(DirectoryStore, MissingRootIsADiagnosticNotAThrow) {
  ArticleParser parser({});
  const LoadResult r =
      DirectoryStore({std::filesystem::path("/nonexistent/syndicated/store")}, parser).load_all();
  EXPECT_TRUE(r.articles.empty());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("does not exist"));
}

TEST(DirectoryStore, ManyFilesLoadInParallelDeterministically) {
  TempDir dir;
  for (int i = 0; i < 300; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "s%02d/article-%04d.md", i % 7, i);
    dir.write(name, good("id-" + std::to_string(1000 + i)));
  }
  dir.write("s00/bad.md", "+++\nid = \"x\"\n");
  ArticleParser parser({});
  DirectoryStoreOptions one{dir.path()};
  one.threads = 1;
  DirectoryStoreOptions four{dir.path()};
  four.threads = 4;
  const LoadResult a = DirectoryStore(one, parser).load_all();
  const LoadResult b = DirectoryStore(four, parser).load_all();
  EXPECT_EQ(a.articles.size(), 300u);
  EXPECT_EQ(a.articles, b.articles);
  ASSERT_EQ(b.diagnostics.size(), 1u);
  EXPECT_EQ(b.diagnostics[0].file, "s00/bad.md");
  EXPECT_TRUE(std::is_sorted(a.articles.begin(), a.articles.end(),
                             [](const auto& x, const auto& y) { return x.id < y.id; }));
}

}  // namespace
}  // namespace syndicated::store
