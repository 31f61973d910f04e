#pragma once
// Test helpers for the review module: a temporary directory removed with its contents, file
// reading and writing, attack-log lines, and waiting for an outcome another thread produces
// (polling with a generous guard, never asserting on how long it took). Used on the test thread.

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace rampart::review::testing {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/rampart_review_test_XXXXXX";
    const char* made = mkdtemp(pattern);
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// A whole file; "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void AppendFile(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << content;
}

// One attack-log record (without the newline), as src/proxy/attack_log.cc writes them.
struct LineSpec {
  std::string id = "r1";
  std::string time = "2026-11-23T21:07:51.123Z";
  std::string ip = "203.0.113.9";
  std::string country;  // empty: null
  std::string uri = "/search?q=1";
  std::string route = "app";
  std::string action = "blocked";
  int status = 403;
  std::string source = "waf";
  std::string rule = "942100";  // empty: no rules
  std::string padding;          // appended to the user agent, to make a line longer
};

inline std::string Line(const LineSpec& s) {
  std::string out = R"({"time":")" + s.time + R"(","request_id":")" + s.id + R"(","client_ip":")" +
                    s.ip + R"(","country":)" +
                    (s.country.empty() ? "null" : "\"" + s.country + "\"") +
                    R"(,"asn":null,"method":"GET","host":"shop.example.com","uri":")" + s.uri +
                    R"(","route":")" + s.route + R"(","action":")" + s.action + R"(","status":)" +
                    std::to_string(s.status) + R"(,"source":")" + s.source + R"(","rules":[)";
  if (!s.rule.empty()) {
    out += R"({"source":"waf","id":")" + s.rule +
           R"(","msg":"SQL Injection Attack Detected via libinjection","severity":"critical",)"
           R"("tags":["attack-sqli"],"var":"ARGS:q","data":"1' or 1=1--"})";
  }
  out += R"(],"scores":{"inbound":5,"outbound":0},"headers":[["User-Agent","sqlmap)" + s.padding +
         R"("]],"tls":null})";
  return out;
}

inline std::string LineWithId(std::string id) {
  LineSpec spec;
  spec.id = std::move(id);
  return Line(spec);
}

// Polls `done` until it holds or the guard runs out; returns whether it held.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::seconds guard = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + guard;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace rampart::review::testing
