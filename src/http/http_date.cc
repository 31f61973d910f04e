#include "http/http_date.h"

#include <time.h>

#include <array>
#include <cstdio>
#include <cstring>

namespace rampart::http {

namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int64_t> ToUnix(int year, int month, int day, int hour, int minute, int second) {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return static_cast<int64_t>(timegm(&t));
}

int MonthIndex(const char* name) {
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (std::strncmp(name, kMonths[i], 3) == 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::string FormatHttpDate(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char out[32];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[parts.tm_wday],
                parts.tm_mday, kMonths[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour,
                parts.tm_min, parts.tm_sec);
  return out;
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  if (text.size() < 24 || text.size() > 40) return std::nullopt;
  char buf[48];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  char weekday[16];
  char month[4];
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, used = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (std::sscanf(buf, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", weekday, &day, month,
                  &year, &hour, &minute, &second, &used) == 7 &&
      static_cast<size_t>(used) == text.size()) {
    return ToUnix(year, MonthIndex(month), day, hour, minute, second);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: RFC 9110 §5.6.7's 50-year rule,
  // simplified to 1970..2069).
  used = 0;
  if (std::sscanf(buf, "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", weekday, &day, month,
                  &year, &hour, &minute, &second, &used) == 7 &&
      static_cast<size_t>(used) == text.size()) {
    year += year < 70 ? 2000 : 1900;
    return ToUnix(year, MonthIndex(month), day, hour, minute, second);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  used = 0;
  if (std::sscanf(buf, "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", weekday, month, &day, &hour,
                  &minute, &second, &year, &used) == 7 &&
      static_cast<size_t>(used) == text.size()) {
    return ToUnix(year, MonthIndex(month), day, hour, minute, second);
  }
  return std::nullopt;
}

}  // namespace rampart::http
