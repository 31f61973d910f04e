#pragma once
// Policy: what one route asks of the WAF, as plain data. Filled by the waf stage's config loader,
// compiled by RulesCache into a CompiledPolicy. Equal policies (equal Key()) share one compiled
// rule set.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace rampart::modsec {

// What happens to a request body longer than Policy::request_body_limit.
enum class BodyLimitAction : uint8_t {
  kReject,   // the inspection reports Verdict::Kind::kRequestBodyTooLarge (the stage answers 413)
  kPartial,  // only the first request_body_limit bytes are inspected; the rest passes unseen
};

// One rule exclusion, scoped to the policy it belongs to.
struct RuleExclusion {
  enum class Kind : uint8_t {
    kById,        // remove rule `rule`: one id ("942100") or an inclusive range ("942100-942199")
    kByTag,       // remove every rule carrying tag `rule` ("attack-sqli", "paranoia-level/2")
    kTargetById,  // rule `rule` (one id) no longer inspects `target` ("ARGS:comment")
  };
  Kind kind = Kind::kById;
  std::string rule;
  std::string target;

  bool operator==(const RuleExclusion&) const = default;
};

// CRS defaults, spelled in CRS's tx format. An empty string in a Policy means "CRS default".
inline constexpr char kDefaultCrsDir[] = "/usr/share/modsecurity-crs";

struct Policy {
  // The CRS installation: its rules/ folder holds REQUEST-9xx / RESPONSE-9xx *.conf files.
  std::string crs_dir = kDefaultCrsDir;
  // Detect mode: rules run and findings are reported, but no intervention is ever returned.
  bool detect_only = false;
  // Blocking paranoia level (tx.paranoia_level), 1-4.
  int paranoia = 1;
  // Executing (detection) paranoia level, >= paranoia; 0 means "same as paranoia".
  int executing_paranoia = 0;
  int inbound_threshold = 5;
  int outbound_threshold = 4;
  // tx.allowed_methods, e.g. "GET HEAD POST OPTIONS".
  std::string allowed_methods;
  // tx.allowed_request_content_type, e.g. "|application/json| |text/plain|".
  std::string allowed_content_types;
  // tx.allowed_http_versions, e.g. "HTTP/1.1 HTTP/2 HTTP/2.0".
  std::string allowed_http_versions;
  size_t request_body_limit = 13107200;  // bytes
  BodyLimitAction request_body_limit_action = BodyLimitAction::kReject;
  bool inspect_response = false;
  size_t response_body_limit = 524288;  // bytes inspected; the rest passes unseen
  std::vector<RuleExclusion> exclusions;
  // Extra rule files loaded before CRS (tx settings, ctl: exclusions; CRS's REQUEST-900 role) and
  // after it (SecRuleRemove*, SecRuleUpdate*; CRS's RESPONSE-999 role), in order.
  std::vector<std::string> before_crs;
  std::vector<std::string> after_crs;

  // Checks ranges and formats; the message names the field.
  core::Status Validate() const;
  // A string equal for two policies exactly when they compile to the same rules.
  std::string Key() const;
  // Effective executing paranoia (executing_paranoia, or paranoia when 0).
  int ExecutingParanoia() const { return executing_paranoia == 0 ? paranoia : executing_paranoia; }

  bool operator==(const Policy&) const = default;
};

// Rule ids rampart generates for policy settings (900000-900099; CRS reserves 900000-999999 for
// the setup and exclusion files, and rampart keeps this slice for itself).
inline constexpr int kFirstGeneratedRuleId = 900000;
inline constexpr int kLastGeneratedRuleId = 900099;

}  // namespace rampart::modsec
