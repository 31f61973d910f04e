// `rampart tune` end to end over attack-log files: what it prints, what it writes to --out, and
// its exit codes.

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "review/commands.h"
#include "review_test_util.h"
#include "support/json.h"

namespace rampart::review {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// One attack-log line in the format the proxy writes.
std::string LogLine(const std::string& request_id, const std::string& route, const std::string& uri,
                    const std::string& rules, int inbound = 5, const std::string& source = "waf") {
  return "{\"time\":\"2026-11-23T21:07:51.123Z\",\"request_id\":\"" + request_id +
         "\",\"client_ip\":\"203.0.113.9\",\"country\":null,\"asn\":null,\"method\":\"GET\","
         "\"host\":\"blog.example.com\",\"uri\":\"" +
         uri + "\",\"route\":\"" + route +
         "\",\"action\":\"blocked\",\"status\":403,\"source\":\"" + source + "\",\"rules\":[" +
         rules + "],\"scores\":{\"inbound\":" + std::to_string(inbound) +
         ",\"outbound\":0},\"headers\":[[\"Host\",\"blog.example.com\"]],\"tls\":null}\n";
}

std::string WafRule(const std::string& id, const std::string& var,
                    const std::string& severity = "critical") {
  return "{\"source\":\"waf\",\"id\":\"" + id + "\",\"msg\":\"m\",\"severity\":\"" + severity +
         "\",\"tags\":[\"attack-sqli\"],\"var\":\"" + var + "\",\"data\":\"Matched Data: x\"}";
}

struct TuneRun {
  int status = 0;
  std::string out;
  std::string err;
};

TuneRun Tune(const TuneCommandOptions& options) {
  std::ostringstream out;
  std::ostringstream err;
  TuneRun run;
  run.status = RunTune(options, out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

// A log with two false positives on /blog/post, one other record the proposal reaches, one
// on another path, and one torn line.
std::string WriteLog(const TempDir& dir) {
  const std::string log = dir.File("attack.log");
  WriteFile(log, LogLine("fp-1", "blog", "/blog/post?id=1",
                         WafRule("942100", "ARGS:comment") + "," +
                             WafRule("949110", "TX:ANOMALY_SCORE", "")) +
                     LogLine("other", "blog", "/blog/post", WafRule("942100", "ARGS:comment")) +
                     "{\"time\":\"2026-11-23T21:07:5\n" +
                     LogLine("elsewhere", "blog", "/blog/edit", WafRule("942100", "ARGS:comment")) +
                     LogLine("fp-2", "blog", "/blog/post", WafRule("941100", "ARGS:comment")));
  return log;
}

TEST(ReviewTuneCommand, ProposesAndAppendsAndSecondRunAddsNothing) {
  TempDir dir;
  const std::string log = WriteLog(dir);
  const std::string out_file = dir.File("blog-exclusions.conf");
  TuneCommandOptions options;
  options.files = {log};
  options.selection.request_ids = {"fp-1", "fp-2"};
  options.out_file = out_file;

  const TuneRun first = Tune(options);
  EXPECT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("SecRule REQUEST_FILENAME \"@streq /blog/post\" "
                           "\"id:10000,phase:1,pass,nolog,chain\"\n  SecRule REQUEST_FILENAME "
                           "\"!@rx (?:^|/)\\.\\.?(?:/|$)\" \"ctl:ruleRemoveTargetById=941100;"
                           "ARGS:comment\"\n"),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("\"id:10001,phase:1,pass,nolog,chain\"\n"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("marked as false positives: 2 (2 would pass)"), std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("other records it reaches: 1\n  other  "), std::string::npos)
      << first.out;
  EXPECT_EQ(first.out.find("elsewhere"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("added 2 exclusions to " + out_file + "; include it in route blog: " +
                           "waf: {before_crs: [" + out_file + "]} and reload\n"),
            std::string::npos)
      << first.out;
  // The torn line is reported with its file and line, and the rest of the log still read.
  EXPECT_NE(first.err.find(log + ":3:"), std::string::npos) << first.err;

  const std::string written = ReadFile(out_file);
  EXPECT_NE(written.find("# rampart tune: route=blog rule=941100 target=ARGS:comment scope=path "
                         "path=/blog/post\n# false positives: fp-2\n"),
            std::string::npos)
      << written;
  EXPECT_NE(written.find("# rampart tune: route=blog rule=942100 target=ARGS:comment scope=path "
                         "path=/blog/post\n# false positives: fp-1\n"),
            std::string::npos)
      << written;

  // Every line of SecLang printed is in the file, as printed.
  const size_t seclang_end = first.out.find("\nmarked as false positives");
  ASSERT_NE(seclang_end, std::string::npos);
  EXPECT_NE(written.find(first.out.substr(0, seclang_end)), std::string::npos) << first.out;

  const TuneRun second = Tune(options);
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("added 0 exclusions to " + out_file + " (2 already there)"),
            std::string::npos)
      << second.out;
  // Nothing new: no SecLang that is not in the file, only the exclusions already there.
  EXPECT_EQ(second.out.rfind("# nothing added: the proposal is already in " + out_file +
                                 ":\n"
                                 "# rampart tune: route=blog rule=941100 target=ARGS:comment "
                                 "scope=path path=/blog/post\n"
                                 "# rampart tune: route=blog rule=942100 target=ARGS:comment "
                                 "scope=path path=/blog/post\n\nmarked as false positives",
                             0),
            0u)
      << second.out;
  EXPECT_EQ(second.out.find("id:"), std::string::npos) << second.out;
  EXPECT_EQ(ReadFile(out_file), written);
}

TEST(ReviewTuneCommand, PrintsTheIdsAndTextWrittenNotTheFirstId) {
  TempDir dir;
  const std::string log = WriteLog(dir);
  const std::string out_file = dir.File("blog-exclusions.conf");
  // A file that already holds a higher id than --first-id, and one of the exclusions.
  const std::string hand_written =
      "SecAction \"id:20000,phase:1,pass,nolog\"\n"
      "# rampart tune: route=blog rule=941100 target=ARGS:comment scope=path path=/blog/post\n";
  WriteFile(out_file, hand_written);
  TuneCommandOptions options;
  options.files = {log};
  options.selection.request_ids = {"fp-1", "fp-2"};
  options.out_file = out_file;
  options.first_id = 500;
  const TuneRun run = Tune(options);
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string written = ReadFile(out_file);
  ASSERT_EQ(written.rfind(hand_written + "\n", 0), 0u) << written;
  const std::string appended = written.substr(hand_written.size() + 1);
  EXPECT_NE(appended.find("\"id:20001,phase:1,pass,nolog,chain\""), std::string::npos) << appended;
  EXPECT_EQ(run.out.rfind(appended + "\n# not added again, already in " + out_file +
                              ":\n# rampart tune: route=blog rule=941100 target=ARGS:comment "
                              "scope=path path=/blog/post\n\nmarked as false positives",
                          0),
            0u)
      << run.out;
  EXPECT_EQ(run.out.find("id:500"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("added 1 exclusion to " + out_file + " (1 already there)"),
            std::string::npos)
      << run.out;

  // As JSON: the ids and SecLang written, null for the one the file already held.
  std::filesystem::remove(out_file);
  WriteFile(out_file, hand_written);
  options.json = true;
  const TuneRun json_run = Tune(options);
  ASSERT_EQ(json_run.status, 0) << json_run.err;
  const auto json = test::ParseJson(json_run.out);
  ASSERT_TRUE(json.has_value()) << json_run.out;
  EXPECT_EQ(json->StringAt("seclang"), appended);
  EXPECT_EQ(json->StringAt("file"), out_file);
  const test::JsonValue* exclusions = json->Find("exclusions");
  ASSERT_TRUE(exclusions != nullptr && exclusions->is_array());
  ASSERT_EQ(exclusions->array.size(), 2u);
  EXPECT_EQ(exclusions->array[0].StringAt("rule"), "941100");
  ASSERT_NE(exclusions->array[0].Find("id"), nullptr);
  EXPECT_EQ(exclusions->array[0].Find("id")->type, test::JsonValue::Type::kNull);
  EXPECT_EQ(exclusions->array[1].NumberAt("id"), 20001);
}

TEST(ReviewTuneCommand, WithoutOutItOnlyPrints) {
  TempDir dir;
  TuneCommandOptions options;
  options.files = {WriteLog(dir)};
  options.selection.request_ids = {"fp-1"};
  options.first_id = 500;
  const TuneRun run = Tune(options);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("\"id:500,phase:1"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("added "), std::string::npos) << run.out;
  EXPECT_FALSE(std::filesystem::exists(dir.File("blog-exclusions.conf")));
}

TEST(ReviewTuneCommand, JsonIsOneDocumentOnStandardOutput) {
  TempDir dir;
  TuneCommandOptions options;
  options.files = {WriteLog(dir)};
  options.selection.request_ids = {"fp-1"};
  options.json = true;
  options.out_file = dir.File("x.conf");
  const TuneRun run = Tune(options);
  EXPECT_EQ(run.status, 0) << run.err;
  const auto json = test::ParseJson(run.out);
  ASSERT_TRUE(json.has_value()) << run.out;
  const test::JsonValue* exclusions = json->Find("exclusions");
  ASSERT_TRUE(exclusions != nullptr && exclusions->is_array());
  ASSERT_EQ(exclusions->array.size(), 1u);
  EXPECT_EQ(exclusions->array[0].StringAt("rule"), "942100");
  EXPECT_EQ(exclusions->array[0].NumberAt("id"), 10000);
  const test::JsonValue* also = json->Find("also_affected");
  ASSERT_TRUE(also != nullptr && also->is_array());
  ASSERT_EQ(also->array.size(), 1u);
  EXPECT_EQ(also->array[0].StringAt("request_id"), "other");
  // The report of what was written goes to standard error, keeping the JSON clean.
  EXPECT_NE(run.err.find("added 1 exclusion to " + dir.File("x.conf")), std::string::npos)
      << run.err;
}

TEST(ReviewTuneCommand, ReadsEveryFileInOrder) {
  TempDir dir;
  const std::string a = dir.File("a.log");
  const std::string b = dir.File("b.log");
  WriteFile(a, LogLine("r1", "blog", "/blog/post", WafRule("942100", "ARGS:a")));
  WriteFile(b, LogLine("r2", "blog", "/blog/post", WafRule("942100", "ARGS:a")));
  TuneCommandOptions options;
  options.files = {a, b};
  options.selection.request_ids = {"r2"};
  const TuneRun run = Tune(options);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("other records it reaches: 1\n  r1  "), std::string::npos) << run.out;
}

TEST(ReviewTuneCommand, NothingToProposeExitsOne) {
  TempDir dir;
  const std::string log = dir.File("attack.log");
  WriteFile(log,
            LogLine("s1", "blog", "/blog/post",
                    "{\"source\":\"signatures\",\"id\":\"sig-1\",\"var\":\"\"}", 0, "signatures"));
  TuneCommandOptions options;
  options.files = {log};
  options.selection.request_ids = {"s1"};
  options.out_file = dir.File("x.conf");
  const TuneRun run = Tune(options);
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.out.find("# no exclusion to propose"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("left alone: signatures rule sig-1"), std::string::npos) << run.out;
  EXPECT_FALSE(std::filesystem::exists(dir.File("x.conf")));
}

TEST(ReviewTuneCommand, UsageErrorsExitTwo) {
  TempDir dir;
  const std::string log = WriteLog(dir);
  TuneCommandOptions options;
  options.files = {log};
  options.selection.request_ids = {"nope"};
  TuneRun run = Tune(options);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("rampart tune: request id nope is not in the attack log read\n"),
            std::string::npos)
      << run.err;

  // A request id on two records: refused, nothing marked.
  const std::string repeated = dir.File("repeated.log");
  WriteFile(repeated, LogLine("dup", "blog", "/blog/post", WafRule("942100", "ARGS:comment")) +
                          LogLine("dup", "blog", "/blog/admin", WafRule("942100", "ARGS:q")));
  options.files = {repeated};
  options.selection.request_ids = {"dup"};
  run = Tune(options);
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("rampart tune: request id dup matches 2 records in the logs read; mark "
                         "them by --rule/--route/--uri instead\n"),
            std::string::npos)
      << run.err;
  options.files = {log};

  options.selection = {};
  run = Tune(options);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("nothing says which records are false positives"), std::string::npos);

  options.selection.request_ids = {"fp-1"};
  options.files = {dir.File("missing.log")};
  run = Tune(options);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("rampart tune: "), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");

  options.files = {};
  EXPECT_EQ(Tune(options).status, 2);

  // An --out file that cannot be written.
  options.files = {log};
  options.out_file = dir.File("no-such-dir/x.conf");
  run = Tune(options);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(options.out_file), std::string::npos) << run.err;
}

}  // namespace
}  // namespace rampart::review
