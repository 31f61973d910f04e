#pragma once
// Operational log setup: one spdlog logger ("rampart") for the process, to stderr or a file.
// Untrusted input never produces a line per request above debug level (a log DoS).

#include <string>

#include "core/result.h"

namespace rampart::core {

// Fails when the directory a log file would go in does not exist ("" and "-" need none).
// spdlog would create it silently; rampart calls that a configuration error.
Status CheckLogDirectory(const std::string& path);

// Installs the process-wide default logger. `level` is one of trace, debug, info, warn,
// error, critical, off. An empty `path` logs to stderr. Safe to call again on reload.
Status SetUpLogging(const std::string& level, const std::string& path);

}  // namespace rampart::core
