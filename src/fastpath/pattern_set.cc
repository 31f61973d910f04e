#include "fastpath/pattern_set.h"

#include <hs/hs.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

namespace rampart::fastpath {
namespace {

constexpr unsigned kRegexFlags = HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH |
                                 HS_FLAG_ALLOWEMPTY | HS_FLAG_PREFILTER;
constexpr unsigned kLiteralFlags = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;

// A phrase as a regex matching exactly its bytes.
std::string EscapeLiteral(std::string_view phrase) {
  std::string out;
  out.reserve(phrase.size() * 4);
  char hex[5];
  for (unsigned char c : phrase) {
    std::snprintf(hex, sizeof hex, "\\x%02x", c);
    out += hex;
  }
  return out;
}

int OnMatch(unsigned int index, unsigned long long /*from*/, unsigned long long /*to*/,
            unsigned int /*flags*/, void* context) {
  static_cast<std::vector<unsigned int>*>(context)->push_back(index);
  return 0;
}

// Sets in use, by their patterns: a reload of unchanged rules shares the running
// configuration's sets (no Hyperscan compile, no second copy in memory).
struct MemoEntry {
  std::string key;  // every pattern's id, kind and expression
  std::weak_ptr<const PatternSet> set;
  std::vector<uint32_t> refused;
};
std::mutex memo_mutex;
std::vector<MemoEntry> memo;

std::string MemoKey(const std::vector<PatternSet::Pattern>& patterns) {
  std::string key;
  for (const PatternSet::Pattern& p : patterns) {
    key += std::to_string(p.id) + (p.literal ? "L" : "R") + std::to_string(p.expression.size()) +
           ":" + p.expression;
  }
  return key;
}

}  // namespace

core::Result<std::shared_ptr<const PatternSet>> PatternSet::Compile(
    const std::vector<Pattern>& patterns, std::vector<uint32_t>& refused) {
  const std::string key = MemoKey(patterns);
  std::lock_guard<std::mutex> lock(memo_mutex);
  std::erase_if(memo, [](const MemoEntry& e) { return e.set.expired(); });
  for (const MemoEntry& e : memo) {
    if (e.key != key) continue;
    if (std::shared_ptr<const PatternSet> set = e.set.lock()) {
      refused.insert(refused.end(), e.refused.begin(), e.refused.end());
      return set;
    }
  }
  std::vector<uint32_t> mine;
  auto compiled = CompileNew(patterns, mine);
  if (!compiled) return compiled;
  memo.push_back({key, compiled.value(), mine});
  refused.insert(refused.end(), mine.begin(), mine.end());
  return compiled;
}

core::Result<std::shared_ptr<const PatternSet>> PatternSet::CompileNew(
    const std::vector<Pattern>& patterns, std::vector<uint32_t>& refused) {
  std::shared_ptr<PatternSet> set(new PatternSet());
  std::vector<std::string> expressions;
  std::vector<unsigned> flags;
  std::vector<uint32_t> ids;
  for (const Pattern& p : patterns) {
    const std::string expression = p.literal ? EscapeLiteral(p.expression) : p.expression;
    const unsigned f = p.literal ? kLiteralFlags : kRegexFlags;
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_expression_info(expression.c_str(), f, &info, &error) != HS_SUCCESS) {
      hs_free_compile_error(error);
      refused.push_back(p.id);
      continue;
    }
    const bool empty = info->min_width == 0;
    std::free(info);
    if (empty) set->matches_empty_.push_back(p.id);
    expressions.push_back(expression);
    flags.push_back(f);
    ids.push_back(p.id);
  }
  // A whole-set compile can still refuse one expression (too large, ...): drop it and retry.
  while (!expressions.empty()) {
    std::vector<const char*> pointers;
    std::vector<unsigned> indexes;
    for (size_t i = 0; i < expressions.size(); ++i) {
      pointers.push_back(expressions[i].c_str());
      indexes.push_back(static_cast<unsigned>(i));
    }
    hs_compile_error_t* error = nullptr;
    const hs_error_t rc = hs_compile_multi(pointers.data(), flags.data(), indexes.data(),
                                           static_cast<unsigned>(pointers.size()), HS_MODE_BLOCK,
                                           nullptr, &set->database_, &error);
    if (rc == HS_SUCCESS) break;
    const int bad = error != nullptr ? error->expression : -1;
    const std::string message = error != nullptr && error->message ? error->message : "unknown";
    hs_free_compile_error(error);
    set->database_ = nullptr;
    if (bad < 0 || static_cast<size_t>(bad) >= expressions.size()) {
      return core::MakeError("hyperscan: " + message);
    }
    refused.push_back(ids[bad]);
    expressions.erase(expressions.begin() + bad);
    flags.erase(flags.begin() + bad);
    ids.erase(ids.begin() + bad);
  }
  set->ids_ = std::move(ids);
  return std::shared_ptr<const PatternSet>(std::move(set));
}

PatternSet::~PatternSet() { hs_free_database(database_); }

bool PatternSet::Scan(std::string_view value, hs_scratch* scratch,
                      std::vector<uint32_t>& ids) const {
  if (value.empty()) {
    ids.insert(ids.end(), matches_empty_.begin(), matches_empty_.end());
    return true;
  }
  if (database_ == nullptr) return true;
  std::vector<unsigned int> hits;
  const hs_error_t rc = hs_scan(database_, value.data(), static_cast<unsigned int>(value.size()), 0,
                                scratch, &OnMatch, &hits);
  if (rc != HS_SUCCESS) return false;
  for (unsigned int index : hits) ids.push_back(ids_[index]);
  return true;
}

bool PatternSet::FitScratch(hs_scratch** scratch) const {
  if (database_ == nullptr) return true;
  return hs_alloc_scratch(database_, scratch) == HS_SUCCESS;
}

void FreeScratch(hs_scratch* scratch) { hs_free_scratch(scratch); }

}  // namespace rampart::fastpath
