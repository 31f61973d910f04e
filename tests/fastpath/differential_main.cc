// The fast path's differential test: every request of the CRS regression suite, of corpus/ and of
// a generated and mutated corpus, at every paranoia level and with the balanced profile, is
// decided by the fast path; each one it lets skip libmodsecurity is run through libmodsecurity
// alone, which must report no matched rule, no score and no intervention, as the fast path
// assumes. A request the fast path sends down the slow path is judged by libmodsecurity itself,
// identical by construction. Any difference fails the test; the counts are printed.
//
//   fast_path_differential [--quick] [--reasons N] [--only-pl N] [--repeat N]
// --repeat N decides every benign corpus request N more times (a profiling aid for the traffic
// bench/waf.sh sends: time only).
// Exit 0: no difference; 1: differences; 2: setup error.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "crs/ftw_request.h"
#include "crs/ftw_test.h"
#include "fastpath/fast_path.h"
#include "http/h1_parser.h"
#include "http/message.h"
#include "modsec/engine.h"
#include "modsec/inspection.h"
#include "modsec/rules_cache.h"
#include "support/corpus.h"
#include "support/percent_encoding.h"

namespace {

using rampart::core::EqualsIgnoreCase;
using rampart::fastpath::FastPath;
using rampart::fastpath::RequestHead;
using rampart::test::PercentEncodeAll;

struct Sample {
  std::string origin;  // "crs:920100-1", "corpus:page-0001", "mutant:..."
  std::string method;
  std::string uri;
  std::string version = "1.1";
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_body = false;
  bool chunked = false;  // rampart's fast path never waits for a chunked body
  std::string body;
};

std::string VersionNumber(rampart::http::Version v) {
  switch (v) {
    case rampart::http::Version::kHttp10:
      return "1.0";
    default:
      return "1.1";
  }
}

// A raw HTTP/1 request as rampart's parser reads it; false when rampart would refuse it (400)
// before any inspection.
bool FromRaw(const std::string& raw, Sample& out) {
  rampart::http::RequestParser parser;
  rampart::http::Request request;
  size_t consumed = 0;
  if (parser.Parse(raw, request, consumed) != rampart::http::ParseStatus::kComplete) return false;
  out.method = request.method;
  out.uri = request.target;
  out.version = VersionNumber(request.version);
  for (const auto& h : request.headers) out.headers.emplace_back(h.name, h.value);
  out.has_body =
      request.framing == rampart::http::BodyFraming::kChunked ||
      (request.framing == rampart::http::BodyFraming::kContentLength && request.content_length > 0);
  out.chunked = request.framing == rampart::http::BodyFraming::kChunked;
  out.body = raw.substr(consumed);
  // rampart reads Content-Length bytes and no more; a shorter body never completes.
  if (request.framing == rampart::http::BodyFraming::kContentLength) {
    if (out.body.size() < request.content_length) out.chunked = true;  // not decided either
    out.body.resize(std::min<size_t>(out.body.size(), request.content_length));
  }
  return true;
}

void AddCrsRegression(const std::string& dir, std::vector<Sample>& out) {
  auto files = rampart::crs::ParseFtwDirectory(dir);
  if (!files) {
    std::fprintf(stderr, "crs regression: %s\n", files.error().message.c_str());
    return;
  }
  for (const auto& file : files.value()) {
    for (const auto& test : file.tests) {
      for (size_t s = 0; s < test.stages.size(); ++s) {
        auto bytes = rampart::crs::BuildRequest(test.stages[s].input);
        if (!bytes) continue;
        Sample sample;
        sample.origin = "crs:" + test.title;
        if (FromRaw(bytes.value(), sample)) out.push_back(std::move(sample));
      }
    }
  }
}

void AddCorpus(const std::string& path, std::vector<Sample>& out) {
  std::string error;
  for (auto& r : rampart::test::ReadCorpus(path, &error)) {
    Sample s;
    s.origin = "corpus:" + r.id;
    s.method = r.method;
    s.uri = r.target;
    s.headers = r.headers;
    s.body = r.body;
    s.has_body = !r.body.empty();
    // A client sends the length of its body (the corpus leaves it to the sender).
    const bool framed = std::any_of(s.headers.begin(), s.headers.end(), [](const auto& h) {
      return EqualsIgnoreCase(h.first, "Content-Length") ||
             EqualsIgnoreCase(h.first, "Transfer-Encoding");
    });
    if (s.has_body && !framed)
      s.headers.emplace_back("Content-Length", std::to_string(s.body.size()));
    out.push_back(std::move(s));
  }
  if (!error.empty()) std::fprintf(stderr, "%s\n", error.c_str());
}

// Bytes parsers and rules treat specially, inserted at random places by the mutants.
constexpr char kSpecial[] = "'\"<>;|&$(){}[]%\\/`*!=+-#\x00\t\n\r\x01\xff\xc0";

// One attack payload from the corpus (a classic SQLi when it has none).
std::string PickPayload(std::mt19937& rng, const std::vector<std::string>& payloads) {
  return payloads.empty() ? std::string("1' or '1'='1") : payloads[rng() % payloads.size()];
}

// Variants of bodyless samples: payloads moved to other places, encoded, and bytes flipped.
std::vector<Sample> Mutate(const std::vector<Sample>& base,
                           const std::vector<std::string>& payloads, size_t count) {
  std::mt19937 rng(20261124);
  std::vector<const Sample*> bodyless;
  for (const Sample& s : base) {
    if (!s.has_body) bodyless.push_back(&s);
  }
  std::vector<Sample> out;
  if (bodyless.empty()) return out;
  for (size_t i = 0; i < count; ++i) {
    Sample s = *bodyless[rng() % bodyless.size()];
    s.origin = "mutant:" + std::to_string(i) + ":" + s.origin;
    const std::string payload = PickPayload(rng, payloads);
    switch (rng() % 9) {
      case 0:  // payload as a query argument, percent-encoded
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("q=") +
                 PercentEncodeAll(payload);
        break;
      case 1:  // payload in a cookie
        s.headers.emplace_back("Cookie", "pref=" + payload);
        break;
      case 2:  // payload in a common header
        s.headers.emplace_back(rng() % 2 ? "Referer" : "User-Agent", payload);
        break;
      case 3:  // payload in a custom header
        s.headers.emplace_back("X-Custom-" + std::to_string(rng() % 5), payload);
        break;
      case 4: {  // a special byte inserted into the target
        const size_t at = s.uri.empty() ? 0 : rng() % s.uri.size();
        s.uri.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      }
      case 5: {  // a special byte inserted into a header value
        if (s.headers.empty()) break;
        auto& h = s.headers[rng() % s.headers.size()];
        const size_t at = h.second.empty() ? 0 : rng() % h.second.size();
        h.second.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      }
      case 6:  // payload as an argument name, double-encoded
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") +
                 PercentEncodeAll(PercentEncodeAll(payload)) + "=1";
        break;
      case 7:  // payload in the path
        s.uri = "/" + PercentEncodeAll(payload) + s.uri;
        break;
      case 8:  // case flipped path and method
        for (char& c : s.uri) {
          if (rng() % 3 == 0) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        if (rng() % 4 == 0) s.method = "PUT";
        break;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string ContentType(const Sample& s) {
  for (const auto& [name, value] : s.headers) {
    if (EqualsIgnoreCase(name, "Content-Type")) return value;
  }
  return {};
}

// A mutated body keeps its Content-Length header true (when the sample has one).
void FitContentLength(Sample& s) {
  for (auto& [name, value] : s.headers) {
    if (EqualsIgnoreCase(name, "Content-Length")) value = std::to_string(s.body.size());
  }
  s.has_body = !s.body.empty();
}

bool IsForm(const Sample& s) {
  for (const auto& [name, value] : s.headers) {
    if (EqualsIgnoreCase(name, "Content-Type") &&
        EqualsIgnoreCase(value.substr(0, 33), "application/x-www-form-urlencoded")) {
      return true;
    }
  }
  return false;
}

// Variants of form posts: payloads put into the body, encoded, and bytes flipped.
std::vector<Sample> MutateForms(const std::vector<Sample>& base,
                                const std::vector<std::string>& payloads, size_t count) {
  std::mt19937 rng(20261125);
  std::vector<const Sample*> forms;
  for (const Sample& s : base) {
    if (s.has_body && !s.chunked && IsForm(s) && s.origin.rfind("corpus:", 0) == 0) {
      forms.push_back(&s);
    }
  }
  std::vector<Sample> out;
  if (forms.empty()) return out;
  for (size_t i = 0; i < count; ++i) {
    Sample s = *forms[rng() % forms.size()];
    s.origin = "form-mutant:" + std::to_string(i) + ":" + s.origin;
    const std::string payload = PickPayload(rng, payloads);
    switch (rng() % 7) {
      case 0:  // payload as a form value, percent-encoded
        s.body += "&comment=" + PercentEncodeAll(payload);
        break;
      case 1:  // payload as a form value, raw (what a careless client sends)
        s.body += "&q=" + payload;
        break;
      case 2:  // payload as a form field name
        s.body = PercentEncodeAll(payload) + "=1&" + s.body;
        break;
      case 3: {  // a special byte inserted into the body
        const size_t at = s.body.empty() ? 0 : rng() % s.body.size();
        s.body.insert(at, 1, kSpecial[rng() % (sizeof kSpecial - 1)]);
        break;
      }
      case 4:  // the body alone is the payload
        s.body = payload;
        break;
      case 5:  // the payload double-encoded in the body and a query argument
        s.body += "&x=" + PercentEncodeAll(PercentEncodeAll(payload));
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("y=1");
        break;
      case 6:  // the Content-Type in another case, with a charset
        for (auto& [name, value] : s.headers) {
          if (EqualsIgnoreCase(name, "Content-Type")) {
            value = "Application/X-WWW-Form-URLEncoded; charset=" +
                    std::string(rng() % 2 ? "UTF-8" : "iso-8859-1");
          }
        }
        break;
    }
    FitContentLength(s);
    out.push_back(std::move(s));
  }
  return out;
}

// Whether a sample posts JSON: a Content-Type rampart's rule 200000 or the balanced profile's
// rule 900050 switches to libmodsecurity's JSON processor.
bool IsJson(const Sample& s) {
  static const std::regex kSwitched(
      R"(^application/(?:(?:[a-z0-9.+-]+\+)?json|csp-report)(?:\s*;|\s*$))");
  return std::regex_search(rampart::core::ToLower(ContentType(s)), kSwitched);
}

// The corpus payloads are query strings: decoded, they are what a client puts in a JSON string.
std::string PercentDecode(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// How a mutant escapes a string: only what JSON requires, every ASCII byte as \uXXXX, or a
// random mix of raw bytes, short escapes and \uXXXX.
enum class Escaping { kMinimal, kAllUnicode, kMixed };

// `raw` as the units of a JSON string (one byte or one escape each), so that other units can go
// between them without splitting an escape. Bytes >= 0x80 stay raw (yajl checks their UTF-8).
std::vector<std::string> JsonUnits(const std::string& raw, Escaping style, std::mt19937& rng) {
  std::vector<std::string> units;
  for (unsigned char c : raw) {
    const bool must = c < 0x20 || c == '"' || c == '\\';
    const bool escape = c < 0x80 && (must || style == Escaping::kAllUnicode ||
                                     (style == Escaping::kMixed && rng() % 3 == 0));
    if (!escape) {
      units.emplace_back(1, static_cast<char>(c));
      continue;
    }
    const char* short_form = c == '"'    ? "\\\""
                             : c == '\\' ? "\\\\"
                             : c == '/'  ? "\\/"
                             : c == '\n' ? "\\n"
                             : c == '\t' ? "\\t"
                             : c == '\r' ? "\\r"
                             : c == '\b' ? "\\b"
                             : c == '\f' ? "\\f"
                                         : nullptr;
    if (short_form != nullptr && style != Escaping::kAllUnicode && rng() % 2 == 0) {
      units.emplace_back(short_form);
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, rng() % 2 ? "\\u%04x" : "\\u%04X", c);
    units.emplace_back(buf);
  }
  return units;
}

std::string Quoted(const std::vector<std::string>& units) {
  std::string out = "\"";
  for (const std::string& u : units) out += u;
  return out + "\"";
}

std::string JsonQuoted(const std::string& raw, std::mt19937& rng) {
  return Quoted(JsonUnits(raw, Escaping::kMinimal, rng));
}

// One corpus payload for a JSON string: mostly decoded, sometimes as sent in the query.
std::string JsonPayload(std::mt19937& rng, const std::vector<std::string>& payloads) {
  const std::string p = PickPayload(rng, payloads);
  return rng() % 4 != 0 ? PercentDecode(p) : p;
}

// Where a body's JSON text can be changed: just past each `{` and `[`, each byte inside a string
// (an escape counts as its first byte), each key's opening quote, and each number or literal.
struct JsonShape {
  std::vector<size_t> openings;
  std::vector<size_t> in_strings;
  std::vector<size_t> keys;
  std::vector<std::pair<size_t, size_t>> scalars;  // [begin, end)
};

JsonShape ScanJson(const std::string& body) {
  JsonShape shape;
  size_t string_start = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      shape.in_strings.push_back(i);
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        size_t next = i + 1;
        while (next < body.size() && std::isspace(static_cast<unsigned char>(body[next]))) ++next;
        if (next < body.size() && body[next] == ':') shape.keys.push_back(string_start);
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      string_start = i;
    } else if (c == '{' || c == '[') {
      shape.openings.push_back(i + 1);
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      size_t end = i;
      while (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) ||
                                   body[end] == '-' || body[end] == '+' || body[end] == '.')) {
        ++end;
      }
      shape.scalars.emplace_back(i, end);
      i = end - 1;
    }
  }
  return shape;
}

// The end of the JSON value (string, number, literal, object or array) starting at `at`.
size_t TokenEnd(const std::string& body, size_t at) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = at; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return i + 1;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || std::isspace(static_cast<unsigned char>(c)))) {
      return i;
    }
  }
  return body.size();
}

