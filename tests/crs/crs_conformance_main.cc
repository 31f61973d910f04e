// crs_conformance: sends every CRS v3.3.4 regression test (go-ftw format) to a running server
// and prints a results table. A skeleton: the status line and transport errors are judged; the
// log checks wait for rampart's attack log (each request carries X-Request-Id so that its
// record can be found) and are reported as "not evaluated". Later it starts the real rampart
// with the CRS CI settings (../shared/crs-regression/README.md: paranoia 4, DetectionOnly,
// rule 900005 and the marker rule 999999).
//
//   crs_conformance [--tests DIR] [--host H] [--port P] [--filter SUBSTRING] [--timeout-ms N]

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crs/ftw_expectation.h"
#include "crs/ftw_request.h"
#include "crs/ftw_test.h"

namespace {

using rampart::crs::BuildOptions;
using rampart::crs::BuildRequest;
using rampart::crs::FtwFile;
using rampart::crs::Judge;
using rampart::crs::Judgement;
using rampart::crs::Observation;

struct Args {
  std::string tests = std::string(RAMPART_SOURCE_DIR) + "/../shared/crs-regression";
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string filter;
  int timeout_ms = 3000;
};

// Sends `request` on a fresh TCP connection and reads until the server closes, the timeout
// passes or 1 MiB arrived; fills status / body or the transport error.
Observation Exchange(const Args& args, const std::string& request) {
  Observation o;
  o.rules_known = false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(args.host.c_str(), args.port.c_str(), &hints, &res); rc != 0) {
    o.transport_error = true;
    o.transport_error_text = std::string("resolve: ") + gai_strerror(rc);
    return o;
  }
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    o.transport_error = true;
    o.transport_error_text = std::string("connect: ") + std::strerror(errno);
    return o;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (e.g. 400) before the whole request is in
    sent += static_cast<size_t>(n);
  }
  std::string response;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(args.timeout_ms);
  char buf[16384];
  std::string read_error;
  while (response.size() < (1u << 20)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      read_error = "timeout";
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n < 0) {
      read_error = std::string("recv: ") + std::strerror(errno);
      break;
    }
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  // "HTTP/x.y NNN ..." → NNN
  const size_t eol = response.find("\r\n");
  const std::string line = response.substr(0, eol);
  if (line.starts_with("HTTP/") && line.size() >= 12 && line[8] == ' ') {
    o.status = std::atoi(line.substr(9, 3).c_str());
    const size_t body = response.find("\r\n\r\n");
    if (body != std::string::npos) o.response_body = response.substr(body + 4);
  } else {
    o.transport_error = true;
    o.transport_error_text = read_error.empty()
                                 ? (response.empty() ? "no response" : "not an HTTP status line")
                                 : read_error;
  }
  return o;
}

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (a == "--tests" && (v = next())) {
      args->tests = *v;
    } else if (a == "--host" && (v = next())) {
      args->host = *v;
    } else if (a == "--port" && (v = next())) {
      args->port = *v;
    } else if (a == "--filter" && (v = next())) {
      args->filter = *v;
    } else if (a == "--timeout-ms" && (v = next())) {
      args->timeout_ms = std::atoi(v->c_str());
    } else {
      std::fprintf(stderr,
                   "usage: crs_conformance [--tests DIR] [--host H] [--port P] "
                   "[--filter SUBSTRING] [--timeout-ms N]\n");
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) return 2;
  auto files = rampart::crs::ParseFtwDirectory(args.tests);
  if (!files) {
    std::fprintf(stderr, "crs_conformance: %s\n", files.error().message.c_str());
    return 2;
  }
  std::map<std::string, int> totals;
  std::printf("%-14s %-8s %-6s %s\n", "test", "result", "status", "reason");
  for (const FtwFile& file : files.value()) {
    for (const auto& test : file.tests) {
      if (!args.filter.empty() && test.title.find(args.filter) == std::string::npos) continue;
      if (!file.meta.enabled) {
        ++totals["skipped"];
        std::printf("%-14s %-8s %-6s %s\n", test.title.c_str(), "skip", "-", "meta.enabled: false");
        continue;
      }
      bool pass = true;
      bool incomplete = false;
      std::string status = "-";
      std::string reason;
      for (size_t s = 0; s < test.stages.size() && pass; ++s) {
        BuildOptions options;
        options.extra_headers.push_back(
            {"X-Request-Id", "crs-" + test.title + "-" + std::to_string(s)});
        auto request = BuildRequest(test.stages[s].input, options);
        Judgement j;
        if (!request) {
          j.reason = "cannot build request: " + request.error().message;
        } else {
          const Observation o = Exchange(args, request.value());
          if (o.status) status = std::to_string(*o.status);
          j = Judge(test.stages[s].output, o);
        }
        pass = j.pass;
        incomplete |= j.incomplete;
        reason = j.reason;
      }
      const char* result = !pass ? "FAIL" : incomplete ? "partial" : "pass";
      ++totals[result];
      std::printf("%-14s %-8s %-6s %s\n", test.title.c_str(), result, status.c_str(),
                  reason.c_str());
    }
  }
  std::printf("\n");
  for (const auto& [name, count] : totals) std::printf("%s: %d\n", name.c_str(), count);
  return 0;
}
