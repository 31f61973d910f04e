#pragma once
// Exchange: one request/response pair as it moves through the proxy, from parsed head to the
// access-log line. Owned by the downstream session; used on that session's worker thread only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "pipeline/findings.h"

struct event_base;

namespace rampart::pipeline {

struct ClientInfo {
  ClientInfo() = default;
  // `peer`: empty means the same as `client_ip`.
  ClientInfo(std::string client_ip, uint16_t client_port, bool is_tls, std::string peer = "")
      : ip(std::move(client_ip)), port(client_port), tls(is_tls), peer_ip(std::move(peer)) {
    if (peer_ip.empty()) peer_ip = ip;
  }
  // The client's address as text ("127.0.0.1", "::1"): the TCP peer (or the PROXY protocol
  // source), unless that is a trusted proxy — then the address its forwarding headers name.
  std::string ip;
  uint16_t port = 0;
  bool tls = false;
  // The address the connection came from (after PROXY protocol): the last hop.
  std::string peer_ip;
};

// Where the client's address is, from the GeoIP databases (set by the geoip stage).
struct ClientGeo {
  std::string country;  // ISO 3166-1 alpha-2; empty: unknown
  uint32_t asn = 0;     // 0: unknown
};

// The address a connection came in on (a listener may be bound to 0.0.0.0).
struct LocalAddress {
  std::string ip;
  uint16_t port = 0;
};

// Request fields that hold credentials besides Authorization and Cookie (an API key's header or
// query parameter): the logs mask their values.
struct CredentialFields {
  std::vector<std::string> headers;
  std::vector<std::string> query_params;
};

// What the bot challenge learned about the client, kept so that every stage that may challenge
// checks the clearance once.
struct BotView {
  std::optional<bool> cleared;  // unset: not checked yet
  std::string good_bot;         // the verified good bot the client is ("Googlebot"); empty: none
};

// What the TLS handshake of the client's connection settled (null on a cleartext connection).
// Shared by every exchange of the connection.
struct TlsInfo {
  std::string version;      // "TLSv1.3"
  std::string cipher;       // "TLS_AES_128_GCM_SHA256"
  std::string server_name;  // SNI as sent; empty: none
  std::string alpn;         // "h2", "http/1.1"; empty: none
  // Fingerprints of the ClientHello: JA3 (the string and its MD5, as the JA3 tools print) and
  // JA4 ("t13d1516h2_8daaf6152771_e5627efa2ab1"). Empty when not computed.
  std::string ja3;
  std::string ja3_hash;
  std::string ja4;
  // The ClientHello carried GREASE values (RFC 8701): every Chromium-based browser and Safari
  // send them; curl, OpenSSL, Go and Python clients do not.
  bool grease = false;
  // A client certificate that verified against the listener's client CA (mTLS): its subject
  // as an RFC 2253 string; empty when none was presented.
  std::string client_subject;
};

// A response the proxy makes itself (error page, block page, redirect, challenge).
struct LocalReply {
  int status = 0;
  http::HeaderMap headers;
  std::string body;
};

// The waf stage's decision for a request whose route has a fast path: skip libmodsecurity
// (nothing could match) or run it.
enum class WafPath : uint8_t { kNone, kFast, kSlow };

class Exchange {
 public:
  explicit Exchange(ClientInfo client)
      : client_(std::move(client)),
        start_(std::chrono::steady_clock::now()),
        start_wall_(std::chrono::system_clock::now()) {}

  http::Request& request() { return request_; }
  const http::Request& request() const { return request_; }
  http::Response& response() { return response_; }
  const http::Response& response() const { return response_; }
  const ClientInfo& client() const { return client_; }
  // The proxy sets the client's address once the forwarding headers are known.
  void set_client_ip(std::string ip) { client_.ip = std::move(ip); }
  const ClientGeo& geo() const { return geo_; }
  void set_geo(ClientGeo geo) { geo_ = std::move(geo); }
  // The client is on the allow list (ip_reputation): every later check lets it through.
  bool allowlisted() const { return allowlisted_; }
  void set_allowlisted() { allowlisted_ = true; }
  // Who the request authenticated as (set by the auth stage): the access log's user.
  const std::string& user() const { return user_; }
  void set_user(std::string user) { user_ = std::move(user); }
  // Set by the auth stage when the route takes credentials the logs must mask; may be null.
  const std::shared_ptr<const CredentialFields>& credential_fields() const {
    return credential_fields_;
  }
  void set_credential_fields(std::shared_ptr<const CredentialFields> fields) {
    credential_fields_ = std::move(fields);
  }
  BotView& bot() { return bot_; }
  const BotView& bot() const { return bot_; }
  // The connection's TLS facts; null on cleartext.
  const TlsInfo* tls() const { return tls_.get(); }
  void set_tls(std::shared_ptr<const TlsInfo> tls) { tls_ = std::move(tls); }
  const LocalAddress& local() const { return local_; }
  void set_local(LocalAddress local) { local_ = std::move(local); }
  // Set by the proxy once the head is parsed (a trusted client's id may be kept).
  const std::string& request_id() const { return request_id_; }
  void set_request_id(std::string id) { request_id_ = std::move(id); }

