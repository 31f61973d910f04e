#include "stages/auth/forward_auth_client.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../run_loop_until.h"
#include "../../unused_port.h"
#include "scripted_auth_service.h"

namespace rampart::stages::auth {
namespace {

using Outcome = ForwardAuthResponse::Outcome;
using std::chrono::milliseconds;

// A URL on 127.0.0.1 nothing listens on (a port bound, then released).
std::string ClosedUrl() {
  return "http://127.0.0.1:" + std::to_string(rampart::test::UnusedLoopbackPort()) + "/verify";
}

ForwardAuthEndpoint Endpoint(const std::string& url) {
  auto endpoint = ParseForwardAuthUrl(url);
  EXPECT_TRUE(endpoint.ok()) << endpoint.error().message;
  return endpoint.ok() ? endpoint.value() : ForwardAuthEndpoint{};
}

uint16_t Port(const ForwardAuthEndpoint& e) {
  return e.address.ss_family == AF_INET6
             ? ntohs(reinterpret_cast<const sockaddr_in6*>(&e.address)->sin6_port)
             : ntohs(reinterpret_cast<const sockaddr_in*>(&e.address)->sin_port);
}

std::string Error(const std::string& url) {
  auto endpoint = ParseForwardAuthUrl(url);
  EXPECT_FALSE(endpoint.ok()) << url;
  return endpoint.ok() ? "" : endpoint.error().message;
}

const std::string kRequest =
    "GET /verify HTTP/1.1\r\nHost: auth\r\nX-Forwarded-Uri: /admin?a=1\r\n"
    "Authorization: Bearer abc\r\nConnection: close\r\n\r\n";

// ---- URLs ----

TEST(ForwardAuthUrlTest, HostPortPathAndQuery) {
  const ForwardAuthEndpoint e = Endpoint("http://127.0.0.1:9091/verify?x=1&y=%20");
  EXPECT_EQ(e.address.ss_family, AF_INET);
  EXPECT_EQ(e.address_length, sizeof(sockaddr_in));
  EXPECT_EQ(Port(e), 9091);
  EXPECT_EQ(e.host_header, "127.0.0.1:9091");
  EXPECT_EQ(e.path, "/verify?x=1&y=%20");
  EXPECT_EQ(e.url, "http://127.0.0.1:9091/verify?x=1&y=%20");
}

TEST(ForwardAuthUrlTest, DefaultPortAndPath) {
  const ForwardAuthEndpoint e = Endpoint("http://127.0.0.1");
  EXPECT_EQ(Port(e), 80);
  EXPECT_EQ(e.host_header, "127.0.0.1");
  EXPECT_EQ(e.path, "/");
  EXPECT_EQ(Endpoint("http://127.0.0.1:80/auth").host_header, "127.0.0.1");  // :80 left out
  EXPECT_EQ(Endpoint("http://127.0.0.1:9091?x=1").path, "/?x=1");
  EXPECT_EQ(Endpoint("HTTP://127.0.0.1/").path, "/");  // the scheme is case-insensitive
}

TEST(ForwardAuthUrlTest, Ipv6LiteralInBrackets) {
  const ForwardAuthEndpoint e = Endpoint("http://[::1]:9091/auth");
  EXPECT_EQ(e.address.ss_family, AF_INET6);
  EXPECT_EQ(Port(e), 9091);
  EXPECT_EQ(e.host_header, "[::1]:9091");
  EXPECT_EQ(e.path, "/auth");
  EXPECT_EQ(Endpoint("http://[::1]").host_header, "[::1]");
  EXPECT_NE(Error("http://::1/").find("brackets"), std::string::npos);
  EXPECT_NE(Error("http://[::1/").find("']'"), std::string::npos);
  EXPECT_NE(Error("http://[::1]x/").find("not a port"), std::string::npos);
  EXPECT_NE(Error("http://[not-an-ip]/").find("cannot resolve"), std::string::npos);
}

TEST(ForwardAuthUrlTest, NameIsResolvedOnce) {
  const ForwardAuthEndpoint e = Endpoint("http://localhost:9091/verify");
  EXPECT_TRUE(e.address.ss_family == AF_INET || e.address.ss_family == AF_INET6);
  EXPECT_EQ(Port(e), 9091);
  EXPECT_EQ(e.host_header, "localhost:9091");
}

TEST(ForwardAuthUrlTest, HttpsIsRefused) {
  const std::string error = Error("https://auth.example/verify");
  EXPECT_NE(error.find("forward.url: https is not supported yet"), std::string::npos) << error;
  EXPECT_NE(Error("HTTPS://127.0.0.1/").find("https is not supported"), std::string::npos);
}

TEST(ForwardAuthUrlTest, BadPortsAreRefused) {
  for (const char* url : {"http://127.0.0.1:0/", "http://127.0.0.1:65536/",
                          "http://127.0.0.1:99999999999999999999/", "http://127.0.0.1:ab/",
                          "http://127.0.0.1:/", "http://127.0.0.1:-1/", "http://127.0.0.1:+80/"}) {
    EXPECT_NE(Error(url).find("bad port"), std::string::npos) << url;
  }
  EXPECT_EQ(Port(Endpoint("http://127.0.0.1:65535/")), 65535);
}

TEST(ForwardAuthUrlTest, MissingHostIsRefused) {
  for (const char* url :
       {"http://", "http:///verify", "http://:9091/", "http://?x", "http://[]/"}) {
    EXPECT_NE(Error(url).find("no host"), std::string::npos) << url;
  }
}

TEST(ForwardAuthUrlTest, OtherMistakesAreRefused) {
  EXPECT_NE(Error("").find("expected http://"), std::string::npos);
  EXPECT_NE(Error("127.0.0.1:9091/verify").find("expected http://"), std::string::npos);
  EXPECT_NE(Error("ftp://127.0.0.1/").find("expected http://"), std::string::npos);
  EXPECT_NE(Error("http://user:pw@127.0.0.1/").find("credentials"), std::string::npos);
  EXPECT_NE(Error("http://127.0.0.1/a b").find("space"), std::string::npos);
  EXPECT_NE(Error("http://127.0.0.1/a\r\nX: y").find("control"), std::string::npos);
  EXPECT_NE(Error("http://127.0.0.1/a#frag").find("fragment"), std::string::npos);
}

// ---- Calls ----

class ForwardAuthCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
    server_ = std::make_unique<test::ScriptedAuthService>(base_);
  }

