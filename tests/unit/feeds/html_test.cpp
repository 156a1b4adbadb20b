#include "feeds/html.hpp"

#include <gtest/gtest.h>

namespace syndicated::feeds {
namespace {

constexpr const char* kBase = "https://news.example.az/news/2024/story.html?x=1#top";

TEST(ResolveUrl, RelativeReferences) {
  EXPECT_EQ(resolve_url(kBase, "img/a.jpg"), "https://news.example.az/news/2024/img/a.jpg");
  EXPECT_EQ(resolve_url(kBase, "/media/a.jpg"), "https://news.example.az/media/a.jpg");
  EXPECT_EQ(resolve_url(kBase, "../a.jpg"), "https://news.example.az/news/a.jpg");
  EXPECT_EQ(resolve_url(kBase, "?page=2"), "https://news.example.az/news/2024/story.html?page=2");
  EXPECT_EQ(resolve_url(kBase, ""), "https://news.example.az/news/2024/story.html?x=1");
}

TEST(ResolveUrl, ProtocolRelativeTakesTheBaseScheme) {
  EXPECT_EQ(resolve_url(kBase, "//cdn.example.az/v.mp4"), "https://cdn.example.az/v.mp4");
  EXPECT_EQ(resolve_url("http://a.example/", "//cdn.example.az/v.mp4"),
            "http://cdn.example.az/v.mp4");
}

TEST(ResolveUrl, AbsoluteAndOtherSchemesAreLeftAlone) {
  EXPECT_EQ(resolve_url(kBase, "http://other.example/a/../b"), "http://other.example/a/../b");
  EXPECT_EQ(resolve_url(kBase, "mailto:desk@news.example.az"), "mailto:desk@news.example.az");
  EXPECT_EQ(resolve_url(kBase, "data:image/png;base64,AAAA"), "data:image/png;base64,AAAA");
}

TEST(ResolveUrl, FragmentsAttachToTheArticle) {
  EXPECT_EQ(resolve_url(kBase, "#notes"), "https://news.example.az/news/2024/story.html?x=1#notes");
}

TEST(ResolveUrl, SpacesAndNonAsciiArePercentEncoded) {
  EXPECT_EQ(resolve_url(kBase, " şəkil 1.jpg "),
            "https://news.example.az/news/2024/%C5%9F%C9%99kil%201.jpg");
}

TEST(ResolveUrl, UnusableBaseLeavesTheReference) {
  EXPECT_EQ(resolve_url("", "a.jpg"), "a.jpg");
  EXPECT_EQ(resolve_url("/relative/base", "a.jpg"), "a.jpg");
}

TEST(ResolveHtmlUrls, RewritesUrlAttributes) {
  const std::string html =
      "<p><a href=\"/a\">x</a> <img src='b.jpg' alt=\"/not-a-url\"> "
      "<video poster=c.jpg src=//cdn.example.az/v.mp4></video></p>";
  EXPECT_EQ(resolve_html_urls(html, kBase),
            "<p><a href=\"https://news.example.az/a\">x</a> "
            "<img src=\"https://news.example.az/news/2024/b.jpg\" alt=\"/not-a-url\"> "
            "<video poster=\"https://news.example.az/news/2024/c.jpg\" "
            "src=\"https://cdn.example.az/v.mp4\"></video></p>");
}

TEST(ResolveHtmlUrls, Srcset) {
  EXPECT_EQ(resolve_html_urls("<img srcset=\"a.jpg 1x,/b.jpg 2x, https://c.example/c.jpg 640w\">",
                              kBase),
            "<img srcset=\"https://news.example.az/news/2024/a.jpg 1x, "
            "https://news.example.az/b.jpg 2x, https://c.example/c.jpg 640w\">");
  // HTML: a URL runs to the next whitespace, so "a.jpg,b.jpg" is one URL; trailing commas end it.
  EXPECT_EQ(resolve_html_urls("<img srcset=\"a.jpg,b.jpg\">", kBase),
            "<img srcset=\"https://news.example.az/news/2024/a.jpg,b.jpg\">");
  EXPECT_EQ(resolve_html_urls("<img srcset=\"a.jpg, b.jpg,, c.jpg 2x\">", kBase),
            "<img srcset=\"https://news.example.az/news/2024/a.jpg, "
            "https://news.example.az/news/2024/b.jpg, https://news.example.az/news/2024/c.jpg 2x\">");
}

TEST(ResolveHtmlUrls, EntitiesInValuesAreDecodedAndReEscaped) {
  EXPECT_EQ(resolve_html_urls("<a href=\"/s?a=1&amp;b=2\">s</a>", kBase),
            "<a href=\"https://news.example.az/s?a=1&amp;b=2\">s</a>");
}

TEST(ResolveHtmlUrls, LeavesEverythingElseByteForByte) {
  const std::string html =
      "<!-- <a href=\"x\"> --><p>href=\"y\" a < b</p>"
      "<script>var s = '<img src=\"z\">';</script>"
      "<A HREF=\"https://abs.example/q?a=1&b=2\">abs</A><br/>";
  EXPECT_EQ(resolve_html_urls(html, kBase), html);
  EXPECT_EQ(resolve_html_urls("<a href=\"x\">", "not a base"), "<a href=\"x\">");
}

TEST(ResolveHtmlUrls, UpperCaseAttributesAndTruncatedInput) {
  EXPECT_EQ(resolve_html_urls("<IMG SRC=\"x.png\">", kBase),
            "<IMG SRC=\"https://news.example.az/news/2024/x.png\">");
  // Malformed tails must not crash or loop.
  for (const char* s : {"<a href=", "<a href=\"x", "<a", "<", "<a href = 'y'", "<script>"})
    EXPECT_NO_THROW((void)resolve_html_urls(s, kBase)) << s;
}

}  // namespace
}  // namespace syndicated::feeds