// Adds `value` (JSON text) to the container opened just before `at`: as the member `key` (JSON
// text) of an object, as an element of an array.
void InsertMember(std::string& body, size_t at, const std::string& key, const std::string& value) {
  const bool object = body[at - 1] == '{';
  size_t next = at;
  while (next < body.size() && std::isspace(static_cast<unsigned char>(body[next]))) ++next;
  const bool empty = next < body.size() && body[next] == (object ? '}' : ']');
  const std::string member = object ? key + ":" + value : value;
  body.insert(at, empty ? member : member + ",");
}

// Adds `value` at a random depth of the body, or makes it the body's only member when the body
// has no container.
void PlaceValue(std::string& body, const std::string& value, std::mt19937& rng) {
  static const char* const kKeys[] = {"comment", "q", "data", "name", "filter", "id", "x"};
  const std::string key = std::string("\"") + kKeys[rng() % std::size(kKeys)] + "\"";
  const JsonShape shape = ScanJson(body);
  if (shape.openings.empty()) {
    body = "{" + key + ":" + value + "}";
    return;
  }
  InsertMember(body, shape.openings[rng() % shape.openings.size()], key, value);
}

// `inner` (JSON text) inside `depth` containers: objects, arrays or both in turn.
std::string Nest(size_t depth, const std::string& inner, int kind) {
  std::string open;
  std::string close;
  for (size_t d = 0; d < depth; ++d) {
    const bool array = kind == 1 || (kind == 2 && d % 2 == 1);
    open += array ? "[" : "{\"a\":";
    close += array ? "]" : "}";
  }
  return open + inner + std::string(close.rbegin(), close.rend());
}

