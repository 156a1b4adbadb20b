// Hashtags from categories and tags; fields of an article.
#include <gtest/gtest.h>

#include <algorithm>

#include "compose/compose.hpp"

namespace syndicated::compose {
namespace {

core::Article article() {
  core::Article a;
  a.id = "a1";
  a.title = "Title";
  a.summary = "Summary";
  a.url = "https://www.azernews.az/a1";
  a.language = "en";
  a.categories = {{"Politics", "politics"}, {"Siyasət", "siyaset"}};
  a.tags = {{"Foreign policy", "foreign-policy"},
            {"COVID-19", "covid-19"},
            {"politics", "politics"},  // duplicate of the category, other case
            {"2024", "2024"},          // digits only: X does not link it
            {"Политика", "politika"},
            {"!!!", "x"}};
  a.authors = {{"Aygün Əliyeva", "aygun", "", ""}, {"John Smith", "john", "", ""}};
  return a;
}

TEST(Hashtags, CategoriesThenTagsDeduplicatedAndCleaned) {
  EXPECT_EQ(hashtags(article()), (std::vector<std::string>{"Politics", "Siyasət", "ForeignPolicy",
                                                           "COVID19", "Политика"}));
}

TEST(Hashtags, AzerbaijaniCapitalisesDottedI) {
  core::Article a;
  a.language = "az";
  a.tags = {{"xarici işlər", "xarici-isler"}, {"snake_case ok", "s"}};
  EXPECT_EQ(hashtags(a), (std::vector<std::string>{"Xariciİşlər", "Snake_caseOk"}));
  a.language = "en";
  EXPECT_EQ(hashtags(a)[0], "XariciIşlər");
}

TEST(Hashtags, CaseInsensitiveDuplicatesKeepTheFirst) {
  core::Article a;
  a.categories = {{"ƏLİYEV", "aliyev"}};
  a.tags = {{"əliyev", "aliyev"}, {"Economy", "economy"}, {"ECONOMY", "economy"}};
  // "ƏLİYEV" and "əliyev" are one tag (dotted/dotless i folded together).
  const auto tags = hashtags(a);
  EXPECT_EQ(tags, (std::vector<std::string>{"ƏLİYEV", "Economy"}));
  EXPECT_EQ(std::count(tags.begin(), tags.end(), "ECONOMY"), 0);
}

TEST(Fields, FromArticle) {
  const Fields f = fields_from(article(), "AzerNews", true);
  EXPECT_EQ(f.title, "Title");
  EXPECT_EQ(f.summary, "Summary");
  EXPECT_EQ(f.url, "https://www.azernews.az/a1");
  EXPECT_EQ(f.author, "Aygün Əliyeva, John Smith");
  EXPECT_EQ(f.category, "Politics");
  EXPECT_EQ(f.site, "AzerNews");
  EXPECT_EQ(f.hashtags.size(), 5u);
  EXPECT_TRUE(fields_from(article(), "AzerNews", false).hashtags.empty());
}

}  // namespace
}  // namespace syndicated::compose
