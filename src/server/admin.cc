#include "server/admin.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/util.h>

#include <cstring>

#include "net/listen_socket.h"
#include "proxy/metrics.h"

namespace rampart::server {

namespace {

void Reply(evhttp_request* req, int status, const char* reason, const char* content_type,
           const std::string& body) {
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", content_type);
  evbuffer* out = evbuffer_new();
  evbuffer_add(out, body.data(), body.size());
  evhttp_send_reply(req, status, reason, out);
  evbuffer_free(out);
}

}  // namespace

Admin::~Admin() {
  if (http_ != nullptr) evhttp_free(http_);
}

core::Result<net::SocketAddress> Admin::Listen(const std::string& address) {
  auto resolved = net::Resolve(address);
  if (!resolved.ok()) return resolved.error();
  http_ = evhttp_new(base_);
  evhttp_set_gencb(http_, &Admin::OnRequest, this);
  evhttp_set_allowed_methods(http_, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  auto fd = net::OpenListenSocket(resolved.value().front());
  if (!fd.ok()) return fd.error();
  if (evhttp_accept_socket(http_, fd.value()) != 0) {
    evutil_closesocket(fd.value());
    return core::MakeError("admin: cannot accept on " + address);
  }
  return net::LocalAddress(fd.value());
}

void Admin::OnRequest(evhttp_request* req, void* arg) { static_cast<Admin*>(arg)->Handle(req); }

void Admin::Handle(evhttp_request* req) {
  const char* path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
  const std::string p = path != nullptr ? path : "/";
  if (p == "/healthz") {
    if (draining_) {
      Reply(req, 503, "Service Unavailable", "text/plain", "draining\n");
    } else {
      Reply(req, 200, "OK", "text/plain", "ok\n");
    }
    return;
  }
  if (p == "/metrics") {
    Reply(req, 200, "OK", "text/plain; version=0.0.4", metrics_.RenderPrometheus());
    return;
  }
  Reply(req, 404, "Not Found", "text/plain", "not found\n");
}

}  // namespace rampart::server
