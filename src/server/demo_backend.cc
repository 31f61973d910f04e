#include "server/demo_backend.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/strings.h"
#include "net/address.h"
#include "net/listen_socket.h"

namespace rampart::server {

DemoBackend::~DemoBackend() {
  if (http_ != nullptr) evhttp_free(http_);
}

core::Status DemoBackend::Listen(const std::string& address) {
  auto resolved = net::Resolve(address);
  if (!resolved.ok()) return resolved.error();
  auto fd = net::OpenListenSocket(resolved.value().front());
  if (!fd.ok()) return core::MakeError("demo backend: " + fd.error().message);
  http_ = evhttp_new(base_);
  evhttp_set_gencb(http_, &DemoBackend::OnRequest, this);
  if (evhttp_accept_socket(http_, fd.value()) != 0) {
    return core::MakeError("demo backend: cannot accept on " + address);
  }
  return {};
}

void DemoBackend::OnRequest(evhttp_request* req, void* /*arg*/) {
  // A JSON echo of the request: method, URI, headers and body size.
  std::string body = "{\"backend\":\"rampart demo\",\"method\":\"";
  switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
      body += "GET";
      break;
    case EVHTTP_REQ_POST:
      body += "POST";
      break;
    case EVHTTP_REQ_HEAD:
      body += "HEAD";
      break;
    case EVHTTP_REQ_PUT:
      body += "PUT";
      break;
    case EVHTTP_REQ_DELETE:
      body += "DELETE";
      break;
    default:
      body += "OTHER";
      break;
  }
  body += "\",\"uri\":\"";
  core::AppendJsonEscaped(body, evhttp_request_get_uri(req));
  body += "\",\"headers\":{";
  bool first = true;
  for (evkeyval* kv = evhttp_request_get_input_headers(req)->tqh_first; kv != nullptr;
       kv = kv->next.tqe_next) {
    if (!first) body += ',';
    first = false;
    body += '"';
    core::AppendJsonEscaped(body, kv->key);
    body += "\":\"";
    core::AppendJsonEscaped(body, kv->value);
    body += '"';
  }
  body += "},\"body_bytes\":";
  body += std::to_string(evbuffer_get_length(evhttp_request_get_input_buffer(req)));
  body += "}\n";
  evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
  evbuffer* out = evbuffer_new();
  evbuffer_add(out, body.data(), body.size());
  evhttp_send_reply(req, 200, "OK", out);
  evbuffer_free(out);
}

}  // namespace rampart::server
