#pragma once
// RequestValues: the values libmodsecurity would put into its request variables for a request
// without a body, with a urlencoded form body or with a JSON body, computed by rampart without a
// libmodsecurity transaction (making one costs more than the whole fast path). Each value says
// which variable (and key) it belongs to, so a rule only looks at the values of its own targets.
// The differential test (tests/unit/fastpath) holds these byte for byte to libmodsecurity's.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fastpath/json_arguments.h"

namespace rampart::fastpath {

// The request variables the fast path models. Everything else is unknown to it.
enum class Variable : uint8_t {
  kArgsGet,  // ARGS_GET, and ARGS with kArgsPost
  kArgsGetNames,
  kArgsPost,  // a body's arguments: a form's (ARGS_POST, and ARGS with kArgsGet) or a JSON
              // body's (ARGS only: libmodsecurity never puts those into ARGS_POST)
  kArgsPostNames,
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
  kRequestBody,        // a body's REQUEST_BODY: "" in phase 1, the body in phase 2
  kRequestBodyLength,  // a body's REQUEST_BODY_LENGTH: "" in phase 1, the length in phase 2
  kReqbodyProcessor,   // a form's REQBODY_PROCESSOR: "URLENCODED" from the Content-Type on;
                       // a JSON body's: "" until the rule switching to JSON runs, then "JSON"
  kEmptyScalar,        // single-valued variables the request leaves "" (without a body:
                       // REQUEST_BODY, REQBODY_PROCESSOR; MULTIPART_STRICT_ERROR, ...)
  kZeroFlag,           // INBOUND_DATA_ERROR, and without a body REQBODY_ERROR and
                       // REQBODY_PROCESSOR_ERROR: "" in phase 1, "0" in phase 2: both values
  kCount,
};

inline constexpr size_t kNoArgumentsLimit = SIZE_MAX;

struct Value {
  Variable variable;
  std::string key;  // argument, header or cookie name; empty for single-valued variables
  std::string value;
};

// The body a request is decided with: none, a form (libmodsecurity's URLENCODED processor, chosen
// by the Content-Type) or JSON (its JSON processor, switched on by a rule's
// ctl:requestBodyProcessor=JSON in phase 1).
enum class BodyKind : uint8_t { kNone, kForm, kJson };

struct RequestHead {
  std::string_view method;
  std::string_view uri;           // as received: path and query, percent-encoding kept
  std::string_view http_version;  // "1.1", "2.0" (as handed to libmodsecurity)
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // as received, in order
  // With a form or JSON body its arguments and the body variables are computed; kNone: there
  // is no body.
  BodyKind body_kind = BodyKind::kNone;
  std::string_view body;
  // kJson: the body's arguments (ParseJsonArguments), parsed without an error.
  const std::vector<JsonArgument>* json = nullptr;
};

// Every value of every modelled variable (the order within a variable is not libmodsecurity's,
// which is a hash table's). At most `arguments_limit` arguments are kept (SecArgumentsLimit,
// which may be 0, over the query's and the body's together), as libmodsecurity drops the rest
// (a JSON argument over it is a parse error in libmodsecurity: the caller checks that none was).
// A variable whose phase-1 value differs from its phase-2 value gets both.
std::vector<Value> ExtractValues(const RequestHead& head, size_t arguments_limit);

}  // namespace rampart::fastpath
