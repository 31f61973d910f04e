#include "proxy/h2_connection.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../run_loop_until.h"
#include "h2_test_client.h"
#include "loopback_backend.h"
#include "net/connection_limiter.h"
#include "proxy/access_log.h"
#include "proxy/metrics.h"
#include "proxy/runtime.h"
#include "proxy/worker_context.h"
#include "routing/route.h"
#include "routing/router.h"
#include "temp_log_file.h"
#include "upstream/pool.h"

namespace rampart::proxy {
namespace {

using testing::Fields;
using testing::H2TestClient;
using ::testing::HasSubstr;
using testing::LoopbackBackend;
using ::testing::Not;
using ::testing::StartsWith;

// A deterministic body of `size` bytes.
std::string Pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

std::string OkResponse(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The HTTP/1.1 head of a request (through the empty line).
std::string HeadOf(const std::string& request) {
  const size_t end = request.find("\r\n\r\n");
  return end == std::string::npos ? request : request.substr(0, end + 4);
}

// One H2Connection on a real event_base, between an nghttp2 client (the other end of a socket
// pair) and a loopback HTTP/1.1 backend, each stream going through a real Session. Everything
// runs on the test thread; the loop is driven until the awaited event.
class H2ConnectionTest : public ::testing::Test {
 protected:
  static constexpr char kClientIp[] = "192.0.2.7";

  void SetUp() override {
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    worker_.base = base_;
    worker_.metrics = &metrics_;
    worker_.limiter = &limiter_;
    worker_.runtime_source = &source_;
  }

  void TearDown() override {
    client_.reset();  // the client leaves: the connection and its Sessions close
    EXPECT_TRUE(RunUntil([&] { return worker_.sessions.empty(); }))
        << worker_.sessions.size() << " connections left";
    for (int i = 0; i < 3; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(metrics_.active_connections.load(), 0);
    backend_.reset();
    worker_.connection_pool.Clear();
    event_base_free(base_);
  }

  // Publishes the runtime (one pool on the backend, one catch-all route) and connects a client.
  void Start(std::vector<nghttp2_settings_entry> settings = {}, bool auto_window = true,
             int backend_send_buffer = 0, std::shared_ptr<AccessLog> access_log = nullptr) {
    backend_ = std::make_unique<LoopbackBackend>(base_, backend_send_buffer);
    auto runtime = std::make_shared<Runtime>();
    config::PoolConfig pc;
    pc.name = "app";
    config::ServerConfig server;
    server.address = backend_->address();
    pc.servers.push_back(server);
    auto pool = upstream::Pool::Build(pc, states_);
    ASSERT_TRUE(pool.ok()) << pool.error().message;
    runtime->pools.push_back(pool.value());
    auto route = std::make_shared<routing::Route>();
    route->name = "main";
    route->path_prefix = "/";
    route->pool = "app";
    route->pool_index = 0;
    runtime->router = routing::Router({route});
    runtime->access_log = std::move(access_log);
    source_.Publish(runtime);

    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    bufferevent* bev = bufferevent_socket_new(base_, fds[0], BEV_OPT_CLOSE_ON_FREE);
    ASSERT_NE(bev, nullptr);
    ASSERT_EQ(limiter_.TryAcquire(kClientIp), net::ConnectionLimiter::Verdict::kAccepted);
    metrics_.active_connections.fetch_add(1);
    ConnectionInfo info;
    info.peer_ip = kClientIp;
    info.peer_port = 40000;
    StartHttp2Connection(worker_, bev, std::move(info));
    client_ = std::make_unique<H2TestClient>(base_, fds[1], std::move(settings), auto_window);
  }

  bool RunUntil(const std::function<bool()>& done) {
    return test::RunLoopUntil(base_, done, std::chrono::milliseconds(10000));
  }
  // Runs whatever is ready now, a few rounds, without waiting.
  void RunPending() {
    for (int i = 0; i < 20; ++i) event_base_loop(base_, EVLOOP_NONBLOCK);
  }
  // Waits for stream `id` to end and returns it.
  const H2TestClient::Stream& Await(int32_t id) {
    EXPECT_TRUE(RunUntil([&] { return client_->Done(id); })) << "stream " << id;
    return client_->streams[id];
  }
  // Asserts that stream `id` was reset with PROTOCOL_ERROR and the backend saw nothing.
  void ExpectRefused(int32_t id, const std::string& what) {
    const H2TestClient::Stream& stream = Await(id);
    EXPECT_EQ(stream.status, 0) << what;
    EXPECT_EQ(stream.error_code, static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR)) << what;
  }

  event_base* base_ = nullptr;
  upstream::StateRegistry states_;
  Metrics metrics_{1};
  net::ConnectionLimiter limiter_;
  RuntimeSource source_;
  WorkerContext worker_;
  std::unique_ptr<LoopbackBackend> backend_;
  std::unique_ptr<H2TestClient> client_;
};

TEST_F(H2ConnectionTest, AGetIsBridgedToTheBackendAsHttp11) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-App: yes\r\nKeep-Alive: timeout=5\r\n\r\nok";
  };
  const int32_t id = client_->Request("GET", "/x?y=1", {{"x-custom", "v"}, {"accept", "*/*"}});
  const H2TestClient::Stream& stream = Await(id);
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, "ok");
  EXPECT_EQ(stream.error_code, 0u);
  EXPECT_EQ(stream.Header("x-app"), "yes");
  EXPECT_EQ(stream.Header("content-length"), "2");
  EXPECT_FALSE(stream.Header("keep-alive").has_value());  // hop-by-hop
  EXPECT_FALSE(stream.Header("connection").has_value());
  EXPECT_TRUE(stream.Header("x-request-id").has_value());  // the Session's doing

