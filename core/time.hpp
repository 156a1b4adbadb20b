#pragma once
// Calendar time as articles state it: an instant plus the UTC offset it was written in.
// Parsing and formatting of the date formats feeds and HTTP use. Pure: no clock is read here.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace syndicated::core {

struct Timestamp {
  std::int64_t unix_seconds = 0;  // seconds since 1970-01-01T00:00:00Z
  std::int32_t nanos = 0;         // fraction of a second, [0, 1e9)
  std::int32_t offset_minutes = 0;  // the offset the time was written in; -1439..1439

  friend bool operator==(const Timestamp& a, const Timestamp& b) {
    return a.unix_seconds == b.unix_seconds && a.nanos == b.nanos;
  }
  friend auto operator<=>(const Timestamp& a, const Timestamp& b) {
    if (auto c = a.unix_seconds <=> b.unix_seconds; c != 0) return c;
    return a.nanos <=> b.nanos;
  }
};

// RFC 3339 date-time with an offset ("Z" or "+04:00"); fractions of a second are kept.
Result<Timestamp> parse_rfc3339(std::string_view text);
// RFC 3339 in the timestamp's own offset: "2023-11-27T18:40:00+04:00" ("Z" for UTC).
std::string format_rfc3339(const Timestamp& t);
// RFC 822 as RSS 2.0 wants it, with a four-digit year and a numeric zone:
// "Mon, 27 Nov 2023 18:40:00 +0400".
std::string format_rfc822(const Timestamp& t);
// IMF-fixdate for HTTP headers (always GMT): "Mon, 27 Nov 2023 14:40:00 GMT".
std::string format_http_date(std::int64_t unix_seconds);
// Parses the three HTTP-date forms of RFC 9110 section 5.6.7; error for anything else.
Result<std::int64_t> parse_http_date(std::string_view text);

// Days since the epoch for a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);

}  // namespace syndicated::core
