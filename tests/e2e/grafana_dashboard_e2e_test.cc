// docs/grafana/rampart.json, the Grafana dashboard over rampart's /metrics, kept true: it is a
// dashboard (title, schemaVersion, panels each with the ${DS_PROMETHEUS} data source and at
// least one query), and every query — panel targets and template variables — names only metric
// families that the real binary declares with a # HELP line, and only labels (and literal label
// values) that its series carry. The binary runs with what the dashboard covers turned on: health
// checks, a cached and compressed route, a rate limit, a bot challenge, a blocking signature, the
// WAF (with the OWASP CRS installed), a pool that refuses connections, Redis shared state (with
// redis-server installed); a few requests give the conditional series their first sample.
//
// The queries are read by a small PromQL reader made for this file: metric names with their
// {matchers}, `by`/`without` clauses and label_values(). What it does not understand (on(),
// group_left, label_replace, a selector without a metric name, an unknown identifier) is
// reported, so the dashboard cannot grow a query this check silently skips.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/acl_helpers.h"
#include "support/attack_records.h"
#include "support/bot_client.h"
#include "support/json.h"
#include "support/proxy_fixture.h"
#include "support/redis_server.h"

namespace rampart::test {
namespace {

constexpr char kDashboardPath[] = RAMPART_SOURCE_DIR "/docs/grafana/rampart.json";
constexpr char kDataSourceUid[] = "${DS_PROMETHEUS}";

// Labels Prometheus adds to every series at scrape time (the target's), never rampart.
const std::set<std::string, std::less<>> kScrapeLabels = {"instance", "job"};

// PromQL words the reader accepts besides rampart_ metric names. Anything else is reported: a
// misspelt metric name must not pass as an unknown function.
constexpr std::string_view kPromQlWords =
    "sum avg min max count topk bottomk rate irate increase delta deriv histogram_quantile abs "
    "ceil floor round clamp_min clamp_max sort sort_desc and or unless bool offset vector scalar "
    "time";

// Words that change which labels a query's series carry in ways the reader does not follow.
const std::set<std::string, std::less<>> kNotUnderstood = {
    "on", "ignoring", "group_left", "group_right", "label_replace", "label_join"};

// --- /metrics ---------------------------------------------------------------------------------

// What the admin listener's /metrics declares and serves.
struct Exposition {
  std::set<std::string, std::less<>> helped;              // families with a # HELP line
  std::map<std::string, std::string, std::less<>> types;  // family -> # TYPE
  // Sample name -> label name -> the values seen.
  std::map<std::string, std::map<std::string, std::set<std::string>>, std::less<>> series;
};

Exposition ReadExposition(std::string_view text) {
  Exposition e;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string hash, keyword, name, type;
    words >> hash >> keyword >> name >> type;
    if (hash != "#") continue;
    if (keyword == "HELP") e.helped.insert(name);
    if (keyword == "TYPE") e.types[name] = type;
  }
  for (const Sample& sample : ParseMetrics(text)) {
    auto& labels = e.series[sample.name];
    for (const auto& [label, value] : sample.labels) labels[label].insert(value);
  }
  return e;
}

// --- the PromQL reader ------------------------------------------------------------------------

struct Token {
  enum class Kind { kIdentifier, kString, kNumber, kVariable, kPunct, kOperator };
  Kind kind;
  std::string text;  // a string's content, without its quotes
};

// Whether `word` is one of the space-separated words of `list`.
bool IsListed(std::string_view list, std::string_view word) {
  while (!list.empty()) {
    const size_t space = list.find(' ');
    if (list.substr(0, space) == word) return true;
    list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
  }
  return false;
}

bool IsPunct(const Token& t, std::string_view text) {
  return t.kind == Token::Kind::kPunct && t.text == text;
}
bool IsIdentifier(const Token& t) { return t.kind == Token::Kind::kIdentifier; }
bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// The tokens of `query`; a range or subquery ("[5m]", "[$__rate_interval]") is dropped whole,
// and Grafana variables ($name, ${name}) become kVariable tokens.
std::vector<Token> Tokenize(std::string_view query, std::vector<std::string>& problems) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < query.size()) {
    const char c = query[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"' || c == '\'' || c == '`') {
      std::string text;
      size_t j = i + 1;
      for (; j < query.size() && query[j] != c; ++j) {
        if (query[j] == '\\' && c != '`' && j + 1 < query.size()) ++j;
        text.push_back(query[j]);
      }
      if (j == query.size()) problems.push_back("an unterminated string");
      tokens.push_back({Token::Kind::kString, std::move(text)});
      i = j + 1;
    } else if (c == '[') {
      const size_t end = query.find(']', i);
      if (end == std::string_view::npos) problems.push_back("an unterminated range");
      i = end == std::string_view::npos ? query.size() : end + 1;
    } else if (c == '$') {
      size_t j = i + 1;
      if (j < query.size() && query[j] == '{') {
        j = query.find('}', j);
        j = j == std::string_view::npos ? query.size() : j + 1;
      } else {
        while (j < query.size() && IsIdentifierChar(query[j])) ++j;
      }
      tokens.push_back({Token::Kind::kVariable, std::string(query.substr(i, j - i))});
      i = j;
    } else if (IsIdentifierStart(c)) {
      size_t j = i;
      while (j < query.size() && IsIdentifierChar(query[j])) ++j;
      tokens.push_back({Token::Kind::kIdentifier, std::string(query.substr(i, j - i))});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t j = i;
      while (j < query.size() && (std::isalnum(static_cast<unsigned char>(query[j])) ||
                                  query[j] == '.' || query[j] == '+' || query[j] == '-')) {
        // A sign belongs to the number only after an exponent's 'e'.
        if ((query[j] == '+' || query[j] == '-') && query[j - 1] != 'e') break;
        ++j;
      }
      tokens.push_back({Token::Kind::kNumber, std::string(query.substr(i, j - i))});
      i = j;
    } else if (std::string_view("(){},").find(c) != std::string_view::npos) {
      tokens.push_back({Token::Kind::kPunct, std::string(1, c)});
      ++i;
    } else {
      size_t length = 1;
      const std::string_view two = query.substr(i, 2);
      if (two == "=~" || two == "!~" || two == "!=" || two == "==" || two == ">=" || two == "<=") {
        length = 2;
      }
      tokens.push_back({Token::Kind::kOperator, std::string(query.substr(i, length))});
      i += length;
    }
  }
  return tokens;
}

