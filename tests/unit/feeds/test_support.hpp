#pragma once
// Shared fixtures and helpers for the feeds tests: a fixed multilingual article set, time
// literals, temp files, external validators (jing, xmllint, python jsonschema) and golden files.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"
#include "feeds/model.hpp"

namespace syndicated::feeds::testing {

// Parses an RFC 3339 literal; aborts the test binary on a typo.
core::Timestamp ts(std::string_view rfc3339);

// The site of the golden files.
Site sample_site();
// A fixed article set: English, Azerbaijani, Russian, emoji, an image gallery, a draft, a
// retracted and an embargoed article. "Now" for it is kSampleNow.
std::vector<core::Article> sample_articles();
inline constexpr std::string_view kSampleNow = "2024-03-10T12:00:00Z";

// A minimal visible article.
core::Article article(std::string id, std::string_view published);

std::vector<const core::Article*> pointers(const std::vector<core::Article>& articles);

// Writes `content` to a fresh file under the test temp dir and returns its path.
std::string write_temp(std::string_view name, std::string_view content);
std::string read_file(const std::string& path);

bool have_program(const char* path);
// Runs a shell command; returns its exit status and puts stdout+stderr in `output`.
int run_command(const std::string& command, std::string& output);

// jing -c against the RFC 4287 RELAX NG compact schema.
::testing::AssertionResult atom_is_valid(std::string_view atom);
// xmllint --noout (well-formedness).
::testing::AssertionResult xml_is_well_formed(std::string_view xml);
// JSON Feed 1.1 schema (draft-04) with /usr/bin/python3 and jsonschema.
::testing::AssertionResult json_feed_is_valid(std::string_view json);

// Compares with tests/golden/feeds/<name>; rewrites the file when SYNDICATED_UPDATE_GOLDEN=1.
void expect_golden(const std::string& name, const std::string& actual);

}  // namespace syndicated::feeds::testing
