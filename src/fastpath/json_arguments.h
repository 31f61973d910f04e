#pragma once
// JsonArguments: the arguments libmodsecurity 3.0.9's JSON body processor makes of a request
// body, parsed with yajl (the parser libmodsecurity itself uses, configured the same way), so the
// fast path sees exactly the names and values libmodsecurity's rules see. Naming follows the
// processor: "json" + ".key" per object member ("empty-key" for "") + ".array_N" per array
// element; numbers keep their source text; null is "".

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace rampart::fastpath {

struct JsonArgument {
  std::string name;
  std::string value;
};

// libmodsecurity's default SecRequestBodyJsonDepthLimit.
inline constexpr size_t kDefaultJsonDepthLimit = 10000;

// The body's arguments in document order, or an error wherever libmodsecurity's processor
// reports one (REQBODY_ERROR 1): a yajl syntax or UTF-8 error, more than `depth_limit` open
// containers, or more than `max_arguments` arguments. An empty body has no arguments and no error.
core::Result<std::vector<JsonArgument>> ParseJsonArguments(std::string_view body,
                                                           size_t depth_limit,
                                                           size_t max_arguments);

}  // namespace rampart::fastpath
