#include "modsec/transformations.h"

#include <modsecurity/actions/action.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <array>
#include <cstring>
#include <exception>
#include <map>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "core/strings.h"
#include "modsec/engine.h"

// libmodsecurity installs no header for its transformations, but exports their factory; each
// object is an actions::Action whose virtual evaluate() is the transformation.
namespace modsecurity::actions::transformations {
class Transformation : public Action {
 public:
  static Transformation* instantiate(std::string name);
};
}  // namespace modsecurity::actions::transformations

namespace rampart::modsec {
namespace {

void DeleteTransaction(modsecurity::Transaction* t) { delete t; }

// The rule language takes transformation names in any case; libmodsecurity's factory matches a
// case-sensitive prefix (t:trimleft would give Trim). Each name, lower case, to the factory's
// spelling and the class it must give.
struct Known {
  const char* factory;
  const char* cls;
};
const std::map<std::string, Known>& KnownTransformations() {
  static const std::map<std::string, Known> kKnown = {
      {"base64decodeext", {"base64DecodeExt", "Base64DecodeExt"}},
      {"base64decode", {"base64Decode", "Base64Decode"}},
      {"base64encode", {"base64Encode", "Base64Encode"}},
      {"cmdline", {"cmd_line", "CmdLine"}},
      {"compresswhitespace", {"compressWhitespace", "CompressWhitespace"}},
      {"cssdecode", {"cssDecode", "CssDecode"}},
      {"escapeseqdecode", {"escapeSeqDecode", "EscapeSeqDecode"}},
      {"hexdecode", {"hexDecode", "HexDecode"}},
      {"hexencode", {"hexEncode", "HexEncode"}},
      {"htmlentitydecode", {"htmlEntityDecode", "HtmlEntityDecode"}},
      {"jsdecode", {"jsDecode", "JsDecode"}},
      {"length", {"length", "Length"}},
      {"lowercase", {"lowercase", "LowerCase"}},
      {"md5", {"md5", "Md5"}},
      {"normalizepathwin", {"normalizePathWin", "NormalisePathWin"}},
      {"normalisepathwin", {"normalisePathWin", "NormalisePathWin"}},
      {"normalizepath", {"normalizePath", "NormalisePath"}},
      {"normalisepath", {"normalisePath", "NormalisePath"}},
      {"parityeven7bit", {"parityEven7bit", "ParityEven7bit"}},
      {"parityodd7bit", {"parityOdd7bit", "ParityOdd7bit"}},
      {"parityzero7bit", {"parityZero7bit", "ParityZero7bit"}},
      {"removecommentschar", {"removeCommentsChar", "RemoveCommentsChar"}},
      {"removecomments", {"removeComments", "RemoveComments"}},
      {"removenulls", {"removeNulls", "RemoveNulls"}},
      {"removewhitespace", {"removeWhitespace", "RemoveWhitespace"}},
      {"replacecomments", {"replaceComments", "ReplaceComments"}},
      {"replacenulls", {"replaceNulls", "ReplaceNulls"}},
      {"sha1", {"sha1", "Sha1"}},
      {"sqlhexdecode", {"sqlHexDecode", "SqlHexDecode"}},
      {"trimleft", {"trimLeft", "TrimLeft"}},
      {"trimright", {"trimRight", "TrimRight"}},
      {"trim", {"trim", "Trim"}},
      {"uppercase", {"uppercase", "UpperCase"}},
      {"urldecodeuni", {"urlDecodeUni", "UrlDecodeUni"}},
      {"urldecode", {"urlDecode", "UrlDecode"}},
      {"urlencode", {"urlEncode", "UrlEncode"}},
      {"utf8tounicode", {"utf8toUnicode", "Utf8ToUnicode"}},
  };
  return kKnown;
}

// The Itanium-ABI name of libmodsecurity's transformation class `cls` (what typeid gives).
std::string MangledClassName(const std::string& cls) {
  return "N11modsecurity7actions15transformations" + std::to_string(cls.size()) + cls + "E";
}

// The bytes each shortcut looks for, one bit per class. Each class holds NUL too: some of
// libmodsecurity's transformations stop at the first one (cssDecode, utf8toUnicode read the
// value as a C string).
struct ByteClass {
  const char* name;  // the transformations' factory names it serves, space-separated
  std::string_view bytes;
};
constexpr std::string_view kUpperBytes("ABCDEFGHIJKLMNOPQRSTUVWXYZ\0", 27);
constexpr ByteClass kClasses[] = {
    {"urlDecodeUni urlDecode", std::string_view("%+\0", 3)},
    {"htmlEntityDecode", std::string_view("&\0", 2)},
    {"jsDecode cssDecode escapeSeqDecode", std::string_view("\\\0", 2)},
    {"removeNulls", std::string_view("\0", 1)},
    {"compressWhitespace", std::string_view(" \t\n\v\f\r\0", 7)},
    // removeWhitespace also drops the bytes of a UTF-8 no-break space, each on its own.
    {"removeWhitespace", std::string_view(" \t\n\v\f\r\0\xa0\xc2", 9)},
    {"lowercase", kUpperBytes},
    // cmdLine drops quotes, backslashes and carets, turns runs of blanks, commas and semicolons
    // into one space and lowercases A-Z; '/' and '(' only change after a space.
    {"cmd_line", std::string_view("\"'\\^ ,;\t\r\n\0ABCDEFGHIJKLMNOPQRSTUVWXYZ", 37)},
    // Path normalisation only acts at '/' and '.' ('\\' too on Windows).
    {"normalizePath normalisePath", std::string_view("/.\0", 3)},
    {"normalizePathWin normalisePathWin", std::string_view("/.\\\0", 4)},
    // A comment needs a '/'.
    {"replaceComments", std::string_view("/\0", 2)},
};
// utf8toUnicode's class: bytes from 0x80 up, and NUL.
constexpr size_t kNonAsciiClass = std::size(kClasses);

const std::array<uint32_t, 256>& ClassTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (size_t i = 0; i < std::size(kClasses); ++i) {
      for (unsigned char c : kClasses[i].bytes) t[c] |= 1u << i;
    }
    for (size_t c = 0; c < 256; ++c) {
      if (c == 0 || c >= 0x80) t[c] |= 1u << kNonAsciiClass;
    }
    return t;
  }();
  return table;
}

