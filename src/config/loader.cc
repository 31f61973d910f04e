// Entry points of the configuration loader and the top-level schema: the root keys, listeners,
// admin, trusted proxies, limits, timeouts and logging. Pools and routes have their own files.

#include "config/loader.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>

#include "config/diagnostics.h"
#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

namespace {

void ReadWorkers(const Field& field, uint32_t* workers) {
  const std::optional<std::string> text = field.PlainScalar();
  if (text == "auto") {
    *workers = 0;
    return;
  }
  const bool numeric = text && !text->empty() &&
                       ((*text)[0] == '-' || std::isdigit(static_cast<unsigned char>((*text)[0])));
  if (!numeric) {
    field.Fail("expected auto or a positive integer");
    return;
  }
  if (auto n = field.AsInteger(1, 1024)) *workers = static_cast<uint32_t>(*n);
}

// Port 0 asks the kernel for a free port: two such addresses never collide.
bool EndsWithPortZero(const std::string& address) {
  return address.size() > 2 && address.compare(address.size() - 2, 2, ":0") == 0;
}

void ReadListen(const MapReader& top, std::vector<ListenerConfig>* out) {
  const Field* field = top.Find("listen");
  if (field == nullptr) {
    top.field().FailChild("listen", "at least one listener is required");
    return;
  }
  auto items = field->AsList();
  if (!items) return;
  if (items->empty()) {
    field->Fail("at least one listener is required");
    return;
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const Field& item = (*items)[i];
    const MapReader map = SchemaMap(item, {"address", "proxy_protocol", "http2", "tls"});
    if (!map.is_map()) continue;
    const Field* address_field = map.Require("address");
    if (address_field == nullptr) continue;
    std::optional<std::string> address = ReadAddress(*address_field, /*allow_port_zero=*/true);
    if (!address) continue;
    for (size_t j = 0; j < out->size() && !EndsWithPortZero(*address); ++j) {
      if ((*out)[j].address == *address) {
        address_field->Fail("already used by listen[" + std::to_string(j) + "]");
        break;
      }
    }
    ListenerConfig listener;
    listener.address = std::move(*address);
    listener.mark = MarkOf(item);
    map.ReadBool("proxy_protocol", &listener.proxy_protocol);
    map.ReadBool("http2", &listener.http2);
    if (const Field* f = map.Find("tls")) {
      listener.tls = ReadListenerTls(*f);
      if (listener.proxy_protocol) {
        f->Fail("cannot be combined with proxy_protocol in this version");
      }
    }
    out->push_back(std::move(listener));
  }
}

// The bearer token file of the admin API. Only its name is checked here; the file itself is
// read when the runtime is built (server/runtime_builder.cc).
void ReadTokenFile(const Field& field, AdminConfig* admin) {
  std::optional<std::string> path = field.AsString();
  if (!path) return;
  if (path->empty()) {
    field.Fail("must not be empty");
  } else if (HasLineBreakOrNul(*path)) {
    field.Fail("must not contain CR, LF or NUL");
  } else {
    admin->token_file = std::move(*path);
  }
}

void ReadAdmin(const Field& field, const std::vector<ListenerConfig>& listeners,
               AdminConfig* admin) {
  const MapReader map = SchemaMap(field, {"address", "token_file"});
  if (const Field* f = map.Find("token_file")) ReadTokenFile(*f, admin);
  const Field* f = map.Find("address");
  if (f == nullptr) return;
  std::optional<std::string> text = f->AsString();
  if (!text || text->empty()) return;  // "": no admin listener
  std::optional<std::string> address = ReadAddress(*f, /*allow_port_zero=*/true);
  if (!address) return;
  for (size_t i = 0; i < listeners.size() && !EndsWithPortZero(*address); ++i) {
    if (listeners[i].address == *address) {
      f->Fail("already used by listen[" + std::to_string(i) + "]");
      return;
    }
  }
  admin->address = std::move(*address);
}

void ReadLimits(const Field& field, LimitsConfig* limits) {
  const MapReader map = SchemaMap(
      field, {"max_connections", "max_connections_per_ip", "max_request_line", "max_header_bytes",
              "max_header_count", "max_body_size", "max_requests_per_connection"});
  map.ReadInteger("max_connections", &limits->max_connections, 1, UINT32_MAX);
  map.ReadInteger("max_connections_per_ip", &limits->max_connections_per_ip, 1, UINT32_MAX);
  map.ReadSize("max_request_line", &limits->max_request_line, 1);
  map.ReadSize("max_header_bytes", &limits->max_header_bytes, 1);
  map.ReadInteger("max_header_count", &limits->max_header_count, 1, UINT32_MAX);
  map.ReadSize("max_body_size", &limits->max_body_size);
  map.ReadInteger("max_requests_per_connection", &limits->max_requests_per_connection, 1,
                  UINT32_MAX);
}

void ReadTimeouts(const Field& field, TimeoutsConfig* timeouts) {
  const MapReader map =
      SchemaMap(field, {"client_header", "client_body", "keepalive", "send", "drain"});
  map.ReadDurationMs("client_header", &timeouts->client_header_ms, 1);
  map.ReadDurationMs("client_body", &timeouts->client_body_ms, 1);
  map.ReadDurationMs("keepalive", &timeouts->keepalive_ms);  // 0: no keep-alive
  map.ReadDurationMs("send", &timeouts->send_ms, 1);
  map.ReadDurationMs("drain", &timeouts->drain_ms);  // 0: stop at once
}

// A log destination: a path as written (relative paths stay relative), "-" for stdout; a
// null or empty value turns that log off.
void ReadLogPath(const MapReader& map, std::string_view key, std::string* out) {
  const Field* f = map.Find(key);
  if (f == nullptr) return;
  if (f->IsNull()) {
    out->clear();
    return;
  }
  std::optional<std::string> path = f->AsString();
  if (!path) return;
  if (HasLineBreakOrNul(*path)) {
    f->Fail("must not contain CR, LF or NUL");
    return;
  }
  *out = std::move(*path);
}

void ReadLogging(const Field& field, LoggingConfig* logging) {
  const MapReader map =
      SchemaMap(field, {"access_log", "access_log_format", "attack_log", "level", "error_log"});
  ReadLogPath(map, "access_log", &logging->access_log);
  if (const Field* f = map.Find("access_log_format")) {
    if (auto format = ReadEnum(*f, {"json", "combined"})) logging->access_log_format = *format;
  }
  ReadLogPath(map, "attack_log", &logging->attack_log);
  if (const Field* f = map.Find("level")) {
    if (auto level = ReadEnum(*f, {"trace", "debug", "info", "warn", "error", "critical", "off"})) {
      logging->level = *level;
    }
  }
  ReadLogPath(map, "error_log", &logging->error_log);
}

Config ReadConfig(const Field& root) {
  Config config;
  config.source_file = root.file();
  const MapReader top =
      SchemaMap(root, {"workers", "listen", "admin", "trusted_proxies", "pools", "routes", "limits",
                       "timeouts", "logging", "waf", "signatures", "ip_reputation", "geoip",
                       "state", "bot", "acme", "cache", "watch_interval"});
  if (!top.is_map()) return config;
  if (const Field* f = top.Find("workers")) ReadWorkers(*f, &config.workers);
  ReadListen(top, &config.listen);
  if (const Field* f = top.Find("admin")) ReadAdmin(*f, config.listen, &config.admin);
  if (const Field* f = top.Find("trusted_proxies")) {
    ReadCidrList(*f, &config.trusted_proxies, "10.0.0.0/8");
  }
  // Pools before routes whatever the file order: routes name pools.
  if (const Field* f = top.Find("pools")) ReadPools(*f, &config.pools);
  if (const Field* f = top.Find("routes")) {
    ReadRoutes(*f, config.pools, &config.routes);
  } else {
    root.FailChild("routes", "at least one route is required");
  }
  if (const Field* f = top.Find("limits")) ReadLimits(*f, &config.limits);
  if (const Field* f = top.Find("timeouts")) ReadTimeouts(*f, &config.timeouts);
  if (const Field* f = top.Find("logging")) ReadLogging(*f, &config.logging);
  if (const Field* f = top.Find("waf")) ReadWafGlobal(*f, &config.waf);
  if (const Field* f = top.Find("signatures")) ReadSignaturesGlobal(*f, &config.signatures);
  if (const Field* f = top.Find("ip_reputation")) ReadIpReputation(*f, &config.ip_reputation);
  if (const Field* f = top.Find("geoip")) ReadGeoIp(*f, &config.geoip);
  if (const Field* f = top.Find("state")) ReadState(*f, &config.state);
  if (const Field* f = top.Find("bot")) ReadBotGlobal(*f, &config.bot);
  if (const Field* f = top.Find("cache")) ReadCacheGlobal(*f, &config.cache);
  if (const Field* f = top.Find("acme")) {
    config.acme.emplace();
    ReadAcme(*f, &*config.acme);
  }
  for (size_t i = 0; i < config.listen.size(); ++i) {
    const ListenerConfig& l = config.listen[i];
    if (l.tls && !l.tls->acme.empty() && !config.acme) {
      root.FailChild("acme", "listen[" + std::to_string(i) +
                                 "].tls.acme names certificates to obtain: the acme section "
                                 "(directory, storage) is required");
    }
  }
  top.ReadDurationMs("watch_interval", &config.watch_interval_ms);
  return config;
}

LoadResult Finish(Config config, const Diagnostics& diag) {
  if (diag.empty()) return config;
  return LoadErrors{diag.SortedMessages()};
}

}  // namespace

