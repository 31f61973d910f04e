#include "stages/signatures/signatures_stage.h"

#include <atomic>
#include <utility>
#include <vector>

#include "pipeline/exchange.h"
#include "signatures/request_parts.h"
#include "stages/waf/waf_stage.h"

namespace rampart::stages::signatures {
namespace {

using rampart::signatures::ActionKind;
using rampart::signatures::Database;
using rampart::signatures::Part;
using rampart::signatures::PartValue;
using rampart::signatures::Signature;

constexpr size_t kMaxDataBytes = 200;

// Hyperscan scratch is per thread and per database: a reload brings a new database, and the
// first request a worker serves with it makes the worker's scratch anew.
Database::Scratch& ScratchFor(const Database& db) {
  thread_local uint64_t serial = 0;
  thread_local std::unique_ptr<Database::Scratch> scratch;
  if (!scratch || serial != db.serial()) {
    scratch = db.NewScratch();
    serial = db.serial();
  }
  return *scratch;
}

const char* PartName(Part part) {
  switch (part) {
    case Part::kPath:
      return "path";
    case Part::kQuery:
      return "query";
    case Part::kArgNames:
      return "arg_names";
    case Part::kArgValues:
      return "arg_values";
    case Part::kHeaders:
      return "headers";
    case Part::kHeader:
      return "header";
    case Part::kUserAgent:
      return "user_agent";
    case Part::kCookies:
      return "cookies";
    case Part::kBody:
      return "body";
  }
  return "?";
}

bool HostMatches(std::string_view pattern, std::string_view host) {
  if (pattern.size() > 2 && pattern.substr(0, 2) == "*.") {
    const std::string_view suffix = pattern.substr(1);
    return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix;
  }
  return pattern == host;
}

bool InScope(const Signature& sig, std::string_view host, std::string_view route) {
  if (!sig.routes.empty()) {
    bool found = false;
    for (const std::string& r : sig.routes) found = found || r == route;
    if (!found) return false;
  }
  if (!sig.hosts.empty()) {
    bool found = false;
    for (const std::string& h : sig.hosts) found = found || HostMatches(h, host);
    if (!found) return false;
  }
  return true;
}

std::string HostOf(const pipeline::Exchange& ex) {
  std::string host = ex.request().host;
  if (const size_t colon = host.rfind(':');
      colon != std::string::npos && host.find(']') == std::string::npos) {
    host.resize(colon);
  }
  for (char& c : host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return host;
}

class SignaturesStage final : public pipeline::Stage {
 public:
  explicit SignaturesStage(const SignaturesStageFactory& factory) : factory_(factory) {}

  pipeline::Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    if (ex.allowlisted()) return pipeline::Action::kContinue;  // ip_reputation's precedence
    const http::Request& req = ex.request();
    const bool has_body =
        req.framing == http::BodyFraming::kChunked ||
        (req.framing == http::BodyFraming::kContentLength && req.content_length > 0);
    if (has_body && factory_.InspectsRequestBody()) {
      awaiting_body_ = true;
      return pipeline::Action::kStopAndBuffer;
    }
    return Scan(ex, {});
  }

  pipeline::Action OnRequestBody(pipeline::Exchange& ex, std::string_view chunk,
                                 bool end) noexcept override {
    if (!awaiting_body_) return pipeline::Action::kContinue;
    // The buffered body arrives whole, or its first body_limit + 1 bytes with end == false.
    awaiting_body_ = false;
    (void)end;
    return Scan(ex, chunk.substr(0, factory_.settings().body_limit));
  }

 private:
  pipeline::Action Scan(pipeline::Exchange& ex, std::string_view body) {
    const Database& db = factory_.database();
    const std::string& target =
        ex.original_target.empty() ? ex.request().target : ex.original_target;
    const rampart::signatures::RequestView view{target, &ex.received_headers(), body};
    const std::vector<PartValue> parts = rampart::signatures::NormaliseParts(view, db);
    Database::Scratch& scratch = ScratchFor(db);
    const std::string host = HostOf(ex);
    const RouteSettings& settings = factory_.settings();
    bool block = false;
    bool challenge = false;
    uint32_t score = 0;
    std::vector<bool> seen(db.signatures().size(), false);
    std::vector<uint32_t> matched;
    for (const PartValue& part : parts) {
      matched.clear();
      db.Scan(part.where, part.value, scratch, matched);
      for (uint32_t i : matched) {
        if (seen[i]) continue;
        seen[i] = true;
        const Signature& sig = db.signatures()[i];
        if (!InScope(sig, host, settings.route_name)) continue;
        pipeline::RuleMatch m;
        m.source = pipeline::FindingSource::kSignatures;
        m.id = std::to_string(sig.id);
        m.msg = sig.description;
        m.severity = "critical";
        m.tags = sig.tags;
        // A header match names its header: "header:authorization" (the attack log masks the
        // data of credential headers by that name).
        m.var = part.where.part == Part::kHeader    ? "header:" + part.where.header
                : part.where.part == Part::kHeaders ? "header:" + part.source_header
                                                    : PartName(part.where.part);
        m.data = part.value.substr(0, kMaxDataBytes);
        ex.findings().AddRule(std::move(m));
        switch (sig.action.kind) {
          case rampart::signatures::ActionKind::kBlock:
            block = true;
            break;
          case rampart::signatures::ActionKind::kChallenge:
            challenge = true;
            break;
          case rampart::signatures::ActionKind::kScore:
            score += sig.action.score;
            break;
          case rampart::signatures::ActionKind::kLog:
            break;
        }
      }
    }
    if (settings.block_score > 0 && score >= settings.block_score) block = true;
    if (settings.challenge_score > 0 && score >= settings.challenge_score) challenge = true;
    if (!block && !challenge) {
      if (!ex.findings().rules().empty()) {
        ex.findings().Act(pipeline::FindingSource::kSignatures, pipeline::Verdict::kDetected);
      }
      return pipeline::Action::kContinue;
    }
    if (!block && settings.challenger) {
      // A client that solved a challenge (or is a verified good bot) passes a challenge action.
      if (settings.challenger->Cleared(ex)) {
        ex.findings().Act(pipeline::FindingSource::kSignatures, pipeline::Verdict::kDetected);
        return pipeline::Action::kContinue;
      }
      return settings.challenger->Challenge(ex, pipeline::FindingSource::kSignatures,
                                            "signature challenge");
    }
    // Without a challenger (bot.challenge off, an API route), a challenge answers as a block.
    ex.SetLocalReply(403, waf::RenderBlockPage(settings.block_page, ex.request_id()));
    ex.findings().Act(pipeline::FindingSource::kSignatures, pipeline::Verdict::kBlocked, 403);
    return pipeline::Action::kRespond;
  }

  const SignaturesStageFactory& factory_;
  bool awaiting_body_ = false;
};

}  // namespace

SignaturesStageFactory::SignaturesStageFactory(
    std::shared_ptr<const rampart::signatures::Database> database, RouteSettings settings)
    : database_(std::move(database)), settings_(std::move(settings)) {
  reads_body_ = database_->Uses(Part::kBody) || database_->Uses(Part::kArgNames) ||
                database_->Uses(Part::kArgValues);
}

std::unique_ptr<pipeline::Stage> SignaturesStageFactory::Create() const {
  return std::make_unique<SignaturesStage>(*this);
}

}  // namespace rampart::stages::signatures
