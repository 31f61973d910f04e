// A route's `auth` section: jwt, api_key, basic and forward (see config.h). Key files must
// exist here; their contents (JWKS, PEM, htpasswd, hashed keys) are read when the runtime is
// built, with their own file:line errors.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "config/schema.h"
#include "config/value_syntax.h"
#include "core/strings.h"

namespace rampart::config {

namespace {

// Headers the stage may set for the backend: never framing, hop-by-hop or routing ones.
constexpr std::string_view kUnsettableHeaders[] = {
    "connection",        "content-length", "keep-alive", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade",        "host",
};

std::optional<std::string> ReadHeaderName(const Field& field) {
  std::optional<std::string> name = field.AsString();
  if (!name) return std::nullopt;
  if (!IsHttpToken(*name)) {
    field.Fail("expected a header name such as X-User-Id");
    return std::nullopt;
  }
  return name;
}

// A header rampart sets on the request to the backend.
std::optional<std::string> ReadIdentityHeader(const Field& field) {
  std::optional<std::string> name = ReadHeaderName(field);
  if (!name) return std::nullopt;
  const std::string_view header = *name;
  const bool unsettable =
      std::any_of(std::begin(kUnsettableHeaders), std::end(kUnsettableHeaders),
                  [header](std::string_view h) { return core::EqualsIgnoreCase(h, header); });
  if (unsettable || core::EqualsIgnoreCase(header, "Authorization") ||
      core::EqualsIgnoreCase(header, "Cookie")) {
    field.Fail("a framing, hop-by-hop, Host or credential header cannot be set");
    return std::nullopt;
  }
  return name;
}

void ReadStrings(const Field& field, std::vector<std::string>* out) {
  // One string or a list of them.
  if (field.IsScalar()) {
    if (auto s = field.AsString()) out->push_back(std::move(*s));
    return;
  }
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    if (auto s = item.AsString()) out->push_back(std::move(*s));
  }
}

void ReadHeaderNames(const Field& field, std::vector<std::string>* out) {
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    if (auto name = ReadHeaderName(item)) out->push_back(std::move(*name));
  }
}

// `required_claims`: a list of names (present is enough), or a map of name -> value or values.
void ReadRequiredClaims(const Field& field,
                        std::vector<std::pair<std::string, std::vector<std::string>>>* out) {
  if (field.IsMap()) {
    auto entries = field.AsEntries();
    if (!entries) return;
    for (const auto& [name, values] : *entries) {
      std::vector<std::string> accepted;
      ReadStrings(values, &accepted);
      if (accepted.empty()) values.Fail("expected a value or a list of accepted values");
      out->emplace_back(name, std::move(accepted));
    }
    return;
  }
  auto items = field.AsList();
  if (!items) return;
  for (const Field& item : *items) {
    if (auto name = item.AsString())
      out->emplace_back(std::move(*name), std::vector<std::string>{});
  }
}

// The stage removes the headers it sets from every request before reading the credentials: one
// of them being the API key's own header would remove every key.
void CheckKeyHeaderIsNotSet(const AuthConfig& auth, const Field& field) {
  if (!auth.api_key || auth.api_key->header.empty()) return;
  std::vector<std::pair<std::string, std::string>> set;  // (key that sets it, header)
  if (!auth.api_key->name_header.empty())
    set.emplace_back("api_key.name_header", auth.api_key->name_header);
  if (auth.basic && !auth.basic->user_header.empty())
    set.emplace_back("basic.user_header", auth.basic->user_header);
  if (auth.jwt) {
    for (const auto& [claim, header] : auth.jwt->claims_to_headers) {
      set.emplace_back("jwt.claims_to_headers." + claim, header);
    }
  }
  if (auth.forward) {
    for (const std::string& header : auth.forward->response_headers) {
      set.emplace_back("forward.response_headers", header);
    }
  }
  for (const auto& [key, header] : set) {
    if (core::EqualsAsCgiHeaderName(header, auth.api_key->header)) {
      field.FailChild(key, header + " is the API key's own header (api_key.header)");
    }
  }
}

std::optional<JwtAuthConfig> ReadJwt(const Field& field) {
  const MapReader map =
      SchemaMap(field, {"jwks_file", "pem_file", "secret_file", "cookie", "algorithms", "issuer",
                        "audiences", "leeway", "required_claims", "claims_to_headers"});
  if (!map.is_map()) return std::nullopt;
  JwtAuthConfig jwt;
  jwt.mark = MarkOf(field);
  int sources = 0;
  for (auto [key, out] :
       {std::pair{"jwks_file", &jwt.jwks_file}, std::pair{"pem_file", &jwt.pem_file},
        std::pair{"secret_file", &jwt.secret_file}}) {
    if (const Field* f = map.Find(key)) {
      ++sources;
      if (auto path = ReadExistingFile(*f)) *out = std::move(*path);
    }
  }
  if (sources != 1) field.Fail("expected exactly one of jwks_file, pem_file or secret_file");
  if (const Field* f = map.Find("cookie")) {
    if (auto name = f->AsString()) {
      if (IsHttpToken(*name)) {
        jwt.cookie = std::move(*name);
      } else {
        f->Fail("expected a cookie name");
      }
    }
  }
  if (const Field* f = map.Find("algorithms")) {
    auto items = f->AsList();
    if (items && items->empty()) f->Fail("expected at least one algorithm (leave it out for all)");
    for (const Field& item : items ? *items : std::vector<Field>{}) {
      if (auto alg = ReadEnum(item, {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
                                     "ES256", "ES384", "EdDSA"})) {
        jwt.algorithms.push_back(std::move(*alg));
      }
    }
  }
  map.ReadString("issuer", &jwt.issuer);
  if (const Field* f = map.Find("audiences")) ReadStrings(*f, &jwt.audiences);
  map.ReadDurationMs("leeway", &jwt.leeway_ms);
  if (const Field* f = map.Find("required_claims")) ReadRequiredClaims(*f, &jwt.required_claims);
  if (const Field* f = map.Find("claims_to_headers")) {
    auto entries = f->AsEntries();
    for (const auto& [claim, header_field] :
         entries ? *entries : std::vector<std::pair<std::string, Field>>{}) {
      if (auto header = ReadIdentityHeader(header_field)) {
        jwt.claims_to_headers.emplace_back(claim, std::move(*header));
      }
    }
  }
  return jwt;
}

