#include "modsec/policy_rules.h"

#include <string>
#include <vector>

namespace rampart::modsec {
namespace {

// One generated phase-1 SecAction. CRS (REQUEST-901) only sets a tx default when the variable is
// unset, so these run first and win.
void AppendSetVar(std::string& out, int id, const std::vector<std::string>& setvars) {
  out += "SecAction \"id:" + std::to_string(id) + ",phase:1,pass,nolog,t:none";
  for (const std::string& s : setvars) out += ",setvar:'" + s + "'";
  out += "\"\n";
}

}  // namespace

std::string RenderPolicyHead(const Policy& policy, const HeadFiles& files) {
  std::string out;
  out += "Include " + files.base_conf + "\n";
  if (!files.unicode_map.empty()) out += "SecUnicodeMapFile " + files.unicode_map + " 20127\n";
  out += policy.detect_only ? "SecRuleEngine DetectionOnly\n" : "SecRuleEngine On\n";

  // rampart enforces request_body_limit itself before libmodsecurity sees the bytes: in reject
  // mode it never hands over more than the limit; in partial mode it hands over one byte more so
  // that libmodsecurity cuts the body and sets INBOUND_DATA_ERROR (the base config then does not
  // call the cut body malformed). ProcessPartial either way: libmodsecurity's own reject would
  // answer 403 without a rule message.
  const std::string limit = std::to_string(policy.request_body_limit);
  out += "SecRequestBodyLimit " + limit + "\n";
  out += "SecRequestBodyNoFilesLimit " + limit + "\n";
  out += "SecRequestBodyLimitAction ProcessPartial\n";
  out += policy.inspect_response ? "SecResponseBodyAccess On\n" : "SecResponseBodyAccess Off\n";
  out += "SecResponseBodyLimit " + std::to_string(policy.response_body_limit) + "\n";
  out += "SecResponseBodyLimitAction ProcessPartial\n";

  AppendSetVar(out, 900000,
               {"tx.paranoia_level=" + std::to_string(policy.paranoia),
                "tx.executing_paranoia_level=" + std::to_string(policy.ExecutingParanoia())});
  AppendSetVar(
      out, 900001,
      {"tx.inbound_anomaly_score_threshold=" + std::to_string(policy.inbound_threshold),
       "tx.outbound_anomaly_score_threshold=" + std::to_string(policy.outbound_threshold)});
  if (!policy.allowed_methods.empty()) {
    AppendSetVar(out, 900002, {"tx.allowed_methods=" + policy.allowed_methods});
  }
  if (!policy.allowed_content_types.empty()) {
    AppendSetVar(out, 900003, {"tx.allowed_request_content_type=" + policy.allowed_content_types});
  }
  if (!policy.allowed_http_versions.empty()) {
    AppendSetVar(out, 900004, {"tx.allowed_http_versions=" + policy.allowed_http_versions});
  }
  for (const std::string& f : policy.before_crs) out += "Include " + f + "\n";
  return out;
}

std::string RenderPolicyTail(const Policy& policy) {
  std::string out;
  for (const RuleExclusion& e : policy.exclusions) {
    switch (e.kind) {
      case RuleExclusion::Kind::kById:
        out += "SecRuleRemoveById " + e.rule + "\n";
        break;
      case RuleExclusion::Kind::kByTag:
        out += "SecRuleRemoveByTag \"" + e.rule + "\"\n";
        break;
      case RuleExclusion::Kind::kTargetById:
        out += "SecRuleUpdateTargetById " + e.rule + " \"!" + e.target + "\"\n";
        break;
    }
  }
  for (const std::string& f : policy.after_crs) out += "Include " + f + "\n";
  return out;
}

std::string RenderCrsTop(const std::string& crs_setup,
                         const std::vector<std::string>& crs_rule_files) {
  std::string out = "Include " + crs_setup + "\n";
  for (const std::string& f : crs_rule_files) out += "Include " + f + "\n";
  return out;
}

}  // namespace rampart::modsec
