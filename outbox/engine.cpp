#include "outbox/engine.hpp"

#include <algorithm>
#include <deque>
#include <random>
#include <unordered_map>
#include <utility>

namespace syndicated::outbox {

using connectors::Outcome;
using std::chrono::nanoseconds;

struct Engine::Removal {
  std::int64_t row_id = 0;
  std::string article_id;
  connectors::RemoteRef remote;
  int attempts = 0;
  core::Timestamp due;
};

struct Engine::Account {
  AccountPolicy policy;
  std::shared_ptr<connectors::Connector> connector;
  bool started = false;      // start_account() ran for this account
  bool needs_start = false;  // it failed on a ledger error: retried by pump()
  bool stopped = false;
  std::string stop_reason;
  bool in_flight = false;
  std::uint64_t call_seq = 0;  // identifies the call in flight
  std::optional<core::MonotonicTime> last_start;
  std::optional<core::Timestamp> pause_until;
  core::Scheduler::TimerId timer = 0;
  std::deque<Removal> removals;
  bool pumping = false;
  bool repump = false;
  AccountStats stats;
};

namespace {

std::string describe(nanoseconds d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

Engine::Engine(Ledger& ledger, const core::Clock& clock, core::Scheduler& scheduler,
               Dispatcher& dispatcher, EngineOptions options)
    : ledger_(ledger),
      clock_(clock),
      scheduler_(scheduler),
      dispatcher_(dispatcher),
      options_(std::move(options)) {
  jitter_ = options_.jitter;
  if (!jitter_) {
    jitter_ = [rng = std::make_shared<std::mt19937_64>(options_.seed)] {
      return std::min(std::uniform_real_distribution<double>(0.0, 1.0)(*rng), 0.999999);
    };
  }
}

Engine::~Engine() {
  *alive_ = false;
  stop();
}

Engine::Account* Engine::find_account(const std::string& name) {
  auto it = accounts_.find(name);
  return it == accounts_.end() ? nullptr : it->second.get();
}

void Engine::add_account(AccountPolicy policy, std::shared_ptr<connectors::Connector> connector) {
  auto& slot = accounts_[policy.name];
  if (!slot) slot = std::make_unique<Account>();
  Account& acc = *slot;
  acc.policy = std::move(policy);
  acc.connector = std::move(connector);
  acc.stats.name = acc.policy.name;
  acc.stats.network = acc.policy.network;
  acc.stopped = false;
  acc.stop_reason.clear();
  if (started_ && !stopping_) start_account(acc);
}

void Engine::remove_account(const std::string& name) {
  auto it = accounts_.find(name);
  if (it == accounts_.end()) return;
  if (it->second->timer != 0) scheduler_.cancel(it->second->timer);
  accounts_.erase(it);
}

void Engine::resume_account(const std::string& name) {
  Account* acc = find_account(name);
  if (acc == nullptr) return;
  acc->stopped = false;
  acc->stop_reason.clear();
  if (!started_) return;
  auto rows = ledger_.list(ListFilter{State::kNeedsReconnect, name, {}, 0});
  if (!rows) {
    report(rows.error());
  } else {
    for (const DeliveryRow& row : *rows) {
      Change c;
      c.to = State::kPlanned;
      c.next_attempt_at = clock_.now();
      c.reason = "account resumed (was: " + row.reason + ")";
      move(row, c);
    }
  }
  pump(*acc);
}

bool Engine::live(const core::Article& article) const {
  return article.status == core::ArticleStatus::kPublished && article.published <= clock_.now();
}

core::MonotonicTime Engine::mono_at(const core::Timestamp& wall) const {
  return mono_at(wall, clock_.now(), clock_.monotonic_now());
}

// Against one reading of both clocks: a real clock moves between two reads, and a due time
// converted with a later reading would always lie a little ahead of the earlier `mono` it is
// compared with (the engine would re-arm a timer for it forever instead of sending).
core::MonotonicTime Engine::mono_at(const core::Timestamp& wall, const core::Timestamp& now,
                                    core::MonotonicTime mono) {
  const nanoseconds ahead = between(now, wall);
  return mono + std::max(ahead, nanoseconds(0));
}

void Engine::report(const core::Error& error) {
  ++ledger_errors_;
  if (options_.observer) options_.observer->on_error(error);
}

void Engine::emit(const DeliveryRow& before, const DeliveryRow& after,
                  std::optional<nanoseconds> latency) {
  if (!options_.observer) return;
  TransitionEvent e;
  e.id = after.id;
  e.account = after.account;
  e.article_id = after.article_id;
  e.from = before.state;
  e.to = after.state;
  e.attempt = after.attempts;
  e.reason = after.reason;
  e.remote_url = after.remote_url;
  e.latency = latency;
  options_.observer->on_transition(e);
}

std::optional<DeliveryRow> Engine::move(const DeliveryRow& row, const Change& change) {
  auto moved = ledger_.transition(row.id, row.state, change, clock_.now());
  if (!moved) {
    report(moved.error());
    return std::nullopt;
  }
  emit(row, *moved);
  return std::move(*moved);
}

nanoseconds Engine::backoff(const AccountPolicy& policy, int attempts) {
  // Capped exponential with "equal jitter": a delay in [b/2, b), b = base * 2^(attempts-1).
  nanoseconds b = policy.backoff_base;
  for (int i = 1; i < attempts && b < policy.backoff_cap; ++i) b *= 2;
  b = std::min(b, policy.backoff_cap);
  const double j = std::clamp(jitter_(), 0.0, 1.0);
  return b / 2 + nanoseconds(static_cast<std::int64_t>(static_cast<double>((b / 2).count()) * j));
}

// ---- start ------------------------------------------------------------------------------------

// The engine's copy of an article, for planning and composing at send time. Posts never carry
// the body, so it is dropped: with a large store the copies would otherwise double the memory
// the store's own articles take.
const core::Article& Engine::remember(const core::Article& article) {
  core::Article& kept = articles_[article.id];
  kept = article;
  kept.body_html.clear();
  kept.body_html.shrink_to_fit();
  return kept;
}

void Engine::start(const std::vector<core::Article>& current) {
  started_ = true;
  stopping_ = false;
  for (const auto& [id, timer] : embargo_timers_) scheduler_.cancel(timer);
  embargo_timers_.clear();
  articles_.clear();
  const core::Timestamp now = clock_.now();
  for (const core::Article& a : current) {
    remember(a);
    if (a.status == core::ArticleStatus::kPublished && a.published > now) arm_embargo(a);
  }
  for (auto& [name, acc] : accounts_) start_account(*acc);
  arm_rescan();
}

void Engine::start_account(Account& acc) {
  const std::string& name = acc.policy.name;
  const AccountPolicy& policy = acc.policy;
  const core::Timestamp now = clock_.now();
  acc.started = true;
  acc.needs_start = true;  // until this completes

  auto record = ledger_.account(name);
  if (!record) {
    report(record.error());
    return arm(acc, clock_.monotonic_now() + policy.backoff_base);
  }
  if (!*record) {
    // First start: what is live now already exists; record it, post nothing.
    std::vector<NewDelivery> rows;
    for (const auto& [id, a] : articles_) {
      if (live(a) && matches(policy.filter, a, policy.site_language)) {
        rows.push_back(NewDelivery{id, name, State::kSkipped, a.published, now,
                                   "existed at the account's first start"});
      }
    }
    if (auto s = ledger_.initialize_account(AccountRecord{name, policy.network, now}, rows); !s) {
      report(s.error());
      return arm(acc, clock_.monotonic_now() + policy.backoff_base);
    }
    acc.needs_start = false;
    return pump(acc);
  }

  // Rows that wait: too old now (the daemon was down) → skipped; needs_reconnect → planned.
  for (State state : {State::kPlanned, State::kNeedsReconnect}) {
    auto rows = ledger_.list(ListFilter{state, name, {}, 0});
    if (!rows) {
      report(rows.error());
      continue;
    }
    for (const DeliveryRow& row : *rows) {
      if (!row.maybe_sent && between(row.published, now) > policy.max_age) {
        Change c;
        c.to = State::kSkipped;
        c.reason = "older than max_age (" + describe(policy.max_age) + ") at restart";
        move(row, c);
      } else if (state == State::kNeedsReconnect && !acc.stopped) {
        Change c;
        c.to = State::kPlanned;
        c.next_attempt_at = now;
        c.reason = "account restarted (was: " + row.reason + ")";
        move(row, c);
      }
    }
  }
  // Outcome unknown: a request left and no answer was recorded. Planned again with maybe_sent
  // set, so the next attempt recovers per the connector's Recovery (lookup or the same key).
  if (auto rows = ledger_.list(ListFilter{State::kSending, name, {}, 0}); !rows) {
    report(rows.error());
  } else {
    for (const DeliveryRow& row : *rows) {
      if (in_flight_rows_.count(row.id)) continue;  // ours, still running (reload)
      Change c;
      c.to = State::kPlanned;
      c.next_attempt_at = now;
      // The row's updated_at is when its request started (the sending transition). A lookup
      // must not run before that request could still land.
      if (acc.connector->recovery() == connectors::Recovery::kLookup) {
        const core::Timestamp settled = add(row.updated_at, policy.recovery_settle);
        if (between(now, settled) > nanoseconds(0)) c.next_attempt_at = settled;
      }
      c.reason = std::string("outcome unknown after a restart; recovering by ") +
                 connectors::to_string(acc.connector->recovery());
      move(row, c);
    }
  }

  // Articles that went live while the daemon was down (or since the last start).
  auto known = ledger_.known(name);
  if (!known) {
    report(known.error());
    return arm(acc, clock_.monotonic_now() + policy.backoff_base);
  }
  std::unordered_map<std::string, KnownDelivery> by_article;
  for (KnownDelivery& k : *known) by_article.emplace(k.article_id, std::move(k));
  std::vector<NewDelivery> rows;
  for (const auto& [id, a] : articles_) {
    auto k = by_article.find(id);
    if (a.status == core::ArticleStatus::kRetracted) {
      if (k != by_article.end() && k->second.state == State::kSent && policy.delete_on_retraction) {
        if (auto row = ledger_.get(k->second.id); row) {
          queue_removal(acc, *row);
        } else {
          report(row.error());
        }
      }
      continue;
    }
    if (!live(a) || !matches(policy.filter, a, policy.site_language)) continue;
    const bool too_old = between(a.published, now) > policy.max_age;
    if (k == by_article.end()) {
      rows.push_back(NewDelivery{
          id, name, too_old ? State::kSkipped : State::kPlanned, a.published, now,
          too_old ? "older than max_age (" + describe(policy.max_age) + ") when it went live"
                  : ""});
    } else if (k->second.cancelled && !too_old) {
      if (auto row = ledger_.get(k->second.id); row) {
        Change c;
        c.to = State::kPlanned;
        c.next_attempt_at = now;
        c.reason = "";
        move(*row, c);
      }
    }
  }
  auto created = ledger_.insert(rows, now);
  if (!created) {
    report(created.error());
    return arm(acc, clock_.monotonic_now() + policy.backoff_base);
  }
  for (const DeliveryRow& row : *created) emit(row, row);
  acc.needs_start = false;
  pump(acc);
}

// ---- store changes ----------------------------------------------------------------------------

void Engine::upsert(const core::Article& article) {
  plan(remember(article));
}

void Engine::plan(const core::Article& article) {
  if (article.status == core::ArticleStatus::kRetracted) {
    return cancel(article.id, std::string(kCancelledPrefix) + "retracted before it went out", true);
  }
  if (article.status == core::ArticleStatus::kDraft) {
    return cancel(article.id, std::string(kCancelledPrefix) + "unpublished before it went out",
                  false);
  }
  if (article.published > clock_.now()) return arm_embargo(article);
  if (auto t = embargo_timers_.find(article.id); t != embargo_timers_.end()) {
    scheduler_.cancel(t->second);
    embargo_timers_.erase(t);
  }
  if (!started_) return;
  for (auto& [name, acc] : accounts_) {
    if (acc->started && !acc->needs_start) plan_for(*acc, article);
  }
}

void Engine::plan_for(Account& acc, const core::Article& article) {
  const AccountPolicy& policy = acc.policy;
  if (!matches(policy.filter, article, policy.site_language)) return;
  const core::Timestamp now = clock_.now();
  const bool too_old = between(article.published, now) > policy.max_age;
  auto existing = ledger_.find(article.id, policy.name);
  if (!existing) return report(existing.error());
  if (*existing) {
    // An edit: the row is the memory of the first publication. Only a cancelled row comes back.
    const DeliveryRow& row = **existing;
    if (row.state == State::kSkipped && row.reason.starts_with(kCancelledPrefix) && !too_old) {
      Change c;
      c.to = State::kPlanned;
      c.next_attempt_at = now;
      c.reason = "";
      move(row, c);
      pump(acc);
    }
    return;
  }
  NewDelivery n{
      article.id,
      policy.name,
      too_old ? State::kSkipped : State::kPlanned,
      article.published,
      now,
      too_old ? "older than max_age (" + describe(policy.max_age) + ") when it went live" : ""};
  auto created = ledger_.insert({n}, now);
  if (!created) return report(created.error());
  for (const DeliveryRow& row : *created) emit(row, row);
  pump(acc);
}

void Engine::cancel(const std::string& article_id, const std::string& why, bool retracted) {
  if (auto t = embargo_timers_.find(article_id); t != embargo_timers_.end()) {
    scheduler_.cancel(t->second);
    embargo_timers_.erase(t);
  }
  for (auto& [name, acc] : accounts_) {
    auto row = ledger_.find(article_id, name);
    if (!row) {
      report(row.error());
      continue;
    }
    if (!*row) continue;
    const DeliveryRow& r = **row;
    if (r.state == State::kPlanned || r.state == State::kNeedsReconnect) {
      Change c;
      c.to = State::kSkipped;
      c.reason = why;
      move(r, c);
    } else if (r.state == State::kSent && retracted && acc->policy.delete_on_retraction) {
      queue_removal(*acc, r);
    }
    // kSending: the call in flight decides; its outcome checks the article's status.
  }
}

void Engine::remove(const std::string& article_id) {
  articles_.erase(article_id);
  cancel(article_id, std::string(kCancelledPrefix) + "removed from the store before it went out",
         false);
}

void Engine::arm_embargo(const core::Article& article) {
  if (auto t = embargo_timers_.find(article.id); t != embargo_timers_.end()) {
    scheduler_.cancel(t->second);
  }
  if (stopping_) return;
  embargo_timers_[article.id] =
      scheduler_.call_at(mono_at(article.published), [this, id = article.id] {
        embargo_timers_.erase(id);
        auto it = articles_.find(id);
        if (it == articles_.end()) return;
        const core::Article copy = it->second;
        plan(copy);
      });
}

// ---- sending ----------------------------------------------------------------------------------

void Engine::arm(Account& acc, core::MonotonicTime when) {
  if (acc.timer != 0) scheduler_.cancel(acc.timer);
  acc.timer = 0;
  if (stopping_) return;
  acc.timer = scheduler_.call_at(when, [this, name = acc.policy.name] {
    if (Account* a = find_account(name)) {
      a->timer = 0;
      pump(*a);
    }
  });
}

// The ledger refused a write (disk full, locked too long, or another process changed the row):
// do not spin on the same row; look again after a while.
void Engine::retry_later(Account& acc) {
  acc.repump = false;
  arm(acc, clock_.monotonic_now() + acc.policy.backoff_base);
}

void Engine::pump(Account& acc) {
  if (acc.pumping) {
    acc.repump = true;
    return;
  }
  acc.pumping = true;
  do {
    acc.repump = false;
    pump_once(acc);
  } while (acc.repump);
  acc.pumping = false;
}

void Engine::pump_once(Account& acc) {
  if (acc.timer != 0) {
    scheduler_.cancel(acc.timer);
    acc.timer = 0;
  }
  if (!started_ || stopping_ || acc.stopped || acc.in_flight || !acc.started) return;
  if (acc.needs_start) return start_account(acc);

  const core::Timestamp now = clock_.now();
  const core::MonotonicTime mono = clock_.monotonic_now();
  core::MonotonicTime gate = mono;  // no request before this: spacing and the server's pause
  if (acc.last_start) gate = std::max(gate, *acc.last_start + acc.policy.min_spacing);
  if (acc.pause_until && *acc.pause_until > now) gate = std::max(gate, mono_at(*acc.pause_until, now, mono));

  // A removal (retraction) goes before new posts.
  std::optional<core::MonotonicTime> removal_at;
  for (const Removal& r : acc.removals) {
    const core::MonotonicTime at = std::max(gate, mono_at(r.due, now, mono));
    if (!removal_at || at < *removal_at) removal_at = at;
  }
  if (removal_at && *removal_at <= mono) return dispatch_removal(acc);

  auto next = ledger_.next_planned(acc.policy.name, now);
  if (!next) {
    report(next.error());
    return arm(acc, mono + acc.policy.backoff_base);
  }
  std::optional<core::MonotonicTime> send_at;
  if (*next) send_at = std::max(gate, mono_at((*next)->next_attempt_at, now, mono));
  if (send_at && *send_at <= mono) return dispatch_send(acc, std::move(**next));

  std::optional<core::MonotonicTime> wake = removal_at;
  if (send_at && (!wake || *send_at < *wake)) wake = send_at;
  if (wake) arm(acc, *wake);
}

void Engine::dispatch_send(Account& acc, DeliveryRow row) {
  const core::Timestamp now = clock_.now();
  acc.repump = true;  // whatever happens here, look for the next row afterwards
  auto it = articles_.find(row.article_id);
  if (it == articles_.end() || it->second.status != core::ArticleStatus::kPublished) {
    Change c;
    c.to = State::kSkipped;
    c.reason = std::string(kCancelledPrefix) + (it == articles_.end()
                                                    ? "not in the store when its turn came"
                                                    : "not published when its turn came");
    if (!move(row, c)) retry_later(acc);
    return;
  }
  const core::Article& article = it->second;
  if (article.published > now) {  // an edit moved the embargo later
    Change c;
    c.to = State::kPlanned;
    c.next_attempt_at = article.published;
    c.reason = "embargoed until " + core::format_rfc3339(article.published);
    if (!move(row, c)) retry_later(acc);
    return;
  }
  auto post = acc.connector->compose(article);
  if (!post) {
    Change c;
    c.to = State::kFailed;
    c.reason = "cannot compose the post: " + post.error().to_string();
    if (!move(row, c)) return retry_later(acc);
    ++acc.stats.failed;
    return;
  }
  Change c;
  c.to = State::kSending;
  c.attempts = row.attempts + 1;
  c.mark_maybe_sent = true;
  c.text = post->text;
  auto sending = move(row, c);
  if (!sending) return retry_later(acc);  // nothing leaves without its row written
  acc.repump = false;

  struct Call {
    std::shared_ptr<connectors::Connector> connector;
    core::Article article;
    connectors::Post post;
    std::string key;
    int attempt = 1;
    bool recovering = false;
    core::Timestamp planned_published;
    bool found = false;  // written by the worker, read by done (after the worker finished)
  };
  auto call = std::make_shared<Call>();
  call->connector = acc.connector;
  call->article = article;
  call->post = std::move(*post);
  call->key = delivery_key(row.article_id, row.account);
  call->attempt = sending->attempts;
  call->recovering = row.maybe_sent;
  call->planned_published = row.published;

  acc.in_flight = true;
  const std::uint64_t seq = ++acc.call_seq;
  acc.last_start = clock_.monotonic_now();
  ++acc.stats.attempts;
  in_flight_rows_.insert(sending->id);
  ++in_flight_calls_;

  Dispatcher::Work work = [call] {
    connectors::Delivery d{call->article, call->post,       call->key,
                           call->attempt, call->recovering, call->planned_published};
    if (call->recovering && call->connector->recovery() == connectors::Recovery::kLookup) {
      Outcome found = call->connector->find(d);
      if (found.kind == Outcome::Kind::kSent) {
        call->found = true;
        return found;
      }
      if (found.kind != Outcome::Kind::kNotFound) return found;  // cannot tell: try later
    }
    return call->connector->publish(d);
  };
  Dispatcher::Done done = [this, alive = alive_, call, seq, name = acc.policy.name,
                           policy = acc.policy, row = *sending](Outcome outcome) {
    if (!*alive) return;
    --in_flight_calls_;
    in_flight_rows_.erase(row.id);
    if (Account* a = find_account(name); a != nullptr && a->in_flight && a->call_seq == seq) {
      a->in_flight = false;
    }
    on_sent_outcome(name, policy, row, call->article, call->found, std::move(outcome));
  };
  dispatcher_.run(acc.policy.name, std::move(work), std::move(done));
}

void Engine::on_sent_outcome(const std::string& name, const AccountPolicy& policy, DeliveryRow row,
                             const core::Article& article, bool found, Outcome outcome) {
  Account* acc = find_account(name);
  const core::Timestamp now = clock_.now();
  if (acc && outcome.pause_until &&
      (!acc->pause_until || *acc->pause_until < *outcome.pause_until)) {
    acc->pause_until = outcome.pause_until;
  }
  AccountStats scratch;
  AccountStats& stats = acc ? acc->stats : scratch;
  Change c;
  switch (outcome.kind) {
    case Outcome::Kind::kSent: {
      c.to = State::kSent;
      c.sent_at = now;
      c.remote_id = outcome.remote.id;
      c.remote_url = outcome.remote.url;
      // The connector's note on a success (e.g. "posted without the image: ...") is kept.
      c.reason = found ? "found by lookup after an unknown outcome" : outcome.reason;
      auto sent = ledger_.transition(row.id, row.state, c, now);
      if (!sent) {
        report(sent.error());
        break;
      }
      const nanoseconds latency = between(article.published, now);
      emit(row, *sent, latency);
      ++stats.sent;
      ++latency_count_;
      latency_seconds_sum_ += std::chrono::duration<double>(latency).count();
      // Retracted while it was in flight.
      auto current = articles_.find(row.article_id);
      if (acc && policy.delete_on_retraction && current != articles_.end() &&
          current->second.status == core::ArticleStatus::kRetracted) {
        queue_removal(*acc, *sent);
      }
      break;
    }
    case Outcome::Kind::kTransient:
      ++stats.transient;
      if (outcome.progress) {
        // A lookup that got further (e.g. through a busy channel): not an attempt used up.
        c.attempts = std::max(0, row.attempts - 1);
      }
      if (row.attempts >= policy.max_attempts && !outcome.progress) {
        c.to = State::kFailed;
        c.reason = "dead after " + std::to_string(row.attempts) + " attempts: " + outcome.reason;
        ++stats.failed;
      } else {
        core::Timestamp next = add(now, backoff(policy, row.attempts));
        if (outcome.retry_at && *outcome.retry_at > next) next = *outcome.retry_at;
        c.to = State::kPlanned;
        c.next_attempt_at = next;
        c.reason = outcome.reason;
      }
      move(row, c);
      break;
    case Outcome::Kind::kNotFound:  // not an answer publish() gives: never loop on it
    case Outcome::Kind::kPermanent:
      c.to = State::kFailed;
      c.reason = outcome.kind == Outcome::Kind::kPermanent
                     ? outcome.reason
                     : "unexpected answer 'not-found' to a publish: " + outcome.reason;
      ++stats.failed;
      move(row, c);
      break;
    case Outcome::Kind::kStopAccount:
      c.to = State::kNeedsReconnect;
      c.reason = outcome.reason;
      ++stats.stops;
      move(row, c);
      if (acc) stop_account(*acc, outcome.reason);
      break;
  }
  if (acc) pump(*acc);
}

void Engine::stop_account(Account& acc, const std::string& reason) {
  acc.stopped = true;
  acc.stop_reason = reason;
  if (acc.timer != 0) scheduler_.cancel(acc.timer);
  acc.timer = 0;
  if (options_.observer) {
    options_.observer->on_alert(acc.policy.name,
                                "account '" + acc.policy.name + "' (" + acc.policy.network +
                                    ") stopped: " + reason +
                                    "; nothing more is posted for it until it is reconnected "
                                    "(fix its credentials, then reload)");
  }
}

// ---- retraction -------------------------------------------------------------------------------

void Engine::queue_removal(Account& acc, const DeliveryRow& row) {
  for (const Removal& r : acc.removals) {
    if (r.row_id == row.id) return;
  }
  acc.removals.push_back(
      Removal{row.id, row.article_id, {row.remote_id, row.remote_url}, 0, clock_.now()});
  pump(acc);
}

void Engine::dispatch_removal(Account& acc) {
  const core::Timestamp now = clock_.now();
  auto it = std::find_if(acc.removals.begin(), acc.removals.end(),
                         [&](const Removal& r) { return r.due <= now; });
  if (it == acc.removals.end()) return;
  Removal removal = std::move(*it);
  acc.removals.erase(it);

  acc.in_flight = true;
  const std::uint64_t seq = ++acc.call_seq;
  acc.last_start = clock_.monotonic_now();
  ++in_flight_calls_;
  Dispatcher::Work work = [connector = acc.connector, remote = removal.remote] {
    return connector->remove(remote);
  };
  Dispatcher::Done done = [this, alive = alive_, seq, name = acc.policy.name, policy = acc.policy,
                           removal](Outcome outcome) {
    if (!*alive) return;
    --in_flight_calls_;
    if (Account* a = find_account(name); a != nullptr && a->in_flight && a->call_seq == seq) {
      a->in_flight = false;
    }
    on_removal_outcome(name, policy, removal, std::move(outcome));
  };
  dispatcher_.run(acc.policy.name, std::move(work), std::move(done));
}

void Engine::on_removal_outcome(const std::string& name, const AccountPolicy& policy,
                                Removal removal, Outcome outcome) {
  Account* acc = find_account(name);
  const core::Timestamp now = clock_.now();
  if (acc && outcome.pause_until &&
      (!acc->pause_until || *acc->pause_until < *outcome.pause_until)) {
    acc->pause_until = outcome.pause_until;
  }
  auto give_up = [&](const std::string& why) {
    auto row = ledger_.get(removal.row_id);
    if (!row) return report(row.error());
    Change c;
    c.to = State::kSent;
    c.reason = "retraction could not delete the remote post: " + why;
    move(*row, c);
  };
  if (outcome.ok()) {
    auto row = ledger_.get(removal.row_id);
    if (!row) {
      report(row.error());
    } else {
      Change c;
      c.to = State::kDeleted;
      c.reason = outcome.kind == Outcome::Kind::kNotFound
                     ? "retracted; the remote post was already gone"
                     : "retracted; remote post deleted";
      if (move(*row, c) && acc) ++acc->stats.deleted;
    }
  } else if (outcome.kind == Outcome::Kind::kTransient) {
    ++removal.attempts;
    if (removal.attempts >= policy.max_attempts) {
      give_up("dead after " + std::to_string(removal.attempts) + " attempts: " + outcome.reason);
    } else if (acc) {
      core::Timestamp next = add(now, backoff(policy, removal.attempts));
      if (outcome.retry_at && *outcome.retry_at > next) next = *outcome.retry_at;
      removal.due = next;
      acc->removals.push_back(std::move(removal));
    }
  } else if (outcome.kind == Outcome::Kind::kStopAccount) {
    if (acc) {
      acc->removals.push_back(std::move(removal));
      stop_account(*acc, outcome.reason);
    }
  } else {
    give_up(outcome.reason);
  }
  if (acc) pump(*acc);
}

// ---- housekeeping -----------------------------------------------------------------------------

void Engine::arm_rescan() {
  if (rescan_timer_ != 0) scheduler_.cancel(rescan_timer_);
  rescan_timer_ = 0;
  if (stopping_ || options_.rescan_interval <= nanoseconds(0)) return;
  rescan_timer_ = scheduler_.call_at(clock_.monotonic_now() + options_.rescan_interval, [this] {
    rescan_timer_ = 0;
    rescan();
    arm_rescan();
  });
}

void Engine::rescan() {
  if (!started_ || stopping_) return;
  for (auto& [name, acc] : accounts_) pump(*acc);
}

void Engine::stop() {
  stopping_ = true;
  for (auto& [name, acc] : accounts_) {
    if (acc->timer != 0) scheduler_.cancel(acc->timer);
    acc->timer = 0;
  }
  for (const auto& [id, timer] : embargo_timers_) scheduler_.cancel(timer);
  embargo_timers_.clear();
  if (rescan_timer_ != 0) scheduler_.cancel(rescan_timer_);
  rescan_timer_ = 0;
}

bool Engine::idle() const { return in_flight_calls_ == 0; }

EngineStats Engine::stats() {
  EngineStats s;
  for (const auto& [name, acc] : accounts_) {
    AccountStats a = acc->stats;
    a.stopped = acc->stopped;
    a.stop_reason = acc->stop_reason;
    a.in_flight = acc->in_flight;
    s.accounts.push_back(std::move(a));
  }
  if (auto rows = ledger_.count_by_state(); rows) {
    s.rows = std::move(*rows);
  } else {
    report(rows.error());
  }
  s.ledger_errors = ledger_errors_;
  s.latency_count = latency_count_;
  s.latency_seconds_sum = latency_seconds_sum_;
  return s;
}

}  // namespace syndicated::outbox
