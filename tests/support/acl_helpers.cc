#include "support/acl_helpers.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "support/log_file.h"

namespace rampart::test {

void WriteAdminTokenFile(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(fchmod(fd, 0600), 0);
  const std::string text = std::string(kAclAdminToken) + "\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
}

std::optional<HttpResponse> AdminCall(uint16_t admin_port, std::string_view method,
                                      std::string_view target, std::string_view token) {
  Client client;
  if (!client.Connect(admin_port)) {
    ADD_FAILURE() << "cannot connect to the admin port " << admin_port << ": " << client.error();
    return std::nullopt;
  }
  HeaderList headers = {{"Connection", "close"}};
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
  if (method == "POST" || method == "PUT") headers.emplace_back("Content-Length", "0");
  auto r = client.Request(method, target, headers, {});
  if (!r) ADD_FAILURE() << method << " " << target << ": " << client.error();
  return r;
}

std::optional<HttpResponse> GetAs(uint16_t port, const std::string& client_ip,
                                  const std::string& target, HeaderList headers) {
  headers.emplace_back("X-Forwarded-For", client_ip);
  headers.emplace_back("Connection", "close");
  Client client;
  if (!client.Connect(port)) return std::nullopt;
  return client.Get(target, headers);
}

std::string FetchMetrics(uint16_t admin_port) {
  std::optional<HttpResponse> r = HttpGet(admin_port, "/metrics");
  if (!r || r->status != 200) return "";
  return r->body;
}

std::vector<JsonValue> JsonLines(const std::string& path, size_t count, Timeout timeout) {
  std::vector<JsonValue> out;
  for (const std::string& line : WaitForFileLines(path, count, timeout)) {
    if (auto json = ParseJson(line)) out.push_back(std::move(*json));
  }
  return out;
}

bool Eventually(const std::function<bool()>& condition, Timeout timeout) {
  const Deadline deadline = DeadlineIn(timeout);
  while (true) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool MmdbWriterAvailable() {
  static const bool available = [] {
    const CommandResult r = RunCommand({"/usr/bin/perl", "-MMaxMind::DB::Writer::Tree", "-e1"});
    return r.exit_code == 0;
  }();
  return available;
}

std::string MakeMmdb(const std::string& type, const std::string& out,
                     const std::vector<std::string>& entries) {
  std::vector<std::string> argv = {
      "/usr/bin/perl", RAMPART_SOURCE_DIR "/geoip/make-test-mmdb.pl", "--type", type, "--out", out};
  argv.insert(argv.end(), entries.begin(), entries.end());
  const CommandResult r = RunCommand(argv);
  if (r.exit_code == 0) return "";
  return "make-test-mmdb.pl exited with " + std::to_string(r.exit_code) + ": " + r.out + r.err;
}

size_t LineOf(std::string_view text, std::string_view needle) {
  size_t line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (text.substr(start, end - start).find(needle) != std::string_view::npos) return line;
    start = end + 1;
    ++line;
  }
  return 0;
}

}  // namespace rampart::test
