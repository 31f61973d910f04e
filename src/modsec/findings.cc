#include "modsec/findings.h"

#include <modsecurity/anchored_set_variable.h>
#include <modsecurity/anchored_variable.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rule_with_actions.h>
#include <modsecurity/transaction.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modsec/rule_index.h"

namespace rampart::modsec {
namespace {

using modsecurity::AnchoredSetVariable;
using modsecurity::AnchoredVariable;
using modsecurity::Transaction;

// A rule message quotes the matched variable's name between fixed markers, but the name and the
// text around it (the value, CRS's matched data) come from the request and may hold the markers
// too. So every way of reading the text gives a candidate name, and the transaction's own
// variables rule out the candidates that cannot be real. A crafted message could make the
// readings many: past this many, give up on it (the variable is ambiguous).
constexpr size_t kMaxReadings = 64;

// The keyed collections whose keys are fixed once the request has been read, so a key missing
// from them now was never matched. MATCHED_VARS, RULE, TX and the persistent collections
// change while rules run and are left out.
const AnchoredSetVariable* KeyedCollection(const Transaction& t, std::string_view name) {
  static constexpr AnchoredSetVariable Transaction::*kCollections[] = {
      &Transaction::m_variableArgs,
      &Transaction::m_variableArgsGet,
      &Transaction::m_variableArgsPost,
      &Transaction::m_variableRequestHeaders,
      &Transaction::m_variableRequestHeadersNames,
      &Transaction::m_variableRequestCookies,
      &Transaction::m_variableRequestCookiesNames,
      &Transaction::m_variableResponseHeaders,
      &Transaction::m_variableResponseHeadersNames,
      &Transaction::m_variableFiles,
      &Transaction::m_variableFilesNames,
      &Transaction::m_variableFilesSizes,
      &Transaction::m_variableFilesTmpNames,
      &Transaction::m_variableMultipartFileName,
      &Transaction::m_variableMultipartName,
      &Transaction::m_variableMultipartPartHeaders,
      &Transaction::m_variableFilesTmpContent,
  };
  for (AnchoredSetVariable Transaction::*member : kCollections) {
    const AnchoredSetVariable& collection = t.*member;
    if (collection.m_name == name) return &collection;
  }
  // ARGS_NAMES and its kin show the keys of the ARGS collections under their own name.
  if (name == t.m_variableArgsNames.m_name) return &t.m_variableArgs;
  if (name == t.m_variableArgsGetNames.m_name) return &t.m_variableArgsGet;
  if (name == t.m_variableArgsPostNames.m_name) return &t.m_variableArgsPost;
  return nullptr;
}

// Variables with a single value, never reported with a ":key".
bool IsUnkeyedVariable(const Transaction& t, std::string_view name) {
  static constexpr AnchoredVariable Transaction::*kVariables[] = {
      &Transaction::m_variableRequestFilename, &Transaction::m_variableRequestBasename,
      &Transaction::m_variableRequestURI,      &Transaction::m_variableRequestURIRaw,
      &Transaction::m_variableRequestLine,     &Transaction::m_variableRequestBody,
      &Transaction::m_variableQueryString,     &Transaction::m_variableRequestMethod,
      &Transaction::m_variableRequestProtocol, &Transaction::m_variablePathInfo,
      &Transaction::m_variableResponseBody,    &Transaction::m_variableFullRequest,
  };
  for (AnchoredVariable Transaction::*member : kVariables) {
    if ((t.*member).m_name == name) return true;
  }
  return false;
}

// libmodsecurity's variable names: upper case, digits and '_', with '&' in front when counted.
bool IsVariableName(std::string_view name) {
  if (!name.empty() && name.front() == '&') name.remove_prefix(1);
  if (name.empty() || name.front() < 'A' || name.front() > 'Z') return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// False only when `t` proves `name` ("COLLECTION" or "COLLECTION:key") was not the matched
// variable; a collection this cannot check (TX, XML, ...) mostly leaves the name possible.
bool CouldBeMatchedVariable(const Transaction& t, std::string_view name) {
  const size_t colon = name.find(':');
  const std::string_view collection = name.substr(0, colon);
  if (!IsVariableName(collection)) return false;
  if (colon == std::string_view::npos) return true;
  const std::string_view key = name.substr(colon + 1);
  if (const AnchoredSetVariable* keyed = KeyedCollection(t, collection)) {
    return keyed->count(std::string(key)) > 0;
  }
  if (IsUnkeyedVariable(t, collection)) return false;
  // The keys of the remaining collections come from the rules (TX:anomaly_score, XML:/*),
  // except MATCHED_VARS', which are other variables' names; without this, CRS's
  // "found within XML:/*: value" would read as the name "XML:/*: value" too.
  if (key.find(": ") == std::string_view::npos) return true;
  return collection == t.m_variableMatchedVars.m_name ||
         collection == t.m_variableMatchedVarsNames.m_name;
}

// The one possible name among `readings`; "" when none is possible (the text names no
// variable), kAmbiguousVariable when different readings are.
std::string PickReading(const Transaction& t, const std::vector<std::string_view>& readings) {
  std::optional<std::string_view> found;
  for (std::string_view reading : readings) {
    if (!CouldBeMatchedVariable(t, reading)) continue;
    if (found && *found != reading) return kAmbiguousVariable;
    found = reading;
  }
  return found ? std::string(*found) : std::string();
}

// Every name that `text` can be read to quote between an occurrence of `start` and an
// occurrence of `end` after it (or the end of the text, when `to_text_end`); false when there
// are more than kMaxReadings.
bool CollectReadings(std::string_view text, std::string_view start, std::string_view end,
                     bool to_text_end, std::vector<std::string_view>& readings) {
  size_t starts = 0;
  for (size_t s = text.find(start); s != std::string_view::npos; s = text.find(start, s + 1)) {
    if (++starts > kMaxReadings) return false;
    const size_t name_start = s + start.size();
    for (size_t e = text.find(end, name_start); e != std::string_view::npos;
         e = text.find(end, e + 1)) {
      if (readings.size() == kMaxReadings) return false;
      readings.push_back(text.substr(name_start, e - name_start));
    }
    if (to_text_end) {
      if (readings.size() == kMaxReadings) return false;
      readings.push_back(text.substr(name_start));
    }
  }
  return true;
}

// libmodsecurity's match text: "Matched "Operator `Rx' with parameter `...' against variable
// `ARGS:id' (Value: `...' )". The parameter may be expanded from request data, and the name
// and value are request data.
std::string VariableFromMatch(std::string_view match, const Transaction& t) {
  std::vector<std::string_view> readings;
  if (!CollectReadings(match, "against variable `", "' (Value: `", false, readings)) {
    return kAmbiguousVariable;
  }
  return PickReading(t, readings);
}

// CRS's logdata: "Matched Data: X found within ARGS:id: value", where X is part of the value,
// or "Matched Data: X found within ARGS:id" for rules that log no value.
std::string VariableFromLogData(std::string_view data, const Transaction& t) {
  std::vector<std::string_view> readings;
  if (!CollectReadings(data, " found within ", ": ", true, readings)) return kAmbiguousVariable;
  return PickReading(t, readings);
}

}  // namespace

const char* SeverityName(int severity) {
  static constexpr const char* kNames[] = {"EMERGENCY", "ALERT",  "CRITICAL", "ERROR",
                                           "WARNING",   "NOTICE", "INFO",     "DEBUG"};
  if (severity < 0 || severity > 7) return "";
  return kNames[severity];
}

Finding MakeFinding(const modsecurity::RuleMessage& message, const Transaction& transaction,
                    const RuleIndex& shared_index, const RuleIndex& own_index) {
  Finding f;
  f.id = message.m_ruleId;
  f.msg = message.m_message;
  f.severity = message.m_severity;
  if (message.m_rule != nullptr && !message.m_rule->hasSeverity()) f.severity = -1;
  f.tags.assign(message.m_tags.begin(), message.m_tags.end());
  if (f.tags.empty()) {
    const RuleIndex::Entry* entry = own_index.Find(f.id);
    if (entry == nullptr) entry = shared_index.Find(f.id);
    if (entry != nullptr) f.tags = entry->tags;
  }
  f.var = VariableFromMatch(message.m_match, transaction);
  if (f.var.empty()) f.var = VariableFromLogData(message.m_data, transaction);
  f.data = message.m_data;
  f.phase = message.m_phase;  // getPhase() - 1: already SecLang numbering
  f.disruptive = message.m_isDisruptive;
  return f;
}

}  // namespace rampart::modsec
