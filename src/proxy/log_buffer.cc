#include "proxy/log_buffer.h"

namespace rampart::proxy {

void LogBuffer::Add(const std::shared_ptr<LogFile>& file, std::string_view line) {
  if (file != file_) {
    Flush();
    file_ = file;
  }
  if (!lines_.empty()) lines_.push_back('\n');
  lines_.append(line);
  if (lines_.size() >= kBatchBytes) Flush();
}

void LogBuffer::Flush() {
  if (!file_) return;
  if (!lines_.empty()) {
    file_->Write(lines_);
    lines_.clear();
  }
  // Also ask the writer to flush its file buffer: after a rotation the old file gets its last
  // lines within a second, not when the process exits.
  file_->Flush();
}

}  // namespace rampart::proxy
