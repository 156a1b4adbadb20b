#include "connectors/x/oauth1.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace syndicated::connectors::x {
namespace {

bool unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

core::Result<SigningUrl> split_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return core::make_error("not an absolute URL", std::string(url.substr(0, url.find('?'))));
  }
  std::string scheme = lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return core::make_error("URL has no host (or carries user information)",
                            scheme + "://" + std::string(authority));
  }
  // Port: after the last ':' unless it is inside an IPv6 literal.
  std::string host(authority);
  std::string port;
  auto colon = authority.rfind(':');
  auto bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
  }
  host = lower(host);
  if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) port.clear();

  SigningUrl out;
  out.base_url = scheme + "://" + host + (port.empty() ? "" : ":" + port) + path;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      out.query.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

std::string parameter_string(const Params& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [k, v] : params) encoded.emplace_back(percent_encode(k), percent_encode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string signature_base_string(std::string_view method, std::string_view base_url,
                                  std::string_view parameter_string) {
  std::string m(method);
  for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return m + "&" + percent_encode(base_url) + "&" + percent_encode(parameter_string);
}

std::string signing_key(std::string_view consumer_secret, std::string_view token_secret) {
  return percent_encode(consumer_secret) + "&" + percent_encode(token_secret);
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  const unsigned char* ok = HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
                                 reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                                 digest.data(), &length);
  if (ok == nullptr) {  // a broken OpenSSL is a broken invariant: crash loudly
    std::fputs("syndicated: HMAC-SHA1 failed\n", stderr);
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

core::Result<Signature> sign(const OAuthCredentials& credentials, std::string_view method,
                             std::string_view url, const Params& body_params,
                             std::string_view nonce, std::int64_t timestamp) {
  auto split = split_url(url);
  if (!split) return split.error();
  Params oauth = {
      {"oauth_consumer_key", credentials.consumer_key},
      {"oauth_nonce", std::string(nonce)},
      {"oauth_signature_method", "HMAC-SHA1"},
      {"oauth_timestamp", std::to_string(timestamp)},
      {"oauth_version", "1.0"},
  };
  // Two-legged requests carry no token at all.
  if (!credentials.token.empty()) oauth.emplace_back("oauth_token", credentials.token);
  Params all = split->query;
  all.insert(all.end(), body_params.begin(), body_params.end());
  all.insert(all.end(), oauth.begin(), oauth.end());

  Signature s;
  s.parameter_string = parameter_string(all);
  s.base_string = signature_base_string(method, split->base_url, s.parameter_string);
  s.signing_key = signing_key(credentials.consumer_secret, credentials.token_secret);
  s.signature = base64(hmac_sha1(s.signing_key, s.base_string));

  Params header = oauth;
  header.emplace_back("oauth_signature", s.signature);
  std::sort(header.begin(), header.end());
  s.authorization_header = "OAuth ";
  bool first = true;
  for (const auto& [k, v] : header) {
    if (!first) s.authorization_header += ", ";
    first = false;
    s.authorization_header += percent_encode(k) + "=\"" + percent_encode(v) + "\"";
  }
  return s;
}

std::string random_nonce() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::fputs("syndicated: RAND_bytes failed\n", stderr);  // no entropy: crash loudly
    std::abort();
  }
  std::string out;
  for (unsigned char b : bytes) out += kAlphabet[b % 62];
  return out;
}

}  // namespace syndicated::connectors::x
