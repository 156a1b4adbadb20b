// Grapheme counting (Mastodon, Bluesky rules), NFC.
#include <gtest/gtest.h>

#include "compose/compose.hpp"

namespace syndicated::compose {
namespace {

const std::string kFamily =
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7\xE2\x80\x8D\xF0\x9F"
    "\x91\xA6";                                                  // 👨‍👩‍👧‍👦
const std::string kFlagAz = "\xF0\x9F\x87\xA6\xF0\x9F\x87\xBF";  // 🇦🇿
const std::string kEDecomposed = "e\xCC\x81";                    // e + U+0301
const std::string kEComposed = "\xC3\xA9";                       // é

TEST(Graphemes, Counts) {
  EXPECT_EQ(grapheme_count(""), 0u);
  EXPECT_EQ(grapheme_count("abc"), 3u);
  EXPECT_EQ(grapheme_count(kFamily), 1u);
  EXPECT_EQ(grapheme_count(kFlagAz + kFlagAz), 2u);
  EXPECT_EQ(grapheme_count(kEDecomposed), 1u);
  EXPECT_EQ(grapheme_count("Azərbaycan"), 10u);
  EXPECT_EQ(grapheme_count("Президент"), 9u);
  EXPECT_EQ(grapheme_count("\r\n"), 1u);
}

TEST(Graphemes, Nfc) {
  EXPECT_EQ(nfc(kEDecomposed), kEComposed);
  EXPECT_EQ(nfc("plain ascii"), "plain ascii");
  EXPECT_EQ(nfc("Siyas\xC9\x99t"), "Siyas\xC9\x99t");
}

TEST(GraphemeRules, UrlsCountAsConfigured) {
  GraphemeRules mastodon(500, 23, 0, "mastodon");
  EXPECT_EQ(mastodon.name(), "mastodon");
  EXPECT_EQ(mastodon.limit(), 500u);
  const std::string url = "https://www.azernews.az/business/123456.html?utm_source=mastodon";
  EXPECT_EQ(mastodon.measure("Read: " + url), 6u + 23u);
  EXPECT_EQ(mastodon.measure(kFamily + " " + url + " " + kFlagAz), 1u + 1u + 23u + 1u + 1u);
  GraphemeRules plain(300, 0);
  EXPECT_EQ(plain.measure("Read: " + url), 6u + url.size());
}

TEST(GraphemeRules, ByteCapMakesTextNotFit) {
  // Bluesky: 300 graphemes and at most 3000 bytes. 299 family emoji are 299 graphemes but
  // 299 * 25 bytes.
  GraphemeRules bluesky(300, 0, 3000, "bluesky");
  std::string text;
  for (int i = 0; i < 299; ++i) text += kFamily;
  EXPECT_GT(text.size(), 3000u);
  EXPECT_GT(bluesky.measure(text), bluesky.limit());
  EXPECT_FALSE(bluesky.fits(text));
  EXPECT_TRUE(bluesky.fits(kFamily));
  EXPECT_EQ(bluesky.measure(kFamily), 1u);
}

}  // namespace
}  // namespace syndicated::compose
