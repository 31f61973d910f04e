#include "proxy/h2_stream_bridge.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "http/h1_writer.h"
#include "proxy/session.h"

namespace rampart::proxy {

namespace {

size_t Length(evbuffer* buf) { return evbuffer_get_length(buf); }

std::string_view Peek(evbuffer* buf, size_t max) {
  const size_t n = std::min(Length(buf), max);
  if (n == 0) return {};
  return {reinterpret_cast<const char*>(evbuffer_pullup(buf, static_cast<ev_ssize_t>(n))), n};
}

}  // namespace

H2StreamBridge::H2StreamBridge(Listener& listener, int32_t stream_id)
    : listener_(listener), stream_id_(stream_id) {}

H2StreamBridge::~H2StreamBridge() { Abort(); }

bool H2StreamBridge::Start(WorkerContext& worker, ConnectionInfo info, const std::string& head,
                           bool chunked, bool head_request) {
  bufferevent* pair[2] = {nullptr, nullptr};
  if (bufferevent_pair_new(worker.base, BEV_OPT_CLOSE_ON_FREE, pair) != 0) return false;
  end_ = pair[0];
  chunked_request_ = chunked;
  head_request_ = head_request;
  // Heads are bounded by bytes; the count limit only has to let through what the Session sends.
  parser_ = http::ResponseParser(
      http::ParseLimits{kMaxResponseHead, kMaxResponseHead, kMaxResponseHead / 4});
  bufferevent_setcb(end_, &H2StreamBridge::OnReadCb, &H2StreamBridge::OnWriteCb,
                    &H2StreamBridge::OnEventCb, this);
  // While reading the head, the input must be able to hold all of it, and one byte more for
  // the parser to see it is too large.
  bufferevent_setwatermark(end_, EV_READ, 0, kMaxResponseHead + 1);
  bufferevent_setwatermark(end_, EV_WRITE, kRequestLowWater, 0);
  bufferevent_enable(end_, EV_READ | EV_WRITE);
  info.http2_stream = true;
  // A PROXY protocol header belongs to the connection, which already had it read.
  info.proxy_protocol = false;
  Session::Start(worker, pair[1], std::move(info));
  evbuffer_add(bufferevent_get_output(end_), head.data(), head.size());
  return true;
}

size_t H2StreamBridge::WriteBody(const uint8_t* data, size_t size) {
  // The Session is gone or has answered (it reads no more of the body then): drop the bytes
  // and let the client send on, as a closed HTTP/1.1 connection would have discarded them.
  if (end_ == nullptr || session_gone_ || phase_ == Phase::kDone || phase_ == Phase::kFailed) {
    return std::exchange(uncredited_, 0) + size;
  }
  if (size == 0) return 0;  // an empty DATA frame; as a chunk it would end the body
  evbuffer* out = bufferevent_get_output(end_);
  if (chunked_request_) {
    std::string size_line;
    http::AppendChunkSize(size_line, size);
    evbuffer_add(out, size_line.data(), size_line.size());
    evbuffer_add(out, data, size);
    evbuffer_add(out, "\r\n", 2);
  } else {
    evbuffer_add(out, data, size);
  }
  uncredited_ += size;
  if (Length(out) > kRequestLowWater) return 0;  // OnWritable credits it once the Session reads
  return std::exchange(uncredited_, 0);
}

void H2StreamBridge::EndBody() {
  if (request_ended_) return;
  request_ended_ = true;
  if (end_ == nullptr || session_gone_ || !chunked_request_) return;
  evbuffer_add(bufferevent_get_output(end_), "0\r\n\r\n", 5);
}

H2StreamBridge::BodyState H2StreamBridge::ReadBody(uint8_t* out, size_t max, size_t& copied) {
  copied = 0;
  if (phase_ == Phase::kDone) return BodyState::kEnd;
  if (phase_ != Phase::kBody || end_ == nullptr) return BodyState::kFailed;
  evbuffer* in = bufferevent_get_input(end_);
  switch (response_.framing) {
    case http::BodyFraming::kContentLength: {
      const size_t n =
          static_cast<size_t>(std::min<uint64_t>(remaining_, std::min(max, Length(in))));
      copied = static_cast<size_t>(evbuffer_remove(in, out, n));
      remaining_ -= copied;
      if (remaining_ == 0) phase_ = Phase::kDone;
      break;
    }
    case http::BodyFraming::kUntilClose:
      copied = static_cast<size_t>(evbuffer_remove(in, out, std::min(max, Length(in))));
      if (Length(in) == 0 && session_gone_) phase_ = Phase::kDone;
      break;
    case http::BodyFraming::kChunked:
      while (copied < max && phase_ == Phase::kBody) {
        if (chunk_left_ > 0) {
          const size_t n = static_cast<size_t>(
              std::min<uint64_t>(chunk_left_, std::min(max - copied, Length(in))));
          if (n == 0) break;
          evbuffer_remove(in, out + copied, n);
          chunk_left_ -= n;
          copied += n;
          continue;
        }
        const http::ChunkedDecoder::Step step =
            chunked_.Next(Peek(in, http::ChunkedDecoder::kMaxPeek), Length(in));
        evbuffer_drain(in, step.consumed);
        if (step.kind == http::ChunkedDecoder::Step::kData) {
          chunk_left_ = step.payload;
          if (step.payload == 0 && step.consumed == 0) break;
        } else if (step.kind == http::ChunkedDecoder::Step::kDone) {
          phase_ = Phase::kDone;
        } else if (step.kind == http::ChunkedDecoder::Step::kError) {
          phase_ = Phase::kFailed;
        } else {
          break;  // kNeedMore
        }
      }
      break;
    case http::BodyFraming::kNone:
      phase_ = Phase::kDone;
      break;
  }
  if (read_paused_ && Length(in) < kResponseHighWater) {
    read_paused_ = false;
    bufferevent_enable(end_, EV_READ);  // takes more from the Session's output at once
  }
  if (phase_ == Phase::kDone) return BodyState::kEnd;
  if (phase_ == Phase::kFailed) return BodyState::kFailed;
  // The Session is gone and all it sent is read, short of what the framing promised.
  if (copied == 0 && session_gone_ && Length(in) == 0) {
    phase_ = Phase::kFailed;
    return BodyState::kFailed;
  }
  return BodyState::kMore;
}

void H2StreamBridge::Abort() {
  if (end_ == nullptr) return;
  bufferevent* end = std::exchange(end_, nullptr);
  bufferevent_setcb(end, nullptr, nullptr, nullptr, nullptr);
  if (!session_gone_) {
    // Request bytes the Session has not taken would only be read to be thrown away.
    evbuffer_drain(bufferevent_get_output(end), Length(bufferevent_get_output(end)));
    // Freeing one end of a pair tells the other nothing; a finishing flush delivers EOF to the
    // Session's event callback (deferred), and it closes, logging an unfinished exchange as 499.
    bufferevent_flush(end, EV_WRITE, BEV_FINISHED);
  }
  bufferevent_free(end);
}

void H2StreamBridge::Poll() {
  // libevent's pairs report nothing when the other end is freed, only a finishing flush does;
  // a Session that closes without one must not leave this stream waiting for ever.
  if (end_ != nullptr && !session_gone_ && bufferevent_pair_get_partner(end_) == nullptr) {
    OnSessionGone();
  }
}

void H2StreamBridge::OnReadCb(bufferevent*, void* arg) {
  static_cast<H2StreamBridge*>(arg)->OnReadable();
}
void H2StreamBridge::OnWriteCb(bufferevent*, void* arg) {
  static_cast<H2StreamBridge*>(arg)->OnWritable();
}
void H2StreamBridge::OnEventCb(bufferevent*, short what, void* arg) {
  if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) != 0) {
    static_cast<H2StreamBridge*>(arg)->OnSessionGone();
  }
}

