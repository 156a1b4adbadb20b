// The header grammars behind respond(): Accept-Encoding q-values and If-None-Match lists.
#include <gtest/gtest.h>

#include "http/reply.hpp"

namespace syndicated::http::detail {
namespace {

TEST(AcceptsGzip, Basics) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("GZip"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, gzip, br"));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.5"));
  EXPECT_TRUE(accepts_gzip("gzip ; q=0.001"));
  EXPECT_TRUE(accepts_gzip("gzip;Q=1.0"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzipx"));
}

TEST(AcceptsGzip, QZeroRefuses) {
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip; q=0.0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000"));
  EXPECT_FALSE(accepts_gzip("br, gzip;q=0, deflate"));
}

TEST(AcceptsGzip, Wildcard) {
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("br;q=1, *;q=0.1"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0, *"));    // the specific entry wins
  EXPECT_TRUE(accepts_gzip("gzip;q=0.2, *;q=0"));
}

TEST(AcceptsGzip, Malformed) {
  EXPECT_FALSE(accepts_gzip("gzip;q=abc"));
  EXPECT_FALSE(accepts_gzip("gzip;q=2"));
  EXPECT_FALSE(accepts_gzip("gzip;q="));
  EXPECT_FALSE(accepts_gzip(",,,;;;"));
  EXPECT_TRUE(accepts_gzip(" , gzip ,"));
  EXPECT_TRUE(accepts_gzip("gzip;level=9"));
}

TEST(IfNoneMatch, Matching) {
  EXPECT_TRUE(if_none_match_matches("\"a\"", "\"a\""));
  EXPECT_TRUE(if_none_match_matches("W/\"a\"", "\"a\""));
  EXPECT_TRUE(if_none_match_matches("\"a\"", "W/\"a\""));
  EXPECT_TRUE(if_none_match_matches("\"b\",\"a\"", "\"a\""));
  EXPECT_TRUE(if_none_match_matches("*", "\"a\""));
  EXPECT_TRUE(if_none_match_matches("*", ""));
  EXPECT_FALSE(if_none_match_matches("\"a\"", ""));
  EXPECT_FALSE(if_none_match_matches("\"ab\"", "\"a\""));
  EXPECT_FALSE(if_none_match_matches("a", "\"a\""));
  EXPECT_FALSE(if_none_match_matches("\"a", "\"a\""));
  EXPECT_FALSE(if_none_match_matches("\"a,\"b\"", "\"b\""));  // the quote swallows the comma
  EXPECT_TRUE(if_none_match_matches("junk, \"a\"", "\"a\""));
}

TEST(CacheControl, Format) {
  EXPECT_EQ(format_cache_control(300), "public, max-age=300");
  EXPECT_EQ(format_cache_control(0), "public, max-age=0");
  EXPECT_EQ(format_cache_control(-1), "no-cache");
}

TEST(ManagedHeaders, CaseInsensitive) {
  EXPECT_TRUE(is_managed_header("content-length"));
  EXPECT_TRUE(is_managed_header("Transfer-Encoding"));
  EXPECT_TRUE(is_managed_header("CONNECTION"));
  EXPECT_FALSE(is_managed_header("Content-Type"));
}

}  // namespace
}  // namespace syndicated::http::detail
