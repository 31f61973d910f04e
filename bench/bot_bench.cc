// Bot challenge benchmark, in process (bench/bot.sh, bench/README.md): what src/bot and the
// Challenger cost rampart per request, no sockets:
//   - CheckClearance of a valid clearance cookie, and of a forged one (same length, wrong MAC);
//   - Challenger::Cleared on an Exchange carrying a valid cookie (cookie lookup, the client's
//     IP prefix, the check; the exchange's cached answer cleared before each call);
//   - issuing a page: MintChallenge + RenderChallengePage of the built-in page, and the whole
//     Challenger::Challenge (a fresh Exchange, random part, wait ticket, page, findings);
//   - CheckChallengeAnswer of a solved challenge (MAC, expiry, one SHA-256 of the proof), and
//     the whole Challenger::TakeAnswer (a fresh Exchange, the check, a new clearance cookie).
//
//   bot_bench [--budget-ms N] [--difficulty D]
//
// Each case is timed in the thread's CPU time as bench/bench_timing.h says: the median µs per
// call, and the 10th and 90th percentiles.

#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "bot/challenge_page.h"
#include "bot/tokens.h"
#include "pipeline/exchange.h"
#include "stages/bot/challenger.h"

const char rampart::bench::kBenchName[] = "bot_bench";

