#pragma once
// AccessLog: one line per exchange, written off the hot path by spdlog's async logger (the
// worker formats the line; a background thread writes it). JSON lines by default, or the
// combined format of nginx/Apache.

#include <memory>
#include <string>

#include "core/result.h"

namespace spdlog {
class logger;
}

namespace rampart::pipeline {
class Exchange;
}

namespace rampart::proxy {

class AccessLog {
 public:
  enum class Format : uint8_t {
    kJson,      // one JSON object per line
    kCombined,  // NCSA combined + request id
  };

  // Opens (appends to) `path`; "-" means stdout. Fails with a clear error if the file cannot
  // be opened.
  static core::Result<std::shared_ptr<AccessLog>> Open(const std::string& path, Format format);
  ~AccessLog();

  void Write(const pipeline::Exchange& ex);
  // Writes several lines at once ("line\nline\n...", without the final newline): one hand-off
  // to the writer thread instead of one per line.
  void WriteBatch(std::string_view lines);
  // Formats the line without writing it.
  std::string FormatLine(const pipeline::Exchange& ex) const;
  void Flush();

 private:
  AccessLog() = default;
  std::shared_ptr<spdlog::logger> logger_;
  Format format_ = Format::kJson;
};

}  // namespace rampart::proxy
