#include "upstream/health_monitor.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <spdlog/spdlog.h>

#include <random>
#include <string>
#include <string_view>

#include "http/h1_parser.h"
#include "http/message.h"

namespace rampart::upstream {

namespace {

timeval ToTimeval(uint64_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

}  // namespace

// One server's probe loop. A single timer serves both as the wait before the next probe and as
// the deadline of the probe in flight: while bev_ is set it is the deadline.
class HealthMonitor::Checker {
 public:
  Checker(event_base* base, std::shared_ptr<const Pool> pool, size_t index, Connector connector)
      : base_(base),
        connector_(std::move(connector)),
        pool_(std::move(pool)),
        server_(pool_->servers()[index]),
        config_(*pool_->config().health),
        rng_(std::random_device{}()) {
    timer_ = evtimer_new(base_, &Checker::OnTimer, this);
    const timeval now{0, 0};
    evtimer_add(timer_, &now);  // the first probe as soon as the loop runs
  }

  ~Checker() {
    if (bev_ != nullptr) bufferevent_free(bev_);
    event_free(timer_);
  }

  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

 private:
  static void OnTimer(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
    auto* self = static_cast<Checker*>(arg);
    if (self->bev_ != nullptr) {
      self->Finish(false, "timed out after " + std::to_string(self->config_.timeout_ms) + " ms");
    } else {
      self->StartProbe();
    }
  }

  static void OnRead(bufferevent* bev, void* arg) {
    auto* self = static_cast<Checker*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    const size_t length = evbuffer_get_length(input);
    const size_t old_size = self->received_.size();
    self->received_.resize(old_size + length);
    evbuffer_remove(input, self->received_.data() + old_size, length);
    self->OnBytes();
  }

  static void OnEvent(bufferevent* /*bev*/, short what, void* arg) {
    auto* self = static_cast<Checker*>(arg);
    if (what & BEV_EVENT_CONNECTED) {
      self->connected_ = true;
      self->SendRequest();
      return;
    }
    if (what & BEV_EVENT_EOF) {
      self->Finish(false, "connection closed before the response head");
    } else {
      // libevent keeps errno for its (possibly deferred) error callbacks.
      const std::string error = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
      self->Finish(false, (self->connected_ ? "connection error: " : "connect failed: ") + error);
    }
  }

  void StartProbe() {
    received_.clear();
    parser_.Reset();
    connected_ = false;
    bev_ = connector_ ? connector_(base_, server_)
                      : bufferevent_socket_new(base_, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev_ == nullptr) {
      Finish(false, "cannot create a socket");
      return;
    }
    bufferevent_setcb(bev_, &Checker::OnRead, nullptr, &Checker::OnEvent, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    // One deadline for connect and response head together (bufferevent timeouts are per
    // operation and would restart with every byte a slow backend trickles).
    const timeval deadline = ToTimeval(config_.timeout_ms);
    evtimer_add(timer_, &deadline);
    if (bufferevent_socket_connect(bev_, server_.address.get(),
                                   static_cast<int>(server_.address.length)) != 0) {
      const std::string error = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
      Finish(false, "connect failed: " + error);
    }
  }

  void SendRequest() {
    const std::string& host = config_.host.empty() ? server_.address_text : config_.host;
    const std::string request = "GET " + config_.path + " HTTP/1.1\r\nHost: " + host +
                                "\r\nUser-Agent: rampart-health-check\r\nConnection: close\r\n\r\n";
    bufferevent_write(bev_, request.data(), request.size());
  }

  void OnBytes() {
    http::Response response;
    size_t consumed = 0;
    switch (parser_.Parse(received_, /*request_method_head=*/false, response, consumed)) {
      case http::ParseStatus::kPartial:
        return;
      case http::ParseStatus::kError:
        Finish(false,
               "malformed response (" + std::string(http::ParseErrorName(parser_.error())) + ")");
        return;
      case http::ParseStatus::kComplete:
        break;
    }
    for (const auto& [low, high] : config_.expect) {
      if (response.status >= low && response.status <= high) {
        Finish(true, "");
        return;
      }
    }
    Finish(false, "status " + std::to_string(response.status));
  }

  // Ends the probe in flight (the body, if any, is never read), updates the streaks and the
  // server's state, and schedules the next probe.
  void Finish(bool passed, const std::string& reason) {
    if (bev_ != nullptr) {
      bufferevent_free(bev_);
      bev_ = nullptr;
    }
    received_.clear();
    ServerState& state = *server_.state;
    if (passed) {
      failures_ = 0;
      ++passes_;
      if (!state.healthy.load(std::memory_order_relaxed) && passes_ >= config_.rise) {
        state.ramp_start_ms.store(NowMs(), std::memory_order_relaxed);
        state.healthy.store(true, std::memory_order_relaxed);
        spdlog::info("health: pool {} server {} is up", pool_->name(), server_.name);
      }
    } else {
      passes_ = 0;
      ++failures_;
      state.health_checks_failed_total.fetch_add(1, std::memory_order_relaxed);
      if (state.healthy.load(std::memory_order_relaxed) && failures_ >= config_.fall) {
        state.healthy.store(false, std::memory_order_relaxed);
        spdlog::warn("health: pool {} server {} is down ({} consecutive failures: {})",
                     pool_->name(), server_.name, failures_, reason);
      }
    }
    // Up to 10% jitter so that servers checked together drift apart instead of probing in
    // lock-step after every reload.
    const uint64_t interval = config_.interval_ms;
    const uint64_t jitter = interval / 10 == 0 ? 0 : rng_() % (interval / 10 + 1);
    const timeval next = ToTimeval(interval + jitter);
    evtimer_add(timer_, &next);
  }

  event_base* base_;
  Connector connector_;               // null: a plain socket
  std::shared_ptr<const Pool> pool_;  // keeps server_ and config_ alive
  const Server& server_;
  const config::HealthCheckConfig& config_;
  std::minstd_rand rng_;
  event* timer_ = nullptr;
  bufferevent* bev_ = nullptr;  // the probe in flight
  bool connected_ = false;
  std::string received_;  // response bytes of the probe in flight
  http::ResponseParser parser_;
  uint32_t passes_ = 0;  // consecutive
  uint32_t failures_ = 0;
};

HealthMonitor::HealthMonitor(event_base* base) : base_(base) {}

HealthMonitor::~HealthMonitor() = default;

void HealthMonitor::Watch(const std::vector<std::shared_ptr<const Pool>>& pools,
                          const std::vector<Connector>& connectors) {
  checkers_.clear();  // frees probes in flight and timers
  for (size_t p = 0; p < pools.size(); ++p) {
    const auto& pool = pools[p];
    const Connector connector = p < connectors.size() ? connectors[p] : Connector();
    if (!pool->config().health) {
      // A pool that lost its checks must not keep a server down forever. Done here, once the
      // snapshot is published, so that a refused reload changes nothing.
      for (const Server& server : pool->servers()) server.state->healthy.store(true);
      continue;
    }
    for (size_t i = 0; i < pool->servers().size(); ++i) {
      checkers_.push_back(std::make_unique<Checker>(base_, pool, i, connector));
    }
  }
}

}  // namespace rampart::upstream
