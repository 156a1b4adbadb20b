#include "store/article_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace syndicated::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

core::Timestamp at(const char* rfc3339) { return core::parse_rfc3339(rfc3339).value(); }

class ArticleParserTest : public ::testing::Test {
 protected:
  ParserOptions options() {
    ParserOptions o;
    o.base_url = "https://news.example.az/";
    o.permalink = "{yyyy}/{mm}/{dd}/{slug}/";
    return o;
  }
  ArticleParser parser_{options()};

  core::Article ok(std::string_view file, std::string_view bytes) {
    auto r = parser_.parse(file, bytes);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? r.value() : core::Article{};
  }
  core::Error err(std::string_view file, std::string_view bytes) {
    auto r = parser_.parse(file, bytes);
    EXPECT_FALSE(r.ok());
    return r.ok() ? core::Error{} : r.error();
  }
};

constexpr char kFullMarkdown[] = R"(+++
id = "cna-2026-0001"
title = """Parlament   büdcəni
  təsdiqlədi"""
slug = "parlament-budceni-tesdiqledi"
url = "siyaset/parlament-budce/"
summary = "  Qısa xülasə.  "
language = "AZ-latn-az"
published = 2026-03-03T14:20:00+04:00
updated = "2026-03-03T18:00:00+04:00"
status = "published"
categories = ["Siyasət", "Политика", "Siyasət"]
tags = ["Milli Məclis", "Economy & Finance"]

[[authors]]
name = "Aysel Məmmədova"
url = "/authors/aysel/"
email = "aysel@news.example.az"

[[images]]
url = "/media/2026/03/lead.JPG"
width = 1600
height = 900
length = 123456
caption = "Lead image."

[[images]]
url = "https://cdn.example.az/x/second.webp?v=2"
type = "image/webp"
+++
Body paragraph.
)";

TEST_F(ArticleParserTest, ParsesEveryFieldOfAMarkdownArticle) {
  const core::Article a = ok("politics/budget.md", kFullMarkdown);
  EXPECT_EQ(a.id, "cna-2026-0001");
  EXPECT_EQ(a.title, "Parlament büdcəni təsdiqlədi");
  EXPECT_EQ(a.slug, "parlament-budceni-tesdiqledi");
  EXPECT_EQ(a.url, "https://news.example.az/siyaset/parlament-budce/");
  EXPECT_EQ(a.summary, "Qısa xülasə.");
  EXPECT_EQ(a.language, "az-Latn-AZ");
  EXPECT_EQ(a.published, at("2026-03-03T14:20:00+04:00"));
  EXPECT_EQ(a.published.offset_minutes, 240);
  ASSERT_TRUE(a.updated.has_value());
  EXPECT_EQ(*a.updated, at("2026-03-03T18:00:00+04:00"));
  EXPECT_EQ(a.modified(), *a.updated);
  EXPECT_EQ(a.status, core::ArticleStatus::kPublished);
  EXPECT_EQ(a.source, "politics/budget.md");
  // Duplicates (same slug) collapse; names are kept as written.
  ASSERT_EQ(a.categories.size(), 2u);
  EXPECT_EQ(a.categories[0], (core::Term{"Siyasət", "siyaset"}));
  EXPECT_EQ(a.categories[1], (core::Term{"Политика", "politika"}));
  ASSERT_EQ(a.tags.size(), 2u);
  EXPECT_EQ(a.tags[0], (core::Term{"Milli Məclis", "milli-meclis"}));
  EXPECT_EQ(a.tags[1], (core::Term{"Economy & Finance", "economy-finance"}));
  ASSERT_EQ(a.authors.size(), 1u);
  EXPECT_EQ(a.authors[0], (core::Author{"Aysel Məmmədova", "aysel-memmedova",
                                        "https://news.example.az/authors/aysel/",
                                        "aysel@news.example.az"}));
  ASSERT_EQ(a.images.size(), 2u);
  EXPECT_EQ(a.images[0].url, "https://news.example.az/media/2026/03/lead.JPG");
  EXPECT_EQ(a.images[0].type, "image/jpeg");
  EXPECT_EQ(a.images[0].width, 1600);
  EXPECT_EQ(a.images[0].height, 900);
  EXPECT_EQ(a.images[0].length, 123456);
  EXPECT_EQ(a.images[0].caption, "Lead image.");
  EXPECT_EQ(a.images[1].url, "https://cdn.example.az/x/second.webp?v=2");
  EXPECT_EQ(a.images[1].type, "image/webp");
  EXPECT_FALSE(a.images[1].width.has_value());
  EXPECT_EQ(a.body_html, "<p>Body paragraph.</p>\n");
}