std::optional<std::string> ReadEnum(const Field& field,
                                    std::initializer_list<std::string_view> allowed) {
  std::optional<std::string> value = field.AsString();
  if (!value) return std::nullopt;
  for (std::string_view a : allowed) {
    if (*value == a) return value;
  }
  std::string reason = "expected one of: ";
  bool first = true;
  for (std::string_view a : allowed) {
    if (!first) reason.append(", ");
    reason.append(a);
    first = false;
  }
  field.Fail(reason);
  return std::nullopt;
}

std::optional<std::string> ReadAddress(const Field& field, bool allow_port_zero) {
  std::optional<std::string> address = field.AsString();
  if (!address) return std::nullopt;
  core::Status status = CheckHostPort(*address, allow_port_zero);
  if (!status.ok()) {
    field.Fail(status.error().message);
    return std::nullopt;
  }
  return address;
}

std::optional<HashKeyConfig> ReadHashKey(const Field& field) {
  std::optional<std::string> text = field.AsString();
  if (!text) return std::nullopt;
  core::Result<HashKeyConfig> key = ParseHashKey(*text);
  if (!key.ok()) {
    field.Fail(key.error().message);
    return std::nullopt;
  }
  return std::move(key).value();
}

LoadResult LoadString(const std::string& yaml, const std::string& name) {
  Diagnostics diag(name);
  std::optional<Field> root = ParseDocument(yaml, &diag);
  if (!root) return LoadErrors{diag.SortedMessages()};
  try {
    Config config = ReadConfig(*root);
    return Finish(std::move(config), diag);
  } catch (const std::exception& e) {
    // yaml-cpp throws on misuse of a node; none is expected, but a loader error must never
    // escape as an exception.
    diag.Add(0, "(internal)", e.what());
    return LoadErrors{diag.SortedMessages()};
  }
}

LoadResult LoadFile(const std::string& path) {
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  std::string text;
  int error = file ? 0 : errno;
  if (file) {
    char buffer[16 * 1024];
    size_t n = 0;
    errno = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) text.append(buffer, n);
    if (std::ferror(file.get())) error = errno != 0 ? errno : EIO;
  }
  if (error != 0) {
    Diagnostics diag(path);
    diag.Add(0, "(file)", std::string("cannot read: ") + std::strerror(error));
    return LoadErrors{diag.SortedMessages()};
  }
  return LoadString(text, path);
}

}  // namespace rampart::config
