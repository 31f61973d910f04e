// Differential test of fastpath::ParseJsonArguments against libmodsecurity's own JSON body
// processor: every body below goes through a real transaction switched to JSON (as rampart's
// base config switches it), and ParseJsonArguments must fail exactly when the transaction sets
// REQBODY_ERROR to 1, for the same reason, and otherwise give the arguments the transaction adds
// to ARGS (compared as a multiset: libmodsecurity's ARGS is a hash table).

#include "fastpath/json_arguments.h"

#include <gtest/gtest.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::fastpath {
namespace {

using Pair = std::pair<std::string, std::string>;  // name, value
using Pairs = std::vector<Pair>;

// The directives that decide the parse; nullopt leaves the directive out (libmodsecurity's
// default then applies).
struct Limits {
  std::optional<size_t> depth;      // SecRequestBodyJsonDepthLimit
  std::optional<size_t> arguments;  // SecArgumentsLimit
};

std::string Printable(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string Printable(const Pairs& pairs) {
  std::string out = "{";
  for (const auto& [name, value] : pairs) out += " " + Printable(name) + "=" + Printable(value);
  return out + " }";
}

// One rule set per set of limits, switched to JSON in phase 1 as rampart's rule 200000 does.
struct Engine {
  modsecurity::ModSecurity modsec;
  modsecurity::RulesSet rules;
  std::string load_error;
  explicit Engine(const Limits& limits) {
    std::string config =
        "SecRuleEngine On\n"
        "SecRequestBodyAccess On\n"
        "SecRequestBodyLimit 13107200\n"
        "SecRule REQUEST_HEADERS:Content-Type \"@rx json\" "
        "\"id:1,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON\"\n";
    if (limits.depth) {
      config += "SecRequestBodyJsonDepthLimit " + std::to_string(*limits.depth) + "\n";
    }
    if (limits.arguments) config += "SecArgumentsLimit " + std::to_string(*limits.arguments) + "\n";
    if (rules.load(config.c_str()) < 0) load_error = rules.getParserError();
  }
};

Engine& EngineFor(const Limits& limits) {
  static auto* engines = new std::map<std::pair<long long, long long>, std::unique_ptr<Engine>>();
  const std::pair<long long, long long> key = {
      limits.depth ? static_cast<long long>(*limits.depth) : -1,
      limits.arguments ? static_cast<long long>(*limits.arguments) : -1};
  std::unique_ptr<Engine>& engine = (*engines)[key];
  if (!engine) engine = std::make_unique<Engine>(limits);
  return *engine;
}

std::string Scalar(modsecurity::AnchoredVariable& var) {
  std::vector<const modsecurity::VariableValue*> list;
  var.evaluate(&list);
  std::string out;
  for (const modsecurity::VariableValue* v : list) {
    out = v->getValue();
    delete v;
  }
  return out;
}

Pairs SortedArgs(modsecurity::AnchoredSetVariable& var) {
  std::vector<const modsecurity::VariableValue*> list;
  var.resolve(&list);
  Pairs out;
  for (const modsecurity::VariableValue* v : list) {
    out.emplace_back(v->getKey(), v->getValue());
    delete v;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What libmodsecurity made of a JSON request body.
struct Outcome {
  std::string reqbody_error;  // REQBODY_ERROR after phase 2
  std::string message;        // REQBODY_ERROR_MSG
  Pairs query_args;           // ARGS after phase 1: the query's (sorted)
  Pairs json_args;            // what phase 2 added to ARGS (sorted)
  Pairs args_post;            // ARGS_POST after phase 2
};

Outcome RunLibModSecurity(const std::string& body, const Limits& limits, const std::string& uri) {
  Engine& engine = EngineFor(limits);
  auto t = std::make_unique<modsecurity::Transaction>(&engine.modsec, &engine.rules,
                                                      const_cast<char*>("json-arguments"), nullptr);
  t->processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
  t->processURI(uri.c_str(), "POST", "1.1");
  t->addRequestHeader("Host", "example.com");
  t->addRequestHeader("Content-Type", "application/json");
  t->addRequestHeader("Content-Length", std::to_string(body.size()));
  t->processRequestHeaders();
  Outcome out;
  out.query_args = SortedArgs(t->m_variableArgs);
  if (!body.empty()) {
    t->appendRequestBody(reinterpret_cast<const unsigned char*>(body.data()), body.size());
  }
  t->processRequestBody();
  const Pairs all = SortedArgs(t->m_variableArgs);
  std::set_difference(all.begin(), all.end(), out.query_args.begin(), out.query_args.end(),
                      std::back_inserter(out.json_args));
  out.reqbody_error = Scalar(t->m_variableReqbodyError);
  out.message = Scalar(t->m_variableReqbodyErrorMsg);
  out.args_post = SortedArgs(t->m_variableArgsPost);
  return out;
}

// What the caller hands ParseJsonArguments: SecArgumentsLimit less the query's arguments,
// which libmodsecurity adds first.
size_t MaxJsonArguments(const Limits& limits, size_t query_arguments) {
  if (!limits.arguments) return std::numeric_limits<size_t>::max();
  return *limits.arguments > query_arguments ? *limits.arguments - query_arguments : 0;
}

// The error ParseJsonArguments should report for libmodsecurity's REQBODY_ERROR_MSG.
std::string ExpectedError(const std::string& message) {
  constexpr std::string_view kPrefix = "JSON parsing error: ";
  constexpr std::string_view kDepth = ". Parsing depth limit exceeded";
  if (message.size() >= kDepth.size() &&
      message.compare(message.size() - kDepth.size(), kDepth.size(), kDepth) == 0) {
    return "json: nesting deeper than the depth limit";
  }
  if (message.find("client cancelled parse via callback return value") != std::string::npos) {
    return "json: more arguments than SecArgumentsLimit";
  }
  std::string text = message.rfind(kPrefix, 0) == 0 ? message.substr(kPrefix.size()) : message;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return "json: " + text;
}

::testing::AssertionResult SameAsLibModSecurity(const std::string& body, const Limits& limits = {},
                                                const std::string& uri = "/p") {
  const Outcome lib = RunLibModSecurity(body, limits, uri);
  auto parsed = ParseJsonArguments(body, limits.depth.value_or(kDefaultJsonDepthLimit),
                                   MaxJsonArguments(limits, lib.query_args.size()));
  auto failure = [&] {
    return ::testing::AssertionFailure() << "body [" << Printable(body) << "] uri " << uri << ": ";
  };
  if (!lib.args_post.empty()) return failure() << "libmodsecurity filled ARGS_POST";
  if (lib.reqbody_error == "1") {
    if (parsed.ok()) {
      return failure() << "libmodsecurity: " << Printable(lib.message)
                       << "; ParseJsonArguments: no error, " << parsed.value().size()
                       << " argument(s)";
    }
    if (parsed.error().message != ExpectedError(lib.message)) {
      return failure() << "libmodsecurity: " << Printable(lib.message)
                       << "; ParseJsonArguments: " << parsed.error().message;
    }
    return ::testing::AssertionSuccess();
  }
  if (lib.reqbody_error != "0") {
    return failure() << "REQBODY_ERROR is [" << lib.reqbody_error << "]";
  }
  if (!parsed.ok()) {
    return failure() << "libmodsecurity: no error, " << Printable(lib.json_args)
                     << "; ParseJsonArguments: " << parsed.error().message;
  }
  Pairs ours;
  for (const JsonArgument& a : parsed.value()) ours.emplace_back(a.name, a.value);
  std::sort(ours.begin(), ours.end());
  if (ours != lib.json_args) {
    return failure() << "libmodsecurity " << Printable(lib.json_args) << ", ParseJsonArguments "
                     << Printable(ours);
  }
  return ::testing::AssertionSuccess();
}

void ExpectAllSame(const std::vector<std::string>& bodies, const Limits& limits = {},
                   const std::string& uri = "/p") {
  ASSERT_EQ(EngineFor(limits).load_error, "");
  for (const std::string& body : bodies) EXPECT_TRUE(SameAsLibModSecurity(body, limits, uri));
}

// The body as a string with embedded NULs.
std::string Bytes(const char* data, size_t size) { return std::string(data, size); }

// The harness reads real values out of the transaction (an empty read on both sides would let
// the differential pass for nothing).
TEST(JsonArgumentsTest, HarnessReadsTheTransaction) {
  ASSERT_EQ(EngineFor({}).load_error, "");
  Outcome ok = RunLibModSecurity("{\"a\":\"x\",\"b\":[1]}", {}, "/p?q=1");
  EXPECT_EQ(ok.reqbody_error, "0");
  EXPECT_EQ(ok.query_args, (Pairs{{"q", "1"}}));
  EXPECT_EQ(ok.json_args, (Pairs{{"json.a", "x"}, {"json.b.array_0", "1"}}));
  Outcome bad = RunLibModSecurity("{\"a\":\"zz\"", {}, "/p");
  EXPECT_EQ(bad.reqbody_error, "1");
  EXPECT_EQ(bad.message, "JSON parsing error: parse error: premature EOF\n");
}

// Document order, as the notes give it (and the multiset compared with libmodsecurity).
TEST(JsonArgumentsTest, ArgumentsComeInDocumentOrder) {
  const std::vector<std::pair<std::string, Pairs>> cases = {
      {"{\"x\":[1,{\"y\":[2,3]},4]}",
       {{"json.x.array_0", "1"},
        {"json.x.array_1.y.array_0", "2"},
        {"json.x.array_1.y.array_1", "3"},
        {"json.x.array_2", "4"}}},
      {"[[1,2],[3]]",
       {{"json.array_0.array_0", "1"},
        {"json.array_0.array_1", "2"},
        {"json.array_1.array_0", "3"}}},
      {"{\"b\":1,\"a\":2,\"b\":3}", {{"json.b", "1"}, {"json.a", "2"}, {"json.b", "3"}}},
      {"{\"a\":[{}, 5]}", {{"json.a.array_1", "5"}}},
      {"[{\"a\":1},{\"b\":2}]", {{"json.array_0.a", "1"}, {"json.array_1.b", "2"}}},
      {"{\"\":{\"\":1},\"z\":null,\"t\":true}",
       {{"json.empty-key.empty-key", "1"}, {"json.z", ""}, {"json.t", "true"}}},
      {"\"str\"", {{"json", "str"}}},
  };
  for (const auto& [body, expected] : cases) {
    auto parsed = ParseJsonArguments(body, kDefaultJsonDepthLimit, 100);
    ASSERT_TRUE(parsed.ok()) << body << ": " << parsed.error().message;
    Pairs got;
    for (const JsonArgument& a : parsed.value()) got.emplace_back(a.name, a.value);
    EXPECT_EQ(got, expected) << body;
    EXPECT_TRUE(SameAsLibModSecurity(body));
  }
}

TEST(JsonArgumentsTest, NamingMatchesLibModSecurity) {
  ExpectAllSame({
      "{\"a\":{\"b\":{\"c\":1}}}",
      "[1,2]",
      "[[1,2],[3]]",
      "[{\"a\":1},{\"b\":2}]",
      "{\"x\":[1,{\"y\":[2,3]},4]}",
      "{\"a\":[]}",
      "{\"a\":{}}",
      "[]",
      "{}",
      "{\"a\":[{}, 5]}",
      "{\"a\":[[], 5]}",
      "[[],{},[[]],7]",
      "{\"\":1}",
      "{\"a\":{\"\":1}}",
      "{\"\":{\"\":1}}",
      "[{\"\":1}]",
      "{\"\":[1,{\"\":[]},2]}",
      "{\"a.b\":1}",
      "{\"a\":{\"b\":1},\"a.b\":2}",
      "{\"a\":{\"b.c\":[1]}}",
      "{\"a\\nb\":1}",
      "{\"k\\u0000\":1}",
      "{\"\\u00e9\":\"v\"}",
      "{\"\\u0041\\\"x\":1}",
      "{\"a b\":1}",
      "{\"a=b&c\":1}",
      "{\"json\":1}",
      "{\"empty-key\":1,\"\":2}",
      "{\"array_0\":[1]}",
      "{\"a\":1,\"a\":2}",
      "{\"b\":1,\"a\":2,\"b\":3}",
      "{\"A\":1,\"a\":2}",
      "{\"\xc3\xa9\":1,\"\\ud83d\\ude00\":2}",
      "\"str\"",
      "42",
      "true",
      "false",
      "null",
      "\"\"",
  });
}

TEST(JsonArgumentsTest, ValuesMatchLibModSecurity) {
  ExpectAllSame({
      "[0,-1,-0,0.0,1.50]",
      "[1e5,1E+5,-1.5e-3,1.0E-0,-0.0e00,1e999,1e-999]",
      "[123456789012345678901234567890,-123456789012345678901234567890.5]",
      "{\"t\":true,\"f\":false,\"n\":null}",
      "[\"x\\ny\\tz\",\"\\b\\f\\r\"]",
      "[\"q\\\"b\\\\c\\/d\"]",
      "[\"x\\u0000y\"]",
      "[\"\\u00e9\\u20ac\",\"\\u00E9\"]",
      "[\"\\ud83d\\ude00\",\"\\ud800\\udc00\",\"\\udbff\\udfff\"]",
      "[\"\\ud83d\"]",
      "[\"\\ud83dx\",\"\\ud83d\\n\",\"\\ud83d\\\\u0041\"]",
      "[\"\\ude00\"]",
      "[\"\\ud83d\\u0041\",\"\\ud83d\\ud83d\"]",
      "[\"\\ud83d\\ude00\\ud83d\"]",
      "[\"\\u0000\"]",
      "[\"\xc3\xa9\"]",
      "[\"\xc0\xaf\",\"\xc0\x80\",\"\xed\xa0\x80\",\"\xf4\x90\x80\x80\",\"\xf7\xbf\xbf\xbf\"]",
      "[\"\x7f\"]",
      "[\"a\",\"\",\" \"]",
      "{\"a\":\"\xe2\x82\xac\xf0\x9f\x98\x80\"}",
  });
}

TEST(JsonArgumentsTest, StringErrorsMatchLibModSecurity) {
  ExpectAllSame({
      "[\"\xff\"]",
      "[\"\x80\"]",
      "[\"\xc3\"]",
      "[\"\xc3\xc3\"]",
      "[\"\xe0\x80\"]",
      "[\"\xf8\x80\x80\x80\x80\"]",
      "{\"\xff\":1}",
      "{\"a\xc3\":1}",
      "[\"a\tb\"]",
      "[\"a\nb\"]",
      "[\"\x01\"]",
      "{\"k\x1f\":1}",
      Bytes("[\"a\0b\"]", 7),
      "[\"\\x41\"]",
      "[\"\\a\"]",
      "[\"\\U0041\"]",
      "[\"\\u12\"]",
      "[\"\\u00ZZ\"]",
      "[\"\\u\"]",
      "[\"\\\"]",
  });
}

TEST(JsonArgumentsTest, SyntaxErrorsMatchLibModSecurity) {
  ExpectAllSame({
      "{\"a\":1} x",
      "{\"a\":1}{\"b\":2}",
      "{\"a\":1} {\"b\":2}",
      "{\"a\":1}}",
      "{\"a\":1}0",
      "{\"a\":1}/*c*/",
      "{\"a\":1}//c",
      "1 2",
      "\"a\" \"b\"",
      "[1]]",
      "{/*c*/\"a\":1}",
      "{\"a\":1,}",
      "[1,2,]",
      "[1,,2]",
      "}",
      "]",
      "{,\"a\":1}",
      "{'a':1}",
      "{\"a\":'x'}",
      "{a:1}",
      "{\"a\":NaN}",
      "{\"a\":Infinity}",
      "{\"a\":True}",
      "{\"a\":.5}",
      "{\"a\":+1}",
      "\xef\xbb\xbf{\"a\":1}",
      "\xa0{\"a\":1}",
      Bytes("\0{\"a\":1}", 8),
      "{\"a\":-Infinity}",
      "{\"a\":-}",
      "{\"a\":1.}",
      "{\"a\":1e}",
      "{\"a\":1e+}",
      "{\"a\":nul}",
      "{\"a\":nulls}",
      "{\"a\":01}",
      "{\"a\":-01}",
      "[00]",
      "{\"a\"}",
      "{\"a\":1,\"b\"}",
      "{\"a\":1",
      "{\"a\":[1,2",
      "{\"a\":1,\"b\":2",
      "{\"a\":\"zz\"",
      "{\"a\":\"abc",
      "{\"a\":",
      "[",
      "{",
      "\"",
      "-",
      Bytes("{\"a\":1}\0", 8),
      "{\"a\" 1}",
      "{1:2}",
      "[1:2]",
      "{\"a\":1 \"b\":2}",
  });
}

TEST(JsonArgumentsTest, WhitespaceAndEmptyBodiesMatchLibModSecurity) {
  ExpectAllSame({
      "",
      " ",
      "\n\t\r ",
      "\f",
      "\f{\"a\":1}",
      "\v{\"a\":1}\v",
      " { \"a\" : [ 1 , 2 ] } ",
      "\r\n{\"a\":\n1}\r\n",
      "{\"a\":\f1\v,\"b\"\t:\ftrue}",
      "\xa0",
      "{\"a\":1}\xa0",
      "[1\f,\v2]",
  });
}

TEST(JsonArgumentsTest, DepthLimitMatchesLibModSecurity) {
  ExpectAllSame({"{\"a\":{\"b\":{\"c\":1}}}", "[[[1]]]", "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}",
                 "[[[[1]]]]", "{\"a\":[{\"b\":[]}]}",
                 "{\"x\":1,\"a\":{\"b\":{\"c\":{\"d\":1}}},\"y\":2}", "[1,[2,[3,[4]]],5]", "1",
                 "[[[]]]", "[[[{}]]]", "{\"a\":[{\"b\":{}}]}", "[[[1]],[[2]],[[[3]]]]"},
                Limits{3, std::nullopt});
  ExpectAllSame({"{\"a\":1}", "[]", "1", "\"s\"", "null"}, Limits{0, std::nullopt});
  ExpectAllSame({"{\"a\":1}", "{\"a\":{}}", "[[]]", "[]", "[1,2]", "7"}, Limits{1, std::nullopt});
  // The default limit (10000): the 10000th container opens, the 10001st does not.
  for (size_t depth : {9999u, 10000u, 10001u}) {
    std::string body = std::string(depth, '[') + std::string(depth, ']');
    EXPECT_TRUE(SameAsLibModSecurity(body)) << depth << " arrays";
    body = std::string(depth - 1, '[') + "{\"a\":1}" + std::string(depth - 1, ']');
    EXPECT_TRUE(SameAsLibModSecurity(body)) << depth << " containers";
  }
}

TEST(JsonArgumentsTest, ArgumentsLimitMatchesLibModSecurity) {
  const Limits three{std::nullopt, 3};
  ASSERT_EQ(EngineFor(three).load_error, "");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/p", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}"},
      {"/p", "{\"a\":1,\"b\":2,\"c\":3}"},
      {"/p", "[1,2,3,[],{}]"},
      {"/p?q=1", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}"},
      {"/p?q=1", "{\"a\":1,\"b\":2}"},
      {"/p?q=1&r=2", "{\"a\":1}"},
      {"/p?q=1&r=2", "{\"a\":1,\"b\":2}"},
      {"/p?q=1&r=2&s=3", "{\"a\":1}"},
      {"/p?q=1&r=2&s=3", "{\"a\":{}}"},
      {"/p?q=1&r=2&s=3", "[[],{}]"},
      {"/p?q=1&r=2&s=3", ""},
      {"/p?q=1&r=2&s=3&t=4", "{\"a\":1}"},
      {"/p?q=1&r=2&s=3&t=4", "null"},
      {"/p?q=1&r=2&s=3&t=4", "[]"},
      {"/p?q=1&q=1", "[1]"},
      {"/p?q=1&q=1", "[1,2]"},
      // Over the limit first, then a syntax error: the limit is what stops the parse.
      {"/p?q=1&r=2", "[1,2,}"},
      {"/p?q=1&r=2", "[1,}"},
  };
  for (const auto& [uri, body] : cases) EXPECT_TRUE(SameAsLibModSecurity(body, three, uri));
  ExpectAllSame({"{}", "[]", "1", "{\"a\":[]}", ""}, Limits{std::nullopt, 0});
  ExpectAllSame({"{}", "[[]]", "1"}, Limits{std::nullopt, 0}, "/p?q=1");
  // Both limits at once: whichever the document reaches first.
  ExpectAllSame({"[1,2,[[3]]]", "[[[1]],2,3]", "[1,[[2]]]"}, Limits{2, 2});
}

// A random JSON-ish document: nested containers, odd keys and scalars, and now and then a
// deliberate break (so both sides of the error check are exercised).
class JsonGenerator {
 public:
  explicit JsonGenerator(uint32_t seed) : random_(seed) {}

  std::string Document() {
    std::string doc = Space() + Value(0) + Space();
    switch (random_() % 8) {
      case 0:  // truncated
        doc.resize(random_() % (doc.size() + 1));
        break;
      case 1: {  // one stray byte
        static const std::vector<std::string> kStray = {
            ",", "]", "}", ":", "\"", "\\", "\xff", Bytes("\0", 1), "x", "{", "[", "\xc3"};
        doc.insert(random_() % (doc.size() + 1), kStray[random_() % kStray.size()]);
        break;
      }
      case 2:  // one byte less
        if (!doc.empty()) doc.erase(random_() % doc.size(), 1);
        break;
      default:
        break;
    }
    return doc;
  }

 private:
  std::string Pick(const std::vector<std::string>& from) { return from[random_() % from.size()]; }

  std::string Space() {
    static const std::vector<std::string> kSpace = {"",   "",     "",   " ", "\t",
                                                    "\n", "\r\n", "\f", "\v"};
    return Pick(kSpace);
  }

  std::string Key() {
    static const std::vector<std::string> kKeys = {
        "a",       "B",       "",         "a.b",  "json",    "empty-key",        "array_0",
        "\\u0000", "\\u00e9", "\xc3\xa9", "\\n",  "\\ud83d", "\\ude00",          "\\ud83d\\ude00",
        "k\\\"q",  "a b",     "\\/",      "\x7f", "A",       "\xf0\x9f\x98\x80", "\\t",
        "\\\\",    "x=y&z"};
    if (random_() % 3 == 0) {
      std::string key;
      const size_t n = random_() % 6;
      for (size_t i = 0; i < n; ++i) key += static_cast<char>('a' + random_() % 26);
      return "\"" + key + "\"";
    }
    if (random_() % 40 == 0) return "\"k\x01\"";  // a raw control byte: an error
    return "\"" + Pick(kKeys) + "\"";
  }

  std::string Scalar() {
    static const std::vector<std::string> kScalars = {"0",
                                                      "-0",
                                                      "1.5",
                                                      "1e5",
                                                      "-1.5E-3",
                                                      "123456789012345678901234567890",
                                                      "true",
                                                      "false",
                                                      "null",
                                                      "\"\"",
                                                      "\"v\"",
                                                      "\"x\\u0000y\"",
                                                      "\"\\ud83d\"",
                                                      "\"\\ud83d\\u0041\"",
                                                      "\"\\ude00\"",
                                                      "\"\\b\\f\\r\\n\\t\"",
                                                      "\"\xc3\xa9\"",
                                                      "\"\xc0\xaf\"",
                                                      "\"q\\\"b\\\\c\"",
                                                      "\"a b=c&d\"",
                                                      "-12",
                                                      "3.25e+2"};
    static const std::vector<std::string> kBroken = {"01",  "1.",  "-",  "\"\xff\"", "\"\\x\"",
                                                     "nul", "'s'", "+1", "\"\\u12\""};
    if (random_() % 50 == 0) return Pick(kBroken);
    if (random_() % 4 == 0) return std::to_string(static_cast<int>(random_() % 2001) - 1000);
    return Pick(kScalars);
  }

  std::string Value(int depth) {
    const uint32_t roll = random_() % 10;
    if (depth >= 6 || roll < 4) return Scalar();
    const size_t n = random_() % 5;
    std::string out;
    if (roll < 7) {
      out = "{";
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) out += "," + Space();
        out += Key() + Space() + ":" + Space() + Value(depth + 1);
      }
      return out + Space() + "}";
    }
    out = "[";
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out += Space() + ",";
      out += Value(depth + 1);
    }
    return out + "]";
  }

  std::mt19937 random_;
};

