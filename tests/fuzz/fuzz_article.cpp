// Fuzz target: arbitrary bytes as an article file, both as Markdown with TOML front matter and as
// JSON. The parser must return an article or an error, never crash, hang or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/article_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const syndicated::store::ArticleParser parser([] {
    syndicated::store::ParserOptions options;
    options.base_url = "https://news.example.az/";
    options.permalink = "{lang}/{category}/{yyyy}/{mm}/{dd}/{id}-{slug}/";
    return options;
  }());
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const char* file : {"fuzz/article.md", "fuzz/article.json"}) {
    auto result = parser.parse(file, bytes);
    if (result.ok()) {
      // Invariants of a parsed article.
      const auto& a = result.value();
      if (a.id.empty() || a.title.empty() || a.slug.empty() || a.url.empty()) std::abort();
      if (a.updated && *a.updated < a.published) std::abort();
    } else if (result.error().message.empty()) {
      std::abort();
    }
  }
  return 0;
}
