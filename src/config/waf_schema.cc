// The `waf` keys: a route's WAF policy (mode, paranoia, thresholds, what CRS allows, body
// limits, response inspection, rule exclusions, extra rule files) and the top-level section
// every policy shares (the CRS directory, the block page).

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "config/schema.h"
#include "config/value_syntax.h"
#include "config/waf_profiles.h"

namespace rampart::config {

namespace {

constexpr std::string_view kHttpVersions[] = {"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0"};

std::vector<std::string> ReadFileList(const Field& field) {
  std::vector<std::string> files;
  auto items = field.AsList();
  if (!items) return files;
  for (const Field& item : *items) {
    if (auto path = ReadExistingFile(item)) files.push_back(std::move(*path));
  }
  return files;
}

// Text that ends up inside a quoted ModSecurity directive argument: no quote, backslash,
// comma, pipe or line break may break out of it.
bool IsSafeRuleText(std::string_view text) {
  return !text.empty() && text.find_first_of("\"\\,|\r\n") == std::string_view::npos &&
         !HasSpaceOrControl(text);
}

// A CRS content type ("application/json") or charset-free media type.
void ReadContentTypes(const Field& field, std::vector<std::string>* out) {
  auto items = field.AsList();
  if (!items) return;
  if (items->empty()) field.Fail("expected at least one content type");
  for (const Field& item : *items) {
    std::optional<std::string> type = item.AsString();
    if (!type) continue;
    const size_t slash = type->find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == type->size() ||
        !IsSafeRuleText(*type)) {
      item.Fail("expected a media type such as application/json");
      continue;
    }
    out->push_back(std::move(*type));
  }
}

void ReadHttpVersions(const Field& field, std::vector<std::string>* out) {
  auto items = field.AsList();
  if (!items) return;
  if (items->empty()) field.Fail("expected at least one HTTP version");
  for (const Field& item : *items) {
    std::optional<std::string> version = item.AsString();
    if (!version) continue;
    if (std::find(std::begin(kHttpVersions), std::end(kHttpVersions), *version) ==
        std::end(kHttpVersions)) {
      item.Fail("expected one of: HTTP/1.0, HTTP/1.1, HTTP/2, HTTP/2.0");
      continue;
    }
    out->push_back(std::move(*version));
  }
}

// "942100" or "942100-942199".
bool ParseIdRange(std::string_view text, uint32_t* first, uint32_t* last) {
  const auto parse = [](std::string_view digits, uint32_t* out) {
    if (digits.empty() || digits.size() > 10) return false;
    uint64_t v = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v == 0 || v > UINT32_MAX) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  };
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    *last = 0;
    return parse(text, first);
  }
  return parse(text.substr(0, dash), first) && parse(text.substr(dash + 1), last) && *first < *last;
}

// One exclusion: {id: 942100}, {id: "942100-942199"}, {tag: attack-sqli} or
// {id: 942100, target: "ARGS:comment"}.
std::optional<WafExclusionConfig> ReadExclusion(const Field& field) {
  WafExclusionConfig exclusion;
  exclusion.mark = MarkOf(field);
  const MapReader map = SchemaMap(field, {"id", "tag", "target"});
  if (!map.is_map()) return std::nullopt;
  const Field* id = map.Find("id");
  const Field* tag = map.Find("tag");
  const Field* target = map.Find("target");
  if ((id == nullptr) == (tag == nullptr)) {
    field.Fail("an exclusion needs id or tag (one of them)");
    return std::nullopt;
  }
  bool ok = true;
  if (id != nullptr) {
    std::optional<std::string> text = id->AsString();
    if (!text || !ParseIdRange(*text, &exclusion.id, &exclusion.id_last)) {
      if (text) id->Fail("expected a rule id or a range such as 942100-942199");
      ok = false;
    }
  }
  if (tag != nullptr) {
    std::optional<std::string> text = tag->AsString();
    if (text && IsSafeRuleText(*text)) {
      exclusion.tag = std::move(*text);
    } else {
      if (text) tag->Fail("expected a tag such as attack-sqli (no spaces, quotes or commas)");
      ok = false;
    }
  }
  if (target != nullptr) {
    std::optional<std::string> text = target->AsString();
    const size_t colon = text ? text->find(':') : std::string::npos;
    const std::string_view variable =
        text ? std::string_view(*text).substr(0, colon) : std::string_view();
    const bool variable_ok =
        !variable.empty() && std::all_of(variable.begin(), variable.end(),
                                         [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; });
    if (!text || !variable_ok || !IsSafeRuleText(*text)) {
      if (text) target->Fail("expected a target such as ARGS:comment or REQUEST_COOKIES");
      ok = false;
    } else if (id == nullptr || exclusion.id_last != 0) {
      target->Fail("a target exclusion needs one rule id");
      ok = false;
    } else {
      exclusion.target = std::move(*text);
    }
  }
  if (!ok) return std::nullopt;
  return exclusion;
}