constexpr size_t kNone = static_cast<size_t>(-1);

// For each "(" and ")" the index of its partner; kNone elsewhere and when unbalanced.
std::vector<size_t> MatchParentheses(const std::vector<Token>& tokens,
                                     std::vector<std::string>& problems) {
  std::vector<size_t> partner(tokens.size(), kNone);
  std::vector<size_t> open;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (IsPunct(tokens[i], "(")) open.push_back(i);
    if (!IsPunct(tokens[i], ")")) continue;
    if (open.empty()) {
      problems.push_back("an unbalanced ')'");
      continue;
    }
    partner[i] = open.back();
    partner[open.back()] = i;
    open.pop_back();
  }
  if (!open.empty()) problems.push_back("an unbalanced '('");
  return partner;
}

struct Matcher {
  std::string label;
  std::string op;  // =, !=, =~, !~
  std::string value;
};

struct MetricReference {
  std::string name;
  std::vector<Matcher> matchers;
};

// A label that the series of `metric` must carry for the query to mean something: the labels
// of a `by`/`without` clause over it, or label_values()'s label.
struct LabelRequirement {
  std::string metric;
  std::string label;
  std::string clause;  // "by (route)", for messages
};

struct QueryReferences {
  std::vector<MetricReference> metrics;
  std::vector<LabelRequirement> requirements;
  std::vector<std::string> problems;  // what the reader could not follow
};

