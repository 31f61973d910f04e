// WebSocket through rampart: the Upgrade handshake reaches the backend with its hop-by-hop
// headers intact, the 101 comes back with the right Sec-WebSocket-Accept, and then bytes flow
// both ways unchanged (the origin echoes raw bytes) until either side closes.

#include <gtest/gtest.h>

#include <string>

#include "support/payload.h"
#include "support/proxy_fixture.h"

namespace rampart::test {
namespace {

constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";

// A client frame (RFC 6455 §5.2): FIN, `opcode`, masked with `mask`.
std::string MaskedFrame(uint8_t opcode, std::string_view payload, uint32_t mask) {
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() <= 0xffff) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      f += static_cast<char>((static_cast<uint64_t>(payload.size()) >> shift) & 0xff);
    }
  }
  char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                 static_cast<char>(mask >> 8), static_cast<char>(mask)};
  f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

class WebSocketTest : public ProxyTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartRampart()); }

  // Connects and completes the handshake through rampart.
  void Handshake(Client& c) {
    ASSERT_TRUE(c.Connect(port())) << c.error();
    ASSERT_TRUE(c.Send(BuildRequest("GET", "/ws", port(),
                                    {{"Upgrade", "websocket"},
                                     {"Connection", "Upgrade"},
                                     {"Sec-WebSocket-Key", kKey},
                                     {"Sec-WebSocket-Version", "13"}})));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << c.error();
    ASSERT_EQ(r->status, 101) << r->raw;
    EXPECT_EQ(r->Header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_EQ(r->Header("Sec-WebSocket-Accept"), WebSocketAccept(kKey));
    EXPECT_TRUE(HeaderHasToken(r->headers, "Upgrade", "websocket")) << r->raw;
    EXPECT_TRUE(HeaderHasToken(r->headers, "Connection", "upgrade")) << r->raw;
  }
};

TEST_F(WebSocketTest, HandshakeReachesBackendWithUpgradeHeaders) {
  Client c;
  ASSERT_NO_FATAL_FAILURE(Handshake(c));
  auto seen = origin_.WaitForTarget("/ws");
  ASSERT_TRUE(seen);
  EXPECT_TRUE(HeaderHasToken(seen->headers, "Upgrade", "websocket")) << seen->raw_head;
  EXPECT_TRUE(HeaderHasToken(seen->headers, "Connection", "upgrade")) << seen->raw_head;
  EXPECT_EQ(seen->Header("Sec-WebSocket-Key"), kKey);
  EXPECT_EQ(seen->Header("Sec-WebSocket-Version"), "13");
}

TEST_F(WebSocketTest, FramesAreEchoedBothWaysThenClosed) {
  Client c;
  ASSERT_NO_FATAL_FAILURE(Handshake(c));
  const std::string payloads[] = {"hello", "second message", std::string(300, 'm'),
                                  PatternBytes(0, 70'000), "last"};
  uint32_t mask = 0x37fa213d;
  for (const std::string& p : payloads) {
    std::string frame = MaskedFrame(0x1, p, mask++);
    ASSERT_TRUE(c.Send(frame)) << c.error();
    auto back = c.ReadExactly(frame.size());
    ASSERT_TRUE(back) << c.error() << " after sending " << p.size() << " bytes";
    EXPECT_TRUE(*back == frame) << "echo differs for a " << p.size() << "-byte payload";
  }
  // Close frame (status 1000), echoed like the rest.
  std::string close_frame = MaskedFrame(0x8, std::string("\x03\xe8", 2), mask);
  ASSERT_TRUE(c.Send(close_frame));
  EXPECT_EQ(c.ReadExactly(close_frame.size()), close_frame);
  // Our half-close reaches the backend, which closes; rampart then closes us.
  c.ShutdownWrite();
  EXPECT_TRUE(c.IsClosedByPeer()) << "tunnel not closed after both sides finished";
  auto ws = origin_.WaitForTarget("/ws");
  ASSERT_TRUE(ws);
  EXPECT_TRUE(origin_.WaitForConnectionClosed(ws->connection_id));
}

// A client that sends and half-closes at once still gets every byte the backend sends back:
// the half-close is passed on to the backend only after the data, and the tunnel closes once
// both directions are done.
TEST_F(WebSocketTest, HalfCloseStillDeliversTheBackendsReply) {
  Client c;
  ASSERT_NO_FATAL_FAILURE(Handshake(c));
  const std::string data = PatternBytes(7, 200'000);
  ASSERT_TRUE(c.Send(data));
  c.ShutdownWrite();
  auto back = c.ReadExactly(data.size());
  ASSERT_TRUE(back) << c.error() << ": the reply was cut off by the half-close";
  EXPECT_TRUE(*back == data);
  EXPECT_TRUE(c.IsClosedByPeer()) << "tunnel not closed after both sides finished";
}

TEST_F(WebSocketTest, TwoTunnelsAreIndependent) {
  Client c;
  ASSERT_NO_FATAL_FAILURE(Handshake(c));
  std::string frame = MaskedFrame(0x1, "ping", 1);
  ASSERT_TRUE(c.Send(frame));
  ASSERT_EQ(c.ReadExactly(frame.size()), frame);
  // A second, independent tunnel at the same time.
  Client d;
  ASSERT_NO_FATAL_FAILURE(Handshake(d));
  ASSERT_TRUE(d.Send("raw-d"));
  EXPECT_EQ(d.ReadExactly(5), "raw-d");
  d.Close();
  ASSERT_TRUE(c.Send("raw-c"));
  EXPECT_EQ(c.ReadExactly(5), "raw-c");
}

}  // namespace
}  // namespace rampart::test
