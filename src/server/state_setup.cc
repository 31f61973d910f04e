#include "server/state_setup.h"

#include <arpa/inet.h>

#include <chrono>
#include <fstream>
#include <string>

#include "state/redis_backend.h"
#include "state/store.h"

namespace rampart::server {

namespace {

// The password file's first line (trailing CR/LF removed).
core::Result<std::string> ReadPassword(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return core::MakeError("cannot read " + path);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.empty()) return core::MakeError(path + ": the first line is empty");
  return line;
}

}  // namespace

core::Result<std::shared_ptr<state::Store>> MakeStore(const config::StateConfig& config) {
  state::StoreOptions options;
  options.max_rate_keys = config.max_keys;
  options.max_strike_keys = config.max_keys;
  options.sync_interval = std::chrono::milliseconds(config.sync_interval_ms);
  if (config.backend == config::StateConfig::Backend::kMemory) {
    return std::make_shared<state::Store>(options, nullptr);
  }
  state::RedisOptions redis;
  const std::string& address = config.redis_address;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return core::MakeError("state.redis.address: expected host:port");
  redis.host = address.substr(0, colon);
  if (redis.host.size() > 2 && redis.host.front() == '[') {
    redis.host = redis.host.substr(1, redis.host.size() - 2);
  }
  // hiredis would resolve a host name with a blocking call on a worker: only literals here.
  if (redis.host == "localhost") redis.host = "127.0.0.1";
  in6_addr probe{};
  if (inet_pton(AF_INET, redis.host.c_str(), &probe) != 1 &&
      inet_pton(AF_INET6, redis.host.c_str(), &probe) != 1) {
    return core::MakeError("state.redis.address: use an IP address, not a host name (" +
                           redis.host + ")");
  }
  redis.port = static_cast<uint16_t>(std::stoi(address.substr(colon + 1)));
  if (!config.redis_password_file.empty()) {
    auto password = ReadPassword(config.redis_password_file);
    if (!password.ok())
      return core::MakeError("state.redis.password_file: " + password.error().message);
    redis.password = std::move(password).value();
  }
  redis.db = static_cast<int>(config.redis_db);
  redis.key_prefix = config.key_prefix;
  redis.command_timeout = std::chrono::milliseconds(config.timeout_ms);
  return std::make_shared<state::Store>(options, std::make_unique<state::RedisBackend>(redis));
}

bool StateNeedsRestart(const config::StateConfig& a, const config::StateConfig& b) {
  return a.backend != b.backend || a.redis_address != b.redis_address ||
         a.redis_password_file != b.redis_password_file || a.redis_db != b.redis_db ||
         a.key_prefix != b.key_prefix || a.timeout_ms != b.timeout_ms ||
         a.sync_interval_ms != b.sync_interval_ms || a.max_keys != b.max_keys;
}

}  // namespace rampart::server
