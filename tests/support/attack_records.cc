#include "support/attack_records.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

namespace rampart::test {

bool CrsInstalled() {
  return std::filesystem::exists(
      "/usr/share/modsecurity-crs/rules/REQUEST-901-INITIALIZATION.conf");
}

std::vector<std::string> RuleIds(const JsonValue& record) {
  std::vector<std::string> ids;
  const JsonValue* rules = record.Find("rules");
  if (rules == nullptr || !rules->is_array()) return ids;
  for (const JsonValue& r : rules->array) {
    if (auto s = r.StringAt("id")) {
      ids.push_back(*s);
    } else if (auto n = r.NumberAt("id")) {
      ids.push_back(std::to_string(static_cast<long>(*n)));
    } else {
      ids.emplace_back();
    }
  }
  return ids;
}

bool RecordHasRule(const JsonValue& record, const std::string& id) {
  const std::vector<std::string> ids = RuleIds(record);
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

long FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

}  // namespace rampart::test
