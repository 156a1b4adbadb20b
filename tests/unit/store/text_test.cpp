#include "store/text.hpp"

#include <gtest/gtest.h>

namespace syndicated::store::detail {
namespace {

TEST(CheckUtf8, AcceptsValidText) {
  EXPECT_TRUE(check_utf8("").ok);
  EXPECT_TRUE(check_utf8("plain ascii\n").ok);
  EXPECT_TRUE(check_utf8("Siyasət Политика 日本 😀").ok);
}

TEST(CheckUtf8, FindsLineAndColumnOfTheFirstBadByte) {
  auto r = check_utf8("one\ntwo\nab\xFFz\n\xFF");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.line, 3);
  EXPECT_EQ(r.column, 3);
  EXPECT_EQ(r.byte, 0xFF);
  EXPECT_FALSE(check_utf8("\xC3").ok);               // truncated
  EXPECT_FALSE(check_utf8("\xE0\x80\xAF").ok);       // overlong
  EXPECT_FALSE(check_utf8("\xED\xA0\x80").ok);       // surrogate
  EXPECT_FALSE(check_utf8("\xF4\x90\x80\x80").ok);   // above U+10FFFF
  EXPECT_FALSE(check_utf8("\x80").ok);               // lone continuation
}

TEST(Text, LineOfOffsetAndEditDistance) {
  EXPECT_EQ(line_of_offset("a\nb\nc", 0), 1);
  EXPECT_EQ(line_of_offset("a\nb\nc", 2), 2);
  EXPECT_EQ(line_of_offset("a\nb\nc", 99), 3);
  EXPECT_EQ(edit_distance("catgories", "categories"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Text, UriEncoding) {
  EXPECT_EQ(encode_uri_lenient("a b/ç?x=1#f"), "a%20b/%C3%A7?x=1#f");
  EXPECT_EQ(encode_uri_lenient("already%20ok%zz"), "already%20ok%25zz");
  EXPECT_EQ(encode_path_segment("tag:x,2026/1"), "tag%3Ax%2C2026%2F1");
  EXPECT_TRUE(is_slug("a-1"));
  EXPECT_FALSE(is_slug("-a"));
  EXPECT_FALSE(is_slug("A"));
  EXPECT_FALSE(is_slug(""));
}

}  // namespace
}  // namespace syndicated::store::detail
