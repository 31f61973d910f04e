// Signature engine benchmark (bench/signatures.sh, bench/README.md): the cost of scanning one
// request with rampart's Hyperscan databases against the same patterns matched one by one with
// PCRE2 (JIT), for the shipped packs and for a set of synthetic signatures, in one run; and the
// load time of each set compiled, compiled and written to the on-disk cache, and read back
// from it. Both engines scan the same normalised part values, and their matches are compared
// request by request and signature by signature on the benign and the attack corpora.
//
//   signatures_bench [--synthetic N] [--seed N] [--budget-ms N] [--rounds N] [--keep-cache DIR]
//                    REPO_ROOT
//
// Per-request times are the thread's CPU time (steadier than wall time on a shared machine),
// over as many passes over the benign corpus as fit in the budget, median of the rounds.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/header_map.h"
#include "signatures/database.h"
#include "signatures/pack_loader.h"
#include "signatures/request_parts.h"
#include "signatures/signature.h"
#include "support/corpus.h"

namespace {

using rampart::http::HeaderMap;
using rampart::signatures::Database;
using rampart::signatures::kPartCount;
using rampart::signatures::Pack;
using rampart::signatures::Part;
using rampart::signatures::PartValue;
using rampart::signatures::RequestView;
using rampart::signatures::Signature;
using rampart::signatures::Where;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "signatures_bench: %s\n", message.c_str());
  std::exit(1);
}

struct CorpusRequest {
  std::string id;
  std::string target;
  HeaderMap headers;
  std::string body;
  bool has_expected = false;  // attack samples list the signature ids they must trigger
  std::set<uint32_t> expected;
};