QueryReferences ReadQuery(std::string_view query) {
  QueryReferences out;
  const std::vector<Token> tokens = Tokenize(query, out.problems);
  const std::vector<size_t> partner = MatchParentheses(tokens, out.problems);
  const size_t n = tokens.size();
  std::vector<bool> consumed(n, false);
  std::vector<std::pair<size_t, size_t>> positions;  // (token index, index in out.metrics)

  // Pass 1: metric names and their {matchers}.
  for (size_t i = 0; i < n; ++i) {
    if (!IsIdentifier(tokens[i]) || !tokens[i].text.starts_with("rampart_")) continue;
    consumed[i] = true;
    MetricReference ref{tokens[i].text, {}};
    if (i + 1 < n && IsPunct(tokens[i + 1], "{")) {
      consumed[i + 1] = true;
      size_t j = i + 2;
      while (j < n && !IsPunct(tokens[j], "}")) {
        if (j + 2 >= n || !IsIdentifier(tokens[j]) ||
            tokens[j + 1].kind != Token::Kind::kOperator ||
            tokens[j + 2].kind != Token::Kind::kString) {
          out.problems.push_back("cannot read the matchers of " + ref.name);
          break;
        }
        ref.matchers.push_back({tokens[j].text, tokens[j + 1].text, tokens[j + 2].text});
        consumed[j] = consumed[j + 1] = consumed[j + 2] = true;
        j += 3;
        if (j < n && IsPunct(tokens[j], ",")) consumed[j++] = true;
      }
      if (j < n) consumed[j] = true;
    }
    positions.emplace_back(i, out.metrics.size());
    out.metrics.push_back(std::move(ref));
  }
  auto require = [&](size_t from, size_t to, const std::string& label, const std::string& clause) {
    for (const auto& [position, index] : positions) {
      if (position > from && position < to) {
        out.requirements.push_back({out.metrics[index].name, label, clause});
      }
    }
  };

  // Pass 2: the clauses that name labels, and every other word.
  for (size_t i = 0; i < n; ++i) {
    if (consumed[i]) continue;
    const Token& t = tokens[i];
    if (IsPunct(t, "{")) {
      out.problems.push_back("a selector without a rampart_ metric name");
      while (i + 1 < n && !IsPunct(tokens[i + 1], "}")) ++i;  // its matchers are not words
      continue;
    }
    if (!IsIdentifier(t)) continue;
    const bool call = i + 1 < n && IsPunct(tokens[i + 1], "(") && partner[i + 1] != kNone;
    if (t.text == "by" || t.text == "without") {
      if (!call) {
        out.problems.push_back("'" + t.text + "' without a label list");
        continue;
      }
      const size_t close = partner[i + 1];
      std::vector<std::string> labels;
      for (size_t j = i + 2; j < close; ++j) {
        if (IsIdentifier(tokens[j])) {
          labels.push_back(tokens[j].text);
        } else if (!IsPunct(tokens[j], ",")) {
          out.problems.push_back("cannot read the label list of '" + t.text + "'");
        }
      }
      // "sum by (x) (ARG)" or "sum (ARG) by (x)": the clause is about the metrics in ARG.
      size_t from = kNone, to = kNone;
      if (i > 0 && IsIdentifier(tokens[i - 1]) && close + 1 < n &&
          IsPunct(tokens[close + 1], "(") && partner[close + 1] != kNone) {
        from = close + 1;
        to = partner[close + 1];
      } else if (i > 0 && IsPunct(tokens[i - 1], ")") && partner[i - 1] != kNone) {
        from = partner[i - 1];
        to = i - 1;
      } else {
        out.problems.push_back("cannot tell what '" + t.text + "' aggregates");
      }
      if (from != kNone) {
        for (const std::string& label : labels) {
          require(from, to, label, t.text + " (" + label + ")");
        }
      }
      i = close;
      continue;
    }
    if (t.text == "label_values") {
      // label_values(SELECTOR, LABEL), or label_values(LABEL) over every metric.
      const size_t close = call ? partner[i + 1] : kNone;
      const bool with_selector = close != kNone && close >= 3 && IsPunct(tokens[close - 2], ",") &&
                                 IsIdentifier(tokens[close - 1]);
      if (!with_selector) {
        out.problems.push_back("label_values() without a selector and a label");
        continue;
      }
      consumed[close - 1] = true;
      require(i + 1, close - 2, tokens[close - 1].text,
              "label_values(..., " + tokens[close - 1].text + ")");
      continue;
    }
    if (kNotUnderstood.contains(t.text)) {
      out.problems.push_back("'" + t.text + "' is not understood by this check: extend it");
      // Its label list is not unknown identifiers (its arguments, for label_replace, are read).
      if (call && t.text != "label_replace" && t.text != "label_join") i = partner[i + 1];
    } else if (!IsListed(kPromQlWords, t.text)) {
      out.problems.push_back("unknown identifier '" + t.text +
                             "': neither a rampart_ metric nor a known PromQL word");
    }
  }
  return out;
}

