// twitter-text conformance: the weighted-length sections of validate.yml (v2 and v3 configs) and
// the extra vectors generated with npm twitter-text@3.1.0 (Azerbaijani, Russian, flags, URLs).
#include <gtest/gtest.h>

#include "compose/compose.hpp"
#include "tests/unit/compose/test_util.hpp"

namespace syndicated::compose {
namespace {

using test::conformance;
using test::load_json;

void expect_parse(const nlohmann::json& c, const TwitterConfig& config) {
  const std::string text = c.at("text").get<std::string>();
  const auto& e = c.at("expected");
  const TwitterParse r = parse_tweet(text, config);
  const std::string what = c.value("description", text.substr(0, 60));
  EXPECT_EQ(r.weighted_length, e.at("weightedLength").get<int>()) << what;
  EXPECT_EQ(r.valid, e.at("valid").get<bool>()) << what;
  EXPECT_EQ(r.permillage, e.at("permillage").get<int>()) << what;
  EXPECT_EQ(r.valid_range_start, e.at("validRangeStart").get<int>()) << what;
  EXPECT_EQ(r.valid_range_end, e.at("validRangeEnd").get<int>()) << what;
  EXPECT_EQ(r.display_range_start, e.at("displayRangeStart").get<int>()) << what;
  EXPECT_EQ(r.display_range_end, e.at("displayRangeEnd").get<int>()) << what;
}

int run_section(const char* section, const TwitterConfig& config) {
  const auto doc = load_json(conformance("validate.json"));
  const auto& cases = doc.at("tests").at(section);
  int n = 0;
  for (const auto& c : cases) {
    expect_parse(c, config);
    ++n;
  }
  return n;
}

TEST(TwitterConformance, WeightedTweetsCounterTestWithV2Config) {
  EXPECT_GT(run_section("WeightedTweetsCounterTest", TwitterConfig::v2()), 10);
}

TEST(TwitterConformance, WeightedTweetsWithDiscountedEmojiCounterTestWithV3Config) {
  EXPECT_GT(run_section("WeightedTweetsWithDiscountedEmojiCounterTest", TwitterConfig::v3()), 10);
}

TEST(TwitterConformance, UnicodeDirectionalMarkerCounterTest) {
  EXPECT_EQ(run_section("UnicodeDirectionalMarkerCounterTest", TwitterConfig::v3()), 2);
}

TEST(TwitterConformance, ExtraVectorsFromTwitterText310) {
  const auto doc = load_json(test::shared("social/twitter-weighted-length-extra.json"));
  int n = 0;
  for (const auto& c : doc.at("cases")) {
    expect_parse(c, TwitterConfig::v3());
    // The default overload is v3 too, and TwitterRules measures the same.
    const std::string text = c.at("text").get<std::string>();
    EXPECT_EQ(parse_tweet(text).weighted_length, c["expected"]["weightedLength"].get<int>());
    EXPECT_EQ(TwitterRules().measure(text), c["expected"]["weightedLength"].get<std::size_t>());
    ++n;
  }
  EXPECT_GE(n, 16);
}

TEST(TwitterRules, FitsAtExactly280) {
  TwitterRules rules;
  EXPECT_EQ(rules.limit(), 280u);
  EXPECT_TRUE(rules.fits(std::string(280, 'a')));
  EXPECT_FALSE(rules.fits(std::string(281, 'a')));
  // 140 CJK characters weigh 280.
  std::string cjk;
  for (int i = 0; i < 140; ++i) cjk += "\xE6\x97\xA5";  // 日
  EXPECT_TRUE(rules.fits(cjk));
  EXPECT_FALSE(rules.fits(cjk + "a"));
}

TEST(TwitterRules, EmojiSequencesWeighTwoOnceInV3) {
  EXPECT_EQ(parse_tweet("\xF0\x9F\x87\xA6\xF0\x9F\x87\xBF").weighted_length, 2);  // 🇦🇿
  EXPECT_EQ(parse_tweet("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD").weighted_length, 2);  // 👍🏽
  // 👩‍💻 (ZWJ sequence) is 2 in v3, 5 in v2 (2 + ZWJ 1 + 2).
  const std::string coder = "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB";
  EXPECT_EQ(parse_tweet(coder).weighted_length, 2);
  EXPECT_EQ(parse_tweet(coder, TwitterConfig::v2()).weighted_length, 5);
  // ❤️ (text-default emoji + VS16) is one emoji.
  EXPECT_EQ(parse_tweet("\xE2\x9D\xA4\xEF\xB8\x8F").weighted_length, 2);
  // Keycap 1️⃣.
  EXPECT_EQ(parse_tweet("1\xEF\xB8\x8F\xE2\x83\xA3").weighted_length, 2);
  // Plain digits are not emoji.
  EXPECT_EQ(parse_tweet("2024").weighted_length, 4);
}

TEST(TwitterRules, EmptyTextIsInvalidWithZeroLength) {
  const TwitterParse r = parse_tweet("");
  EXPECT_EQ(r.weighted_length, 0);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.display_range_end, 0);
}

}  // namespace
}  // namespace syndicated::compose
