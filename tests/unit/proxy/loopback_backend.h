#pragma once
// Test helper: an HTTP/1.1 backend on a loopback port chosen by the kernel, driven by the test's
// event_base. It records what each connection received; a `responder` answers each complete
// request (head plus a Content-Length or chunked body), or the test answers by hand with Send.
// Writes wait for the socket (as a real server's would), and `blocked` records that the
// socket refused bytes, so a test can see back-pressure reach the backend. Framing is written
// here, independent of src/http (an oracle must not share the code under test). Used by one test
// on the test thread.

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rampart::proxy::testing {

class LoopbackBackend {
 public:
  struct Connection {
    int fd = -1;
    event* read_event = nullptr;
    event* write_event = nullptr;
    std::string received;
    size_t answered_up_to = 0;  // bytes of `received` already taken by answered requests
    std::string out;            // waiting for the socket
    bool eof = false;
    bool blocked = false;  // a send() returned EAGAIN
    size_t requests = 0;
  };
  // Returns the bytes to answer the request `request` (head and body as received) with.
  using Responder = std::function<std::string(const std::string& request)>;

  explicit LoopbackBackend(event_base* base, int send_buffer = 0)
      : base_(base), send_buffer_(send_buffer) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener_, 64);
    socklen_t len = sizeof addr;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_event_ = event_new(base_, listener_, EV_READ | EV_PERSIST, &OnAcceptable, this);
    event_add(accept_event_, nullptr);
  }
  ~LoopbackBackend() {
    for (auto& c : connections) CloseConnection(*c);
    event_free(accept_event_);
    close(listener_);
  }
  LoopbackBackend(const LoopbackBackend&) = delete;
  LoopbackBackend& operator=(const LoopbackBackend&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Total complete requests seen on every connection.
  size_t RequestCount() const {
    size_t n = 0;
    for (const auto& c : connections) n += c->requests;
    return n;
  }
  // Everything every connection received, in connection order.
  std::string AllReceived() const {
    std::string all;
    for (const auto& c : connections) all += c->received;
    return all;
  }

  void Send(Connection& c, const std::string& bytes) {
    c.out += bytes;
    Write(c);
  }
  void CloseConnection(Connection& c) {
    if (c.fd < 0) return;
    event_free(c.read_event);
    event_free(c.write_event);
    close(c.fd);
    c.fd = -1;
  }

  Responder responder;
  std::vector<std::unique_ptr<Connection>> connections;

 private:
  struct Callback {
    LoopbackBackend* backend;
    Connection* connection;
  };

  static void OnAcceptable(evutil_socket_t fd, short, void* arg) {
    auto* self = static_cast<LoopbackBackend*>(arg);
    while (true) {
      const int conn = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (conn < 0) return;
      if (self->send_buffer_ > 0) {
        setsockopt(conn, SOL_SOCKET, SO_SNDBUF, &self->send_buffer_, sizeof self->send_buffer_);
      }
      auto c = std::make_unique<Connection>();
      c->fd = conn;
      auto* cb = new Callback{self, c.get()};
      self->callbacks_.emplace_back(cb);
      c->read_event = event_new(self->base_, conn, EV_READ | EV_PERSIST, &OnReadable, cb);
      c->write_event = event_new(self->base_, conn, EV_WRITE, &OnWritable, cb);
      event_add(c->read_event, nullptr);
      self->connections.push_back(std::move(c));
    }
  }
  static void OnReadable(evutil_socket_t fd, short, void* arg) {
    auto* cb = static_cast<Callback*>(arg);
    Connection& c = *cb->connection;
    char buf[16384];
    while (true) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.received.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) {
        c.eof = true;
        event_del(c.read_event);
      }
      break;
    }
    cb->backend->AnswerComplete(c);
  }
  static void OnWritable(evutil_socket_t, short, void* arg) {
    auto* cb = static_cast<Callback*>(arg);
    cb->backend->Write(*cb->connection);
  }

  // The end of the request starting at `from` in `data`, or npos while it is incomplete.
  static size_t RequestEnd(const std::string& data, size_t from) {
    const size_t head_end = data.find("\r\n\r\n", from);
    if (head_end == std::string::npos) return std::string::npos;
    std::string head = data.substr(from, head_end - from);
    for (char& ch : head) ch = static_cast<char>(tolower(ch));
    const size_t body = head_end + 4;
    if (const size_t cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
      const size_t length = std::stoul(head.substr(cl + 17));
      return data.size() >= body + length ? body + length : std::string::npos;
    }
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      const size_t last = data.find("\r\n0\r\n\r\n", body - 2);
      return last == std::string::npos ? std::string::npos : last + 7;
    }
    return body;
  }

  void AnswerComplete(Connection& c) {
    while (true) {
      const size_t end = RequestEnd(c.received, c.answered_up_to);
      if (end == std::string::npos) return;
      const std::string request = c.received.substr(c.answered_up_to, end - c.answered_up_to);
      c.answered_up_to = end;
      ++c.requests;
      if (responder) Send(c, responder(request));
    }
  }

  void Write(Connection& c) {
    while (!c.out.empty() && c.fd >= 0) {
      const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          c.blocked = true;
          event_add(c.write_event, nullptr);
        }
        return;
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
  }

  event_base* base_;
  int send_buffer_;
  int listener_ = -1;
  uint16_t port_ = 0;
  event* accept_event_ = nullptr;
  std::vector<std::unique_ptr<Callback>> callbacks_;
};

}  // namespace rampart::proxy::testing
