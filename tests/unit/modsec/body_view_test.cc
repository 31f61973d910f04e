#include "modsec/body_view.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/base64.h"

namespace rampart::modsec {
namespace {

using nlohmann::json;

// The view parsed, as libmodsecurity's JSON processor will parse it.
json Parsed(std::string_view content_type, std::string_view body, bool cut = false) {
  auto view = BodyViewOf(content_type, body, cut);
  EXPECT_TRUE(view.has_value()) << content_type;
  if (!view) return json();
  json j = json::parse(*view, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << *view;
  return j;
}

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  return out + static_cast<char>(v);
}

// A protobuf length-delimited field.
std::string Field(int number, std::string_view bytes) {
  return Varint(static_cast<uint64_t>(number) << 3 | 2) + Varint(bytes.size()) + std::string(bytes);
}

std::string Frame(std::string_view message, char flags = 0) {
  std::string out(1, flags);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((message.size() >> shift) & 0xFF);
  }
  return out + std::string(message);
}

TEST(BodyViewTest, TypesLibmodsecurityParsesHaveNone) {
  for (const char* type : {"application/json", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "text/xml", "image/png", ""}) {
    EXPECT_FALSE(BodyViewOf(type, "a=1").has_value()) << type;
  }
}

TEST(BodyViewTest, TextPlainJsonIsHandedOverAsItIs) {
  const std::string beacon = R"({"name":"INP","value":651.6,"page":"/categories"})";
  EXPECT_EQ(BodyViewOf("text/plain;charset=UTF-8", beacon), beacon);
  EXPECT_EQ(BodyViewOf("Text/Plain", "[1,2]"), "[1,2]");
}

TEST(BodyViewTest, TextPlainLinesOfJsonBecomeAnArray) {
  json j = Parsed("text/plain", "{\"a\":1}\r\n\n{\"b\":\"x' OR 1=1\"}\n");
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["b"], "x' OR 1=1");
}

TEST(BodyViewTest, OtherTextIsOneValue) {
  const std::string text = "Reproduce:\n1) cd ~/shop && make test\n\"quoted\" \\ tab\tend";
  json j = Parsed("text/plain", text);
  EXPECT_EQ(j, json({{"text", text}}));
  // A JSON scalar is text too: the processor would give it no argument name.
  EXPECT_EQ(Parsed("text/plain", "42"), json({{"text", "42"}}));
  // Invalid UTF-8 does not make the view fail.
  EXPECT_TRUE(Parsed("text/plain", "caf\xe9 <script>")["text"].is_string());
}

TEST(BodyViewTest, NdjsonIsAnArrayOfItsLinesOrText) {
  json j = Parsed("application/x-ndjson", "{\"msg\":\"a\"}\n{\"msg\":\"<script>\"}\n");
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["msg"], "<script>");
  // A broken line is inspected as text, the others still as JSON (never a parse error).
  EXPECT_EQ(Parsed("application/jsonl", "{\"a\":1}\nnot json"),
            json::array({{{"a", 1}}, {{"text", "not json"}}}));
}

TEST(BodyViewTest, GraphqlDocumentIsTheQueryAndItsStringsDecoded) {
  const std::string doc =
      "# \"not a string\"\n{ project(id: \"1\") { tasks(filter: {search: \"x\\u0027 OR "
      "1=1--\", q: \"say \\\"hi\\\"\"}) { note(text: \"\"\"a \"quoted\" block\"\"\") } } }";
  json j = Parsed("application/graphql", doc);
  EXPECT_EQ(j["query"], doc);
  EXPECT_EQ(j["strings"], json::array({"1", "x' OR 1=1--", "say \"hi\"", "a \"quoted\" block"}));
  // An unterminated string or a bad escape is kept as written.
  EXPECT_EQ(Parsed("application/graphql", "{ a(b: \"\\u12\") c(d: \"open")["strings"],
            json::array({"\\u12", "open"}));
}

TEST(BodyViewTest, ProtobufGivesEveryLengthDelimitedFieldAndNestedOnes) {
  const std::string inner = Field(1, "' UNION SELECT password FROM users--");
  const std::string body = Varint(2 << 3 | 0) + Varint(300) + Field(3, "cafetera") +
                           Field(4, inner) + Varint(5 << 3 | 5) + "abcd";
  json j = Parsed("application/x-protobuf", body);
  ASSERT_TRUE(j.is_array());
  // The nested message's fields, then its bytes (they could be text: a schema may call them a
  // string), and the printable fixed32.
  EXPECT_EQ(j, json::array({"cafetera", "' UNION SELECT password FROM users--", inner, "abcd"}));
  // A binary embedded message is read, not repeated.
  const std::string binary = Field(1, Varint(1 << 3 | 0) + Varint(7) + Field(2, "toys"));
  EXPECT_EQ(Parsed("application/x-protobuf", binary), json::array({"toys"}));
}

TEST(BodyViewTest, AStringThatAlsoParsesAsAMessageIsStillInspected) {
  // Field 1 fixed64 twice: as a message it holds two numbers, as a string an attack. Joined by
  // tabs it is text and inspected whole; joined by \x11 the printable slices are.
  const std::string tabs = "\t<script>\talert(1)";
  EXPECT_EQ(Parsed("application/protobuf", Field(1, tabs)),
            json::array({"<script>", "alert(1)", tabs}));
  const std::string sneaky =
      "\x11<script>\x11"
      "alert(1)";
  EXPECT_EQ(Parsed("application/protobuf", Field(1, sneaky)),
            json::array({"<script>", "alert(1)"}));
}

