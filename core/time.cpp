#include "core/time.hpp"

#include <array>
#include <cstdio>

namespace syndicated::core {
namespace {

constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n digits at pos; false if any is not a digit.
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

struct Civil {
  std::int64_t y;
  unsigned mo, d, h, mi, s;
  int weekday;  // 0 = Sunday
};

Civil to_civil(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
  std::int64_t secs = unix_seconds - days * 86400;
  Civil c{};
  civil_from_days(days, c.y, c.mo, c.d);
  c.h = static_cast<unsigned>(secs / 3600);
  c.mi = static_cast<unsigned>((secs % 3600) / 60);
  c.s = static_cast<unsigned>(secs % 60);
  std::int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
  c.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  return c;
}

int month_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (name == kMonths[i]) return static_cast<int>(i) + 1;
  return 0;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

Result<Timestamp> parse_rfc3339(std::string_view s) {
  auto bad = [&](const char* why) {
    return make_error("invalid RFC 3339 date-time '" + std::string(s.substr(0, 64)) + "': " + why);
  };
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mon) ||
      s[7] != '-' || !digits(s, 8, 2, day))
    return bad("expected YYYY-MM-DD");
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad("expected 'T' after the date");
  if (!digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, min) || s[16] != ':' ||
      !digits(s, 17, 2, sec))
    return bad("expected hh:mm:ss");
  if (mon < 1 || mon > 12) return bad("month out of range");
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(mon)))
    return bad("day out of range");
  if (hour > 23) return bad("hour out of range");
  if (min > 59) return bad("minute out of range");
  if (sec > 60) return bad("second out of range");
  if (sec == 60) sec = 59;  // a leap second is folded into the second before it
  std::size_t pos = 19;
  std::int32_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    std::int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += static_cast<std::int32_t>((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("expected digits after '.'");
  }
  if (pos >= s.size()) return bad("missing UTC offset (use 'Z' or '+hh:mm')");
  std::int32_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om))
      return bad("expected offset as +hh:mm");
    if (oh > 23 || om > 59) return bad("offset out of range");
    offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("missing UTC offset (use 'Z' or '+hh:mm')");
  }
  if (pos != s.size()) return bad("unexpected text after the offset");
  std::int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  std::int64_t local = days * 86400 + hour * 3600 + min * 60 + sec;
  return Timestamp{local - offset * 60, nanos, offset};
}

std::string format_rfc3339(const Timestamp& t) {
  Civil c = to_civil(t.unix_seconds + t.offset_minutes * 60);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u",
                        static_cast<long long>(c.y), c.mo, c.d, c.h, c.mi, c.s);
  std::string out(buf, static_cast<std::size_t>(n));
  if (t.nanos != 0) {
    std::snprintf(buf, sizeof buf, ".%09d", t.nanos);
    std::string frac(buf);
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  if (t.offset_minutes == 0) {
    out += 'Z';
  } else {
    int off = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
    std::snprintf(buf, sizeof buf, "%c%02d:%02d", t.offset_minutes < 0 ? '-' : '+', off / 60,
                  off % 60);
    out += buf;
  }
  return out;
}

std::string format_rfc822(const Timestamp& t) {
  Civil c = to_civil(t.unix_seconds + t.offset_minutes * 60);
  int off = t.offset_minutes < 0 ? -t.offset_minutes : t.offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02u:%02u:%02u %c%02d%02d",
                kWeekdays[static_cast<std::size_t>(c.weekday)], c.d, kMonths[c.mo - 1],
                static_cast<long long>(c.y), c.h, c.mi, c.s, t.offset_minutes < 0 ? '-' : '+',
                off / 60, off % 60);
  return buf;
}

std::string format_http_date(std::int64_t unix_seconds) {
  Civil c = to_civil(unix_seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02u:%02u:%02u GMT",
                kWeekdays[static_cast<std::size_t>(c.weekday)], c.d, kMonths[c.mo - 1],
                static_cast<long long>(c.y), c.h, c.mi, c.s);
  return buf;
}

Result<std::int64_t> parse_http_date(std::string_view s) {
  auto bad = [&] { return make_error("invalid HTTP date '" + std::string(s.substr(0, 64)) + "'"); };
  int d = 0, y = 0, h = 0, mi = 0, sec = 0, mo = 0;
  if (s.size() == 29 && s[3] == ',' && s.substr(25) == " GMT") {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (!digits(s, 5, 2, d) || !digits(s, 12, 4, y) || !digits(s, 17, 2, h) ||
        !digits(s, 20, 2, mi) || !digits(s, 23, 2, sec))
      return bad();
    mo = month_from_name(s.substr(8, 3));
  } else if (auto comma = s.find(", "); comma != std::string_view::npos && comma > 3 &&
                                        s.size() == comma + 24 && s.substr(s.size() - 4) == " GMT") {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    std::size_t p = comma + 2;
    int yy;
    if (!digits(s, p, 2, d) || !digits(s, p + 7, 2, yy) || !digits(s, p + 10, 2, h) ||
        !digits(s, p + 13, 2, mi) || !digits(s, p + 16, 2, sec))
      return bad();
    mo = month_from_name(s.substr(p + 3, 3));
    y = yy < 70 ? 2000 + yy : 1900 + yy;
  } else if (s.size() == 24) {
    // asctime: "Sun Nov  6 08:49:37 1994"
    std::string_view ds = s.substr(8, 2);
    if (ds[0] == ' ') {
      if (!digits(s, 9, 1, d)) return bad();
    } else if (!digits(s, 8, 2, d)) {
      return bad();
    }
    if (!digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec) ||
        !digits(s, 20, 4, y))
      return bad();
    mo = month_from_name(s.substr(4, 3));
  } else {
    return bad();
  }
  if (mo == 0 || d < 1 || static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(mo)) ||
      h > 23 || mi > 59 || sec > 60)
    return bad();
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
         h * 3600 + mi * 60 + (sec == 60 ? 59 : sec);
}

}  // namespace syndicated::core
