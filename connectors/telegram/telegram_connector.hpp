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
// Recovery. Telegram has no idempotency key, and a bot cannot read a channel's history (getUpdates
// never delivers a bot's own posts; getChat shows only the pinned message). But a bot that is an
// administrator of the channel can forward any of its messages by id, and forwardMessage answers
// with the whole forwarded Message (text or caption, with entities); and a channel's (or a
// supergroup's) message ids are sequential, shared by everything posted there.
//
//   * After every successful post the connector saves the message id (and the chat) in its
//     StateStore as {"chat": "<chat_id option>", "chat_id": <numeric id>, "last_message_id": N}
//     (in memory when the context has no StateStore). This happens with or without a lookup
//     chat, so setting lookup_chat_id later starts with a known id.
//   * Before a post's first attempt leaves, the id known then is saved for its delivery key
//     ("pending": {key: {"after": N}}), so that posts sent meanwhile for other articles (the
//     engine may send them while this one waits to be recovered) cannot move its starting point
//     past it. The entry goes when the post is sent, found, or refused for good.
//   * With the option lookup_chat_id, recovery() is kLookup: before a recovering attempt,
//     find() forwards the channel's ids N+1, N+2, ... (N = the delivery's "after") one by one
//     into the lookup chat (forwardMessage, disable_notification) and deletes each copy there
//     again (deleteMessage, best effort). A copy whose text or caption holds the article's URL
//     (as a whole URL in the text, as a url entity or as a text_link), or whose text is the
//     post's text, is the post: kSent with "<chat>:<id>". "message to forward not found" means
//     no message has that id (not yet, or deleted): kMissesToConclude such ids in a row after
//     the last existing one conclude kNotFound (the engine then publishes). Others' messages in
//     the channel (editors, other bots, the bot's later posts for other articles, service
//     messages that "can't be forwarded") are stepped over; after kProbeLimit forwarded copies
//     (or kProbeRequestLimit requests) without a conclusion the answer is kTransient ("cannot
//     tell"), never kNotFound, and the ids checked so far are saved in the delivery's pending
//     entry ("checked") so that the next find() goes on from there. Errors are classified as
//     for publish (429 → transient with retry_after); an unknown 400 is "cannot tell"
//     (transient), never a verdict on the post; a lookup chat that cannot be used (chat not
//     found, bot blocked or not a member) stops the account, naming both chats; a channel with
//     protected content ("restrict saving content") stops it too: no lookup can work there.
//   * A sent (or found) post's entry keeps its id ("sent"), so that a crash between the
//     connector's save and the engine's ledger commit is answered "sent" by find(). Such an
//     entry is "confirmed" once the connector is called for another delivery in the same
//     process (the engine recorded the outcome before that call); only confirmed entries are
//     dropped first when there are more than kMaxPending, so the recovery wait (many other posts
//     may go out meanwhile) cannot push out the entry a recovery needs.
//   * Without lookup_chat_id, recovery() is kResend: find() answers kNotFound (no lookup is
//     possible) and the post is sent again — at least once, a duplicate is possible, never a
//     loss. Publish reasons of such a resend say so.
//
// RESIDUAL RISKS of the lookup:
//   (1) No id known when a delivery's first attempt left (the account's first post ever, the
//       first after chat_id changed or the state file was lost) or its pending entry could not
//       be saved: find() cannot know where to look and answers kNotFound — sent again, a
//       duplicate possible for that one post; the reasons say so. (Seeding the state with the
//       channel's current last id, {"chat": "<chat_id>", "last_message_id": N}, avoids it.)
//   (2) kMissesToConclude or more DELETED messages in a row between the starting point and the
//       post look like the end of the channel: kNotFound, a duplicate.
//   (3) Someone else posting the article's URL in the channel after the starting point is taken
//       for the post (the article is then in the channel, though not by the bot).
//   (4) Each probe of an existing message briefly shows a forwarded copy in the lookup chat
//       (silently, deleted at once; a crash in the middle of a lookup can leave one there).
//   (5) Telegram limits a bot to about 20 messages a minute in a group: a long lookup into a
//       group gets 429 (transient, with retry_after) and the next find() resumes.
//   (6) The miss / service-message / protected-content answers are told apart by their
//       descriptions; should Telegram reword them, the lookup says "cannot tell" (the delivery
//       waits, no duplicate) rather than "not found".
//   (7) A process that ends after its last post's ledger commit leaves that post's entry
//       unconfirmed for good (one per process end); with kMaxPending entries that are all
//       unconfirmed or unknown the oldest goes, and were it a recovery's, that post is sent again.
//
// Setting up the lookup chat: create a private group for it (or use the editors' group, or a
// private chat: an editor opens the bot and presses Start), add the bot to it, and find the
// chat's id (e.g. from getUpdates after posting a message there, or a bot like @RawDataBot):
// a group's id is negative ("-4012345678", a supergroup's "-100..."), a private chat's positive.
// The channel must allow forwarding (no "restrict saving content"). Set
// lookup_chat_id = "<that id>" in the account's options.
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
//                lookup_chat_id        optional: the chat (numeric id or "@name", not chat_id
//                                      itself) find() forwards the channel's messages into, to
//                                      look a post up after an unknown outcome (see Recovery).
//                                      Without it, recovery resends (at least once).
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
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
// find(): forwarded copies of others' messages before "cannot tell", ...
inline constexpr int kProbeLimit = 30;
// ... requests of any kind per find() ...
inline constexpr int kProbeRequestLimit = 60;
// ... and ids in a row without a message, after the last existing one, that mean "not posted".
inline constexpr int kMissesToConclude = 5;

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
  std::string lookup_chat_id;  // empty: no lookup (recovery resends)
};

