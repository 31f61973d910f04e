#include "support/bot_client.h"

#include <gtest/gtest.h>

#include <utility>

#include "support/auth_helpers.h"

namespace rampart::test {

std::optional<std::string> HtmlAttribute(const std::string& html, const std::string& name) {
  const std::string marker = name + "=\"";
  const size_t at = html.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const size_t begin = at + marker.size();
  const size_t end = html.find('"', begin);
  if (end == std::string::npos) return std::nullopt;
  return html.substr(begin, end - begin);
}

std::optional<PageChallenge> ParseChallengePage(const std::string& html) {
  std::optional<std::string> token = HtmlAttribute(html, "data-challenge");
  std::optional<std::string> difficulty = HtmlAttribute(html, "data-difficulty");
  if (!token || token->empty() || !difficulty || difficulty->empty()) return std::nullopt;
  return PageChallenge{*token, static_cast<uint32_t>(std::stoul(*difficulty))};
}

bool IsChallengePage(const HttpResponse& r) {
  return r.status == 403 && ParseChallengePage(r.body).has_value();
}

bool ProofHolds(const std::string& token, const std::string& nonce, uint32_t bits) {
  const std::string hex = Sha256Hex(token + nonce);
  for (uint32_t i = 0; i < bits; ++i) {
    const int nibble = std::stoi(hex.substr(i / 4, 1), nullptr, 16);
    if (nibble & (8 >> (i % 4))) return false;
  }
  return true;
}

std::string SolveChallenge(const PageChallenge& challenge) {
  for (uint64_t nonce = 0;; ++nonce) {
    if (ProofHolds(challenge.token, std::to_string(nonce), challenge.difficulty)) {
      return std::to_string(nonce);
    }
  }
}

std::string WrongNonce(const PageChallenge& challenge) {
  for (uint64_t nonce = 0;; ++nonce) {
    if (!ProofHolds(challenge.token, std::to_string(nonce), challenge.difficulty)) {
      return std::to_string(nonce);
    }
  }
}

std::string CookiePair(const std::string& set_cookie) {
  return set_cookie.substr(0, set_cookie.find(';'));
}

std::optional<HttpResponse> BotClient::As(const std::string& client_ip, const std::string& target,
                                          HeaderList headers, const std::string& method) const {
  if (!FindHeader(headers, "User-Agent")) headers.emplace_back("User-Agent", kDefaultUserAgent);
  headers.emplace_back("X-Forwarded-For", client_ip);
  headers.emplace_back("Connection", "close");
  Client client;
  if (!client.Connect(port_)) {
    ADD_FAILURE() << "cannot connect to rampart on port " << port_;
    return std::nullopt;
  }
  auto r = client.Request(method, target, headers, "");
  EXPECT_TRUE(r) << "no answer to " << method << " " << target << ": " << client.error();
  return r;
}

std::optional<HttpResponse> BotClient::Answer(const std::string& client_ip,
                                              const std::string& user_agent,
                                              const std::string& target,
                                              const PageChallenge& challenge,
                                              const std::string& nonce) const {
  return As(client_ip, target,
            {{"User-Agent", user_agent},
             {"X-Rampart-Challenge", challenge.token},
             {"X-Rampart-Nonce", nonce},
             {"X-Rampart-Elapsed", "42"}},
            "POST");
}

std::string BotClient::Clearance(const std::string& client_ip, const std::string& user_agent,
                                 const std::string& target) const {
  auto page = As(client_ip, target, {{"User-Agent", user_agent}});
  if (!page || !IsChallengePage(*page)) {
    ADD_FAILURE() << "no challenge at " << target << ": " << (page ? page->raw : "");
    return "";
  }
  const PageChallenge challenge = *ParseChallengePage(page->body);
  auto answered = Answer(client_ip, user_agent, target, challenge, SolveChallenge(challenge));
  if (!answered || answered->status != 204 || !answered->Header("Set-Cookie")) {
    ADD_FAILURE() << "the answer was refused: " << (answered ? answered->raw : "");
    return "";
  }
  return CookiePair(*answered->Header("Set-Cookie"));
}

int BotClient::StatusWithCookie(const std::string& client_ip, const std::string& user_agent,
                                const std::string& cookie, const std::string& target) const {
  HeaderList headers = {{"User-Agent", user_agent}};
  if (!cookie.empty()) headers.emplace_back("Cookie", cookie);
  auto r = As(client_ip, target, std::move(headers));
  if (r && r->status == 403) {
    EXPECT_TRUE(IsChallengePage(*r)) << target << ": " << r->body;
  }
  return r ? r->status : 0;
}

}  // namespace rampart::test