  void TearDown() override {
    call_.reset();
    server_.reset();
    event_base_free(base_);
  }

  // Starts a call to `url`; the response lands in result_.
  void Start(const std::string& url, milliseconds timeout = milliseconds(10'000),
             size_t max_bytes = 64 * 1024, const std::string& request = kRequest) {
    call_ = ForwardAuthCall::Start(base_, Endpoint(url), request, timeout, max_bytes,
                                   [this](ForwardAuthResponse response) {
                                     ++callbacks_;
                                     result_ = std::move(response);
                                   });
  }

  // Runs a call to the server answering `pieces` until `done` has run.
  ForwardAuthResponse Call(std::vector<std::string> pieces, bool close_after = false,
                           size_t max_bytes = 64 * 1024) {
    server_->pieces = std::move(pieces);
    server_->close_after = close_after;
    Start(server_->Url(), milliseconds(10'000), max_bytes);
    EXPECT_TRUE(RunUntil([&] { return result_.has_value(); }));
    return result_.value_or(ForwardAuthResponse{});
  }

  // Runs the loop until `done()` holds or `limit` passes (a guard against hanging, not a
  // measurement). Returns done().
  bool RunUntil(const std::function<bool()>& done, milliseconds limit = milliseconds(10'000)) {
    return test::RunLoopUntil(base_, done, limit);
  }

  event_base* base_ = nullptr;
  std::unique_ptr<test::ScriptedAuthService> server_;  // answers with `pieces`, see Call()
  std::unique_ptr<ForwardAuthCall> call_;
  std::optional<ForwardAuthResponse> result_;
  int callbacks_ = 0;
};

TEST_F(ForwardAuthCallTest, OkWithContentLengthBodyAndHeaders) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 200 OK\r\nX-Auth-User: alice\r\nX-Auth-Groups: admin, dev\r\n"
            "Content-Length: 5\r\n\r\nhello"});
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.status, 200);
  ASSERT_NE(r.headers.Get("x-auth-user"), nullptr);
  EXPECT_EQ(*r.headers.Get("x-auth-user"), "alice");
  ASSERT_NE(r.headers.Get("X-Auth-Groups"), nullptr);
  EXPECT_EQ(*r.headers.Get("X-Auth-Groups"), "admin, dev");
  EXPECT_EQ(r.body, "hello");
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(callbacks_, 1);
}