TEST_F(ArticleParserTest, ParsesEveryFieldOfAJsonArticle) {
  const core::Article a = ok("economy/rate.json", R"({
    "id": "cna-2026-0002",
    "title": "Центробанк сохранил ставку",
    "summary": "Кратко.",
    "language": "ru",
    "published": "2026-03-12T15:00:00+04:00",
    "updated": "2026-03-12T18:40:00+04:00",
    "status": "retracted",
    "categories": ["Экономика"],
    "tags": ["ставки"],
    "authors": ["Елена Соколова", {"name": "James Whitfield", "email": "j@news.example.az"}],
    "images": [{"url": "media/chart.png", "width": 1200, "height": 675, "caption": "Chart"}],
    "body": "<p>Текст <b>как есть</b>.</p>"
  })");
  EXPECT_EQ(a.id, "cna-2026-0002");
  EXPECT_EQ(a.title, "Центробанк сохранил ставку");
  EXPECT_EQ(a.slug, "centrobank-sohranil-stavku");
  EXPECT_EQ(a.url, "https://news.example.az/2026/03/12/centrobank-sohranil-stavku/");
  EXPECT_EQ(a.language, "ru");
  EXPECT_EQ(a.status, core::ArticleStatus::kRetracted);
  EXPECT_EQ(a.categories[0].slug, "ekonomika");
  EXPECT_EQ(a.tags[0].slug, "stavki");
  ASSERT_EQ(a.authors.size(), 2u);
  EXPECT_EQ(a.authors[0].name, "Елена Соколова");
  EXPECT_EQ(a.authors[0].slug, "elena-sokolova");
  EXPECT_EQ(a.authors[1].email, "j@news.example.az");
  ASSERT_EQ(a.images.size(), 1u);
  EXPECT_EQ(a.images[0].url, "https://news.example.az/media/chart.png");
  EXPECT_EQ(a.images[0].type, "image/png");
  EXPECT_EQ(a.body_html, "<p>Текст <b>как есть</b>.</p>");
}

TEST_F(ArticleParserTest, DefaultsAndStatusValues) {
  const core::Article a = ok("a.md",
                             "+++\nid = \"x\"\ntitle = \"Hello, World!\"\n"
                             "published = 2026-01-02T03:04:05Z\nstatus = \"draft\"\n+++\n");
  EXPECT_EQ(a.slug, "hello-world");
  EXPECT_EQ(a.status, core::ArticleStatus::kDraft);
  EXPECT_TRUE(a.authors.empty());
  EXPECT_TRUE(a.images.empty());
  EXPECT_EQ(a.language, "");
  EXPECT_FALSE(a.updated.has_value());
  EXPECT_EQ(a.body_html, "");
  const core::Article p = ok("b.md",
                             "+++\nid = \"y\"\ntitle = \"T\"\npublished = 2026-01-02T03:04:05Z\n+++\n");
  EXPECT_EQ(p.status, core::ArticleStatus::kPublished);
}

TEST_F(ArticleParserTest, AuthorsMayBeAStringOrAnArrayOfStrings) {
  const core::Article one = ok("a.md",
                               "+++\nid = \"x\"\ntitle = \"T\"\nauthors = \"Rauf Hüseynov\"\n"
                               "published = 2026-01-02T03:04:05Z\n+++\n");
  ASSERT_EQ(one.authors.size(), 1u);
  EXPECT_EQ(one.authors[0].slug, "rauf-huseynov");
  const core::Article many = ok("a.json",
                                R"({"id": "x", "title": "T", "authors": ["A B", "Nigar Əliyeva"],
                                    "published": "2026-01-02T03:04:05Z"})");
  ASSERT_EQ(many.authors.size(), 2u);
  EXPECT_EQ(many.authors[1].slug, "nigar-eliyeva");
}

