#pragma once
// Shared pieces of the configuration schema (internal to src/config): the keys a later
// version understands, typed helpers used by every section reader, and the section readers
// that live in their own files.

#include <array>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace rampart::config {

// Sections of later rampart versions: reported as "not supported in this version" wherever
// they appear, so an operator with a newer config learns why it is refused.
inline constexpr std::array<std::string_view, 0> kLaterVersionKeys{};

// A map of this schema: `keys` are accepted, kLaterVersionKeys are "not supported in this
// version", anything else is an "unknown key".
inline MapReader SchemaMap(const Field& field, std::initializer_list<std::string_view> keys) {
  return MapReader(field, keys, kLaterVersionKeys);
}

inline SourceMark MarkOf(const Field& field) { return SourceMark{field.file(), field.line()}; }

// A string that must be one of `allowed`: "expected one of: a, b, c" otherwise.
std::optional<std::string> ReadEnum(const Field& field,
                                    std::initializer_list<std::string_view> allowed);

// A "host:port" address (see CheckHostPort); records its error otherwise.
std::optional<std::string> ReadAddress(const Field& field, bool allow_port_zero = false);

// A path written in the configuration: starts with '/', no spaces or control bytes.
std::optional<std::string> ReadPath(const Field& field);

// A hash key (see ParseHashKey): client_ip, path, header:<Name> or cookie:<name>.
std::optional<HashKeyConfig> ReadHashKey(const Field& field);

// A pool name that must be a key of `pools`: "unknown pool 'X'" otherwise.
std::optional<std::string> ReadPoolRef(const Field& field,
                                       const std::map<std::string, PoolConfig>& pools);

// A pool's `health` map (active checks) and `outlier` map (passive ejection).
std::optional<HealthCheckConfig> ReadHealth(const Field& field);
void ReadOutlier(const Field& field, OutlierConfig* out);

// A route's `split` map; target pools are resolved against `pools`.
std::optional<SplitConfig> ReadSplit(const Field& field,
                                     const std::map<std::string, PoolConfig>& pools);

// Reads `pools` (a map of name -> pool) into `out`. A pool with errors is still added, so that
// routes naming it are not also reported as naming an unknown pool.
void ReadPools(const Field& pools, std::map<std::string, PoolConfig>* out);

// Reads `routes` (a non-empty list) into `out`, resolving pool names against `pools`.
void ReadRoutes(const Field& routes, const std::map<std::string, PoolConfig>& pools,
                std::vector<RouteConfig>* out);

// A non-empty list of upper-case HTTP methods ("expected an upper-case method such as GET").
void ReadMethods(const Field& field, std::vector<std::string>* methods);

// A route's `waf` policy; nullopt when the map itself is unusable.
std::optional<WafConfig> ReadWaf(const Field& field);
// The top-level `waf` section.
void ReadWafGlobal(const Field& field, WafGlobalConfig* out);

// A path written in the config, relative to the config file's directory.
std::string ResolvePath(const Field& field, const std::string& path);
// A file that must exist and be a regular file when the config is loaded (its contents are
// read when the runtime is built, with their own file:line errors); resolved like ResolvePath.
std::optional<std::string> ReadExistingFile(const Field& field);
// A list of IP addresses or CIDRs; a bad one is "expected an IP address or CIDR such as
// <example>".
void ReadCidrList(const Field& field, std::vector<std::string>* out, std::string_view example);
// A directory that must exist when the config is loaded ("not a directory: PATH").
std::optional<std::string> ReadDirectoryPath(const Field& field);

// A route's `signatures` map, and the top-level `signatures` section.
std::optional<RouteSignaturesConfig> ReadRouteSignatures(const Field& field);
void ReadSignaturesGlobal(const Field& field, SignaturesGlobalConfig* out);

// Access control (access_schema.cc): the top-level `ip_reputation`, `geoip` and `state`
// sections, and a route's `bans`, `geo` and `rate_limit` (one map or a list of them).
void ReadIpReputation(const Field& field, IpReputationConfig* out);
void ReadGeoIp(const Field& field, GeoIpConfig* out);
void ReadState(const Field& field, StateConfig* out);
std::optional<BanPolicyConfig> ReadBanPolicy(const Field& field);
std::optional<RouteGeoConfig> ReadRouteGeo(const Field& field);
void ReadRouteRateLimits(const Field& field, std::vector<RateLimitConfig>* out);

// A route's `auth` (auth_schema.cc); nullopt when the map itself is unusable.
std::optional<AuthConfig> ReadAuth(const Field& field);

// The top-level `bot` section and a route's `bot` (bot_schema.cc).
void ReadBotGlobal(const Field& field, BotGlobalConfig* out);

// TLS (tls_schema.cc): a listener's `tls`, the top-level `acme`, a pool's `tls`, a route's
// `https_redirect` and `hsts`.
std::optional<ListenerTlsConfig> ReadListenerTls(const Field& field);
void ReadAcme(const Field& field, AcmeConfig* out);
std::optional<PoolConfig::Tls> ReadPoolTls(const Field& field);
void ReadHttpsRedirect(const Field& field, RouteConfig* route);
std::optional<RouteConfig::Hsts> ReadHsts(const Field& field);
std::optional<RouteBotConfig> ReadRouteBot(const Field& field);

// Caching, compression and static files (cache_schema.cc): a route's `cache`, `compression`
// and `static`, and the top-level `cache`.
std::optional<RouteCacheConfig> ReadRouteCache(const Field& field);
std::optional<CompressionConfig> ReadCompression(const Field& field);
std::optional<StaticConfig> ReadStatic(const Field& field);
void ReadCacheGlobal(const Field& field, CacheGlobalConfig* out);

}  // namespace rampart::config
