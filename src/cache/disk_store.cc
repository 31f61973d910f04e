#include "cache/disk_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "core/hash.h"

namespace rampart::cache {

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxKeyBytes = 64 * 1024;
constexpr std::string_view kTempMarker = ".tmp.";

std::string Hex(uint64_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[value & 0xf];
    value >>= 4;
  }
  return out;
}

// Exactly `digits` lower-case hex digits, as Hex() writes them.
std::optional<uint64_t> ParseHex(std::string_view text, size_t digits) {
  if (text.size() != digits) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

std::string Errno() { return std::strerror(errno); }

// Creates `path` and its missing parents, each 0700; an existing directory is fine.
core::Status MakeDirectories(const std::string& path) {
  std::string partial;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    partial = path.substr(0, slash);
    pos = slash + 1;
    if (partial.empty()) continue;  // the root of an absolute path
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return core::MakeError("cache directory " + path + ": cannot create " + partial + ": " +
                             Errno());
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return core::MakeError("cache directory " + path + ": " + Errno());
  }
  if (!S_ISDIR(st.st_mode)) return core::MakeError("cache directory " + path + ": not a directory");
  if (::access(path.c_str(), R_OK | W_OK | X_OK) != 0) {
    return core::MakeError("cache directory " + path + ": " + Errno());
  }
  return {};
}

// Up to `max_bytes` from the start of `path` (the whole file when it is shorter); nullopt when
// it cannot be opened or read. `file_size` gets the file's size.
std::optional<std::string> ReadPrefix(const std::string& path, size_t max_bytes,
                                      uint64_t* file_size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  if (file_size != nullptr) *file_size = static_cast<uint64_t>(st.st_size);
  std::string data(std::min<uint64_t>(max_bytes, static_cast<uint64_t>(st.st_size)), '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

// Writes `data` to a new file `path` (0600); false (and no file) on any failure.
bool WriteNewFile(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  size_t done = 0;
  bool ok = true;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) ok = false;
  if (!ok) ::unlink(path.c_str());
  return ok;
}

}  // namespace

DiskStore::DiskStore(std::string directory, uint64_t budget_bytes)
    : directory_(std::move(directory)), budget_(budget_bytes) {}

core::Result<std::unique_ptr<DiskStore>> DiskStore::Open(const std::string& directory,
                                                         uint64_t budget_bytes) {
  if (directory.empty()) return core::MakeError("cache directory: empty path");
  std::string path = directory;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (core::Status made = MakeDirectories(path); !made) return made.error();
  std::unique_ptr<DiskStore> store(new DiskStore(path, budget_bytes));
  store->Scan();
  return store;
}

std::string DiskStore::PathFor(uint64_t hash) const {
  return directory_ + "/" + Hex(hash >> 56, 2) + "/" + Hex(hash, 16);
}

std::string DiskStore::PathForKey(std::string_view key) const {
  return PathFor(core::StableHash(key));
}

void DiskStore::Scan() {
  struct Found {
    Entry entry;
    fs::file_time_type mtime;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (fs::directory_iterator top(directory_, ec), end; !ec && top != end; top.increment(ec)) {
    const std::string sub = top->path().filename().string();
    // Only our own <hh> folders: anything else in the directory is left alone.
    const std::optional<uint64_t> first_byte = ParseHex(sub, 2);
    if (!first_byte || !top->is_directory(ec)) continue;
    std::error_code sub_ec;
    for (fs::directory_iterator it(top->path(), sub_ec), sub_end; !sub_ec && it != sub_end;
         it.increment(sub_ec)) {
      const std::string name = it->path().filename().string();
      const std::string path = it->path().string();
      if (name.size() > 16 && name.compare(16, kTempMarker.size(), kTempMarker) == 0) {
        ::unlink(path.c_str());  // an interrupted write
        continue;
      }
      const std::optional<uint64_t> hash = ParseHex(name, 16);
      if (!hash || (*hash >> 56) != *first_byte) continue;
      uint64_t file_size = 0;
      std::optional<std::string> head =
          ReadPrefix(path, kSerializedHeadBytes + kMaxKeyBytes, &file_size);
      std::optional<SerializedHead> parsed;
      if (head) parsed = ParseSerializedHead(*head);
      if (!parsed || parsed->total_size != file_size || core::StableHash(parsed->key) != *hash) {
        ::unlink(path.c_str());  // corrupt, truncated or not ours to read: dropped
        continue;
      }
      std::error_code time_ec;
      const fs::file_time_type mtime = it->last_write_time(time_ec);
      found.push_back(Found{Entry{std::move(parsed->key), *hash, file_size, 0}, mtime});
    }
  }
  // Oldest first, so the most recently written ends up most recently used.
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.mtime < b.mtime; });
  std::lock_guard lock(mu_);
  for (Found& f : found) {
    f.entry.generation = next_generation_++;
    bytes_.fetch_add(f.entry.size, std::memory_order_relaxed);
    entries_.fetch_add(1, std::memory_order_relaxed);
    lru_.push_front(std::move(f.entry));
    index_[lru_.front().hash] = lru_.begin();
  }
  EvictLocked();
}

