#pragma once
// GeoDatabase: one MaxMind DB file (GeoLite2/GeoIP2 Country, City or ASN, or a file with the same
// layout) opened read-only and memory-mapped. Lookups are thread-safe and allocation-free apart
// from the strings they return. The only code that includes libmaxminddb.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace rampart::geo {

// What a lookup found; empty fields: the database has no such data for the address.
struct GeoInfo {
  std::string country;  // ISO 3166-1 alpha-2, upper case ("DE")
  uint32_t asn = 0;     // autonomous system number (0: unknown)
  std::string as_org;   // autonomous_system_organization
};

class GeoDatabase {
 public:
  // Opens and validates `path`. Errors name the file and the reason: "<path>: no such file",
  // "<path>: cannot open (<strerror>)", "<path>: not a regular file", "<path>: not a MaxMind DB
  // file (<why>)", "<path>: database type X has neither country nor ASN data". The type decides
  // which fields Lookup reads: "Country", "City" or "Enterprise" in it means country data,
  // "ASN" or "ISP" means ASN data. The file is mapped, not read: replace it by rename (as
  // geoipupdate does) while it is open, never by rewriting it in place, which can SIGBUS.
  static core::Result<std::shared_ptr<const GeoDatabase>> Open(const std::string& path);
  ~GeoDatabase();
  GeoDatabase(const GeoDatabase&) = delete;
  GeoDatabase& operator=(const GeoDatabase&) = delete;

  // Fills the fields this database has for `ip` (text, IPv4 or IPv6; IPv4-mapped IPv6 is IPv4)
  // into `out`, leaving the others as they are, so one GeoInfo can collect a country database's
  // and an ASN database's answers. The country falls back to the registered country. False when
  // the address is not in the database or is not an address. Any thread, concurrently.
  bool Lookup(std::string_view ip, GeoInfo* out) const;

  const std::string& path() const { return path_; }
  const std::string& database_type() const { return type_; }  // "GeoLite2-Country", ...
  bool has_country() const { return has_country_; }
  bool has_asn() const { return has_asn_; }
  uint64_t build_epoch() const { return build_epoch_; }

 private:
  GeoDatabase() = default;
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::string path_;
  std::string type_;
  bool has_country_ = false;
  bool has_asn_ = false;
  uint64_t build_epoch_ = 0;
};

}  // namespace rampart::geo
