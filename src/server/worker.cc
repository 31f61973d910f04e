#include "server/worker.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <future>

#include "net/listen_socket.h"
#include "proxy/client_accept.h"
#include "state/store.h"

namespace rampart::server {

Worker::Worker(size_t id, proxy::Metrics& metrics, net::ConnectionLimiter& limiter,
               state::Store& store, const proxy::RuntimeSource& runtime_source,
               core::WorkPool& offload_pool)
    : store_(store) {
  context_.id = id;
  context_.base = loop_.base();
  context_.metrics = &metrics;
  context_.limiter = &limiter;
  context_.runtime_source = &runtime_source;
  context_.offload_pool = &offload_pool;
}

Worker::~Worker() {
  Join();
  for (evconnlistener* l : listeners_) evconnlistener_free(l);
  context_.connection_pool.Clear();
}

core::Result<std::vector<net::SocketAddress>> Worker::Listen(
    const std::vector<net::SocketAddress>& addresses, const std::vector<bool>& proxy_protocol) {
  std::vector<net::SocketAddress> bound;
  for (size_t i = 0; i < addresses.size(); ++i) {
    const net::SocketAddress& address = addresses[i];
    auto fd = net::OpenListenSocket(address);
    if (!fd.ok()) return fd.error();
    auto local = net::LocalAddress(fd.value());
    if (!local.ok()) {
      close(fd.value());
      return local.error();
    }
    listener_tags_.push_back(std::make_unique<ListenerTag>(
        ListenerTag{this, i, i < proxy_protocol.size() && proxy_protocol[i]}));
    evconnlistener* listener =
        evconnlistener_new(loop_.base(), &Worker::OnAccept, listener_tags_.back().get(),
                           LEV_OPT_CLOSE_ON_FREE, -1, fd.value());
    if (listener == nullptr) {
      close(fd.value());
      return core::MakeError("cannot listen on " + address.ToString());
    }
    listeners_.push_back(listener);
    bound.push_back(local.value());
  }
  return bound;
}

void Worker::Start() {
  thread_ = std::thread([this] {
    // Access- and attack-log lines reach their files within about a second.
    event* flush = event_new(
        loop_.base(), -1, EV_PERSIST,
        [](int, short, void* arg) { static_cast<proxy::WorkerContext*>(arg)->FlushLogs(); },
        &context_);
    const timeval one_second{1, 0};
    event_add(flush, &one_second);
    store_.AttachThread(loop_.base());  // this thread's Redis connection, when there is one
    loop_.Run();
    event_free(flush);
    // Whatever is left when the loop ends (drain deadline): close it, then let the loop run
    // once more to free the closed sessions (their deletion is deferred to the loop).
    auto sessions = context_.sessions;
    for (proxy::ClientConnection* s : sessions) s->ForceClose();
    context_.connection_pool.Clear();
    event_base_loop(loop_.base(), EVLOOP_NONBLOCK);
    store_.DetachThread();
    context_.FlushLogs();
    finished_.store(true, std::memory_order_release);
  });
}

void Worker::Drain() {
  // Wait until the worker has closed its listening sockets, so that once the caller logs
  // "draining" no new connection can get in.
  std::promise<void> listeners_closed;
  std::future<void> done = listeners_closed.get_future();
  loop_.Post([this, &listeners_closed] { DrainOnLoop(listeners_closed); });
  done.wait();
}

void Worker::DrainOnLoop(std::promise<void>& listeners_closed) {
  context_.draining = true;
  // Close the listening sockets (not just stop accepting): new connections are then refused at
  // once instead of waiting in the backlog until the process exits.
  for (evconnlistener* l : listeners_) evconnlistener_free(l);
  listeners_.clear();
  listeners_closed.set_value();
  context_.connection_pool.Clear();
  context_.on_drained = [this] { loop_.Stop(); };
  // OnDrain may close (and unregister) a session: iterate over a copy.
  auto sessions = context_.sessions;
  for (proxy::ClientConnection* s : sessions) s->OnDrain();
  if (context_.sessions.empty()) loop_.Stop();
}

void Worker::StopNow() { loop_.Stop(); }

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::OnAccept(evconnlistener* /*listener*/, int fd, sockaddr* peer, int /*peer_len*/,
                      void* arg) {
  const auto* tag = static_cast<const ListenerTag*>(arg);
  tag->worker->Accept(fd, peer, *tag);
}

void Worker::Accept(int fd, const sockaddr* peer, const ListenerTag& tag) {
  net::SocketAddress address;
  std::memcpy(&address.storage, peer,
              peer->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
  std::string ip = address.IpString();
  switch (context_.limiter->TryAcquire(ip)) {
    case net::ConnectionLimiter::Verdict::kAccepted:
      break;
    case net::ConnectionLimiter::Verdict::kGlobalLimit:
      context_.metrics->CountRejectedConnection(proxy::ConnectionRejection::kGlobalLimit);
      close(fd);
      return;
    case net::ConnectionLimiter::Verdict::kPerClientLimit:
      context_.metrics->CountRejectedConnection(proxy::ConnectionRejection::kPerClientLimit);
      close(fd);
      return;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  evutil_make_socket_nonblocking(fd);
  proxy::ConnectionInfo info;
  info.peer_ip = std::move(ip);
  info.peer_port = address.port();
  info.listener = tag.listener;
  info.proxy_protocol = tag.proxy_protocol;
  if (auto local = net::LocalAddress(fd); local.ok()) {
    info.local = {local.value().IpString(), local.value().port()};
  }
  proxy::AcceptClient(context_, fd, std::move(info));
}

}  // namespace rampart::server
