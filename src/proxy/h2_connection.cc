#include "proxy/h2_connection.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "proxy/client_accept.h"
#include "proxy/h2_request_head.h"
#include "proxy/h2_reset_window.h"
#include "proxy/h2_stream_bridge.h"
#include "tls/connection.h"

namespace rampart::proxy {

namespace {

// Defences nghttp2 1.52 (Debian's +deb12u3 with the CVE backports) has, pinned at their
// defaults so that a library update cannot loosen them unnoticed.
constexpr size_t kMaxOutboundAck = 1000;    // queued SETTINGS/PING ACKs: ping and settings floods
constexpr size_t kMaxSettingsEntries = 32;  // entries per SETTINGS frame
constexpr size_t kMaxContinuations = 8;     // CONTINUATION frames per header block (CVE-2024-28182)
constexpr uint64_t kResetRateBurst = 1000;  // nghttp2's own RST_STREAM token bucket, behind ours
constexpr uint64_t kResetRatePerSecond = 33;
// Response heads we send may be as large as the bridge accepts from the Session.
constexpr size_t kMaxSendHeaderBlock = H2StreamBridge::kMaxResponseHead + 4096;
// How often streams are checked for a Session that ended without telling (H2StreamBridge::Poll).
constexpr uint64_t kPollMs = 1000;

size_t Length(evbuffer* buf) { return evbuffer_get_length(buf); }

timeval ToTimeval(uint64_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

uint64_t NowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

nghttp2_nv MakeNv(const std::string& name, const std::string& value) {
  // nghttp2 copies names and values on submit (no NO_COPY flags).
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

// Fields of an HTTP/1.1 response that mean nothing (or something wrong) in HTTP/2 (RFC 9113
// §8.2.2).
bool IsHopByHop(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" ||
         lower_name == "transfer-encoding" || lower_name == "upgrade" ||
         lower_name == "proxy-connection";
}

// RST_STREAM codes that blame the client (its protocol errors, streams it was refused); ours for
// our own failures (INTERNAL_ERROR, CANCEL) or an early complete response (NO_ERROR) do not
// count towards the rapid-reset limit.
bool BlamesClient(uint32_t error_code) {
  return error_code != NGHTTP2_NO_ERROR && error_code != NGHTTP2_INTERNAL_ERROR &&
         error_code != NGHTTP2_CANCEL;
}

// One client stream: its header block while it arrives, then its bridge to a Session.
struct H2Stream {
  H2Stream(int32_t stream_id, const http::ParseLimits& limits) : id(stream_id), head(limits) {}
  int32_t id;
  std::optional<H2RequestHead> head;  // dropped once the request is bridged
  std::unique_ptr<H2StreamBridge> bridge;
  bool active = false;    // its header block is complete: it is being answered
  bool deferred = false;  // its body read returned NGHTTP2_ERR_DEFERRED
};

// One HTTP/2 client connection: owns the client bufferevent, the nghttp2 server session and
// the streams. Deletes itself (on the next loop turn) when the connection ends; lives on one
// worker thread.
//
// nghttp2 is driven with mem_recv/mem_send from libevent callbacks only, never from inside an
// nghttp2 callback (which nghttp2 forbids): the callbacks only record and submit, and the
// streams' pairs report through deferred callbacks.
class H2Connection final : public ClientConnection, private H2StreamBridge::Listener {
 public:
  static void Start(WorkerContext& worker, bufferevent* client, ConnectionInfo info);

  void OnDrain() override;
  void ForceClose() override { Close(); }

  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

 private:
  H2Connection(WorkerContext& worker, bufferevent* client, ConnectionInfo info);
  ~H2Connection() override;
  [[nodiscard]] bool Init();

  // libevent trampolines.
  static void OnClientReadCb(bufferevent* bev, void* arg);
  static void OnClientWriteCb(bufferevent* bev, void* arg);
  static void OnClientEventCb(bufferevent* bev, short what, void* arg);
  static void OnIdleTimerCb(evutil_socket_t fd, short what, void* arg);
  static void OnPollTimerCb(evutil_socket_t fd, short what, void* arg);
  static void OnDeferredCb(evutil_socket_t fd, short what, void* arg);

  // nghttp2 trampolines (user_data is the connection).
  static int OnBeginHeadersCb(nghttp2_session* session, const nghttp2_frame* frame, void* data);
  static int OnHeaderCb(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                        size_t name_len, const uint8_t* value, size_t value_len, uint8_t flags,
                        void* data);
  static int OnFrameRecvCb(nghttp2_session* session, const nghttp2_frame* frame, void* data);
  static int OnDataChunkRecvCb(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                               const uint8_t* bytes, size_t size, void* data);
  static int OnStreamCloseCb(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                             void* data);
  static int OnFrameSendCb(nghttp2_session* session, const nghttp2_frame* frame, void* data);
  static ssize_t ReadResponseBodyCb(nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                                    size_t length, uint32_t* data_flags,
                                    nghttp2_data_source* source, void* data);

  // Client side.
  void OnClientRead();
  void OnClientWrite();
  void OnClientEvent(short what);
  void OnIdleTimer();
  void OnPollTimer();
  // Hands nghttp2's pending frames to the client's output while it is below kHighWater; closes
  // once nghttp2 wants neither to read nor to write.
  void SendPending();
  void CloseWhenFlushed();
  void Close();

  // Streams (called from nghttp2 callbacks: record and submit only).
  H2Stream* Find(int32_t stream_id);
  int OnBeginHeaders(const nghttp2_frame& frame);
  void OnRequestHeaders(H2Stream& stream, bool end_stream);
  int OnFrameRecv(const nghttp2_frame& frame);
  void OnDataChunk(int32_t stream_id, const uint8_t* bytes, size_t size);
  void OnStreamClose(int32_t stream_id);
  void OnFrameSend(const nghttp2_frame& frame);
  // A reply made here, without a Session (431, 405): a status and no body.
  void SubmitLocalReply(const H2Stream& stream, int status);
  // Counts a reset stream; true (and GOAWAY ENHANCE_YOUR_CALM submitted) past the limit.
  bool CountReset();
  // Ends the connection gracefully: GOAWAY (NO_ERROR) naming the last stream taken; those
  // finish, later ones are refused, and the connection closes after the last.
  void GoAway();
  // Ends the connection now: GOAWAY with `error_code`, then close, cutting open streams.
  void Terminate(uint32_t error_code);
  // Arms the idle (or header) timer when no stream is being answered, disarms it otherwise.
  void UpdateIdleTimer();

  // H2StreamBridge::Listener (from the event loop, outside nghttp2).
  void OnBridgeHead(H2StreamBridge& bridge, const http::Response& head, bool final) override;
  void OnBridgeBodyReadable(H2StreamBridge& bridge) override;
  void OnBridgeRequestDrained(H2StreamBridge& bridge, size_t bytes) override;
  void OnBridgeFailed(H2StreamBridge& bridge) override;

  WorkerContext& worker_;
  bufferevent* client_;
  ConnectionInfo info_;
  nghttp2_session* session_ = nullptr;
  event* idle_timer_ = nullptr;  // header deadline, then keep-alive idle
  event* poll_timer_ = nullptr;  // H2StreamBridge::Poll for every stream
  event* deferred_ = nullptr;    // input left by a TLS handshake; freeing closed streams
  std::unordered_map<int32_t, std::unique_ptr<H2Stream>> streams_;
  // Closed streams wait here for the next loop turn: a bridge may be closed from inside one of
  // its own callbacks.
  std::vector<std::unique_ptr<H2Stream>> closed_streams_;
  size_t active_streams_ = 0;
  bool requests_seen_ = false;  // the idle timer measures keep-alive, no longer the first head
  H2ResetWindow resets_;
  bool read_paused_ = false;  // the client's output is above kHighWater
  bool goaway_sent_ = false;  // the final graceful GOAWAY is submitted
  bool terminated_ = false;   // the ending GOAWAY is submitted: the client's frames are ignored
  bool draining_ = false;
  bool drain_ping_sent_ = false;  // the final GOAWAY waits for the PING's ACK
  bool closing_ = false;          // flushing the last frames, then Close
  bool closed_ = false;
};

// ---------------------------------------------------------------------------------------------
// Life cycle

void H2Connection::Start(WorkerContext& worker, bufferevent* client, ConnectionInfo info) {
  auto* connection = new H2Connection(worker, client, std::move(info));
  worker.sessions.insert(connection);
  if (!connection->Init()) {
    spdlog::warn("http2: cannot set up a session for {}", connection->info_.peer_ip);
    connection->Close();
    return;
  }
  if (worker.draining) connection->OnDrain();
}

H2Connection::H2Connection(WorkerContext& worker, bufferevent* client, ConnectionInfo info)
    : worker_(worker), client_(client), info_(std::move(info)) {
  idle_timer_ = evtimer_new(worker_.base, &H2Connection::OnIdleTimerCb, this);
  poll_timer_ = event_new(worker_.base, -1, EV_PERSIST, &H2Connection::OnPollTimerCb, this);
  deferred_ = event_new(worker_.base, -1, 0, &H2Connection::OnDeferredCb, this);
}

H2Connection::~H2Connection() {
  streams_.clear();
  closed_streams_.clear();
  if (idle_timer_ != nullptr) event_free(idle_timer_);
  if (poll_timer_ != nullptr) event_free(poll_timer_);
  if (deferred_ != nullptr) event_free(deferred_);
}

bool H2Connection::Init() {
  if (idle_timer_ == nullptr || poll_timer_ == nullptr || deferred_ == nullptr) return false;
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &OnBeginHeadersCb);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &OnHeaderCb);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &OnFrameRecvCb);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &OnDataChunkRecvCb);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &OnStreamCloseCb);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &OnFrameSendCb);
  // No on_invalid_header callback: without one, nghttp2 treats a field that fails its checks
  // (a value with CR, LF or NUL, a name with an upper-case letter or other non-token byte) as a
  // stream error and resets the stream (PROTOCOL_ERROR) instead of dropping the field.

  nghttp2_option* options = nullptr;
  if (nghttp2_option_new(&options) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return false;
  }
  // Request body bytes are credited back only as the stream's Session reads them.
  nghttp2_option_set_no_auto_window_update(options, 1);
  nghttp2_option_set_max_send_header_block_length(options, kMaxSendHeaderBlock);
  nghttp2_option_set_max_outbound_ack(options, kMaxOutboundAck);
  nghttp2_option_set_max_settings(options, kMaxSettingsEntries);
  nghttp2_option_set_max_continuations(options, kMaxContinuations);
  nghttp2_option_set_stream_reset_rate_limit(options, kResetRateBurst, kResetRatePerSecond);
  const int rv = nghttp2_session_server_new2(&session_, callbacks, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }

  const std::shared_ptr<const Runtime>& runtime = worker_.runtime();
  // HPACK's dynamic table stays at the default 4096 bytes (no SETTINGS_HEADER_TABLE_SIZE); the
  // decoded list is bounded by MAX_HEADER_LIST_SIZE, which H2RequestHead enforces.
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2Limits::kMaxConcurrentStreams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<uint32_t>(runtime->parse_limits.max_header_bytes)},
      // No RFC 7540 priority tree: nothing to build per stream, no closed streams kept for it.
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0 ||
      nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                            H2Limits::kConnectionWindow) != 0) {
    return false;
  }

  bufferevent_setcb(client_, &H2Connection::OnClientReadCb, &H2Connection::OnClientWriteCb,
                    &H2Connection::OnClientEventCb, this);
  bufferevent_setwatermark(client_, EV_WRITE, H2Limits::kLowWater, 0);
  const timeval send_tv = ToTimeval(runtime->config.timeouts.send_ms);
  bufferevent_set_timeouts(client_, nullptr, &send_tv);
  bufferevent_enable(client_, EV_READ | EV_WRITE);
  // The preface and the first request must arrive as fast as an HTTP/1.1 head must.
  const timeval header_tv = ToTimeval(runtime->config.timeouts.client_header_ms);
  evtimer_add(idle_timer_, &header_tv);
  const timeval poll_tv = ToTimeval(kPollMs);
  event_add(poll_timer_, &poll_tv);
  // The preface (and more) may be in the input already: a TLS handshake or the Session that
  // recognised the preface read it.
  if (Length(bufferevent_get_input(client_)) > 0) event_active(deferred_, EV_TIMEOUT, 0);
  SendPending();  // our SETTINGS go first
  return true;
}

