#include "modsec/policy.h"

#include <string>
#include <string_view>

namespace rampart::modsec {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// An id or an inclusive range "a-b" with a <= b.
bool IsIdOrRange(std::string_view s) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return IsDigits(s);
  std::string_view a = s.substr(0, dash);
  std::string_view b = s.substr(dash + 1);
  return IsDigits(a) && IsDigits(b) && std::stol(std::string(a)) <= std::stol(std::string(b));
}

// Text that is pasted into a generated SecLang line: no quotes, backslashes or control bytes
// that could end the directive early or start another one.
bool IsSafeSecLangText(std::string_view s, bool allow_space) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '\\' || c == ',') return false;
    if (c == ' ' && !allow_space) return false;
  }
  return true;
}

void AppendField(std::string& key, std::string_view value) {
  key += std::to_string(value.size());
  key += ':';
  key += value;
  key += ';';
}

}  // namespace

core::Status Policy::Validate() const {
  using core::MakeError;
  if (crs_dir.empty()) return MakeError("crs_dir: must not be empty");
  if (paranoia < 1 || paranoia > 4) return MakeError("paranoia: must be 1 to 4");
  if (executing_paranoia != 0 && (executing_paranoia < paranoia || executing_paranoia > 4)) {
    return MakeError("executing_paranoia: must be between paranoia and 4");
  }
  if (inbound_threshold < 1) return MakeError("inbound_threshold: must be at least 1");
  if (outbound_threshold < 1) return MakeError("outbound_threshold: must be at least 1");
  if (!IsSafeSecLangText(allowed_methods, true)) {
    return MakeError("allowed_methods: quotes, commas, backslashes and control bytes not allowed");
  }
  if (!IsSafeSecLangText(allowed_content_types, true)) {
    return MakeError(
        "allowed_content_types: quotes, commas, backslashes and control bytes not allowed");
  }
  if (!IsSafeSecLangText(allowed_http_versions, true)) {
    return MakeError(
        "allowed_http_versions: quotes, commas, backslashes and control bytes not allowed");
  }
  if (request_body_limit == 0) return MakeError("request_body_limit: must be positive");
  if (response_body_limit == 0) return MakeError("response_body_limit: must be positive");
  for (const RuleExclusion& e : exclusions) {
    switch (e.kind) {
      case RuleExclusion::Kind::kById:
        if (!IsIdOrRange(e.rule)) {
          return MakeError("exclusion by id: '" + e.rule + "' is not a rule id or range a-b");
        }
        break;
      case RuleExclusion::Kind::kByTag:
        if (e.rule.empty() || !IsSafeSecLangText(e.rule, false)) {
          return MakeError("exclusion by tag: '" + e.rule + "' is not a valid tag");
        }
        break;
      case RuleExclusion::Kind::kTargetById:
        if (!IsDigits(e.rule)) {
          return MakeError("exclusion by target: '" + e.rule + "' is not a rule id");
        }
        if (e.target.empty() || !IsSafeSecLangText(e.target, false) || e.target[0] == '!') {
          return MakeError("exclusion by target: '" + e.target +
                           "' is not a variable (e.g. ARGS:comment)");
        }
        break;
    }
  }
  for (const auto& files : {&before_crs, &after_crs}) {
    for (const std::string& f : *files) {
      if (f.empty() || !IsSafeSecLangText(f, false)) {
        return MakeError("rule file '" + f + "': empty or contains spaces, quotes or commas");
      }
    }
  }
  return {};
}

std::string Policy::Key() const {
  std::string key;
  AppendField(key, crs_dir);
  key += detect_only ? "D;" : "B;";
  key += std::to_string(paranoia) + ';' + std::to_string(ExecutingParanoia()) + ';';
  key += std::to_string(inbound_threshold) + ';' + std::to_string(outbound_threshold) + ';';
  AppendField(key, allowed_methods);
  AppendField(key, allowed_content_types);
  AppendField(key, allowed_http_versions);
  key += std::to_string(request_body_limit);
  key += request_body_limit_action == BodyLimitAction::kReject ? "R;" : "P;";
  key += inspect_response ? "I" : "N";
  key += std::to_string(response_body_limit) + ';';
  key += 'x' + std::to_string(exclusions.size()) + ';';
  for (const RuleExclusion& e : exclusions) {
    key += std::to_string(static_cast<int>(e.kind));
    AppendField(key, e.rule);
    AppendField(key, e.target);
  }
  key += 'b' + std::to_string(before_crs.size()) + ';';
  for (const std::string& f : before_crs) AppendField(key, f);
  key += 'a' + std::to_string(after_crs.size()) + ';';
  for (const std::string& f : after_crs) AppendField(key, f);
  return key;
}

}  // namespace rampart::modsec
