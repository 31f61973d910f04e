#include "proxy/access_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/exchange.h"
#include "temp_log_file.h"

namespace rampart::proxy {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// ---------------------------------------------------------------------------------------------
// A strict parser for the flat JSON objects the access log writes: string and unsigned number
// values only. Strings must be valid UTF-8 (RFC 8259 §8.1: no overlongs, no surrogates, nothing
// past U+10FFFF) with no raw control bytes; escapes are decoded. Any deviation is an error.

// Appends code point `cp` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Length of the well-formed UTF-8 sequence at s[i] (Unicode Table 3-7), or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) -> int {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : -1;
  };
  const int c = b(0);
  auto in = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
  if (in(c, 0x00, 0x7f)) return 1;
  if (in(c, 0xc2, 0xdf)) return in(b(1), 0x80, 0xbf) ? 2 : 0;
  if (c == 0xe0) return in(b(1), 0xa0, 0xbf) && in(b(2), 0x80, 0xbf) ? 3 : 0;
  if (in(c, 0xe1, 0xec) || in(c, 0xee, 0xef)) {
    return in(b(1), 0x80, 0xbf) && in(b(2), 0x80, 0xbf) ? 3 : 0;
  }
  if (c == 0xed) return in(b(1), 0x80, 0x9f) && in(b(2), 0x80, 0xbf) ? 3 : 0;
  if (c == 0xf0) {
    return in(b(1), 0x90, 0xbf) && in(b(2), 0x80, 0xbf) && in(b(3), 0x80, 0xbf) ? 4 : 0;
  }
  if (in(c, 0xf1, 0xf3)) {
    return in(b(1), 0x80, 0xbf) && in(b(2), 0x80, 0xbf) && in(b(3), 0x80, 0xbf) ? 4 : 0;
  }
  if (c == 0xf4) {
    return in(b(1), 0x80, 0x8f) && in(b(2), 0x80, 0xbf) && in(b(3), 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}

class FlatJson {
 public:
  // Parses `text`; on failure error() says where and why.
  explicit FlatJson(std::string_view text) : s_(text) { ok_ = ParseObject() && pos_ == s_.size(); }
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  const std::map<std::string, std::string>& strings() const { return strings_; }
  const std::map<std::string, uint64_t>& numbers() const { return numbers_; }
  const std::set<std::string>& nulls() const { return nulls_; }
  // Keys in the order they appeared.
  const std::vector<std::string>& keys() const { return keys_; }

 private:
  bool Fail(const std::string& why) {
    if (error_.empty()) error_ = why + " at byte " + std::to_string(pos_);
    return false;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return Fail(std::string("expected '") + c + "'");
  }
  bool ParseObject() {
    if (!Eat('{')) return false;
    if (pos_ < s_.size() && s_[pos_] == '}') return Eat('}');
    while (true) {
      std::string key;
      if (!ParseString(&key) || !Eat(':')) return false;
      if (strings_.count(key) || numbers_.count(key) || nulls_.count(key)) {
        return Fail("duplicate key " + key);
      }
      keys_.push_back(key);
      if (s_.substr(pos_, 4) == "null") {
        pos_ += 4;
        nulls_.insert(key);
      } else if (pos_ < s_.size() && s_[pos_] == '"') {
        if (!ParseString(&strings_[key])) return false;
      } else if (!ParseNumber(&numbers_[key])) {
        return false;
      }
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      return Eat('}');
    }
  }
  bool ParseNumber(uint64_t* out) {
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == start) return Fail("expected a number");
    if (pos_ - start > 1 && s_[start] == '0') return Fail("leading zero");
    *out = std::strtoull(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr, 10);
    return true;
  }
  bool ParseHex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return Fail("short \\u escape");
    *out = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[pos_++];
      uint32_t v = 0;
      if (c >= '0' && c <= '9') {
        v = static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v = static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v = static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("bad hex digit");
      }
      *out = *out * 16 + v;
    }
    return true;
  }
  bool ParseString(std::string* out) {
    if (!Eat('"')) return false;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("raw control byte");
      if (c == '\\') {
        if (++pos_ >= s_.size()) return Fail("dangling backslash");
        const char e = s_[pos_++];
        switch (e) {
          case '"':
            *out += '"';
            break;
          case '\\':
            *out += '\\';
            break;
          case '/':
            *out += '/';
            break;
          case 'b':
            *out += '\b';
            break;
          case 'f':
            *out += '\f';
            break;
          case 'n':
            *out += '\n';
            break;
          case 'r':
            *out += '\r';
            break;
          case 't':
            *out += '\t';
            break;
          case 'u': {
            uint32_t cp = 0;
            if (!ParseHex4(&cp)) return false;
            if (cp >= 0xd800 && cp <= 0xdfff) return Fail("surrogate escape");
            AppendUtf8(*out, cp);
            break;
          }
          default:
            return Fail("bad escape");
        }
        continue;
      }
      const size_t len = Utf8SequenceLength(s_, pos_);
      if (len == 0) return Fail("invalid UTF-8");
      out->append(s_.substr(pos_, len));
      pos_ += len;
    }
    return Fail("unterminated string");
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = false;
  std::string error_;
  std::map<std::string, std::string> strings_;
  std::set<std::string> nulls_;
  std::map<std::string, uint64_t> numbers_;
  std::vector<std::string> keys_;
};

