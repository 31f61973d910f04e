#pragma once
// Plain configuration structs: what the YAML says, validated by the loader, never mutated
// after loading. Compiled forms (regexes, address lookups) are built from these by their
// modules (routing/, upstream/, server/).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::config {

// Where a value came from, for error messages that name file and line.
struct SourceMark {
  std::string file;
  int line = 0;  // 1-based
};

// One certificate chain and key of a TLS listener (PEM files), with an optional DER OCSP
// response to staple.
struct CertificateConfig {
  std::string cert;
  std::string key;
  std::string ocsp;
  bool is_default = false;  // serves clients whose SNI names no certificate (else: the first)
  SourceMark mark;
};

// A listener's `tls` map: TLS termination (src/tls).
struct ListenerTlsConfig {
  std::vector<CertificateConfig> certificates;
  // Names whose certificates rampart obtains and renews itself (ACME, the top-level `acme`).
  std::vector<std::string> acme;
  enum class Profile : uint8_t { kIntermediate, kModern } profile = Profile::kIntermediate;
  uint64_t session_cache = 20480;            // sessions kept for resumption by id; 0: off
  uint64_t session_timeout_ms = 86'400'000;  // lifetime of a session or ticket
  bool tickets = true;                       // session tickets (keys rotate, see below)
  // A new ticket key every 12 h; the previous one still decrypts.
  uint64_t ticket_rotation_ms = 43'200'000;
  // Client certificates (mTLS): verified against client_ca. kOptional asks but lets clients
  // without one in; kRequired refuses the handshake without a valid one.
  enum class ClientCerts : uint8_t { kOff, kOptional, kRequired } client_certs = ClientCerts::kOff;
  std::string client_ca;
  // The request header the verified subject goes to the backend in (the client's own copies
  // are always removed on this listener).
  std::string client_subject_header = "X-Client-Cert-Subject";
  SourceMark mark;
};

struct ListenerConfig {
  std::string address;  // "host:port"; IPv6 as "[::1]:8080"
  // Every connection starts with a PROXY protocol header (v1 or v2, told apart by its first
  // bytes) naming the client; a connection without a valid one is closed.
  bool proxy_protocol = false;
  // HTTP/2: offered in ALPN on a TLS listener, and accepted with prior knowledge (h2c) on a
  // cleartext one.
  bool http2 = true;
  std::optional<ListenerTlsConfig> tls;  // unset: cleartext
  SourceMark mark;
};

// The top-level `acme` section: where certificates for listeners' `tls.acme` names come from.
struct AcmeConfig {
  std::string directory;  // the ACME server's directory URL
  std::string email;      // contact for the account; may be empty
  std::string storage;    // account key and certificates (created 0700)
  std::string ca_file;    // trust for the ACME server's HTTPS (a test CA); empty: the system's
  std::vector<std::string> challenges = {"http-01", "tls-alpn-01"};  // in order of preference
  // Renew when less than this is left; 0: when a third of the certificate's lifetime is left.
  uint64_t renew_before_ms = 0;
  uint64_t check_interval_ms = 12ull * 3'600'000;
  uint64_t retry_min_ms = 60'000;      // back-off after a failed order (whole seconds), doubling...
  uint64_t retry_max_ms = 86'400'000;  // ... up to this
  SourceMark mark;
};

struct AdminConfig {
  std::string address;     // empty: no admin listener
  std::string token_file;  // holds the bearer token /api/ requires; empty: /api/ is disabled
};

struct ServerConfig {
  std::string address;  // "host:port"
  std::string name;     // how metrics and the admin API name it; defaults to the address
  uint32_t weight = 1;
  bool backup = false;
  uint32_t max_connections = 0;  // concurrent requests on this server, all workers; 0: unlimited
  SourceMark mark;
};

// What a hash-based choice hashes: the consistent_hash balancer and sticky traffic splits.
struct HashKeyConfig {
  enum class Kind : uint8_t { kClientIp, kHeader, kCookie, kPath };
  Kind kind = Kind::kClientIp;
  std::string name;  // header or cookie name
};

// Active health checks: an HTTP GET to every server of the pool, on the main thread.
struct HealthCheckConfig {
  std::string path = "/";
  std::string host;  // Host header; empty: the server's address
  uint64_t interval_ms = 5'000;
  uint64_t timeout_ms = 2'000;
  uint32_t rise = 2;  // consecutive passes that bring a down server back
  uint32_t fall = 3;  // consecutive failures that take a server down
  // Statuses that pass, as inclusive ranges; default 200-399.
  std::vector<std::pair<int, int>> expect = {{200, 399}};
};