  // The route that matched, by name ("" before routing or when none matched).
  const std::string& route_name() const { return route_name_; }
  void set_route_name(std::string name) { route_name_ = std::move(name); }

  // Sets the reply a stage (or the proxy) answers with instead of a backend response.
  void SetLocalReply(int reply_status, std::string body,
                     std::string_view content_type = "text/html");
  const std::optional<LocalReply>& local_reply() const { return local_reply_; }
  std::optional<LocalReply>& local_reply() { return local_reply_; }

  // What the stages found and did, for the attack log (a verdict is not an error):
  // ex.findings().AddRule(...), ex.findings().Act(...).
  Findings& findings() { return findings_; }
  const Findings& findings() const { return findings_; }

  // The request's header fields as the client sent them, before the proxy removed hop-by-hop
  // fields and added its own — when the proxy kept a copy (KeepReceivedHeaders), else the
  // current ones.
  const http::HeaderMap& received_headers() const {
    return received_headers_ ? *received_headers_ : request_.headers;
  }
  void KeepReceivedHeaders() { received_headers_ = request_.headers; }

  // Called by a stage that returned Action::kPending, once, when its work is done.
  void Resume() {
    if (resume_) resume_();
  }
  void set_resume(std::function<void()> fn) { resume_ = std::move(fn); }

  // CPU-heavy work off the worker thread, for a stage that then returns Action::kPending:
  // `work` runs on the proxy's offload pool, then `done` runs back on the worker thread (where
  // the stage records its decision on the exchange), then the chain resumes as after Resume().
  // If the exchange ends first (the client went away), `done` never runs: `work` must own what
  // it touches. can_offload() is false where no pool exists (a chain driven by a unit test):
  // the stage then works inline.
  using Offloader = std::function<void(std::function<void()> work, std::function<void()> done)>;
  bool can_offload() const { return static_cast<bool>(offload_); }
  void Offload(std::function<void()> work, std::function<void()> done) {
    offload_(std::move(work), std::move(done));
  }
  void set_offload(Offloader fn) { offload_ = std::move(fn); }

  // The worker's event loop, for a stage that waits on the network (an auth service) and then
  // calls Resume(); null where there is none (a chain driven by a unit test without a loop).
  event_base* loop() const { return loop_; }
  void set_loop(event_base* loop) { loop_ = loop; }

  // Filled by the proxy for logs and metrics.
  std::chrono::steady_clock::time_point start() const { return start_; }
  std::chrono::system_clock::time_point start_wall() const { return start_wall_; }
  int status = 0;               // status sent to the client
  uint64_t bytes_received = 0;  // request head + body bytes from the client
  uint64_t bytes_sent = 0;      // response bytes to the client
  std::string upstream_address;
  int upstream_status = 0;
  std::string original_target;  // the target as the client sent it (before rewrites)
  // What the route's cache did: hit, miss, stale, revalidated, bypass; empty: no cache.
  std::string_view cache_status;
  // Which way the waf stage took (src/fastpath/): kNone when the route has no fast path.
  WafPath waf_path = WafPath::kNone;
  // Values that repeat between requests (headers, cookies, the method, ...) the fast path
  // looked at (fastpath/value_memo.h): what they may match remembered from an earlier request
  // of the same worker, or checked for this one.
  uint32_t waf_values_remembered = 0;
  uint32_t waf_values_checked = 0;

 private:
  ClientInfo client_;
  ClientGeo geo_;
  bool allowlisted_ = false;
  std::string user_;
  BotView bot_;
  std::shared_ptr<const CredentialFields> credential_fields_;
  LocalAddress local_;
  std::shared_ptr<const TlsInfo> tls_;
  std::string request_id_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::system_clock::time_point start_wall_;
  http::Request request_;
  http::Response response_;
  std::string route_name_;
  std::optional<LocalReply> local_reply_;
  Findings findings_;
  std::optional<http::HeaderMap> received_headers_;
  std::function<void()> resume_;
  Offloader offload_;
  event_base* loop_ = nullptr;
};

}  // namespace rampart::pipeline
