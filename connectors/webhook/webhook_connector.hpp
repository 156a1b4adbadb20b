#pragma once
// The webhook "network": each new article is POSTed as JSON to one endpoint, signed per Standard
// Webhooks v1 (and optionally GitHub's X-Hub-Signature-256), so any receiver — a CMS, a chat
// bridge, a build trigger — can follow the newsroom without polling the feeds.
//
// Account settings (config [[accounts]] with network = "webhook"):
//   credentials  secret         required. "whsec_<base64>" (Standard Webhooks); several secrets
//                               separated by spaces sign every message with each (rotation).
//                github_secret  optional. Adds X-Hub-Signature-256: sha256=<hex HMAC of the body>.
//   options      url            required. http:// or https:// endpoint.
//                timeout        optional. Seconds for one request, 1..300; default: the account's
//                               client timeout (timeout_s, 30 s: within the 15-30 s the Standard
//                               Webhooks spec recommends).
//   text_template, lead_image, hashtags: the post text sent as data.text (default "{title} {url}").
//
// Payload (application/json, minified, UTF-8; the bytes sent are the bytes signed):
//   {"type":"article.published",
//    "timestamp":"<the article's publication time, RFC 3339 UTC>",
//    "data":{"id","url","title","summary","language","published","updated"|null,
//            "authors":[{"name","url"}],"categories":[name...],"tags":[name...],
//            "image":{"url","caption","type","width","height"}|null,
//            "text":"<the composed post text>"}}
//   {"type":"article.retracted","timestamp":"<when it was retracted, RFC 3339 UTC>",
//    "data":{"id":"<article id>"}}
// Keys are always present (null or "" when unknown), so receivers need no existence checks.
//
// Headers: webhook-id (stable for a delivery across retries and restarts: the receiver's
// idempotency key), webhook-timestamp (the attempt's time, from the ConnectorContext clock),
// webhook-signature, content-type, user-agent, and X-Hub-Signature-256 when configured.
//
// Outcomes (Standard Webhooks "delivery success and failure"): 2xx sent (remote.id = the article
// id, remote.url = the response's JSON "url" when it has one); 410 Gone stops the account (the
// receiver disabled the endpoint); 401/403 stop the account (the receiver refuses the signature:
// every delivery would fail until the secret is fixed); 3xx stops the account (redirects are not
// followed: the url needs updating); 408, 425, 429, 5xx and transport errors are transient, with
// Retry-After honoured (429 and 503 also pause the account until then); other 4xx are permanent.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compose/compose.hpp"
#include "connectors/account.hpp"
#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "connectors/webhook/signature.hpp"
#include "http/client.hpp"

namespace syndicated::connectors::webhook {

inline constexpr std::string_view kNetworkName = "webhook";
inline constexpr std::string_view kDefaultTemplate = "{title} {url}";
inline constexpr std::size_t kTextLimit = 10000;  // graphemes; a webhook has no real limit
inline constexpr std::string_view kUserAgent = "syndicated-webhook/1 (Standard Webhooks v1)";

class WebhookConnector final : public Connector {
 public:
  // Validates the settings (url, secrets, template, options: an unknown option key is an error
  // naming the key and its `where`) and builds the connector.
  static core::Result<std::unique_ptr<WebhookConnector>> create(const AccountSettings& settings,
                                                                const ConnectorContext& context);

  std::string_view network() const override { return kNetworkName; }
  Recovery recovery() const override { return Recovery::kIdempotencyKey; }

  core::Result<Post> compose(const core::Article& article) const override;
  Outcome publish(const Delivery& delivery) override;
  Outcome find(const Delivery& delivery) override;  // always kNotFound (nothing to look up)
  Outcome remove(const RemoteRef& remote) override;

  // The exact body publish() sends for this delivery (documented above; stable for a delivery).
  std::string publish_body(const Delivery& delivery) const;
  // The exact body remove() sends, at retraction time `now`.
  static std::string retract_body(std::string_view article_id, const core::Timestamp& now);

  // webhook-id of a delivery: "msg_" + the first 128 bits of SHA-256(key), hex. No '.', no
  // user-controlled characters, and the same for every attempt of the same delivery.
  static std::string delivery_webhook_id(std::string_view delivery_key);
  // webhook-id of a retraction: the same form, from the account and the article id.
  std::string retraction_webhook_id(std::string_view article_id) const;

  const std::string& url() const { return url_; }

 private:
  WebhookConnector(const AccountSettings& settings, const ConnectorContext& context,
                   std::string url, std::chrono::seconds timeout, compose::Template text_template,
                   StandardWebhooksSigner signer, std::string github_secret);

  // Signs and POSTs `body` with the given webhook-id, then classifies the answer.
  Outcome deliver(const std::string& webhook_id, const std::string& body,
                  const std::string& article_id);

  std::string account_;
  std::string site_name_;
  std::string site_language_;
  bool lead_image_;
  bool hashtags_;
  http::HttpClient& http_;
  const core::Clock& clock_;
  std::string url_;
  std::chrono::seconds timeout_;
  compose::Template template_;
  compose::GraphemeRules rules_;
  StandardWebhooksSigner signer_;
  std::string github_secret_;        // empty = no X-Hub-Signature-256
  std::vector<std::string> redact_;  // secrets never repeated in a reason
};

// The registry entry: name "webhook", required credential "secret".
Registry::Network webhook_network();

}  // namespace syndicated::connectors::webhook
