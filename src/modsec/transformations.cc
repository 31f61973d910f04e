#include "modsec/transformations.h"

#include <modsecurity/actions/action.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

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

// Whether `value` holds one of `bytes`, through a 256-entry table (find_first_of scans the set
// once per byte of the value).
class ByteSet {
 public:
  constexpr explicit ByteSet(std::string_view bytes) {
    for (unsigned char c : bytes) in_[c] = true;
  }
  bool AnyIn(const std::string& value) const {
    for (unsigned char c : value) {
      if (in_[c]) return true;
    }
    return false;
  }

 private:
  bool in_[256] = {};
};

bool HasAny(const std::string& value, const ByteSet& bytes) { return bytes.AnyIn(value); }

// Each set holds NUL too: some of libmodsecurity's transformations stop at the first one
// (cssDecode, utf8toUnicode read the value as a C string).
constexpr ByteSet kUrl(std::string_view("%+\0", 3));
constexpr ByteSet kEntity(std::string_view("&\0", 2));
constexpr ByteSet kBackslash(std::string_view("\\\0", 2));
constexpr ByteSet kNul(std::string_view("\0", 1));
constexpr ByteSet kSpace(std::string_view(" \t\n\v\f\r\0", 7));
// removeWhitespace also drops the bytes of a UTF-8 no-break space, each on its own.
constexpr ByteSet kSpaceOrNbsp(std::string_view(" \t\n\v\f\r\0\xa0\xc2", 9));

bool IsAsciiWithoutNul(const std::string& value) {
  for (unsigned char c : value) {
    if (c >= 0x80 || c == 0) return false;
  }
  return true;
}

// Values a transformation leaves as they are, told by a look at their bytes: libmodsecurity's
// code only ever acts on these bytes (each shortcut is held to libmodsecurity's own result in
// tests/unit/fastpath/transformations_test.cc). Most request values have none of them, and
// skipping the call skips its copies.
using Unchanged = bool (*)(const std::string&);
Unchanged ShortcutFor(const std::string& name) {
  static const std::map<std::string, Unchanged> kShortcuts = {
      {"urlDecodeUni", [](const std::string& v) { return !HasAny(v, kUrl); }},
      {"urlDecode", [](const std::string& v) { return !HasAny(v, kUrl); }},
      {"htmlEntityDecode", [](const std::string& v) { return !HasAny(v, kEntity); }},
      {"jsDecode", [](const std::string& v) { return !HasAny(v, kBackslash); }},
      {"cssDecode", [](const std::string& v) { return !HasAny(v, kBackslash); }},
      {"escapeSeqDecode", [](const std::string& v) { return !HasAny(v, kBackslash); }},
      {"removeNulls", [](const std::string& v) { return !HasAny(v, kNul); }},
      {"removeWhitespace", [](const std::string& v) { return !HasAny(v, kSpaceOrNbsp); }},
      {"compressWhitespace", [](const std::string& v) { return !HasAny(v, kSpace); }},
      {"utf8toUnicode", [](const std::string& v) { return IsAsciiWithoutNul(v); }},
  };
  auto it = kShortcuts.find(name);
  return it == kShortcuts.end() ? nullptr : it->second;
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
  lowercase_.push_back(canonical == "lowercase");
  return static_cast<int>(objects_.size() - 1);
}

std::string Transformations::Apply(int index, const std::string& value) const {
  if (lowercase_[index]) return AsciiLowercase(value);
  if (shortcuts_[index] != nullptr && shortcuts_[index](value)) return value;
  return objects_[index]->evaluate(value, context_.get());
}

std::string Transformations::ApplyWithLibmodsecurity(int index, const std::string& value) const {
  return objects_[index]->evaluate(value, context_.get());
}

}  // namespace rampart::modsec
