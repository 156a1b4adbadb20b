// The lists of feeds: OPML 2.0 (http://opml.org/spec2.opml) and the HTML index page at "/".
#include "feeds/render.hpp"
#include "feeds/xml_writer.hpp"

namespace syndicated::feeds {

std::string render_opml(const Site& site, std::span<const FeedSpec> feeds) {
  std::string out;
  out.reserve(512 + feeds.size() * 3 * 256);
  XmlWriter w(out);
  w.declaration();
  w.start("opml").attr("version", "2.0");
  w.start("head");
  w.element("title", site.title);
  w.element("ownerName", site.title);  // optional in OPML 2.0; the site owns these feeds
  w.element("docs", "http://opml.org/spec2.opml");
  w.end();
  w.start("body");
  const std::string html_url = site.base_url;
  for (const FeedSpec& feed : feeds) {
    for (Format f : kAllFormats) {
      std::string text = feed.title;
      text.append(" (").append(to_string(f)).append(")");
      w.start("outline")
          .attr("text", text)
          .attr("title", text)
          .attr("type", "rss")
          .attr("xmlUrl", feed_url(site, feed, f))
          .attr("htmlUrl", html_url);
      if (!feed.description.empty()) w.attr("description", feed.description);
      if (!site.language.empty()) w.attr("language", site.language);
      w.end();
    }
  }
  w.finish();
  return out;
}

std::string render_index_html(const Site& site, std::span<const FeedSpec> feeds) {
  std::string out = "<!DOCTYPE html>\n";
  out.reserve(1024 + feeds.size() * 512);
  XmlWriter w(out, /*html=*/true);
  w.start("html");
  if (!site.language.empty()) w.attr("lang", site.language);
  w.start("head");
  w.start("meta").attr("charset", "utf-8");
  w.end();
  w.start("meta").attr("name", "viewport").attr("content", "width=device-width, initial-scale=1");
  w.end();
  w.element("title", site.title + " — feeds");
  // Discovery: the site-wide feed in every format (the first feed of the catalog, if it is one).
  if (!feeds.empty() && feeds.front().kind == FeedKind::kSite) {
    for (Format f : kAllFormats) {
      w.start("link")
          .attr("rel", "alternate")
          .attr("type", media_type(f))
          .attr("title", feeds.front().title + " (" + to_string(f) + ")")
          .attr("href", feed_url(site, feeds.front(), f));
      w.end();
    }
  }
  w.end();  // head
  w.start("body");
  w.element("h1", site.title);
  if (!site.description.empty()) w.element("p", site.description);
  w.start("ul");
  for (const FeedSpec& feed : feeds) {
    w.start("li").attr("class", to_string(feed.kind));
    w.element("span", feed.title);
    for (Format f : kAllFormats) {
      w.start("a").attr("href", feed_url(site, feed, f)).attr("type", media_type(f));
      w.text(to_string(f));
      w.end();
    }
    w.end();
  }
  w.end();  // ul
  w.start("p");
  w.start("a").attr("href", absolute_url(site, "/feeds.opml")).attr("type", "text/x-opml");
  w.text("OPML");
  w.end();
  w.end();
  w.finish();
  return out;
}

}  // namespace syndicated::feeds
