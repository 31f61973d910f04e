#include "cache/stored_response.h"

#include <bit>
#include <cstring>

namespace rampart::cache {

namespace {

constexpr std::string_view kMagic = "RMPC";
constexpr uint8_t kVersion = 1;
constexpr size_t kChecksumBytes = 8;
// The object, the shared_ptr control block and allocator slack for its strings and vectors.
constexpr size_t kFixedOverhead = 128;

// A word-at-a-time 64-bit checksum: every step is a bijection of the running state for a given
// word, so any change within one word always changes the result.
uint64_t Checksum(std::string_view data) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ data.size();
  auto mix = [&h](uint64_t w) {
    w *= 0x87c37b91114253d5ULL;
    w = std::rotl(w, 31);
    w *= 0x4cf5ad432745937fULL;
    h ^= w;
    h = std::rotl(h, 27) * 5 + 0x52dce729;
  };
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w = 0;
    for (int b = 7; b >= 0; --b) w = (w << 8) | static_cast<uint8_t>(data[i + b]);
    mix(w);
  }
  uint64_t tail = 0;
  for (size_t b = data.size(); b > i; --b) tail = (tail << 8) | static_cast<uint8_t>(data[b - 1]);
  mix(tail);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

void PutInt(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void PutString(std::string& out, std::string_view s) {
  PutInt(out, s.size(), 4);
  out.append(s);
}

// Reads fields from a record, failing (and staying failed) at the first one that does not fit.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return in_.size() - pos_; }

  uint64_t Int(int bytes) {
    if (!Need(static_cast<size_t>(bytes))) return 0;
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(in_[pos_ + i]);
    pos_ += static_cast<size_t>(bytes);
    return value;
  }

  std::string_view Bytes(uint64_t n) {
    if (!Need(n)) return {};
    std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  std::string_view String() { return Bytes(Int(4)); }

  // A count of items that each take at least `min_item_bytes`: more than could fit is corrupt
  // (and must not drive a huge reserve()).
  uint64_t Count(size_t min_item_bytes) {
    const uint64_t n = Int(4);
    if (ok_ && n > remaining() / min_item_bytes) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  bool Need(uint64_t n) {
    if (!ok_ || n > remaining()) ok_ = false;
    return ok_;
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

size_t StoredResponse::Size() const {
  size_t n = sizeof(StoredResponse) + kFixedOverhead + body.size() + reason.size() + variant.size();
  for (const auto& h : headers) n += sizeof(http::Header) + h.name.size() + h.value.size();
  for (const auto& v : vary) n += sizeof(std::string) + v.size();
  return n;
}

std::string Serialize(const std::string& key, const StoredResponse& r) {
  std::string out;
  size_t estimate = kSerializedHeadBytes + key.size() + 64 + r.reason.size() + r.variant.size() +
                    r.body.size() + kChecksumBytes;
  for (const auto& h : r.headers) estimate += 8 + h.name.size() + h.value.size();
  for (const auto& v : r.vary) estimate += 4 + v.size();
  out.reserve(estimate);

  out.append(kMagic);
  PutInt(out, kVersion, 1);
  const size_t total_at = out.size();
  PutInt(out, 0, 8);  // the total length, patched below
  PutString(out, key);
  PutInt(out, static_cast<uint64_t>(r.status), 2);
  PutInt(out, static_cast<uint64_t>(r.request_time), 8);
  PutInt(out, static_cast<uint64_t>(r.response_time), 8);
  PutString(out, r.reason);
  PutInt(out, r.headers.size(), 4);
  for (const auto& h : r.headers) {
    PutString(out, h.name);
    PutString(out, h.value);
  }
  PutInt(out, r.vary.size(), 4);
  for (const auto& v : r.vary) PutString(out, v);
  PutString(out, r.variant);
  PutInt(out, r.body.size(), 8);
  out.append(r.body);

  const uint64_t total = out.size() + kChecksumBytes;
  for (int i = 0; i < 8; ++i) out[total_at + i] = static_cast<char>((total >> (8 * i)) & 0xff);
  PutInt(out, Checksum(out), 8);
  return out;
}

std::optional<SerializedHead> ParseSerializedHead(std::string_view prefix) {
  Reader in(prefix);
  if (in.Bytes(kMagic.size()) != kMagic) return std::nullopt;
  if (in.Int(1) != kVersion) return std::nullopt;
  SerializedHead head;
  head.total_size = in.Int(8);
  const std::string_view key = in.String();
  if (!in.ok()) return std::nullopt;
  head.key.assign(key);
  return head;
}

std::optional<std::pair<std::string, StoredResponse>> Deserialize(std::string_view bytes) {
  if (bytes.size() < kSerializedHeadBytes + kChecksumBytes) return std::nullopt;
  const std::string_view content = bytes.substr(0, bytes.size() - kChecksumBytes);
  Reader trailer(bytes.substr(content.size()));
  if (trailer.Int(8) != Checksum(content)) return std::nullopt;

  Reader in(content);
  if (in.Bytes(kMagic.size()) != kMagic || in.Int(1) != kVersion) return std::nullopt;
  if (in.Int(8) != bytes.size()) return std::nullopt;
  std::pair<std::string, StoredResponse> out;
  out.first.assign(in.String());
  StoredResponse& r = out.second;
  r.status = static_cast<int>(in.Int(2));
  r.request_time = static_cast<int64_t>(in.Int(8));
  r.response_time = static_cast<int64_t>(in.Int(8));
  r.reason.assign(in.String());
  const uint64_t header_count = in.Count(8);
  r.headers.fields().reserve(header_count);
  for (uint64_t i = 0; i < header_count && in.ok(); ++i) {
    const std::string_view name = in.String();
    const std::string_view value = in.String();
    r.headers.Add(name, value);
  }
  const uint64_t vary_count = in.Count(4);
  r.vary.reserve(vary_count);
  for (uint64_t i = 0; i < vary_count && in.ok(); ++i) r.vary.emplace_back(in.String());
  r.variant.assign(in.String());
  r.body.assign(in.Bytes(in.Int(8)));
  if (!in.ok() || in.remaining() != 0) return std::nullopt;
  // 0 is allowed: the proxy stores Vary markers (no response, just the vary list) as status 0.
  if (r.status > 999) return std::nullopt;
  return out;
}

}  // namespace rampart::cache
