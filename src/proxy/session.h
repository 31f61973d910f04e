#pragma once
// Session: one client connection, from accept to close, and the HTTP/1.1 exchanges on it —
// head parsing, the route's stage chain, the upstream attempt(s), body streaming both ways with
// back-pressure, keep-alive and pipelining, WebSocket tunnels. Owned by itself (deleted when the
// connection closes); lives on one worker thread.
//
// Memory stays bounded whatever the body size: bytes move between the two bufferevents without
// copies, and a side stops reading while the other side's output is above kHighWater.

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/h1_parser.h"
#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "proxy/cache_exchange.h"
#include "proxy/client_connection.h"
#include "proxy/metrics.h"
#include "proxy/response_compression.h"
#include "proxy/upstream_attempts.h"
#include "proxy/worker_context.h"

struct bufferevent;
struct evbuffer;
struct event;

namespace rampart::tls {
class ClientContext;
}

namespace rampart::proxy {

class OffloadTicket;

class Session final : public ClientConnection {
 public:
  // Serves the client connection `client` (a socket or TLS bufferevent, or one end of an HTTP/2
  // stream's bufferevent pair), taking ownership of it; the connection is already counted by the
  // connection limiter (unless info.http2_stream).
  static void Start(WorkerContext& worker, bufferevent* client, ConnectionInfo info);

  void OnDrain() override;
  void ForceClose() override { Close(); }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  enum class State : uint8_t {
    kWaitingForRequest,  // keep-alive idle: nothing of the next request yet
    kReadingHead,        // part of a request head has arrived
    kRunningStages,      // a stage returned kPending; waiting for Exchange::Resume
    kRunningBodyStages,  // the same, from the stages' look at the buffered body
    kBufferingBody,      // a stage asked for the whole body before the backend is contacted
    kWaitingForCache,    // the cache looks on disk, or another request is filling this key
    kConnecting,         // connecting to a backend
    kProxying,           // request sent (body may still stream); response streaming back
    kTunnel,             // after 101 Switching Protocols: bytes both ways
    kClosing,            // flushing the last response, then a lingering close
  };

  Session(WorkerContext& worker, bufferevent* client, ConnectionInfo info);
  ~Session() override;

  // libevent trampolines into noexcept members.
  static void OnClientReadCb(bufferevent* bev, void* arg);
  static void OnClientWriteCb(bufferevent* bev, void* arg);
  static void OnClientEventCb(bufferevent* bev, short what, void* arg);
  static void OnUpstreamReadCb(bufferevent* bev, void* arg);
  static void OnUpstreamWriteCb(bufferevent* bev, void* arg);
  static void OnUpstreamEventCb(bufferevent* bev, short what, void* arg);
  static void OnTimerCb(int fd, short what, void* arg);
  static void OnDeferredCb(int fd, short what, void* arg);
  static void OnCacheWakeCb(int fd, short what, void* arg);

  // Writes what the handlers queued on both sockets (see FlushSide).
  void FlushWrites() noexcept;
  void FlushSide(bufferevent* bev, bool plain_socket);
  static bool WriteEnabled(bufferevent* bev);
  // Whether a client read pause is back-pressure from the backend (body or tunnel bytes), as
  // opposed to a pipelined backlog waiting for the current exchange to end.
  bool ClientPausedForBackend() const;
  // Reads on past libevent 2.1's 4 KiB per event (see the definition).
  // Returns false on a read error (not on EOF or EAGAIN).
  // `seen`: the input's length after the previous handler, to tell what libevent just read.
  static bool TopUpInput(bufferevent* bev, size_t seen, bool plain_socket);
  static bool ReadInto(evbuffer* in, int fd);
  void OnClientRead() noexcept;
  void OnClientWrite() noexcept;
  void OnClientEvent(short what) noexcept;
  void OnUpstreamRead() noexcept;
  void OnUpstreamWrite() noexcept;
  void OnUpstreamEvent(short what) noexcept;
  void OnTimer() noexcept;
  void OnDeferred() noexcept;

