#include "cache/structured_field.h"

#include "http/char_class.h"

namespace rampart::cache {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlpha(char c) { return IsLcAlpha(c) || (c >= 'A' && c <= 'Z'); }

// RFC 9110 tchar: the HTTP parser's table.
bool IsTchar(char c) { return http::internal::IsTchar(c); }

bool IsBase64(char c) { return IsAlpha(c) || IsDigit(c) || c == '+' || c == '/' || c == '='; }

// A recursive-descent reader over one field value; every Parse* returns false on a syntax error
// and leaves the position wherever it stopped (the caller gives up on the whole field).
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<SfDictionary> Dictionary() {
    SfDictionary dict;
    SkipSp();
    while (!AtEnd()) {
      std::string key;
      if (!Key(key)) return std::nullopt;
      SfValue value;
      if (Peek() == '=') {
        ++pos_;
        if (!ItemOrInnerList(value)) return std::nullopt;
      } else {
        if (!Parameters()) return std::nullopt;
      }
      Store(dict, std::move(key), std::move(value));
      SkipOws();
      if (AtEnd()) return dict;
      if (Peek() != ',') return std::nullopt;
      ++pos_;
      SkipOws();
      if (AtEnd()) return std::nullopt;  // a trailing comma
    }
    return dict;
  }

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return AtEnd() ? '\0' : in_[pos_]; }
  void SkipSp() {
    while (Peek() == ' ') ++pos_;
  }
  void SkipOws() {
    while (Peek() == ' ' || Peek() == '\t') ++pos_;
  }

  static void Store(SfDictionary& dict, std::string key, SfValue value) {
    for (auto& member : dict) {
      if (member.first == key) {
        member.second = std::move(value);
        return;
      }
    }
    dict.emplace_back(std::move(key), std::move(value));
  }

  bool Key(std::string& key) {
    const char first = Peek();
    if (!IsLcAlpha(first) && first != '*') return false;
    const size_t start = pos_;
    while (!AtEnd()) {
      const char c = Peek();
      if (!IsLcAlpha(c) && !IsDigit(c) && c != '_' && c != '-' && c != '.' && c != '*') break;
      ++pos_;
    }
    key.assign(in_.substr(start, pos_ - start));
    return true;
  }

  bool ItemOrInnerList(SfValue& value) {
    if (Peek() == '(') {
      value.type = SfValue::Type::kInnerList;
      return InnerList();
    }
    return BareItem(value) && Parameters();
  }

  bool InnerList() {
    ++pos_;  // '('
    while (!AtEnd()) {
      SkipSp();
      if (Peek() == ')') {
        ++pos_;
        return Parameters();
      }
      SfValue item;
      if (!BareItem(item) || !Parameters()) return false;
      if (Peek() != ' ' && Peek() != ')') return false;
    }
    return false;
  }

  bool Parameters() {
    while (Peek() == ';') {
      ++pos_;
      SkipSp();
      std::string key;
      if (!Key(key)) return false;
      if (Peek() == '=') {
        ++pos_;
        SfValue ignored;
        if (!BareItem(ignored)) return false;
      }
    }
    return true;
  }

  bool BareItem(SfValue& value) {
    const char c = Peek();
    if (c == '-' || IsDigit(c)) return Number(value);
    if (c == '"') return String(value);
    if (c == '*' || IsAlpha(c)) return Token(value);
    if (c == ':') return ByteSequence(value);
    if (c == '?') return Boolean(value);
    if (c == '@') return Date(value);
    if (c == '%') return DisplayString(value);
    return false;
  }

  // RFC 9651 §4.2.4: at most 15 integer digits, or 12 + '.' + 1..3 for a decimal.
  bool Number(SfValue& value) {
    bool negative = false;
    if (Peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!IsDigit(Peek())) return false;
    int64_t integer = 0;
    size_t digits = 0;
    while (IsDigit(Peek())) {
      if (++digits > 15) return false;
      integer = integer * 10 + (Peek() - '0');
      ++pos_;
    }
    if (Peek() != '.') {
      value.type = SfValue::Type::kInteger;
      value.integer = negative ? -integer : integer;
      return true;
    }
    if (digits > 12) return false;
    ++pos_;
    size_t fraction = 0;
    while (IsDigit(Peek())) {
      if (++fraction > 3) return false;
      ++pos_;
    }
    if (fraction == 0) return false;
    value.type = SfValue::Type::kDecimal;
    return true;
  }

  bool String(SfValue& value) {
    ++pos_;  // '"'
    std::string out;
    while (!AtEnd()) {
      const char c = in_[pos_++];
      if (c == '\\') {
        if (AtEnd()) return false;
        const char next = in_[pos_++];
        if (next != '"' && next != '\\') return false;
        out.push_back(next);
      } else if (c == '"') {
        value.type = SfValue::Type::kString;
        value.text = std::move(out);
        return true;
      } else if (c < 0x20 || c > 0x7e) {
        return false;
      } else {
        out.push_back(c);
      }
    }
    return false;
  }

  bool Token(SfValue& value) {
    const size_t start = pos_++;
    while (IsTchar(Peek()) || Peek() == ':' || Peek() == '/') ++pos_;
    value.type = SfValue::Type::kToken;
    value.text.assign(in_.substr(start, pos_ - start));
    return true;
  }

  bool ByteSequence(SfValue& value) {
    const size_t start = ++pos_;
    while (IsBase64(Peek())) ++pos_;
    if (Peek() != ':') return false;
    value.type = SfValue::Type::kByteSequence;
    value.text.assign(in_.substr(start, pos_ - start));
    ++pos_;
    return true;
  }

  bool Boolean(SfValue& value) {
    ++pos_;  // '?'
    const char c = Peek();
    if (c != '0' && c != '1') return false;
    ++pos_;
    value.type = SfValue::Type::kBoolean;
    value.boolean = c == '1';
    return true;
  }

  bool Date(SfValue& value) {
    ++pos_;  // '@'
    if (!Number(value) || value.type != SfValue::Type::kInteger) return false;
    value.type = SfValue::Type::kDate;
    return true;
  }

  bool DisplayString(SfValue& value) {
    ++pos_;  // '%'
    if (Peek() != '"') return false;
    const size_t start = ++pos_;
    while (!AtEnd()) {
      const char c = in_[pos_++];
      if (c == '"') {
        value.type = SfValue::Type::kDisplayString;
        value.text.assign(in_.substr(start, pos_ - 1 - start));
        return true;
      }
      if (c < 0x20 || c > 0x7e) return false;
      if (c == '%') {
        for (int i = 0; i < 2; ++i) {
          const char h = Peek();
          if (!IsDigit(h) && !(h >= 'a' && h <= 'f')) return false;
          ++pos_;
        }
      }
    }
    return false;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<SfDictionary> ParseSfDictionary(std::string_view field) {
  // Surrounding spaces are not part of the value (RFC 9651 §4.2 step 2).
  while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
  return Reader(field).Dictionary();
}

}  // namespace rampart::cache
