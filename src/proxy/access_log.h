#pragma once
// AccessLog: one line per exchange, written off the hot path through a LogFile (the worker
// formats the line; a background thread writes it). JSON lines by default, or the combined
// format of nginx/Apache.

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"
#include "proxy/log_file.h"

namespace rampart::pipeline {
class Exchange;
}

namespace rampart::proxy {

// `t` as UTC ISO 8601 with milliseconds ("2026-11-22T19:04:55.669Z"), as the logs write times.
std::string IsoTime(std::chrono::system_clock::time_point t);

class AccessLog {
 public:
  enum class Format : uint8_t {
    kJson,      // one JSON object per line
    kCombined,  // NCSA combined + request id
  };

  // Opens (appends to) `path`; "-" means stdout. Fails with a clear error if the file cannot
  // be opened.
  static core::Result<std::shared_ptr<AccessLog>> Open(const std::string& path, Format format);

  void Write(const pipeline::Exchange& ex);
  // Writes several lines at once ("line\nline\n...", without the final newline): one hand-off
  // to the writer thread instead of one per line.
  void WriteBatch(std::string_view lines);
  // Formats the line without writing it.
  std::string FormatLine(const pipeline::Exchange& ex) const;
  void Flush();
  // The file the lines go to (what a LogBuffer batches for).
  const std::shared_ptr<LogFile>& file() const { return file_; }

 private:
  AccessLog() = default;
  std::shared_ptr<LogFile> file_;
  Format format_ = Format::kJson;
};

}  // namespace rampart::proxy
