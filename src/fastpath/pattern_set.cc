#include "fastpath/pattern_set.h"

#include <hs/hs.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
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

// Sets this process compiled, serialized, so that a reload of unchanged rules (the same
// patterns) takes milliseconds instead of Hyperscan's seconds. The last kMemoSize sets are kept.
struct MemoEntry {
  std::string key;  // every pattern's id, kind and expression
  std::string serialized;
  std::vector<uint32_t> ids;
  std::vector<uint32_t> matches_empty;
  std::vector<uint32_t> refused;
};
constexpr size_t kMemoSize = 256;
std::mutex memo_mutex;
std::deque<MemoEntry> memo;

std::string MemoKey(const std::vector<PatternSet::Pattern>& patterns) {
  std::string key;
  for (const PatternSet::Pattern& p : patterns) {
    key += std::to_string(p.id) + (p.literal ? "L" : "R") + std::to_string(p.expression.size()) +
           ":" + p.expression;
  }
  return key;
}

}  // namespace

core::Result<std::unique_ptr<PatternSet>> PatternSet::Compile(const std::vector<Pattern>& patterns,
                                                              std::vector<uint32_t>& refused) {
  const std::string key = MemoKey(patterns);
  {
    std::lock_guard<std::mutex> lock(memo_mutex);
    for (const MemoEntry& e : memo) {
      if (e.key != key) continue;
      std::unique_ptr<PatternSet> set(new PatternSet());
      if (!e.serialized.empty() && hs_deserialize_database(e.serialized.data(), e.serialized.size(),
                                                           &set->database_) != HS_SUCCESS) {
        break;  // compile it again
      }
      set->ids_ = e.ids;
      set->matches_empty_ = e.matches_empty;
      refused.insert(refused.end(), e.refused.begin(), e.refused.end());
      return set;
    }
  }
  std::vector<uint32_t> mine;
  auto compiled = CompileNew(patterns, mine);
  if (!compiled) return compiled;
  MemoEntry entry{key, {}, compiled.value()->ids_, compiled.value()->matches_empty_, mine};
  if (compiled.value()->database_ != nullptr) {
    char* bytes = nullptr;
    size_t length = 0;
    if (hs_serialize_database(compiled.value()->database_, &bytes, &length) == HS_SUCCESS) {
      entry.serialized.assign(bytes, length);
      std::free(bytes);
    }
  }
  if (compiled.value()->database_ == nullptr || !entry.serialized.empty()) {
    std::lock_guard<std::mutex> lock(memo_mutex);
    memo.push_back(std::move(entry));
    if (memo.size() > kMemoSize) memo.pop_front();
  }
  refused.insert(refused.end(), mine.begin(), mine.end());
  return compiled;
}

core::Result<std::unique_ptr<PatternSet>> PatternSet::CompileNew(
    const std::vector<Pattern>& patterns, std::vector<uint32_t>& refused) {
  std::unique_ptr<PatternSet> set(new PatternSet());
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
  return set;
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