// The corpus as tests/support/corpus.h reads it, with the headers in rampart's own map.
std::vector<CorpusRequest> ReadCorpus(const std::string& path) {
  std::string error;
  std::vector<rampart::test::CorpusRequest> lines = rampart::test::ReadCorpus(path, &error);
  if (!error.empty()) Die(error);
  if (lines.empty()) Die(path + ": no requests");
  std::vector<CorpusRequest> out;
  for (rampart::test::CorpusRequest& line : lines) {
    CorpusRequest r;
    r.id = std::move(line.id);
    r.target = std::move(line.target);
    for (const auto& [name, value] : line.headers) r.headers.Add(name, value);
    r.body = std::move(line.body);
    r.has_expected = line.has_matches;
    r.expected = std::move(line.matches);
    out.push_back(std::move(r));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Clocks

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Synthetic signatures: deterministic from the seed. About 60 % literal lists and 40 % regexes
// of the shapes the shipped packs use (tool names with versions, paths with extensions,
// key=value probes, anchored paths, delimited tokens), made of random syllable words that
// browser traffic does not contain, with a few common web words mixed in so that the benign
// corpus gets some matches and the cross-check has something to compare.

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Chance(unsigned percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

constexpr const char* kSyllables[] = {"ka",  "zo",  "qui", "vex", "tor", "lum", "dra",
                                      "pix", "nor", "bel", "fyn", "gru", "jas", "mek",
                                      "orb", "sul", "tae", "wix", "yor", "zep", "cro",
                                      "hap", "ix",  "vu",  "og",  "rel", "sna", "tov"};
// Words of the benign corpus (user agents, paths, parameters, headers).
constexpr const char* kCommonWords[] = {
    "mozilla",  "gecko",    "firefox", "chrome",  "safari",     "windows", "linux",
    "products", "category", "search",  "cart",    "api",        "json",    "session",
    "page",     "sort",     "shop",    "example", "gzip",       "html",    "image",
    "account",  "checkout", "static",  "assets",  "keep-alive", "en-us",   "webkit"};
constexpr const char* kSpecials[] = {"(", ")", "+", "$", "[", "]", "*", "?", "\\",
                                     "|", "{", "}", ".", "^", "/", "-", "_", " "};

std::string SyntheticWord(Rng& rng) {
  if (rng.Below(1000) < 3) return rng.Pick(kCommonWords);
  std::string w;
  const size_t syllables = 2 + rng.Below(3);
  for (size_t k = 0; k < syllables; ++k) w += rng.Pick(kSyllables);
  if (rng.Chance(25)) w += std::to_string(rng.Below(100));
  if (rng.Chance(15)) w[0] = static_cast<char>(w[0] - 'a' + 'A');
  return w;
}

std::string SyntheticLiteral(Rng& rng) {
  switch (rng.Below(5)) {
    case 0:
      return SyntheticWord(rng);
    case 1:  // a tool's user agent: "name/1.2"
      return SyntheticWord(rng) + "/" + std::to_string(rng.Below(10)) + "." +
             std::to_string(rng.Below(20));
    case 2:  // a probed file
      return "/" + SyntheticWord(rng) + "/" + SyntheticWord(rng) +
             (rng.Chance(50) ? ".php" : ".cgi");
    case 3:  // with a character regexes would have to escape
      return SyntheticWord(rng) + rng.Pick(kSpecials) + SyntheticWord(rng);
    default:
      return SyntheticWord(rng) + "-" + SyntheticWord(rng);
  }
}

std::string SyntheticRegex(Rng& rng, bool& dotall, bool& multiline) {
  const std::string a = SyntheticWord(rng);
  const std::string b = SyntheticWord(rng);
  switch (rng.Below(11)) {
    case 0:
      return a + "[0-9]{2,4}-(?:" + b + "|" + SyntheticWord(rng) + ")";
    case 1:
      return "/" + a + "/[a-z]+\\.(?:php|asp|jsp)";
    case 2:
      return a + R"(\s*[=:]\s*['"]?)" + b;
    case 3:
      return "^/" + a + "/[0-9]+/" + b + "(?:/|$)";
    case 4:
      return "(?:^|[^a-z0-9])" + a + "(?:[^a-z0-9]|$)";
    case 5:
      return a + "/[0-9]+\\.[0-9]+(?:\\.[0-9]+)?";
    case 6:
      return a + "[_-]?" + b + "\\s*\\(";
    case 7:
      return "[?&]" + a + "=[^&]{0,8}" + b;
    case 8:
      return "\\." + a + "(?:\\.(?:bak|old|swp)|~)$";
    case 9:
      dotall = rng.Chance(50);
      return a + ".{0,6}" + b;
    default:
      multiline = true;
      return "^" + a + "\\s*:";
  }
}

Where SyntheticWhere(Rng& rng) {
  constexpr const char* kHeaderNames[] = {"referer", "x-forwarded-for", "accept-language",
                                          "x-requested-with", "origin"};
  const size_t r = rng.Below(100);
  if (r < 20) return {Part::kPath, {}};
  if (r < 30) return {Part::kQuery, {}};
  if (r < 35) return {Part::kArgNames, {}};
  if (r < 50) return {Part::kArgValues, {}};
  if (r < 60) return {Part::kHeaders, {}};
  if (r < 75) return {Part::kUserAgent, {}};
  if (r < 80) return {Part::kCookies, {}};
  if (r < 90) return {Part::kBody, {}};
  return {Part::kHeader, rng.Pick(kHeaderNames)};
}

std::vector<Signature> SyntheticSignatures(size_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<Signature> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    Signature s;
    s.id = static_cast<uint32_t>(500001 + i);
    s.description = "synthetic";
    s.file = "synthetic";
    s.line = static_cast<int>(i + 1);
    if (rng.Chance(60)) {
      const size_t n = 1 + rng.Below(4);
      for (size_t k = 0; k < n; ++k) s.literals.push_back(SyntheticLiteral(rng));
    } else {
      s.regex = SyntheticRegex(rng, s.dotall, s.multiline);
    }
    s.caseless = rng.Chance(50);
    const size_t parts = rng.Chance(60) ? 1 : rng.Chance(75) ? 2 : 3;
    while (s.where.size() < parts) {
      const Where w = SyntheticWhere(rng);
      if (std::find(s.where.begin(), s.where.end(), w) == s.where.end()) s.where.push_back(w);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The PCRE2 baseline: one compiled (JIT) regex per signature, literal lists escaped into an
// alternation, matched one by one against each value of the parts the signature looks at.

std::string EscapeLiteral(std::string_view literal) {
  std::string out;
  for (const char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x{%02x}", u);
      out += hex;
    }
  }
  return out;
}

std::string PcrePattern(const Signature& s) {
  if (!s.regex.empty()) return s.regex;
  std::string p = "(?:";
  for (size_t k = 0; k < s.literals.size(); ++k) {
    if (k > 0) p += '|';
    p += EscapeLiteral(s.literals[k]);
  }
  return p + ")";
}

class PcreSet {
 public:
  explicit PcreSet(const std::vector<Signature>& sigs) {
    const double start = WallSeconds();
    codes_.reserve(sigs.size());
    jit_.reserve(sigs.size());
    for (uint32_t i = 0; i < sigs.size(); ++i) {
      const Signature& s = sigs[i];
      const std::string pattern = PcrePattern(s);
      uint32_t options = 0;
      if (s.caseless) options |= PCRE2_CASELESS;
      if (s.dotall) options |= PCRE2_DOTALL;
      if (s.multiline) options |= PCRE2_MULTILINE;
      int error = 0;
      PCRE2_SIZE offset = 0;
      pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       options, &error, &offset, nullptr);
      if (code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(error, message, sizeof message);
        Die("PCRE2 cannot compile signature " + std::to_string(s.id) + " /" + pattern +
            "/: " + reinterpret_cast<const char*>(message));
      }
      const bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
      if (!jit) ++jit_failures_;
      codes_.push_back(code);
      jit_.push_back(jit);
      for (const Where& w : s.where) {
        if (w.part == Part::kHeader) {
          by_header_[w.header].push_back(i);
        } else {
          by_part_[static_cast<size_t>(w.part)].push_back(i);
        }
      }
    }
    compile_seconds_ = WallSeconds() - start;
    match_data_ = pcre2_match_data_create(1, nullptr);
    context_ = pcre2_match_context_create(nullptr);
    stack_ = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr);
    pcre2_jit_stack_assign(context_, nullptr, stack_);
  }
  ~PcreSet() {
    for (pcre2_code* c : codes_) pcre2_code_free(c);
    pcre2_match_data_free(match_data_);
    pcre2_match_context_free(context_);
    pcre2_jit_stack_free(stack_);
  }
  PcreSet(const PcreSet&) = delete;
  PcreSet& operator=(const PcreSet&) = delete;

  // The signatures `where` applies to.
  const std::vector<uint32_t>& For(const Where& where) const {
    static const std::vector<uint32_t> none;
    if (where.part != Part::kHeader) return by_part_[static_cast<size_t>(where.part)];
    auto it = by_header_.find(where.header);
    return it == by_header_.end() ? none : it->second;
  }

  bool Matches(uint32_t sig, std::string_view value) const {
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(value.data());
    const int rc =
        jit_[sig] ? pcre2_jit_match(codes_[sig], subject, value.size(), 0, 0, match_data_, context_)
                  : pcre2_match(codes_[sig], subject, value.size(), 0, 0, match_data_, context_);
    if (rc >= 0) return true;
    if (rc != PCRE2_ERROR_NOMATCH) ++match_errors_;
    return false;
  }

  // Like ScanParts: the indices of the signatures matching some value, each once, ascending.
  std::vector<uint32_t> Scan(const std::vector<PartValue>& parts) const {
    std::vector<uint32_t> matched;
    for (const PartValue& p : parts) {
      for (uint32_t sig : For(p.where)) {
        if (Matches(sig, p.value)) matched.push_back(sig);
      }
    }
    std::sort(matched.begin(), matched.end());
    matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
    return matched;
  }

  double compile_seconds() const { return compile_seconds_; }
  size_t jit_failures() const { return jit_failures_; }
  size_t match_errors() const { return match_errors_; }

 private:
  std::vector<pcre2_code*> codes_;
  std::vector<bool> jit_;
  std::vector<uint32_t> by_part_[kPartCount];
  std::map<std::string, std::vector<uint32_t>> by_header_;
  pcre2_match_data* match_data_ = nullptr;
  pcre2_match_context* context_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
  double compile_seconds_ = 0;
  size_t jit_failures_ = 0;
  mutable size_t match_errors_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Loading

std::shared_ptr<const Database> CompileOrDie(const std::vector<Signature>& sigs,
                                             const std::string& cache_dir, double& seconds,
                                             bool& from_cache) {
  std::vector<Signature> copy = sigs;  // Compile takes its own; the copy is not timed
  const double start = WallSeconds();
  Database::Result result = Database::Compile(std::move(copy), cache_dir);
  seconds = WallSeconds() - start;
  if (auto* errors = std::get_if<std::vector<std::string>>(&result)) {
    Die("Hyperscan compile failed: " + (errors->empty() ? std::string("?") : errors->front()) +
        " (" + std::to_string(errors->size()) + " errors)");
  }
  auto db = std::get<std::shared_ptr<const Database>>(std::move(result));
  from_cache = db->from_cache();
  return db;
}

struct LoadTimes {
  double compile = 0;        // no cache
  double compile_write = 0;  // empty cache directory: compile, then write the file
  double from_cache = 0;     // the file written just before
  uintmax_t cache_bytes = 0;
};

uintmax_t DirectoryBytes(const std::string& dir) {
  uintmax_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

std::shared_ptr<const Database> LoadThreeWays(const std::vector<Signature>& sigs,
                                              const std::string& cache_dir, LoadTimes& times) {
  std::filesystem::remove_all(cache_dir);
  std::filesystem::create_directories(cache_dir);
  bool cached = false;
  CompileOrDie(sigs, "", times.compile, cached);
  CompileOrDie(sigs, cache_dir, times.compile_write, cached);
  if (cached) Die(cache_dir + " was not empty");
  times.cache_bytes = DirectoryBytes(cache_dir);
  auto db = CompileOrDie(sigs, cache_dir, times.from_cache, cached);
  if (!cached) Die("the second load with " + cache_dir + " did not come from the cache");
  return db;
}

// ---------------------------------------------------------------------------------------------
// Cross-check: both engines must find the same signatures in every request.

struct CheckResult {
  size_t requests = 0;
  size_t requests_matched = 0;  // by Hyperscan
  size_t matches = 0;           // (request, signature) pairs, Hyperscan
  size_t disagreements = 0;     // (request, signature) pairs one engine found and not the other
  size_t unlike_listed = 0;     // attack samples whose Hyperscan matches differ from "matches"
};

std::string Show(std::string_view value) {
  std::string out;
  for (const char c : value.substr(0, 100)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    }
  }
  return value.size() > 100 ? out + "..." : out;
}

std::string PartName(const Where& w) {
  constexpr const char* kNames[] = {"path",    "query",      "arg_names", "arg_values", "headers",
                                    "header:", "user_agent", "cookies",   "body"};
  const std::string name = kNames[static_cast<size_t>(w.part)];
  return w.part == Part::kHeader ? name + w.header : name;
}

// Which value and part make the two engines differ on signature `sig`.
void ExplainDisagreement(const std::vector<PartValue>& parts, uint32_t sig, const Database& db,
                         Database::Scratch& scratch, const PcreSet& pcre) {
  for (const PartValue& p : parts) {
    const auto& applies = pcre.For(p.where);
    if (std::find(applies.begin(), applies.end(), sig) == applies.end()) continue;
    std::vector<uint32_t> hs;
    db.Scan(p.where, p.value, scratch, hs);
    const bool by_hs = std::find(hs.begin(), hs.end(), sig) != hs.end();
    const bool by_pcre = pcre.Matches(sig, p.value);
    if (by_hs != by_pcre) {
      std::printf("      %s value \"%s\": Hyperscan %s, PCRE2 %s\n", PartName(p.where).c_str(),
                  Show(p.value).c_str(), by_hs ? "matches" : "no match",
                  by_pcre ? "matches" : "no match");
    }
  }
}

CheckResult CrossCheck(const std::string& set_name, const std::string& corpus_name,
                       const std::vector<CorpusRequest>& corpus, const Database& db,
                       Database::Scratch& scratch, const PcreSet& pcre) {
  CheckResult r;
  const auto& sigs = db.signatures();
  size_t shown = 0;
  for (const CorpusRequest& req : corpus) {
    ++r.requests;
    const auto parts = NormaliseParts(RequestView{req.target, &req.headers, req.body}, db);
    const std::vector<uint32_t> hs = ScanParts(parts, db, scratch);
    const std::vector<uint32_t> pc = pcre.Scan(parts);
    if (!hs.empty()) ++r.requests_matched;
    r.matches += hs.size();
    std::vector<uint32_t> only_hs, only_pc;
    std::set_difference(hs.begin(), hs.end(), pc.begin(), pc.end(), std::back_inserter(only_hs));
    std::set_difference(pc.begin(), pc.end(), hs.begin(), hs.end(), std::back_inserter(only_pc));
    r.disagreements += only_hs.size() + only_pc.size();
    for (const auto& [list, engine] : {std::pair{&only_hs, "Hyperscan"}, {&only_pc, "PCRE2"}}) {
      for (uint32_t sig : *list) {
        if (shown++ >= 20) continue;
        std::printf("  DISAGREEMENT %s / %s: request %s, signature %u (%s:%d) matched by %s only\n",
                    set_name.c_str(), corpus_name.c_str(), req.id.c_str(), sigs[sig].id,
                    sigs[sig].file.c_str(), sigs[sig].line, engine);
        ExplainDisagreement(parts, sig, db, scratch, pcre);
      }
    }
    if (req.has_expected) {
      std::set<uint32_t> ids;
      for (uint32_t i : hs) ids.insert(sigs[i].id);
      if (ids != req.expected) ++r.unlike_listed;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Timing

struct Normalised {
  std::vector<std::vector<PartValue>> parts;  // per benign request
  size_t values = 0;
};

Normalised NormaliseAll(const std::vector<CorpusRequest>& corpus, const Database& db) {
  Normalised n;
  for (const CorpusRequest& r : corpus) {
    n.parts.push_back(NormaliseParts(RequestView{r.target, &r.headers, r.body}, db));
    n.values += n.parts.back().size();
  }
  return n;
}

volatile size_t g_sink = 0;  // keeps the timed work from being optimised away

// CPU microseconds per request: whole passes over the corpus until `budget` seconds are spent.
template <typename Pass>
double MicrosPerRequest(size_t requests, double budget, Pass pass) {
  const double start = CpuSeconds();
  double now = start;
  size_t passes = 0;
  do {
    g_sink = g_sink + pass();
    ++passes;
    now = CpuSeconds();
  } while (now - start < budget);
  return (now - start) * 1e6 / static_cast<double>(passes * requests);
}

struct ScanTimes {
  double hs = 0;         // normalise + Hyperscan scan, µs per request
  double hs_scan = 0;    // Hyperscan scan of the normalised values only
  double pcre = 0;       // normalise + PCRE2
  double pcre_scan = 0;  // PCRE2 on the normalised values only
};

ScanTimes TimeScans(const std::vector<CorpusRequest>& corpus, const Database& db,
                    Database::Scratch& scratch, const PcreSet& pcre, const Normalised& norm,
                    double budget, int rounds) {
  std::vector<double> hs, hs_scan, pc, pc_scan;
  const size_t n = corpus.size();
  auto normalise = [&](const CorpusRequest& r) {
    return NormaliseParts(RequestView{r.target, &r.headers, r.body}, db);
  };
  for (int round = 0; round < rounds; ++round) {
    hs.push_back(MicrosPerRequest(n, budget, [&] {
      size_t m = 0;
      for (const CorpusRequest& r : corpus) m += ScanParts(normalise(r), db, scratch).size();
      return m;
    }));
    pc.push_back(MicrosPerRequest(n, budget, [&] {
      size_t m = 0;
      for (const CorpusRequest& r : corpus) m += pcre.Scan(normalise(r)).size();
      return m;
    }));
    hs_scan.push_back(MicrosPerRequest(n, budget, [&] {
      size_t m = 0;
      for (const auto& parts : norm.parts) m += ScanParts(parts, db, scratch).size();
      return m;
    }));
    pc_scan.push_back(MicrosPerRequest(n, budget, [&] {
      size_t m = 0;
      for (const auto& parts : norm.parts) m += pcre.Scan(parts).size();
      return m;
    }));
  }
  return {Median(hs), Median(hs_scan), Median(pc), Median(pc_scan)};
}

// ---------------------------------------------------------------------------------------------

struct SetResult {
  std::string name;
  size_t signatures = 0;
  size_t regexes = 0;
  size_t literal_lists = 0;
  LoadTimes load;
  double pcre_compile = 0;
  size_t jit_failures = 0;
  size_t match_errors = 0;
  size_t values_per_request_x100 = 0;
  ScanTimes scan;
  CheckResult benign;
  CheckResult attacks;
};

SetResult RunSet(const std::string& name, const std::vector<Signature>& sigs,
                 const std::string& cache_dir, const std::vector<CorpusRequest>& benign,
                 const std::vector<CorpusRequest>& attacks, double budget, int rounds) {
  SetResult r;
  r.name = name;
  r.signatures = sigs.size();
  for (const Signature& s : sigs) (s.regex.empty() ? r.literal_lists : r.regexes)++;
  std::fprintf(stderr, "[%s] %zu signatures: loading three ways\n", name.c_str(), sigs.size());
  auto db = LoadThreeWays(sigs, cache_dir, r.load);
  auto scratch = db->NewScratch();
  std::fprintf(stderr, "[%s] PCRE2 compile + JIT\n", name.c_str());
  PcreSet pcre(db->signatures());
  r.pcre_compile = pcre.compile_seconds();
  r.jit_failures = pcre.jit_failures();
  std::fprintf(stderr, "[%s] cross-check on both corpora\n", name.c_str());
  r.benign = CrossCheck(name, "benign", benign, *db, *scratch, pcre);
  r.attacks = CrossCheck(name, "attacks", attacks, *db, *scratch, pcre);
  const Normalised norm = NormaliseAll(benign, *db);
  r.values_per_request_x100 = norm.values * 100 / benign.size();
  std::fprintf(stderr, "[%s] timing scans: %d rounds x 4 x %.1f s\n", name.c_str(), rounds, budget);
  r.scan = TimeScans(benign, *db, *scratch, pcre, norm, budget, rounds);
  r.match_errors = pcre.match_errors();
  return r;
}

int Usage() {
  std::fprintf(stderr,
               "usage: signatures_bench [--synthetic N] [--seed N] [--budget-ms N] [--rounds N] "
               "[--keep-cache DIR] REPO_ROOT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  size_t synthetic = 10000;
  uint64_t seed = 20261123;
  double budget = 0.5;
  int rounds = 3;
  std::string keep_cache;
  std::string root;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) std::exit(Usage());
      return argv[++i];
    };
    if (arg == "--synthetic") {
      synthetic = std::stoul(next());
    } else if (arg == "--seed") {
      seed = std::stoull(next());
    } else if (arg == "--budget-ms") {
      budget = std::stod(next()) / 1000.0;
    } else if (arg == "--rounds") {
      rounds = std::max(1, std::stoi(next()));
    } else if (arg == "--keep-cache") {
      keep_cache = next();
    } else if (root.empty() && !arg.empty() && arg[0] != '-') {
      root = arg;
    } else {
      return Usage();
    }
  }
  if (root.empty()) return Usage();

  const double parse_start = WallSeconds();
  auto loaded = rampart::signatures::LoadPackDir(root + "/rules/signatures");
  const double parse_seconds = WallSeconds() - parse_start;
  if (auto* errors = std::get_if<std::vector<std::string>>(&loaded)) {
    Die(errors->empty() ? "cannot load the packs" : errors->front());
  }
  std::vector<Signature> shipped;
  size_t packs = 0;
  for (Pack& pack : std::get<std::vector<Pack>>(loaded)) {
    ++packs;
    for (Signature& s : pack.signatures) shipped.push_back(std::move(s));
  }
  const auto benign = ReadCorpus(root + "/corpus/benign/requests.jsonl");
  const auto attacks = ReadCorpus(root + "/corpus/attacks/signatures.jsonl");

  std::string cache_root = keep_cache;
  if (cache_root.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/rampart-sigbench.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
    cache_root = tmpl;
  }

  std::vector<SetResult> results;
  results.push_back(
      RunSet("shipped", shipped, cache_root + "/shipped", benign, attacks, budget, rounds));
  if (synthetic > 0) {
    results.push_back(RunSet("synthetic-" + std::to_string(synthetic),
                             SyntheticSignatures(synthetic, seed), cache_root + "/synthetic",
                             benign, attacks, budget, rounds));
  }
  if (keep_cache.empty()) std::filesystem::remove_all(cache_root);

  char pcre_version[64] = "?";
  pcre2_config(PCRE2_CONFIG_VERSION, pcre_version);
  std::printf(
      "\nsignatures bench: %zu packs (%zu signatures, parsed in %.1f ms); benign corpus "
      "%zu requests, attack corpus %zu; PCRE2 %s with JIT; synthetic seed %llu\n",
      packs, shipped.size(), parse_seconds * 1e3, benign.size(), attacks.size(), pcre_version,
      static_cast<unsigned long long>(seed));
  std::printf(
      "per request: CPU time of this thread over passes of the benign corpus, %.1f s "
      "each, median of %d rounds\n\n",
      budget, rounds);

  std::printf(
      "| set | signatures | load: compile ms | compile + write cache ms | from cache ms |"
      " Hyperscan us/req | PCRE2 us/req | PCRE2/Hyperscan |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const SetResult& r : results) {
    std::printf("| %s | %zu | %.1f | %.1f | %.2f | %.2f | %.1f | %.1fx |\n", r.name.c_str(),
                r.signatures, r.load.compile * 1e3, r.load.compile_write * 1e3,
                r.load.from_cache * 1e3, r.scan.hs, r.scan.pcre, r.scan.pcre / r.scan.hs);
  }
  std::printf(
      "\n| set | regexes / literal lists | values/req | Hyperscan scan-only us/req |"
      " PCRE2 scan-only us/req | scan-only ratio | cache file KiB |"
      " PCRE2 compile + JIT ms |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const SetResult& r : results) {
    std::printf("| %s | %zu / %zu | %.1f | %.2f | %.1f | %.1fx | %.0f | %.1f |\n", r.name.c_str(),
                r.regexes, r.literal_lists, static_cast<double>(r.values_per_request_x100) / 100.0,
                r.scan.hs_scan, r.scan.pcre_scan, r.scan.pcre_scan / r.scan.hs_scan,
                static_cast<double>(r.load.cache_bytes) / 1024.0, r.pcre_compile * 1e3);
  }
  std::printf("\ncross-check, both engines on the same normalised values:\n");
  std::printf(
      "| set | corpus | requests | matched (Hyperscan) | matches | disagreements |"
      " unlike the samples' list |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|\n");
  size_t disagreements = 0;
  for (const SetResult& r : results) {
    for (const auto& [c, corpus] : {std::pair{&r.benign, "benign"}, {&r.attacks, "attacks"}}) {
      disagreements += c->disagreements;
      const std::string listed = r.name == "shipped" && std::string(corpus) == "attacks"
                                     ? std::to_string(c->unlike_listed)
                                     : std::string("-");
      std::printf("| %s | %s | %zu | %zu | %zu | %zu | %s |\n", r.name.c_str(), corpus, c->requests,
                  c->requests_matched, c->matches, c->disagreements, listed.c_str());
    }
    if (r.jit_failures > 0 || r.match_errors > 0) {
      std::printf("  %s: %zu patterns without JIT, %zu PCRE2 match errors\n", r.name.c_str(),
                  r.jit_failures, r.match_errors);
    }
  }
  std::printf("\n%s\n", disagreements == 0
                            ? "The engines agree on every request and signature."
                            : "THE ENGINES DISAGREE: see the DISAGREEMENT lines above.");
  return disagreements == 0 ? 0 : 1;
}
