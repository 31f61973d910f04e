#pragma once
// H2StreamBridge: one HTTP/2 stream handed to a Session of its own as an HTTP/1.1 exchange over
// a bufferevent pair — the request head and body written into the pair, the Session's response
// read back as heads (interim and final) and body payload. Owned by the stream's H2Connection;
// used on the worker's thread. Knows nothing of HTTP/2 framing: the connection turns what it
// reports into frames.
//
// Both directions are bounded, so a slow side stalls the other instead of growing memory:
//   request:  body bytes the Session has not taken yet are not credited back to the client's
//             stream window until the pair's output is below kRequestLowWater;
//   response: the pair's input stops taking bytes from the Session at kResponseHighWater, and
//             the connection reads it only as fast as the client's window and socket allow.
//
// libevent forces BEV_OPT_DEFER_CALLBACKS on pairs (bufferevent_pair_new), which is also what
// this bridge needs: the pair's callbacks — ours and the Session's — run from the event loop,
// never from inside the call that moved the bytes, so the Session never re-enters nghttp2 and
// nghttp2's callbacks never re-enter the Session.

#include <cstddef>
#include <cstdint>
#include <string>

#include "http/chunked_decoder.h"
#include "http/h1_parser.h"
#include "http/message.h"
#include "proxy/client_connection.h"
#include "proxy/worker_context.h"

struct bufferevent;

namespace rampart::proxy {

class H2StreamBridge {
 public:
  // What the bridge reports, always from the event loop (a pair callback or Poll), never from
  // inside one of the bridge's own methods.
  class Listener {
   public:
    virtual ~Listener() = default;
    // A response head: an interim one (1xx, `final` false) or the final one. A final head
    // without a body (HEAD, 204, 304, Content-Length: 0) ends the response.
    virtual void OnBridgeHead(H2StreamBridge& bridge, const http::Response& head, bool final) = 0;
    // Body payload arrived, or the body ended or failed: ReadBody has news.
    virtual void OnBridgeBodyReadable(H2StreamBridge& bridge) = 0;
    // The Session took request body bytes: `bytes` may go back to the client's stream window.
    virtual void OnBridgeRequestDrained(H2StreamBridge& bridge, size_t bytes) = 0;
    // The Session ended, or answered with bytes that are not a response, before a final head.
    virtual void OnBridgeFailed(H2StreamBridge& bridge) = 0;
  };

  // Response body bytes this side of the pair holds at most before the Session must wait.
  static constexpr size_t kResponseHighWater = 64 * 1024;
  // The response head may be this large (the backend's 64 KiB plus what the Session adds).
  static constexpr size_t kMaxResponseHead = 96 * 1024;
  // Request body bytes waiting for the Session below which the client's window is credited.
  static constexpr size_t kRequestLowWater = 16 * 1024;

  H2StreamBridge(Listener& listener, int32_t stream_id);
  ~H2StreamBridge();
  H2StreamBridge(const H2StreamBridge&) = delete;
  H2StreamBridge& operator=(const H2StreamBridge&) = delete;

  int32_t stream_id() const { return stream_id_; }

  // Starts a Session on the other end of a new pair (its ConnectionInfo is `info` marked as an
  // HTTP/2 stream) and writes `head`. `chunked`: the body that follows is sent chunked.
  // `head_request`: the request is HEAD (its response has no body). False when no pair could
  // be made.
  [[nodiscard]] bool Start(WorkerContext& worker, ConnectionInfo info, const std::string& head,
                           bool chunked, bool head_request);

  // Request body payload from DATA frames. Returns how many bytes (of this call and earlier
  // ones) can be credited to the client's window right away: all of them when the Session has
  // gone or its input is keeping up; the rest is reported by OnBridgeRequestDrained.
  [[nodiscard]] size_t WriteBody(const uint8_t* data, size_t size);
  // The client ended the request (END_STREAM).
  void EndBody();

  // What ReadBody reports besides the bytes it copied.
  enum class BodyState : uint8_t {
    kMore,    // more may come (when 0 bytes were copied: wait for OnBridgeBodyReadable)
    kEnd,     // the body is complete
    kFailed,  // the Session ended (or sent bad framing) before the body was complete
  };
  // Copies up to `max` payload bytes of the response body into `out`.
  BodyState ReadBody(uint8_t* out, size_t max, size_t& copied);

  // Ends the Session's side: it sees EOF (logging an unfinished exchange as 499) and closes.
  // Nothing more is reported after this.
  void Abort();

  // Checks whether the Session freed its end without an EOF (see the definition); reports as
  // if the EOF had come. Called by the connection's periodic check.
  void Poll();

 private:
  enum class Phase : uint8_t {
    kHead,    // reading response heads
    kBody,    // reading the final response's body
    kDone,    // the whole response was read
    kFailed,  // reported through OnBridgeFailed or BodyState::kFailed
  };

  static void OnReadCb(bufferevent* bev, void* arg);
  static void OnWriteCb(bufferevent* bev, void* arg);
  static void OnEventCb(bufferevent* bev, short what, void* arg);
  void OnReadable();
  void OnWritable();
  void OnSessionGone();
  // Parses heads while whole ones are buffered.
  void ParseHeads();

  Listener& listener_;
  const int32_t stream_id_;
  bufferevent* end_ = nullptr;  // our end of the pair; null once aborted
  bool session_gone_ = false;   // the Session's end sent EOF or was freed
  bool read_paused_ = false;    // the input is full: EV_READ is off until ReadBody drains it
  bool chunked_request_ = false;
  bool request_ended_ = false;
  size_t uncredited_ = 0;  // request body bytes written but not yet credited

  Phase phase_ = Phase::kHead;
  bool head_request_ = false;
  http::ResponseParser parser_;
  http::Response response_;
  uint64_t remaining_ = 0;  // kContentLength: body bytes still to read
  http::ChunkedDecoder chunked_;
  uint64_t chunk_left_ = 0;  // kChunked: payload bytes of the current piece still to copy
};

}  // namespace rampart::proxy