void H2Connection::CloseWhenFlushed() {
  if (closed_) return;
  closing_ = true;
  bufferevent_disable(client_, EV_READ);
  if (Length(bufferevent_get_output(client_)) == 0) {
    Close();
    return;
  }
  bufferevent_setwatermark(client_, EV_WRITE, 0, 0);  // OnClientWrite once all is out
}

void H2Connection::Close() {
  if (closed_) return;
  closed_ = true;
  // Every Session still serving a stream sees EOF: an unfinished exchange is logged as 499.
  for (auto& [id, stream] : streams_) {
    if (stream->bridge) stream->bridge->Abort();
  }
  if (session_ != nullptr) nghttp2_session_del(session_);
  session_ = nullptr;
  if (client_ != nullptr) {
    tls::SendCloseNotify(client_);  // keeps a TLS session resumable; a no-op on cleartext
    bufferevent_free(client_);
  }
  client_ = nullptr;
  event_del(idle_timer_);
  event_del(poll_timer_);
  event_del(deferred_);
  ReleaseClient(worker_, info_);
  worker_.sessions.erase(this);
  // Delete on the next loop turn: callers up the stack (a bridge's callback) may still be in it.
  event_base_once(
      worker_.base, -1, EV_TIMEOUT,
      [](evutil_socket_t, short, void* arg) { delete static_cast<H2Connection*>(arg); }, this,
      nullptr);
  if (worker_.draining && worker_.sessions.empty() && worker_.on_drained) worker_.on_drained();
}