void ReadRequestBody(const Field& field, WafConfig* waf) {
  const MapReader map = SchemaMap(field, {"limit", "over_limit"});
  map.ReadSize("limit", &waf->request_body_limit, 1);
  if (const Field* f = map.Find("over_limit")) {
    if (auto action = ReadEnum(*f, {"reject", "inspect_partial"})) {
      waf->request_body_inspect_partial = *action == "inspect_partial";
    }
  }
}

void ReadResponseInspection(const Field& field, WafConfig* waf) {
  const MapReader map = SchemaMap(field, {"enabled", "limit"});
  map.ReadBool("enabled", &waf->response_inspection);
  map.ReadSize("limit", &waf->response_body_limit, 1);
}

}  // namespace

std::optional<WafConfig> ReadWaf(const Field& field) {
  const MapReader map = SchemaMap(
      field, {"mode", "profile", "paranoia", "executing_paranoia", "inbound_threshold",
              "outbound_threshold", "allowed_methods", "allowed_content_types",
              "allowed_http_versions", "body_views", "request_body", "response_inspection",
              "exclusions", "before_crs", "after_crs", "fast_path"});
  if (!map.is_map()) return std::nullopt;
  // The profile first: it gives the defaults the keys below override.
  WafConfig::Profile profile = WafConfig::Profile::kBalanced;
  if (const Field* f = map.Find("profile")) {
    if (auto name = ReadEnum(*f, {"balanced", "crs"})) {
      profile = *name == "crs" ? WafConfig::Profile::kCrs : WafConfig::Profile::kBalanced;
    }
  }
  WafConfig waf = WafProfileDefaults(profile);
  waf.mark = MarkOf(field);
  if (const Field* f = map.Find("mode")) {
    if (auto mode = ReadEnum(*f, {"off", "detect", "block"})) {
      waf.mode = *mode == "off"      ? WafConfig::Mode::kOff
                 : *mode == "detect" ? WafConfig::Mode::kDetect
                                     : WafConfig::Mode::kBlock;
    }
  }
  if (map.Find("paranoia") != nullptr || map.Find("executing_paranoia") != nullptr) {
    waf.paranoia = 1;  // a level asked for is CRS's level, counted from CRS's default
    waf.paranoia_from_profile = false;
  }
  map.ReadInteger("paranoia", &waf.paranoia, 1, 4);
  map.ReadInteger("executing_paranoia", &waf.executing_paranoia, 1, 4);
  if (waf.executing_paranoia != 0 && waf.executing_paranoia < waf.paranoia) {
    if (const Field* f = map.Find("executing_paranoia")) {
      f->Fail("must be at least paranoia (" + std::to_string(waf.paranoia) + ")");
    } else {
      waf.executing_paranoia = 0;  // a profile's level below the route's paranoia: follow it
    }
  }
  map.ReadInteger("inbound_threshold", &waf.inbound_threshold, 1, 10'000);
  map.ReadInteger("outbound_threshold", &waf.outbound_threshold, 1, 10'000);
  // A list given replaces the profile's, it does not add to it.
  if (const Field* f = map.Find("allowed_methods")) {
    waf.allowed_methods.clear();
    ReadMethods(*f, &waf.allowed_methods);
  }
  if (const Field* f = map.Find("allowed_content_types")) {
    waf.allowed_content_types.clear();
    ReadContentTypes(*f, &waf.allowed_content_types);
  }
  if (const Field* f = map.Find("allowed_http_versions")) {
    waf.allowed_http_versions.clear();
    ReadHttpVersions(*f, &waf.allowed_http_versions);
  }
  map.ReadBool("body_views", &waf.body_views);
  if (const Field* f = map.Find("fast_path")) {
    if (auto v = ReadEnum(*f, {"on", "off", "true", "false"})) {
      waf.fast_path = *v == "on" || *v == "true";
    }
  }
  if (const Field* f = map.Find("request_body")) ReadRequestBody(*f, &waf);
  if (const Field* f = map.Find("response_inspection")) ReadResponseInspection(*f, &waf);
  if (const Field* f = map.Find("exclusions")) {
    if (auto items = f->AsList()) {
      for (const Field& item : *items) {
        if (auto exclusion = ReadExclusion(item)) waf.exclusions.push_back(std::move(*exclusion));
      }
    }
  }
  if (const Field* f = map.Find("before_crs")) waf.before_crs = ReadFileList(*f);
  if (const Field* f = map.Find("after_crs")) waf.after_crs = ReadFileList(*f);
  return waf;
}

void ReadWafGlobal(const Field& field, WafGlobalConfig* out) {
  const MapReader map = SchemaMap(field, {"crs_dir", "rules_dir", "block_page", "threads"});
  if (const Field* f = map.Find("crs_dir")) {
    if (auto dir = ReadDirectoryPath(*f)) out->crs_dir = std::move(*dir);
  }
  if (const Field* f = map.Find("rules_dir")) {
    if (auto dir = ReadDirectoryPath(*f)) out->rules_dir = std::move(*dir);
  }
  if (const Field* f = map.Find("block_page")) {
    if (auto page = ReadExistingFile(*f)) out->block_page = std::move(*page);
  }
  map.ReadInteger("threads", &out->threads, 1, 256);
}

}  // namespace rampart::config
