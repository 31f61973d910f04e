#include "modsec/transformations.h"

#include <modsecurity/actions/action.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <cstring>
#include <exception>
#include <map>
#include <typeinfo>
#include <utility>

#include "modsec/engine.h"

// libmodsecurity installs no header for its transformations, but exports their factory; each
// object is an actions::Action whose virtual evaluate() is the transformation.
namespace modsecurity::actions::transformations {
class Transformation : public Action {
 public:
  static Transformation* instantiate(std::string name);
};
}  // namespace modsecurity::actions::transformations

namespace rampart::modsec {
namespace {

void DeleteTransaction(modsecurity::Transaction* t) { delete t; }

// The factory's spelling where it differs from the rule language's.
std::string FactoryName(const std::string& name) {
  static const std::map<std::string, std::string> kRenamed = {
      {"cmdLine", "cmd_line"},
  };
  auto it = kRenamed.find(name);
  return "t:" + (it == kRenamed.end() ? name : it->second);
}

}  // namespace

core::Result<std::unique_ptr<Transformations>> Transformations::Make(
    std::shared_ptr<const CompiledPolicy> policy) {
  std::unique_ptr<Transformations> t(new Transformations());
  t->policy_ = std::move(policy);
  try {
    t->context_ = {new modsecurity::Transaction(t->policy_->engine().handle(), t->policy_->rules(),
                                                const_cast<char*>("fast-path-context"), nullptr),
                   &DeleteTransaction};
  } catch (const std::exception& e) {
    return core::MakeError(std::string("libmodsecurity: context transaction: ") + e.what());
  }
  return t;
}

Transformations::~Transformations() {
  for (modsecurity::actions::Action* a : objects_) delete a;
}

core::Result<int> Transformations::Find(const std::string& name) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  namespace tf = modsecurity::actions::transformations;
  tf::Transformation* object = nullptr;
  try {
    object = tf::Transformation::instantiate(FactoryName(name));
  } catch (...) {
  }
  // An unknown name comes back as the base class, which changes nothing: refuse it.
  if (object == nullptr ||
      std::strcmp(typeid(*object).name(), typeid(tf::Transformation).name()) == 0) {
    delete object;
    return core::MakeError("transformation t:" + name + " is not known to libmodsecurity");
  }
  names_.push_back(name);
  objects_.push_back(object);
  return static_cast<int>(objects_.size() - 1);
}

std::string Transformations::Apply(int index, const std::string& value) const {
  return objects_[index]->evaluate(value, context_.get());
}

}  // namespace rampart::modsec