// Passive outlier ejection: consecutive failures (connect errors, timeouts, resets, 5xx) eject
// a server for base_ejection_ms * 2^(times ejected before), capped at max_ejection_ms.
struct OutlierConfig {
  uint32_t consecutive_failures = 5;  // 0: off
  uint64_t base_ejection_ms = 10'000;
  uint64_t max_ejection_ms = 300'000;
};

struct PoolConfig {
  std::string name;
  std::string balance = "round_robin";
  std::vector<ServerConfig> servers;
  uint64_t connect_timeout_ms = 5'000;
  uint64_t read_timeout_ms = 60'000;   // idle time waiting for response bytes
  uint64_t write_timeout_ms = 60'000;  // idle time waiting to send request bytes
  uint32_t keepalive_idle = 32;        // idle connections kept per worker and server
  uint64_t keepalive_timeout_ms = 60'000;
  // Extra attempts on another server: after a connect failure, or for an idempotent request
  // with a replayable body whose response has not started (a reset before any response byte,
  // or a status in retry_statuses). Read timeouts are not retried.
  uint32_t retries = 1;
  std::vector<int> retry_statuses;  // e.g. 502, 503, 504; empty: statuses are never retried
  // Retry budget: retries in flight may be at most max(min, percent% of active requests).
  uint32_t retry_budget_percent = 20;
  uint32_t retry_budget_min = 3;
  // Circuit breaking: beyond these, requests get 503 at once. 0: unlimited.
  uint32_t max_pending_requests = 0;  // requests in flight to this pool, all workers
  uint32_t max_retries_in_flight = 0;
  HashKeyConfig hash_key;  // consistent_hash only
  std::optional<HealthCheckConfig> health;
  OutlierConfig outlier;
  uint64_t slow_start_ms = 0;  // a server coming back ramps from 10% to its full share; 0: off
  std::string sticky_cookie;   // cookie stickiness: the cookie naming a client's server; "": off
  // TLS to the backends (re-encryption); unset: cleartext.
  struct Tls {
    std::string ca;           // PEM bundle the backends' certificates must chain to; "": system
    bool verify = true;       // false: encrypted but unauthenticated (lab backends only)
    std::string server_name;  // SNI and the name checked; "": each server's host
    std::string cert;         // client certificate for backends that require mTLS
    std::string key;
    SourceMark mark;
  };
  std::optional<Tls> tls;
  SourceMark mark;
};

// How a route matches; every given condition must hold. First matching route wins.
struct MatchConfig {
  std::string host;                  // exact "example.com" or wildcard "*.example.com"; empty: any
  std::string path_prefix;           // e.g. "/api/"
  std::string path;                  // exact path
  std::string path_regex;            // PCRE2, matched against the path
  std::vector<std::string> methods;  // upper case; empty: any
  std::map<std::string, std::string> headers;  // header name -> exact value
};

struct RewriteConfig {
  std::string regex;        // PCRE2 over the path
  std::string replacement;  // $1 ... references
};

struct RedirectConfig {
  std::string to;    // absolute URL or path; "$request_uri" is replaced by the original target
  int status = 302;  // 301, 302, 303, 307 or 308
};

// One way out of a traffic split: a pool chosen by header or cookie value (A/B), or by weight
// (canary, blue-green) when no value rule matched.
struct SplitTargetConfig {
  std::string pool;
  uint32_t weight = 0;  // weighted targets: share among the weighted ones
  std::string header;   // value rule: this header ...
  std::string cookie;   // ... or this cookie ...
  std::string value;    // ... equals this value
  SourceMark mark;
};

struct SplitConfig {
  std::vector<SplitTargetConfig> to;
  // Sticky: the weighted choice is a hash of this key, so a client keeps its pool.
  std::optional<HashKeyConfig> sticky;
};

// One rule exclusion, scoped to a route's WAF policy: a rule (or an id range) removed, the
// rules carrying a tag removed, or one target taken out of a rule ("942100 not on
// ARGS:comment").
struct WafExclusionConfig {
  uint32_t id = 0;       // a rule id, or the first of a range
  uint32_t id_last = 0;  // the last id of a range; 0: a single id
  std::string tag;       // remove every rule with this tag
  std::string target;    // with id: remove this target (e.g. "ARGS:comment") from rule `id`
  SourceMark mark;
};

