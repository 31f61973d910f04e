#pragma once
// One signature of a pack (rules/signatures/*.yaml; the format is rules/signatures/README.md):
// what to match, where in the request, and what a match does. Plain data, made by the pack
// loader, read by the database compiler and the signatures stage.

#include <cstdint>
#include <string>
#include <vector>

namespace rampart::signatures {

// The request parts a signature can look at; each is normalised once per request
// (request_parts.h) and scanned against its own compiled database.
enum class Part : uint8_t {
  kPath,
  kQuery,
  kArgNames,
  kArgValues,
  kHeaders,  // every header value
  kHeader,   // the values of one named header (Where::header)
  kUserAgent,
  kCookies,
  kBody,
};
inline constexpr size_t kPartCount = 9;

struct Where {
  Part part = Part::kPath;
  std::string header;  // lower-case name, for Part::kHeader only
  bool operator==(const Where&) const = default;
};

enum class ActionKind : uint8_t { kBlock, kChallenge, kLog, kScore };

struct Action {
  ActionKind kind = ActionKind::kBlock;
  uint32_t score = 0;  // kScore only: 1..1000
};

struct Signature {
  uint32_t id = 0;
  std::string description;
  // Exactly one of the two.
  std::string regex;
  std::vector<std::string> literals;
  std::vector<Where> where;
  bool caseless = false;
  bool dotall = false;
  bool multiline = false;
  Action action;
  std::vector<std::string> tags;
  // Empty: everywhere. Host names exact or "*.example.com"; route names as configured.
  std::vector<std::string> hosts;
  std::vector<std::string> routes;
  // Where it was defined, for errors.
  std::string file;
  int line = 0;
};

struct Pack {
  std::string name;
  std::string description;
  bool opt_in = false;
  std::string file;
  std::vector<Signature> signatures;
};

}  // namespace rampart::signatures
