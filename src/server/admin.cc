#include "server/admin.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "net/listen_socket.h"
#include "proxy/metrics.h"
#include "proxy/worker_context.h"
#include "server/admin_access.h"
#include "server/cache_api.h"
#include "server/dashboard_api.h"
#include "server/dashboard_page.h"
#include "server/upstream_report.h"
#include "stages/auth/auth_counters.h"
#include "stages/bot/bot_counters.h"

namespace rampart::server {

namespace {

// Only POST /api/tune takes a body (a few request ids); this bounds what a client can make the
// main thread buffer.
constexpr ev_ssize_t kMaxRequestBody = 64 * 1024;

constexpr const char* kJson = "application/json";
constexpr const char* kGetOrHead = "GET, HEAD";

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void Reply(evhttp_request* req, int status, const char* content_type, const std::string& body) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
  evbuffer* out = evbuffer_new();
  evbuffer_add(out, body.data(), body.size());
  evhttp_send_reply(req, status, Reason(status), out);
  evbuffer_free(out);
}

void ReplyJson(evhttp_request* req, int status, const std::string& body) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
  Reply(req, status, kJson, body);
}

void ReplyMethodNotAllowed(evhttp_request* req, const char* allow, bool json) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
  if (json) {
    ReplyJson(req, 405, ApiErrorJson(std::string("method not allowed; allowed: ") + allow));
  } else {
    Reply(req, 405, "text/plain", "method not allowed\n");
  }
}

const char* MethodName(evhttp_request* req) {
  switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_PUT:
      return "PUT";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    default:
      return "OTHER";
  }
}

bool IsGetOrHead(evhttp_request* req) {
  const evhttp_cmd_type method = evhttp_request_get_command(req);
  return method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD;
}

// Compares the presented token with the configured one in time that depends only on the
// presented token's length, not on where the two differ. `expected` is never empty.
bool TokenMatches(std::string_view presented, std::string_view expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i] ^ expected[i % expected.size()]);
  }
  return diff == 0;
}

// The credentials of "Authorization: Bearer <token>" (scheme case-insensitive); nullopt when
// the field is missing or names another scheme.
std::optional<std::string_view> BearerToken(evhttp_request* req) {
  const char* field = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
  if (field == nullptr) return std::nullopt;
  const std::string_view value = core::TrimOws(field);
  constexpr std::string_view kScheme = "Bearer";
  if (value.size() <= kScheme.size() ||
      !core::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme) ||
      value[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  return core::TrimOws(value.substr(kScheme.size() + 1));
}

std::string PeerText(evhttp_request* req) {
  evhttp_connection* conn = evhttp_request_get_connection(req);
  const sockaddr* sa = conn != nullptr ? evhttp_connection_get_addr(conn) : nullptr;
  if (sa == nullptr) return "?";
  char text[64] = "?";
  if (sa->sa_family == AF_INET) {
    evutil_inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text,
                     sizeof text);
  } else if (sa->sa_family == AF_INET6) {
    evutil_inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text,
                     sizeof text);
  }
  return text;
}

// The percent-decoded segments of `path` (which starts with '/'), one trailing slash ignored.
// nullopt when a segment decodes to a NUL byte.
std::optional<std::vector<std::string>> DecodedSegments(std::string_view path) {
  std::vector<std::string> segments;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string raw(path.substr(start, end - start));
    size_t size = 0;
    char* decoded = evhttp_uridecode(raw.c_str(), /*decode_plus=*/0, &size);
    if (decoded == nullptr) return std::nullopt;
    std::string segment(decoded, size);
    std::free(decoded);
    if (segment.find('\0') != std::string::npos) return std::nullopt;
    segments.push_back(std::move(segment));
    start = end + 1;
  }
  return segments;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string RequestBody(evhttp_request* req) {
  evbuffer* in = evhttp_request_get_input_buffer(req);
  std::string body(evbuffer_get_length(in), '\0');
  evbuffer_copyout(in, body.data(), body.size());
  return body;
}

}  // namespace

Admin::~Admin() {
  if (http_ != nullptr) evhttp_free(http_);
}

core::Result<net::SocketAddress> Admin::Listen(const std::string& address) {
  auto resolved = net::Resolve(address);
  if (!resolved.ok()) return resolved.error();
  http_ = evhttp_new(base_);
  evhttp_set_gencb(http_, &Admin::OnRequest, this);
  // Every common method reaches Handle, which answers 405 with Allow for the wrong one.
  evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                        EVHTTP_REQ_OPTIONS);
  evhttp_set_max_body_size(http_, kMaxRequestBody);
  auto fd = net::OpenListenSocket(resolved.value().front());
  if (!fd.ok()) return fd.error();
  if (evhttp_accept_socket(http_, fd.value()) != 0) {
    evutil_closesocket(fd.value());
    return core::MakeError("admin: cannot accept on " + address);
  }
  return net::LocalAddress(fd.value());
}

void Admin::OnRequest(evhttp_request* req, void* arg) { static_cast<Admin*>(arg)->Handle(req); }

