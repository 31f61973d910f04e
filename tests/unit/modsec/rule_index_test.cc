#include "modsec/rule_index.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::modsec {
namespace {

TEST(ModsecRuleIndexTest, ReadsIdsAndTagsAcrossContinuationLines) {
  RuleIndex index;
  auto s = index.AddText(
      "# comment with id:1\n"
      "SecRule ARGS \"@rx id:5,tag:'no'\" \\\n"
      "    \"id:942100,\\\n"
      "    phase:2,\\\n"
      "    tag:'attack-sqli',\\\n"
      "    tag:'paranoia-level/1',\\\n"
      "    msg:'a, b',\\\n"
      "    chain\"\n"
      "    SecRule ARGS \"@rx x\" \"t:none\"\n"
      "SecAction \"id:900990,phase:1,nolog,pass,setvar:tx.crs_setup_version=334\"\n",
      "a.conf");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(index.size(), 2u);
  const RuleIndex::Entry* e = index.Find(942100);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->tags, (std::vector<std::string>{"attack-sqli", "paranoia-level/1"}));
  EXPECT_EQ(e->file, "a.conf");
  EXPECT_EQ(e->line, 2);
  EXPECT_NE(index.Find(900990), nullptr);
  EXPECT_EQ(index.Find(5), nullptr);
}

TEST(ModsecRuleIndexTest, DuplicateIdNamesBothPlaces) {
  RuleIndex index;
  ASSERT_TRUE(index.AddText("\nSecAction \"id:7,pass\"\n", "a.conf").ok());
  auto s = index.AddText("\n\n\nSecRule ARGS \"@rx x\" \"id:7,deny\"\n", "b.conf");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "b.conf:4: rule id 7 is already defined at a.conf:2");

  RuleIndex other;
  ASSERT_TRUE(other.AddText("SecAction \"id:7,pass\"\n", "c.conf").ok());
  RuleIndex copy;
  ASSERT_TRUE(copy.AddText("SecAction \"id:8,pass\"\n", "d.conf").ok());
  EXPECT_TRUE(copy.Merge(other).ok());
  EXPECT_FALSE(copy.Merge(other).ok());
}

TEST(ModsecRuleIndexTest, MissingFileIsAnError) {
  RuleIndex index;
  auto s = index.AddFile("/nonexistent/rampart.conf");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("/nonexistent/rampart.conf"), std::string::npos);
}

}  // namespace
}  // namespace rampart::modsec
