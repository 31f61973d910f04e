#pragma once
// PebbleServer: Let's Encrypt's ACME test server (Debian package pebble) run for one test, with
// pebble-challtestsrv as its DNS server answering 127.0.0.1 for every name, everything on
// loopback ports chosen here. Validation is real (PEBBLE_VA_ALWAYS_VALID is not set), at full
// speed (PEBBLE_VA_NOSLEEP=1); pebble still refuses 5% of nonces as it does by default.
//
// Owned by one test thread. The destructor kills both children and removes the temporary
// directory (kept, with both logs printed, when the test failed).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rampart::test {

class PebbleServer {
 public:
  static constexpr const char* kPebble = "/usr/bin/pebble";
  static constexpr const char* kChallTestSrv = "/usr/bin/pebble-challtestsrv";
  // Whether both binaries exist; tests skip without them.
  static bool Available();

  // Throws std::runtime_error when the temporary directory cannot be made.
  PebbleServer();
  ~PebbleServer();
  PebbleServer(const PebbleServer&) = delete;
  PebbleServer& operator=(const PebbleServer&) = delete;

  // Starts the DNS server and pebble, which validates HTTP-01 on 127.0.0.1:`http_port` and
  // TLS-ALPN-01 on 127.0.0.1:`tls_port`, and waits until its ACME API accepts connections.
  // False (reason in error()) on failure or timeout.
  bool Start(uint16_t http_port, uint16_t tls_port,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // https://127.0.0.1:<port>/dir
  std::string directory_url() const;
  // The PEM certificate pebble's HTTPS API presents (self-signed, for 127.0.0.1 and localhost):
  // the CA file an ACME client must trust.
  std::string ca_file() const { return dir_ + "/pebble-api.pem"; }
  const std::string& dir() const { return dir_; }
  const std::string& error() const { return error_; }
  std::string Log() const;  // both children's output

 private:
  bool StartOnce(uint16_t http_port, uint16_t tls_port, const std::string& key_path,
                 std::chrono::milliseconds timeout);
  pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path, bool pebble_env);

  std::string dir_;
  uint16_t api_port_ = 0;
  pid_t pebble_pid_ = -1;
  pid_t dns_pid_ = -1;
  std::string error_;
};

}  // namespace rampart::test
