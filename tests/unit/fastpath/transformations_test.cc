// Tests of modsec::Transformations, the fast path's handle on libmodsecurity's own
// transformations: names as rules write them, refusals, and every CRS transformation against
// what the engine itself does inside a rule (with rampart's unicode map, which %u decoding
// reads through the policy's rule set).

#include "modsec/transformations.h"

#include <gtest/gtest.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "modsec/engine.h"
#include "modsec/policy.h"
#include "support/percent_encoding.h"
#include "unit/modsec/modsec_test_util.h"

namespace rampart::modsec {
namespace {

using test::Hex;
using test::PercentEncodeAll;

using test_util::MustCompile;
using test_util::TestEngine;

std::unique_ptr<Transformations> MustMake() {
  std::shared_ptr<const CompiledPolicy> policy = MustCompile(Policy{});
  if (policy == nullptr) return nullptr;
  auto made = Transformations::Make(policy);
  EXPECT_TRUE(made.ok()) << made.error().message;
  return made.ok() ? std::move(made.value()) : nullptr;
}

// Matches would otherwise be printed to stderr ("Server log callback is not set").
void IgnoreServerLog(void*, const void*) {}

// `name` (as rules write it) applied by libmodsecurity inside a rule, with the same unicode map
// rampart loads: the transformed value, hex-encoded (read back through MATCHED_VAR).
class EngineTransformation {
 public:
  EngineTransformation(const std::string& name, const std::string& unicode_map) {
    modsec_.setServerLogCb(&IgnoreServerLog, modsecurity::RuleMessageLogProperty);
    std::string text = "SecRuleEngine On\n";
    if (!unicode_map.empty()) text += "SecUnicodeMapFile " + unicode_map + " 20127\n";
    text += "SecRule ARGS_GET:x \"@rx ^\" \"id:1,phase:1,pass,log,t:none,t:" + name +
            ",t:hexEncode,msg:'%{MATCHED_VAR}'\"\n";
    if (rules_.load(text.c_str()) < 0) error_ = rules_.getParserError();
  }
  const std::string& error() const { return error_; }

  std::string HexOf(const std::string& value) {
    auto t = std::make_unique<modsecurity::Transaction>(&modsec_, &rules_, const_cast<char*>("tf"),
                                                        nullptr);
    const std::string uri = "/?x=" + PercentEncodeAll(value);
    t->processConnection("192.0.2.1", 40000, "192.0.2.2", 80);
    t->processURI(uri.c_str(), "GET", "1.1");
    t->processRequestHeaders();
    for (const modsecurity::RuleMessage& m : t->m_rulesMessages) {
      if (m.m_ruleId == 1) return m.m_message;
    }
    return "<no match>";
  }

