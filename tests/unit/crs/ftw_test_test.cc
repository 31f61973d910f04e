// The go-ftw test reader (tests/crs/ftw_test.h) on inline samples of every input/output form.

#include "crs/ftw_test.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace rampart::crs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

FtwFile Parse(const std::string& yaml) {
  auto file = ParseFtwString(yaml, "sample.yaml");
  EXPECT_TRUE(file.ok()) << (file.ok() ? "" : file.error().message);
  return file.ok() ? file.value() : FtwFile{};
}

constexpr char kFull[] = R"(---
meta:
  author: someone
  description: every form
  enabled: true
  name: sample.yaml
tests:
  - test_title: 1-full
    desc: request built from fields
    stages:
      - stage:
          input:
            dest_addr: 127.0.0.1
            port: 8080
            protocol: http
            method: POST
            uri: "/a?b=c"
            version: HTTP/1.0
            headers:
              Host: localhost
              Content-Length: 7
              X-Empty:
              Host: again
            data: "a=b c"
            stop_magic: true
            autocomplete_headers: true
            save_cookie: false
          output:
            status: [403, 400]
            log_contains: id "942100"
            no_log_contains: id "942101"
            response_contains: "blocked"
            expect_error: false
  - test_title: 2-list
    stages:
      - stage:
          input:
            data:
              - "7"
              - foo=bar
              - "0"
              - ""
              - ""
            stop_magic: true
          output:
            status: 200
  - test_title: 3-encoded
    stages:
      - stage:
          input:
            encoded_request: "R0VUIC8gSFRUUC8xLjANCg0K"
          output:
            expect_error: true
  - test_title: 4-raw
    stages:
      - stage:
          input:
            raw_request: "GET / HTTP/1.0\r\nX: \xac\x00\r\n\r\n"
          output:
            log:
              expect_ids: [920100, 920200]
              no_expect_ids: 942100
              match_regex: 'id "9201'
              no_match_regex: foo
)";

TEST(FtwTestReaderTest, ReadsEveryInputAndOutputForm) {
  const FtwFile f = Parse(kFull);
  EXPECT_EQ(f.meta.author, "someone");
  EXPECT_EQ(f.meta.name, "sample.yaml");
  EXPECT_TRUE(f.meta.enabled);
  ASSERT_EQ(f.tests.size(), 4u);

  const FtwTest& t1 = f.tests[0];
  EXPECT_EQ(t1.title, "1-full");
  EXPECT_EQ(t1.desc, "request built from fields");
  ASSERT_EQ(t1.stages.size(), 1u);
  const FtwInput& in = t1.stages[0].input;
  EXPECT_EQ(in.DestAddr(), "127.0.0.1");
  EXPECT_EQ(in.Port(), 8080);
  EXPECT_EQ(in.Protocol(), "http");
  EXPECT_EQ(in.Method(), "POST");
  EXPECT_EQ(in.Uri(), "/a?b=c");
  EXPECT_EQ(in.Version(), "HTTP/1.0");
  ASSERT_EQ(in.headers.size(), 4u);  // file order, the duplicate kept
  EXPECT_EQ(in.headers[0].name, "Host");
  EXPECT_EQ(in.headers[1].value, "7");  // an integer value as text
  EXPECT_EQ(in.headers[2].name, "X-Empty");
  EXPECT_EQ(in.headers[2].value, "");  // null → ""
  EXPECT_EQ(in.headers[3].name, "Host");
  EXPECT_EQ(in.headers[3].value, "again");
  EXPECT_EQ(in.data, "a=b c");
  EXPECT_FALSE(in.data_was_list);
  EXPECT_TRUE(in.AutocompleteHeaders());  // autocomplete_headers wins over stop_magic
  EXPECT_EQ(in.save_cookie, false);
  EXPECT_EQ(in.line, 13);
  const FtwOutput& out = t1.stages[0].output;
  EXPECT_THAT(out.status, ElementsAre(403, 400));
  EXPECT_EQ(out.log_contains, "id \"942100\"");
  EXPECT_EQ(out.no_log_contains, "id \"942101\"");
  EXPECT_EQ(out.response_contains, "blocked");
  EXPECT_EQ(out.expect_error, false);
  EXPECT_THAT(out.keys, ElementsAre("status", "log_contains", "no_log_contains",
                                    "response_contains", "expect_error"));

  const FtwInput& in2 = f.tests[1].stages[0].input;
  EXPECT_EQ(in2.data, "7\r\nfoo=bar\r\n0\r\n\r\n");
  EXPECT_TRUE(in2.data_was_list);
  EXPECT_FALSE(in2.AutocompleteHeaders());
  EXPECT_EQ(in2.Method(), "GET");  // go-ftw defaults
  EXPECT_EQ(in2.Uri(), "/");
  EXPECT_EQ(in2.Version(), "HTTP/1.1");
  EXPECT_EQ(in2.DestAddr(), "localhost");
  EXPECT_EQ(in2.Port(), 80);
  EXPECT_THAT(f.tests[1].stages[0].output.status, ElementsAre(200));

  EXPECT_EQ(f.tests[2].stages[0].input.encoded_request, "R0VUIC8gSFRUUC8xLjANCg0K");
  EXPECT_EQ(f.tests[2].stages[0].output.expect_error, true);

  const FtwInput& in4 = f.tests[3].stages[0].input;
  // YAML "\xac" is U+00AC: UTF-8 C2 AC (as Go's yaml reads it); "\x00" a NUL byte.
  constexpr char kRaw[] = "GET / HTTP/1.0\r\nX: \xc2\xac\0\r\n\r\n";
  EXPECT_EQ(in4.raw_request, std::string(kRaw, sizeof(kRaw) - 1));
  const auto& log = f.tests[3].stages[0].output.log;
  ASSERT_TRUE(log.has_value());
  EXPECT_THAT(log->expect_ids, ElementsAre(920100, 920200));
  EXPECT_THAT(log->no_expect_ids, ElementsAre(942100));
  EXPECT_EQ(log->match_regex, "id \"9201");
  EXPECT_EQ(log->no_match_regex, "foo");

  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_THAT(f.warnings[0], HasSubstr("sample.yaml:23: duplicate header Host"));
}

