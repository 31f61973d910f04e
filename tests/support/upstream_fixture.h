#pragma once
// UpstreamTest: the fixture of the upstream e2e tests (balancing, health, retries, splits):
// three named origins "a", "b", "c" (each answers with X-Origin-Name), one rampart in front
// with an admin token, and helpers for the admin API (/api/upstreams, drain, enable) and for
// counting which origin answered. An origin can be killed (destroyed: listener and every
// connection closed) and revived on the same port.
//
// Used on the test's main thread; the origins' and rampart's accessors are thread-safe, but
// Kill/Revive must not race with a thread holding a reference to that origin.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/client.h"
#include "support/common.h"
#include "support/json.h"
#include "support/metrics.h"
#include "support/origin.h"
#include "support/rampart_process.h"
#include "support/test_config.h"

namespace rampart::test {

// Counts of responses by X-Origin-Name ("" for a response without one, e.g. rampart's own).
using OriginCounts = std::map<std::string, size_t>;

inline size_t CountOf(const OriginCounts& counts, const std::string& name) {
  auto it = counts.find(name);
  return it == counts.end() ? 0 : it->second;
}

inline size_t TotalOf(const OriginCounts& counts) {
  size_t total = 0;
  for (const auto& [name, n] : counts) total += n;
  return total;
}

// "a=334 (33.4%) b=..." for messages and the measurements a test prints.
inline std::string DescribeCounts(const OriginCounts& counts) {
  std::ostringstream out;
  size_t total = TotalOf(counts);
  bool first = true;
  for (const auto& [name, n] : counts) {
    if (!first) out << ' ';
    first = false;
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", total == 0 ? 0.0 : 100.0 * n / total);
    out << (name.empty() ? "<none>" : name) << '=' << n << " (" << share << ')';
  }
  return out.str();
}

class UpstreamTest : public ::testing::Test {
 protected:
  static constexpr size_t kOrigins = 3;
  static constexpr const char* kToken = "e2e-upstream-admin-token-0123456789";

  UpstreamTest() {
    for (size_t i = 0; i < kOrigins; ++i) {
      origins_[i] = std::make_unique<Origin>(0, Name(i));
      ports_[i] = origins_[i]->port();
    }
  }

  static std::string Name(size_t i) { return std::string(1, static_cast<char>('a' + i)); }

  Origin& origin(size_t i) { return *origins_[i]; }
  uint16_t origin_port(size_t i) const { return ports_[i]; }
  std::string origin_address(size_t i) const { return "127.0.0.1:" + std::to_string(ports_[i]); }

  // Requests recorded by all origins together.
  size_t TotalRequests() const {
    size_t total = 0;
    for (const auto& o : origins_) total += o ? o->RequestCount() : 0;
    return total;
  }
  // Waits until the origins together recorded at least `n` requests; false on timeout. The
  // origins each have their own condition, so this waits briefly on each in turn.
  bool WaitForTotalRequests(size_t n, Timeout timeout = kDefaultTimeout) const {
    Deadline deadline = DeadlineIn(timeout);
    while (TotalRequests() < n) {
      if (Clock::now() >= deadline) return false;
      for (const auto& o : origins_) {
        if (o) o->WaitForRequests(o->RequestCount() + 1, Timeout(5));
      }
    }
    return true;
  }

  // Destroys origin `i`: its listener and all its connections close; connects are refused.
  void Kill(size_t i) { origins_[i].reset(); }
  // A fresh origin with the same name on the same port.
  void Revive(size_t i) { origins_[i] = std::make_unique<Origin>(ports_[i], Name(i)); }

  // Server list items for the origins `which`: "      - {address: ..., name: a<extra>}".
  // `extra` maps an origin index to more flow-map entries, e.g. {0, ", weight: 5"}.
  std::string ServersYaml(const std::vector<size_t>& which = {0, 1, 2},
                          const std::map<size_t, std::string>& extra = {}) const {
    std::string y;
    for (size_t i : which) {
      auto it = extra.find(i);
      y += "      - {address: " + origin_address(i) + ", name: " + Name(i) +
           (it == extra.end() ? "" : it->second) + "}\n";
    }
    return y;
  }

