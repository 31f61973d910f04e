#include "proxy/session.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/strings.h"
#include "http/cookie.h"
#include "http/h1_writer.h"
#include "net/address.h"
#include "net/proxy_protocol.h"
#include "pipeline/local_reply.h"
#include "proxy/client_accept.h"
#include "proxy/client_ip.h"
#include "proxy/forwarding.h"
#include "proxy/h2_connection.h"
#include "proxy/offload_ticket.h"
#include "routing/hash_key.h"
#include "routing/normalize_path.h"
#include "tls/acme_challenges.h"
#include "tls/connection.h"

namespace rampart::proxy {

namespace {

// Above this many bytes waiting in one side's output, the other side stops reading.
constexpr size_t kHighWater = 256 * 1024;
constexpr size_t kLowWater = 64 * 1024;
// Response heads from backends may be larger than what we accept from clients.
constexpr size_t kMaxResponseHead = 64 * 1024;
constexpr uint64_t kLingerMs = 2000;
// A chunked body is read this far before a backend is contacted, so that a small body with bad
// framing is refused before any backend sees a byte of it; larger bodies then stream.
constexpr size_t kChunkedPrebuffer = 64 * 1024;

timeval ToTimeval(uint64_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

size_t Length(evbuffer* buf) { return evbuffer_get_length(buf); }

uint64_t SaturatingAddOne(uint64_t n) { return n == UINT64_MAX ? n : n + 1; }

// What an HTTP/2 client with prior knowledge sends first (RFC 9113 §3.4).
constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string_view Peek(evbuffer* buf, size_t max) {
  const size_t n = buf == nullptr ? 0 : std::min(Length(buf), max);
  if (n == 0) return {};
  auto* data = reinterpret_cast<const char*>(evbuffer_pullup(buf, static_cast<ev_ssize_t>(n)));
  return {data, n};
}

// Moves `n` bytes from `in` to the end of `out` as one chunk of chunked framing, without copying
// the payload. Returns the bytes added to `out`.
size_t MoveAsChunk(evbuffer* in, evbuffer* out, size_t n) {
  std::string size_line;
  http::AppendChunkSize(size_line, n);
  evbuffer_add(out, size_line.data(), size_line.size());
  evbuffer_remove_buffer(in, out, n);
  evbuffer_add(out, "\r\n", 2);
  return size_line.size() + n + 2;
}

bool IsIdempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Life cycle

void Session::Start(WorkerContext& worker, bufferevent* client, ConnectionInfo info) {
  auto* session = new Session(worker, client, std::move(info));
  worker.sessions.insert(session);
}

Session::Session(WorkerContext& worker, bufferevent* client, ConnectionInfo info)
    : worker_(worker), client_(client), conn_(std::move(info)) {
  // The PROXY protocol's client when an earlier handler read the header (HTTP/2 streams).
  client_ip_ = conn_.proxied_client_ip.empty() ? conn_.peer_ip : conn_.proxied_client_ip;
  client_port_ = conn_.proxied_client_ip.empty() ? conn_.peer_port : conn_.proxied_client_port;
  local_ = conn_.local;
  awaiting_proxy_header_ = conn_.proxy_protocol;
  client_plain_socket_ = conn_.tls == nullptr && !conn_.http2_stream;
  runtime_ = worker_.runtime();
  parser_ = http::RequestParser(runtime_->parse_limits);
  response_parser_ = http::ResponseParser(
      http::ParseLimits{runtime_->parse_limits.max_request_line, kMaxResponseHead,
                        2 * runtime_->parse_limits.max_header_count});
  timer_ = evtimer_new(worker_.base, &Session::OnTimerCb, this);
  deferred_ = event_new(worker_.base, -1, 0, &Session::OnDeferredCb, this);
  cache_wake_ = event_new(worker_.base, -1, 0, &Session::OnCacheWakeCb, this);
  bufferevent_setcb(client_, &Session::OnClientReadCb, &Session::OnClientWriteCb,
                    &Session::OnClientEventCb, this);
  bufferevent_setwatermark(client_, EV_WRITE, kLowWater, 0);
  const timeval send_tv = ToTimeval(timeouts().send_ms);
  bufferevent_set_timeouts(client_, nullptr, &send_tv);
  bufferevent_enable(client_, EV_READ);  // writes: see FlushSide
  // The first request must start arriving as fast as a head must complete.
  ArmTimer(timeouts().client_header_ms);
  // A TLS handshake may have read the first request already.
  if (Length(ClientInput()) > 0) event_active(deferred_, EV_TIMEOUT, 0);
}

Session::~Session() {
  if (held_body_ != nullptr) evbuffer_free(held_body_);
  if (timer_ != nullptr) event_free(timer_);
  if (deferred_ != nullptr) event_free(deferred_);
  if (cache_wake_ != nullptr) event_free(cache_wake_);
  if (discard_ != nullptr) evbuffer_free(discard_);
}

const config::TimeoutsConfig& Session::timeouts() const { return runtime_->config.timeouts; }
evbuffer* Session::ClientInput() const { return bufferevent_get_input(client_); }
evbuffer* Session::ClientOutput() const { return bufferevent_get_output(client_); }

void Session::ArmTimer(uint64_t ms) {
  const timeval tv = ToTimeval(ms);
  evtimer_add(timer_, &tv);
}

void Session::SetClientReadTimeout(uint64_t ms) {
  const timeval send_tv = ToTimeval(timeouts().send_ms);
  if (ms == 0) {
    bufferevent_set_timeouts(client_, nullptr, &send_tv);
  } else {
    const timeval read_tv = ToTimeval(ms);
    bufferevent_set_timeouts(client_, &read_tv, &send_tv);
  }
}

void Session::OnDrain() {
  if (closed_) return;
  // An HTTP/2 stream's Session exists for one request that is already on its way: its
  // H2Connection drains the connection (GOAWAY) and the stream is served.
  if (state_ == State::kWaitingForRequest && !conn_.http2_stream) {
    Close();
    return;
  }
  close_after_ = true;
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  if (offload_ != nullptr) offload_->Abandon();  // its job may still run; it no longer wakes us
  if (disk_ticket_ != nullptr) disk_ticket_->Abandon();
  if (collapse_ticket_ != nullptr) collapse_ticket_->Abandon();
  if (ex_) DropHeldResponse();  // never sent: not counted as sent
  if (ex_ && chain_) {
    // The client went away (or the connection failed) mid-exchange: still log it.
    if (ex_->status == 0) ex_->status = 499;  // nginx's "client closed request"
    FinishExchange();
  }
  if (upstream_ != nullptr) {
    bufferevent_free(upstream_);
    upstream_ = nullptr;
  }
  if (client_ != nullptr) {
    if (conn_.tls != nullptr && !conn_.http2_stream && !client_detached_) {
      tls::SendCloseNotify(client_);
    }
    // Freeing one end of a pair tells the other nothing; a finishing flush sends it EOF.
    if (conn_.http2_stream) bufferevent_flush(client_, EV_WRITE, BEV_FINISHED);
    bufferevent_free(client_);
  }
  client_ = nullptr;
  event_del(timer_);
  event_del(deferred_);
  event_del(cache_wake_);
  if (!conn_.http2_stream && !handed_over_ && !client_detached_) ReleaseClient(worker_, conn_);
  worker_.sessions.erase(this);
  // Delete on the next loop turn: callers up the stack may still touch members after Close().
  event_base_once(
      worker_.base, -1, EV_TIMEOUT,
      [](int, short, void* arg) { delete static_cast<Session*>(arg); }, this, nullptr);
  if (worker_.draining && worker_.sessions.empty() && worker_.on_drained) worker_.on_drained();
}

void Session::CloseWhenFlushed() {
  state_ = State::kClosing;
  SetClientReadTimeout(0);
  bufferevent_enable(client_, EV_READ);
  if (Length(ClientOutput()) == 0) StartLingeringClose();
  // Otherwise OnClientWrite continues once the output is flushed.
}

void Session::StartLingeringClose() {
  // Half-close and read (discarding) for a moment, so that request bytes still in flight do
  // not make the kernel reset the connection before the client has read our response.
  if (conn_.http2_stream || client_detached_) {  // nothing in flight: close now
    Close();
    return;
  }
  lingering_ = true;
  evbuffer_drain(ClientInput(), Length(ClientInput()));
  if (conn_.tls != nullptr) {
    tls::SendCloseNotify(client_);  // TLS's half-close; reading (and discarding) goes on
  } else {
    shutdown(bufferevent_getfd(client_), SHUT_WR);
  }
  ArmTimer(kLingerMs);
}

// ---------------------------------------------------------------------------------------------
// Client events

// Each trampoline runs the handler, then writes what it queued on both sockets at once.
void Session::OnClientReadCb(bufferevent*, void* arg) {
  auto* self = static_cast<Session*>(arg);
  const bool read_ok =
      TopUpInput(self->client_, self->client_input_seen_, self->client_plain_socket_);
  self->OnClientRead();
  if (!read_ok && !self->closed_) self->OnClientEvent(BEV_EVENT_READING | BEV_EVENT_ERROR);
  self->FlushWrites();
  if (!self->closed_) self->client_input_seen_ = Length(self->ClientInput());
}
void Session::OnClientWriteCb(bufferevent*, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnClientWrite();
  self->FlushWrites();
}
void Session::OnClientEventCb(bufferevent*, short what, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnClientEvent(what);
  self->FlushWrites();
}
void Session::OnUpstreamReadCb(bufferevent* bev, void* arg) {
  auto* self = static_cast<Session*>(arg);
  const bool read_ok =
      TopUpInput(self->upstream_, self->upstream_input_seen_, self->upstream_plain_socket_);
  self->OnUpstreamRead();
  // The read error belongs to this connection: after a retry, upstream_ is another one.
  if (!read_ok && !self->closed_ && self->upstream_ == bev) {
    self->OnUpstreamEvent(BEV_EVENT_READING | BEV_EVENT_ERROR);
  }
  self->FlushWrites();
  if (!self->closed_ && self->upstream_ != nullptr) {
    self->upstream_input_seen_ = Length(bufferevent_get_input(self->upstream_));
  }
}
void Session::OnUpstreamWriteCb(bufferevent*, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnUpstreamWrite();
  self->FlushWrites();
}
void Session::OnUpstreamEventCb(bufferevent*, short what, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnUpstreamEvent(what);
  self->FlushWrites();
}
void Session::OnTimerCb(int, short, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnTimer();
  self->FlushWrites();
}
void Session::OnDeferredCb(int, short, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnDeferred();
  self->FlushWrites();
}

bool Session::TopUpInput(bufferevent* bev, size_t seen, bool plain_socket) {
  // libevent 2.1 reads at most 4 KiB per readiness event (EVBUFFER_MAX_READ; settable only from
  // 2.2), which makes a 1 MiB body cost ~250 read/ioctl/epoll rounds. Once libevent has read,
  // read on directly in 64 KiB steps while the socket has data and the buffer has room. EOF and
  // errors are left for libevent's next read to report through the event callback.
  evbuffer* in = bufferevent_get_input(bev);
  // libevent read less than its 4 KiB cap: it took all the socket had (the common case for
  // small requests), so another read would only cost an EAGAIN.
  constexpr size_t kLibeventMaxRead = 4096;
  if (!plain_socket || Length(in) < seen + kLibeventMaxRead) return true;
  const int fd = bufferevent_getfd(bev);
  if (fd < 0) return true;
  // A socket bufferevent keeps its input's end frozen so only libevent appends; thaw it while
  // we append in its stead, as libevent's own read does.
  evbuffer_unfreeze(in, 0);
  const bool failed = !ReadInto(in, fd);
  evbuffer_freeze(in, 0);
  return !failed;
}

bool Session::ReadInto(evbuffer* in, int fd) {
  constexpr size_t kStep = 64 * 1024;
  while (Length(in) < kHighWater) {
    evbuffer_iovec vec[2];
    const int n = evbuffer_reserve_space(in, kStep, vec, 2);
    if (n <= 0) return true;
    iovec iov[2];
    for (int i = 0; i < n; ++i) iov[i] = {vec[i].iov_base, vec[i].iov_len};
    const ssize_t got = readv(fd, iov, n);
    if (got <= 0) {
      const int err = errno;
      evbuffer_commit_space(in, vec, 0);
      // EOF is left for libevent's next read to report. An error must be reported now: the
      // kernel clears it on this read, and the next one would look like a clean EOF (a reset
      // read-until-close response would pass for complete).
      return got == 0 || err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
    }
    size_t left = static_cast<size_t>(got);
    int used = 0;
    for (int i = 0; i < n && left > 0; ++i, ++used) {
      vec[i].iov_len = std::min(vec[i].iov_len, left);
      left -= vec[i].iov_len;
    }
    evbuffer_commit_space(in, vec, used);
    if (static_cast<size_t>(got) < kStep) return true;  // the socket is drained
  }
  return true;
}

void Session::FlushWrites() noexcept {
  // A direct write can drain a whole backlog at once, and then no write callback will come to
  // resume the side that back-pressure paused: resume it here. Each round moves at most
  // kHighWater bytes; what is left after a few rounds goes on from the next loop turn.
  for (int round = 0; round < 8 && !closed_; ++round) {
    FlushSide(client_, client_plain_socket_);
    if (upstream_ != nullptr) FlushSide(upstream_, upstream_plain_socket_);
    if (closed_ || upstream_ == nullptr) break;
    const bool resume_client = client_paused_ && ClientPausedForBackend() &&
                               !WriteEnabled(upstream_) &&
                               Length(bufferevent_get_output(upstream_)) <= kLowWater;
    const bool resume_upstream =
        upstream_paused_ && !WriteEnabled(client_) && Length(ClientOutput()) <= kLowWater;
    if (resume_client) OnUpstreamWrite();
    if (resume_upstream && !closed_) OnClientWrite();
    if (!resume_client && !resume_upstream) break;
    if (round == 7 && !closed_) event_active(deferred_, EV_TIMEOUT, 0);
  }
  if (closed_) return;
  if (state_ == State::kClosing && !lingering_ && Length(ClientOutput()) == 0) {
    StartLingeringClose();
  }
  if (state_ == State::kTunnel) AdvanceTunnelClose();
}

void Session::AdvanceTunnelClose() {
  // Each side's EOF is passed on as a half-close (shutdown SHUT_WR) once everything it sent has
  // been written to the other side; when both directions are shut, the tunnel is done. A side
  // that never finishes after the other did is cut off by the keep-alive timeout.
  if (upstream_ == nullptr) return;
  if ((tunnel_client_eof_ && !client_plain_socket_) ||
      (tunnel_upstream_eof_ && !upstream_plain_socket_)) {
    // A TLS side cannot be half-closed: the tunnel ends once the other side has its bytes.
    const bool flushed =
        Length(ClientOutput()) == 0 && Length(bufferevent_get_output(upstream_)) == 0;
    if (flushed) Close();
    return;
  }
  if (tunnel_client_eof_ && !tunnel_upstream_shut_ &&
      Length(bufferevent_get_output(upstream_)) == 0) {
    shutdown(bufferevent_getfd(upstream_), SHUT_WR);
    tunnel_upstream_shut_ = true;
    ArmTimer(timeouts().keepalive_ms);
  }
  if (tunnel_upstream_eof_ && !tunnel_client_shut_ && Length(ClientOutput()) == 0) {
    shutdown(bufferevent_getfd(client_), SHUT_WR);
    tunnel_client_shut_ = true;
    ArmTimer(timeouts().keepalive_ms);
  }
  if (tunnel_client_shut_ && tunnel_upstream_shut_) Close();
}

bool Session::ClientPausedForBackend() const {
  return state_ == State::kTunnel || (state_ == State::kProxying && !request_body_done_);
}

bool Session::WriteEnabled(bufferevent* bev) {
  return (bufferevent_get_enabled(bev) & EV_WRITE) != 0;
}

void Session::FlushSide(bufferevent* bev, bool plain_socket) {
  // Writing directly, with the write event left off, saves the two epoll_ctl calls libevent
  // makes per response to switch it on and off. Only what the kernel does not take at once
  // waits for the write event (and its send timeout).
  evbuffer* out = bufferevent_get_output(bev);
  if (Length(out) == 0 || (bufferevent_get_enabled(bev) & EV_WRITE) != 0) return;
  if (!plain_socket) {  // TLS records and stream pairs are written by libevent
    bufferevent_enable(bev, EV_WRITE);
    return;
  }
  const int fd = bufferevent_getfd(bev);
  // Likewise the output's start is frozen so only libevent drains it: thaw it for our write.
  evbuffer_unfreeze(out, 1);
  while (fd >= 0 && Length(out) > 0) {
    if (evbuffer_write(out, fd) <= 0) break;
  }
  evbuffer_freeze(out, 1);
  // EAGAIN: libevent writes the rest; an error: libevent's own write reports it to OnXEvent.
  if (Length(out) > 0) bufferevent_enable(bev, EV_WRITE);
}

void Session::OnClientRead() noexcept {
  if (closed_) return;
  switch (state_) {
    case State::kWaitingForRequest:
    case State::kReadingHead:
      if (awaiting_proxy_header_) {
        ReadProxyHeader();
      } else {
        ParseHead();
      }
      return;
    case State::kBufferingBody:
      ReadBufferedBody();
      return;
    case State::kProxying:
      if (!request_body_done_ && upstream_ != nullptr) {
        ForwardRequestBody();
      } else {
        PauseClientIfBacklogged();
      }
      return;
    case State::kTunnel:
      PumpTunnel(client_, upstream_);
      return;
    case State::kClosing:
      evbuffer_drain(ClientInput(), Length(ClientInput()));
      return;
    case State::kRunningStages:
    case State::kRunningBodyStages:
    case State::kWaitingForCache:
    case State::kConnecting:
      PauseClientIfBacklogged();
      return;
  }
}

void Session::PauseClientIfBacklogged() {
  // Pipelined requests or early body bytes wait in the input buffer; do not let it grow.
  if (Length(ClientInput()) > runtime_->parse_limits.max_header_bytes + kLowWater) {
    bufferevent_disable(client_, EV_READ);
    client_paused_ = true;
  }
}

void Session::OnClientWrite() noexcept {
  if (closed_) return;
  if (Length(ClientOutput()) == 0) bufferevent_disable(client_, EV_WRITE);  // back to FlushSide
  if (state_ == State::kClosing) {
    if (!lingering_ && Length(ClientOutput()) == 0) StartLingeringClose();
    return;
  }
  // The client caught up: let the backend's bytes flow again.
  if (upstream_paused_ && upstream_ != nullptr) {
    upstream_paused_ = false;
    bufferevent_enable(upstream_, EV_READ);
    if (state_ == State::kTunnel) {
      PumpTunnel(upstream_, client_);
    } else if (response_head_done_) {
      ForwardResponseBody();
    }
  }
}

void Session::OnClientEvent(short what) noexcept {
  if (closed_) return;
  if (what & BEV_EVENT_TIMEOUT) {
    if (what & BEV_EVENT_WRITING) {
      worker_.metrics->CountClientTimeout(ClientTimeout::kSend);
      Close();
      return;
    }
    worker_.metrics->CountClientTimeout(ClientTimeout::kBody);
    if (ex_ && !response_started_) {
      close_after_ = true;
      ReleaseUpstream(false);
      SendError(408);
      return;
    }
    Close();
    return;
  }
  if (state_ == State::kTunnel && (what & BEV_EVENT_EOF) && upstream_ != nullptr) {
    tunnel_client_eof_ = true;  // passed on as a half-close once its bytes are out
    AdvanceTunnelClose();
    return;
  }
  // A stale-while-revalidate refresh goes on without the client it answered.
  if (discard_response_ && upstream_ != nullptr) {
    DetachClientForRefresh();
    return;
  }
  // EOF or error: the client is gone (an in-flight exchange is logged as 499 by Close).
  Close();
}

void Session::OnTimer() noexcept {
  if (closed_) return;
  if (lingering_ || state_ == State::kTunnel) {
    Close();  // lingering close done, or a half-closed tunnel whose other side never finished
    return;
  }
  if (state_ == State::kWaitingForRequest) {
    if (requests_ > 0)
      worker_.metrics->CountClientTimeout(ClientTimeout::kKeepalive);
    else
      worker_.metrics->CountClientTimeout(ClientTimeout::kHeader);
    Close();
    return;
  }
  if (state_ == State::kWaitingForCache) {
    OnCacheWake();  // the fill we waited for took longer than the route's lock_timeout
    return;
  }
  if (state_ == State::kReadingHead) {
    // Slowloris: the head did not complete in time. Answer 408 and close.
    worker_.metrics->CountClientTimeout(ClientTimeout::kHeader);
    close_after_ = true;
    SendError(408);
  }
}

void Session::Offload(std::function<void()> work, std::function<void()> done) {
  offload_done_ = std::move(done);
  offload_ = std::make_shared<OffloadTicket>(deferred_);
  worker_.offload_pool->Post([work = std::move(work), ticket = offload_] {
    if (!ticket->abandoned()) work();  // the client left while the job waited in the queue
    ticket->Finish();
  });
}

void Session::OnDeferred() noexcept {
  if (closed_) return;
  if (offload_ != nullptr) {
    if (!offload_->finished()) return;
    offload_.reset();
    auto done = std::move(offload_done_);
    done();  // the stage records its decision, on this thread
    resume_requested_ = true;
  }
  if (state_ == State::kRunningBodyStages) {
    if (!resume_requested_) return;
    resume_requested_ = false;
    AfterRequestBodyStages(chain_->ResumeRequestBody(*ex_, buffered_body_, request_body_done_));
    return;
  }
  if (state_ == State::kRunningStages) {
    // Only a real Exchange::Resume continues the chain; the same event also serves pipelining.
    if (!resume_requested_) return;
    resume_requested_ = false;
    state_ = State::kReadingHead;  // not reading; just "between" states until the chain returns
    RunRequestStages(chain_->ResumeRequestHeaders(*ex_));
    return;
  }
  if (state_ == State::kWaitingForRequest && Length(ClientInput()) > 0) ParseHead();
}

// ---------------------------------------------------------------------------------------------
// Request head

// The PROXY protocol header (v1 text or v2 binary) that precedes the first request on listeners
// with proxy_protocol: it names the client (and the address it connected to). Anything else
// closes the connection without a reply — the spec forbids guessing, and the bytes may not be
// HTTP at all. The client-header timer armed at accept also bounds this wait.
void Session::ReadProxyHeader() {
  evbuffer* in = ClientInput();
  // A v2 header is 16 bytes plus at most 65535; v1 at most 107.
  const std::string_view data = Peek(in, 16 + 65535);
  const net::ProxyHeader header = net::ParseProxyHeader(data);
  if (header.status == net::ProxyHeader::Status::kNeedMore) return;
  if (header.status == net::ProxyHeader::Status::kError) {
    worker_.metrics->CountRejectedConnection(ConnectionRejection::kBadProxyHeader);
    spdlog::debug("bad PROXY protocol header from {}: {}", conn_.peer_ip, header.error);
    Close();
    return;
  }
  evbuffer_drain(in, header.consumed);
  awaiting_proxy_header_ = false;
  if (!header.local) {
    client_ip_ = header.source_ip;
    client_port_ = header.source_port;
    local_ = {header.destination_ip, header.destination_port};
  }
  if (Length(in) > 0) ParseHead();
}

bool Session::HandOverToHttp2() {
  // Cleartext HTTP/2 with prior knowledge (RFC 9113 §3.3): the connection opens with the
  // preface instead of a request. Only as the first bytes, and where the listener allows h2.
  if (requests_ > 0 || conn_.http2_stream || conn_.tls != nullptr ||
      state_ != State::kWaitingForRequest || conn_.listener >= runtime_->config.listen.size() ||
      !runtime_->config.listen[conn_.listener].http2) {
    return false;
  }
  const std::string_view start = Peek(ClientInput(), kHttp2Preface.size());
  if (start != kHttp2Preface) return false;
  bufferevent* bev = client_;
  bufferevent_setcb(bev, nullptr, nullptr, nullptr, nullptr);
  client_ = nullptr;
  handed_over_ = true;
  ConnectionInfo info = conn_;
  if (conn_.proxy_protocol) {  // the header was read here: its client goes on with the streams
    info.proxy_protocol = false;
    info.proxied_client_ip = client_ip_;
    info.proxied_client_port = client_port_;
    info.local = local_;
  }
  Close();  // ends this Session; the socket and the limiter slot go on with the H2Connection
  StartHttp2Connection(worker_, bev, std::move(info));
  return true;
}

void Session::ParseHead() {
  evbuffer* in = ClientInput();
  if (Length(in) == 0) return;
  if (requests_ == 0 && state_ == State::kWaitingForRequest && !conn_.http2_stream) {
    if (HandOverToHttp2()) return;
    const std::string_view start = Peek(in, kHttp2Preface.size());
    if (start.size() < kHttp2Preface.size() && kHttp2Preface.starts_with(start)) {
      return;  // may still be the preface: wait for the rest of it
    }
  }
  if (state_ == State::kWaitingForRequest) {
    state_ = State::kReadingHead;
    // A total deadline that trickling bytes do not extend; for the first request on a
    // connection it already runs from the accept.
    if (requests_ > 0) ArmTimer(timeouts().client_header_ms);
    runtime_ = worker_.runtime();  // each exchange runs on the newest snapshot
    parser_ = http::RequestParser(runtime_->parse_limits);
    ex_ = std::make_unique<pipeline::Exchange>(
        pipeline::ClientInfo{client_ip_, client_port_, conn_.tls != nullptr, client_ip_});
    ex_->set_local(local_);
    ex_->set_tls(conn_.tls);
    ex_->set_request_id(RandomHex(worker_.rng, 32));
  }
  const std::string_view data = Peek(in, runtime_->parse_limits.max_header_bytes + 1);
  size_t consumed = 0;
  const http::ParseStatus status = parser_.Parse(data, ex_->request(), consumed);
  if (status == http::ParseStatus::kPartial) return;
  if (status == http::ParseStatus::kError) {
    const http::ParseError error = parser_.error();
    worker_.metrics->CountMalformed(error);
    spdlog::debug("{}: malformed request from {}: {}", ex_->request_id(), client_ip_,
                  http::ParseErrorName(error));
    close_after_ = true;
    ex_->bytes_received = Length(in);
    ex_->original_target = ex_->request().target;  // as far as it was parsed, for the log
    SendError(http::StatusFor(error));
    return;
  }
  evbuffer_drain(in, consumed);
  // The H2Connection bridged the stream as HTTP/1.1: log and inspect it as what the client sent.
  if (conn_.http2_stream) ex_->request().version = http::Version::kHttp2;
  StartExchange(consumed);
}

void Session::StartExchange(size_t head_bytes) {
  event_del(timer_);
  ++requests_;
  pipeline::Exchange& ex = *ex_;
  http::Request& req = ex.request();
  ex.bytes_received = head_bytes;
  ex.original_target = req.target;

  const bool peer_trusted = runtime_->trusted_proxies.Contains(client_ip_);
  const std::string* incoming_id = req.headers.Get("X-Request-Id");
  if (peer_trusted && incoming_id != nullptr && IsValidRequestId(*incoming_id)) {
    ex.set_request_id(*incoming_id);
  }
  // The client: this peer, or — when it is a trusted proxy — the hop its forwarding headers
  // name. Every stage, log and balancer key uses it from here on.
  if (peer_trusted)
    ex.set_client_ip(ResolveClientIp(client_ip_, req.headers, runtime_->trusted_proxies));
  // Stages that inspect requests, and the attack log, see the head as the client sent it.
  if (runtime_->keep_received_headers) ex.KeepReceivedHeaders();
  // Hop-by-hop fields go first, on the head as received, so that nothing added later (by the
  // proxy or a route's set_request_headers) can be named away by the client's Connection
  // header. What the proxy adds is set before the stages run, so they see it and a route's
  // set_request_headers can still override it.
  // HTTP/1.1 Upgrade to h2c is never passed on: a backend that took it would turn the
  // connection into an HTTP/2 tunnel no stage inspects ("h2c smuggling"). The request goes on
  // as plain HTTP/1.1; clients that want HTTP/2 use prior knowledge or ALPN.
  if (req.upgrade && req.headers.HasToken("Upgrade", "h2c")) req.upgrade = false;
  RemoveHopByHop(req.headers, req.upgrade);
  req.headers.Remove("Expect");  // rampart answers 100-continue itself
  SetClientCertificateHeader(req.headers);
  SetForwardedHeaders(
      req.headers, ForwardedFor{client_ip_, ex.client().ip, conn_.tls ? "https" : "http", req.host,
                                peer_trusted});
  req.headers.Set("X-Request-Id", ex.request_id());
  PropagateTraceContext(req.headers, ex.request_id(), worker_.rng);

  if (!req.keep_alive || worker_.draining || timeouts().keepalive_ms == 0 ||
      requests_ >= runtime_->config.limits.max_requests_per_connection) {
    close_after_ = true;
  }
  request_body_done_ = !RequestHasBody();
  request_body_remaining_ =
      req.framing == http::BodyFraming::kContentLength ? req.content_length : 0;

  auto path = routing::NormalizePath(req.path());
  if (!path) {
    worker_.metrics->CountMalformed(http::ParseError::kBadTarget);
    close_after_ = true;
    SendError(400);
    return;
  }
  path_ = std::move(*path);
  if (AnswerAcmeChallenge()) return;
  route_ = runtime_->router.Match(req, path_);
  if (route_ == nullptr) {
    SendError(404);
    return;
  }
  ex.set_route_name(route_->name);
  if (route_->credential_fields) ex.set_credential_fields(route_->credential_fields);
  body_limit_ = route_->max_body_size.value_or(runtime_->config.limits.max_body_size);
  if (body_limit_ == 0) body_limit_ = UINT64_MAX;  // 0: unlimited
  if (req.framing == http::BodyFraming::kContentLength && req.content_length > body_limit_) {
    close_after_ = true;  // the body is not read; the connection cannot be reused
    SendError(413);
    return;
  }
  chain_ = std::make_unique<pipeline::ChainRun>(route_->chain);
  ex.set_resume([this] {
    if (closed_) return;
    resume_requested_ = true;
    event_active(deferred_, EV_TIMEOUT, 0);
  });
  ex.set_loop(worker_.base);
  if (worker_.offload_pool != nullptr) {
    ex.set_offload([this](std::function<void()> work, std::function<void()> done) {
      Offload(std::move(work), std::move(done));
    });
  }
  RunRequestStages(chain_->RunRequestHeaders(ex));
}

void Session::SetClientCertificateHeader(http::HeaderMap& headers) const {
  const auto& listen = runtime_->config.listen;
  if (conn_.listener >= listen.size() || !listen[conn_.listener].tls ||
      listen[conn_.listener].tls->client_certs == config::ListenerTlsConfig::ClientCerts::kOff) {
    return;
  }
  // Only rampart says who the client certificate names: a client's own copy never passes, in
  // either spelling (CGI-style backends read X-Client and X_Client as one variable).
  const std::string& name = listen[conn_.listener].tls->client_subject_header;
  std::erase_if(headers.fields(), [&](const http::Header& field) {
    return core::EqualsAsCgiHeaderName(field.name, name);
  });
  if (conn_.tls != nullptr && !conn_.tls->client_subject.empty()) {
    headers.Set(name, conn_.tls->client_subject);
  }
}

bool Session::AnswerAcmeChallenge() {
  // The CA's HTTP-01 validation comes before any route: no stage may refuse or redirect it
  // (it comes from the CA's addresses, over cleartext, without a browser).
  if (runtime_->acme_challenges == nullptr ||
      !core::StartsWith(path_, tls::kAcmeHttpChallengePrefix)) {
    return false;
  }
  const http::Request& req = ex_->request();
  if (req.method != "GET" && req.method != "HEAD") return false;
  const std::string_view token =
      std::string_view(path_).substr(tls::kAcmeHttpChallengePrefix.size());
  std::optional<std::string> answer = runtime_->acme_challenges->HttpResponse(token);
  if (!answer) return false;  // not ours: routed as any request
  ex_->set_route_name("acme");
  ex_->SetLocalReply(200, std::move(*answer), "application/octet-stream");
  SendLocalReply();
  return true;
}

bool Session::RequestHasBody() const {
  const http::Request& req = ex_->request();
  return req.framing == http::BodyFraming::kChunked ||
         (req.framing == http::BodyFraming::kContentLength && req.content_length > 0);
}

void Session::RunRequestStages(pipeline::ChainResult result) {
  switch (result) {
    case pipeline::ChainResult::kPending:
      state_ = State::kRunningStages;
      return;
    case pipeline::ChainResult::kRespond:
      SendLocalReply();
      return;
    case pipeline::ChainResult::kContinue:
      AfterRequestStages();
      return;
  }
}

void Session::SendHttpsRedirect() {
  // nginx's `return 301 https://$host$request_uri`: the Host without its port, then the
  // configured HTTPS port (none for 443).
  std::string_view host = ex_->request().host;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    SendError(400);  // nowhere to redirect to (an HTTP/1.0 request without Host)
    return;
  }
  std::string location = "https://";
  location.append(host);
  if (route_->https_port != 0 && route_->https_port != 443) {
    location += ':' + std::to_string(route_->https_port);
  }
  // The path and query as sent: an absolute-form target ("http://host/a?b") keeps its own.
  const http::Request& req = ex_->request();
  location.append(req.path());
  if (!req.query().empty()) {
    location += '?';
    location.append(req.query());
  }
  const int status = route_->https_redirect;
  ex_->SetLocalReply(status, pipeline::ErrorPage(status, ex_->request_id()));
  ex_->local_reply()->headers.Add("Location", location);
  SendLocalReply();
}

void Session::AfterRequestStages() {
  // After the stages, so a denied client is refused, not redirected.
  if (route_->https_redirect != 0 && conn_.tls == nullptr) {
    SendHttpsRedirect();
    return;
  }
  if (route_->redirect) {
    std::string location = route_->redirect->to;
    const size_t pos = location.find("$request_uri");
    if (pos != std::string::npos) location.replace(pos, 12, ex_->original_target);
    ex_->SetLocalReply(route_->redirect->status,
                       pipeline::ErrorPage(route_->redirect->status, ex_->request_id()));
    ex_->local_reply()->headers.Add("Location", location);
    SendLocalReply();
    return;
  }
  if (route_->static_root) {
    ServeStaticFile();
    return;
  }
  if (route_->cache && worker_.cache != nullptr && StartCacheLookup()) return;
  ProceedToBackend();
}

void Session::ProceedToBackend() {
  if (pool_ == nullptr) ChoosePool();  // a cached route chose it for its key already
  if (!request_body_done_ &&
      (chain_->wants_buffered_body() || ex_->request().framing == http::BodyFraming::kChunked)) {
    state_ = State::kBufferingBody;
    if (client_paused_) {  // paused for a backlog while a stage was pending: the body is wanted
      client_paused_ = false;
      bufferevent_enable(client_, EV_READ);
    }
    if (ex_->request().expect_continue) {
      evbuffer_add(ClientOutput(), "HTTP/1.1 100 Continue\r\n\r\n", 25);
      sent_continue_ = true;
    }
    SetClientReadTimeout(timeouts().client_body_ms);
    ReadBufferedBody();
    return;
  }
  ConnectUpstream();
}

void Session::ReadBufferedBody() {
  // Reads the body into buffered_body_: as much as the stages that asked need (bounded by the
  // body limit), or the first kChunkedPrebuffer bytes of a chunked body. What is not read here
  // streams once the backend is connected.
  evbuffer* in = ClientInput();
  const http::Request& req = ex_->request();
  const uint64_t wanted = chain_->wants_buffered_body()
                              ? SaturatingAddOne(chain_->buffered_body_limit())
                              : kChunkedPrebuffer;
  while (!request_body_done_ && buffered_body_.size() < wanted) {
    const size_t available = Length(in);
    if (available == 0) return;
    if (req.framing == http::BodyFraming::kContentLength) {
      const size_t n = static_cast<size_t>(
          std::min<uint64_t>({request_body_remaining_, available, wanted - buffered_body_.size()}));
      const size_t old = buffered_body_.size();
      buffered_body_.resize(old + n);
      evbuffer_remove(in, buffered_body_.data() + old, n);
      ex_->bytes_received += n;
      request_body_remaining_ -= n;
      request_body_done_ = request_body_remaining_ == 0;
      continue;
    }
    const auto step = request_chunked_.Next(Peek(in, http::ChunkedDecoder::kMaxPeek), available);
    evbuffer_drain(in, step.consumed);
    ex_->bytes_received += step.consumed;
    if (step.kind == http::ChunkedDecoder::Step::kError) {
      FailRequestBody(400, request_chunked_.error());
      return;
    }
    if (step.kind == http::ChunkedDecoder::Step::kNeedMore) return;
    if (step.kind == http::ChunkedDecoder::Step::kDone) {
      request_body_done_ = true;
      break;
    }
    if (buffered_body_.size() + step.payload > body_limit_) {
      FailRequestBody(413, http::ParseError::kNone);
      return;
    }
    // A chunk's data is taken whole: `wanted` is passed by at most what one read brought.
    const size_t old = buffered_body_.size();
    buffered_body_.resize(old + step.payload);
    evbuffer_remove(in, buffered_body_.data() + old, step.payload);
    ex_->bytes_received += step.payload;
  }
  buffered_body_partial_ = !request_body_done_;
  body_buffered_whole_ = request_body_done_;
  if (body_buffered_whole_) SetClientReadTimeout(0);
  AfterRequestBodyStages(chain_->RunRequestBody(*ex_, buffered_body_, request_body_done_));
}

void Session::AfterRequestBodyStages(pipeline::ChainResult result) {
  switch (result) {
    case pipeline::ChainResult::kPending:
      state_ = State::kRunningBodyStages;  // OnDeferred resumes the chain
      SetClientReadTimeout(0);  // the wait is ours, not the client's; SendRequestHead re-arms
      return;
    case pipeline::ChainResult::kRespond:
      SendLocalReply();
      return;
    case pipeline::ChainResult::kContinue:
      ConnectUpstream();
      return;
  }
}

bool Session::InspectResponseBody(evbuffer* in, size_t n, bool end) {
  // Checked first: linearising the bytes (Peek) is a copy no route without such a stage pays.
  if (!route_->chain.inspects_response_body()) return true;
  if (holding_response_) held_payload_ += n;
  if (chain_->RunResponseBody(*ex_, Peek(in, n), end) != pipeline::ChainResult::kRespond) {
    return true;
  }
  if (holding_response_ && ex_->local_reply()) {
    ReleaseUpstream(false);  // nothing of the response went out: the local reply replaces it
    SendLocalReply();
    return false;
  }
  Close();  // the response head is out: cutting the connection is the only way to stop it
  return false;
}

bool Session::InspectRequestBody(evbuffer* in, size_t n, bool end) {
  if (!route_->chain.inspects_request_body()) return true;
  if (chain_->RunRequestBody(*ex_, Peek(in, n), end) != pipeline::ChainResult::kRespond) {
    return true;
  }
  if (response_started_) {
    Close();  // the backend already answered; the connection is all that can be cut
    return false;
  }
  close_after_ = true;
  ReleaseUpstream(false);
  SendLocalReply();
  return false;
}

void Session::FailRequestBody(int status, http::ParseError reason) {
  if (reason != http::ParseError::kNone) worker_.metrics->CountMalformed(reason);
  close_after_ = true;
  ReleaseUpstream(false);
  if (response_started_) {
    Close();
    return;
  }
  SendError(status);
}

// ---------------------------------------------------------------------------------------------
// Upstream connection

void Session::ChoosePool() {
  const size_t index =
      route_->split ? route_->split->Choose(ex_->request(), path_, ex_->client().ip, worker_.rng())
                    : route_->pool_index;
  pool_ = runtime_->pools[index].get();
  pool_tls_ = index < runtime_->pool_tls.size() ? runtime_->pool_tls[index].get() : nullptr;
}

void Session::ConnectUpstream() {
  // Admitted when the backend is first needed, not before a body is buffered: a slow upload
  // holds no place in the pool.
  if (!attempts_.admitted() && !attempts_.Admit(*pool_)) {
    spdlog::debug("{}: pool {} is full (circuit_breaker.max_pending_requests)", ex_->request_id(),
                  pool_->name());
    SendError(503);
    return;
  }
  const config::PoolConfig& cfg = pool_->config();
  std::string_view key;
  if (const auto& balancer_key = pool_->balancer_key()) {
    key = routing::HashKeyOf(*balancer_key, ex_->request(), path_, ex_->client().ip);
  }
  std::string_view sticky;
  if (!cfg.sticky_cookie.empty()) {
    sticky = http::FindCookie(ex_->request().headers, cfg.sticky_cookie).value_or("");
  }
  if (!attempts_.Next(key, sticky, worker_.rng(), upstream::NowMs())) {
    // No server can take the request (all down, drained, ejected or full, or the connect
    // deadline passed): 503 unless a backend was reached and failed.
    SendError(attempts_.nothing_connected() && !tls_failed_ ? 503 : last_error_status_);
    return;
  }
  ConnectToServer();
}

void Session::ConnectToServer() {
  state_ = State::kConnecting;
  // libevent measures timeouts from the time it cached at the start of this loop turn; after
  // a slow callback (a stage's inline work) that time is old, and the connect and write
  // timeouts armed below would fire at once.
  event_base_update_cache_time(worker_.base);
  const upstream::Server& server = attempts_.server();
  ex_->upstream_address = server.address_text;

  if (!avoid_idle_connections_) {
    upstream_ = worker_.connection_pool.Take(server.connection_key);
  }
  upstream_reused_ = upstream_ != nullptr;
  upstream_input_seen_ = 0;
  if (!upstream_reused_) {
    upstream_ = pool_tls_ != nullptr
                    ? tls::NewClientConnection(worker_.base, *pool_tls_,
                                               upstream::TlsServerName(pool_->config(), server))
                    : bufferevent_socket_new(worker_.base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (upstream_ == nullptr) {
      UpstreamFailed(UpstreamError::kConnect);
      return;
    }
    server.state->open_connections.fetch_add(1, std::memory_order_relaxed);
  }
  upstream_plain_socket_ = pool_tls_ == nullptr;
  bufferevent_setcb(upstream_, &Session::OnUpstreamReadCb, &Session::OnUpstreamWriteCb,
                    &Session::OnUpstreamEventCb, this);
  bufferevent_setwatermark(upstream_, EV_WRITE, kLowWater, 0);
  if (upstream_reused_) {
    SendRequestHead();
    return;
  }
  // libevent reports connect completion as writability: the write timeout bounds the connect.
  const timeval connect_tv = ToTimeval(attempts_.ConnectTimeoutMs(upstream::NowMs()));
  bufferevent_set_timeouts(upstream_, nullptr, &connect_tv);
  if (bufferevent_socket_connect(upstream_, server.address.get(),
                                 static_cast<int>(server.address.length)) != 0) {
    UpstreamFailed(UpstreamError::kConnect);
  }
}

void Session::PrepareUpstreamHeaders() {
  if (upstream_headers_prepared_) return;
  upstream_headers_prepared_ = true;
  http::Request& req = ex_->request();
  http::HeaderMap& headers = req.headers;
  if (body_buffered_whole_) {
    headers.Remove("Transfer-Encoding");
    headers.Set("Content-Length", std::to_string(buffered_body_.size()));
  } else if (req.framing == http::BodyFraming::kChunked) {
    headers.Set("Transfer-Encoding", "chunked");
  }
  if (cache_) cache_->PrepareUpstreamRequest(headers);
}

void Session::SendRequestHead() {
  state_ = State::kProxying;
  PrepareUpstreamHeaders();
  attempts_.Connected();
  http::Request& req = ex_->request();
  const upstream::Server& server = attempts_.server();
  if (route_->preserve_host && !req.host.empty()) {
    req.headers.Set("Host", req.host);
  } else {
    req.headers.Set("Host", server.address_text);
  }
  std::string target =
      req.target == "*" ? std::string("*") : routing::RewriteTarget(*route_, path_, req.query());
  std::string head;
  head.reserve(512);
  http::AppendRequestHead(head, req.method, target, req.headers);
  bufferevent* up = upstream_;
  evbuffer_add(bufferevent_get_output(up), head.data(), head.size());
  const timeval write_tv = ToTimeval(pool_->config().write_timeout_ms);
  bufferevent_set_timeouts(up, nullptr, &write_tv);
  bufferevent_enable(up, EV_READ);
  bufferevent_disable(up, EV_WRITE);  // connected: writes go through FlushSide

  if (body_buffered_whole_) {
    // The whole body is still in buffered_body_, so a failed attempt can be sent again.
    evbuffer_add(bufferevent_get_output(up), buffered_body_.data(), buffered_body_.size());
    FinishRequestBody();
    return;
  }
  if (buffered_body_partial_) {
    evbuffer* out = bufferevent_get_output(up);
    if (req.framing == http::BodyFraming::kChunked) {
      std::string size_line;
      http::AppendChunkSize(size_line, buffered_body_.size());
      evbuffer_add(out, size_line.data(), size_line.size());
      evbuffer_add(out, buffered_body_.data(), buffered_body_.size());
      evbuffer_add(out, "\r\n", 2);
    } else {
      evbuffer_add(out, buffered_body_.data(), buffered_body_.size());
    }
    buffered_body_.clear();
    buffered_body_partial_ = false;
    body_forwarding_started_ = true;
  }
  if (request_body_done_) {
    FinishRequestBody();
    return;
  }
  if (req.expect_continue && !sent_continue_) {
    evbuffer_add(ClientOutput(), "HTTP/1.1 100 Continue\r\n\r\n", 25);
    sent_continue_ = true;
  }
  SetClientReadTimeout(timeouts().client_body_ms);
  if (client_paused_) {
    client_paused_ = false;
    bufferevent_enable(client_, EV_READ);
  }
  ForwardRequestBody();
}

void Session::ForwardRequestBody() {
  evbuffer* in = ClientInput();
  evbuffer* out = bufferevent_get_output(upstream_);
  const http::Request& req = ex_->request();
  while (!request_body_done_ && Length(in) > 0) {
    if (Length(out) > kHighWater) {
      // The backend reads slower than the client sends: stop reading the client.
      bufferevent_disable(client_, EV_READ);
      client_paused_ = true;
      return;
    }
    body_forwarding_started_ = true;
    if (req.framing == http::BodyFraming::kContentLength) {
      const size_t n = static_cast<size_t>(
          std::min<uint64_t>({request_body_remaining_, Length(in), kHighWater}));
      if (!InspectRequestBody(in, n, n == request_body_remaining_)) return;
      evbuffer_remove_buffer(in, out, n);
      request_body_remaining_ -= n;
      ex_->bytes_received += n;
      if (request_body_remaining_ == 0) FinishRequestBody();
      continue;
    }
    const auto step = request_chunked_.Next(Peek(in, http::ChunkedDecoder::kMaxPeek), Length(in));
    evbuffer_drain(in, step.consumed);
    ex_->bytes_received += step.consumed;
    switch (step.kind) {
      case http::ChunkedDecoder::Step::kError:
        FailRequestBody(400, request_chunked_.error());
        return;
      case http::ChunkedDecoder::Step::kNeedMore:
        return;
      case http::ChunkedDecoder::Step::kDone:
        if (!InspectRequestBody(in, 0, true)) return;
        evbuffer_add(out, "0\r\n\r\n", 5);
        FinishRequestBody();
        return;
      case http::ChunkedDecoder::Step::kData: {
        if (request_chunked_.body_bytes() > body_limit_) {
          FailRequestBody(413, http::ParseError::kNone);
          return;
        }
        if (!InspectRequestBody(in, static_cast<size_t>(step.payload), false)) return;
        MoveAsChunk(in, out, static_cast<size_t>(step.payload));
        ex_->bytes_received += step.payload;
        break;
      }
    }
  }
}

void Session::FinishRequestBody() {
  request_body_done_ = true;
  SetClientReadTimeout(0);
  if (upstream_ == nullptr) return;
  // Only now does the backend owe us a response: start its read timeout.
  const timeval read_tv = ToTimeval(pool_->config().read_timeout_ms);
  const timeval write_tv = ToTimeval(pool_->config().write_timeout_ms);
  bufferevent_set_timeouts(upstream_, &read_tv, &write_tv);
  if (client_paused_) {
    client_paused_ = false;
    bufferevent_enable(client_, EV_READ);
  }
}

void Session::OnUpstreamWrite() noexcept {
  if (closed_) return;
  if (Length(bufferevent_get_output(upstream_)) == 0) bufferevent_disable(upstream_, EV_WRITE);
  // The backend drained our output below the low watermark: read the client again. (A pause
  // for a pipelined backlog is not back-pressure: it ends with the exchange.)
  if (client_paused_ && ClientPausedForBackend()) {
    client_paused_ = false;
    bufferevent_enable(client_, EV_READ);
    if (state_ == State::kTunnel) {
      PumpTunnel(client_, upstream_);
    } else if (state_ == State::kProxying && !request_body_done_) {
      ForwardRequestBody();
    }
  }
}

void Session::OnUpstreamEvent(short what) noexcept {
  if (closed_) return;
  if (what & BEV_EVENT_CONNECTED) {
    const int one = 1;  // request heads are small and written whole: do not wait for more
    setsockopt(bufferevent_getfd(upstream_), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SendRequestHead();
    return;
  }
  if (state_ == State::kTunnel) {
    if (!(what & BEV_EVENT_EOF)) {
      Close();  // reset or timeout: nothing more will come either way
      return;
    }
    tunnel_upstream_eof_ = true;
    bufferevent_disable(upstream_, EV_READ);
    AdvanceTunnelClose();
    return;
  }
  if ((what & BEV_EVENT_EOF) && response_head_done_ &&
      ex_->response().framing == http::BodyFraming::kUntilClose) {
    ForwardResponseBody();  // move what is left, then the body is complete
    if (!closed_ && ex_ && InspectResponseBody(nullptr, 0, true)) {
      ex_->response().keep_alive = false;
      ResponseComplete();
    }
    return;
  }
  if (what & BEV_EVENT_TIMEOUT) {
    UpstreamFailed(UpstreamError::kTimeout);
  } else if (state_ == State::kConnecting) {
    if (!upstream_plain_socket_) {
      if (auto reason = tls::TakeError(upstream_)) {
        spdlog::warn("upstream: pool {} server {}: TLS handshake failed: {}", pool_->name(),
                     attempts_.server().name, *reason);
        UpstreamFailed(UpstreamError::kTls);
        return;
      }
    }
    UpstreamFailed(UpstreamError::kConnect);
  } else {
    UpstreamFailed(UpstreamError::kReset);
  }
}

void Session::UpstreamFailed(UpstreamError kind) {
  worker_.metrics->CountUpstreamError(pool_->name(), kind);
  if (discard_response_) {  // a refresh failed: the stored response stays as it was
    ReleaseUpstream(false);
    FinishExchange();
    return;
  }
  const bool connecting = state_ == State::kConnecting;
  // A backend that answers the handshake wrongly was reached: 502, as for a bad response.
  if (kind == UpstreamError::kTls) tls_failed_ = true;
  const bool nothing_received = !response_head_done_ && !interim_response_seen_ &&
                                upstream_ != nullptr &&
                                Length(bufferevent_get_input(upstream_)) == 0;
  const bool was_reused = upstream_reused_;
  ReleaseUpstream(false);
  // Resending is safe when nothing was sent, or when nothing came back and the request is
  // idempotent with its body still whole (none, or fully buffered: never a streamed one).
  const bool resendable = IsIdempotent(ex_->request().method) && !body_forwarding_started_ &&
                          !response_started_ && nothing_received;

  // A keep-alive connection the backend closed just as we used it: not the server's fault;
  // try the same server again on a fresh connection.
  if (was_reused && resendable && kind != UpstreamError::kTimeout) {
    avoid_idle_connections_ = true;
    ConnectToServer();
    return;
  }
  using Failure = UpstreamAttempts::Failure;
  Failure failure = Failure::kReset;
  if (connecting) {
    failure = Failure::kConnect;
  } else if (kind == UpstreamError::kTimeout) {
    failure = Failure::kTimeout;
  } else if (kind == UpstreamError::kBadResponse) {
    failure = Failure::kBadResponse;
  }
  // Read timeouts are not retried: the backend may still be working, and a retry would double
  // the load on a slow pool.
  const bool resend_safe = connecting || (failure == Failure::kReset && resendable);
  if (!connecting) last_error_status_ = kind == UpstreamError::kTimeout ? 504 : 502;
  if (attempts_.Failed(failure, resend_safe, upstream::NowMs()) && !response_started_) {
    ConnectUpstream();
    return;
  }
  if (response_started_) {
    Close();  // the client has part of a response; cutting the connection is the only signal
    return;
  }
  if (!request_body_done_) close_after_ = true;
  SendError(attempts_.nothing_connected() && !tls_failed_ ? 503 : last_error_status_);
}

bool Session::RetryOnStatus() {
  const int status = ex_->response().status;
  if (status < 500) {
    attempts_.Succeeded();
    return false;
  }
  const auto& statuses = pool_->config().retry_statuses;
  // Only when another server can take it: otherwise this response is the best answer there is.
  const bool retryable = std::find(statuses.begin(), statuses.end(), status) != statuses.end() &&
                         IsIdempotent(ex_->request().method) && !body_forwarding_started_ &&
                         request_body_done_ && attempts_.AnotherServerAvailable(upstream::NowMs());
  if (!retryable) {
    attempts_.CountFailure(upstream::NowMs());
    return false;
  }
  if (!attempts_.Failed(UpstreamAttempts::Failure::kStatus, true, upstream::NowMs())) {
    // No retry left: the response goes to the client. (Failed already counted it.)
    return false;
  }
  // Discard this response: its connection carries an unread body, so it is not reused.
  ReleaseUpstream(false);
  response_parser_.Reset();
  ex_->response() = http::Response{};
  response_head_done_ = false;
  last_error_status_ = status;
  ConnectUpstream();
  return true;
}

void Session::SetStickyCookie() {
  const std::string& name = pool_->config().sticky_cookie;
  if (name.empty()) return;
  const upstream::Server& server = attempts_.server();
  const auto sent = http::FindCookie(ex_->request().headers, name);
  if (sent && *sent == server.sticky_id) return;
  ex_->response().headers.Add("Set-Cookie",
                              name + "=" + server.sticky_id + "; Path=/; HttpOnly; SameSite=Lax");
}

void Session::ReleaseUpstream(bool reusable) {
  if (upstream_ == nullptr) return;
  bufferevent* up = upstream_;
  upstream_ = nullptr;
  upstream_paused_ = false;
  const upstream::Server& server = attempts_.server();
  if (reusable && Length(bufferevent_get_input(up)) == 0 &&
      Length(bufferevent_get_output(up)) == 0) {
    const auto& cfg = pool_->config();
    worker_.connection_pool.Give(server.connection_key, up, cfg.keepalive_idle,
                                 cfg.keepalive_timeout_ms, &server.state->open_connections);
    return;
  }
  bufferevent_free(up);
  server.state->open_connections.fetch_sub(1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------------
// Response

void Session::OnUpstreamRead() noexcept {
  if (closed_) return;
  if (state_ == State::kTunnel) {
    PumpTunnel(upstream_, client_);
    return;
  }
  if (!response_head_done_) {
    ParseResponseHead();
    return;
  }
  ForwardResponseBody();
}

void Session::ParseResponseHead() {
  evbuffer* in = bufferevent_get_input(upstream_);
  while (!response_head_done_ && Length(in) > 0) {
    http::Response& resp = ex_->response();
    size_t consumed = 0;
    const auto status = response_parser_.Parse(Peek(in, kMaxResponseHead + 1),
                                               ex_->request().method == "HEAD", resp, consumed);
    if (status == http::ParseStatus::kPartial) {
      if (Length(in) > kMaxResponseHead) {
        UpstreamFailed(UpstreamError::kBadResponse);
      }
      return;
    }
    if (status == http::ParseStatus::kError) {
      spdlog::debug("{}: bad response from {}: {}", ex_->request_id(), ex_->upstream_address,
                    http::ParseErrorName(response_parser_.error()));
      UpstreamFailed(UpstreamError::kBadResponse);
      return;
    }
    evbuffer_drain(in, consumed);
    if (resp.status == 101 && ex_->request().upgrade) {
      attempts_.Succeeded();
      StartTunnel();
      return;
    }
    if (resp.status >= 100 && resp.status < 200) {
      // 100 Continue, 103 Early Hints: interim; the final response follows. The backend has
      // answered: the request is no longer safe to send elsewhere.
      interim_response_seen_ = true;
      response_parser_.Reset();
      resp = http::Response{};
      continue;
    }
    response_head_done_ = true;
    if (RetryOnStatus()) return;
    SendResponseHead();  // may finish the exchange: ex_ is gone afterwards
    return;
  }
}

void Session::SendResponseHead() {
  http::Response& resp = ex_->response();
  ex_->upstream_status = resp.status;
  // Before the stages: what they add cannot be named away by the backend's Connection header.
  RemoveHopByHop(resp.headers, false);
  if (chain_->RunResponseHeaders(*ex_) == pipeline::ChainResult::kRespond && ex_->local_reply()) {
    ReleaseUpstream(false);
    SendLocalReply();
    return;
  }
  if (!PrepareResponseEncodingAndCache()) return;
  const http::Request& req = ex_->request();
  rechunk_to_client_ = false;
  switch (resp.framing) {
    case http::BodyFraming::kNone:
      break;
    case http::BodyFraming::kContentLength:
      if (compression_ == nullptr) break;
      [[fallthrough]];  // encoded: the length is unknown until the end
    case http::BodyFraming::kChunked:
    case http::BodyFraming::kUntilClose:
      // HTTP/2 streams too: their bridge must tell a complete body from a cut one.
      if (discard_response_) break;  // nothing goes to the client
      if (req.version != http::Version::kHttp10) {
        rechunk_to_client_ = true;
        resp.headers.Set("Transfer-Encoding", "chunked");
      } else {
        close_after_ = true;  // HTTP/1.0: the end of the body is the end of the connection
      }
      break;
  }
  response_remaining_ = resp.framing == http::BodyFraming::kContentLength ? resp.content_length : 0;
  // Draining, or the backend answered before the whole body came: the connection ends here.
  if (worker_.draining || !request_body_done_) close_after_ = true;
  if (close_after_) {
    resp.headers.Set("Connection", "close");
  } else if (req.version == http::Version::kHttp10) {
    resp.headers.Set("Connection", "keep-alive");
  }
  resp.headers.Set("X-Request-Id", ex_->request_id());
  if (conn_.tls != nullptr && !route_->hsts.empty()) {
    resp.headers.Set("Strict-Transport-Security", route_->hsts);
  }
  SetStickyCookie();
  if (cache_ != nullptr) {
    if (std::string value = cache_->CacheStatus(WallSeconds()); !value.empty()) {
      resp.headers.Set("Cache-Status", value);
    }
  }
  if (discard_response_) {  // a stale-while-revalidate refresh: the body goes to the cache only
    ForwardResponseBody();
    return;
  }
  std::string head;
  head.reserve(512);
  http::AppendResponseHead(head, http::Version::kHttp11, resp.status,
                           resp.reason.empty() ? http::ReasonPhrase(resp.status) : resp.reason,
                           resp.headers);
  const uint64_t hold = chain_->held_response_limit();
  if (hold > 0 && resp.framing != http::BodyFraming::kNone &&
      route_->chain.inspects_response_body()) {
    // A stage decides on the first bytes of the body before anything goes out (the WAF's
    // response inspection): the head waits with them, and a block can still replace it all.
    holding_response_ = true;
    hold_limit_ = hold;
    held_payload_ = 0;
    held_head_ = std::move(head);
    if (held_body_ == nullptr) held_body_ = evbuffer_new();
  } else {
    evbuffer_add(ClientOutput(), head.data(), head.size());
    ex_->status = resp.status;
    ex_->bytes_sent += head.size();
    response_started_ = true;
  }
  ForwardResponseBody();
}

evbuffer* Session::ResponseOutput() const {
  return holding_response_ ? held_body_ : ClientOutput();
}

void Session::ReleaseHeldResponse() {
  holding_response_ = false;
  evbuffer* out = ClientOutput();
  evbuffer_add(out, held_head_.data(), held_head_.size());
  ex_->bytes_sent += held_head_.size();
  ex_->status = ex_->response().status;
  evbuffer_add_buffer(out, held_body_);
  held_head_.clear();
  response_started_ = true;
}

void Session::DropHeldResponse() {
  if (!holding_response_) return;
  holding_response_ = false;
  ex_->bytes_sent -= Length(held_body_);  // counted as it was moved in, never sent
  evbuffer_drain(held_body_, Length(held_body_));
  held_head_.clear();
}

void Session::ForwardResponseBody() {
  if (upstream_ == nullptr || !response_head_done_) return;
  evbuffer* in = bufferevent_get_input(upstream_);
  const http::Response& resp = ex_->response();
  if (resp.framing == http::BodyFraming::kNone) {
    ResponseComplete();
    return;
  }
  while (Length(in) > 0) {
    if (holding_response_ && held_payload_ > hold_limit_) ReleaseHeldResponse();
    evbuffer* out = ResponseOutput();
    if (!holding_response_ && Length(out) > kHighWater) {
      // The client reads slower than the backend sends: stop reading the backend.
      bufferevent_disable(upstream_, EV_READ);
      upstream_paused_ = true;
      return;
    }
    if (resp.framing == http::BodyFraming::kContentLength) {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>({response_remaining_, Length(in), kHighWater}));
      if (!InspectResponseBody(in, n, n == response_remaining_)) return;
      response_remaining_ -= n;
      if (compression_ == nullptr && !rechunk_to_client_ && cache_ == nullptr &&
          !discard_response_) {
        evbuffer_remove_buffer(in, out, n);
        ex_->bytes_sent += n;
      } else {
        SendBodyBytes(in, n);
        if (closed_) return;
      }
      if (response_remaining_ == 0) break;
      continue;
    }
    if (resp.framing == http::BodyFraming::kUntilClose) {
      const size_t n = std::min(Length(in), kHighWater);
      if (!InspectResponseBody(in, n, false)) return;
      SendBodyBytes(in, n);
      if (closed_) return;
      continue;
    }
    // Chunked from the backend: decoded, then re-chunked (or raw to an HTTP/1.0 client), so
    // the framing the client sees is always rampart's own.
    const auto step = response_chunked_.Next(Peek(in, http::ChunkedDecoder::kMaxPeek), Length(in));
    evbuffer_drain(in, step.consumed);
    if (step.kind == http::ChunkedDecoder::Step::kError) {
      UpstreamFailed(UpstreamError::kBadResponse);
      return;
    }
    if (step.kind == http::ChunkedDecoder::Step::kNeedMore) break;
    if (step.kind == http::ChunkedDecoder::Step::kDone) {
      if (!InspectResponseBody(in, 0, true)) return;
      response_remaining_ = 0;
      ResponseComplete();
      return;
    }
    if (!InspectResponseBody(in, static_cast<size_t>(step.payload), false)) return;
    SendBodyBytes(in, static_cast<size_t>(step.payload));
    if (closed_) return;
  }
  if (holding_response_ && held_payload_ > hold_limit_) ReleaseHeldResponse();
  if (resp.framing == http::BodyFraming::kContentLength && response_remaining_ == 0) {
    ResponseComplete();
    return;
  }
  // The backend paused: what was encoded so far goes out now (a streamed response must not sit
  // in the encoder).
  if (compression_ != nullptr && Length(in) == 0) {
    std::string flushed;
    if (compression_->Flush(flushed)) WriteBodyPiece(flushed);
  }
}

void Session::MoveBodyToClient(evbuffer* in, size_t n) {
  evbuffer* out = ResponseOutput();
  if (rechunk_to_client_) {
    ex_->bytes_sent += MoveAsChunk(in, out, n);
  } else {
    evbuffer_remove_buffer(in, out, n);
    ex_->bytes_sent += n;
  }
}

void Session::ResponseComplete() {
  if (holding_response_) ReleaseHeldResponse();  // the whole body fitted in what was held
  EndResponseBody();
  const http::Response& resp = ex_->response();
  if (rechunk_to_client_) {
    evbuffer_add(ClientOutput(), "0\r\n\r\n", 5);
    ex_->bytes_sent += 5;
  }
  const bool reusable =
      resp.keep_alive && request_body_done_ && resp.framing != http::BodyFraming::kUntilClose;
  ReleaseUpstream(reusable);
  FinishExchange();
}

// ---------------------------------------------------------------------------------------------
// Local replies and the end of an exchange

void Session::SendError(int status) {
  if (discard_response_) {  // a refresh failed: its client has its answer already
    FinishExchange();
    return;
  }
  // stale-if-error (RFC 5861): a stored response may stand in for a failing backend.
  if (status >= 500 && cache_ != nullptr && !response_started_ &&
      cache_->ServeStaleOnError(WallSeconds())) {
    SendStoredResponse();
    return;
  }
  ex_->SetLocalReply(status, pipeline::ErrorPage(status, ex_->request_id()));
  SendLocalReply();
}

void Session::SendLocalReply() {
  if (!ex_->local_reply()) {
    // A stage answered kRespond without a reply: a bug in that stage, not the client's fault.
    ex_->SetLocalReply(500, pipeline::ErrorPage(500, ex_->request_id()));
  }
  DropHeldResponse();       // a backend response held back for a stage never goes out now
  if (discard_response_) {  // a refresh's response refused by a stage: not stored, not sent
    FinishExchange();
    return;
  }
  pipeline::LocalReply& reply = *ex_->local_reply();
  if (!request_body_done_) close_after_ = true;  // unread body bytes would be taken as a request
  if (worker_.draining) close_after_ = true;
  const http::Request& req = ex_->request();
  reply.headers.Set("Content-Length", std::to_string(reply.body.size()));
  if (!ex_->request_id().empty()) reply.headers.Set("X-Request-Id", ex_->request_id());
  reply.headers.Set("Cache-Control", "no-store");
  if (route_ != nullptr && conn_.tls != nullptr && !route_->hsts.empty()) {
    reply.headers.Set("Strict-Transport-Security", route_->hsts);
  }
  if (close_after_) {
    reply.headers.Set("Connection", "close");
  } else if (req.version == http::Version::kHttp10) {
    reply.headers.Set("Connection", "keep-alive");
  }
  std::string out;
  out.reserve(256 + reply.body.size());
  http::AppendResponseHead(out, http::Version::kHttp11, reply.status,
                           http::ReasonPhrase(reply.status), reply.headers);
  if (req.method != "HEAD") out += reply.body;
  evbuffer_add(ClientOutput(), out.data(), out.size());
  ex_->status = reply.status;
  ex_->bytes_sent += out.size();
  response_started_ = true;
  FinishExchange();
}

void Session::FinishExchange() {
  pipeline::Exchange& ex = *ex_;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.start()).count();
  worker_.metrics->CountRequest(worker_.id, ex.route_name(), ex.status, seconds);
  worker_.metrics->AddBytes(ex.bytes_received, ex.bytes_sent);
  if (cache_ != nullptr) {
    ex.cache_status = cache_->log_result();
    worker_.metrics->CountCacheResult(cache_->log_result());
  }
  if (compression_ != nullptr) {
    worker_.metrics->AddCompression(compress::EncodingToken(compression_->encoding()),
                                    compression_->input_bytes(), compression_->output_bytes());
  }
  if (runtime_->access_log) worker_.access_log.Add(runtime_->access_log, ex);
  if (chain_) chain_->Complete(ex);
  worker_.metrics->CountWafPath(ex.waf_path);
  worker_.metrics->CountWafValues(ex.waf_values_remembered, ex.waf_values_checked);
  if (!ex.findings().empty()) {
    const pipeline::Findings& findings = ex.findings();
    worker_.metrics->CountAttackRecord(findings.verdict(), findings.source());
    if (runtime_->attack_log) {
      worker_.attack_log.Add(runtime_->attack_log->file(), runtime_->attack_log->FormatRecord(ex));
    }
  }
  ReleaseUpstream(false);  // a no-op unless the exchange ended before the response did

  // Reset per-exchange state for the next request on this connection. A job still on the
  // offload pool (the exchange ended another way: a timeout, an error) must not call back
  // into the stage and exchange freed here.
  if (offload_ != nullptr) {
    offload_->Abandon();
    offload_.reset();
  }
  offload_done_ = nullptr;
  for (auto* ticket : {&disk_ticket_, &collapse_ticket_}) {
    if (*ticket != nullptr) (*ticket)->Abandon();
    ticket->reset();
  }
  event_del(cache_wake_);  // a wake already under way belongs to the exchange that ended
  disk_lookup_.reset();
  cache_.reset();  // releases a fill it led: the requests waiting for it go on
  compression_.reset();
  discard_response_ = false;
  if (discard_ != nullptr) evbuffer_drain(discard_, Length(discard_));
  chain_.reset();
  ex_.reset();
  route_ = nullptr;
  attempts_.Reset();
  pool_ = nullptr;
  last_error_status_ = 502;
  avoid_idle_connections_ = false;
  upstream_reused_ = false;
  body_forwarding_started_ = false;
  upstream_headers_prepared_ = false;
  sent_continue_ = false;
  buffered_body_.clear();
  buffered_body_partial_ = false;
  body_buffered_whole_ = false;
  resume_requested_ = false;
  path_.clear();
  request_chunked_.Reset();
  response_parser_.Reset();
  response_chunked_.Reset();
  response_head_done_ = false;
  interim_response_seen_ = false;
  response_started_ = false;
  holding_response_ = false;
  held_head_.clear();
  if (held_body_ != nullptr) evbuffer_drain(held_body_, Length(held_body_));
  rechunk_to_client_ = false;
  parser_.Reset();
  if (closed_) return;  // called from Close(): nothing more to send

  if (close_after_ || !request_body_done_) {
    CloseWhenFlushed();
    return;
  }
  state_ = State::kWaitingForRequest;
  SetClientReadTimeout(0);
  ArmTimer(timeouts().keepalive_ms);
  if (client_paused_) {
    client_paused_ = false;
    bufferevent_enable(client_, EV_READ);
  }
  // A pipelined request may already be buffered: parse it on the next loop turn rather than
  // recursing here.
  if (Length(ClientInput()) > 0) event_active(deferred_, EV_TIMEOUT, 0);
}

// ---------------------------------------------------------------------------------------------
// Tunnel (WebSocket and other upgrades)

void Session::StartTunnel() {
  http::Response& resp = ex_->response();
  ex_->upstream_status = 101;
  ex_->status = 101;
  RemoveHopByHop(resp.headers, true);
  resp.headers.Set("X-Request-Id", ex_->request_id());
  std::string head;
  http::AppendResponseHead(head, http::Version::kHttp11, 101, http::ReasonPhrase(101),
                           resp.headers);
  evbuffer_add(ClientOutput(), head.data(), head.size());
  ex_->bytes_sent += head.size();
  response_started_ = true;
  state_ = State::kTunnel;
  // Idle tunnels (WebSockets) may stay open for long: no read timeouts on either side.
  SetClientReadTimeout(0);
  const timeval write_tv = ToTimeval(pool_->config().write_timeout_ms);
  bufferevent_set_timeouts(upstream_, nullptr, &write_tv);
  bufferevent_enable(client_, EV_READ);
  bufferevent_enable(upstream_, EV_READ);
  client_paused_ = false;
  PumpTunnel(upstream_, client_);
  if (!closed_) PumpTunnel(client_, upstream_);
}

void Session::PumpTunnel(bufferevent* from, bufferevent* to) {
  if (from == nullptr || to == nullptr) return;
  evbuffer* in = bufferevent_get_input(from);
  evbuffer* out = bufferevent_get_output(to);
  const size_t n = Length(in);
  if (n == 0) return;
  evbuffer_add_buffer(out, in);
  if (ex_) {
    if (from == client_)
      ex_->bytes_received += n;
    else
      ex_->bytes_sent += n;
  }
  if (Length(out) > kHighWater) {
    bufferevent_disable(from, EV_READ);
    if (from == client_)
      client_paused_ = true;
    else
      upstream_paused_ = true;
  }
}

}  // namespace rampart::proxy