  const std::string head = HeadOf(backend_->AllReceived());
  EXPECT_THAT(head, StartsWith("GET /x?y=1 HTTP/1.1\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nhost: example.com\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nx-custom: v\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nX-Forwarded-For: 192.0.2.7\r\n"));
  EXPECT_EQ(client_->server_max_concurrent_streams, H2Limits::kMaxConcurrentStreams);
  EXPECT_EQ(client_->server_max_header_list_size, http::ParseLimits{}.max_header_bytes);
}

TEST_F(H2ConnectionTest, ABodyWithContentLengthIsForwarded) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) {
    return std::string("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
  };
  const int32_t id = client_->Request("POST", "/upload", {{"content-length", "5"}}, "hello");
  const H2TestClient::Stream& stream = Await(id);
  EXPECT_EQ(stream.status, 201);
  EXPECT_EQ(stream.body, "");
  const std::string request = backend_->AllReceived();
  EXPECT_THAT(HeadOf(request), HasSubstr("\r\ncontent-length: 5\r\n"));
  EXPECT_EQ(request.substr(HeadOf(request).size()), "hello");
}

TEST_F(H2ConnectionTest, ABodyWithoutContentLengthIsSentChunked) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) { return OkResponse("got it"); };
  const int32_t id = client_->Request("POST", "/upload", {}, "hello", /*keep_open=*/true);
  RunPending();
  client_->SendMore(id, " world", /*end=*/true);
  const H2TestClient::Stream& stream = Await(id);
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, "got it");
  // Chunked to the Session, which buffers a small chunked body and sends it with its length.
  const std::string request = backend_->AllReceived();
  EXPECT_THAT(HeadOf(request), HasSubstr("Content-Length: 11\r\n"));
  EXPECT_EQ(request.substr(HeadOf(request).size()), "hello world");
}

TEST_F(H2ConnectionTest, AChunkedResponseArrivesDecoded) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) {
    return std::string(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  };
  const H2TestClient::Stream& stream = Await(client_->Request("GET", "/chunked"));
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, "hello world");
  EXPECT_EQ(stream.error_code, 0u);
  EXPECT_FALSE(stream.Header("transfer-encoding").has_value());
}

