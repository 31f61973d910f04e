#include "stages/auth/auth_stage.h"

#include <algorithm>
#include <utility>

#include "auth/claim_match.h"
#include "core/strings.h"
#include "http/cookie.h"
#include "pipeline/findings.h"

namespace rampart::stages::auth {
namespace {

using pipeline::Action;
using pipeline::FindingSource;
using pipeline::Verdict;

constexpr std::string_view kTextType = "text/plain; charset=utf-8";
// An auth service's 401/403 body is passed on up to this size.
constexpr size_t kMaxForwardResponseBytes = 64 * 1024;
// Claim values longer than this are not sent as headers (backends limit header sizes).
constexpr size_t kMaxClaimHeaderBytes = 4096;

// Headers of an auth service's refusal that are not passed on: framing and hop-by-hop ones,
// which the proxy writes itself.
constexpr std::string_view kNotPassedOn[] = {
    "Connection",     "Keep-Alive", "Proxy-Connection", "Transfer-Encoding",
    "Content-Length", "TE",         "Trailer",          "Upgrade",
    "Date",           "Server",
};

// The token of "Authorization: <scheme> <token>" when the scheme matches (case-insensitive).
std::optional<std::string_view> CredentialsOf(const http::Request& request,
                                              std::string_view scheme) {
  const std::string* value = request.headers.Get("Authorization");
  if (value == nullptr) return std::nullopt;
  const std::string_view text = core::TrimOws(*value);
  if (text.size() <= scheme.size() || text[scheme.size()] != ' ' ||
      !core::EqualsIgnoreCase(text.substr(0, scheme.size()), scheme)) {
    return std::nullopt;
  }
  return core::TrimOws(text.substr(scheme.size() + 1));
}

// A claim value that can go into a header as it is.
bool IsHeaderSafe(std::string_view value) {
  if (value.size() > kMaxClaimHeaderBytes) return false;
  // RFC 9110 §5.5: no control bytes in a field value but HTAB.
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
  });
}

size_t CountFields(const http::HeaderMap& headers, std::string_view name) {
  return static_cast<size_t>(std::count_if(
      headers.fields().begin(), headers.fields().end(),
      [&](const http::Header& field) { return core::EqualsIgnoreCase(field.name, name); }));
}

enum class StepOutcome : uint8_t { kPassed, kRefused, kAsync };

