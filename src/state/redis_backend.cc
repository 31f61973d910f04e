#include "state/redis_backend.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "state/gcra.h"
#include "state/redis_client.h"

namespace rampart::state {
namespace {

// --- Lua --------------------------------------------------------------------------------------
// Ban expiries are milliseconds since the Unix epoch, compared with the server's clock (TIME).
// Redis runs Lua 5.1: numbers are doubles, exact up to 2^53. Absolute nanoseconds (~1.7e18) are
// not, so the GCRA script works in nanoseconds relative to now (exact while a bucket spans less
// than 104 days) and stores the TAT as a decimal string built from seconds and nanoseconds.

// KEYS[1] rate key. ARGV[1] T, ARGV[2] span = burst * T (ns; see state/gcra.h).
// Answers {allowed, remaining, retry_after_ns, reset_ns}.
constexpr std::string_view kRateLua = R"lua(
local interval = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local t = redis.call('TIME')
local now_s = tonumber(t[1])
local now_ns = tonumber(t[2]) * 1000
local ahead = 0
local stored = redis.call('GET', KEYS[1])
if stored and string.len(stored) > 9 then
  local s = tonumber(string.sub(stored, 1, -10))
  local f = tonumber(string.sub(stored, -9))
  if s and f then ahead = math.max((s - now_s) * 1000000000 + (f - now_ns), 0) end
end
local next_ahead = ahead + interval
local allowed = next_ahead <= span
local after = ahead
if allowed then
  after = next_ahead
  local total = now_ns + next_ahead
  local tat = string.format('%d%09d', now_s + math.floor(total / 1000000000), total % 1000000000)
  redis.call('SET', KEYS[1], tat, 'PX', math.ceil(next_ahead / 1000000))
end
local remaining = 0
if after < span then remaining = math.floor((span - after) / interval) end
local retry = 0
if not allowed then retry = next_ahead - span end
return {allowed and 1 or 0, remaining, retry, after}
)lua";

// KEYS[1] strike key, KEYS[2] bans, KEYS[3] reasons. ARGV[1] threshold, ARGV[2] window (ms),
// ARGV[3] ban duration (ms), ARGV[4] ip, ARGV[5] reason.
// Answers {0} (no ban) or {1, expires_ms, reason}; a longer ban in force is kept and answered.
constexpr std::string_view kStrikeLua = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n < tonumber(ARGV[1]) then return {0} end
redis.call('DEL', KEYS[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[3])
local reason = ARGV[5]
local current = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[4]))
if current and current >= expires then
  expires = current
  reason = redis.call('HGET', KEYS[3], ARGV[4]) or ''
else
  redis.call('ZADD', KEYS[2], expires, ARGV[4])
  redis.call('HSET', KEYS[3], ARGV[4], reason)
end
return {1, expires, reason}
)lua";

// KEYS[1] bans, KEYS[2] reasons. ARGV[1] ip, ARGV[2] expiry (ms), ARGV[3] reason.
// Answers 1 when added or extended, 0 when the ban in force already lasts as long.
constexpr std::string_view kAddBanLua = R"lua(
local current = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if current and current >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
)lua";

// KEYS[1] bans, KEYS[2] reasons. ARGV[1] ip. Answers 1 when a ban was in force.
constexpr std::string_view kRemoveBanLua = R"lua(
local current = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if not current then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if current > now then return 1 end
return 0
)lua";

// KEYS[1] the secret. Stores ARGV[1] for ARGV[2] ms unless a secret is there; answers the one
// stored.
constexpr std::string_view kSecretLua = R"lua(
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
)lua";

