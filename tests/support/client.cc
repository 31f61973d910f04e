#include "support/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <utility>

namespace rampart::test {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Client::~Client() { Close(); }

Client::Client(Client&& other) noexcept { *this = std::move(other); }

Client& Client::operator=(Client&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
    connect_errno_ = other.connect_errno_;
    eof_ = other.eof_;
    reset_ = other.reset_;
    in_ = std::move(other.in_);
    error_ = std::move(other.error_);
  }
  return *this;
}

bool Client::Connect(uint16_t port, Timeout timeout) { return ConnectFrom({}, port, timeout); }

bool Client::ConnectFrom(const std::string& source_ip, uint16_t port, Timeout timeout) {
  Close();
  Deadline deadline = DeadlineIn(timeout);
  port_ = port;
  eof_ = reset_ = false;
  in_.clear();
  error_.clear();
  connect_errno_ = 0;
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    connect_errno_ = errno;
    error_ = "socket: " + std::string(strerror(errno));
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source_ip.empty()) {
    sockaddr_in src{};
    src.sin_family = AF_INET;
    bool parsed = inet_pton(AF_INET, source_ip.c_str(), &src.sin_addr) == 1;
    if (!parsed || bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      connect_errno_ = parsed ? errno : EINVAL;
      error_ = "bind to source " + source_ip + ": " + strerror(connect_errno_);
      ::close(fd_);
      fd_ = -1;
      return false;
    }
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(port);
  int rc = connect(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (rc != 0 && errno != EINPROGRESS) {
    connect_errno_ = errno;
  } else if (rc != 0) {
    pollfd p{fd_, POLLOUT, 0};
    int n = poll(&p, 1, PollMs(deadline));
    if (n <= 0) {
      connect_errno_ = ETIMEDOUT;
    } else {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      connect_errno_ = err;
    }
  }
  if (connect_errno_ != 0) {
    error_ = "connect to 127.0.0.1:" + std::to_string(port) + ": " + strerror(connect_errno_);
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

void Client::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Client::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

bool Client::Send(std::string_view bytes, Timeout timeout) {
  return SendSome(bytes, timeout) == bytes.size();
}

size_t Client::SendSome(std::string_view bytes, Timeout timeout) {
  if (fd_ < 0) {
    error_ = "send: not connected";
    return 0;
  }
  Deadline deadline = DeadlineIn(timeout);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (Clock::now() >= deadline) {
        error_ = "send: timeout";
        return sent;
      }
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, PollMs(deadline));
      continue;
    }
    if (n < 0 && errno == ECONNRESET) reset_ = true;
    error_ = "send: " + std::string(n < 0 ? strerror(errno) : "wrote nothing");
    return sent;
  }
  return sent;
}

bool Client::Fill(Deadline deadline) {
  if (fd_ < 0) {
    error_ = "read: not connected";
    return false;
  }
  if (eof_) {
    error_ = "read: connection closed by peer";
    return false;
  }
  char buf[64 * 1024];
  while (true) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      eof_ = true;
      error_ = "read: connection closed by peer";
      return false;
    }
    if (errno == ECONNRESET) {
      eof_ = reset_ = true;
      error_ = "read: connection reset by peer";
      return false;
    }
    if (errno != EAGAIN && errno != EINTR) {
      eof_ = true;
      error_ = "read: " + std::string(strerror(errno));
      return false;
    }
    if (Clock::now() >= deadline) {
      error_ = "read: timeout";
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    poll(&p, 1, PollMs(deadline));
  }
}

std::optional<std::string> Client::ReadExactly(size_t n, Timeout timeout) {
  Deadline deadline = DeadlineIn(timeout);
  while (in_.size() < n) {
    if (!Fill(deadline)) return std::nullopt;
  }
  std::string out = in_.substr(0, n);
  in_.erase(0, n);
  return out;
}

std::optional<std::string> Client::ReadUntilClose(Timeout timeout) {
  Deadline deadline = DeadlineIn(timeout);
  while (!eof_) {
    if (!Fill(deadline) && !eof_) return std::nullopt;
  }
  return std::exchange(in_, std::string());
}

