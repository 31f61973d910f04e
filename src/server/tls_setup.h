#pragma once
// Builds the TLS parts of a runtime snapshot: each TLS listener's server context (certificates
// from files and ACME storage, profile, resumption, mTLS) and each TLS pool's client context.
// A certificate or key that does not load is an error naming its file and the reason, so a
// reload with a bad one keeps the running snapshot.

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "proxy/runtime.h"
#include "tls/acme_challenges.h"
#include "tls/ticket_keys.h"

namespace rampart::server {

// `ticket_keys`: the session ticket keys, kept (and rotated) across reloads so that tickets
// issued before a reload still resume; null: private ones. `acme_challenges`: the board the ACME
// client fills (TLS-ALPN-01 answers in the handshake, HTTP-01 in the request path); null: a
// private one. A listener's `tls.acme` names are served from the ACME storage, or from a
// self-signed placeholder until their first certificate is obtained.
void BuildListenerTls(const config::Config& config,
                      std::shared_ptr<const tls::TicketKeys> ticket_keys,
                      std::shared_ptr<const tls::AcmeChallenges> acme_challenges,
                      proxy::Runtime& runtime, std::vector<std::string>& errors);

// Per pool, in runtime.pools order (which follows config.pools' order).
void BuildPoolTls(const config::Config& config, proxy::Runtime& runtime,
                  std::vector<std::string>& errors);

}  // namespace rampart::server