// --- the check --------------------------------------------------------------------------------

// A literal matcher value that names label values ("blocked", "hit|stale"), not a pattern or a
// Grafana variable: each name must be a value rampart emits, or the matcher selects nothing.
std::vector<std::string> LiteralValues(const std::string& value) {
  std::vector<std::string> names;
  std::string current;
  for (char c : value) {
    if (c == '|') {
      names.push_back(current);
      current.clear();
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      current.push_back(c);
    } else {
      return {};
    }
  }
  names.push_back(current);
  for (const std::string& name : names) {
    if (name.empty()) return {};
  }
  return names;
}

// Whether /metrics declares `name`: its own # HELP line, or a histogram family's _bucket, _sum
// or _count series.
bool Declared(const Exposition& e, const std::string& name) {
  if (e.helped.contains(name)) return true;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (!name.ends_with(suffix)) continue;
    const std::string family = name.substr(0, name.size() - suffix.size());
    auto type = e.types.find(family);
    return e.helped.contains(family) && type != e.types.end() && type->second == "histogram";
  }
  return false;
}

// What is wrong with `query` against `e`: names not declared, labels not carried, literal values
// never emitted, and what the reader could not follow. `may_be_absent`: families that the test
// could not turn on, with why (they are not checked).
std::vector<std::string> CheckQuery(std::string_view query, const Exposition& e,
                                    const std::map<std::string, std::string>& may_be_absent = {}) {
  const QueryReferences refs = ReadQuery(query);
  std::vector<std::string> problems = refs.problems;
  auto check_label = [&](const std::string& metric, const std::string& label,
                         const std::string& context) -> const std::set<std::string>* {
    if (kScrapeLabels.contains(label)) return nullptr;
    auto series = e.series.find(metric);
    if (series == e.series.end()) {
      problems.push_back(metric + " has no series, so its label '" + label + "' (" + context +
                         ") cannot be checked: make the test produce one");
      return nullptr;
    }
    auto values = series->second.find(label);
    if (values == series->second.end()) {
      problems.push_back(metric + " has no label '" + label + "' (" + context + ")");
      return nullptr;
    }
    return &values->second;
  };
  for (const MetricReference& ref : refs.metrics) {
    if (may_be_absent.contains(ref.name)) continue;
    if (!Declared(e, ref.name)) {
      problems.push_back(ref.name + ": no # HELP line in /metrics");
      continue;
    }
    for (const Matcher& m : ref.matchers) {
      const std::string context = m.label + m.op + "\"" + m.value + "\"";
      const std::set<std::string>* values = check_label(ref.name, m.label, context);
      if (values == nullptr) continue;
      for (const std::string& name : LiteralValues(m.value)) {
        if (!values->contains(name)) {
          problems.push_back(ref.name + " has no series with " + m.label + "=\"" + name + "\"");
        }
      }
    }
  }
  for (const LabelRequirement& r : refs.requirements) {
    if (may_be_absent.contains(r.metric) || !Declared(e, r.metric)) continue;
    check_label(r.metric, r.label, r.clause);
  }
  return problems;
}

// --- the dashboard ----------------------------------------------------------------------------

struct DashboardQuery {
  std::string where;  // "panel 'Requests/s by route' target A", for messages
  std::string expr;
};

std::optional<JsonValue> LoadDashboard() {
  std::ifstream in(kDashboardPath);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return ParseJson(text.str());
}

