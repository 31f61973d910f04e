// Differential test of fastpath::EvaluateExactly against libmodsecurity: each operator runs as
// the only rule of a rule set (`SecRule ARGS_GET:x "<op>"`) over inputs sent percent-encoded in
// the query string, and EvaluateExactly must match exactly when the rule produced a message.

#include "fastpath/exact_operators.h"

#include <gtest/gtest.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "modsec/lib_regex.h"
#include "support/percent_encoding.h"

namespace rampart::fastpath {
namespace {

using test::PercentEncodeAll;

struct OperatorCase {
  std::string name;  // the test's name
  std::string text;  // as a rule writes it, without negation: "@eq 5"
  Operator op;       // the same, as RuleProgram hands it to EvaluateExactly
};

void PrintTo(const OperatorCase& c, std::ostream* os) { *os << c.text; }

std::string Printable(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return "\"" + out + "\"";
}

// Matches would otherwise be printed to stderr ("Server log callback is not set").
void IgnoreServerLog(void*, const void*) {}

// One rule set holding rule 1 with the operator; Matches runs one request through it.
class OneRuleEngine {
 public:
  explicit OneRuleEngine(const std::string& op_text) {
    modsec_.setServerLogCb(&IgnoreServerLog, modsecurity::RuleMessageLogProperty);
    const std::string text = "SecRuleEngine On\nSecRule ARGS_GET:x \"" + op_text +
                             "\" \"id:1,phase:1,pass,log,t:none,msg:'hit'\"\n";
    if (rules_.load(text.c_str()) < 0) error_ = rules_.getParserError();
  }
  const std::string& error() const { return error_; }

  bool Matches(const std::string& value) {
    auto t = std::make_unique<modsecurity::Transaction>(&modsec_, &rules_,
                                                        const_cast<char*>("exact"), nullptr);
    const std::string uri = "/?x=" + PercentEncodeAll(value);
    t->processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
    t->processURI(uri.c_str(), "GET", "1.1");
    t->addRequestHeader("Host", "h");
    t->processRequestHeaders();
    for (const modsecurity::RuleMessage& m : t->m_rulesMessages) {
      if (m.m_ruleId == 1) return true;
    }
    return false;
  }

