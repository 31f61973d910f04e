#pragma once
// DevToolsBrowser: a real headless Chromium driven over the Chrome DevTools Protocol, for e2e
// tests that must look inside a page (read the DOM, click, wait for the page's own state,
// screenshot it) rather than only watch its requests arrive somewhere.
//
// The protocol runs over `--remote-debugging-pipe`: Chromium reads commands from its fd 3 and
// writes replies and events to its fd 4, each message one JSON text followed by a NUL byte. No
// port, no WebSocket framing, and nothing else on the machine can talk to the browser. One page
// target is created and attached in flat mode; every page command carries its sessionId.
//
// Replies are read with the tests' own JSON reader (support/json.h); commands are written with
// plain escaping. Events that arrive while a reply is awaited are kept: console messages, log
// entries (CSP violations are reported there) and uncaught exceptions for ConsoleMessages(),
// and Page.loadEventFired for Navigate().
//
// Owned by one test, used on its main thread only. The process, its group and its temporary
// profile are support/chromium_process.h's; when the test has failed the destructor first
// prints the page's console messages and the end of Chromium's log.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/chromium_process.h"
#include "support/common.h"
#include "support/json.h"

namespace rampart::test {

class DevToolsBrowser {
 public:
  DevToolsBrowser() = default;
  ~DevToolsBrowser();
  DevToolsBrowser(const DevToolsBrowser&) = delete;
  DevToolsBrowser& operator=(const DevToolsBrowser&) = delete;

  // Starts Chromium (headless, no sandbox, a temporary profile, a 1400x900 viewport) with
  // `extra_flags`, opens an about:blank page and attaches to it. False, with error(), when the
  // browser cannot start or does not answer in time.
  bool Start(const std::vector<std::string>& extra_flags = {}, Timeout timeout = Timeout(60'000));

  // Loads `url` in the page and waits for its load event. False, with error(), when the
  // navigation fails (Page.navigate's errorText) or the load event does not come in time. A
  // URL that differs from the current one only in its fragment loads nothing (no load event):
  // go through about:blank to reload a page with another #hash.
  bool Navigate(const std::string& url, Timeout timeout = Timeout(30'000));

  // Evaluates the JavaScript `js` in the page as the console would (statements allowed; the
  // last one's value is the result; a promise is awaited) and returns the value's JSON text as
  // JSON.stringify would write it ("null" for undefined; DOM nodes come as {}). nullopt, with
  // error(), when it throws (the exception's text) or no answer comes in time.
  std::optional<std::string> Evaluate(std::string_view js, Timeout timeout = Timeout(30'000));
  // Evaluate() parsed; nullopt as above or when the text does not parse.
  std::optional<JsonValue> EvaluateJson(std::string_view js, Timeout timeout = Timeout(30'000));

  // Polls `js_condition` every 100 ms until it evaluates to true. The timeout is a guard; on
  // it, false with error() saying what the condition was (and the last exception, if any).
  bool WaitFor(std::string_view js_condition, Timeout timeout = Timeout(30'000));

  // Writes a PNG of the viewport to `path`. False, with error(), on failure.
  bool Screenshot(const std::string& path, Timeout timeout = Timeout(30'000));

  // Every console message, log entry and uncaught exception of the page so far, one line each
  // ("console.error: ...", "log security error: ...", "exception: ..."), oldest first. Only
  // what has been read from the pipe: call after some Evaluate() to have the latest.
  std::vector<std::string> ConsoleMessages() const { return console_; }

  // What Chromium wrote to stdout and stderr so far.
  std::string Log() const { return process_.Log(); }
  const std::string& error() const { return error_; }

 private:
  // Sends `method` with `params_json` (an object's JSON text) to the browser, or to the page
  // when `to_page`; returns the command's id, 0 when the pipe is broken.
  int Send(std::string_view method, std::string_view params_json, bool to_page);
  // Reads messages until the reply to `id`; its "result". nullopt, with error(), on an error
  // reply, a closed pipe or the deadline.
  std::optional<JsonValue> Await(int id, Deadline deadline);
  // Send() then Await().
  std::optional<JsonValue> Call(std::string_view method, std::string_view params_json, bool to_page,
                                Deadline deadline);
  // Reads whatever the pipe has (waiting until `deadline` for at least one byte) and handles
  // every complete message; replies go to replies_. False when the pipe closed or broke.
  bool Pump(Deadline deadline);
  void HandleEvent(const JsonValue& message);
  void Stop();

  ChromiumProcess process_;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string inbox_;               // bytes read but not yet split into messages
  std::vector<JsonValue> replies_;  // replies read while another one was awaited
  int next_id_ = 1;
  std::string session_id_;
  uint64_t load_events_ = 0;
  std::vector<std::string> console_;
  std::string error_;
};

// The bytes of standard base64 `text` (padding required, no whitespace); nullopt when it is
// not base64.
std::optional<std::string> DecodeBase64(std::string_view text);

// `text` as a JSON string literal, quotes included (for building commands and JS source).
std::string JsonQuote(std::string_view text);

}  // namespace rampart::test
