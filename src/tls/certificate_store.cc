#include "tls/certificate_store.h"

namespace rampart::tls {
namespace {

std::shared_ptr<const Certificate>& Slot(CertificateSet& set, KeyType type) {
  return type == KeyType::kEcdsa ? set.ecdsa : set.rsa;
}

// "WWW.Example.COM." -> "www.example.com" (a trailing dot is the same name, RFC 6066 3).
std::string Normalize(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

core::Status CertificateStore::Add(const CertificateFiles& files, bool is_default) {
  auto loaded = Certificate::Load(files);
  if (!loaded) return loaded.error();
  return AddLoaded(*loaded, is_default);
}

core::Status CertificateStore::AddLoaded(std::shared_ptr<const Certificate> cert, bool is_default) {
  const KeyType type = cert->key_type();
  for (const std::string& name : cert->names()) {
    auto it = by_name_.find(name);
    if (it != by_name_.end() && Slot(it->second, type) != nullptr) {
      return core::MakeError(cert->cert_path() + ": an " + KeyTypeName(type) + " certificate for " +
                             name + " is already loaded from " +
                             Slot(it->second, type)->cert_path());
    }
  }
  for (const std::string& name : cert->names()) Slot(by_name_[name], type) = cert;
  if (is_default || certificates_.empty()) {
    // By name, so that the default name's other key type (added before or after) comes along.
    default_name_ = cert->names().empty() ? std::string() : cert->names().front();
    nameless_default_ = {};
    Slot(nameless_default_, type) = cert;
  }
  by_leaf_[cert->leaf()] = cert.get();
  certificates_.push_back(cert);
  if (!cert->warning().empty()) warnings_.push_back(cert->warning());
  return {};
}

const CertificateSet* CertificateStore::Select(std::string_view server_name) const {
  if (certificates_.empty()) return nullptr;
  const std::string name = Normalize(server_name);
  if (!name.empty()) {
    if (auto it = by_name_.find(name); it != by_name_.end()) return &it->second;
    // A wildcard stands for exactly one non-empty leftmost label.
    const size_t dot = name.find('.');
    if (dot != std::string::npos && dot > 0) {
      if (auto it = by_name_.find("*" + name.substr(dot)); it != by_name_.end()) {
        return &it->second;
      }
    }
  }
  if (!default_name_.empty()) return &by_name_.find(default_name_)->second;
  return &nameless_default_;
}

const Certificate* CertificateStore::FindByLeaf(const x509_st* leaf) const {
  auto it = by_leaf_.find(leaf);
  return it == by_leaf_.end() ? nullptr : it->second;
}

}  // namespace rampart::tls
