#pragma once
// Inspection: one request's pass through libmodsecurity (RAII over modsecurity::Transaction).
// Made by the waf stage per request from the route's CompiledPolicy, used and destroyed on that
// request's worker thread. Call order follows the HTTP exchange: connection, URI, every request
// header as received, request headers done, body chunks, body done, then the response
// equivalents; ProcessLogging runs in the destructor when not called. Check Intervention() after
// each step. No exception escapes: a libmodsecurity failure is an error result, and the stage's
// on_error setting decides what the request gets.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "modsec/compiled_policy.h"
#include "modsec/findings.h"

namespace modsecurity {
class Transaction;
}

namespace rampart::modsec {

// What libmodsecurity (or the body limit) decided for the request.
struct Verdict {
  enum class Kind : uint8_t {
    kRule,                 // a disruptive rule: deny (status), redirect (status + url) or drop
    kRequestBodyTooLarge,  // the body passed request_body_limit in reject mode: answer 413
  };
  Kind kind = Kind::kRule;
  // The HTTP status to answer: the rule's status (403 by default, 400 for body parse errors,
  // 30x for redirects) or 413. libmodsecurity 3.0.9 reports `drop` exactly like `deny` (403),
  // so a drop is not distinguishable here.
  int status = 403;
  std::string redirect_url;  // non-empty for a redirect action
};

class Inspection {
 public:
  // Starts a transaction on `policy` (kept alive by the inspection). `request_id` becomes
  // libmodsecurity's transaction id (UNIQUE_ID); empty lets libmodsecurity make one.
  static core::Result<std::unique_ptr<Inspection>> Start(
      std::shared_ptr<const CompiledPolicy> policy, std::string_view request_id = {});
  ~Inspection();  // runs ProcessLogging when it has not run
  Inspection(const Inspection&) = delete;
  Inspection& operator=(const Inspection&) = delete;

  core::Status ProcessConnection(std::string_view client_ip, int client_port,
                                 std::string_view server_ip, int server_port);
  // `uri` as received (path and query, percent-encoding kept); `http_version` without "HTTP/":
  // "1.0", "1.1", "2.0".
  core::Status ProcessUri(std::string_view uri, std::string_view method,
                          std::string_view http_version);
  // Every header as received, repeated ones separately, in order.
  core::Status AddRequestHeader(std::string_view name, std::string_view value);
  core::Status ProcessRequestHeaders();
  // A chunk of the decoded request body. Past request_body_limit: in reject mode the bytes are
  // not inspected and Intervention() reports kRequestBodyTooLarge (not in detect mode); in
  // partial mode they pass uninspected.
  core::Status AppendRequestBody(std::string_view bytes);
  // The body's declared length (Content-Length), before any of it is read: in reject mode, one
  // past request_body_limit makes Intervention() report kRequestBodyTooLarge at once.
  void DeclareRequestBodyLength(uint64_t length);
  // Instead of AppendRequestBody, after ProcessRequestHeaders: `json` (a body view,
  // body_view.h) is what libmodsecurity's JSON processor parses, whatever the Content-Type. It
  // counts against request_body_limit as the body would.
  core::Status AppendRequestBodyAsJson(std::string_view json);
  core::Status ProcessRequestBody();
  core::Status AddResponseHeader(std::string_view name, std::string_view value);
  // `protocol` as libmodsecurity's connectors give it, e.g. "HTTP 1.1".
  core::Status ProcessResponseHeaders(int status, std::string_view protocol);
  // A chunk of the response body; past response_body_limit the bytes pass uninspected.
  core::Status AppendResponseBody(std::string_view bytes);
  core::Status ProcessResponseBody();
  core::Status ProcessLogging();

  // The intervention, once there is one (it stays reported afterwards); nullopt while the
  // request may go on. Never set in detect mode.
  std::optional<Verdict> Intervention();
  // Every rule that matched so far, in match order (an empty msg for rules without one).
  std::vector<Finding> Findings() const;
  AnomalyScores Scores() const;
  // True when request body bytes past request_body_limit were not inspected.
  bool request_body_truncated() const { return request_body_received_ > request_body_limit_; }
  // Whether libmodsecurity inspects a response body with this Content-Type value (the
  // SecResponseBodyMimeType list of the base config; every type when the list is empty).
  bool InspectsResponseBodyOf(std::string_view content_type) const;
  // The same for the response body and response_body_limit.
  bool response_body_truncated() const { return response_body_received_ > response_body_limit_; }
  const CompiledPolicy& policy() const { return *policy_; }

 private:
  explicit Inspection(std::shared_ptr<const CompiledPolicy> policy);
  // Runs `step` and turns a thrown exception or a false return into an error naming `what`.
  template <typename Step>
  core::Status Run(const char* what, Step&& step) noexcept;
  void PollIntervention() noexcept;

  std::shared_ptr<const CompiledPolicy> policy_;
  std::unique_ptr<modsecurity::Transaction, void (*)(modsecurity::Transaction*)> transaction_;
  std::optional<Verdict> verdict_;
  size_t request_body_limit_;
  size_t request_body_received_ = 0;
  size_t response_body_limit_;
  size_t response_body_received_ = 0;
  bool request_headers_processed_ = false;
  bool logged_ = false;
};

}  // namespace rampart::modsec
