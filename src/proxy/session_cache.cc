// Session: the route's cache and the compression of responses — the lookup after the request
// stages, waiting for a disk read or another request's fill, answering from the store, and the
// body's way to the client through the encoder and into the cache.

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "http/conditional.h"
#include "http/h1_writer.h"
#include "http/http_date.h"
#include "pipeline/local_reply.h"
#include "proxy/client_accept.h"
#include "proxy/offload_ticket.h"
#include "proxy/session.h"
#include "tls/connection.h"

namespace rampart::proxy {

namespace {

size_t Length(evbuffer* buf) { return evbuffer_get_length(buf); }

bool IsSafeMethod(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE";
}

}  // namespace

int64_t Session::WallSeconds() const { return static_cast<int64_t>(std::time(nullptr)); }

void Session::SetLocalResponseFields(http::HeaderMap& headers) {
  // Unread request body bytes would be taken for the next request: such a connection ends.
  if (!request_body_done_ || worker_.draining) close_after_ = true;
  if (close_after_) {
    headers.Set("Connection", "close");
  } else if (ex_->request().version == http::Version::kHttp10) {
    headers.Set("Connection", "keep-alive");
  }
  headers.Set("X-Request-Id", ex_->request_id());
  if (conn_.tls != nullptr && !route_->hsts.empty()) {
    headers.Set("Strict-Transport-Security", route_->hsts);
  }
}

void Session::DetachClientForRefresh() {
  // The client's connection is closed now; one end of an unconnected bufferevent pair stands
  // in for it until the refresh is stored (the backend's read timeout bounds that).
  bufferevent* pair[2];
  if (bufferevent_pair_new(worker_.base, 0, pair) != 0) {
    Close();
    return;
  }
  bufferevent_free(pair[1]);
  if (conn_.tls != nullptr && !conn_.http2_stream) tls::SendCloseNotify(client_);
  if (conn_.http2_stream) bufferevent_flush(client_, EV_WRITE, BEV_FINISHED);
  bufferevent_free(client_);
  if (!conn_.http2_stream && !handed_over_) ReleaseClient(worker_, conn_);
  client_ = pair[0];
  client_detached_ = true;
  client_plain_socket_ = false;
  client_paused_ = false;
  close_after_ = true;
}

void Session::OnCacheWakeCb(int, short, void* arg) {
  auto* self = static_cast<Session*>(arg);
  self->OnCacheWake();
  self->FlushWrites();  // a reused backend connection's request is written here
}

bool Session::StartCacheLookup() {
  CacheStores* stores = worker_.cache;
  const http::Request& req = ex_->request();
  std::vector<compress::Encoding> offered;
  if (route_->compression) offered = OfferedEncodings(*route_->compression);
  cache_ = std::make_unique<CacheExchange>(*route_->cache, *stores, std::move(offered),
                                           route_->authenticated);
  // The pool is part of the key (a split's targets keep their own responses): chosen now.
  ChoosePool();
  cache_->set_split_route(route_->split.has_value());
  // A follower's wake comes from another worker's thread: through a ticket, so that a session
  // (or a later exchange on it) is never touched once the wait is over.
  collapse_ticket_ = std::make_shared<OffloadTicket>(cache_wake_);
  auto wake = [ticket = collapse_ticket_] { ticket->Finish(); };
  const auto lookup = cache_->Begin(req, CacheExchange::KeyFor(conn_.tls != nullptr, req, path_),
                                    route_->name + "@" + pool_->name(), WallSeconds(),
                                    RequestHasBody(), std::move(wake));
  if (lookup == CacheExchange::Lookup::kPass || lookup == CacheExchange::Lookup::kFetch) {
    return false;  // the backend, as for any route; the cache sees the response head
  }
  OnCacheLookup(lookup);
  return true;
}

void Session::OnCacheLookup(CacheExchange::Lookup lookup) {
  using Lookup = CacheExchange::Lookup;
  switch (lookup) {
    case Lookup::kServe:
    case Lookup::kServeAndRefresh:
      SendStoredResponse();
      return;
    case Lookup::kFetch:
    case Lookup::kPass:
      ProceedToBackend();
      return;
    case Lookup::kWait:
      WaitForCache(false);
      return;
    case Lookup::kReadDisk:
      WaitForCache(true);
      return;
    case Lookup::kGatewayTimeout:
      SendError(504);  // only-if-cached, and nothing usable is stored (RFC 9111 §5.2.1.7)
      return;
  }
}

void Session::WaitForCache(bool disk) {
  state_ = State::kWaitingForCache;
  if (!disk) {
    // The ticket the collapser holds; the leader's Release (or the lock timeout) wakes us.
    ArmTimer(route_->cache->lock_timeout_ms);
    return;
  }
  disk_lookup_ = cache_->MakeDiskLookup();
  disk_ticket_ = std::make_shared<OffloadTicket>(cache_wake_);
  auto job = [lookup = disk_lookup_, ticket = disk_ticket_] {
    if (!ticket->abandoned()) lookup->Run();
    ticket->Finish();
  };
  worker_.cache->disk_writer->Post(std::move(job));  // in order with writes and removals
}

void Session::OnCacheWake() noexcept {
  if (closed_ || state_ != State::kWaitingForCache || !cache_) return;
  if (disk_lookup_ != nullptr) {
    if (disk_ticket_ == nullptr || !disk_ticket_->finished()) return;  // not timed: keep waiting
    disk_ticket_.reset();
    state_ = State::kReadingHead;  // between states until the lookup decides
    auto done = std::move(disk_lookup_);
    OnCacheLookup(cache_->Continue(WallSeconds(), *done));
    return;
  }
  const bool timed_out = collapse_ticket_ == nullptr || !collapse_ticket_->finished();
  event_del(timer_);
  // A wake after this (a timed-out wait) must reach nothing: this exchange looks again now and
  // never waits twice.
  if (collapse_ticket_ != nullptr) collapse_ticket_->Abandon();
  state_ = State::kReadingHead;
  if (timed_out) {
    spdlog::debug("{}: cache: the fill of this key took longer than lock_timeout; fetching",
                  ex_->request_id());
  }
  OnCacheLookup(cache_->Retry(WallSeconds()));
}

void Session::SendStoredResponse() {
  const cache::StoredResponse& stored = *cache_->stored();
  const http::Request& req = ex_->request();
  const int64_t now = WallSeconds();
  int status = stored.status;
  http::HeaderMap headers;
  bool send_body = req.method != "HEAD";
  // The client's own conditional request, answered from the store (RFC 9111 §4.3.2).
  const std::string* etag = stored.headers.Get("ETag");
  const std::string* modified = stored.headers.Get("Last-Modified");
  const auto precondition = http::EvaluatePreconditions(
      req.method, cache_->client_conditionals(),
      etag != nullptr ? std::string_view(*etag) : std::string_view(),
      modified != nullptr ? http::ParseHttpDate(*modified) : std::nullopt);
  if (stored.status == 200 && precondition == http::Precondition::kFailed) {
    if (cache_->refreshing()) cache_->Release();  // no refresh for a refused request
    cache_.reset();
    SendError(412);
    return;
  }
  if (stored.status == 200 && precondition == http::Precondition::kNotModified) {
    status = 304;
    send_body = false;
    http::CopyNotModifiedFields(stored.headers, headers);
  } else {
    headers = stored.headers;
    if (stored.status != 204) headers.Set("Content-Length", std::to_string(stored.body.size()));
  }
  headers.Set("Age", std::to_string(std::max<int64_t>(0, cache_->Age(now))));
  if (std::string value = cache_->CacheStatus(now); !value.empty()) {
    headers.Set("Cache-Status", value);
  }
  SetLocalResponseFields(headers);
  std::string head;
  head.reserve(512);
  http::AppendResponseHead(head, http::Version::kHttp11, status,
                           status == stored.status && !stored.reason.empty()
                               ? stored.reason
                               : http::ReasonPhrase(status),
                           headers);
  evbuffer* out = ClientOutput();
  evbuffer_add(out, head.data(), head.size());
  ex_->bytes_sent += head.size();
  if (send_body && !stored.body.empty()) {
    // The stored body is shared and immutable: referenced, not copied.
    auto keep = new std::shared_ptr<const cache::StoredResponse>(cache_->stored());
    evbuffer_add_reference(
        out, stored.body.data(), stored.body.size(),
        [](const void*, size_t, void* arg) {
          delete static_cast<std::shared_ptr<const cache::StoredResponse>*>(arg);
        },
        keep);
    ex_->bytes_sent += stored.body.size();
  }
  ex_->status = status;
  response_started_ = true;
  if (cache_->refreshing() && !discard_response_) {
    // stale-while-revalidate: the client has its answer; the refresh goes on, to the cache only.
    discard_response_ = true;
    if (discard_ == nullptr) discard_ = evbuffer_new();
    ProceedToBackend();
    return;
  }
  FinishExchange();
}

bool Session::PrepareResponseEncodingAndCache() {
  http::Response& resp = ex_->response();
  const http::Request& req = ex_->request();
  // (A refresh is encoded too: it stores the variant its client's Accept-Encoding chose.)
  if (route_->compression) {
    compression_ = ResponseCompression::Start(*route_->compression, req, resp);
  }
  if (!cache_) return true;
  if (!IsSafeMethod(req.method)) cache_->InvalidateAfterUnsafe(resp);
  if (cache_->OnResponseHead(resp, WallSeconds()) != CacheExchange::OnHead::kServeStored) {
    return true;
  }
  // A 304 refreshed the stored response, or a failing backend gets stale-if-error: the stored
  // response answers. A bodiless 304 leaves its connection reusable.
  compression_.reset();
  const bool reusable = resp.status == 304 && resp.keep_alive && request_body_done_ &&
                        Length(bufferevent_get_input(upstream_)) == 0;
  ReleaseUpstream(reusable);
  if (discard_response_) {
    FinishExchange();  // the refresh is done; its client was answered already
    return false;
  }
  SendStoredResponse();
  return false;
}

void Session::SendBodyBytes(evbuffer* in, size_t n) {
  if (n == 0) return;
  const bool capturing = cache_ != nullptr && cache_->capturing();
  if (compression_ == nullptr && !capturing && !discard_response_) {
    MoveBodyToClient(in, n);
    return;
  }
  std::string raw(n, '\0');
  evbuffer_remove(in, raw.data(), n);
  if (compression_ == nullptr) {
    WriteBodyPiece(raw);
    return;
  }
  std::string encoded;
  if (!compression_->Update(raw, encoded)) {
    spdlog::warn("{}: compression failed; closing the connection", ex_->request_id());
    Close();
    return;
  }
  WriteBodyPiece(encoded);
}

void Session::WriteBodyPiece(std::string_view piece) {
  if (piece.empty()) return;
  if (cache_ != nullptr) cache_->Append(piece);
  if (discard_response_) return;  // a refresh: the cache is its only reader
  evbuffer* out = ResponseOutput();
  if (rechunk_to_client_) {
    std::string size_line;
    http::AppendChunkSize(size_line, piece.size());
    evbuffer_add(out, size_line.data(), size_line.size());
    evbuffer_add(out, piece.data(), piece.size());
    evbuffer_add(out, "\r\n", 2);
    ex_->bytes_sent += size_line.size() + piece.size() + 2;
  } else {
    evbuffer_add(out, piece.data(), piece.size());
    ex_->bytes_sent += piece.size();
  }
}

void Session::EndResponseBody() {
  // (A HEAD response has compression's headers but no body, so no encoder trailer either.)
  if (compression_ != nullptr && ex_->response().framing != http::BodyFraming::kNone) {
    std::string tail;
    if (compression_->Finish(tail)) WriteBodyPiece(tail);
  }
  if (cache_ != nullptr) cache_->Complete(WallSeconds());
}

}  // namespace rampart::proxy
