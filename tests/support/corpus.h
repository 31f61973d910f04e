#pragma once
// Reading the request corpora (corpus/README.md): JSON lines, one request each, with an
// optional "matches" list of the signature ids an attack sample must trigger. Used by the
// signature tests and by bench/signatures_bench; needs no test framework.

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace rampart::test {

struct CorpusRequest {
  std::string id;
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, as sent
  std::string body;
  bool has_matches = false;
  std::set<uint32_t> matches;
};

// The file's requests; blank lines and lines starting with '#' are skipped. On an unreadable
// file or a line that is not a JSON object, `error` says which ("path:line: ...").
std::vector<CorpusRequest> ReadCorpus(const std::string& path, std::string* error);

}  // namespace rampart::test
