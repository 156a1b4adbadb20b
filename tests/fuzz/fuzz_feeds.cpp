// Fuzz target: arbitrary bytes as an article's text fields, rendered in every format. Whatever the
// input, each XML document must parse (tinyxml2) and the JSON Feed must parse (nlohmann), and
// rendering must not crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tinyxml2.h>
#include <vector>

#include "feeds/catalog.hpp"
#include "feeds/render.hpp"

using namespace syndicated;

namespace {

// Splits the input on NUL-free separators into up to 6 fields.
std::vector<std::string> fields(std::string_view in) {
  std::vector<std::string> out;
  while (out.size() < 5) {
    auto cut = in.find('\x1e');  // ASCII record separator
    if (cut == std::string_view::npos) break;
    out.emplace_back(in.substr(0, cut));
    in.remove_prefix(cut + 1);
  }
  out.emplace_back(in);
  out.resize(6);
  return out;
}

void require(bool ok, const char* what, const std::string& doc) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_feeds: %s\n%s\n", what, doc.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto f = fields(in);
  core::Article a;
  a.id = f[0].empty() ? "id" : f[0];
  a.title = f[1];
  a.summary = f[2];
  a.body_html = f[3];
  a.url = "https://news.example.az/2026/" + f[4];
  a.authors = {{f[5], "author", "", ""}};
  a.categories = {{f[1], "cat"}};
  a.tags = {{f[5], "tag"}};
  a.images = {{"https://news.example.az/i.jpg", "image/jpeg", 10, 10, 100, f[2]}};
  a.language = "az";
  a.published = core::Timestamp{1700000000, 0, 240};
  std::vector<core::Article> articles{a};

  feeds::Site site;
  site.title = f[5];
  site.base_url = "https://news.example.az/";
  feeds::FeedSpec spec;
  spec.path = "/feed";
  spec.title = f[1];
  auto items = feeds::select_items(spec, articles, core::Timestamp{1800000000, 0, 0});

  for (feeds::Format format : {feeds::Format::kRss, feeds::Format::kAtom}) {
    std::string doc = feeds::render(format, site, spec, items);
    tinyxml2::XMLDocument xml;
    require(xml.Parse(doc.data(), doc.size()) == tinyxml2::XML_SUCCESS, "XML does not parse", doc);
  }
  std::string json = feeds::render(feeds::Format::kJson, site, spec, items);
  require(nlohmann::json::accept(json), "JSON does not parse", json);
  std::vector<feeds::FeedSpec> specs{spec};
  std::string opml = feeds::render_opml(site, specs);
  tinyxml2::XMLDocument xml;
  require(xml.Parse(opml.data(), opml.size()) == tinyxml2::XML_SUCCESS, "OPML does not parse", opml);
  (void)feeds::render_index_html(site, specs);
  return 0;
}
