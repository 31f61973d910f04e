#pragma once
// Waiting for lines that rampart writes to a log file (access log), on inotify events of the
// file's directory rather than with sleeps; the directory watch also sees a file re-created by
// a reload after rotation.

#include <string>
#include <vector>

#include "support/common.h"

namespace rampart::test {

// The file's complete lines once it holds at least `count` of them, or whatever it holds when
// `timeout` passes (a missing file reads as empty).
std::vector<std::string> WaitForFileLines(const std::string& path, size_t count,
                                          Timeout timeout = kDefaultTimeout);

}  // namespace rampart::test