void DiskStore::EraseLocked(Lru::iterator it) {
  ::unlink(PathFor(it->hash).c_str());
  bytes_.fetch_sub(it->size, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  index_.erase(it->hash);
  lru_.erase(it);
}

void DiskStore::EvictLocked() {
  while (bytes() > budget_ && !lru_.empty()) {
    EraseLocked(std::prev(lru_.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::shared_ptr<const StoredResponse> DiskStore::Get(const std::string& key) {
  const uint64_t hash = core::StableHash(key);
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    auto found = index_.find(hash);
    if (found == index_.end() || found->second->key != key) return nullptr;
    lru_.splice(lru_.begin(), lru_, found->second);
    generation = found->second->generation;
  }
  const std::string path = PathFor(hash);
  std::optional<std::string> data = ReadPrefix(path, SIZE_MAX, nullptr);
  std::optional<std::pair<std::string, StoredResponse>> record;
  if (data) record = Deserialize(*data);
  if (record && record->first == key) {
    return std::make_shared<const StoredResponse>(std::move(record->second));
  }
  // Unreadable or corrupt: drop it, unless a Put replaced the file while we read.
  std::lock_guard lock(mu_);
  auto found = index_.find(hash);
  if (found != index_.end() && found->second->generation == generation) EraseLocked(found->second);
  return nullptr;
}

bool DiskStore::Put(const std::string& key, const StoredResponse& response) {
  if (key.size() > kMaxKeyBytes) return false;
  const uint64_t hash = core::StableHash(key);
  const std::string data = Serialize(key, response);
  if (data.size() > budget_) {
    std::lock_guard lock(mu_);
    auto found = index_.find(hash);
    if (found != index_.end() && found->second->key == key) EraseLocked(found->second);
    return false;
  }
  const std::string path = PathFor(hash);
  const std::string temp = path + std::string(kTempMarker) + std::to_string(::getpid()) + "." +
                           std::to_string(temp_counter_.fetch_add(1, std::memory_order_relaxed));
  if (!WriteNewFile(temp, data)) {
    if (errno != ENOENT) return false;
    // The <hh> folder is made on first use.
    const std::string folder = path.substr(0, path.rfind('/'));
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) return false;
    if (!WriteNewFile(temp, data)) return false;
  }
  std::lock_guard lock(mu_);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return false;
  }
  if (auto found = index_.find(hash); found != index_.end()) {
    // The same key, or another key with the same hash: its file was just replaced.
    bytes_.fetch_sub(found->second->size, std::memory_order_relaxed);
    entries_.fetch_sub(1, std::memory_order_relaxed);
    lru_.erase(found->second);
    index_.erase(found);
  }
  lru_.push_front(Entry{key, hash, data.size(), next_generation_++});
  index_[hash] = lru_.begin();
  bytes_.fetch_add(data.size(), std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
  EvictLocked();
  return true;
}

bool DiskStore::Remove(const std::string& key) {
  std::lock_guard lock(mu_);
  auto found = index_.find(core::StableHash(key));
  if (found == index_.end() || found->second->key != key) return false;
  EraseLocked(found->second);
  return true;
}

size_t DiskStore::RemoveIf(const std::function<bool(std::string_view key)>& match) {
  std::lock_guard lock(mu_);
  size_t removed = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (match(it->key)) {
      EraseLocked(it);
      ++removed;
    }
    it = next;
  }
  return removed;
}

}  // namespace rampart::cache
