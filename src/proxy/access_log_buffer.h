#pragma once
// AccessLogBuffer: one worker's pending access-log lines, batched by a LogBuffer (handed to the
// writer when 64 KiB are pending or when the worker's one-second timer fires). Used on one
// worker thread.

#include <memory>
#include <string>

#include "proxy/access_log.h"
#include "proxy/log_buffer.h"

namespace rampart::pipeline {
class Exchange;
}

namespace rampart::proxy {

class AccessLogBuffer {
 public:
  static constexpr size_t kBatchBytes = LogBuffer::kBatchBytes;

  // Appends the exchange's line for `log` (which may change on reload: the lines for the
  // previous log are handed to it first).
  void Add(const std::shared_ptr<AccessLog>& log, const pipeline::Exchange& ex) {
    buffer_.Add(log->file(), log->FormatLine(ex));
  }
  void Flush() { buffer_.Flush(); }

 private:
  LogBuffer buffer_;
};

}  // namespace rampart::proxy
