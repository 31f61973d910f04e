// The packs shipped in rules/signatures/ against the corpora: every signature matches its
// attack samples (corpus/attacks/signatures.jsonl, each listing exactly what it must trigger),
// and no pack matches any request of the benign corpus (corpus/benign/requests.jsonl).

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "signatures/database.h"
#include "signatures/pack_loader.h"
#include "signatures/request_parts.h"
#include "support/corpus.h"

namespace rampart::signatures {
namespace {

struct CorpusRequest {
  std::string id;
  std::string target;
  http::HeaderMap headers;
  std::string body;
  std::set<uint32_t> matches;
};

std::vector<CorpusRequest> ReadCorpus(const std::string& path) {
  std::string error;
  std::vector<test::CorpusRequest> lines = test::ReadCorpus(path, &error);
  EXPECT_TRUE(error.empty()) << error;
  std::vector<CorpusRequest> out;
  for (test::CorpusRequest& line : lines) {
    CorpusRequest r{std::move(line.id),
                    std::move(line.target),
                    {},
                    std::move(line.body),
                    std::move(line.matches)};
    for (const auto& [name, value] : line.headers) r.headers.Add(name, value);
    out.push_back(std::move(r));
  }
  return out;
}

std::shared_ptr<const Database> ShippedDatabase() {
  auto loaded = LoadPackDir(std::string(RAMPART_SOURCE_DIR) + "/rules/signatures");
  if (auto* errors = std::get_if<std::vector<std::string>>(&loaded)) {
    ADD_FAILURE() << errors->front();
    return nullptr;
  }
  std::vector<Signature> all;
  for (Pack& pack : std::get<std::vector<Pack>>(loaded)) {
    for (Signature& s : pack.signatures) all.push_back(std::move(s));
  }
  auto compiled = Database::Compile(std::move(all));
  if (auto* errors = std::get_if<std::vector<std::string>>(&compiled)) {
    ADD_FAILURE() << errors->front();
    return nullptr;
  }
  return std::get<std::shared_ptr<const Database>>(compiled);
}

std::set<uint32_t> MatchedIds(const Database& db, const CorpusRequest& r,
                              Database::Scratch& scratch) {
  const RequestView view{r.target, &r.headers, r.body};
  std::set<uint32_t> ids;
  for (uint32_t i : ScanParts(NormaliseParts(view, db), db, scratch)) {
    ids.insert(db.signatures()[i].id);
  }
  return ids;
}

std::string Join(const std::set<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return "[" + out + "]";
}

TEST(ShippedPacksTest, FourPacksWithTheCrawlersOptIn) {
  auto loaded = LoadPackDir(std::string(RAMPART_SOURCE_DIR) + "/rules/signatures");
  ASSERT_TRUE(std::holds_alternative<std::vector<Pack>>(loaded));
  std::map<std::string, bool> opt_in;
  for (const Pack& p : std::get<std::vector<Pack>>(loaded)) opt_in[p.name] = p.opt_in;
  EXPECT_EQ(
      opt_in,
      (std::map<std::string, bool>{
          {"ai-crawlers", true}, {"exploits", false}, {"injection", false}, {"scanners", false}}));
}

TEST(ShippedPacksTest, EverySignatureMatchesItsSamplesAndOnlyWhatTheyList) {
  auto db = ShippedDatabase();
  ASSERT_NE(db, nullptr);
  auto scratch = db->NewScratch();
  const auto samples =
      ReadCorpus(std::string(RAMPART_SOURCE_DIR) + "/corpus/attacks/signatures.jsonl");
  ASSERT_GT(samples.size(), 100u);
  std::set<uint32_t> covered;
  for (const CorpusRequest& r : samples) {
    const std::set<uint32_t> got = MatchedIds(*db, r, *scratch);
    EXPECT_EQ(got, r.matches) << r.id << ": matched " << Join(got) << ", listed "
                              << Join(r.matches);
    covered.insert(r.matches.begin(), r.matches.end());
  }
  for (const Signature& s : db->signatures()) {
    EXPECT_TRUE(covered.count(s.id))
        << "signature " << s.id << " (" << s.file << ":" << s.line << ") has no attack sample";
  }
}

TEST(ShippedPacksTest, NoPackMatchesTheBenignCorpus) {
  auto db = ShippedDatabase();
  ASSERT_NE(db, nullptr);
  auto scratch = db->NewScratch();
  const auto benign = ReadCorpus(std::string(RAMPART_SOURCE_DIR) + "/corpus/benign/requests.jsonl");
  ASSERT_GT(benign.size(), 300u);
  for (const CorpusRequest& r : benign) {
    const std::set<uint32_t> got = MatchedIds(*db, r, *scratch);
    EXPECT_TRUE(got.empty()) << r.id << " matched " << Join(got);
  }
}

}  // namespace
}  // namespace rampart::signatures
