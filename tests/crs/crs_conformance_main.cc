// crs_conformance: runs every CRS v3.3.4 regression test (go-ftw format) against the real rampart
// binary in the CRS CI setup (../shared/crs-regression/README.md: paranoia 4, detection only,
// rule 900005) and judges each with crs/ftw_expectation.h.
//
// By default it starts rampart itself (tests/support RampartProcess) with one listener, one
// loopback Origin that answers 200 to anything, and a catch-all route with
// `waf: {mode: detect, paranoia: 4, before_crs: [<900005 settings>]}`, the attack log on and
// `trusted_proxies: [127.0.0.1/32]` so that the X-Request-Id tag each request carries
// ("crs-<title>-<stage>") becomes the request id of its attack-log record. It sends every test
// on its own TCP connection, stops rampart (SIGTERM flushes the attack log), then collects the
// matched rule ids per request id and judges. With --port it uses an already running server
// instead (give --attack-log, or log checks are not evaluated).
//
// Output: one line per test, totals, the pass count, and (with --failures FILE, default
// tests/crs/expected_failures.txt) every failing test with a reason category. Exit status: 0;
// 1 when --min-pass is given and not reached, or when --expected FILE is given and a test fails
// that the file does not list (so the checked-in list stays the truth); 77 (skip) when the
// tests or CRS are absent.
//
//   crs_conformance [--tests DIR] [--crs-dir DIR] [--failures FILE] [--expected FILE]
//                   [--min-pass N]
//                   [--filter SUBSTRING] [--timeout-ms N] [--quiet]
//                   [--host H --port P [--attack-log FILE]]

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crs/ftw_expectation.h"
#include "crs/ftw_request.h"
#include "crs/ftw_test.h"
#include "support/json.h"
#include "support/origin.h"
#include "support/rampart_process.h"

