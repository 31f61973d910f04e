#pragma once
// Database: the loaded signatures compiled with Hyperscan, one database pair per request part
// (the regexes, and the literals: Hyperscan's literal API needs a database of its own), built
// at load and on reload and then shared read-only by every worker. Each value of a part is
// scanned on its own, so a pattern never matches across two arguments or two headers.
// The only code that includes Hyperscan is in this folder.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "signatures/database_cache.h"
#include "signatures/signature.h"

struct hs_database;
struct hs_scratch;

namespace rampart::signatures {

class Database {
 public:
  // Per-thread scan state (Hyperscan scratch); made by NewScratch, used by one thread at a
  // time, for this database only.
  class Scratch {
   public:
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

   private:
    friend class Database;
    explicit Scratch(hs_scratch* s) : scratch_(s) {}
    hs_scratch* scratch_;
  };

  // Either the database or every problem, "file:line: regex: reason" per bad signature.
  // With a `cache_dir`, the compiled databases are read from there when a file for exactly this
  // set exists (database_cache.h), and written there otherwise. Without one, a set this process
  // compiled before (the same packs on reload) is taken from memory (compiled_memo.h).
  using Result = std::variant<std::shared_ptr<const Database>, std::vector<std::string>>;
  static Result Compile(std::vector<Signature> signatures, const std::string& cache_dir = "");

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::unique_ptr<Scratch> NewScratch() const;

  // Appends to `matched` the index (in signatures()) of each signature looking at `where`
  // that matches `value`, once per signature per call.
  void Scan(const Where& where, std::string_view value, Scratch& scratch,
            std::vector<uint32_t>& matched) const;

  const std::vector<Signature>& signatures() const { return signatures_; }
  // Which parts some signature looks at: the stage extracts only those.
  bool Uses(Part part) const { return uses_[static_cast<size_t>(part)]; }
  const std::vector<std::string>& header_names() const { return header_names_; }
  // Where the compiled databases came from.
  enum class Source { kCompiled, kDiskCache, kMemory };
  Source source() const { return source_; }
  // Different for every Database the process makes (an address may be reused after a reload):
  // what per-thread scratch is keyed on.
  uint64_t serial() const { return serial_; }

 private:
  struct PartDatabases {
    hs_database* regexes = nullptr;
    hs_database* literals = nullptr;
  };
  Database();
  const PartDatabases* Find(const Where& where) const;
  // Deserializes `parts` (false, and nothing kept, if any is unusable or they do not fit).
  bool Load(const std::vector<CachedPart>& parts, size_t part_count);
  std::vector<CachedPart> Serialized() const;
  void ReleaseDatabases();

  std::vector<Signature> signatures_;
  std::map<std::string, PartDatabases> by_part_;  // key: part number, or "h:" + header name
  std::vector<std::string> header_names_;         // of the header:NAME signatures
  bool uses_[kPartCount] = {};
  hs_scratch* prototype_ = nullptr;  // grown for every database; cloned per thread
  Source source_ = Source::kCompiled;
  uint64_t serial_ = 0;
};

}  // namespace rampart::signatures