  // "pools:\n  app:\n" with `lines` (pool keys, indented by the caller's two spaces) and the
  // servers.
  std::string AppPool(const std::vector<std::string>& lines,
                      const std::vector<size_t>& which = {0, 1, 2},
                      const std::map<size_t, std::string>& extra = {}) const {
    std::string y = "pools:\n  app:\n";
    for (const std::string& line : lines) y += "    " + line + "\n";
    y += "    servers:\n" + ServersYaml(which, extra);
    return y;
  }

  // The whole config: the usual listener, admin with the token, `pools_yaml`, the catch-all
  // route to "app" unless `routes_yaml` is given.
  std::string Config(const std::string& pools_yaml, const std::string& routes_yaml = "") {
    WriteTokenFile();
    ConfigOptions options;
    options.pools_yaml = pools_yaml;
    options.routes_yaml = routes_yaml;
    options.admin_token_file = token_file();
    return MakeConfig(rampart_.dir(), options);
  }

  // Starts rampart; fatal failure when it does not start (call through ASSERT_NO_FATAL_FAILURE).
  void Start(const std::string& pools_yaml, const std::string& routes_yaml = "") {
    std::string yaml = Config(pools_yaml, routes_yaml);
    ASSERT_TRUE(rampart_.Start(yaml)) << rampart_.error() << "\nconfig:\n" << yaml;
  }

  // Rewrites the config and reloads (SIGHUP); fatal failure unless "reload: applied" follows.
  void Reload(const std::string& pools_yaml, const std::string& routes_yaml = "") {
    rampart_.WriteConfig(Config(pools_yaml, routes_yaml));
    size_t from = rampart_.LineCount();
    ASSERT_TRUE(rampart_.Signal(SIGHUP));
    ASSERT_TRUE(rampart_.WaitForLine("reload: applied", kDefaultTimeout, from)) << rampart_.Log();
  }

  std::string token_file() const { return rampart_.dir() + "/admin.token"; }

