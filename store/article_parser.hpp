#pragma once
// Parses and validates one article file's bytes into a core::Article, or explains exactly what is
// wrong and on which line. No file I/O here: DirectoryStore reads, this parses.
#include <memory>
#include <string>
#include <string_view>

#include "core/article.hpp"
#include "core/result.hpp"

namespace syndicated::store {

struct ParserOptions {
  // Absolute base URL of the site, ending in '/'. Relative `url` and image URLs resolve against it.
  std::string base_url = "http://localhost:8080/";
  // Pattern for the canonical URL when an article has no `url`, relative to base_url.
  // Placeholders: {slug} {id} {yyyy} {mm} {dd} {category} {lang}.
  std::string permalink = "{yyyy}/{mm}/{dd}/{slug}/";
};

// What parse() learnt besides the article, for callers that report lines themselves
// (DirectoryStore turns errors into Diagnostics and names the line of a duplicate `id`).
struct ParseInfo {
  int id_line = 0;     // line of the `id` field; 0 when unknown
  int error_line = 0;  // line of the error when parsing failed; 0 when it is the whole file
};

// Errors carry where = "<file>:<line>" (line omitted when unknown).
// Thread-safe: one parser may be shared by threads (the transliterator is guarded by a mutex).
// Throws std::invalid_argument from the constructor when base_url is not an absolute http(s) URL
// or the permalink pattern names an unknown placeholder (a start-up configuration error).
class ArticleParser {
 public:
  explicit ArticleParser(ParserOptions options);
  ~ArticleParser();
  ArticleParser(const ArticleParser&) = delete;
  ArticleParser& operator=(const ArticleParser&) = delete;

  // `file` is the path relative to the store root (used for the format and in errors).
  core::Result<core::Article> parse(std::string_view file, std::string_view bytes) const;
  core::Result<core::Article> parse(std::string_view file, std::string_view bytes,
                                    ParseInfo& info) const;

  // ASCII slug of a name in any script: "Siyasət" -> "siyaset", "Политика" -> "politika".
  std::string slugify(std::string_view name) const;

 private:
  struct Impl;
  ParserOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace syndicated::store