namespace {

using rampart::crs::BuildOptions;
using rampart::crs::BuildRequest;
using rampart::crs::FtwFile;
using rampart::crs::Judge;
using rampart::crs::Judgement;
using rampart::crs::MatchedRule;
using rampart::crs::Observation;

constexpr int kSkipExit = 77;

struct Args {
  std::string tests = std::string(RAMPART_SOURCE_DIR) + "/../shared/crs-regression";
  std::string crs_dir = "/usr/share/modsecurity-crs";
  std::string failures = std::string(RAMPART_SOURCE_DIR) + "/tests/crs/expected_failures.txt";
  std::string host = "127.0.0.1";
  std::string port;  // empty: start rampart
  std::string attack_log;
  std::string filter;
  int timeout_ms = 3000;
  std::string expected;  // a failures file from an earlier run: every failure must be in it
  int min_pass = -1;
  bool quiet = false;
  // The route's `waf.profile`: `crs` is CRS's CI setup; `balanced` checks that rampart's default
  // profile still meets the conformance floor (its signature packs off: this measures the WAF).
  std::string profile = "crs";
};

// The CRS CI settings of ../shared/crs-regression/README.md, less what the policy writes itself
// (paranoia 4 and DetectionOnly come from `waf: {mode: detect, paranoia: 4}`). The marker rule
// 999999 is not needed: the attack log names each request's rules directly.
constexpr char kCrsCiSettings[] =
    "# CRS CI settings (../shared/crs-regression/README.md)\n"
    "SecAction \"id:900005,phase:1,pass,nolog,t:none,ctl:ruleRemoveById=910000,"
    "setvar:tx.crs_validate_utf8_encoding=1,setvar:tx.arg_name_length=100,"
    "setvar:tx.arg_length=400,setvar:tx.combined_file_sizes=65535\"\n";

struct Response {
  Observation observation;
  bool from_origin = false;  // the answer carries the Origin's X-Origin-Name
};

size_t ContentLength(const std::string& head) {
  // Case-insensitive search for "\r\ncontent-length:" in the response head.
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return std::string::npos;
  return static_cast<size_t>(std::strtoull(lower.c_str() + at + 17, nullptr, 10));
}

// `response` without interim (1xx) answers such as 100 Continue.
std::string FinalResponse(const std::string& response) {
  size_t at = 0;
  while (response.compare(at, 10, "HTTP/1.1 1") == 0) {
    const size_t end = response.find("\r\n\r\n", at);
    if (end == std::string::npos) break;
    at = end + 4;
  }
  return response.substr(at);
}

// Whether `response` holds a whole HTTP/1.x answer (Content-Length framed, bodiless, or chunked
// up to the last chunk), so that reading can stop before the server closes.
bool Complete(const std::string& all, bool head_request) {
  const std::string response = FinalResponse(all);
  const size_t end = response.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  const std::string head = response.substr(0, end + 2);
  if (head_request || head.starts_with("HTTP/1.1 204") || head.starts_with("HTTP/1.1 304")) {
    return true;
  }
  const size_t length = ContentLength(head);
  if (length != std::string::npos) return response.size() - (end + 4) >= length;
  return response.ends_with("\r\n0\r\n\r\n");
}

// Sends `request` on a fresh TCP connection and reads until the answer is complete, the server
// closes, the timeout passes or 1 MiB arrived; fills status / body or the transport error.
Response Exchange(const Args& args, const std::string& port, const std::string& request) {
  Response out;
  Observation& o = out.observation;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = getaddrinfo(args.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    o.transport_error = true;
    o.transport_error_text = std::string("resolve: ") + gai_strerror(rc);
    return out;
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
    return out;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (e.g. 400) before the whole request is in
    sent += static_cast<size_t>(n);
  }
  const bool head_request = request.starts_with("HEAD ");
  std::string response;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(args.timeout_ms);
  char buf[16384];
  std::string read_error;
  while (response.size() < (1u << 20) && !Complete(response, head_request)) {
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
  response = FinalResponse(response);
  // "HTTP/x.y NNN ..." → NNN
  const size_t eol = response.find("\r\n");
  const std::string line = response.substr(0, eol);
  if (line.starts_with("HTTP/") && line.size() >= 12 && line[8] == ' ') {
    o.status = std::atoi(line.substr(9, 3).c_str());
    const size_t body = response.find("\r\n\r\n");
    if (body != std::string::npos) o.response_body = response.substr(body + 4);
    const std::string head = response.substr(0, body);
    out.from_origin = head.find("\r\nX-Origin-Name:") != std::string::npos ||
                      head.find("\r\nx-origin-name:") != std::string::npos;
  } else {
    o.transport_error = true;
    o.transport_error_text = read_error.empty()
                                 ? (response.empty() ? "no response" : "not an HTTP status line")
                                 : read_error;
  }
  return out;
}

int SeverityNumber(const std::string& name) {
  static const char* const kNames[] = {"emergency", "alert",  "critical", "error",
                                       "warning",   "notice", "info",     "debug"};
  for (int i = 0; i < 8; ++i) {
    if (name == kNames[i]) return i;
  }
  return -1;
}

// request id → the rules of its attack-log record(s); also counts records without a crs- id.
std::map<std::string, std::vector<MatchedRule>> ReadAttackLog(const std::string& path,
                                                              size_t* untagged) {
  std::map<std::string, std::vector<MatchedRule>> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto json = rampart::test::ParseJson(line);
    if (!json) continue;
    const std::string id = json->StringAt("request_id").value_or("");
    if (!id.starts_with("crs-")) {
      ++*untagged;
      continue;
    }
    std::vector<MatchedRule>& rules = out[id];
    const rampart::test::JsonValue* list = json->Find("rules");
    if (list == nullptr || !list->is_array()) continue;
    for (const auto& r : list->array) {
      MatchedRule rule;
      rule.id = std::atoi(r.StringAt("id").value_or("0").c_str());
      rule.msg = r.StringAt("msg").value_or("");
      rule.data = r.StringAt("data").value_or("");
      rule.severity = SeverityNumber(r.StringAt("severity").value_or(""));
      if (const auto* tags = r.Find("tags"); tags != nullptr && tags->is_array()) {
        for (const auto& t : tags->array) {
          if (t.type == rampart::test::JsonValue::Type::kString) rule.tags.push_back(t.string);
        }
      }
      rules.push_back(std::move(rule));
    }
  }
  return out;
}

// Failures whose cause is known (checked by hand against the request, the rule and
// libmodsecurity): test title → "category: reason".
const std::map<std::string, std::string>& KnownCauses() {
  static const std::map<std::string, std::string> kKnown = {
      {"920160-4", "CRS behaviour: Debian's modsecurity-crs backport changes 920160"},
      {"922110-2", "CRS behaviour: Debian's modsecurity-crs backport changes 922110"},
      {"920272-5",
       "test environment: expects a web server that answers 404 for a file it does not have; "
       "the runner's backend answers 200 to every path (the README's nginx + ModSecurity "
       "reference fails it the same way)"},
      {"920180-3",
       "go-ftw semantics: go-ftw's header autocompletion adds Content-Length: 0 to a bodiless "
       "POST, so the request no longer lacks Content-Length and 920180 rightly stays silent; "
       "sent without it, rampart logs 920180 (checked by hand)"},
  };
  return kKnown;
}

// The test titles a failures file lists (the first word of each line that is not a comment).
std::set<std::string> ListedFailures(const std::string& path) {
  std::set<std::string> titles;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    titles.insert(line.substr(0, line.find(' ')));
  }
  return titles;
}

