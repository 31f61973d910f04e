#pragma once
// The go-ftw regression test format (OWASP CRS v3.3.4, tests/regression/tests, as kept in
// ../shared/crs-regression): one YAML file per rule,
//   meta: {author, description, enabled, name}
//   tests: [{test_title, desc, stages: [{stage: {input: {...}, output: {...}}}]}]
// read into plain structs. Only the reading lives here; ftw_request.h turns an input into bytes
// and ftw_expectation.h judges an output. Semantics follow go-ftw (coreruleset/go-ftw, test
// types and ftwhttp); each default is documented on its accessor.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace rampart::crs {

struct FtwHeader {
  std::string name;
  std::string value;  // scalars of any type as written ("Content-Length: 7" → "7"); null → ""
};

struct FtwInput {
  std::optional<std::string> dest_addr;
  std::optional<int> port;
  std::optional<std::string> protocol;
  std::optional<std::string> method;
  std::optional<std::string> uri;
  std::optional<std::string> version;
  // In file order, duplicates kept (go-ftw itself holds them in a map and writes them sorted by
  // name: see HeaderOrder in ftw_request.h).
  std::vector<FtwHeader> headers;
  // `data:` a string, or a list of strings joined with "\r\n" (the CRS v3 convention for bodies
  // with exact line ends, e.g. 920181-1's hand-made chunked body).
  std::optional<std::string> data;
  bool data_was_list = false;
  std::optional<std::string> encoded_request;  // base64 of the whole request, as written
  std::optional<std::string> raw_request;      // the whole request, as written
  std::optional<bool> autocomplete_headers;
  std::optional<bool> stop_magic;
  std::optional<bool> save_cookie;
  std::vector<std::string> keys;  // the keys present, in file order (for feature counts)
  int line = 0;                   // 1-based line of the `input:` mapping

  // go-ftw defaults (test/types.go Input getters and the v3 runner): GET, "/", HTTP/1.1,
  // localhost, 80, http. An explicit empty string stays empty ("version: ''" sends "GET / ").
  std::string Method() const { return method.value_or("GET"); }
  std::string Uri() const { return uri.value_or("/"); }
  std::string Version() const { return version.value_or("HTTP/1.1"); }
  std::string DestAddr() const { return dest_addr.value_or("localhost"); }
  int Port() const { return port.value_or(80); }
  std::string Protocol() const { return protocol.value_or("http"); }
  // Autocompletion of headers is on unless turned off: `autocomplete_headers` (go-ftw v1) wins;
  // otherwise the legacy `stop_magic: true` turns it off.
  bool AutocompleteHeaders() const {
    if (autocomplete_headers) return *autocomplete_headers;
    if (stop_magic) return !*stop_magic;
    return true;
  }
};

// go-ftw v1's `log:` block (absent from the CRS v3.3.4 tests; read for completeness).
struct FtwLogExpect {
  std::vector<int> expect_ids;
  std::vector<int> no_expect_ids;
  std::optional<std::string> match_regex;
  std::optional<std::string> no_match_regex;
};

struct FtwOutput {
  std::vector<int> status;  // `status: 403` or `status: [403, 400]`; empty = not checked
  std::optional<std::string> log_contains;
  std::optional<std::string> no_log_contains;
  std::optional<std::string> response_contains;
  std::optional<bool> expect_error;
  std::optional<FtwLogExpect> log;
  std::vector<std::string> keys;
  int line = 0;
};

struct FtwStage {
  FtwInput input;
  FtwOutput output;
  int line = 0;
};

struct FtwTest {
  std::string title;
  std::string desc;
  std::vector<FtwStage> stages;
  int line = 0;
};

struct FtwMeta {
  std::string author;
  std::string description;
  std::string name;
  bool enabled = true;  // `enabled: false` → every test of the file is skipped
};

struct FtwFile {
  std::string path;
  FtwMeta meta;
  std::vector<FtwTest> tests;
  // Keys this reader does not know ("file:line: unknown key input.foo") and duplicate header
  // names: not errors, reported by the runner.
  std::vector<std::string> warnings;
};

// Parses one test file's text; `name` is used in messages ("name:line:col: what").
core::Result<FtwFile> ParseFtwString(const std::string& yaml, const std::string& name);
core::Result<FtwFile> ParseFtwFile(const std::string& path);

// Every *.yaml / *.yml under `dir` (recursively), sorted by path. Stops at the first file that
// does not parse.
core::Result<std::vector<FtwFile>> ParseFtwDirectory(const std::string& dir);

// Occurrences of each input/output key ("input.data", "output.status", ...) and of a few
// derived features ("data.list", "version=HTTP/1.0", "autocomplete.off", "meta.disabled.tests").
std::map<std::string, int> CountFeatures(const std::vector<FtwFile>& files);

}  // namespace rampart::crs