// A route's WAF policy: libmodsecurity with the OWASP CRS.
struct WafConfig {
  enum class Mode : uint8_t { kOff, kDetect, kBlock };
  // Where the defaults of the keys below come from (waf_profiles.cc): `balanced`, rampart's
  // measured default, or `crs`, CRS's own settings untouched.
  enum class Profile : uint8_t { kBalanced, kCrs };
  Mode mode = Mode::kBlock;
  Profile profile = Profile::kBalanced;
  uint32_t paranoia = 1;            // blocking paranoia level, 1-4
  uint32_t executing_paranoia = 0;  // rules up to this level run and score; 0: = paranoia
  // The level is the profile's (neither key set): `balanced` then runs only the rules above
  // PL1 that its measurements chose (rules/profiles/balanced/precise-rules.conf).
  bool paranoia_from_profile = false;
  uint32_t inbound_threshold = 5;
  uint32_t outbound_threshold = 4;
  std::vector<std::string> allowed_methods;        // empty: CRS's default
  std::vector<std::string> allowed_content_types;  // empty: CRS's default
  std::vector<std::string> allowed_http_versions;  // empty: CRS's default
  // Bodies no libmodsecurity processor reads (text/plain, NDJSON, GraphQL, protobuf, gRPC) are
  // inspected through rampart's JSON views of them (modsec/body_view.h), and their types are
  // added to the allowed content types.
  bool body_views = false;
  uint64_t request_body_limit = 13 * 1024 * 1024;  // bytes inspected at most
  bool request_body_inspect_partial = false;       // over the limit: inspect the first part, pass
                                                   // the rest (false: 413)
  bool response_inspection = false;
  uint64_t response_body_limit = 512 * 1024;
  // Requests without a body that no rule could match skip libmodsecurity (src/fastpath/).
  bool fast_path = true;
  std::vector<WafExclusionConfig> exclusions;
  std::vector<std::string> before_crs;  // rule files loaded before CRS (REQUEST-900 style)
  std::vector<std::string> after_crs;   // rule files loaded after CRS (RESPONSE-999 style)
  SourceMark mark;
};

// The top-level `waf` section: what every route's policy shares.
struct WafGlobalConfig {
  std::string crs_dir = "/usr/share/modsecurity-crs";
  std::string rules_dir;   // rampart's modsecurity.conf + crs-setup.conf; empty: see WafRulesDir
  std::string block_page;  // HTML template file; empty: the built-in page
  uint32_t threads = 0;    // threads libmodsecurity runs on; 0: one per CPU, at least 2
};

// A route's `signatures`: the signature packs (rules/signatures/) on this route. Matches with
// `action: score N` add up; the thresholds turn the sum into a challenge or a block (0: off).
struct RouteSignaturesConfig {
  bool enabled = true;
  uint32_t challenge_score = 0;
  uint32_t block_score = 0;
  SourceMark mark;
};

// The top-level `signatures` section: what every route's signatures share.
struct SignaturesGlobalConfig {
  std::string dir;                  // the packs; empty: rampart's rules/signatures
  std::vector<std::string> packs;   // packs to load; empty: every pack that is not opt-in
  std::string cache_dir;            // compiled databases cached here; empty: no cache
  uint64_t body_limit = 64 * 1024;  // request body bytes scanned at most
};

// The top-level `ip_reputation` section: allow and deny lists (inline CIDRs and list files as
// FireHOL and Spamhaus DROP publish them). The allow list wins over the deny list, the bans and
// every later check (docs/configuration.md has the precedence).
enum class DenyAction : uint8_t { kBlock, kChallenge };

struct IpReputationConfig {
  std::vector<std::string> allow;  // CIDRs or addresses
  std::vector<std::string> deny;
  // What the deny list does: block (403), or challenge on routes with `bot` (block elsewhere).
  DenyAction deny_action = DenyAction::kBlock;
  std::vector<std::string> allow_files;  // paths (resolved against the config's directory)
  std::vector<std::string> deny_files;
  SourceMark mark;
};

// A route's `bans`: `threshold` blocked or challenged requests within `window` ban the client
// IP for `duration` (on every route).
struct BanPolicyConfig {
  uint32_t threshold = 0;
  uint64_t window_ms = 60'000;
  uint64_t duration_ms = 600'000;
};