void Admin::Handle(evhttp_request* req) {
  const char* path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
  const std::string p = path != nullptr && path[0] != '\0' ? path : "/";
  if (p == "/api" || core::StartsWith(p, "/api/")) {
    HandleApi(req, p);
    return;
  }
  if (p == "/healthz") {
    if (!IsGetOrHead(req)) {
      ReplyMethodNotAllowed(req, kGetOrHead, /*json=*/false);
    } else if (draining_) {
      Reply(req, 503, "text/plain", "draining\n");
    } else {
      Reply(req, 200, "text/plain", "ok\n");
    }
    return;
  }
  if (p == "/dashboard") {
    if (!IsGetOrHead(req)) {
      ReplyMethodNotAllowed(req, kGetOrHead, /*json=*/false);
      return;
    }
    const DashboardPage page = RenderDashboardPage();
    evkeyvalq* headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Security-Policy", page.content_security_policy.c_str());
    evhttp_add_header(headers, "Cache-Control", "no-store");
    evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(headers, "Referrer-Policy", "no-referrer");
    Reply(req, 200, "text/html; charset=utf-8", page.html);
    return;
  }
  if (p == "/metrics") {
    if (!IsGetOrHead(req)) {
      ReplyMethodNotAllowed(req, kGetOrHead, /*json=*/false);
      return;
    }
    std::string text = metrics_.RenderPrometheus();
    if (const auto runtime = runtime_.Load()) {
      AppendUpstreamMetrics(text, runtime->pools, upstream::NowMs());
      AppendAccessMetrics(text, store_, *runtime);
      auth_counters_.AppendMetrics(text);
      bot_counters_.AppendMetrics(text);
    }
    Reply(req, 200, "text/plain; version=0.0.4", text);
    return;
  }
  Reply(req, 404, "text/plain", "not found\n");
}

void Admin::HandleApi(evhttp_request* req, const std::string& path) {
  const auto runtime = runtime_.Load();
  if (!runtime || runtime->admin_token.empty()) {
    ReplyJson(req, 403, ApiErrorJson("the admin API is disabled: set admin.token_file"));
    return;
  }
  const std::optional<std::string_view> token = BearerToken(req);
  if (!token || !TokenMatches(*token, runtime->admin_token)) {
    spdlog::warn("admin: refused {} from {}: {} bearer token", path, PeerText(req),
                 token ? "wrong" : "no");
    evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                      "Bearer realm=\"rampart admin\"");
    ReplyJson(req, 401, ApiErrorJson("missing or wrong bearer token"));
    return;
  }

  std::optional<std::vector<std::string>> segments = DecodedSegments(path);
  if (segments && segments->size() >= 2 && (*segments)[1] == "bans") {
    const char* query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const ApiReply reply =
        HandleBansApi(MethodName(req), *segments, query != nullptr ? query : "", store_);
    if (reply.status == 405) {
      evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                        segments->size() == 2 ? kGetOrHead : "PUT, POST, DELETE");
    }
    ReplyJson(req, reply.status, reply.json);
    return;
  }
  if (segments && segments->size() >= 2 && (*segments)[1] == "attacks") {
    const char* query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const ApiReply reply = HandleAttacksApi(
        MethodName(req), *segments, query != nullptr ? query : "", attack_window_, *runtime);
    if (reply.status == 405) {
      evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", kGetOrHead);
    }
    ReplyJson(req, reply.status, reply.json);
    return;
  }
  if (segments && segments->size() == 2 && (*segments)[1] == "tune") {
    const ApiReply reply =
        HandleTuneApi(MethodName(req), RequestBody(req), attack_window_, *runtime);
    if (reply.status == 405) {
      evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
    }
    ReplyJson(req, reply.status, reply.json);
    return;
  }
  if (segments && segments->size() >= 2 && (*segments)[1] == "cache") {
    const char* query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const ApiReply reply =
        HandleCacheApi(MethodName(req), *segments, query != nullptr ? query : "", cache_stores_);
    if (reply.status == 405)
      evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
    if (reply.status == 200)
      spdlog::info("admin: cache purge {}: {}", query != nullptr ? query : "", reply.json);
    ReplyJson(req, reply.status, reply.json);
    return;
  }
  // /api/upstreams[/<pool>[/<server>[/drain|/enable]]]
  if (!segments || segments->size() < 2 || segments->size() > 5 || (*segments)[1] != "upstreams") {
    ReplyJson(req, 404, ApiErrorJson("no such API endpoint"));
    return;
  }
  const std::vector<std::string>& s = *segments;
  const bool action = s.size() == 5;
  if (action && s[4] != "drain" && s[4] != "enable") {
    ReplyJson(req, 404, ApiErrorJson("no such API endpoint"));
    return;
  }
  if (action ? evhttp_request_get_command(req) != EVHTTP_REQ_POST : !IsGetOrHead(req)) {
    ReplyMethodNotAllowed(req, action ? "POST" : kGetOrHead, /*json=*/true);
    return;
  }

  const int64_t now_ms = upstream::NowMs();
  if (s.size() == 2) {
    ReplyJson(req, 200, UpstreamsJson(runtime->pools, now_ms));
    return;
  }
  const upstream::Pool* pool = FindPool(runtime->pools, s[2]);
  if (pool == nullptr) {
    ReplyJson(req, 404, ApiErrorJson("no pool " + Quoted(s[2])));
    return;
  }
  if (s.size() == 3) {
    ReplyJson(req, 200, PoolJson(*pool, now_ms));
    return;
  }
  const upstream::Server* server = FindServer(*pool, s[3]);
  if (server == nullptr) {
    ReplyJson(req, 404,
              ApiErrorJson("pool " + Quoted(pool->name()) + " has no server " + Quoted(s[3])));
    return;
  }
  if (action) {
    const bool drain = s[4] == "drain";
    if (SetDrained(*server, drain, now_ms)) {
      spdlog::info("admin: {} pool {} server {}", drain ? "drained" : "enabled", pool->name(),
                   server->name);
    } else {
      spdlog::info("admin: pool {} server {} was already {}", pool->name(), server->name,
                   drain ? "drained" : "enabled");
    }
  }
  ReplyJson(req, 200, ServerJson(*pool, *server, now_ms));
}

}  // namespace rampart::server
