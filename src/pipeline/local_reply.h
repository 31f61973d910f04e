#pragma once
// The plain pages rampart answers with itself: error pages that never reveal backend details.

#include <string>
#include <string_view>

namespace rampart::pipeline {

// A small HTML page for `status` ("502 Bad Gateway") naming the request id so an operator can
// find the log line; no backend address, no library names.
std::string ErrorPage(int status, std::string_view request_id);

}  // namespace rampart::pipeline
