#include "proxy/forwarding.h"

#include <vector>

#include "core/strings.h"

namespace rampart::proxy {

namespace {

// Fields that a Connection header may not remove: the message's framing and what the proxy
// itself sets. Letting a peer name Content-Length there would unframe the body, and the backend
// would read it as a request that never went through routing or the stages.
constexpr std::string_view kNeverHopByHop[] = {"Content-Length",
                                               "Host",
                                               "X-Forwarded-For",
                                               "X-Forwarded-Proto",
                                               "X-Forwarded-Host",
                                               "X-Real-IP",
                                               "Forwarded",
                                               "X-Request-Id",
                                               "traceparent",
                                               "tracestate",
                                               "Via",
                                               "Content-Type",
                                               "Transfer-Encoding",
                                               "Cache-Control"};

bool IsProtected(std::string_view name) {
  for (std::string_view p : kNeverHopByHop) {
    if (core::EqualsIgnoreCase(name, p)) return true;
  }
  return false;
}

constexpr std::string_view kHopByHop[] = {"Connection", "Keep-Alive", "Proxy-Connection",
                                          "TE",         "Trailer",    "Transfer-Encoding",
                                          "Upgrade"};

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

// version "00"-"fe", 32-hex trace id (not all zero), 16-hex parent id (not all zero), 2-hex flags.
bool ParseTraceparent(std::string_view v, std::string_view* trace_id, std::string_view* flags) {
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  const std::string_view version = v.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return false;
  if (version == "00" && v.size() != 55) return false;
  if (v.size() > 55 && v[55] != '-') return false;  // future versions may append fields
  *trace_id = v.substr(3, 32);
  const std::string_view parent = v.substr(36, 16);
  *flags = v.substr(53, 2);
  return IsLowerHex(*trace_id) && !AllZero(*trace_id) && IsLowerHex(parent) && !AllZero(parent) &&
         IsLowerHex(*flags);
}

}  // namespace

void RemoveHopByHop(http::HeaderMap& headers, bool keep_upgrade) {
  // Fields named by Connection are hop-by-hop too; collect them before Connection goes.
  std::vector<std::string> named;
  for (const auto& h : headers) {
    if (!core::EqualsIgnoreCase(h.name, "Connection")) continue;
    http::ForEachListToken(h.value, [&](std::string_view token) {
      if (keep_upgrade && core::EqualsIgnoreCase(token, "upgrade")) return;
      if (IsProtected(token)) return;
      named.emplace_back(token);
    });
  }
  for (const auto& name : named) headers.Remove(name);
  for (std::string_view name : kHopByHop) {
    if (keep_upgrade && name == "Upgrade") continue;
    headers.Remove(name);
  }
  if (keep_upgrade) headers.Set("Connection", "upgrade");
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string RandomHex(std::mt19937_64& rng, size_t chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(chars);
  uint64_t bits = 0;
  for (size_t i = 0; i < chars; ++i) {
    if (i % 16 == 0) bits = rng();
    out.push_back(kHex[bits & 15]);
    bits >>= 4;
  }
  return out;
}

void PropagateTraceContext(http::HeaderMap& headers, std::string_view trace_id_hint,
                           std::mt19937_64& rng) {
  std::string_view trace_id;
  std::string_view flags;
  const std::string* incoming = headers.Get("traceparent");
  std::string value;
  if (incoming != nullptr && headers.Count("traceparent") == 1 &&
      ParseTraceparent(*incoming, &trace_id, &flags)) {
    value = "00-" + std::string(trace_id) + "-" + RandomHex(rng, 16) + "-" + std::string(flags);
  } else {
    const std::string new_trace =
        (trace_id_hint.size() == 32 && IsLowerHex(trace_id_hint) && !AllZero(trace_id_hint))
            ? std::string(trace_id_hint)
            : RandomHex(rng, 32);
    value = "00-" + new_trace + "-" + RandomHex(rng, 16) + "-01";
    headers.Remove("tracestate");
  }
  headers.Set("traceparent", value);
}

void SetForwardedHeaders(http::HeaderMap& headers, const ForwardedFor& forwarded) {
  // A trusted peer's list (all its X-Forwarded-For fields, in order, as client_ip.cc reads
  // them) is extended; anyone else's is replaced.
  std::string chain;
  if (forwarded.peer_trusted) {
    for (const auto& h : headers) {
      if (!core::EqualsIgnoreCase(h.name, "X-Forwarded-For") || h.value.empty()) continue;
      if (!chain.empty()) chain += ", ";
      chain += h.value;
    }
  }
  if (!chain.empty()) chain += ", ";
  chain += forwarded.client_ip;
  headers.Set("X-Forwarded-For", chain);
  if (!forwarded.peer_trusted) headers.Remove("Forwarded");
  headers.Set("X-Real-IP", forwarded.real_ip.empty() ? forwarded.client_ip : forwarded.real_ip);
  headers.Set("X-Forwarded-Proto", forwarded.proto);
  // Never pass on a client's own X-Forwarded-Host (an HTTP/1.0 request may have no Host).
  if (forwarded.host.empty()) {
    headers.Remove("X-Forwarded-Host");
  } else {
    headers.Set("X-Forwarded-Host", forwarded.host);
  }
  // Every earlier Via hop is kept, in order, as one list.
  std::string via;
  for (const auto& h : headers) {
    if (!core::EqualsIgnoreCase(h.name, "Via")) continue;
    via.append(h.value);
    via.append(", ");
  }
  via.append("1.1 rampart");
  headers.Set("Via", via);
}

}  // namespace rampart::proxy
