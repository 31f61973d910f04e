#include "state/redis_client.h"

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace rampart::state {
namespace {

using Clock = std::chrono::steady_clock;

timeval ToTimeval(Clock::duration d) {
  const auto us =
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

RedisReply Copy(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Copy(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

// One command hiredis holds (its privdata) until it calls OnReplyThunk, which deletes it.
struct RedisClient::Pending {
  // Null once the client is gone or the command expired (its answer is then ignored).
  RedisClient* client = nullptr;
  Pending* prev = nullptr;
  Pending* next = nullptr;
  Clock::time_point sent;
  RedisCallback done;
  bool answered = false;  // `done` already ran (expired while connecting)
  // Handshake steps are not in the list: the connect timeout covers them, and they find their
  // client through redisAsyncContext::data, which is cleared when the connection is let go.
  bool internal = false;
  bool last_step = false;  // the PING that completes the handshake
  const char* step = "";
};

// --- RedisLinkStatus ---------------------------------------------------------------------------

bool RedisLinkStatus::up() const {
  const int attached = attached_.load(std::memory_order_relaxed);
  return attached > 0 && connected_.load(std::memory_order_relaxed) >= attached;
}

void RedisLinkStatus::Attached() { attached_.fetch_add(1, std::memory_order_relaxed); }

void RedisLinkStatus::Detached(bool was_connected) {
  if (was_connected) connected_.fetch_sub(1, std::memory_order_relaxed);
  attached_.fetch_sub(1, std::memory_order_relaxed);
}

void RedisLinkStatus::Connected(bool after_failure) {
  if (after_failure) reconnects_.fetch_add(1, std::memory_order_relaxed);
  const int connected = connected_.fetch_add(1, std::memory_order_relaxed) + 1;
  // Only the thread that flips the flag logs, so the line appears once per outage.
  if (connected >= attached_.load(std::memory_order_relaxed) &&
      !reachable_.load(std::memory_order_relaxed) && !reachable_.exchange(true)) {
    spdlog::info("redis {} reachable again", endpoint_);
  }
}

void RedisLinkStatus::Lost(bool was_connected, std::string_view reason) {
  if (was_connected) connected_.fetch_sub(1, std::memory_order_relaxed);
  if (reachable_.exchange(false)) spdlog::warn("redis {} unreachable: {}", endpoint_, reason);
}

// --- RedisClient -------------------------------------------------------------------------------

RedisClient::RedisClient(event_base* base, RedisClientOptions options,
                         std::shared_ptr<RedisLinkStatus> status)
    : base_(base),
      options_(std::move(options)),
      status_(std::move(status)),
      backoff_(options_.retry_min) {
  deferred_event_ = event_new(base_, -1, 0, &RedisClient::OnDeferredThunk, this);
  retry_timer_ = evtimer_new(base_, &RedisClient::OnRetryThunk, this);
  connect_timer_ = evtimer_new(base_, &RedisClient::OnConnectTimeoutThunk, this);
  command_timer_ = evtimer_new(base_, &RedisClient::OnCommandTimeoutThunk, this);
  status_->Attached();
  Connect();
}

RedisClient::~RedisClient() {
  closing_ = true;
  event_free(retry_timer_);
  event_free(connect_timer_);
  event_free(command_timer_);
  // Commands in flight learn the client is gone; hiredis still calls each of them back below.
  for (Pending* p = head_; p != nullptr; p = p->next) p->client = nullptr;
  head_ = tail_ = nullptr;
  status_->Detached(connected_);
  connected_ = false;
  if (redisAsyncContext* ac = std::exchange(ac_, nullptr)) {
    ac->data = nullptr;
    // Runs the pending callbacks now, or right after the hiredis callback we are inside of.
    redisAsyncFree(ac);
  }
  while (!deferred_.empty()) {
    std::vector<std::function<void()>> run = std::move(deferred_);
    deferred_.clear();
    for (auto& fn : run) fn();
  }
  event_free(deferred_event_);
}

void RedisClient::Command(const std::vector<std::string_view>& argv, RedisCallback done) {
  if (ac_ == nullptr) {
    Defer([done = std::move(done), message = Unreachable()] { done(RedisError{message}); });
    return;
  }
  auto* p = new Pending;
  p->client = this;
  p->sent = Clock::now();
  p->done = std::move(done);
  if (!Send(argv, p)) {
    Defer([done = std::move(p->done), message = Unreachable()] { done(RedisError{message}); });
    delete p;
    return;
  }
  Link(p);
  if (evtimer_pending(command_timer_, nullptr) == 0) ArmCommandTimer(options_.command_timeout);
}

void RedisClient::Defer(std::function<void()> fn) {
  if (closing_) {  // called from a callback the destructor runs: there is no later any more
    fn();
    return;
  }
  deferred_.push_back(std::move(fn));
  event_active(deferred_event_, EV_TIMEOUT, 0);
}

bool RedisClient::Send(const std::vector<std::string_view>& argv, Pending* p) noexcept {
  constexpr size_t kInline = 16;
  const char* inline_args[kInline];
  size_t inline_lens[kInline];
  std::vector<const char*> heap_args;
  std::vector<size_t> heap_lens;
  const char** args = inline_args;
  size_t* lens = inline_lens;
  if (argv.size() > kInline) {
    heap_args.resize(argv.size());
    heap_lens.resize(argv.size());
    args = heap_args.data();
    lens = heap_lens.data();
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    args[i] = argv[i].data();
    lens[i] = argv[i].size();
  }
  // Fails only when the context is being torn down (or out of memory); no callback runs then.
  return redisAsyncCommandArgv(ac_, &RedisClient::OnReplyThunk, p, static_cast<int>(argv.size()),
                               args, lens) == REDIS_OK;
}

void RedisClient::Connect() noexcept {
  drop_reason_.clear();
  redisAsyncContext* ac = redisAsyncConnect(options_.host.c_str(), options_.port);
  if (ac == nullptr) {
    Lost("cannot allocate a connection");
    return;
  }
  if (ac->err != 0) {  // e.g. ECONNREFUSED reported by connect(2) itself
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    Lost(std::move(why));
    return;
  }
  if (redisLibeventAttach(ac, base_) != REDIS_OK) {
    redisAsyncFree(ac);
    Lost("cannot attach to the event loop");
    return;
  }
  ac->data = this;
  redisAsyncSetConnectCallback(ac, &RedisClient::OnConnectThunk);
  redisAsyncSetDisconnectCallback(ac, &RedisClient::OnDisconnectThunk);
  ac_ = ac;
  const timeval tv = ToTimeval(options_.connect_timeout);
  evtimer_add(connect_timer_, &tv);
  Handshake();
}

void RedisClient::Handshake() noexcept {
  const std::string db = std::to_string(options_.db);
  struct Step {
    const char* name;
    std::vector<std::string_view> argv;
  };
  std::vector<Step> steps;
  if (!options_.password.empty()) steps.push_back({"AUTH", {"AUTH", options_.password}});
  if (options_.db != 0) steps.push_back({"SELECT", {"SELECT", db}});
  steps.push_back({"PING", {"PING"}});
  for (size_t i = 0; i < steps.size(); ++i) {
    auto* p = new Pending;
    p->internal = true;
    p->step = steps[i].name;
    p->last_step = i + 1 == steps.size();
    if (!Send(steps[i].argv, p)) {
      delete p;
      Drop("cannot queue the handshake");
      return;
    }
  }
}

void RedisClient::OnHandshakeReply(const Pending& p, const RedisResult& result) noexcept {
  if (const auto* err = std::get_if<RedisError>(&result)) {
    // A link failure is reported by OnConnectThunk/OnDisconnectThunk; a refusal is ours to act on.
    if (err->server) Drop(std::string(p.step) + " refused: " + err->message);
    return;
  }
  if (!p.last_step) return;
  connected_ = true;
  evtimer_del(connect_timer_);
  backoff_ = options_.retry_min;
  last_error_.clear();
  status_->Connected(std::exchange(had_failure_, false));
}

void RedisClient::Drop(std::string reason) noexcept {
  redisAsyncContext* ac = std::exchange(ac_, nullptr);
  if (ac == nullptr) return;
  ac->data = nullptr;  // its disconnect callback is not ours to handle any more
  drop_reason_ = reason;
  Lost(std::move(reason));
  redisAsyncFree(ac);  // last: pending callbacks run here and may destroy this client
}

void RedisClient::Lost(std::string reason) noexcept {
  const bool was_connected = std::exchange(connected_, false);
  had_failure_ = true;
  evtimer_del(connect_timer_);
  status_->Lost(was_connected, reason);
  last_error_ = std::move(reason);
  const timeval tv = ToTimeval(backoff_);
  evtimer_add(retry_timer_, &tv);
  backoff_ = std::min(backoff_ * 2, options_.retry_max);
}

void RedisClient::OnCommandTimeout() noexcept {
  const Clock::time_point now = Clock::now();
  const Clock::duration limit = options_.command_timeout;
  if (head_ == nullptr) return;
  if (now - head_->sent < limit) {
    ArmCommandTimer(head_->sent + limit - now);
    return;
  }
  std::string why = "no answer within " + std::to_string(options_.command_timeout.count()) + " ms";
  if (connected_) {
    // A server that stopped answering: start over on a fresh connection.
    Drop(std::move(why));
    return;
  }
  why = "redis " + status_->endpoint() + ": " + why;
  // Still connecting (the connect timeout decides about the connection): fail the commands that
  // waited too long; hiredis keeps them and their late answers are ignored.
  std::vector<RedisCallback> expired;
  while (head_ != nullptr && now - head_->sent >= limit) {
    Pending* p = head_;
    Unlink(p);
    p->client = nullptr;
    p->answered = true;
    expired.push_back(std::move(p->done));
  }
  if (head_ != nullptr) ArmCommandTimer(head_->sent + limit - now);
  for (RedisCallback& done : expired) done(RedisError{why});  // may destroy this client
}

void RedisClient::ArmCommandTimer(Clock::duration in) noexcept {
  const timeval tv = ToTimeval(in);
  evtimer_add(command_timer_, &tv);
}

void RedisClient::RunDeferred() noexcept {
  // Moved out first: a callback may defer more (they run on the next turn) or destroy this client.
  std::vector<std::function<void()>> run = std::move(deferred_);
  deferred_.clear();
  for (auto& fn : run) fn();
}

void RedisClient::Link(Pending* p) noexcept {
  p->prev = tail_;
  p->next = nullptr;
  if (tail_ != nullptr) {
    tail_->next = p;
  } else {
    head_ = p;
  }
  tail_ = p;
}

void RedisClient::Unlink(Pending* p) noexcept {
  if (p->prev != nullptr) {
    p->prev->next = p->next;
  } else {
    head_ = p->next;
  }
  if (p->next != nullptr) {
    p->next->prev = p->prev;
  } else {
    tail_ = p->prev;
  }
  p->prev = p->next = nullptr;
}

std::string RedisClient::Unreachable() const {
  return "redis " + status_->endpoint() + " unreachable" +
         (last_error_.empty() ? std::string() : ": " + last_error_);
}

// --- hiredis and libevent trampolines ----------------------------------------------------------

void RedisClient::OnReplyThunk(redisAsyncContext* ac, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  if (p->answered) return;
  RedisClient* client = p->internal ? static_cast<RedisClient*>(ac->data) : p->client;
  if (!p->internal && client != nullptr) client->Unlink(p.get());
  RedisResult result;
  if (reply == nullptr) {
    // The connection is going away: hiredis's error, else why we dropped it.
    std::string why = "redis connection closed";
    if (ac->err != 0 && ac->errstr != nullptr) {
      why = ac->errstr;
    } else if (client != nullptr && !client->drop_reason_.empty()) {
      why = client->drop_reason_;
    }
    if (client != nullptr && why.rfind("redis ", 0) != 0) {
      why = "redis " + client->status_->endpoint() + ": " + why;
    }
    result = RedisError{std::move(why)};
  } else {
    const auto* r = static_cast<const redisReply*>(reply);
    if (r->type == REDIS_REPLY_ERROR) {
      result = RedisError{std::string(r->str, r->len), true};
    } else {
      result = Copy(*r);
    }
  }
  if (p->internal) {
    if (client != nullptr) client->OnHandshakeReply(*p, result);
    return;
  }
  p->done(std::move(result));  // last: it may destroy the client
}

void RedisClient::OnConnectThunk(const redisAsyncContext* ac, int status) {
  auto* client = static_cast<RedisClient*>(ac->data);
  if (client == nullptr || status == REDIS_OK) return;  // the PING's answer completes it
  // hiredis frees the context after this returns (failing the commands queued on it).
  const_cast<redisAsyncContext*>(ac)->data = nullptr;
  client->ac_ = nullptr;
  client->Lost(ac->errstr != nullptr ? ac->errstr : "connect failed");
}

void RedisClient::OnDisconnectThunk(const redisAsyncContext* ac, int /*status*/) {
  auto* client = static_cast<RedisClient*>(ac->data);
  if (client == nullptr) return;  // dropped by us: already handled
  const_cast<redisAsyncContext*>(ac)->data = nullptr;
  client->ac_ = nullptr;
  client->Lost(ac->err != 0 && ac->errstr != nullptr ? ac->errstr : "connection closed");
}

void RedisClient::OnRetryThunk(int /*fd*/, short /*what*/, void* arg) {
  static_cast<RedisClient*>(arg)->Connect();
}

void RedisClient::OnConnectTimeoutThunk(int /*fd*/, short /*what*/, void* arg) {
  auto* client = static_cast<RedisClient*>(arg);
  if (client->ac_ == nullptr || client->connected_) return;
  client->Drop("no connection within " + std::to_string(client->options_.connect_timeout.count()) +
               " ms");
}

void RedisClient::OnCommandTimeoutThunk(int /*fd*/, short /*what*/, void* arg) {
  static_cast<RedisClient*>(arg)->OnCommandTimeout();
}

void RedisClient::OnDeferredThunk(int /*fd*/, short /*what*/, void* arg) {
  static_cast<RedisClient*>(arg)->RunDeferred();
}

}  // namespace rampart::state