  // Request side.
  void ParseHead();
  void StartExchange(size_t head_bytes);
  void RunRequestStages(pipeline::ChainResult result);
  void AfterRequestStages();
  // The terminal step for pool routes: choose the pool, buffer what the stages want, connect.
  void ProceedToBackend();
  void ReadBufferedBody();
  // Response bodies go to held_body_ while a stage has the response held back, else to the
  // client.
  evbuffer* ResponseOutput() const;
  void ReleaseHeldResponse();  // the head, then what was held, go to the client
  void DropHeldResponse();     // a local reply replaces the held response
  void AfterRequestBodyStages(pipeline::ChainResult result);
  // Exchange::Offload: `work` on the worker's offload pool, `done` back here (OnDeferred).
  void Offload(std::function<void()> work, std::function<void()> done);
  bool RequestHasBody() const;
  // An ACME HTTP-01 validation request for a token rampart is waiting on: answered here.
  bool AnswerAcmeChallenge();
  // mTLS listeners: the verified client certificate's subject to the backend, in the listener's
  // client_subject_header (any copy the client sent is removed).
  void SetClientCertificateHeader(http::HeaderMap& headers) const;
  void PrepareUpstreamHeaders();
  void ForwardRequestBody();
  void FinishRequestBody();
  void FailRequestBody(int status, http::ParseError reason);
  // Runs the stages that inspect request bodies on `chunk`; false when one of them answered
  // (the reply is then sent).
  bool InspectRequestBody(evbuffer* in, size_t n, bool end);
  // The same for response bodies; a stage that answers mid-response closes the connection.
  bool InspectResponseBody(evbuffer* in, size_t n, bool end);

  // Upstream side.
  // Picks the pool: the route's, or its traffic split's choice.
  void ChoosePool();
  // Admits the request to the pool (first call), picks the next server and connects (or takes
  // an idle connection).
  void ConnectUpstream();
  void ConnectToServer();
  void SendRequestHead();
  void UpstreamFailed(UpstreamError kind);
  // A response head arrived: outlier bookkeeping, and a retry when its status is one the pool
  // retries. True when the request went to another server instead.
  bool RetryOnStatus();
  void SetStickyCookie();
  void ReleaseUpstream(bool reusable);
  void ParseResponseHead();
  void SendResponseHead();
  void ForwardResponseBody();
  // Moves `n` response body bytes to the client, re-chunked when the client gets chunked.
  void MoveBodyToClient(evbuffer* in, size_t n);
  void ResponseComplete();

  // The route's cache (session_cache.cc). StartCacheLookup: true when the cache took the
  // exchange over (it answers, or waits); false: go to the backend as usual.
  bool StartCacheLookup();
  void OnCacheLookup(CacheExchange::Lookup lookup);
  void OnCacheWake() noexcept;
  void WaitForCache(bool disk);
  // The client closed while its exchange refreshes the cache: the refresh finishes without it.
  void DetachClientForRefresh();
  // Answers with the cache's stored response (the client's conditionals evaluated against it).
  void SendStoredResponse();
  // The backend's response head meets the cache and compression; false when it is replaced
  // (a 304 that refreshed the stored response, stale-if-error) and the exchange went on.
  bool PrepareResponseEncodingAndCache();
  // Body bytes to the client: through the encoder, into the cache's capture, re-chunked.
  void SendBodyBytes(evbuffer* in, size_t n);
  void WriteBodyPiece(std::string_view piece);
  // The end of the body: the encoder's last bytes, the cache's store.
  void EndResponseBody();
  int64_t WallSeconds() const;
  // What rampart adds to a response it writes itself (from the cache or a file): Connection,
  // X-Request-Id, HSTS.
  void SetLocalResponseFields(http::HeaderMap& headers);

  // A static route's file (session_static.cc).
  void ServeStaticFile();

  // Replies, endings.
  void ReadProxyHeader();
  // The connection opened with the HTTP/2 preface (cleartext prior knowledge): an
  // H2Connection takes the socket over and this Session ends without closing it.
  bool HandOverToHttp2();
  void SendLocalReply();
  void SendHttpsRedirect();  // the route's https_redirect, on a cleartext connection
  void SendError(int status);
  void FinishExchange();
  void StartTunnel();
  void PumpTunnel(bufferevent* from, bufferevent* to);
  void AdvanceTunnelClose();
  void CloseWhenFlushed();
  void StartLingeringClose();
  void Close();
  void ArmTimer(uint64_t ms);
  void SetClientReadTimeout(uint64_t ms);
  void PauseClientIfBacklogged();
  evbuffer* ClientInput() const;
  evbuffer* ClientOutput() const;
  const config::TimeoutsConfig& timeouts() const;

