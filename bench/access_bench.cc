// Access-control benchmark (bench/access.sh, bench/README.md), in process, no sockets:
//   1. net::IpRangeSet with a million IPv4 /32s, a million IPv4 prefixes /16-/32 and 100,000
//      IPv6 prefixes: build time, memory_bytes(), lookup ns for hits and misses; and a
//      million-line FireHOL-style list file read with net::AddListFile.
//   2. The cost per request of each access stage (ip_reputation, geoip, rate_limit), driven
//      through pipeline::ChainRun on a fresh Exchange as the proxy drives them, minus the same
//      loop with an empty chain; and the in-process rate table under a flood of a million
//      distinct client addresses (max_keys 100,000): time per request and memory.
//
//   access_bench [--work-dir DIR] [--data-only] [--entries N] [--v6-entries N]
//                [--geo-networks N] [--requests N] [--rounds N] [--seed N] REPO_ROOT
//
// --work-dir keeps the generated files there for bench/access.sh's end-to-end part: deny.txt
// (the list file, which leaves 127.0.0.0/8 out), country.mmdb and asn.mmdb (which map
// 127.0.0.0/8 to DE and AS64500, so that a loopback client is found as a real one would be).
// Without it they go to a mktemp -d directory that is removed. --data-only writes the files
// and stops. The .mmdb files are built by REPO_ROOT/geoip/make-test-mmdb.pl (Perl's
// MaxMind::DB::Writer); without it the GeoIP rows are skipped.
//
// Times are the thread's CPU time (steadier than wall time on a shared machine), median of
// the rounds.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_timing.h"
#include "config/config.h"
#include "geo/geo_database.h"
#include "net/ip_range_set.h"
#include "pipeline/chain.h"
#include "pipeline/exchange.h"
#include "stages/geoip/geoip_stage.h"
#include "stages/ip_reputation/ip_reputation_stage.h"
#include "stages/rate_limit/rate_limit_stage.h"
#include "state/store.h"
#include "state/types.h"

const char rampart::bench::kBenchName[] = "access_bench";

namespace {

namespace fs = std::filesystem;
using rampart::net::IpAddress;
using rampart::net::IpRangeSet;
using rampart::pipeline::Chain;
using rampart::pipeline::ChainResult;
using rampart::pipeline::StageFactory;

using rampart::bench::CpuSeconds;
using rampart::bench::Die;

struct Options {
  std::string repo_root;
  std::string work_dir;  // empty: a temporary directory, removed at the end
  bool data_only = false;
  size_t entries = 1'000'000;
  size_t v6_entries = 100'000;
  size_t geo_networks = 4000;
  size_t requests = 200'000;  // per stage measurement and round
  int rounds = 3;
  uint64_t seed = 20261124;
};

// ---------------------------------------------------------------------------------------------
// Clocks and statistics

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string Range(const std::vector<double>& v, const char* format) {
  if (v.empty()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, *std::min_element(v.begin(), v.end()));
  std::string out = buf;
  std::snprintf(buf, sizeof buf, format, *std::max_element(v.begin(), v.end()));
  return out + "-" + buf;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// 1000000 -> "1M", 10000 -> "10k": how the rows name their sizes.
std::string Count(size_t n) {
  if (n >= 1'000'000 && n % 1'000'000 == 0) return std::to_string(n / 1'000'000) + "M";
  if (n >= 1000 && n % 1000 == 0) return std::to_string(n / 1000) + "k";
  return std::to_string(n);
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g %%", share * 100);
  return buf;
}

std::string MiB(size_t bytes) { return Fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 2); }

// ---------------------------------------------------------------------------------------------
// Addresses

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint32_t U32() { return static_cast<uint32_t>(Next() >> 32); }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

constexpr uint32_t kLoopbackNet = 127;  // 127.0.0.0/8: kept out of the deny list

uint32_t MaskV4(int len) { return len == 0 ? 0 : ~0U << (32 - len); }

std::string V4Text(uint32_t ip) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                ip & 255);
  return buf;
}

