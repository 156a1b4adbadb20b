#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "store/article_parser.hpp"

namespace syndicated::store {
namespace {

TEST(Slugify, LatinCyrillicAndAzerbaijani) {
  ArticleParser parser({});
  EXPECT_EQ(parser.slugify("Siyasət"), "siyaset");
  EXPECT_EQ(parser.slugify("Политика"), "politika");
  EXPECT_EQ(parser.slugify("Economy & Finance"), "economy-finance");
  EXPECT_EQ(parser.slugify("İqtisadiyyat"), "iqtisadiyyat");
  EXPECT_EQ(parser.slugify("Şəki Xan sarayı: ğ, ç, ö, ü"), "seki-xan-sarayi-g-c-o-u");
  EXPECT_EQ(parser.slugify("ƏLİYEVA"), "eliyeva");
  EXPECT_EQ(parser.slugify("Культура"), "kultura");  // the soft sign does not split the word
  EXPECT_EQ(parser.slugify("Объявление"), "obavlenie");
  EXPECT_EQ(parser.slugify("Экономика"), "ekonomika");
  EXPECT_EQ(parser.slugify("  --Hello,   World!--  "), "hello-world");
  EXPECT_EQ(parser.slugify("Don't stop"), "dont-stop");
  EXPECT_EQ(parser.slugify("5G in 2026"), "5g-in-2026");
  EXPECT_EQ(parser.slugify(""), "");
  EXPECT_EQ(parser.slugify("!!!"), "");
  EXPECT_EQ(parser.slugify("Ελλάδα"), "ellada");
}

TEST(Slugify, IsSafeFromManyThreads) {
  ArticleParser parser({});
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (parser.slugify("Siyasət " + std::to_string(i)) != "siyaset-" + std::to_string(i))
          ++failures[static_cast<std::size_t>(t)];
        if (parser.slugify("Политика") != "politika") ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace syndicated::store