TEST(BodyViewTest, JsonAStrictParserRefusesStillHasItsEscapesDecoded) {
  // A lone surrogate (or a stray byte) makes nlohmann refuse the document; a lenient backend
  // parser takes it and decodes the escaped SQL injection.
  const std::string body = R"({"a":"\ud800","q":"\u0031\u0027 OR \u0031=\u0031--"})";
  json j = Parsed("text/plain", body);
  EXPECT_EQ(j["text"], body);
  EXPECT_EQ(j["strings"], json::array({"\xEF\xBF\xBD", "1' OR 1=1--"}));
  json lines = Parsed("application/x-ndjson", "not json\n" + body + "\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["strings"][1], "1' OR 1=1--");
  // GraphQL: the same escapes decoded whatever surrounds them.
  json gql = Parsed("application/graphql", "{ p(name: \"\xff\\u0031\\u0027 OR 1=1--\") { id } }");
  EXPECT_EQ(gql["strings"][0],
            "\xEF\xBF\xBD"
            "1' OR 1=1--");
}

TEST(BodyViewTest, ControlCharactersAndByteOrderMarks) {
  // Controls become spaces, so the view stays near the body's size (JSON escapes them 6 bytes).
  const std::string noisy = std::string(800, '\x01') + " 1' union select 1--";
  auto view = BodyViewOf("text/plain", noisy);
  ASSERT_TRUE(view.has_value());
  EXPECT_LT(view->size(), noisy.size() + 40);
  EXPECT_EQ(json::parse(*view)["text"], std::string(800, ' ') + " 1' union select 1--");
  // yajl refuses a BOM nlohmann skips: it is dropped from the document handed over.
  EXPECT_EQ(BodyViewOf("text/plain", "\xEF\xBB\xBF{\"q\":\"hello\"}"), "{\"q\":\"hello\"}");
  EXPECT_EQ(Parsed("application/x-ndjson", "\xEF\xBB\xBF{\"q\":1}\n"), json::array({{{"q", 1}}}));
}

TEST(BodyViewTest, BytesThatAreNotProtobufAreText) {
  EXPECT_EQ(Parsed("application/x-protobuf", "hello; cat /etc/passwd"),
            json({{"text", "hello; cat /etc/passwd"}}));
}

TEST(BodyViewTest, GrpcFramesAreReadOneByOne) {
  const std::string body = Frame(Field(1, "first")) + Frame(Field(1, "${jndi:ldap://x/a}"));
  json j = Parsed("application/grpc-web+proto", body);
  EXPECT_EQ(j, json::array({"first", "${jndi:ldap://x/a}"}));
  EXPECT_EQ(Parsed("application/grpc", body), j);
}

TEST(BodyViewTest, GrpcWebTextIsDecodedFirstAlsoInSeveralChunks) {
  const std::string one = core::Base64Encode(Frame(Field(1, "a")), core::Base64Alphabet::kStandard);
  const std::string two =
      core::Base64Encode(Frame(Field(1, "../../etc/passwd")), core::Base64Alphabet::kStandard);
  ASSERT_NE(one.back(), 'A');  // padded, so the second chunk starts after '='
  json j = Parsed("application/grpc-web-text", one + two);
  EXPECT_EQ(j, json::array({"a", "../../etc/passwd"}));
}

TEST(BodyViewTest, ACutGrpcBodyKeepsItsWholeFrames) {
  const std::string frames =
      Frame(Field(1, "1' OR 1=1--")) + Frame(Field(2, std::string(100, 'a')));
  const std::string cut = frames.substr(0, frames.size() - 50);
  EXPECT_EQ(BodyViewOf("application/grpc-web", cut), std::string(kUnreadable));
  EXPECT_EQ(Parsed("application/grpc-web", cut, true), json::array({"1' OR 1=1--"}));
  const std::string text = core::Base64Encode(frames, core::Base64Alphabet::kStandard);
  EXPECT_EQ(Parsed("application/grpc-web-text", text.substr(0, text.size() - 61), true),
            json::array({"1' OR 1=1--"}));
}

TEST(BodyViewTest, UnreadableGrpcIsNotJson) {
  const std::string message = Field(1, "x");
  for (const std::string& body : {Frame(message, 1),                  // compressed
                                  Frame(message).substr(0, 6),        // cut short
                                  std::string("\x00\x00\x00", 3)}) {  // no full prefix
    EXPECT_EQ(BodyViewOf("application/grpc-web", body), std::string(kUnreadable));
  }
  EXPECT_EQ(BodyViewOf("application/grpc-web-text", "not base64!"), std::string(kUnreadable));
  EXPECT_TRUE(json::parse(kUnreadable, nullptr, false).is_discarded());
}

TEST(BodyViewTest, EveryTypeWithAViewIsListed) {
  for (const std::string& type : BodyViewMediaTypes()) {
    EXPECT_TRUE(BodyViewOf(type, "x").has_value()) << type;
  }
  EXPECT_GE(BodyViewMediaTypes().size(), 10u);
}

}  // namespace
}  // namespace rampart::modsec
