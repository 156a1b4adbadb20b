#pragma once
// Bluesky through the AT Protocol's XRPC API of the account's PDS (default https://bsky.social,
// which also routes to the account's own PDS), logged in with an app password.
//
//   session   com.atproto.server.createSession ONCE; the tokens (accessJwt, refreshJwt, did,
//             handle) are kept in the account's StateStore, so a restart reuses them. A 400
//             ExpiredToken / InvalidToken or a 401 on any call → refreshSession and the call
//             again; only if refreshing is refused → createSession (the real service allows a
//             few dozen logins a day); refused too → kStopAccount.
//   compose   template (default kDefaultTemplate), ≤ 300 graphemes (URLs count in full) and
//             ≤ 3000 UTF-8 bytes; link and tag facets with UTF-8 byte offsets.
//   publish   [lead image: GET it, uploadBlob → the link card's thumb] then
//             com.atproto.repo.createRecord of an app.bsky.feed.post with a deterministic TID
//             record key (deterministic_tid(article.published, Delivery::key)) and a link card
//             (app.bsky.embed.external: uri, title, description, thumb).
//   remove    com.atproto.repo.deleteRecord (idempotent).
//
// Recovery is by the deterministic key: a recovering attempt asks com.atproto.repo.getRecord for
// its rkey first and reports the existing record as sent; a createRecord that collides (the PDS
// answers 500 "There is already a value at key", or an "already exists" refusal) is resolved the
// same way. The thumb is left out (the post still goes out) when the image cannot be fetched, is
// not an image, or is over 1,000,000 bytes: this build has no image codec to re-encode it.
//
// Rate limits: RateLimit-Remaining 0 → pause_until RateLimit-Reset (unix seconds); 429 →
// transient with retry_at. Secrets (the app password, the JWTs) never appear in a reason.
//
// Options (config keys under the account):
//   link_card = "true" | "false"   attach the article's link card (default true)
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compose/compose.hpp"
#include "connectors/account.hpp"
#include "connectors/bluesky/record.hpp"
#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "http/client.hpp"

namespace syndicated::connectors {

// The registry entry: name "bluesky", credentials identifier + app_password.
Registry::Network bluesky_network();

}  // namespace syndicated::connectors

namespace syndicated::connectors::bluesky {

inline constexpr std::string_view kDefaultTemplate = "{title}\n\n{url}\n\n{hashtags}";
inline constexpr std::string_view kDefaultBaseUrl = "https://bsky.social";
inline constexpr std::size_t kMaxGraphemes = 300;
inline constexpr std::size_t kMaxTextBytes = 3000;
inline constexpr std::size_t kMaxThumbBytes = 1'000'000;  // app.bsky.embed.external thumb

struct BlueskyOptions {
  bool link_card = true;
};

// What is kept in the StateStore (JSON), and in memory.
struct Session {
  std::string did;
  std::string handle;
  std::string access_jwt;
  std::string refresh_jwt;
};

class BlueskyConnector final : public Connector {
 public:
  // Validates the settings (credentials identifier + app_password, template, options: unknown
  // keys are an error naming the key and its `where`, base_url an absolute http(s) URL).
  static core::Result<std::unique_ptr<BlueskyConnector>> create(const AccountSettings& settings,
                                                                const ConnectorContext& context);

  std::string_view network() const override { return "bluesky"; }
  Recovery recovery() const override { return Recovery::kDeterministicKey; }
  core::Result<Post> compose(const core::Article& article) const override;
  Outcome publish(const Delivery& delivery) override;
  // kSent when the delivery's record (its deterministic rkey) exists, else kNotFound.
  Outcome find(const Delivery& delivery) override;
  Outcome remove(const RemoteRef& remote) override;

  // The record key a delivery writes.
  static std::string record_key(const Delivery& delivery);
  // https://bsky.app/profile/<did>/post/<rkey> for at://<did>/app.bsky.feed.post/<rkey>.
  static std::string post_url(std::string_view at_uri);

 private:
  struct Exchange;
  struct Call;

  BlueskyConnector(const AccountSettings& settings, const ConnectorContext& context,
                   compose::Template text_template, BlueskyOptions options);

  // An authenticated XRPC call with the session (logging in, refreshing as described above).
  Call xrpc(Exchange& ex, std::string method, std::string nsid, std::string query, std::string body,
            std::string content_type);
  core::Result<http::ClientResponse> send(Exchange& ex, http::ClientRequest request);
  void load_session();
  // nullopt: a session is there (loaded, or logged in now); else why not.
  std::optional<Outcome> ensure_session(Exchange& ex);
  std::optional<Outcome> login(Exchange& ex);
  // nullopt: refreshed; else why not (auth refusals come back as kStopAccount).
  std::optional<Outcome> refresh(Exchange& ex);
  void save_session();

  Outcome find_locked(const std::string& rkey, Exchange& ex);
  Outcome publish_locked(const Delivery& delivery, Exchange& ex);
  std::optional<nlohmann::json> upload_thumb(const core::Image& image, Exchange& ex,
                                             std::string& skipped, std::optional<Outcome>& stop);
  Outcome failure(const core::Result<http::ClientResponse>& response, std::string_view what) const;
  Outcome finish(Outcome outcome, const Exchange& ex) const;
  std::string redact(std::string text) const;

  AccountSettings settings_;
  http::HttpClient& http_;
  const core::Clock& clock_;
  StateStore* state_;
  compose::Template template_;
  compose::GraphemeRules rules_;
  BlueskyOptions options_;
  std::string identifier_;
  std::string app_password_;
  std::string base_url_;  // without a trailing '/'

  // One account's calls are serialized by the engine; the lock makes it so for any caller (a
  // refresh rotates the refresh token: two at once would lose one).
  std::mutex mu_;
  bool loaded_ = false;
  std::optional<Session> session_;
  std::vector<std::string> tokens_seen_;  // the last few JWTs, scrubbed from reasons
};

}  // namespace syndicated::connectors::bluesky
