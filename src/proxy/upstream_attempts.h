#pragma once
// UpstreamAttempts: one request's way through a pool — admission (the circuit breaker), the
// server each attempt goes to, whether a failed attempt may be retried (retries left, retry
// budget, servers left, the connect deadline), and the bookkeeping every worker shares through
// the servers' state (active requests, passive outlier ejection). The session decides whether
// resending the request is safe; this class decides whether the pool allows it.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "upstream/pool.h"

namespace rampart::proxy {

class UpstreamAttempts {
 public:
  enum class Failure : uint8_t {
    kConnect,      // refused, unreachable, or the connect timed out: nothing was sent
    kReset,        // the connection closed before a response head
    kTimeout,      // no response within the read timeout
    kBadResponse,  // the response did not parse
    kStatus,       // a response status the pool retries (retry_statuses) or a 5xx
  };

  UpstreamAttempts() = default;
  ~UpstreamAttempts() { Reset(); }
  UpstreamAttempts(const UpstreamAttempts&) = delete;
  UpstreamAttempts& operator=(const UpstreamAttempts&) = delete;

  // Takes the request into `pool`. False when the pool's pending-request limit is reached:
  // the request gets 503 at once rather than waiting without bound.
  bool Admit(const upstream::Pool& pool);

  // Starts the next attempt on a server not tried yet; nullopt when no server can take it or
  // the connect deadline has passed.
  std::optional<size_t> Next(std::string_view key, std::string_view sticky_id, uint64_t random,
                             int64_t now_ms);
  // The current attempt's server.
  const upstream::Server& server() const { return pool_->servers()[server_index_]; }
  size_t server_index() const { return server_index_; }
  // The connect timeout for the current attempt: while no attempt has connected, what is left
  // of the request's connect deadline (first attempt's start + connect_timeout) — half of it
  // when a retry to another server is possible — so that a hanging connect fails over and a
  // request no server can take is answered within the connect timeout.
  uint64_t ConnectTimeoutMs(int64_t now_ms) const;

  void Connected() { any_connected_ = true; }
  // The current attempt's outcome, for passive outlier ejection: a response head below 500, or
  // a 5xx that is passed on to the client. Only the first outcome of an attempt counts.
  void Succeeded();
  void CountFailure(int64_t now_ms);
  // Whether a server this request has not tried could take it now.
  bool AnotherServerAvailable(int64_t now_ms) const { return pool_->HasCandidate(tried_, now_ms); }
  // Records the failure against the server (outlier ejection) and ends the attempt. True when
  // another attempt may be made: `resend_safe` (the session's call: nothing was sent, or the
  // request is idempotent with a replayable body), retries left, a server left, and the retry
  // budget allows it.
  bool Failed(Failure failure, bool resend_safe, int64_t now_ms);
  // Every attempt so far failed before connecting: no server could take the request.
  bool nothing_connected() const { return !any_connected_; }
  bool admitted() const { return pool_ != nullptr; }
  // Ends the request: releases the pending, retry and active-request counts.
  void Reset();

 private:
  void EndAttempt();
  bool TakeRetryTicket();

  const upstream::Pool* pool_ = nullptr;
  std::vector<size_t> tried_;
  size_t server_index_ = 0;
  bool attempt_active_ = false;    // counted in the server's active_requests
  bool outcome_recorded_ = false;  // the attempt's success or failure has been counted
  bool holds_retry_ticket_ = false;
  bool any_connected_ = false;
  uint32_t attempts_ = 0;
  int64_t connect_deadline_ms_ = 0;
};

}  // namespace rampart::proxy
