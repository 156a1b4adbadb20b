#pragma once
// Which articles an account posts, and how politely.
#include <chrono>
#include <string>
#include <vector>

#include "core/article.hpp"

namespace syndicated::outbox {

// Each non-empty list must match (AND between lists, OR within one); an empty list matches any
// article. Categories, tags and authors match a Term's name or slug case-insensitively (ASCII
// case folding; slugs are ASCII). A language matches the article's language (or the policy's
// site_language when the article has none) exactly or as its primary subtag ("en" matches
// "en-GB"), case-insensitively.
struct Filter {
  std::vector<std::string> categories;
  std::vector<std::string> tags;
  std::vector<std::string> authors;
  std::vector<std::string> languages;
};

struct AccountPolicy {
  std::string name;     // the account's name in the config (the ledger's `account`)
  std::string network;  // the connector's network, e.g. "x"
  Filter filter;
  std::string site_language;  // the language of articles that state none
  // At most one request per account starts per min_spacing (a burst of 20 stories goes out
  // over 20 minutes at the default, oldest first).
  std::chrono::nanoseconds min_spacing = std::chrono::seconds(60);
  // An article older than this when it goes live (or when the daemon restarts with it still
  // planned) is never posted: it is recorded as skipped.
  std::chrono::nanoseconds max_age = std::chrono::hours(24);
  bool delete_on_retraction = false;  // retraction deletes the remote post
  int max_attempts = 8;               // then the delivery is dead (failed)
  std::chrono::nanoseconds backoff_base = std::chrono::seconds(30);
  std::chrono::nanoseconds backoff_cap = std::chrono::hours(1);
  // After a crash with a request in flight, a lookup recovery (Recovery::kLookup) waits until
  // this long after that request started: a request the dead process sent may still be
  // processed by the network, and a lookup before it lands would find nothing and post twice.
  // The daemon sets it to the account's request timeout plus a margin.
  std::chrono::nanoseconds recovery_settle = std::chrono::seconds(40);
};

bool matches(const Filter& filter, const core::Article& article, const std::string& site_language);

}  // namespace syndicated::outbox
