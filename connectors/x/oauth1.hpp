#pragma once
// OAuth 1.0a request signing (HMAC-SHA1), as X's user-context endpoints want it: RFC 5849 with
// RFC 3986 percent-encoding. Pure: the nonce and the timestamp are inputs, so a test reproduces
// the documented signatures byte for byte; the connector takes them from its random source and
// its clock.
//
// Only query parameters and application/x-www-form-urlencoded body parameters are signed; JSON and
// multipart bodies are not part of the signature base string.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace syndicated::connectors::x {

using Params = std::vector<std::pair<std::string, std::string>>;

struct OAuthCredentials {
  std::string consumer_key;
  std::string consumer_secret;
  std::string token;
  std::string token_secret;
};

// RFC 3986: everything but ALPHA DIGIT - . _ ~ becomes %XX (upper-case hex), UTF-8 bytewise.
std::string percent_encode(std::string_view text);
// The reverse, also turning '+' into a space when `plus_is_space` (form bodies).
std::string percent_decode(std::string_view text, bool plus_is_space = false);

// An absolute URL split for signing: the base string URI (lower-case scheme and host, default
// port dropped, no query or fragment) and the query's parameters, decoded.
struct SigningUrl {
  std::string base_url;
  Params query;
};
core::Result<SigningUrl> split_url(std::string_view url);

// "k=v&k=v": each key and value percent-encoded, sorted by encoded key then encoded value.
std::string parameter_string(const Params& params);
// METHOD&pe(base_url)&pe(parameter string)
std::string signature_base_string(std::string_view method, std::string_view base_url,
                                  std::string_view parameter_string);
// pe(consumer_secret)&pe(token_secret)
std::string signing_key(std::string_view consumer_secret, std::string_view token_secret);
// base64(HMAC-SHA1(key, data)), and the raw digest.
std::string hmac_sha1(std::string_view key, std::string_view data);
std::string base64(std::string_view bytes);

// Everything that goes into one signature, with its intermediate results (for tests).
struct Signature {
  std::string parameter_string;
  std::string base_string;
  std::string signing_key;
  std::string signature;             // base64
  std::string authorization_header;  // "OAuth oauth_consumer_key=\"...\", ..."
};

// Signs `method url` with the given body parameters (form-urlencoded bodies only; pass none for
// JSON or multipart). `url` may carry a query string.
core::Result<Signature> sign(const OAuthCredentials& credentials, std::string_view method,
                             std::string_view url, const Params& body_params,
                             std::string_view nonce, std::int64_t timestamp);

// A nonce: 32 random alphanumeric characters (OpenSSL RAND_bytes).
std::string random_nonce();

}  // namespace syndicated::connectors::x
