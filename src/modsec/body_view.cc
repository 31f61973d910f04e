#include "modsec/body_view.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/strings.h"
#include "modsec/quoted_strings.h"

namespace rampart::modsec {
namespace {

using nlohmann::json;

enum class Kind { kText, kLines, kGraphql, kProtobuf, kGrpc, kGrpcWebText };

struct Type {
  const char* media;
  Kind kind;
};

constexpr Type kTypes[] = {
    {"text/plain", Kind::kText},
    {"application/x-ndjson", Kind::kLines},
    {"application/ndjson", Kind::kLines},
    {"application/jsonl", Kind::kLines},
    {"application/x-jsonlines", Kind::kLines},
    {"application/graphql", Kind::kGraphql},
    {"application/x-protobuf", Kind::kProtobuf},
    {"application/protobuf", Kind::kProtobuf},
    {"application/x-google-protobuf", Kind::kProtobuf},
    {"application/vnd.google.protobuf", Kind::kProtobuf},
    {"application/grpc", Kind::kGrpc},
    {"application/grpc+proto", Kind::kGrpc},
    {"application/grpc-web", Kind::kGrpc},
    {"application/grpc-web+proto", Kind::kGrpc},
    {"application/grpc-web-text", Kind::kGrpcWebText},
    {"application/grpc-web-text+proto", Kind::kGrpcWebText},
};

// Nesting is followed this deep.
constexpr int kMaxProtobufDepth = 4;

// Invalid UTF-8 becomes U+FFFD rather than an error: the view is for inspection only.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A C0 control character other than tab, CR and LF, or DEL.
bool IsControl(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b < 0x20 && c != '\t' && c != '\n' && c != '\r') || b == 0x7F;
}

// The text with its control characters as spaces: JSON would escape each as six bytes
// (\u0001), so a body of them would make a view six times its size. A space is what most
// parsers and databases take such a byte for anyway.
std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (IsControl(c)) c = ' ';
  }
  return out;
}

std::string_view WithoutBom(std::string_view text) {
  return text.substr(0, 3) == "\xEF\xBB\xBF" ? text.substr(3) : text;
}

// {"text": text}, and "strings": each quoted literal in it that holds an escape, decoded (a
// JSON document a strict parser refused may still be one to the backend: quoted_strings.h).
json TextValue(std::string_view text) {
  json value = {{"text", Printable(text)}};
  std::vector<std::string> strings = EscapedQuotedStrings(text);
  if (!strings.empty()) {
    json decoded = json::array();
    for (const std::string& s : strings) decoded.push_back(Printable(s));
    value["strings"] = std::move(decoded);
  }
  return value;
}

std::string TextView(std::string_view body) { return Dump(TextValue(body)); }

// The JSON object or array `text` is (a byte-order mark dropped; yajl refuses one), or nullopt.
std::optional<std::string_view> JsonContainer(std::string_view text) {
  text = WithoutBom(text);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() || j.is_array()) return text;
  return std::nullopt;
}

// The non-blank lines, CR and surrounding blanks removed.
std::vector<std::string_view> Lines(std::string_view body) {
  std::vector<std::string_view> lines;
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = core::TrimOws(line);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// NDJSON: "[line,line,...]", each line that is not a JSON object or array as a text value;
// `strict`: nullopt instead, and for a body without lines.
std::optional<std::string> LinesView(std::string_view body, bool strict) {
  std::string out = "[";
  for (std::string_view line : Lines(body)) {
    if (out.size() > 1) out += ',';
    if (auto doc = JsonContainer(line)) {
      out.append(*doc);
    } else if (strict) {
      return std::nullopt;
    } else {
      out += Dump(TextValue(line));
    }
  }
  if (strict && out.size() == 1) return std::nullopt;
  return out + "]";
}

// text/plain: a JSON beacon as it is; lines that are each JSON as an array; otherwise the text
// as one value (split into lines, a payload could be cut in two).
std::string TextOrJsonView(std::string_view body) {
  if (auto doc = JsonContainer(body)) return std::string(*doc);
  if (auto lines = LinesView(body, /*strict=*/true)) return *lines;
  return TextView(body);
}

// The string literals of a GraphQL document, escapes decoded ("\u0027" is "'"): a value is
// inspected on its own, as it would be as a JSON variable. GraphQL's escapes are JSON's
// (quoted_strings.h); block strings ("""...""") are taken as written.
json GraphqlStrings(std::string_view doc) {
  constexpr std::string_view kBlockQuote = R"(""")";
  json strings = json::array();
  size_t i = 0;
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '#') {  // a comment, to the end of the line
      const size_t end = doc.find_first_of("\r\n", i);
      i = end == std::string_view::npos ? doc.size() : end;
    } else if (doc.substr(i, 3) == kBlockQuote) {
      size_t end = i + 3;
      while (end < doc.size() && doc.substr(end, 3) != kBlockQuote) end += doc[end] == '\\' ? 2 : 1;
      strings.push_back(Printable(doc.substr(i + 3, std::min(end, doc.size()) - i - 3)));
      i = end + 3;
    } else if (c == '"') {
      size_t end = i + 1;
      while (end < doc.size() && doc[end] != '"' && doc[end] != '\n') {
        end += doc[end] == '\\' ? 2 : 1;
      }
      end = std::min(end, doc.size());
      strings.push_back(Printable(DecodeStringEscapes(doc.substr(i + 1, end - i - 1))));
      i = end + 1;
    } else {
      ++i;
    }
  }
  return strings;
}