TEST_F(ArticleParserTest, RendersGfmMarkdownAndKeepsRawHtml) {
  const core::Article a = ok("a.md", R"(+++
id = "x"
title = "T"
published = 2026-01-02T03:04:05Z
+++
| Item | Value |
|------|------:|
| Oil  | 65    |

~~old~~ and https://news.example.az/ and *emphasis*

<figure class="embed"><iframe src="https://video.example.az/embed/1"></iframe></figure>

<script>track()</script>
)");
  EXPECT_THAT(a.body_html, HasSubstr("<table>"));
  EXPECT_THAT(a.body_html, HasSubstr("<th>Item</th>"));
  EXPECT_THAT(a.body_html, HasSubstr("<td align=\"right\">65</td>"));
  EXPECT_THAT(a.body_html, HasSubstr("<del>old</del>"));
  EXPECT_THAT(a.body_html, HasSubstr("<a href=\"https://news.example.az/\">"));
  EXPECT_THAT(a.body_html, HasSubstr("<em>emphasis</em>"));
  // Raw HTML is kept (the newsroom is trusted): no "<!-- raw HTML omitted -->", no tagfilter.
  EXPECT_THAT(a.body_html,
              HasSubstr("<figure class=\"embed\"><iframe src=\"https://video.example.az/embed/1\">"));
  EXPECT_THAT(a.body_html, HasSubstr("<script>track()</script>"));
  EXPECT_THAT(a.body_html, Not(HasSubstr("omitted")));
}

TEST_F(ArticleParserTest, AcceptsCrlfLineEndingsAndABom) {
  const core::Article a = ok("a.md",
                             "\xEF\xBB\xBF+++\r\nid = \"crlf\"\r\ntitle = \"T\"\r\n"
                             "published = 2026-01-02T03:04:05Z\r\n+++\r\nHi\r\n");
  EXPECT_EQ(a.id, "crlf");
  EXPECT_EQ(a.body_html, "<p>Hi</p>\n");
}

TEST_F(ArticleParserTest, DatesAsTomlOffsetDateTimesOrStrings) {
  const core::Article a = ok("a.md",
                             "+++\nid = \"x\"\ntitle = \"T\"\npublished = 2026-03-03T14:20:00.5-05:30\n"
                             "updated = \"2026-03-04T00:00:00Z\"\n+++\n");
  EXPECT_EQ(a.published.unix_seconds, at("2026-03-03T19:50:00Z").unix_seconds);
  EXPECT_EQ(a.published.nanos, 500000000);
  EXPECT_EQ(a.published.offset_minutes, -330);
  EXPECT_EQ(a.updated->offset_minutes, 0);
}

TEST_F(ArticleParserTest, PermalinkPlaceholdersUseThePublishedOffset) {
  ParserOptions o = options();
  o.permalink = "{lang}/{category}/{yyyy}/{mm}/{dd}/{id}-{slug}.html";
  ArticleParser parser(o);
  // 23:30 in Baku on 31 Dec is 19:30 UTC: the date in the URL is the Baku date.
  auto a = parser.parse("a.md",
                        "+++\nid = \"tag:news.example.az,2026:1\"\ntitle = \"İlin son xəbəri\"\n"
                        "language = \"az\"\ncategories = [\"Siyasət\", \"Economy\"]\n"
                        "published = 2025-12-31T23:30:00+04:00\n+++\n");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->url,
            "https://news.example.az/az/siyaset/2025/12/31/tag%3Anews.example.az%2C2026%3A1-ilin-son-xeberi.html");
  // Without language and categories their segments disappear instead of leaving "//".
  auto b = parser.parse("b.md", "+++\nid = \"n1\"\ntitle = \"News\"\npublished = 2026-02-05T01:00:00+04:00\n+++\n");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->url, "https://news.example.az/2026/02/05/n1-news.html");
}

