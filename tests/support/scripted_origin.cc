#include "support/scripted_origin.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace rampart::test {
namespace {

constexpr size_t kMaxHeadBytes = 1 << 20;  // a head larger than this closes the connection
constexpr size_t kChunkPieces = 3;         // a chunked body goes out in (up to) this many chunks

void InitThreadsOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Idempotent with Origin's call: the same callbacks are installed again.
    evthread_use_pthreads();
    // rampart may close a backend connection while the origin writes: EPIPE, not a signal.
    signal(SIGPIPE, SIG_IGN);
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> ParseNumber(std::string_view s, int base = 10) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
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
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

// "W/\"x\"" and "\"x\"" compare equal (weak comparison, RFC 9110 §8.8.3.2).
std::string_view Opaque(std::string_view tag) {
  tag = Trim(tag);
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

bool IfNoneMatchMatches(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = Trim(header.substr(pos, comma - pos));
    if (item == "*" || (!item.empty() && Opaque(item) == Opaque(etag))) return true;
    pos = comma + 1;
  }
  return false;
}

bool Bodiless(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

std::string HttpDate(int64_t seconds) {
  time_t t = static_cast<time_t>(seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return std::string(buf, n);
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  std::string s(Trim(text));
  tm parts{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&parts));
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

// One accepted connection; lives on the loop thread. Freed through ScriptedOrigin::Forget,
// always as the last thing a callback does.
struct ScriptedOrigin::Connection {
  ScriptedOrigin* origin = nullptr;
  uint64_t id = 0;
  bufferevent* bev = nullptr;
  event* timer = nullptr;
  std::string in;       // bytes read and not yet consumed
  bool busy = false;    // a delayed reply is pending: later requests wait
  std::string pending;  // that reply
  bool close_after_pending = false;
  bool closing = false;  // flushing output, then freeing
  bool peer_eof = false;
  bool sent_continue = false;  // 100 Continue sent for the request being read
  bool free_me = false;

  ~Connection() {
    if (timer != nullptr) event_free(timer);
    if (bev != nullptr) bufferevent_free(bev);
  }

  evbuffer* out() const { return bufferevent_get_output(bev); }

  static void OnRead(bufferevent* /*bev*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    c->Drain();
    c->Process();
    c->Done();
  }

  static void OnWrite(bufferevent* /*bev*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    if (c->closing) c->free_me = true;
    c->Done();
  }

  static void OnEvent(bufferevent* /*bev*/, short what, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    if ((what & BEV_EVENT_ERROR) != 0) {
      c->free_me = true;
    } else if ((what & BEV_EVENT_EOF) != 0) {
      c->Drain();
      c->Process();
      c->peer_eof = true;
      if (!c->busy) c->Close();  // a pending reply is still written, then the close
    }
    c->Done();
  }

  static void OnTimer(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
    auto* c = static_cast<Connection*>(arg);
    c->busy = false;
    if (c->origin->down_) {
      c->Abort();
    } else {
      evbuffer_add(c->out(), c->pending.data(), c->pending.size());
      c->pending.clear();
      if (c->close_after_pending || c->peer_eof) {
        c->Close();
      } else {
        c->Process();
      }
    }
    c->Done();
  }

  void Done() {
    if (free_me) origin->Forget(id);  // deletes this
  }

  void Drain() {
    evbuffer* input = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(input);
    if (n == 0) return;
    size_t old = in.size();
    in.resize(old + n);
    evbuffer_remove(input, in.data() + old, n);
  }

  // Flushes what is queued, then frees.
  void Close() {
    if (closing || free_me) return;
    closing = true;
    bufferevent_disable(bev, EV_READ);
    if (timer != nullptr) event_del(timer);
    if (evbuffer_get_length(out()) == 0) free_me = true;
  }

  // Closes at once, dropping what is queued.
  void Abort() {
    if (timer != nullptr) event_del(timer);
    free_me = true;
  }

  // Answers every complete request in `in`, in order, until one is delayed.
  void Process() {
    while (!busy && !closing && !free_me) {
      if (!ProcessOne()) return;
    }
  }

  // Parses one request from `in`; false when it is not complete yet (or the connection ends).
  bool ProcessOne() {
    size_t head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      if (in.size() > kMaxHeadBytes) Abort();
      return false;
    }
    RecordedHeaders req;
    std::string_view head(in.data(), head_end);
    size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) {
      Abort();
      return false;
    }
    req.method = std::string(request_line.substr(0, sp1));
    req.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    req.version = std::string(request_line.substr(sp2 + 1));
    size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string_view::npos) end = head.size();
      std::string_view line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        req.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
      }
      pos = end + 2;
    }

    // The body.
    size_t body_start = head_end + 4;
    size_t consumed = 0;
    bool complete = false;
    if (HeaderHasToken(req.headers, "Transfer-Encoding", "chunked")) {
      size_t p = body_start;
      for (;;) {
        size_t eol = in.find("\r\n", p);
        if (eol == std::string::npos) break;
        std::string_view size_text = Trim(std::string_view(in).substr(p, eol - p));
        size_text = Trim(size_text.substr(0, size_text.find(';')));
        std::optional<uint64_t> size = ParseNumber(size_text, 16);
        if (!size) {
          Abort();
          return false;
        }
        p = eol + 2;
        if (*size == 0) {
          // Trailers until the empty line.
          size_t trailers_end = in.find("\r\n", p);
          while (trailers_end != std::string::npos && trailers_end != p) {
            p = trailers_end + 2;
            trailers_end = in.find("\r\n", p);
          }
          if (trailers_end == std::string::npos) break;
          consumed = trailers_end + 2;
          complete = true;
          break;
        }
        if (in.size() < p + *size + 2) break;
        req.body.append(in, p, *size);
        p += *size + 2;
      }
    } else {
      uint64_t length = 0;
      if (auto cl = req.Header("Content-Length")) {
        std::optional<uint64_t> parsed = ParseNumber(Trim(*cl));
        if (!parsed) {
          Abort();
          return false;
        }
        length = *parsed;
      }
      if (in.size() >= body_start + length) {
        req.body = in.substr(body_start, length);
        consumed = body_start + length;
        complete = true;
      }
    }
    if (!complete) {
      auto expect = req.Header("Expect");
      if (!sent_continue && expect && EqualsNoCase(Trim(*expect), "100-continue")) {
        evbuffer_add_printf(out(), "HTTP/1.1 100 Continue\r\n\r\n");
        sent_continue = true;
      }
      return false;
    }
    in.erase(0, consumed);
    sent_continue = false;

    if (origin->down_) {
      Abort();
      return false;
    }
    Respond(std::move(req));
    return true;
  }

  void Respond(RecordedHeaders req) {
    bool keep_alive = req.version == "HTTP/1.1"
                          ? !HeaderHasToken(req.headers, "Connection", "close")
                          : HeaderHasToken(req.headers, "Connection", "keep-alive");
    const bool head_method = req.method == "HEAD";
    ScriptedReply reply;
    {
      std::lock_guard<std::mutex> lock(origin->mu_);
      if (auto script = origin->ScriptFor(req.target)) {
        reply = std::move(*script);
      } else {
        reply.status = 404;
        reply.body = "no script for " + req.Path() + "\n";
      }
    }
    int status = reply.status;
    if (reply.honour_validators && status >= 200 && status < 300 &&
        (req.method == "GET" || head_method)) {
      auto etag = FindHeader(reply.headers, "ETag");
      auto inm = req.Header("If-None-Match");
      if (inm) {
        if (etag && IfNoneMatchMatches(*inm, *etag)) status = 304;
      } else if (auto ims = req.Header("If-Modified-Since")) {
        auto modified = FindHeader(reply.headers, "Last-Modified");
        std::optional<int64_t> ims_time = ParseHttpDate(*ims);
        std::optional<int64_t> modified_time =
            modified ? ParseHttpDate(*modified) : std::optional<int64_t>();
        if (ims_time && modified_time && *ims_time >= *modified_time) status = 304;
      }
    }
    req.replied_status = status;
    const uint64_t seq = origin->Record(req);

    const bool bodiless = Bodiless(status);
    const bool chunked = reply.chunked && !bodiless;
    std::string r =
        "HTTP/1.1 " + std::to_string(status) + " " + std::string(Reason(status)) + "\r\n";
    if (!FindHeader(reply.headers, "Date")) r += "Date: " + HttpDate(UnixNow()) + "\r\n";
    for (const auto& [n, v] : reply.headers) r += n + ": " + v + "\r\n";
    if (chunked) {
      r += "Transfer-Encoding: chunked\r\n";
    } else if (status != 304 && status != 204 && status >= 200) {
      r += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    }
    r += "X-Scripted-Seq: " + std::to_string(seq) + "\r\n";
    if (!keep_alive) r += "Connection: close\r\n";
    r += "\r\n";
    if (!bodiless && !head_method) {
      if (chunked) {
        const std::string& b = reply.body;
        size_t piece = std::max<size_t>(1, (b.size() + kChunkPieces - 1) / kChunkPieces);
        for (size_t off = 0; off < b.size(); off += piece) {
          size_t take = std::min(piece, b.size() - off);
          char size_line[32];
          int n = std::snprintf(size_line, sizeof size_line, "%zx\r\n", take);
          r.append(size_line, static_cast<size_t>(n));
          r.append(b, off, take);
          r += "\r\n";
        }
        r += "0\r\n\r\n";
      } else {
        r += reply.body;
      }
    }
    if (reply.delay_ms > 0) {
      busy = true;
      pending = std::move(r);
      close_after_pending = !keep_alive;
      if (timer == nullptr) timer = evtimer_new(bufferevent_get_base(bev), &OnTimer, this);
      timeval tv{reply.delay_ms / 1000, static_cast<suseconds_t>((reply.delay_ms % 1000) * 1000)};
      evtimer_add(timer, &tv);
      return;
    }
    evbuffer_add(out(), r.data(), r.size());
    if (!keep_alive) Close();
  }
};