// The top-level `geoip` section: MaxMind DB files (GeoLite2/GeoIP2 Country or City, and ASN).
struct GeoIpConfig {
  std::string country_db;  // resolved path; empty: no country lookups
  std::string asn_db;      // resolved path; empty: no ASN lookups
  SourceMark mark;
};

// A route's `geo`: allow or deny by country (ISO 3166-1 alpha-2) and by ASN. With an allow list,
// only its members pass (an address the database does not know has no country and fails it).
struct RouteGeoConfig {
  std::vector<std::string> allow_countries;
  std::vector<std::string> deny_countries;
  std::vector<uint32_t> allow_asns;
  std::vector<uint32_t> deny_asns;
  DenyAction action = DenyAction::kBlock;
  SourceMark mark;
};

// One part of a rate-limit key.
struct RateKeyPart {
  enum class Kind : uint8_t {
    kClientIp,
    kIpPrefix,
    kHeader,
    kCookie,
    kRoute,
    kCountry,
    kAsn,
    kApiKey,  // the name of the route's API key the request presents (auth.api_key)
    kJa3,     // the TLS ClientHello's JA3 hash (absent on cleartext: not counted)
    kJa4,     // its JA4 fingerprint
  };
  Kind kind = Kind::kClientIp;
  std::string name;  // header or cookie name
};

// One of a route's `rate_limit` entries: GCRA with `rate` requests per `period` and `burst`.
struct RateLimitConfig {
  std::vector<RateKeyPart> key;  // all parts together; a request missing one is not limited
  uint64_t rate = 0;
  uint64_t period_ms = 1000;
  uint64_t burst = 0;       // 0: the rate per period
  uint32_t prefix_v4 = 24;  // for ip_prefix
  uint32_t prefix_v6 = 64;
  DenyAction action = DenyAction::kBlock;  // block: 429
  bool fail_closed = false;  // on_error: closed refuses requests while shared state is down
  SourceMark mark;
};

// The top-level `state` section: where rate-limit counters and bans live.
struct StateConfig {
  enum class Backend : uint8_t { kMemory, kRedis };
  Backend backend = Backend::kMemory;
  std::string redis_address = "127.0.0.1:6379";
  std::string redis_password_file;  // empty: no AUTH
  uint32_t redis_db = 0;
  std::string key_prefix = "rampart:";
  uint64_t timeout_ms = 250;
  uint64_t sync_interval_ms = 1000;
  uint64_t max_keys = 100'000;  // in-process rate-limit keys (and strike counters)
  SourceMark mark;
};

// A route's `auth.jwt`: bearer tokens from the Authorization header (or a cookie).
struct JwtAuthConfig {
  // Exactly one key source: a JWKS document, a PEM public key, or a file holding an HMAC secret.
  std::string jwks_file;
  std::string pem_file;
  std::string secret_file;
  std::string cookie;                   // also take the token from this cookie; empty: header only
  std::vector<std::string> algorithms;  // allowed; empty: every supported one
  std::string issuer;                   // "iss" must equal it; empty: not checked
  std::vector<std::string> audiences;   // "aud" must name one of them; empty: not checked
  uint64_t leeway_ms = 30'000;          // clock skew allowed on exp and nbf
  // Claims a token must carry to be allowed (403 otherwise), each with the values accepted
  // (empty: present is enough; an array claim or a space-separated "scope" needs one of them).
  std::vector<std::pair<std::string, std::vector<std::string>>> required_claims;
  // Claim -> request header for the backend (the client's own copies are always removed).
  std::vector<std::pair<std::string, std::string>> claims_to_headers;
  SourceMark mark;
};

// A route's `auth.api_key`: a key in a header and/or a query parameter, checked against a file of
// SHA-256 hashes (name:sha256:<hex> lines).
struct ApiKeyAuthConfig {
  std::string file;
  std::string header;       // empty with `query` set: query only
  std::string query;        // query parameter name; empty: header only
  std::string name_header;  // the key's name for the backend; empty: not sent
  SourceMark mark;
};

// A route's `auth.basic`: an htpasswd file (bcrypt and SHA-512 crypt).
struct BasicAuthConfig {
  std::string htpasswd;
  std::string user_header;  // the user name for the backend; empty: not sent
  SourceMark mark;
};

// A route's `auth.forward`: a sub-request to an auth service decides.
struct ForwardAuthConfig {
  std::string url;  // http://host:port/path
  // Request headers copied to the sub-request (besides X-Forwarded-Method/-Proto/-Host/-Uri/-For).
  std::vector<std::string> request_headers{"Authorization", "Cookie"};
  // Headers of a 2xx answer copied to the request sent to the backend.
  std::vector<std::string> response_headers;
  uint64_t timeout_ms = 1000;
  int error_status = 503;       // for anything but 2xx, 401 and 403, and for a timeout
  bool original_method = true;  // false: the sub-request is always GET
  SourceMark mark;
};

