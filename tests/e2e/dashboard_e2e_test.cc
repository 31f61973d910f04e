// The dashboard (GET /dashboard on the admin listener) in a real headless Chromium, against the
// real binary with the installed OWASP CRS and a real origin: the records come from real
// requests — comments on a blog that CRS takes for SQL injection (false positives), a real
// injection in another parameter of the same path, an XSS probe on the shop and one on a route
// in detect mode — and every assertion is checked against the attack log the test reads itself
// and against /metrics. The page's DOM ids and the API are the contract of
// docs/operations.md ("Dashboard"); the browser is driven through support/devtools_pipe.h.
//
// Set RAMPART_SCREENSHOT_DIR to keep dashboard.png (the overview) and
// dashboard-false-positive.png (a record with its proposed exclusion) for the docs.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/chromium.h"
#include "support/devtools_pipe.h"
#include "support/json.h"
#include "support/log_file.h"
#include "support/metrics.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

// Only bound a failing test: CRS loads and Chromium starts slowly on a loaded machine.
constexpr Timeout kGuard{60'000};

// Prose about SQL that CRS (942100, libinjection) takes for an injection: the false positive.
constexpr char kCommentEncoded[] =
    "My+SQL+lesson%3A+1%27+or+%271%27%3D%271+is+the+classic+login+bypass";
// Markup in a header the record keeps: the page must show it as text, never as an element.
constexpr char kMarkupNote[] = "<img src=x id=injected-img>";

// What a browser sends; a named Host, since CRS scores a numeric one (920350).
HeaderList BrowserHeaders() {
  return {{"Host", "blog.example"},
          {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
          {"Accept", "text/html,application/xhtml+xml"},
          {"Accept-Language", "en"}};
}

// The record's path: its uri up to '?'.
std::string RecordPath(const JsonValue& record) {
  const std::string uri = record.StringAt("uri").value_or("");
  return uri.substr(0, uri.find('?'));
}

// CRS's evaluation and reporting rules (949xxx, 959xxx, 980xxx): they match because others did,
// and a proposal never removes them.
bool IsOutcomeRule(std::string_view id) {
  return id.rfind("949", 0) == 0 || id.rfind("959", 0) == 0 || id.rfind("980", 0) == 0;
}

// The distinct non-empty "var" values of a record's rules.
std::set<std::string> RecordVars(const JsonValue& record) {
  std::set<std::string> vars;
  if (const JsonValue* rules = record.Find("rules"); rules != nullptr && rules->is_array()) {
    for (const JsonValue& rule : rules->array) {
      if (IsOutcomeRule(rule.StringAt("id").value_or(""))) continue;  // not a parameter
      if (auto var = rule.StringAt("var"); var && !var->empty()) vars.insert(*var);
    }
  }
  return vars;
}

// A JS expression: whether the element with `id` is rendered (not hidden, no display:none
// above it).
std::string IsVisibleJs(std::string_view id) {
  return "(e => !!e && e.getClientRects().length > 0)(document.getElementById(" + JsonQuote(id) +
         "))";
}

// A JS expression: the element's textContent ("" when absent).
std::string TextJs(std::string_view id) {
  return "(document.getElementById(" + JsonQuote(id) + ")?.textContent ?? '')";
}

class DashboardTest : public ProxyTest {
 protected:
  std::string AttackLogPath() const { return rampart_.dir() + "/attack.log"; }
  std::string TokenPath() const { return rampart_.dir() + "/admin.token"; }
  std::string DashboardUrl() const {
    return "http://127.0.0.1:" + std::to_string(rampart_.admin_port()) + "/dashboard";
  }

  // Routes blog and shop block, docs only detects; the rest goes through unchecked.
  void StartRampartWithWaf() {
    ASSERT_NO_FATAL_FAILURE(WriteAdminTokenFile(TokenPath()));
    ConfigOptions options;
    options.backend_ports = {origin_.port()};
    options.admin_token_file = TokenPath();
    options.routes_yaml = R"(routes:
  - name: blog
    match: {path_prefix: /blog/}
    pool: app
    waf: {mode: block}
  - name: shop
    match: {path_prefix: /shop/}
    pool: app
    waf: {mode: block}
  - name: docs
    match: {path_prefix: /docs/}
    pool: app
    waf: {mode: detect}
  - name: main
    match: {path_prefix: /}
    pool: app
)";
    options.extra = "  attack_log: " + AttackLogPath() + "\n";  // continues logging:
    const std::string yaml = MakeConfig(rampart_.dir(), options);
    ASSERT_TRUE(rampart_.Start(yaml, kGuard)) << rampart_.error() << "\nconfig:\n" << yaml;
    ASSERT_NE(rampart_.admin_port(), 0) << rampart_.Log();
  }

  // One request through the proxy with BrowserHeaders() (+ `extra`); its X-Request-Id after
  // checking the status.
  std::string Send(std::string_view method, const std::string& target, int expected_status,
                   std::string_view form_body = {}, const HeaderList& extra = {}) {
    HeaderList headers = BrowserHeaders();
    headers.insert(headers.end(), extra.begin(), extra.end());
    headers.emplace_back("Connection", "close");
    if (!form_body.empty()) {
      headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    Client client = Connect();
    std::optional<HttpResponse> r = client.Request(method, target, headers, form_body);
    if (!r) {
      ADD_FAILURE() << method << " " << target << ": " << client.error();
      return "";
    }
    EXPECT_EQ(r->status, expected_status) << method << " " << target << "\n" << r->body;
    const std::string id = r->Header("X-Request-Id").value_or("");
    EXPECT_FALSE(id.empty()) << method << " " << target;
    return id;
  }

  // The requests behind the records, then the attack log read back.
  void ProduceRecords() {
    ASSERT_NO_FATAL_FAILURE(StartRampartWithWaf());
    const std::string comment = std::string("comment=") + kCommentEncoded;
    fp_id_ =
        Send("POST", "/blog/post", 403, "title=Lesson+1&" + comment, {{"X-Note", kMarkupNote}});
    fp2_id_ = Send("POST", "/blog/post", 403, "title=Lesson+2&" + comment);
    attack_id_ = Send("GET", "/blog/post?id=1%27%20OR%201%3D1--", 403);
    shop_id_ = Send("GET", "/shop/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 403);
    docs_id_ = Send("GET", "/docs/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200);
    Send("GET", "/shop/item/42?color=blue", 200);
    Send("GET", "/blog/", 200);
    Send("GET", "/about", 200);
    ASSERT_FALSE(HasFailure());

    // Every request is in the access log once its batch is written; the attack log's records
    // go in the same batches.
    ASSERT_EQ(WaitForFileLines(rampart_.dir() + "/access.log", 8, kGuard).size(), 8u);
    lines_ = WaitForFileLines(AttackLogPath(), 5, kGuard);
    ASSERT_EQ(lines_.size(), 5u) << "the attack log:\n" << ::testing::PrintToString(lines_);
    for (const std::string& line : lines_) {
      std::optional<JsonValue> record = ParseJson(line);
      ASSERT_TRUE(record && record->is_object()) << line;
      records_.push_back(std::move(*record));
    }
    // The log holds what the requests were: the test's oracle from here on.
    ASSERT_EQ(RecordIds([](const JsonValue&) { return true; }),
              (std::set<std::string>{fp_id_, fp2_id_, attack_id_, shop_id_, docs_id_}));
    const JsonValue& fp = Record(fp_id_);
    EXPECT_EQ(fp.StringAt("route"), "blog");
    EXPECT_EQ(fp.StringAt("action"), "blocked");
    EXPECT_TRUE(RecordHasRule(fp, "942100")) << Line(fp_id_);
    EXPECT_TRUE(RecordVars(fp).count("ARGS:comment")) << Line(fp_id_);
    EXPECT_EQ(RecordVars(Record(attack_id_)).count("ARGS:comment"), 0u) << Line(attack_id_);
    EXPECT_TRUE(RecordVars(Record(attack_id_)).count("ARGS:id")) << Line(attack_id_);
    EXPECT_EQ(Record(shop_id_).StringAt("route"), "shop");
    EXPECT_EQ(Record(docs_id_).StringAt("action"), "detected");
    EXPECT_NE(Line(fp_id_).find("injected-img"), std::string::npos) << Line(fp_id_);
  }

  const JsonValue& Record(const std::string& id) const {
    for (const JsonValue& record : records_) {
      if (record.StringAt("request_id") == id) return record;
    }
    static const JsonValue kNone;
    ADD_FAILURE() << "no record " << id;
    return kNone;
  }
  std::string Line(const std::string& id) const {
    for (const std::string& line : lines_) {
      if (line.find("\"request_id\":\"" + id + "\"") != std::string::npos) return line;
    }
    return "";
  }
  template <typename Predicate>
  std::set<std::string> RecordIds(Predicate keep) const {
    std::set<std::string> ids;
    for (const JsonValue& record : records_) {
      if (keep(record)) ids.insert(record.StringAt("request_id").value_or(""));
    }
    return ids;
  }

  // --- The browser ------------------------------------------------------------------------

  // Evaluates `js`; a test failure when it throws.
  std::optional<JsonValue> Eval(const std::string& js) {
    std::optional<JsonValue> value = browser_.EvaluateJson(js);
    if (!value) ADD_FAILURE() << browser_.error();
    return value;
  }
  std::string EvalString(const std::string& js) {
    std::optional<JsonValue> value = Eval(js);
    return value && value->type == JsonValue::Type::kString ? value->string : "";
  }
  bool EvalBool(const std::string& js) {
    std::optional<JsonValue> value = Eval(js);
    return value && value->type == JsonValue::Type::kBool && value->boolean;
  }
  double EvalNumber(const std::string& js) {
    std::optional<JsonValue> value = Eval(js);
    return value && value->type == JsonValue::Type::kNumber ? value->number : -1;
  }
  bool WaitFor(const std::string& js) {
    if (browser_.WaitFor(js, kGuard)) return true;
    ADD_FAILURE() << browser_.error() << "\npage state: " << PageState();
    return false;
  }
  // What the page shows about itself, for failure messages.
  std::string PageState() {
    std::optional<std::string> state = browser_.Evaluate(
        "({state: document.body.dataset.state, loads: document.body.dataset.loads, error: " +
        TextJs("error") + ", login_error: " + TextJs("login-error") +
        ", count: " + TextJs("records-count") + "})");
    return state.value_or(browser_.error());
  }

  // Starts the browser on /dashboard and waits for its login form.
  void OpenDashboard() {
    ASSERT_TRUE(browser_.Start({}, kGuard)) << browser_.error();
    ASSERT_TRUE(browser_.Navigate(DashboardUrl(), kGuard)) << browser_.error();
    ASSERT_TRUE(WaitFor("document.body.dataset.state === 'login'"));
  }

  // Types `token` into the login form and submits it.
  void SubmitToken(std::string_view token) {
    ASSERT_TRUE(Eval("{ const t = document.getElementById('token'); t.value = " + JsonQuote(token) +
                     "; t.dispatchEvent(new Event('input', {bubbles: true})); "
                     "document.getElementById('login').click(); }"));
  }

  // Logs in with the right token and waits for the first complete load.
  void LogIn() {
    ASSERT_NO_FATAL_FAILURE(SubmitToken(kAclAdminToken));
    ASSERT_TRUE(WaitFor(
        "document.body.dataset.state === 'ready' && Number(document.body.dataset.loads) > 0"));
  }

  // Turns auto-refresh off, so that every load the test waits for is one it asked for.
  void StopAutoRefresh() {
    ASSERT_TRUE(Eval(
        "{ const c = document.getElementById('auto-refresh'); if (c.checked) { c.checked = false; "
        "c.dispatchEvent(new Event('change', {bubbles: true})); } c.checked }"));
  }

  // Where the tests of the records' views start: the records produced, the dashboard open and
  // logged in, auto-refresh off.
  void ProduceRecordsAndLogIn() {
    ASSERT_NO_FATAL_FAILURE(ProduceRecords());
    ASSERT_NO_FATAL_FAILURE(OpenDashboard());
    ASSERT_NO_FATAL_FAILURE(LogIn());
    ASSERT_NO_FATAL_FAILURE(StopAutoRefresh());
  }

  int Loads() { return static_cast<int>(EvalNumber("Number(document.body.dataset.loads)")); }

  // Sets every filter (those not in `filters` to empty), clicks #apply and waits for the load.
  void ApplyFilters(const std::map<std::string, std::string>& filters) {
    const int before = Loads();
    std::string js;
    for (const char* id : {"f-from", "f-to", "f-ip", "f-route", "f-rule", "f-country", "f-uri",
                           "f-action", "f-source"}) {
      auto it = filters.find(id);
      const std::string value = it == filters.end() ? "" : it->second;
      js += "{ const e = document.getElementById(" + JsonQuote(id) +
            "); e.value = " + JsonQuote(value) + "; if (e.value !== " + JsonQuote(value) +
            ") throw new Error('#" + id + " refused the value " + value +
            "'); e.dispatchEvent(new Event('input', {bubbles: true})); "
            "e.dispatchEvent(new Event('change', {bubbles: true})); }\n";
    }
    js += "document.getElementById('apply').click();";
    ASSERT_TRUE(Eval(js));
    ASSERT_TRUE(WaitFor("Number(document.body.dataset.loads) > " + std::to_string(before) +
                        " && document.body.dataset.state === 'ready'"));
  }

  // The request ids of the rows shown.
  std::set<std::string> RowIds() {
    std::set<std::string> ids;
    std::optional<JsonValue> rows = Eval(
        "[...document.querySelectorAll('#records tbody tr.record')].map(tr => "
        "tr.dataset.requestId)");
    if (rows && rows->is_array()) {
      for (const JsonValue& id : rows->array) ids.insert(id.string);
    }
    return ids;
  }
  // The number #records-count shows (-1 when it shows none).
  int RecordsCount() {
    return static_cast<int>(
        EvalNumber("(m => m ? Number(m[0]) : -1)(" + TextJs("records-count") + ".match(/\\d+/))"));
  }

  // The (key, count) pairs of a top list.
  std::map<std::string, int> TopList(std::string_view id) {
    std::map<std::string, int> out;
    std::optional<JsonValue> items =
        Eval("[...document.querySelectorAll('#" + std::string(id) +
             " li')].map(li => [li.querySelector('.key')?.textContent ?? '', "
             "Number(li.querySelector('.count')?.textContent ?? NaN)])");
    if (items && items->is_array()) {
      for (const JsonValue& item : items->array) {
        if (item.array.size() == 2) {
          out[item.array[0].string] = static_cast<int>(item.array[1].number);
        }
      }
    }
    return out;
  }

  // Saves a screenshot as `name` in RAMPART_SCREENSHOT_DIR, when that is set.
  void MaybeScreenshot(const std::string& name) {
    const char* dir = std::getenv("RAMPART_SCREENSHOT_DIR");
    if (dir == nullptr || *dir == '\0') return;
    EXPECT_TRUE(browser_.Screenshot(std::string(dir) + "/" + name)) << browser_.error();
  }

  // The console lines that mean the page broke its own rules: a CSP violation, an exception,
  // console.error, or any log entry at error level — except the 401s of a wrong-token login
  // (Chromium logs every failed fetch).
  std::vector<std::string> ConsoleProblems() {
    std::vector<std::string> problems;
    for (const std::string& line : browser_.ConsoleMessages()) {
      const bool wrong_token_fetch = line.rfind("log network error:", 0) == 0 &&
                                     line.find("status of 401") != std::string::npos;
      if (wrong_token_fetch) continue;
      if (line.find("Content Security Policy") != std::string::npos ||
          line.rfind("exception:", 0) == 0 || line.rfind("console.error", 0) == 0 ||
          line.rfind("console.assert", 0) == 0 || line.find(" error:") != std::string::npos) {
        problems.push_back(line);
      }
    }
    return problems;
  }

  DevToolsBrowser browser_;
  std::vector<std::string> lines_;
  std::vector<JsonValue> records_;
  std::string fp_id_;      // a comment CRS took for SQL injection: the false positive to mark
  std::string fp2_id_;     // the same comment on another post: what the proposal also lets in
  std::string attack_id_;  // a real injection on the same path, in another parameter
  std::string shop_id_;    // an XSS probe on route shop
  std::string docs_id_;    // the same on route docs, detected only
};

TEST_F(DashboardTest, ServedWithAStrictContentSecurityPolicy) {
  REQUIRE_CRS();
  ASSERT_NO_FATAL_FAILURE(StartRampartWithWaf());
  std::optional<HttpResponse> page = HttpGet(rampart_.admin_port(), "/dashboard");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  const std::string csp = page->Header("Content-Security-Policy").value_or("");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  const size_t at = csp.find("script-src 'nonce-");
  ASSERT_NE(at, std::string::npos) << csp;
  const std::string nonce = csp.substr(at + 18, csp.find('\'', at + 18) - (at + 18));
  EXPECT_GE(nonce.size(), 16u) << csp;
  EXPECT_NE(page->body.find("<script nonce=\"" + nonce + "\">"), std::string::npos);
  EXPECT_EQ(page->body.find("{{nonce}}"), std::string::npos);
  // A fresh nonce for every response.
  std::optional<HttpResponse> again = HttpGet(rampart_.admin_port(), "/dashboard");
  ASSERT_TRUE(again);
  EXPECT_NE(again->Header("Content-Security-Policy"), page->Header("Content-Security-Policy"));
  // The page holds no data: no token needed for it, but its API is refused without one.
  std::optional<HttpResponse> api = HttpGet(rampart_.admin_port(), "/api/attacks");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
}

TEST_F(DashboardTest, LoginThenOverviewMatchesTheAttackLogAndMetrics) {
  REQUIRE_CRS();
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(ProduceRecords());
  ASSERT_NO_FATAL_FAILURE(OpenDashboard());
  EXPECT_FALSE(EvalBool(IsVisibleJs("app"))) << "the app shows before a login";

  // A wrong token: back to the form, with a message.
  ASSERT_NO_FATAL_FAILURE(SubmitToken("not-the-token-0123456789"));
  ASSERT_TRUE(WaitFor(TextJs("login-error") + ".trim() !== ''"));
  EXPECT_EQ(EvalString("document.body.dataset.state"), "login");
  EXPECT_FALSE(EvalBool(IsVisibleJs("app")));

  ASSERT_NO_FATAL_FAILURE(LogIn());
  EXPECT_TRUE(EvalBool(IsVisibleJs("app")));
  // The token lives in sessionStorage only.
  EXPECT_EQ(EvalString("sessionStorage.getItem('rampart-token')"), kAclAdminToken);
  EXPECT_EQ(EvalNumber("localStorage.length"), 0);
  EXPECT_EQ(EvalString("location.href").find(kAclAdminToken), std::string::npos);

  // Every record of the log, one row each.
  EXPECT_EQ(RecordsCount(), 5) << PageState();
  EXPECT_EQ(RowIds(), RecordIds([](const JsonValue&) { return true; }));

  // The top lists count what the log holds: a record once per distinct key, outcome rules
  // (949110) left out of both rules and parameters.
  ASSERT_TRUE(WaitFor("document.querySelectorAll('#top-rules li').length > 0"));
  std::map<std::string, int> rule_counts, uri_counts, param_counts;
  for (const JsonValue& record : records_) {
    const std::vector<std::string> ids = RuleIds(record);
    for (const std::string& id : std::set<std::string>(ids.begin(), ids.end())) {
      if (!id.empty() && !IsOutcomeRule(id)) ++rule_counts[id];
    }
    ++uri_counts[RecordPath(record)];
    for (const std::string& var : RecordVars(record)) ++param_counts[var];
  }
  const std::map<std::string, int> top_rules = TopList("top-rules");
  ASSERT_TRUE(top_rules.count("942100")) << ::testing::PrintToString(top_rules);
  EXPECT_EQ(top_rules.at("942100"), rule_counts.at("942100"));
  EXPECT_GE(rule_counts.at("942100"), 3);
  for (const auto& [rule, count] : top_rules) {
    EXPECT_EQ(count, rule_counts[rule]) << "rule " << rule;
  }
  EXPECT_EQ(top_rules.size(), std::min<size_t>(rule_counts.size(), 10));
  EXPECT_EQ(TopList("top-uris"), uri_counts);
  const std::map<std::string, int> top_params = TopList("top-params");
  ASSERT_TRUE(top_params.count("ARGS:comment")) << ::testing::PrintToString(top_params);
  EXPECT_EQ(top_params.at("ARGS:comment"), 2);
  EXPECT_EQ(top_params.count("TX:ANOMALY_SCORE"), 0u) << "949110's variable is no parameter";
  for (const auto& [param, count] : top_params) {
    EXPECT_EQ(count, param_counts[param]) << "param " << param;
  }
  EXPECT_EQ(TopList("top-ips"), (std::map<std::string, int>{{"127.0.0.1", 5}}));
  // Each entry has its bar, sized from script.
  EXPECT_TRUE(
      EvalBool("[...document.querySelectorAll('#top-rules li')].every(li => "
               "[...li.querySelectorAll('div')].some(d => d.getBoundingClientRect().width > "
               "0))"));
  // The chart over time: an svg with bars.
  EXPECT_GT(EvalNumber("[...document.querySelectorAll('#chart-over-time svg rect')].filter(r => "
                       "r.getBoundingClientRect().height > 0).length"),
            0);

  // The origin's server is up; the counters are /metrics' numbers.
  ASSERT_TRUE(WaitFor("document.querySelectorAll('#upstreams tr.server').length > 0"));
  std::optional<JsonValue> servers = Eval(
      "[...document.querySelectorAll('#upstreams tr.server')].map(tr => "
      "[...tr.cells].map(c => c.textContent.trim()))");
  ASSERT_TRUE(servers && servers->is_array());
  ASSERT_EQ(servers->array.size(), 1u) << browser_
                                              .Evaluate(
                                                  "document.getElementById('upstreams')"
                                                  ".outerHTML")
                                              .value_or("");
  std::vector<std::string> cells;
  for (const JsonValue& cell : servers->array.front().array) cells.push_back(cell.string);
  ASSERT_GE(cells.size(), 4u);
  EXPECT_EQ(cells[0], "app");
  EXPECT_EQ(cells[2], origin_.address());
  EXPECT_EQ(cells[3], "up");

  const std::string metrics = FetchMetrics(rampart_.admin_port());
  const double blocked =
      MetricSum(metrics, "rampart_attack_records_total", {{"action", "blocked"}});
  const double detected =
      MetricSum(metrics, "rampart_attack_records_total", {{"action", "detected"}});
  EXPECT_EQ(blocked, 4) << metrics;
  EXPECT_EQ(detected, 1) << metrics;
  // The counters come from their own fetch: wait for them to be drawn.
  ASSERT_TRUE(WaitFor(TextJs("c-blocked") + ".trim() === '4'"));
  EXPECT_EQ(EvalString(TextJs("c-detected") + ".trim()"), "1");
  EXPECT_EQ(EvalString(TextJs("c-rate-limited") + ".trim()"), "0");
  EXPECT_EQ(EvalString(TextJs("c-requests") + ".trim()"),
            std::to_string(static_cast<long>(MetricSum(metrics, "rampart_requests_total"))));

  MaybeScreenshot("dashboard.png");
  EXPECT_EQ(ConsoleProblems(), std::vector<std::string>{})
      << ::testing::PrintToString(browser_.ConsoleMessages());

  // Log out: the token is gone, the form is back.
  ASSERT_TRUE(Eval("document.getElementById('logout').click()"));
  ASSERT_TRUE(WaitFor("document.body.dataset.state === 'login'"));
  EXPECT_TRUE(EvalBool("sessionStorage.getItem('rampart-token') === null"));
}

TEST_F(DashboardTest, FiltersShowExactlyTheMatchingRecords) {
  REQUIRE_CRS();
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(ProduceRecordsAndLogIn());

  struct Case {
    std::map<std::string, std::string> filters;
    std::set<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{{"f-rule", "942100"}},
       RecordIds([](const JsonValue& r) { return RecordHasRule(r, "942100"); })},
      {{{"f-route", "shop"}}, {shop_id_}},
      {{{"f-action", "detected"}}, {docs_id_}},
      {{{"f-action", "blocked"}, {"f-uri", "/blog/"}}, {fp_id_, fp2_id_, attack_id_}},
      {{{"f-route", "blog"}, {"f-rule", "942100"}, {"f-uri", "/blog/post"}},
       RecordIds([](const JsonValue& r) {
         return r.StringAt("route") == "blog" && RecordHasRule(r, "942100");
       })},
      {{{"f-source", "waf"}}, RecordIds([](const JsonValue&) { return true; })},
      {{{"f-ip", "127.0.0.0/8"}}, RecordIds([](const JsonValue&) { return true; })},
      {{{"f-ip", "192.0.2.0/24"}}, {}},
      {{{"f-route", "main"}}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.filters));
    ASSERT_NO_FATAL_FAILURE(ApplyFilters(c.filters));
    EXPECT_EQ(RowIds(), c.expected);
    EXPECT_EQ(RecordsCount(), static_cast<int>(c.expected.size())) << PageState();
  }

  // The filters are in the address, and a bookmark of it opens the same view.
  ASSERT_NO_FATAL_FAILURE(ApplyFilters({{"f-route", "shop"}}));
  const std::string hash = EvalString("location.hash");
  EXPECT_NE(hash.find("route=shop"), std::string::npos) << hash;
  ASSERT_TRUE(browser_.Navigate("about:blank", kGuard)) << browser_.error();
  ASSERT_TRUE(browser_.Navigate(DashboardUrl() + "#rule=942100&route=blog", kGuard))
      << browser_.error();
  ASSERT_TRUE(WaitFor(  // logged in still: the token is in this tab's sessionStorage
      "document.body.dataset.state === 'ready' && Number(document.body.dataset.loads) > 0"));
  EXPECT_EQ(EvalString("document.getElementById('f-rule').value"), "942100");
  EXPECT_EQ(EvalString("document.getElementById('f-route').value"), "blog");
  EXPECT_EQ(RowIds(), RecordIds([](const JsonValue& r) {
              return r.StringAt("route") == "blog" && RecordHasRule(r, "942100");
            }));

  // Clicking a top entry filters by it.
  ASSERT_NO_FATAL_FAILURE(StopAutoRefresh());
  ASSERT_NO_FATAL_FAILURE(ApplyFilters({}));
  ASSERT_TRUE(WaitFor("document.querySelectorAll('#top-uris li').length > 1"));
  const int before = Loads();
  ASSERT_TRUE(
      Eval("[...document.querySelectorAll('#top-uris li')].find(li => "
           "li.querySelector('.key').textContent === '/shop/search').click()"));
  ASSERT_TRUE(WaitFor("Number(document.body.dataset.loads) > " + std::to_string(before) +
                      " && document.body.dataset.state === 'ready'"));
  EXPECT_EQ(EvalString("document.getElementById('f-uri').value"), "/shop/search");
  EXPECT_EQ(RowIds(), std::set<std::string>{shop_id_});

  EXPECT_EQ(ConsoleProblems(), std::vector<std::string>{})
      << ::testing::PrintToString(browser_.ConsoleMessages());
}

TEST_F(DashboardTest, FalsePositiveProposesTheNarrowestExclusion) {
  REQUIRE_CRS();
  REQUIRE_CHROMIUM();
  ASSERT_NO_FATAL_FAILURE(ProduceRecordsAndLogIn());
  EXPECT_FALSE(EvalBool(IsVisibleJs("detail")));

  // Open the false positive.
  ASSERT_TRUE(Eval("document.querySelector('tr.record[data-request-id=' + " +
                   JsonQuote(JsonQuote(fp_id_)) + " + ']').click()"));
  ASSERT_TRUE(WaitFor(IsVisibleJs("detail") + " && " + TextJs("detail-json") + " !== ''"));
  // #detail-json is the record as logged (compared as parsed JSON, members in order).
  EXPECT_TRUE(EvalBool("JSON.stringify(JSON.parse(" + TextJs("detail-json") +
                       ")) === JSON.stringify(JSON.parse(" + JsonQuote(Line(fp_id_)) + "))"))
      << EvalString(TextJs("detail-json"));
  EXPECT_NE(EvalString(TextJs("detail-rules")).find("942100"), std::string::npos);
  // The markup from the request is text on the page, not an element.
  EXPECT_NE(EvalString(TextJs("detail-json")).find(kMarkupNote), std::string::npos);
  EXPECT_TRUE(EvalBool("document.getElementById('injected-img') === null"));
  EXPECT_EQ(EvalString("document.getElementById('fp-scope').value"), "path");
  EXPECT_EQ(EvalString("document.getElementById('fp-prefix').value"), "/blog/");

  ASSERT_TRUE(Eval("document.getElementById('mark-fp').click()"));
  ASSERT_TRUE(WaitFor(IsVisibleJs("fp-result") + " && " + TextJs("fp-seclang") + " !== ''"));
  const std::string seclang = EvalString(TextJs("fp-seclang"));
  EXPECT_NE(seclang.find("@streq /blog/post"), std::string::npos) << seclang;
  // One target removal per WAF match of the record (outcome rules excepted), and no other.
  const JsonValue& fp = Record(fp_id_);
  size_t expected_removals = 0;
  for (const JsonValue& rule : fp.Find("rules")->array) {
    const std::string id = rule.StringAt("id").value_or("");
    if (rule.StringAt("source") != "waf" || IsOutcomeRule(id)) continue;
    ++expected_removals;
    EXPECT_NE(
        seclang.find("ctl:ruleRemoveTargetById=" + id + ";" + rule.StringAt("var").value_or("")),
        std::string::npos)
        << seclang;
  }
  EXPECT_GT(expected_removals, 0u);
  EXPECT_EQ(seclang.find("ARGS:id"), std::string::npos) << seclang;
  EXPECT_EQ(seclang.find("ruleRemoveById"), std::string::npos) << seclang;
  EXPECT_EQ(seclang.find("949110"), std::string::npos) << seclang;

  const std::string command = EvalString(TextJs("fp-command"));
  EXPECT_NE(command.find("rampart tune"), std::string::npos) << command;
  EXPECT_NE(command.find(fp_id_), std::string::npos) << command;
  const std::string marked = EvalString(TextJs("fp-marked"));
  EXPECT_NE(marked.find(fp_id_), std::string::npos) << marked;
  EXPECT_NE(marked.find("would pass"), std::string::npos) << marked;
  // The same comment on another post is let in too; the injection in `id` and the other routes'
  // records are not reached.
  const std::string affected = EvalString(TextJs("fp-affected"));
  EXPECT_NE(affected.find(fp2_id_), std::string::npos) << affected;
  EXPECT_EQ(affected.find(attack_id_), std::string::npos) << affected;
  EXPECT_EQ(affected.find(shop_id_), std::string::npos) << affected;
  EXPECT_EQ(affected.find(docs_id_), std::string::npos) << affected;
  EXPECT_EQ(EvalString(TextJs("fp-error") + ".trim()"), "");

  ASSERT_TRUE(Eval("document.getElementById('fp-result').scrollIntoView({block: 'center'})"));
  MaybeScreenshot("dashboard-false-positive.png");

  // The prefix scope: the same removals for everything under /blog/.
  ASSERT_TRUE(
      Eval("{ const s = document.getElementById('fp-scope'); s.value = 'prefix'; "
           "s.dispatchEvent(new Event('change', {bubbles: true})); "
           "document.getElementById('mark-fp').click(); }"));
  ASSERT_TRUE(WaitFor(TextJs("fp-seclang") + ".includes('@beginsWith /blog/')"));
  EXPECT_NE(EvalString(TextJs("fp-seclang")).find("ctl:ruleRemoveTargetById=942100;ARGS:comment"),
            std::string::npos);

  EXPECT_EQ(ConsoleProblems(), std::vector<std::string>{})
      << ::testing::PrintToString(browser_.ConsoleMessages());
}

}  // namespace
}  // namespace rampart::test