void H2Connection::OnDrain() {
  if (closed_ || draining_) return;
  draining_ = true;
  if (streams_.empty()) {
    GoAway();
  } else {
    // RFC 9113 §6.8: first a GOAWAY that names no stream, so that requests already on their way
    // are not lost; the final one, naming the last stream taken, once a PING round trip shows
    // the client has seen it.
    if (nghttp2_submit_shutdown_notice(session_) == 0 &&
        nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr) == 0) {
      drain_ping_sent_ = true;
    } else {
      GoAway();
    }
  }
  SendPending();
}

void H2Connection::GoAway() {
  if (goaway_sent_ || terminated_) return;
  goaway_sent_ = true;
  if (nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                            nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                            nullptr, 0) != 0) {
    closing_ = true;
  }
}

void H2Connection::Terminate(uint32_t error_code) {
  if (terminated_) return;
  terminated_ = true;
  if (nghttp2_session_terminate_session(session_, error_code) != 0) closing_ = true;
}

// ---------------------------------------------------------------------------------------------
// Client events

void H2Connection::OnClientReadCb(bufferevent*, void* arg) {
  static_cast<H2Connection*>(arg)->OnClientRead();
}
void H2Connection::OnClientWriteCb(bufferevent*, void* arg) {
  static_cast<H2Connection*>(arg)->OnClientWrite();
}
void H2Connection::OnClientEventCb(bufferevent*, short what, void* arg) {
  static_cast<H2Connection*>(arg)->OnClientEvent(what);
}
void H2Connection::OnIdleTimerCb(evutil_socket_t, short, void* arg) {
  static_cast<H2Connection*>(arg)->OnIdleTimer();
}
void H2Connection::OnPollTimerCb(evutil_socket_t, short, void* arg) {
  static_cast<H2Connection*>(arg)->OnPollTimer();
}
void H2Connection::OnDeferredCb(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<H2Connection*>(arg);
  self->closed_streams_.clear();
  self->OnClientRead();
}

