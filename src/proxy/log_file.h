#pragma once
// LogFile: an append-only file (or stdout) of lines, written off the hot path by spdlog's async
// logger: workers hand it whole batches of lines (LogBuffer) and one background thread, shared
// by every log file, writes them. The access log and the attack log each own one.

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace spdlog {
class logger;
}

namespace rampart::proxy {

class LogFile {
 public:
  // Opens (appends to) `path`; "-" means stdout. `what` names the log in the error
  // ("cannot open access log 'x': ...").
  static core::Result<std::shared_ptr<LogFile>> Open(const std::string& path,
                                                     std::string_view what);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // Writes one line, or several ("line\nline", without the final newline) in one hand-off.
  void Write(std::string_view lines);
  // Asks the writer to flush the file's buffer.
  void Flush();

 private:
  LogFile() = default;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace rampart::proxy
