#pragma once
// LogBuffer: one worker's pending lines for a LogFile. Handing each line to the async writer
// costs a futex wake-up per request (measured: a quarter of the proxy's CPU on small requests),
// so lines are batched and handed over when the batch is full or when the worker's one-second
// timer fires — as nginx's `access_log ... buffer=64k flush=1s` does. Used on one worker thread.

#include <memory>
#include <string>
#include <string_view>

#include "proxy/log_file.h"

namespace rampart::proxy {

class LogBuffer {
 public:
  static constexpr size_t kBatchBytes = 64 * 1024;

  LogBuffer() = default;
  ~LogBuffer() { Flush(); }
  LogBuffer(const LogBuffer&) = delete;
  LogBuffer& operator=(const LogBuffer&) = delete;

  // Appends one line (without its newline) for `file`, which may change on reload: the lines
  // for the previous file are handed to it first.
  void Add(const std::shared_ptr<LogFile>& file, std::string_view line);
  // Hands the pending lines over and asks the writer to flush the file.
  void Flush();

 private:
  std::shared_ptr<LogFile> file_;
  std::string lines_;
};

}  // namespace rampart::proxy