// KEYS[1] bans, KEYS[2] reasons. Drops the expired bans (scores <= now) and their reasons, then
// answers {ip, expires_ms, reason, ...}. HDEL goes in slices: unpack() is bounded by Lua's stack.
constexpr std::string_view kListBansLua = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 1, #expired, 1000 do
  redis.call('HDEL', KEYS[2], unpack(expired, i, math.min(i + 999, #expired)))
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
local live = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = {}
for i = 1, #live, 2 do
  out[#out + 1] = live[i]
  out[#out + 1] = live[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], live[i]) or ''
end
return out
)lua";

// The script's SHA-1 in hex: Redis keys its script cache by it (EVALSHA).
std::string Sha1Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int k = 0; k < size; ++k) {
    out += kHex[digest[k] >> 4];
    out += kHex[digest[k] & 15];
  }
  return out;
}

struct Script {
  explicit Script(std::string_view lua) : text(lua), sha(Sha1Hex(lua)) {}
  std::string_view text;
  std::string sha;
};

const Script& RateScript() {
  static const Script script(kRateLua);
  return script;
}
const Script& StrikeScript() {
  static const Script script(kStrikeLua);
  return script;
}
const Script& AddBanScript() {
  static const Script script(kAddBanLua);
  return script;
}
const Script& RemoveBanScript() {
  static const Script script(kRemoveBanLua);
  return script;
}
const Script& SecretScript() {
  static const Script script(kSecretLua);
  return script;
}
const Script& ListBansScript() {
  static const Script script(kListBansLua);
  return script;
}

// --- Per-thread clients -----------------------------------------------------------------------

std::atomic<uint64_t> next_backend_id{1};

// This thread's clients, by backend id. A thread that exits still attached leaks its clients
// rather than have them touch an event_base that may be gone (LeakSanitizer then says so).
struct ThreadClients {
  std::unordered_map<uint64_t, std::unique_ptr<RedisClient>> by_backend;
  ~ThreadClients() {
    for (auto& entry : by_backend) static_cast<void>(entry.second.release());
  }
};

ThreadClients& Clients() {
  thread_local ThreadClients clients;
  return clients;
}

RedisClient* LocalClient(uint64_t backend_id) {
  auto& map = Clients().by_backend;
  auto it = map.find(backend_id);
  return it == map.end() ? nullptr : it->second.get();
}

// Runs `script` on this thread's client of `backend_id` (which must exist): EVALSHA, and EVAL
// again after a NOSCRIPT. `args` is numkeys, the keys, then the arguments.
void RunScript(uint64_t backend_id, const Script& script, std::vector<std::string> args,
               RedisCallback done) {
  auto shared_args = std::make_shared<const std::vector<std::string>>(std::move(args));
  std::vector<std::string_view> argv{"EVALSHA", script.sha};
  argv.insert(argv.end(), shared_args->begin(), shared_args->end());
  LocalClient(backend_id)
      ->Command(argv, [backend_id, &script, shared_args,
                       done = std::move(done)](RedisResult result) mutable {
        const auto* error = std::get_if<RedisError>(&result);
        if (error != nullptr && error->server && error->message.starts_with("NOSCRIPT")) {
          // Answered by the server, so this thread's client is still there.
          if (RedisClient* client = LocalClient(backend_id)) {
            std::vector<std::string_view> again{"EVAL", script.text};
            again.insert(again.end(), shared_args->begin(), shared_args->end());
            client->Command(again, std::move(done));
            return;
          }
        }
        done(std::move(result));
      });
}

int64_t CeilMillis(std::chrono::nanoseconds d) {
  const int64_t ns = std::max<int64_t>(d.count(), 0);
  return std::max<int64_t>(ns / 1000000 + (ns % 1000000 != 0 ? 1 : 0), 1);
}

int64_t EpochMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point FromEpochMillis(int64_t ms) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::milliseconds(ms)));
}

// A script's number: an integer reply, or a string (zset scores come back as "1.7e12"-like text).
std::optional<int64_t> ToInt(const RedisReply& r) {
  if (r.type == RedisReply::Type::kInteger) return r.integer;
  if (r.type != RedisReply::Type::kString) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(r.str.data(), r.str.data() + r.str.size(), value);
  if (ec != std::errc() || end != r.str.data() + r.str.size() || !std::isfinite(value) ||
      std::fabs(value) > 9.0e18) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(value));
}

std::string Text(const RedisReply& r) {
  return r.type == RedisReply::Type::kString || r.type == RedisReply::Type::kStatus ? r.str : "";
}

