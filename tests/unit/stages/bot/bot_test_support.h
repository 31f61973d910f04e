#pragma once
// What the bot stage's and the Challenger's tests share: a browser's request as an Exchange,
// the page's answer on one, reading the local reply, and the finding a check leaves.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "bot/good_bots.h"
#include "bot/tokens.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"

namespace rampart::stages::bot::test_util {

// The names both tests use (with `using namespace test_util`).
namespace rb = rampart::bot;
using pipeline::Action;
using pipeline::Exchange;
using pipeline::FindingSource;
using pipeline::Verdict;

constexpr const char* kChrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
    "Safari/537.36";

// A navigation from `client` to `host`, with the headers Chrome sends.
inline Exchange BrowserExchange(pipeline::ClientInfo client, const std::string& host,
                                const std::string& method, const std::string& target) {
  Exchange ex(std::move(client));
  ex.request().method = method;
  ex.request().target = target;
  ex.request().host = host;
  ex.request().headers.Add("Host", host);
  ex.request().headers.Add("User-Agent", kChrome);
  ex.request().headers.Add("Accept", "text/html,application/xhtml+xml");
  ex.request().headers.Add("Accept-Language", "en-US,en;q=0.9");
  ex.original_target = target;
  return ex;
}

// The page's answer headers on `ex`: the token, the nonce and, unless empty, the elapsed ms.
inline void AddAnswer(Exchange& ex, const std::string& token, const std::string& nonce,
                      const std::string& elapsed = "") {
  ex.request().headers.Add("X-Rampart-Challenge", token);
  ex.request().headers.Add("X-Rampart-Nonce", nonce);
  if (!elapsed.empty()) ex.request().headers.Add("X-Rampart-Elapsed", elapsed);
}

// A nonce meeting `bits` for `token`.
inline std::string Solve(const std::string& token, uint32_t bits) {
  for (uint64_t n = 0;; ++n) {
    if (rb::ProofHolds(token, std::to_string(n), bits)) return std::to_string(n);
  }
}

// The local reply's status (0 without one) and header `name` ("<absent>", "<no reply>").
inline int Status(const Exchange& ex) { return ex.local_reply() ? ex.local_reply()->status : 0; }
inline std::string ReplyHeader(const Exchange& ex, const std::string& name) {
  if (!ex.local_reply()) return "<no reply>";
  const std::string* value = ex.local_reply()->headers.Get(name);
  return value ? *value : "<absent>";
}

// A good-bots list parsed from `yaml`; null (and a test failure) when it does not parse.
inline std::shared_ptr<const rb::GoodBots> ParseGoodBots(const std::string& yaml) {
  auto parsed = rb::GoodBots::Parse(yaml, "bots.yaml");
  using Parsed = std::shared_ptr<const rb::GoodBots>;
  if (std::holds_alternative<Parsed>(parsed)) return std::get<Parsed>(parsed);
  ADD_FAILURE() << "good bots do not parse:\n" << yaml;
  return nullptr;
}

// `ex` has one finding, rule `id` from `source` with `msg`, which decided `verdict` with a 403.
inline void ExpectOnlyFinding(const Exchange& ex, FindingSource source, const std::string& id,
                              const std::string& msg, Verdict verdict) {
  ASSERT_EQ(ex.findings().rules().size(), 1u);
  EXPECT_EQ(ex.findings().rules()[0].source, source);
  EXPECT_EQ(ex.findings().rules()[0].id, id);
  EXPECT_EQ(ex.findings().rules()[0].msg, msg);
  EXPECT_EQ(ex.findings().verdict(), verdict);
  EXPECT_EQ(ex.findings().source(), source);
  EXPECT_EQ(ex.findings().status(), 403);
}

}  // namespace rampart::stages::bot::test_util
