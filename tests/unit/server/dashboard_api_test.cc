#include "server/dashboard_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rampart::server {
namespace {

using ::testing::HasSubstr;

// A WAF record: `rule` matched on `var` of `uri` on route `route`.
std::string Record(const std::string& id, const std::string& route, const std::string& uri,
                   const std::string& rule, const std::string& var,
                   const std::string& time = "2026-11-23T10:00:00.000Z") {
  nlohmann::json r = {{"time", time},
                      {"request_id", id},
                      {"client_ip", "203.0.113.9"},
                      {"country", "DE"},
                      {"asn", nullptr},
                      {"method", "GET"},
                      {"host", "h"},
                      {"uri", uri},
                      {"route", route},
                      {"action", "blocked"},
                      {"status", 403},
                      {"source", "waf"},
                      {"rules",
                       {{{"source", "waf"},
                         {"id", rule},
                         {"msg", "m"},
                         {"severity", "critical"},
                         {"tags", nlohmann::json::array()},
                         {"var", var},
                         {"data", ""}},
                        {{"source", "waf"},
                         {"id", "949110"},
                         {"msg", "Inbound Anomaly Score Exceeded"},
                         {"severity", "critical"},
                         {"tags", nlohmann::json::array()},
                         {"var", "TX:ANOMALY_SCORE"},
                         {"data", ""}}}},
                      {"scores", {{"inbound", 5}, {"outbound", 0}}},
                      {"headers", nlohmann::json::array()}};
  return r.dump();
}

class DashboardApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rampart-dashboard-api-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    runtime_.config.logging.attack_log = dir_ + "/attack.log";
    config::RouteConfig blog;
    blog.name = "blog";
    blog.waf = config::WafConfig{};
    blog.waf->inbound_threshold = 5;
    runtime_.config.routes.push_back(blog);
    std::ofstream out(runtime_.config.logging.attack_log);
    out << Record("r1", "blog", "/blog/post?comment=x", "942100", "ARGS:comment",
                  "2026-11-23T10:00:00.000Z")
        << "\n"
        << Record("r2", "blog", "/blog/post?comment=y", "942100", "ARGS:comment",
                  "2026-11-23T10:01:00.000Z")
        << "\n"
        << Record("r3", "blog", "/blog/other?q=z", "941100", "ARGS:q", "2026-11-23T10:02:00.000Z")
        << "\n"
        << Record("r4", "app", "/x?q=1", "942100", "ARGS:q", "2026-11-23T10:03:00.000Z") << "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  nlohmann::json Get(const std::vector<std::string>& segments, const std::string& query,
                     int expected_status = 200) {
    const ApiReply reply = HandleAttacksApi("GET", segments, query, window_, runtime_);
    EXPECT_EQ(reply.status, expected_status) << reply.json;
    return nlohmann::json::parse(reply.json);
  }
  static std::vector<std::string> Ids(const nlohmann::json& list) {
    std::vector<std::string> ids;
    for (const auto& r : list.at("records")) ids.push_back(r.at("request_id"));
    return ids;
  }

  std::string dir_;
  proxy::Runtime runtime_;
  AttackLogWindow window_;
};

TEST_F(DashboardApiTest, ListsRecordsNewestFirstAsLogged) {
  const auto list = Get({"api", "attacks"}, "");
  EXPECT_EQ(Ids(list), (std::vector<std::string>{"r4", "r3", "r2", "r1"}));
  EXPECT_EQ(list.at("matched"), 4);
  EXPECT_EQ(list.at("scanned"), 4);
  EXPECT_EQ(list.at("log"), runtime_.config.logging.attack_log);
  EXPECT_EQ(list.at("records")[0].at("uri"), "/x?q=1");
}

TEST_F(DashboardApiTest, FiltersAndLimits) {
  EXPECT_EQ(Ids(Get({"api", "attacks"}, "rule=942100&route=blog")),
            (std::vector<std::string>{"r2", "r1"}));
  EXPECT_EQ(Ids(Get({"api", "attacks"}, "uri=/blog/other")), std::vector<std::string>{"r3"});
  EXPECT_EQ(Ids(Get({"api", "attacks"}, "from=2026-11-23T10:01:00Z&to=2026-11-23T10:03:00Z")),
            (std::vector<std::string>{"r3", "r2"}));
  EXPECT_EQ(Ids(Get({"api", "attacks"}, "ip=203.0.113.0/24&country=de")).size(), 4u);
  EXPECT_TRUE(Ids(Get({"api", "attacks"}, "ip=198.51.100.0/24")).empty());
  const auto limited = Get({"api", "attacks"}, "limit=1");
  EXPECT_EQ(Ids(limited), std::vector<std::string>{"r4"});
  EXPECT_EQ(limited.at("matched"), 4) << "matched counts past the limit";
  // Empty form fields are no criterion.
  EXPECT_EQ(Ids(Get({"api", "attacks"}, "rule=&route=&action=")).size(), 4u);
}

