#pragma once
// TicketKeys: the keys that encrypt TLS session tickets (RFC 5077 / TLS 1.3 stateless tickets),
// a current key that seals new tickets and the previous one that still opens tickets issued
// before the last rotation. Rotate() (e.g. every few hours, from a timer on the main thread)
// makes a fresh random key current and forgets the oldest, so a stolen key exposes a bounded
// window of sessions. Shared by the SSL_CTX of every worker; thread-safe.

#include <array>
#include <cstdint>
#include <mutex>

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX
struct evp_mac_ctx_st;     // OpenSSL's EVP_MAC_CTX

namespace rampart::tls {

class TicketKeys {
 public:
  static constexpr size_t kNameSize = 16;  // OpenSSL's ticket key name length

  TicketKeys();  // a random current key, no previous one
  ~TicketKeys();
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // The current key becomes the previous one; the old previous key is wiped.
  void Rotate();

  // The body of OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb). `encrypt`
  // 1: writes the current key's name and a random IV and sets up AES-256-CBC and HMAC-SHA256;
  // returns 1, or -1 on an OpenSSL failure. `encrypt` 0: finds the key named `name`; returns 1
  // for the current key, 2 for the previous one (OpenSSL then issues a fresh ticket under the
  // current key), 0 when no key has that name (a full handshake), -1 on failure.
  int Crypt(uint8_t* name, uint8_t* iv, evp_cipher_ctx_st* cipher, evp_mac_ctx_st* mac,
            int encrypt) const;

 private:
  struct Key {
    std::array<uint8_t, kNameSize> name{};
    std::array<uint8_t, 32> aes{};
    std::array<uint8_t, 32> hmac{};
    bool set = false;
  };
  static void Fill(Key* key);
  static void Wipe(Key* key);

  mutable std::mutex mu_;  // held for a few copies; handshakes cost far more
  Key current_;
  Key previous_;
};

}  // namespace rampart::tls
