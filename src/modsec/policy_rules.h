#pragma once
// The SecLang text rampart generates around the shared CRS parse: a policy's head (base config,
// engine mode, limits, CRS tx settings, before_crs files), its tail (exclusions, after_crs files)
// and the CRS top file (crs-setup plus every CRS rule file in order). Pure string building, so
// unit tests can read exactly what libmodsecurity is given.

#include <string>
#include <vector>

#include "modsec/policy.h"

namespace rampart::modsec {

// Absolute paths of the files a head needs. `unicode_map` may be empty: no SecUnicodeMapFile.
struct HeadFiles {
  std::string base_conf;    // rules/modsecurity.conf
  std::string unicode_map;  // e.g. /etc/nginx/unicode.mapping
};

// SecLang loaded into a policy's own rule set before CRS is merged in. Requires a policy that
// passed Validate() and absolute paths in `files` and policy.before_crs.
std::string RenderPolicyHead(const Policy& policy, const HeadFiles& files);

// SecLang loaded into a policy's rule set after CRS: exclusions, then the after_crs files.
std::string RenderPolicyTail(const Policy& policy);

// SecLang of the shared CRS parse: `crs_setup` then each of `crs_rule_files`, in the given order.
std::string RenderCrsTop(const std::string& crs_setup,
                         const std::vector<std::string>& crs_rule_files);

}  // namespace rampart::modsec
