#include "stages/waf/waf_stage.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "fastpath/value_memo.h"
#include "modsec/body_view.h"
#include "modsec/findings.h"
#include "modsec/inspection.h"
#include "pipeline/exchange.h"
#include "pipeline/local_reply.h"

namespace rampart::stages::waf {

const char kDefaultBlockPage[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>403 Forbidden</title></head>\n"
    "<body><h1>403 Forbidden</h1>\n"
    "<p>This request was blocked.</p>\n"
    "<p>Request ID: {{request_id}}</p>\n"
    "</body></html>\n";

namespace {

std::string LowerSeverity(int severity) {
  std::string name = modsec::SeverityName(severity);
  for (char& c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return name;
}

pipeline::RuleMatch ToRuleMatch(modsec::Finding f) {
  pipeline::RuleMatch m;
  m.source = pipeline::FindingSource::kWaf;
  m.id = std::to_string(f.id);
  m.msg = std::move(f.msg);
  m.severity = LowerSeverity(f.severity);
  m.tags = std::move(f.tags);
  m.var = std::move(f.var);
  m.data = std::move(f.data);
  return m;
}

// The body view (modsec/body_view.h) of `body`, which holds at most `limit` + 1 bytes of the
// request body. A view longer than the limit would be cut by libmodsecurity mid-document and
// go uninspected past the cut: with inspect_partial it is made of a shorter first part of the
// body instead; otherwise it counts as a body over the limit (413), as the body would.
std::optional<std::string> BodyView(std::string_view content_type, std::string_view body,
                                    size_t limit, bool partial) {
  const bool cut = body.size() > limit;
  if (cut) body = body.substr(0, limit);
  auto view = modsec::BodyViewOf(content_type, body, cut);
  while (partial && view.has_value() && view->size() > limit && !body.empty()) {
    // A view is at most about three times its part of the body: a few rounds at most.
    body = body.substr(0, body.size() * limit / view->size() * 9 / 10);
    view = modsec::BodyViewOf(content_type, body, true);
  }
  return view;
}

// The target as the client sent it (before any rewrite): what the WAF inspects.
const std::string& InspectedTarget(const pipeline::Exchange& ex) {
  return ex.original_target.empty() ? ex.request().target : ex.original_target;
}

// ModSecurity takes the version without the "HTTP/" prefix ("1.1", "2.0").
std::string_view VersionText(http::Version v) { return http::VersionName(v).substr(5); }

class WafStage final : public pipeline::Stage {
 public:
  explicit WafStage(const WafStageFactory& factory) : factory_(factory) {}

  pipeline::Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    // An allow-listed client is not inspected at all (ip_reputation's precedence).
    if (ex.allowlisted()) return pipeline::Action::kContinue;
    const http::Request& req = ex.request();
    const bool has_body =
        req.framing == http::BodyFraming::kChunked ||
        (req.framing == http::BodyFraming::kContentLength && req.content_length > 0);
    if (const fastpath::FastPath* fast = factory_.fast_path()) {
      const std::string* type = req.headers.Get("Content-Type");
      if (!has_body) {
        if (SkipsLibmodsecurity(*fast, ex, {})) return pipeline::Action::kContinue;
      } else if (req.framing == http::BodyFraming::kContentLength &&
                 fast->MayTakeBody(type != nullptr ? *type : std::string_view(),
                                   req.content_length) &&
                 !(factory_.body_views() && type != nullptr && modsec::HasBodyView(*type))) {
        // A small form or JSON body (not one libmodsecurity gets a view of): the fast path
        // decides once the whole body is here (DecideBody).
        deciding_body_ = true;
        return pipeline::Action::kStopAndBuffer;
      } else {
        ex.waf_path = pipeline::WafPath::kSlow;
        spdlog::debug("waf {}: slow path: request body", ex.request_id());
      }
    }
    return StartInspection(ex, has_body);
  }

  pipeline::Action OnRequestBody(pipeline::Exchange& ex, std::string_view chunk,
                                 bool end) noexcept override {
    if (deciding_body_) return DecideBody(ex, chunk, end);
    if (!awaiting_body_ || !inspection_) return pipeline::Action::kContinue;
    // Kept until the inspection runs: at most the limit plus one byte, which is all
    // libmodsecurity is handed (the extra byte tells it the body is longer).
    const size_t limit = factory_.policy()->policy().request_body_limit;
    body_seen_ += chunk.size();
    if (body_.size() <= limit) body_.append(chunk.substr(0, limit + 1 - body_.size()));
    inspection_->DeclareRequestBodyLength(body_seen_);  // reject mode: 413 past the limit
    if (auto verdict = inspection_->Intervention()) return Block(ex, *verdict);
    // Past the limit (inspect_partial) libmodsecurity has all it will see: decide now and let
    // the rest stream.
    if (!end && body_seen_ <= limit) return pipeline::Action::kContinue;
    awaiting_body_ = false;
    return Inspect(ex);
  }

  pipeline::Action OnResponseHeaders(pipeline::Exchange& ex) noexcept override {
    if (!inspecting_response()) return pipeline::Action::kContinue;
    modsec::Inspection& insp = *inspection_;
    for (const http::Header& h : ex.response().headers) {
      if (!insp.AddResponseHeader(h.name, h.value).ok()) return Fail(ex);
    }
    const std::string protocol =
        ex.response().version == http::Version::kHttp10 ? "HTTP 1.0" : "HTTP 1.1";
    if (!insp.ProcessResponseHeaders(ex.response().status, protocol).ok()) return Fail(ex);
    if (auto verdict = insp.Intervention()) return Block(ex, *verdict);
    const http::Response& resp = ex.response();
    const std::string* type = resp.headers.Get("Content-Type");
    const bool no_body =
        resp.framing == http::BodyFraming::kNone ||
        (resp.framing == http::BodyFraming::kContentLength && resp.content_length == 0);
    if (!factory_.InspectsResponseBody() || no_body ||
        !insp.InspectsResponseBodyOf(type != nullptr ? *type : std::string_view())) {
      return EndResponse(ex);
    }
    // Hold the head back until the body (up to the limit) is judged, so a block replaces the
    // whole response with the block page instead of cutting it. Detect mode never blocks:
    // nothing to wait for.
    return detect_only() ? pipeline::Action::kContinue : pipeline::Action::kStopAndBuffer;
  }

  pipeline::Action OnResponseBody(pipeline::Exchange& ex, std::string_view chunk,
                                  bool end) noexcept override {
    if (!inspecting_response() || response_done_) return pipeline::Action::kContinue;
    if (!chunk.empty() && !inspection_->AppendResponseBody(chunk).ok()) return Fail(ex);
    // Past the limit libmodsecurity has all it will see: decide now, and let the rest stream.
    if (!end && !inspection_->response_body_truncated()) return pipeline::Action::kContinue;
    return EndResponse(ex);
  }

  void OnComplete(const pipeline::Exchange& /*ex*/) noexcept override {
    // An offloaded job may still be using the transaction (the client went away meanwhile).
    if (inspection_ && !offloaded_) (void)inspection_->ProcessLogging();
  }

 private:
  bool detect_only() const { return factory_.policy()->policy().detect_only; }

  // The fast path's decision, fed exactly what libmodsecurity would be fed; true when no rule
  // could match, so libmodsecurity would let the request through with no finding.
  static bool SkipsLibmodsecurity(const fastpath::FastPath& fast, pipeline::Exchange& ex,
                                  std::string_view body) {
    ex.waf_path = pipeline::WafPath::kSlow;
    const http::Request& req = ex.request();
    const std::string& uri = InspectedTarget(ex);
    fastpath::RequestHead head;
    head.method = req.method;
    head.uri = uri;
    head.http_version = VersionText(req.version);
    head.body = body;
    head.headers.reserve(ex.received_headers().size());
    for (const http::Header& h : ex.received_headers()) head.headers.emplace_back(h.name, h.value);
    const fastpath::Decision decision = fast.Decide(head);
    const fastpath::ValueMemo::Counts memo = fastpath::ValueMemo::Take();
    ex.waf_values_remembered = memo.hits;
    ex.waf_values_checked = memo.misses;
    if (!decision.fast) {
      spdlog::debug("waf {}: slow path: {}", ex.request_id(), decision.reason);
      return false;
    }
    ex.waf_path = pipeline::WafPath::kFast;
    return true;
  }
  // Starts libmodsecurity's transaction (connection, URI, headers); then inspects at once, or
  // with a body waits for it (OnRequestBody).
  pipeline::Action StartInspection(pipeline::Exchange& ex, bool has_body) {
    const http::Request& req = ex.request();
    const std::string& uri = InspectedTarget(ex);
    auto started = modsec::Inspection::Start(factory_.policy(), ex.request_id());
    if (!started.ok()) return Fail(ex);
    inspection_ = std::move(started).value();
    modsec::Inspection& insp = *inspection_;
    if (!insp.ProcessConnection(ex.client().ip, ex.client().port, ex.local().ip, ex.local().port)
             .ok() ||
        !insp.ProcessUri(uri, req.method, VersionText(req.version)).ok()) {
      return Fail(ex);
    }
    for (const http::Header& h : ex.received_headers()) {
      if (!insp.AddRequestHeader(h.name, h.value).ok()) return Fail(ex);
    }
    if (!has_body) return Inspect(ex);
    // A declared length past the limit is refused now, before the body is read (reject mode).
    if (req.framing == http::BodyFraming::kContentLength) {
      insp.DeclareRequestBodyLength(req.content_length);
    }
    if (auto verdict = insp.Intervention()) return Block(ex, *verdict);
    awaiting_body_ = true;
    return pipeline::Action::kStopAndBuffer;
  }

  // A body the fast path may take, gathered whole (MayTakeBody keeps it small); then either
  // the request skips libmodsecurity, or libmodsecurity starts and gets the body at once.
  pipeline::Action DecideBody(pipeline::Exchange& ex, std::string_view chunk, bool end) {
    body_.append(chunk);
    if (!end) return pipeline::Action::kContinue;
    deciding_body_ = false;
    const std::string body = std::move(body_);
    body_.clear();
    if (SkipsLibmodsecurity(*factory_.fast_path(), ex, body)) return pipeline::Action::kContinue;
    const pipeline::Action started = StartInspection(ex, true);
    if (!awaiting_body_) return started;   // failed or blocked
    return OnRequestBody(ex, body, true);  // the whole body in one piece, as the slow path takes it
  }

  bool inspecting_response() const {
    return inspection_ && request_done_ && !blocked_ && !response_done_ &&
           factory_.policy()->policy().inspect_response;
  }

  // Phase 1, the body, phase 2: where libmodsecurity spends its time, which no request size
  // predicts (a 6 KiB argument can keep CRS's regexes busy for seconds). So it runs on the
  // offload pool while the chain waits (kPending), never on the worker's loop; inline only
  // where there is no pool (a chain driven by a unit test). The job owns the inspection and
  // the body; the exchange and this stage are only touched back on the worker thread.
  pipeline::Action Inspect(pipeline::Exchange& ex) {
    const std::string* type = ex.request().headers.Get("Content-Type");
    const bool views = factory_.body_views() && type != nullptr;
    std::string view_type = views ? *type : std::string();
    const modsec::Policy& policy = factory_.policy()->policy();
    auto work = [inspection = inspection_, body = std::move(body_), views,
                 view_type = std::move(view_type), limit = policy.request_body_limit,
                 partial = policy.request_body_limit_action == modsec::BodyLimitAction::kPartial] {
      core::Status status = inspection->ProcessRequestHeaders();
      if (status.ok() && !inspection->Intervention() && !body.empty()) {
        auto view = views ? BodyView(view_type, body, limit, partial) : std::nullopt;
        status = view.has_value() ? inspection->AppendRequestBodyAsJson(view.value())
                                  : inspection->AppendRequestBody(body);
      }
      // Phase 2 (where most of CRS runs) needs the end of the body, even when there is none.
      if (status.ok() && !inspection->Intervention()) status = inspection->ProcessRequestBody();
      return status;
    };
    if (!ex.can_offload()) return EndRequest(ex, work());
    auto status = std::make_shared<core::Status>();
    offloaded_ = true;
    ex.Offload([work = std::move(work), status]() mutable { *status = work(); },
               [this, &ex, status] {
                 offloaded_ = false;
                 (void)EndRequest(ex, *status);  // a block leaves its local reply on `ex`
               });
    return pipeline::Action::kPending;
  }

  pipeline::Action EndRequest(pipeline::Exchange& ex, const core::Status& processed) {
    if (!processed.ok()) return Fail(ex);
    if (auto verdict = inspection_->Intervention()) return Block(ex, *verdict);
    request_done_ = true;
    Record(ex);
    return pipeline::Action::kContinue;
  }

  pipeline::Action EndResponse(pipeline::Exchange& ex) {
    response_done_ = true;
    if (!inspection_->ProcessResponseBody().ok()) return Fail(ex);
    if (auto verdict = inspection_->Intervention()) return Block(ex, *verdict);
    Record(ex);
    return pipeline::Action::kContinue;
  }

  // Copies the findings not recorded yet, and the scores, into the exchange.
  void Record(pipeline::Exchange& ex) {
    std::vector<modsec::Finding> findings = inspection_->Findings();
    for (size_t i = recorded_; i < findings.size(); ++i) {
      ex.findings().AddRule(ToRuleMatch(std::move(findings[i])));
    }
    if (findings.size() > recorded_ || ex.findings().scores()) {
      const modsec::AnomalyScores scores = inspection_->Scores();
      ex.findings().SetScores(scores.inbound, scores.outbound);
    }
    recorded_ = findings.size();
  }

  pipeline::Action Block(pipeline::Exchange& ex, const modsec::Verdict& verdict) {
    blocked_ = true;
    Record(ex);
    if (detect_only()) {  // libmodsecurity never intervenes in detect mode; be sure anyway
      ex.findings().Act(pipeline::FindingSource::kWaf, pipeline::Verdict::kDetected);
      return pipeline::Action::kContinue;
    }
    if (verdict.kind == modsec::Verdict::Kind::kRequestBodyTooLarge) {
      ex.SetLocalReply(413, pipeline::ErrorPage(413, ex.request_id()));
    } else if (!verdict.redirect_url.empty()) {
      ex.SetLocalReply(verdict.status, pipeline::ErrorPage(verdict.status, ex.request_id()));
      ex.local_reply()->headers.Add("Location", verdict.redirect_url);
    } else {
      ex.SetLocalReply(verdict.status, RenderBlockPage(factory_.block_page(), ex.request_id()));
    }
    ex.findings().Act(pipeline::FindingSource::kWaf, pipeline::Verdict::kBlocked,
                      ex.local_reply()->status);
    return pipeline::Action::kRespond;
  }

  // libmodsecurity failed (it should not): a blocking route refuses the request rather than
  // letting it through uninspected; a detecting one lets it through.
  pipeline::Action Fail(pipeline::Exchange& ex) {
    blocked_ = true;
    if (inspection_) Record(ex);
    if (detect_only()) return pipeline::Action::kContinue;
    ex.SetLocalReply(500, pipeline::ErrorPage(500, ex.request_id()));
    return pipeline::Action::kRespond;
  }

  const WafStageFactory& factory_;  // outlives the request (held by the route's chain)
  std::shared_ptr<modsec::Inspection> inspection_;  // shared with an offloaded job
  std::string body_;        // the request body libmodsecurity will be handed (see OnRequestBody)
  size_t body_seen_ = 0;    // request body bytes seen, handed over or not
  bool offloaded_ = false;  // a job on the offload pool has it now
  size_t recorded_ = 0;
  bool awaiting_body_ = false;
  bool deciding_body_ = false;  // the fast path waits for the whole body (DecideBody)
  bool request_done_ = false;
  bool response_done_ = false;
  bool blocked_ = false;
};

}  // namespace

std::string RenderBlockPage(std::string_view page_template, std::string_view request_id) {
  if (page_template.empty()) page_template = kDefaultBlockPage;
  std::string page;
  page.reserve(page_template.size() + request_id.size());
  size_t pos = 0;
  while (true) {
    const size_t at = page_template.find(kRequestIdPlaceholder, pos);
    if (at == std::string_view::npos) break;
    page.append(page_template.substr(pos, at - pos));
    core::AppendHtmlEscaped(page, request_id);
    pos = at + kRequestIdPlaceholder.size();
  }
  page.append(page_template.substr(pos));
  return page;
}

WafStageFactory::WafStageFactory(std::shared_ptr<const modsec::CompiledPolicy> policy,
                                 std::string block_page, bool body_views,
                                 std::shared_ptr<const fastpath::FastPath> fast_path)
    : policy_(std::move(policy)),
      block_page_(std::move(block_page)),
      body_views_(body_views),
      fast_path_(std::move(fast_path)) {}

std::unique_ptr<pipeline::Stage> WafStageFactory::Create() const {
  return std::make_unique<WafStage>(*this);
}

}  // namespace rampart::stages::waf
