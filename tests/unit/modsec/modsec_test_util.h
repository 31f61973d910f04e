#pragma once
// Shared helpers of the src/modsec/ tests: one Engine over rampart's rules/ and the installed
// CRS, and a function that runs one whole request (and optionally its response) through a
// compiled policy.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "modsec/engine.h"
#include "modsec/findings.h"
#include "modsec/inspection.h"
#include "modsec/rules_cache.h"

namespace rampart::modsec::test_util {

inline bool CrsInstalled() {
  return std::filesystem::exists(std::string(kDefaultCrsDir) +
                                 "/rules/REQUEST-901-INITIALIZATION.conf");
}

// Skips the calling test when CRS is not installed (apt-get install modsecurity-crs).
#define RAMPART_REQUIRE_CRS()                                                           \
  do {                                                                                  \
    if (!::rampart::modsec::test_util::CrsInstalled()) {                                \
      GTEST_SKIP() << "OWASP CRS not found in /usr/share/modsecurity-crs; install the " \
                      "Debian package modsecurity-crs to run this test";                \
    }                                                                                   \
  } while (0)

// The process's one Engine over rampart's own rules/ folder.
inline std::shared_ptr<Engine> TestEngine() {
  static std::shared_ptr<Engine> engine = [] {
    auto e = Engine::Create({std::string(RAMPART_SOURCE_DIR) + "/rules", ""});
    if (!e) {
      ADD_FAILURE() << e.error().message;
      return std::shared_ptr<Engine>();
    }
    return e.value();
  }();
  return engine;
}

// A cache shared by the tests of this binary, so CRS is parsed once for most of them.
inline RulesCache& SharedCache() {
  static std::unique_ptr<RulesCache> cache = TestEngine()->NewRulesCache();
  return *cache;
}

inline std::shared_ptr<const CompiledPolicy> MustCompile(const Policy& policy,
                                                         RulesCache& cache = SharedCache()) {
  auto compiled = cache.Get(policy);
  if (!compiled) {
    ADD_FAILURE() << compiled.error().message;
    return nullptr;
  }
  return compiled.value();
}

struct Request {
  std::string method = "GET";
  std::string uri = "/";
  std::string version = "1.1";
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "localhost"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "en-US,en;q=0.5"},
  };
  std::string body;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "text/html"}};
  std::string body;
};

struct Outcome {
  std::optional<Verdict> verdict;
  std::vector<Finding> findings;
  AnomalyScores scores;

  const Finding* Find(int id) const {
    for (const Finding& f : findings) {
      if (f.id == id) return &f;
    }
    return nullptr;
  }
  bool Has(int id) const { return Find(id) != nullptr; }
  std::string Ids() const {
    std::string s;
    for (const Finding& f : findings) s += std::to_string(f.id) + " ";
    return s;
  }
};

// Runs `request` (and `response`, when given and the request was not stopped) through `policy`
// the way the waf stage does: a step, then a look at the intervention.
inline Outcome RunExchange(const std::shared_ptr<const CompiledPolicy>& policy, Request request,
                           const std::optional<Response>& response = std::nullopt) {
  Outcome out;
  auto started = Inspection::Start(policy, "test-request");
  if (!started) {
    ADD_FAILURE() << started.error().message;
    return out;
  }
  Inspection& insp = *started.value();
  auto check = [](const core::Status& s) { EXPECT_TRUE(s.ok()) << s.error().message; };
  check(insp.ProcessConnection("192.0.2.10", 51234, "127.0.0.1", 8080));
  check(insp.ProcessUri(request.uri, request.method, request.version));
  if (!request.body.empty()) {
    request.headers.emplace_back("Content-Length", std::to_string(request.body.size()));
  }
  for (const auto& [name, value] : request.headers) check(insp.AddRequestHeader(name, value));
  check(insp.ProcessRequestHeaders());
  if (!insp.Intervention()) {
    if (!request.body.empty()) check(insp.AppendRequestBody(request.body));
    if (!insp.Intervention()) check(insp.ProcessRequestBody());
  }
  if (response && !insp.Intervention()) {
    auto headers = response->headers;
    headers.emplace_back("Content-Length", std::to_string(response->body.size()));
    for (const auto& [name, value] : headers) check(insp.AddResponseHeader(name, value));
    check(insp.ProcessResponseHeaders(response->status, "HTTP 1.1"));
    if (!insp.Intervention()) {
      check(insp.AppendResponseBody(response->body));
      check(insp.ProcessResponseBody());
    }
  }
  out.verdict = insp.Intervention();
  check(insp.ProcessLogging());
  out.findings = insp.Findings();
  out.scores = insp.Scores();
  return out;
}

inline Request Get(std::string uri) {
  Request r;
  r.uri = std::move(uri);
  return r;
}

inline Request Post(std::string content_type, std::string body, std::string uri = "/submit") {
  Request r;
  r.method = "POST";
  r.uri = std::move(uri);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

// A file under the test's temporary directory, removed with it.
// A rule file in a directory of its own: a reload's fingerprint covers the rule files beside
// it, which in a shared temporary directory other test processes change at any time.
class TempRuleFile {
 public:
  explicit TempRuleFile(const std::string& name, const std::string& text) {
    dir_ = (std::filesystem::temp_directory_path() /
            ("rampart-modsec-" + std::to_string(::getpid()) + "-" + name + ".d"))
               .string();
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/" + name;
    FILE* f = std::fopen(path_.c_str(), "w");
    if (f != nullptr) {
      std::fwrite(text.data(), 1, text.size(), f);
      std::fclose(f);
    }
  }
  ~TempRuleFile() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace rampart::modsec::test_util