// Every panel that shows data, rows left out (a row is layout: no data source, no queries) but
// the panels of collapsed rows, which Grafana keeps inside the row, included.
void CollectPanels(const JsonValue& list, std::vector<const JsonValue*>& out) {
  if (!list.is_array()) return;
  for (const JsonValue& panel : list.array) {
    if (panel.StringAt("type") == "row") {
      if (const JsonValue* nested = panel.Find("panels")) CollectPanels(*nested, out);
      continue;
    }
    out.push_back(&panel);
  }
}

// The PromQL of every panel target and of every query variable.
std::vector<DashboardQuery> DashboardQueries(const JsonValue& dashboard) {
  std::vector<DashboardQuery> queries;
  std::vector<const JsonValue*> panels;
  if (const JsonValue* list = dashboard.Find("panels")) CollectPanels(*list, panels);
  for (const JsonValue* panel : panels) {
    const JsonValue* targets = panel->Find("targets");
    if (targets == nullptr || !targets->is_array()) continue;
    for (const JsonValue& target : targets->array) {
      queries.push_back({"panel '" + panel->StringAt("title").value_or("?") + "' target " +
                             target.StringAt("refId").value_or("?"),
                         target.StringAt("expr").value_or("")});
    }
  }
  const JsonValue* templating = dashboard.Find("templating");
  const JsonValue* variables = templating != nullptr ? templating->Find("list") : nullptr;
  if (variables != nullptr && variables->is_array()) {
    for (const JsonValue& variable : variables->array) {
      if (variable.StringAt("type") != "query") continue;
      const JsonValue* query = variable.Find("query");
      std::string expr = query == nullptr     ? ""
                         : query->is_object() ? query->StringAt("query").value_or("")
                                              : query->string;
      queries.push_back({"variable '" + variable.StringAt("name").value_or("?") + "'", expr});
    }
  }
  return queries;
}

const JsonValue* Variable(const JsonValue& dashboard, std::string_view name) {
  const JsonValue* templating = dashboard.Find("templating");
  const JsonValue* list = templating != nullptr ? templating->Find("list") : nullptr;
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const JsonValue& variable : list->array) {
    if (variable.StringAt("name") == name) return &variable;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += "  " + line + "\n";
  return out;
}

// --- the tests --------------------------------------------------------------------------------

// Families a test run may lack, with the reason; empty when everything could be turned on.
using AbsentFamilies = std::map<std::string, std::string>;

class GrafanaDashboard : public ProxyTest {
 protected:
  void TearDown() override {
    if (refusing_fd_ >= 0) close(refusing_fd_);
  }