bool Client::IsClosedByPeer(Timeout timeout) {
  Deadline deadline = DeadlineIn(timeout);
  while (!eof_) {
    if (!Fill(deadline) && !eof_) return false;
  }
  return true;
}

std::optional<HttpResponse> Client::ReadResponse(ReadOptions options, Timeout timeout) {
  Deadline deadline = DeadlineIn(timeout);
  // Bounded: a server can send only so many interim responses before the deadline or limit.
  for (int interim = 0; interim < 100; ++interim) {
    std::optional<HttpResponse> r = ReadOne(options, deadline);
    if (!r) return std::nullopt;
    bool is_interim = r->status >= 100 && r->status < 200 && r->status != 101;
    if (!is_interim || options.return_interim) return r;
  }
  error_ = "too many interim responses";
  return std::nullopt;
}

std::optional<HttpResponse> Client::ReadOne(const ReadOptions& options, Deadline deadline) {
  size_t pos = 0;
  auto need = [&](size_t n) {
    while (in_.size() < pos + n) {
      if (!Fill(deadline)) return false;
    }
    return true;
  };
  auto line = [&]() -> std::optional<std::string> {
    size_t scanned = pos;
    while (true) {
      size_t eol = in_.find("\r\n", scanned);
      if (eol != std::string::npos) {
        std::string l = in_.substr(pos, eol - pos);
        pos = eol + 2;
        return l;
      }
      scanned = in_.size() > 0 ? in_.size() - 1 : 0;
      scanned = std::max(scanned, pos);
      if (!Fill(deadline)) return std::nullopt;
    }
  };
  auto fail = [&](std::string why) -> std::optional<HttpResponse> {
    error_ = std::move(why);
    return std::nullopt;
  };

  HttpResponse r;
  std::optional<std::string> status_line = line();
  if (!status_line) return fail("no status line (" + error_ + "); got: " + in_.substr(0, 200));
  {
    std::string_view sl = *status_line;
    size_t sp1 = sl.find(' ');
    if (sp1 == std::string_view::npos || sl.substr(0, 5) != "HTTP/" || sl.size() < sp1 + 4) {
      return fail("bad status line: " + *status_line);
    }
    r.version = std::string(sl.substr(0, sp1));
    std::string_view code = sl.substr(sp1 + 1, 3);
    auto [ptr, ec] = std::from_chars(code.data(), code.data() + 3, r.status);
    if (ec != std::errc() || ptr != code.data() + 3) return fail("bad status: " + *status_line);
    if (sl.size() > sp1 + 4) {
      if (sl[sp1 + 4] != ' ') return fail("bad status line: " + *status_line);
      r.reason = std::string(sl.substr(sp1 + 5));
    }
  }
  while (true) {
    std::optional<std::string> l = line();
    if (!l) return fail("incomplete head (" + error_ + ")");
    if (l->empty()) break;
    if ((*l)[0] == ' ' || (*l)[0] == '\t') return fail("obs-fold in response: " + *l);
    size_t colon = l->find(':');
    if (colon == std::string::npos || colon == 0) return fail("bad header line: " + *l);
    std::string_view name = std::string_view(*l).substr(0, colon);
    if (name.back() == ' ' || name.back() == '\t') return fail("space before colon: " + *l);
    r.headers.emplace_back(std::string(name),
                           std::string(Trim(std::string_view(*l).substr(colon + 1))));
  }

  bool bodiless = options.head_request || (r.status >= 100 && r.status < 200) || r.status == 204 ||
                  r.status == 304;
  std::optional<std::string> te = r.Header("Transfer-Encoding");
  std::vector<std::string> lengths = FindHeaders(r.headers, "Content-Length");
  if (bodiless) {
    // nothing
  } else if (te) {
    std::string lowered = Lowercase(*te);
    size_t comma = lowered.rfind(',');
    std::string_view last =
        Trim(std::string_view(lowered).substr(comma == std::string::npos ? 0 : comma + 1));
    if (!lengths.empty()) return fail("response has both Content-Length and Transfer-Encoding");
    if (last == "chunked") {
      r.chunked = true;
      for (int chunks = 0;; ++chunks) {
        if (chunks > 10'000'000) return fail("too many chunks");
        std::optional<std::string> size_line = line();
        if (!size_line) return fail("incomplete chunk size line (" + error_ + ")");
        std::string_view hex = Trim(std::string_view(*size_line).substr(0, size_line->find(';')));
        uint64_t size = 0;
        auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), size, 16);
        if (hex.empty() || ec != std::errc() || ptr != hex.data() + hex.size()) {
          return fail("bad chunk size line: " + *size_line);
        }
        if (size == 0) break;
        if (!need(size + 2)) return fail("incomplete chunk (" + error_ + ")");
        r.body.append(in_, pos, size);
        pos += size;
        if (in_.compare(pos, 2, "\r\n") != 0) return fail("missing CRLF after chunk data");
        pos += 2;
      }
      while (true) {  // trailers
        std::optional<std::string> l = line();
        if (!l) return fail("incomplete trailers (" + error_ + ")");
        if (l->empty()) break;
      }
    } else {
      r.until_close = true;
    }
  } else if (!lengths.empty()) {
    uint64_t n = 0;
    for (const std::string& v : lengths) {
      uint64_t m = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), m);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
        return fail("bad Content-Length: " + v);
      }
      if (&v != &lengths.front() && m != n) return fail("conflicting Content-Length");
      n = m;
    }
    if (!need(n)) {
      return fail("body shorter than Content-Length " + std::to_string(n) + " (" + error_ + ")");
    }
    r.body = in_.substr(pos, n);
    pos += n;
  } else {
    r.until_close = true;
  }
  if (r.until_close) {
    while (!eof_) {
      if (!Fill(deadline) && !eof_) return fail("body until close: " + error_);
    }
    r.body = in_.substr(pos);
    pos = in_.size();
  }
  r.raw = in_.substr(0, pos);
  in_.erase(0, pos);
  return r;
}

