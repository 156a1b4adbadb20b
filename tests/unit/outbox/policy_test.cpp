#include "outbox/policy.hpp"

#include <gtest/gtest.h>

namespace syndicated::outbox {
namespace {

core::Article article() {
  core::Article a;
  a.id = "a1";
  a.categories = {{"Siyasət", "siyaset"}, {"World", "world"}};
  a.tags = {{"Elections", "elections"}};
  a.authors = {{"Leyla Ali", "leyla-ali", "", ""}};
  a.language = "en-GB";
  return a;
}

TEST(Filter, EmptyMatchesEverything) { EXPECT_TRUE(matches(Filter{}, article(), "az")); }

TEST(Filter, TermsMatchNameOrSlugCaseInsensitively) {
  EXPECT_TRUE(matches(Filter{{"siyaset"}, {}, {}, {}}, article(), "az"));
  EXPECT_TRUE(matches(Filter{{"Siyasət"}, {}, {}, {}}, article(), "az"));
  EXPECT_TRUE(matches(Filter{{"WORLD"}, {}, {}, {}}, article(), "az"));
  EXPECT_FALSE(matches(Filter{{"sport"}, {}, {}, {}}, article(), "az"));
  EXPECT_TRUE(matches(Filter{{}, {"elections"}, {"Leyla-Ali"}, {}}, article(), "az"));
  // Every non-empty list must match.
  EXPECT_FALSE(matches(Filter{{"world"}, {"sport"}, {}, {}}, article(), "az"));
}

TEST(Filter, LanguagesMatchThePrimarySubtagAndFallBackToTheSite) {
  EXPECT_TRUE(matches(Filter{{}, {}, {}, {"en"}}, article(), "az"));
  EXPECT_TRUE(matches(Filter{{}, {}, {}, {"EN-gb"}}, article(), "az"));
  EXPECT_FALSE(matches(Filter{{}, {}, {}, {"en-US"}}, article(), "az"));
  core::Article no_language = article();
  no_language.language.clear();
  EXPECT_TRUE(matches(Filter{{}, {}, {}, {"az"}}, no_language, "az"));
  EXPECT_FALSE(matches(Filter{{}, {}, {}, {"en"}}, no_language, "az"));
}

}  // namespace
}  // namespace syndicated::outbox
