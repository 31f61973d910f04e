#include "upstream/consistent_hash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_servers.h"
#include "upstream/pool.h"

namespace rampart::upstream {
namespace {

using testing::MakeEqualServers;

constexpr int kKeys = 10'000;

std::vector<size_t> AllOf(const std::vector<Server>& servers) {
  std::vector<size_t> all;
  for (size_t i = 0; i < servers.size(); ++i) all.push_back(i);
  return all;
}

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  keys.reserve(kKeys);
  for (int i = 0; i < kKeys; ++i) keys.push_back("/objects/" + std::to_string(i) + ".jpg");
  return keys;
}

// The address each key goes to.
std::vector<std::string> PickAll(const std::vector<Server>& servers,
                                 const std::vector<size_t>& candidates) {
  const ConsistentHash ring(servers);
  std::vector<std::string> picks;
  for (const auto& key : Keys()) {
    picks.push_back(servers[ring.Pick({servers, candidates, key, 0})].address_text);
  }
  return picks;
}

std::string Percent(double fraction) {
  char text[16];
  std::snprintf(text, sizeof text, "%.2f%%", fraction * 100);
  return text;
}

TEST(ConsistentHashTest, SameKeySameServer) {
  const auto servers = MakeEqualServers(4);
  const auto all = AllOf(servers);
  EXPECT_EQ(PickAll(servers, all), PickAll(servers, all));  // two rings, one mapping
}

TEST(ConsistentHashTest, SpreadWithinFifteenPercent) {
  for (size_t n : {5u, 10u}) {
    const auto servers = MakeEqualServers(n);
    std::map<std::string, int> counts;
    for (const auto& address : PickAll(servers, AllOf(servers))) ++counts[address];
    ASSERT_EQ(counts.size(), n);
    const double expected = static_cast<double>(kKeys) / static_cast<double>(n);
    for (const auto& [address, count] : counts) {
      EXPECT_NEAR(count, expected, expected * 0.15) << n << " servers: " << address;
    }
  }
}

TEST(ConsistentHashTest, WeightMultipliesTheShare) {
  auto servers = MakeEqualServers(4);
  servers[0].weight = 3;  // 3 of 6 weight units
  std::map<std::string, int> counts;
  for (const auto& address : PickAll(servers, AllOf(servers))) ++counts[address];
  EXPECT_NEAR(counts[servers[0].address_text], kKeys / 2.0, kKeys / 2.0 * 0.15);
}

// One server of n leaves, by being out of the candidates or out of the configuration: only its
// keys move, and they are about 1/n of all.
void ExpectMinimalRemap(size_t n, bool remove_from_config) {
  const auto servers = MakeEqualServers(n);
  const auto before = PickAll(servers, AllOf(servers));
  double min_fraction = 1;
  double max_fraction = 0;
  for (size_t gone = 0; gone < n; ++gone) {
    std::vector<std::string> after;
    if (remove_from_config) {
      auto rest = servers;
      rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(gone));
      after = PickAll(rest, AllOf(rest));
    } else {
      auto candidates = AllOf(servers);
      candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(gone));
      after = PickAll(servers, candidates);
    }
    int moved = 0;
    for (size_t k = 0; k < before.size(); ++k) {
      if (before[k] == servers[gone].address_text) {
        ++moved;
        EXPECT_NE(after[k], before[k]);
      } else {
        ASSERT_EQ(after[k], before[k]) << "key " << k << " moved off a server that stayed";
      }
    }
    const double fraction = moved / static_cast<double>(kKeys);
    EXPECT_GE(fraction, 0.5 / static_cast<double>(n)) << servers[gone].address_text;
    EXPECT_LE(fraction, 1.6 / static_cast<double>(n)) << servers[gone].address_text;
    min_fraction = std::min(min_fraction, fraction);
    max_fraction = std::max(max_fraction, fraction);
  }
  const std::string how = remove_from_config ? "removed" : "not_candidate";
  const std::string range = Percent(min_fraction) + ".." + Percent(max_fraction);
  ::testing::Test::RecordProperty("remap_" + how + "_n" + std::to_string(n), range);
  std::cout << "consistent_hash remap, 1 of " << n << " servers " << how << ": " << range
            << " of keys moved (ideal " << Percent(1.0 / static_cast<double>(n)) << ")\n";
}

TEST(ConsistentHashTest, RemapWhenOneIsNotACandidate) {
  ExpectMinimalRemap(5, false);
  ExpectMinimalRemap(10, false);
}

TEST(ConsistentHashTest, RemapWhenOneIsRemovedFromTheConfiguration) {
  ExpectMinimalRemap(5, true);
  ExpectMinimalRemap(10, true);
}

TEST(ConsistentHashTest, AddingAServerTakesOnlyItsShare) {
  auto servers = MakeEqualServers(5);
  const auto before = PickAll(servers, AllOf(servers));
  servers.push_back(MakeEqualServers(6).back());
  const auto after = PickAll(servers, AllOf(servers));
  int moved = 0;
  for (size_t k = 0; k < before.size(); ++k) {
    if (after[k] != before[k]) {
      ++moved;
      EXPECT_EQ(after[k], servers.back().address_text);
    }
  }
  EXPECT_NEAR(moved, kKeys / 6.0, kKeys / 6.0 * 0.5);
}

TEST(ConsistentHashTest, BackupsWhenOnlyBackupsAreCandidates) {
  auto servers = MakeEqualServers(4);
  servers[2].backup = true;
  servers[3].backup = true;
  std::map<std::string, int> counts;
  for (const auto& address : PickAll(servers, {2, 3})) ++counts[address];
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_GT(counts[servers[2].address_text], kKeys / 4);
  EXPECT_GT(counts[servers[3].address_text], kKeys / 4);
}

}  // namespace
}  // namespace rampart::upstream
