// URL extraction against twitter-text's extract.yml (urls, urls_with_indices, directional
// markers, t.co with parameters). Indices there are UTF-16; extract_urls() gives UTF-8 bytes.
#include <gtest/gtest.h>

#include <set>

#include "compose/compose.hpp"
#include "tests/unit/compose/test_util.hpp"

namespace syndicated::compose {
namespace {

using test::conformance;
using test::load_json;
using test::utf16_length;

// Cases of extract.yml this implementation knowingly does not pass (description -> why).
// Empty: every case of the sections below passes.
const std::set<std::string> kKnownExceptions = {};

std::vector<std::string> values(const std::vector<Span>& spans) {
  std::vector<std::string> out;
  for (const auto& s : spans) out.push_back(s.value);
  return out;
}

int run_plain(const char* section) {
  const auto doc = load_json(conformance("extract.json"));
  int n = 0;
  for (const auto& c : doc.at("tests").at(section)) {
    const std::string what = c.at("description").get<std::string>();
    if (kKnownExceptions.count(what)) continue;
    const std::string text = c.at("text").get<std::string>();
    const auto spans = extract_urls(text);
    EXPECT_EQ(values(spans), c.at("expected").get<std::vector<std::string>>()) << what;
    for (const auto& s : spans) {
      EXPECT_EQ(text.substr(s.byte_start, s.byte_end - s.byte_start), s.value) << what;
    }
    ++n;
  }
  return n;
}

int run_indices(const char* section) {
  const auto doc = load_json(conformance("extract.json"));
  int n = 0;
  for (const auto& c : doc.at("tests").at(section)) {
    const std::string what = c.at("description").get<std::string>();
    if (kKnownExceptions.count(what)) continue;
    const std::string text = c.at("text").get<std::string>();
    const auto spans = extract_urls(text);
    const auto& expected = c.at("expected");
    EXPECT_EQ(spans.size(), expected.size()) << what;
    if (spans.size() != expected.size()) continue;
    for (std::size_t i = 0; i < spans.size(); ++i) {
      EXPECT_EQ(spans[i].value, expected[i].at("url").get<std::string>()) << what;
      const auto indices = expected[i].at("indices").get<std::vector<std::size_t>>();
      EXPECT_EQ(utf16_length(std::string_view(text).substr(0, spans[i].byte_start)), indices[0])
          << what;
      EXPECT_EQ(utf16_length(std::string_view(text).substr(0, spans[i].byte_end)), indices[1])
          << what;
    }
    ++n;
  }
  return n;
}

TEST(ExtractUrls, Urls) { EXPECT_GT(run_plain("urls"), 50); }
TEST(ExtractUrls, UrlsWithIndices) { EXPECT_GT(run_indices("urls_with_indices"), 5); }
TEST(ExtractUrls, UrlsWithDirectionalMarkers) {
  EXPECT_EQ(run_indices("urls_with_directional_markers"), 2);
}
TEST(ExtractUrls, TcoUrlsWithParams) { EXPECT_EQ(run_plain("tco_urls_with_params"), 5); }

TEST(ExtractUrls, NewsroomLinks) {
  const std::string text = "Oxuyun: azernews.az/business/1.html və https://report.az/x?a=1.";
  const auto spans = extract_urls(text);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].value, "azernews.az/business/1.html");
  EXPECT_EQ(spans[1].value, "https://report.az/x?a=1");
  EXPECT_EQ(text.substr(spans[1].byte_start, spans[1].byte_end - spans[1].byte_start),
            spans[1].value);
  EXPECT_TRUE(extract_urls("no links here, just words.").empty());
  // Bare domains count, short ccTLD ones included (as in twitter-text 3.x); file names do not.
  EXPECT_EQ(values(extract_urls("see foo.az now")), std::vector<std::string>{"foo.az"});
  EXPECT_TRUE(extract_urls("report.pdf and archive.tar.bz2").empty());
  EXPECT_EQ(values(extract_urls("see foo.az/x now")), std::vector<std::string>{"foo.az/x"});
}

}  // namespace
}  // namespace syndicated::compose
