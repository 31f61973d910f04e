#pragma once
// The admin listener: /healthz and Prometheus /metrics. Served by libevent's evhttp on the main
// thread — it carries no client traffic, so the strict data-path parser is not needed here.

#include <string>

#include "core/result.h"
#include "net/address.h"

struct event_base;
struct evhttp;
struct evhttp_request;

namespace rampart::proxy {
class Metrics;
}

namespace rampart::server {

class Admin {
 public:
  Admin(event_base* base, const proxy::Metrics& metrics) : base_(base), metrics_(metrics) {}
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Binds `address` (port 0 allowed) and returns the bound address.
  core::Result<net::SocketAddress> Listen(const std::string& address);
  // /healthz answers 503 while draining so load balancers in front stop sending traffic.
  void set_draining(bool draining) { draining_ = draining; }

 private:
  static void OnRequest(evhttp_request* req, void* arg);
  void Handle(evhttp_request* req);

  event_base* base_;
  const proxy::Metrics& metrics_;
  evhttp* http_ = nullptr;
  bool draining_ = false;
};

}  // namespace rampart::server
