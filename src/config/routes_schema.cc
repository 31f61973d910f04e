// The `routes` section: which requests go where, and what is changed on the way.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "config/regex_check.h"
#include "config/schema.h"
#include "config/value_syntax.h"
#include "core/strings.h"

namespace rampart::config {

std::optional<std::string> ReadPath(const Field& field) {
  std::optional<std::string> path = field.AsString();
  if (!path) return std::nullopt;
  if (path->empty() || path->front() != '/') {
    field.Fail("must start with '/'");
    return std::nullopt;
  }
  if (HasSpaceOrControl(*path)) {
    field.Fail("must not contain spaces or control characters");
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> ReadPoolRef(const Field& field,
                                       const std::map<std::string, PoolConfig>& pools) {
  std::optional<std::string> pool = field.AsString();
  if (!pool) return std::nullopt;
  if (pools.count(*pool) == 0) {
    field.Fail("unknown pool '" + *pool + "'");
    return std::nullopt;
  }
  return pool;
}

namespace {

// Headers a route may not set or remove: they frame the message or belong to one connection,
// and letting configuration rewrite them would desynchronise rampart and the peer.
constexpr std::string_view kProtectedHeaders[] = {
    "connection", "content-length", "keep-alive",        "proxy-connection",
    "te",         "trailer",        "transfer-encoding", "upgrade",
};

constexpr int kRedirectStatuses[] = {301, 302, 303, 307, 308};

// A regex compiled once to validate it; returns the pattern and its capture count.
std::optional<std::pair<std::string, uint32_t>> ReadRegex(const Field& field) {
  std::optional<std::string> pattern = field.AsString();
  if (!pattern) return std::nullopt;
  core::Result<uint32_t> captures = CheckRegex(*pattern);
  if (!captures.ok()) {
    field.Fail("invalid regex: " + captures.error().message);
    return std::nullopt;
  }
  return std::make_pair(std::move(*pattern), captures.value());
}

bool HasHeader(const std::vector<std::string>& seen, std::string_view name) {
  return std::any_of(seen.begin(), seen.end(),
                     [&](const std::string& s) { return core::EqualsIgnoreCase(s, name); });
}

// Checks a header name key; records the error and returns false when it is unusable.
bool CheckHeaderName(const std::string& name, const Field& field, std::vector<std::string>* seen) {
  if (!IsHttpToken(name)) {
    field.Fail("invalid header name");
    return false;
  }
  if (HasHeader(*seen, name)) {
    field.Fail("duplicate header");
    return false;
  }
  seen->push_back(name);
  return true;
}

std::optional<std::string> ReadHeaderValue(const Field& field, bool null_is_empty) {
  if (null_is_empty && field.IsNull()) return std::string();
  std::optional<std::string> value = field.AsString();
  if (value && HasLineBreakOrNul(*value)) {
    field.Fail("must not contain CR, LF or NUL");
    return std::nullopt;
  }
  return value;
}

// set_request_headers / set_response_headers: name -> value in YAML order; a null or empty
// value removes the header.
std::vector<std::pair<std::string, std::string>> ReadHeaderEdits(const Field& field) {
  std::vector<std::pair<std::string, std::string>> edits;
  auto entries = field.AsEntries();
  if (!entries) return edits;
  std::vector<std::string> seen;
  for (const auto& [name, value_field] : *entries) {
    if (!CheckHeaderName(name, value_field, &seen)) continue;
    const std::string_view header = name;  // lambdas cannot capture a structured binding
    const bool is_protected =
        std::any_of(std::begin(kProtectedHeaders), std::end(kProtectedHeaders),
                    [header](std::string_view p) { return core::EqualsIgnoreCase(p, header); });
    if (is_protected) {
      value_field.Fail("a hop-by-hop or framing header cannot be set");
      continue;
    }
    if (auto value = ReadHeaderValue(value_field, true)) edits.emplace_back(name, *value);
  }
  return edits;
}

struct MatchResult {
  MatchConfig match;
  bool has_path_prefix = false;  // the key was given (even if its value was rejected)
};

void ReadMethodsImpl(const Field& field, std::vector<std::string>* methods) {
  auto items = field.AsList();
  if (!items) return;
  if (items->empty()) field.Fail("expected at least one method");
  for (const Field& item : *items) {
    std::optional<std::string> method = item.AsString();
    if (!method) continue;
    const bool upper_token =
        IsHttpToken(*method) &&
        std::none_of(method->begin(), method->end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!upper_token) {
      item.Fail("expected an upper-case method such as GET");
      continue;
    }
    methods->push_back(std::move(*method));
  }
}

MatchResult ReadMatch(const Field& field) {
  MatchResult result;
  MatchConfig& match = result.match;
  const MapReader map =
      SchemaMap(field, {"host", "path_prefix", "path", "path_regex", "methods", "headers"});
  if (const Field* f = map.Find("host")) {
    if (auto host = f->AsString()) {
      if (IsHostPattern(*host)) {
        match.host = core::ToLower(*host);  // host names compare case-insensitively
      } else {
        f->Fail("expected a host name such as example.com or *.example.com");
      }
    }
  }
  if (const Field* f = map.Find("path_prefix")) {
    result.has_path_prefix = true;
    if (auto path = ReadPath(*f)) match.path_prefix = std::move(*path);
  }
  if (const Field* f = map.Find("path")) {
    if (auto path = ReadPath(*f)) match.path = std::move(*path);
  }
  if (const Field* f = map.Find("path_regex")) {
    if (auto regex = ReadRegex(*f)) match.path_regex = std::move(regex->first);
  }
  if (const Field* f = map.Find("methods")) ReadMethodsImpl(*f, &match.methods);
  if (const Field* f = map.Find("headers")) {
    if (auto entries = f->AsEntries()) {
      std::vector<std::string> seen;
      for (const auto& [name, value_field] : *entries) {
        if (!CheckHeaderName(name, value_field, &seen)) continue;
        if (auto value = ReadHeaderValue(value_field, false)) match.headers[name] = *value;
      }
    }
  }
  return result;
}

std::optional<RewriteConfig> ReadRewrite(const Field& field) {
  const MapReader map = SchemaMap(field, {"regex", "replacement"});
  const Field* regex_field = map.Require("regex");
  const Field* replacement_field = map.Require("replacement");
  std::optional<std::pair<std::string, uint32_t>> regex;
  std::optional<std::string> replacement;
  if (regex_field != nullptr) regex = ReadRegex(*regex_field);
  if (replacement_field != nullptr) replacement = replacement_field->AsString();
  if (replacement && HasSpaceOrControl(*replacement)) {
    replacement_field->Fail("must not contain spaces or control characters");
    replacement.reset();
  }
  if (!regex || !replacement) return std::nullopt;
  core::Status refs = CheckReplacement(*replacement, regex->second);
  if (!refs.ok()) {
    replacement_field->Fail(refs.error().message);
    return std::nullopt;
  }
  return RewriteConfig{std::move(regex->first), std::move(*replacement)};
}

std::optional<RedirectConfig> ReadRedirect(const Field& field) {
  RedirectConfig redirect;
  const MapReader map = SchemaMap(field, {"to", "status"});
  bool ok = map.is_map();
  if (const Field* f = map.Require("to")) {
    std::optional<std::string> to = f->AsString();
    if (to && to->empty()) {
      f->Fail("must not be empty");
      to.reset();
    } else if (to && HasSpaceOrControl(*to)) {
      f->Fail("must not contain spaces or control characters");
      to.reset();
    }
    if (to) redirect.to = std::move(*to);
    ok = ok && to.has_value();
  } else {
    ok = false;
  }
  if (const Field* f = map.Find("status")) {
    const std::optional<std::string> text = f->PlainScalar();
    const auto* it = std::find_if(std::begin(kRedirectStatuses), std::end(kRedirectStatuses),
                                  [&](int code) { return text == std::to_string(code); });
    if (it != std::end(kRedirectStatuses)) {
      redirect.status = *it;
    } else {
      f->Fail("expected one of 301, 302, 303, 307, 308");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return redirect;
}

// A route goes to exactly one of a pool, a split, a redirect or a static directory; the error
// names the keys that conflict ("has both pool and split; ...").
void CheckOneDestination(const MapReader& map) {
  std::vector<std::string_view> given;
  for (std::string_view key : {"pool", "split", "redirect", "static"}) {
    if (map.Has(key)) given.push_back(key);
  }
  constexpr std::string_view kRule = "needs exactly one of pool, split, redirect or static";
  if (given.empty()) {
    map.field().Fail(kRule);
  } else if (given.size() == 2) {
    map.field().Fail("has both " + std::string(given[0]) + " and " + std::string(given[1]) +
                     "; a route " + std::string(kRule));
  } else if (given.size() > 2) {
    std::string names;
    for (size_t i = 0; i < given.size(); ++i) {
      names += (i == 0 ? "" : i + 1 == given.size() ? " and " : ", ") + std::string(given[i]);
    }
    map.field().Fail("has " + names + "; a route " + std::string(kRule));
  }
}

RouteConfig ReadRoute(const Field& field, size_t index,
                      const std::map<std::string, PoolConfig>& pools) {
  RouteConfig route;
  route.name = "route" + std::to_string(index);
  route.mark = MarkOf(field);
  // clang-format off (it would put each of the 23 keys on a line of its own)
  const MapReader map = SchemaMap(field, {"name",
                                          "match",
                                          "pool",
                                          "split",
                                          "strip_prefix",
                                          "rewrite",
                                          "redirect",
                                          "set_request_headers",
                                          "set_response_headers",
                                          "preserve_host",
                                          "max_body_size",
                                          "waf",
                                          "signatures",
                                          "bans",
                                          "geo",
                                          "rate_limit",
                                          "auth",
                                          "bot",
                                          "https_redirect",
                                          "hsts",
                                          "cache",
                                          "compression",
                                          "static"});
  // clang-format on
  if (!map.is_map()) return route;

  if (const Field* f = map.Find("name")) {
    if (auto name = f->AsString()) {
      if (name->empty()) {
        f->Fail("must not be empty");
      } else {
        route.name = std::move(*name);
      }
    }
  }
  bool has_path_prefix = false;
  if (const Field* f = map.Find("match")) {
    MatchResult result = ReadMatch(*f);
    route.match = std::move(result.match);
    has_path_prefix = result.has_path_prefix;
  }
  if (const Field* f = map.Find("pool")) {
    if (auto pool = ReadPoolRef(*f, pools)) route.pool = std::move(*pool);
  }
  if (const Field* f = map.Find("split")) route.split = ReadSplit(*f, pools);
  if (const Field* f = map.Find("waf")) route.waf = ReadWaf(*f);
  if (const Field* f = map.Find("signatures")) route.signatures = ReadRouteSignatures(*f);
  // The balanced profile includes the signature packs: a blocking route that says nothing about
  // signatures gets them (`signatures: {enabled: false}` turns them off). Not in detect mode:
  // signatures block, and detect promises that nothing is refused.
  if (route.waf && route.waf->mode == WafConfig::Mode::kBlock &&
      route.waf->profile == WafConfig::Profile::kBalanced && !route.signatures) {
    route.signatures = RouteSignaturesConfig{};
    route.signatures->mark = route.waf->mark;
  }
  if (const Field* f = map.Find("bans")) route.bans = ReadBanPolicy(*f);
  if (const Field* f = map.Find("geo")) route.geo = ReadRouteGeo(*f);
  if (const Field* f = map.Find("rate_limit")) ReadRouteRateLimits(*f, &route.rate_limits);
  if (const Field* f = map.Find("auth")) route.auth = ReadAuth(*f);
  if (const Field* f = map.Find("bot")) route.bot = ReadRouteBot(*f);
  if (const Field* f = map.Find("https_redirect")) ReadHttpsRedirect(*f, &route);
  if (const Field* f = map.Find("hsts")) route.hsts = ReadHsts(*f);
  if (const Field* f = map.Find("cache")) route.cache = ReadRouteCache(*f);
  if (const Field* f = map.Find("compression")) route.compression = ReadCompression(*f);
  if (const Field* f = map.Find("static")) route.static_files = ReadStatic(*f);
  if (const Field* f = map.Find("strip_prefix")) {
    if (auto strip = f->AsBool()) {
      if (*strip && !has_path_prefix) {
        f->Fail("requires match.path_prefix");
      } else {
        route.strip_prefix = *strip;
      }
    }
  }
  if (const Field* f = map.Find("rewrite")) {
    route.rewrite = ReadRewrite(*f);
    if (route.strip_prefix) f->Fail("cannot be combined with strip_prefix");
  }
  if (const Field* f = map.Find("redirect")) route.redirect = ReadRedirect(*f);
  if (const Field* f = map.Find("set_request_headers")) {
    route.set_request_headers = ReadHeaderEdits(*f);
  }
  if (const Field* f = map.Find("set_response_headers")) {
    route.set_response_headers = ReadHeaderEdits(*f);
  }
  map.ReadBool("preserve_host", &route.preserve_host);
  if (const Field* f = map.Find("max_body_size")) {
    if (auto size = f->AsSize()) route.max_body_size = *size;
  }
  CheckOneDestination(map);
  return route;
}

}  // namespace

void ReadRoutes(const Field& routes, const std::map<std::string, PoolConfig>& pools,
                std::vector<RouteConfig>* out) {
  auto items = routes.AsList();
  if (!items) return;
  if (items->empty()) {
    routes.Fail("at least one route is required");
    return;
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const Field& item = (*items)[i];
    RouteConfig route = ReadRoute(item, i, pools);
    for (const RouteConfig& earlier : *out) {
      if (earlier.name == route.name) {
        item.Fail("duplicate route name '" + route.name + "' (also at line " +
                  std::to_string(earlier.mark.line) + ")");
        break;
      }
    }
    out->push_back(std::move(route));
  }
}

void ReadMethods(const Field& field, std::vector<std::string>* methods) {
  ReadMethodsImpl(field, methods);
}

}  // namespace rampart::config
