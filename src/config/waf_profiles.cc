#include "config/waf_profiles.h"

namespace rampart::config {

namespace {

// REST APIs update and delete: CRS's default (GET HEAD POST OPTIONS) refuses a PUT, PATCH or
// DELETE with rule 911100 whatever it carries.
void BalancedMethods(WafConfig* waf) {
  waf->allowed_methods = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"};
}

// CRS 3.3.4's list, plus the types ordinary browsers and API clients send whose bodies
// libmodsecurity parses (docs/detection.md): the +json and +xml types rules/modsecurity.conf
// hands to the JSON and XML processors, and CSP reports (JSON: the profile's rule 900050).
// Types whose bodies no processor reads (text/plain, NDJSON, application/graphql, protobuf,
// gRPC) are not listed: the profile's body views (below) add them, inspected, and without the
// views they stay refused (an attacker picks the Content-Type, and a backend that decodes JSON
// whatever it is labelled would get a body nobody inspected).
void BalancedContentTypes(WafConfig* waf) {
  waf->allowed_content_types = CrsContentTypes();
  waf->allowed_content_types.insert(
      waf->allowed_content_types.end(),
      {// violation reports (JSON)
       "application/csp-report", "application/reports+json",
       // JSON and XML APIs
       "application/vnd.api+json", "application/merge-patch+json", "application/json-patch+json",
       "application/ld+json", "application/problem+json", "application/rss+xml",
       "application/atom+xml"});
}

}  // namespace

const std::vector<std::string>& CrsContentTypes() {
  static const std::vector<std::string> types = {"application/x-www-form-urlencoded",
                                                 "multipart/form-data",
                                                 "multipart/related",
                                                 "text/xml",
                                                 "application/xml",
                                                 "application/soap+xml",
                                                 "application/json",
                                                 "application/cloudevents+json",
                                                 "application/cloudevents-batch+json"};
  return types;
}

WafConfig WafProfileDefaults(WafConfig::Profile profile) {
  WafConfig waf;
  waf.profile = profile;
  if (profile == WafConfig::Profile::kCrs) return waf;  // CRS's own defaults: nothing to change
  BalancedMethods(&waf);
  BalancedContentTypes(&waf);
  // Beacons, NDJSON, GraphQL and protobuf bodies inspected value by value, rather than refused
  // (CRS) for their type: 384 of the 5,000 benign corpus requests (docs/detection.md).
  waf.body_views = true;
  // CRS's paranoia levels 2 and 3 run, less every rule of those levels that matched benign
  // traffic in the measurements: what is left is precise (docs/detection.md).
  waf.paranoia = 3;
  waf.paranoia_from_profile = true;
  return waf;
}

std::string_view WafProfileName(WafConfig::Profile profile) {
  return profile == WafConfig::Profile::kCrs ? "crs" : "balanced";
}

}  // namespace rampart::config
