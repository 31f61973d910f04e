#include "geo/geo_database.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace rampart::geo {

// Owns the open MMDB_s. libmaxminddb only reads it after MMDB_open, so any number of threads
// may look up through one handle at once.
struct GeoDatabase::Handle {
  MMDB_s mmdb{};
  bool open = false;  // MMDB_open frees its own allocations when it fails
  ~Handle() {
    if (open) MMDB_close(&mmdb);
  }
};

namespace {

// Text to sockaddr with inet_pton: MMDB_lookup_string goes through getaddrinfo (numeric-only,
// but still an allocation and a resolver-library call per lookup on the request path).
// IPv4-mapped IPv6 becomes IPv4 so that it finds the IPv4 data whether or not the database
// aliases ::ffff:0:0/96 (IPv4-only databases and third-party writers may not).
bool ParseIp(std::string_view text, sockaddr_storage* out) {
  char buf[INET6_ADDRSTRLEN];  // the longest form, "ffff:...:255.255.255.255", and its NUL
  if (text.empty() || text.size() >= sizeof buf) return false;
  // inet_pton would stop at a NUL and accept "1.2.3.4\0junk".
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::memset(out, 0, sizeof *out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, buf, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    return true;
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, buf, &a6) != 1) return false;
  if (IN6_IS_ADDR_V4MAPPED(&a6)) {
    v4->sin_family = AF_INET;
    std::memcpy(&v4->sin_addr, &a6.s6_addr[12], 4);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  v6->sin6_family = AF_INET6;
  v6->sin6_addr = a6;
  return true;
}

// The ISO code at `path` if it is a two-letter string, upper-cased (the file is operator data,
// but not ours: a malformed value is treated as absent rather than passed on).
bool ReadCountry(MMDB_entry_s* entry, const char* path, std::string* out) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(entry, &data, path, "iso_code", nullptr) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2) {
    return false;
  }
  char code[2];
  for (int i = 0; i < 2; ++i) {
    const char c = data.utf8_string[i];
    if (c >= 'a' && c <= 'z') {
      code[i] = static_cast<char>(c - 'a' + 'A');
    } else if (c >= 'A' && c <= 'Z') {
      code[i] = c;
    } else {
      return false;
    }
  }
  out->assign(code, 2);
  return true;
}

// GeoLite2 stores the number as uint32; other writers of the same layout may pick any unsigned
// width, so accept those that fit.
bool ReadAsn(MMDB_entry_s* entry, uint32_t* out) {
  MMDB_entry_data_s data{};
  if (MMDB_get_value(entry, &data, "autonomous_system_number", nullptr) != MMDB_SUCCESS ||
      !data.has_data) {
    return false;
  }
  uint64_t asn = 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      asn = data.uint16;
      break;
    case MMDB_DATA_TYPE_UINT32:
      asn = data.uint32;
      break;
    case MMDB_DATA_TYPE_UINT64:
      asn = data.uint64;
      break;
    default:
      return false;
  }
  if (asn == 0 || asn > std::numeric_limits<uint32_t>::max()) return false;
  *out = static_cast<uint32_t>(asn);
  return true;
}

