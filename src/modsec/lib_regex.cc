#include "modsec/lib_regex.h"

#include <map>
#include <mutex>
#include <new>

#include "core/regex.h"

// libmodsecurity 3.0.9 exports its regex class but installs no header for it. Only the
// constructor, the destructor and search() are used, all exported; the object lives in
// LibRegex::storage_.
namespace modsecurity::Utils {
class Regex {
 public:
  Regex(const std::string& pattern, bool ignore_case);
  ~Regex();
  int search(const std::string& s) const;
};
}  // namespace modsecurity::Utils

namespace rampart::modsec {
namespace {

modsecurity::Utils::Regex* Object(unsigned char* storage) {
  return std::launder(reinterpret_cast<modsecurity::Utils::Regex*>(storage));
}

}  // namespace

core::Result<std::shared_ptr<const LibRegex>> LibRegex::Compile(const std::string& pattern) {
  // libmodsecurity keeps a pattern PCRE2 refuses and crashes matching it: the same PCRE2 says
  // first whether it compiles.
  if (auto check = core::Regex::Compile(pattern); !check) {
    return core::MakeError("regex " + pattern + ": " + check.error().message);
  }
  std::shared_ptr<LibRegex> re(new LibRegex());
  try {
    new (re->storage_) modsecurity::Utils::Regex(pattern, false);
    re->constructed_ = true;
  } catch (...) {
    return core::MakeError("libmodsecurity regex: cannot compile " + pattern);
  }
  return std::shared_ptr<const LibRegex>(std::move(re));
}

core::Result<std::shared_ptr<const LibRegex>> LibRegex::Shared(const std::string& pattern) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const LibRegex>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  std::erase_if(cache, [](const auto& entry) { return entry.second.expired(); });
  if (auto it = cache.find(pattern); it != cache.end()) {
    if (auto re = it->second.lock()) return re;
  }
  auto re = Compile(pattern);
  if (re) cache[pattern] = re.value();
  return re;
}

LibRegex::~LibRegex() {
  if (constructed_) Object(storage_)->~Regex();
}

bool LibRegex::Matches(const std::string& subject) const {
  return Object(const_cast<unsigned char*>(storage_))->search(subject) > 0;
}

}  // namespace rampart::modsec