ScriptedOrigin::ScriptedOrigin() {
  InitThreadsOnce();
  base_ = event_base_new();
  if (base_ == nullptr) throw std::runtime_error("scripted origin: event_base_new failed");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = 0;
  listener_ =
      evconnlistener_new_bind(base_, &ScriptedOrigin::OnAccept, this,
                              LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
                              128, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  if (listener_ == nullptr) {
    std::string why = strerror(errno);
    event_base_free(base_);
    throw std::runtime_error("scripted origin: cannot listen on 127.0.0.1: " + why);
  }
  sockaddr_in bound{};
  socklen_t len = sizeof bound;
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.sin_port);
  thread_ = std::thread([this] { event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY); });
}

namespace {
void BreakLoop(evutil_socket_t /*fd*/, short /*what*/, void* arg) {
  event_base_loopbreak(static_cast<event_base*>(arg));
}
}  // namespace

ScriptedOrigin::~ScriptedOrigin() {
  // An activated event survives until the loop runs it (unlike a loopbreak issued before the
  // loop has started).
  event* stop = event_new(base_, -1, 0, &BreakLoop, base_);
  event_active(stop, 0, 0);
  thread_.join();
  event_free(stop);
  live_.clear();
  evconnlistener_free(listener_);
  event_base_free(base_);
}