std::optional<HttpResponse> Client::Request(std::string_view method, std::string_view target,
                                            const HeaderList& headers, std::string_view body,
                                            Timeout timeout) {
  Deadline deadline = DeadlineIn(timeout);
  if (!Send(BuildRequest(method, target, port_, headers, body), timeout)) return std::nullopt;
  ReadOptions options;
  options.head_request = method == "HEAD";
  auto left = std::chrono::duration_cast<Timeout>(deadline - Clock::now());
  return ReadResponse(options, std::max(left, Timeout(0)));
}

std::optional<HttpResponse> Client::Get(std::string_view target, const HeaderList& headers,
                                        Timeout timeout) {
  return Request("GET", target, headers, {}, timeout);
}

std::optional<HttpResponse> Client::Post(std::string_view target, std::string_view body,
                                         const HeaderList& headers, Timeout timeout) {
  return Request("POST", target, headers, body, timeout);
}

std::string BuildRequest(std::string_view method, std::string_view target, uint16_t port,
                         const HeaderList& headers, std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!FindHeader(headers, "Host")) out += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [n, v] : headers) out += n + ": " + v + "\r\n";
  if (!body.empty() && !FindHeader(headers, "Content-Length") &&
      !FindHeader(headers, "Transfer-Encoding")) {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  out += "\r\n";
  out.append(body);
  return out;
}

std::string ChunkBody(std::string_view body, size_t chunk_size) {
  std::string out;
  char size_line[32];
  while (!body.empty()) {
    size_t take = std::min(chunk_size, body.size());
    int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", take);
    out.append(size_line, static_cast<size_t>(n));
    out.append(body.substr(0, take));
    out += "\r\n";
    body.remove_prefix(take);
  }
  out += "0\r\n\r\n";
  return out;
}

std::optional<HttpResponse> HttpGet(uint16_t port, std::string_view target,
                                    const HeaderList& headers, Timeout timeout) {
  Client client;
  if (!client.Connect(port, timeout)) return std::nullopt;
  HeaderList with_close = headers;
  if (!FindHeader(headers, "Connection")) with_close.emplace_back("Connection", "close");
  return client.Get(target, with_close, timeout);
}

}  // namespace rampart::test
