#pragma once
// The command-line HTTP clients the e2e tests drive (curl, nghttp from Debian's nghttp2-client)
// and the checks that skip a test, with the reason, when one is missing. Header-only.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/rampart_process.h"

namespace rampart::test {

inline constexpr char kCurl[] = "/usr/bin/curl";
inline constexpr char kNghttp[] = "/usr/bin/nghttp";
// id=1' OR 1=1-- , percent-encoded: what the CRS blocks at paranoia 1.
inline constexpr char kSqliTarget[] = "/?id=1%27%20OR%201%3D1--";

// A whole file (curl's -o output, a log); "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline bool CurlSpeaksHttp2() {
  if (access(kCurl, X_OK) != 0) return false;
  const CommandResult version = RunCommand({kCurl, "--version"});
  return version.exit_code == 0 && version.out.find("HTTP2") != std::string::npos;
}

}  // namespace rampart::test

#define REQUIRE_CURL()                                                             \
  do {                                                                             \
    if (access(::rampart::test::kCurl, X_OK) != 0) GTEST_SKIP() << "curl missing"; \
  } while (0)

#define REQUIRE_CURL_HTTP2()                                                                   \
  do {                                                                                         \
    if (!::rampart::test::CurlSpeaksHttp2()) GTEST_SKIP() << "curl missing or without HTTP/2"; \
  } while (0)

#define REQUIRE_NGHTTP()                                                       \
  do {                                                                         \
    if (access(::rampart::test::kNghttp, X_OK) != 0) {                         \
      GTEST_SKIP() << ::rampart::test::kNghttp << " missing (nghttp2-client)"; \
    }                                                                          \
  } while (0)
