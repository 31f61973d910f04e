#include "acme/acme_client.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>

#include "acme/challenge_response.h"
#include "acme/csr.h"
#include "acme/jws.h"
#include "acme/problem.h"
#include "core/base64.h"

namespace rampart::acme {
namespace {

using core::MakeError;
using nlohmann::json;

// How long one authorization, or the issuance after finalize, may take before the attempt is
// given up (and retried later with back-off).
constexpr std::chrono::minutes kPollTimeout{3};
constexpr std::chrono::milliseconds kFirstPollDelay{500};
constexpr std::chrono::milliseconds kMaxPollDelay{5000};
constexpr std::chrono::seconds kMaxRetryAfter{60};

std::string Str(const json& object, const char* name) {
  if (!object.is_object()) return "";
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

core::Result<json> JsonBody(const HttpResponse& response, const std::string& url) {
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError(url + ": the answer is not a JSON object");
  }
  return doc;
}

// "<url>: HTTP <status>: <problem>" for a refused request.
std::string Refusal(const std::string& url, const HttpResponse& response) {
  std::string out = url + ": HTTP " + std::to_string(response.status);
  if (auto problem = ParseProblem(response.body)) out += ": " + DescribeProblem(*problem);
  return out;
}

// The problem a failed authorization or order carries, as text; empty when none.
std::string ProblemIn(const json& object) {
  const auto it = object.find("error");
  if (it == object.end()) return "";
  auto problem = ParseProblem(it->dump());
  return problem ? DescribeProblem(*problem) : "";
}

// The delay the server asked for (Retry-After in seconds), bounded; else `fallback`.
std::chrono::milliseconds PollDelay(const HttpResponse& response,
                                    std::chrono::milliseconds fallback) {
  const std::string retry_after = response.Header("retry-after");
  char* end = nullptr;
  const long seconds = std::strtol(retry_after.c_str(), &end, 10);
  if (retry_after.empty() || *end != '\0' || seconds <= 0) return fallback;
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), kMaxRetryAfter);
}

}  // namespace

AcmeClient::AcmeClient(std::string directory_url, std::string email, const EcKey& account_key,
                       HttpTransport& transport, Waiter wait)
    : directory_url_(std::move(directory_url)),
      email_(std::move(email)),
      account_key_(account_key),
      transport_(transport),
      wait_(std::move(wait)),
      thumbprint_(JwkThumbprint(account_key.PublicJwk())) {}

core::Status AcmeClient::LoadDirectory() {
  if (!new_order_url_.empty()) return {};
  auto response = transport_.Get(directory_url_);
  if (!response) return response.error();
  if (response->status != 200) return MakeError("directory " + Refusal(directory_url_, *response));
  auto directory = JsonBody(*response, directory_url_);
  if (!directory) return directory.error();
  new_nonce_url_ = Str(*directory, "newNonce");
  new_account_url_ = Str(*directory, "newAccount");
  new_order_url_ = Str(*directory, "newOrder");
  if (new_nonce_url_.empty() || new_account_url_.empty() || new_order_url_.empty()) {
    new_order_url_.clear();
    return MakeError(directory_url_ +
                     ": not an ACME directory (no newNonce, newAccount, newOrder)");
  }
  return {};
}

core::Result<std::string> AcmeClient::TakeNonce() {
  if (!nonce_.empty()) return std::exchange(nonce_, "");
  auto response = transport_.Head(new_nonce_url_);
  if (!response) return response.error();
  std::string nonce = response->Header("replay-nonce");
  if (nonce.empty()) return MakeError(new_nonce_url_ + ": no Replay-Nonce in the answer");
  return nonce;
}

core::Result<HttpResponse> AcmeClient::PostJws(const std::string& url, const std::string& payload) {
  if (auto loaded = LoadDirectory(); !loaded) return loaded.error();
  for (int attempt = 0;; ++attempt) {
    auto nonce = TakeNonce();
    if (!nonce) return nonce.error();
    auto body = SignJws(account_key_, {url, *nonce, account_url_}, payload);
    if (!body) return body.error();
    auto response = transport_.Post(url, *body);
    if (!response) return response.error();
    // Every answer, even an error, carries a fresh nonce for the next request.
    nonce_ = response->Header("replay-nonce");
    if (response->status < 400) return response;
    const auto problem = ParseProblem(response->body);
    if (problem && problem->type == kBadNonce && attempt < kBadNonceRetries) continue;
    return MakeError(Refusal(url, *response));
  }
}

core::Status AcmeClient::EnsureAccount() {
  if (!account_url_.empty()) return {};
  if (auto loaded = LoadDirectory(); !loaded) return loaded.error();
  json account = {{"termsOfServiceAgreed", true}};
  if (!email_.empty()) account["contact"] = json::array({"mailto:" + email_});
  auto response = PostJws(new_account_url_, account.dump());
  if (!response) return MakeError("newAccount: " + response.error().message);
  std::string location = response->Header("location");
  if (location.empty()) return MakeError(new_account_url_ + ": no account URL (Location)");
  account_url_ = std::move(location);
  return {};
}

core::Result<json> AcmeClient::PollUntil(const std::string& url, const std::string& what,
                                         const std::function<bool(const json&)>& settled) {
  const auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
  std::chrono::milliseconds delay = kFirstPollDelay;
  for (;;) {
    auto response = PostJws(url, "");
    if (!response) return response.error();
    auto object = JsonBody(*response, url);
    if (!object) return object.error();
    if (settled(*object)) return object;
    if (std::chrono::steady_clock::now() > deadline) {
      return MakeError("gave up waiting for " + what + " (still " + Str(*object, "status") + ")");
    }
    if (!wait_(PollDelay(*response, delay))) return MakeError("stopped");
    delay = std::min(delay * 2, kMaxPollDelay);
  }
}

