#pragma once
// X (Twitter) through the X API v2 with OAuth 1.0a user context (the account's own app keys and
// access token, as the developer portal hands them out).
//
//   compose   template (default kDefaultTemplate) + twitter-text v3 weighted length (280)
//   publish   [lead image: GET it, POST /2/media/upload] then POST /2/tweets
//   find      GET /2/users/me (cached), GET /2/users/:id/tweets, matched on the links' expanded
//             (or unwound) URL — X wraps every link in t.co, so the text never holds the URL
//   remove    DELETE /2/tweets/:id
//
// Recovery is by lookup: X has no idempotency key, so an attempt whose outcome is unknown is
// resolved by the engine calling find() first, and a "duplicate content" refusal while recovering
// is resolved the same way (the earlier attempt landed).
//
// Options (config keys under the account): lookup_count = 5..100 (tweets find() reads; 100).
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "compose/compose.hpp"
#include "connectors/account.hpp"
#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "connectors/x/oauth1.hpp"
#include "http/client.hpp"

namespace syndicated::connectors {

// The registry entry: name "x", the four credentials, a factory validating the options.
Registry::Network x_network();

}  // namespace syndicated::connectors

namespace syndicated::connectors::x {

// What a news agency posts: the headline, the link (a card on X), then the hashtags. Shortening
// trims the hashtags first, then the headline; the link is never cut.
inline constexpr std::string_view kDefaultTemplate = "{title}\n\n{url}\n\n{hashtags}";
inline constexpr std::string_view kDefaultBaseUrl = "https://api.x.com";
inline constexpr std::size_t kMaxImageBytes = 5u << 20;  // X's limit for images

struct XOptions {
  std::size_t lookup_count = 100;  // max_results of the timeline read by find()
};

class XConnector final : public Connector {
 public:
  using NonceSource = std::function<std::string()>;

  // Validates the settings (credentials, template, options: unknown keys are an error naming the
  // key and its `where`). `nonces` defaults to random_nonce().
  static core::Result<std::unique_ptr<XConnector>> create(const AccountSettings& settings,
                                                          const ConnectorContext& context,
                                                          NonceSource nonces = {});

  std::string_view network() const override { return "x"; }
  Recovery recovery() const override { return Recovery::kLookup; }
  core::Result<Post> compose(const core::Article& article) const override;
  Outcome publish(const Delivery& delivery) override;
  Outcome find(const Delivery& delivery) override;
  Outcome remove(const RemoteRef& remote) override;

  // The public URL of a tweet.
  static std::string tweet_url(std::string_view id);

 private:
  struct Exchange;  // rate-limit hints gathered over one call's requests

  XConnector(const AccountSettings& settings, const ConnectorContext& context,
             compose::Template text_template, XOptions options, NonceSource nonces);

  core::Result<http::ClientResponse> send_signed(Exchange& ex, std::string method, std::string url,
                                                 std::string body = {},
                                                 std::string content_type = {});
  Outcome publish_once(const Delivery& delivery, Exchange& ex);
  Outcome find_once(const Delivery& delivery, Exchange& ex);
  // On success the media id; otherwise an outcome: transient/stop-account ones end the publish,
  // others mean "post without the image" with the reason.
  struct Upload;
  Upload attach_image(const core::Image& image, Exchange& ex);
  Outcome failure(const core::Result<http::ClientResponse>& response, std::string_view what) const;
  Outcome finish(Outcome outcome, const Exchange& ex) const;
  std::string redact(std::string text) const;

  AccountSettings settings_;
  http::HttpClient& http_;
  const core::Clock& clock_;
  compose::Template template_;
  compose::TwitterRules rules_;
  XOptions options_;
  NonceSource nonces_;
  OAuthCredentials credentials_;
  std::string base_url_;  // without a trailing '/'

  std::mutex mu_;
  std::optional<std::string> user_id_;  // from /2/users/me, cached
};

}  // namespace syndicated::connectors::x
