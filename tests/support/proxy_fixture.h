#pragma once
// ProxyTest: the usual e2e fixture, one Origin and one rampart in front of it, both started
// by the test (each test its own ports and temporary directory, so tests run in parallel).
// Used on the test's main thread; the accessors of origin_ and rampart_ are thread-safe.

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/client.h"
#include "support/common.h"
#include "support/metrics.h"
#include "support/origin.h"
#include "support/rampart_process.h"
#include "support/test_config.h"

namespace rampart::test {

class ProxyTest : public ::testing::Test {
 protected:
  // Starts rampart with `options`; an empty backend_ports means {origin_.port()}. Fails the
  // test (fatally) when rampart does not start: call through ASSERT_NO_FATAL_FAILURE.
  void StartRampart(ConfigOptions options = {}) {
    if (options.backend_ports.empty()) options.backend_ports = {origin_.port()};
    StartRampartYaml(MakeConfig(rampart_.dir(), options));
  }
  void StartRampartYaml(const std::string& yaml) {
    ASSERT_TRUE(rampart_.Start(yaml)) << rampart_.error() << "\nconfig:\n" << yaml;
  }

  uint16_t port() const { return rampart_.port(); }

  // A connected client to rampart's listener 0.
  Client Connect() {
    Client c;
    EXPECT_TRUE(c.Connect(port())) << c.error();
    return c;
  }

  // One request on a fresh connection (Connection: close).
  std::optional<HttpResponse> Get(const std::string& target, const HeaderList& headers = {}) {
    return HttpGet(port(), target, headers);
  }

  // The admin endpoint's /metrics body ("" when it cannot be fetched).
  std::string Metrics() {
    std::optional<HttpResponse> r = HttpGet(rampart_.admin_port(), "/metrics");
    if (!r || r->status != 200) {
      ADD_FAILURE() << "GET /metrics on the admin port failed";
      return "";
    }
    return r->body;
  }

  Origin origin_;  // outlives rampart_ (declared first, destroyed last)
  RampartProcess rampart_;
};

}  // namespace rampart::test