// A response cut short by the backend must not reach the client as a whole one: the stream is
// reset. A Content-Length body is framed all the way to the bridge, so the cut is seen.
TEST_F(H2ConnectionTest, ATruncatedResponseResetsTheStream) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const int32_t id = client_->Request("GET", "/cut");
  ASSERT_TRUE(RunUntil([&] { return backend_->RequestCount() == 1; }));
  backend_->Send(*backend_->connections[0],
                 "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
  ASSERT_TRUE(RunUntil([&] { return client_->streams[id].body == "only part"; }));
  backend_->CloseConnection(*backend_->connections[0]);
  const H2TestClient::Stream& stream = Await(id);
  EXPECT_NE(stream.error_code, 0u);
}

// DISABLED until the Session frames HTTP/2 streams' chunked and read-until-close bodies as
// chunked (src/proxy/session.cc, SendResponseHead: rechunk unless HTTP/1.0): today it sends
// them to the bridge delimited by its close, so a backend cut mid-body looks like the end.
TEST_F(H2ConnectionTest, ATruncatedChunkedResponseResetsTheStream) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const int32_t id = client_->Request("GET", "/cut");
  ASSERT_TRUE(RunUntil([&] { return backend_->RequestCount() == 1; }));
  backend_->Send(*backend_->connections[0],
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nonly part\r\n");
  ASSERT_TRUE(RunUntil([&] { return client_->streams[id].body == "only part"; }));
  backend_->CloseConnection(*backend_->connections[0]);
  const H2TestClient::Stream& stream = Await(id);
  EXPECT_NE(stream.error_code, 0u);
}

TEST_F(H2ConnectionTest, AHeadResponseHasNoBody) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
  };
  const H2TestClient::Stream& stream = Await(client_->Request("HEAD", "/"));
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, "");
  EXPECT_EQ(stream.error_code, 0u);
  EXPECT_EQ(stream.Header("content-length"), "1234");
}

TEST_F(H2ConnectionTest, ConcurrentStreamsEachGetTheirOwnResponse) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string& request) {
    const size_t sp = request.find(' ');
    return OkResponse("path=" + request.substr(sp + 1, request.find(' ', sp + 1) - sp - 1));
  };
  std::vector<int32_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(client_->Request("GET", "/s" + std::to_string(i)));
  for (size_t i = 0; i < ids.size(); ++i) {
    const H2TestClient::Stream& stream = Await(ids[i]);
    EXPECT_EQ(stream.status, 200);
    EXPECT_EQ(stream.body, "path=/s" + std::to_string(i));
  }
  EXPECT_EQ(backend_->RequestCount(), 20u);
}

TEST_F(H2ConnectionTest, CookieFieldsAreJoined) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) { return OkResponse(""); };
  Await(client_->Request("GET", "/", {{"cookie", "a=1"}, {"x-mid", "m"}, {"cookie", "b=2"}}));
  const std::string head = HeadOf(backend_->AllReceived());
  EXPECT_THAT(head, HasSubstr("\r\ncookie: a=1; b=2\r\n"));
  EXPECT_EQ(head.find("cookie:"), head.rfind("cookie:"));  // one field
}

// Fields HTTP/1.1 cannot carry safely never reach a Session: nghttp2 resets the stream.
TEST_F(H2ConnectionTest, InvalidFieldsAreRefusedBeforeAnySession) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::vector<std::pair<std::string, Fields>> cases = {
      {"CR LF in a value", {{"x-a", "v\r\nx-injected: 1"}}},
      {"LF in a value", {{"x-a", "v\nx-injected: 1"}}},
      {"NUL in a value", {{"x-a", std::string("v\0w", 3)}}},
      {"upper-case name", {{"X-Upper", "v"}}},
      {"colon in a name", {{"x:y", "v"}}},
      {"space in a name", {{"x y", "v"}}},
      {"transfer-encoding", {{"transfer-encoding", "chunked"}}},
      {"connection", {{"connection", "keep-alive"}}},
      {"keep-alive", {{"keep-alive", "300"}}},
      {"upgrade", {{"upgrade", "websocket"}}},
      {"proxy-connection", {{"proxy-connection", "close"}}},
      {"te other than trailers", {{"te", "gzip"}}},
      {"host naming another authority", {{"host", "evil.example"}}},
  };
  for (const auto& [what, fields] : cases) {
    ExpectRefused(client_->Request("GET", "/", fields), what);
  }
  // The connection survives its streams' errors.
  backend_->responder = [](const std::string&) { return OkResponse("fine"); };
  EXPECT_EQ(Await(client_->Request("GET", "/", {{"te", "trailers"}})).body, "fine");
  EXPECT_EQ(backend_->RequestCount(), 1u) << backend_->AllReceived();
  EXPECT_THAT(backend_->AllReceived(), Not(HasSubstr("injected")));
  EXPECT_THAT(backend_->AllReceived(), Not(HasSubstr("evil")));
}