void H2Connection::OnClientRead() {
  if (closed_) return;
  evbuffer* in = bufferevent_get_input(client_);
  if (closing_ || terminated_) {
    // The connection is ending: what the client sends now is not acted on.
    evbuffer_drain(in, Length(in));
    return;
  }
  while (Length(in) > 0) {
    evbuffer_iovec chunk;
    if (evbuffer_peek(in, -1, nullptr, &chunk, 1) < 1) break;
    const ssize_t n = nghttp2_session_mem_recv(
        session_, static_cast<const uint8_t*>(chunk.iov_base), chunk.iov_len);
    if (n < 0) {
      // Not HTTP/2 (bad preface), a flood nghttp2 detected, or out of memory.
      spdlog::debug("http2: {} from {}", nghttp2_strerror(static_cast<int>(n)), info_.peer_ip);
      Close();
      return;
    }
    evbuffer_drain(in, static_cast<size_t>(n));
    if (terminated_) {
      evbuffer_drain(in, Length(in));  // the connection is ending: the rest is not read
      break;
    }
  }
  SendPending();
  if (closed_ || closing_) return;
  if (Length(bufferevent_get_output(client_)) >= H2Limits::kHighWater) {
    // The client does not read what it asked for: read no more of what it asks.
    bufferevent_disable(client_, EV_READ);
    read_paused_ = true;
  }
}

