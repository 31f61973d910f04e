#pragma once
// HeadlessChromium: a real headless Chromium (Debian's /usr/bin/chromium) opened on one URL, for
// e2e tests of pages that only a browser can pass (the bot challenge's JavaScript proof of
// work, its no-JavaScript fallback).
//
// `--dump-dom --virtual-time-budget` is not used: virtual time runs ahead while only a Web
// Worker is busy, so the DOM is dumped before the page is done. Instead Chromium runs as a
// child process in its own process group with `--remote-debugging-port=0`; the port it chose is
// read from <profile>/DevToolsActivePort, and GET /json/list on it (plain HTTP and JSON) tells
// the tab's current URL and title. The usual oracle is elsewhere anyway: the test's origin
// receiving the page's request.
//
// Owned by one test, used on its main thread. The process, its group and its temporary profile
// are support/chromium_process.h's; when the test has failed the destructor first prints where
// the tab was and the end of Chromium's log.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/chromium_process.h"
#include "support/common.h"

namespace rampart::test {

// Where the tab is, as DevTools reports it. Titles come HTML-escaped there.
struct BrowserPage {
  std::string url;
  std::string title;
};

class HeadlessChromium {
 public:
  HeadlessChromium() = default;
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Starts Chromium on `url` with `extra_flags` (e.g. "--blink-settings=scriptEnabled=false")
  // and waits for its DevTools port. False, with error(), when it cannot start or exits first.
  bool Start(const std::string& url, const std::vector<std::string>& extra_flags = {},
             Timeout timeout = Timeout(60'000));

  // The first tab ("type": "page" in /json/list); nullopt when DevTools does not answer.
  std::optional<BrowserPage> Page() const;
  // Polls Page() until `condition` holds for it; its last answer. The timeout is a guard.
  bool WaitForPage(const std::function<bool(const BrowserPage&)>& condition,
                   Timeout timeout = Timeout(60'000)) const;

  // What Chromium wrote to stdout and stderr so far.
  std::string Log() const { return process_.Log(); }
  const std::string& error() const { return error_; }

 private:
  ChromiumProcess process_;
  uint16_t devtools_port_ = 0;
  std::string error_;
};

}  // namespace rampart::test
