#include "support/origin.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "support/payload.h"

namespace rampart::test {
namespace {

constexpr size_t kMaxHeadBytes = 1 << 20;  // a head larger than this is refused
constexpr size_t kMaxChunkLine = 4096;
constexpr uint64_t kMaxDelayMs = 120'000;
constexpr int kChunkPieceIntervalMs = 5;
// How long Origin(port) keeps retrying a port that is still in use (a predecessor closing).
constexpr Timeout kRebindPatience{5'000};

void InitThreadsOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    evthread_use_pthreads();
    // rampart may close a backend connection while the origin still writes (a response it
    // blocked or cut): that write must fail with EPIPE, not kill the test process.
    signal(SIGPIPE, SIG_IGN);
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses a decimal number that fills all of `s`.
std::optional<uint64_t> ParseDecimal(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

// One accepted connection; lives on the loop thread. Freed through Origin::Forget, always as
// the last thing a callback does.
struct Origin::Connection {
  enum class State : uint8_t {
    kHead,           // reading a request head
    kBodyLength,     // reading `remaining` body bytes
    kChunkSize,      // reading a chunk-size line
    kChunkData,      // reading `remaining` chunk bytes
    kChunkDataCrlf,  // reading the CRLF after chunk data
    kTrailers,       // reading trailer lines until the empty one
    kResponding,     // a reply is pending (delay, hang, chunk stream); input waits
    kTunnel,         // after a WebSocket handshake: echo every byte
    kClosing,        // flushing output, then closing
  };
  enum class TimerUse : uint8_t { kDelay, kChunkPiece };

  Origin* origin = nullptr;
  uint64_t id = 0;
  bufferevent* bev = nullptr;
  event* timer = nullptr;
  TimerUse timer_use = TimerUse::kDelay;
  State state = State::kHead;
  uint64_t seen_input = 0;  // input length when processing last stopped
  uint64_t requests = 0;
  bool peer_eof = false;
  bool free_me = false;

  // The request being read.
  RecordedRequest req;
  StreamChecksum sum;
  bool store_body = true;
  uint64_t remaining = 0;
  bool keep_alive = true;
  bool http10 = false;
  bool head_method = false;
  uint64_t seq = 0;
  size_t next_piece = 0;

  ~Connection() {
    if (timer != nullptr) event_free(timer);
    if (bev != nullptr) bufferevent_free(bev);
  }

  evbuffer* in() const { return bufferevent_get_input(bev); }
  evbuffer* out() const { return bufferevent_get_output(bev); }

  static void OnRead(bufferevent* /*bev*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    c->CountInput();
    c->Process();
    c->Done();
  }

  static void OnWrite(bufferevent* /*bev*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    if (c->state == State::kClosing) c->free_me = true;
    c->Done();
  }

  static void OnEvent(bufferevent* /*bev*/, short what, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    if ((what & BEV_EVENT_ERROR) != 0) {
      c->free_me = true;
    } else if ((what & BEV_EVENT_EOF) != 0) {
      c->CountInput();
      c->Process();
      c->peer_eof = true;
      // A pending reply is still sent; everything else ends here.
      if (c->state != State::kResponding) c->Close();
    }
    c->Done();
  }

  static void OnTimer(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    if (c->timer_use == TimerUse::kDelay) {
      c->SendSimple(200, std::string(kDefaultBody), {});
      c->AfterReply();
    } else {
      c->SendNextPiece();
    }
    if (c->state == State::kHead) c->Process();
    c->Done();
  }

  void Done() {
    if (!free_me) seen_input = evbuffer_get_length(in());
    if (free_me) origin->Forget(id);  // deletes this
  }

  void CountInput() {
    uint64_t len = evbuffer_get_length(in());
    if (len > seen_input) origin->CountBytes(id, len - seen_input, false);
    seen_input = len;
  }

  // Flushes what is queued, then closes.
  void Close() {
    if (state == State::kClosing || free_me) return;
    state = State::kClosing;
    bufferevent_disable(bev, EV_READ);
    if (timer != nullptr) event_del(timer);
    if (evbuffer_get_length(out()) == 0) free_me = true;
  }

  void Process() {
    // Bounded: each step consumes input or changes state; a stuck step returns false.
    for (int guard = 0; guard < 1'000'000 && !free_me; ++guard) {
      if (!Step()) break;
    }
  }

  bool Step() {
    switch (state) {
      case State::kHead:
        return ReadHead();
      case State::kBodyLength: {
        uint64_t take = std::min<uint64_t>(remaining, evbuffer_get_length(in()));
        if (take == 0) return false;
        Consume(take);
        remaining -= take;
        if (remaining == 0) Complete();
        return true;
      }
      case State::kChunkSize:
        return ReadChunkSize();
      case State::kChunkData: {
        uint64_t take = std::min<uint64_t>(remaining, evbuffer_get_length(in()));
        if (take == 0) return false;
        Consume(take);
        remaining -= take;
        if (remaining == 0) state = State::kChunkDataCrlf;
        return true;
      }
      case State::kChunkDataCrlf: {
        if (evbuffer_get_length(in()) < 2) return false;
        char crlf[2];
        evbuffer_remove(in(), crlf, 2);
        if (crlf[0] != '\r' || crlf[1] != '\n') return Refuse();
        state = State::kChunkSize;
        return true;
      }
      case State::kTrailers: {
        std::optional<std::string> line = ReadLine();
        if (!line) return LineTooLong();
        if (line->empty()) {
          Complete();
        }
        return true;
      }
      case State::kTunnel:
        if (evbuffer_get_length(in()) == 0) return false;
        evbuffer_add_buffer(out(), in());
        return true;
      case State::kResponding:
      case State::kClosing:
        return false;
    }
    return false;
  }

  // nullopt: no complete line yet (or the line is over the limit: see LineTooLong()).
  std::optional<std::string> ReadLine() {
    size_t eol_len = 0;
    evbuffer_ptr p = evbuffer_search_eol(in(), nullptr, &eol_len, EVBUFFER_EOL_CRLF_STRICT);
    if (p.pos < 0) return std::nullopt;
    std::string line(static_cast<size_t>(p.pos), '\0');
    evbuffer_remove(in(), line.data(), line.size());
    evbuffer_drain(in(), eol_len);
    return line;
  }

  bool LineTooLong() {
    if (evbuffer_get_length(in()) > kMaxChunkLine) return Refuse();
    return false;
  }

  // Replies 400 and closes.
  bool Refuse() {
    keep_alive = false;
    SendSimple(400, "origin: bad framing\n", {});
    Close();
    return false;
  }

  void Consume(uint64_t n) {
    while (n > 0) {
      evbuffer_iovec vec[8];
      int count = evbuffer_peek(in(), static_cast<ev_ssize_t>(n), nullptr, vec, 8);
      if (count <= 0) return;
      uint64_t used = 0;
      for (int i = 0; i < std::min(count, 8) && used < n; ++i) {
        size_t len = std::min<uint64_t>(vec[i].iov_len, n - used);
        std::string_view piece(static_cast<const char*>(vec[i].iov_base), len);
        sum.Update(piece);
        if (store_body) req.body.append(piece);
        used += len;
      }
      evbuffer_drain(in(), used);
      n -= used;
    }
  }

  bool ReadHead() {
    // Tolerate empty lines before a request line (RFC 9112 §2.2).
    while (evbuffer_get_length(in()) >= 2) {
      char two[2];
      evbuffer_copyout(in(), two, 2);
      if (two[0] != '\r' || two[1] != '\n') break;
      evbuffer_drain(in(), 2);
    }
    evbuffer_ptr p = evbuffer_search(in(), "\r\n\r\n", 4, nullptr);
    if (p.pos < 0) {
      if (evbuffer_get_length(in()) > kMaxHeadBytes) Refuse();
      return false;
    }
    std::string head(static_cast<size_t>(p.pos) + 4, '\0');
    evbuffer_remove(in(), head.data(), head.size());
    origin->CountBytes(id, 0, true);

    req = RecordedRequest{};
    sum = StreamChecksum{};
    req.connection_id = id;
    req.index_on_connection = requests++;
    req.raw_head = head;
    std::string_view rest(head);
    rest.remove_suffix(2);  // the final CRLF; every line below ends in CRLF
    size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    size_t sp1 = line.find(' ');
    size_t sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) return Refuse();
    req.method = std::string(line.substr(0, sp1));
    req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    req.version = std::string(line.substr(sp2 + 1));
    while (!rest.empty()) {
      eol = rest.find("\r\n");
      line = rest.substr(0, eol);
      rest.remove_prefix(eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return Refuse();
      req.headers.emplace_back(std::string(line.substr(0, colon)),
                               std::string(Trim(line.substr(colon + 1))));
    }

    http10 = req.version == "HTTP/1.0";
    head_method = req.method == "HEAD";
    keep_alive = http10 ? HeaderHasToken(req.headers, "Connection", "keep-alive")
                        : !HeaderHasToken(req.headers, "Connection", "close");
    store_body = req.Path() != "/sink";

    bool has_body = false;
    if (auto te = req.Header("Transfer-Encoding")) {
      std::string lowered = Lowercase(*te);
      size_t comma = lowered.rfind(',');
      std::string_view last =
          Trim(comma == std::string::npos ? std::string_view(lowered)
                                          : std::string_view(lowered).substr(comma + 1));
      if (last != "chunked") return Refuse();
      req.chunked = true;
      state = State::kChunkSize;
      has_body = true;
    } else if (auto cl = req.Header("Content-Length")) {
      std::optional<uint64_t> n = ParseDecimal(Trim(*cl));
      if (!n) return Refuse();
      remaining = *n;
      state = State::kBodyLength;
      has_body = remaining > 0;
    }
    if (has_body) {
      auto expect = req.Header("Expect");
      if (expect && EqualsNoCase(Trim(*expect), "100-continue")) {
        evbuffer_add_printf(out(), "HTTP/1.1 100 Continue\r\n\r\n");
      }
    } else {
      Complete();
    }
    return true;
  }

  bool ReadChunkSize() {
    std::optional<std::string> line = ReadLine();
    if (!line) return LineTooLong();
    std::string_view size_text = Trim(std::string_view(*line).substr(0, line->find(';')));
    uint64_t size = 0;
    auto [ptr, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || ptr != size_text.data() + size_text.size()) {
      return Refuse();
    }
    if (size == 0) {
      state = State::kTrailers;
    } else {
      remaining = size;
      state = State::kChunkData;
    }
    return true;
  }

  void Complete() {
    req.body_bytes = sum.bytes();
    req.body_checksum = sum.Value();
    state = State::kResponding;
    if (req.Path() == "/healthz") {
      seq = 0;
      origin->CountHealthCheck();
      int status = origin->health_status_;
      SendSimple(status, "health " + std::to_string(status) + "\n", {});
      AfterReply();
      return;
    }
    seq = origin->Record(req);
    Respond();
  }

  // The path that decides the reply: /if/NAME/REST is /REST on the origin called NAME and the
  // default reply ("/") elsewhere.
  std::string EffectivePath() const {
    std::string path = req.Path();
    constexpr std::string_view kIf = "/if/";
    if (path.rfind(kIf, 0) != 0) return path;
    size_t slash = path.find('/', kIf.size());
    std::string_view name = std::string_view(path).substr(
        kIf.size(), slash == std::string::npos ? std::string::npos : slash - kIf.size());
    if (name != origin->name_ || slash == std::string::npos) return "/";
    return path.substr(slash);
  }

  // Resets the connection: SO_LINGER 0 makes the close send RST.
  void Reset() {
    linger lg{1, 0};
    setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (timer != nullptr) event_del(timer);
    free_me = true;
  }

  // Writes a head; `body_len` < 0 means no Content-Length (chunked or until close).
  void SendHead(int status, int64_t body_len, const HeaderList& extra) {
    std::string h =
        "HTTP/1.1 " + std::to_string(status) + " " + std::string(Reason(status)) + "\r\n";
    if (body_len >= 0) h += "Content-Length: " + std::to_string(body_len) + "\r\n";
    h += "Content-Type: text/plain\r\n";
    h += "X-Origin-Name: " + origin->name_ + "\r\n";
    h += "X-Origin-Conn: " + std::to_string(id) + "\r\n";
    h += "X-Origin-Seq: " + std::to_string(seq) + "\r\n";
    h += "X-Origin-Target: " + req.target + "\r\n";
    if (!keep_alive) {
      h += "Connection: close\r\n";
    } else if (http10) {
      h += "Connection: keep-alive\r\n";
    }
    for (const auto& [n, v] : extra) h += n + ": " + v + "\r\n";
    h += "\r\n";
    evbuffer_add(out(), h.data(), h.size());
  }

  void SendSimple(int status, const std::string& body, const HeaderList& extra) {
    bool bodiless = status < 200 || status == 204 || status == 304;
    SendHead(status, status == 204 ? -1 : static_cast<int64_t>(bodiless ? 0 : body.size()), extra);
    if (!bodiless && !head_method) evbuffer_add(out(), body.data(), body.size());
  }

  // After a complete reply: next request, or close.
  void AfterReply() {
    if (!keep_alive || peer_eof) {
      Close();
    } else {
      state = State::kHead;
    }
  }

  void StartTimer(TimerUse use, uint64_t ms) {
    if (timer == nullptr)
      timer = evtimer_new(bufferevent_get_base(bev), &Connection::OnTimer, this);
    timer_use = use;
    timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    evtimer_add(timer, &tv);
  }

  void SendNextPiece() {
    const std::vector<std::string>& pieces = ChunkedPieces();
    if (next_piece < pieces.size()) {
      const std::string& p = pieces[next_piece++];
      if (http10) {
        evbuffer_add(out(), p.data(), p.size());
      } else {
        evbuffer_add_printf(out(), "%zx\r\n", p.size());
        evbuffer_add(out(), p.data(), p.size());
        evbuffer_add(out(), "\r\n", 2);
      }
    }
    if (next_piece < pieces.size()) {
      StartTimer(TimerUse::kChunkPiece, kChunkPieceIntervalMs);
      return;
    }
    if (!http10) evbuffer_add(out(), "0\r\n\r\n", 5);
    AfterReply();
  }

  void Respond() {
    std::string path = EffectivePath();
    auto starts = [&](std::string_view prefix) { return path.rfind(prefix, 0) == 0; };
    auto number_after = [&](std::string_view prefix) {
      return ParseDecimal(std::string_view(path).substr(prefix.size()));
    };
    if (path == "/close") keep_alive = false;

    if (starts("/status/")) {
      std::optional<uint64_t> status = number_after("/status/");
      if (!status || *status < 100 || *status > 999) {
        SendSimple(400, "bad status\n", {});
      } else {
        int s = static_cast<int>(*status);
        SendSimple(s, "status " + std::to_string(s) + "\n", {});
      }
    } else if (starts("/delay/")) {
      std::optional<uint64_t> ms = number_after("/delay/");
      StartTimer(TimerUse::kDelay, std::min(ms.value_or(0), kMaxDelayMs));
      return;  // stays kResponding
    } else if (path == "/hang") {
      return;  // stays kResponding for good
    } else if (path == "/reset") {
      Reset();
      return;
    } else if (path == "/chunked") {
      if (http10) keep_alive = false;
      HeaderList extra;
      if (!http10) extra.emplace_back("Transfer-Encoding", "chunked");
      SendHead(200, -1, extra);
      if (head_method) {
        AfterReply();
        return;
      }
      next_piece = 0;
      SendNextPiece();
      return;
    } else if (starts("/bytes/")) {
      uint64_t n = number_after("/bytes/").value_or(0);
      SendHead(200, static_cast<int64_t>(n), {});
      if (!head_method) {
        std::string block;
        for (uint64_t off = 0; off < n; off += 64 * 1024) {
          size_t take = static_cast<size_t>(std::min<uint64_t>(64 * 1024, n - off));
          block.resize(take);
          FillPattern(off, block.data(), take);
          evbuffer_add(out(), block.data(), take);
        }
      }
    } else if (path == "/sink") {
      SendSimple(200, std::to_string(req.body_bytes) + "\n",
                 {{"X-Sink-Bytes", std::to_string(req.body_bytes)},
                  {"X-Sink-Checksum", Hex64(req.body_checksum)}});
    } else if (path == "/echo") {
      SendSimple(200, req.body, {});
    } else if (path == "/ws") {
      auto key = req.Header("Sec-WebSocket-Key");
      if (!key || !HeaderHasToken(req.headers, "Upgrade", "websocket")) {
        SendSimple(400, "not a websocket handshake\n", {});
      } else {
        std::string h =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
            WebSocketAccept(Trim(*key)) + "\r\nX-Origin-Name: " + origin->name_ +
            "\r\nX-Origin-Conn: " + std::to_string(id) + "\r\n\r\n";
        evbuffer_add(out(), h.data(), h.size());
        state = State::kTunnel;
        if (peer_eof) Close();
        return;
      }
    } else {
      SendSimple(200, std::string(kDefaultBody), {});
    }
    AfterReply();
  }
};

const std::vector<std::string>& Origin::ChunkedPieces() {
  static const std::vector<std::string> pieces = {"chunk-one;", "chunk-two-is-longer;",
                                                  "chunk-three;", "chunk-four-is-the-last."};
  return pieces;
}

std::string Origin::ChunkedBody() {
  std::string all;
  for (const std::string& p : ChunkedPieces()) all += p;
  return all;
}

Origin::Origin(uint16_t port, std::string name) : name_(std::move(name)) {
  InitThreadsOnce();
  base_ = event_base_new();
  if (base_ == nullptr) throw std::runtime_error("origin: event_base_new failed");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(port);
  // A given port may still be held for a moment (e.g. by a socket of the origin it replaces
  // that another thread is closing): retry EADDRINUSE until the patience runs out.
  Deadline deadline = DeadlineIn(kRebindPatience);
  for (;;) {
    listener_ =
        evconnlistener_new_bind(base_, &Origin::OnAccept, this,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
                                128, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    if (listener_ != nullptr || port == 0 || errno != EADDRINUSE || Clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (listener_ == nullptr) {
    std::string why = strerror(errno);
    event_base_free(base_);
    throw std::runtime_error("origin: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                             why);
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
  if (name_.empty()) name_ = std::to_string(port_);
  thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
}

namespace {
void BreakLoop(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  event_base_loopbreak(static_cast<event_base*>(arg));
}
}  // namespace

Origin::~Origin() {
  // An activated event survives until the loop runs it, unlike a loopbreak issued before the
  // loop has started (event_base_loop clears that flag on entry).
  event* stop = event_new(base_, -1, 0, &BreakLoop, base_);
  event_active(stop, 0, 0);
  thread_.join();
  event_free(stop);
  live_.clear();
  evconnlistener_free(listener_);
  event_base_free(base_);
}

void Origin::OnAccept(evconnlistener* /*listener*/, int fd, sockaddr* /*addr*/, int /*len*/,
                      void* arg) {
  static_cast<Origin*>(arg)->Accept(fd);
}

void Origin::Accept(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto conn = std::make_unique<Connection>();
  conn->origin = this;
  conn->id = next_id_++;
  conn->bev = bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ConnectionRecord rec;
    rec.id = conn->id;
    connections_.push_back(rec);
  }
  cv_.notify_all();
  bufferevent_setcb(conn->bev, &Connection::OnRead, &Connection::OnWrite, &Connection::OnEvent,
                    conn.get());
  bufferevent_enable(conn->bev, paused_ ? EV_WRITE : EV_READ | EV_WRITE);
  live_.emplace(conn->id, std::move(conn));
}

void Origin::SetReadingPaused(bool paused) {
  paused_ = paused;
  // event_base_once is safe from other threads once evthread_use_pthreads() has run.
  event_base_once(base_, -1, EV_TIMEOUT, &Origin::ApplyPause, this, nullptr);
}

void Origin::ApplyPause(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<Origin*>(arg);
  for (auto& [id, conn] : self->live_) {
    if (conn->state == Connection::State::kClosing || conn->peer_eof) continue;
    if (self->paused_) {
      bufferevent_disable(conn->bev, EV_READ);
    } else {
      bufferevent_enable(conn->bev, EV_READ);
    }
  }
}

uint64_t Origin::Record(RecordedRequest request) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    request.seq = requests_.size() + 1;
    seq = request.seq;
    requests_.push_back(std::move(request));
  }
  cv_.notify_all();
  return seq;
}

void Origin::CountHealthCheck() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++health_checks_;
  }
  cv_.notify_all();
}

size_t Origin::HealthCheckCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_checks_;
}

bool Origin::WaitForHealthChecks(size_t n, Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, DeadlineIn(timeout), [&] { return health_checks_ >= n; });
}

void Origin::CountBytes(uint64_t id, uint64_t bytes, bool head) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ConnectionRecord& rec = connections_.at(id - 1);
    rec.bytes_received += bytes;
    if (head) ++rec.heads_received;
  }
  cv_.notify_all();
}