  // A loopback port that refuses connections: bound, never listening.
  uint16_t RefusingPort() {
    refusing_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(refusing_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
    socklen_t length = sizeof sin;
    getsockname(refusing_fd_, reinterpret_cast<sockaddr*>(&sin), &length);
    return ntohs(sin.sin_port);
  }

  // Starts rampart with every feature the dashboard shows; `redis_port` 0: no shared state.
  void StartEverything(uint16_t redis_port) {
    const std::string packs = rampart_.dir() + "/packs";
    std::filesystem::create_directories(packs);
    WriteFile(packs + "/test.yaml", kBlockingTestPack);
    ConfigOptions options;
    const std::string app = origin_.address();
    const std::string refusing = "127.0.0.1:" + std::to_string(RefusingPort());
    options.pools_yaml = "pools:\n  app:\n    servers: [{address: " + app + "}]\n" +
                         "    health: {path: /healthz, interval: 200ms, timeout: 1s, rise: 1, "
                         "fall: 2}\n" +
                         "  refusing:\n    servers: [{address: " + refusing + "}]\n";
    std::string routes =
        "routes:\n"
        "  - name: assets\n    match: {path_prefix: /assets/}\n    strip_prefix: true\n"
        "    pool: app\n    cache: {ttl: 60s}\n    compression: {algorithms: [gzip]}\n"
        "  - name: limited\n    match: {path_prefix: /limited}\n    pool: app\n"
        "    rate_limit: {key: client_ip, rate: 1/h, burst: 1}\n"
        "  - name: challenge\n    match: {path_prefix: /challenge/}\n    pool: app\n"
        "    bot: {challenge: always}\n"
        "  - name: scanned\n    match: {path_prefix: /scanned/}\n    pool: app\n"
        "    signatures: {}\n"
        "  - name: refusing\n    match: {path_prefix: /refusing/}\n    pool: refusing\n";
    if (CrsInstalled()) {
      routes +=
          "  - name: waf\n    match: {path_prefix: /waf/}\n    pool: app\n"
          "    waf: {mode: block}\n";
    }
    routes += "  - name: main\n    match: {path_prefix: /}\n    pool: app\n";
    options.routes_yaml = routes;
    options.extra = "trusted_proxies: [127.0.0.1/32]\nsignatures: {dir: " + packs +
                    "}\nbot: {difficulty: 12}\n";
    if (redis_port != 0) {
      options.extra +=
          "state:\n  backend: redis\n  redis: {address: 127.0.0.1:" + std::to_string(redis_port) +
          ", timeout: 250ms}\n";
    }
    ASSERT_NO_FATAL_FAILURE(StartRampart(options));
    ASSERT_NE(rampart_.admin_port(), 0) << rampart_.Log();
  }

  // A few requests, so that the series that appear only once counted have their first sample.
  void SendTraffic() {
    auto plain = Get("/");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status, 200);
    for (int i = 0; i < 2; ++i) {  // a miss, then a hit; both compressed
      auto asset = Get("/assets/bytes/4096", {{"Accept-Encoding", "gzip"}});
      ASSERT_TRUE(asset);
      EXPECT_EQ(asset->status, 200);
      EXPECT_EQ(asset->Header("Content-Encoding"), "gzip");
    }
    auto first = Get("/limited");
    auto second = Get("/limited");
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(second->status, 429) << "burst 1: the second request is over the limit";

    const BotClient bot(port());
    auto page = bot.As("198.51.100.7", "/challenge/page");
    ASSERT_TRUE(page);
    ASSERT_TRUE(IsChallengePage(*page)) << page->status << "\n" << page->body;
    const std::optional<PageChallenge> challenge = ParseChallengePage(page->body);
    ASSERT_TRUE(challenge);
    auto wrong = bot.Answer("198.51.100.7", BotClient::kDefaultUserAgent, "/challenge/page",
                            *challenge, WrongNonce(*challenge));
    ASSERT_TRUE(wrong);
    EXPECT_FALSE(
        bot.Clearance("198.51.100.8", BotClient::kDefaultUserAgent, "/challenge/ok").empty());

    auto scanner = Get("/scanned/", {{"User-Agent", "evil-scanner"}});
    ASSERT_TRUE(scanner);
    EXPECT_EQ(scanner->status, 403);
    if (CrsInstalled()) {
      auto sqli = Get("/waf/?id=1%27%20OR%201%3D1--");
      ASSERT_TRUE(sqli);
      EXPECT_EQ(sqli->status, 403);
    }
    auto refused = Get("/refusing/x");
    ASSERT_TRUE(refused);
    EXPECT_GE(refused->status, 500);

    Client malformed = Connect();
    ASSERT_TRUE(
        malformed.Send("POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5x\r\n\r\nhello"));
    auto bad = malformed.ReadResponse();
    ASSERT_TRUE(bad) << malformed.error();
    EXPECT_EQ(bad->status, 400);
  }

  int refusing_fd_ = -1;
  std::optional<RedisServer> redis_;  // only in the test that starts rampart
};

