#include "proxy/access_log.h"

#include <chrono>
#include <ctime>

#include "core/strings.h"
#include "pipeline/exchange.h"
#include "proxy/credential_mask.h"

namespace rampart::proxy {

namespace {

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out += '"';
  out.append(name);
  out += "\":\"";
  core::AppendJsonEscaped(out, value);
  out += "\",";
}

void AppendNumber(std::string& out, std::string_view name, uint64_t value) {
  out += '"';
  out.append(name);
  out += "\":";
  out += std::to_string(value);
  out += ',';
}

std::string CombinedTime(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

// Combined-format fields are quoted; escape quotes, backslashes and control bytes.
void AppendQuoted(std::string& out, std::string_view value) {
  out += '"';
  core::AppendJsonEscaped(out, value);
  out += '"';
}

// The user field of the combined format is unquoted: a name with spaces, quotes or control bytes
// would break the line's fields, so those bytes become '_'.
std::string CombinedUser(std::string_view user) {
  std::string out(user);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '\\') c = '_';
  }
  return out;
}

}  // namespace

std::string IsoTime(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  // Formatting the date is the costly part and changes once a second: cache it per thread.
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[32];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_secs = secs;
  }
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", cached, static_cast<int>(ms.count() % 1000));
  return out;
}

core::Result<std::shared_ptr<AccessLog>> AccessLog::Open(const std::string& path, Format format) {
  auto file = LogFile::Open(path, "access log");
  if (!file.ok()) return file.error();
  std::shared_ptr<AccessLog> log(new AccessLog());
  log->format_ = format;
  log->file_ = std::move(file).value();
  return log;
}

void AccessLog::Flush() { file_->Flush(); }

std::string AccessLog::FormatLine(const pipeline::Exchange& ex) const {
  const auto& req = ex.request();
  const std::string* ua = req.headers.Get("User-Agent");
  const std::string* referer = req.headers.Get("Referer");
  const auto duration = std::chrono::steady_clock::now() - ex.start();
  const auto duration_us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  const std::string target = MaskedTarget(ex.original_target, ex.credential_fields().get());
  std::string line;
  line.reserve(512);
  if (format_ == Format::kCombined) {
    line += ex.client().ip;
    line += " - ";
    line += ex.user().empty() ? "-" : CombinedUser(ex.user());
    line += " [";
    line += CombinedTime(ex.start_wall());
    line += "] ";
    std::string request_line = req.method + " " + target + " ";
    request_line += http::VersionName(req.version);
    AppendQuoted(line, request_line);
    line += ' ';
    line += std::to_string(ex.status);
    line += ' ';
    line += std::to_string(ex.bytes_sent);
    line += ' ';
    AppendQuoted(line, referer ? *referer : "-");
    line += ' ';
    AppendQuoted(line, ua ? *ua : "-");
    line += ' ';
    AppendQuoted(line, ex.request_id());
    return line;
  }
  line += '{';
  AppendField(line, "time", IsoTime(ex.start_wall()));
  AppendField(line, "request_id", ex.request_id());
  AppendField(line, "client_ip", ex.client().ip);
  // Set by the geoip stage when databases are configured and know the address; null otherwise.
  if (ex.geo().country.empty()) {
    line += "\"country\":null,";
  } else {
    AppendField(line, "country", ex.geo().country);
  }
  if (ex.geo().asn == 0) {
    line += "\"asn\":null,";
  } else {
    AppendNumber(line, "asn", ex.geo().asn);
  }
  AppendField(line, "method", req.method);
  AppendField(line, "host", req.host);
  AppendField(line, "uri", target);
  AppendField(line, "protocol", http::VersionName(req.version));
  AppendField(line, "route", ex.route_name());
  AppendField(line, "user", ex.user());
  AppendNumber(line, "status", static_cast<uint64_t>(ex.status));
  AppendNumber(line, "bytes_received", ex.bytes_received);
  AppendNumber(line, "bytes_sent", ex.bytes_sent);
  AppendNumber(line, "duration_us", static_cast<uint64_t>(duration_us));
  AppendField(line, "upstream", ex.upstream_address);
  AppendNumber(line, "upstream_status", static_cast<uint64_t>(ex.upstream_status));
  AppendField(line, "cache", ex.cache_status);
  AppendField(line, "user_agent", ua ? *ua : "");
  line += "\"referer\":\"";
  core::AppendJsonEscaped(line, referer ? *referer : "");
  line += "\",";
  // The TLS handshake's facts; empty on cleartext.
  const pipeline::TlsInfo no_tls;
  const pipeline::TlsInfo& tls = ex.tls() != nullptr ? *ex.tls() : no_tls;
  AppendField(line, "tls_version", tls.version);
  AppendField(line, "tls_cipher", tls.cipher);
  AppendField(line, "sni", tls.server_name);
  AppendField(line, "ja3", tls.ja3_hash);
  AppendField(line, "ja4", tls.ja4);
  line += "\"client_cert_subject\":\"";
  core::AppendJsonEscaped(line, tls.client_subject);
  line += "\"}";
  return line;
}

void AccessLog::Write(const pipeline::Exchange& ex) { file_->Write(FormatLine(ex)); }

void AccessLog::WriteBatch(std::string_view lines) { file_->Write(lines); }

}  // namespace rampart::proxy