// What the connector keeps in its StateStore (JSON), for find():
//   {"chat": "@example_news", "chat_id": -1001234567890, "last_message_id": 41,
//    "pending": {"<delivery key>": {"after": 41, "checked": 0}}}
struct LookupState {
  // A delivery whose post may be in the channel without its id being known: its post's id is
  // above `after` (the last id known when its first attempt left); ids up to `checked` were
  // already looked at by a find() that could not tell.
  // Once the post is known (sent, or found by a lookup), `sent` holds its id: the entry stays
  // (the oldest confirmed ones are dropped first), because the engine records the outcome in its
  // ledger only after the connector saved this — a crash in between must still find it here.
  // A known entry is `confirmed` once the engine is known to have recorded it: the same
  // connector was called again for another delivery after it (the engine makes one call per
  // account at a time, and records an outcome before the next call). Only confirmed entries may
  // be trimmed early: an unconfirmed one may be the post of a crash between the connector's save
  // and the ledger commit, whose find() comes only after the engine's recovery wait — during
  // which any number of other posts may go out.
  struct Pending {
    std::int64_t after = 0;
    std::int64_t checked = 0;
    std::int64_t sent = 0;
    bool confirmed = false;
  };
  static constexpr std::size_t kMaxPending = 64;  // the oldest are dropped beyond this

  std::string chat;                  // the chat_id option the ids are in
  std::string chat_numeric;          // the chat's numeric id, when Telegram said it
  std::int64_t last_message_id = 0;  // the latest known id in the chat (0: none known)
  std::map<std::string, Pending> pending;

  static LookupState parse(std::string_view text);  // unreadable text: an empty state
  // At most kMaxPending entries: confirmed known posts go first (oldest first), then the oldest
  // of the others.
  void trim();
  std::string dump() const;
  // The saved ids belong to this chat_id option.
  bool knows(const std::string& chat_id) const;
};

class TelegramConnector final : public Connector {
 public:
  // Validates the settings (bot_token, chat_id, template, options: unknown keys and bad values
  // are an error naming the key and its `where`).
  static core::Result<std::unique_ptr<TelegramConnector>> create(const AccountSettings& settings,
                                                                 const ConnectorContext& context);

  std::string_view network() const override { return kNetworkName; }
  Recovery recovery() const override {
    return options_.lookup_chat_id.empty() ? Recovery::kResend : Recovery::kLookup;
  }
  core::Result<Post> compose(const core::Article& article) const override;
  Outcome publish(const Delivery& delivery) override;
  // With lookup_chat_id: probes the ids after the last saved one (see Recovery above).
  // Without: kNotFound, saying that no lookup is possible.
  Outcome find(const Delivery& delivery) override;
  Outcome remove(const RemoteRef& remote) override;

 private:
  TelegramConnector(const AccountSettings& settings, const ConnectorContext& context,
                    compose::Template text_template, TelegramOptions options);

  core::Result<http::ClientResponse> call(std::string_view method, const std::string& json_body);
  Outcome failure(const core::Result<http::ClientResponse>& response, std::string_view what) const;
  Outcome sent(const http::ClientResponse& response, std::string reason) const;
  std::string redact(std::string text) const;
  core::Result<LookupState> load_state();
  core::Status save_state(const LookupState& state);
  // Before a post leaves: its delivery's starting point ("" or a note for the reason when it is
  // unknown or cannot be saved).
  std::string note_pending(const Delivery& delivery);
  // After a post's outcome: a sent post's id becomes the last one and its pending entry goes
  // (also when Telegram refused it for good); a failure to save is said in the reason.
  void remember(Outcome& outcome, const Delivery& delivery);
  Outcome lookup(const Delivery& delivery);
  Outcome send(const Delivery& delivery);
  // A call for `key` starts: the post this connector last knew as sent (for another key) has
  // been recorded by the engine since; its entry becomes confirmed. True when `state` changed.
  bool confirm_previous(LookupState& state, const std::string& key);

  AccountSettings settings_;
  http::HttpClient& http_;
  const core::Clock& clock_;
  compose::Template template_;
  TelegramOptions options_;
  std::string token_;
  std::string base_url_;  // without a trailing '/'
  StateStore* state_;
  std::optional<std::string> memory_state_;  // when state_ is nullptr
  // The delivery key whose post this connector instance last saved as sent (or found), not yet
  // confirmed by a later call (see LookupState::Pending::confirmed).
  std::optional<std::string> unconfirmed_;
};

}  // namespace syndicated::connectors::telegram
