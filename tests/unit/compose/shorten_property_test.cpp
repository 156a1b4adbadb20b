// A randomized property test of render(): for random titles, summaries and hashtags in English,
// Azerbaijani, Russian and emoji, under X, Mastodon-like and Bluesky-like rules, the result fits,
// holds the URL intact at its span, is NFC, and every "…" follows a whole grapheme of the field
// it shortened. Deterministic: a fixed seed.
#include <gtest/gtest.h>

#include <random>

#include "compose/compose.hpp"

namespace syndicated::compose {
namespace {

const std::vector<std::string> kWords = {
    "the",
    "government",
    "announced",
    "budget",
    "reform",
    "on",
    "Tuesday",
    "Azərbaycan",
    "Prezidenti",
    "İlham",
    "Əliyev",
    "şəhər",
    "ölkə",
    "iqtisadiyyat",
    "qəbul",
    "Президент",
    "Азербайджана",
    "встреча",
    "экономика",
    "с",
    "делегацией",
    "\xF0\x9F\x87\xA6\xF0\x9F\x87\xBF",              // 🇦🇿
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB",  // 👨‍💻
    "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",              // 👍🏽
    "\xE2\x9D\xA4\xEF\xB8\x8F",                      // ❤️
    "Cafe\xCC\x81",                                  // decomposed
    "日本語",
    "2024",
    "—",
    "(AZƏRTAC)",
    "example.com/x"};
const std::vector<std::string> kUrls = {
    "https://www.azernews.az/nation/215432.html",
    "https://report.az/en/politics/a-very-long-slug-for-an-article-about-the-budget-vote/",
    "azernews.az/x"};
const std::vector<std::string> kTemplates = {
    "{title}\n\n{summary}\n\n{url}\n{hashtags}", "{title} — {summary} {url} {hashtags}",
    "{hashtags} {title}: {summary}\n{url}", "{summary}\n{url}"};

std::string sentence(std::mt19937& rng, int max_words) {
  std::uniform_int_distribution<int> n(0, max_words);
  std::uniform_int_distribution<std::size_t> w(0, kWords.size() - 1);
  std::string s;
  const int count = n(rng);
  for (int i = 0; i < count; ++i) s += (i ? " " : "") + kWords[w(rng)];
  return s;
}

// Checks that "…" in `line` follows a whole-grapheme prefix of one of the fields.
void expect_clean_cuts(const std::string& text, const std::vector<std::string>& fields) {
  const std::string ellipsis = "\xE2\x80\xA6";
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    auto line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    const std::string line = text.substr(line_start, line_end - line_start);
    const auto at = line.find(ellipsis);
    if (at != std::string::npos) {
      bool ok = false;
      for (const auto& field : fields) {
        const std::string f = nfc(field);
        // The kept prefix is a suffix of line[0, at) and a prefix of f.
        for (std::size_t k = at; k > 0 && !ok; --k) {
          const std::string kept = line.substr(at - k, k);
          if (f.rfind(kept, 0) == 0 && kept.size() < f.size() &&
              grapheme_count(kept) + grapheme_count(f.substr(kept.size())) == grapheme_count(f)) {
            ok = true;
          }
        }
      }
      EXPECT_TRUE(ok) << "bad cut in: " << line;
    }
    line_start = line_end + 1;
  }
}

TEST(ShortenProperty, RandomPostsFitKeepTheUrlAndCutCleanly) {
  std::mt19937 rng(20240611);
  TwitterRules x;
  GraphemeRules mastodon(500, 23, 0, "mastodon");
  GraphemeRules bluesky(300, 0, 3000, "bluesky");
  GraphemeRules small(120, 23, 0, "small");
  const std::vector<const TextRules*> rules = {&x, &mastodon, &bluesky, &small};
  std::vector<Template> templates;
  for (const auto& t : kTemplates) templates.push_back(Template::parse(t).value());
  std::uniform_int_distribution<std::size_t> pick_url(0, kUrls.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_t(0, templates.size() - 1);
  std::uniform_int_distribution<int> tags_n(0, 6);
  int rendered = 0;
  for (int iteration = 0; iteration < 300; ++iteration) {
    Fields f;
    f.title = sentence(rng, 30);
    f.summary = sentence(rng, 120);
    f.url = kUrls[pick_url(rng)];
    for (int i = tags_n(rng); i > 0; --i) f.hashtags.push_back("Tag" + std::to_string(i));
    const TextRules& r = *rules[static_cast<std::size_t>(iteration) % rules.size()];
    const Template& t = templates[pick_t(rng)];
    auto out = t.render(f, r);
    ASSERT_TRUE(out.ok()) << out.error().to_string() << " title=" << f.title;
    const Rendered& p = *out;
    EXPECT_TRUE(r.fits(p.text)) << r.name() << ": " << r.measure(p.text) << "\n" << p.text;
    ASSERT_EQ(p.links.size(), 1u) << p.text;
    EXPECT_EQ(p.links[0].value, f.url);
    EXPECT_EQ(p.text.substr(p.links[0].byte_start, p.links[0].byte_end - p.links[0].byte_start),
              f.url);
    for (const auto& tag : p.tags) {
      EXPECT_EQ(p.text.substr(tag.byte_start, tag.byte_end - tag.byte_start), "#" + tag.value);
    }
    EXPECT_EQ(nfc(p.text), p.text);
    EXPECT_EQ(p.text.find("  "), std::string::npos) << p.text;
    EXPECT_EQ(p.text.find("\n\n\n"), std::string::npos) << p.text;
    ASSERT_FALSE(p.text.empty());
    EXPECT_NE(p.text.back(), ' ');
    EXPECT_NE(p.text.back(), '\n');
    expect_clean_cuts(p.text, {f.title, f.summary});
    ++rendered;
  }
  EXPECT_EQ(rendered, 300);
}

}  // namespace
}  // namespace syndicated::compose