TEST_F(ArticleParserTest, RelativeUrlsResolveAgainstABaseWithAPath) {
  ParserOptions o;
  o.base_url = "https://example.org/news/";
  o.permalink = "{slug}/";
  ArticleParser parser(o);
  auto a = parser.parse("a.md",
                        "+++\nid = \"x\"\ntitle = \"T\"\nurl = \"../about/x\"\n"
                        "images = [{url = \"img/a b.jpg\"}]\npublished = 2026-01-02T03:04:05Z\n+++\n");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->url, "https://example.org/about/x");
  EXPECT_EQ(a->images[0].url, "https://example.org/news/img/a%20b.jpg");
  auto b = parser.parse("b.md", "+++\nid = \"y\"\ntitle = \"Só\"\npublished = 2026-01-02T03:04:05Z\n+++\n");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->url, "https://example.org/news/so/");
}

TEST_F(ArticleParserTest, TitleMarkupIsKeptAsPlainTextButNotInTheSlug) {
  const core::Article a = ok("a.md",
                             "+++\nid = \"x\"\ntitle = \"Q&A: the <em>Middle Corridor</em> &amp; more\"\n"
                             "published = 2026-01-02T03:04:05Z\n+++\n");
  EXPECT_EQ(a.title, "Q&A: the <em>Middle Corridor</em> &amp; more");
  EXPECT_EQ(a.slug, "q-a-the-middle-corridor-more");
}

TEST(ArticleParserOptions, RejectsBadBaseUrlAndUnknownPlaceholders) {
  ParserOptions bad_base;
  bad_base.base_url = "not a url";
  EXPECT_THROW(ArticleParser{bad_base}, std::invalid_argument);
  ParserOptions ftp;
  ftp.base_url = "ftp://example.org/";
  EXPECT_THROW(ArticleParser{ftp}, std::invalid_argument);
  ParserOptions bad_pattern;
  bad_pattern.permalink = "{year}/{slug}";
  EXPECT_THROW(ArticleParser{bad_pattern}, std::invalid_argument);
  ParserOptions no_slash;
  no_slash.base_url = "http://localhost:8080/site";
  ArticleParser parser(no_slash);
  auto a = parser.parse("a.md", "+++\nid = \"x\"\ntitle = \"T\"\npublished = 2026-01-02T03:04:05Z\n+++\n");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->url, "http://localhost:8080/site/2026/01/02/t/");
}

// --- errors: where (file:line) and what ---------------------------------------------------------

TEST_F(ArticleParserTest, ErrorsCarryFileAndLine) {
  const core::Error e = err("politics/vote.md",
                            "+++\nid = \"x\"\ntitle = \"T\"\npublished = \"yesterday\"\n+++\n");
  EXPECT_EQ(e.where, "politics/vote.md:4");
  EXPECT_THAT(e.message, HasSubstr("'published' is not an RFC 3339 date-time: "));
  EXPECT_THAT(e.to_string(), HasSubstr("politics/vote.md:4: 'published' is not an RFC 3339"));
  ParseInfo info;
  auto r = parser_.parse("a.md", "+++\nid = \"x\"\ntitle = 1\n+++\n", info);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(info.error_line, 3);
}

TEST_F(ArticleParserTest, ReportsTheIdLine) {
  ParseInfo info;
  auto r = parser_.parse("a.json", "{\n\"title\": \"T\",\n\n  \"id\": \"x\",\n\"published\": \"2026-01-02T03:04:05Z\"}", info);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(info.id_line, 4);
}