TEST(FlatJsonTest, TheTestParserItselfRejectsBadInput) {
  EXPECT_TRUE(FlatJson(R"({"a":"b","n":12})").ok());
  EXPECT_FALSE(FlatJson(R"({"a":"b",})").ok());
  EXPECT_FALSE(FlatJson(R"({"a":"b""})").ok());
  EXPECT_FALSE(FlatJson("{\"a\":\"\n\"}").ok());
  EXPECT_FALSE(FlatJson("{\"a\":\"\xff\"}").ok());
  EXPECT_FALSE(FlatJson("{\"a\":\"\xed\xa0\x80\"}").ok());
  EXPECT_FALSE(FlatJson(R"({"a":"\x"})").ok());
  EXPECT_FALSE(FlatJson(R"({"a":"b"} )").ok());
  EXPECT_EQ(FlatJson(R"({"a":"\u00e9\"\\"})").strings().at("a"), "\xc3\xa9\"\\");
}

// ---------------------------------------------------------------------------------------------

// Opens an access log on a fresh temporary file, removed at the end of the test.
class AccessLogTest : public ::testing::Test {
 protected:
  std::shared_ptr<AccessLog> OpenLog(AccessLog::Format format) {
    auto log = AccessLog::Open(file_.path(), format);
    EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
    return log.ok() ? log.value() : nullptr;
  }

  // A typical proxied GET.
  static pipeline::Exchange MakeExchange() {
    pipeline::Exchange ex(pipeline::ClientInfo{"192.0.2.10", 51000, false});
    ex.request().method = "GET";
    ex.request().target = "/rewritten";
    ex.request().host = "example.com";
    ex.request().headers.Add("User-Agent", "curl/8.0");
    ex.request().headers.Add("Referer", "https://example.com/start");
    ex.original_target = "/items?id=7";
    ex.set_request_id("0123456789abcdef0123456789abcdef");
    ex.set_route_name("items");
    ex.status = 200;
    ex.bytes_received = 78;
    ex.bytes_sent = 1234;
    ex.upstream_address = "127.0.0.1:9000";
    ex.upstream_status = 200;
    return ex;
  }

  testing::TempLogFile file_;
};

TEST_F(AccessLogTest, JsonLineHasEveryField) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  const pipeline::Exchange ex = MakeExchange();
  const std::string line = log->FormatLine(ex);
  const FlatJson json(line);
  ASSERT_TRUE(json.ok()) << json.error() << "\n" << line;
  const auto& s = json.strings();
  const auto& n = json.numbers();
  EXPECT_THAT(
      s.at("time"),
      MatchesRegex(
          R"(20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z)"));
  EXPECT_EQ(s.at("request_id"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(s.at("client_ip"), "192.0.2.10");
  EXPECT_EQ(s.at("method"), "GET");
  EXPECT_EQ(s.at("host"), "example.com");
  EXPECT_EQ(s.at("uri"), "/items?id=7");  // as the client sent it, not the rewritten target
  EXPECT_EQ(s.at("protocol"), "HTTP/1.1");
  EXPECT_EQ(s.at("route"), "items");
  EXPECT_EQ(s.at("user"), "");  // no auth stage ran
  EXPECT_EQ(n.at("status"), 200u);
  EXPECT_EQ(n.at("bytes_received"), 78u);
  EXPECT_EQ(n.at("bytes_sent"), 1234u);
  EXPECT_LT(n.at("duration_us"), 60'000'000u);
  EXPECT_EQ(s.at("upstream"), "127.0.0.1:9000");
  EXPECT_EQ(n.at("upstream_status"), 200u);
  EXPECT_EQ(s.at("cache"), "");  // the route has no cache
  EXPECT_EQ(s.at("user_agent"), "curl/8.0");
  EXPECT_EQ(s.at("referer"), "https://example.com/start");
  for (const char* tls_field :
       {"tls_version", "tls_cipher", "sni", "ja3", "ja4", "client_cert_subject"}) {
    EXPECT_EQ(s.at(tls_field), "") << tls_field << ": cleartext";
  }
  // No geoip stage ran: country and asn are null.
  EXPECT_EQ(json.nulls(), (std::set<std::string>{"country", "asn"}));
  EXPECT_EQ(json.keys().size(), 26u);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST_F(AccessLogTest, JsonTimeIsTheExchangeStartInUtc) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  const pipeline::Exchange ex = MakeExchange();
  const std::time_t secs = std::chrono::system_clock::to_time_t(ex.start_wall());
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char expected[40];
  std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%S", &tm);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ex.start_wall().time_since_epoch())
          .count() %
      1000;
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms));
  const FlatJson json(log->FormatLine(ex));
  ASSERT_TRUE(json.ok()) << json.error();
  EXPECT_EQ(json.strings().at("time"), std::string(expected) + millis);
}

