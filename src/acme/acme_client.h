#pragma once
// AcmeClient: one account's conversation with one ACME server (RFC 8555): the directory,
// nonces, the account, and orders from newOrder to the downloaded chain. Blocking; owned and
// used by the ACME thread only (CertificateManager). The challenge responses go on a
// tls::AcmeChallenges board that the worker threads answer from.

#include <chrono>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "acme/ec_key.h"
#include "acme/http_transport.h"
#include "acme/settings.h"
#include "core/result.h"
#include "tls/acme_challenges.h"

namespace rampart::acme {

// A certificate as issued: the PEM chain (leaf first) and its new private key (PEM).
struct IssuedCertificate {
  std::string chain_pem;
  std::string key_pem;
};

class AcmeClient {
 public:
  // Waits for `delay` between polls; returns false when the client must give up (shutdown).
  using Waiter = std::function<bool(std::chrono::milliseconds delay)>;

  // `account_key` and `transport` must outlive the client.
  AcmeClient(std::string directory_url, std::string email, const EcKey& account_key,
             HttpTransport& transport, Waiter wait);

  // Fetches the directory and registers the account (or finds it again: newAccount with a
  // known key answers its URL), once; later calls return at once.
  core::Status EnsureAccount();

  // Runs one order for `names` (validated, lower case): an authorization per name answered
  // with the first type of `challenges` the CA offers, published on `board` until settled;
  // then finalize with a CSR for a fresh P-256 key, and download the chain. Errors carry the
  // CA's problem ("<type>: <detail>") or the transport's reason.
  core::Result<IssuedCertificate> Obtain(const std::vector<std::string>& names,
                                         const std::vector<ChallengeType>& challenges,
                                         tls::AcmeChallenges& board);

  // POSTs the JWS of `payload` (empty: POST-as-GET) to `url`, signed with the account's kid
  // (or its JWK before it has one). Takes a nonce (the last Replay-Nonce, or a fresh one from
  // newNonce) and retries up to kBadNonceRetries times when the server answers badNonce. A
  // response of 400 or more is an error naming its problem document.
  core::Result<HttpResponse> PostJws(const std::string& url, const std::string& payload);

  // How often a request refused with badNonce is re-sent with a new nonce. The CA may refuse
  // any nonce (pebble refuses 5% on purpose), so one retry would still fail now and then.
  static constexpr int kBadNonceRetries = 3;

  const std::string& account_url() const { return account_url_; }
  // The base64url JWK thumbprint of the account key (RFC 7638), what key authorizations end in.
  const std::string& thumbprint() const { return thumbprint_; }

 private:
  core::Status LoadDirectory();
  core::Result<std::string> TakeNonce();
  core::Status Authorize(const std::string& authz_url, const std::vector<ChallengeType>& challenges,
                         tls::AcmeChallenges& board);
  // POST-as-GETs `url` until `settled(object)` says so; returns the last object.
  core::Result<nlohmann::json> PollUntil(const std::string& url, const std::string& what,
                                         const std::function<bool(const nlohmann::json&)>& settled);

  std::string directory_url_;
  std::string email_;
  const EcKey& account_key_;
  HttpTransport& transport_;
  Waiter wait_;

  std::string new_nonce_url_;
  std::string new_account_url_;
  std::string new_order_url_;
  std::string nonce_;        // the last Replay-Nonce received, unused yet; empty: none
  std::string account_url_;  // the kid; empty until EnsureAccount succeeds
  std::string thumbprint_;
};

}  // namespace rampart::acme