TEST_F(ArticleParserTest, JsonWrongTypesNameTheKeysLine) {
  const char* doc = "{\n  \"id\": \"x\",\n  \"title\": \"T\",\n  \"published\": \"2026-01-02T03:04:05Z\",\n"
                    "  \"authors\": [\n    {\"name\": \"A\"},\n    {\"name\": [1]}\n  ],\n"
                    "  \"images\": [{\"url\": \"/a.jpg\",\n   \"height\":\n   -5}]\n}";
  // The author's name is checked first (line 7); fix it and the image height (key on line 10).
  core::Error e = err("a.json", doc);
  EXPECT_EQ(e.where, "a.json:7");
  EXPECT_THAT(e.message, HasSubstr("'name' of author 2 must be a string, not an array"));
  std::string fixed = doc;
  fixed.replace(fixed.find("[1]"), 3, "\"B\"");
  e = err("a.json", fixed);
  EXPECT_EQ(e.where, "a.json:10");
  EXPECT_THAT(e.message, HasSubstr("'height' of image 1 must be a non-negative integer (got -5)"));
}

TEST_F(ArticleParserTest, TomlWrongTypesNameTheKeysLine) {
  core::Error e = err("a.md",
                      "+++\nid = \"x\"\ntitle = \"T\"\npublished = 2026-01-02T03:04:05Z\n\n"
                      "[[images]]\nurl = \"/a.jpg\"\nwidth = 12.5\n+++\n");
  EXPECT_EQ(e.where, "a.md:8");
  EXPECT_THAT(e.message, HasSubstr("'width' of image 1 must be a non-negative integer, not a float"));
  e = err("a.md", "+++\nid = \"x\"\ntitle = \"T\"\ncategories = [\"A\", 3]\npublished = 2026-01-02T03:04:05Z\n+++\n");
  EXPECT_EQ(e.where, "a.md:4");
  EXPECT_THAT(e.message, HasSubstr("entry 2 of 'categories' must be a string, not an integer"));
  e = err("a.md", "+++\nid = [\"x\"]\n+++\n");
  EXPECT_EQ(e.where, "a.md:2");
  EXPECT_THAT(e.message, HasSubstr("'id' must be a string, not an array"));
}

TEST_F(ArticleParserTest, JsonSyntaxErrorsGiveTheLine) {
  core::Error e = err("a.json", "{\n  \"id\": \"x\",\n  \"title\": \"T\",,\n}");
  EXPECT_EQ(e.where, "a.json:3");
  EXPECT_THAT(e.message, HasSubstr("JSON syntax error"));
  e = err("a.json", "{\n  \"id\": \"x\",\n  \"id\": \"y\"\n}");
  EXPECT_EQ(e.where, "a.json:3");
  EXPECT_THAT(e.message, HasSubstr("duplicate key 'id'"));
  e = err("a.json", "{\"id\": \"x\"} trailing");
  EXPECT_THAT(e.message, HasSubstr("JSON syntax error"));
  e = err("a.json", std::string(100, '[') );
  EXPECT_FALSE(e.message.empty());
}

TEST_F(ArticleParserTest, TomlSyntaxErrorsGiveTheFileLine) {
  const core::Error e = err("a.md", "+++\nid = \"x\"\n\ntitle = = \"T\"\n+++\n");
  EXPECT_EQ(e.where, "a.md:4");
  EXPECT_THAT(e.message, HasSubstr("TOML syntax error in the front matter"));
  const core::Error dup = err("a.md", "+++\nid = \"x\"\nid = \"y\"\n+++\n");
  EXPECT_EQ(dup.where, "a.md:3");
}

TEST_F(ArticleParserTest, InvalidUtf8GivesTheLineOfTheFirstBadByte) {
  core::Error e = err("a.md", "+++\nid = \"x\"\ntitle = \"T\"\n\nsummary = \"\xC3\x28\"\n+++\n");
  EXPECT_EQ(e.where, "a.md:5");
  EXPECT_THAT(e.message, HasSubstr("not valid UTF-8 (byte 0xC3 at column 12)"));
  e = err("a.json", "{\"id\": \"\xED\xA0\x80\"}");  // an encoded surrogate
  EXPECT_EQ(e.where, "a.json:1");
  e = err("a.json", "{\"id\": \"\xC0\xAF\"}");  // an overlong '/'
  EXPECT_EQ(e.where, "a.json:1");
}