namespace {

namespace rb = rampart::bot;
namespace sb = rampart::stages::bot;
using rampart::bench::Die;
using rampart::bench::Measure;
using rampart::bench::Row;
using rampart::pipeline::Exchange;

constexpr const char* kUserAgent =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
    "Safari/537.36";

// A browser's request for a page of a shop, as rampart sees it after parsing.
Exchange BrowserRequest(const std::string& method = "GET") {
  Exchange ex(rampart::pipeline::ClientInfo{"198.51.100.23", 51234, true});
  ex.request().method = method;
  ex.request().target = "/products/garden-chairs?page=2&sort=price";
  ex.request().host = "shop.example";
  ex.request().headers.Add("Host", "shop.example");
  ex.request().headers.Add("User-Agent", kUserAgent);
  ex.request().headers.Add("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
  ex.request().headers.Add("Accept-Language", "en-US,en;q=0.9");
  ex.request().headers.Add("Accept-Encoding", "gzip, deflate, br");
  ex.original_target = ex.request().target;
  return ex;
}

std::string Solve(const std::string& token, uint32_t bits) {
  for (uint64_t n = 0;; ++n) {
    if (rb::ProofHolds(token, std::to_string(n), bits)) return std::to_string(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  double budget_ms = 1000;
  uint32_t difficulty = 16;
  for (int i = 1; i < argc; ++i) {
    if (rampart::bench::TakeBudgetMs(argc, argv, i, budget_ms)) continue;
    char* end = nullptr;
    if (std::string(argv[i]) == "--difficulty" && i + 1 < argc) {
      const long d = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || d < 0 || d > 24) Die("--difficulty: 0 to 24");
      difficulty = static_cast<uint32_t>(d);
    } else {
      Die("usage: bot_bench [--budget-ms N] [--difficulty D]");
    }
  }
  const double budget_s = budget_ms / 1e3;

  // Keys as the server makes them: 32 random bytes as hex, the period of a 1 h rotation.
  auto keys = std::make_shared<rb::BotKeys>();
  keys->period = sb::UnixNow() / 3600;
  keys->current = rb::RandomHex(32);
  keys->previous = rb::RandomHex(32);
  auto ring = std::make_shared<sb::BotKeyRing>();
  ring->Set(keys);
  sb::ChallengeSettings settings;
  settings.difficulty = difficulty;
  settings.page = std::make_shared<const std::string>(rb::BuiltInChallengePage());
  const sb::Challenger challenger(settings, ring, nullptr, nullptr);

  Exchange probe = BrowserRequest();
  const rb::ClientBinding client = challenger.Binding(probe);
  const uint64_t now = sb::UnixNow();
  std::vector<Row> rows;

  // ---- Clearance ----
  const std::string cookie = rb::MintClearance(*keys, client, now + 3600);
  std::string forged = cookie;
  forged[forged.size() - 1] = forged.back() == '0' ? '1' : '0';
  rows.push_back(Measure(
      "CheckClearance, valid",
      "HMAC-SHA256 (IP prefix, UA hash, expiry), cookie " + std::to_string(cookie.size()) + " B",
      [&] { return rb::CheckClearance(*keys, cookie, client, now) == rb::TokenStatus::kOk; },
      budget_s));
  rows.push_back(Measure(
      "CheckClearance, forged", "the same cookie with its MAC's last digit changed",
      [&] { return rb::CheckClearance(*keys, forged, client, now) == rb::TokenStatus::kForged; },
      budget_s));
  Exchange cleared = BrowserRequest();
  cleared.request().headers.Add("Cookie", "_ga=GA1.2.1234567890.1700000000; theme=dark; " +
                                              challenger.settings().cookie + "=" + cookie);
  rows.push_back(Measure(
      "Challenger::Cleared, valid cookie",
      "what each request of a cleared client pays: Cookie header, IP prefix, the check",
      [&] {
        cleared.bot() = {};
        return challenger.Cleared(cleared);
      },
      budget_s));

  // ---- Issuing a page ----
  const std::string page(rb::BuiltInChallengePage());
  rb::PageValues values;
  values.difficulty = difficulty;
  values.verify_path = probe.original_target;
  values.nojs_url = probe.original_target + "&rampart_wait=" +
                    rb::MintWaitTicket(*keys, client, now, probe.original_target);
  values.nojs_delay_s = 10;
  values.site = "shop.example";
  values.method = "GET";
  size_t page_bytes = 0;
  rows.push_back(Measure(
      "MintChallenge + RenderChallengePage",
      "a token (HMAC) and the built-in page (" + std::to_string(page.size()) + " B) filled in",
      [&] {
        values.challenge =
            rb::MintChallenge(*keys, client, now + 300, difficulty, "0123456789abcdef");
        page_bytes = rb::RenderChallengePage(page, values).size();
        return page_bytes > page.size() / 2;
      },
      budget_s));
  rows.push_back(Measure(
      "Challenger::Challenge",
      "the whole page issue: fresh Exchange, RandomHex, challenge + wait ticket, page, finding",
      [&] {
        Exchange ex = BrowserRequest();
        challenger.Challenge(ex, rampart::pipeline::FindingSource::kBot, "bench");
        return ex.local_reply() && ex.local_reply()->status == 403;
      },
      budget_s));

  // ---- Answers ----
  const std::string token =
      rb::MintChallenge(*keys, client, now + 300, difficulty, "00aa11bb22cc33dd");
  const std::string nonce = Solve(token, difficulty);
  rows.push_back(Measure(
      "CheckChallengeAnswer, D=" + std::to_string(difficulty),
      "HMAC of the token, expiry, one SHA-256 of token+nonce; token " +
          std::to_string(token.size()) + " B",
      [&] {
        return rb::CheckChallengeAnswer(*keys, token, nonce, client, now).status ==
               rb::TokenStatus::kOk;
      },
      budget_s));
  rows.push_back(Measure(
      "Challenger::TakeAnswer, valid",
      "the whole answer: fresh Exchange, the check, a new clearance cookie, 204",
      [&] {
        Exchange ex = BrowserRequest("POST");
        ex.request().headers.Add("X-Rampart-Challenge", token);
        ex.request().headers.Add("X-Rampart-Nonce", nonce);
        ex.request().headers.Add("X-Rampart-Elapsed", "480");
        const auto action = challenger.TakeAnswer(ex);
        return action && ex.local_reply()->status == 204;
      },
      budget_s));
  // What a fresh Exchange costs alone, to subtract from the two rows that make one per call.
  rows.push_back(Measure(
      "(a fresh Exchange alone)", "BrowserRequest(): the baseline of the rows above that make one",
      [&] {
        Exchange ex = BrowserRequest();
        return !ex.request().headers.empty();
      },
      budget_s));

  std::printf(
      "%s; thread CPU time, %.0f ms per case after a warm-up of a tenth of that; difficulty %u; "
      "page %zu B rendered\n",
      OpenSSL_version(OPENSSL_VERSION), budget_ms, difficulty, page_bytes);
  rampart::bench::PrintRows(rows);
  return 0;
}