// A route's `auth`: who may call it. With several methods, `satisfy: any` (the default) lets a
// request through on the first method whose credentials it presents; `all` needs every one.
struct AuthConfig {
  std::optional<JwtAuthConfig> jwt;
  std::optional<ApiKeyAuthConfig> api_key;
  std::optional<BasicAuthConfig> basic;
  std::optional<ForwardAuthConfig> forward;
  bool satisfy_all = false;
  std::string realm = "rampart";  // in WWW-Authenticate
  SourceMark mark;
};

// The top-level `bot` section: what every route's challenges share.
struct BotGlobalConfig {
  uint64_t rotation_ms = 3'600'000;       // how long one secret signs; the previous one is kept
  uint64_t clearance_ttl_ms = 3'600'000;  // how long a solved challenge's cookie lets through
  uint64_t challenge_ttl_ms = 300'000;    // how long a page has to solve its challenge
  uint32_t difficulty = 20;         // leading zero bits: ~0.5 s in headless Chromium (bench/bot.sh)
  uint64_t nojs_delay_ms = 10'000;  // the no-JavaScript fallback's wait
  std::string good_bots;            // rules/good-bots.yaml; empty: the shipped one
  std::string page;                 // an HTML template; empty: the built-in challenge/
  uint32_t prefix_v4 = 24;          // tokens bind the client's network, not its address
  uint32_t prefix_v6 = 64;
  std::string cookie = "rampart_clearance";
  SourceMark mark;
};

// A route's `bot`.
struct RouteBotConfig {
  enum class Mode : uint8_t {
    kOff,         // no challenges: other stages' challenge actions answer as blocks
    kSuspicious,  // challenge when a stage's challenge action fires or browser headers do not fit
    kAlways,      // challenge every request without a clearance
  };
  Mode mode = Mode::kSuspicious;
  bool api = false;                    // an API: never challenged (mode is off)
  std::optional<uint32_t> difficulty;  // unset: the top-level one
  SourceMark mark;
};

// A route's `cache`: an RFC 9111 shared cache in front of the route's backends.
struct RouteCacheConfig {
  // Lifetime of responses with a heuristically cacheable status and no explicit freshness
  // (nginx's proxy_cache_valid); unset: RFC 9111's heuristic from Last-Modified only.
  std::optional<uint64_t> ttl_s;
  uint64_t max_object_size = 8 * 1024 * 1024;  // larger responses pass through unstored
  bool allow_authorization = false;            // store responses to requests with Authorization
  bool allow_set_cookie = false;               // store responses that set cookies
  uint64_t lock_timeout_ms = 5000;  // collapsed requests wait this long for the first one's fill
  bool cache_status = false;        // add a Cache-Status field (RFC 9211) to responses
  SourceMark mark;
};

// A route's `compression` of responses to clients.
struct CompressionConfig {
  std::vector<std::string> algorithms = {"br", "zstd", "gzip"};  // in order of preference
  int gzip_level = 6;
  int brotli_level = 5;
  int zstd_level = 3;
  uint64_t min_size = 256;         // smaller bodies (by Content-Length) are sent as they are
  std::vector<std::string> types;  // media types ("text/*" allowed); empty: the built-in list
};

// A route's `static`: files from a directory instead of a backend.
struct StaticConfig {
  std::string root;  // an existing directory (resolved against the config file's directory)
  std::vector<std::string> index = {"index.html"};
  std::optional<uint64_t> expires_s;  // Cache-Control: max-age (and Expires) on files; unset: none
  bool allow_hidden = false;          // serve names starting with '.'
};

// The top-level `cache`: where routes' caches keep their responses (shared by all routes).
struct CacheGlobalConfig {
  uint64_t memory_size = 256 * 1024 * 1024;
  std::string disk_path;  // empty: memory only
  uint64_t disk_size = 1024ULL * 1024 * 1024;
  // RFC 9213 targeted fields this cache obeys instead of Cache-Control, first present wins.
  std::vector<std::string> targeted_fields = {"CDN-Cache-Control"};
  SourceMark mark;
};