 private:
  modsecurity::ModSecurity modsec_;
  modsecurity::RulesSet rules_;
  std::string error_;
};

TEST(TransformationsTest, CmdLineIsFoundUnderItsRuleName) {
  RAMPART_REQUIRE_CRS();
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  auto index = t->Find("cmdLine");
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(t->name(index.value()), "cmdLine");
  EXPECT_EQ(t->Apply(index.value(), "C^md.Exe /C \"dir\""), "cmd.exe/c dir");
  EXPECT_EQ(t->Apply(index.value(), "a,b;c  d\te"), "a b c d e");
  EXPECT_EQ(t->Apply(index.value(), "A\\B"), "ab");
}

TEST(TransformationsTest, UnknownNamesAreRefused) {
  RAMPART_REQUIRE_CRS();
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  // libmodsecurity's factory answers every unknown name with an identity object; these must not
  // pass for real transformations.
  for (const char* name : {"notATransformation", "", "x", "lowercaseX", "trimLeftish"}) {
    EXPECT_FALSE(t->Find(name).ok()) << name;
  }
  EXPECT_TRUE(t->Find("lowercase").ok());
}

// The rule language takes names in any case (t:trimleft is TrimLeft), while the factory matches
// a case-sensitive prefix (it would give Trim): each spelling must be the class it names.
TEST(TransformationsTest, NamesInAnyCaseAreTheTransformationTheyName) {
  RAMPART_REQUIRE_CRS();
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  auto apply = [&](const char* name, const std::string& value) {
    auto index = t->Find(name);
    EXPECT_TRUE(index.ok()) << name;
    return index.ok() ? t->Apply(index.value(), value) : std::string("?");
  };
  EXPECT_EQ(apply("trimleft", "  x  "), "x  ");
  EXPECT_EQ(apply("TRIMRIGHT", "  x  "), "  x");
  EXPECT_EQ(apply("lowerCase", "AbC"), "abc");
  EXPECT_EQ(apply("utf8ToUnicode", "\xc3\xa9"), "%u00e9");
  EXPECT_EQ(apply("urlDecodeuni", "%41"), "A");
}

TEST(TransformationsTest, FindingTwiceGivesTheSameIndex) {
  RAMPART_REQUIRE_CRS();
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  auto first = t->Find("urlDecodeUni");
  auto other = t->Find("lowercase");
  auto again = t->Find("urlDecodeUni");
  ASSERT_TRUE(first.ok() && other.ok() && again.ok());
  EXPECT_EQ(first.value(), again.value());
  EXPECT_NE(first.value(), other.value());
  EXPECT_EQ(t->name(other.value()), "lowercase");
  EXPECT_EQ(t->Apply(other.value(), "AbC"), "abc");
}

// %u decoding goes through the policy's unicode map (code page 20127): without the context
// transaction %u00e9 would become the byte 0xe9.
TEST(TransformationsTest, UrlDecodeUniUsesThePolicysUnicodeMap) {
  RAMPART_REQUIRE_CRS();
  if (TestEngine()->unicode_map().empty()) GTEST_SKIP() << "no unicode.mapping installed";
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  auto index = t->Find("urlDecodeUni");
  ASSERT_TRUE(index.ok()) << index.error().message;
  EXPECT_EQ(t->Apply(index.value(), "%u00e9"), "e");
  EXPECT_EQ(t->Apply(index.value(), "%u00fd"), "y");
  EXPECT_EQ(t->Apply(index.value(), "%u00c0%u0100"), "AA");
  EXPECT_EQ(t->Apply(index.value(), "%u0041%41+"), "AA ");
  EXPECT_EQ(t->Apply(index.value(), "%u2215"), "\x15");
}

// Every transformation CRS uses, through Transformations and through a rule in libmodsecurity,
// byte for byte.
TEST(TransformationsTest, EveryCrsTransformationMatchesTheEngine) {
  RAMPART_REQUIRE_CRS();
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  const std::string unicode_map = TestEngine()->unicode_map();
  const std::vector<std::string> inputs = {
      "",
      "abc",
      "C^md.Exe /C \"dir\"",
      "%u00e9%u0041%u2215%uff01%u00a0",
      "%41+%zz%4%",
      "&lt;&#x41;&#65&nbsp;&apos;&quot",
      "\\x41\\u0042\\101\\n",
      "a/./b/../c//d/",
      "a\\b\\..\\c\\.\\d",
      "  a \t\n\v\f\r b  ",
      std::string("a\0b\0", 4),
      "/* c */x--y#z;",
      "YWJjZA==",
      "YW Jj",
      "caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      "\\41 b\\",
      "\xff\xc3",
      "SeLeCt%20*",
  };
  for (const char* name :
       {"base64Decode", "cmdLine", "compressWhitespace", "cssDecode", "hexEncode",
        "htmlEntityDecode", "jsDecode", "length", "lowercase", "normalisePath", "normalizePath",
        "normalizePathWin", "removeNulls", "removeWhitespace", "replaceComments", "sha1",
        "urlDecode", "urlDecodeUni", "utf8toUnicode"}) {
    auto index = t->Find(name);
    ASSERT_TRUE(index.ok()) << name << ": " << index.error().message;
    EngineTransformation engine(name, unicode_map);
    ASSERT_EQ(engine.error(), "") << name;
    for (const std::string& input : inputs) {
      EXPECT_EQ(Hex(t->Apply(index.value(), input)), engine.HexOf(input))
          << "t:" << name << " on hex " << Hex(input);
    }
  }
}

}  // namespace
}  // namespace rampart::modsec

namespace rampart::modsec {
namespace {

// Apply's shortcuts (a value without the bytes a transformation acts on is returned as is, and
// t:lowercase is rampart's own A-Z loop) against libmodsecurity's own call, on random values
// drawn from every byte and from the bytes that trigger each transformation.
TEST(TransformationsTest, ShortcutsGiveLibModSecuritysResult) {
  RAMPART_REQUIRE_CRS();
  std::unique_ptr<Transformations> t = MustMake();
  ASSERT_NE(t, nullptr);
  const char* kNames[] = {"urlDecodeUni",     "urlDecode",        "htmlEntityDecode",
                          "jsDecode",         "cssDecode",        "escapeSeqDecode",
                          "removeNulls",      "removeWhitespace", "compressWhitespace",
                          "utf8toUnicode",    "lowercase",        "cmdLine",
                          "normalizePath",    "normalisePath",    "normalizePathWin",
                          "normalisePathWin", "replaceComments"};
  const std::string kTriggers =
      std::string("%+&\\ \t\n\v\f\r\x80\xc3\xa9\xff AZaz", 20) + "/./..//*-#\"',;^(" + '\0';
  uint32_t seed = 20261124;
  auto next = [&seed] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  size_t unchanged = 0;
  for (const char* name : kNames) {
    auto index = t->Find(name);
    ASSERT_TRUE(index.ok()) << name;
    for (int i = 0; i < 20000; ++i) {
      std::string value;
      const size_t length = next() % 24;
      for (size_t k = 0; k < length; ++k) {
        // Mostly plain text, sometimes a trigger byte, sometimes any byte.
        const uint32_t r = next() % 10;
        if (r < 5) {
          value += static_cast<char>('a' + next() % 26);
        } else if (r < 8) {
          value += kTriggers[next() % kTriggers.size()];
        } else {
          value += static_cast<char>(next() % 256);
        }
      }
      const std::string expected = t->ApplyWithLibmodsecurity(index.value(), value);
      EXPECT_EQ(t->Apply(index.value(), value), expected) << name << " on " << Hex(value);
      if (t->Unchanged(index.value(), value)) {
        ++unchanged;
        EXPECT_EQ(expected, value) << name << " said unchanged for " << Hex(value);
      }
    }
  }
  EXPECT_GT(unchanged, 1000u);  // the shortcut was taken, so it was tested
}

}  // namespace
}  // namespace rampart::modsec
