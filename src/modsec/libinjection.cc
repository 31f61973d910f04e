#include "modsec/libinjection.h"

#include <memory>

// libmodsecurity keeps libinjection's symbols to itself but exports the two operators' evaluate
// functions; without a transaction they only run libinjection and report its verdict (they read
// nothing of the operator object).
namespace modsecurity {
class Transaction;
class RuleWithActions;
class RuleMessage;
namespace operators {
class DetectSQLi {
 public:
  bool evaluate(Transaction* t, RuleWithActions* rule, const std::string& input,
                std::shared_ptr<RuleMessage> message);
};
class DetectXSS {
 public:
  bool evaluate(Transaction* t, RuleWithActions* rule, const std::string& input,
                std::shared_ptr<RuleMessage> message);
};
}  // namespace operators
}  // namespace modsecurity

namespace rampart::modsec {

bool DetectsSqli(const std::string& value) {
  modsecurity::operators::DetectSQLi op;
  return op.evaluate(nullptr, nullptr, value, nullptr);
}

bool DetectsXss(const std::string& value) {
  modsecurity::operators::DetectXSS op;
  return op.evaluate(nullptr, nullptr, value, nullptr);
}

}  // namespace rampart::modsec
