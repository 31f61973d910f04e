#include "modsec/body_view.h"

#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/strings.h"

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

// Nesting is followed this deep: each level repeats its bytes once more in the view.
constexpr int kMaxProtobufDepth = 4;

// Invalid UTF-8 becomes U+FFFD rather than an error: the view is for inspection only.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string TextView(std::string_view body) { return Dump(json{{"text", std::string(body)}}); }

bool IsJsonContainer(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() || j.is_array();
}

// "[line,line,...]" when every non-blank line is a JSON object or array; nullopt otherwise.
std::optional<std::string> LinesView(std::string_view body) {
  std::string out = "[";
  bool any = false;
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = core::TrimOws(line);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (line.empty()) continue;
    if (!IsJsonContainer(line)) return std::nullopt;
    if (any) out += ',';
    out.append(line);
    any = true;
  }
  if (!any) return std::nullopt;
  return out + "]";
}

std::string TextOrJsonView(std::string_view body) {
  if (IsJsonContainer(body)) return std::string(body);
  if (auto lines = LinesView(body)) return *lines;
  return TextView(body);
}

// The string literals of a GraphQL document, escapes decoded ("\u0027" is "'"): a value is
// inspected on its own, as it would be as a JSON variable. GraphQL's escapes are JSON's, so
// nlohmann decodes them; block strings ("""...""") are taken as written.
json GraphqlStrings(std::string_view doc) {
  json strings = json::array();
  size_t i = 0;
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '#') {  // a comment, to the end of the line
      const size_t end = doc.find_first_of("\r\n", i);
      i = end == std::string_view::npos ? doc.size() : end;
    } else if (doc.substr(i, 3) == "\"\"\"") {
      size_t end = i + 3;
      while (end < doc.size() && doc.substr(end, 3) != "\"\"\"") end += doc[end] == '\\' ? 2 : 1;
      strings.push_back(std::string(doc.substr(i + 3, std::min(end, doc.size()) - i - 3)));
      i = end + 3;
    } else if (c == '"') {
      size_t end = i + 1;
      while (end < doc.size() && doc[end] != '"' && doc[end] != '\n') {
        end += doc[end] == '\\' ? 2 : 1;
      }
      end = std::min(end, doc.size());
      const std::string quoted = "\"" + std::string(doc.substr(i + 1, end - i - 1)) + "\"";
      json decoded = json::parse(quoted, nullptr, /*allow_exceptions=*/false);
      strings.push_back(decoded.is_string() ? decoded.get<std::string>()
                                            : quoted.substr(1, quoted.size() - 2));
      i = end + 1;
    } else {
      ++i;
    }
  }
  return strings;
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
        // Always the bytes themselves: the backend's schema may call them a string even when
        // they also parse as a message.
        values.push_back(std::string(field));
        if (depth < kMaxProtobufDepth && !field.empty()) {
          (void)AddProtobufFields(field, depth + 1, values);
        }
        continue;
      }
      default:  // groups (deprecated) and unknown wire types: not protobuf rampart reads
        return fail();
    }
    if (skip > message.size()) return fail();
    message.remove_prefix(skip);
  }
  return true;
}

std::string ProtobufView(std::string_view body) {
  json values = json::array();
  if (!AddProtobufFields(body, 1, values)) return TextView(body);
  return Dump(values);
}

// gRPC's length-prefixed messages: 1 flag byte (bit 0: compressed), 4 bytes of length.
std::string GrpcView(std::string_view body) {
  json values = json::array();
  while (!body.empty()) {
    if (body.size() < 5 || (static_cast<uint8_t>(body[0]) & 1) != 0) {
      return std::string(kUnreadable);
    }
    uint64_t length = 0;
    for (int i = 1; i < 5; ++i) length = (length << 8) | static_cast<uint8_t>(body[i]);
    body.remove_prefix(5);
    if (length > body.size()) return std::string(kUnreadable);
    const std::string_view message = body.substr(0, length);
    body.remove_prefix(length);
    if (!AddProtobufFields(message, 1, values)) values.push_back(std::string(message));
  }
  return Dump(values);
}

// gRPC-web-text: base64 of the frames, possibly several padded chunks one after the other.
std::string GrpcWebTextView(std::string_view body) {
  std::string frames;
  while (!body.empty()) {
    size_t end = body.find('=');
    end = end == std::string_view::npos ? body.size() : body.find_first_not_of('=', end);
    if (end == std::string_view::npos) end = body.size();
    std::string decoded;
    if (!core::Base64Decode(body.substr(0, end), core::Base64Alphabet::kStandard, &decoded)) {
      return std::string(kUnreadable);
    }
    frames += decoded;
    body.remove_prefix(end);
  }
  return GrpcView(frames);
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

std::optional<std::string> BodyViewOf(std::string_view content_type, std::string_view body) {
  const std::string media =
      core::ToLower(core::TrimOws(content_type.substr(0, content_type.find(';'))));
  for (const Type& t : kTypes) {
    if (media != t.media) continue;
    switch (t.kind) {
      case Kind::kText:
        return TextOrJsonView(body);
      case Kind::kLines: {
        auto lines = LinesView(body);
        return lines ? *lines : TextView(body);
      }
      case Kind::kGraphql:
        return Dump(json{{"query", std::string(body)}, {"strings", GraphqlStrings(body)}});
      case Kind::kProtobuf:
        return ProtobufView(body);
      case Kind::kGrpc:
        return GrpcView(body);
      case Kind::kGrpcWebText:
        return GrpcWebTextView(body);
    }
  }
  return std::nullopt;
}

}  // namespace rampart::modsec