void Origin::MarkClosed(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_.at(id - 1).closed = true;
  }
  cv_.notify_all();
}

void Origin::Forget(uint64_t id) {
  MarkClosed(id);
  live_.erase(id);
}

std::vector<RecordedRequest> Origin::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t Origin::RequestCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

bool Origin::WaitForRequests(size_t n, Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, DeadlineIn(timeout), [&] { return requests_.size() >= n; });
}

std::optional<RecordedRequest> Origin::WaitForTarget(std::string_view target,
                                                     Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<RecordedRequest> found;
  cv_.wait_until(lock, DeadlineIn(timeout), [&] {
    for (const RecordedRequest& r : requests_) {
      if (r.target == target) {
        found = r;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<RecordedRequest> Origin::LastRequest() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (requests_.empty()) return std::nullopt;
  return requests_.back();
}

std::vector<ConnectionRecord> Origin::Connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_;
}

size_t Origin::AcceptedConnections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_.size();
}

uint64_t Origin::BytesReceived() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const ConnectionRecord& c : connections_) total += c.bytes_received;
  return total;
}

uint64_t Origin::HeadsReceived() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const ConnectionRecord& c : connections_) total += c.heads_received;
  return total;
}

bool Origin::WaitForConnectionClosed(uint64_t id, Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, DeadlineIn(timeout), [&] {
    return id >= 1 && id <= connections_.size() && connections_[id - 1].closed;
  });
}

std::string WebSocketAccept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &digest_len, EVP_sha1(), nullptr) != 1) {
    return {};
  }
  unsigned char out[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, static_cast<int>(digest_len));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

}  // namespace rampart::test
