#include "support/chromium.h"

#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <thread>

#include "support/client.h"
#include "support/json.h"

namespace rampart::test {
namespace {

// The port on the first line of DevToolsActivePort's `text`; nullopt until Chromium has written
// it.
std::optional<uint16_t> DevToolsPort(const std::string& text) {
  const size_t eol = text.find('\n');
  if (eol == std::string::npos) return std::nullopt;  // not (completely) written yet
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + eol, port);
  if (ec != std::errc() || end != text.data() + eol || port == 0) return std::nullopt;
  return port;
}

}  // namespace

bool HeadlessChromium::Start(const std::string& url, const std::vector<std::string>& extra_flags,
                             Timeout timeout) {
  std::vector<std::string> flags = {"--remote-debugging-port=0"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  flags.push_back(url);
  if (!process_.Start(flags)) {
    error_ = process_.error();
    return false;
  }

  const Deadline deadline = DeadlineIn(timeout);
  while (Clock::now() < deadline) {
    if (auto port = DevToolsPort(process_.ReadProfileFile("DevToolsActivePort"))) {
      devtools_port_ = *port;
      return true;
    }
    if (process_.HasExited()) {
      error_ = "chromium exited before its DevTools port was known:\n" + process_.LogTail(40);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ =
      "no DevToolsActivePort in " + process_.ProfileDir() + " in time:\n" + process_.LogTail(40);
  return false;
}

std::optional<BrowserPage> HeadlessChromium::Page() const {
  if (devtools_port_ == 0) return std::nullopt;
  std::optional<HttpResponse> r = HttpGet(devtools_port_, "/json/list", {}, Timeout(5'000));
  if (!r || r->status != 200) return std::nullopt;
  std::optional<JsonValue> targets = ParseJson(r->body);
  if (!targets || !targets->is_array()) return std::nullopt;
  for (const JsonValue& target : targets->array) {
    if (target.StringAt("type") != "page") continue;
    return BrowserPage{target.StringAt("url").value_or(""), target.StringAt("title").value_or("")};
  }
  return std::nullopt;
}

bool HeadlessChromium::WaitForPage(const std::function<bool(const BrowserPage&)>& condition,
                                   Timeout timeout) const {
  const Deadline deadline = DeadlineIn(timeout);
  while (true) {
    std::optional<BrowserPage> page = Page();
    if (page && condition(*page)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

HeadlessChromium::~HeadlessChromium() {
  if (::testing::Test::HasFailure() && process_.running()) {
    std::optional<BrowserPage> page = Page();
    std::cerr << "--- chromium: the tab is at "
              << (page ? page->url + " titled \"" + page->title + "\"" : std::string("(unknown)"))
              << "\n--- the end of its log:\n"
              << process_.LogTail(30) << "---\n";
  }
}

}  // namespace rampart::test