void AddQueryArguments(Sample& s, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("p") +
             std::to_string(i) + "=1";
  }
}

void SetContentType(Sample& s, const std::string& type) {
  for (auto& [name, value] : s.headers) {
    if (EqualsIgnoreCase(name, "Content-Type")) {
      value = type;
      return;
    }
  }
  s.headers.emplace_back("Content-Type", type);
}

// Variants of JSON posts: payloads at every place a JSON document has, escaped every way yajl
// decodes, odd scalars, the depth and argument limits, broken documents and Content-Types that
// do or do not switch libmodsecurity to its JSON processor.
std::vector<Sample> MutateJson(const std::vector<Sample>& base,
                               const std::vector<std::string>& payloads, size_t count) {
  std::mt19937 rng(20261126);
  std::vector<Sample> json_posts;
  for (const Sample& s : base) {
    if (s.has_body && !s.chunked && IsJson(s) && s.origin.rfind("corpus:", 0) == 0) {
      json_posts.push_back(s);
    }
  }
  if (json_posts.empty()) {
    Sample s;
    s.origin = "synthetic:json";
    s.method = "POST";
    s.uri = "/api/v1/items";
    s.body = R"({"name":"Blue mug","quantity":2,"tags":["kitchen","gift"],)"
             R"("options":{"size":"L","color":"blue"},"gift":false,"note":null})";
    s.headers = {{"Host", "shop.example.com"},
                 {"Content-Type", "application/json"},
                 {"Content-Length", std::to_string(s.body.size())}};
    s.has_body = true;
    json_posts.push_back(std::move(s));
  }
  static const char* const kNumbers[] = {
      "0",       "-0",     "0.0",     "1.50",     "1e5",       "1E+5",
      "-1.5e-3", "1.0E-0", "-0.0e00", "1e999",    "-1e-999",   "123456789012345678901234567890",
      "01",      "-01",    "00",      ".5",       "+1",        "1.",
      "1e",      "-",      "NaN",     "Infinity", "-Infinity", "0x10"};
  static const char* const kLiterals[] = {"true", "false", "null",   "True",
                                          "nul",  "NULL",  "false0", "tru"};
  static const char* const kUnicode[] = {
      "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\ud800\\udc00", "\\udbff\\udfff", "\\ud83d",
      "\\ude00",        "\\ud83d\\u0041", "\\ud83d\\u0027", "\\ud83d\\ud83d", "\\u0000",
      "\\u00e9",        "\\u20ac",        "\\uFEFF",        "\\u2028",        "\\uff07",
      "\\u0027",        "\\u003c",        "\\u0022",        "\\u005c",        "\\ud83dx"};
  static const std::string kRawBytes[] = {"\xc3\xa9",
                                          "\xe2\x82\xac",
                                          "\xf0\x9f\x98\x80",
                                          "\xc0\xaf",
                                          "\xc0\x80",
                                          "\xed\xa0\x80",
                                          "\xf4\x90\x80\x80",
                                          "\xf7\xbf\xbf\xbf",
                                          "\x7f",
                                          "\xff",
                                          "\x80",
                                          "\xc3",
                                          "\xc3\xc3",
                                          "\xe0\x80",
                                          "\xf8\x88\x80\x80\x80",
                                          "\t",
                                          "\n",
                                          "\x01",
                                          std::string(1, '\0')};
  static const char* const kContentTypes[] = {"application/json",
                                              "application/json; charset=utf-8",
                                              "Application/JSON",
                                              "APPLICATION/JSON;charset=UTF-8",
                                              "application/json ; charset=utf-8",
                                              "application/json;",
                                              "application/json ",
                                              "application/json;\tcharset=utf-8",
                                              "application/vnd.api+json",
                                              "application/merge-patch+json",
                                              "application/problem+json; charset=utf-8",
                                              "application/json-patch+json",
                                              "application/reports+json",
                                              "application/csp-report",
                                              "Application/CSP-Report; charset=utf-8",
                                              "text/json",  // not switched: the slow path
                                              "text/plain",
                                              "text/plain; charset=utf-8",
                                              "application/x-ndjson",
                                              "application/jsonx",
                                              "application/json, text/plain",
                                              "application/x-json",
                                              "application/octet-stream"};
  static const std::string kGarbage[] = {" x", "}",     "]",   "{\"b\":2}",          " {\"b\":2}",
                                         "0",  "/*c*/", "//c", std::string(1, '\0'), "\n\n\f\v",
                                         ",",  " 1"};
  static const std::string kBroken[] = {
      "{\"a\":1,}",   "[1,2,]", "[1,,2]",      "}",    "{,\"a\":1}", "{'a':1}",
      "{\"a\":'x'}",  "{a:1}",  "{\"a\"}",     "[00]", "{\"a\":01}", "{\"a\":nul}",
      "{\"a\":\"abc", " ",      "\"a\" \"b\"", "[1]]", "{\"a\":[1,2"};
  static const std::string kDottedKeys[] = {"a.b",
                                            "options.size",
                                            "csp-report.original-policy",
                                            "array_0.query",
                                            "array_0.body.originalPolicy",
                                            "json",
                                            "json.a",
                                            ".",
                                            "..",
                                            "a.",
                                            ".a",
                                            "query"};
  std::vector<Sample> out;
  for (size_t i = 0; i < count; ++i) {
    Sample s = json_posts[rng() % json_posts.size()];
    const std::string payload = JsonPayload(rng, payloads);
    const unsigned variant = rng() % 20;
    s.origin = "json-mutant:" + std::to_string(i) + ":v" + std::to_string(variant) + ":" + s.origin;
    switch (variant) {
      case 0:  // payload as a string value at some depth of the document
        PlaceValue(s.body, JsonQuoted(payload, rng), rng);
        break;
      case 1:  // payload under several more levels of objects and arrays
        PlaceValue(s.body, Nest(1 + rng() % 12, JsonQuoted(payload, rng), rng() % 3), rng);
        break;
      case 2: {  // payload as an object key
        const JsonShape shape = ScanJson(s.body);
        std::vector<size_t> objects;
        for (size_t at : shape.openings) {
          if (s.body[at - 1] == '{') objects.push_back(at);
        }
        const std::string key = JsonQuoted(payload, rng);
        const std::string value = rng() % 2 ? "1" : "\"v\"";
        if (objects.empty()) {
          PlaceValue(s.body, "{" + key + ":" + value + "}", rng);
        } else {
          InsertMember(s.body, objects[rng() % objects.size()], key, value);
        }
        break;
      }
      case 3:  // payload inside arrays
        PlaceValue(s.body,
                   rng() % 2 ? "[\"x\"," + JsonQuoted(payload, rng) + ",3]"
                             : "[[" + JsonQuoted(payload, rng) + "],{}]",
                   rng);
        break;
      case 4:  // the whole document is the payload as a string
        s.body = JsonQuoted(payload, rng);
        break;
      case 5:  // payload with every ASCII byte, or a random mix of them, escaped
        PlaceValue(
            s.body,
            Quoted(JsonUnits(payload, rng() % 2 ? Escaping::kAllUnicode : Escaping::kMixed, rng)),
            rng);
        break;
      case 6: {  // payload with surrogates, NULs and other \u escapes among its bytes
        std::vector<std::string> units = JsonUnits(payload, Escaping::kMixed, rng);
        for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
          units.insert(units.begin() + static_cast<std::ptrdiff_t>(rng() % (units.size() + 1)),
                       kUnicode[rng() % std::size(kUnicode)]);
        }
        if (rng() % 3 == 0) {
          s.body = Quoted(units);
        } else {
          PlaceValue(s.body, Quoted(units), rng);
        }
        break;
      }
      case 7: {  // raw UTF-8, bad UTF-8 or control bytes inside a string, payload or the base's
        const std::string& bytes = kRawBytes[rng() % std::size(kRawBytes)];
        if (rng() % 2 == 0) {
          std::vector<std::string> units = JsonUnits(payload, Escaping::kMinimal, rng);
          units.insert(units.begin() + static_cast<std::ptrdiff_t>(rng() % (units.size() + 1)),
                       bytes);
          PlaceValue(s.body, Quoted(units), rng);
        } else {
          const JsonShape shape = ScanJson(s.body);
          if (!shape.in_strings.empty()) {
            s.body.insert(shape.in_strings[rng() % shape.in_strings.size()], bytes);
          }
        }
        break;
      }
      case 8:    // numbers in odd forms, in place of a scalar or added
      case 9: {  // true, false, null (and misspellings), in place of a scalar or added
        const std::string scalar = variant == 8 ? kNumbers[rng() % std::size(kNumbers)]
                                                : kLiterals[rng() % std::size(kLiterals)];
        const JsonShape shape = ScanJson(s.body);
        if (!shape.scalars.empty() && rng() % 2 == 0) {
          const auto [begin, end] = shape.scalars[rng() % shape.scalars.size()];
          s.body.replace(begin, end - begin, scalar);
        } else if (rng() % 5 == 0) {
          s.body = scalar;
        } else {
          PlaceValue(s.body, scalar, rng);
        }
        break;
      }
      case 10: {  // a key given twice: the payload or a benign value in the duplicate
        const JsonShape shape = ScanJson(s.body);
        if (shape.keys.empty()) {
          s.body = "{\"a\":\"x\",\"a\":" + JsonQuoted(payload, rng) + "}";
          break;
        }
        const size_t at = shape.keys[rng() % shape.keys.size()];
        std::string key = s.body.substr(at, TokenEnd(s.body, at) - at);
        if (rng() % 3 == 0) {
          for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        const std::string value = rng() % 2 ? JsonQuoted(payload, rng) : std::string("\"dup\"");
        if (rng() % 2 == 0) {
          s.body.insert(at, key + ":" + value + ",");
        } else {  // after the original member: the duplicate last in document order
          const size_t colon = s.body.find(':', TokenEnd(s.body, at));
          size_t value_start = colon + 1;
          while (value_start < s.body.size() &&
                 std::isspace(static_cast<unsigned char>(s.body[value_start]))) {
            ++value_start;
          }
          s.body.insert(TokenEnd(s.body, value_start), "," + key + ":" + value);
        }
        break;
      }
      case 11: {  // empty keys, at any depth
        const std::string value = rng() % 2 ? JsonQuoted(payload, rng) : std::string("1");
        switch (rng() % 3) {
          case 0:
            PlaceValue(s.body, "{\"\":" + value + "}", rng);
            break;
          case 1:
            s.body = "{\"\":{\"\":" + value + "}}";
            break;
          default:
            s.body = "[{\"\":" + value + "},{\"empty-key\":\"x\"}]";
            break;
        }
        break;
      }
      case 12: {  // keys with dots: names colliding with nested members and exempted names
        const std::string key = "\"" + kDottedKeys[rng() % std::size(kDottedKeys)] + "\"";
        const std::string value = rng() % 2 ? JsonQuoted(payload, rng) : std::string("\"x\"");
        const JsonShape shape = ScanJson(s.body);
        if (rng() % 2 == 0 && !shape.openings.empty() && s.body[shape.openings[0] - 1] == '{') {
          InsertMember(s.body, shape.openings[0], key, value);
        } else {
          s.body = "{" + key + ":" + value + "}";
        }
        if (rng() % 4 == 0) {  // a query argument named like a JSON one
          s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("json.a=") +
                   PercentEncodeAll(payload);
        }
        break;
      }
      case 13: {  // nesting around SecRequestBodyJsonDepthLimit (512)
        static const size_t kDepths[] = {1, 100, 509, 510, 511, 512, 512, 513, 513, 514, 600};
        const size_t depth = kDepths[rng() % std::size(kDepths)];
        static const char* const kInner[] = {"1", "[]", "{}", "\"x\"", "null", ""};
        std::string inner = rng() % 3 == 0 ? JsonQuoted(payload, rng)
                                           : std::string(kInner[rng() % std::size(kInner)]);
        const int kind = static_cast<int>(rng() % 3);
        if (inner.empty() && kind != 1) inner = "{}";  // an object member needs a value
        const std::string nested = Nest(depth, inner, kind);
        if (rng() % 2 == 0 && s.body.size() + nested.size() <= 4096) {
          PlaceValue(s.body, nested, rng);
        } else {
          s.body = nested;
        }
        break;
      }
      case 14: {  // arguments around SecArgumentsLimit (1000), query arguments included; a few
                  // hundred already pass the fast path's 4 KiB of values (names count too)
        static const size_t kCounts[] = {1,   50,  150,  996,  997,  998,
                                         999, 999, 1000, 1000, 1001, 1300};
        const size_t n = kCounts[rng() % std::size(kCounts)];
        AddQueryArguments(s, rng() % 4);
        const int shape = static_cast<int>(rng() % 4);
        std::string list;
        for (size_t k = 0; k < n; ++k) {
          list += k == 0 ? "" : ",";
          list += shape == 2 ? "{}" : shape == 3 ? "\"\"" : "1";
        }
        if (rng() % 3 == 0) list += "," + JsonQuoted(payload, rng);  // past the limit?
        s.body = shape == 1 ? "{\"a\":[" + list + "]}" : "[" + list + "]";
        break;
      }
      case 15:  // broken documents
        switch (rng() % 9) {
          case 0:
            if (s.body.size() > 1) s.body.resize(1 + rng() % (s.body.size() - 1));
            break;
          case 1:
            s.body += kGarbage[rng() % std::size(kGarbage)];
            break;
          case 2: {
            const JsonShape shape = ScanJson(s.body);
            if (!shape.openings.empty()) {
              s.body.insert(shape.openings[rng() % shape.openings.size()],
                            rng() % 2 ? "/*c*/" : "//c\n");
            }
            break;
          }
          case 3:
            std::replace(s.body.begin(), s.body.end(), '"', '\'');
            break;
          case 4:
            s.body = "\xef\xbb\xbf" + s.body;
            break;
          case 5: {
            const size_t last = s.body.find_last_of("}]");
            if (last != std::string::npos) s.body.insert(last, ",");
            break;
          }
          case 6: {  // whitespace yajl accepts (\f, \v too) and bytes it does not
            static const std::string kSpace[] = {
                "\f", "\v", "\t", "\r\n", " ", "\xa0", std::string(1, '\0')};
            s.body = kSpace[rng() % std::size(kSpace)] + s.body + kSpace[rng() % std::size(kSpace)];
            break;
          }
          case 7:
            s.body = kBroken[rng() % std::size(kBroken)];
            break;
          case 8:  // the payload before the error: kept as an argument
            s.body = "{\"q\":" + JsonQuoted(payload, rng) +
                     ",\"a\":" + kBroken[rng() % std::size(kBroken)];
            break;
        }
        break;
      case 16:  // Content-Types that do and do not switch to JSON, sometimes with a payload
        SetContentType(s, kContentTypes[rng() % std::size(kContentTypes)]);
        if (rng() % 3 == 0) PlaceValue(s.body, JsonQuoted(payload, rng), rng);
        break;
      case 17: {  // CSP reports, whose policy field the balanced profile exempts
        const std::string policy =
            rng() % 2 ? JsonQuoted(payload, rng)
                      : std::string(
                            "\"default-src 'self'; script-src 'self' 'nonce-r4nd0m' "
                            "'unsafe-inline'; report-uri /csp_reports\"");
        s.uri = "/csp_reports";
        switch (rng() % 4) {
          case 0:
            SetContentType(
                s, rng() % 2 ? "application/csp-report" : "application/csp-report; charset=utf-8");
            s.body = "{\"csp-report\":{\"document-uri\":\"https://shop.example.com/\"," +
                     std::string(rng() % 2 ? "\"original-policy\":" : "\"blocked-uri\":") + policy +
                     "}}";
            break;
          case 1:  // the exempted name reached another way
            SetContentType(s, "Application/CSP-REPORT");
            s.body = rng() % 2 ? "{\"csp-report.original-policy\":" + policy + "}"
                               : "{\"CSP-Report\":{\"Original-Policy\":" + policy + "}}";
            break;
          default: {  // a Reporting API batch: the first three reports are exempted
            SetContentType(s, "application/reports+json");
            const size_t at = rng() % 5;
            s.body = "[";
            for (size_t k = 0; k <= at; ++k) {
              s.body += (k == 0 ? "" : ",") +
                        std::string("{\"type\":\"csp-violation\",\"body\":{\"originalPolicy\":") +
                        (k == at ? policy : std::string("\"default-src 'self'\"")) + "}}";
            }
            s.body += "]";
            break;
          }
        }
        break;
      }
      case 18: {  // GraphQL documents, exempted from a few rules on the GraphQL endpoints
        static const char* const kEndpoints[] = {"/graphql", "/api/graphql", "/graphql/",
                                                 "/GraphQL", "/graphql/x",   "/search.php/graphql"};
        s.uri = kEndpoints[rng() % std::size(kEndpoints)];
        const std::string query =
            rng() % 2
                ? JsonQuoted(payload, rng)
                : std::string("\"query Q($id: ID!) {\\n  user(id: $id) { name __typename }\\n}\"");
        if (rng() % 2 == 0) {
          s.body = "{\"query\":" + query + ",\"variables\":{\"id\":\"42\"}}";
        } else {
          const size_t at = rng() % 5;
          s.body = "[";
          for (size_t k = 0; k <= at; ++k) {
            s.body += (k == 0 ? "" : ",") + std::string("{\"query\":") +
                      (k == at ? query : std::string("\"{ me { id } }\"")) + "}";
          }
          s.body += "]";
        }
        break;
      }
      case 19:  // a payload in the query next to an untouched JSON body
        s.uri += (s.uri.find('?') == std::string::npos ? "?" : "&") + std::string("q=") +
                 PercentEncodeAll(payload);
        break;
    }
    FitContentLength(s);
    out.push_back(std::move(s));
  }
  return out;
}

