// Golden files: the renderers' exact bytes for a fixed multilingual article set, compared with
// tests/golden/feeds/. Regenerate with SYNDICATED_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "test_support.hpp"

namespace syndicated::feeds {
namespace {

using testing::ts;

struct Golden {
  Site site = testing::sample_site();
  std::vector<core::Article> articles = testing::sample_articles();
  std::vector<FeedSpec> feeds;
  Golden() {
    FeedsConfig config;
    FeedSpec custom;
    custom.name = "az-ru";
    custom.title = "Azərbaycan və Россия";
    custom.filter.languages = {"az", "ru"};
    config.custom = {custom};
    feeds = build_catalog(site, config, articles, ts(testing::kSampleNow));
  }
  const FeedSpec& feed(std::string_view path) const {
    for (const auto& f : feeds)
      if (f.path == path) return f;
    throw std::out_of_range(std::string(path));
  }
  std::string render_feed(Format fmt, std::string_view path) const {
    const FeedSpec& f = feed(path);
    return render(fmt, site, f, select_items(f, articles, ts(testing::kSampleNow)));
  }
};

TEST(Golden, SiteFeed) {
  Golden g;
  testing::expect_golden("site.xml", g.render_feed(Format::kRss, "/feed"));
  testing::expect_golden("site.atom", g.render_feed(Format::kAtom, "/feed"));
  testing::expect_golden("site.json", g.render_feed(Format::kJson, "/feed"));
}

TEST(Golden, CategoryAndCustomFeeds) {
  Golden g;
  testing::expect_golden("category-politics.xml", g.render_feed(Format::kRss, "/category/politics/feed"));
  testing::expect_golden("category-politics.atom",
                         g.render_feed(Format::kAtom, "/category/politics/feed"));
  testing::expect_golden("custom-az-ru.json", g.render_feed(Format::kJson, "/feeds/az-ru/feed"));
}

TEST(Golden, Lists) {
  Golden g;
  testing::expect_golden("feeds.opml", render_opml(g.site, g.feeds));
  testing::expect_golden("index.html", render_index_html(g.site, g.feeds));
}

// The golden files themselves must be valid: a reviewer accepting a diff gets this check free.
std::string golden(const char* name) {
  return testing::read_file(std::string(SYNDICATED_SOURCE_DIR) + "/tests/golden/feeds/" + name);
}

TEST(Golden, AtomFilesValidateWithJing) {
  if (!testing::have_program("/usr/bin/jing")) GTEST_SKIP() << "jing not installed";
  for (const char* name : {"site.atom", "category-politics.atom"}) {
    const std::string atom = golden(name);
    ASSERT_FALSE(atom.empty()) << name;
    EXPECT_TRUE(testing::atom_is_valid(atom)) << name;
  }
}

TEST(Golden, JsonFilesValidateWithJsonSchema) {
  if (!testing::have_program("/usr/bin/python3")) GTEST_SKIP() << "python3 not installed";
  for (const char* name : {"site.json", "custom-az-ru.json"}) {
    const std::string json = golden(name);
    ASSERT_FALSE(json.empty()) << name;
    EXPECT_TRUE(testing::json_feed_is_valid(json)) << name;
  }
}

TEST(Golden, XmlFilesAreWellFormed) {
  if (!testing::have_program("/usr/bin/xmllint")) GTEST_SKIP() << "xmllint not installed";
  for (const char* name : {"site.xml", "site.atom", "category-politics.xml",
                           "category-politics.atom", "feeds.opml"}) {
    const std::string xml = golden(name);
    ASSERT_FALSE(xml.empty()) << name;
    EXPECT_TRUE(testing::xml_is_well_formed(xml)) << name;
  }
  std::string out;
  const std::string html = testing::write_temp("index.html", golden("index.html"));
  EXPECT_EQ(testing::run_command("/usr/bin/xmllint --html --noout '" + html + "'", out), 0) << out;
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace syndicated::feeds
