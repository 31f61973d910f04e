#include "stages/bot/challenger.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "bot/challenge_page.h"
#include "http/cookie.h"
#include "net/ip_range_set.h"

namespace rampart::stages::bot {
namespace {

using pipeline::Action;
using pipeline::FindingSource;
using rampart::bot::TokenStatus;

constexpr std::string_view kTextType = "text/plain; charset=utf-8";
constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
// How long after its delay a wait ticket is still good.
constexpr uint64_t kWaitWindowS = 300;

// The solve time the page reports: the client's word, so capped at the challenge's lifetime
// (a huge value would only skew the histogram's sum).
uint64_t ElapsedMs(const std::string* header, std::chrono::seconds cap) {
  if (header == nullptr) return 0;
  uint64_t ms = 0;
  std::from_chars(header->data(), header->data() + header->size(), ms);
  return std::min<uint64_t>(ms, static_cast<uint64_t>(cap.count()) * 1000);
}

// "/page?a=1&rampart_wait=T" -> "/page?a=1" and T; nullopt without the parameter at the end.
std::optional<std::pair<std::string, std::string>> SplitWaitTarget(const std::string& target) {
  const std::string marker = std::string(kWaitParam) + "=";
  const size_t at = target.rfind(marker);
  if (at == std::string::npos || at == 0 || (target[at - 1] != '?' && target[at - 1] != '&')) {
    return std::nullopt;
  }
  std::string ticket = target.substr(at + marker.size());
  if (ticket.find('&') != std::string::npos) return std::nullopt;
  return std::make_pair(target.substr(0, at - 1), std::move(ticket));
}

}  // namespace

uint64_t UnixNow() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Challenger::Challenger(ChallengeSettings settings, std::shared_ptr<const BotKeyRing> keys,
                       std::shared_ptr<const rampart::bot::GoodBots> good_bots,
                       std::shared_ptr<BotCounters> counters)
    : settings_(std::move(settings)),
      keys_(std::move(keys)),
      good_bots_(std::move(good_bots)),
      counters_(counters ? std::move(counters) : std::make_shared<BotCounters>()) {}

rampart::bot::ClientBinding Challenger::Binding(const pipeline::Exchange& ex) const {
  rampart::bot::ClientBinding binding;
  if (auto ip = net::IpAddress::Parse(ex.client().ip)) {
    binding.ip_prefix = net::NetworkPrefixText(*ip, settings_.prefix_v4, settings_.prefix_v6);
  } else {
    binding.ip_prefix = ex.client().ip;
  }
  if (const std::string* ua = ex.request().headers.Get("User-Agent")) binding.user_agent = *ua;
  return binding;
}

bool Challenger::Cleared(pipeline::Exchange& ex) const {
  pipeline::BotView& view = ex.bot();
  if (view.cleared) return *view.cleared;
  // The allow list lets a client through every later check (configuration.md, Precedence).
  view.cleared = ex.allowlisted();
  if (*view.cleared) return true;
  if (good_bots_) {
    const std::string* ua = ex.request().headers.Get("User-Agent");
    auto ip = net::IpAddress::Parse(ex.client().ip);
    if (ua != nullptr && ip) {
      if (auto name = good_bots_->Match(*ua, *ip)) {
        view.good_bot = std::string(*name);
        view.cleared = true;
        counters_->GoodBot();
        return true;
      }
    }
  }
  const auto cookie = http::FindCookie(ex.request().headers, settings_.cookie);
  const auto key_set = keys_->Get();
  if (!cookie || key_set == nullptr) return false;
  view.cleared = rampart::bot::CheckClearance(*key_set, *cookie, Binding(ex), UnixNow()) ==
                 rampart::bot::TokenStatus::kOk;
  return *view.cleared;
}

std::string Challenger::ClearanceCookie(const pipeline::Exchange& ex,
                                        const rampart::bot::BotKeys& key_set) const {
  const uint64_t ttl = static_cast<uint64_t>(settings_.clearance_ttl.count());
  std::string cookie = settings_.cookie + "=" +
                       rampart::bot::MintClearance(key_set, Binding(ex), UnixNow() + ttl) +
                       "; Path=/; Max-Age=" + std::to_string(ttl) + "; HttpOnly; SameSite=Lax";
  if (ex.client().tls) cookie += "; Secure";
  return cookie;
}

pipeline::Action Challenger::Challenge(pipeline::Exchange& ex, pipeline::FindingSource source,
                                       const std::string& reason) const {
  // The page's answer comes back to the same URL, and so through the same stage that
  // challenged it: take it here rather than challenge it again.
  if (auto answered = TakeAnswer(ex)) return *answered;
  pipeline::RuleMatch match;
  match.source = source;
  match.id = "bot:challenge";
  match.msg = "challenged: " + reason;
  ex.findings().AddRule(std::move(match));
  const auto key_set = keys_->Get();
  ex.findings().Act(source, pipeline::Verdict::kChallenged, key_set == nullptr ? 503 : 403);
  if (key_set == nullptr) {
    // No secret yet (the first moments after a start with shared state): nothing can be
    // signed, so nothing can be solved; say so rather than send an unsolvable page.
    ex.SetLocalReply(503, "The site is starting; try again in a moment.\n",
                     "text/plain; charset=utf-8");
    ex.local_reply()->headers.Add("Retry-After", "1");
    return pipeline::Action::kRespond;
  }
  counters_->Issued();
  const rampart::bot::ClientBinding binding = Binding(ex);
  const uint64_t now = UnixNow();
  const std::string& target = ex.original_target.empty() ? ex.request().target : ex.original_target;
  rampart::bot::PageValues values;
  values.challenge = rampart::bot::MintChallenge(
      *key_set, binding, now + static_cast<uint64_t>(settings_.challenge_ttl.count()),
      settings_.difficulty, rampart::bot::RandomHex(8));
  values.difficulty = settings_.difficulty;
  values.verify_path = target;
  values.nojs_url = target + (target.find('?') == std::string::npos ? "?" : "&") +
                    std::string(kWaitParam) + "=" +
                    rampart::bot::MintWaitTicket(*key_set, binding, now, target);
  values.nojs_delay_s = static_cast<uint64_t>(settings_.nojs_delay.count());
  values.site = ex.request().host;
  values.method = ex.request().method;
  ex.SetLocalReply(403, rampart::bot::RenderChallengePage(*settings_.page, values),
                   "text/html; charset=utf-8");
  ex.local_reply()->headers.Add("Cache-Control", "no-store");
  return pipeline::Action::kRespond;
}

std::optional<pipeline::Action> Challenger::TakeAnswer(pipeline::Exchange& ex) const {
  const http::Request& request = ex.request();
  if (request.method == "POST" && request.headers.Get(kAnswerHeader) != nullptr) {
    return TakeAnswerOf(ex);
  }
  if (request.query().find(kWaitParam) != std::string_view::npos) {
    if (auto split = SplitWaitTarget(request.target)) return TakeWait(ex, *split);
  }
  return std::nullopt;
}

// The page's answer: the proof, checked against the token's MAC (this client's IP prefix and
// user-agent), expiry and difficulty.
pipeline::Action Challenger::TakeAnswerOf(pipeline::Exchange& ex) const {
  const auto key_set = keys_->Get();
  const std::string* token = ex.request().headers.Get(kAnswerHeader);
  const std::string* nonce = ex.request().headers.Get(kNonceHeader);
  rampart::bot::ChallengeAnswer answer;
  if (key_set == nullptr) answer.status = TokenStatus::kUnknownKey;
  if (key_set != nullptr && nonce != nullptr) {
    answer = rampart::bot::CheckChallengeAnswer(*key_set, *token, *nonce, Binding(ex), UnixNow());
  }
  if (answer.status != TokenStatus::kOk) {
    return Fail(ex, answer.status, "challenge answer refused");
  }
  const uint64_t elapsed =
      ElapsedMs(ex.request().headers.Get(kElapsedHeader), settings_.challenge_ttl);
  counters_->Solved(elapsed);
  pipeline::RuleMatch match;
  match.source = FindingSource::kBot;
  match.id = "bot:solved";
  match.msg = "challenge solved (difficulty " + std::to_string(answer.difficulty) +
              (elapsed > 0 ? ", " + std::to_string(elapsed) + " ms in the browser)" : ")");
  ex.findings().AddRule(std::move(match));
  ex.SetLocalReply(204, "", "");
  ex.local_reply()->headers.Add("Set-Cookie", ClearanceCookie(ex, *key_set));
  ex.local_reply()->headers.Add("Cache-Control", "no-store");
  return Action::kRespond;
}

// The no-JavaScript fallback: the page's meta refresh comes back after the delay.
pipeline::Action Challenger::TakeWait(pipeline::Exchange& ex,
                                      const std::pair<std::string, std::string>& split) const {
  const auto& [return_path, ticket] = split;
  const auto key_set = keys_->Get();
  const uint64_t delay = static_cast<uint64_t>(settings_.nojs_delay.count());
  const TokenStatus status =
      key_set == nullptr ? TokenStatus::kUnknownKey
                         : rampart::bot::CheckWaitTicket(*key_set, ticket, Binding(ex), return_path,
                                                         UnixNow(), delay, kWaitWindowS);
  if (status == TokenStatus::kTooEarly) {
    // Refreshed a little early (clocks, rounding): say so and come back, never a silent loop.
    ex.SetLocalReply(403,
                     "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta http-equiv=\"refresh\" content=\"2\"><title>One moment</title>"
                     "</head><body><p>Almost there: this page reloads in two seconds.</p>"
                     "</body></html>\n",
                     kHtmlType);
    ex.local_reply()->headers.Add("Cache-Control", "no-store");
    return Action::kRespond;
  }
  if (status != TokenStatus::kOk) return Fail(ex, status, "no-JavaScript ticket refused");
  counters_->Solved(0);
  pipeline::RuleMatch match;
  match.source = FindingSource::kBot;
  match.id = "bot:solved";
  match.msg = "no-JavaScript wait completed";
  ex.findings().AddRule(std::move(match));
  ex.SetLocalReply(303, "", "");
  ex.local_reply()->headers.Add("Location", return_path);
  ex.local_reply()->headers.Add("Set-Cookie", ClearanceCookie(ex, *key_set));
  ex.local_reply()->headers.Add("Cache-Control", "no-store");
  return Action::kRespond;
}

pipeline::Action Challenger::Fail(pipeline::Exchange& ex, TokenStatus status,
                                  const std::string& what) const {
  counters_->Failed(status);
  pipeline::RuleMatch match;
  match.source = FindingSource::kBot;
  match.id = "bot:failed";
  match.msg = what + ": " + std::string(rampart::bot::TokenStatusName(status));
  ex.findings().AddRule(std::move(match));
  ex.findings().Act(FindingSource::kBot, pipeline::Verdict::kBlocked, 403);
  ex.SetLocalReply(403,
                   "The browser check failed (" +
                       std::string(rampart::bot::TokenStatusName(status)) +
                       "). Reload the page to get a new one.\n",
                   kTextType);
  ex.local_reply()->headers.Add("Cache-Control", "no-store");
  return Action::kRespond;
}

}  // namespace rampart::stages::bot