 private:
  modsecurity::ModSecurity modsec_;
  modsecurity::RulesSet rules_;
  std::string error_;
};

std::vector<std::string> Inputs() {
  return {
      "",
      "5",
      " 5",
      "\v5",
      "\n6",
      "6abc",
      "5.9",
      "4",
      "6",
      "-5",
      "--2",
      "+6",
      "0",
      "0x10",
      "abc",
      "ab",
      "b",
      "bc",
      "abcabc",
      "a b",
      "T",
      "ET P",
      "GET POST",
      "GET POST X",
      std::string("GET\0X", 5),
      std::string("a\0bc", 4),
      std::string("\0", 1),
      std::string("5\0"
                  "7",
                  3),
      "2147483647",
      "2147483648",
      "-2147483649",
      "99999999999",
      "9999999999999999999999",
      "-9999999999999999999999",
      "\x1f",
      "\x7f",
      "\xff\xfe",
      "caf\xc3\xa9",
      "a , & 9 :",
      "a/b",
      "%",
      "%4",
      "%41",
      "%zz",
      "%u0041",
      "%41%",
      "a+",
      "1' or '1'='1",
      "1 union select password from users",
      "1;DROP TABLE x--",
      "O'Reilly",
      "<script>alert(1)</script>",
      "<a href=javascript:x>",
      "hello world",
  };
}

OperatorCase Op(std::string name, std::string text) {
  OperatorCase c;
  c.name = std::move(name);
  c.text = text;
  const size_t space = text.find(' ');
  std::string op_name = text.substr(1, space == std::string::npos ? std::string::npos : space - 1);
  for (char& ch : op_name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  c.op.name = op_name;
  if (space != std::string::npos) c.op.param = text.substr(space + 1);
  return c;
}

std::vector<OperatorCase> Operators() {
  return {
      Op("Eq5", "@eq 5"),
      Op("Eq0", "@eq 0"),
      Op("EqOverflow", "@eq 99999999999"),
      Op("EqNegative", "@eq -5"),
      Op("EqIntMax", "@eq 2147483647"),
      Op("Ge5", "@ge 5"),
      Op("Gt5", "@gt 5"),
      Op("GtOverflow", "@gt 99999999999"),
      Op("GeHuge", "@ge 9999999999999999999999"),
      Op("Le5", "@le 5"),
      Op("Lt5", "@lt 5"),
      Op("LtNegative", "@lt -5"),
      Op("Streq", "@streq abc"),
      Op("StreqWithSpace", "@streq a b"),
      Op("Within", "@within GET POST"),
      Op("BeginsWith", "@beginsWith ab"),
      Op("EndsWith", "@endsWith bc"),
      Op("Contains", "@contains b"),
      Op("ContainsWithSpace", "@contains a b"),
      Op("ValidateByteRangePrintable", "@validateByteRange 32-126"),
      Op("ValidateByteRangeCrsList", "@validateByteRange 38, 44-46, 48-58, 61, 65-90, 95, 97-122"),
      Op("ValidateByteRangeNoNul", "@validateByteRange 1-255"),
      Op("ValidateByteRangeSingles", "@validateByteRange 9,10,13,32-126,128-255"),
      Op("ValidateUrlEncoding", "@validateUrlEncoding"),
      Op("DetectSqli", "@detectSQLi"),
      Op("DetectXss", "@detectXSS"),
      Op("RxAnchored", "@rx ^a"),
      Op("RxDigits", "@rx \\d{3}"),
      Op("RxDollarBeforeNewline", "@rx 5$"),
  };
}

class ExactOperatorsDifferentialTest
    : public ::testing::TestWithParam<std::tuple<OperatorCase, bool>> {};

TEST_P(ExactOperatorsDifferentialTest, MatchesLibModSecurity) {
  OperatorCase c = std::get<0>(GetParam());
  const bool negated = std::get<1>(GetParam());
  c.op.negated = negated;
  OneRuleEngine engine((negated ? "!" : "") + c.text);
  ASSERT_EQ(engine.error(), "") << c.text;
  int matched = 0;
  int inputs = 0;
  for (const std::string& input : Inputs()) {
    const bool expected = engine.Matches(input);
    const std::optional<bool> actual = EvaluateExactly(c.op, input);
    ASSERT_TRUE(actual.has_value()) << c.text;
    EXPECT_EQ(*actual, expected) << (negated ? "!" : "") << c.text << " on " << Printable(input);
    matched += expected ? 1 : 0;
    ++inputs;
  }
  // Every operator here both matches and misses some input: the harness really ran the rule.
  EXPECT_GT(matched, 0) << c.text;
  EXPECT_LT(matched, inputs) << c.text;
}

std::string ParamName(const ::testing::TestParamInfo<std::tuple<OperatorCase, bool>>& param) {
  return (std::get<1>(param.param) ? "Not" : "") + std::get<0>(param.param).name;
}

INSTANTIATE_TEST_SUITE_P(ExactOperators, ExactOperatorsDifferentialTest,
                         ::testing::Combine(::testing::ValuesIn(Operators()), ::testing::Bool()),
                         ParamName);

TEST(ExactOperatorsTest, RefusesOperatorsItDoesNotModel) {
  for (const char* name : {"pm", "pmfromfile", "containsword", "strmatch", "validateutf8encoding",
                           "unconditional", "geolookup", ""}) {
    Operator op;
    op.name = name;
    op.param = "x";
    EXPECT_FALSE(EvaluateExactly(op, "x").has_value()) << name;
    EXPECT_FALSE(IsExactOperator(name)) << name;
  }
}

TEST(ExactOperatorsTest, EveryExactOperatorIsEvaluated) {
  for (const char* name :
       {"streq", "within", "beginswith", "endswith", "contains", "eq", "ge", "gt", "le", "lt",
        "detectsqli", "detectxss", "validatebyterange", "validateurlencoding"}) {
    Operator op;
    op.name = name;
    op.param = name == std::string("validatebyterange") ? "32-126" : "5";
    EXPECT_TRUE(IsExactOperator(name)) << name;
    EXPECT_TRUE(EvaluateExactly(op, "5").has_value()) << name;
  }
  EXPECT_FALSE(IsExactOperator("rx"));  // decided by the prefilter, though EvaluateExactly can
}

TEST(ExactOperatorsTest, ByteRangeOutsideABytesRangeIsRefused) {
  Operator op;
  op.name = "validatebyterange";
  for (const char* param : {"0-256", "300", "10-5"}) {
    op.param = param;
    EXPECT_FALSE(EvaluateExactly(op, "a").has_value()) << param;
  }
}

// LibRegex::Compile promises an error for a pattern that does not compile; EvaluateExactly
// then answers "unknown". (Checked first on its own: matching with a failed compile crashes.)
TEST(ExactOperatorsTest, RegexThatDoesNotCompileIsRefused) {
  ASSERT_FALSE(modsec::LibRegex::Compile("(unclosed").ok());
  Operator op;
  op.name = "rx";
  op.param = "(unclosed";
  EXPECT_FALSE(EvaluateExactly(op, "x").has_value());
  op.negated = true;
  EXPECT_FALSE(EvaluateExactly(op, "x").has_value());
}

}  // namespace
}  // namespace rampart::fastpath
