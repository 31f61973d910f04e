// TLS keys: a listener's `tls`, the top-level `acme`, a pool's `tls` (TLS to backends), and a
// route's `https_redirect` and `hsts`. Files are only checked to exist here; their contents are
// read when the runtime is built (src/tls), with their own file and reason.

#include <optional>
#include <string>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {
namespace {

// A DNS name a certificate may be obtained for: letters, digits, '-' and dots, no wildcard (an
// ACME wildcard needs DNS-01, which rampart cannot answer).
bool IsAcmeName(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > 63) return false;
  }
  return name.find('.') != std::string::npos || name == "localhost";
}

void ReadCertificates(const Field& field, std::vector<CertificateConfig>* out) {
  auto items = field.AsList();
  if (!items) return;
  bool has_default = false;
  for (const Field& item : *items) {
    const MapReader map = SchemaMap(item, {"cert", "key", "ocsp", "default"});
    if (!map.is_map()) continue;
    CertificateConfig cert;
    cert.mark = MarkOf(item);
    if (const Field* f = map.Require("cert")) {
      if (auto path = ReadExistingFile(*f)) cert.cert = std::move(*path);
    }
    if (const Field* f = map.Require("key")) {
      if (auto path = ReadExistingFile(*f)) cert.key = std::move(*path);
    }
    if (const Field* f = map.Find("ocsp")) {
      if (auto path = ReadExistingFile(*f)) cert.ocsp = std::move(*path);
    }
    map.ReadBool("default", &cert.is_default);
    if (cert.is_default && has_default) {
      map.Find("default")->Fail("only one certificate may be the default");
    }
    has_default = has_default || cert.is_default;
    out->push_back(std::move(cert));
  }
}

}  // namespace