struct RouteConfig {
  std::string name;  // defaults to "route<N>"
  MatchConfig match;
  std::string pool;  // a key of Config::pools, unless redirect or split is set
  std::optional<SplitConfig> split;
  bool strip_prefix = false;  // remove match.path_prefix before forwarding
  std::optional<RewriteConfig> rewrite;
  std::optional<RedirectConfig> redirect;
  std::vector<std::pair<std::string, std::string>> set_request_headers;   // empty value: remove
  std::vector<std::pair<std::string, std::string>> set_response_headers;  // empty value: remove
  bool preserve_host = true;                        // false: Host becomes the server's address
  std::optional<uint64_t> max_body_size;            // bytes; over it -> 413
  std::optional<WafConfig> waf;                     // unset: no WAF on this route
  std::optional<RouteSignaturesConfig> signatures;  // unset: no signatures on this route
  std::optional<BanPolicyConfig> bans;              // unset: no dynamic bans from this route
  std::optional<RouteGeoConfig> geo;                // unset: no country/ASN rules
  std::vector<RateLimitConfig> rate_limits;         // `rate_limit`: one map or a list
  std::optional<AuthConfig> auth;                   // unset: anyone may call the route
  std::optional<RouteBotConfig> bot;                // unset: no challenges on this route
  std::optional<RouteCacheConfig> cache;            // unset: responses are not cached
  std::optional<CompressionConfig> compression;     // unset: responses are sent as they are
  std::optional<StaticConfig> static_files;         // `static`: a directory instead of a pool
  // Cleartext requests get a redirect to https:// (after the request stages ran): 308 keeps the
  // method and body (301 for nginx-like behaviour); 0: off. `https_port`: 0 means 443 (the
  // Host's own port, the cleartext one, is always dropped).
  int https_redirect = 0;
  uint16_t https_port = 0;
  // Strict-Transport-Security on responses over TLS; unset: none.
  struct Hsts {
    uint64_t max_age_s = 31'536'000;
    bool include_subdomains = false;
    bool preload = false;
  };
  std::optional<Hsts> hsts;
  SourceMark mark;
};

struct LimitsConfig {
  uint32_t max_connections = 10'000;      // whole process
  uint32_t max_connections_per_ip = 256;  // per client address
  uint64_t max_request_line = 8 * 1024;   // -> 414
  uint64_t max_header_bytes = 32 * 1024;  // -> 431
  uint32_t max_header_count = 100;        // -> 431
  uint64_t max_body_size = 1ULL << 30;    // default request body limit (1 GiB) -> 413
  uint32_t max_requests_per_connection = 10'000;
};

struct TimeoutsConfig {
  uint64_t client_header_ms = 10'000;  // whole request head must arrive within this
  uint64_t client_body_ms = 60'000;    // idle time between body reads
  uint64_t keepalive_ms = 60'000;      // idle time between requests
  uint64_t send_ms = 60'000;           // idle time writing to a client
  uint64_t drain_ms = 30'000;          // SIGTERM: in-flight requests get this long
};

struct LoggingConfig {
  std::string access_log;                  // empty: no access log; "-": stdout
  std::string access_log_format = "json";  // json | combined
  std::string attack_log;                  // empty: none
  std::string level = "info";              // operational log level
  std::string error_log;                   // operational log file; empty: stderr
};

struct Config {
  std::string source_file;  // the file this came from ("<embedded>" for the default)
  uint32_t workers = 0;     // 0: one per core ("auto")
  std::vector<ListenerConfig> listen;
  AdminConfig admin;
  // Peers whose X-Request-Id is kept and whose X-Forwarded-For is extended rather than replaced.
  // (A valid W3C traceparent is continued from any client, as trace context is meant to be.)
  std::vector<std::string> trusted_proxies;
  std::map<std::string, PoolConfig> pools;
  std::vector<RouteConfig> routes;
  LimitsConfig limits;
  TimeoutsConfig timeouts;
  LoggingConfig logging;
  WafGlobalConfig waf;
  SignaturesGlobalConfig signatures;
  IpReputationConfig ip_reputation;
  GeoIpConfig geoip;
  StateConfig state;
  BotGlobalConfig bot;
  std::optional<AcmeConfig> acme;  // unset: no listener may list acme names
  CacheGlobalConfig cache;
  // How often list files, GeoIP databases and auth files (JWKS, PEM, secrets, htpasswd, API keys)
  // are checked for changes (0: only on SIGHUP).
  uint64_t watch_interval_ms = 5000;
};

}  // namespace rampart::config
