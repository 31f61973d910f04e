#include "acme/problem.h"

#include <nlohmann/json.hpp>

namespace rampart::acme {
namespace {

std::string StringMember(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<Problem> FromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) return std::nullopt;
  Problem problem;
  problem.type = StringMember(doc, "type");
  problem.detail = StringMember(doc, "detail");
  if (problem.type.empty() && problem.detail.empty()) return std::nullopt;
  if (const auto status = doc.find("status"); status != doc.end() && status->is_number_integer()) {
    problem.status = status->get<int>();
  }
  if (const auto identifier = doc.find("identifier"); identifier != doc.end()) {
    if (identifier->is_object()) problem.identifier = StringMember(*identifier, "value");
  }
  if (const auto subs = doc.find("subproblems"); subs != doc.end() && subs->is_array()) {
    for (const nlohmann::json& sub : *subs) {
      if (auto parsed = FromJson(sub)) problem.subproblems.push_back(std::move(*parsed));
    }
  }
  return problem;
}

}  // namespace

std::optional<Problem> ParseProblem(std::string_view body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return std::nullopt;
  return FromJson(doc);
}

std::string DescribeProblem(const Problem& problem) {
  std::string out = problem.type.empty() ? "(no type)" : problem.type;
  if (!problem.detail.empty()) out += ": " + problem.detail;
  for (const Problem& sub : problem.subproblems) {
    out += "; " + (sub.identifier.empty() ? std::string("?") : sub.identifier) + ": " +
           DescribeProblem(sub);
  }
  return out;
}

}  // namespace rampart::acme
