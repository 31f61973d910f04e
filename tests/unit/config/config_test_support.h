#pragma once
// What the configuration tests of a section share besides Load and Errors (load_helpers.h): a
// head of one pool and one route to append the section under test to, files the section names,
// and the runtime build of a loaded text (server/runtime_builder.h).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "load_helpers.h"
#include "server/runtime_builder.h"

namespace rampart::config::test_util {

// A valid config with pool "app" and a catch-all route to it whose keys are indented by 4; its
// last line is line 5, so the first appended line is line 6.
constexpr char kOneRouteHead[] =
    "listen: [{address: 127.0.0.1:8080}]\n"                   // 1
    "pools: {app: {servers: [{address: 127.0.0.1:9000}]}}\n"  // 2
    "routes:\n"                                               // 3
    "  - match: {path_prefix: /}\n"                           // 4
    "    pool: app\n";                                        // 5

// A temporary file holding `content`, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& content = "") {
    char name[] = "/tmp/rampart-config-test-XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  // The path as a double-quoted YAML scalar.
  std::string q() const { return "\"" + path_ + "\""; }

 private:
  std::string path_;
};

// Loads `yaml` (Load: it must load) and builds the runtime without opening logs.
inline server::BuildResult BuildLoaded(const std::string& yaml) {
  server::BuildOptions options;
  options.open_logs = false;
  return server::BuildRuntime(Load(yaml), options);
}

// The runtime built from `yaml`, failing the test (and null) on any build error.
inline std::shared_ptr<const proxy::Runtime> Build(const std::string& yaml) {
  auto built = BuildLoaded(yaml);
  if (auto* errors = std::get_if<std::vector<std::string>>(&built)) {
    std::string all;
    for (const std::string& e : *errors) all += e + "\n";
    ADD_FAILURE() << "unexpected build errors:\n" << all;
    return nullptr;
  }
  return std::get<std::shared_ptr<const proxy::Runtime>>(built);
}

// The build errors of `yaml` (none when it built).
inline std::vector<std::string> BuildErrors(const std::string& yaml) {
  auto built = BuildLoaded(yaml);
  if (auto* errors = std::get_if<std::vector<std::string>>(&built)) return *errors;
  return {};
}

}  // namespace rampart::config::test_util