  void WriteTokenFile() const {
    int fd = ::open(token_file().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << "cannot write " << token_file();
    std::string text = std::string(kToken) + "\n";
    ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }

  uint16_t port() const { return rampart_.port(); }

  // One GET on a fresh connection (Connection: close).
  std::optional<HttpResponse> Get(const std::string& target, const HeaderList& headers = {}) {
    return HttpGet(port(), target, headers);
  }

  // `n` requests on one keep-alive connection (reconnecting when rampart closes it), from
  // `source_ip` (empty: 127.0.0.1). `headers(i)` gives request i's extra headers. Counts the
  // 200 responses by origin; any other outcome is a test failure (non-fatal) and is not counted.
  OriginCounts Spread(size_t n, const std::string& target = "/spread",
                      const std::function<HeaderList(size_t)>& headers = {},
                      const std::string& source_ip = "") {
    OriginCounts counts;
    Client c;
    for (size_t i = 0; i < n; ++i) {
      if (!c.connected() && !c.ConnectFrom(source_ip, port())) {
        ADD_FAILURE() << "connect: " << c.error();
        return counts;
      }
      std::optional<HttpResponse> r = c.Get(target, headers ? headers(i) : HeaderList{});
      if (!r) {
        ADD_FAILURE() << "request " << i << ": " << c.error();
        c.Close();
        continue;
      }
      if (r->status != 200) {
        ADD_FAILURE() << "request " << i << ": status " << r->status << "\n" << r->body;
      } else {
        ++counts[r->Header("X-Origin-Name").value_or("")];
      }
      if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
    }
    return counts;
  }

  // The origin that answered `r` ("" when none did).
  static std::string OriginOf(const std::optional<HttpResponse>& r) {
    return r ? r->Header("X-Origin-Name").value_or("") : "";
  }

  // Prints a measurement ("[measure] what: value", for the record) and records it as a test
  // property (the key made of [A-Za-z0-9_] only).
  void Measure(const std::string& what, const std::string& value) {
    std::cout << "[measure] " << what << ": " << value << std::endl;
    std::string key;
    for (char ch : what) key += std::isalnum(static_cast<unsigned char>(ch)) != 0 ? ch : '_';
    RecordProperty(key, value);
  }

  // --- Admin API -------------------------------------------------------------------------

  HeaderList Bearer() const { return {{"Authorization", std::string("Bearer ") + kToken}}; }

  std::optional<HttpResponse> AdminRequest(const std::string& method, const std::string& path,
                                           const HeaderList& headers) {
    Client c;
    if (!c.Connect(rampart_.admin_port())) return std::nullopt;
    HeaderList h = headers;
    h.emplace_back("Connection", "close");
    return c.Request(method, path, h, {});
  }

  // The status of an admin request; 0 when there was no response.
  int AdminStatus(const std::string& method, const std::string& path, const HeaderList& headers) {
    auto r = AdminRequest(method, path, headers);
    return r ? r->status : 0;
  }

  // POST /api/upstreams/<pool>/<server>/<action> with the token; the status, 0 on failure.
  int AdminAction(const std::string& pool, const std::string& server, const std::string& action) {
    auto r = AdminRequest("POST", "/api/upstreams/" + pool + "/" + server + "/" + action, Bearer());
    return r ? r->status : 0;
  }

  // GET /api/upstreams, parsed; nullopt (and a failure) when it is not 200 JSON.
  std::optional<JsonValue> Upstreams() {
    auto r = AdminRequest("GET", "/api/upstreams", Bearer());
    if (!r || r->status != 200) {
      ADD_FAILURE() << "GET /api/upstreams: "
                    << (r ? std::to_string(r->status) + " " + r->body : std::string("no response"));
      return std::nullopt;
    }
    std::optional<JsonValue> json = ParseJson(r->body);
    if (!json) ADD_FAILURE() << "GET /api/upstreams is not JSON:\n" << r->body;
    return json;
  }

  // The JSON object of server `server` (its name or address) of pool `pool` in an
  // /api/upstreams answer: an object with a "state" and that "name" or "address", inside the
  // pool (a member called `pool`, or an object whose "name" or "pool" is `pool`).
  static const JsonValue* FindServer(const JsonValue& v, const std::string& pool,
                                     const std::string& server, bool in_pool = false) {
    if (v.is_object()) {
      if (v.StringAt("pool") == pool ||
          (v.StringAt("name") == pool && v.Find("servers") != nullptr)) {
        in_pool = true;
      }
      if (in_pool && v.Find("state") != nullptr &&
          (v.StringAt("name") == server || v.StringAt("address") == server)) {
        return &v;
      }
      for (const auto& [key, member] : v.object) {
        if (const JsonValue* found = FindServer(member, pool, server, in_pool || key == pool)) {
          return found;
        }
      }
    } else if (v.is_array()) {
      for (const JsonValue& item : v.array) {
        if (const JsonValue* found = FindServer(item, pool, server, in_pool)) return found;
      }
    }
    return nullptr;
  }

  // The "state" of a server in /api/upstreams ("" when it cannot be found).
  std::string ServerState(const std::string& pool, const std::string& server) {
    std::optional<JsonValue> json = Upstreams();
    if (!json) return "";
    const JsonValue* s = FindServer(*json, pool, server);
    return s ? s->StringAt("state").value_or("") : "";
  }

  // Polls /api/upstreams (there is nothing to wait on but the answer) until the server's state
  // is `state`; false (with the last answer in `last`) on timeout.
  bool WaitForState(const std::string& pool, const std::string& server, const std::string& state,
                    Timeout timeout = Timeout(5'000), std::string* last = nullptr) {
    Deadline deadline = DeadlineIn(timeout);
    std::string seen;
    for (;;) {
      seen = ServerState(pool, server);
      if (seen == state) return true;
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (last != nullptr) *last = seen;
    return false;
  }

  // The admin /metrics body ("" and a failure when it cannot be fetched).
  std::string Metrics() {
    std::optional<HttpResponse> r = HttpGet(rampart_.admin_port(), "/metrics");
    if (!r || r->status != 200) {
      ADD_FAILURE() << "GET /metrics on the admin port failed";
      return "";
    }
    return r->body;
  }

  std::array<std::unique_ptr<Origin>, kOrigins> origins_;  // outlive rampart_ (declared first)
  std::array<uint16_t, kOrigins> ports_{};
  RampartProcess rampart_;
};

}  // namespace rampart::test