TEST_F(ForwardAuthCallTest, ServerReceivesExactlyTheRequest) {
  Call({"HTTP/1.1 204 No Content\r\n\r\n"});
  ASSERT_EQ(server_->requests.size(), 1u);
  EXPECT_EQ(server_->requests[0], kRequest);
  EXPECT_EQ(server_->accepted, 1u);
}

TEST_F(ForwardAuthCallTest, ChunkedBodyIsDecoded) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n"
            "0\r\nX-Trailer: t\r\n\r\n"});
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
}

TEST_F(ForwardAuthCallTest, ResponseArrivingInPiecesIsReassembled) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 2", "00 OK\r\nX-Auth-Us", "er: bob\r\nTransfer-Encoding: chunked\r\n",
            "\r\n3\r", "\nabc\r\n", "4\r\ndefg\r\n0\r\n", "\r\n"});
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  ASSERT_NE(r.headers.Get("x-auth-user"), nullptr);
  EXPECT_EQ(*r.headers.Get("x-auth-user"), "bob");
  EXPECT_EQ(r.body, "abcdefg");
}

TEST_F(ForwardAuthCallTest, BodyUntilClose) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 200 OK\r\nX-Auth-User: carol\r\n\r\nfirst ", "second"}, /*close_after=*/true);
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "first second");
}

TEST_F(ForwardAuthCallTest, UnauthorizedWithChallenge) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"rampart\"\r\n"
            "Content-Type: text/plain\r\nContent-Length: 12\r\n\r\nunauthorized"});
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.status, 401);
  ASSERT_NE(r.headers.Get("www-authenticate"), nullptr);
  EXPECT_EQ(*r.headers.Get("www-authenticate"), "Basic realm=\"rampart\"");
  EXPECT_EQ(r.body, "unauthorized");
}

TEST_F(ForwardAuthCallTest, InterimResponsesAreSkipped) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
            "HTTP/1.1 204 No Content\r\nX-Auth-User: dave\r\n\r\n"});
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers.Get("link"), nullptr);
  ASSERT_NE(r.headers.Get("x-auth-user"), nullptr);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(ForwardAuthCallTest, NotModifiedHasNoBodyWhateverItsLengthSays) {
  const ForwardAuthResponse r = Call({"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"});
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(ForwardAuthCallTest, ConnectionRefused) {
  Start(ClosedUrl());
  EXPECT_EQ(callbacks_, 0);  // never inside Start
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->outcome, Outcome::kConnectFailed);
  EXPECT_FALSE(result_->error.empty());
  EXPECT_EQ(callbacks_, 1);
}

TEST_F(ForwardAuthCallTest, ConnectFailingInsideStartIsReportedFromTheLoop) {
  // No address at all: bufferevent_socket_connect fails before it returns.
  call_ = ForwardAuthCall::Start(base_, ForwardAuthEndpoint{}, kRequest, milliseconds(10'000), 1024,
                                 [this](ForwardAuthResponse response) {
                                   ++callbacks_;
                                   result_ = std::move(response);
                                 });
  EXPECT_EQ(callbacks_, 0);
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->outcome, Outcome::kConnectFailed);
  EXPECT_EQ(callbacks_, 1);
}

TEST_F(ForwardAuthCallTest, SilentServerTimesOut) {
  Start(server_->Url(), milliseconds(200));  // no pieces: the server never answers
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->outcome, Outcome::kTimeout);
  EXPECT_EQ(server_->requests.size(), 1u);
  EXPECT_EQ(callbacks_, 1);
  // The connection was closed with the call.
  EXPECT_TRUE(RunUntil([&] { return server_->open_connections() == 0; }));
}

TEST_F(ForwardAuthCallTest, BodyThatNeverEndsTimesOut) {
  server_->pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome"};
  Start(server_->Url(), milliseconds(200));
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->outcome, Outcome::kTimeout);
}

TEST_F(ForwardAuthCallTest, ResponseOverTheLimitIsRefused) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n";
  const ForwardAuthResponse r = Call({head + std::string(4096, 'x')}, false, 1024);
  EXPECT_EQ(r.outcome, Outcome::kBadResponse);
  EXPECT_NE(r.error.find("larger than 1024"), std::string::npos) << r.error;
}

