#pragma once
// The one interface every social network sits behind. A connector is built for one account (its
// settings, credentials and an HttpClient& are handed to its constructor by the registry); it
// composes the post with its network's text rules and calls the network's API. It never sees
// Beast, SQLite or the ledger: what was posted where is the outbox's business.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace syndicated::connectors {

// A range of the post's text, in UTF-8 bytes [byte_start, byte_end), e.g. a link or a hashtag.
struct Facet {
  enum class Kind { kLink, kTag };
  Kind kind = Kind::kLink;
  std::size_t byte_start = 0;
  std::size_t byte_end = 0;
  std::string value;  // the link's URI, or the tag without '#'
};

// What an account would send for an article: the preview shows it, publish() sends it.
struct Post {
  std::string text;
  std::size_t length = 0;   // measured with the network's rules
  std::size_t limit = 0;    // the network's (or instance's) limit under the same rules
  std::string rule;         // how it was measured, e.g. "twitter-text v3 weighted length"
  std::vector<Facet> facets;
  std::optional<core::Image> image;  // the lead image, when the account attaches one
  std::string language;     // BCP 47, from the article (or the site)
};

// How an outcome left unknown by a crash (request sent, answer never recorded) is resolved
// without posting twice. The engine reads it before it retries such a delivery.
enum class Recovery {
  kIdempotencyKey,    // resend with the same key; the server answers the first result again
  kDeterministicKey,  // the record's key is derived from the delivery; a second write collides
  kLookup,            // ask the account's recent posts (find()) before sending again
  kResend,            // the network offers no way to tell: send again (at least once; a
                      // duplicate is possible, never a loss). Telegram bots are such a case.
};
const char* to_string(Recovery r);

// One attempt at sending a post, as the engine hands it over.
struct Delivery {
  const core::Article& article;
  const Post& post;
  std::string key;          // stable for (article, account) across retries and restarts
  int attempt = 1;          // 1 for the first try
  bool recovering = false;  // an earlier attempt may have reached the network
  // The article's publication time when the delivery was planned (the ledger keeps it): unlike
  // article.published it never changes between retries, so a key derived from time is stable
  // even if an editor moves the date. Unset (0) outside the engine: use article.published.
  core::Timestamp planned_published{};
};

// Where a sent post lives on its network.
struct RemoteRef {
  std::string id;   // e.g. the tweet id, the status id, the record's at:// URI
  std::string url;  // a human-visible URL when the network has one
};

struct Outcome {
  enum class Kind {
    kSent,          // done: `remote` says where (also for find() and remove() success)
    kNotFound,      // find(): nothing was posted yet; remove(): already gone (also success)
    kTransient,     // retry later (timeout, connection error, 5xx, 429)
    kPermanent,     // never retry this delivery (validation 4xx, duplicate content, ...)
    kStopAccount,   // the account cannot post until an operator acts (401, 402, 410 ...)
  };
  Kind kind = Kind::kTransient;
  RemoteRef remote;
  std::string reason;  // for humans and the ledger; never contains a secret
  // Server hints: retry no earlier than this (Retry-After, x-rate-limit-reset on a 429) ...
  std::optional<core::Timestamp> retry_at;
  // ... and, on any outcome, do not start another request for this account before this
  // (rate-limit window exhausted: remaining == 0).
  std::optional<core::Timestamp> pause_until;
  // kTransient from find(): the lookup could not conclude yet but got further (and will go on
  // from there). Such an answer does not use up one of the delivery's attempts.
  bool progress = false;

  bool ok() const { return kind == Kind::kSent || kind == Kind::kNotFound; }
};
const char* to_string(Outcome::Kind k);

class Connector {
 public:
  virtual ~Connector() = default;
  virtual std::string_view network() const = 0;  // "x", "webhook", "mastodon", ...
  virtual Recovery recovery() const = 0;

  // Pure (no I/O): the text from the account's template, measured and shortened to the
  // network's limit, with facets and image. An Error when it cannot fit (e.g. a URL alone is
  // over the limit).
  virtual core::Result<Post> compose(const core::Article& article) const = 0;

  // Blocking calls to the network (bounded by the HttpClient's timeouts).
  virtual Outcome publish(const Delivery& delivery) = 0;
  // For Recovery::kLookup: kSent with the remote ref when the delivery's post already exists,
  // kNotFound when it does not. Other recoveries may return kNotFound.
  virtual Outcome find(const Delivery& delivery) = 0;
  // Deletes a sent post (retraction). kSent or kNotFound both mean it is gone.
  virtual Outcome remove(const RemoteRef& remote) = 0;
};

}  // namespace syndicated::connectors
