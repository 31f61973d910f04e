#include "support/corpus.h"

#include <fstream>
#include <optional>

#include "core/base64.h"
#include "support/json.h"

namespace rampart::test {

std::vector<CorpusRequest> ReadCorpus(const std::string& path, std::string* error) {
  std::vector<CorpusRequest> out;
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return out;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const std::optional<JsonValue> json = ParseJson(line);
    if (!json || !json->is_object()) {
      *error = path + ":" + std::to_string(number) + ": not a JSON object";
      return {};
    }
    CorpusRequest r;
    r.id = json->StringAt("id").value_or("line-" + std::to_string(number));
    r.method = json->StringAt("method").value_or("GET");
    r.target = json->StringAt("target").value_or("/");
    r.body = json->StringAt("body").value_or("");
    if (std::optional<std::string> encoded = json->StringAt("body_base64")) {
      // A binary body (corpus/README.md).
      if (!core::Base64Decode(*encoded, core::Base64Alphabet::kStandard, &r.body)) {
        *error = path + ":" + std::to_string(number) + ": body_base64 is not base64";
        return {};
      }
    }
    if (const JsonValue* headers = json->Find("headers")) {
      for (const JsonValue& h : headers->array) {
        if (h.array.size() == 2) r.headers.emplace_back(h.array[0].string, h.array[1].string);
      }
    }
    if (const JsonValue* matches = json->Find("matches")) {
      r.has_matches = true;
      for (const JsonValue& m : matches->array) r.matches.insert(static_cast<uint32_t>(m.number));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace rampart::test
