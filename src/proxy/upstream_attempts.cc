#include "proxy/upstream_attempts.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "upstream/outlier.h"

namespace rampart::proxy {

bool UpstreamAttempts::Admit(const upstream::Pool& pool) {
  Reset();
  upstream::PoolState& state = pool.state();
  const uint32_t limit = pool.config().max_pending_requests;
  const int64_t pending = state.pending_requests.fetch_add(1, std::memory_order_relaxed);
  if (limit != 0 && pending >= static_cast<int64_t>(limit)) {
    state.pending_requests.fetch_sub(1, std::memory_order_relaxed);
    state.overflow_pending_total.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  pool_ = &pool;
  return true;
}

std::optional<size_t> UpstreamAttempts::Next(std::string_view key, std::string_view sticky_id,
                                             uint64_t random, int64_t now_ms) {
  EndAttempt();
  if (attempts_ == 0) {
    connect_deadline_ms_ = now_ms + static_cast<int64_t>(pool_->config().connect_timeout_ms);
  } else if (!any_connected_ && now_ms >= connect_deadline_ms_) {
    return std::nullopt;
  }
  // max_connections is checked by Pick and enforced here: another worker may have taken the
  // last slot in between, and then this server counts as tried.
  for (size_t guard = 0; guard <= pool_->servers().size(); ++guard) {
    const auto pick = pool_->Pick({tried_, key, sticky_id, random, now_ms});
    if (!pick) return std::nullopt;
    tried_.push_back(*pick);
    const upstream::Server& chosen = pool_->servers()[*pick];
    const int64_t before = chosen.state->active_requests.fetch_add(1, std::memory_order_relaxed);
    if (chosen.max_connections != 0 && before >= static_cast<int64_t>(chosen.max_connections)) {
      chosen.state->active_requests.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    chosen.state->requests_total.fetch_add(1, std::memory_order_relaxed);
    server_index_ = *pick;
    ++attempts_;
    attempt_active_ = true;
    outcome_recorded_ = false;
    return pick;
  }
  return std::nullopt;
}

uint64_t UpstreamAttempts::ConnectTimeoutMs(int64_t now_ms) const {
  const uint64_t configured = pool_->config().connect_timeout_ms;
  if (any_connected_) return configured;
  int64_t left =
      std::clamp<int64_t>(connect_deadline_ms_ - now_ms, 1, static_cast<int64_t>(configured));
  // When another server could take the request, leave it half of what is left: a connect that
  // hangs (a host gone without a reset) then fails over instead of costing the whole deadline,
  // and a request no server can take is still answered within connect_timeout.
  if (attempts_ <= pool_->config().retries && AnotherServerAvailable(now_ms)) {
    left = std::max<int64_t>(1, left / 2);
  }
  return static_cast<uint64_t>(left);
}

void UpstreamAttempts::Succeeded() {
  if (outcome_recorded_) return;
  outcome_recorded_ = true;
  upstream::RecordSuccess(*server().state);
}

void UpstreamAttempts::CountFailure(int64_t now_ms) {
  if (outcome_recorded_) return;
  outcome_recorded_ = true;
  const uint64_t ejected_ms =
      upstream::RecordFailure(*server().state, pool_->config().outlier, now_ms);
  if (ejected_ms != 0) {
    spdlog::warn("upstream: pool {} server {} ejected for {} ms after {} consecutive failures",
                 pool_->name(), server().name, ejected_ms,
                 pool_->config().outlier.consecutive_failures);
  }
}

bool UpstreamAttempts::Failed(Failure failure, bool resend_safe, int64_t now_ms) {
  CountFailure(now_ms);
  EndAttempt();
  if (!resend_safe || attempts_ > pool_->config().retries) return false;
  if (!AnotherServerAvailable(now_ms)) return false;
  if (failure == Failure::kConnect && now_ms >= connect_deadline_ms_ && !any_connected_) {
    return false;
  }
  return TakeRetryTicket();
}

bool UpstreamAttempts::TakeRetryTicket() {
  upstream::PoolState& state = pool_->state();
  if (holds_retry_ticket_) {  // one ticket covers all of this request's retries
    state.retries_total.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  // Envoy's retry budget: retries in flight stay below a share of the requests in flight, so
  // a failing pool is not hit with a multiple of its load.
  const auto& cfg = pool_->config();
  const int64_t pending = state.pending_requests.load(std::memory_order_relaxed);
  const int64_t budget =
      std::max<int64_t>(cfg.retry_budget_min, pending * cfg.retry_budget_percent / 100);
  const int64_t in_flight = state.retries_in_flight.fetch_add(1, std::memory_order_relaxed);
  const bool over_limit = cfg.max_retries_in_flight != 0 &&
                          in_flight >= static_cast<int64_t>(cfg.max_retries_in_flight);
  if (in_flight >= budget || over_limit) {
    state.retries_in_flight.fetch_sub(1, std::memory_order_relaxed);
    state.overflow_retries_total.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  holds_retry_ticket_ = true;
  state.retries_total.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void UpstreamAttempts::EndAttempt() {
  if (!attempt_active_) return;
  attempt_active_ = false;
  server().state->active_requests.fetch_sub(1, std::memory_order_relaxed);
}

void UpstreamAttempts::Reset() {
  if (pool_ == nullptr) return;
  EndAttempt();
  upstream::PoolState& state = pool_->state();
  if (holds_retry_ticket_) state.retries_in_flight.fetch_sub(1, std::memory_order_relaxed);
  state.pending_requests.fetch_sub(1, std::memory_order_relaxed);
  pool_ = nullptr;
  tried_.clear();
  holds_retry_ticket_ = false;
  any_connected_ = false;
  attempts_ = 0;
  connect_deadline_ms_ = 0;
}

}  // namespace rampart::proxy
