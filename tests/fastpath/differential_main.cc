// The fast path's differential test: every request of the CRS regression suite, of corpus/ and of
// a generated and mutated corpus, at every paranoia level and with the balanced profile, is
// decided by the fast path; each one it lets skip libmodsecurity is run through libmodsecurity
// alone, which must report no matched rule, no score and no intervention, as the fast path
// assumes. A request the fast path sends down the slow path is judged by libmodsecurity itself,
// identical by construction. Any difference fails the test; the counts are printed.
//
//   fast_path_differential [--quick] [--reasons N] [--only-pl N] [--repeat N]
// --repeat N decides every request N more times (a profiling aid: time only).
// Exit 0: no difference; 1: differences; 2: setup error.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "crs/ftw_request.h"
#include "crs/ftw_test.h"
#include "fastpath/fast_path.h"
#include "http/h1_parser.h"
#include "http/message.h"
#include "modsec/engine.h"
#include "modsec/inspection.h"
#include "modsec/rules_cache.h"
#include "support/corpus.h"
#include "support/percent_encoding.h"

namespace {

using rampart::core::EqualsIgnoreCase;
using rampart::fastpath::FastPath;
using rampart::fastpath::RequestHead;
using rampart::test::PercentEncodeAll;

struct Sample {
  std::string origin;  // "crs:920100-1", "corpus:page-0001", "mutant:..."
  std::string method;
  std::string uri;
  std::string version = "1.1";
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_body = false;
  bool chunked = false;  // rampart's fast path never waits for a chunked body
  std::string body;
};

std::string VersionNumber(rampart::http::Version v) {
  switch (v) {
    case rampart::http::Version::kHttp10:
      return "1.0";
    default:
      return "1.1";
  }
}

// A raw HTTP/1 request as rampart's parser reads it; false when rampart would refuse it (400)
// before any inspection.
bool FromRaw(const std::string& raw, Sample& out) {
  rampart::http::RequestParser parser;
  rampart::http::Request request;
  size_t consumed = 0;
  if (parser.Parse(raw, request, consumed) != rampart::http::ParseStatus::kComplete) return false;
  out.method = request.method;
  out.uri = request.target;
  out.version = VersionNumber(request.version);
  for (const auto& h : request.headers) out.headers.emplace_back(h.name, h.value);
  out.has_body =
      request.framing == rampart::http::BodyFraming::kChunked ||
      (request.framing == rampart::http::BodyFraming::kContentLength && request.content_length > 0);
  out.chunked = request.framing == rampart::http::BodyFraming::kChunked;
  out.body = raw.substr(consumed);
  // rampart reads Content-Length bytes and no more; a shorter body never completes.
  if (request.framing == rampart::http::BodyFraming::kContentLength) {
    if (out.body.size() < request.content_length) out.chunked = true;  // not decided either
    out.body.resize(std::min<size_t>(out.body.size(), request.content_length));
  }
  return true;
}

void AddCrsRegression(const std::string& dir, std::vector<Sample>& out) {
  auto files = rampart::crs::ParseFtwDirectory(dir);
  if (!files) {
    std::fprintf(stderr, "crs regression: %s\n", files.error().message.c_str());
    return;
  }
  for (const auto& file : files.value()) {
    for (const auto& test : file.tests) {
      for (size_t s = 0; s < test.stages.size(); ++s) {
        auto bytes = rampart::crs::BuildRequest(test.stages[s].input);
        if (!bytes) continue;
        Sample sample;
        sample.origin = "crs:" + test.title;
        if (FromRaw(bytes.value(), sample)) out.push_back(std::move(sample));
      }
    }
  }
}

void AddCorpus(const std::string& path, std::vector<Sample>& out) {
  std::string error;
  for (auto& r : rampart::test::ReadCorpus(path, &error)) {
    Sample s;
    s.origin = "corpus:" + r.id;
    s.method = r.method;
    s.uri = r.target;
    s.headers = r.headers;
    s.body = r.body;
    s.has_body = !r.body.empty();
    // A client sends the length of its body (the corpus leaves it to the sender).
    const bool framed = std::any_of(s.headers.begin(), s.headers.end(), [](const auto& h) {
      return EqualsIgnoreCase(h.first, "Content-Length") ||
             EqualsIgnoreCase(h.first, "Transfer-Encoding");
    });
    if (s.has_body && !framed)
      s.headers.emplace_back("Content-Length", std::to_string(s.body.size()));
    out.push_back(std::move(s));
  }
  if (!error.empty()) std::fprintf(stderr, "%s\n", error.c_str());
}

// Bytes parsers and rules treat specially, inserted at random places by the mutants.
constexpr char kSpecial[] = "'\"<>;|&$(){}[]%\\/`*!=+-#\x00\t\n\r\x01\xff\xc0";

// One attack payload from the corpus (a classic SQLi when it has none).
std::string PickPayload(std::mt19937& rng, const std::vector<std::string>& payloads) {
  return payloads.empty() ? std::string("1' or '1'='1") : payloads[rng() % payloads.size()];
}

// Variants of bodyless samples: payloads moved to other places, encoded, and bytes flipped.
std::vector<Sample> Mutate(const std::vector<Sample>& base,
                           const std::vector<std::string>& payloads, size_t count) {
  std::mt19937 rng(20261124);
  std::vector<const Sample*> bodyless;
  for (const Sample& s : base) {
    if (!s.has_body) bodyless.push_back(&s);
  }
  std::vector<Sample> out;
  if (bodyless.empty()) return out;
  for (size_t i = 0; i < count; ++i) {
    Sample s = *bodyless[rng() % bodyless.size()];
    s.origin = "mutant:" + std::to_string(i) + ":" + s.origin;
    const std::string payload = PickPayload(rng, payloads);
    switch (rng() % 9) {
      case 0:  // payload as a query argument, percent-encoded
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("q=") +
                 PercentEncodeAll(payload);
        break;
      case 1:  // payload in a cookie
        s.headers.emplace_back("Cookie", "pref=" + payload);
        break;
      case 2:  // payload in a common header
        s.headers.emplace_back(rng() % 2 ? "Referer" : "User-Agent", payload);
        break;
      case 3:  // payload in a custom header
        s.headers.emplace_back("X-Custom-" + std::to_string(rng() % 5), payload);
        break;
      case 4: {  // a special byte inserted into the target
        const size_t at = s.uri.empty() ? 0 : rng() % s.uri.size();
        s.uri.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      }
      case 5: {  // a special byte inserted into a header value
        if (s.headers.empty()) break;
        auto& h = s.headers[rng() % s.headers.size()];
        const size_t at = h.second.empty() ? 0 : rng() % h.second.size();
        h.second.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      }
      case 6:  // payload as an argument name, double-encoded
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") +
                 PercentEncodeAll(PercentEncodeAll(payload)) + "=1";
        break;
      case 7:  // payload in the path
        s.uri = "/" + PercentEncodeAll(payload) + s.uri;
        break;
      case 8:  // case flipped path and method
        for (char& c : s.uri) {
          if (rng() % 3 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        if (rng() % 4 == 0) s.method = "PUT";
        break;
    }
    out.push_back(std::move(s));
  }
  return out;
}

bool IsForm(const Sample& s) {
  for (const auto& [name, value] : s.headers) {
    if (EqualsIgnoreCase(name, "Content-Type") &&
        EqualsIgnoreCase(value.substr(0, 33), "application/x-www-form-urlencoded")) {
      return true;
    }
  }
  return false;
}

// Variants of form posts: payloads put into the body, encoded, and bytes flipped.
std::vector<Sample> MutateForms(const std::vector<Sample>& base,
                                const std::vector<std::string>& payloads, size_t count) {
  std::mt19937 rng(20261125);
  std::vector<const Sample*> forms;
  for (const Sample& s : base) {
    if (s.has_body && !s.chunked && IsForm(s) && s.origin.rfind("corpus:", 0) == 0) {
      forms.push_back(&s);
    }
  }
  std::vector<Sample> out;
  if (forms.empty()) return out;
  for (size_t i = 0; i < count; ++i) {
    Sample s = *forms[rng() % forms.size()];
    s.origin = "form-mutant:" + std::to_string(i) + ":" + s.origin;
    const std::string payload = PickPayload(rng, payloads);
    switch (rng() % 7) {
      case 0:  // payload as a form value, percent-encoded
        s.body += "&comment=" + PercentEncodeAll(payload);
        break;
      case 1:  // payload as a form value, raw (what a careless client sends)
        s.body += "&q=" + payload;
        break;
      case 2:  // payload as a form field name
        s.body = PercentEncodeAll(payload) + "=1&" + s.body;
        break;
      case 3: {  // a special byte inserted into the body
        const size_t at = s.body.empty() ? 0 : rng() % s.body.size();
        s.body.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      }
      case 4:  // the body alone is the payload
        s.body = payload;
        break;
      case 5:  // the payload double-encoded in the body and a query argument
        s.body += "&x=" + PercentEncodeAll(PercentEncodeAll(payload));
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("y=1");
        break;
      case 6:  // the Content-Type in another case, with a charset
        for (auto& [name, value] : s.headers) {
          if (EqualsIgnoreCase(name, "Content-Type")) {
            value = "Application/X-WWW-Form-URLEncoded; charset=" +
                    std::string(rng() % 2 ? "UTF-8" : "iso-8859-1");
          }
        }
        break;
    }
    for (auto& [name, value] : s.headers) {
      if (EqualsIgnoreCase(name, "Content-Length")) value = std::to_string(s.body.size());
    }
    s.has_body = !s.body.empty();
    out.push_back(std::move(s));
  }
  return out;
}

struct Verdict {
  std::vector<int> rules;
  int inbound = 0;
  bool intervention = false;
};

Verdict RunLibmodsecurity(const std::shared_ptr<const rampart::modsec::CompiledPolicy>& policy,
                          const Sample& s) {
  Verdict v;
  auto started = rampart::modsec::Inspection::Start(policy, "differential");
  if (!started) {
    v.intervention = true;
    return v;
  }
  auto& insp = *started.value();
  (void)insp.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 8080);
  (void)insp.ProcessUri(s.uri, s.method, s.version);
  for (const auto& [name, value] : s.headers) (void)insp.AddRequestHeader(name, value);
  (void)insp.ProcessRequestHeaders();
  if (!insp.Intervention() && !s.body.empty()) (void)insp.AppendRequestBody(s.body);
  if (!insp.Intervention()) (void)insp.ProcessRequestBody();
  for (const auto& f : insp.Findings()) v.rules.push_back(f.id);
  v.inbound = insp.Scores().inbound;
  v.intervention = insp.Intervention().has_value();
  return v;
}

struct Setup {
  std::string name;
  rampart::modsec::Policy policy;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int reasons = 0;
  int only_pl = 0;
  int repeat = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--reasons") == 0 && i + 1 < argc) reasons = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--only-pl") == 0 && i + 1 < argc) only_pl = std::atoi(argv[++i]);
  }
  const std::string source = RAMPART_SOURCE_DIR;
  if (!std::filesystem::exists(std::string(rampart::modsec::kDefaultCrsDir) +
                               "/rules/REQUEST-901-INITIALIZATION.conf")) {
    std::printf("SKIP: OWASP CRS not installed (apt-get install modsecurity-crs)\n");
    return 77;
  }
  auto engine = rampart::modsec::Engine::Create({source + "/rules", ""});
  if (!engine) {
    std::fprintf(stderr, "engine: %s\n", engine.error().message.c_str());
    return 2;
  }
  auto cache = engine.value()->NewRulesCache();

  std::vector<Sample> samples;
  const std::string regression = source + "/../shared/crs-regression";
  if (std::filesystem::exists(regression)) {
    AddCrsRegression(regression, samples);
  } else {
    std::printf("note: %s absent: the CRS regression requests are not compared\n",
                regression.c_str());
  }
  const size_t crs_count = samples.size();
  for (const char* f : {"/corpus/benign/requests.jsonl", "/corpus/benign/traffic.jsonl",
                        "/corpus/attacks/attacks.jsonl"}) {
    AddCorpus(source + f, samples);
  }
  const size_t corpus_count = samples.size() - crs_count;
  std::vector<std::string> payloads;
  for (const Sample& s : samples) {
    if (s.origin.rfind("corpus:", 0) == 0 && s.uri.find('?') != std::string::npos &&
        s.origin.find("atk") != std::string::npos) {
      payloads.push_back(s.uri.substr(s.uri.find('?') + 1));
    }
  }
  std::vector<Sample> mutants = Mutate(samples, payloads, quick ? 1000 : 6000);
  std::vector<Sample> form_mutants = MutateForms(samples, payloads, quick ? 500 : 3000);
  mutants.insert(mutants.end(), std::make_move_iterator(form_mutants.begin()),
                 std::make_move_iterator(form_mutants.end()));
  const size_t mutant_count = mutants.size();
  samples.insert(samples.end(), std::make_move_iterator(mutants.begin()),
                 std::make_move_iterator(mutants.end()));
  if (quick) {
    std::vector<Sample> sampled;
    for (size_t i = 0; i < samples.size(); i += 4) sampled.push_back(samples[i]);
    samples = std::move(sampled);
  }
  std::printf("requests: %zu CRS regression, %zu corpus, %zu mutants%s\n", crs_count, corpus_count,
              mutant_count, quick ? " (quick: every 4th)" : "");

  std::vector<Setup> setups;
  for (int pl = 1; pl <= 4; ++pl) {
    if (only_pl != 0 && pl != only_pl) continue;
    Setup s;
    s.name = "crs PL" + std::to_string(pl);
    s.policy.paranoia = pl;
    setups.push_back(std::move(s));
  }
  if (only_pl == 0) {
    Setup b;
    b.name = "balanced";
    const std::string dir = source + "/rules/profiles/balanced";
    b.policy.paranoia = 1;
    b.policy.before_crs = {dir + "/before-crs.conf"};
    b.policy.after_crs = {dir + "/after-crs.conf", dir + "/precise-rules.conf"};
    setups.push_back(std::move(b));
  }

  size_t compared = 0;
  size_t differences = 0;
  for (const Setup& setup : setups) {
    auto policy = cache->Get(setup.policy);
    if (!policy) {
      std::fprintf(stderr, "%s: %s\n", setup.name.c_str(), policy.error().message.c_str());
      return 2;
    }
    auto fp = FastPath::Compile(policy.value());
    if (!fp) {
      std::printf("%s: no fast path: %s\n", setup.name.c_str(), fp.error().message.c_str());
      continue;
    }
    // Counted apart: requests without a body, and form posts (the only bodies it takes).
    size_t fast = 0;
    size_t bodyless = 0;
    size_t forms = 0;
    size_t forms_fast = 0;
    double decide_us = 0;  // time in Decide, every request decided
    double modsec_us = 0;  // time in libmodsecurity, the fast ones
    using Clock = std::chrono::steady_clock;
    size_t benign_bodyless = 0;
    size_t benign_fast = 0;
    size_t benign_forms = 0;
    size_t benign_forms_fast = 0;
    std::map<std::string, int> why;
    for (const Sample& s : samples) {
      ++compared;
      // The slow path is libmodsecurity itself. rampart waits for a body only when it is a
      // complete form of known length.
      const bool form = s.has_body && !s.chunked && IsForm(s);
      if (s.has_body && !form) continue;
      const bool benign =
          s.origin.rfind("corpus:", 0) == 0 && s.origin.find("atk") == std::string::npos;
      ++(form ? forms : bodyless);
      if (benign) ++(form ? benign_forms : benign_bodyless);
      RequestHead head{s.method, s.uri, s.version, {}, false, s.body};
      for (const auto& [n, v] : s.headers) head.headers.emplace_back(n, v);
      const auto decide_start = Clock::now();
      for (int i = 0; i < repeat; ++i) (void)fp.value()->Decide(head);
      const rampart::fastpath::Decision d = fp.value()->Decide(head);
      decide_us += std::chrono::duration<double, std::micro>(Clock::now() - decide_start).count();
      if (!d.fast) {
        ++why[d.reason];
        continue;
      }
      ++(form ? forms_fast : fast);
      if (benign) ++(form ? benign_forms_fast : benign_fast);
      const auto modsec_start = Clock::now();
      const Verdict v = RunLibmodsecurity(policy.value(), s);
      modsec_us += std::chrono::duration<double, std::micro>(Clock::now() - modsec_start).count();
      if (!v.rules.empty() || v.inbound != 0 || v.intervention) {
        ++differences;
        std::string ids;
        for (int id : v.rules) ids += " " + std::to_string(id);
        std::printf(
            "DIFFERENCE %s: %s %s: fast path skipped, libmodsecurity matched%s (score %d%s)\n",
            setup.name.c_str(), s.origin.c_str(), s.uri.c_str(), ids.c_str(), v.inbound,
            v.intervention ? ", intervention" : "");
      }
    }
    std::printf(
        "%s: %zu watched rules; %zu of %zu requests without a body took the fast path "
        "(benign corpus: %zu of %zu); form posts: %zu of %zu (benign corpus: %zu of %zu)\n",
        setup.name.c_str(), fp.value()->watched_rules(), fast, bodyless, benign_fast,
        benign_bodyless, forms_fast, forms, benign_forms_fast, benign_forms);
    // Informative only (this machine, this build): never a pass/fail criterion.
    const size_t decided = bodyless + forms;
    std::printf("  time: %.1f us per decision; libmodsecurity on the fast ones: %.1f us each\n",
                decided == 0 ? 0.0 : decide_us / static_cast<double>(decided * (repeat + 1)),
                fast + forms_fast == 0 ? 0.0 : modsec_us / static_cast<double>(fast + forms_fast));
    if (reasons > 0) {
      std::vector<std::pair<int, std::string>> top;
      for (const auto& [r, n] : why) top.emplace_back(n, r);
      std::sort(top.rbegin(), top.rend());
      for (int i = 0; i < reasons && i < static_cast<int>(top.size()); ++i) {
        std::printf("  slow %6d  %s\n", top[i].first, top[i].second.c_str());
      }
    }
  }
  std::printf("compared %zu requests over %zu setups: %zu differences\n", compared, setups.size(),
              differences);
  return differences == 0 ? 0 : 1;
}