// No control characters but tab, CR and LF.
bool IsText(std::string_view bytes) { return std::none_of(bytes.begin(), bytes.end(), IsControl); }

bool IsPrintableAscii(std::string_view bytes) {
  for (char c : bytes) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool ReadVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Appends to `values` every length-delimited field of `message` (and, for those that parse as
// messages, their fields); false, with `values` as it was, when `message` is not protobuf.
bool AddProtobufFields(std::string_view message, int depth, json& values) {
  const size_t before = values.size();
  auto fail = [&] {
    values.erase(values.begin() + static_cast<std::ptrdiff_t>(before), values.end());
    return false;
  };
  while (!message.empty()) {
    uint64_t key = 0;
    if (!ReadVarint(message, key) || (key >> 3) == 0) return fail();
    uint64_t skip = 0;
    switch (key & 7) {
      case 0:  // varint
        if (!ReadVarint(message, skip)) return fail();
        continue;
      case 1:  // fixed64
        skip = 8;
        break;
      case 5:  // fixed32
        skip = 4;
        break;
      case 2: {  // length-delimited
        uint64_t length = 0;
        if (!ReadVarint(message, length) || length > message.size()) return fail();
        const std::string_view field = message.substr(0, length);
        message.remove_prefix(length);
        // An embedded message's fields are read in turn. Its bytes themselves too when they
        // could be text (the backend's schema may call them a string: "\t<script>\t..." parses
        // as two fixed64 fields); a binary message is not text to anyone.
        const bool embedded = depth < kMaxProtobufDepth && !field.empty() &&
                              AddProtobufFields(field, depth + 1, values);
        if (!embedded || IsText(field)) values.push_back(Printable(field));
        continue;
      }
      default:  // groups (deprecated) and unknown wire types: not protobuf rampart reads
        return fail();
    }
    if (skip > message.size()) return fail();
    // Eight or four printable bytes may be a slice of a string the schema calls one.
    if (IsPrintableAscii(message.substr(0, skip)))
      values.push_back(std::string(message.substr(0, skip)));
    message.remove_prefix(skip);
  }
  return true;
}

std::string ProtobufView(std::string_view body) {
  json values = json::array();
  if (!AddProtobufFields(body, 1, values)) return TextView(body);
  return Dump(values);
}

// gRPC's length-prefixed messages: 1 flag byte (bit 0: compressed), 4 bytes of length. In a
// body cut at the WAF's limit (`cut`), the last, incomplete frame is left out.
std::string GrpcView(std::string_view body, bool cut) {
  json values = json::array();
  while (!body.empty()) {
    if (body.size() < 5 && cut) break;
    if (body.size() < 5 || (static_cast<uint8_t>(body[0]) & 1) != 0) {
      return std::string(kUnreadable);
    }
    uint64_t length = 0;
    for (int i = 1; i < 5; ++i) length = (length << 8) | static_cast<uint8_t>(body[i]);
    body.remove_prefix(5);
    if (length > body.size()) {
      if (cut) break;
      return std::string(kUnreadable);
    }
    const std::string_view message = body.substr(0, length);
    body.remove_prefix(length);
    if (!AddProtobufFields(message, 1, values)) values.push_back(Printable(message));
  }
  return Dump(values);
}

// gRPC-web-text: base64 of the frames, possibly several padded chunks one after the other. In a
// cut body, the last chunk is decoded as far as it is whole.
std::string GrpcWebTextView(std::string_view body, bool cut) {
  std::string frames;
  while (!body.empty()) {
    size_t end = body.find('=');
    end = end == std::string_view::npos ? body.size() : body.find_first_not_of('=', end);
    if (end == std::string_view::npos) end = body.size();
    std::string_view chunk = body.substr(0, end);
    body.remove_prefix(end);
    if (cut && body.empty()) chunk = chunk.substr(0, chunk.size() - chunk.size() % 4);
    std::string decoded;
    if (!core::Base64Decode(chunk, core::Base64Alphabet::kStandard, &decoded)) {
      return std::string(kUnreadable);
    }
    frames += decoded;
  }
  return GrpcView(frames, cut);
}

}  // namespace

const std::vector<std::string>& BodyViewMediaTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> v;
    for (const Type& t : kTypes) v.emplace_back(t.media);
    return v;
  }();
  return types;
}

namespace {

std::string MediaOf(std::string_view content_type) {
  return core::ToLower(core::TrimOws(content_type.substr(0, content_type.find(';'))));
}

}  // namespace

bool HasBodyView(std::string_view content_type) {
  const std::string media = MediaOf(content_type);
  return std::any_of(std::begin(kTypes), std::end(kTypes),
                     [&](const Type& t) { return media == t.media; });
}

std::optional<std::string> BodyViewOf(std::string_view content_type, std::string_view body,
                                      bool cut) {
  const std::string media = MediaOf(content_type);
  for (const Type& t : kTypes) {
    if (media != t.media) continue;
    switch (t.kind) {
      case Kind::kText:
        return TextOrJsonView(body);
      case Kind::kLines:
        return LinesView(body, /*strict=*/false);
      case Kind::kGraphql:
        return Dump(json{{"query", Printable(body)}, {"strings", GraphqlStrings(body)}});
      case Kind::kProtobuf:
        return ProtobufView(body);
      case Kind::kGrpc:
        return GrpcView(body, cut);
      case Kind::kGrpcWebText:
        return GrpcWebTextView(body, cut);
    }
  }
  return std::nullopt;
}

}  // namespace rampart::modsec
