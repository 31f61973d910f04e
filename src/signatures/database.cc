#include "signatures/database.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <utility>

#include "signatures/compiled_memo.h"
#include "signatures/database_cache.h"

namespace rampart::signatures {
namespace {

std::string KeyOf(const Where& where) {
  if (where.part == Part::kHeader) return "h:" + where.header;
  return std::to_string(static_cast<int>(where.part));
}

std::string Place(const Signature& sig) { return sig.file + ":" + std::to_string(sig.line) + ": "; }

// Every signature reports each match once per scanned value.
unsigned RegexFlags(const Signature& sig) {
  unsigned flags = HS_FLAG_SINGLEMATCH;
  if (sig.caseless) flags |= HS_FLAG_CASELESS;
  if (sig.dotall) flags |= HS_FLAG_DOTALL;
  if (sig.multiline) flags |= HS_FLAG_MULTILINE;
  return flags;
}

// The patterns of one part, in the arrays Hyperscan's compile calls take; `ids` index the
// signature list.
struct PatternSet {
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;  // literals only
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  std::vector<uint32_t> owners;  // signature index of each expression, for errors
};

// Compiles one set; on a pattern error, reports it (with its signature's file and line) and
// returns null.
hs_database* CompileSet(const PatternSet& set, bool literal, const std::vector<Signature>& sigs,
                        std::vector<std::string>& errors) {
  if (set.expressions.empty()) return nullptr;
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  const auto count = static_cast<unsigned>(set.expressions.size());
  const hs_error_t rc =
      literal ? hs_compile_lit_multi(set.expressions.data(), set.flags.data(), set.ids.data(),
                                     set.lengths.data(), count, HS_MODE_BLOCK, nullptr, &db, &error)
              : hs_compile_multi(set.expressions.data(), set.flags.data(), set.ids.data(), count,
                                 HS_MODE_BLOCK, nullptr, &db, &error);
  if (rc == HS_SUCCESS) return db;
  std::string message = error != nullptr && error->message != nullptr ? error->message : "";
  if (error != nullptr && error->expression >= 0) {
    const Signature& sig = sigs[set.owners[static_cast<size_t>(error->expression)]];
    errors.push_back(Place(sig) + (literal ? "literals: " : "regex: ") + message);
  } else {
    errors.push_back("signatures: Hyperscan cannot compile the set: " + message);
  }
  hs_free_compile_error(error);
  return nullptr;
}

struct MatchContext {
  std::vector<uint32_t>* matched;
};

int OnMatch(unsigned id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
            void* context) {
  static_cast<MatchContext*>(context)->matched->push_back(id);
  return 0;  // go on: every signature of the value is wanted
}

}  // namespace

Database::Scratch::~Scratch() { hs_free_scratch(scratch_); }

Database::Database() {
  static std::atomic<uint64_t> next{1};
  serial_ = next.fetch_add(1, std::memory_order_relaxed);
}

Database::~Database() {
  ReleaseDatabases();
  hs_free_scratch(prototype_);
}

namespace {

// What a cached database is valid for: the Hyperscan version and every field of every
// signature that shapes the compiled databases, in order (ids are indices into the list).
std::string Fingerprint(const std::vector<Signature>& sigs) {
  std::string f = std::string(hs_version()) + '\n';
  for (const Signature& s : sigs) {
    f += std::to_string(s.id) + '|' + std::to_string(s.regex.size()) + ':' + s.regex + '|';
    for (const std::string& l : s.literals) f += std::to_string(l.size()) + ':' + l;
    f += '|';
    for (const Where& w : s.where) f += KeyOf(w) + ',';
    f += s.caseless ? 'c' : '-';
    f += s.dotall ? 'd' : '-';
    f += s.multiline ? 'm' : '-';
    f += '\n';
  }
  return f;
}

std::string Serialize(const hs_database* db) {
  if (db == nullptr) return {};
  char* bytes = nullptr;
  size_t length = 0;
  if (hs_serialize_database(db, &bytes, &length) != HS_SUCCESS) return {};
  std::string out(bytes, length);
  std::free(bytes);  // Hyperscan's default allocator is malloc
  return out;
}

}  // namespace

Database::Result Database::Compile(std::vector<Signature> signatures,
                                   const std::string& cache_dir) {
  std::vector<std::string> errors;
  if (hs_valid_platform() != HS_SUCCESS) {
    return std::vector<std::string>{"signatures: this CPU lacks SSSE3, which Hyperscan needs"};
  }
  std::shared_ptr<Database> db(new Database());
  db->signatures_ = std::move(signatures);
  const std::vector<Signature>& sigs = db->signatures_;

  std::map<std::string, std::pair<PatternSet, PatternSet>> sets;  // key -> regexes, literals
  for (uint32_t i = 0; i < sigs.size(); ++i) {
    const Signature& sig = sigs[i];
    for (const Where& where : sig.where) {
      db->uses_[static_cast<size_t>(where.part)] = true;
      if (where.part == Part::kHeader &&
          std::find(db->header_names_.begin(), db->header_names_.end(), where.header) ==
              db->header_names_.end()) {
        db->header_names_.push_back(where.header);
      }
      auto& [regexes, literals] = sets[KeyOf(where)];
      if (!sig.regex.empty()) {
        regexes.expressions.push_back(sig.regex.c_str());
        regexes.flags.push_back(RegexFlags(sig));
        regexes.ids.push_back(i);
        regexes.owners.push_back(i);
      }
      for (const std::string& literal : sig.literals) {
        literals.expressions.push_back(literal.data());
        literals.lengths.push_back(literal.size());
        literals.flags.push_back(HS_FLAG_SINGLEMATCH | (sig.caseless ? HS_FLAG_CASELESS : 0));
        literals.ids.push_back(i);
        literals.owners.push_back(i);
      }
    }
  }

  // Disk first (it outlives the process), then this process's memory, then a compile.
  const std::string fingerprint = Fingerprint(sigs);
  const std::string cache = cache_dir.empty() ? "" : CachePath(cache_dir, fingerprint);
  if (!cache.empty()) {
    auto parts = ReadCache(cache);
    if (parts && db->Load(*parts, sets.size())) db->source_ = Source::kDiskCache;
  }
  std::vector<CachedPart> serialized;  // unless read from disk: for the memo and the disk cache
  if (db->source_ == Source::kCompiled) {
    auto parts = RecallCompiled(fingerprint);
    if (parts && db->Load(*parts, sets.size())) {
      db->source_ = Source::kMemory;
      serialized = std::move(*parts);
    }
  }
  if (db->source_ == Source::kCompiled) {
    // Every regex checked on its own first, so that one load reports all the bad ones.
    for (const Signature& sig : sigs) {
      if (sig.regex.empty()) continue;
      hs_expr_info_t* info = nullptr;
      hs_compile_error_t* error = nullptr;
      if (hs_expression_info(sig.regex.c_str(), RegexFlags(sig), &info, &error) != HS_SUCCESS) {
        errors.push_back(
            Place(sig) + "regex: " +
            (error != nullptr && error->message != nullptr ? error->message : "invalid"));
        hs_free_compile_error(error);
      }
      std::free(info);
    }
    if (!errors.empty()) return errors;
    for (const auto& [key, pair] : sets) {
      PartDatabases& dbs = db->by_part_[key];
      dbs.regexes = CompileSet(pair.first, false, sigs, errors);
      dbs.literals = CompileSet(pair.second, true, sigs, errors);
    }
    if (!errors.empty()) return errors;
    serialized = db->Serialized();
    RememberCompiled(fingerprint, serialized);
  }
  // Best effort: without the file, the next start compiles again.
  if (!cache.empty() && db->source_ != Source::kDiskCache) (void)WriteCache(cache, serialized);
  for (const auto& [key, dbs] : db->by_part_) {
    for (hs_database* d : {dbs.regexes, dbs.literals}) {
      if (d != nullptr && hs_alloc_scratch(d, &db->prototype_) != HS_SUCCESS) {
        return std::vector<std::string>{"signatures: cannot allocate Hyperscan scratch space"};
      }
    }
  }
  return std::shared_ptr<const Database>(std::move(db));
}

bool Database::Load(const std::vector<CachedPart>& parts, size_t part_count) {
  if (parts.size() != part_count) return false;
  for (const CachedPart& p : parts) {
    PartDatabases& dbs = by_part_[p.key];
    for (auto [bytes, slot] : {std::pair{&p.regexes, &dbs.regexes}, {&p.literals, &dbs.literals}}) {
      if (bytes->empty()) continue;
      if (hs_deserialize_database(bytes->data(), bytes->size(), slot) != HS_SUCCESS) {
        *slot = nullptr;  // another version or platform: compile again
        ReleaseDatabases();
        return false;
      }
    }
  }
  return true;
}

std::vector<CachedPart> Database::Serialized() const {
  std::vector<CachedPart> parts;
  for (const auto& [key, dbs] : by_part_) {
    parts.push_back({key, Serialize(dbs.regexes), Serialize(dbs.literals)});
  }
  return parts;
}

void Database::ReleaseDatabases() {
  for (auto& [key, dbs] : by_part_) {
    hs_free_database(dbs.regexes);
    hs_free_database(dbs.literals);
  }
  by_part_.clear();
}

std::unique_ptr<Database::Scratch> Database::NewScratch() const {
  hs_scratch_t* clone = nullptr;
  if (prototype_ != nullptr && hs_clone_scratch(prototype_, &clone) != HS_SUCCESS) {
    clone = nullptr;
  }
  return std::unique_ptr<Scratch>(new Scratch(clone));
}

const Database::PartDatabases* Database::Find(const Where& where) const {
  auto it = by_part_.find(KeyOf(where));
  return it == by_part_.end() ? nullptr : &it->second;
}

void Database::Scan(const Where& where, std::string_view value, Scratch& scratch,
                    std::vector<uint32_t>& matched) const {
  const PartDatabases* dbs = Find(where);
  if (dbs == nullptr || scratch.scratch_ == nullptr) return;
  MatchContext context{&matched};
  for (const hs_database* d : {dbs->regexes, dbs->literals}) {
    if (d == nullptr) continue;
    hs_scan(d, value.data(), static_cast<unsigned>(value.size()), 0, scratch.scratch_, OnMatch,
            &context);
  }
}

}  // namespace rampart::signatures