TEST(FtwTestReaderTest, DisabledMetaAndUnknownKeys) {
  const FtwFile f = Parse(R"(
meta: {enabled: false, name: x.yaml}
tests:
  - test_title: x-1
    stages:
      - stage:
          input: {method: GET, follow_redirect: true}
          output: {log_contains: 'id "1"', isolated: true}
)");
  EXPECT_FALSE(f.meta.enabled);
  ASSERT_EQ(f.warnings.size(), 2u);
  EXPECT_THAT(f.warnings[0], HasSubstr("sample.yaml:7: unknown key input.follow_redirect"));
  EXPECT_THAT(f.warnings[1], HasSubstr("sample.yaml:8: unknown key output.isolated"));
}

TEST(FtwTestReaderTest, ErrorsNameFileAndLine) {
  auto syntax = ParseFtwString("tests:\n  - test_title: a\n    stages: [\n", "broken.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.error().message, HasSubstr("broken.yaml:"));

  auto port = ParseFtwString(R"(tests:
  - test_title: a
    stages:
      - stage:
          input:
            port: eighty
          output: {}
)",
                             "port.yaml");
  ASSERT_FALSE(port.ok());
  EXPECT_THAT(port.error().message, HasSubstr("port.yaml:6:"));
  EXPECT_THAT(port.error().message, HasSubstr("input.port: expected an integer"));

  auto status = ParseFtwString(R"(tests:
  - test_title: a
    stages:
      - stage:
          input: {}
          output:
            status: [403, x]
)",
                               "status.yaml");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message, HasSubstr("status.yaml:7:"));

  auto no_tests = ParseFtwString("meta: {}\n", "empty.yaml");
  ASSERT_FALSE(no_tests.ok());
  EXPECT_THAT(no_tests.error().message, HasSubstr("empty.yaml:1:1: tests: expected a list"));

  auto missing = ParseFtwFile("/nonexistent/file.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/file.yaml: cannot open"));
}

}  // namespace
}  // namespace rampart::crs
