#include "connectors/webhook/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <cstdlib>

namespace syndicated::connectors::webhook {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kSecretPrefix = "whsec_";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    const auto b2 = static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x03) << 4) | (b1 >> 4)];
    out += kAlphabet[((b1 & 0x0f) << 2) | (b2 >> 6)];
    out += kAlphabet[b2 & 0x3f];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = rest > 1 ? static_cast<unsigned char>(bytes[i + 1]) : 0;
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 0x03) << 4) | (b1 >> 4)];
    out += rest > 1 ? kAlphabet[(b1 & 0x0f) << 2] : '=';
    out += '=';
  }
  return out;
}

core::Result<std::string> base64_decode(std::string_view text) {
  std::size_t end = text.size();
  std::size_t padding = 0;
  while (end > 0 && text[end - 1] == '=' && padding < 2) {
    --end;
    ++padding;
  }
  if (padding > 0 && text.size() % 4 != 0) {
    return core::make_error("base64 padding does not complete a 4-character group");
  }
  if (end % 4 == 1) return core::make_error("base64 text has a dangling character");
  std::string out;
  out.reserve(end / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) return core::make_error("not a base64 character at offset " + std::to_string(i));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  const auto* data_ptr =
      data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), data_ptr, data.size(), md.data(),
           &md_len) == nullptr) {
    // Only an OpenSSL without SHA-256 gets here: a broken installation, not an input error.
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(md.data()), md_len);
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

core::Result<std::string> decode_standard_secret(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  if (secret.empty()) return core::make_error("the webhook secret is empty");
  auto key = base64_decode(secret);
  if (!key) {
    return core::make_error(
        "the webhook secret is not base64 (Standard Webhooks secrets are 'whsec_' followed by "
        "the base64 of the key): " +
        key.error().message);
  }
  if (key->empty()) return core::make_error("the webhook secret decodes to an empty key");
  return std::move(key).value();
}

core::Result<StandardWebhooksSigner> StandardWebhooksSigner::from_secrets(
    std::string_view secrets) {
  std::vector<std::string> keys;
  const auto parts = split_spaces(secrets);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto key = decode_standard_secret(parts[i]);
    if (!key) {
      return core::make_error(parts.size() > 1
                                  ? "secret " + std::to_string(i + 1) + " of " +
                                        std::to_string(parts.size()) + ": " + key.error().message
                                  : key.error().message);
    }
    keys.push_back(std::move(key).value());
  }
  if (keys.empty()) return core::make_error("the webhook secret is empty");
  return StandardWebhooksSigner(std::move(keys));
}

std::string StandardWebhooksSigner::signed_content(std::string_view id, std::int64_t timestamp,
                                                   std::string_view payload) {
  std::string content;
  content.reserve(id.size() + payload.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(payload);
  return content;
}

std::string StandardWebhooksSigner::sign(std::string_view id, std::int64_t timestamp,
                                         std::string_view payload) const {
  const std::string content = signed_content(id, timestamp, payload);
  std::string header;
  for (const auto& key : keys_) {
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += base64_encode(hmac_sha256(key, content));
  }
  return header;
}

bool StandardWebhooksSigner::matches(std::string_view id, std::string_view timestamp,
                                     std::string_view payload,
                                     std::string_view signature_header) const {
  std::string content;
  content.append(id).append(".").append(timestamp).append(".").append(payload);
  std::vector<std::string> expected;
  expected.reserve(keys_.size());
  for (const auto& key : keys_) expected.push_back(hmac_sha256(key, content));
  bool found = false;
  for (std::string_view entry : split_spaces(signature_header)) {
    const auto comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    auto received = base64_decode(entry.substr(comma + 1));
    if (!received) continue;
    // No early exit: every entry is compared against every key.
    for (const auto& mac : expected) found = constant_time_equals(mac, *received) || found;
  }
  return found;
}

core::Status StandardWebhooksSigner::verify(std::string_view id, std::string_view timestamp,
                                            std::string_view payload,
                                            std::string_view signature_header,
                                            const core::Timestamp& now,
                                            std::chrono::seconds tolerance) const {
  if (id.empty()) return core::make_error("missing webhook-id header");
  if (timestamp.empty()) return core::make_error("missing webhook-timestamp header");
  if (signature_header.empty()) return core::make_error("missing webhook-signature header");
  std::int64_t seconds = 0;
  const auto [ptr, ec] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
  if (ec != std::errc() || ptr != timestamp.data() + timestamp.size()) {
    return core::make_error("webhook-timestamp is not an integer number of seconds");
  }
  if (seconds < now.unix_seconds - tolerance.count()) {
    return core::make_error("webhook-timestamp is too old (beyond " +
                            std::to_string(tolerance.count()) + " s)");
  }
  if (seconds > now.unix_seconds + tolerance.count()) {
    return core::make_error("webhook-timestamp is too new (beyond " +
                            std::to_string(tolerance.count()) + " s)");
  }
  if (!matches(id, timestamp, payload, signature_header)) {
    return core::make_error("no matching webhook signature");
  }
  return core::Ok{};
}

std::string github_signature(std::string_view secret, std::string_view payload) {
  return "sha256=" + hex_encode(hmac_sha256(secret, payload));
}

bool verify_github_signature(std::string_view secret, std::string_view payload,
                             std::string_view header_value) {
  return constant_time_equals(github_signature(secret, payload), header_value);
}

}  // namespace syndicated::connectors::webhook
