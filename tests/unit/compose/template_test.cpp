// Template parsing and rendering: errors, whitespace collapse, spans, shortening order, examples.
#include <gtest/gtest.h>

#include "compose/compose.hpp"

namespace syndicated::compose {
namespace {

const std::string kEllipsis = "\xE2\x80\xA6";

Template parse_ok(std::string_view text) {
  auto t = Template::parse(text, "test.template");
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().to_string());
  return std::move(t).value();
}

std::string span_text(const Rendered& r, const Span& s) {
  return r.text.substr(s.byte_start, s.byte_end - s.byte_start);
}

void expect_spans_exact(const Rendered& r) {
  for (const auto& l : r.links) EXPECT_EQ(span_text(r, l), l.value) << r.text;
  for (const auto& t : r.tags) EXPECT_EQ(span_text(r, t), "#" + t.value) << r.text;
}

TEST(TemplateParse, UnknownFieldNamesTheFieldAndOffset) {
  auto t = Template::parse("{title} {titel}", "accounts.x.template");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("{titel}"), std::string::npos) << t.error().message;
  EXPECT_NE(t.error().message.find("offset 8"), std::string::npos) << t.error().message;
  EXPECT_EQ(t.error().where, "accounts.x.template");
}

TEST(TemplateParse, BraceErrorsAndLiterals) {
  EXPECT_FALSE(Template::parse("{title").ok());
  EXPECT_FALSE(Template::parse("title}").ok());
  EXPECT_FALSE(Template::parse("{}").ok());
  auto t = parse_ok("{{literal}} {title}");
  EXPECT_EQ(t.source(), "{{literal}} {title}");
  Fields f;
  f.title = "T";
  auto r = t.render(f, TwitterRules());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "{literal} T");
}

TEST(TemplateRender, FillsFieldsAndReportsSpans) {
  Fields f;
  f.title = "Parliament passes the budget";
  f.summary = "The vote was 98 to 12.";
  f.url = "https://www.azernews.az/politics/1.html";
  f.hashtags = {"Politics", "Budget"};
  f.site = "AzerNews";
  f.author = "A. Author";
  f.category = "Politics";
  auto r = parse_ok("{title}\n\n{summary}\n\n{url} {hashtags}\n— {site}, {author} ({category})")
               .render(f, TwitterRules());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->text,
            "Parliament passes the budget\n\nThe vote was 98 to 12.\n\n"
            "https://www.azernews.az/politics/1.html #Politics #Budget\n"
            "— AzerNews, A. Author (Politics)");
  ASSERT_EQ(r->links.size(), 1u);
  ASSERT_EQ(r->tags.size(), 2u);
  expect_spans_exact(*r);
}

TEST(TemplateRender, EmptyFieldsCollapseWhitespace) {
  Fields f;
  f.title = "  Title   with   spaces ";
  f.url = "https://example.com/a";
  auto t = parse_ok("{title}\n\n{summary}\n\n{url} {hashtags}\n");
  auto r = t.render(f, TwitterRules());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "Title with spaces\n\nhttps://example.com/a");
  expect_spans_exact(*r);
  auto r2 = parse_ok("{summary} {title} {summary} {url}").render(f, TwitterRules());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->text, "Title with spaces https://example.com/a");
}

TEST(TemplateRender, ResultIsNfc) {
  Fields f;
  f.title = "Caf\x65\xCC\x81";  // "Café" decomposed
  auto r = parse_ok("{title}").render(f, TwitterRules());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "Caf\xC3\xA9");
}

std::string words(const std::string& word, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + word;
  return s;
}

TEST(TemplateRender, AzerbaijaniHeadlineLongSummaryFits280WithUrlKept) {
  Fields f;
  f.title = "Prezident İlham Əliyev Bakıda beynəlxalq enerji forumunun açılışında çıxış edib";
  f.summary =
      "Azərbaycan Respublikasının Prezidenti İlham Əliyev Bakı Enerji Həftəsi çərçivəsində "
      "keçirilən beynəlxalq forumun açılış mərasimində iştirak edib. Dövlət başçısı çıxışında "
      "ölkənin enerji siyasətinin əsas istiqamətlərindən, bərpa olunan enerji mənbələrinə "
      "yatırımlardan və Avropaya qaz ixracının artırılması planlarından danışıb. Forumda "
      "otuzdan çox ölkənin nümayəndə heyəti iştirak edir.";
  f.url = "https://www.azernews.az/nation/215432.html";
  f.hashtags = {"Azərbaycan", "Enerji", "BakıEnerjiHəftəsi"};
  auto r = parse_ok("{title}\n\n{summary}\n\n{url}\n{hashtags}").render(f, TwitterRules());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  TwitterRules rules;
  EXPECT_TRUE(rules.fits(r->text)) << rules.measure(r->text);
  EXPECT_GT(rules.measure(r->text), 250u) << "the space should be used: " << r->text;
  ASSERT_EQ(r->links.size(), 1u);
  EXPECT_EQ(r->links[0].value, f.url);
  EXPECT_EQ(r->tags.size(), 3u);  // the summary is shortened, hashtags stay
  expect_spans_exact(*r);
  // The title is whole; the summary ends on a word, with "…".
  EXPECT_EQ(r->text.rfind(f.title + "\n\n", 0), 0u);
  const auto cut = r->text.find(kEllipsis);
  ASSERT_NE(cut, std::string::npos);
  const std::string kept = r->text.substr(f.title.size() + 2, cut - f.title.size() - 2);
  ASSERT_EQ(f.summary.rfind(kept, 0), 0u) << kept;
  const char next = f.summary[kept.size()];
  EXPECT_TRUE(next == ' ' || next == '.' || next == ',') << "cut mid-word: " << kept;
}