core::Status AcmeClient::Authorize(const std::string& authz_url,
                                   const std::vector<ChallengeType>& challenges,
                                   tls::AcmeChallenges& board) {
  auto response = PostJws(authz_url, "");
  if (!response) return response.error();
  auto authz = JsonBody(*response, authz_url);
  if (!authz) return authz.error();
  const std::string status = Str(*authz, "status");
  const std::string name = Str((*authz)["identifier"], "value");
  if (status == "valid") return {};  // the CA reused an earlier authorization
  if (status != "pending") {
    return MakeError("the authorization for " + name + " is " + status);
  }

  const json offered = authz->value("challenges", json::array());
  const json* chosen = nullptr;
  ChallengeType chosen_type = ChallengeType::kHttp01;
  for (ChallengeType type : challenges) {
    for (const json& challenge : offered) {
      if (Str(challenge, "type") == ChallengeTypeName(type)) {
        chosen = &challenge;
        chosen_type = type;
        break;
      }
    }
    if (chosen != nullptr) break;
  }
  if (chosen == nullptr) {
    std::string types;
    for (const json& challenge : offered) types += " " + Str(challenge, "type");
    return MakeError("the CA offers none of the configured challenge types for " + name +
                     " (offered:" + types + ")");
  }
  const std::string token = Str(*chosen, "token");
  const std::string challenge_url = Str(*chosen, "url");
  const std::string type_name = ChallengeTypeName(chosen_type);
  if (token.empty() || challenge_url.empty()) {
    return MakeError("the " + type_name + " challenge for " + name + " has no token or url");
  }

  auto published = PublishedChallenge::Publish(board, chosen_type, name, token,
                                               KeyAuthorization(token, thumbprint_));
  if (!published) return published.error();
  // An empty object tells the CA the response is in place (RFC 8555 section 7.5.1).
  if (auto started = PostJws(challenge_url, "{}"); !started) return started.error();
  auto settled = PollUntil(authz_url, "the " + type_name + " validation of " + name,
                           [](const json& a) { return Str(a, "status") != "pending"; });
  if (!settled) return settled.error();
  if (Str(*settled, "status") == "valid") return {};

  std::string reason;
  for (const json& challenge : settled->value("challenges", json::array())) {
    if (Str(challenge, "type") == type_name) reason = ProblemIn(challenge);
  }
  return MakeError(type_name + " validation of " + name + " failed: " +
                   (reason.empty() ? "authorization " + Str(*settled, "status") : reason));
}

core::Result<IssuedCertificate> AcmeClient::Obtain(const std::vector<std::string>& names,
                                                   const std::vector<ChallengeType>& challenges,
                                                   tls::AcmeChallenges& board) {
  // The server's JSON is untrusted input: a type mismatch must not escape as an exception.
  try {
    if (auto account = EnsureAccount(); !account) return account.error();
    json identifiers = json::array();
    for (const std::string& name : names) {
      identifiers.push_back({{"type", "dns"}, {"value", name}});
    }
    auto created = PostJws(new_order_url_, json{{"identifiers", identifiers}}.dump());
    if (!created) return MakeError("newOrder: " + created.error().message);
    const std::string order_url = created->Header("location");
    if (order_url.empty()) return MakeError(new_order_url_ + ": no order URL (Location)");
    auto order = JsonBody(*created, new_order_url_);
    if (!order) return order.error();

    for (const json& authz_url : order->value("authorizations", json::array())) {
      if (!authz_url.is_string()) continue;
      if (auto authorized = Authorize(authz_url.get<std::string>(), challenges, board);
          !authorized) {
        return authorized.error();
      }
    }
    auto ready = PollUntil(order_url, "the order to become ready",
                           [](const json& o) { return Str(o, "status") != "pending"; });
    if (!ready) return ready.error();
    if (Str(*ready, "status") != "ready") {
      return MakeError("the order is " + Str(*ready, "status") + ": " + ProblemIn(*ready));
    }

    auto key = EcKey::Generate();
    if (!key) return key.error();
    auto csr = MakeCsrDer(*key, names);
    if (!csr) return csr.error();
    auto finalized =
        PostJws(Str(*ready, "finalize"), json{{"csr", core::Base64UrlEncode(*csr)}}.dump());
    if (!finalized) return MakeError("finalize: " + finalized.error().message);
    auto issued = PollUntil(order_url, "the certificate to be issued", [](const json& o) {
      const std::string status = Str(o, "status");
      return status != "processing" && status != "ready";
    });
    if (!issued) return issued.error();
    if (Str(*issued, "status") != "valid") {
      return MakeError("the order is " + Str(*issued, "status") + ": " + ProblemIn(*issued));
    }

    auto chain = PostJws(Str(*issued, "certificate"), "");
    if (!chain) return MakeError("certificate download: " + chain.error().message);
    IssuedCertificate result{chain->body, key->PrivatePem()};
    // Refuse a chain that does not parse or does not belong to the key before anyone loads it.
    auto check = tls::Certificate::FromPem(result.chain_pem, result.key_pem,
                                           "the certificate issued for " + names[0]);
    if (!check) return check.error();
    return result;
  } catch (const json::exception& e) {
    return MakeError(std::string("unexpected JSON from the CA: ") + e.what());
  }
}

}  // namespace rampart::acme