// Values a transformation leaves as they are, told by the classes of their bytes:
// libmodsecurity's code only ever acts on these bytes (each shortcut is held to libmodsecurity's
// own result in tests/unit/fastpath/transformations_test.cc). Most request values have none of
// them, and skipping the call skips its copies. 0: no shortcut.
uint32_t ShortcutFor(const std::string& name) {
  if (name == "utf8toUnicode") return 1u << kNonAsciiClass;
  for (size_t i = 0; i < std::size(kClasses); ++i) {
    std::string_view names = kClasses[i].name;
    while (!names.empty()) {
      const size_t space = names.find(' ');
      if (names.substr(0, space) == name) return 1u << i;
      names = space == std::string_view::npos ? std::string_view() : names.substr(space + 1);
    }
  }
  return 0;
}

// libmodsecurity's t:cmdLine (CmdLine::evaluate), in one pass into one string instead of an
// append per byte.
std::string CmdLine(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  bool space = false;
  for (char c : value) {
    switch (c) {
      case '"':
      case '\'':
      case '\\':
      case '^':
        break;
      case ' ':
      case ',':
      case ';':
      case '\t':
      case '\r':
      case '\n':
        if (!space) out += ' ';
        space = true;
        break;
      case '/':
      case '(':
        if (space) out.pop_back();
        space = false;
        out += c;
        break;
      default:
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        space = false;
        break;
    }
  }
  return out;
}

// libmodsecurity's t:lowercase: std::tolower in the "C" locale (A-Z only), byte by byte, but
// without a locale lookup per byte.
std::string AsciiLowercase(const std::string& value) {
  std::string out = value;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

}  // namespace

core::Result<std::unique_ptr<Transformations>> Transformations::Make(
    std::shared_ptr<const CompiledPolicy> policy) {
  std::unique_ptr<Transformations> t(new Transformations());
  t->policy_ = std::move(policy);
  try {
    t->context_ = {new modsecurity::Transaction(t->policy_->engine().handle(), t->policy_->rules(),
                                                const_cast<char*>("fast-path-context"), nullptr),
                   &DeleteTransaction};
  } catch (const std::exception& e) {
    return core::MakeError(std::string("libmodsecurity: context transaction: ") + e.what());
  }
  return t;
}

Transformations::~Transformations() {
  for (modsecurity::actions::Action* a : objects_) delete a;
}

core::Result<int> Transformations::Find(const std::string& name) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  auto known = KnownTransformations().find(core::ToLower(name));
  if (known == KnownTransformations().end()) {
    return core::MakeError("transformation t:" + name + " is not known to rampart's fast path");
  }
  const std::string canonical = known->second.factory;
  namespace tf = modsecurity::actions::transformations;
  tf::Transformation* object = nullptr;
  try {
    object = tf::Transformation::instantiate("t:" + canonical);
  } catch (...) {
  }
  // The factory must give the class the name means (an unknown name gives the base class,
  // which changes nothing).
  if (object == nullptr || typeid(*object).name() != MangledClassName(known->second.cls)) {
    delete object;
    return core::MakeError("transformation t:" + name + " is not the one libmodsecurity runs");
  }
  names_.push_back(name);
  objects_.push_back(object);
  shortcuts_.push_back(ShortcutFor(canonical));
  own_.push_back(canonical == "lowercase"  ? Own::kLowercase
                 : canonical == "cmd_line" ? Own::kCmdLine
                                           : Own::kNone);
  return static_cast<int>(objects_.size() - 1);
}

core::Result<std::vector<int>> Transformations::FindChain(const std::vector<std::string>& names) {
  std::vector<int> steps;
  for (const std::string& name : names) {
    auto index = Find(name);
    if (!index) return index.error();
    steps.push_back(index.value());
  }
  return steps;
}

std::string Transformations::ApplyChain(const std::vector<int>& steps, std::string value) const {
  for (int step : steps) value = Apply(step, value);
  return value;
}

uint32_t Transformations::ByteClasses(const std::string& value) {
  const std::array<uint32_t, 256>& table = ClassTable();
  uint32_t classes = 0;
  for (unsigned char c : value) classes |= table[c];
  return classes;
}

std::string Transformations::Apply(int index, const std::string& value) const {
  if (Unchanged(index, value)) return value;
  return Transform(index, value);
}

std::string Transformations::Transform(int index, const std::string& value) const {
  switch (own_[index]) {
    case Own::kLowercase:
      return AsciiLowercase(value);
    case Own::kCmdLine:
      return CmdLine(value);
    case Own::kNone:
      break;
  }
  return objects_[index]->evaluate(value, context_.get());
}

std::string Transformations::ApplyWithLibmodsecurity(int index, const std::string& value) const {
  return objects_[index]->evaluate(value, context_.get());
}

}  // namespace rampart::modsec