TEST_F(H2ConnectionTest, AnOversizedHeaderListGets431WithoutASession) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string big(20 * 1024, 'x');
  const H2TestClient::Stream& large =
      Await(client_->Request("GET", "/", {{"x-a", big}, {"x-b", big}}));
  EXPECT_EQ(large.status, 431);
  Fields many;
  for (int i = 0; i < 120; ++i) many.emplace_back("x-f" + std::to_string(i), "v");
  const H2TestClient::Stream& numerous = Await(client_->Request("GET", "/", many));
  EXPECT_EQ(numerous.status, 431);
  EXPECT_EQ(backend_->connections.size(), 0u);
  EXPECT_THAT(metrics_.RenderPrometheus(), HasSubstr("reason=\"headers_too_large\"} 1"));
  EXPECT_THAT(metrics_.RenderPrometheus(), HasSubstr("reason=\"too_many_headers\"} 1"));
}

TEST_F(H2ConnectionTest, ConnectIsAnswered405) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const H2TestClient::Stream& stream =
      Await(client_->RequestRaw({{":method", "CONNECT"}, {":authority", "example.com:443"}}));
  EXPECT_EQ(stream.status, 405);
  EXPECT_EQ(backend_->connections.size(), 0u);
}

// The server never sends past the client's window, and what it cannot send stays with the
// backend (its socket refuses bytes) instead of piling up in the proxy.
TEST_F(H2ConnectionTest, AResponseBodyStopsAtTheClientsWindow) {
  constexpr uint32_t kWindow = 16384;
  const std::string body = Pattern(4 * 1024 * 1024);
  ASSERT_NO_FATAL_FAILURE(Start({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kWindow}},
                                /*auto_window=*/false, /*backend_send_buffer=*/64 * 1024));
  backend_->responder = [&](const std::string&) { return OkResponse(body); };
  const int32_t id = client_->Request("GET", "/big");
  H2TestClient::Stream& stream = client_->streams[id];
  ASSERT_TRUE(RunUntil([&] {
    return stream.body.size() >= kWindow && !backend_->connections.empty() &&
           backend_->connections[0]->blocked;
  }));
  RunPending();
  EXPECT_EQ(stream.body.size(), kWindow);
  EXPECT_FALSE(backend_->connections[0]->out.empty()) << "the backend is held back";

  // Credit the window back as the body arrives: all of it comes, intact.
  size_t credited = 0;
  ASSERT_TRUE(RunUntil([&] {
    if (stream.body.size() > credited) {
      client_->Consume(id, stream.body.size() - credited);
      credited = stream.body.size();
    }
    return stream.closed;
  }));
  EXPECT_EQ(stream.error_code, 0u);
  EXPECT_EQ(stream.body.size(), body.size());
  EXPECT_TRUE(stream.body == body);
}

// A request body is taken from the client only as fast as the backend reads it.
TEST_F(H2ConnectionTest, ARequestBodyIsHeldToTheStreamWindow) {
  ASSERT_NO_FATAL_FAILURE(Start());
  backend_->responder = [](const std::string&) { return OkResponse("done"); };
  const std::string body = Pattern(1024 * 1024);
  const int32_t id =
      client_->Request("PUT", "/up", {{"content-length", std::to_string(body.size())}}, body);
  const H2TestClient::Stream& stream = Await(id);
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.body, "done");
  const std::string request = backend_->AllReceived();
  EXPECT_TRUE(request.substr(HeadOf(request).size()) == body);
}

