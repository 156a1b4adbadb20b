// Atom 1.0 (RFC 4287). Validates against the RFC's RELAX NG schema (tested with jing).
#include <algorithm>
#include <vector>

#include "core/time.hpp"
#include "feeds/render.hpp"
#include "feeds/render_util.hpp"
#include "feeds/xml_writer.hpp"

namespace syndicated::feeds {
namespace {

void write_person(XmlWriter& w, std::string_view name, std::string_view uri,
                  std::string_view email) {
  w.start("author");
  w.element("name", name);
  if (!uri.empty()) w.element("uri", uri);
  if (!email.empty()) w.element("email", email);
  w.end();
}

void write_category(XmlWriter& w, const core::Term& t, const std::string& scheme) {
  w.start("category").attr("term", t.slug.empty() ? t.name : t.slug);
  w.attr("scheme", scheme);
  w.attr("label", t.name);
  w.end();
}

void write_entry(XmlWriter& w, const Site& site, const core::Article& a, const PreparedItem& p,
                 std::string_view body, const std::string& category_scheme,
                 const std::string& tag_scheme) {
  w.start("entry").attr("xml:lang", item_language(site, a));
  w.element("id", p.id);
  w.start("title").attr("type", "text");
  w.text(p.title);
  w.end();
  w.element("published", core::format_rfc3339(a.published));
  w.element("updated", core::format_rfc3339(a.modified()));
  for (const core::Author& au : a.authors) write_person(w, au.name, au.url, au.email);
  for (const core::Term& t : a.categories) write_category(w, t, category_scheme);
  for (const core::Term& t : a.tags) write_category(w, t, tag_scheme);
  if (!a.url.empty()) {
    w.start("link").attr("rel", "alternate").attr("type", "text/html").attr("href", a.url);
    w.end();
  }
  if (!a.images.empty()) {
    const core::Image& lead = a.images.front();
    w.start("link").attr("rel", "enclosure").attr("href", lead.url);
    // atomMediaType must look like "type/subtype".
    if (lead.type.find('/') != std::string::npos) w.attr("type", lead.type);
    if (lead.length) w.attr("length", *lead.length);
    if (!lead.caption.empty()) w.attr("title", lead.caption);
    w.end();
  }
  if (!a.summary.empty()) {
    w.start("summary").attr("type", "text");
    w.text(a.summary);
    w.end();
  }
  w.start("content").attr("type", "html");
  w.text(body);
  w.end();
  w.end();
}

}  // namespace

std::string atom_entry_fragment(const Site& site, const core::Article& a, const PreparedItem& p,
                                std::string_view body) {
  std::string out;
  out.reserve(1024 + body.size() + body.size() / 4);
  XmlWriter w(out, std::size_t{1});  // feed > entry
  write_entry(w, site, a, p, body, absolute_url(site, "/category/"), absolute_url(site, "/tag/"));
  return out;
}

std::string render_atom(const Site& site, const FeedSpec& feed,
                        std::span<const core::Article* const> items) {
  ItemCache cache(site);
  return render_atom(site, feed, items, cache);
}

std::string render_atom(const Site& site, const FeedSpec& feed,
                        std::span<const core::Article* const> items, ItemCache& cache) {
  return render_atom(site, feed, items, cache, {});
}

std::string render_atom(const Site& site, const FeedSpec& feed,
                        std::span<const core::Article* const> items, ItemCache& cache,
                        std::span<const DeletedEntry> deleted) {
  std::vector<const PreparedItem*> prepared;
  prepared.reserve(items.size());
  std::size_t size = 2048 + deleted.size() * 128;
  for (const core::Article* a : items) {
    prepared.push_back(&cache.get(*a));
    size += prepared.back()->atom_entry.size();
  }
  std::string out;
  out.reserve(size);
  XmlWriter w(out);
  w.declaration();
  w.start("feed").attr("xmlns", "http://www.w3.org/2005/Atom");
  if (!deleted.empty()) w.attr("xmlns:at", kTombstonesNamespace);
  if (!site.language.empty()) w.attr("xml:lang", site.language);
  w.element("id", feed_id(site, feed));
  w.start("title").attr("type", "text");
  w.text(feed.title);
  w.end();
  if (!feed.description.empty()) {
    w.start("subtitle").attr("type", "text");
    w.text(feed.description);
    w.end();
  }
  // Atom requires <updated>; an empty feed has no change to report, so it uses the epoch rather
  // than the current time (same input, same bytes).
  const core::Timestamp updated = newest_change(items).value_or(core::Timestamp{});
  w.element("updated", core::format_rfc3339(updated));
  w.start("link")
      .attr("rel", "self")
      .attr("type", media_type(Format::kAtom))
      .attr("href", feed_url(site, feed, Format::kAtom));
  w.end();
  w.start("link").attr("rel", "alternate").attr("type", "text/html").attr("href", home_page(site));
  w.end();
  // RFC 4287 4.1.1: the feed needs an author unless every entry has one.
  const bool every_entry_has_author = std::all_of(
      items.begin(), items.end(), [](const core::Article* a) { return !a->authors.empty(); });
  if (items.empty() || !every_entry_has_author) write_person(w, site.title, home_page(site), {});
  w.start("generator");
  w.text(kGenerator);
  w.end();
  if (!site.icon.empty()) w.element("icon", site.icon);
  if (!site.copyright.empty()) {
    w.start("rights").attr("type", "text");
    w.text(site.copyright);
    w.end();
  }
  for (const DeletedEntry& d : deleted) {
    // RFC 6721 section 3: ref and when are required; we write them in UTC.
    core::Timestamp when = d.when;
    when.offset_minutes = 0;
    w.start("at:deleted-entry").attr("ref", d.ref).attr("when", core::format_rfc3339(when));
    w.end();
  }
  for (const PreparedItem* p : prepared) w.raw_child(p->atom_entry);
  w.finish();
  return out;
}

}  // namespace syndicated::feeds
