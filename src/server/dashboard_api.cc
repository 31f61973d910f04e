#include "server/dashboard_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/strings.h"
#include "review/exclusion.h"
#include "review/record_filter.h"
#include "review/summary.h"
#include "server/query_params.h"

namespace rampart::server {

namespace {

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;
// Generated exclusion ids start in SecLang's local range, as `rampart tune` does.
constexpr uint32_t kFirstExclusionId = 10'000;

// The filters of the query; `extra` names the endpoint's own parameters, which are skipped
// here. An unknown parameter is an error: a typo must not silently widen the selection.
core::Result<review::CompiledFilter> FilterFromQuery(const QueryParams& params,
                                                     const std::vector<std::string_view>& extra) {
  if (!params.ok()) return core::MakeError("malformed query string");
  review::RecordFilter filter;
  const int64_t now = review::NowEpochMs();
  for (const evkeyval* kv = params.first(); kv != nullptr; kv = kv->next.tqe_next) {
    const std::string_view key = kv->key;
    const std::string value = kv->value;
    if (std::find(extra.begin(), extra.end(), key) != extra.end()) continue;
    if (value.empty()) continue;  // an empty form field: no criterion
    if (key == "from" || key == "to") {
      const std::optional<int64_t> ms = review::ParseTimeBound(value, now);
      if (!ms) {
        return core::MakeError(std::string(key) +
                               ": expected an RFC 3339 time, a date or an age such as 2h");
      }
      (key == "from" ? filter.from_ms : filter.to_ms) = *ms;
    } else if (key == "ip") {
      filter.client = value;
    } else if (key == "route") {
      filter.route = value;
    } else if (key == "rule") {
      filter.rule = value;
    } else if (key == "action") {
      filter.action = value;
    } else if (key == "country") {
      filter.country = value;
    } else if (key == "source") {
      filter.source = value;
    } else if (key == "uri") {
      filter.uri_prefix = value;
    } else if (key == "request_id") {
      filter.request_id = value;
    } else {
      return core::MakeError("unknown parameter '" + std::string(key) +
                             "' (from, to, ip, route, rule, action, country, source, uri, "
                             "request_id)");
    }
  }
  return review::CompiledFilter::Compile(filter);
}

std::optional<size_t> ParseCount(const std::optional<std::string>& text, size_t fallback,
                                 size_t max) {
  if (!text || text->empty()) return fallback;
  size_t n = 0;
  for (const char c : *text) {
    if (c < '0' || c > '9' || n > max) return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (n == 0 || n > max) return std::nullopt;
  return n;
}

ApiReply ListRecords(const QueryParams& params, const AttackLogWindow& window,
                     const std::string& log_path) {
  auto filter = FilterFromQuery(params, {"limit"});
  if (!filter.ok()) return {400, ApiErrorJson(filter.error().message)};
  const std::optional<size_t> limit = ParseCount(params.Get("limit"), kDefaultLimit, kMaxLimit);
  if (!limit) return {400, ApiErrorJson(fmt::format("limit: expected 1 to {}", kMaxLimit))};
  std::string out = "{\"log\":\"";
  core::AppendJsonEscaped(out, log_path);
  out += "\",\"records\":[";
  size_t matched = 0;
  const auto& records = window.records();
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (!filter->Matches(*it)) continue;
    if (matched < *limit) {
      if (matched > 0) out += ',';
      out += it->line;  // the record as logged: already JSON
    }
    ++matched;
  }
  out += fmt::format("],\"matched\":{},\"scanned\":{},\"skipped_bytes\":{},\"bad_lines\":{}}}",
                     matched, records.size(), window.skipped_bytes(), window.bad_lines());
  return {200, std::move(out)};
}

ApiReply Summarise(const QueryParams& params, const AttackLogWindow& window) {
  auto filter = FilterFromQuery(params, {"top", "bucket"});
  if (!filter.ok()) return {400, ApiErrorJson(filter.error().message)};
  review::SummaryOptions options;
  const std::optional<size_t> top = ParseCount(params.Get("top"), options.top, 100);
  if (!top) return {400, ApiErrorJson("top: expected 1 to 100")};
  options.top = *top;
  if (const auto bucket = params.Get("bucket"); bucket && !bucket->empty()) {
    const std::optional<uint64_t> ms = core::ParseDurationMs(*bucket);
    if (!ms || *ms < 1000) return {400, ApiErrorJson("bucket: expected a duration such as 5m")};
    options.bucket_ms = static_cast<int64_t>(*ms);
  }
  std::vector<review::AttackRecord> selected;
  for (const review::AttackRecord& record : window.records()) {
    if (filter->Matches(record)) selected.push_back(record);
  }
  return {200, review::SummaryJson(review::Summarize(selected, options))};
}

ApiReply OneRecord(const std::string& request_id, const AttackLogWindow& window) {
  const auto& records = window.records();
  // Newest first: a request id repeated by a trusted proxy finds its latest record.
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (it->request_id == request_id) return {200, "{\"record\":" + it->line + "}"};
  }
  return {404, ApiErrorJson("no record with request id '" + request_id +
                            "' in the attack log's recent window")};
}

// A word for a POSIX shell: as it is when it holds only safe characters, else single-quoted.
std::string ShellWord(std::string_view word) {
  const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-./:=@%+,").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(word);
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// The `rampart tune` command that writes what the dashboard proposed, for the operator to run
// after review.
std::string TuneCommand(const std::string& log_path, const review::FalsePositiveSelection& s,
                        review::ExclusionScope scope) {
  std::string out = "rampart tune " + ShellWord(log_path);
  for (const auto& id : s.request_ids) out += " --request-id " + ShellWord(id);
  for (const auto& rule : s.rules) out += " --rule " + ShellWord(rule);
  if (!s.route.empty()) out += " --route " + ShellWord(s.route);
  if (!s.uri_prefix.empty()) out += " --uri " + ShellWord(s.uri_prefix);
  out += " --scope ";
  out += review::ExclusionScopeName(scope);
  out += " --out exclusions.conf";
  return out;
}

// The inbound threshold of the route the records are on (CRS's default when it has no WAF).
int InboundThreshold(const proxy::Runtime& runtime, std::string_view route) {
  for (const auto& r : runtime.config.routes) {
    if (r.name == route && r.waf) return static_cast<int>(r.waf->inbound_threshold);
  }
  return 5;
}

std::optional<std::vector<std::string>> StringList(const nlohmann::json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key)) return out;
  const nlohmann::json& value = body.at(key);
  if (!value.is_array()) return std::nullopt;
  for (const auto& item : value) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::string> StringField(const nlohmann::json& body, const char* key) {
  if (!body.contains(key)) return std::string();
  const nlohmann::json& value = body.at(key);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

}  // namespace

ApiReply HandleAttacksApi(std::string_view method, const std::vector<std::string>& segments,
                          std::string_view query, AttackLogWindow& window,
                          const proxy::Runtime& runtime) {
  if (segments.size() > 3) return {404, ApiErrorJson("no such API endpoint")};
  if (method != "GET" && method != "HEAD") {
    return {405, ApiErrorJson("method not allowed; allowed: GET, HEAD")};
  }
  const std::string& log_path = runtime.config.logging.attack_log;
  if (log_path.empty() || log_path == "-") {
    return {404, ApiErrorJson("no attack log file: set logging.attack_log to a file")};
  }
  if (const core::Status refreshed = window.Refresh(log_path); !refreshed.ok()) {
    return {500, ApiErrorJson(refreshed.error().message)};
  }
  const QueryParams params(query);
  if (segments.size() == 2) return ListRecords(params, window, log_path);
  if (segments[2] == "summary") return Summarise(params, window);
  return OneRecord(segments[2], window);
}

ApiReply HandleTuneApi(std::string_view method, std::string_view body, AttackLogWindow& window,
                       const proxy::Runtime& runtime) {
  if (method != "POST") return {405, ApiErrorJson("method not allowed; allowed: POST")};
  const std::string& log_path = runtime.config.logging.attack_log;
  if (log_path.empty() || log_path == "-") {
    return {404, ApiErrorJson("no attack log file: set logging.attack_log to a file")};
  }
  const nlohmann::json request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object()) return {400, ApiErrorJson("expected a JSON object")};
  for (const auto& [key, value] : request.items()) {
    if (key != "request_ids" && key != "rules" && key != "route" && key != "uri_prefix" &&
        key != "scope") {
      return {400, ApiErrorJson("unknown field '" + key +
                                "' (request_ids, rules, route, uri_prefix, scope)")};
    }
  }
  review::FalsePositiveSelection selection;
  const auto ids = StringList(request, "request_ids");
  const auto rules = StringList(request, "rules");
  const auto route = StringField(request, "route");
  const auto prefix = StringField(request, "uri_prefix");
  const auto scope_name = StringField(request, "scope");
  if (!ids || !rules)
    return {400, ApiErrorJson("request_ids and rules: expected arrays of strings")};
  if (!route || !prefix || !scope_name) {
    return {400, ApiErrorJson("route, uri_prefix and scope: expected strings")};
  }
  selection.request_ids = *ids;
  selection.rules = *rules;
  selection.route = *route;
  selection.uri_prefix = *prefix;
  review::TuneOptions options;
  if (!scope_name->empty()) {
    const auto scope = review::ParseExclusionScope(*scope_name);
    if (!scope) return {400, ApiErrorJson("scope: expected path, prefix or route")};
    options.scope = *scope;
  }

  if (const core::Status refreshed = window.Refresh(log_path); !refreshed.ok()) {
    return {500, ApiErrorJson(refreshed.error().message)};
  }
  const std::vector<review::AttackRecord> records(window.records().begin(), window.records().end());
  // The threshold of the route the marked records are on: the first marked one tells.
  std::string marked_route = selection.route;
  for (const review::AttackRecord& record : records) {
    if (!marked_route.empty()) break;
    if (std::find(selection.request_ids.begin(), selection.request_ids.end(), record.request_id) !=
        selection.request_ids.end()) {
      marked_route = record.route;
    }
  }
  options.inbound_threshold = InboundThreshold(runtime, marked_route);
  auto plan = review::PlanExclusions(records, selection, options);
  if (!plan.ok()) return {400, ApiErrorJson(plan.error().message)};
  std::string out = review::TunePlanJson(plan.value(), kFirstExclusionId);
  // The plan's object, plus the command that writes it.
  if (!out.empty() && out.back() == '}') {
    out.pop_back();
    out += ",\"command\":\"";
    core::AppendJsonEscaped(out, TuneCommand(log_path, selection, options.scope));
    out += "\"}";
  }
  return {200, std::move(out)};
}

}  // namespace rampart::server