TEST_F(H2ConnectionTest, AResetStreamsExchangeIsLoggedAs499) {
  testing::TempLogFile file;
  auto log = AccessLog::Open(file.path(), AccessLog::Format::kJson);
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_NO_FATAL_FAILURE(Start({}, true, 0, log.value()));
  const int32_t id = client_->Request("GET", "/slow");
  ASSERT_TRUE(RunUntil([&] { return backend_->RequestCount() == 1; }));
  EXPECT_EQ(worker_.sessions.size(), 2u);  // the connection and the stream's Session
  client_->Reset(id);
  // The Session sees EOF, closes (freeing its backend connection) and logs.
  ASSERT_TRUE(
      RunUntil([&] { return worker_.sessions.size() == 1 && backend_->connections[0]->eof; }));
  worker_.FlushLogs();
  const std::vector<std::string> lines = file.WaitForLineList(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"status\":499"));
  EXPECT_THAT(lines[0], HasSubstr("HTTP/2.0"));
}

TEST_F(H2ConnectionTest, ARapidResetFloodEndsTheConnection) {
  ASSERT_NO_FATAL_FAILURE(Start());
  for (uint32_t i = 0; i < H2Limits::kMaxResetsPerWindow + 50 && !client_->eof; ++i) {
    const int32_t id = client_->Request("GET", "/r" + std::to_string(i));
    client_->Reset(id);
    RunPending();
  }
  ASSERT_TRUE(RunUntil([&] { return client_->eof; }));
  EXPECT_TRUE(client_->goaway);
  EXPECT_EQ(client_->goaway_error, static_cast<uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
  // Every Session the flood started is gone (TearDown checks the rest).
  EXPECT_TRUE(RunUntil([&] { return worker_.sessions.empty(); }));
}

TEST_F(H2ConnectionTest, DrainingSendsGoAwayAndLetsOpenStreamsFinish) {
  ASSERT_NO_FATAL_FAILURE(Start());
  const int32_t id = client_->Request("GET", "/in-flight");
  ASSERT_TRUE(RunUntil([&] { return backend_->RequestCount() == 1; }));
  bool drained = false;
  worker_.draining = true;
  worker_.on_drained = [&] { drained = true; };
  const auto sessions = worker_.sessions;
  for (ClientConnection* c : sessions) c->OnDrain();
  // The notice (no stream named), then the final GOAWAY naming the stream in flight.
  ASSERT_TRUE(RunUntil([&] { return client_->goaway_last_streams.size() >= 2; }));
  EXPECT_EQ(client_->goaway_last_streams[0], (1u << 31) - 1);
  EXPECT_EQ(client_->goaway_last_streams[1], id);
  EXPECT_EQ(client_->goaway_error, static_cast<uint32_t>(NGHTTP2_NO_ERROR));
  backend_->Send(*backend_->connections[0], OkResponse("last"));
  EXPECT_EQ(Await(id).body, "last");
  EXPECT_TRUE(RunUntil([&] { return client_->eof && drained; }));
}

TEST_F(H2ConnectionTest, AnIdleConnectionDrainsAtOnce) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_TRUE(RunUntil([&] { return client_->server_max_concurrent_streams != 0; }));
  worker_.draining = true;
  const auto sessions = worker_.sessions;
  for (ClientConnection* c : sessions) c->OnDrain();
  EXPECT_TRUE(RunUntil([&] { return client_->eof; }));
  EXPECT_TRUE(client_->goaway);
}

TEST_F(H2ConnectionTest, NotHttp2ClosesTheConnection) {
  ASSERT_NO_FATAL_FAILURE(Start());
  client_->SendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(RunUntil([&] { return client_->eof; }));
  EXPECT_TRUE(RunUntil([&] { return worker_.sessions.empty(); }));
}

}  // namespace
}  // namespace rampart::proxy