// The file's bytes in an anonymous memory file (memfd), named through /proc/self/fd so that
// MMDB_open can open it; closed once the database is mapped (the mapping keeps it alive).
class PrivateCopy {
 public:
  explicit PrivateCopy(const std::string& path) {
    const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return;
    fd_ = ::memfd_create("rampart-geoip", MFD_CLOEXEC);
    char buf[64 * 1024];
    ssize_t n = 0;
    bool failed = fd_ < 0;
    while (!failed && (n = ::read(in, buf, sizeof buf)) > 0) {
      failed = ::write(fd_, buf, static_cast<size_t>(n)) != n;
    }
    ::close(in);
    if (failed || n < 0) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
      return;
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {  // no /proc
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~PrivateCopy() {
    if (fd_ >= 0) ::close(fd_);
  }
  PrivateCopy(const PrivateCopy&) = delete;
  PrivateCopy& operator=(const PrivateCopy&) = delete;
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace

core::Result<std::shared_ptr<const GeoDatabase>> GeoDatabase::Open(const std::string& path) {
  // stat first: MMDB_open reports every open and mmap failure as one code, and an empty file
  // (one being rewritten in place) as an I/O error.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return core::MakeError(path + ": no such file");
    return core::MakeError(path + ": cannot open (" + std::strerror(err) + ")");
  }
  if (!S_ISREG(st.st_mode)) return core::MakeError(path + ": not a regular file");
  if (st.st_size == 0) return core::MakeError(path + ": not a MaxMind DB file (empty)");

  auto handle = std::make_unique<Handle>();
  // libmaxminddb maps the file it opens: a file rewritten in place (cp over it) would then make
  // every lookup of the running database read changing bytes, or fault with SIGBUS when it
  // shrinks. So it opens a private copy in memory; the original can change freely (the
  // watcher then reloads). Without memfd or /proc the file is mapped directly.
  PrivateCopy copy(path);
  const std::string open_path = copy.ok() ? copy.path() : path;
  const int status = MMDB_open(open_path.c_str(), MMDB_MODE_MMAP, &handle->mmdb);
  if (status != MMDB_SUCCESS) {
    const int err = errno;  // MMDB_open keeps open(2)'s errno
    if (status == MMDB_FILE_OPEN_ERROR) {
      return core::MakeError(path + ": cannot open (" + std::strerror(err) + ")");
    }
    if (status == MMDB_IO_ERROR || status == MMDB_OUT_OF_MEMORY_ERROR) {
      return core::MakeError(path + ": cannot map (" + MMDB_strerror(status) + ")");
    }
    return core::MakeError(path + ": not a MaxMind DB file (" + MMDB_strerror(status) + ")");
  }

  handle->open = true;
  const MMDB_metadata_s& meta = handle->mmdb.metadata;
  std::shared_ptr<GeoDatabase> db(new GeoDatabase());
  db->path_ = path;
  db->type_ = meta.database_type != nullptr ? meta.database_type : "";
  db->build_epoch_ = meta.build_epoch;
  // The record layout follows from the edition: Country, City and Enterprise records carry
  // country.iso_code; ASN and ISP records carry autonomous_system_*. DB-IP's lite files name
  // themselves the same way ("DBIP-Country-Lite", "DBIP-ASN-Lite").
  const auto has = [&](const char* word) { return db->type_.find(word) != std::string::npos; };
  db->has_country_ = has("Country") || has("City") || has("Enterprise");
  db->has_asn_ = has("ASN") || has("ISP");
  if (!db->has_country_ && !db->has_asn_) {
    return core::MakeError(path + ": database type " +
                           (db->type_.empty() ? std::string("(none)") : db->type_) +
                           " has neither country nor ASN data");
  }
  db->handle_ = std::move(handle);
  return std::shared_ptr<const GeoDatabase>(std::move(db));
}

GeoDatabase::~GeoDatabase() = default;

bool GeoDatabase::Lookup(std::string_view ip, GeoInfo* out) const {
  sockaddr_storage addr;
  if (!ParseIp(ip, &addr)) return false;
  int mmdb_error = MMDB_SUCCESS;
  // An IPv6 address in an IPv4-only database is an error here, and simply not found for us.
  MMDB_lookup_result_s result =
      MMDB_lookup_sockaddr(&handle_->mmdb, reinterpret_cast<const sockaddr*>(&addr), &mmdb_error);
  if (mmdb_error != MMDB_SUCCESS || !result.found_entry) return false;
  if (has_country_) {
    // registered_country: where the network is registered, the best answer MaxMind has for
    // networks without a located country (anycast, satellite, some mobile ranges).
    if (!ReadCountry(&result.entry, "country", &out->country)) {
      ReadCountry(&result.entry, "registered_country", &out->country);
    }
  }
  if (has_asn_ && ReadAsn(&result.entry, &out->asn)) {
    MMDB_entry_data_s org{};
    if (MMDB_get_value(&result.entry, &org, "autonomous_system_organization", nullptr) ==
            MMDB_SUCCESS &&
        org.has_data && org.type == MMDB_DATA_TYPE_UTF8_STRING) {
      out->as_org.assign(org.utf8_string, org.data_size);
    } else {
      out->as_org.clear();  // not another network's organisation left from an earlier lookup
    }
  }
  return true;
}

}  // namespace rampart::geo