void H2StreamBridge::OnReadable() {
  if (end_ == nullptr) return;

  switch (phase_) {
    case Phase::kHead:
      ParseHeads();
      return;
    case Phase::kBody:
      if (Length(bufferevent_get_input(end_)) >= kResponseHighWater) {
        // Full until the client takes some. libevent runs the read callback again and again
        // while an enabled input stays at its high watermark: stop reading until ReadBody
        // drains it.
        bufferevent_disable(end_, EV_READ);
        read_paused_ = true;
      }
      listener_.OnBridgeBodyReadable(*this);
      return;
    case Phase::kDone:
    case Phase::kFailed: {
      evbuffer* in = bufferevent_get_input(end_);
      evbuffer_drain(in, Length(in));  // nothing may follow a complete response
      return;
    }
  }
}

void H2StreamBridge::OnWritable() {
  if (end_ == nullptr || uncredited_ == 0) return;
  if (Length(bufferevent_get_output(end_)) > kRequestLowWater) return;
  listener_.OnBridgeRequestDrained(*this, std::exchange(uncredited_, 0));
}

void H2StreamBridge::OnSessionGone() {
  if (end_ == nullptr || session_gone_) return;
  session_gone_ = true;
  // What the Session did not read of the request never will be.
  evbuffer* out = bufferevent_get_output(end_);
  evbuffer_drain(out, Length(out));
  if (uncredited_ > 0) {
    listener_.OnBridgeRequestDrained(*this, std::exchange(uncredited_, 0));
    if (end_ == nullptr) return;
  }
  if (phase_ == Phase::kHead) {
    ParseHeads();  // the last bytes may have come with the EOF
    if (end_ == nullptr || phase_ != Phase::kHead) return;
    phase_ = Phase::kFailed;
    listener_.OnBridgeFailed(*this);
    return;
  }
  if (phase_ == Phase::kBody) listener_.OnBridgeBodyReadable(*this);
}

void H2StreamBridge::ParseHeads() {
  while (end_ != nullptr && phase_ == Phase::kHead) {
    evbuffer* in = bufferevent_get_input(end_);
    if (Length(in) == 0) return;
    const std::string_view data = Peek(in, kMaxResponseHead + 1);
    http::Response head;
    size_t consumed = 0;
    const http::ParseStatus status = parser_.Parse(data, head_request_, head, consumed);
    if (status == http::ParseStatus::kPartial) return;
    if (status == http::ParseStatus::kError || head.status == 101) {
      // The Session writes what it parsed and re-serialised; this is a bug, not a client.
      phase_ = Phase::kFailed;
      listener_.OnBridgeFailed(*this);
      return;
    }
    evbuffer_drain(in, consumed);
    if (head.status < 200) {
      parser_.Reset();
      listener_.OnBridgeHead(*this, head, false);
      continue;
    }
    response_ = std::move(head);
    switch (response_.framing) {
      case http::BodyFraming::kNone:
        phase_ = Phase::kDone;
        break;
      case http::BodyFraming::kContentLength:
        remaining_ = response_.content_length;
        phase_ = remaining_ == 0 ? Phase::kDone : Phase::kBody;
        break;
      case http::BodyFraming::kChunked:
      case http::BodyFraming::kUntilClose:
        phase_ = Phase::kBody;
        break;
    }
    // The body is read only as fast as the client takes it: hold little of it here.
    bufferevent_setwatermark(end_, EV_READ, 0, kResponseHighWater);
    listener_.OnBridgeHead(*this, response_, true);
    return;
  }
}

}  // namespace rampart::proxy