TEST_F(GrafanaDashboard, CheckerFollowsQueriesAndReportsWhatMetricsLack) {
  const Exposition e = ReadExposition(
      "# HELP rampart_a_total A.\n# TYPE rampart_a_total counter\n"
      "rampart_a_total{kind=\"x\"} 1\nrampart_a_total{kind=\"y\"} 2\n"
      "# HELP rampart_h_seconds H.\n# TYPE rampart_h_seconds histogram\n"
      "rampart_h_seconds_bucket{le=\"+Inf\"} 1\nrampart_h_seconds_sum 1\n"
      "rampart_h_seconds_count 1\n"
      "# HELP rampart_g G.\n# TYPE rampart_g gauge\nrampart_g 1\n");
  const std::vector<std::string_view> good = {
      R"(sum by (kind) (rate(rampart_a_total{kind=~"x|y",instance=~"$instance"}[$__interval])))",
      R"(sum(rate(rampart_a_total{kind!="x"}[5m])) by (kind) / scalar(rampart_g))",
      R"(histogram_quantile(0.95, sum by (le) (rate(rampart_h_seconds_bucket[5m]))))",
      R"(rampart_h_seconds_sum / rampart_h_seconds_count)",
      R"(label_values(rampart_a_total{instance=~"$instance"}, kind))",
  };
  for (std::string_view query : good) EXPECT_EQ(Join(CheckQuery(query, e)), "") << query;
  // Each of these has exactly one thing wrong.
  const std::vector<std::pair<std::string_view, std::string_view>> bad = {
      {"rate(rampart_b_total[5m])", "rampart_b_total: no # HELP line"},
      {"rampart_g_bucket", "rampart_g_bucket: no # HELP line"},  // not a histogram
      {R"(rampart_a_total{knd="x"})", "rampart_a_total has no label 'knd'"},
      {R"(rampart_a_total{kind="z"})", "no series with kind=\"z\""},
      {R"(rampart_a_total{kind=~"x|zz"})", "no series with kind=\"zz\""},
      {"sum by (route) (rate(rampart_a_total[5m]))", "has no label 'route' (by (route))"},
      {"sum(rate(rampart_a_total[5m])) by (route)", "has no label 'route' (by (route))"},
      {"sum by (kind) (rampart_g)", "rampart_g has no label 'kind'"},
      {"label_values(rampart_a_total, route)", "has no label 'route' (label_values"},
      {"sum(rate(up[5m]))", "unknown identifier 'up'"},
      {"rate(rampartrequests_total[5m])", "unknown identifier 'rampartrequests_total'"},
      {"rampart_a_total * on (kind) rampart_g", "'on' is not understood"},
      {R"({__name__="rampart_a_total"})", "a selector without a rampart_ metric name"},
  };
  for (const auto& [query, want] : bad) {
    const std::vector<std::string> problems = CheckQuery(query, e);
    ASSERT_EQ(problems.size(), 1u) << query << "\n" << Join(problems);
    EXPECT_NE(problems[0].find(want), std::string::npos) << query << ": " << problems[0];
  }
  // The allow-list skips a family the run could not turn on, and nothing else.
  const std::vector<std::string> problems = CheckQuery(
      "rampart_state_backend_up + rampart_b_total", e, {{"rampart_state_backend_up", "no redis"}});
  ASSERT_EQ(problems.size(), 1u) << Join(problems);
  EXPECT_EQ(problems[0], "rampart_b_total: no # HELP line in /metrics");
}

