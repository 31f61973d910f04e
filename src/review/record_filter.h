#pragma once
// RecordFilter: which attack-log records a review asks about — a time range, a client address or
// prefix, a route, a rule id, an action, a country, a source, a URI prefix. Every criterion set
// must hold (AND); an unset one holds for every record. Shared by `rampart logs`, `rampart tune`
// and the dashboard's API, so all three select the same records for the same words.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/cidr.h"
#include "review/attack_record.h"

namespace rampart::review {

struct RecordFilter {
  std::optional<int64_t> from_ms;  // time >= from
  std::optional<int64_t> to_ms;    // time < to
  std::string client;              // an address ("203.0.113.7") or a CIDR ("203.0.113.0/24")
  std::string route;               // exact route name
  std::string rule;                // a rule id: some entry of "rules" has it
  std::string action;              // exact action name
  std::string country;             // ISO code, case-insensitive
  std::string source;              // the decisive source, or the source of any matched rule
  std::string uri_prefix;          // the record's path starts with this
  std::string request_id;          // exact request id
};

// A filter with every criterion checked, ready to match records fast.
class CompiledFilter {
 public:
  // Refuses a filter it cannot apply: a client that is neither an address nor a CIDR, an
  // unknown action or source name, from after to.
  static core::Result<CompiledFilter> Compile(const RecordFilter& filter);
  bool Matches(const AttackRecord& record) const;

 private:
  RecordFilter filter_;
  net::CidrSet client_;  // filter_.client parsed; empty: no client criterion
};

// A time bound as an operator types it: RFC 3339 ("2026-11-23T20:00:00Z"), a date
// ("2026-11-23", midnight UTC), or an age before `now_ms` ("30m", "2h", "7d"). nullopt when it
// is none of these.
std::optional<int64_t> ParseTimeBound(std::string_view text, int64_t now_ms);

// The wall clock in milliseconds since the epoch: the `now_ms` the commands and the dashboard
// give ParseTimeBound.
int64_t NowEpochMs();

// The action and source names the log uses, for validation and help texts.
const std::vector<std::string_view>& ActionNames();
const std::vector<std::string_view>& SourceNames();

}  // namespace rampart::review