class AuthStage final : public pipeline::Stage {
 public:
  explicit AuthStage(const AuthStageFactory& factory)
      : factory_(factory), settings_(factory.settings()) {}
  AuthStage(const AuthStage&) = delete;
  AuthStage& operator=(const AuthStage&) = delete;

  Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    ex_ = &ex;
    http::HeaderMap& headers = ex.request().headers;
    RemoveIdentityHeaders(headers);
    if (factory_.credential_fields()) ex.set_credential_fields(factory_.credential_fields());
    // Authorization is a singleton field (RFC 9110 §11.6.2): with two, the backend might read
    // another one than the one checked here.
    if (CountFields(headers, "Authorization") > 1) {
      return Refuse(AuthMethod::kNone, AuthResult::kInvalid, "more than one Authorization header",
                    "REQUEST_HEADERS:Authorization");
    }
    PlanSteps(ex.request());
    if (steps_.empty()) {
      // `any`, no credentials presented and no auth service to ask.
      return Refuse(AuthMethod::kNone, AuthResult::kMissing, "no credentials", "");
    }
    return RunSteps();
  }

  void OnComplete(const pipeline::Exchange& /*ex*/) noexcept override {
    forward_call_.reset();  // a sub-request still out is cancelled: its answer comes to nobody
    ex_ = nullptr;
  }

 private:
  // The client's copies of the headers this stage sets, also under the underscore spelling
  // (X_User): CGI-style backends read X-User and X_User as the same HTTP_X_USER variable.
  void RemoveIdentityHeaders(http::HeaderMap& headers) const {
    const std::vector<std::string>& names = factory_.identity_headers();
    if (names.empty()) return;
    std::erase_if(headers.fields(), [&](const http::Header& field) {
      return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
        return core::EqualsAsCgiHeaderName(field.name, name);
      });
    });
  }

  // Which methods run, in order.
  void PlanSteps(const http::Request& request) {
    if (settings_.satisfy_all) {
      // Basic last: it may go to the offload pool, whose completion resumes the chain.
      if (settings_.api_key) steps_.push_back(AuthMethod::kApiKey);
      if (settings_.jwt) steps_.push_back(AuthMethod::kJwt);
      if (settings_.forward) steps_.push_back(AuthMethod::kForward);
      if (settings_.basic) steps_.push_back(AuthMethod::kBasic);
      return;
    }
    if (settings_.api_key && settings_.api_key->source->Presented(request)) {
      steps_.push_back(AuthMethod::kApiKey);
    } else if (settings_.jwt && BearerToken(request)) {
      steps_.push_back(AuthMethod::kJwt);
    } else if (settings_.basic && CredentialsOf(request, "Basic")) {
      steps_.push_back(AuthMethod::kBasic);
    } else if (settings_.forward) {
      steps_.push_back(AuthMethod::kForward);
    } else if (MethodCount() == 1) {
      // The one method reports what is missing (and where it is looked for).
      steps_.push_back(settings_.api_key ? AuthMethod::kApiKey
                       : settings_.jwt   ? AuthMethod::kJwt
                                         : AuthMethod::kBasic);
    }
  }

  int MethodCount() const {
    return static_cast<int>(settings_.api_key.has_value()) +
           static_cast<int>(settings_.jwt.has_value()) +
           static_cast<int>(settings_.basic.has_value()) +
           static_cast<int>(settings_.forward.has_value());
  }

  // Runs the steps from next_ on until one refuses, goes asynchronous, or all have passed.
  Action RunSteps() {
    while (next_ < steps_.size()) {
      switch (RunStep(steps_[next_])) {
        case StepOutcome::kPassed:
          ++next_;
          break;
        case StepOutcome::kRefused:
          return Action::kRespond;
        case StepOutcome::kAsync:
          return Action::kPending;
      }
    }
    return Action::kContinue;
  }

  // After an asynchronous step finished (on the worker thread): goes on, and resumes the chain
  // once decided — unless the offload pool resumes it itself.
  void ContinueAfterAsync(StepOutcome outcome, bool resumes_itself) {
    if (outcome == StepOutcome::kPassed) {
      ++next_;
      if (RunSteps() == Action::kPending) return;
    }
    if (!resumes_itself && ex_ != nullptr) ex_->Resume();  // last: the chain may go on from here
  }

  StepOutcome RunStep(AuthMethod method) {
    switch (method) {
      case AuthMethod::kApiKey:
        return CheckApiKey();
      case AuthMethod::kJwt:
        return CheckJwt();
      case AuthMethod::kBasic:
        return CheckBasic();
      case AuthMethod::kForward:
        return AskAuthService();
      default:
        return StepOutcome::kPassed;
    }
  }

  // The bearer token: "Authorization: Bearer", else the route's cookie.
  std::optional<std::string_view> BearerToken(const http::Request& request) const {
    if (auto token = CredentialsOf(request, "Bearer")) return token;
    if (!settings_.jwt->cookie.empty()) {
      if (auto token = http::FindCookie(request.headers, settings_.jwt->cookie)) {
        if (!token->empty()) return token;
      }
    }
    return std::nullopt;
  }

  StepOutcome CheckApiKey() {
    const ApiKeyMethod& method = *settings_.api_key;
    const http::Request& request = ex_->request();
    std::optional<std::string> presented = method.source->Presented(request);
    // Where the key was taken from (or, when none was, where it is first looked for).
    const std::string& header = method.source->header();
    const std::string* header_value = header.empty() ? nullptr : request.headers.Get(header);
    const bool from_header =
        !header.empty() && (method.source->query().empty() ||
                            (header_value != nullptr && !header_value->empty()) || !presented);
    const std::string where =
        from_header ? "REQUEST_HEADERS:" + header : "ARGS_GET:" + method.source->query();
    // As with Authorization: two keys, and the backend might see another one than this.
    if (!header.empty() && CountFields(request.headers, header) > 1) {
      Refuse(AuthMethod::kApiKey, AuthResult::kInvalid, "more than one " + header + " header",
             where);
      return StepOutcome::kRefused;
    }
    if (!presented) {
      Refuse(AuthMethod::kApiKey, AuthResult::kMissing, "no API key", where);
      return StepOutcome::kRefused;
    }
    std::optional<std::string> name = method.source->NameOf(*presented);
    if (!name) {
      Refuse(AuthMethod::kApiKey, AuthResult::kInvalid, "unknown API key", where);
      return StepOutcome::kRefused;
    }
    if (!method.name_header.empty()) ex_->request().headers.Set(method.name_header, *name);
    Pass(AuthMethod::kApiKey, std::move(*name));
    return StepOutcome::kPassed;
  }

  StepOutcome CheckJwt() {
    const JwtMethod& method = *settings_.jwt;
    const http::Request& request = ex_->request();
    const bool in_header = CredentialsOf(request, "Bearer").has_value();
    const std::string where = in_header || method.cookie.empty()
                                  ? "REQUEST_HEADERS:Authorization"
                                  : "REQUEST_COOKIES:" + method.cookie;
    std::optional<std::string_view> token = BearerToken(request);
    if (!token) {
      Refuse(AuthMethod::kJwt, AuthResult::kMissing, "no bearer token", where);
      return StepOutcome::kRefused;
    }
    rampart::auth::JwtResult result = rampart::auth::VerifyJwt(*token, *method.keys, method.policy,
                                                               std::chrono::system_clock::now());
    if (!result.ok) {
      bearer_error_ = "invalid_token";
      Refuse(AuthMethod::kJwt, AuthResult::kInvalid, "token refused: " + result.error, where);
      return StepOutcome::kRefused;
    }
    for (const auto& [claim, accepted] : method.required_claims) {
      auto it = result.claims.find(claim);
      if (it == result.claims.end() ||
          !rampart::auth::ClaimAccepts(claim, it->second, result.json_claims.contains(claim),
                                       accepted)) {
        bearer_error_ = "insufficient_scope";
        Refuse(AuthMethod::kJwt, AuthResult::kForbidden,
               "claim " + claim + (it == result.claims.end() ? " missing" : " not accepted"),
               where);
        return StepOutcome::kRefused;
      }
    }
    http::HeaderMap& headers = ex_->request().headers;
    for (const auto& [claim, header] : method.claims_to_headers) {
      auto it = result.claims.find(claim);
      if (it != result.claims.end() && IsHeaderSafe(it->second)) headers.Add(header, it->second);
    }
    auto sub = result.claims.find("sub");
    Pass(AuthMethod::kJwt, sub != result.claims.end() ? sub->second : std::string());
    return StepOutcome::kPassed;
  }

  StepOutcome CheckBasic() {
    const std::string where = "REQUEST_HEADERS:Authorization";
    if (!CredentialsOf(ex_->request(), "Basic")) {
      Refuse(AuthMethod::kBasic, AuthResult::kMissing, "no basic credentials", where);
      return StepOutcome::kRefused;
    }
    auto parsed = rampart::auth::Htpasswd::ParseBasicAuthorization(
        *ex_->request().headers.Get("Authorization"));
    if (!parsed.ok()) {
      Refuse(AuthMethod::kBasic, AuthResult::kInvalid, "malformed basic credentials", where);
      return StepOutcome::kRefused;
    }
    auto [user, password] = std::move(parsed.value());
    const std::shared_ptr<rampart::auth::VerifiedCredentials>& verified = factory_.verified();
    const auto now = rampart::auth::VerifiedCredentials::Clock::now();
    if (verified->Contains(user, password, now)) return BasicVerified(user);
    if (!ex_->can_offload()) {
      const bool ok = settings_.basic->users->Verify(user, password);
      if (ok) verified->Remember(user, password, now);
      return ok ? BasicVerified(user) : BasicRefused(user);
    }
    // bcrypt and SHA-512 crypt take milliseconds: not on the event loop. The work owns what it
    // reads (it may outlive the request and a reload); `done` runs on this thread only while the
    // exchange (and this stage) lives.
    auto ok = std::make_shared<bool>(false);
    ex_->Offload(
        [users = settings_.basic->users, verified, user, password, ok] {
          *ok = users->Verify(user, password);
          if (*ok) {
            verified->Remember(user, password, rampart::auth::VerifiedCredentials::Clock::now());
          }
        },
        [this, user, ok] {
          ContinueAfterAsync(*ok ? BasicVerified(user) : BasicRefused(user),
                             /*resumes_itself=*/true);
        });
    return StepOutcome::kAsync;
  }

  StepOutcome BasicVerified(const std::string& user) {
    if (!settings_.basic->user_header.empty()) {
      ex_->request().headers.Set(settings_.basic->user_header, user);
    }
    Pass(AuthMethod::kBasic, user);
    return StepOutcome::kPassed;
  }

  StepOutcome BasicRefused(const std::string& user) {
    // The user name helps spot a guessing run; the password never appears.
    Refuse(AuthMethod::kBasic, AuthResult::kInvalid, "wrong user or password for " + user,
           "REQUEST_HEADERS:Authorization");
    return StepOutcome::kRefused;
  }

  StepOutcome AskAuthService() {
    const ForwardMethod& method = *settings_.forward;
    if (ex_->loop() == nullptr) {
      ForwardFailed("no event loop for the sub-request");
      return StepOutcome::kRefused;
    }
    forward_call_ = ForwardAuthCall::Start(
        ex_->loop(), method.endpoint, BuildSubRequest(), method.timeout, kMaxForwardResponseBytes,
        [this](ForwardAuthResponse response) { OnAuthServiceAnswer(std::move(response)); });
    return StepOutcome::kAsync;
  }

  // The sub-request: the original method (HEAD as GET, so that the answer has a body to pass
  // on), the auth URL's path, the X-Forwarded-* description of the original request (Traefik's
  // names, and nginx's X-Original-URI), and the chosen headers. Never a body.
  std::string BuildSubRequest() const {
    const ForwardMethod& method = *settings_.forward;
    const http::Request& request = ex_->request();
    const std::string verb =
        !method.original_method || request.method == "HEAD" ? std::string("GET") : request.method;
    const std::string& uri = ex_->original_target.empty() ? request.target : ex_->original_target;
    std::string out = verb + " " + method.endpoint.path +
                      " HTTP/1.1\r\nHost: " + method.endpoint.host_header + "\r\n";
    auto add = [&out](std::string_view name, std::string_view value) {
      out.append(name);
      out += ": ";
      out.append(value);
      out += "\r\n";
    };
    add("X-Forwarded-Method", request.method);
    add("X-Forwarded-Proto", ex_->client().tls ? "https" : "http");
    add("X-Forwarded-Host", request.host);
    add("X-Forwarded-Uri", uri);
    add("X-Forwarded-For", ex_->client().ip);
    add("X-Original-Method", request.method);
    add("X-Original-URI", uri);
    if (!ex_->request_id().empty()) add("X-Request-Id", ex_->request_id());
    for (const http::Header& field : request.headers.fields()) {
      const bool chosen = std::any_of(
          method.request_headers.begin(), method.request_headers.end(),
          [&](const std::string& name) { return core::EqualsIgnoreCase(name, field.name); });
      if (chosen) add(field.name, field.value);
    }
    if (verb != "GET") add("Content-Length", "0");
    add("Connection", "close");
    out += "\r\n";
    return out;
  }

  void OnAuthServiceAnswer(ForwardAuthResponse response) {
    forward_call_.reset();  // done is the call's last act: it may go now
    const ForwardMethod& method = *settings_.forward;
    StepOutcome outcome = StepOutcome::kRefused;
    if (response.outcome != ForwardAuthResponse::Outcome::kAnswered) {
      ForwardFailed(response.error.empty() ? "no answer" : response.error);
    } else if (response.status >= 200 && response.status <= 299) {
      http::HeaderMap& headers = ex_->request().headers;
      for (const std::string& name : method.response_headers) {
        for (const http::Header& field : response.headers.fields()) {
          if (core::EqualsIgnoreCase(field.name, name)) headers.Add(name, field.value);
        }
      }
      Pass(AuthMethod::kForward, "");
      outcome = StepOutcome::kPassed;
    } else if (response.status == 401 || response.status == 403) {
      RelayRefusal(std::move(response));
    } else {
      ForwardFailed("auth service answered " + std::to_string(response.status));
    }
    ContinueAfterAsync(outcome, /*resumes_itself=*/false);
  }

  // The auth service's own 401/403 (its challenge, login link, cookies) goes to the client.
  void RelayRefusal(ForwardAuthResponse response) {
    const int status = response.status;
    Record(AuthMethod::kForward, status == 401 ? AuthResult::kInvalid : AuthResult::kForbidden,
           "auth service answered " + std::to_string(status), "", status);
    ex_->SetLocalReply(status, std::move(response.body), "");
    http::HeaderMap& headers = ex_->local_reply()->headers;
    for (const http::Header& field : response.headers.fields()) {
      const bool dropped = std::any_of(
          std::begin(kNotPassedOn), std::end(kNotPassedOn),
          [&](std::string_view name) { return core::EqualsIgnoreCase(name, field.name); });
      if (!dropped) headers.Add(field.name, field.value);
    }
    if (headers.Get("Content-Type") == nullptr && !ex_->local_reply()->body.empty()) {
      headers.Add("Content-Type", kTextType);
    }
  }

  void ForwardFailed(const std::string& reason) {
    const int status = settings_.forward->error_status;
    Record(AuthMethod::kForward, AuthResult::kError, reason, "", status);
    ex_->SetLocalReply(status, "Authentication service unavailable.\n", kTextType);
  }

  void Pass(AuthMethod method, std::string user) {
    factory_.counters().Count(method, AuthResult::kOk);
    if (!user.empty() && ex_->user().empty()) ex_->set_user(std::move(user));
  }

  // Records a refusal and answers 401 (with every configured challenge) or 403.
  Action Refuse(AuthMethod method, AuthResult result, const std::string& reason,
                const std::string& where) {
    const int status = result == AuthResult::kForbidden ? 403 : 401;
    // With satisfy: all, an earlier method may have named the user: a 401 is nobody's.
    if (status == 401) ex_->set_user("");
    Record(method, result, reason, where, status);
    ex_->SetLocalReply(status, status == 401 ? "Authentication required.\n" : "Forbidden.\n",
                       kTextType);
    http::HeaderMap& headers = ex_->local_reply()->headers;
    if (status == 403) {
      if (method == AuthMethod::kJwt) {
        headers.Add("WWW-Authenticate",
                    "Bearer realm=\"" + settings_.realm + "\", error=\"" + bearer_error_ + "\"");
      }
      return Action::kRespond;
    }
    for (const std::string& challenge : factory_.challenges()) {
      // RFC 6750 §3: a refused token's challenge says why.
      if (!bearer_error_.empty() && core::StartsWith(challenge, "Bearer ")) {
        headers.Add("WWW-Authenticate", challenge + ", error=\"" + bearer_error_ + "\"");
      } else {
        headers.Add("WWW-Authenticate", challenge);
      }
    }
    return Action::kRespond;
  }

  void Record(AuthMethod method, AuthResult result, const std::string& reason,
              const std::string& where, int status) {
    factory_.counters().Count(method, result);
    pipeline::RuleMatch match;
    match.source = FindingSource::kAuth;
    match.id =
        "auth:" + std::string(AuthMethodName(method)) + ":" + std::string(AuthResultName(result));
    match.msg = std::string(AuthMethodName(method)) + ": " + reason;
    match.var = where;  // where the credentials were; never their value
    ex_->findings().AddRule(std::move(match));
    ex_->findings().Act(FindingSource::kAuth, Verdict::kBlocked, status);
  }

  const AuthStageFactory& factory_;  // outlives the request (held by the route's chain)
  const AuthSettings& settings_;
  pipeline::Exchange* ex_ = nullptr;  // cleared by OnComplete
  std::vector<AuthMethod> steps_;
  size_t next_ = 0;
  std::string bearer_error_;  // RFC 6750 error code for a refused token
  std::unique_ptr<ForwardAuthCall> forward_call_;
};

}  // namespace

