#include "outbox/ledger.hpp"

#include <array>
#include <cstdio>

namespace syndicated::outbox {

namespace {
constexpr std::array<std::pair<State, const char*>, 7> kStateNames{{
    {State::kPlanned, "planned"},
    {State::kSending, "sending"},
    {State::kSent, "sent"},
    {State::kFailed, "failed"},
    {State::kNeedsReconnect, "needs_reconnect"},
    {State::kSkipped, "skipped"},
    {State::kDeleted, "deleted"},
}};
constexpr std::int64_t kNanosPerSecond = 1000000000;
}  // namespace

const char* to_string(State s) {
  for (const auto& [state, name] : kStateNames) {
    if (state == s) return name;
  }
  return "?";
}

std::optional<State> parse_state(std::string_view text) {
  for (const auto& [state, name] : kStateNames) {
    if (text == name) return state;
  }
  return std::nullopt;
}

std::int64_t to_unix_nanos(const core::Timestamp& t) {
  return t.unix_seconds * kNanosPerSecond + t.nanos;
}

core::Timestamp from_unix_nanos(std::int64_t nanos) {
  std::int64_t seconds = nanos / kNanosPerSecond;
  std::int64_t rest = nanos % kNanosPerSecond;
  if (rest < 0) {
    rest += kNanosPerSecond;
    --seconds;
  }
  return core::Timestamp{seconds, static_cast<std::int32_t>(rest), 0};
}

core::Timestamp add(const core::Timestamp& t, std::chrono::nanoseconds d) {
  return from_unix_nanos(to_unix_nanos(t) + d.count());
}

std::chrono::nanoseconds between(const core::Timestamp& from, const core::Timestamp& to) {
  return std::chrono::nanoseconds(to_unix_nanos(to) - to_unix_nanos(from));
}

std::string delivery_key(std::string_view article_id, std::string_view account) {
  auto fnv = [&](std::uint64_t hash) {
    auto mix = [&hash](std::string_view s) {
      for (unsigned char c : s) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
      }
    };
    mix(article_id);
    mix(std::string_view("\0", 1));
    mix(account);
    return hash;
  };
  char buf[40];
  std::snprintf(buf, sizeof buf, "syn-%016llx%016llx",
                static_cast<unsigned long long>(fnv(0xcbf29ce484222325ULL)),
                static_cast<unsigned long long>(fnv(0x84222325cbf29ce4ULL)));
  return buf;
}

core::Result<DeliveryRow> Ledger::retry(std::int64_t id, core::Timestamp now) {
  auto row = get(id);
  if (!row) return row.error();
  switch (row->state) {
    case State::kFailed:
    case State::kNeedsReconnect:
    case State::kSkipped:
      break;
    case State::kSent:
    case State::kDeleted:
      return core::make_error("delivery " + std::to_string(id) + " of article '" + row->article_id +
                              "' to '" + row->account + "' is " + to_string(row->state) +
                              (row->remote_url.empty() ? "" : " (" + row->remote_url + ")") +
                              "; retrying it would post it twice");
    case State::kPlanned:
    case State::kSending:
      return core::make_error("delivery " + std::to_string(id) + " is already " +
                              to_string(row->state));
  }
  Change change;
  change.to = State::kPlanned;
  change.attempts = 0;
  change.next_attempt_at = now;
  change.reason = "retry requested by an operator (was " + std::string(to_string(row->state)) +
                  (row->reason.empty() ? "" : ": " + row->reason) + ")";
  return transition(id, row->state, change, now);
}

}  // namespace syndicated::outbox
