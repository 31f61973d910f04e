// Caching, compression and static files in the configuration (cache_schema.cc): a route's
// `cache`, `compression` and `static`, the top-level `cache`, every key, the defaults, the
// errors; and the destination rule of routes_schema.cc, which counts `static` as a destination.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "config/loader.h"
#include "config_test_support.h"

namespace rampart::config {
namespace {

using namespace test_util;  // config_test_support.h
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kRule[] = "a route needs exactly one of pool, split, redirect or static";

// A temporary directory, removed with everything in it with the object.
class ScratchDir {
 public:
  ScratchDir() {
    char name[] = "/tmp/rampart-cache-config-test-XXXXXX";
    const char* made = mkdtemp(name);
    EXPECT_NE(made, nullptr);
    path_ = name;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  // The path as a double-quoted YAML scalar.
  std::string q() const { return "\"" + path_ + "\""; }

 private:
  std::string path_;
};

// kOneRouteHead (its route goes to pool "app") plus `tail`: route keys indented by 4, or
// top-level sections, from line 6 on.
std::string Route(const std::string& tail) { return kOneRouteHead + tail; }

// A route with no destination of its own (line 4, named at line 5); `tail` adds keys indented
// by 4 (its `static`, say) or top-level sections from line 6 on, as with Route.
std::string NoPoolRoute(const std::string& tail) {
  return "listen: [{address: 127.0.0.1:8080}]\n"                   // 1
         "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"  // 2
         "routes:\n"                                               // 3
         "  - match: {path_prefix: /}\n"                           // 4
         "    name: files\n" +                                     // 5
         tail;
}

// A static-only route whose `static` map (line 6) is `body` ("{root: ...}" or a block).
std::string StaticRoute(const std::string& body) {
  return NoPoolRoute("    static: " + body + "\n");
}

// ---- A route's `cache` ----

TEST(CacheConfigTest, RouteWithoutTheSectionsHasNone) {
  const Config c = Load(Route(""));
  const RouteConfig& route = c.routes.at(0);
  EXPECT_FALSE(route.cache.has_value());
  EXPECT_FALSE(route.compression.has_value());
  EXPECT_FALSE(route.static_files.has_value());
  EXPECT_EQ(route.pool, "app");
}

TEST(CacheConfigTest, NullCacheHasTheDefaults) {
  for (const char* value : {"", " {}"}) {
    const Config c = Load(Route(std::string("    cache:") + value + "\n"));
    const RouteConfig& route = c.routes.at(0);
    ASSERT_TRUE(route.cache.has_value()) << value;
    const RouteCacheConfig& cache = *route.cache;
    EXPECT_FALSE(cache.ttl_s.has_value());
    EXPECT_EQ(cache.max_object_size, 8u * 1024 * 1024);
    EXPECT_FALSE(cache.allow_authorization);
    EXPECT_FALSE(cache.allow_set_cookie);
    EXPECT_EQ(cache.lock_timeout_ms, 5'000u);
    EXPECT_FALSE(cache.cache_status);
    EXPECT_EQ(cache.mark.file, "t.yaml");
    EXPECT_EQ(cache.mark.line, 6);
  }
}

TEST(CacheConfigTest, EveryRouteCacheKey) {
  const Config c =
      Load(Route("    cache:\n"                       // 6
                 "      ttl: 30s\n"                   // 7
                 "      max_object_size: 1MiB\n"      // 8
                 "      allow_authorization: true\n"  // 9
                 "      allow_set_cookie: true\n"     // 10
                 "      lock_timeout: 2s\n"           // 11
                 "      cache_status: true\n"));      // 12
  const RouteConfig& route = c.routes.at(0);
  ASSERT_TRUE(route.cache.has_value());
  const RouteCacheConfig& cache = *route.cache;
  EXPECT_EQ(cache.ttl_s, 30u);
  EXPECT_EQ(cache.max_object_size, 1024u * 1024);
  EXPECT_TRUE(cache.allow_authorization);
  EXPECT_TRUE(cache.allow_set_cookie);
  EXPECT_EQ(cache.lock_timeout_ms, 2'000u);
  EXPECT_TRUE(cache.cache_status);
  EXPECT_EQ(cache.mark.line, 6);
  EXPECT_EQ(route.pool, "app");  // a cache sits in front of the route's pool
}

TEST(CacheConfigTest, TtlIsInWholeSeconds) {
  auto ttl = [](const std::string& text) {
    return Load(Route("    cache: {ttl: " + text + "}\n")).routes.at(0).cache.value().ttl_s;
  };
  EXPECT_EQ(ttl("5m"), 300u);
  EXPECT_EQ(ttl("1h"), 3'600u);
  EXPECT_EQ(ttl("0s"), 0u);
  EXPECT_EQ(ttl("1500ms"), 1u);  // rounded down
}

TEST(CacheConfigTest, RouteCacheValueErrors) {
  EXPECT_THAT(Errors(Route("    cache: {ttl: 30}\n")),
              ElementsAre("t.yaml:6: routes[0].cache.ttl: expected a duration such as 500ms, 5s, "
                          "10m"));
  EXPECT_THAT(Errors(Route("    cache: {max_object_size: 0}\n")),
              ElementsAre("t.yaml:6: routes[0].cache.max_object_size: must be at least 1 bytes"));
  EXPECT_THAT(Errors(Route("    cache: {max_object_size: lots}\n")),
              ElementsAre("t.yaml:6: routes[0].cache.max_object_size: expected a size such as "
                          "512, 64KiB, 1MiB"));
  EXPECT_THAT(Errors(Route("    cache: {lock_timeout: 0s}\n")),
              ElementsAre("t.yaml:6: routes[0].cache.lock_timeout: must be at least 1ms"));
  EXPECT_THAT(Errors(Route("    cache: {allow_authorization: yes, allow_set_cookie: \"true\", "
                           "cache_status: 1}\n")),
              ElementsAre("t.yaml:6: routes[0].cache.allow_authorization: expected true or false",
                          "t.yaml:6: routes[0].cache.allow_set_cookie: expected true or false",
                          "t.yaml:6: routes[0].cache.cache_status: expected true or false"));
  EXPECT_THAT(Errors(Route("    cache: 30s\n")),
              ElementsAre("t.yaml:6: routes[0].cache: expected a map"));
}

TEST(CacheConfigTest, UnknownKeyInRouteCache) {
  EXPECT_THAT(Errors(Route("    cache:\n      ttl: 30s\n      tll: 1m\n")),
              ElementsAre("t.yaml:8: routes[0].cache.tll: unknown key"));
}

// ---- A route's `compression` ----

TEST(CacheConfigTest, NullCompressionHasTheDefaults) {
  for (const char* value : {"", " {}"}) {
    const Config c = Load(Route(std::string("    compression:") + value + "\n"));
    ASSERT_TRUE(c.routes.at(0).compression.has_value()) << value;
    const CompressionConfig& z = *c.routes[0].compression;
    EXPECT_THAT(z.algorithms, ElementsAre("br", "zstd", "gzip"));
    EXPECT_EQ(z.gzip_level, 6);
    EXPECT_EQ(z.brotli_level, 5);
    EXPECT_EQ(z.zstd_level, 3);
    EXPECT_EQ(z.min_size, 256u);
    EXPECT_THAT(z.types, IsEmpty());  // the built-in list
  }
}

TEST(CacheConfigTest, EveryCompressionKey) {
  const Config c =
      Load(Route("    compression:\n"                                // 6
                 "      algorithms: [gzip, br]\n"                    // 7
                 "      levels: {gzip: 9, br: 11, zstd: 19}\n"       // 8
                 "      min_size: 1KiB\n"                            // 9
                 "      types: [Text/HTML, \"Application/*\"]\n"));  // 10
  ASSERT_TRUE(c.routes.at(0).compression.has_value());
  const CompressionConfig& z = *c.routes[0].compression;
  EXPECT_THAT(z.algorithms, ElementsAre("gzip", "br"));  // the order of preference is kept
  EXPECT_EQ(z.gzip_level, 9);
  EXPECT_EQ(z.brotli_level, 11);
  EXPECT_EQ(z.zstd_level, 19);
  EXPECT_EQ(z.min_size, 1024u);
  EXPECT_THAT(z.types, ElementsAre("text/html", "application/*"));  // lower-cased
}

TEST(CacheConfigTest, BrotliIsAnotherNameForBr) {
  const Config c = Load(Route("    compression: {algorithms: [zstd, brotli]}\n"));
  EXPECT_THAT(c.routes.at(0).compression.value().algorithms, ElementsAre("zstd", "br"));
}

TEST(CacheConfigTest, LowestLevelsAndPartialLevels) {
  const Config low = Load(Route("    compression: {levels: {gzip: 1, br: 1, zstd: 1}}\n"));
  const CompressionConfig& z = low.routes.at(0).compression.value();
  EXPECT_EQ(z.gzip_level, 1);
  EXPECT_EQ(z.brotli_level, 1);
  EXPECT_EQ(z.zstd_level, 1);
  // A level not given keeps its default.
  const Config some = Load(Route("    compression: {levels: {br: 9}}\n"));
  const CompressionConfig& s = some.routes.at(0).compression.value();
  EXPECT_EQ(s.gzip_level, 6);
  EXPECT_EQ(s.brotli_level, 9);
  EXPECT_EQ(s.zstd_level, 3);
  EXPECT_EQ(Load(Route("    compression: {min_size: 0}\n")).routes.at(0).compression->min_size, 0u);
}

TEST(CacheConfigTest, UnknownAlgorithm) {
  EXPECT_THAT(Errors(Route("    compression: {algorithms: [gzip, deflate, BR]}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.algorithms[1]: expected one of: br, "
                          "zstd, gzip",
                          "t.yaml:6: routes[0].compression.algorithms[2]: expected one of: br, "
                          "zstd, gzip"));
}

TEST(CacheConfigTest, AlgorithmListedTwice) {
  EXPECT_THAT(Errors(Route("    compression: {algorithms: [gzip, gzip]}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.algorithms[1]: listed twice"));
  // "brotli" is br, so naming both is naming br twice.
  EXPECT_THAT(Errors(Route("    compression: {algorithms: [br, zstd, brotli]}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.algorithms[2]: listed twice"));
}

TEST(CacheConfigTest, AlgorithmsMustNotBeEmpty) {
  EXPECT_THAT(Errors(Route("    compression: {algorithms: []}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.algorithms: expected at least one of "
                          "br, zstd, gzip"));
  EXPECT_THAT(Errors(Route("    compression: {algorithms: gzip}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.algorithms: expected a list"));
}

TEST(CacheConfigTest, LevelsOutOfRange) {
  EXPECT_THAT(Errors(Route("    compression:\n"    // 6
                           "      levels:\n"       // 7
                           "        gzip: 0\n"     // 8
                           "        br: 12\n"      // 9
                           "        zstd: 0\n")),  // 10
              ElementsAre("t.yaml:8: routes[0].compression.levels.gzip: must be between 1 and 9",
                          "t.yaml:9: routes[0].compression.levels.br: must be between 1 and 11",
                          "t.yaml:10: routes[0].compression.levels.zstd: must be between 1 and "
                          "19"));
  EXPECT_THAT(Errors(Route("    compression: {levels: {gzip: 10, br: -1, zstd: 20}}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.levels.gzip: must be between 1 and 9",
                          "t.yaml:6: routes[0].compression.levels.br: must be between 1 and 11",
                          "t.yaml:6: routes[0].compression.levels.zstd: must be between 1 and "
                          "19"));
  EXPECT_THAT(Errors(Route("    compression: {levels: {gzip: best, br: \"5\"}}\n")),
              ElementsAre("t.yaml:6: routes[0].compression.levels.gzip: expected an integer",
                          "t.yaml:6: routes[0].compression.levels.br: expected an integer"));
}

TEST(CacheConfigTest, BadMediaTypes) {
  EXPECT_THAT(
      Errors(Route("    compression:\n"  // 6
                   "      types: [text/html, text, \"text/html; charset=utf-8\", /html, text/, "
                   "\"te xt/html\"]\n")),  // 7
      ElementsAre("t.yaml:7: routes[0].compression.types[1]: expected a media type such as "
                  "text/html or text/*",
                  "t.yaml:7: routes[0].compression.types[2]: expected a media type such as "
                  "text/html or text/*",
                  "t.yaml:7: routes[0].compression.types[3]: expected a media type such as "
                  "text/html or text/*",
                  "t.yaml:7: routes[0].compression.types[4]: expected a media type such as "
                  "text/html or text/*",
                  "t.yaml:7: routes[0].compression.types[5]: expected a media type such as "
                  "text/html or text/*"));
}

TEST(CacheConfigTest, UnknownKeysInCompression) {
  EXPECT_THAT(Errors(Route("    compression:\n"                        // 6
                           "      level: 9\n"                          // 7
                           "      levels: {gzip: 9, deflate: 9}\n")),  // 8
              ElementsAre("t.yaml:7: routes[0].compression.level: unknown key",
                          "t.yaml:8: routes[0].compression.levels.deflate: unknown key"));
  EXPECT_THAT(Errors(Route("    compression: gzip\n")),
              ElementsAre("t.yaml:6: routes[0].compression: expected a map"));
}

// ---- A route's `static` ----

TEST(CacheConfigTest, StaticOnlyRouteIsValidAndHasNoPool) {
  ScratchDir dir;
  const Config c = Load(StaticRoute("{root: " + dir.q() + "}"));
  const RouteConfig& route = c.routes.at(0);
  EXPECT_TRUE(route.pool.empty());
  EXPECT_FALSE(route.split.has_value());
  EXPECT_FALSE(route.redirect.has_value());
  ASSERT_TRUE(route.static_files.has_value());
  const StaticConfig& s = *route.static_files;
  EXPECT_EQ(s.root, dir.path());
  EXPECT_THAT(s.index, ElementsAre("index.html"));  // defaults
  EXPECT_FALSE(s.expires_s.has_value());
  EXPECT_FALSE(s.allow_hidden);
}

TEST(CacheConfigTest, EveryStaticKey) {
  ScratchDir dir;
  const Config c =
      Load(NoPoolRoute("    static:\n"  // 6
                       "      root: " +
                       dir.q() +
                       "\n"                                      // 7
                       "      index: [index.html, index.htm]\n"  // 8
                       "      expires: 1h\n"                     // 9
                       "      allow_hidden: true\n"));           // 10
  ASSERT_TRUE(c.routes.at(0).static_files.has_value());
  const StaticConfig& s = *c.routes[0].static_files;
  EXPECT_EQ(s.root, dir.path());
  EXPECT_THAT(s.index, ElementsAre("index.html", "index.htm"));
  EXPECT_EQ(s.expires_s, 3'600u);
  EXPECT_TRUE(s.allow_hidden);
}

TEST(CacheConfigTest, StaticIndexAsOneName) {
  ScratchDir dir;
  const Config c = Load(StaticRoute("{root: " + dir.q() + ", index: default.htm}"));
  EXPECT_THAT(c.routes.at(0).static_files.value().index, ElementsAre("default.htm"));
}

TEST(CacheConfigTest, StaticExpiresIsInWholeSeconds) {
  ScratchDir dir;
  auto expires = [&](const std::string& text) {
    return Load(StaticRoute("{root: " + dir.q() + ", expires: " + text + "}"))
        .routes.at(0)
        .static_files.value()
        .expires_s;
  };
  EXPECT_EQ(expires("30s"), 30u);
  EXPECT_EQ(expires("10m"), 600u);
  EXPECT_EQ(expires("0s"), 0u);
  EXPECT_EQ(expires("2500ms"), 2u);
  EXPECT_THAT(Errors(StaticRoute("{root: " + dir.q() + ", expires: soon}")),
              ElementsAre("t.yaml:6: routes[0].static.expires: expected a duration such as "
                          "500ms, 5s, 10m"));
}

// LoadString's name "t.yaml" has no directory part, so a relative root is kept as written (and
// checked against the working directory).
TEST(CacheConfigTest, RelativeStaticRootUnderTheTestName) {
  const Config c = Load(StaticRoute("{root: .}"));
  EXPECT_EQ(c.routes.at(0).static_files.value().root, ".");
  EXPECT_THAT(Errors(StaticRoute("{root: no-such-dir-for-cache-config-test}")),
              ElementsAre("t.yaml:6: routes[0].static.root: not a directory: "
                          "no-such-dir-for-cache-config-test"));
}

// A relative root and disk_path resolve against the directory of the config file.
TEST(CacheConfigTest, RelativePathsResolveAgainstTheConfigFile) {
  ScratchDir dir;
  std::filesystem::create_directory(dir.path() + "/www");
  const std::string file = dir.path() + "/rampart.yaml";
  std::ofstream(file) << StaticRoute("{root: www}") << "cache: {disk_path: cache}\n";
  LoadResult result = LoadFile(file);
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << std::get<LoadErrors>(result).errors.at(0);
  const Config& c = std::get<Config>(result);
  EXPECT_EQ(c.routes.at(0).static_files.value().root, dir.path() + "/www");
  EXPECT_EQ(c.cache.disk_path, dir.path() + "/cache");  // need not exist yet

  std::ofstream(file) << StaticRoute("{root: missing}");
  result = LoadFile(file);
  ASSERT_TRUE(std::holds_alternative<LoadErrors>(result));
  EXPECT_THAT(
      std::get<LoadErrors>(result).errors,
      ElementsAre(file + ":6: routes[0].static.root: not a directory: " + dir.path() + "/missing"));
}

TEST(CacheConfigTest, StaticNeedsRoot) {
  EXPECT_THAT(Errors(StaticRoute("{index: index.html}")),
              ElementsAre("t.yaml:6: routes[0].static.root: required"));
  EXPECT_THAT(Errors(NoPoolRoute("    static:\n")),
              ElementsAre("t.yaml:6: routes[0].static.root: required"));
  // Not a map: the route still has its one destination, so only this is reported.
  EXPECT_THAT(Errors(StaticRoute("/var/www")),
              ElementsAre("t.yaml:6: routes[0].static: expected a map"));
}

TEST(CacheConfigTest, StaticRootMustBeADirectory) {
  TempFile file("not a directory");
  EXPECT_THAT(Errors(StaticRoute("{root: " + file.q() + "}")),
              ElementsAre("t.yaml:6: routes[0].static.root: not a directory: " + file.path()));
  ScratchDir dir;
  const std::string gone = dir.path() + "/gone";
  EXPECT_THAT(Errors(StaticRoute("{root: \"" + gone + "\"}")),
              ElementsAre("t.yaml:6: routes[0].static.root: not a directory: " + gone));
  EXPECT_THAT(Errors(StaticRoute("{root: \"\"}")),
              ElementsAre("t.yaml:6: routes[0].static.root: not a directory: "));
  EXPECT_THAT(Errors(StaticRoute("{root: [a]}")),
              ElementsAre("t.yaml:6: routes[0].static.root: expected a string"));
}

TEST(CacheConfigTest, BadIndexNames) {
  ScratchDir dir;
  EXPECT_THAT(
      Errors(NoPoolRoute("    static:\n"  // 6
                         "      root: " +
                         dir.q() +
                         "\n"                                                          // 7
                         "      index: [\"\", a/index.html, ., \"..\", ok.html]\n")),  // 8
      ElementsAre("t.yaml:8: routes[0].static.index[0]: expected a file name such as index.html",
                  "t.yaml:8: routes[0].static.index[1]: expected a file name such as index.html",
                  "t.yaml:8: routes[0].static.index[2]: expected a file name such as index.html",
                  "t.yaml:8: routes[0].static.index[3]: expected a file name such as "
                  "index.html"));
  EXPECT_THAT(Errors(StaticRoute("{root: " + dir.q() + ", index: ../index.html}")),
              ElementsAre("t.yaml:6: routes[0].static.index: expected a file name such as "
                          "index.html"));
  EXPECT_THAT(Errors(StaticRoute("{root: " + dir.q() + ", index: {a: b}}")),
              ElementsAre("t.yaml:6: routes[0].static.index: expected a list"));
}

TEST(CacheConfigTest, StaticValueErrorsAndUnknownKey) {
  ScratchDir dir;
  EXPECT_THAT(Errors(NoPoolRoute("    static:\n"  // 6
                                 "      root: " +
                                 dir.q() +
                                 "\n"                          // 7
                                 "      allow_hidden: yes\n"   // 8
                                 "      autoindex: true\n")),  // 9
              ElementsAre("t.yaml:8: routes[0].static.allow_hidden: expected true or false",
                          "t.yaml:9: routes[0].static.autoindex: unknown key"));
}

// ---- The top-level `cache` ----

TEST(CacheConfigTest, TopLevelCacheDefaults) {
  const CacheGlobalConfig absent = Load(Route("")).cache;
  EXPECT_EQ(absent.memory_size, 256u * 1024 * 1024);
  EXPECT_TRUE(absent.disk_path.empty());
  EXPECT_EQ(absent.disk_size, 1024ULL * 1024 * 1024);
  EXPECT_THAT(absent.targeted_fields, ElementsAre("CDN-Cache-Control"));

  const CacheGlobalConfig null = Load(Route("cache:\n")).cache;
  EXPECT_EQ(null.memory_size, 256u * 1024 * 1024);
  EXPECT_TRUE(null.disk_path.empty());
  EXPECT_EQ(null.disk_size, 1024ULL * 1024 * 1024);
  EXPECT_THAT(null.targeted_fields, ElementsAre("CDN-Cache-Control"));
  EXPECT_EQ(null.mark.file, "t.yaml");
  EXPECT_EQ(null.mark.line, 6);
}

TEST(CacheConfigTest, EveryTopLevelCacheKey) {
  const Config c =
      Load(Route("cache:\n"                                                            // 6
                 "  memory_size: 64MiB\n"                                              // 7
                 "  disk_path: /var/cache/rampart\n"                                   // 8
                 "  disk_size: 2GiB\n"                                                 // 9
                 "  targeted_fields: [Example-Cache-Control, CDN-Cache-Control]\n"));  // 10
  const CacheGlobalConfig& g = c.cache;
  EXPECT_EQ(g.memory_size, 64u * 1024 * 1024);
  EXPECT_EQ(g.disk_path, "/var/cache/rampart");
  EXPECT_EQ(g.disk_size, 2ULL * 1024 * 1024 * 1024);
  EXPECT_THAT(g.targeted_fields, ElementsAre("Example-Cache-Control", "CDN-Cache-Control"));
  EXPECT_EQ(g.mark.line, 6);
}

TEST(CacheConfigTest, TopLevelCacheLimitsAndEmptyTargetedFields) {
  const Config c =
      Load(Route("cache: {memory_size: 64KiB, disk_size: 1MiB, targeted_fields: []}\n"));
  EXPECT_EQ(c.cache.memory_size, 64u * 1024);
  EXPECT_EQ(c.cache.disk_size, 1024u * 1024);
  EXPECT_THAT(c.cache.targeted_fields, IsEmpty());  // only Cache-Control counts
  // A relative disk_path under the test name stays as written.
  EXPECT_EQ(Load(Route("cache: {disk_path: cache-dir}\n")).cache.disk_path, "cache-dir");
}

TEST(CacheConfigTest, MemorySizeBelow64KiB) {
  EXPECT_THAT(Errors(Route("cache: {memory_size: 65535}\n")),
              ElementsAre("t.yaml:6: cache.memory_size: must be at least 65536 bytes"));
}

TEST(CacheConfigTest, DiskSizeBelow1MiB) {
  EXPECT_THAT(Errors(Route("cache: {disk_size: 1023KiB}\n")),
              ElementsAre("t.yaml:6: cache.disk_size: must be at least 1048576 bytes"));
}

TEST(CacheConfigTest, BadDiskPath) {
  EXPECT_THAT(Errors(Route("cache: {disk_path: \"\"}\n")),
              ElementsAre("t.yaml:6: cache.disk_path: expected a directory path"));
  EXPECT_THAT(Errors(Route("cache: {disk_path: \"/var/cache\\nx\"}\n")),
              ElementsAre("t.yaml:6: cache.disk_path: expected a directory path"));
  EXPECT_THAT(Errors(Route("cache: {disk_path: [a]}\n")),
              ElementsAre("t.yaml:6: cache.disk_path: expected a string"));
}

TEST(CacheConfigTest, BadTargetedFieldName) {
  EXPECT_THAT(Errors(Route("cache:\n"  // 6
                           "  targeted_fields: [CDN-Cache-Control, \"Bad Name\", \"X:Y\", "
                           "\"\"]\n")),  // 7
              ElementsAre("t.yaml:7: cache.targeted_fields[1]: expected a header name such as "
                          "CDN-Cache-Control",
                          "t.yaml:7: cache.targeted_fields[2]: expected a header name such as "
                          "CDN-Cache-Control",
                          "t.yaml:7: cache.targeted_fields[3]: expected a header name such as "
                          "CDN-Cache-Control"));
  EXPECT_THAT(Errors(Route("cache: {targeted_fields: CDN-Cache-Control}\n")),
              ElementsAre("t.yaml:6: cache.targeted_fields: expected a list"));
}

TEST(CacheConfigTest, UnknownKeyInTopLevelCache) {
  EXPECT_THAT(Errors(Route("cache:\n  memory_size: 1MiB\n  memory: 1MiB\n")),
              ElementsAre("t.yaml:8: cache.memory: unknown key"));
  EXPECT_THAT(Errors(Route("cache: [memory]\n")), ElementsAre("t.yaml:6: cache: expected a map"));
  // A route's cache keys do not belong at the top level.
  EXPECT_THAT(Errors(Route("cache: {ttl: 30s}\n")),
              ElementsAre("t.yaml:6: cache.ttl: unknown key"));
}

// ---- The destination rule: static counts as one ----

TEST(CacheConfigTest, StaticAndPool) {
  ScratchDir dir;
  EXPECT_THAT(Errors(Route("    static: {root: " + dir.q() + "}\n")),
              ElementsAre(std::string("t.yaml:4: routes[0]: has both pool and static; ") + kRule));
}

TEST(CacheConfigTest, PoolRedirectAndStatic) {
  ScratchDir dir;
  EXPECT_THAT(
      Errors(Route("    redirect: {to: /}\n    static: {root: " + dir.q() + "}\n")),
      ElementsAre(std::string("t.yaml:4: routes[0]: has pool, redirect and static; ") + kRule));
}

TEST(CacheConfigTest, EveryDestinationAtOnce) {
  ScratchDir dir;
  EXPECT_THAT(Errors(Route("    split: {to: [{pool: app, weight: 1}]}\n"
                           "    redirect: {to: /}\n"
                           "    static: {root: " +
                           dir.q() + "}\n")),
              ElementsAre(std::string("t.yaml:4: routes[0]: has pool, split, redirect and "
                                      "static; ") +
                          kRule));
}

TEST(CacheConfigTest, SplitAndStatic) {
  ScratchDir dir;
  EXPECT_THAT(Errors(NoPoolRoute("    split: {to: [{pool: app, weight: 1}]}\n"
                                 "    static: {root: " +
                                 dir.q() + "}\n")),
              ElementsAre(std::string("t.yaml:4: routes[0]: has both split and static; ") + kRule));
}

TEST(CacheConfigTest, StaticWithABrokenRootStillCountsAsTheDestination) {
  // The root's own error, not "needs exactly one of ...".
  EXPECT_THAT(Errors(StaticRoute("{root: /nonexistent/rampart-www}")),
              ElementsAre("t.yaml:6: routes[0].static.root: not a directory: "
                          "/nonexistent/rampart-www"));
}

TEST(CacheConfigTest, NoDestinationNamesStatic) {
  EXPECT_THAT(Errors(NoPoolRoute("")),
              ElementsAre("t.yaml:4: routes[0]: needs exactly one of pool, split, redirect or "
                          "static"));
}

// A static route may still compress (and cache) what it serves.
TEST(CacheConfigTest, StaticRouteWithCacheAndCompression) {
  ScratchDir dir;
  const Config c = Load(NoPoolRoute("    static: {root: " + dir.q() +
                                    "}\n"
                                    "    cache: {ttl: 1m}\n"
                                    "    compression: {algorithms: [gzip]}\n"));
  const RouteConfig& route = c.routes.at(0);
  EXPECT_TRUE(route.pool.empty());
  ASSERT_TRUE(route.static_files.has_value());
  EXPECT_EQ(route.cache.value().ttl_s, 60u);
  EXPECT_THAT(route.compression.value().algorithms, ElementsAre("gzip"));
}

}  // namespace
}  // namespace rampart::config