// Turns a script's result into the caller's answer: `parse` reads a reply (nullopt when it is
// not the expected shape); failures are counted and answered as a StateError.
template <typename T, typename Parse>
RedisCallback Answer(std::shared_ptr<RedisLinkStatus> status, SharedBackend::Callback<T> done,
                     Parse parse) {
  return [status = std::move(status), done = std::move(done),
          parse = std::move(parse)](RedisResult result) {
    if (auto* error = std::get_if<RedisError>(&result)) {
      status->CountError();
      done(StateError{std::move(error->message)});
      return;
    }
    std::optional<T> value = parse(std::get<RedisReply>(result));
    if (!value) {
      status->CountError();
      done(StateError{"redis " + status->endpoint() + ": unexpected answer from a script"});
      return;
    }
    done(std::move(*value));
  };
}

template <typename T>
void NotAttached(const std::shared_ptr<RedisLinkStatus>& status,
                 const SharedBackend::Callback<T>& done) {
  status->CountError();
  done(StateError{"redis " + status->endpoint() + ": this thread is not attached"});
}

}  // namespace

RedisBackend::RedisBackend(RedisOptions options)
    : options_(std::move(options)),
      id_(next_backend_id.fetch_add(1)),
      status_(std::make_shared<RedisLinkStatus>((options_.host.find(':') != std::string::npos
                                                     ? "[" + options_.host + "]"
                                                     : options_.host) +
                                                ":" + std::to_string(options_.port))) {}

RedisBackend::~RedisBackend() { DetachThread(); }

void RedisBackend::AttachThread(event_base* base) {
  std::unique_ptr<RedisClient>& slot = Clients().by_backend[id_];
  if (slot) return;
  RedisClientOptions client;
  client.host = options_.host;
  client.port = options_.port;
  client.password = options_.password;
  client.db = options_.db;
  client.command_timeout = options_.command_timeout;
  client.connect_timeout = options_.connect_timeout;
  client.retry_min = options_.retry_min;
  client.retry_max = options_.retry_max;
  slot = std::make_unique<RedisClient>(base, std::move(client), status_);
}

void RedisBackend::DetachThread() {
  auto& map = Clients().by_backend;
  auto it = map.find(id_);
  if (it == map.end()) return;
  // Out of the table first: callbacks the destructor runs must find the thread detached.
  std::unique_ptr<RedisClient> client = std::move(it->second);
  map.erase(it);
  client.reset();
}

void RedisBackend::CheckRate(std::string_view key, const RatePolicy& policy,
                             Callback<RateDecision> done) {
  if (LocalClient(id_) == nullptr) return NotAttached(status_, done);
  // T and span exactly as GcraStep computes them (span saturates like its SatMul).
  const int64_t interval = GcraInterval(policy);
  const uint64_t burst = std::max<uint64_t>(policy.burst, 1);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t span = burst > static_cast<uint64_t>(kMax / interval)
                           ? kMax
                           : static_cast<int64_t>(burst) * interval;
  std::string redis_key = options_.key_prefix + "rate:";
  redis_key.append(key);
  RunScript(id_, RateScript(),
            {"1", std::move(redis_key), std::to_string(interval), std::to_string(span)},
            Answer<RateDecision>(status_, std::move(done),
                                 [burst](const RedisReply& r) -> std::optional<RateDecision> {
                                   if (r.elements.size() != 4) return std::nullopt;
                                   std::array<int64_t, 4> v{};
                                   for (size_t i = 0; i < 4; ++i) {
                                     std::optional<int64_t> n = ToInt(r.elements[i]);
                                     if (!n || *n < 0) return std::nullopt;
                                     v[i] = *n;
                                   }
                                   RateDecision d;
                                   d.allowed = v[0] == 1;
                                   d.limit = burst;
                                   d.remaining = static_cast<uint64_t>(v[1]);
                                   d.retry_after = std::chrono::nanoseconds(v[2]);
                                   d.reset = std::chrono::nanoseconds(v[3]);
                                   return d;
                                 }));
}

