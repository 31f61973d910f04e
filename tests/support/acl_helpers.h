#pragma once
// Helpers of the access-control e2e tests (client IP, IP reputation, bans, GeoIP, rate limits,
// shared state): requests made on behalf of another client address, the admin API with a
// bearer token, JSON-lines logs, polling with a deadline, and test GeoIP databases built with
// geoip/make-test-mmdb.pl. Free functions; each call is independent and thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/client.h"
#include "support/common.h"
#include "support/json.h"
#include "support/rampart_process.h"

namespace rampart::test {

// The admin token the access-control tests use.
// A signature pack with one blocking signature (User-Agent "evil-scanner"): an easy way to make
// a route block, for the ban tests.
inline constexpr std::string_view kBlockingTestPack = R"(pack: test
description: one blocking signature
signatures:
  - id: 1
    description: a blocked tool
    literals: ["evil-scanner"]
    where: [user_agent]
    flags: [caseless]
    action: block
)";

inline constexpr std::string_view kAclAdminToken = "acl-admin-token-0123456789abcdef";

// Writes kAclAdminToken to `path` with mode 0600 (what admin.token_file requires). Fails the
// calling test (fatally) on error: call through ASSERT_NO_FATAL_FAILURE.
void WriteAdminTokenFile(const std::string& path);

// One admin API request on a fresh connection to `admin_port`, with `Authorization: Bearer
// <token>` unless `token` is empty. nullopt (and a test failure) when there is no answer.
std::optional<HttpResponse> AdminCall(uint16_t admin_port, std::string_view method,
                                      std::string_view target,
                                      std::string_view token = kAclAdminToken);

// GET `target` from rampart's `port` on a fresh connection (Connection: close) as the client
// `client_ip`: the request carries `X-Forwarded-For: <client_ip>`, which rampart believes only
// when 127.0.0.1 (the real peer) is in trusted_proxies.
std::optional<HttpResponse> GetAs(uint16_t port, const std::string& client_ip,
                                  const std::string& target = "/", HeaderList headers = {});

// The metrics text of the admin listener ("" when it cannot be fetched).
std::string FetchMetrics(uint16_t admin_port);

// Every line of a JSON-lines file that parses as JSON (attack and access logs), once it has at
// least `count` lines or `timeout` passed.
std::vector<JsonValue> JsonLines(const std::string& path, size_t count = 0,
                                 Timeout timeout = Timeout(200));

// Calls `condition` every 20 ms until it returns true or `timeout` passes; its last answer.
bool Eventually(const std::function<bool()>& condition, Timeout timeout = kDefaultTimeout);

// Whether Debian's libmaxmind-db-writer-perl is installed (`perl -MMaxMind::DB::Writer::Tree`).
bool MmdbWriterAvailable();

// Builds a test MaxMind DB with geoip/make-test-mmdb.pl: `type` Country, City or ASN, entries
// "CIDR=CC" or "CIDR=64500:Org". The script writes beside `out` and renames over it. Returns ""
// on success, else the script's output.
std::string MakeMmdb(const std::string& type, const std::string& out,
                     const std::vector<std::string>& entries);

#define REQUIRE_MMDB_WRITER()                                                              \
  do {                                                                                     \
    if (!::rampart::test::MmdbWriterAvailable()) {                                         \
      GTEST_SKIP() << "perl -MMaxMind::DB::Writer::Tree -e1 failed: the test .mmdb files " \
                      "cannot be built (apt-get install libmaxmind-db-writer-perl)";       \
    }                                                                                      \
  } while (0)

// The 1-based line of the first line of `text` that contains `needle`; 0 when none does.
size_t LineOf(std::string_view text, std::string_view needle);

}  // namespace rampart::test