void H2Connection::OnClientWrite() {
  if (closed_) return;
  if (closing_) {
    if (Length(bufferevent_get_output(client_)) == 0) Close();
    return;
  }
  SendPending();
  if (closed_ || closing_) return;
  if (read_paused_ && Length(bufferevent_get_output(client_)) < H2Limits::kHighWater) {
    read_paused_ = false;
    bufferevent_enable(client_, EV_READ);
    if (Length(bufferevent_get_input(client_)) > 0) OnClientRead();
  }
}

void H2Connection::OnClientEvent(short what) {
  if (closed_) return;
  if ((what & BEV_EVENT_TIMEOUT) != 0) {
    worker_.metrics->CountClientTimeout(ClientTimeout::kSend);
  } else if ((what & BEV_EVENT_ERROR) != 0) {
    spdlog::debug("http2: connection error from {}", info_.peer_ip);
  }
  // EOF, error or a stalled write: the client is gone (unfinished streams are logged as 499).
  Close();
}

void H2Connection::OnIdleTimer() {
  if (closed_ || active_streams_ > 0) return;
  worker_.metrics->CountClientTimeout(requests_seen_ ? ClientTimeout::kKeepalive
                                                     : ClientTimeout::kHeader);
  GoAway();
  SendPending();
}

void H2Connection::OnPollTimer() {
  if (closed_) return;
  std::vector<int32_t> ids;
  ids.reserve(streams_.size());
  for (const auto& [id, stream] : streams_) {
    if (stream->bridge) ids.push_back(id);
  }
  // A bridge's report may close streams (and the connection): look each one up again.
  for (const int32_t id : ids) {
    if (closed_) return;
    if (H2Stream* stream = Find(id); stream != nullptr && stream->bridge) stream->bridge->Poll();
  }
}

void H2Connection::SendPending() {
  if (closed_) return;
  evbuffer* out = bufferevent_get_output(client_);
  while (Length(out) < H2Limits::kHighWater) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      spdlog::debug("http2: sending to {}: {}", info_.peer_ip,
                    nghttp2_strerror(static_cast<int>(n)));
      Close();
      return;
    }
    if (n == 0) break;
    evbuffer_add(out, data, static_cast<size_t>(n));
  }
  // After a GOAWAY (either way) and the last stream, or a fatal error: nothing more to do.
  if (closing_ ||
      (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0)) {
    CloseWhenFlushed();
  }
}

