#include "support/devtools_pipe.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

namespace rampart::test {
namespace {

// A readable line for one Runtime.RemoteObject argument of a console call.
std::string RemoteObjectText(const JsonValue& object) {
  if (const JsonValue* value = object.Find("value")) {
    switch (value->type) {
      case JsonValue::Type::kString:
        return value->string;
      case JsonValue::Type::kNumber: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", value->number);
        return buf;
      }
      case JsonValue::Type::kBool:
        return value->boolean ? "true" : "false";
      case JsonValue::Type::kNull:
        return "null";
      default:
        break;
    }
  }
  if (auto description = object.StringAt("description")) return *description;
  return object.StringAt("type").value_or("?");
}

// The text of a Runtime.ExceptionDetails: the exception's description ("TypeError: ... at")
// when there is one, else its text ("Uncaught").
std::string ExceptionText(const JsonValue& details) {
  if (const JsonValue* exception = details.Find("exception")) {
    if (auto description = exception->StringAt("description")) return *description;
    return RemoteObjectText(*exception);
  }
  return details.StringAt("text").value_or("exception");
}

// The JSON text of `value` as JSON.stringify writes it: no spaces, members in order, numbers
// in their shortest round-trip form.
void AppendJsonText(const JsonValue& value, std::string& out) {
  switch (value.type) {
    case JsonValue::Type::kNull:
      out += "null";
      return;
    case JsonValue::Type::kBool:
      out += value.boolean ? "true" : "false";
      return;
    case JsonValue::Type::kNumber: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value.number);
      out.append(buf, ec == std::errc() ? end : buf);
      return;
    }
    case JsonValue::Type::kString:
      out += JsonQuote(value.string);
      return;
    case JsonValue::Type::kArray:
      out += "[";
      for (size_t i = 0; i < value.array.size(); ++i) {
        if (i > 0) out += ",";
        AppendJsonText(value.array[i], out);
      }
      out += "]";
      return;
    case JsonValue::Type::kObject:
      out += "{";
      for (size_t i = 0; i < value.object.size(); ++i) {
        if (i > 0) out += ",";
        out += JsonQuote(value.object[i].first) + ":";
        AppendJsonText(value.object[i].second, out);
      }
      out += "}";
      return;
  }
}

std::string JsonText(const JsonValue& value) {
  std::string out;
  AppendJsonText(value, out);
  return out;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);  // UTF-8 passes through as is
        }
    }
  }
  out += "\"";
  return out;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the zero bytes the padding stands for; drop them.
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

