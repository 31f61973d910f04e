#pragma once
// ApiReply: what an /api/ handler answers — a status and a JSON body — and the one shape of an
// error body, {"error":"MESSAGE"}, that every endpoint uses. admin.cc does the HTTP.

#include <string>
#include <string_view>

namespace rampart::server {

struct ApiReply {
  int status = 200;
  std::string json;
};

// {"error":"MESSAGE"}, the message JSON-escaped.
std::string ApiErrorJson(std::string_view message);

}  // namespace rampart::server