// Generated documents from a fixed seed (a failure reproduces), over several limits.
TEST(JsonArgumentsTest, GeneratedDocumentsMatchLibModSecurity) {
  const std::vector<std::pair<Limits, std::string>> settings = {
      {{}, "/p"},
      {{}, "/p?q=1"},
      {{3, std::nullopt}, "/p"},
      {{5, std::nullopt}, "/p"},
      {{std::nullopt, 6}, "/p"},
      {{std::nullopt, 8}, "/p?q=1&r=2"},
      {{4, 10}, "/p?q"},
  };
  for (const auto& [limits, uri] : settings) ASSERT_EQ(EngineFor(limits).load_error, "");
  JsonGenerator generator(20240917);
  int errors = 0;
  int parsed = 0;
  int mismatches = 0;
  for (int i = 0; i < 600 && mismatches < 10; ++i) {
    const std::string body = generator.Document();
    const auto& [limits, uri] = settings[static_cast<size_t>(i) % settings.size()];
    ::testing::AssertionResult same = SameAsLibModSecurity(body, limits, uri);
    if (!same) {
      ++mismatches;
      ADD_FAILURE() << same.message();
      continue;
    }
    auto ours = ParseJsonArguments(body, limits.depth.value_or(kDefaultJsonDepthLimit),
                                   std::numeric_limits<size_t>::max());
    if (ours.ok()) {
      ++parsed;
    } else {
      ++errors;
    }
  }
  // Both outcomes are exercised, not just one.
  EXPECT_GT(errors, 60);
  EXPECT_GT(parsed, 200);
}

}  // namespace
}  // namespace rampart::fastpath