void RedisBackend::Strike(std::string_view ip, const StrikePolicy& policy, std::string_view reason,
                          Callback<std::optional<Ban>> done) {
  RedisClient* client = LocalClient(id_);
  if (client == nullptr) return NotAttached(status_, done);
  if (policy.threshold == 0) {  // no dynamic bans: nothing to count
    client->Defer([done = std::move(done)] { done(std::optional<Ban>()); });
    return;
  }
  std::string ip_text(ip);
  RunScript(
      id_, StrikeScript(),
      {"3", options_.key_prefix + "strike:" + ip_text, options_.key_prefix + "bans",
       options_.key_prefix + "ban_reasons", std::to_string(policy.threshold),
       std::to_string(CeilMillis(policy.window)), std::to_string(CeilMillis(policy.ban_for)),
       ip_text, std::string(reason)},
      Answer<std::optional<Ban>>(
          status_, std::move(done),
          [ip_text](const RedisReply& r) -> std::optional<std::optional<Ban>> {
            if (r.elements.empty()) return std::nullopt;
            std::optional<int64_t> banned = ToInt(r.elements[0]);
            if (!banned) return std::nullopt;
            if (*banned == 0) return std::optional<Ban>();
            if (r.elements.size() != 3) return std::nullopt;
            std::optional<int64_t> expires = ToInt(r.elements[1]);
            if (!expires) return std::nullopt;
            return std::optional<Ban>(Ban{ip_text, FromEpochMillis(*expires), Text(r.elements[2])});
          }));
}

void RedisBackend::AddBan(const Ban& ban, Callback<bool> done) {
  if (LocalClient(id_) == nullptr) return NotAttached(status_, done);
  RunScript(id_, AddBanScript(),
            {"2", options_.key_prefix + "bans", options_.key_prefix + "ban_reasons", ban.ip,
             std::to_string(EpochMillis(ban.expires)), ban.reason},
            Answer<bool>(status_, std::move(done), [](const RedisReply& r) -> std::optional<bool> {
              if (r.type != RedisReply::Type::kInteger) return std::nullopt;
              return r.integer == 1;
            }));
}

void RedisBackend::RemoveBan(std::string_view ip, Callback<bool> done) {
  if (LocalClient(id_) == nullptr) return NotAttached(status_, done);
  RunScript(
      id_, RemoveBanScript(),
      {"2", options_.key_prefix + "bans", options_.key_prefix + "ban_reasons", std::string(ip)},
      Answer<bool>(status_, std::move(done), [](const RedisReply& r) -> std::optional<bool> {
        if (r.type != RedisReply::Type::kInteger) return std::nullopt;
        return r.integer == 1;
      }));
}

void RedisBackend::ListBans(Callback<std::vector<Ban>> done) {
  if (LocalClient(id_) == nullptr) return NotAttached(status_, done);
  RunScript(
      id_, ListBansScript(),
      {"2", options_.key_prefix + "bans", options_.key_prefix + "ban_reasons"},
      Answer<std::vector<Ban>>(
          status_, std::move(done), [](const RedisReply& r) -> std::optional<std::vector<Ban>> {
            if (r.type != RedisReply::Type::kArray || r.elements.size() % 3 != 0) {
              return std::nullopt;
            }
            std::vector<Ban> bans;
            bans.reserve(r.elements.size() / 3);
            for (size_t i = 0; i < r.elements.size(); i += 3) {
              std::optional<int64_t> expires = ToInt(r.elements[i + 1]);
              if (!expires) return std::nullopt;
              bans.push_back(
                  Ban{Text(r.elements[i]), FromEpochMillis(*expires), Text(r.elements[i + 2])});
            }
            return bans;
          }));
}

void RedisBackend::SharedSecret(std::string_view name, std::string_view candidate,
                                std::chrono::milliseconds ttl, Callback<std::string> done) {
  if (LocalClient(id_) == nullptr) return NotAttached(status_, done);
  RunScript(id_, SecretScript(),
            {"1", options_.key_prefix + "secret:" + std::string(name), std::string(candidate),
             std::to_string(std::max<int64_t>(ttl.count(), 1))},
            Answer<std::string>(status_, std::move(done),
                                [](const RedisReply& r) -> std::optional<std::string> {
                                  if (r.type != RedisReply::Type::kString) return std::nullopt;
                                  return Text(r);
                                }));
}

BackendStatus RedisBackend::status() const {
  return BackendStatus{status_->up(), status_->errors(), status_->reconnects()};
}

}  // namespace rampart::state
