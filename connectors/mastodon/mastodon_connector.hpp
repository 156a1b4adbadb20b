#pragma once
// Mastodon (and API-compatible servers) through the Mastodon REST API with an access token of
// the account (an application's token with the write:statuses and write:media scopes, as
// Preferences → Development hands it out).
//
//   compose   template (default kDefaultTemplate), measured as Mastodon's StatusLengthValidator
//             does: extended grapheme clusters, every http(s) URL counting as the instance's
//             characters_reserved_per_url (23), against its statuses.max_characters (500).
//   publish   [GET /api/v2/instance once per connector] [lead image: GET it, POST /api/v2/media
//             (multipart: file + description = the image's caption); 202 → poll
//             GET /api/v1/media/:id until processed] then POST /api/v1/statuses (JSON: status,
//             visibility, language, media_ids) with an Idempotency-Key.
//   remove    DELETE /api/v1/statuses/:id
//
// The instance's limits. compose() is pure, so it measures with what the connector knows: the
// defaults (500 graphemes, URLs 23, images up to 16 MB of jpeg/png/gif/webp) until the first
// publish() reads GET /api/v2/instance (GET /api/v1/instance when v2 is 404), and the values read
// from then on (kept in memory for the connector's life; a failed read is tried again at the next
// publish). When the post handed to publish() was measured under other limits (Post::limit and
// Post::rule differ), publish() composes the article again under the instance's limits and sends
// that text — so a 5000-character instance gets the summary, a 300-character one a shorter post —
// and says so in the reason. `syndicated preview` (no network) shows the defaults.
//
// Recovery is by idempotency key: the Idempotency-Key header is derived from Delivery::key
// ("syndicated-" + hex SHA-256 of it), so a resend of the same delivery — after a timeout or a
// crash — is answered by Mastodon with the status the first request created (Mastodon keeps the
// key for one hour per account). Residual risk: a resend more than an hour after the lost
// attempt posts again; the engine's backoff (cap 1 h) keeps ordinary retries inside the window,
// a daemon down for over an hour with a request in flight does not.
//
// Answers: 2xx sent; 401/403 stop the account (needs_reconnect: token revoked, scope missing,
// account disabled); 422 permanent with the server's `error` (e.g. "Validation failed: Text
// character limit of 500 exceeded"); 429 transient with retry_at = X-RateLimit-Reset (or
// Retry-After); 5xx and transport errors transient; other 4xx permanent. On any answer with
// X-RateLimit-Remaining: 0 the account pauses until X-RateLimit-Reset (ISO 8601). The lead
// image is best effort: if it cannot be fetched, is too big or of a type the instance refuses,
// or is still processing after the polls, the status goes out without it and the reason says why.
//
// Settings (config [[accounts]] with network = "mastodon"):
//   base_url     required: the instance, e.g. "https://mastodon.social" (the generic per-account
//                override is the only place the instance is named; there is no default).
//   credentials  access_token  required.
//   options      visibility    public | unlisted | private | direct (default public).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compose/compose.hpp"
#include "connectors/account.hpp"
#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "http/client.hpp"

namespace syndicated::connectors {

// The registry entry: name "mastodon", credential access_token, a factory validating the options.
Registry::Network mastodon_network();

}  // namespace syndicated::connectors

namespace syndicated::connectors::mastodon {

inline constexpr std::string_view kNetworkName = "mastodon";
// The headline, the summary (the first thing shortened), the link (a preview card on Mastodon),
// then the hashtags (followed and searchable on Mastodon).
inline constexpr std::string_view kDefaultTemplate = "{title}\n\n{summary}\n\n{url}\n\n{hashtags}";
inline constexpr std::size_t kDefaultMaxCharacters = 500;
inline constexpr std::size_t kDefaultUrlLength = 23;
inline constexpr std::size_t kDefaultImageSizeLimit = 16u << 20;  // Mastodon 4.x images
inline constexpr std::size_t kMaxDescription = 1500;  // Mastodon's media description limit

// What the instance says about itself (configuration.* of /api/v2/instance).
struct InstanceLimits {
  std::size_t max_characters = kDefaultMaxCharacters;
  std::size_t url_length = kDefaultUrlLength;  // characters_reserved_per_url
  std::size_t image_size_limit = kDefaultImageSizeLimit;
  std::vector<std::string> image_types = {"image/jpeg", "image/png", "image/gif", "image/webp"};
};

// Mastodon's status length: grapheme clusters of the text with every URL that has an http(s)
// scheme counted as `url_length` (Mastodon counts only URLs with a scheme; a bare domain counts
// its letters).
class MastodonRules final : public compose::TextRules {
 public:
  MastodonRules(std::size_t limit, std::size_t url_length)
      : limit_(limit), url_length_(url_length) {}
  std::size_t measure(std::string_view utf8) const override;
  std::size_t limit() const override { return limit_; }
  std::string name() const override;

 private:
  std::size_t limit_, url_length_;
};

// How long publish() waits for an image Mastodon processes asynchronously (202): `media_polls`
// GET /api/v1/media/:id, each after `sleep(media_poll_delay)`. Tests pass a sleep that returns.
struct Tuning {
  int media_polls = 15;
  std::chrono::milliseconds media_poll_delay{1000};
  std::function<void(std::chrono::milliseconds)> sleep;  // empty: std::this_thread::sleep_for
};

// "syndicated-" + hex SHA-256 of the delivery key: stable across retries and restarts, and a
// valid header value whatever the article id holds.
std::string idempotency_key(std::string_view delivery_key);

class MastodonConnector final : public Connector {
 public:
  // Validates the settings (base_url, access_token, template, options: unknown keys and bad
  // values are an error naming the key and its `where`).
  static core::Result<std::unique_ptr<MastodonConnector>> create(const AccountSettings& settings,
                                                                 const ConnectorContext& context,
                                                                 Tuning tuning = {});

  std::string_view network() const override { return kNetworkName; }
  Recovery recovery() const override { return Recovery::kIdempotencyKey; }
  core::Result<Post> compose(const core::Article& article) const override;
  Outcome publish(const Delivery& delivery) override;
  // Recovery is by key: nothing to look up (kNotFound).
  Outcome find(const Delivery& delivery) override;
  Outcome remove(const RemoteRef& remote) override;

  // The limits compose() uses now (the defaults until an instance answer was read).
  InstanceLimits limits() const;

 private:
  struct Exchange;
  struct Upload;

  MastodonConnector(const AccountSettings& settings, const ConnectorContext& context,
                    compose::Template text_template, std::string visibility, Tuning tuning);

  core::Result<Post> compose_with(const core::Article& article, const InstanceLimits& l) const;
  core::Result<http::ClientResponse> send(Exchange& ex, http::ClientRequest request,
                                          bool authorized = true);
  void read_instance(Exchange& ex);
  Upload attach_image(const core::Image& image, Exchange& ex, const InstanceLimits& l);
  Outcome failure(const core::Result<http::ClientResponse>& response, std::string_view what) const;
  Outcome finish(Outcome outcome, const Exchange& ex) const;
  std::string redact(std::string text) const;

  AccountSettings settings_;
  http::HttpClient& http_;
  const core::Clock& clock_;
  compose::Template template_;
  std::string visibility_;
  Tuning tuning_;
  std::string token_;
  std::string base_url_;  // without a trailing '/'

  mutable std::mutex mu_;
  InstanceLimits limits_;
  bool instance_read_ = false;
};

}  // namespace syndicated::connectors::mastodon
