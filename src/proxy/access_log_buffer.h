#pragma once
// AccessLogBuffer: one worker's pending access-log lines. Handing each line to the async writer
// costs a futex wake-up per request (measured: a quarter of the proxy's CPU on small requests),
// so lines are batched and handed over when the batch is full or when the worker's one-second
// timer fires — as nginx's `access_log ... buffer=64k flush=1s` does. Used on one worker thread.

#include <memory>
#include <string>

#include "proxy/access_log.h"

namespace rampart::pipeline {
class Exchange;
}

namespace rampart::proxy {

class AccessLogBuffer {
 public:
  static constexpr size_t kBatchBytes = 64 * 1024;

  ~AccessLogBuffer() { Flush(); }
  // Appends the exchange's line for `log` (which may change on reload: the lines for the
  // previous log are handed to it first).
  void Add(const std::shared_ptr<AccessLog>& log, const pipeline::Exchange& ex);
  void Flush();

 private:
  std::shared_ptr<AccessLog> log_;
  std::string lines_;
};

}  // namespace rampart::proxy
