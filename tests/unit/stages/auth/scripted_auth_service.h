#pragma once
// A tiny auth service on 127.0.0.1, served by the test's own event_base, for tests of forward
// auth: it records each request head it receives and answers from a script. Shared by the
// forward-auth client tests (which need responses split in paced pieces, and connections left
// open) and the auth stage tests (which need one whole response, then a close).

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <utility>
#include <vector>

namespace rampart::test {

class ScriptedAuthService {
 public:
  explicit ScriptedAuthService(event_base* base) : base_(base) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener_ = evconnlistener_new_bind(base, &ScriptedAuthService::OnAccept, this,
                                        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                        reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    EXPECT_NE(listener_, nullptr);
    if (listener_ == nullptr) return;
    socklen_t length = sizeof sin;
    getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&sin), &length);
    port_ = ntohs(sin.sin_port);
  }

  ~ScriptedAuthService() {
    while (!connections_.empty()) Close(&connections_.front());
    if (listener_ != nullptr) evconnlistener_free(listener_);
  }

  ScriptedAuthService(const ScriptedAuthService&) = delete;
  ScriptedAuthService& operator=(const ScriptedAuthService&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(const std::string& path = "/verify") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  size_t open_connections() const { return connections_.size(); }

  // The script, read afresh by each connection once a whole request head has arrived. The
  // pieces are written one after another, a few ms apart so that they arrive in separate reads;
  // with no pieces the service never answers (for timeouts).
  std::vector<std::string> pieces;
  // Close the connection once the last piece is written; otherwise the client has to.
  bool close_after = false;

  // The common case: one whole response, then close.
  void Answer(std::string response) {
    pieces = {std::move(response)};
    close_after = true;
  }

  std::vector<std::string> requests;  // every request head received, in order
  size_t accepted = 0;

 private:
  struct Connection {
    ScriptedAuthService* owner = nullptr;
    bufferevent* bev = nullptr;
    event* pacer = nullptr;  // writes the next piece
    std::string received;
    size_t next_piece = 0;
    bool answering = false;
  };

  static void OnAccept(evconnlistener* /*listener*/, evutil_socket_t fd, sockaddr* /*peer*/,
                       int /*peer_len*/, void* arg) {
    auto* self = static_cast<ScriptedAuthService*>(arg);
    ++self->accepted;
    Connection& c = self->connections_.emplace_back();
    c.owner = self;
    c.bev = bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE);
    c.pacer = evtimer_new(self->base_, &ScriptedAuthService::OnPacer, &c);
    bufferevent_setcb(c.bev, &ScriptedAuthService::OnRead, &ScriptedAuthService::OnWritten,
                      &ScriptedAuthService::OnEvent, &c);
    bufferevent_enable(c.bev, EV_READ | EV_WRITE);
  }

  static void OnRead(bufferevent* bev, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    const size_t length = evbuffer_get_length(input);
    const size_t old_size = c->received.size();
    c->received.resize(old_size + length);
    evbuffer_remove(input, c->received.data() + old_size, length);
    const size_t end = c->received.find("\r\n\r\n");
    if (c->answering || end == std::string::npos) return;
    c->answering = true;  // one answer per connection; a body or a second request is ignored
    c->owner->requests.push_back(c->received.substr(0, end + 4));
    // The first piece goes out at once, so a one-piece answer is written straight from here.
    if (!c->owner->pieces.empty()) OnPacer(-1, 0, c);
  }

  static void OnPacer(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    const std::vector<std::string>& pieces = c->owner->pieces;
    if (c->next_piece >= pieces.size()) return;  // the script was shortened meanwhile
    const std::string& piece = pieces[c->next_piece++];
    bufferevent_write(c->bev, piece.data(), piece.size());
    if (c->next_piece < pieces.size()) {
      const timeval pause{0, 5'000};
      evtimer_add(c->pacer, &pause);
    }
  }

  static void OnWritten(bufferevent* /*bev*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    ScriptedAuthService* self = c->owner;
    // Only once everything is flushed: closing earlier could drop the answer's tail.
    if (self->close_after && c->answering && c->next_piece == self->pieces.size()) self->Close(c);
  }

  static void OnEvent(bufferevent* /*bev*/, short /*what*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    c->owner->Close(c);  // EOF or error: the client closed its side
  }

  void Close(Connection* c) {
    bufferevent_free(c->bev);
    event_free(c->pacer);
    connections_.remove_if([c](const Connection& x) { return &x == c; });
  }

  event_base* base_;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  std::list<Connection> connections_;  // a list: callbacks hold pointers to its elements
};

}  // namespace rampart::test