std::string V6Text(uint64_t hi, uint64_t lo) {
  in6_addr a{};
  for (int i = 0; i < 8; ++i) {
    a.s6_addr[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    a.s6_addr[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &a, buf, sizeof buf);
  return buf;
}

IpAddress V4Address(uint32_t ip) {
  IpAddress a;
  a.ip4 = ip;
  return a;
}

IpAddress V6Address(uint64_t hi, uint64_t lo) {
  IpAddress a;
  a.v4 = false;
  a.hi = hi;
  a.lo = lo;
  return a;
}

struct Prefix {
  IpAddress base;  // host bits clear
  int len = 32;
  std::string text;  // as a list file writes it: a plain address for a /32 or /128
};

// `n` distinct IPv4 addresses, random order, none in 127.0.0.0/8.
std::vector<uint32_t> DistinctV4(size_t n, Rng& rng) {
  std::vector<uint32_t> out;
  out.reserve(n + n / 8);
  while (out.size() < n) {
    while (out.size() < n + n / 16) {
      const uint32_t ip = rng.U32();
      if ((ip >> 24) != kLoopbackNet) out.push_back(ip);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  // Shuffle, then trim: a random subset in random order.
  for (size_t i = out.size() - 1; i > 0; --i) std::swap(out[i], out[rng.Below(i + 1)]);
  out.resize(n);
  return out;
}

// IPv4 prefixes in the proportions of the published block lists (FireHOL level 1-4, Spamhaus
// DROP): half single addresses, a quarter /24s, the rest spread over /16-/31. None covers
// 127.0.0.0/8.
std::vector<Prefix> MixedV4Prefixes(size_t n, Rng& rng) {
  std::vector<Prefix> out;
  out.reserve(n);
  while (out.size() < n) {
    const size_t pick = rng.Below(4);
    const int len = pick <= 1 ? 32 : pick == 2 ? 24 : 16 + static_cast<int>(rng.Below(16));
    const uint32_t base = rng.U32() & MaskV4(len);
    if ((base >> 24) == kLoopbackNet) continue;
    std::string text = V4Text(base);
    if (len != 32) text += "/" + std::to_string(len);
    out.push_back(Prefix{V4Address(base), len, std::move(text)});
  }
  return out;
}

// A random global unicast IPv6 address (2000::/3).
std::pair<uint64_t, uint64_t> RandomV6(Rng& rng) {
  return {(rng.Next() & ~(uint64_t{7} << 61)) | (uint64_t{1} << 61), rng.Next()};
}

// IPv6 prefixes /32-/128 in 2000::/3, lengths uniform.
std::vector<Prefix> V6Prefixes(size_t n, Rng& rng) {
  std::vector<Prefix> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const int len = 32 + static_cast<int>(rng.Below(97));
    auto [hi, lo] = RandomV6(rng);
    const uint64_t mask_hi = len >= 64 ? ~0ULL : ~0ULL << (64 - len);
    const uint64_t mask_lo = len <= 64 ? 0 : len == 128 ? ~0ULL : ~0ULL << (128 - len);
    hi &= mask_hi;
    lo &= mask_lo;
    std::string text = V6Text(hi, lo);
    if (len != 128) text += "/" + std::to_string(len);
    out.push_back(Prefix{V6Address(hi, lo), len, std::move(text)});
  }
  return out;
}

// A random address inside `p`.
IpAddress Inside(const Prefix& p, Rng& rng) {
  IpAddress a = p.base;
  if (a.v4) {
    a.ip4 |= rng.U32() & ~MaskV4(p.len);
  } else if (p.len < 64) {
    a.hi |= rng.Next() & ~(~0ULL << (64 - p.len));
    a.lo = rng.Next();
  } else if (p.len < 128) {
    a.lo |= rng.Next() & ~(p.len == 64 ? 0ULL : ~0ULL << (128 - p.len));
  }
  return a;
}

// `n` addresses `set` does not contain: random IPv4 outside 127.0.0.0/8, or IPv6 in 2000::/3.
std::vector<IpAddress> Misses(const IpRangeSet& set, bool v4, size_t n, Rng& rng) {
  std::vector<IpAddress> out;
  out.reserve(n);
  for (size_t tries = 0; out.size() < n; ++tries) {
    if (tries > 100 * n + 1000) Die("the set covers almost everything: no misses to look up");
    IpAddress a;
    if (v4) {
      a = V4Address(rng.U32());
      if ((a.ip4 >> 24) == kLoopbackNet) continue;
    } else {
      auto [hi, lo] = RandomV6(rng);
      a = V6Address(hi, lo);
    }
    if (!set.Contains(a)) out.push_back(a);
  }
  return out;
}

std::string AddressText(const IpAddress& a) { return a.v4 ? V4Text(a.ip4) : V6Text(a.hi, a.lo); }

// ---------------------------------------------------------------------------------------------
// 1. IpRangeSet

// The lookups a request makes, timed two ways. Latency: each address is mixed with the previous
// answer times a zero the compiler cannot see, so one lookup cannot start before the last one
// ended, as on a request's path. Throughput: independent lookups the CPU may overlap.
volatile uint32_t g_zero = 0;

double LookupNs(const IpRangeSet& set, const std::vector<IpAddress>& queries, size_t n,
                bool dependent, size_t* found) {
  const uint32_t zero = g_zero;
  uint32_t salt = 0;
  size_t hits = 0;
  const double t0 = CpuSeconds();
  for (size_t i = 0, q = 0; i < n; ++i, q = q + 1 == queries.size() ? 0 : q + 1) {
    IpAddress a = queries[q];
    if (dependent) {
      a.ip4 ^= salt;
      a.lo ^= salt;
    }
    const bool hit = set.Contains(a);
    hits += hit ? 1 : 0;
    salt = (static_cast<uint32_t>(hit) + 1) * zero;
  }
  const double t1 = CpuSeconds();
  *found = hits;
  return (t1 - t0) * 1e9 / static_cast<double>(n);
}

double TextLookupNs(const IpRangeSet& set, const std::vector<std::string>& queries, size_t n,
                    size_t* found) {
  size_t hits = 0;
  const double t0 = CpuSeconds();
  for (size_t i = 0, q = 0; i < n; ++i, q = q + 1 == queries.size() ? 0 : q + 1) {
    hits += set.Contains(std::string_view(queries[q])) ? 1 : 0;
  }
  const double t1 = CpuSeconds();
  *found = hits;
  return (t1 - t0) * 1e9 / static_cast<double>(n);
}

struct SetRow {
  std::string name;
  size_t entries = 0;
  size_t ranges = 0;
  double add_ms = 0;    // Builder::Add of every entry's text
  double build_ms = 0;  // Builder::Build: sort and merge
  size_t bytes = 0;
  bool v4 = true;
  double coverage = 0;  // share of the IPv4 space the set covers
  std::vector<double> hit_lat, miss_lat, hit_tput, miss_tput, text_miss;
};

// Builds the set from the prefixes' text and times lookups of addresses inside them (hits) and
// outside (misses). Returns the row and the set.
std::pair<SetRow, IpRangeSet> BenchSet(const std::string& name, const std::vector<Prefix>& prefixes,
                                       const Options& opt, Rng& rng) {
  SetRow row;
  row.name = name;
  row.entries = prefixes.size();
  IpRangeSet::Builder builder;
  const double t0 = CpuSeconds();
  for (const Prefix& p : prefixes) {
    if (auto s = builder.Add(p.text); !s.ok()) Die("Add(" + p.text + "): " + s.error().message);
  }
  const double t1 = CpuSeconds();
  IpRangeSet set = builder.Build();
  const double t2 = CpuSeconds();
  row.add_ms = (t1 - t0) * 1e3;
  row.build_ms = (t2 - t1) * 1e3;
  row.ranges = set.range_count();
  row.bytes = set.memory_bytes();

  const bool v4 = prefixes.front().base.v4;
  row.v4 = v4;
  if (v4) {
    // Covered addresses, from the merged ranges (a lookup per prefix would double count).
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    spans.reserve(prefixes.size());
    for (const Prefix& p : prefixes) {
      spans.emplace_back(p.base.ip4, uint64_t{p.base.ip4} + (uint64_t{1} << (32 - p.len)));
    }
    std::sort(spans.begin(), spans.end());
    uint64_t covered = 0, end = 0;
    for (const auto& [first, last] : spans) {
      if (last <= end) continue;
      covered += last - std::max(first, end);
      end = last;
    }
    row.coverage = static_cast<double>(covered) / 4294967296.0;
  }

  const size_t pool = std::min<size_t>(prefixes.size(), 1'000'000);
  std::vector<IpAddress> hits;
  hits.reserve(pool);
  for (size_t i = 0; i < pool; ++i)
    hits.push_back(Inside(prefixes[rng.Below(prefixes.size())], rng));
  const std::vector<IpAddress> misses = Misses(set, v4, pool, rng);
  std::vector<std::string> miss_text;
  miss_text.reserve(pool);
  for (const IpAddress& a : misses) miss_text.push_back(AddressText(a));

  const size_t n = std::max<size_t>(pool, 1'000'000);
  for (int r = 0; r < opt.rounds; ++r) {
    size_t found = 0;
    row.hit_lat.push_back(LookupNs(set, hits, n, true, &found));
    if (found != n) Die(name + ": a hit was not found");
    row.miss_lat.push_back(LookupNs(set, misses, n, true, &found));
    if (found != 0) Die(name + ": a miss was found");
    row.hit_tput.push_back(LookupNs(set, hits, n, false, &found));
    row.miss_tput.push_back(LookupNs(set, misses, n, false, &found));
    row.text_miss.push_back(TextLookupNs(set, miss_text, n, &found));
    if (found != 0) Die(name + ": a miss was found by text");
  }
  return {std::move(row), std::move(set)};
}

void PrintSetRows(const std::vector<SetRow>& rows, const Options& opt) {
  std::printf(
      "\n1. net::IpRangeSet: build, memory and lookups (%d rounds of 1,000,000 lookups, median "
      "ns per lookup; range over the rounds for the latency columns)\n",
      opt.rounds);
  std::printf(
      "| set | entries | ranges after merge | IPv4 covered | Add ms | Build ms | memory_bytes | "
      "bytes/range | hit ns (latency) | miss ns (latency) | hit ns (throughput) | miss ns "
      "(throughput) | miss ns from text |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const SetRow& r : rows) {
    std::printf(
        "| %s | %zu | %zu | %s | %.0f | %.0f | %zu (%s MiB) | %.1f | %s (%s) | %s (%s) | "
        "%s | %s | %s |\n",
        r.name.c_str(), r.entries, r.ranges, r.v4 ? Percent(r.coverage).c_str() : "-", r.add_ms,
        r.build_ms, r.bytes, MiB(r.bytes).c_str(),
        static_cast<double>(r.bytes) / static_cast<double>(std::max<size_t>(r.ranges, 1)),
        Fixed(Median(r.hit_lat), 1).c_str(), Range(r.hit_lat, "%.1f").c_str(),
        Fixed(Median(r.miss_lat), 1).c_str(), Range(r.miss_lat, "%.1f").c_str(),
        Fixed(Median(r.hit_tput), 1).c_str(), Fixed(Median(r.miss_tput), 1).c_str(),
        Fixed(Median(r.text_miss), 1).c_str());
  }
  std::printf(
      "Latency: each lookup waits for the one before (a request's path); throughput: "
      "independent lookups overlapped by the CPU. From text: IpAddress::Parse (inet_pton) "
      "included, as the stage does per request.\n");
}

// A FireHOL-style netset: a comment header, then one address or CIDR a line.
void WriteListFile(const std::string& path, const std::vector<Prefix>& prefixes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) Die("cannot write " + path);
  out << "#\n# bench_deny\n#\n# generated by bench/access_bench: " << prefixes.size()
      << " random IPv4 entries in the proportions of the FireHOL level 1-4 lists\n"
      << "# (half single addresses, a quarter /24s, the rest /16-/31); 127.0.0.0/8 left out\n#\n";
  for (const Prefix& p : prefixes) out << p.text << '\n';
  if (!out.flush()) Die("cannot write " + path);
}

void BenchListFile(const std::string& path, size_t entries, const Options& opt) {
  std::vector<double> wall_ms, cpu_ms;
  size_t ranges = 0, bytes = 0;
  for (int r = 0; r < opt.rounds; ++r) {
    const double w0 = WallSeconds();
    const double c0 = CpuSeconds();
    IpRangeSet::Builder builder;
    if (auto s = rampart::net::AddListFile(path, builder); !s.ok()) Die(s.error().message);
    const IpRangeSet set = builder.Build();
    cpu_ms.push_back((CpuSeconds() - c0) * 1e3);
    wall_ms.push_back((WallSeconds() - w0) * 1e3);
    ranges = set.range_count();
    bytes = set.memory_bytes();
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  std::printf(
      "\nList file: %zu lines (%s MiB, FireHOL style) read with net::AddListFile + Build, %d "
      "rounds\n",
      entries, MiB(ec ? 0 : size).c_str(), opt.rounds);
  std::printf(
      "| file | entries | ranges | memory_bytes | CPU ms (median) | CPU ms range | wall ms "
      "(median) | ns per line |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| %s | %zu | %zu | %zu (%s MiB) | %.0f | %s | %.0f | %.0f |\n",
              fs::path(path).filename().c_str(), entries, ranges, bytes, MiB(bytes).c_str(),
              Median(cpu_ms), Range(cpu_ms, "%.0f").c_str(), Median(wall_ms),
              Median(cpu_ms) * 1e6 / static_cast<double>(entries));
}

// ---------------------------------------------------------------------------------------------
// GeoIP databases from geoip/make-test-mmdb.pl

bool HavePerlWriter() {
  return std::system("perl -MMaxMind::DB::Writer::Tree -e1 >/dev/null 2>&1") == 0;
}

// Runs the builder script with the entries as its arguments. Spawned without a shell: a shell
// command line is one argument, and thousands of entries pass the kernel's 128 KiB limit on
// one argument. Its output goes to `log`.
void MakeMmdb(const Options& opt, const std::string& type, const std::string& out,
              const std::vector<std::string>& entries, const std::string& log) {
  std::vector<std::string> args{
      "perl", opt.repo_root + "/geoip/make-test-mmdb.pl", "--type", type, "--out", out};
  args.insert(args.end(), entries.begin(), entries.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, "perl", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) Die(std::string("cannot run perl: ") + std::strerror(rc));
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    const std::string output((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    Die("make-test-mmdb.pl --type " + type + " failed: " + output);
  }
}

constexpr const char* kCountries[] = {"DE", "FR", "NL", "US", "GB", "JP", "BR", "IN", "CN", "RU",
                                      "SE", "PL", "IT", "ES", "CA", "AU", "KR", "ZA", "MX", "AR",
                                      "TR", "UA", "VN", "ID", "NG", "EG", "CH", "AT", "BE", "CZ"};

struct GeoData {
  std::vector<Prefix> networks;  // in both databases
  std::shared_ptr<const rampart::stages::geoip::GeoDatabases> dbs;
};

// Country and ASN databases over the same random IPv4 networks /16-/24, plus 127.0.0.0/8 (DE,
// AS64500) for the end-to-end runs, which come from loopback.
GeoData MakeGeo(const Options& opt, const std::string& dir, Rng& rng) {
  GeoData geo;
  std::vector<std::string> country_entries{"127.0.0.0/8=DE"};
  std::vector<std::string> asn_entries{"127.0.0.0/8=64500:Loopback Net"};
  for (size_t i = 0; i < opt.geo_networks; ++i) {
    const int len = 16 + static_cast<int>(rng.Below(9));
    const uint32_t base = rng.U32() & MaskV4(len);
    if ((base >> 24) == kLoopbackNet) continue;
    const std::string cidr = V4Text(base) + "/" + std::to_string(len);
    geo.networks.push_back(Prefix{V4Address(base), len, cidr});
    country_entries.push_back(cidr + "=" + kCountries[rng.Below(std::size(kCountries))]);
    const uint32_t asn = 1000 + static_cast<uint32_t>(rng.Below(60000));
    asn_entries.push_back(cidr + "=" + std::to_string(asn) + ":Net " + std::to_string(asn));
  }
  const std::string country = dir + "/country.mmdb";
  const std::string asn = dir + "/asn.mmdb";
  const double w0 = WallSeconds();
  MakeMmdb(opt, "Country", country, country_entries, dir + "/mmdb.log");
  MakeMmdb(opt, "ASN", asn, asn_entries, dir + "/mmdb.log");
  std::fprintf(stderr, "access_bench: built country.mmdb and asn.mmdb (%zu networks) in %.1f s\n",
               country_entries.size(), WallSeconds() - w0);
  auto c = rampart::geo::GeoDatabase::Open(country);
  if (!c.ok()) Die(c.error().message);
  auto a = rampart::geo::GeoDatabase::Open(asn);
  if (!a.ok()) Die(a.error().message);
  auto dbs = std::make_shared<rampart::stages::geoip::GeoDatabases>();
  dbs->country = std::move(c).value();
  dbs->asn = std::move(a).value();
  geo.dbs = std::move(dbs);
  return geo;
}

// ---------------------------------------------------------------------------------------------
// 2. Stages, driven as the proxy drives them

namespace ipr = rampart::stages::ip_reputation;
namespace geoip = rampart::stages::geoip;
namespace rl = rampart::stages::rate_limit;
namespace state = rampart::state;

const std::string kRequestId = "3f2a7c1e-5b9d-4e8a-9c6f-0d1b2a3c4e5f";

struct RunCounts {
  size_t cont = 0, respond = 0, pending = 0;
  int last_status = 0;
};

// One request per client address, cycling through `ips`: a fresh Exchange (as the session makes
// one per request), a ChainRun, the request-header hooks, the response-header hooks when the
// request went on, and OnComplete. Returns CPU ns per request; `each` (optional) runs after
// every `every` requests.
double RunRequests(const Chain& chain, const std::vector<std::string>& ips, size_t n,
                   RunCounts* counts, const std::function<void(size_t)>& each = {},
                   size_t every = 0) {
  RunCounts c;
  double paused = 0;
  const double t0 = CpuSeconds();
  for (size_t i = 0, q = 0; i < n; ++i, q = q + 1 == ips.size() ? 0 : q + 1) {
    rampart::pipeline::Exchange ex(rampart::pipeline::ClientInfo{ips[q], 40000, false, ips[q]});
    ex.set_request_id(kRequestId);
    ex.set_route_name("bench");
    ex.request().method = "GET";
    ex.request().target = "/";
    rampart::pipeline::ChainRun run(chain);
    const ChainResult result = run.RunRequestHeaders(ex);
    if (result == ChainResult::kContinue) {
      ++c.cont;
      ex.response().status = 200;
      run.RunResponseHeaders(ex);
    } else if (result == ChainResult::kRespond) {
      ++c.respond;
      c.last_status = ex.local_reply() ? ex.local_reply()->status : 0;
    } else {
      ++c.pending;
    }
    run.Complete(ex);
    if (each && every > 0 && (i + 1) % every == 0) {
      const double p0 = CpuSeconds();
      each(i + 1);
      paused += CpuSeconds() - p0;
    }
  }
  const double t1 = CpuSeconds();
  *counts = c;
  return (t1 - t0 - paused) * 1e9 / static_cast<double>(n);
}

struct StageRow {
  std::string stage;
  std::string scenario;
  std::string outcome;
  size_t requests = 0;
  std::vector<double> ns;  // per request, per round
  std::vector<double> base;
};

Chain MakeChain(std::vector<std::shared_ptr<const StageFactory>> factories) {
  return Chain(std::move(factories));
}

std::shared_ptr<state::Store> MakeStore(size_t max_keys = 100'000) {
  state::StoreOptions options;
  options.max_rate_keys = max_keys;
  return std::make_shared<state::Store>(options, nullptr);
}

std::shared_ptr<const StageFactory> IpRep(std::shared_ptr<const ipr::IpLists> lists,
                                          std::shared_ptr<state::Store> store) {
  ipr::IpReputationSettings settings;
  settings.route_name = "bench";
  return std::make_shared<ipr::IpReputationStageFactory>(std::move(lists), std::move(store),
                                                         std::move(settings));
}

std::shared_ptr<const StageFactory> Geo(std::shared_ptr<const geoip::GeoDatabases> dbs,
                                        bool with_rules) {
  std::optional<geoip::GeoRules> rules;
  if (with_rules) {
    // Rules the benchmark's clients pass: every check runs, none refuses.
    rules =
        geoip::GeoRules{{}, {"KP", "IR"}, {}, {64496, 64497}, rampart::config::DenyAction::kBlock};
  }
  return std::make_shared<geoip::GeoipStageFactory>(std::move(dbs), std::move(rules), "bench", "");
}

std::shared_ptr<const StageFactory> Rate(std::shared_ptr<state::Store> store, uint64_t rate,
                                         std::chrono::nanoseconds period, uint64_t burst) {
  rl::RateLimitRule rule;
  rule.key = {rampart::config::RateKeyPart{rampart::config::RateKeyPart::Kind::kClientIp, ""}};
  rule.policy = state::RatePolicy{rate, period, burst};
  rule.description = std::to_string(rate) + " per period by client_ip";
  return std::make_shared<rl::RateLimitStageFactory>(std::move(store), "bench",
                                                     std::vector<rl::RateLimitRule>{rule}, "");
}

std::string Outcome(const RunCounts& c) {
  if (c.pending > 0) return std::to_string(c.pending) + " pending (unexpected)";
  if (c.respond == 0) return "continue";
  if (c.cont == 0) return "respond " + std::to_string(c.last_status);
  return std::to_string(c.cont) + " continue, " + std::to_string(c.respond) + " respond " +
         std::to_string(c.last_status);
}

// Measures `chain` and the empty chain in turn over the same addresses, `rounds` times.
// `expect_respond`: every request must be answered by the chain (true) or go on (false).
StageRow BenchStage(const std::string& stage, const std::string& scenario, const Chain& chain,
                    const std::vector<std::string>& ips, bool expect_respond, const Options& opt,
                    const std::function<void()>& before_round = {}) {
  static const Chain kEmpty;
  StageRow row{stage, scenario, "", opt.requests, {}, {}};
  for (int r = 0; r < opt.rounds; ++r) {
    RunCounts counts;
    row.base.push_back(RunRequests(kEmpty, ips, opt.requests, &counts));
    if (before_round) before_round();
    row.ns.push_back(RunRequests(chain, ips, opt.requests, &counts));
    row.outcome = Outcome(counts);
    if (counts.pending > 0 || (expect_respond ? counts.cont : counts.respond) > 0) {
      Die(stage + " / " + scenario + ": unexpected outcome: " + row.outcome);
    }
  }
  std::fprintf(stderr, "access_bench: %-13s %-58s %7.3f us/request (%s)\n", stage.c_str(),
               scenario.c_str(), (Median(row.ns) - Median(row.base)) / 1e3, row.outcome.c_str());
  return row;
}

void PrintStageRows(const std::vector<StageRow>& rows, const Options& opt) {
  std::printf(
      "\n2. Cost per request of each stage: %zu requests per round, %d rounds, median CPU time. "
      "\"chain\" is a fresh Exchange + ChainRun + hooks + OnComplete per request, as the "
      "session runs them; \"stage\" is that minus the same loop over an empty chain (%s us).\n",
      opt.requests, opt.rounds,
      rows.empty() ? "-" : Fixed(Median(rows.front().base) / 1e3, 3).c_str());
  std::printf("| stage | scenario | outcome | chain us/req | stage us/req | stage range |\n");
  std::printf("|---|---|---|---:|---:|---:|\n");
  for (const StageRow& r : rows) {
    std::vector<double> net;
    for (size_t i = 0; i < r.ns.size(); ++i) net.push_back((r.ns[i] - r.base[i]) / 1e3);
    std::printf("| %s | %s | %s | %.3f | %.3f | %s |\n", r.stage.c_str(), r.scenario.c_str(),
                r.outcome.c_str(), Median(r.ns) / 1e3, (Median(r.ns) - Median(r.base)) / 1e3,
                Range(net, "%.3f").c_str());
  }
}

// Rate limiting by client address under a flood of distinct addresses, each seen once, with
// the table bounded at `max_keys`, for two policies: 10/s, whose keys expire 100 ms after their
// request (new keys drop them), and 10/h, whose keys outlive the run (the table fills, then
// evicts its least recently used keys). Time per request, and the table as the flood goes on.
void BenchRateFlood(const std::vector<uint32_t>& addresses, size_t max_keys, const Options& opt) {
  std::vector<std::string> ips;
  ips.reserve(addresses.size());
  for (uint32_t a : addresses) ips.push_back(V4Text(a));
  const size_t n = ips.size();
  const size_t every = std::max<size_t>(n / 10, 1);
  static const Chain kEmpty;
  struct Policy {
    const char* name;
    std::chrono::nanoseconds period;
    std::vector<double> ns, base;
    std::vector<std::pair<size_t, size_t>> samples;  // keys, bytes after each tenth
  };
  Policy policies[] = {{"10/s", std::chrono::seconds(1), {}, {}, {}},
                       {"10/h", std::chrono::hours(1), {}, {}, {}}};
  for (int r = 0; r < opt.rounds; ++r) {
    for (Policy& p : policies) {
      RunCounts counts;
      p.base.push_back(RunRequests(kEmpty, ips, n, &counts));
      auto store = MakeStore(max_keys);
      const Chain chain = MakeChain({Rate(store, 10, p.period, 10)});
      p.samples.clear();
      p.ns.push_back(RunRequests(
          chain, ips, n, &counts,
          [&](size_t) { p.samples.emplace_back(store->rate_keys(), store->rate_table_bytes()); },
          every));
      if (counts.respond > 0 || counts.pending > 0) Die("rate flood: a fresh key was refused");
    }
  }
  std::printf(
      "\n3. rate_limit under a flood of %zu distinct client addresses, each seen once (key "
      "client_ip, burst 10; in-process store, max_keys %zu), %d rounds, median CPU time\n",
      n, max_keys, opt.rounds);
  std::printf(
      "| policy | chain us/req | stage us/req | stage range | rate_keys at the end | "
      "rate_table_bytes at the end |\n|---|---:|---:|---:|---:|---:|\n");
  for (const Policy& p : policies) {
    std::vector<double> net;
    for (size_t i = 0; i < p.ns.size(); ++i) net.push_back((p.ns[i] - p.base[i]) / 1e3);
    std::printf("| %s | %.3f | %.3f | %s | %zu | %zu (%s MiB) |\n", p.name, Median(p.ns) / 1e3,
                (Median(p.ns) - Median(p.base)) / 1e3, Range(net, "%.3f").c_str(),
                p.samples.back().first, p.samples.back().second,
                MiB(p.samples.back().second).c_str());
  }
  std::printf("The table as the flood goes on (last round):\n");
  std::printf(
      "| requests so far | 10/s: rate_keys | 10/s: rate_table_bytes | 10/h: rate_keys | "
      "10/h: rate_table_bytes |\n|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < policies[0].samples.size() && i < policies[1].samples.size(); ++i) {
    const auto& a = policies[0].samples[i];
    const auto& b = policies[1].samples[i];
    std::printf("| %zu | %zu | %zu (%s MiB) | %zu | %zu (%s MiB) |\n", (i + 1) * every, a.first,
                a.second, MiB(a.second).c_str(), b.first, b.second, MiB(b.second).c_str());
  }
}

void BenchStages(const Options& opt, const IpRangeSet& deny_list,
                 const std::vector<uint32_t>& flood_addresses, const GeoData* geo, Rng& rng) {
  std::vector<StageRow> rows;
  const size_t pool = std::min<size_t>(opt.requests, 1'000'000);

  // Banned addresses, and clients that are neither banned nor on the deny list.
  constexpr size_t kBans = 10'000;
  std::vector<uint32_t> banned;
  while (banned.size() < kBans) {
    const uint32_t ip = rng.U32();
    if ((ip >> 24) != kLoopbackNet && !deny_list.Contains(V4Address(ip))) banned.push_back(ip);
  }
  std::sort(banned.begin(), banned.end());
  std::vector<std::string> clean;
  clean.reserve(pool);
  while (clean.size() < pool) {
    const uint32_t ip = rng.U32();
    if ((ip >> 24) == kLoopbackNet || deny_list.Contains(V4Address(ip)) ||
        std::binary_search(banned.begin(), banned.end(), ip)) {
      continue;
    }
    clean.push_back(V4Text(ip));
  }
  std::vector<std::string> denied;
  denied.reserve(pool);
  while (denied.size() < pool) {
    const uint32_t ip = rng.U32();
    if (deny_list.Contains(V4Address(ip))) denied.push_back(V4Text(ip));
  }
  std::vector<std::string> banned_text;
  for (uint32_t ip : banned) banned_text.push_back(V4Text(ip));

  const std::string list = Count(opt.entries) + "-entry deny list";
  const std::string bans = Count(kBans) + " bans";
  auto no_lists = std::make_shared<ipr::IpLists>();
  auto lists = std::make_shared<ipr::IpLists>();
  lists->deny = deny_list;  // the list file's million entries
  const auto empty_store = MakeStore();
  auto ban_store = MakeStore();
  for (const std::string& ip : banned_text) {
    ban_store->AddBan(
        state::Ban{ip, std::chrono::system_clock::now() + std::chrono::hours(24), "bench"});
  }

  rows.push_back(BenchStage("ip_reputation", "no lists, no bans (every route's default)",
                            MakeChain({IpRep(no_lists, empty_store)}), clean, false, opt));
  rows.push_back(BenchStage("ip_reputation", list + ", miss; no bans",
                            MakeChain({IpRep(lists, empty_store)}), clean, false, opt));
  rows.push_back(BenchStage("ip_reputation", list + ", miss; " + bans + ", not banned",
                            MakeChain({IpRep(lists, ban_store)}), clean, false, opt));
  rows.push_back(BenchStage("ip_reputation", list + ", hit: 403",
                            MakeChain({IpRep(lists, empty_store)}), denied, true, opt));
  rows.push_back(BenchStage("ip_reputation", "banned (" + bans + "), no lists: 403",
                            MakeChain({IpRep(no_lists, ban_store)}), banned_text, true, opt));

  std::vector<std::string> geo_hits, geo_misses;
  if (geo != nullptr) {
    // Not on the deny list either, so that the row with every stage runs them all.
    while (geo_hits.size() < pool) {
      const IpAddress a = Inside(geo->networks[rng.Below(geo->networks.size())], rng);
      if (!deny_list.Contains(a)) geo_hits.push_back(AddressText(a));
    }
    while (geo_misses.size() < pool) {
      const uint32_t ip = rng.U32();
      rampart::geo::GeoInfo info;
      if ((ip >> 24) != kLoopbackNet && !geo->dbs->country->Lookup(V4Text(ip), &info)) {
        geo_misses.push_back(V4Text(ip));
      }
    }
    rows.push_back(BenchStage("geoip", "country + ASN lookups, found; no rules",
                              MakeChain({Geo(geo->dbs, false)}), geo_hits, false, opt));
    rows.push_back(BenchStage("geoip", "country + ASN lookups, found; deny rules passed",
                              MakeChain({Geo(geo->dbs, true)}), geo_hits, false, opt));
    rows.push_back(BenchStage("geoip", "country + ASN lookups, not in the databases",
                              MakeChain({Geo(geo->dbs, false)}), geo_misses, false, opt));
  }

  const std::vector<std::string> one_client{"198.51.100.7"};
  {
    auto store = MakeStore();
    rows.push_back(
        BenchStage("rate_limit", "one client, allowed (huge rate)",
                   MakeChain({Rate(store, 1'000'000'000, std::chrono::seconds(1), 1'000'000'000)}),
                   one_client, false, opt));
  }
  {
    auto store = MakeStore();
    rows.push_back(BenchStage(
        "rate_limit", "one client, refused: 429",
        MakeChain({Rate(store, 1, std::chrono::hours(1), 1)}), one_client, true, opt,
        // The first request of a fresh key is allowed: spend it before the timed loop.
        [&] {
          RunCounts c;
          RunRequests(MakeChain({Rate(store, 1, std::chrono::hours(1), 1)}), one_client, 1, &c);
        }));
  }
  {
    // 10,000 clients in turn: a steady table that fits max_keys.
    auto store = MakeStore();
    std::vector<std::string> clients(clean.begin(), clean.begin() + std::min<size_t>(10'000, pool));
    rows.push_back(
        BenchStage("rate_limit", "10k clients in turn, allowed",
                   MakeChain({Rate(store, 1'000'000'000, std::chrono::seconds(1), 1'000'000'000)}),
                   clients, false, opt));
  }
  if (geo != nullptr) {
    auto store = MakeStore();
    std::vector<std::string> clients(geo_hits.begin(),
                                     geo_hits.begin() + std::min<size_t>(10'000, pool));
    rows.push_back(
        BenchStage("all three", list + " + geoip with rules + rate_limit, 10k clients",
                   MakeChain({IpRep(lists, store), Geo(geo->dbs, true),
                              Rate(store, 1'000'000'000, std::chrono::seconds(1), 1'000'000'000)}),
                   clients, false, opt));
  }
  PrintStageRows(rows, opt);
  BenchRateFlood(flood_addresses, 100'000, opt);
}

// ---------------------------------------------------------------------------------------------

Options ParseArgs(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    const auto number = [&]() -> uint64_t {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0') Die(a + ": not a number: " + v);
      return n;
    };
    if (a == "--work-dir") {
      opt.work_dir = value();
    } else if (a == "--data-only") {
      opt.data_only = true;
    } else if (a == "--entries") {
      opt.entries = number();
    } else if (a == "--v6-entries") {
      opt.v6_entries = number();
    } else if (a == "--geo-networks") {
      opt.geo_networks = number();
    } else if (a == "--requests") {
      opt.requests = number();
    } else if (a == "--rounds") {
      opt.rounds = static_cast<int>(number());
    } else if (a == "--seed") {
      opt.seed = number();
    } else if (!a.empty() && a[0] == '-') {
      Die("unknown option " + a);
    } else {
      opt.repo_root = a;
    }
  }
  if (opt.repo_root.empty()) {
    Die("usage: access_bench [--work-dir DIR] [--data-only] [--entries N] [--v6-entries N] "
        "[--geo-networks N] [--requests N] [--rounds N] [--seed N] REPO_ROOT");
  }
  if (opt.entries < 1000 || opt.v6_entries < 100 || opt.requests < 1000 || opt.rounds < 1 ||
      opt.geo_networks < 10) {
    Die("--entries >= 1000, --v6-entries >= 100, --requests >= 1000, --rounds >= 1, "
        "--geo-networks >= 10");
  }
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = ParseArgs(argc, argv);
  std::string dir = opt.work_dir;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "rampart-access-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
    dir = tmpl;
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) Die("cannot create " + dir + ": " + ec.message());
  }
  Rng rng(opt.seed);

  // The deny list of the stage rows and of the end-to-end runs: the list file.
  const std::vector<Prefix> mixed = MixedV4Prefixes(opt.entries, rng);
  const std::string list_path = dir + "/deny.txt";
  WriteListFile(list_path, mixed);
  const bool have_geo = HavePerlWriter();
  std::optional<GeoData> geo;
  if (have_geo) {
    geo = MakeGeo(opt, dir, rng);
  } else {
    std::fprintf(stderr,
                 "access_bench: no Perl MaxMind::DB::Writer (Debian: libmaxmind-db-writer-perl): "
                 "no .mmdb files, GeoIP rows skipped\n");
  }
  if (opt.data_only) return 0;

  std::vector<SetRow> rows;
  const std::vector<uint32_t> singles = DistinctV4(opt.entries, rng);
  {
    std::vector<Prefix> prefixes;
    prefixes.reserve(singles.size());
    for (uint32_t ip : singles) prefixes.push_back(Prefix{V4Address(ip), 32, V4Text(ip)});
    rows.push_back(BenchSet("IPv4 /32, distinct", prefixes, opt, rng).first);
  }
  auto [mixed_row, deny_list] = BenchSet("IPv4 /16-/32 (list mix)", mixed, opt, rng);
  rows.push_back(std::move(mixed_row));
  rows.push_back(BenchSet("IPv6 /32-/128", V6Prefixes(opt.v6_entries, rng), opt, rng).first);
  PrintSetRows(rows, opt);
  BenchListFile(list_path, opt.entries, opt);

  BenchStages(opt, deny_list, singles, geo ? &*geo : nullptr, rng);

  if (temporary) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return 0;
}
