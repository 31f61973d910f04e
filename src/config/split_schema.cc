// A route's `split`: one route, several pools — chosen by a header or cookie value (A/B, the
// first matching rule wins), else by weight (canary, blue-green).

#include <algorithm>
#include <cstdint>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

namespace {

struct TargetResult {
  SplitTargetConfig target;
  bool ok = true;
  // False when the target's kind (weighted or value rule) or its weight is unknown because of
  // an error, so that the "needs a weighted target" check does not guess.
  bool weight_known = true;
};

// A header or cookie name of a value rule: an HTTP token.
void ReadRuleName(const Field& field, std::string_view what, std::string* out, bool* ok) {
  std::optional<std::string> name = field.AsString();
  if (name && !IsHttpToken(*name)) {
    field.Fail("invalid " + std::string(what) + " name");
    name.reset();
  }
  if (name) {
    *out = std::move(*name);
  } else {
    *ok = false;
  }
}

// A value rule: exactly one of header or cookie, and the value it must equal.
void ReadValueRule(const MapReader& map, TargetResult* result) {
  SplitTargetConfig& target = result->target;
  const Field* header = map.Find("header");
  const Field* cookie = map.Find("cookie");
  if (header != nullptr && cookie != nullptr) {
    map.field().Fail("needs header or cookie, not both");
    result->ok = false;
  } else if (header == nullptr && cookie == nullptr) {
    map.field().Fail("value needs header or cookie");
    result->ok = false;
  }
  if (header != nullptr) ReadRuleName(*header, "header", &target.header, &result->ok);
  if (cookie != nullptr) ReadRuleName(*cookie, "cookie", &target.cookie, &result->ok);
  const Field* value = map.Require("value");
  if (value == nullptr) {
    result->ok = false;
    return;
  }
  std::optional<std::string> text = value->AsString();
  if (text && HasLineBreakOrNul(*text)) {
    value->Fail("must not contain CR, LF or NUL");
    text.reset();
  }
  if (text) {
    target.value = std::move(*text);
  } else {
    result->ok = false;
  }
}

// One entry of split.to: a weighted target or a value rule, never both.
TargetResult ReadTarget(const Field& field, const std::map<std::string, PoolConfig>& pools) {
  TargetResult result;
  result.target.mark = MarkOf(field);
  const MapReader map = SchemaMap(field, {"pool", "weight", "header", "cookie", "value"});
  if (!map.is_map()) {
    result.ok = false;
    result.weight_known = false;
    return result;
  }
  if (const Field* f = map.Require("pool")) {
    if (auto pool = ReadPoolRef(*f, pools)) {
      result.target.pool = std::move(*pool);
    } else {
      result.ok = false;
    }
  } else {
    result.ok = false;
  }
  const bool has_weight = map.Has("weight");
  const bool has_rule = map.Has("header") || map.Has("cookie") || map.Has("value");
  if (has_weight && has_rule) {
    field.Fail("a target has either weight or a value rule (header or cookie, and value)");
    result.ok = false;
    result.weight_known = false;
  } else if (!has_weight && !has_rule) {
    field.Fail("needs weight, or header or cookie and value");
    result.ok = false;
    result.weight_known = false;
  } else if (has_weight) {
    if (auto weight = map.Find("weight")->AsInteger(0, 10'000)) {
      result.target.weight = static_cast<uint32_t>(*weight);
    } else {
      result.ok = false;
      result.weight_known = false;
    }
  } else {
    ReadValueRule(map, &result);
  }
  return result;
}

}  // namespace

std::optional<SplitConfig> ReadSplit(const Field& field,
                                     const std::map<std::string, PoolConfig>& pools) {
  SplitConfig split;
  const MapReader map = SchemaMap(field, {"sticky", "to"});
  if (!map.is_map()) return std::nullopt;
  bool ok = true;
  if (const Field* f = map.Find("sticky")) {
    split.sticky = ReadHashKey(*f);
    ok = split.sticky.has_value();
  }
  const Field* to = map.Require("to");
  if (to == nullptr) return std::nullopt;
  auto items = to->AsList();
  if (!items) return std::nullopt;
  if (items->empty()) {
    to->Fail("at least one target is required");
    return std::nullopt;
  }
  bool weights_known = true;
  for (const Field& item : *items) {
    TargetResult result = ReadTarget(item, pools);
    ok = ok && result.ok;
    weights_known = weights_known && result.weight_known;
    split.to.push_back(std::move(result.target));
  }
  const bool has_default = std::any_of(split.to.begin(), split.to.end(),
                                       [](const SplitTargetConfig& t) { return t.weight > 0; });
  if (weights_known && !has_default) {
    to->Fail("needs a target with a weight above 0 (it takes what no value rule matches)");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return split;
}

}  // namespace rampart::config
