#include "proxy/access_log_buffer.h"

namespace rampart::proxy {

void AccessLogBuffer::Add(const std::shared_ptr<AccessLog>& log, const pipeline::Exchange& ex) {
  if (log != log_) {
    Flush();
    log_ = log;
  }
  if (!lines_.empty()) lines_.push_back('\n');
  lines_.append(log_->FormatLine(ex));
  if (lines_.size() >= kBatchBytes) Flush();
}

void AccessLogBuffer::Flush() {
  if (!log_) return;
  if (!lines_.empty()) {
    log_->WriteBatch(lines_);
    lines_.clear();
  }
  // Also ask the writer to flush its file buffer: after a rotation the old file gets its last
  // lines within a second, not when the process exits.
  log_->Flush();
}

}  // namespace rampart::proxy
