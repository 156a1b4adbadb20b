#include "feeds/text.hpp"

#include <gtest/gtest.h>
#include <tinyxml2.h>

#include <string>

#include "feeds/xml_writer.hpp"

namespace syndicated::feeds {
namespace {

using namespace std::string_literals;

TEST(CleanText, DropsCharactersXmlForbids) {
  const std::string in = "a\x00"s "b\x01\x08\x0B\x0C\x0E\x1F" "c\t\n\r" "d\x7F";
  EXPECT_EQ(clean_text(in), "abc\t\n\rd\x7F");
}

TEST(CleanText, DropsNonCharactersFffeAndFfff) {
  EXPECT_EQ(clean_text("x\xEF\xBF\xBEy\xEF\xBF\xBFz"), "xyz");
  EXPECT_EQ(clean_text("keep \xEF\xBF\xBD"), "keep \xEF\xBF\xBD");  // U+FFFD itself is fine
}

TEST(CleanText, ReplacesIllFormedUtf8) {
  const std::string kFffd = "\xEF\xBF\xBD";
  EXPECT_EQ(clean_text("\xC3\x28"), kFffd + "(");                 // bad continuation
  EXPECT_EQ(clean_text("\xC0\xAF"), kFffd + kFffd);               // overlong
  EXPECT_EQ(clean_text("\xED\xA0\x80x"), kFffd + kFffd + kFffd + "x");  // surrogate D800
  EXPECT_EQ(clean_text("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(clean_text("ab\xE2\x82"), "ab" + kFffd);              // truncated at the end
  EXPECT_EQ(clean_text("\xFF"), kFffd);
}

TEST(CleanText, KeepsMultilingualTextAndEmoji) {
  const std::string s = "Azərbaycan · Россия · 中文 · 😀🎉 · e\xCC\x81";
  EXPECT_EQ(clean_text(s), s);
}

TEST(XmlEscape, TextAndAttributes) {
  std::string text;
  append_xml_text(text, "a<b>&c\"d'\x01");
  EXPECT_EQ(text, "a&lt;b&gt;&amp;c\"d'");
  std::string attr;
  append_xml_attr(attr, "a<b>&c\"d\te\nf");
  EXPECT_EQ(attr, "a&lt;b&gt;&amp;c&quot;d&#9;e&#10;f");
}

TEST(Cdata, SplitsTheTerminator) {
  std::string out;
  append_cdata(out, "a]]>b]]>");
  EXPECT_EQ(out, "<![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]>");
  // And an XML parser reads back exactly the original text.
  std::string doc = "<x>" + out + "</x>";
  tinyxml2::XMLDocument xml;
  ASSERT_EQ(xml.Parse(doc.c_str()), tinyxml2::XML_SUCCESS);
  std::string text;  // the split yields several text nodes
  for (auto* n = xml.RootElement()->FirstChild(); n != nullptr; n = n->NextSibling())
    if (n->ToText() != nullptr) text += n->Value();
  EXPECT_EQ(text, "a]]>b]]>");
}

TEST(Cdata, CleansIllegalCharacters) {
  std::string out;
  append_cdata(out, "a\x02z");
  EXPECT_EQ(out, "<![CDATA[az]]>");
}

TEST(HtmlToText, StripsTagsAndDecodesEntities) {
  EXPECT_EQ(html_to_text("<b>Bold</b> &amp; <i>italic</i>"), "Bold & italic");
  EXPECT_EQ(html_to_text("Line<br>break"), "Line break");
  EXPECT_EQ(html_to_text("<p>One</p><p>Two</p>"), "One Two");
  EXPECT_EQ(html_to_text("&lt;tag&gt; &quot;q&quot; &#39;s&#39;"), "<tag> \"q\" 's'");
  EXPECT_EQ(html_to_text("&mdash;&hellip;&laquo;x&raquo;"), "—…«x»");
  EXPECT_EQ(html_to_text("Tom&nbsp;Jerry"), "Tom\xC2\xA0Jerry");
  EXPECT_EQ(html_to_text("&#1178;&#x1F600;&#X259;"), "Қ😀ə");
}

TEST(HtmlToText, LeavesLiteralTextAlone) {
  EXPECT_EQ(html_to_text("AT&T and a < b > c"), "AT&T and a < b > c");
  EXPECT_EQ(html_to_text("&unknown; & &amp"), "&unknown; & &amp");
  EXPECT_EQ(html_to_text("5 <3"), "5 <3");
}

TEST(HtmlToText, RemovesCommentsScriptsAndCollapsesWhitespace) {
  EXPECT_EQ(html_to_text("  a <!-- hidden --> b\n\t c  "), "a b c");
  EXPECT_EQ(html_to_text("x<script>var a = '<b>';</script>y<style>p{}</style>z"), "x y z");
  EXPECT_EQ(html_to_text("<a title=\"1 > 0\" href=\"#\">link</a>"), "link");
}

TEST(HtmlToText, BadReferencesAndControlsBecomeSafe) {
  EXPECT_EQ(html_to_text("a&#0;b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html_to_text("a&#xD800;b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html_to_text("a&#99999999999;b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(html_to_text("a&#1;b\x01"), "ab");  // decoded to U+0001, then dropped
}

TEST(PercentEncode, TagSpecificIsOneToOne) {
  EXPECT_EQ(percent_encode_tag_specific("2024/0001:a@b"), "2024/0001:a@b");
  EXPECT_EQ(percent_encode_tag_specific("a b#c%d"), "a%20b%23c%25d");
  EXPECT_EQ(percent_encode_tag_specific("ə"), "%C9%99");
  EXPECT_EQ(percent_encode("a/b c"), "a%2Fb%20c");
}

TEST(XmlWriter, IndentsNestsAndSelfCloses) {
  std::string out;
  XmlWriter w(out);
  w.declaration();
  w.start("a").attr("x", "1&2");
  w.element("b", "t<");
  w.start("c");
  w.end();
  w.finish();
  EXPECT_EQ(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a x=\"1&amp;2\">\n  <b>t&lt;</b>\n"
            "  <c/>\n</a>\n");
}

TEST(XmlWriter, HtmlModeKeepsEmptyElementsOpenAndClosed) {
  std::string out;
  XmlWriter w(out, true);
  w.start("p");
  w.start("meta").attr("charset", "utf-8");
  w.end();
  w.start("ul");
  w.end();
  w.finish();
  EXPECT_EQ(out, "<p>\n  <meta charset=\"utf-8\">\n  <ul></ul>\n</p>\n");
}

}  // namespace
}  // namespace syndicated::feeds
