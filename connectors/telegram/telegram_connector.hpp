#pragma once
// Telegram: a bot posts to a channel (or group) through the Bot API, the bot being an
// administrator of the channel with the right to post (and to delete, for retractions).
//
//   compose   template (default kDefaultTemplate), measured in UTF-16 code units of the text as
//             readers see it (Telegram's "1-4096 characters after entities parsing" are UTF-16
//             code units, as its entity offsets are): a caption (sendPhoto) is at most 1024, a
//             message (sendMessage) at most 4096. Post::text is that plain text; its link
//             facets say where the links are.
//   publish   sendPhoto (photo = the lead image's URL, Telegram fetches it; caption) when the
//             post has an image, else sendMessage; parse_mode HTML. The HTML is made from the
//             plain text: `&`, `<`, `>` and `"` escaped as &amp; &lt; &gt; &quot; and every
//             http(s) link facet wrapped as <a href="URL">URL</a> (the visible text is the URL
//             itself, so the measured length is the length after entity parsing; hashtags stay
//             plain, Telegram recognises them). If Telegram cannot use the photo (400 about the
//             URL, the file or the image), the same text goes out by sendMessage, and the reason
//             says so.
//   remove    deleteMessage (RemoteRef::id is "<chat id>:<message id>", so a retraction deletes
//             in the chat the post went to even if chat_id changed since).
//
// The bot token is part of every URL (https://api.telegram.org/bot<token>/<method>): it is
// scrubbed from every reason, including the HttpClient's errors (whose `where` is the URL).
//
// Recovery: none that is reliable exists. Telegram has no idempotency key, and a bot can read
// neither a channel's history nor its own messages (getUpdates never delivers a bot's own posts;
// getChat shows only the pinned message). So recovery() says kResend (and find() answers
// kNotFound, saying that no lookup is possible): after an unknown outcome (a crash with a request
// in flight, or a timeout after Telegram accepted the message) the post is sent again.
// RESIDUAL RISK: such a resend can duplicate the post in the channel (at least once, never
// lost); an operator may delete the copy. Publish reasons of a recovering delivery say so.
//
// Answers ({"ok":false,"error_code":N,"description":...}): 429 transient with retry_at = now +
// parameters.retry_after; 5xx and transport errors transient; 401, 403 (bot blocked, kicked,
// not a member) and 404 (token malformed) stop the account; 400 permanent with the description,
// except those that concern the account rather than the post — "chat not found", "not enough
// rights", a group that moved (parameters.migrate_to_chat_id) — which stop the account too;
// deleteMessage's "message to delete not found" is kNotFound.
//
// Settings (config [[accounts]] with network = "telegram"):
//   base_url     optional; default https://api.telegram.org (a local Bot API server, tests).
//   credentials  bot_token             required ("123456:ABC..." from @BotFather).
//   options      chat_id               required: "@channelusername" or the numeric id
//                                      ("-1001234567890").
//                link_preview          true | false | large | small (default true): the article's
//                                      link preview under a text message (link_preview_options
//                                      url = the article; large/small also prefer that size).
//                disable_notification  true | false (default false): post silently.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "compose/compose.hpp"
#include "connectors/account.hpp"
#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "http/client.hpp"

namespace syndicated::connectors {

// The registry entry: name "telegram", credential bot_token, a factory validating the options.
Registry::Network telegram_network();

}  // namespace syndicated::connectors

namespace syndicated::connectors::telegram {

inline constexpr std::string_view kNetworkName = "telegram";
inline constexpr std::string_view kDefaultTemplate = "{title}\n\n{summary}\n\n{url}\n\n{hashtags}";
inline constexpr std::string_view kDefaultBaseUrl = "https://api.telegram.org";
inline constexpr std::size_t kMessageLimit = 4096;
inline constexpr std::size_t kCaptionLimit = 1024;

// Telegram's length: UTF-16 code units of the text after entity parsing.
class TelegramRules final : public compose::TextRules {
 public:
  explicit TelegramRules(std::size_t limit) : limit_(limit) {}
  std::size_t measure(std::string_view utf8) const override;
  std::size_t limit() const override { return limit_; }
  std::string name() const override { return "UTF-16 code units (Telegram)"; }

 private:
  std::size_t limit_;
};

// UTF-16 code units of UTF-8 text (a code point above U+FFFF counts 2; bad bytes count 1 each).
std::size_t utf16_length(std::string_view utf8);
// Text for parse_mode HTML: & < > " as entities.
std::string escape_html(std::string_view text);
// The HTML sent for a post: its text escaped, its http(s) link facets as <a href> (facets that
// overlap, fall outside the text or are not links are left as plain text).
std::string post_html(const Post& post);

enum class LinkPreview { kOn, kOff, kLarge, kSmall };

struct TelegramOptions {
  std::string chat_id;  // "@name" or a number
  LinkPreview link_preview = LinkPreview::kOn;
  bool disable_notification = false;
};

class TelegramConnector final : public Connector {
 public:
  // Validates the settings (bot_token, chat_id, template, options: unknown keys and bad values
  // are an error naming the key and its `where`).
  static core::Result<std::unique_ptr<TelegramConnector>> create(const AccountSettings& settings,
                                                                 const ConnectorContext& context);

  std::string_view network() const override { return kNetworkName; }
  Recovery recovery() const override { return Recovery::kResend; }
  core::Result<Post> compose(const core::Article& article) const override;
  Outcome publish(const Delivery& delivery) override;
  // Always kNotFound: a bot cannot look a channel's posts up (see the header comment).
  Outcome find(const Delivery& delivery) override;
  Outcome remove(const RemoteRef& remote) override;

 private:
  TelegramConnector(const AccountSettings& settings, const ConnectorContext& context,
                    compose::Template text_template, TelegramOptions options);

  core::Result<http::ClientResponse> call(std::string_view method, const std::string& json_body);
  Outcome failure(const core::Result<http::ClientResponse>& response, std::string_view what) const;
  Outcome sent(const http::ClientResponse& response, std::string reason) const;
  std::string redact(std::string text) const;

  AccountSettings settings_;
  http::HttpClient& http_;
  const core::Clock& clock_;
  compose::Template template_;
  TelegramOptions options_;
  std::string token_;
  std::string base_url_;  // without a trailing '/'
};

}  // namespace syndicated::connectors::telegram
