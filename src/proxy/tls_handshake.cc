#include "proxy/tls_handshake.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <spdlog/spdlog.h>

#include "proxy/client_accept.h"
#include "proxy/h2_connection.h"
#include "proxy/session.h"
#include "tls/acme_challenges.h"
#include "tls/connection.h"

namespace rampart::proxy {

void TlsHandshake::Start(WorkerContext& worker, int fd,
                         const std::shared_ptr<const Runtime>& runtime, ConnectionInfo info) {
  bufferevent* bev =
      tls::NewServerConnection(worker.base, fd, *runtime->listener_tls[info.listener]);
  if (bev == nullptr) {
    ReleaseClient(worker, info);
    return;
  }
  info.tls_context = runtime->listener_tls[info.listener];
  auto* handshake = new TlsHandshake(worker, bev, std::move(info));
  const uint64_t ms = runtime->config.timeouts.client_header_ms;
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  evtimer_add(handshake->timer_, &tv);
  worker.sessions.insert(handshake);
}

TlsHandshake::TlsHandshake(WorkerContext& worker, bufferevent* bev, ConnectionInfo info)
    : worker_(worker), bev_(bev), info_(std::move(info)) {
  timer_ = evtimer_new(worker_.base, &TlsHandshake::OnTimeoutCb, this);
  // No read callback: the first request bytes wait in the input for the protocol handler.
  bufferevent_setcb(bev_, nullptr, nullptr, &TlsHandshake::OnEventCb, this);
  bufferevent_enable(bev_, EV_READ);
}

TlsHandshake::~TlsHandshake() {
  if (timer_ != nullptr) event_free(timer_);
}

void TlsHandshake::OnEventCb(bufferevent*, short what, void* arg) {
  auto* self = static_cast<TlsHandshake*>(arg);
  if (what & BEV_EVENT_CONNECTED) {
    self->Succeed();
  } else {
    self->Fail("handshake failed");
  }
}

void TlsHandshake::OnTimeoutCb(int, short, void* arg) {
  static_cast<TlsHandshake*>(arg)->Fail("handshake timed out");
}

void TlsHandshake::Succeed() {
  const tls::HandshakeFacts facts = tls::DescribeHandshake(bev_);
  auto tls_info = std::make_shared<pipeline::TlsInfo>();
  tls_info->version = facts.version;
  tls_info->cipher = facts.cipher;
  tls_info->server_name = facts.server_name;
  tls_info->alpn = facts.alpn;
  tls_info->ja3 = facts.ja3;
  tls_info->ja3_hash = facts.ja3_hash;
  tls_info->ja4 = facts.ja4;
  tls_info->grease = facts.grease;
  tls_info->client_subject = facts.client_subject;
  info_.tls = std::move(tls_info);
  if (facts.alpn == tls::kAcmeTlsAlpnProtocol) {
    Fail(nullptr);  // a TLS-ALPN-01 validation: the handshake was the whole answer
    return;
  }
  worker_.metrics->CountTlsHandshake(facts.resumed);
  bufferevent* bev = bev_;
  bev_ = nullptr;
  bufferevent_setcb(bev, nullptr, nullptr, nullptr, nullptr);
  // The next handler registers before this one leaves, so a drain never sees zero connections.
  if (info_.tls->alpn == "h2") {
    StartHttp2Connection(worker_, bev, std::move(info_));
  } else {
    Session::Start(worker_, bev, std::move(info_));
  }
  Finish();
}

void TlsHandshake::Fail(const char* reason) {
  if (bev_ == nullptr) return;
  if (reason != nullptr) {
    worker_.metrics->CountTlsHandshakeFailure();
    spdlog::debug("tls: {} from {}: {}", reason, info_.peer_ip, tls::HandshakeError(bev_));
  }
  bufferevent_free(bev_);
  bev_ = nullptr;
  ReleaseClient(worker_, info_);
  Finish();
}

void TlsHandshake::Finish() {
  event_del(timer_);
  worker_.sessions.erase(this);
  event_base_once(
      worker_.base, -1, EV_TIMEOUT,
      [](int, short, void* arg) { delete static_cast<TlsHandshake*>(arg); }, this, nullptr);
  if (worker_.draining && worker_.sessions.empty() && worker_.on_drained) worker_.on_drained();
}

}  // namespace rampart::proxy