void H2Connection::UpdateIdleTimer() {
  if (active_streams_ > 0) {
    event_del(idle_timer_);
    return;
  }
  if (draining_ && streams_.empty()) {
    GoAway();  // the last stream is done: no need to wait for the PING
    return;
  }
  const config::TimeoutsConfig& timeouts = worker_.runtime()->config.timeouts;
  const timeval tv = ToTimeval(requests_seen_ ? timeouts.keepalive_ms : timeouts.client_header_ms);
  evtimer_add(idle_timer_, &tv);
}

// ---------------------------------------------------------------------------------------------
// nghttp2 callbacks

int H2Connection::OnBeginHeadersCb(nghttp2_session*, const nghttp2_frame* frame, void* data) {
  return static_cast<H2Connection*>(data)->OnBeginHeaders(*frame);
}

int H2Connection::OnHeaderCb(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                             size_t name_len, const uint8_t* value, size_t value_len, uint8_t,
                             void* data) {
  // Trailers (HCAT_HEADERS) are not forwarded: HTTP/1.1 could carry them only in chunked
  // framing, and no stage inspects them.
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  H2Stream* stream = static_cast<H2Connection*>(data)->Find(frame->hd.stream_id);
  if (stream == nullptr || !stream->head) return 0;
  stream->head->Add({reinterpret_cast<const char*>(name), name_len},
                    {reinterpret_cast<const char*>(value), value_len});
  return 0;
}

int H2Connection::OnFrameRecvCb(nghttp2_session*, const nghttp2_frame* frame, void* data) {
  return static_cast<H2Connection*>(data)->OnFrameRecv(*frame);
}

int H2Connection::OnDataChunkRecvCb(nghttp2_session*, uint8_t, int32_t stream_id,
                                    const uint8_t* bytes, size_t size, void* data) {
  static_cast<H2Connection*>(data)->OnDataChunk(stream_id, bytes, size);
  return 0;
}

int H2Connection::OnStreamCloseCb(nghttp2_session*, int32_t stream_id, uint32_t, void* data) {
  static_cast<H2Connection*>(data)->OnStreamClose(stream_id);
  return 0;
}

int H2Connection::OnFrameSendCb(nghttp2_session*, const nghttp2_frame* frame, void* data) {
  static_cast<H2Connection*>(data)->OnFrameSend(*frame);
  return 0;
}

