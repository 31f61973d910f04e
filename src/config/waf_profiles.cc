#include "config/waf_profiles.h"

namespace rampart::config {

namespace {

// REST APIs update and delete: CRS's default (GET HEAD POST OPTIONS) refuses a PUT, PATCH or
// DELETE with rule 911100 whatever it carries.
void BalancedMethods(WafConfig* waf) {
  waf->allowed_methods = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"};
}

// CRS 3.3.4's list, plus the types ordinary browsers and API clients send (docs/detection.md):
// beacons and CSP reports, GraphQL, protobuf and gRPC-web, NDJSON, and the +json types that
// rules/modsecurity.conf already parses as JSON.
void BalancedContentTypes(WafConfig* waf) {
  waf->allowed_content_types = {
      // CRS's own
      "application/x-www-form-urlencoded", "multipart/form-data", "multipart/related", "text/xml",
      "application/xml", "application/soap+xml", "application/json", "application/cloudevents+json",
      "application/cloudevents-batch+json",
      // sendBeacon, Sentry envelopes, pasted text
      "text/plain",
      // violation reports
      "application/csp-report", "application/reports+json",
      // APIs
      "application/graphql", "application/x-ndjson", "application/vnd.api+json",
      "application/merge-patch+json", "application/json-patch+json", "application/ld+json",
      "application/problem+json", "application/rss+xml", "application/atom+xml",
      // binary RPC
      "application/x-protobuf", "application/protobuf", "application/grpc-web+proto",
      "application/grpc-web-text"};
}

}  // namespace

WafConfig WafProfileDefaults(WafConfig::Profile profile) {
  WafConfig waf;
  waf.profile = profile;
  if (profile == WafConfig::Profile::kCrs) return waf;  // CRS's own defaults: nothing to change
  BalancedMethods(&waf);
  BalancedContentTypes(&waf);
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