TEST_F(ForwardAuthCallTest, ChunkedResponseOverTheLimitIsRefused) {
  std::vector<std::string> pieces = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"};
  for (int i = 0; i < 8; ++i) pieces.push_back("100\r\n" + std::string(256, 'x') + "\r\n");
  pieces.push_back("0\r\n\r\n");
  const ForwardAuthResponse r = Call(pieces, false, 1024);
  EXPECT_EQ(r.outcome, Outcome::kBadResponse);
}

TEST_F(ForwardAuthCallTest, ResponseExactlyAtTheLimitIsAccepted) {
  // In pieces: bytes left waiting in the input (a partial head) must be counted once.
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  const ForwardAuthResponse r =
      Call({head.substr(0, 10), head.substr(10, 10), head.substr(20) + "01234", "56789"}, false,
           head.size() + 10);
  EXPECT_EQ(r.outcome, Outcome::kAnswered) << r.error;
  EXPECT_EQ(r.body, "0123456789");
}

TEST_F(ForwardAuthCallTest, MalformedResponseIsRefused) {
  const ForwardAuthResponse r = Call({"garbage\r\n\r\n"});
  EXPECT_EQ(r.outcome, Outcome::kBadResponse);
  EXPECT_NE(r.error.find("malformed"), std::string::npos) << r.error;
}

TEST_F(ForwardAuthCallTest, MalformedChunkedBodyIsRefused) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"});
  EXPECT_EQ(r.outcome, Outcome::kBadResponse);
  EXPECT_NE(r.error.find("chunked"), std::string::npos) << r.error;
}

TEST_F(ForwardAuthCallTest, ConnectionClosedEarlyIsRefused) {
  const ForwardAuthResponse r =
      Call({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}, /*close_after=*/true);
  EXPECT_EQ(r.outcome, Outcome::kBadResponse);
  EXPECT_NE(r.error.find("closed"), std::string::npos) << r.error;
}

TEST_F(ForwardAuthCallTest, ConnectionClosedWithoutAnswerIsRefused) {
  const ForwardAuthResponse r = Call({"HTTP/1.1 200 OK\r\n"}, /*close_after=*/true);
  EXPECT_EQ(r.outcome, Outcome::kBadResponse);
}

TEST_F(ForwardAuthCallTest, DestroyedBeforeTheAnswerCallsNothing) {
  Start(server_->Url(), milliseconds(50));  // the server never answers
  ASSERT_TRUE(RunUntil([&] { return server_->requests.size() == 1; }));
  call_.reset();
  ASSERT_TRUE(RunUntil([&] { return server_->open_connections() == 0; }));
  // Well past the call's deadline: nothing left behind may fire.
  RunUntil([] { return false; }, milliseconds(300));
  EXPECT_EQ(callbacks_, 0);
}

TEST_F(ForwardAuthCallTest, DestroyedBeforeAReportedConnectFailureCallsNothing) {
  Start(ClosedUrl(), milliseconds(50));
  call_.reset();
  call_ = ForwardAuthCall::Start(base_, ForwardAuthEndpoint{}, kRequest, milliseconds(50), 1024,
                                 [this](ForwardAuthResponse) { ++callbacks_; });
  call_.reset();
  RunUntil([] { return false; }, milliseconds(300));
  EXPECT_EQ(callbacks_, 0);
}

TEST_F(ForwardAuthCallTest, CallbackMayDestroyTheCall) {
  server_->pieces = {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
  call_ = ForwardAuthCall::Start(base_, Endpoint(server_->Url()), kRequest, milliseconds(10'000),
                                 1024, [this](ForwardAuthResponse response) {
                                   ++callbacks_;
                                   call_.reset();
                                   result_ = std::move(response);
                                 });
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->body, "ok");
  EXPECT_EQ(call_, nullptr);
  ASSERT_TRUE(RunUntil([&] { return server_->open_connections() == 0; }));
  EXPECT_EQ(callbacks_, 1);
}

TEST_F(ForwardAuthCallTest, CallbackMayDestroyTheCallOnTimeout) {
  call_ = ForwardAuthCall::Start(base_, Endpoint(server_->Url()), kRequest, milliseconds(100), 1024,
                                 [this](ForwardAuthResponse response) {
                                   ++callbacks_;
                                   call_.reset();
                                   result_ = std::move(response);
                                 });
  ASSERT_TRUE(RunUntil([&] { return result_.has_value(); }));
  EXPECT_EQ(result_->outcome, Outcome::kTimeout);
  EXPECT_EQ(callbacks_, 1);
}

}  // namespace
}  // namespace rampart::stages::auth