bool DevToolsBrowser::Start(const std::vector<std::string>& extra_flags, Timeout timeout) {
  const Deadline deadline = DeadlineIn(timeout);
  signal(SIGPIPE, SIG_IGN);    // a browser that died fails the write, not the test binary
  int commands[2] = {-1, -1};  // we write [1], Chromium reads [0] as its fd 3
  int replies[2] = {-1, -1};   // Chromium writes [1] as its fd 4, we read [0]
  if (pipe2(commands, O_CLOEXEC) != 0 || pipe2(replies, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + strerror(errno);
    for (int fd : {commands[0], commands[1], replies[0], replies[1]}) {
      if (fd >= 0) close(fd);
    }
    return false;
  }
  std::vector<std::string> flags = {"--window-size=1400,900", "--remote-debugging-pipe"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  const bool started = process_.Start(flags, {commands[0], replies[1]});
  close(commands[0]);  // the child's ends: only Chromium holds them now
  close(replies[1]);
  to_browser_ = commands[1];
  from_browser_ = replies[0];
  if (!started) {
    error_ = process_.error();
    return false;
  }
  fcntl(from_browser_, F_SETFL, fcntl(from_browser_, F_GETFL) | O_NONBLOCK);

  // A page of our own, attached in flat mode: its commands go over this same pipe with a
  // sessionId. Its events: load (Page), console and exceptions (Runtime), log entries (Log).
  std::optional<JsonValue> target =
      Call("Target.createTarget", R"({"url":"about:blank"})", false, deadline);
  if (!target) return false;
  const std::optional<std::string> target_id = target->StringAt("targetId");
  if (!target_id) {
    error_ = "Target.createTarget answered no targetId";
    return false;
  }
  std::optional<JsonValue> attached =
      Call("Target.attachToTarget",
           R"({"targetId":)" + JsonQuote(*target_id) + R"(,"flatten":true})", false, deadline);
  if (!attached) return false;
  session_id_ = attached->StringAt("sessionId").value_or("");
  if (session_id_.empty()) {
    error_ = "Target.attachToTarget answered no sessionId";
    return false;
  }
  for (const char* method : {"Page.enable", "Runtime.enable", "Log.enable"}) {
    if (!Call(method, "{}", true, deadline)) return false;
  }
  // The viewport the screenshots show, whatever size the new target got.
  return Call("Emulation.setDeviceMetricsOverride",
              R"({"width":1400,"height":900,"deviceScaleFactor":1,"mobile":false})", true, deadline)
      .has_value();
}

int DevToolsBrowser::Send(std::string_view method, std::string_view params_json, bool to_page) {
  if (to_browser_ < 0) {
    error_ = "the browser is not running";
    return 0;
  }
  const int id = next_id_++;
  std::string message = R"({"id":)" + std::to_string(id) + R"(,"method":)" + JsonQuote(method) +
                        R"(,"params":)" + std::string(params_json);
  if (to_page) message += R"(,"sessionId":)" + JsonQuote(session_id_);
  message += "}";
  message.push_back('\0');
  if (!WriteAll(to_browser_, message)) {
    error_ =
        std::string("writing to the browser: ") + strerror(errno) + "\n" + process_.LogTail(30);
    return 0;
  }
  return id;
}

bool DevToolsBrowser::Pump(Deadline deadline) {
  if (from_browser_ < 0) {
    error_ = "the browser is not running";
    return false;
  }
  pollfd p{from_browser_, POLLIN, 0};
  const int ready = poll(&p, 1, PollMs(deadline));
  if (ready < 0 && errno != EINTR) {
    error_ = std::string("poll: ") + strerror(errno);
    return false;
  }
  if (ready <= 0) return true;  // nothing yet: the caller checks its deadline
  char buf[65536];
  while (true) {
    const ssize_t n = read(from_browser_, buf, sizeof buf);
    if (n > 0) {
      inbox_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    error_ = n == 0 ? "the browser closed the DevTools pipe (did it exit?)\n" + process_.LogTail(30)
                    : std::string("reading from the browser: ") + strerror(errno);
    close(from_browser_);
    from_browser_ = -1;
    return false;
  }
  size_t start = 0;
  for (size_t nul = inbox_.find('\0'); nul != std::string::npos; nul = inbox_.find('\0', start)) {
    std::optional<JsonValue> message =
        ParseJson(std::string_view(inbox_).substr(start, nul - start));
    start = nul + 1;
    if (!message || !message->is_object()) continue;  // not ours to judge; replies are awaited
    if (message->Find("id") != nullptr) {
      replies_.push_back(std::move(*message));
    } else {
      HandleEvent(*message);
    }
  }
  inbox_.erase(0, start);
  return true;
}

void DevToolsBrowser::HandleEvent(const JsonValue& message) {
  const std::string method = message.StringAt("method").value_or("");
  const JsonValue* params = message.Find("params");
  if (params == nullptr) return;
  if (message.StringAt("sessionId").value_or("") != session_id_) return;  // another target
  if (method == "Page.loadEventFired") {
    ++load_events_;
  } else if (method == "Runtime.consoleAPICalled") {
    std::string line = "console." + params->StringAt("type").value_or("log") + ":";
    if (const JsonValue* args = params->Find("args"); args != nullptr && args->is_array()) {
      for (const JsonValue& arg : args->array) line += " " + RemoteObjectText(arg);
    }
    console_.push_back(std::move(line));
  } else if (method == "Log.entryAdded") {
    if (const JsonValue* entry = params->Find("entry")) {
      std::string line = "log " + entry->StringAt("source").value_or("?") + " " +
                         entry->StringAt("level").value_or("?") + ": " +
                         entry->StringAt("text").value_or("");
      if (auto url = entry->StringAt("url"); url && !url->empty()) line += " (" + *url + ")";
      console_.push_back(std::move(line));
    }
  } else if (method == "Runtime.exceptionThrown") {
    if (const JsonValue* details = params->Find("exceptionDetails")) {
      console_.push_back("exception: " + ExceptionText(*details));
    }
  }
}

std::optional<JsonValue> DevToolsBrowser::Await(int id, Deadline deadline) {
  if (id == 0) return std::nullopt;  // Send() failed and said why
  while (true) {
    for (auto it = replies_.begin(); it != replies_.end(); ++it) {
      const std::optional<double> reply_id = it->NumberAt("id");
      if (!reply_id || static_cast<int>(*reply_id) != id) continue;
      JsonValue reply = std::move(*it);
      replies_.erase(it);
      if (const JsonValue* err = reply.Find("error")) {
        error_ = "DevTools error: " + err->StringAt("message").value_or("?");
        if (auto data = err->StringAt("data")) error_ += " (" + *data + ")";
        return std::nullopt;
      }
      const JsonValue* result = reply.Find("result");
      return result != nullptr ? *result : JsonValue{};
    }
    if (Clock::now() >= deadline) {
      error_ = "no DevTools reply to command " + std::to_string(id) + " in time";
      return std::nullopt;
    }
    if (!Pump(deadline)) return std::nullopt;
  }
}

std::optional<JsonValue> DevToolsBrowser::Call(std::string_view method,
                                               std::string_view params_json, bool to_page,
                                               Deadline deadline) {
  std::optional<JsonValue> result = Await(Send(method, params_json, to_page), deadline);
  if (!result) error_ = std::string(method) + ": " + error_;
  return result;
}

bool DevToolsBrowser::Navigate(const std::string& url, Timeout timeout) {
  const Deadline deadline = DeadlineIn(timeout);
  // Counted from before the command: a small page may fire its load event before the reply.
  const uint64_t loads_before = load_events_;
  std::optional<JsonValue> result =
      Call("Page.navigate", R"({"url":)" + JsonQuote(url) + "}", true, deadline);
  if (!result) return false;
  if (auto text = result->StringAt("errorText"); text && !text->empty()) {
    error_ = "navigating to " + url + ": " + *text;
    return false;
  }
  while (load_events_ == loads_before) {
    if (Clock::now() >= deadline) {
      error_ = "no load event for " + url + " in time";
      return false;
    }
    if (!Pump(deadline)) return false;
  }
  return true;
}

std::optional<std::string> DevToolsBrowser::Evaluate(std::string_view js, Timeout timeout) {
  // Evaluated as the console does: statements allowed, the last one's value is the result.
  std::optional<JsonValue> result =
      Call("Runtime.evaluate",
           R"({"expression":)" + JsonQuote(js) +
               R"(,"returnByValue":true,"awaitPromise":true,"userGesture":true})",
           true, DeadlineIn(timeout));
  if (!result) return std::nullopt;
  if (const JsonValue* details = result->Find("exceptionDetails")) {
    error_ = "evaluating `" + std::string(js) + "` threw: " + ExceptionText(*details);
    return std::nullopt;
  }
  const JsonValue* remote = result->Find("result");
  if (remote == nullptr) {
    error_ = "Runtime.evaluate answered no result for `" + std::string(js) + "`";
    return std::nullopt;
  }
  if (const JsonValue* value = remote->Find("value")) return JsonText(*value);
  // undefined has no value; NaN, Infinity, -0 and bigints come as unserializableValue, which
  // JSON.stringify would turn into null too (or refuse, for a bigint).
  return "null";
}

std::optional<JsonValue> DevToolsBrowser::EvaluateJson(std::string_view js, Timeout timeout) {
  std::optional<std::string> text = Evaluate(js, timeout);
  if (!text) return std::nullopt;
  std::optional<JsonValue> value = ParseJson(*text);
  if (!value) error_ = "not JSON: " + *text;
  return value;
}

bool DevToolsBrowser::WaitFor(std::string_view js_condition, Timeout timeout) {
  const Deadline deadline = DeadlineIn(timeout);
  std::string last_error;
  while (true) {
    const Timeout left =
        std::max(Timeout(1'000), std::chrono::duration_cast<Timeout>(deadline - Clock::now()));
    std::optional<std::string> value = Evaluate(js_condition, left);
    if (value == "true") return true;
    if (!value) last_error = error_;
    if (Clock::now() >= deadline) {
      error_ = "timed out waiting for `" + std::string(js_condition) + "`";
      if (value) error_ += " (last value " + *value + ")";
      if (!last_error.empty()) error_ += "; last error: " + last_error;
      return false;
    }
    if (from_browser_ < 0) return false;  // the browser is gone: error_ says so
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool DevToolsBrowser::Screenshot(const std::string& path, Timeout timeout) {
  std::optional<JsonValue> result =
      Call("Page.captureScreenshot", R"({"format":"png"})", true, DeadlineIn(timeout));
  if (!result) return false;
  std::optional<std::string> png = DecodeBase64(result->StringAt("data").value_or(""));
  if (!png || png->empty()) {
    error_ = "Page.captureScreenshot answered no base64 data";
    return false;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(png->data(), static_cast<std::streamsize>(png->size()));
  out.close();
  if (!out) {
    error_ = "cannot write " + path;
    return false;
  }
  return true;
}

void DevToolsBrowser::Stop() {
  for (int* fd : {&to_browser_, &from_browser_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  process_.Stop();
}

DevToolsBrowser::~DevToolsBrowser() {
  if (::testing::Test::HasFailure() && process_.has_directory()) {
    std::cerr << "--- chromium: the page's console:\n";
    for (const std::string& line : console_) std::cerr << "  " << line << "\n";
    std::cerr << "--- the end of its log:\n" << process_.LogTail(30) << "---\n";
  }
  Stop();
}

}  // namespace rampart::test
