#include "stages/auth/forward_auth_client.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netdb.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <string_view>
#include <utility>

#include "http/chunked_decoder.h"
#include "http/h1_parser.h"
#include "http/message.h"

namespace rampart::stages::auth {

namespace {

using Outcome = ForwardAuthResponse::Outcome;

timeval ToTimeval(std::chrono::milliseconds timeout) {
  const int64_t ms = std::max<int64_t>(timeout.count(), 0);
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

core::Error UrlError(const std::string& what) { return core::MakeError("forward.url: " + what); }

std::string_view View(evbuffer* buffer, size_t length) {
  const auto* data = evbuffer_pullup(buffer, static_cast<ev_ssize_t>(length));
  return {reinterpret_cast<const char*>(data), data == nullptr ? 0 : length};
}

// One sub-request. A single timer is the deadline of the whole call, and also carries a connect
// failure seen inside Start to the loop, so that `done` never runs inside Start.
class Call final : public ForwardAuthCall {
 public:
  Call(event_base* base, std::chrono::milliseconds timeout, size_t max_response_bytes, Done done)
      : timeout_(timeout), max_bytes_(max_response_bytes), done_(std::move(done)) {
    timer_ = evtimer_new(base, &Call::OnTimer, this);
  }

  ~Call() override { Release(); }

  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  void Connect(event_base* base, const ForwardAuthEndpoint& endpoint, const std::string& request) {
    // One deadline for connect, send and the whole response (bufferevent timeouts are per
    // operation and would restart with every byte a slow service trickles).
    const timeval deadline = ToTimeval(timeout_);
    evtimer_add(timer_, &deadline);
    bev_ = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev_ == nullptr) return FailLater("cannot create a socket");
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    bufferevent_write(bev_, request.data(), request.size());  // flushed once connected
    // The callbacks are set only afterwards, so that no libevent version can run them (and
    // `done`) from inside bufferevent_socket_connect; a callback it defers finds them set.
    if (bufferevent_socket_connect(bev_, reinterpret_cast<const sockaddr*>(&endpoint.address),
                                   static_cast<int>(endpoint.address_length)) != 0) {
      return FailLater(std::string("connect failed: ") +
                       evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    bufferevent_setcb(bev_, &Call::OnRead, nullptr, &Call::OnEvent, this);
  }

 private:
  static void OnTimer(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
    auto* self = static_cast<Call*>(arg);
    if (!self->connect_error_.empty()) {
      self->Fail(Outcome::kConnectFailed, std::move(self->connect_error_));
    } else {
      self->Fail(Outcome::kTimeout,
                 "no complete answer within " + std::to_string(self->timeout_.count()) + " ms");
    }
  }

  static void OnRead(bufferevent* bev, void* arg) {
    auto* self = static_cast<Call*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    // Every byte received counts against the limit (interim responses and chunk framing too).
    if (self->consumed_ + evbuffer_get_length(input) > self->max_bytes_) {
      self->Fail(Outcome::kBadResponse,
                 "response larger than " + std::to_string(self->max_bytes_) + " bytes");
      return;
    }
    self->OnBytes(input);
  }

  static void OnEvent(bufferevent* /*bev*/, short what, void* arg) {
    auto* self = static_cast<Call*>(arg);
    // libevent keeps errno for its (possibly deferred) error callbacks.
    const std::string error = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
    if (what & BEV_EVENT_CONNECTED) {
      self->connected_ = true;
    } else if (!self->connected_) {
      self->Fail(Outcome::kConnectFailed, "connect failed: " + error);
    } else if (!(what & BEV_EVENT_EOF)) {
      self->Fail(Outcome::kBadResponse, "connection error: " + error);
    } else if (self->head_done_ && self->head_.framing == http::BodyFraming::kUntilClose) {
      self->Answer();
    } else {
      self->Fail(Outcome::kBadResponse, "connection closed before the response was complete");
    }
  }

  // Consumes what `input` holds. Each path that ends the call returns right after Answer() or
  // Fail(): `done` may have destroyed this object.
  void OnBytes(evbuffer* input) {
    while (!head_done_) {
      const std::string_view data = View(input, evbuffer_get_length(input));
      size_t consumed = 0;
      switch (parser_.Parse(data, /*request_method_head=*/false, head_, consumed)) {
        case http::ParseStatus::kPartial:
          return;
        case http::ParseStatus::kError:
          return Fail(
              Outcome::kBadResponse,
              "malformed response head (" + std::string(ParseErrorName(parser_.error())) + ")");
        case http::ParseStatus::kComplete:
          break;
      }
      Drain(input, consumed);
      if (head_.status == 101) return Fail(Outcome::kBadResponse, "unexpected 101 response");
      // 100 Continue, 103 Early Hints: the real answer follows.
      if (head_.status < 200) {
        parser_.Reset();
        continue;
      }
      head_done_ = true;
    }
    switch (head_.framing) {
      case http::BodyFraming::kNone:
        return Answer();
      case http::BodyFraming::kContentLength:
        TakeBody(input, std::min<uint64_t>(head_.content_length - body_.size(),
                                           evbuffer_get_length(input)));
        if (body_.size() == head_.content_length) return Answer();
        return;
      case http::BodyFraming::kUntilClose:
        TakeBody(input, evbuffer_get_length(input));  // EOF ends it (OnEvent)
        return;
      case http::BodyFraming::kChunked:
        return ReadChunked(input);
    }
  }

  void ReadChunked(evbuffer* input) {
    while (true) {
      const size_t available = evbuffer_get_length(input);
      const auto step = chunked_.Next(
          View(input, std::min(available, http::ChunkedDecoder::kMaxPeek)), available);
      Drain(input, step.consumed);
      switch (step.kind) {
        case http::ChunkedDecoder::Step::kNeedMore:
          return;
        case http::ChunkedDecoder::Step::kError:
          return Fail(
              Outcome::kBadResponse,
              "malformed chunked body (" + std::string(ParseErrorName(chunked_.error())) + ")");
        case http::ChunkedDecoder::Step::kDone:
          return Answer();
        case http::ChunkedDecoder::Step::kData:
          TakeBody(input, step.payload);
          break;
      }
    }
  }

  void Drain(evbuffer* input, size_t length) {
    evbuffer_drain(input, length);
    consumed_ += length;
  }

  void TakeBody(evbuffer* input, size_t length) {
    const size_t old_size = body_.size();
    body_.resize(old_size + length);
    evbuffer_remove(input, body_.data() + old_size, length);
    consumed_ += length;
  }

  void Answer() {
    ForwardAuthResponse response;
    response.status = head_.status;
    response.headers = std::move(head_.headers);
    response.body = std::move(body_);
    Finish(std::move(response));
  }

  void Fail(Outcome outcome, std::string error) {
    ForwardAuthResponse response;
    response.outcome = outcome;
    response.error = std::move(error);
    Finish(std::move(response));
  }

  // A failure seen inside Start, reported from the loop.
  void FailLater(std::string error) {
    if (bev_ != nullptr) bufferevent_free(bev_);
    bev_ = nullptr;
    connect_error_ = std::move(error);
    const timeval now{0, 0};
    evtimer_add(timer_, &now);
  }

  // Frees everything first, then runs `done` as the very last thing: it may destroy this call.
  void Finish(ForwardAuthResponse response) {
    Release();
    Done done = std::move(done_);
    done(std::move(response));
  }

  void Release() {
    if (bev_ != nullptr) bufferevent_free(bev_);
    bev_ = nullptr;
    if (timer_ != nullptr) event_free(timer_);
    timer_ = nullptr;
  }

  const std::chrono::milliseconds timeout_;
  const size_t max_bytes_;
  Done done_;
  event* timer_ = nullptr;
  bufferevent* bev_ = nullptr;
  std::string connect_error_;  // set by FailLater
  bool connected_ = false;
  size_t consumed_ = 0;  // bytes taken out of the input so far
  http::ResponseParser parser_;
  http::Response head_;
  bool head_done_ = false;  // head_ is the final (non-1xx) response
  http::ChunkedDecoder chunked_;
  std::string body_;
};

}  // namespace

core::Result<ForwardAuthEndpoint> ParseForwardAuthUrl(const std::string& url) {
  std::string_view rest = url;
  if (StartsWithNoCase(rest, "https://")) {
    return UrlError(
        "https is not supported yet: TLS to backends comes with the TLS work; use http to a "
        "local auth service");
  }
  if (!StartsWithNoCase(rest, "http://")) {
    return UrlError("expected http://host[:port][/path], got '" + url + "'");
  }
  rest.remove_prefix(std::string_view("http://").size());
  // The path goes into the request line as it is.
  if (std::any_of(rest.begin(), rest.end(), [](char c) { return c <= ' ' || c >= 0x7f; })) {
    return UrlError("'" + url + "' has a space, a control or a non-ASCII byte");
  }
  if (rest.find('#') != std::string_view::npos) {
    return UrlError("'" + url + "' has a fragment (#)");
  }

  ForwardAuthEndpoint endpoint;
  endpoint.url = url;
  const size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  endpoint.path = authority_end == std::string_view::npos ? "/" : rest.substr(authority_end);
  if (endpoint.path.front() == '?') endpoint.path.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    return UrlError("'" + url + "' has credentials; they are not supported");
  }

  // host[:port], with an IPv6 address in brackets ("[::1]:9091").
  const bool bracketed = !authority.empty() && authority.front() == '[';
  size_t host_end = authority.find(':');
  if (!bracketed && host_end != authority.rfind(':')) {
    return UrlError("'" + url + "': an IPv6 address needs brackets (http://[::1]:9091/)");
  }
  if (bracketed) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return UrlError("'" + url + "' has no closing ']'");
    host_end = close + 1;
    if (host_end < authority.size() && authority[host_end] != ':') {
      return UrlError("'" + url + "' has bytes after ']' that are not a port");
    }
  }
  const std::string_view host_text = authority.substr(0, host_end);  // "[::1]" as written
  const std::string host(bracketed ? host_text.substr(1, host_text.size() - 2) : host_text);
  if (host.empty()) return UrlError("'" + url + "' has no host");
  unsigned port = 80;
  if (host_end < authority.size()) {
    const std::string_view port_text = authority.substr(host_end + 1);
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return UrlError("bad port '" + std::string(port_text) + "' in '" + url + "' (1-65535)");
    }
  }
  endpoint.host_header = std::string(host_text);
  if (port != 80) endpoint.host_header += ":" + std::to_string(port);

  // Resolved once, here: a numeric address is taken as it is (no DNS); a name is looked up and
  // its first address kept.
  addrinfo hints{};
  hints.ai_family = bracketed ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (bracketed ? AI_NUMERICHOST : 0);
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  if (rc != 0) return UrlError("cannot resolve '" + host + "': " + gai_strerror(rc));
  std::memcpy(&endpoint.address, list->ai_addr, list->ai_addrlen);
  endpoint.address_length = list->ai_addrlen;
  freeaddrinfo(list);
  return endpoint;
}

std::unique_ptr<ForwardAuthCall> ForwardAuthCall::Start(event_base* base,
                                                        const ForwardAuthEndpoint& endpoint,
                                                        std::string request,
                                                        std::chrono::milliseconds timeout,
                                                        size_t max_response_bytes, Done done) {
  auto call = std::make_unique<Call>(base, timeout, max_response_bytes, std::move(done));
  call->Connect(base, endpoint, request);
  return call;
}

}  // namespace rampart::stages::auth