// One line: the category and why, for a failing test.
std::string Classify(const std::string& title, const Response& response, bool has_record,
                     const Judgement& j) {
  if (auto it = KnownCauses().find(title); it != KnownCauses().end()) return it->second;
  const Observation& o = response.observation;
  if (!has_record && !response.from_origin && o.status && *o.status >= 400) {
    return "refused by parser: rampart answered " + std::to_string(*o.status) +
           " before inspection";
  }
  if (title.starts_with("920460-") || title == "941330-1") {
    return "libmodsecurity behaviour: reads \\\\\\\\ in the rule's regex differently (" + j.reason +
           ")";
  }
  if (title.starts_with("944210-")) {
    return "libmodsecurity behaviour: REQUEST_BODY is always filled, so 944210 sees the XML body "
           "(" +
           j.reason + ")";
  }
  if (title.starts_with("94410") || title.starts_with("94411") || title.starts_with("94412")) {
    return "libmodsecurity behaviour: REQUEST_BODY is always filled, so 944100-944120 see the "
           "body (" +
           j.reason + ")";
  }
  return "unclassified: " + j.reason;
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
    } else if (a == "--crs-dir" && (v = next())) {
      args->crs_dir = *v;
    } else if (a == "--failures" && (v = next())) {
      args->failures = *v;
    } else if (a == "--expected" && (v = next())) {
      args->expected = *v;
    } else if (a == "--host" && (v = next())) {
      args->host = *v;
    } else if (a == "--port" && (v = next())) {
      args->port = *v;
    } else if (a == "--attack-log" && (v = next())) {
      args->attack_log = *v;
    } else if (a == "--filter" && (v = next())) {
      args->filter = *v;
    } else if (a == "--timeout-ms" && (v = next())) {
      args->timeout_ms = std::atoi(v->c_str());
    } else if (a == "--min-pass" && (v = next())) {
      args->min_pass = std::atoi(v->c_str());
    } else if (a == "--profile" && (v = next()) && (*v == "crs" || *v == "balanced")) {
      args->profile = *v;
    } else if (a == "--quiet") {
      args->quiet = true;
    } else {
      std::fprintf(stderr,
                   "usage: crs_conformance [--tests DIR] [--crs-dir DIR] [--failures FILE] "
                   "[--expected FILE] [--min-pass N] [--profile crs|balanced] [--filter SUBSTRING] "
                   "[--timeout-ms N] [--quiet] "
                   "[--host H --port P [--attack-log FILE]]\n");
      return false;
    }
  }
  return true;
}

