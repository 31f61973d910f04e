#pragma once
// The demo backend that `rampart run` starts when it runs on its embedded default: a tiny
// origin on 127.0.0.1:8081 that shows what it received (so the X-Forwarded-*, X-Request-Id and
// traceparent rampart adds are visible). Served by evhttp on the main thread; never used with a
// real configuration.

#include <string>

#include "core/result.h"

struct event_base;
struct evhttp;
struct evhttp_request;

namespace rampart::server {

class DemoBackend {
 public:
  explicit DemoBackend(event_base* base) : base_(base) {}
  ~DemoBackend();
  DemoBackend(const DemoBackend&) = delete;
  DemoBackend& operator=(const DemoBackend&) = delete;

  core::Status Listen(const std::string& address);

 private:
  static void OnRequest(evhttp_request* req, void* arg);
  event_base* base_;
  evhttp* http_ = nullptr;
};

}  // namespace rampart::server
