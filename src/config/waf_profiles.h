#pragma once
// WAF profiles: named sets of defaults for a route's `waf` keys. A route's own keys override
// them. `crs` is CRS 3.3 as shipped; `balanced` is rampart's default, chosen from the
// measurements in docs/detection.md. The profile's rule files (rules/profiles/) are added where
// the policy is built (server/runtime_builder.cc).

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace rampart::config {

// A WafConfig holding `profile`'s defaults (mode block, everything else as the profile says).
WafConfig WafProfileDefaults(WafConfig::Profile profile);

// CRS 3.3.4's default tx.allowed_request_content_type, one type per entry.
const std::vector<std::string>& CrsContentTypes();

// The profile's name as written in the configuration ("balanced", "crs").
std::string_view WafProfileName(WafConfig::Profile profile);

}  // namespace rampart::config