struct Sent {
  const rampart::crs::FtwTest* test = nullptr;
  std::vector<Response> responses;  // one per stage sent
  std::vector<std::string> request_ids;
  std::string build_error;
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) return 2;
  if (!std::filesystem::is_directory(args.tests)) {
    std::printf("SKIP: CRS regression tests not found in %s\n", args.tests.c_str());
    return kSkipExit;
  }
  const bool start = args.port.empty();
  if (start && !std::filesystem::exists(args.crs_dir + "/rules/REQUEST-901-INITIALIZATION.conf")) {
    std::printf("SKIP: OWASP CRS not found in %s\n", args.crs_dir.c_str());
    return kSkipExit;
  }
  auto files = rampart::crs::ParseFtwDirectory(args.tests);
  if (!files) {
    std::fprintf(stderr, "crs_conformance: %s\n", files.error().message.c_str());
    return 2;
  }

  // The server: rampart started here, or the one given.
  std::optional<rampart::test::Origin> origin;
  std::optional<rampart::test::RampartProcess> rampart;
  std::string port = args.port;
  std::string attack_log = args.attack_log;
  if (start) {
    origin.emplace();
    rampart.emplace();
    const std::string settings = rampart->dir() + "/crs-ci-settings.conf";
    std::ofstream(settings) << kCrsCiSettings;
    attack_log = rampart->dir() + "/attack.log";
    std::string yaml;
    yaml += "workers: 2\n";
    yaml += "listen:\n  - address: 127.0.0.1:0\n";
    yaml += "trusted_proxies: [127.0.0.1/32]\n";
    yaml += "waf:\n  crs_dir: " + args.crs_dir + "\n";
    yaml += "pools:\n  app:\n    servers:\n      - address: " + origin->address() + "\n";
    yaml += "routes:\n  - name: crs\n    match:\n      path_prefix: /\n    pool: app\n";
    yaml += "    waf: {mode: detect, profile: " + args.profile + ", paranoia: 4, before_crs: [" +
            settings + "]}\n";
    if (args.profile == "balanced") yaml += "    signatures: {enabled: false}\n";
    yaml += "logging:\n  access_log: " + rampart->dir() + "/access.log\n";
    yaml += "  attack_log: " + attack_log + "\n";
    if (!rampart->Start(yaml, rampart::test::Timeout(60'000))) {
      std::fprintf(stderr, "crs_conformance: rampart did not start: %s\n%s\n",
                   rampart->error().c_str(), rampart->Log().c_str());
      return 2;
    }
    port = std::to_string(rampart->port());
  }

  // Send everything first; the attack log is read once rampart has flushed it.
  std::vector<Sent> sent;
  int skipped = 0;
  std::vector<std::string> skipped_titles;
  for (const FtwFile& file : files.value()) {
    for (const auto& test : file.tests) {
      if (!args.filter.empty() && test.title.find(args.filter) == std::string::npos) continue;
      if (!file.meta.enabled) {
        ++skipped;
        skipped_titles.push_back(test.title);
        continue;
      }
      Sent s;
      s.test = &test;
      for (size_t i = 0; i < test.stages.size(); ++i) {
        BuildOptions options;
        options.tag_raw_requests = true;
        const std::string id = "crs-" + test.title + "-" + std::to_string(i);
        options.extra_headers.push_back({"X-Request-Id", id});
        auto request = BuildRequest(test.stages[i].input, options);
        if (!request) {
          s.build_error = "cannot build request: " + request.error().message;
          break;
        }
        s.request_ids.push_back(id);
        s.responses.push_back(Exchange(args, port, request.value()));
      }
      sent.push_back(std::move(s));
    }
  }

  if (rampart) {
    rampart->Signal(SIGTERM);
    if (!rampart->WaitExit(rampart::test::Timeout(30'000))) {
      std::fprintf(stderr, "crs_conformance: rampart did not exit after SIGTERM\n");
    }
  } else if (!attack_log.empty()) {
    sleep(2);  // the running server flushes its attack log every second
  }
  size_t untagged = 0;
  const bool rules_known = !attack_log.empty();
  const auto records = rules_known ? ReadAttackLog(attack_log, &untagged)
                                   : std::map<std::string, std::vector<MatchedRule>>{};

  // Judge.
  int passed = 0;
  int failed = 0;
  int incomplete = 0;
  std::vector<std::pair<std::string, std::string>> failures;  // title, category: reason
  std::map<std::string, int> categories;
  if (!args.quiet) std::printf("%-14s %-8s %-6s %s\n", "test", "result", "status", "reason");
  for (const Sent& s : sent) {
    bool pass = s.build_error.empty();
    bool partial = false;
    std::string status = "-";
    std::string reason = s.build_error;
    std::string category;
    for (size_t i = 0; i < s.responses.size() && pass; ++i) {
      Response r = s.responses[i];
      const auto rec = records.find(s.request_ids[i]);
      r.observation.rules_known = rules_known;
      if (rec != records.end()) r.observation.rules = rec->second;
      if (r.observation.status) status = std::to_string(*r.observation.status);
      const Judgement j = Judge(s.test->stages[i].output, r.observation);
      pass = j.pass;
      partial |= j.incomplete;
      reason = j.reason;
      if (!pass) category = Classify(s.test->title, r, rec != records.end(), j);
    }
    if (!s.build_error.empty()) category = "runner limitation: " + s.build_error;
    const char* result = !pass ? "FAIL" : partial ? "partial" : "pass";
    if (!pass) {
      ++failed;
      failures.emplace_back(s.test->title, category);
      ++categories[category.substr(0, category.find(':'))];
    } else if (partial) {
      ++incomplete;
    } else {
      ++passed;
    }
    if (!args.quiet || !pass) {
      std::printf("%-14s %-8s %-6s %s\n", s.test->title.c_str(), result, status.c_str(),
                  pass ? reason.c_str() : category.c_str());
    }
  }

  const int total = passed + failed + incomplete + skipped;
  std::printf("\npassed: %d  failed: %d  skipped: %d", passed, failed, skipped);
  if (incomplete > 0) std::printf("  not evaluated (no attack log): %d", incomplete);
  std::printf("  of %d\n", total);
  if (untagged > 0) std::printf("attack-log records without a crs- request id: %zu\n", untagged);
  for (const auto& [name, count] : categories) std::printf("  %-28s %d\n", name.c_str(), count);
  std::printf("\n==> CRS conformance: %d/%d passed\n", passed, total);

  if (!args.failures.empty() && args.filter.empty()) {
    std::ofstream out(args.failures, std::ios::trunc);
    out << "# Failing CRS v3.3.4 regression tests against rampart (paranoia 4, detect mode, the\n"
           "# CRS CI settings). Generated by crs_conformance (tests/crs/README.md); do not edit.\n"
           "# "
        << passed << " passed, " << failed << " failed, " << skipped << " skipped of " << total
        << ".\n"
           "# <test> <category>: <reason>\n";
    for (const auto& [title, category] : failures) out << title << " " << category << "\n";
    for (const auto& title : skipped_titles)
      out << "# skipped " << title << " meta.enabled: false\n";
    std::printf("failing tests written to %s\n", args.failures.c_str());
  }
  int status = 0;
  if (args.min_pass >= 0 && passed < args.min_pass) {
    std::printf("FAIL: %d passed, fewer than --min-pass %d\n", passed, args.min_pass);
    status = 1;
  }
  if (!args.expected.empty()) {
    const std::set<std::string> known = ListedFailures(args.expected);
    for (const auto& [title, category] : failures) {
      if (known.count(title) == 0) {
        std::printf("FAIL: %s fails and is not listed in %s (%s)\n", title.c_str(),
                    args.expected.c_str(), category.c_str());
        status = 1;
      }
    }
  }
  return status;
}
