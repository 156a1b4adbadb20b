#pragma once
// Webhook signatures: Standard Webhooks v1 (HMAC-SHA256 over "<id>.<timestamp>.<payload>",
// header "webhook-signature: v1,<base64> [v1,<base64> ...]") and GitHub's
// "X-Hub-Signature-256: sha256=<hex>" (HMAC-SHA256 over the payload alone).
// Signing and verification, for the connector and for anyone receiving its webhooks.
// Pure: no clock is read here (verification takes `now`). OpenSSL does the HMAC.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace syndicated::connectors::webhook {

// Standard base64 (RFC 4648 section 4, with padding) of raw bytes.
std::string base64_encode(std::string_view bytes);
// Standard base64 back to bytes; the padding may be missing; whitespace or any other character
// outside the alphabet is an error.
core::Result<std::string> base64_decode(std::string_view text);
// Lower-case hex of raw bytes.
std::string hex_encode(std::string_view bytes);
// Raw 32-byte HMAC-SHA256.
std::string hmac_sha256(std::string_view key, std::string_view data);
// Constant-time comparison (the time depends on the sizes only), OpenSSL's CRYPTO_memcmp.
bool constant_time_equals(std::string_view a, std::string_view b);

// A Standard Webhooks symmetric secret ("whsec_" + base64 of the key) to the raw HMAC key.
// Like the reference libraries (standard-webhooks/libraries/*), a secret without the "whsec_"
// prefix is base64 too: it is decoded, never used as bytes as-is, so a receiver using any of
// those libraries with the same string computes the same key. Not base64, or empty: an error
// (whose message never repeats the secret).
core::Result<std::string> decode_standard_secret(std::string_view secret);

// Signs and verifies Standard Webhooks v1 signatures with one or more keys. Several keys are for
// zero-downtime rotation: the sender signs with all of them (one "v1,..." each, space-delimited,
// the first secret first), the receiver accepts a message when any signature matches any key.
class StandardWebhooksSigner {
 public:
  // One or more secrets separated by spaces, e.g. "whsec_NEW whsec_OLD".
  static core::Result<StandardWebhooksSigner> from_secrets(std::string_view secrets);
  // From raw key bytes (already decoded).
  explicit StandardWebhooksSigner(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  // The signed content: "<id>.<timestamp>.<payload>".
  static std::string signed_content(std::string_view id, std::int64_t timestamp,
                                    std::string_view payload);
  // The webhook-signature header value: "v1,<base64>" per key, space-delimited.
  std::string sign(std::string_view id, std::int64_t timestamp, std::string_view payload) const;

  // True when one of the header's "v1,<base64>" entries is the signature of
  // "<id>.<timestamp>.<payload>" under one of the keys (constant-time compares; entries of
  // other versions, e.g. "v1a", are skipped). `timestamp` is the header's text, signed as sent.
  bool matches(std::string_view id, std::string_view timestamp, std::string_view payload,
               std::string_view signature_header) const;

  // What a receiver does: the three headers present, the timestamp an integer within
  // `tolerance` of `now` (replay protection; the reference libraries use 5 minutes), and a
  // matching signature. The error says which check failed.
  core::Status verify(std::string_view id, std::string_view timestamp, std::string_view payload,
                      std::string_view signature_header, const core::Timestamp& now,
                      std::chrono::seconds tolerance = std::chrono::minutes(5)) const;

  std::size_t key_count() const { return keys_.size(); }

 private:
  std::vector<std::string> keys_;  // raw HMAC keys
};

// GitHub's X-Hub-Signature-256 value: "sha256=" + hex HMAC-SHA256(secret bytes as-is, payload).
std::string github_signature(std::string_view secret, std::string_view payload);
// Checks a received X-Hub-Signature-256 value in constant time.
bool verify_github_signature(std::string_view secret, std::string_view payload,
                             std::string_view header_value);

}  // namespace syndicated::connectors::webhook
