#include "modsec/inspection.h"

#include <modsecurity/collection/collection.h>
#include <modsecurity/collection/collections.h>
#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <exception>
#include <set>
#include <string>
#include <utility>

#include "modsec/engine.h"

namespace rampart::modsec {
namespace {

void DeleteTransaction(modsecurity::Transaction* t) { delete t; }

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Owns the strings libmodsecurity malloc()s into an intervention.
class InterventionHolder {
 public:
  InterventionHolder() { modsecurity::intervention::clean(&it_); }
  ~InterventionHolder() { modsecurity::intervention::free(&it_); }
  InterventionHolder(const InterventionHolder&) = delete;
  InterventionHolder& operator=(const InterventionHolder&) = delete;
  modsecurity::ModSecurityIntervention* get() { return &it_; }

 private:
  modsecurity::ModSecurityIntervention it_;
};

int ToInt(const std::unique_ptr<std::string>& value) {
  if (!value) return 0;
  int n = 0;
  std::from_chars(value->data(), value->data() + value->size(), n);
  return n;
}

}  // namespace

core::Result<std::unique_ptr<Inspection>> Inspection::Start(
    std::shared_ptr<const CompiledPolicy> policy, std::string_view request_id) {
  std::unique_ptr<Inspection> inspection(new Inspection(std::move(policy)));
  try {
    modsecurity::ModSecurity* ms = inspection->policy_->engine().handle();
    modsecurity::RulesSet* rules = inspection->policy_->rules();
    modsecurity::Transaction* t;
    if (request_id.empty()) {
      t = new modsecurity::Transaction(ms, rules, nullptr);
    } else {
      std::string id(request_id);
      t = new modsecurity::Transaction(ms, rules, id.data(), nullptr);
    }
    inspection->transaction_.reset(t);
  } catch (const std::exception& e) {
    return core::MakeError(std::string("libmodsecurity: new transaction: ") + e.what());
  } catch (...) {
    return core::MakeError("libmodsecurity: new transaction failed");
  }
  return inspection;
}

Inspection::Inspection(std::shared_ptr<const CompiledPolicy> policy)
    : policy_(std::move(policy)),
      transaction_(nullptr, &DeleteTransaction),
      request_body_limit_(policy_->policy().request_body_limit),
      response_body_limit_(policy_->policy().response_body_limit) {}

Inspection::~Inspection() {
  if (!logged_) (void)ProcessLogging();
  try {
    transaction_.reset();
  } catch (...) {  // a destructor inside libmodsecurity should not throw; never let it escape
  }
}

template <typename Step>
core::Status Inspection::Run(const char* what, Step&& step) noexcept {
  try {
    step(*transaction_);
    PollIntervention();
    return {};
  } catch (const std::exception& e) {
    return core::MakeError(std::string("libmodsecurity: ") + what + ": " + e.what());
  } catch (...) {
    return core::MakeError(std::string("libmodsecurity: ") + what + ": unknown exception");
  }
}

void Inspection::PollIntervention() noexcept {
  if (verdict_) return;
  try {
    // libmodsecurity hands an intervention out once and then resets it: latch it here.
    InterventionHolder it;
    if (!transaction_->intervention(it.get())) return;
    Verdict v;
    v.kind = Verdict::Kind::kRule;
    v.status = it.get()->status;
    if (it.get()->url != nullptr) v.redirect_url = it.get()->url;
    verdict_ = std::move(v);
  } catch (...) {
  }
}

core::Status Inspection::ProcessConnection(std::string_view client_ip, int client_port,
                                           std::string_view server_ip, int server_port) {
  return Run("processConnection", [&](modsecurity::Transaction& t) {
    std::string client(client_ip);
    std::string server(server_ip);
    t.processConnection(client.c_str(), client_port, server.c_str(), server_port);
  });
}

core::Status Inspection::ProcessUri(std::string_view uri, std::string_view method,
                                    std::string_view http_version) {
  return Run("processURI", [&](modsecurity::Transaction& t) {
    std::string u(uri);
    std::string m(method);
    std::string v(http_version);
    t.processURI(u.c_str(), m.c_str(), v.c_str());
  });
}

core::Status Inspection::AddRequestHeader(std::string_view name, std::string_view value) {
  return Run("addRequestHeader", [&](modsecurity::Transaction& t) {
    t.addRequestHeader(Bytes(name), name.size(), Bytes(value), value.size());
  });
}

core::Status Inspection::ProcessRequestHeaders() {
  request_headers_processed_ = true;
  return Run("processRequestHeaders",
             [](modsecurity::Transaction& t) { t.processRequestHeaders(); });
}

void Inspection::DeclareRequestBodyLength(uint64_t length) {
  const Policy& p = policy_->policy();
  if (length > request_body_limit_ && p.request_body_limit_action == BodyLimitAction::kReject &&
      !p.detect_only && !verdict_) {
    verdict_ = Verdict{Verdict::Kind::kRequestBodyTooLarge, 413, {}};
  }
}

core::Status Inspection::AppendRequestBody(std::string_view bytes) {
  const size_t before = request_body_received_;
  request_body_received_ += bytes.size();
  DeclareRequestBodyLength(request_body_received_);  // what chunked bodies show as they come
  // Hand over at most limit + 1 bytes: the extra byte makes libmodsecurity cut the body itself
  // (ProcessPartial) and set INBOUND_DATA_ERROR, which the base config reads.
  const size_t cap = request_body_limit_ + 1;
  if (before >= cap) return {};
  std::string_view part = bytes.substr(0, std::min(bytes.size(), cap - before));
  return Run("appendRequestBody", [&](modsecurity::Transaction& t) {
    t.appendRequestBody(Bytes(part), part.size());  // false just means "limit reached"
  });
}

core::Status Inspection::AppendRequestBodyAsJson(std::string_view json) {
  core::Status set = Run("requestBodyProcessor", [](modsecurity::Transaction& t) {
    t.m_requestBodyProcessor = modsecurity::Transaction::JSONRequestBody;
  });
  if (!set.ok()) return set;
  return AppendRequestBody(json);
}

core::Status Inspection::ProcessRequestBody() {
  return Run("processRequestBody", [](modsecurity::Transaction& t) { t.processRequestBody(); });
}

core::Status Inspection::AddResponseHeader(std::string_view name, std::string_view value) {
  return Run("addResponseHeader", [&](modsecurity::Transaction& t) {
    t.addResponseHeader(Bytes(name), name.size(), Bytes(value), value.size());
  });
}

core::Status Inspection::ProcessResponseHeaders(int status, std::string_view protocol) {
  return Run("processResponseHeaders", [&](modsecurity::Transaction& t) {
    t.processResponseHeaders(status, std::string(protocol));
  });
}

core::Status Inspection::AppendResponseBody(std::string_view bytes) {
  // As for requests: at most limit + 1 bytes, and libmodsecurity cuts the body itself.
  const size_t before = response_body_received_;
  response_body_received_ += bytes.size();
  const size_t cap = response_body_limit_ + 1;
  if (before >= cap) return {};
  std::string_view part = bytes.substr(0, std::min(bytes.size(), cap - before));
  return Run("appendResponseBody",
             [&](modsecurity::Transaction& t) { t.appendResponseBody(Bytes(part), part.size()); });
}

bool Inspection::InspectsResponseBodyOf(std::string_view content_type) const {
  const std::set<std::string>& types = policy_->rules()->m_responseBodyTypeToBeInspected.m_value;
  if (types.empty()) return true;
  // libmodsecurity compares the media type before any parameter.
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return types.count(std::string(media)) > 0 || types.count(lower) > 0;
}

core::Status Inspection::ProcessResponseBody() {
  return Run("processResponseBody", [](modsecurity::Transaction& t) { t.processResponseBody(); });
}

core::Status Inspection::ProcessLogging() {
  if (logged_) return {};
  logged_ = true;
  // libmodsecurity 3.0.9 leaks the values of persistent collections (IP, GLOBAL) that CRS's
  // logging-phase rules read when phase 1, which initialises them, never ran: a request
  // refused before its inspection (413 on its declared length) or whose client left first.
  if (!request_headers_processed_) (void)ProcessRequestHeaders();
  return Run("processLogging", [this](modsecurity::Transaction& t) {
    if (verdict_) t.updateStatusCode(verdict_->status);
    t.processLogging();
  });
}

std::optional<Verdict> Inspection::Intervention() {
  PollIntervention();
  return verdict_;
}

std::vector<Finding> Inspection::Findings() const {
  std::vector<Finding> out;
  try {
    out.reserve(transaction_->m_rulesMessages.size());
    for (const modsecurity::RuleMessage& m : transaction_->m_rulesMessages) {
      out.push_back(MakeFinding(m, *transaction_, policy_->shared_index(), policy_->own_index()));
    }
  } catch (...) {
  }
  return out;
}

AnomalyScores Inspection::Scores() const {
  AnomalyScores scores;
  try {
    modsecurity::collection::Collection* tx = transaction_->m_collections.m_tx_collection;
    if (tx == nullptr) return scores;
    // What REQUEST-949 / RESPONSE-959 add up: the per-level scores up to the blocking level.
    const int paranoia = policy_->policy().paranoia;
    for (int pl = 1; pl <= paranoia; ++pl) {
      const std::string n = std::to_string(pl);
      scores.inbound += ToInt(tx->resolveFirst("anomaly_score_pl" + n));
      scores.outbound += ToInt(tx->resolveFirst("outbound_anomaly_score_pl" + n));
    }
  } catch (...) {
  }
  return scores;
}

}  // namespace rampart::modsec