TEST_F(DashboardApiTest, RefusesWhatItCannotApply) {
  EXPECT_THAT(Get({"api", "attacks"}, "rul=942100", 400).at("error").get<std::string>(),
              HasSubstr("unknown parameter 'rul'"));
  EXPECT_THAT(Get({"api", "attacks"}, "from=yesterday", 400).at("error").get<std::string>(),
              HasSubstr("from"));
  EXPECT_EQ(Get({"api", "attacks"}, "limit=0", 400).count("error"), 1u);
  EXPECT_EQ(Get({"api", "attacks"}, "ip=not-an-ip", 400).count("error"), 1u);
  const ApiReply post = HandleAttacksApi("POST", {"api", "attacks"}, "", window_, runtime_);
  EXPECT_EQ(post.status, 405);
  runtime_.config.logging.attack_log = "-";
  EXPECT_THAT(Get({"api", "attacks"}, "", 404).at("error").get<std::string>(),
              HasSubstr("logging.attack_log"));
}

TEST_F(DashboardApiTest, OneRecordByRequestId) {
  EXPECT_EQ(Get({"api", "attacks", "r3"}, "").at("record").at("uri"), "/blog/other?q=z");
  EXPECT_EQ(Get({"api", "attacks", "nope"}, "", 404).count("error"), 1u);
}

TEST_F(DashboardApiTest, SummaryOfTheFilteredRecords) {
  const auto summary = Get({"api", "attacks", "summary"}, "route=blog&bucket=1m");
  EXPECT_EQ(summary.at("total"), 3);
  ASSERT_FALSE(summary.at("top_rules").empty());
  EXPECT_EQ(summary.at("top_rules")[0].at("key"), "942100");
  EXPECT_EQ(summary.at("top_rules")[0].at("count"), 2);
  EXPECT_EQ(summary.at("bucket_seconds"), 60);
  EXPECT_EQ(summary.at("buckets").size(), 3u);
  EXPECT_EQ(Get({"api", "attacks", "summary"}, "bucket=1ms", 400).count("error"), 1u);
}

TEST_F(DashboardApiTest, TuneProposesTheNarrowestExclusionAndTheCommand) {
  const ApiReply reply =
      HandleTuneApi("POST", R"({"request_ids":["r1"],"scope":"path"})", window_, runtime_);
  ASSERT_EQ(reply.status, 200) << reply.json;
  const auto plan = nlohmann::json::parse(reply.json);
  ASSERT_EQ(plan.at("exclusions").size(), 1u);
  const auto& exclusion = plan.at("exclusions")[0];
  EXPECT_EQ(exclusion.at("rule"), "942100");
  EXPECT_EQ(exclusion.at("target"), "ARGS:comment");
  EXPECT_EQ(exclusion.at("path"), "/blog/post");
  EXPECT_THAT(plan.at("seclang").get<std::string>(),
              HasSubstr("ctl:ruleRemoveTargetById=942100;ARGS:comment"));
  // r2 is the same rule on the same variable and path: it would pass too. r3 and r4 are not.
  ASSERT_EQ(plan.at("also_affected").size(), 1u);
  EXPECT_EQ(plan.at("also_affected")[0].at("request_id"), "r2");
  EXPECT_EQ(plan.at("command"), "rampart tune " + runtime_.config.logging.attack_log +
                                    " --request-id r1 --scope path --out exclusions.conf");
}

TEST_F(DashboardApiTest, TuneRefusesBadBodies) {
  EXPECT_EQ(HandleTuneApi("POST", "not json", window_, runtime_).status, 400);
  EXPECT_EQ(HandleTuneApi("POST", R"({"request_ids":"r1"})", window_, runtime_).status, 400);
  EXPECT_EQ(HandleTuneApi("POST", R"({"ids":["r1"]})", window_, runtime_).status, 400);
  EXPECT_EQ(
      HandleTuneApi("POST", R"({"request_ids":["r1"],"scope":"all"})", window_, runtime_).status,
      400);
  EXPECT_EQ(HandleTuneApi("POST", R"({})", window_, runtime_).status, 400) << "nothing marked";
  EXPECT_EQ(HandleTuneApi("POST", R"({"request_ids":["missing"]})", window_, runtime_).status, 400);
  EXPECT_EQ(HandleTuneApi("GET", "", window_, runtime_).status, 405);
}

}  // namespace
}  // namespace rampart::server