struct Verdict {
  std::vector<int> rules;
  int inbound = 0;
  bool intervention = false;
};

Verdict RunLibmodsecurity(const std::shared_ptr<const rampart::modsec::CompiledPolicy>& policy,
                          const Sample& s) {
  Verdict v;
  auto started = rampart::modsec::Inspection::Start(policy, "differential");
  if (!started) {
    v.intervention = true;
    return v;
  }
  auto& insp = *started.value();
  (void)insp.ProcessConnection("127.0.0.1", 40000, "127.0.0.1", 8080);
  (void)insp.ProcessUri(s.uri, s.method, s.version);
  for (const auto& [name, value] : s.headers) (void)insp.AddRequestHeader(name, value);
  (void)insp.ProcessRequestHeaders();
  if (!insp.Intervention() && !s.body.empty()) (void)insp.AppendRequestBody(s.body);
  if (!insp.Intervention()) (void)insp.ProcessRequestBody();
  for (const auto& f : insp.Findings()) v.rules.push_back(f.id);
  v.inbound = insp.Scores().inbound;
  v.intervention = insp.Intervention().has_value();
  return v;
}

struct Setup {
  std::string name;
  rampart::modsec::Policy policy;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int reasons = 0;
  int only_pl = 0;
  int repeat = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) repeat = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--reasons") == 0 && i + 1 < argc) reasons = std::atoi(argv[++i]);
    if (std::strcmp(argv[i], "--only-pl") == 0 && i + 1 < argc) only_pl = std::atoi(argv[++i]);
  }
  const std::string source = RAMPART_SOURCE_DIR;
  if (!std::filesystem::exists(std::string(rampart::modsec::kDefaultCrsDir) +
                               "/rules/REQUEST-901-INITIALIZATION.conf")) {
    std::printf("SKIP: OWASP CRS not installed (apt-get install modsecurity-crs)\n");
    return 77;
  }
  auto engine = rampart::modsec::Engine::Create({source + "/rules", ""});
  if (!engine) {
    std::fprintf(stderr, "engine: %s\n", engine.error().message.c_str());
    return 2;
  }
  auto cache = engine.value()->NewRulesCache();

  std::vector<Sample> samples;
  const std::string regression = source + "/../shared/crs-regression";
  if (std::filesystem::exists(regression)) {
    AddCrsRegression(regression, samples);
  } else {
    std::printf("note: %s absent: the CRS regression requests are not compared\n",
                regression.c_str());
  }
  const size_t crs_count = samples.size();
  for (const char* f : {"/corpus/benign/requests.jsonl", "/corpus/benign/traffic.jsonl",
                        "/corpus/attacks/attacks.jsonl"}) {
    AddCorpus(source + f, samples);
  }
  const size_t corpus_count = samples.size() - crs_count;
  std::vector<std::string> payloads;
  for (const Sample& s : samples) {
    if (s.origin.rfind("corpus:", 0) == 0 && s.uri.find('?') != std::string::npos &&
        s.origin.find("atk") != std::string::npos) {
      payloads.push_back(s.uri.substr(s.uri.find('?') + 1));
    }
  }
  std::vector<Sample> mutants = Mutate(samples, payloads, quick ? 1000 : 6000);
  std::vector<Sample> form_mutants = MutateForms(samples, payloads, quick ? 500 : 3000);
  mutants.insert(mutants.end(), std::make_move_iterator(form_mutants.begin()),
                 std::make_move_iterator(form_mutants.end()));
  std::vector<Sample> json_mutants = MutateJson(samples, payloads, quick ? 500 : 3000);
  mutants.insert(mutants.end(), std::make_move_iterator(json_mutants.begin()),
                 std::make_move_iterator(json_mutants.end()));
  const size_t mutant_count = mutants.size();
  samples.insert(samples.end(), std::make_move_iterator(mutants.begin()),
                 std::make_move_iterator(mutants.end()));
  if (quick) {
    std::vector<Sample> sampled;
    for (size_t i = 0; i < samples.size(); i += 4) sampled.push_back(samples[i]);
    samples = std::move(sampled);
  }
  std::printf("requests: %zu CRS regression, %zu corpus, %zu mutants%s\n", crs_count, corpus_count,
              mutant_count, quick ? " (quick: every 4th)" : "");

  std::vector<Setup> setups;
  for (int pl = 1; pl <= 4; ++pl) {
    if (only_pl != 0 && pl != only_pl) continue;
    Setup s;
    s.name = "crs PL" + std::to_string(pl);
    s.policy.paranoia = pl;
    setups.push_back(std::move(s));
  }
  if (only_pl == 0) {
    Setup b;
    b.name = "balanced";
    const std::string dir = source + "/rules/profiles/balanced";
    b.policy.paranoia = 1;
    b.policy.before_crs = {dir + "/before-crs.conf"};
    b.policy.after_crs = {dir + "/after-crs.conf", dir + "/precise-rules.conf"};
    setups.push_back(std::move(b));
  }

  size_t compared = 0;
  size_t differences = 0;
  for (const Setup& setup : setups) {
    auto policy = cache->Get(setup.policy);
    if (!policy) {
      std::fprintf(stderr, "%s: %s\n", setup.name.c_str(), policy.error().message.c_str());
      return 2;
    }
    auto fp = FastPath::Compile(policy.value());
    if (!fp) {
      std::printf("%s: no fast path: %s\n", setup.name.c_str(), fp.error().message.c_str());
      continue;
    }
    // Counted apart: requests without a body, form posts and other bodies (JSON).
    size_t fast = 0;
    size_t bodyless = 0;
    size_t forms = 0;
    size_t forms_fast = 0;
    size_t others = 0;
    size_t others_fast = 0;
    size_t benign_others = 0;
    size_t benign_others_fast = 0;
    double decide_us = 0;         // time in Decide, every request decided
    double benign_decide_us = 0;  // of which the benign corpus's (bench/waf.sh's traffic)
    double modsec_us = 0;         // time in libmodsecurity, the fast ones
    using Clock = std::chrono::steady_clock;
    size_t benign_bodyless = 0;
    size_t benign_fast = 0;
    size_t benign_forms = 0;
    size_t benign_forms_fast = 0;
    std::map<std::string, int> why;
    for (const Sample& s : samples) {
      ++compared;
      // The slow path is libmodsecurity itself. rampart waits for a body only when it is
      // complete, of known length, and one the fast path may take (as the waf stage asks).
      const bool taken =
          s.has_body && !s.chunked && fp.value()->MayTakeBody(ContentType(s), s.body.size());
      if (s.has_body && !taken) continue;
      const bool form = taken && IsForm(s);
      const bool other = taken && !form;
      const bool benign =
          s.origin.rfind("corpus:", 0) == 0 && s.origin.find("atk") == std::string::npos;
      ++(form ? forms : other ? others : bodyless);
      if (benign) ++(form ? benign_forms : other ? benign_others : benign_bodyless);
      RequestHead head{s.method, s.uri, s.version, {}, rampart::fastpath::BodyKind::kNone, s.body};
      for (const auto& [n, v] : s.headers) head.headers.emplace_back(n, v);
      const auto decide_start = Clock::now();
      const rampart::fastpath::Decision d = fp.value()->Decide(head);
      const double us =
          std::chrono::duration<double, std::micro>(Clock::now() - decide_start).count();
      decide_us += us;
      if (benign) {
        const auto repeat_start = Clock::now();
        for (int i = 0; i < repeat; ++i) (void)fp.value()->Decide(head);
        benign_decide_us +=
            (us + std::chrono::duration<double, std::micro>(Clock::now() - repeat_start).count()) /
            (repeat + 1);
      }
      if (!d.fast) {
        ++why[d.reason];
        continue;
      }
      ++(form ? forms_fast : other ? others_fast : fast);
      if (benign) ++(form ? benign_forms_fast : other ? benign_others_fast : benign_fast);
      const auto modsec_start = Clock::now();
      const Verdict v = RunLibmodsecurity(policy.value(), s);
      modsec_us += std::chrono::duration<double, std::micro>(Clock::now() - modsec_start).count();
      if (!v.rules.empty() || v.inbound != 0 || v.intervention) {
        ++differences;
        std::string ids;
        for (int id : v.rules) ids += " " + std::to_string(id);
        std::printf(
            "DIFFERENCE %s: %s %s: fast path skipped, libmodsecurity matched%s (score %d%s)\n",
            setup.name.c_str(), s.origin.c_str(), s.uri.c_str(), ids.c_str(), v.inbound,
            v.intervention ? ", intervention" : "");
      }
    }
    std::printf(
        "%s: %zu watched rules; %zu of %zu requests without a body took the fast path "
        "(benign corpus: %zu of %zu); form posts: %zu of %zu (benign corpus: %zu of %zu); "
        "other bodies (JSON): %zu of %zu (benign corpus: %zu of %zu)\n",
        setup.name.c_str(), fp.value()->watched_rules(), fast, bodyless, benign_fast,
        benign_bodyless, forms_fast, forms, benign_forms_fast, benign_forms, others_fast, others,
        benign_others_fast, benign_others);
    // Informative only (this machine, this build): never a pass/fail criterion.
    const size_t decided = bodyless + forms + others;
    const size_t benign_decided = benign_bodyless + benign_forms + benign_others;
    std::printf(
        "  time: %.1f us per decision (benign corpus: %.1f us); libmodsecurity on the fast ones: "
        "%.1f us each\n",
        decided == 0 ? 0.0 : decide_us / static_cast<double>(decided),
        benign_decided == 0 ? 0.0 : benign_decide_us / static_cast<double>(benign_decided),
        fast + forms_fast + others_fast == 0
            ? 0.0
            : modsec_us / static_cast<double>(fast + forms_fast + others_fast));
    if (reasons > 0) {
      std::vector<std::pair<int, std::string>> top;
      for (const auto& [r, n] : why) top.emplace_back(n, r);
      std::sort(top.rbegin(), top.rend());
      for (int i = 0; i < reasons && i < static_cast<int>(top.size()); ++i) {
        std::printf("  slow %6d  %s\n", top[i].first, top[i].second.c_str());
      }
    }
  }
  std::printf("compared %zu requests over %zu setups: %zu differences\n", compared, setups.size(),
              differences);
  return differences == 0 ? 0 : 1;
}