std::optional<ListenerTlsConfig> ReadListenerTls(const Field& field) {
  const MapReader map = SchemaMap(
      field, {"certificates", "acme", "profile", "session_cache", "session_timeout", "tickets",
              "ticket_rotation", "client_certificates", "client_ca", "client_subject_header"});
  if (!map.is_map()) return std::nullopt;
  ListenerTlsConfig tls;
  tls.mark = MarkOf(field);
  if (const Field* f = map.Find("certificates")) ReadCertificates(*f, &tls.certificates);
  if (const Field* f = map.Find("acme")) {
    if (auto names = f->AsList()) {
      for (const Field& n : *names) {
        auto name = n.AsString();
        if (!name) continue;
        if (!IsAcmeName(*name)) {
          n.Fail("expected a lower-case DNS name such as www.example.com (no wildcard)");
          continue;
        }
        tls.acme.push_back(std::move(*name));
      }
    }
  }
  if (tls.certificates.empty() && tls.acme.empty()) {
    field.FailChild("certificates", "a TLS listener needs certificates or acme names");
  }
  if (const Field* f = map.Find("profile")) {
    if (auto profile = ReadEnum(*f, {"intermediate", "modern"})) {
      tls.profile = *profile == "modern" ? ListenerTlsConfig::Profile::kModern
                                         : ListenerTlsConfig::Profile::kIntermediate;
    }
  }
  map.ReadInteger("session_cache", &tls.session_cache, 0, 10'000'000);
  map.ReadDurationMs("session_timeout", &tls.session_timeout_ms, 1000);
  map.ReadBool("tickets", &tls.tickets);
  map.ReadDurationMs("ticket_rotation", &tls.ticket_rotation_ms, 60'000);
  if (const Field* f = map.Find("client_certificates")) {
    if (auto mode = ReadEnum(*f, {"off", "optional", "required"})) {
      tls.client_certs = *mode == "off"        ? ListenerTlsConfig::ClientCerts::kOff
                         : *mode == "optional" ? ListenerTlsConfig::ClientCerts::kOptional
                                               : ListenerTlsConfig::ClientCerts::kRequired;
    }
  }
  if (const Field* f = map.Find("client_ca")) {
    if (auto path = ReadExistingFile(*f)) tls.client_ca = std::move(*path);
  }
  if (tls.client_certs != ListenerTlsConfig::ClientCerts::kOff && tls.client_ca.empty() &&
      map.Find("client_ca") == nullptr) {
    field.FailChild("client_ca", "client_certificates needs client_ca (the CAs to verify against)");
  }
  if (const Field* f = map.Find("client_subject_header")) {
    if (auto name = f->AsString()) {
      if (!IsHttpToken(*name)) {
        f->Fail("expected a header name");
      } else {
        tls.client_subject_header = std::move(*name);
      }
    }
  }
  return tls;
}

void ReadAcme(const Field& field, AcmeConfig* out) {
  const MapReader map =
      SchemaMap(field, {"directory", "email", "storage", "ca_file", "challenges", "renew_before",
                        "check_interval", "retry_min", "retry_max"});
  if (!map.is_map()) return;
  out->mark = MarkOf(field);
  if (const Field* f = map.Require("directory")) {
    if (auto url = f->AsString()) {
      if (url->rfind("https://", 0) != 0) {
        f->Fail("expected an https:// URL (RFC 8555 requires HTTPS)");
      } else {
        out->directory = std::move(*url);
      }
    }
  }
  map.ReadString("email", &out->email);
  if (const Field* f = map.Require("storage")) {
    if (auto path = f->AsString()) {
      if (path->empty()) {
        f->Fail("must not be empty");
      } else {
        out->storage = ResolvePath(*f, *path);
      }
    }
  }
  if (const Field* f = map.Find("ca_file")) {
    if (auto path = ReadExistingFile(*f)) out->ca_file = std::move(*path);
  }
  if (const Field* f = map.Find("challenges")) {
    if (auto items = f->AsList()) {
      out->challenges.clear();
      for (const Field& item : *items) {
        if (auto type = ReadEnum(item, {"http-01", "tls-alpn-01"})) {
          out->challenges.push_back(*type);
        }
      }
      if (out->challenges.empty()) f->Fail("at least one challenge type is required");
    }
  }
  map.ReadDurationMs("renew_before", &out->renew_before_ms);
  map.ReadDurationMs("check_interval", &out->check_interval_ms, 1000);
  map.ReadDurationMs("retry_min", &out->retry_min_ms, 1000);
  map.ReadDurationMs("retry_max", &out->retry_max_ms, 1000);
  if (out->retry_max_ms < out->retry_min_ms) {
    field.FailChild("retry_max", "must be at least retry_min");
  }
}

std::optional<PoolConfig::Tls> ReadPoolTls(const Field& field) {
  if (auto on = field.IsScalar() ? field.AsBool() : std::nullopt) {
    if (!*on) return std::nullopt;
    PoolConfig::Tls tls;
    tls.mark = MarkOf(field);
    return tls;
  }
  const MapReader map = SchemaMap(field, {"ca", "verify", "server_name", "cert", "key"});
  if (!map.is_map()) return std::nullopt;
  PoolConfig::Tls tls;
  tls.mark = MarkOf(field);
  if (const Field* f = map.Find("ca")) {
    if (auto path = ReadExistingFile(*f)) tls.ca = std::move(*path);
  }
  map.ReadBool("verify", &tls.verify);
  map.ReadString("server_name", &tls.server_name);
  if (const Field* f = map.Find("cert")) {
    if (auto path = ReadExistingFile(*f)) tls.cert = std::move(*path);
  }
  if (const Field* f = map.Find("key")) {
    if (auto path = ReadExistingFile(*f)) tls.key = std::move(*path);
  }
  if (map.Has("cert") != map.Has("key")) {
    field.Fail("cert and key go together (the client certificate and its key)");
  }
  return tls;
}

void ReadHttpsRedirect(const Field& field, RouteConfig* route) {
  if (field.IsScalar()) {
    if (auto on = field.AsBool()) route->https_redirect = *on ? 308 : 0;
    return;
  }
  const MapReader map = SchemaMap(field, {"status", "port"});
  if (!map.is_map()) return;
  route->https_redirect = 308;
  if (const Field* f = map.Find("status")) {
    if (auto status = f->AsInteger(301, 308)) {
      if (*status != 301 && *status != 302 && *status != 307 && *status != 308) {
        f->Fail("expected 301, 302, 307 or 308");
      } else {
        route->https_redirect = static_cast<int>(*status);
      }
    }
  }
  map.ReadInteger("port", &route->https_port, 1, 65535);
}

std::optional<RouteConfig::Hsts> ReadHsts(const Field& field) {
  if (field.IsScalar()) {
    auto on = field.AsBool();
    if (!on || !*on) return std::nullopt;
    return RouteConfig::Hsts{};
  }
  const MapReader map = SchemaMap(field, {"max_age", "include_subdomains", "preload"});
  if (!map.is_map()) return std::nullopt;
  RouteConfig::Hsts hsts;
  uint64_t max_age_ms = hsts.max_age_s * 1000;
  map.ReadDurationMs("max_age", &max_age_ms);
  hsts.max_age_s = max_age_ms / 1000;
  map.ReadBool("include_subdomains", &hsts.include_subdomains);
  map.ReadBool("preload", &hsts.preload);
  // The preload list's requirements (hstspreload.org): a year, and all subdomains.
  if (hsts.preload && (hsts.max_age_s < 31'536'000 || !hsts.include_subdomains)) {
    field.FailChild("preload", "needs max_age of at least 1 year and include_subdomains: true");
  }
  return hsts;
}

}  // namespace rampart::config
