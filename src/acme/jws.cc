#include "acme/jws.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "core/base64.h"

namespace rampart::acme {

core::Result<std::string> SignJws(const EcKey& key, const JwsHeader& header,
                                  std::string_view payload) {
  nlohmann::json protected_header = {
      {"alg", "ES256"}, {"nonce", header.nonce}, {"url", header.url}};
  if (header.kid.empty()) {
    protected_header["jwk"] = key.PublicJwk();
  } else {
    protected_header["kid"] = header.kid;
  }
  const std::string protected64 = core::Base64UrlEncode(protected_header.dump());
  const std::string payload64 = core::Base64UrlEncode(payload);
  auto signature = key.SignEs256(protected64 + "." + payload64);
  if (!signature) return signature.error();
  const nlohmann::json jws = {{"protected", protected64},
                              {"payload", payload64},
                              {"signature", core::Base64UrlEncode(*signature)}};
  return jws.dump();
}

std::string JwkThumbprint(const nlohmann::json& jwk) {
  if (!jwk.is_object() || !jwk.contains("kty") || !jwk["kty"].is_string()) return "";
  const std::string kty = jwk["kty"].get<std::string>();
  std::vector<const char*> members;
  if (kty == "EC") {
    members = {"crv", "kty", "x", "y"};
  } else if (kty == "RSA") {
    members = {"e", "kty", "n"};
  } else if (kty == "oct") {
    members = {"k", "kty"};
  } else {
    return "";
  }
  // nlohmann::json objects are ordered maps, so dump() writes the members sorted and compact.
  nlohmann::json required = nlohmann::json::object();
  for (const char* member : members) {
    if (!jwk.contains(member) || !jwk[member].is_string()) return "";
    required[member] = jwk[member];
  }
  return core::Base64UrlEncode(Sha256(required.dump()));
}

std::string Sha256(std::string_view data) {
  std::string digest(32, '\0');
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &len,
             EVP_sha256(), nullptr);
  return digest;
}

}  // namespace rampart::acme
