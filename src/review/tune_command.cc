// `rampart tune`: reads the attack logs, proposes the exclusions for the records marked as false
// positives, and optionally appends them to the route's exclusion file.

#include <ostream>
#include <string>
#include <vector>

#include "review/attack_record.h"
#include "review/commands.h"
#include "review/exclusion.h"
#include "review/log_reader.h"

namespace rampart::review {

namespace {

constexpr char kCommand[] = "rampart tune: ";

}  // namespace

int RunTune(const TuneCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.files.empty()) {
    err << kCommand << "give at least one attack-log file\n";
    return 2;
  }
  std::vector<AttackRecord> records;
  for (const std::string& file : options.files) {
    const core::Status read = ReadRecords(
        file,
        [&records](AttackRecord&& record) {
          records.push_back(std::move(record));
          return true;
        },
        [&err](const BadLine& problem) { err << problem << '\n'; });
    if (!read.ok()) {
      err << kCommand << read.error().message << '\n';
      return 2;
    }
  }

  auto plan = PlanExclusions(records, options.selection, options.tune);
  if (!plan.ok()) {
    err << kCommand << plan.error().message << '\n';
    return 2;
  }
  if (plan->exclusions.empty() || options.out_file.empty()) {
    if (options.json) {
      out << TunePlanJson(plan.value(), options.first_id) << '\n';
    } else {
      out << TunePlanText(plan.value(), options.first_id);
    }
    return plan->exclusions.empty() ? 1 : 0;
  }

  // Written first, then shown: the ids in the file follow the highest one already there, and
  // the operator must review the very text the route will load.
  auto added = AppendExclusionFile(options.out_file, plan->exclusions, options.first_id);
  if (!added.ok()) {
    err << kCommand << added.error().message << '\n';
    return 2;
  }
  if (options.json) {
    out << TunePlanJson(plan.value(), added.value(), options.out_file) << '\n';
  } else {
    out << TunePlanText(plan.value(), added.value(), options.out_file);
  }
  // With --json, standard output holds only the JSON document.
  std::ostream& report = options.json ? err : out;
  const size_t n = added->added;
  report << "added " << n << (n == 1 ? " exclusion" : " exclusions") << " to " << options.out_file;
  if (n < plan->exclusions.size()) {
    report << " (" << plan->exclusions.size() - n << " already there)";
  }
  report << "; include it in route " << plan->exclusions.front().route << ": waf: {before_crs: ["
         << options.out_file << "]} and reload\n";
  return 0;
}

}  // namespace rampart::review