AuthStageFactory::AuthStageFactory(AuthSettings settings, std::shared_ptr<AuthCounters> counters)
    : settings_(std::move(settings)),
      counters_(counters ? std::move(counters) : std::make_shared<AuthCounters>()),
      verified_(std::make_shared<rampart::auth::VerifiedCredentials>()) {
  const std::string realm = "realm=\"" + settings_.realm + "\"";
  if (settings_.api_key) {
    const auto& source = *settings_.api_key->source;
    // No registered scheme exists for API keys; the challenge says where the key goes.
    std::string challenge = "ApiKey " + realm;
    auto credentials = std::make_shared<pipeline::CredentialFields>();
    if (!source.header().empty()) {
      challenge += ", header=\"" + source.header() + "\"";
      credentials->headers.push_back(source.header());
    }
    if (!source.query().empty()) {
      challenge += ", query=\"" + source.query() + "\"";
      credentials->query_params.push_back(source.query());
    }
    credential_fields_ = std::move(credentials);
    challenges_.push_back(std::move(challenge));
    if (!settings_.api_key->name_header.empty()) {
      identity_headers_.push_back(settings_.api_key->name_header);
    }
  }
  if (settings_.jwt) {
    challenges_.push_back("Bearer " + realm);
    for (const auto& [claim, header] : settings_.jwt->claims_to_headers) {
      identity_headers_.push_back(header);
    }
  }
  if (settings_.basic) {
    challenges_.push_back("Basic " + realm + ", charset=\"UTF-8\"");
    if (!settings_.basic->user_header.empty()) {
      identity_headers_.push_back(settings_.basic->user_header);
    }
  }
  if (settings_.forward) {
    for (const std::string& name : settings_.forward->response_headers) {
      identity_headers_.push_back(name);
    }
  }
}

std::unique_ptr<pipeline::Stage> AuthStageFactory::Create() const {
  return std::make_unique<AuthStage>(*this);
}

}  // namespace rampart::stages::auth
