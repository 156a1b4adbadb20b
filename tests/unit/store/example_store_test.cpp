// The example store in examples/store/ is what the daemon serves out of the box: it must load
// cleanly and exercise what feeds need (languages, galleries, drafts, embargoes, retractions).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "store/directory_store.hpp"

namespace syndicated::store {
namespace {

using ::testing::HasSubstr;

LoadResult load_example(const ParserOptions& options = {}) {
  static const std::filesystem::path kRoot =
      std::filesystem::path(SYNDICATED_SOURCE_DIR) / "examples/store";
  ArticleParser parser(options);
  return DirectoryStore({kRoot}, parser).load_all();
}

const core::Article& by_id(const LoadResult& r, const std::string& id) {
  auto it = std::find_if(r.articles.begin(), r.articles.end(),
                         [&](const core::Article& a) { return a.id == id; });
  if (it == r.articles.end()) throw std::runtime_error("no article " + id);
  return *it;
}

TEST(ExampleStore, LoadsWithoutDiagnostics) {
  const LoadResult r = load_example();
  std::string diagnostics;
  for (const auto& d : r.diagnostics) diagnostics += d.to_string() + "\n";
  EXPECT_TRUE(r.diagnostics.empty()) << diagnostics;
  EXPECT_GE(r.articles.size(), 14u);
}

TEST(ExampleStore, HasTheExpectedMix) {
  const LoadResult r = load_example();
  // A fixed "now" (1 June 2026): tests never read the clock.
  const core::Timestamp now = core::parse_rfc3339("2026-06-01T00:00:00+04:00").value();
  int drafts = 0, retracted = 0, future = 0, updated = 0, md = 0, json = 0, galleries = 0;
  std::set<std::string> languages, authors, categories;
  for (const auto& a : r.articles) {
    drafts += a.status == core::ArticleStatus::kDraft;
    retracted += a.status == core::ArticleStatus::kRetracted;
    future += a.published > now;
    updated += a.updated.has_value() && *a.updated > a.published;
    md += a.source.ends_with(".md");
    json += a.source.ends_with(".json");
    galleries += a.images.size() >= 2;
    languages.insert(a.language);
    for (const auto& au : a.authors) authors.insert(au.slug);
    for (const auto& c : a.categories) categories.insert(c.slug);
    EXPECT_FALSE(a.tags.empty()) << a.id;
    EXPECT_TRUE(a.source.find('/') != std::string::npos) << a.source << " is not in a subdirectory";
    for (const auto& img : a.images) {
      EXPECT_TRUE(img.url.starts_with("https://news.example.az/media/")) << img.url;
      EXPECT_TRUE(img.width && img.height) << img.url;
      EXPECT_FALSE(img.caption.empty()) << img.url;
      EXPECT_TRUE(img.type.starts_with("image/")) << img.url;
    }
  }
  EXPECT_EQ(drafts, 1);
  EXPECT_EQ(retracted, 1);
  EXPECT_EQ(future, 1);
  EXPECT_GE(updated, 1);
  EXPECT_GE(md, 4);
  EXPECT_GE(json, 4);
  EXPECT_GE(galleries * 2, static_cast<int>(r.articles.size()));
  EXPECT_EQ(languages, (std::set<std::string>{"az", "en", "ru"}));
  EXPECT_GE(authors.size(), 4u);
  EXPECT_GE(categories.size(), 5u);
}

TEST(ExampleStore, ExercisesUrlsMarkupAndScripts) {
  ParserOptions options;
  options.base_url = "http://localhost:8080/";
  const LoadResult r = load_example(options);
  const core::Article& festival = by_id(r, "cna-2026-0401");
  EXPECT_EQ(festival.url, "http://localhost:8080/2026/04/02/mugham-festival-returns-to-shusha-with-40-ensembles/");
  // Relative references stay relative in the body: feeds resolve them against the article URL.
  EXPECT_THAT(festival.body_html, HasSubstr("src=\"media/2026/04/kharibulbul-poster.jpg\""));
  EXPECT_THAT(festival.body_html, HasSubstr("href=\"culture/kharibulbul-2026/\""));
  EXPECT_THAT(festival.body_html, HasSubstr("<iframe"));
  const core::Article& qa = by_id(r, "cna-2026-0306");
  EXPECT_THAT(qa.title, HasSubstr("Q&A"));
  EXPECT_THAT(qa.title, HasSubstr("<em>"));
  const core::Article& az = by_id(r, "cna-2026-0302");
  EXPECT_EQ(az.categories[0].slug, "siyaset");
  EXPECT_EQ(az.authors[0].slug, "aysel-memmedova");
  const core::Article& ru = by_id(r, "cna-2026-0303");
  EXPECT_EQ(ru.categories[0].slug, "politika");
  EXPECT_EQ(ru.slug, "baku-primet-ministerskuu-vstrecu-po-srednemu-koridoru");
}

}  // namespace
}  // namespace syndicated::store
