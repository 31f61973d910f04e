#pragma once
// The bot challenge (issue 8) answered without a browser, the way the page's script does
// (challenge/README.md's contract): the token and difficulty from the page's data- attributes,
// the nonce found here with SHA-256 (nonces 0, 1, 2, ... in decimal until SHA-256(token ‖ nonce)
// starts with `difficulty` zero bits), then a POST to the same URL with X-Rampart-Challenge,
// X-Rampart-Nonce and X-Rampart-Elapsed, which a right answer turns into a clearance cookie.
//
// BotClient talks to one rampart listener as many clients: each request says who it is from in
// X-Forwarded-For (rampart must list 127.0.0.1 in trusted_proxies). Free functions and BotClient
// are thread-safe; failures are reported to the calling test (ADD_FAILURE / EXPECT).

#include <cstdint>
#include <optional>
#include <string>

#include "support/client.h"
#include "support/common.h"

namespace rampart::test {

// The value of the attribute `name`="..." in `html` (the page's data- attributes carry the
// inputs), as written in the page (HTML escapes kept); nullopt when there is none.
std::optional<std::string> HtmlAttribute(const std::string& html, const std::string& name);

// What a challenge page asks: its token (data-challenge) and difficulty (data-difficulty).
struct PageChallenge {
  std::string token;
  uint32_t difficulty = 0;
};

// The page's challenge; nullopt when `html` has no (or an empty) token or difficulty.
std::optional<PageChallenge> ParseChallengePage(const std::string& html);
// A 403 with a challenge page.
bool IsChallengePage(const HttpResponse& r);

// Whether SHA-256(token ‖ nonce) starts with `bits` zero bits.
bool ProofHolds(const std::string& token, const std::string& nonce, uint32_t bits);
// The page's answer: the first nonce (0, 1, 2, ... in decimal) for which the proof holds.
std::string SolveChallenge(const PageChallenge& challenge);
// The first nonce for which it does not hold.
std::string WrongNonce(const PageChallenge& challenge);

// "name=value" of a Set-Cookie field.
std::string CookiePair(const std::string& set_cookie);

class BotClient {
 public:
  // The User-Agent of requests that do not name one.
  static constexpr char kDefaultUserAgent[] = "curl/8.5.0";

  // Talks to 127.0.0.1:`port` (rampart's listener).
  explicit BotClient(uint16_t port) : port_(port) {}

  uint16_t port() const { return port_; }

  // One request on a fresh connection (Connection: close) as client `client_ip` (in
  // X-Forwarded-For); kDefaultUserAgent unless `headers` name a User-Agent. nullopt and a test
  // failure when rampart does not answer.
  std::optional<HttpResponse> As(const std::string& client_ip, const std::string& target,
                                 HeaderList headers = {}, const std::string& method = "GET") const;

  // The page's answer to `challenge` with `nonce`: a POST of `target` from `client_ip` with
  // `user_agent` and the three X-Rampart-* headers.
  std::optional<HttpResponse> Answer(const std::string& client_ip, const std::string& user_agent,
                                     const std::string& target, const PageChallenge& challenge,
                                     const std::string& nonce) const;

  // Gets challenged at `target` as `client_ip` with `user_agent`, solves the page and answers
  // it; the clearance cookie as "name=value" ("" and a test failure when that goes wrong).
  std::string Clearance(const std::string& client_ip,
                        const std::string& user_agent = kDefaultUserAgent,
                        const std::string& target = "/clearance") const;

  // The status of GET `target` with `cookie` (none when empty); 0 without an answer. A 403 must
  // be the challenge page (a test failure otherwise).
  int StatusWithCookie(const std::string& client_ip, const std::string& user_agent,
                       const std::string& cookie, const std::string& target) const;

 private:
  uint16_t port_;
};

}  // namespace rampart::test