  WorkerContext& worker_;
  bufferevent* client_;
  // What the connection is; its peer_ip is the connection limiter's key.
  ConnectionInfo conn_;
  // Whether the bufferevent is a plain socket, which Session reads and writes directly (see
  // TopUpInput, FlushSide); TLS and stream pairs go through libevent.
  bool client_plain_socket_ = true;
  bool upstream_plain_socket_ = true;
  // The connection's client: the peer, or the source a PROXY protocol header named.
  // Forwarding headers may name a client per request.
  std::string client_ip_;
  uint16_t client_port_;
  bool awaiting_proxy_header_ = false;
  pipeline::LocalAddress local_;  // where the client connected to (ModSecurity's SERVER_ADDR)
  event* timer_ = nullptr;        // header deadline, keep-alive idle, lingering close
  event* deferred_ = nullptr;     // run OnDeferred on the next loop turn
  State state_ = State::kWaitingForRequest;
  bool closed_ = false;
  bool handed_over_ = false;  // the connection went on as HTTP/2 (HandOverToHttp2)
  bool lingering_ = false;
  uint32_t requests_ = 0;

  // The current exchange; the snapshot it runs on is pinned for its whole life.
  std::shared_ptr<const Runtime> runtime_;
  http::RequestParser parser_;
  std::unique_ptr<pipeline::Exchange> ex_;
  std::unique_ptr<pipeline::ChainRun> chain_;
  const routing::Route* route_ = nullptr;
  std::string path_;               // the normalised request path: matched, then forwarded
  bool close_after_ = false;       // answer with Connection: close and close afterwards
  bool resume_requested_ = false;  // a pending stage called Exchange::Resume
  bool holding_response_ = false;  // see ChainRun::held_response_limit
  uint64_t hold_limit_ = 0;
  uint64_t held_payload_ = 0;  // body bytes (without chunk framing) the stages saw while held
  std::string held_head_;
  evbuffer* held_body_ = nullptr;           // made on first use, reused by later exchanges
  std::shared_ptr<OffloadTicket> offload_;  // a stage's job on the offload pool, while it runs
  // Cache and compression of the current exchange.
  std::unique_ptr<CacheExchange> cache_;
  std::unique_ptr<ResponseCompression> compression_;
  event* cache_wake_ = nullptr;                     // a disk read finished, or a fill ended
  std::shared_ptr<OffloadTicket> disk_ticket_;      // a disk read's, while it runs
  std::shared_ptr<OffloadTicket> collapse_ticket_;  // the collapser's wake, while it may come
  std::shared_ptr<CacheExchange::DiskLookup> disk_lookup_;  // while waiting for a disk read
  // A stale-while-revalidate refresh: the client has its answer; the backend's response goes
  // only to the cache (discard_ takes the bytes the client must not get).
  bool discard_response_ = false;
  bool client_detached_ = false;  // the client left during a refresh (DetachClientForRefresh)
  evbuffer* discard_ = nullptr;
  std::function<void()> offload_done_;
  size_t client_input_seen_ = 0;  // input length after the last handler (see TopUpInput)
  size_t upstream_input_seen_ = 0;

  // Request body.
  uint64_t body_limit_ = 0;
  uint64_t request_body_remaining_ = 0;  // Content-Length bytes still to forward
  http::ChunkedDecoder request_chunked_;
  bool request_body_done_ = false;
  bool body_forwarding_started_ = false;  // some body bytes left for a backend: no retry
  std::string buffered_body_;
  bool buffered_body_partial_ = false;  // pre-buffered start of a larger chunked body
  bool body_buffered_whole_ = false;    // the whole body is in buffered_body_ (replayable)
  bool upstream_headers_prepared_ = false;
  bool sent_continue_ = false;

  // Upstream attempt.
  bufferevent* upstream_ = nullptr;
  const upstream::Pool* pool_ = nullptr;
  const tls::ClientContext* pool_tls_ = nullptr;  // the pool's TLS to backends; null: cleartext
  UpstreamAttempts attempts_;  // after runtime_: it points into the snapshot's pool
  bool upstream_reused_ = false;
  bool avoid_idle_connections_ = false;  // a reused connection failed: take a fresh one
  int last_error_status_ = 502;          // what to answer when no retry is left
  bool tls_failed_ = false;              // a TLS backend failed its handshake: 502, not 503
  http::ResponseParser response_parser_;
  bool response_head_done_ = false;
  bool interim_response_seen_ = false;  // a 1xx came: the backend has started answering
  bool response_started_ = false;       // response bytes went to the client
  uint64_t response_remaining_ = 0;
  http::ChunkedDecoder response_chunked_;
  bool rechunk_to_client_ = false;
  bool upstream_paused_ = false;
  bool client_paused_ = false;

  // Tunnel.
  bool tunnel_client_eof_ = false;     // the client half-closed (or closed)
  bool tunnel_upstream_eof_ = false;   // the backend half-closed (or closed)
  bool tunnel_client_shut_ = false;    // we half-closed towards the client
  bool tunnel_upstream_shut_ = false;  // we half-closed towards the backend
};

}  // namespace rampart::proxy
