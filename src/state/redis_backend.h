#pragma once
// RedisBackend: the SharedBackend of several rampart nodes, in one Redis (5 or later; not Redis
// Cluster: a script touches keys of several slots). Each operation is one Lua script, so it is
// atomic, and time comes from the server (TIME), so every node shares one clock. Scripts are sent
// with EVALSHA; after a NOSCRIPT (a restarted Redis has lost its script cache) the call is sent
// again with EVAL, which caches the script once more.
//
// Keys (under `key_prefix`, "rampart:" by default):
//   <prefix>rate:<key>     string  the GCRA TAT, integer nanoseconds of the server clock (Unix
//                                  epoch); expires when the bucket is full again
//   <prefix>strike:<ip>    string  strikes counted since the first one; expires `window` after it
//   <prefix>bans           zset    member ip, score expiry in milliseconds since the Unix epoch
//   <prefix>ban_reasons    hash    ip -> reason
//
// Threads: AttachThread makes this thread's own connection (a RedisClient on its loop); a
// thread's calls go through it and their callbacks run on that loop. A thread must call
// DetachThread before its event_base is freed (the destructor detaches the thread it runs on).
// Calls from a thread that is not attached fail at once with a StateError.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "state/shared_backend.h"

namespace rampart::state {

class RedisLinkStatus;

struct RedisOptions {
  std::string host = "127.0.0.1";  // a numeric address (hiredis would resolve a name blocking)
  uint16_t port = 6379;
  std::string password;  // empty: no AUTH
  int db = 0;            // 0: no SELECT
  std::string key_prefix = "rampart:";
  // Past it a call fails and the connection is made again (a stalled server).
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds connect_timeout{1000};
  // Reconnection back-off: from retry_min, doubling up to retry_max.
  std::chrono::milliseconds retry_min{100};
  std::chrono::milliseconds retry_max{2000};
};

class RedisBackend : public SharedBackend {
 public:
  explicit RedisBackend(RedisOptions options);
  ~RedisBackend() override;
  RedisBackend(const RedisBackend&) = delete;
  RedisBackend& operator=(const RedisBackend&) = delete;

  void AttachThread(event_base* base) override;
  void DetachThread() override;

  void CheckRate(std::string_view key, const RatePolicy& policy,
                 Callback<RateDecision> done) override;
  void Strike(std::string_view ip, const StrikePolicy& policy, std::string_view reason,
              Callback<std::optional<Ban>> done) override;
  // Adds the ban, or extends the one in force; answers false when that one already lasts as
  // long (nothing changed).
  void AddBan(const Ban& ban, Callback<bool> done) override;
  // Answers whether a ban was in force.
  void RemoveBan(std::string_view ip, Callback<bool> done) override;
  // Prunes the expired bans, then answers the others.
  void ListBans(Callback<std::vector<Ban>> done) override;
  // SET NX on <prefix>secret:<name>, then the stored value: one secret for every node.
  void SharedSecret(std::string_view name, std::string_view candidate,
                    std::chrono::milliseconds ttl, Callback<std::string> done) override;

  BackendStatus status() const override;

 private:
  const RedisOptions options_;
  const uint64_t id_;  // this backend's slot in each thread's table of clients
  std::shared_ptr<RedisLinkStatus> status_;
};

}  // namespace rampart::state
