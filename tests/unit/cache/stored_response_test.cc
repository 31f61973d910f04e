#include "cache/stored_response.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace rampart::cache {
namespace {

StoredResponse Sample() {
  StoredResponse r;
  r.status = 203;
  r.reason = "Non-Authoritative Information";
  r.headers.Add("Content-Type", "text/plain");
  r.headers.Add("ETag", "\"v1\"");
  r.headers.Add("Vary", "Accept-Encoding, Accept-Language");
  r.headers.Add("X-Empty", "");
  r.body = std::string("binary\0body\xff\x01", 13) + std::string(1000, 'x');
  r.request_time = 1'700'000'000;
  r.response_time = 1'700'000'002;
  r.vary = {"accept-encoding", "accept-language"};
  r.variant = "accept-encoding=gzip\naccept-language=en\n";
  return r;
}

void ExpectSame(const StoredResponse& a, const StoredResponse& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.reason, b.reason);
  ASSERT_EQ(a.headers.size(), b.headers.size());
  for (size_t i = 0; i < a.headers.size(); ++i) {
    EXPECT_EQ(a.headers.fields()[i].name, b.headers.fields()[i].name);
    EXPECT_EQ(a.headers.fields()[i].value, b.headers.fields()[i].value);
  }
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.request_time, b.request_time);
  EXPECT_EQ(a.response_time, b.response_time);
  EXPECT_EQ(a.vary, b.vary);
  EXPECT_EQ(a.variant, b.variant);
}

TEST(StoredResponseTest, RoundTrips) {
  const StoredResponse r = Sample();
  const std::string key = "GET https://example.com/a?b=c";
  const std::string bytes = Serialize(key, r);
  auto back = Deserialize(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first, key);
  ExpectSame(back->second, r);
}

TEST(StoredResponseTest, RoundTripsAnEmptyResponse) {
  StoredResponse r;
  r.status = 204;
  auto back = Deserialize(Serialize("", r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first, "");
  ExpectSame(back->second, r);
}

TEST(StoredResponseTest, RoundTripsAVaryMarker) {
  // The proxy's marker: no response, just the Vary list, status 0.
  StoredResponse marker;
  marker.status = 0;
  marker.vary = {"accept-encoding"};
  auto back = Deserialize(Serialize("GET example.com/", marker));
  ASSERT_TRUE(back);
  ExpectSame(back->second, marker);
}

TEST(StoredResponseTest, NegativeTimesSurvive) {
  StoredResponse r = Sample();
  r.request_time = -5;
  r.response_time = -1;
  auto back = Deserialize(Serialize("k", r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->second.request_time, -5);
  EXPECT_EQ(back->second.response_time, -1);
}

TEST(StoredResponseTest, HeadMatchesTheRecord) {
  const std::string bytes = Serialize("the-key", Sample());
  auto head = ParseSerializedHead(std::string_view(bytes).substr(0, kSerializedHeadBytes + 7));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->key, "the-key");
  EXPECT_EQ(head->total_size, bytes.size());
  // Too short to hold the key.
  EXPECT_FALSE(ParseSerializedHead(std::string_view(bytes).substr(0, kSerializedHeadBytes + 6)));
  EXPECT_FALSE(ParseSerializedHead("NOPE"));
}

TEST(StoredResponseTest, EveryTruncationIsRefused) {
  const std::string bytes = Serialize("key", Sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Deserialize(std::string_view(bytes).substr(0, n))) << "length " << n;
  }
  EXPECT_FALSE(Deserialize(bytes + "x"));  // trailing bytes
}

TEST(StoredResponseTest, EveryBitFlipIsRefused) {
  const std::string bytes = Serialize("key", Sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      ASSERT_FALSE(Deserialize(flipped)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(StoredResponseTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(42);
  const std::string bytes = Serialize("key", Sample());
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = bytes.substr(0, rng() % (bytes.size() + 1));
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips && !mutated.empty(); ++f) {
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    }
    EXPECT_FALSE(Deserialize(mutated));
  }
  // Pure noise, including a valid magic in front.
  for (int round = 0; round < 500; ++round) {
    std::string noise(rng() % 200, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    EXPECT_FALSE(Deserialize(noise));
    EXPECT_FALSE(Deserialize("RMPC\x01" + noise));
  }
}

TEST(StoredResponseTest, SizeCountsBodyAndHeaders) {
  StoredResponse r;
  const size_t empty = r.Size();
  r.body.assign(1000, 'b');
  EXPECT_EQ(r.Size(), empty + 1000);
  r.headers.Add("Name", "value");
  EXPECT_GE(r.Size(), empty + 1000 + 9);
  EXPECT_GT(empty, sizeof(StoredResponse));
}

}  // namespace
}  // namespace rampart::cache
