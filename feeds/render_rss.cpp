// RSS 2.0 (https://www.rssboard.org/rss-specification) with the atom, content, dc and media
// (Media RSS) namespaces.
#include <vector>

#include "core/time.hpp"
#include "feeds/render.hpp"
#include "feeds/render_util.hpp"
#include "feeds/xml_writer.hpp"

namespace syndicated::feeds {
namespace {

void write_item(XmlWriter& w, const core::Article& a, const PreparedItem& p,
                std::string_view body) {
  w.start("item");
  w.element("title", p.title);
  if (!a.url.empty()) w.element("link", a.url);
  w.element("description", a.summary);
  if (!a.body_html.empty()) {
    w.start("content:encoded");
    w.cdata(body);
    w.end();
  }
  for (const core::Author& au : a.authors) w.element("dc:creator", au.name);
  for (const core::Term& t : a.categories) w.element("category", t.name);
  for (const core::Term& t : a.tags) w.element("category", t.name);
  w.start("guid").attr("isPermaLink", "false");
  w.text(p.id);
  w.end();
  w.element("pubDate", core::format_rfc822(a.published));
  if (!a.images.empty()) {
    const core::Image& lead = a.images.front();
    w.start("enclosure")
        .attr("url", lead.url)
        .attr("length", lead.length.value_or(0))
        .attr("type", lead.type.empty() ? std::string_view("application/octet-stream")
                                         : std::string_view(lead.type));
    w.end();
  }
  for (const core::Image& img : a.images) {
    w.start("media:content").attr("url", img.url).attr("medium", "image");
    if (!img.type.empty()) w.attr("type", img.type);
    if (img.length) w.attr("fileSize", *img.length);
    if (img.width) w.attr("width", *img.width);
    if (img.height) w.attr("height", *img.height);
    if (!img.caption.empty()) {
      w.start("media:description").attr("type", "plain");
      w.text(img.caption);
      w.end();
    }
    w.end();
  }
  w.end();
}

}  // namespace

std::string rss_item_fragment(const core::Article& a, const PreparedItem& p,
                              std::string_view body) {
  std::string out;
  out.reserve(1024 + body.size() + body.size() / 8);
  XmlWriter w(out, std::size_t{2});  // rss > channel > item
  write_item(w, a, p, body);
  return out;
}

std::string render_rss(const Site& site, const FeedSpec& feed,
                       std::span<const core::Article* const> items) {
  ItemCache cache(site);
  return render_rss(site, feed, items, cache);
}

std::string render_rss(const Site& site, const FeedSpec& feed,
                       std::span<const core::Article* const> items, ItemCache& cache) {
  std::vector<const PreparedItem*> prepared;
  prepared.reserve(items.size());
  std::size_t size = 2048;
  for (const core::Article* a : items) {
    prepared.push_back(&cache.get(*a));
    size += prepared.back()->rss_item.size();
  }
  std::string out;
  out.reserve(size);
  XmlWriter w(out);
  w.declaration();
  w.start("rss")
      .attr("version", "2.0")
      .attr("xmlns:atom", "http://www.w3.org/2005/Atom")
      .attr("xmlns:content", "http://purl.org/rss/1.0/modules/content/")
      .attr("xmlns:dc", "http://purl.org/dc/elements/1.1/")
      .attr("xmlns:media", "http://search.yahoo.com/mrss/");
  w.start("channel");
  w.element("title", feed.title);
  w.element("link", home_page(site));
  w.element("description", feed.description.empty() ? feed.title : feed.description);
  w.start("atom:link")
      .attr("href", feed_url(site, feed, Format::kRss))
      .attr("rel", "self")
      .attr("type", media_type(Format::kRss));
  w.end();
  if (!site.language.empty()) w.element("language", site.language);
  if (!site.copyright.empty()) w.element("copyright", site.copyright);
  // The newest change in the feed, not the time of rendering: same input, same bytes.
  if (auto newest = newest_change(items)) w.element("lastBuildDate", core::format_rfc822(*newest));
  w.element("generator", kGenerator);
  w.element("docs", "https://www.rssboard.org/rss-specification");
  if (!site.icon.empty()) {
    w.start("image");
    w.element("url", site.icon);
    w.element("title", feed.title);
    w.element("link", home_page(site));
    w.end();
  }
  for (const PreparedItem* p : prepared) w.raw_child(p->rss_item);
  w.finish();
  return out;
}

std::string render(Format format, const Site& site, const FeedSpec& feed,
                   std::span<const core::Article* const> items) {
  ItemCache cache(site);
  return render(format, site, feed, items, cache);
}

std::string render(Format format, const Site& site, const FeedSpec& feed,
                   std::span<const core::Article* const> items, ItemCache& cache) {
  switch (format) {
    case Format::kRss: return render_rss(site, feed, items, cache);
    case Format::kAtom: return render_atom(site, feed, items, cache);
    case Format::kJson: return render_json_feed(site, feed, items, cache);
  }
  return {};
}

}  // namespace syndicated::feeds
