#include "signatures/database_cache.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string_view>

#include "core/hash.h"

namespace rampart::signatures {
namespace {

constexpr std::string_view kMagic = "RAMPSIG1";

std::string Hex(uint64_t v) {
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(v));
  return out;
}

void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void PutBytes(std::string& out, std::string_view bytes) {
  PutU64(out, bytes.size());
  out.append(bytes);
}

// Reads from the front of `in`; false when it is too short.
bool GetU64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}

// A checksum of the file's bytes, 8 at a time (a byte-wise hash costs ~16 ms on a 14 MB file,
// most of the load).
uint64_t Checksum(std::string_view data) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ data.size();
  size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, data.data() + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 29;
  }
  return h ^ core::StableHash(data.substr(i));
}

bool GetBytes(std::string_view& in, std::string& out) {
  uint64_t n = 0;
  if (!GetU64(in, n) || n > in.size()) return false;
  out.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

}  // namespace

std::string CachePath(const std::string& dir, const std::string& fingerprint) {
  // Two differently salted 64-bit hashes: a collision would serve another set's databases.
  return dir + "/signatures-" + Hex(core::StableHash(fingerprint)) +
         Hex(core::StableHash(fingerprint + "\x01rampart")) + ".hsdb";
}

std::optional<std::vector<CachedPart>> ReadCache(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff size = in.tellg();
  if (size <= 0) return std::nullopt;
  std::string data(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(data.data(), size)) return std::nullopt;
  if (data.size() < kMagic.size() + 16 || data.compare(0, kMagic.size(), kMagic) != 0) {
    return std::nullopt;
  }
  std::string_view body(data);
  body.remove_prefix(kMagic.size());
  std::string_view tail = body.substr(body.size() - 8);
  body.remove_suffix(8);
  uint64_t checksum = 0;
  if (!GetU64(tail, checksum) || checksum != Checksum(body)) return std::nullopt;
  uint64_t count = 0;
  if (!GetU64(body, count)) return std::nullopt;
  std::vector<CachedPart> parts;
  for (uint64_t i = 0; i < count; ++i) {
    CachedPart p;
    if (!GetBytes(body, p.key) || !GetBytes(body, p.regexes) || !GetBytes(body, p.literals)) {
      return std::nullopt;
    }
    parts.push_back(std::move(p));
  }
  if (!body.empty()) return std::nullopt;
  return parts;
}

bool WriteCache(const std::string& path, const std::vector<CachedPart>& parts) {
  std::string body;
  PutU64(body, parts.size());
  for (const CachedPart& p : parts) {
    PutBytes(body, p.key);
    PutBytes(body, p.regexes);
    PutBytes(body, p.literals);
  }
  std::string file(kMagic);
  file += body;
  PutU64(file, Checksum(body));
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
    if (!out) return false;
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace rampart::signatures
