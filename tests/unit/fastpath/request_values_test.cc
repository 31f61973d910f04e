// Differential test of fastpath::ExtractValues against libmodsecurity itself: every request below
// runs through a real transaction, and each modelled variable's values (as a multiset of key and
// value: libmodsecurity's order is a hash table's) must equal what ExtractValues computes.

#include "fastpath/request_values.h"

#include <gtest/gtest.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace rampart::fastpath {
namespace {

constexpr size_t kArgumentsLimit = 5;

using Pair = std::pair<std::string, std::string>;  // key, value
using Values = std::vector<Pair>;                  // sorted: compared as a multiset

struct Case {
  std::string name;
  std::string method = "GET";
  std::string uri = "/";
  std::string version = "1.1";
  std::vector<std::pair<std::string, std::string>> headers = {{"Host", "example.com"}};
  bool form = false;  // headers hold a form Content-Type; the body is the form's
  bool json = false;  // headers hold a JSON Content-Type; the body is parsed as JSON
  std::string body;
};

// gtest names a failing case by this instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

Values Sorted(Values v) {
  std::sort(v.begin(), v.end());
  return v;
}

Values FromScalar(modsecurity::AnchoredVariable& var) {
  std::vector<const modsecurity::VariableValue*> list;
  var.evaluate(&list);
  Values out;
  for (const modsecurity::VariableValue* v : list) {
    out.emplace_back("", v->getValue());
    delete v;
  }
  return out;
}

template <typename Collection>
Values FromCollection(Collection& var) {
  std::vector<const modsecurity::VariableValue*> list;
  var.resolve(&list);
  Values out;
  for (const modsecurity::VariableValue* v : list) {
    out.emplace_back(v->getKey(), v->getValue());
    delete v;
  }
  return Sorted(std::move(out));
}

Values Concat(Values a, const Values& b) {
  a.insert(a.end(), b.begin(), b.end());
  return Sorted(std::move(a));
}

// The distinct values (a rule sees a value or not; how often does not matter).
Values Distinct(Values v) {
  v = Sorted(std::move(v));
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The settings the differential's engine runs with: only those that decide parsing.
constexpr const char* kSettings =
    "SecRuleEngine On\nSecRequestBodyAccess On\nSecArgumentsLimit 5\n";

// The JSON cases' engine adds rampart's switch to the JSON processor (rule 200000), and before
// it a rule that keeps the value of REQBODY_PROCESSOR the rules before the switch see.
constexpr const char* kJsonRules =
    "SecRule REQBODY_PROCESSOR \"@rx ^(.*)$\" "
    "\"id:1,phase:1,pass,nolog,capture,setvar:'tx.processor_before_switch=%{TX.1}'\"\n"
    "SecRule REQUEST_HEADERS:Content-Type \"@rx json\" "
    "\"id:2,phase:1,pass,nolog,ctl:requestBodyProcessor=JSON\"\n";

struct Engine {
  modsecurity::ModSecurity modsec;
  modsecurity::RulesSet rules;
  std::string load_error;
  explicit Engine(const std::string& config) {
    if (rules.load(config.c_str()) < 0) load_error = rules.getParserError();
  }
};

Engine& SharedEngine() {
  static Engine* engine = new Engine(kSettings);
  return *engine;
}

Engine& SharedJsonEngine() {
  static Engine* engine = new Engine(std::string(kSettings) + kJsonRules);
  return *engine;
}

// What the transaction holds for each variable, named as rules name them.
std::map<std::string, Values> LibModSecurityValues(const Case& c) {
  Engine& engine = c.json ? SharedJsonEngine() : SharedEngine();
  auto t = std::make_unique<modsecurity::Transaction>(&engine.modsec, &engine.rules,
                                                      const_cast<char*>("differential"), nullptr);
  std::map<std::string, Values> out;
  t->processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
  t->processURI(c.uri.c_str(), c.method.c_str(), c.version.c_str());
  for (const auto& [name, value] : c.headers) t->addRequestHeader(name, value);
  t->processRequestHeaders();
  // Variables whose phase-1 and phase-2 values differ: ExtractValues gives both.
  const Values length_phase1 = FromScalar(t->m_variableFullRequestLength);
  const Values reqbody_error_phase1 = FromScalar(t->m_variableReqbodyError);
  const Values processor_error_phase1 = FromScalar(t->m_variableReqbodyProcessorError);
  const Values inbound_error_phase1 = FromScalar(t->m_variableInboundDataError);
  const Values body_phase1 = FromScalar(t->m_variableRequestBody);
  const Values processor_phase1 = FromScalar(t->m_variableReqbodyProcessor);
  const Values body_length_phase1 = FromScalar(t->m_variableRequestBodyLength);
  const Values strict_phase1 = FromScalar(t->m_variableMultipartStrictError);
  const Values combined_phase1 = FromScalar(t->m_variableARGScombinedSize);
  const Values urlencoded_error_phase1 = FromScalar(t->m_variableUrlEncodedError);
  if (!c.body.empty()) {
    t->appendRequestBody(reinterpret_cast<const unsigned char*>(c.body.data()), c.body.size());
  }
  t->processRequestBody();

  out["ARGS_GET"] = FromCollection(t->m_variableArgsGet);
  out["ARGS"] = FromCollection(t->m_variableArgs);
  out["ARGS_GET_NAMES"] = FromCollection(t->m_variableArgsGetNames);
  out["ARGS_NAMES"] = FromCollection(t->m_variableArgsNames);
  out["REQUEST_HEADERS"] = FromCollection(t->m_variableRequestHeaders);
  out["REQUEST_HEADERS_NAMES"] = FromCollection(t->m_variableRequestHeadersNames);
  out["REQUEST_COOKIES"] = FromCollection(t->m_variableRequestCookies);
  out["REQUEST_COOKIES_NAMES"] = FromCollection(t->m_variableRequestCookiesNames);
  out["REQUEST_URI"] = FromScalar(t->m_variableRequestURI);
  out["REQUEST_URI_RAW"] = FromScalar(t->m_variableRequestURIRaw);
  out["REQUEST_FILENAME"] = FromScalar(t->m_variableRequestFilename);
  out["REQUEST_BASENAME"] = FromScalar(t->m_variableRequestBasename);
  out["PATH_INFO"] = FromScalar(t->m_variablePathInfo);
  out["QUERY_STRING"] = FromScalar(t->m_variableQueryString);
  out["REQUEST_LINE"] = FromScalar(t->m_variableRequestLine);
  out["REQUEST_METHOD"] = FromScalar(t->m_variableRequestMethod);
  out["REQUEST_PROTOCOL"] = FromScalar(t->m_variableRequestProtocol);
  out["ARGS_POST"] = FromCollection(t->m_variableArgsPost);
  out["ARGS_POST_NAMES"] = FromCollection(t->m_variableArgsPostNames);
  // A form adds to these in phase 2; ExtractValues then gives both phases' values.
  out["ARGS_COMBINED_SIZE"] = FromScalar(t->m_variableARGScombinedSize);
  out["URLENCODED_ERROR"] = FromScalar(t->m_variableUrlEncodedError);
  if (c.form) {
    out["ARGS_COMBINED_SIZE"] = Concat(combined_phase1, out["ARGS_COMBINED_SIZE"]);
    out["URLENCODED_ERROR"] = Concat(urlencoded_error_phase1, out["URLENCODED_ERROR"]);
  }
  if (c.json) {
    out["ARGS_COMBINED_SIZE"] = Concat(combined_phase1, out["ARGS_COMBINED_SIZE"]);
  }
  out["FULL_REQUEST_LENGTH"] = Concat(length_phase1, FromScalar(t->m_variableFullRequestLength));
  out["REQBODY_ERROR"] = Concat(reqbody_error_phase1, FromScalar(t->m_variableReqbodyError));
  out["REQBODY_PROCESSOR_ERROR"] =
      Concat(processor_error_phase1, FromScalar(t->m_variableReqbodyProcessorError));
  out["INBOUND_DATA_ERROR"] =
      Concat(inbound_error_phase1, FromScalar(t->m_variableInboundDataError));
  out["REQUEST_BODY"] = Concat(body_phase1, FromScalar(t->m_variableRequestBody));
  out["REQBODY_PROCESSOR"] = Concat(processor_phase1, FromScalar(t->m_variableReqbodyProcessor));
  out["REQUEST_BODY_LENGTH"] =
      Concat(body_length_phase1, FromScalar(t->m_variableRequestBodyLength));
  out["MULTIPART_STRICT_ERROR"] =
      Concat(strict_phase1, FromScalar(t->m_variableMultipartStrictError));
  if (c.json) {
    // Phase-1 rules before the switch see the processor the Content-Type chose; the rest, "JSON".
    std::unique_ptr<std::string> before =
        t->m_collections.m_tx_collection->resolveFirst("processor_before_switch");
    Values seen = out["REQBODY_PROCESSOR"];
    seen.emplace_back("", before ? *before : std::string("(the capture rule did not run)"));
    out["REQBODY_PROCESSOR"] = Distinct(std::move(seen));
  }
  return out;
}

// The same variables as ExtractValues gives them. `over_limit`, when given, says whether a JSON
// body has more arguments than ExtractValues kept (FastPath::Decide's check: libmodsecurity
// fails the parse then).
std::map<std::string, Values> FastPathValues(const Case& c, bool* over_limit = nullptr) {
  RequestHead head;
  head.method = c.method;
  head.uri = c.uri;
  head.http_version = c.version;
  for (const auto& [name, value] : c.headers) head.headers.emplace_back(name, value);
  head.body_kind = c.json ? BodyKind::kJson : c.form ? BodyKind::kForm : BodyKind::kNone;
  head.body = c.body;
  // As FastPath::Decide parses it: with the whole SecArgumentsLimit (ExtractValues counts the
  // query's). Past it Decide takes the slow path; the values are then those of every argument.
  core::Result<std::vector<JsonArgument>> json = std::vector<JsonArgument>();
  bool json_over_limit = false;
  if (c.json) {
    json = ParseJsonArguments(c.body, kDefaultJsonDepthLimit, kArgumentsLimit);
    if (!json.ok()) {
      json_over_limit = true;
      json = ParseJsonArguments(c.body, kDefaultJsonDepthLimit, kNoArgumentsLimit);
    }
    if (!json.ok()) {
      ADD_FAILURE() << c.name << ": " << json.error().message;
    } else {
      head.json = &json.value();
    }
  }
  std::map<Variable, Values> by_variable;
  for (const Value& v : ExtractValues(head, kArgumentsLimit)) {
    by_variable[v.variable].emplace_back(v.key, v.value);
  }
  if (over_limit != nullptr) {
    *over_limit = json_over_limit || (head.json != nullptr &&
                                      by_variable[Variable::kArgsPost].size() < head.json->size());
  }
  for (auto& [variable, values] : by_variable) values = Sorted(std::move(values));
  auto get = [&](Variable v) { return by_variable[v]; };
  std::map<std::string, Values> out;
  out["ARGS_GET"] = get(Variable::kArgsGet);
  out["ARGS"] = Concat(get(Variable::kArgsGet), get(Variable::kArgsPost));
  out["ARGS_GET_NAMES"] = get(Variable::kArgsGetNames);
  out["ARGS_NAMES"] = Concat(get(Variable::kArgsGetNames), get(Variable::kArgsPostNames));
  out["ARGS_POST"] = get(Variable::kArgsPost);
  out["ARGS_POST_NAMES"] = get(Variable::kArgsPostNames);
  out["REQUEST_HEADERS"] = get(Variable::kRequestHeaders);
  out["REQUEST_HEADERS_NAMES"] = get(Variable::kRequestHeadersNames);
  out["REQUEST_COOKIES"] = get(Variable::kRequestCookies);
  out["REQUEST_COOKIES_NAMES"] = get(Variable::kRequestCookiesNames);
  out["REQUEST_URI"] = get(Variable::kRequestUri);
  out["REQUEST_URI_RAW"] = get(Variable::kRequestUriRaw);
  out["REQUEST_FILENAME"] = get(Variable::kRequestFilename);
  out["REQUEST_BASENAME"] = get(Variable::kRequestBasename);
  out["PATH_INFO"] = get(Variable::kPathInfo);
  out["QUERY_STRING"] = get(Variable::kQueryString);
  out["REQUEST_LINE"] = get(Variable::kRequestLine);
  out["REQUEST_METHOD"] = get(Variable::kRequestMethod);
  out["REQUEST_PROTOCOL"] = get(Variable::kRequestProtocol);
  out["ARGS_COMBINED_SIZE"] = get(Variable::kArgsCombinedSize);
  out["URLENCODED_ERROR"] = get(Variable::kUrlencodedError);
  out["FULL_REQUEST_LENGTH"] = get(Variable::kFullRequestLength);
  // kZeroFlag and kEmptyScalar stand for each of these variables.
  for (const char* name : {"REQBODY_ERROR", "REQBODY_PROCESSOR_ERROR", "INBOUND_DATA_ERROR"}) {
    out[name] = get(Variable::kZeroFlag);
  }
  // One "" per variable; the transaction side holds a phase-1 and a phase-2 value.
  const Values empty = get(Variable::kEmptyScalar);
  for (const char* name :
       {"REQUEST_BODY", "REQBODY_PROCESSOR", "REQUEST_BODY_LENGTH", "MULTIPART_STRICT_ERROR"}) {
    out[name] = Concat(empty, empty);
  }
  if (c.json) {
    // JSON arguments go to ARGS alone.
    out["ARGS_POST"] = {};
    out["ARGS_POST_NAMES"] = {};
    out["REQBODY_PROCESSOR"] = Distinct(get(Variable::kReqbodyProcessor));
    out["REQUEST_BODY"] = c.body.empty() ? Concat(empty, empty) : get(Variable::kRequestBody);
    out["REQUEST_BODY_LENGTH"] =
        c.body.empty() ? Concat(empty, empty) : get(Variable::kRequestBodyLength);
  }
  if (c.form) {
    // The URLENCODED processor never sets its error variables.
    out["REQBODY_ERROR"] = Concat(empty, empty);
    out["REQBODY_PROCESSOR_ERROR"] = Concat(empty, empty);
    out["REQBODY_PROCESSOR"] =
        Concat(get(Variable::kReqbodyProcessor), get(Variable::kReqbodyProcessor));
    // An empty body leaves both "" (ExtractValues gives the one "").
    out["REQUEST_BODY"] = c.body.empty() ? Concat(empty, empty) : get(Variable::kRequestBody);
    out["REQUEST_BODY_LENGTH"] =
        c.body.empty() ? Concat(empty, empty) : get(Variable::kRequestBodyLength);
  }
  return out;
}

std::vector<Case> Cases() {
  const std::vector<std::pair<std::string, std::string>> browser = {
      {"Host", "example.com"},
      {"User-Agent", "Mozilla/5.0"},
      {"Accept", "*/*"},
  };
  std::vector<Case> cases;
  auto uri = [&](std::string name, std::string u) {
    Case c;
    c.name = std::move(name);
    c.uri = std::move(u);
    cases.push_back(std::move(c));
  };
  auto with_headers = [&](std::string name, std::vector<std::pair<std::string, std::string>> h,
                          std::string u = "/") {
    Case c;
    c.name = std::move(name);
    c.uri = std::move(u);
    c.headers = std::move(h);
    cases.push_back(std::move(c));
  };
  auto cookie = [&](std::string name, std::string value) {
    with_headers(std::move(name), {{"Host", "h"}, {"Cookie", std::move(value)}});
  };

  // Path, fragment and query string.
  uri("Root", "/");
  uri("PlainFile", "/index.html");
  uri("FragmentBeforeQuery", "/p#frag?x=1");
  uri("FragmentAfterQuery", "/p?x=1#f");
  uri("FragmentWithQuestionMark", "/p?x=1#f?y=2&z");
  uri("EncodedHashIsNoFragment", "/a%23b?c=%23");
  uri("EncodedQuestionMarkCutsPath", "/x.php%3fq=1?a=%2");
  uri("EncodedQuestionMarkOnly", "/p%3Fq");
  uri("EncodedQuestionMarkInQuery", "/p%3Fq?%3F=%3f");
  uri("NulBytes", "/a%00b/c%00.php?n%00=v%00");
  uri("PlusSigns", "/a+b%2B?c+d=e+f%2b");
  uri("InvalidPercent", "/%zz%4?a=%zz&b=%4&c=%");
  uri("TrailingPercentInPath", "/a%");
  uri("PercentU", "/%u0041?a=%u0041");
  uri("AbsoluteForm", "http://Host.com:80/p/q%20r?x=1");
  uri("AbsoluteFormUserInfo", "http://a:b@host/p/");
  uri("AbsoluteFormEncoded", "http%3a%2f%2fhost%2fzz?x");
  uri("AbsoluteFormNoPath", "http://host.com?x=1");
  uri("AbsoluteFormHostOnly", "http://host.com");
  uri("SchemeWithOneSlash", "https:/x/y?z");
  uri("ColonNotFollowedBySlashes", "h:x//host/p");
  uri("TripleSlashAfterScheme", "http:///p?q");
  uri("Asterisk", "*");
  uri("EmptyUri", "");
  uri("EmptyQuery", "/?");
  uri("EmptyQueryAfterPath", "/dir/file.php?");
  uri("SecondQuestionMark", "/p?q=1?r=2");
  uri("BackslashPath", "/a\\b\\c.x");
  uri("TrailingSlash", "/a/b/");
  uri("DoubleSlashes", "//double//slash//f");
  uri("SemicolonPath", "/;jsessionid=1?x");
  uri("RawHighBytes", "/caf\xc3\xa9?n=\xc3\xa9");
  uri("EncodedHighBytes", "/?x=%FF%00%ff");
  uri("RawSpaces", "/a b?c d=e f");
  uri("OnlyHash", "#");
  uri("QueryThenHashOnly", "?#");
  uri("NoLeadingSlash", "?a=1");
  uri("RelativeWithColonAndSlashes", "x/y:z//w/q?r");
  uri("SchemeWithoutPath", "a://x");
  uri("EncodedSlashes", "/a%2fb%5Cc.php");
  uri("LeadingSpace", " /lead?x");
  uri("AbsoluteFormQuestionBeforeSlashes", "http:?//x/y");
  uri("PercentEncodedPercent", "/%2541?a=%2541");

  // Argument splitting, decoding and the limit of 5.
  uri("EmptyPieces", "/?a=1&&b=2&");
  uri("OnlyAmpersand", "/?&");
  uri("TwoAmpersands", "/?&&");
  uri("LeadingAmpersand", "/?&a");
  uri("EmptyNameWithValue", "/?=v");
  uri("OnlyEquals", "/?=");
  uri("SemicolonIsNoSeparator", "/?a=b=c;d=e");
  uri("EncodedSeparators", "/?a%3d1=2%263");
  uri("DuplicateAndCaseVariedNames", "/?a=1&A=2&a=3");
  uri("SameArgumentThrice", "/?a=1&a=1&a=1");
  uri("SpacesKept", "/?%20a%20=%20b%20");
  uri("CombinedSize", "/?x=1&y=%41+b&z");
  uri("TrailingPercentInValue", "/?a=%2");
  uri("ExactlyTheLimit", "/?a=1&b=2&c=3&d=4&e=5");
  uri("OneOverTheLimit", "/?a&b&c&d&e&f");
  uri("DroppedArgumentStillSetsError", "/?a=1&b=2&c=3&d=4&e=5&f=6&g=%zz");
  uri("EmptyPiecesCountTowardsTheLimit", "/?&&&&&&&a=1");

  // Methods and versions.
  {
    Case c;
    c.name = "OptionsAsterisk";
    c.method = "OPTIONS";
    c.uri = "*";
    cases.push_back(c);
    c.name = "ConnectAuthority";
    c.method = "CONNECT";
    c.uri = "host.com:443";
    cases.push_back(c);
    c.name = "Http2";
    c.method = "POST";
    c.uri = "/x?y=z";
    c.version = "2";
    cases.push_back(c);
    c.name = "Http10";
    c.method = "get";
    c.version = "1.0";
    cases.push_back(c);
    c.name = "Http20";
    c.method = "PROPFIND";
    c.version = "2.0";
    cases.push_back(c);
    c.name = "EmptyMethodAndVersion";
    c.method = "";
    c.version = "";
    cases.push_back(c);
  }

  // Headers.
  with_headers("NoHeaders", {});
  with_headers("BrowserHeaders", browser, "/search?q=shoes&page=2");
  with_headers("RepeatedHeaders",
               {{"Host", "a"}, {"Host", "b"}, {"X-Dup", "1"}, {"x-DUP", "2"}, {"X-DUP", "1"}});
  with_headers("EmptyHeaderValues", {{"Host", ""}, {"X-Empty", ""}, {"Accept", ""}});
  with_headers("UntrimmedHeaderValues", {{"Host", " h "}, {"X-Pad", "\tv\t "}});
  with_headers("OddHeaderNames", {{"hOsT", "h"}, {"X_Under_Score", "1"}, {"", "no name"}});
  with_headers("HeaderWithNulAndHighBytes", {{"Host", "h"}, {"X-Bin", std::string("a\0b\xff", 4)}});

  // Cookies.
  cookie("TwoCookies", "a=1; b=2");
  cookie("CookieSpaces", "a=1;b=2;  c=3 ;d = 4 ");
  cookie("CookieWithoutEquals", "noeq; =e; g=h=i; ;");
  cookie("CookieQuotesAndEncoding", "\"q\"=\"r v\"; x=%41+b");
  cookie("CookieCommaIsNoSeparator", "a=1,b=2");
  cookie("CookieTrailingSpaces", "a=1;   ");
  cookie("CookieValueOnlySpaces", "x=  ");
  cookie("CookieOnlySemicolons", ";;;");
  cookie("CookieEmpty", "");
  cookie("CookieTabs", "\t a=1\t;\tb=2\t");
  cookie("CookieVerticalTabAndFormFeed", "\va=1;\fb=2\v\f");
  cookie("CookieHighByteSpace", "\xa0k=1\xa0; \xa0");
  cookie("CookieEmptyValue", "a=; b");
  cookie("CookieDuplicates", "a=1; A=2; a=5");
  cookie("CookieOnlyEquals", "=");
  cookie("CookieNameOnly", "a");
  cookie("CookieLeadingSemicolon", "; a=1 ;");
  with_headers("MultipleCookieHeaders",
               {{"Host", "h"}, {"Cookie", "a=1"}, {"Cookie", "a=5; b"}, {"X", "y"}});
  with_headers("LowercaseCookieHeader", {{"Host", "h"}, {"cookie", "c=3"}, {"COOKIE", "d=4"}});
  with_headers("Cookie2IsNoCookie", {{"Host", "h"}, {"Cookie2", "a=1"}, {"Set-Cookie", "b=2"}});

  // Form bodies (libmodsecurity's URLENCODED processor).
  auto form = [&](std::string name, std::string body, std::string u = "/f",
                  std::string type = "application/x-www-form-urlencoded") {
    Case c;
    c.name = std::move(name);
    c.method = "POST";
    c.uri = std::move(u);
    c.form = true;
    c.body = std::move(body);
    c.headers = {{"Host", "h"},
                 {"Content-Type", std::move(type)},
                 {"Content-Length", std::to_string(c.body.size())}};
    cases.push_back(std::move(c));
  };
  form("FormPlain", "a=1&b=two+words&c=%41%42");
  form("FormWithQuery", "x=1&y=2", "/f?a=1&b=%zz");
  form("FormBadEscapes", "a=%zz&&=b&c==d&%", "/f?q=1");
  form("FormEmptyPieces", "&&a&=&b=&", "/f");
  form("FormOverTheLimit", "a=1&b=2&c=3&d=4&e=5&f=%zz", "/f?g=1&h=2");
  form("FormLimitReachedByQuery", "late=1", "/f?a&b&c&d&e");
  form("FormEmptyBody", "");
  form("FormCharsetAndCase", "k=v", "/f", "Application/X-WWW-Form-Urlencoded; charset=UTF-8");
  form("FormNulAndHighBytes", std::string("a=%00b&c=\xc3\xa9&n\0m=1", 17));
  form("FormPlusAndSemicolon", "a=b;c=d&e=f+g%2b");
  form("FormDuplicateNames", "a=1&A=2&a=3");

  // JSON bodies (libmodsecurity's JSON processor, switched on in phase 1), each one that parses.
  auto json = [&](std::string name, std::string body, std::string u = "/j",
                  std::string type = "application/json") {
    Case c;
    c.name = std::move(name);
    c.method = "POST";
    c.uri = std::move(u);
    c.json = true;
    c.body = std::move(body);
    c.headers = {{"Host", "h"},
                 {"Content-Type", std::move(type)},
                 {"Content-Length", std::to_string(c.body.size())}};
    cases.push_back(std::move(c));
  };
  json("JsonFlat", "{\"a\":\"1\",\"b\":2}");
  json("JsonNested", "{\"x\":[1,{\"y\":[2,3]}],\"n\":null}");
  json("JsonWithQuery", "{\"a\":\"v\"}", "/j?q=1&r=%41");
  json("JsonDuplicatesAndCase", "{\"a\":1,\"A\":2,\"a\":1}");
  json("JsonEmptyContainers", "{\"a\":[],\"b\":{}}");
  json("JsonEmptyContainersWithQuery", "[[],{}]", "/j?q=1");
  json("JsonEmptyBody", "");
  json("JsonEmptyBodyWithQuery", "", "/j?q=1");
  json("JsonScalarBody", "\"str\"");
  json("JsonNullBody", "null");
  json("JsonEscapesAndNul", "{\"k\\u0000\":\"x\\u0000y\",\"\\u00e9\":\"\\ud83d\\ude00\"}");
  json("JsonMultiByteValue", "{\"a\":\"\xc3\xa9\"}");
  json("JsonEmptyKeyAndDots", "{\"\":1,\"a.b\":{\"\":true}}");
  json("JsonNumbersAsWritten", "[1.50,-0,1E+5,123456789012345678901234567890]");
  json("JsonWhitespace", "\f{ \"a\" :\v1 }\n");
  json("JsonCharsetParameter", "{\"a\":1}", "/j", "application/json; charset=utf-8");
  json("JsonBadQueryEscape", "{\"a\":1}", "/j?b=%zz");
  json("JsonLimitReachedExactly", "{\"d\":1,\"e\":2}", "/j?a&b&c");
  json("JsonLimitFilledByTheQuery", "{\"x\":{},\"y\":[]}", "/j?a&b&c&d&e");
  json("JsonQueryOverTheLimit", "[]", "/j?a&b&c&d&e&f");
  json("JsonAfterFewEmptyQueryPieces", "{\"a\":1,\"b\":2}", "/j?&&&");
  json("JsonAfterEmptyNamesInTheQuery", "[1,2]", "/j?=&=1&a");
  return cases;
}

class RequestValuesDifferentialTest : public ::testing::TestWithParam<Case> {};

TEST_P(RequestValuesDifferentialTest, MatchesLibModSecurity) {
  ASSERT_EQ(SharedEngine().load_error, "");
  const Case& c = GetParam();
  const std::map<std::string, Values> expected = LibModSecurityValues(c);
  const std::map<std::string, Values> actual = FastPathValues(c);
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& [variable, values] : expected) {
    auto it = actual.find(variable);
    ASSERT_NE(it, actual.end()) << variable;
    EXPECT_EQ(it->second, values) << variable << " of " << c.method << " " << c.uri;
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }

INSTANTIATE_TEST_SUITE_P(RequestValues, RequestValuesDifferentialTest, ::testing::ValuesIn(Cases()),
                         CaseName);

// Requests built from the tokens that matter to the parsers, from a fixed seed (so a failure
// reproduces): the same comparison over many more shapes than the cases above.
TEST(RequestValuesTest, GeneratedRequestsMatchLibModSecurity) {
  ASSERT_EQ(SharedEngine().load_error, "");
  const std::vector<std::string> uri_tokens = {
      "/", "?", "#", "&", "=", "%",     "%2", "%41", "%3f", "%3F", "%23", "%00", "%u0041",  "%2f",
      "+", ";", " ", "a", "B", "http:", "//", "\\",  ".",   "*",   ":",   "%zz", "\xc3\xa9"};
  const std::vector<std::string> cookie_tokens = {";",  "=", " ",   "\t", "a",  "B",
                                                  "\"", ",", "%41", "\v", "; ", "=x"};
  std::mt19937 random(20240601);
  auto pick = [&](const std::vector<std::string>& tokens, size_t max_length) {
    std::string out;
    const size_t n = random() % (max_length + 1);
    for (size_t i = 0; i < n; ++i) out += tokens[random() % tokens.size()];
    return out;
  };
  int mismatches = 0;
  for (int i = 0; i < 3000 && mismatches < 5; ++i) {
    Case c;
    c.name = "generated";
    c.uri = (random() % 4 == 0 ? "" : "/") + pick(uri_tokens, 12);
    c.headers = {{"Host", "h"}};
    const size_t cookies = random() % 3;
    for (size_t k = 0; k < cookies; ++k) {
      c.headers.emplace_back(random() % 2 == 0 ? "Cookie" : "cookie", pick(cookie_tokens, 8));
    }
    if (i % 3 == 0) {  // a form post: its body from the same tokens
      c.method = "POST";
      c.form = true;
      c.body = pick(uri_tokens, 16);
      c.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    const std::map<std::string, Values> expected = LibModSecurityValues(c);
    const std::map<std::string, Values> actual = FastPathValues(c);
    for (const auto& [variable, values] : expected) {
      auto it = actual.find(variable);
      if (it != actual.end() && it->second == values) continue;
      ++mismatches;
      ADD_FAILURE() << variable << " differs for uri [" << c.uri << "] body [" << c.body
                    << "] headers " << ::testing::PrintToString(c.headers);
    }
  }
}

// A JSON case with `body` after `uri`.
Case JsonCase(std::string uri, std::string body) {
  Case c;
  c.name = "json";
  c.method = "POST";
  c.uri = std::move(uri);
  c.json = true;
  c.body = std::move(body);
  c.headers = {{"Host", "h"},
               {"Content-Type", "application/json"},
               {"Content-Length", std::to_string(c.body.size())}};
  return c;
}

// Past SecArgumentsLimit libmodsecurity fails the JSON parse (REQBODY_ERROR 1) but keeps the
// arguments before it; ExtractValues keeps the same ones, and its caller sees some were dropped.
TEST(RequestValuesTest, JsonArgumentsOverTheLimitAreKeptAsLibModSecurityKeepsThem) {
  ASSERT_EQ(SharedJsonEngine().load_error, "");
  for (const auto& [uri, body] : std::vector<std::pair<std::string, std::string>>{
           {"/j?q=1&r=2&s=3", "{\"a\":1,\"b\":2,\"c\":3}"},
           {"/j", "[1,2,3,4,5,6]"},
           {"/j?a&b&c&d&e", "{\"x\":1}"},
           {"/j?a&b&c&d&e&f", "[null]"},
           {"/j?&&&&&&&a=1", "{\"b\":1}"}}) {
    const Case c = JsonCase(uri, body);
    const std::map<std::string, Values> expected = LibModSecurityValues(c);
    ASSERT_EQ(expected.at("REQBODY_ERROR"), (Values{{"", ""}, {"", "1"}})) << uri << " " << body;
    bool over_limit = false;
    const std::map<std::string, Values> actual = FastPathValues(c, &over_limit);
    EXPECT_TRUE(over_limit) << uri << " " << body;
    for (const char* variable :
         {"ARGS", "ARGS_NAMES", "ARGS_GET", "ARGS_POST", "ARGS_COMBINED_SIZE", "REQUEST_BODY"}) {
      EXPECT_EQ(actual.at(variable), expected.at(variable))
          << variable << " of " << uri << " " << body;
    }
  }
}

// JSON bodies built from the tokens that matter (odd keys, scalars, nesting) after generated
// queries, from a fixed seed: every variable as libmodsecurity has it, and REQBODY_ERROR 1 exactly
// when ExtractValues had to drop JSON arguments over the limit.
TEST(RequestValuesTest, GeneratedJsonRequestsMatchLibModSecurity) {
  ASSERT_EQ(SharedJsonEngine().load_error, "");
  const std::vector<std::string> query_tokens = {"a", "=", "&", "1", "%41", "%zz", "+", "B"};
  const std::vector<std::string> keys = {"a", "B",    "",        "a.b",      "%41", "+",
                                         " ", "json", "\\u00e9", "\xc3\xa9", "A",   "\\u0000"};
  const std::vector<std::string> scalars = {
      "1",    "-0",    "1e5",      "1.50",        "true",        "false",       "null",
      "\"\"", "\"v\"", "\"%41+\"", "\"\\u0000\"", "\"\\ud83d\"", "\"\xc3\xa9\""};
  std::mt19937 random(20240918);
  auto pick = [&](const std::vector<std::string>& from) { return from[random() % from.size()]; };
  auto value = [&](auto&& self, int depth) -> std::string {
    const uint32_t roll = random() % 10;
    if (depth >= 3 || roll < 4) return pick(scalars);
    const size_t n = random() % 4;
    std::string out = roll < 7 ? "{" : "[";
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) out += ",";
      if (roll < 7) out += "\"" + pick(keys) + "\":";
      out += self(self, depth + 1);
    }
    return out + (roll < 7 ? "}" : "]");
  };
  int mismatches = 0;
  int over = 0;
  for (int i = 0; i < 400 && mismatches < 5; ++i) {
    std::string uri = "/j";
    if (random() % 2 == 0) {
      uri += "?";
      const size_t n = random() % 8;
      for (size_t k = 0; k < n; ++k) uri += pick(query_tokens);
    }
    const Case c = JsonCase(uri, random() % 10 == 0 ? std::string() : value(value, 0));
    std::map<std::string, Values> expected = LibModSecurityValues(c);
    bool over_limit = false;
    std::map<std::string, Values> actual = FastPathValues(c, &over_limit);
    const bool reqbody_error = expected["REQBODY_ERROR"] == Values{{"", ""}, {"", "1"}};
    if (reqbody_error != over_limit) {
      ++mismatches;
      ADD_FAILURE() << "REQBODY_ERROR " << reqbody_error << ", over the limit " << over_limit
                    << " for uri [" << c.uri << "] body [" << c.body << "]";
      continue;
    }
    if (over_limit) {
      ++over;
      // The parse error's variables are the caller's to model; the rest must still agree.
      for (const char* variable : {"REQBODY_ERROR", "REQBODY_PROCESSOR_ERROR"}) {
        expected.erase(variable);
        actual.erase(variable);
      }
    }
    for (const auto& [variable, values] : expected) {
      auto it = actual.find(variable);
      if (it != actual.end() && it->second == values) continue;
      ++mismatches;
      ADD_FAILURE() << variable << " differs for uri [" << c.uri << "] body [" << c.body << "]";
    }
  }
  EXPECT_GT(over, 10);  // the limit is reached often enough to matter
}

// The harness itself reads real values out of the transaction (an empty read on both sides
// would make the differential above pass for nothing).
TEST(RequestValuesTest, HarnessReadsTheTransaction) {
  Case c;
  c.uri = "/d/f.php?a=1&b=%41#x";
  c.headers = {{"Host", "h"}, {"Cookie", "k=v; n"}};
  std::map<std::string, Values> seen = LibModSecurityValues(c);
  EXPECT_EQ(seen["ARGS_GET"], (Values{{"a", "1"}, {"b", "A"}}));
  EXPECT_EQ(seen["ARGS_GET_NAMES"], (Values{{"a", "a"}, {"b", "b"}}));
  EXPECT_EQ(seen["REQUEST_COOKIES"], (Values{{"k", "v"}, {"n", ""}}));
  EXPECT_EQ(seen["REQUEST_COOKIES_NAMES"], (Values{{"k", "k"}, {"n", "n"}}));
  EXPECT_EQ(seen["REQUEST_HEADERS"], (Values{{"Cookie", "k=v; n"}, {"Host", "h"}}));
  EXPECT_EQ(seen["REQUEST_BASENAME"], (Values{{"", "f.php"}}));
  EXPECT_EQ(seen["QUERY_STRING"], (Values{{"", "a=1&b=%41"}}));
  EXPECT_EQ(seen["ARGS_COMBINED_SIZE"], (Values{{"", "4.000000"}}));
  EXPECT_EQ(seen["FULL_REQUEST_LENGTH"], (Values{{"", ""}, {"", "25"}}));
  EXPECT_EQ(seen["REQBODY_ERROR"], (Values{{"", ""}, {"", "0"}}));
}

TEST(RequestValuesTest, HarnessReadsTheJsonTransaction) {
  std::map<std::string, Values> seen = LibModSecurityValues(JsonCase("/j?q=1", "{\"a\":\"b\"}"));
  EXPECT_EQ(seen["ARGS"], (Values{{"json.a", "b"}, {"q", "1"}}));
  EXPECT_EQ(seen["ARGS_POST"], Values{});
  EXPECT_EQ(seen["REQBODY_PROCESSOR"], (Values{{"", ""}, {"", "JSON"}}));
  EXPECT_EQ(seen["ARGS_COMBINED_SIZE"], (Values{{"", "2.000000"}, {"", "9.000000"}}));
  EXPECT_EQ(seen["REQUEST_BODY"], (Values{{"", ""}, {"", "{\"a\":\"b\"}"}}));
  EXPECT_EQ(seen["REQBODY_ERROR"], (Values{{"", ""}, {"", "0"}}));
}

// The differential above compares against libmodsecurity; these pin a few values outright, so
// that a change in both (a different library build) is noticed too.
const Value* FindValue(const std::vector<Value>& values, Variable variable) {
  for (const Value& v : values) {
    if (v.variable == variable) return &v;
  }
  return nullptr;
}

TEST(RequestValuesTest, AbsoluteFormKeepsOnlyThePathInRequestUri) {
  RequestHead head{"GET", "http://a:b@host/p/?x=%41", "1.1", {}, BodyKind::kNone, {}};
  const std::vector<Value> values = ExtractValues(head, kNoArgumentsLimit);
  const Value* uri = FindValue(values, Variable::kRequestUri);
  ASSERT_NE(uri, nullptr);
  EXPECT_EQ(uri->value, "/p/?x=A");
  const Value* filename = FindValue(values, Variable::kRequestFilename);
  ASSERT_NE(filename, nullptr);
  EXPECT_EQ(filename->value, "http://a:b@host/p/");
}

TEST(RequestValuesTest, NoLimitKeepsEveryArgumentAndZeroKeepsNone) {
  std::string uri = "/?";
  for (int i = 0; i < 1200; ++i) uri += "a=1&";
  RequestHead head{"GET", uri, "1.1", {}, BodyKind::kNone, {}};
  size_t arguments = 0;
  for (const Value& v : ExtractValues(head, kNoArgumentsLimit)) {
    arguments += v.variable == Variable::kArgsGet;
  }
  EXPECT_EQ(arguments, 1200u);
  // SecArgumentsLimit 0: libmodsecurity keeps no argument at all.
  arguments = 0;
  for (const Value& v : ExtractValues(head, 0)) arguments += v.variable == Variable::kArgsGet;
  EXPECT_EQ(arguments, 0u);
}

TEST(RequestValuesTest, FullRequestLengthCountsEveryHeaderLine) {
  RequestHead head{"GET", "/", "1.1", {{"Host", "h"}, {"A", "b"}}, BodyKind::kNone, {}};
  std::vector<std::string> lengths;
  for (const Value& v : ExtractValues(head, kNoArgumentsLimit)) {
    if (v.variable == Variable::kFullRequestLength) lengths.push_back(v.value);
  }
  EXPECT_EQ(lengths, (std::vector<std::string>{"", "15"}));
}

}  // namespace
}  // namespace rampart::fastpath