void ScriptedOrigin::OnAccept(evconnlistener* /*listener*/, int fd, sockaddr* /*addr*/, int /*len*/,
                              void* arg) {
  static_cast<ScriptedOrigin*>(arg)->Accept(fd);
}

void ScriptedOrigin::Accept(int fd) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++accepted_;
  }
  if (down_) {
    close(fd);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto conn = std::make_unique<Connection>();
  conn->origin = this;
  conn->id = next_id_++;
  conn->bev = bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(conn->bev, &Connection::OnRead, &Connection::OnWrite, &Connection::OnEvent,
                    conn.get());
  bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
  live_.emplace(conn->id, std::move(conn));
}

void ScriptedOrigin::Forget(uint64_t id) { live_.erase(id); }

void ScriptedOrigin::SetDown(bool down) {
  down_ = down;
  // event_base_once is safe from other threads once evthread_use_pthreads() has run.
  if (down) event_base_once(base_, -1, EV_TIMEOUT, &ScriptedOrigin::CloseIdle, this, nullptr);
}

void ScriptedOrigin::CloseIdle(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<ScriptedOrigin*>(arg);
  // Every connection goes, a pending (delayed) reply with it.
  self->live_.clear();
}

void ScriptedOrigin::Set(std::string path, ScriptedReply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  scripts_[std::move(path)] = std::move(reply);
}

std::optional<ScriptedReply> ScriptedOrigin::ScriptFor(const std::string& target) const {
  if (auto it = scripts_.find(target); it != scripts_.end()) return it->second;
  if (auto it = scripts_.find(target.substr(0, target.find('?'))); it != scripts_.end()) {
    return it->second;
  }
  return std::nullopt;
}

uint64_t ScriptedOrigin::Record(RecordedHeaders request) {
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

bool ScriptedOrigin::Matches(const RecordedHeaders& r, std::string_view path) {
  if (path.find('?') != std::string_view::npos) return r.target == path;
  return r.Path() == path;
}

int ScriptedOrigin::Count(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(
      std::count_if(requests_.begin(), requests_.end(),
                    [&](const RecordedHeaders& r) { return Matches(r, path); }));
}

std::vector<RecordedHeaders> ScriptedOrigin::Requests(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RecordedHeaders> out;
  for (const RecordedHeaders& r : requests_) {
    if (Matches(r, path)) out.push_back(r);
  }
  return out;
}

std::vector<RecordedHeaders> ScriptedOrigin::AllRequests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t ScriptedOrigin::TotalCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_.size();
}

bool ScriptedOrigin::WaitForCount(std::string_view path, int n, Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, DeadlineIn(timeout), [&] {
    return std::count_if(requests_.begin(), requests_.end(),
                         [&](const RecordedHeaders& r) { return Matches(r, path); }) >= n;
  });
}

size_t ScriptedOrigin::AcceptedConnections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

}  // namespace rampart::test
