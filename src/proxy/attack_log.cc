#include "proxy/attack_log.h"

#include <string_view>

#include "core/strings.h"
#include "http/header_map.h"
#include "pipeline/exchange.h"
#include "proxy/access_log.h"
#include "proxy/credential_mask.h"

namespace rampart::proxy {

namespace {

// Room kept at the end of a record for `,"omitted":{"rules":N,"headers":N}}`.
constexpr size_t kTailBytes = 96;

// Appends `value` as a JSON string: escaped, and cut so that what is between the quotes holds
// at most `limit` bytes, the last of them "…[N bytes]" when it was cut (N: the length as
// received).
void AppendString(std::string& out, std::string_view value, size_t limit) {
  out += '"';
  const size_t start = out.size();
  if (core::AppendJsonEscapedPrefix(out, value, limit) < value.size()) {
    const std::string marker = "\xe2\x80\xa6[" + std::to_string(value.size()) + " bytes]";
    out.resize(start);
    core::AppendJsonEscapedPrefix(out, value, limit > marker.size() ? limit - marker.size() : 0);
    out += marker;
  }
  out += '"';
}

// "a=1; b" → "a=***; ***": cookie names stay, values go.
std::string MaskCookie(std::string_view value) {
  std::string out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(';', start);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view pair = core::TrimOws(value.substr(start, end - start));
    start = end + 1;
    if (pair.empty()) continue;
    if (!out.empty()) out += "; ";
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out.append(core::TrimOws(pair.substr(0, eq)));
      out += '=';
    }
    out.append(kMask);
  }
  return out;
}

// The value logged for a masked header: cookie names, or the authorization scheme, then "***".
std::string MaskedValue(std::string_view name, std::string_view value) {
  value = core::TrimOws(value);
  if (value.empty()) return {};
  if (core::EqualsIgnoreCase(name, "Cookie")) return MaskCookie(value);
  if (core::EqualsIgnoreCase(name, "Set-Cookie")) {
    const size_t eq = value.find('=');
    if (eq == std::string_view::npos) return std::string(kMask);
    return std::string(core::TrimOws(value.substr(0, eq))) + "=" + std::string(kMask);
  }
  if (!core::EqualsIgnoreCase(name, "Authorization") &&
      !core::EqualsIgnoreCase(name, "Proxy-Authorization")) {
    return std::string(kMask);  // an API key header: nothing of it
  }
  // Authorization, Proxy-Authorization: "Basic ***".
  const size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::string(kMask);
  return std::string(value.substr(0, space)) + " " + std::string(kMask);
}

void AppendRule(std::string& out, const pipeline::RuleMatch& rule, const AttackLogLimits& limits,
                const pipeline::CredentialFields* credentials) {
  out += "{\"source\":\"";
  out += pipeline::FindingSourceName(rule.source);
  out += "\",\"id\":";
  AppendString(out, rule.id, limits.name);
  out += ",\"msg\":";
  AppendString(out, rule.msg, limits.value);
  out += ",\"severity\":";
  AppendString(out, rule.severity, limits.name);
  out += ",\"tags\":[";
  for (size_t i = 0; i < rule.tags.size() && i < limits.tags; ++i) {
    if (i > 0) out += ',';
    AppendString(out, rule.tags[i], limits.name);
  }
  out += "],\"var\":";
  AppendString(out, rule.var, limits.name);
  out += ",\"data\":";
  if (!rule.data.empty() && IsCredentialVariable(rule.var, credentials)) {
    AppendString(out, kMask, limits.data);
  } else {
    AppendString(out, rule.data, limits.data);
  }
  out += '}';
}

}  // namespace