TEST(TemplateRender, HashtagsDroppedFromTheEndThenTitleCut) {
  Fields f;
  f.title = words("headline", 28);  // 28 * 9 - 1 = 251
  f.summary = "A summary that cannot fit at all.";
  f.url = "https://example.com/x";  // 23
  f.hashtags = {"One", "Two", "Three"};
  auto r = parse_ok("{title} {summary} {url} {hashtags}").render(f, TwitterRules());
  ASSERT_TRUE(r.ok());
  // 251 + 1 + 23 = 275: room for " #One" (5) only, and no summary.
  EXPECT_EQ(r->text, f.title + " https://example.com/x #One");
  ASSERT_EQ(r->tags.size(), 1u);
  expect_spans_exact(*r);

  f.title = words("headline", 40);
  auto r2 = parse_ok("{title} {summary} {url} {hashtags}").render(f, TwitterRules());
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->tags.empty());
  EXPECT_TRUE(TwitterRules().fits(r2->text));
  EXPECT_NE(r2->text.find("headline" + kEllipsis + " https://example.com/x"), std::string::npos)
      << r2->text;
  expect_spans_exact(*r2);
}

TEST(TemplateRender, ErrorWhenTheUrlAloneDoesNotFit) {
  Fields f;
  f.title = "Title";
  f.url = "https://example.com/a-very-long-path";
  GraphemeRules tiny(10, 0, 0, "tiny");
  auto r = parse_ok("{title} {url}").render(f, tiny);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("tiny"), std::string::npos);
  EXPECT_EQ(r.error().where, "test.template");
}

// Cuts at graphemes never split emoji sequences, flags or combining marks.
TEST(TemplateRender, GraphemeCutsKeepClustersWhole) {
  const std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";  // 👨‍👩‍👧
  const std::string flag = "\xF0\x9F\x87\xA6\xF0\x9F\x87\xBF";                     // 🇦🇿
  const std::string combining = "a\xCC\x8A\xCC\x81";  // a + ring + acute (NFC: ǻ)
  for (const std::string& unit : {family, flag, combining, std::string("ə"), std::string("ж")}) {
    std::string summary;
    for (int i = 0; i < 40; ++i) summary += unit;
    for (std::size_t limit = 3; limit < 30; ++limit) {
      Fields f;
      f.summary = summary;
      GraphemeRules rules(limit, 0);
      auto r = parse_ok("{summary}").render(f, rules);
      ASSERT_TRUE(r.ok());
      EXPECT_LE(rules.measure(r->text), limit);
      const auto cut = r->text.find(kEllipsis);
      ASSERT_NE(cut, std::string::npos);
      const std::string kept = r->text.substr(0, cut);
      const std::string whole = nfc(summary);
      ASSERT_EQ(whole.rfind(kept, 0), 0u);
      EXPECT_EQ(grapheme_count(kept) + grapheme_count(whole.substr(kept.size())),
                grapheme_count(whole));
      EXPECT_EQ(grapheme_count(kept), limit - 1);  // all the room is used
    }
  }
}

TEST(TemplateRender, RussianSummaryCutOnWordBoundary) {
  Fields f;
  f.title = "Президент Азербайджана принял делегацию";
  f.summary = words("Переговоры прошли в конструктивной атмосфере", 12);
  f.url = "https://ru.azernews.az/a/1";
  auto r = parse_ok("{title}. {summary} {url}").render(f, TwitterRules());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(TwitterRules().fits(r->text));
  const auto cut = r->text.find(kEllipsis);
  ASSERT_NE(cut, std::string::npos);
  // The word before "…" is whole.
  const std::string before = r->text.substr(0, cut);
  const auto space = before.rfind(' ');
  const std::string last_word = before.substr(space + 1);
  EXPECT_NE(
      std::string(" Переговоры прошли в конструктивной атмосфере ").find(" " + last_word + " "),
      std::string::npos)
      << last_word;
  expect_spans_exact(*r);
}

}  // namespace
}  // namespace syndicated::compose
