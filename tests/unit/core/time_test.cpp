#include "core/time.hpp"

#include <gtest/gtest.h>

namespace syndicated::core {
namespace {

TEST(Rfc3339, ParsesOffsetAndKeepsIt) {
  auto t = parse_rfc3339("2023-11-27T18:40:00+04:00");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->unix_seconds, 1701096000);  // 14:40:00Z
  EXPECT_EQ(t->offset_minutes, 240);
  EXPECT_EQ(format_rfc3339(*t), "2023-11-27T18:40:00+04:00");
  EXPECT_EQ(format_rfc822(*t), "Mon, 27 Nov 2023 18:40:00 +0400");
}

TEST(Rfc3339, UtcAndNegativeOffsetsAndFractions) {
  auto z = parse_rfc3339("1970-01-01T00:00:00Z");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->unix_seconds, 0);
  EXPECT_EQ(format_rfc3339(*z), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc822(*z), "Thu, 01 Jan 1970 00:00:00 +0000");

  auto n = parse_rfc3339("2024-02-29T23:30:15.250-03:30");
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_EQ(n->nanos, 250000000);
  EXPECT_EQ(n->offset_minutes, -210);
  EXPECT_EQ(format_rfc3339(*n), "2024-02-29T23:30:15.25-03:30");
  EXPECT_EQ(format_rfc822(*n), "Thu, 29 Feb 2024 23:30:15 -0330");
}

TEST(Rfc3339, OrdersByInstantNotByWrittenOffset) {
  auto a = parse_rfc3339("2023-11-27T18:40:00+04:00");
  auto b = parse_rfc3339("2023-11-27T14:40:00Z");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(Rfc3339, RejectsWhatIsNotRfc3339) {
  for (const char* s : {"", "2023-11-27", "2023-11-27T18:40:00", "2023-13-01T00:00:00Z",
                        "2023-02-29T00:00:00Z", "2023-11-27T24:00:00Z", "2023-11-27T18:40:00+4:00",
                        "2023-11-27T18:40:00Zjunk", "27 Nov 2023", "2023-11-27T18:40:00.Z"}) {
    auto r = parse_rfc3339(s);
    EXPECT_FALSE(r.ok()) << s;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("RFC 3339"), std::string::npos);
    }
  }
}

TEST(HttpDate, FormatsAndParsesAllThreeForms) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  for (const char* s : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                        "Sun Nov  6 08:49:37 1994"}) {
    auto r = parse_http_date(s);
    ASSERT_TRUE(r.ok()) << s;
    EXPECT_EQ(*r, 784111777) << s;
  }
  EXPECT_FALSE(parse_http_date("yesterday").ok());
  EXPECT_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT").ok());
}

TEST(Civil, RoundTripsAcrossCenturies) {
  for (std::int64_t days : {-719468LL, -1LL, 0LL, 11016LL, 19688LL, 2932896LL}) {
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    EXPECT_EQ(days_from_civil(y, m, d), days);
  }
}

}  // namespace
}  // namespace syndicated::core