TEST_F(AccessLogTest, JsonMissingHeadersAreEmptyAndHttp10IsNamed) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  pipeline::Exchange ex(pipeline::ClientInfo{"::1", 1, false});
  ex.request().method = "HEAD";
  ex.request().version = http::Version::kHttp10;
  ex.status = 404;
  const FlatJson json(log->FormatLine(ex));
  ASSERT_TRUE(json.ok()) << json.error();
  EXPECT_EQ(json.strings().at("protocol"), "HTTP/1.0");
  EXPECT_EQ(json.strings().at("user_agent"), "");
  EXPECT_EQ(json.strings().at("referer"), "");
  EXPECT_EQ(json.strings().at("route"), "");
  EXPECT_EQ(json.strings().at("upstream"), "");
  EXPECT_EQ(json.numbers().at("upstream_status"), 0u);
  EXPECT_EQ(json.numbers().at("status"), 404u);
}

TEST_F(AccessLogTest, JsonEscapesAttackerBytes) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  pipeline::Exchange ex = MakeExchange();
  const std::string ua = std::string("a\"b\\c\nd\re\tf\x01g\x1b[31mh\x7fi") + '\0' + "j";
  const std::string uri = "/x\",\"status\":999,\"y\":\"";  // field injection attempt
  const std::string host = "evil\"}\n{\"forged\":\"1";
  ex.request().headers.Set("User-Agent", ua);
  ex.original_target = uri;
  ex.request().host = host;
  const std::string line = log->FormatLine(ex);
  for (char c : line) {
    EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        << "raw control byte " << static_cast<int>(c) << " in " << line;
  }
  const FlatJson json(line);
  ASSERT_TRUE(json.ok()) << json.error() << "\n" << line;
  EXPECT_EQ(json.strings().at("user_agent"), ua);  // decodes back to the exact bytes
  EXPECT_EQ(json.strings().at("uri"), uri);
  EXPECT_EQ(json.strings().at("host"), host);
  EXPECT_EQ(json.numbers().at("status"), 200u);
  EXPECT_EQ(json.strings().count("forged"), 0u);
  EXPECT_THAT(line, HasSubstr(R"(a\"b\\c\u000ad\u000de\u0009f\u0001g\u001b[31mh\u007fi\u0000j)"));
}

TEST_F(AccessLogTest, JsonKeepsValidUtf8AndReplacesInvalidBytes) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  pipeline::Exchange ex = MakeExchange();
  struct Case {
    std::string in;
    std::string decoded;
  };
  const std::string r = "\xef\xbf\xbd";  // U+FFFD as UTF-8 after decoding "\ufffd"
  for (const Case& c : {
           Case{"caf\xc3\xa9", "caf\xc3\xa9"},               // é
           Case{"\xe2\x82\xac", "\xe2\x82\xac"},             // €
           Case{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},     // emoji
           Case{"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},     // U+10FFFF, the last code point
           Case{"\xed\x9f\xbf", "\xed\x9f\xbf"},             // U+D7FF, just below surrogates
           Case{"\xee\x80\x80", "\xee\x80\x80"},             // U+E000, just above them
           Case{"\xe0\xa0\x80", "\xe0\xa0\x80"},             // U+0800, shortest 3-byte
           Case{std::string("a\xff") + "b", "a" + r + "b"},  // never valid
           Case{std::string("a\x80") + "b", "a" + r + "b"},  // lone continuation
           Case{"a\xc3", "a" + r},                           // truncated at the end
           Case{"a\xc3(", "a" + r + "("},                    // bad continuation
           Case{"\xc0\xaf", r + r},                          // overlong '/'
           Case{"\xc1\xbf", r + r},                          // overlong
           Case{"\xe2\x82", r + r},                          // truncated 3-byte
       }) {
    ex.request().headers.Set("User-Agent", c.in);
    const std::string line = log->FormatLine(ex);
    const FlatJson json(line);
    ASSERT_TRUE(json.ok()) << json.error() << "\n" << line;
    EXPECT_EQ(json.strings().at("user_agent"), c.decoded) << line;
  }
}

