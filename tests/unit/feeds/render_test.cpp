#include "feeds/render.hpp"

#include <gtest/gtest.h>
#include <tinyxml2.h>

#include <nlohmann/json.hpp>

#include "feeds/catalog.hpp"
#include "test_support.hpp"

namespace syndicated::feeds {
namespace {

using testing::ts;
using tinyxml2::XMLDocument;
using tinyxml2::XMLElement;

struct Fixture {
  Site site = testing::sample_site();
  std::vector<core::Article> articles = testing::sample_articles();
  FeedSpec feed;
  std::vector<const core::Article*> items;
  Fixture() {
    feed.name = "site";
    feed.path = "/feed";
    feed.title = "APA News";
    feed.description = "All the news";
    items = select_items(feed, articles, ts(testing::kSampleNow));
  }
  const core::Article& by_id(std::string_view id) const {
    for (const auto& a : articles)
      if (a.id == id) return a;
    throw std::out_of_range("no article");
  }
};

int count_children(const XMLElement* parent, const char* name) {
  int n = 0;
  for (auto* e = parent->FirstChildElement(name); e; e = e->NextSiblingElement(name)) ++n;
  return n;
}

std::string all_text(const XMLElement* e) {
  std::string s;
  for (auto* n = e->FirstChild(); n; n = n->NextSibling())
    if (n->ToText()) s += n->Value();
  return s;
}

// --- RSS -------------------------------------------------------------------------------------

TEST(Rss, ChannelAndItems) {
  Fixture f;
  ASSERT_EQ(f.items.size(), 4u);
  const std::string rss = render_rss(f.site, f.feed, f.items);
  XMLDocument doc;
  ASSERT_EQ(doc.Parse(rss.c_str(), rss.size()), tinyxml2::XML_SUCCESS) << rss;
  const XMLElement* rss_el = doc.RootElement();
  EXPECT_STREQ(rss_el->Name(), "rss");
  EXPECT_STREQ(rss_el->Attribute("version"), "2.0");
  const XMLElement* ch = rss_el->FirstChildElement("channel");
  ASSERT_NE(ch, nullptr);
  EXPECT_STREQ(ch->FirstChildElement("title")->GetText(), "APA News");
  EXPECT_STREQ(ch->FirstChildElement("link")->GetText(), "https://news.example.az/");
  EXPECT_STREQ(ch->FirstChildElement("description")->GetText(), "All the news");
  EXPECT_STREQ(ch->FirstChildElement("language")->GetText(), "en");
  EXPECT_STREQ(ch->FirstChildElement("copyright")->GetText(), "© 2024 APA");
  EXPECT_STREQ(ch->FirstChildElement("generator")->GetText(), "syndicated");
  const XMLElement* self = ch->FirstChildElement("atom:link");
  ASSERT_NE(self, nullptr);
  EXPECT_STREQ(self->Attribute("rel"), "self");
  EXPECT_STREQ(self->Attribute("href"), "https://news.example.az/feed.xml");
  EXPECT_STREQ(self->Attribute("type"), "application/rss+xml");
  // The newest change: the gallery, published 2024-03-08T18:45:00-05:00 (newer than the
  // budget's update on 2024-03-02), written in its own offset.
  EXPECT_STREQ(ch->FirstChildElement("lastBuildDate")->GetText(), "Fri, 08 Mar 2024 18:45:00 -0500");
  EXPECT_STREQ(ch->FirstChildElement("image")->FirstChildElement("url")->GetText(),
               "https://news.example.az/icon.png");
  EXPECT_EQ(count_children(ch, "item"), 4);

  // Items newest first; the last one is the English budget article.
  const XMLElement* item = ch->FirstChildElement("item");
  EXPECT_STREQ(item->FirstChildElement("title")->GetText(), "Novruz celebrations 🎉 in pictures");
  const XMLElement* budget = ch->LastChildElement("item");
  EXPECT_STREQ(budget->FirstChildElement("title")->GetText(),
               "Parliament passes budget & tax reform");
  EXPECT_STREQ(budget->FirstChildElement("link")->GetText(),
               "https://news.example.az/politics/budget-passes");
  EXPECT_STREQ(budget->FirstChildElement("description")->GetText(),
               "The budget passed 87 to 12; see <details> & figures.");
  const XMLElement* guid = budget->FirstChildElement("guid");
  EXPECT_STREQ(guid->Attribute("isPermaLink"), "false");
  EXPECT_STREQ(guid->GetText(), "tag:news.example.az,2024:2024-0001");
  EXPECT_STREQ(budget->FirstChildElement("pubDate")->GetText(), "Fri, 01 Mar 2024 09:30:00 +0000");
  EXPECT_EQ(count_children(budget, "dc:creator"), 1);
  EXPECT_EQ(count_children(budget, "category"), 3);  // Politics + two tags
  const std::string body = all_text(budget->FirstChildElement("content:encoded"));
  EXPECT_NE(body.find("href=\"https://news.example.az/politics/vote-record\""), std::string::npos);
  EXPECT_NE(body.find("src=\"https://news.example.az/media/chamber.jpg\""), std::string::npos);
  EXPECT_NE(body.find("<code>a]]>b</code>"), std::string::npos);  // survived the CDATA split
  const XMLElement* enc = budget->FirstChildElement("enclosure");
  EXPECT_STREQ(enc->Attribute("url"), "https://news.example.az/media/chamber.jpg");
  EXPECT_STREQ(enc->Attribute("length"), "245760");
  EXPECT_STREQ(enc->Attribute("type"), "image/jpeg");
}

TEST(Rss, GalleryMediaAndEnclosureWithUnknownLength) {
  Fixture f;
  const std::string rss = render_rss(f.site, f.feed, f.items);
  XMLDocument doc;
  ASSERT_EQ(doc.Parse(rss.c_str(), rss.size()), tinyxml2::XML_SUCCESS);
  const XMLElement* item = doc.RootElement()->FirstChildElement("channel")->FirstChildElement("item");
  const XMLElement* enc = item->FirstChildElement("enclosure");
  ASSERT_NE(enc, nullptr);
  EXPECT_STREQ(enc->Attribute("length"), "0");  // unknown
  EXPECT_EQ(count_children(item, "enclosure"), 1);
  EXPECT_EQ(count_children(item, "media:content"), 3);
  const XMLElement* m = item->FirstChildElement("media:content");
  EXPECT_STREQ(m->Attribute("medium"), "image");
  EXPECT_STREQ(m->Attribute("width"), "1600");
  EXPECT_STREQ(m->Attribute("height"), "1067");
  EXPECT_STREQ(m->FirstChildElement("media:description")->GetText(), "Jumping over the bonfire");
  const XMLElement* second = m->NextSiblingElement("media:content");
  EXPECT_EQ(second->Attribute("width"), nullptr);
  EXPECT_EQ(second->FirstChildElement("media:description"), nullptr);
  const XMLElement* third = second->NextSiblingElement("media:content");
  EXPECT_STREQ(third->FirstChildElement("media:description")->GetText(), "Şəkərbura & paxlava");
  // Body URLs: srcset, poster and a protocol-relative src.
  const std::string body = all_text(item->FirstChildElement("content:encoded"));
  EXPECT_NE(body.find("srcset=\"https://news.example.az/media/novruz-1.jpg 1x, "
                      "https://news.example.az/media/novruz-1@2x.jpg 2x\""),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("poster=\"https://news.example.az/culture/media/poster.jpg\""),
            std::string::npos);
  EXPECT_NE(body.find("src=\"https://cdn.example.az/v/novruz.mp4\""), std::string::npos);
  EXPECT_TRUE(testing::xml_is_well_formed(rss));
}

TEST(Rss, EmptyFeedHasNoLastBuildDateAndIsWellFormed) {
  Fixture f;
  const std::string rss = render_rss(f.site, f.feed, {});
  XMLDocument doc;
  ASSERT_EQ(doc.Parse(rss.c_str(), rss.size()), tinyxml2::XML_SUCCESS);
  EXPECT_EQ(doc.RootElement()->FirstChildElement("channel")->FirstChildElement("lastBuildDate"),
            nullptr);
}

// --- Atom ------------------------------------------------------------------------------------

TEST(Atom, FeedAndEntries) {
  Fixture f;
  const std::string atom = render_atom(f.site, f.feed, f.items);
  XMLDocument doc;
  ASSERT_EQ(doc.Parse(atom.c_str(), atom.size()), tinyxml2::XML_SUCCESS);
  const XMLElement* feed = doc.RootElement();
  EXPECT_STREQ(feed->Name(), "feed");
  EXPECT_STREQ(feed->Attribute("xmlns"), "http://www.w3.org/2005/Atom");
  EXPECT_STREQ(feed->Attribute("xml:lang"), "en");
  EXPECT_STREQ(feed->FirstChildElement("id")->GetText(), "tag:news.example.az,2024:/feed");
  EXPECT_STREQ(feed->FirstChildElement("updated")->GetText(), "2024-03-08T18:45:00-05:00");
  EXPECT_STREQ(feed->FirstChildElement("icon")->GetText(), "https://news.example.az/icon.png");
  EXPECT_STREQ(feed->FirstChildElement("rights")->GetText(), "© 2024 APA");
  const XMLElement* self = feed->FirstChildElement("link");
  EXPECT_STREQ(self->Attribute("rel"), "self");
  EXPECT_STREQ(self->Attribute("href"), "https://news.example.az/feed.atom");
  EXPECT_STREQ(self->NextSiblingElement("link")->Attribute("rel"), "alternate");
  EXPECT_EQ(count_children(feed, "entry"), 4);
  // Every entry has an author: no feed-level author needed.
  EXPECT_EQ(feed->FirstChildElement("author"), nullptr);

  const XMLElement* gallery = feed->FirstChildElement("entry");
  EXPECT_STREQ(gallery->Attribute("xml:lang"), "en");  // site language fallback
  const XMLElement* az = gallery->NextSiblingElement("entry");
  const XMLElement* ru = az->NextSiblingElement("entry");
  // Same instant (10:00Z) for az and ru? No: az is 10:00Z, ru 11:00Z; ru is newer.
  EXPECT_STREQ(az->Attribute("xml:lang"), "ru");
  EXPECT_STREQ(ru->Attribute("xml:lang"), "az");
  const XMLElement* budget = feed->LastChildElement("entry");
  EXPECT_STREQ(budget->FirstChildElement("id")->GetText(), "tag:news.example.az,2024:2024-0001");
  EXPECT_STREQ(budget->FirstChildElement("published")->GetText(), "2024-03-01T09:30:00Z");
  EXPECT_STREQ(budget->FirstChildElement("updated")->GetText(), "2024-03-02T08:00:00+04:00");
  EXPECT_STREQ(budget->FirstChildElement("title")->Attribute("type"), "text");
  EXPECT_STREQ(budget->FirstChildElement("title")->GetText(),
               "Parliament passes budget & tax reform");
  const XMLElement* author = budget->FirstChildElement("author");
  EXPECT_STREQ(author->FirstChildElement("name")->GetText(), "Jane Doe");
  EXPECT_STREQ(author->FirstChildElement("uri")->GetText(), "https://news.example.az/author/jane-doe");
  EXPECT_STREQ(author->FirstChildElement("email")->GetText(), "jane@news.example.az");
  const XMLElement* cat = budget->FirstChildElement("category");
  EXPECT_STREQ(cat->Attribute("term"), "politics");
  EXPECT_STREQ(cat->Attribute("label"), "Politics");
  EXPECT_STREQ(cat->Attribute("scheme"), "https://news.example.az/category/");
  EXPECT_EQ(count_children(budget, "category"), 3);
  const XMLElement* alt = budget->FirstChildElement("link");
  EXPECT_STREQ(alt->Attribute("rel"), "alternate");
  EXPECT_STREQ(alt->Attribute("href"), "https://news.example.az/politics/budget-passes");
  const XMLElement* enc = alt->NextSiblingElement("link");
  EXPECT_STREQ(enc->Attribute("rel"), "enclosure");
  EXPECT_STREQ(enc->Attribute("type"), "image/jpeg");
  EXPECT_STREQ(enc->Attribute("length"), "245760");
  EXPECT_STREQ(budget->FirstChildElement("summary")->Attribute("type"), "text");
  const XMLElement* content = budget->FirstChildElement("content");
  EXPECT_STREQ(content->Attribute("type"), "html");
  EXPECT_NE(std::string(content->GetText()).find("https://news.example.az/politics/vote-record"),
            std::string::npos);
}

TEST(Atom, ValidatesAgainstRfc4287Schema) {
  if (!testing::have_program("/usr/bin/jing")) GTEST_SKIP() << "jing not installed";
  Fixture f;
  EXPECT_TRUE(testing::atom_is_valid(render_atom(f.site, f.feed, f.items)));
  // An empty feed needs a feed-level author and still an <updated>.
  const std::string empty = render_atom(f.site, f.feed, {});
  EXPECT_TRUE(testing::atom_is_valid(empty));
  EXPECT_NE(empty.find("<updated>1970-01-01T00:00:00Z</updated>"), std::string::npos);
  EXPECT_NE(empty.find("<author>"), std::string::npos);
}

TEST(Atom, EntryIdsArePercentEncodedTagUris) {
  Fixture f;
  core::Article odd = testing::article("x y#1%", "2024-03-01T00:00:00Z");
  const core::Article* items[] = {&odd};
  const std::string atom = render_atom(f.site, f.feed, items);
  EXPECT_NE(atom.find("<id>tag:news.example.az,2024:x%20y%231%25</id>"), std::string::npos)
      << atom;
}

// --- JSON Feed -------------------------------------------------------------------------------

TEST(JsonFeed, TopLevelAndItems) {
  Fixture f;
  const auto j = nlohmann::json::parse(render_json_feed(f.site, f.feed, f.items));
  EXPECT_EQ(j["version"], "https://jsonfeed.org/version/1.1");
  EXPECT_EQ(j["title"], "APA News");
  EXPECT_EQ(j["home_page_url"], "https://news.example.az/");
  EXPECT_EQ(j["feed_url"], "https://news.example.az/feed.json");
  EXPECT_EQ(j["description"], "All the news");
  EXPECT_EQ(j["icon"], "https://news.example.az/icon.png");
  EXPECT_EQ(j["language"], "en");
  EXPECT_EQ(j["authors"][0]["name"], "APA News");
  ASSERT_EQ(j["items"].size(), 4u);
  const auto& gallery = j["items"][0];
  EXPECT_EQ(gallery["id"], "tag:news.example.az,2024:2024-0004");
  EXPECT_EQ(gallery["image"], "https://news.example.az/media/novruz-1.jpg");
  EXPECT_EQ(gallery["date_published"], "2024-03-08T18:45:00-05:00");
  EXPECT_EQ(gallery["language"], "en");
  ASSERT_EQ(gallery["attachments"].size(), 3u);
  EXPECT_EQ(gallery["attachments"][0]["mime_type"], "image/jpeg");
  EXPECT_EQ(gallery["attachments"][0]["title"], "Jumping over the bonfire");
  EXPECT_FALSE(gallery["attachments"][0].contains("size_in_bytes"));
  EXPECT_EQ(gallery["attachments"][2]["size_in_bytes"], 51200);
  EXPECT_EQ(gallery["tags"], (nlohmann::json{"Culture", "Novruz", "Gallery"}));
  const auto& budget = j["items"][3];
  EXPECT_EQ(budget["title"], "Parliament passes budget & tax reform");
  EXPECT_EQ(budget["date_published"], "2024-03-01T09:30:00Z");
  EXPECT_EQ(budget["date_modified"], "2024-03-02T08:00:00+04:00");
  EXPECT_EQ(budget["authors"][0]["url"], "https://news.example.az/author/jane-doe");
  EXPECT_FALSE(budget["authors"][0].contains("email"));  // the schema allows no email
  EXPECT_NE(budget["content_html"].get<std::string>().find("https://news.example.az/media/chamber.jpg"),
            std::string::npos);
  EXPECT_EQ(j["items"][1]["language"], "ru");
}

TEST(JsonFeed, ValidatesAgainstSchema) {
  if (!testing::have_program("/usr/bin/python3")) GTEST_SKIP() << "python3 not installed";
  Fixture f;
  EXPECT_TRUE(testing::json_feed_is_valid(render_json_feed(f.site, f.feed, f.items)));
  EXPECT_TRUE(testing::json_feed_is_valid(render_json_feed(f.site, f.feed, {})));
}

TEST(JsonFeed, TagsAreUnique) {
  Fixture f;
  core::Article a = testing::article("dup", "2024-03-01T00:00:00Z");
  a.categories = {{"Same", "same"}};
  a.tags = {{"Same", "same"}, {"Other", "other"}};
  const core::Article* items[] = {&a};
  const auto j = nlohmann::json::parse(render_json_feed(f.site, f.feed, items));
  EXPECT_EQ(j["items"][0]["tags"], (nlohmann::json{"Same", "Other"}));
}

// --- Every renderer --------------------------------------------------------------------------

core::Article hostile_article() {
  core::Article a = testing::article("evil", "2024-03-01T00:00:00Z");
  a.title = "Bad \x01\x0B title \xC3\x28 <script>alert(1)</script>&amp;";
  a.title.push_back('\0');
  a.title += " end";
  a.summary = "nul\x00 and \x1F and \xEF\xBF\xBF and ]]> too";
  a.summary.push_back('\0');
  a.body_html = "<p>]]></p><p>\x02\xED\xA0\x80</p><![CDATA[x]]>";
  a.authors = {{"Au\x07thor", "author", "", "a@b.c"}};
  a.categories = {{"Cat\x08", "cat"}};
  a.images = {{"https://x.example/a.jpg?x=1&y=<2>", "image/jpeg", 1, 2, 3, "cap\x0C"}};
  return a;
}

TEST(AllRenderers, HostileTextYieldsWellFormedOutput) {
  Fixture f;
  core::Article a = hostile_article();
  const core::Article* items[] = {&a};
  for (Format fmt : kAllFormats) {
    const std::string out = render(fmt, f.site, f.feed, items);
    for (char c : out) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_FALSE(u < 0x20 && c != '\n' && c != '\t' && c != '\r')
          << to_string(fmt) << " has control " << static_cast<int>(u);
    }
    EXPECT_EQ(out.find("\xEF\xBF\xBF"), std::string::npos);
    EXPECT_EQ(out.find("\xED\xA0\x80"), std::string::npos);
    if (fmt == Format::kJson) {
      EXPECT_TRUE(nlohmann::json::accept(out)) << out;
      EXPECT_EQ(out.find("\\u00"), std::string::npos) << out;  // no escaped controls either
    } else {
      XMLDocument doc;
      EXPECT_EQ(doc.Parse(out.c_str(), out.size()), tinyxml2::XML_SUCCESS) << out;
      EXPECT_TRUE(testing::xml_is_well_formed(out));
    }
  }
  if (testing::have_program("/usr/bin/jing")) {
    EXPECT_TRUE(testing::atom_is_valid(render_atom(f.site, f.feed, items)));
  }
  const auto j = nlohmann::json::parse(render_json_feed(f.site, f.feed, items));
  EXPECT_EQ(j["items"][0]["title"].get<std::string>(), "Bad title \xEF\xBF\xBD( & end");
}

TEST(AllRenderers, TitlesArePlainText) {
  Fixture f;
  core::Article a = testing::article("t", "2024-03-01T00:00:00Z");
  a.title = "<b>Breaking:</b> &ldquo;Quotes&rdquo; &amp; <i>more</i>";
  const core::Article* items[] = {&a};
  const std::string rss = render_rss(f.site, f.feed, items);
  EXPECT_NE(rss.find("<title>Breaking: “Quotes” &amp; more</title>"), std::string::npos) << rss;
  const std::string atom = render_atom(f.site, f.feed, items);
  EXPECT_NE(atom.find("<title type=\"text\">Breaking: “Quotes” &amp; more</title>"),
            std::string::npos);
  const auto j = nlohmann::json::parse(render_json_feed(f.site, f.feed, items));
  EXPECT_EQ(j["items"][0]["title"], "Breaking: “Quotes” & more");
}

TEST(AllRenderers, Deterministic) {
  Fixture f;
  for (Format fmt : kAllFormats) {
    const std::string first = render(fmt, f.site, f.feed, f.items);
    Fixture g;  // fresh copies of the same inputs
    EXPECT_EQ(first, render(fmt, g.site, g.feed, g.items)) << to_string(fmt);
  }
  auto feeds = build_catalog(f.site, FeedsConfig{}, f.articles, ts(testing::kSampleNow));
  EXPECT_EQ(render_opml(f.site, feeds), render_opml(f.site, feeds));
  EXPECT_EQ(render_index_html(f.site, feeds), render_index_html(f.site, feeds));
}

TEST(AllRenderers, TenThousandItems) {
  Fixture f;
  std::vector<core::Article> many;
  many.reserve(10000);
  for (int i = 0; i < 10000; ++i) {
    // (Appended: GCC 12 at -O3 warns falsely, -Wrestrict, about "literal" + std::string&&.)
    std::string id = "n";
    id += std::to_string(i);
    core::Article a = testing::article(id, "2024-01-01T00:00:00Z");
    a.published.unix_seconds += i;
    a.body_html = "<p>Paragraph with a <a href=\"/link/" + std::to_string(i) + "\">link</a>.</p>";
    a.categories = {{"Politics", "politics"}};
    many.push_back(std::move(a));
  }
  f.feed.limit = many.size();
  const auto items = select_items(f.feed, many, ts("2025-01-01T00:00:00Z"));
  ASSERT_EQ(items.size(), 10000u);
  EXPECT_EQ(items.front()->id, "n9999");
  for (Format fmt : kAllFormats) {
    const std::string out = render(fmt, f.site, f.feed, items);
    EXPECT_GT(out.size(), 10000u * 200) << to_string(fmt);
  }
  const std::string rss = render_rss(f.site, f.feed, items);
  XMLDocument doc;
  ASSERT_EQ(doc.Parse(rss.c_str(), rss.size()), tinyxml2::XML_SUCCESS);
  EXPECT_EQ(count_children(doc.RootElement()->FirstChildElement("channel"), "item"), 10000);
}

// --- Lists -----------------------------------------------------------------------------------

TEST(Opml, ListsEveryFeedInEveryFormat) {
  Fixture f;
  const auto feeds = build_catalog(f.site, FeedsConfig{}, f.articles, ts(testing::kSampleNow));
  const std::string opml = render_opml(f.site, feeds);
  XMLDocument doc;
  ASSERT_EQ(doc.Parse(opml.c_str(), opml.size()), tinyxml2::XML_SUCCESS);
  EXPECT_STREQ(doc.RootElement()->Attribute("version"), "2.0");
  const XMLElement* body = doc.RootElement()->FirstChildElement("body");
  EXPECT_EQ(count_children(body, "outline"), static_cast<int>(feeds.size() * 3));
  const XMLElement* o = body->FirstChildElement("outline");
  EXPECT_STREQ(o->Attribute("type"), "rss");
  EXPECT_STREQ(o->Attribute("text"), "APA News (RSS)");
  EXPECT_STREQ(o->Attribute("title"), "APA News (RSS)");
  EXPECT_STREQ(o->Attribute("xmlUrl"), "https://news.example.az/feed.xml");
  EXPECT_STREQ(o->Attribute("htmlUrl"), "https://news.example.az/");
  EXPECT_STREQ(o->NextSiblingElement()->Attribute("xmlUrl"), "https://news.example.az/feed.atom");
}

TEST(IndexHtml, DiscoveryLinksLangAndEscaping) {
  Fixture f;
  f.site.title = "A <b> & \"Q\"";
  f.site.language = "az";
  const auto feeds = build_catalog(f.site, FeedsConfig{}, f.articles, ts(testing::kSampleNow));
  const std::string html = render_index_html(f.site, feeds);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"az\">", 0), 0u) << html;
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<title>A &lt;b&gt; &amp; \"Q\" — feeds</title>"), std::string::npos);
  EXPECT_NE(html.find("<link rel=\"alternate\" type=\"application/rss+xml\" "
                      "title=\"A &lt;b&gt; &amp; &quot;Q&quot; (RSS)\" "
                      "href=\"https://news.example.az/feed.xml\">"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("type=\"application/atom+xml\""), std::string::npos);
  EXPECT_NE(html.find("type=\"application/feed+json\""), std::string::npos);
  EXPECT_NE(html.find("href=\"https://news.example.az/category/politics/feed.atom\""),
            std::string::npos);
  EXPECT_NE(html.find("href=\"https://news.example.az/feeds.opml\""), std::string::npos);
}

}  // namespace
}  // namespace syndicated::feeds
