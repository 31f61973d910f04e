#pragma once
// Passive outlier ejection: the outcome of every attempt feeds the server's state. After
// `consecutive_failures` failures in a row (connect errors, timeouts, resets, 5xx responses)
// the server is ejected for base_ejection_ms * 2^level (capped at max_ejection_ms), where level
// counts the ejections since the server last served a success.

#include <cstdint>

#include "config/config.h"
#include "upstream/server_state.h"

namespace rampart::upstream {

// A response whose status is below 500.
void RecordSuccess(ServerState& state);
// A failed attempt. Returns the ejection length in ms when this failure ejected the server
// (for the log), 0 otherwise.
uint64_t RecordFailure(ServerState& state, const config::OutlierConfig& config, int64_t now_ms);

}  // namespace rampart::upstream