std::string FormatAttackRecord(const pipeline::Exchange& ex, const AttackLogLimits& limits) {
  const http::Request& req = ex.request();
  const pipeline::Findings& findings = ex.findings();
  const pipeline::CredentialFields* credentials = ex.credential_fields().get();
  std::string out;
  out.reserve(2048);
  out += "{\"time\":\"";
  out += IsoTime(ex.start_wall());
  out += "\",\"request_id\":";
  AppendString(out, ex.request_id(), limits.name);
  out += ",\"client_ip\":";
  AppendString(out, ex.client().ip, limits.name);
  // Set by the geoip stage when databases are configured; null otherwise.
  out += ",\"country\":";
  if (ex.geo().country.empty()) {
    out += "null";
  } else {
    AppendString(out, ex.geo().country, limits.name);
  }
  out += ",\"asn\":";
  out += ex.geo().asn == 0 ? std::string("null") : std::to_string(ex.geo().asn);
  out += ",\"method\":";
  AppendString(out, req.method, limits.name);
  out += ",\"host\":";
  AppendString(out, req.host, limits.value);
  out += ",\"uri\":";
  AppendString(out, MaskedTarget(ex.original_target, credentials), limits.uri);
  out += ",\"route\":";
  AppendString(out, ex.route_name(), limits.name);
  out += ",\"action\":\"";
  out += pipeline::VerdictName(findings.verdict());
  out += "\",\"status\":";
  // What the client got; if it went away first, what the deciding stage meant to send.
  out += std::to_string(ex.status != 0 ? ex.status : findings.status());
  out += ",\"source\":\"";
  out += pipeline::FindingSourceName(findings.source());
  out += '"';

  // Rules up to half the record, headers up to the rest: a flood of either leaves room for the
  // other. What does not fit is counted, not cut in the middle.
  const size_t rules_end = limits.record / 2;
  const size_t headers_end = limits.record > kTailBytes ? limits.record - kTailBytes : 0;
  size_t rules_omitted = 0;
  out += ",\"rules\":[";
  const auto& rules = findings.rules();
  for (size_t i = 0; i < rules.size(); ++i) {
    const size_t mark = out.size();
    if (i > 0) out += ',';
    AppendRule(out, rules[i], limits, credentials);
    if (out.size() > rules_end) {
      out.resize(mark);
      rules_omitted = rules.size() - i;
      break;
    }
  }
  out += "],\"scores\":";
  if (const auto& scores = findings.scores()) {
    out += "{\"inbound\":";
    out += std::to_string(scores->inbound);
    out += ",\"outbound\":";
    out += std::to_string(scores->outbound);
    out += '}';
  } else {
    out += "null";
  }

  size_t headers_omitted = 0;
  out += ",\"headers\":[";
  const auto& fields = ex.received_headers().fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    const http::Header& field = fields[i];
    const size_t mark = out.size();
    if (i > 0) out += ',';
    out += '[';
    AppendString(out, field.name, limits.name);
    out += ',';
    if (IsCredentialHeader(field.name, credentials)) {
      AppendString(out, MaskedValue(field.name, field.value), limits.value);
    } else {
      AppendString(out, field.value, limits.value);
    }
    out += ']';
    if (out.size() > headers_end) {
      out.resize(mark);
      headers_omitted = fields.size() - i;
      break;
    }
  }
  out += ']';
  if (rules_omitted > 0 || headers_omitted > 0) {
    out += ",\"omitted\":{\"rules\":";
    out += std::to_string(rules_omitted);
    out += ",\"headers\":";
    out += std::to_string(headers_omitted);
    out += '}';
  }
  // Which TLS client this was (JA3/JA4), for telling scripts from browsers; null on cleartext.
  out += ",\"tls\":";
  if (const pipeline::TlsInfo* tls = ex.tls()) {
    out += "{\"version\":";
    AppendString(out, tls->version, limits.name);
    out += ",\"sni\":";
    AppendString(out, tls->server_name, limits.name);
    out += ",\"ja3\":";
    AppendString(out, tls->ja3_hash, limits.name);
    out += ",\"ja4\":";
    AppendString(out, tls->ja4, limits.name);
    out += '}';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

core::Result<std::shared_ptr<AttackLog>> AttackLog::Open(const std::string& path) {
  auto file = LogFile::Open(path, "attack log");
  if (!file.ok()) return file.error();
  std::shared_ptr<AttackLog> log(new AttackLog());
  log->file_ = std::move(file).value();
  return log;
}

}  // namespace rampart::proxy
