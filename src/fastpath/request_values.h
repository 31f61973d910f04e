#pragma once
// RequestValues: the values libmodsecurity would put into its request variables for a request
// without a body, computed by rampart without a libmodsecurity transaction (making one costs
// more than the whole fast path). Each value says which variable (and key) it belongs to, so a
// rule only looks at the values of its own targets. The differential test
// (tests/unit/fastpath) holds these byte for byte to libmodsecurity's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::fastpath {

// The request variables the fast path models. Everything else is unknown to it.
enum class Variable : uint8_t {
  kArgsGet,  // ARGS and ARGS_GET (no body, so no ARGS_POST)
  kArgsGetNames,
  kRequestHeaders,
  kRequestHeadersNames,
  kRequestCookies,
  kRequestCookiesNames,
  kRequestUri,
  kRequestUriRaw,
  kRequestFilename,
  kRequestBasename,
  kPathInfo,
  kQueryString,
  kRequestLine,
  kRequestMethod,
  kRequestProtocol,
  kArgsCombinedSize,
  kUrlencodedError,
  kFullRequestLength,  // "" in phase 1, the length in phase 2: both values
  kEmptyScalar,        // single-valued variables a request without a body leaves "" (REQUEST_BODY,
                       // REQBODY_PROCESSOR, MULTIPART_STRICT_ERROR, ...)
  kZeroFlag,           // REQBODY_ERROR, REQBODY_PROCESSOR_ERROR, INBOUND_DATA_ERROR: "" in phase
                       // 1, "0" in phase 2: both values
  kCount,
};

inline constexpr size_t kNoArgumentsLimit = SIZE_MAX;

struct Value {
  Variable variable;
  std::string key;  // argument, header or cookie name; empty for single-valued variables
  std::string value;
};

struct RequestHead {
  std::string_view method;
  std::string_view uri;           // as received: path and query, percent-encoding kept
  std::string_view http_version;  // "1.1", "2.0" (as handed to libmodsecurity)
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // as received, in order
};

// Every value of every modelled variable (the order within a variable is not libmodsecurity's,
// which is a hash table's). At most `arguments_limit` arguments are kept (SecArgumentsLimit,
// which may be 0), as libmodsecurity drops the rest.
std::vector<Value> ExtractValues(const RequestHead& head, size_t arguments_limit);

}  // namespace rampart::fastpath