// Well-formed means RFC 3629: lead bytes 0xf5-0xff, overlong 3- and 4-byte forms, UTF-16
// surrogates and code points past U+10FFFF are all replaced, or strict readers reject the line.
TEST_F(AccessLogTest, JsonReplacesOverlongSurrogateAndOutOfRangeUtf8) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  pipeline::Exchange ex = MakeExchange();
  const std::string_view replacement = "\xef\xbf\xbd";
  for (std::string_view bad :
       {"\xf8\x88\x80\x80\x80", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xff\xbf\xbf", "\xf5\x80\x80\x80"}) {
    ex.request().headers.Set("User-Agent", "x" + std::string(bad) + "y");
    const std::string line = log->FormatLine(ex);
    const FlatJson json(line);
    ASSERT_TRUE(json.ok()) << json.error() << "\n" << line;
    // Every byte of the ill-formed sequence becomes one U+FFFD.
    std::string expected = "x";
    for (size_t i = 0; i < bad.size(); ++i) expected.append(replacement);
    expected += "y";
    EXPECT_EQ(json.strings().at("user_agent"), expected) << line;
  }
}

TEST_F(AccessLogTest, CombinedFormatShape) {
  auto log = OpenLog(AccessLog::Format::kCombined);
  ASSERT_NE(log, nullptr);
  const pipeline::Exchange ex = MakeExchange();
  const std::string line = log->FormatLine(ex);
  EXPECT_THAT(line, MatchesRegex(R"(192\.0\.2\.10 - - \[[0-3][0-9]/[A-Z][a-z][a-z]/20[0-9][0-9]:)"
                                 R"([0-2][0-9]:[0-5][0-9]:[0-6][0-9] \+0000\] )"
                                 R"("GET /items\?id=7 HTTP/1\.1" 200 1234 )"
                                 R"("https://example\.com/start" "curl/8\.0" )"
                                 R"("0123456789abcdef0123456789abcdef")"))
      << line;
}

TEST_F(AccessLogTest, CombinedFormatDashesAndEscapes) {
  auto log = OpenLog(AccessLog::Format::kCombined);
  ASSERT_NE(log, nullptr);
  pipeline::Exchange ex(pipeline::ClientInfo{"::1", 1, false});
  ex.request().method = "GET";
  ex.request().version = http::Version::kHttp10;
  ex.request().headers.Add("User-Agent", "x\" \"200\nforged");
  ex.original_target = "/";
  ex.status = 400;
  const std::string line = log->FormatLine(ex);
  EXPECT_THAT(line, HasSubstr(R"("GET / HTTP/1.0" 400 0 "-" "x\" \"200\u000aforged" "")")) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind("::1 - - [", 0), 0u) << line;
}

TEST_F(AccessLogTest, WriteAppendsOneLinePerExchange) {
  std::ofstream(file_.path()) << "earlier line\n";  // closed at the end of the statement
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  pipeline::Exchange ex = MakeExchange();
  log->Write(ex);
  ex.set_request_id("second");
  log->Write(ex);
  log->Flush();
  // The async logger writes on a background thread, and Flush() only queues a flush: wait for
  // the file to hold both lines.
  const std::string content = file_.WaitForLines(3);
  std::istringstream in(content);
  std::string first, line1, line2, extra;
  ASSERT_TRUE(std::getline(in, first));
  EXPECT_EQ(first, "earlier line");
  ASSERT_TRUE(std::getline(in, line1));
  ASSERT_TRUE(std::getline(in, line2));
  EXPECT_FALSE(std::getline(in, extra)) << extra;
  const FlatJson j1(line1);
  const FlatJson j2(line2);
  ASSERT_TRUE(j1.ok()) << j1.error();
  ASSERT_TRUE(j2.ok()) << j2.error();
  EXPECT_EQ(j1.strings().at("request_id"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(j2.strings().at("request_id"), "second");
}

TEST_F(AccessLogTest, WriteBatchWritesEveryLine) {
  auto log = OpenLog(AccessLog::Format::kJson);
  ASSERT_NE(log, nullptr);
  log->WriteBatch("first\nsecond\nthird");
  log->Flush();
  EXPECT_EQ(file_.WaitForLines(3), "first\nsecond\nthird\n");
}

TEST_F(AccessLogTest, OpenFailsWithAClearError) {
  // spdlog creates missing directories, so the parent here is a regular file instead.
  const std::string bad = file_.path() + "/access.log";
  auto log = AccessLog::Open(bad, AccessLog::Format::kJson);
  ASSERT_FALSE(log.ok());
  EXPECT_THAT(log.error().message, HasSubstr("cannot open access log '" + bad + "'"));
}

TEST_F(AccessLogTest, TwoLogsCanBeOpenAtOnce) {
  auto first = OpenLog(AccessLog::Format::kJson);
  auto second = OpenLog(AccessLog::Format::kCombined);  // spdlog needs unique logger names
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_THAT(second->FormatLine(MakeExchange()), Not(HasSubstr("{")));
}

}  // namespace
}  // namespace rampart::proxy