std::optional<ApiKeyAuthConfig> ReadApiKey(const Field& field) {
  const MapReader map = SchemaMap(field, {"file", "header", "query", "name_header"});
  if (!map.is_map()) return std::nullopt;
  ApiKeyAuthConfig api_key;
  api_key.mark = MarkOf(field);
  if (const Field* f = map.Require("file")) {
    if (auto path = ReadExistingFile(*f)) api_key.file = std::move(*path);
  }
  if (const Field* f = map.Find("header")) {
    if (auto name = ReadHeaderName(*f)) api_key.header = std::move(*name);
  }
  if (const Field* f = map.Find("query")) {
    if (auto name = f->AsString()) {
      if (name->empty() || HasSpaceOrControl(*name) ||
          name->find_first_of("&=#") != std::string::npos) {
        f->Fail("expected a query parameter name");
      } else {
        api_key.query = std::move(*name);
      }
    }
  }
  if (map.Find("header") == nullptr && map.Find("query") == nullptr) api_key.header = "X-Api-Key";
  if (const Field* f = map.Find("name_header")) {
    if (auto name = ReadIdentityHeader(*f)) api_key.name_header = std::move(*name);
  }
  return api_key;
}

std::optional<BasicAuthConfig> ReadBasic(const Field& field) {
  const MapReader map = SchemaMap(field, {"htpasswd", "user_header"});
  if (!map.is_map()) return std::nullopt;
  BasicAuthConfig basic;
  basic.mark = MarkOf(field);
  if (const Field* f = map.Require("htpasswd")) {
    if (auto path = ReadExistingFile(*f)) basic.htpasswd = std::move(*path);
  }
  if (const Field* f = map.Find("user_header")) {
    if (auto name = ReadIdentityHeader(*f)) basic.user_header = std::move(*name);
  }
  return basic;
}

std::optional<ForwardAuthConfig> ReadForward(const Field& field) {
  const MapReader map = SchemaMap(
      field, {"url", "request_headers", "response_headers", "timeout", "error_status", "method"});
  if (!map.is_map()) return std::nullopt;
  ForwardAuthConfig forward;
  forward.mark = MarkOf(field);
  if (const Field* f = map.Require("url")) {
    if (auto url = f->AsString()) {
      // Resolved and checked in full when the runtime is built; the scheme is checked here.
      if (!core::EqualsIgnoreCase(std::string_view(*url).substr(0, 7), "http://")) {
        f->Fail("expected an http:// URL such as http://127.0.0.1:9091/verify");
      } else {
        forward.url = std::move(*url);
      }
    }
  }
  if (const Field* f = map.Find("request_headers")) {
    forward.request_headers.clear();
    ReadHeaderNames(*f, &forward.request_headers);
  }
  if (const Field* f = map.Find("response_headers")) {
    auto items = f->AsList();
    for (const Field& item : items ? *items : std::vector<Field>{}) {
      if (auto name = ReadIdentityHeader(item))
        forward.response_headers.push_back(std::move(*name));
    }
  }
  map.ReadDurationMs("timeout", &forward.timeout_ms, 1);
  map.ReadInteger("error_status", &forward.error_status, 500, 599);
  if (const Field* f = map.Find("method")) {
    if (auto method = ReadEnum(*f, {"original", "GET"}))
      forward.original_method = *method == "original";
  }
  return forward;
}

}  // namespace

std::optional<AuthConfig> ReadAuth(const Field& field) {
  const MapReader map =
      SchemaMap(field, {"jwt", "api_key", "basic", "forward", "satisfy", "realm"});
  if (!map.is_map()) return std::nullopt;
  AuthConfig auth;
  auth.mark = MarkOf(field);
  if (const Field* f = map.Find("jwt")) auth.jwt = ReadJwt(*f);
  if (const Field* f = map.Find("api_key")) auth.api_key = ReadApiKey(*f);
  if (const Field* f = map.Find("basic")) auth.basic = ReadBasic(*f);
  if (const Field* f = map.Find("forward")) auth.forward = ReadForward(*f);
  if (map.Find("jwt") == nullptr && map.Find("api_key") == nullptr &&
      map.Find("basic") == nullptr && map.Find("forward") == nullptr) {
    field.Fail("expected at least one of jwt, api_key, basic or forward");
  }
  if (const Field* f = map.Find("satisfy")) {
    if (auto mode = ReadEnum(*f, {"any", "all"})) auth.satisfy_all = *mode == "all";
  }
  CheckKeyHeaderIsNotSet(auth, field);
  if (const Field* f = map.Find("realm")) {
    if (auto realm = f->AsString()) {
      // Quoted in WWW-Authenticate: no quotes, backslashes or control bytes.
      if (realm->empty() || realm->find_first_of("\"\\") != std::string::npos ||
          HasLineBreakOrNul(*realm)) {
        f->Fail("expected a realm without quotes, backslashes or line breaks");
      } else {
        auth.realm = std::move(*realm);
      }
    }
  }
  return auth;
}

}  // namespace rampart::config