TEST_F(ArticleParserTest, RejectsEveryKindOfBadField) {
  struct Case {
    const char* front;  // TOML lines after id/title/published
    int line;
    const char* fragment;
  };
  const Case cases[] = {
      {"auther = \"A\"", 5, "unknown field 'auther' (did you mean 'authors'?)"},
      {"colour = \"red\"", 5, "unknown field 'colour' (known fields: id title"},
      {"body = \"x\"", 5, "'body' does not belong in the front matter"},
      {"status = \"live\"", 5, "'status' must be one of published, draft, retracted"},
      {"language = \"english language\"", 5, "'language' 'english language' is not a BCP 47"},
      {"language = \"e\"", 5, "is not a BCP 47"},
      {"slug = \"Not A Slug\"", 5, "'slug' may hold only lower-case ASCII letters"},
      {"url = \"mailto:news@example.az\"", 5, "only http and https URLs"},
      {"updated = 2026-01-01T00:00:00Z", 5, "'updated' (2026-01-01T00:00:00Z) is before 'published'"},
      {"updated = 2026-01-03", 5, "'updated' is a date without a time"},
      {"tags = [\"\"]", 5, "entry 1 of 'tags' is empty"},
      {"tags = [\"!!!\"]", 5, "entry 1 of 'tags' '!!!' has no letters or digits"},
      {"authors = [{email = \"a@b.az\"}]", 5, "author 1 has no 'name'"},
      {"authors = [{name = \"A\", mail = \"a@b.az\"}]", 5,
       "unknown field 'mail' in author 1 (did you mean 'email'?)"},
      {"authors = [{name = \"A\", email = \"nobody\"}]", 5, "is not an e-mail address"},
      {"authors = 5", 5, "'authors' must be an array of names or of tables with a name"},
      {"images = [{width = 10}]", 5, "image 1 has no 'url'"},
      {"images = [{url = \"/a.bmpx\"}]", 5, "image 1 has no 'type' and its extension"},
      {"images = [{url = \"/a.jpg\", alt = \"x\"}]", 5, "unknown field 'alt' in image 1"},
      {"images = [\"/a.jpg\"]", 5, "image 1 must be a table with a 'url'"},
      {"images = [{url = \"/a.jpg\", type = \"jpeg\"}]", 5, "'type' of image 1 'jpeg' is not a MIME type"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.front);
    const std::string doc = std::string("+++\nid = \"x\"\ntitle = \"T\"\npublished = 2026-01-02T03:04:05Z\n") +
                            c.front + "\n+++\n";
    const core::Error e = err("a.md", doc);
    EXPECT_EQ(e.where, "a.md:" + std::to_string(c.line));
    EXPECT_THAT(e.message, HasSubstr(c.fragment));
  }
}

TEST_F(ArticleParserTest, RejectsBadIdsAndMissingFields) {
  EXPECT_THAT(err("a.md", "+++\nid = \"\"\n+++\n").message, HasSubstr("'id' is empty"));
  EXPECT_THAT(err("a.md", "+++\nid = \"a b\"\n+++\n").message, HasSubstr("must not contain spaces"));
  core::Error e = err("a.md", "+++\nid = \"x\"\npublished = 2026-01-02T03:04:05Z\n+++\n");
  EXPECT_EQ(e.where, "a.md:1");
  EXPECT_EQ(e.message, "missing required field 'title'");
  e = err("a.json", "\n\n{\"id\": \"x\", \"title\": \"T\"}");
  EXPECT_EQ(e.where, "a.json:3");
  EXPECT_EQ(e.message, "missing required field 'published'");
}

TEST_F(ArticleParserTest, RejectsEmptyAndUnknownFiles) {
  EXPECT_EQ(err("a.md", "").where, "a.md");
  EXPECT_THAT(err("a.md", "").message, HasSubstr("the file is empty"));
  EXPECT_THAT(err("a.json", " \n\t\n").message, HasSubstr("the file is empty"));
  EXPECT_THAT(err("a.txt", "x").message, HasSubstr("must end in .md or .json"));
  EXPECT_THAT(err("a.md", "+++").message, HasSubstr("never closed"));
}

}  // namespace
}  // namespace syndicated::store