ssize_t H2Connection::ReadResponseBodyCb(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                                         uint32_t* data_flags, nghttp2_data_source* source, void*) {
  auto* stream = static_cast<H2Stream*>(source->ptr);
  if (!stream->bridge) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  size_t copied = 0;
  switch (stream->bridge->ReadBody(buf, length, copied)) {
    case H2StreamBridge::BodyState::kEnd:
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(copied);
    case H2StreamBridge::BodyState::kMore:
      if (copied > 0) return static_cast<ssize_t>(copied);
      stream->deferred = true;  // OnBridgeBodyReadable resumes it
      return NGHTTP2_ERR_DEFERRED;
    case H2StreamBridge::BodyState::kFailed:
      break;
  }
  // A truncated response: the stream is reset (INTERNAL_ERROR) so the client cannot take it for
  // a whole one.
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

H2Stream* H2Connection::Find(int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

int H2Connection::OnBeginHeaders(const nghttp2_frame& frame) {
  if (frame.hd.type != NGHTTP2_HEADERS || frame.headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  // Ending: what is left of the input after the GOAWAY starts nothing (OnFrameRecv finds no
  // stream to bridge).
  if (terminated_) return 0;
  auto stream = std::make_unique<H2Stream>(frame.hd.stream_id, worker_.runtime()->parse_limits);
  streams_[frame.hd.stream_id] = std::move(stream);
  return 0;
}

int H2Connection::OnFrameRecv(const nghttp2_frame& frame) {
  const bool end_stream = (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame.hd.type) {
    case NGHTTP2_HEADERS: {
      H2Stream* stream = Find(frame.hd.stream_id);
      if (stream == nullptr) return 0;
      if (frame.headers.cat == NGHTTP2_HCAT_REQUEST) {
        OnRequestHeaders(*stream, end_stream);
      } else if (end_stream && stream->bridge) {
        stream->bridge->EndBody();  // trailers end the body; their fields are dropped
      }
      return 0;
    }
    case NGHTTP2_DATA:
      if (end_stream) {
        if (H2Stream* stream = Find(frame.hd.stream_id); stream != nullptr && stream->bridge) {
          stream->bridge->EndBody();
        }
      }
      return 0;
    case NGHTTP2_RST_STREAM:
      CountReset();
      return 0;
    case NGHTTP2_PING:
      if ((frame.hd.flags & NGHTTP2_FLAG_ACK) != 0 && drain_ping_sent_) {
        drain_ping_sent_ = false;
        GoAway();
      }
      return 0;
    default:
      return 0;
  }
}

void H2Connection::OnRequestHeaders(H2Stream& stream, bool end_stream) {
  requests_seen_ = true;
  stream.active = true;
  ++active_streams_;
  UpdateIdleTimer();
  const H2RequestHead& head = *stream.head;
  switch (head.Check()) {
    case H2RequestHead::Verdict::kBridge:
      break;
    case H2RequestHead::Verdict::kTooLarge:
      worker_.metrics->CountMalformed(head.limit_error());
      spdlog::debug("http2: header list over the limits from {}", info_.peer_ip);
      SubmitLocalReply(stream, 431);
      return;
    case H2RequestHead::Verdict::kConnect:
      SubmitLocalReply(stream, 405);
      return;
    case H2RequestHead::Verdict::kHostMismatch:
    case H2RequestHead::Verdict::kMissingPseudo:
      spdlog::debug("http2: malformed request from {}", info_.peer_ip);
      (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id,
                                      NGHTTP2_PROTOCOL_ERROR);
      return;
  }
  const bool chunked = !end_stream && head.chunked_body();
  const std::string http1 = head.ToHttp1(!end_stream);
  const bool head_request = head.method() == "HEAD";
  stream.head.reset();
  stream.bridge = std::make_unique<H2StreamBridge>(static_cast<Listener&>(*this), stream.id);
  if (!stream.bridge->Start(worker_, info_, http1, chunked, head_request)) {
    stream.bridge.reset();
    (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_INTERNAL_ERROR);
    return;
  }
  if (end_stream) stream.bridge->EndBody();
}

void H2Connection::OnDataChunk(int32_t stream_id, const uint8_t* bytes, size_t size) {
  // The connection window is credited at once: every stream's own window bounds what it holds.
  (void)nghttp2_session_consume_connection(session_, size);
  H2Stream* stream = Find(stream_id);
  // Without a bridge (a local reply, a refused stream) the bytes are dropped.
  const size_t credit =
      stream != nullptr && stream->bridge ? stream->bridge->WriteBody(bytes, size) : size;
  if (credit > 0) (void)nghttp2_session_consume_stream(session_, stream_id, credit);
}

void H2Connection::OnStreamClose(int32_t stream_id) {
  const auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  std::unique_ptr<H2Stream> stream = std::move(it->second);
  streams_.erase(it);
  if (stream->active) --active_streams_;
  // A stream reset before its response was whole: its Session sees EOF and logs 499.
  if (stream->bridge) stream->bridge->Abort();
  closed_streams_.push_back(std::move(stream));
  event_active(deferred_, EV_TIMEOUT, 0);
  UpdateIdleTimer();
}

void H2Connection::OnFrameSend(const nghttp2_frame& frame) {
  if (frame.hd.type == NGHTTP2_RST_STREAM) {
    if (BlamesClient(frame.rst_stream.error_code)) CountReset();
    return;
  }
  const bool ends_stream = (frame.hd.type == NGHTTP2_HEADERS || frame.hd.type == NGHTTP2_DATA) &&
                           (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (ends_stream && nghttp2_session_get_stream_remote_close(session_, frame.hd.stream_id) == 0) {
    // RFC 9113 §8.1: the response is complete before the request; ask the client to stop
    // sending the rest (its Session will not read it).
    (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, frame.hd.stream_id,
                                    NGHTTP2_NO_ERROR);
  }
}

void H2Connection::SubmitLocalReply(const H2Stream& stream, int status) {
  const std::string status_name = ":status";
  const std::string status_value = std::to_string(status);
  const std::string length_name = "content-length";
  const std::string length_value = "0";
  const nghttp2_nv fields[] = {MakeNv(status_name, status_value),
                               MakeNv(length_name, length_value)};
  (void)nghttp2_submit_response(session_, stream.id, fields, std::size(fields), nullptr);
}

bool H2Connection::CountReset() {
  if (terminated_) return true;
  if (resets_.Add(NowMs()) <= H2Limits::kMaxResetsPerWindow) return false;
  spdlog::debug("http2: too many stream resets from {}: GOAWAY", info_.peer_ip);
  Terminate(NGHTTP2_ENHANCE_YOUR_CALM);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Bridge reports

void H2Connection::OnBridgeHead(H2StreamBridge& bridge, const http::Response& head, bool final) {
  if (closed_) return;
  H2Stream* stream = Find(bridge.stream_id());
  if (stream == nullptr) return;
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(head.headers.size() + 1);
  fields.emplace_back(":status", std::to_string(head.status));
  const bool no_content = head.status == 204 || head.status < 200;
  for (const http::Header& header : head.headers) {
    std::string name = core::ToLower(header.name);
    if (IsHopByHop(name)) continue;
    // A length on a response that cannot have a body is refused by HTTP/2 clients.
    if (no_content && name == "content-length") continue;
    fields.emplace_back(std::move(name), header.value);
  }
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (const auto& [name, value] : fields) nva.push_back(MakeNv(name, value));
  int rv = 0;
  if (!final) {
    // 100 Continue (the Session is ready for the body) and 103 Early Hints go on as interim
    // HEADERS.
    rv = nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, stream->id, nullptr, nva.data(),
                                nva.size(), nullptr);
  } else {
    const bool has_body =
        head.framing != http::BodyFraming::kNone &&
        !(head.framing == http::BodyFraming::kContentLength && head.content_length == 0);
    nghttp2_data_provider provider{};
    provider.source.ptr = stream;
    provider.read_callback = &H2Connection::ReadResponseBodyCb;
    rv = nghttp2_submit_response(session_, stream->id, nva.data(), nva.size(),
                                 has_body ? &provider : nullptr);
  }
  if (rv != 0) {
    spdlog::debug("http2: response on stream {}: {}", stream->id, nghttp2_strerror(rv));
    (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream->id,
                                    NGHTTP2_INTERNAL_ERROR);
  }
  SendPending();
}

void H2Connection::OnBridgeBodyReadable(H2StreamBridge& bridge) {
  if (closed_) return;
  H2Stream* stream = Find(bridge.stream_id());
  if (stream == nullptr || !stream->deferred) return;
  stream->deferred = false;
  (void)nghttp2_session_resume_data(session_, stream->id);
  SendPending();
}

void H2Connection::OnBridgeRequestDrained(H2StreamBridge& bridge, size_t bytes) {
  if (closed_) return;
  (void)nghttp2_session_consume_stream(session_, bridge.stream_id(), bytes);
  SendPending();
}

void H2Connection::OnBridgeFailed(H2StreamBridge& bridge) {
  if (closed_) return;
  (void)nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, bridge.stream_id(),
                                  NGHTTP2_INTERNAL_ERROR);
  SendPending();
}

}  // namespace

void StartHttp2Connection(WorkerContext& worker, bufferevent* client, ConnectionInfo info) {
  H2Connection::Start(worker, client, std::move(info));
}

}  // namespace rampart::proxy
