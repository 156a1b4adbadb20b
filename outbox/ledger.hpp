#pragma once
// The ledger: the durable record of what was (to be) posted where, and the only source of
// "already posted". One row per (article id, account), created before any request leaves and
// moved through its states, each transition its own committed transaction. The storage is an
// interface (SqliteLedger today; a PostgreSQL one may follow); the engine and the CLI only see
// this header.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace syndicated::outbox {

// planned ──> sending ──> sent ──> deleted (retraction removed the remote post)
//    ^           │    └──> failed (permanent, or dead after N attempts)
//    └───────────┘    └──> needs_reconnect (the account was stopped: 401, X's 402 ...)
// skipped: recorded without posting (existed at the account's first start, too old, or
// cancelled: unpublished/retracted/removed before it went out).
enum class State { kPlanned, kSending, kSent, kFailed, kNeedsReconnect, kSkipped, kDeleted };

const char* to_string(State s);  // "planned", "sending", ..., "needs_reconnect", ...
std::optional<State> parse_state(std::string_view text);

// Reasons of skipped rows that a later publication may undo (the row is re-planned when the
// article is live again). They all start with kCancelledPrefix.
inline constexpr std::string_view kCancelledPrefix = "cancelled: ";

struct DeliveryRow {
  std::int64_t id = 0;
  std::string article_id;
  std::string account;
  State state = State::kPlanned;
  int attempts = 0;         // requests started for this row (reset by an operator's retry)
  bool maybe_sent = false;  // a request was ever started: the next one must recover (never reset)
  core::Timestamp next_attempt_at;  // wall time, so backoff survives restarts
  core::Timestamp published;        // the article's publication (embargo) time
  core::Timestamp created_at;
  core::Timestamp updated_at;
  std::optional<core::Timestamp> sent_at;
  std::string remote_id;
  std::string remote_url;
  std::string text;    // the exact text sent (stored with the sending transition)
  std::string reason;  // why skipped/failed/needs_reconnect, or the last transient error
};

// A row to create. Only kPlanned and kSkipped rows are created.
struct NewDelivery {
  std::string article_id;
  std::string account;
  State state = State::kPlanned;
  core::Timestamp published;
  core::Timestamp next_attempt_at;
  std::string reason;
};

// What changes with a transition; unset fields keep their value.
struct Change {
  State to = State::kPlanned;
  std::optional<int> attempts;
  bool mark_maybe_sent = false;
  std::optional<core::Timestamp> next_attempt_at;
  std::optional<core::Timestamp> sent_at;
  std::optional<std::string> remote_id;
  std::optional<std::string> remote_url;
  std::optional<std::string> text;
  std::optional<std::string> reason;
};

// An account's first start happened at `initialized_at` (what existed then was skipped).
struct AccountRecord {
  std::string name;
  std::string network;
  core::Timestamp initialized_at;
};

struct ListFilter {
  std::optional<State> state;
  std::string account;     // empty = every account
  std::string article_id;  // empty = every article
  std::size_t limit = 0;   // 0 = no limit; newest (highest id) first
};

// The slim view of an account's rows the engine plans from.
struct KnownDelivery {
  std::int64_t id = 0;
  std::string article_id;
  State state = State::kPlanned;
  bool cancelled = false;  // skipped with a kCancelledPrefix reason
};

struct StateCount {
  std::string account;
  State state = State::kPlanned;
  std::int64_t count = 0;
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  virtual core::Result<std::optional<AccountRecord>> account(const std::string& name) = 0;
  // One transaction: records the account's first start and the rows of what existed then.
  virtual core::Status initialize_account(const AccountRecord& account,
                                          const std::vector<NewDelivery>& rows) = 0;

  // One transaction. A (article id, account) that already has a row is left alone (UNIQUE), so
  // planning twice is harmless. Returns the rows actually created.
  virtual core::Result<std::vector<DeliveryRow>> insert(const std::vector<NewDelivery>& rows,
                                                        core::Timestamp now) = 0;

  // Moves row `id` from state `from` (compare-and-set: another process may have changed it) and
  // commits. An Error when the row does not exist or is no longer in `from`.
  virtual core::Result<DeliveryRow> transition(std::int64_t id, State from, const Change& change,
                                               core::Timestamp now) = 0;

  virtual core::Result<DeliveryRow> get(std::int64_t id) = 0;  // Error when missing
  virtual core::Result<std::optional<DeliveryRow>> find(const std::string& article_id,
                                                        const std::string& account) = 0;
  virtual core::Result<std::vector<DeliveryRow>> list(const ListFilter& filter) = 0;
  virtual core::Result<std::vector<KnownDelivery>> known(const std::string& account) = 0;

  // The account's planned row to send next: among those due at `now` the oldest publication;
  // when none is due, the one due first (so the caller can arm a timer).
  virtual core::Result<std::optional<DeliveryRow>> next_planned(const std::string& account,
                                                                core::Timestamp now) = 0;

  virtual core::Result<std::vector<StateCount>> count_by_state() = 0;

  // The operator's `outbox retry ID`: failed, needs_reconnect or skipped → planned, attempts
  // reset, due now (a running daemon picks it up at its next re-read). Refused for rows that are
  // sent or deleted (that would post twice) and for rows already planned or sending.
  core::Result<DeliveryRow> retry(std::int64_t id, core::Timestamp now);
};

// Nanoseconds since the epoch (how timestamps are stored), and back (UTC).
std::int64_t to_unix_nanos(const core::Timestamp& t);
core::Timestamp from_unix_nanos(std::int64_t nanos);
core::Timestamp add(const core::Timestamp& t, std::chrono::nanoseconds d);
std::chrono::nanoseconds between(const core::Timestamp& from, const core::Timestamp& to);

// The Delivery::key of (article, account): stable across retries, restarts and even a lost
// database ("syn-" + 32 hex digits of two 64-bit FNV-1a hashes).
std::string delivery_key(std::string_view article_id, std::string_view account);

}  // namespace syndicated::outbox
