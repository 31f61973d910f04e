#pragma once
// AttackLog: one JSON line per exchange on which a stage matched a rule or acted (the
// exchange's Findings), written like the access log through a LogFile that workers feed in
// batches. Everything taken from the request is escaped and cut to a bound, credentials are
// masked, and the whole record is bounded. The format is documented in docs/operations.md.

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "proxy/log_file.h"

namespace rampart::pipeline {
class Exchange;
}

namespace rampart::proxy {

// Bounds on the record, in bytes of escaped JSON (a value past its bound is cut and ends with
// "…[N bytes]", N its length as received).
struct AttackLogLimits {
  size_t uri = 4096;
  size_t value = 1024;  // a header value, the host, a rule's msg
  size_t name = 256;    // a header name, the method, a rule's id, severity, tag and var
  size_t data = 200;    // a rule's matched data
  size_t tags = 32;     // tags per rule; more are left out
  // The whole line. Rules may fill it up to half; headers then fill the rest. What does not
  // fit is left out and counted in "omitted".
  size_t record = 64 * 1024;
};

// The record for `ex` (without a newline). Call only when ex.findings() is not empty.
std::string FormatAttackRecord(const pipeline::Exchange& ex, const AttackLogLimits& limits = {});

class AttackLog {
 public:
  // Opens (appends to) `path`; "-" means stdout.
  static core::Result<std::shared_ptr<AttackLog>> Open(const std::string& path);

  std::string FormatRecord(const pipeline::Exchange& ex) const { return FormatAttackRecord(ex); }
  // The file the records go to (what a LogBuffer batches for).
  const std::shared_ptr<LogFile>& file() const { return file_; }
  void Flush() { file_->Flush(); }

 private:
  AttackLog() = default;
  std::shared_ptr<LogFile> file_;
};

}  // namespace rampart::proxy
