#include "tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace rampart::tls {

TicketKeys::TicketKeys() { Fill(&current_); }

TicketKeys::~TicketKeys() {
  Wipe(&current_);
  Wipe(&previous_);
}

void TicketKeys::Fill(Key* key) {
  // Without randomness there is no safe key; continuing with a guessable one is worse than dying.
  if (RAND_bytes(key->name.data(), static_cast<int>(key->name.size())) != 1 ||
      RAND_bytes(key->aes.data(), static_cast<int>(key->aes.size())) != 1 ||
      RAND_bytes(key->hmac.data(), static_cast<int>(key->hmac.size())) != 1) {
    std::abort();
  }
  key->set = true;
}

void TicketKeys::Wipe(Key* key) {
  OPENSSL_cleanse(key, sizeof(*key));
  key->set = false;
}

void TicketKeys::Rotate() {
  Key fresh;
  Fill(&fresh);
  std::lock_guard<std::mutex> lock(mu_);
  Wipe(&previous_);
  previous_ = current_;
  current_ = fresh;
  Wipe(&fresh);
}

int TicketKeys::Crypt(uint8_t* name, uint8_t* iv, evp_cipher_ctx_st* cipher, evp_mac_ctx_st* mac,
                      int encrypt) const {
  Key key;
  int found = 1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (encrypt) {
      key = current_;
    } else if (std::memcmp(name, current_.name.data(), kNameSize) == 0) {
      key = current_;
    } else if (previous_.set && std::memcmp(name, previous_.name.data(), kNameSize) == 0) {
      key = previous_;
      found = 2;  // still valid, but renew the ticket under the current key
    } else {
      return 0;
    }
  }
  const int iv_len = EVP_CIPHER_get_iv_length(EVP_aes_256_cbc());
  int ok = 1;
  if (encrypt) {
    std::memcpy(name, key.name.data(), kNameSize);
    ok = RAND_bytes(iv, iv_len) == 1 &&
         EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) == 1;
  } else {
    ok = EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes.data(), iv) == 1;
  }
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  ok = ok && EVP_MAC_init(mac, key.hmac.data(), key.hmac.size(), params) == 1;
  Wipe(&key);
  return ok ? found : -1;
}

}  // namespace rampart::tls