TEST_F(GrafanaDashboard, IsAnImportableDashboardOverOnePrometheusDataSource) {
  const std::optional<JsonValue> dashboard = LoadDashboard();
  ASSERT_TRUE(dashboard) << kDashboardPath << " is missing or not JSON";
  ASSERT_TRUE(dashboard->is_object());
  EXPECT_FALSE(dashboard->StringAt("title").value_or("").empty()) << "no title";
  EXPECT_EQ(dashboard->NumberAt("schemaVersion"), 39);
  const JsonValue* top = dashboard->Find("panels");
  ASSERT_TRUE(top != nullptr && top->is_array() && !top->array.empty()) << "no panels";

  // The data source is a variable, so the file imports and provisions as it is.
  const JsonValue* source = Variable(*dashboard, "DS_PROMETHEUS");
  ASSERT_TRUE(source) << "no DS_PROMETHEUS variable";
  EXPECT_EQ(source->StringAt("type"), "datasource");
  EXPECT_EQ(source->StringAt("query"), "prometheus");
  for (std::string_view name : {"route", "instance"}) {
    const JsonValue* variable = Variable(*dashboard, name);
    ASSERT_TRUE(variable) << "no '" << name << "' variable";
    EXPECT_EQ(variable->StringAt("type"), "query") << name;
  }
  const JsonValue* route = Variable(*dashboard, "route");
  const JsonValue* route_query = route->Find("query");
  ASSERT_TRUE(route_query != nullptr && route_query->is_object());
  const QueryReferences route_refs = ReadQuery(route_query->StringAt("query").value_or(""));
  ASSERT_EQ(route_refs.metrics.size(), 1u);
  EXPECT_EQ(route_refs.metrics[0].name, "rampart_requests_total");

  std::set<std::string> rows;
  for (const JsonValue& panel : top->array) {
    if (panel.StringAt("type") == "row") rows.insert(panel.StringAt("title").value_or(""));
  }
  EXPECT_EQ(rows, (std::set<std::string>{"Traffic", "Security", "Upstreams", "Cache & compression",
                                         "System"}));

  std::vector<const JsonValue*> panels;
  CollectPanels(*top, panels);
  std::set<double> ids;
  for (const JsonValue& panel : top->array) {
    const std::optional<double> id = panel.NumberAt("id");
    ASSERT_TRUE(id) << "a panel without an id: " << panel.StringAt("title").value_or("?");
    EXPECT_TRUE(ids.insert(*id).second) << "panel id " << *id << " is used twice";
  }
  for (const JsonValue* panel : panels) {
    const std::string title = panel->StringAt("title").value_or("?");
    const JsonValue* datasource = panel->Find("datasource");
    ASSERT_TRUE(datasource != nullptr && datasource->is_object()) << title << ": no datasource";
    EXPECT_EQ(datasource->StringAt("uid"), kDataSourceUid) << title;
    EXPECT_EQ(datasource->StringAt("type"), "prometheus") << title;
    const JsonValue* targets = panel->Find("targets");
    ASSERT_TRUE(targets != nullptr && targets->is_array() && !targets->array.empty())
        << title << ": no targets";
    for (const JsonValue& target : targets->array) {
      EXPECT_FALSE(target.StringAt("refId").value_or("").empty()) << title;
      const std::string expr = target.StringAt("expr").value_or("");
      const QueryReferences refs = ReadQuery(expr);
      EXPECT_FALSE(refs.metrics.empty())
          << title << ": a target without a rampart_ metric: " << expr;
      EXPECT_EQ(Join(refs.problems), "") << title << ": " << expr;
    }
  }
}

TEST_F(GrafanaDashboard, EveryQueryUsesOnlyMetricsAndLabelsRampartExposes) {
  const std::optional<JsonValue> dashboard = LoadDashboard();
  ASSERT_TRUE(dashboard) << kDashboardPath << " is missing or not JSON";
  const std::vector<DashboardQuery> queries = DashboardQueries(*dashboard);
  ASSERT_FALSE(queries.empty());

  AbsentFamilies absent;
  uint16_t redis_port = 0;
  if (RedisServer::Available()) {
    redis_.emplace();
    ASSERT_TRUE(redis_->Start()) << redis_->error();
    redis_port = redis_->port();
  } else {
    // The shared-state families exist only with state.backend: redis.
    const std::string why = std::string(RedisServer::kBinary) + " is not installed";
    for (const char* family : {"rampart_state_backend_up", "rampart_state_backend_errors_total",
                               "rampart_state_backend_reconnects_total"}) {
      absent[family] = why;
    }
    std::cout << "[ NOTE ] not checked (" << why << "): the rampart_state_backend_* families\n";
  }
  ASSERT_NO_FATAL_FAILURE(StartEverything(redis_port));
  ASSERT_NO_FATAL_FAILURE(SendTraffic());

  // Counters are added as each exchange ends, which may be just after its answer: read /metrics
  // until the queries check out, and report what was still wrong at the deadline.
  std::vector<std::string> problems;
  std::string text;
  const bool clean = Eventually(
      [&] {
        text = FetchMetrics(rampart_.admin_port());
        const Exposition e = ReadExposition(text);
        problems.clear();
        for (const DashboardQuery& q : queries) {
          for (const std::string& problem : CheckQuery(q.expr, e, absent)) {
            problems.push_back(q.where + ": " + problem);
          }
        }
        return problems.empty();
      },
      Timeout(5'000));
  EXPECT_TRUE(clean) << Join(problems) << "\n/metrics:\n" << text;
}

}  // namespace
}  // namespace rampart::test
