// Engine scenarios on a fake clock against the real SqliteLedger in a temp dir. No sleeps: time
// only moves when a test advances the FakeClock, which fires the engine's timers.
#include "outbox/engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

#include "outbox/sqlite_ledger.hpp"
#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_connector.hpp"
#include "tests/unit/outbox/temp_dir.hpp"

namespace syndicated::outbox {
namespace {

using connectors::Outcome;
using connectors::Recovery;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeConnector;

struct RecordingObserver final : EngineObserver {
  void on_transition(const TransitionEvent& e) override { events.push_back(e); }
  void on_alert(const std::string& account, const std::string& message) override {
    alerts.emplace_back(account, message);
  }
  void on_error(const core::Error& error) override { errors.push_back(error.to_string()); }
  std::vector<TransitionEvent> events;
  std::vector<std::pair<std::string, std::string>> alerts;
  std::vector<std::string> errors;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open_ledger();
    x_ = std::make_shared<FakeConnector>("x", Recovery::kLookup);
    hook_ = std::make_shared<FakeConnector>("webhook", Recovery::kIdempotencyKey);
  }
  void TearDown() override { EXPECT_TRUE(observer_.errors.empty()) << observer_.errors.front(); }

  void open_ledger() {
    auto l = SqliteLedger::open(dir_.path() / "outbox.sqlite");
    ASSERT_TRUE(l.ok()) << l.error().to_string();
    ledger_ = std::move(l).value();
  }
  // The process dies: the engine and its ledger connection are gone without a word.
  void crash() {
    engine_.reset();
    ledger_.reset();
    open_ledger();
  }

  AccountPolicy policy(const std::string& name, const std::string& network) {
    AccountPolicy p;
    p.name = name;
    p.network = network;
    p.min_spacing = seconds(60);
    return p;
  }
  void make_engine(Dispatcher& dispatcher, std::vector<AccountPolicy> policies = {}) {
    EngineOptions options;
    options.jitter = [this] { return jitter_; };
    options.observer = &observer_;
    engine_ = std::make_unique<Engine>(*ledger_, clock_, clock_, dispatcher, options);
    if (policies.empty()) policies.push_back(policy("x_main", "x"));
    for (AccountPolicy& p : policies) {
      engine_->add_account(p, p.network == "x" ? std::shared_ptr<connectors::Connector>(x_)
                                               : std::shared_ptr<connectors::Connector>(hook_));
    }
  }
  void make_engine(std::vector<AccountPolicy> policies = {}) {
    make_engine(inline_, std::move(policies));
  }

  core::Article article(const std::string& id, std::chrono::seconds published_from_now = {}) {
    core::Article a;
    a.id = id;
    a.title = "Title " + id;
    a.url = "https://news.example/" + id;
    a.published = add(clock_.now(), published_from_now);
    a.categories = {{"Politics", "politics"}};
    return a;
  }

  DeliveryRow row(const std::string& article_id, const std::string& account = "x_main") {
    auto r = ledger_->find(article_id, account);
    EXPECT_TRUE(r.ok() && r->has_value()) << article_id << " has no row for " << account;
    return r.ok() && r->has_value() ? **r : DeliveryRow{};
  }
  std::vector<std::string> published_ids(const FakeConnector& c) {
    std::vector<std::string> ids;
    for (const auto& call : c.published()) ids.push_back(call.article_id);
    return ids;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<SqliteLedger> ledger_;
  std::shared_ptr<FakeConnector> x_;
  std::shared_ptr<FakeConnector> hook_;
  InlineDispatcher inline_;
  RecordingObserver observer_;
  double jitter_ = 0.5;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, FirstStartRecordsWhatExistsAndPostsNothing) {
  make_engine();
  core::Article embargoed = article("embargoed", seconds(600));
  core::Article draft = article("draft", seconds(-60));
  draft.status = core::ArticleStatus::kDraft;
  engine_->start({article("a1", seconds(-3600)), article("a2", seconds(-60)), embargoed, draft});
  clock_.advance(seconds(1));

  EXPECT_TRUE(x_->published().empty());
  EXPECT_EQ(row("a1").state, State::kSkipped);
  EXPECT_EQ(row("a1").reason, "existed at the account's first start");
  EXPECT_EQ(row("a2").state, State::kSkipped);
  auto account = ledger_->account("x_main");
  ASSERT_TRUE(account.ok() && account->has_value());
  EXPECT_EQ((*account)->network, "x");

  // A restart is not a first start: still nothing posted.
  crash();
  make_engine();
  engine_->start({article("a1", seconds(-3600)), article("a2", seconds(-60)), embargoed});
  clock_.advance(seconds(60));
  EXPECT_TRUE(x_->published().empty());

  // What was embargoed at the first start is new when its embargo lifts.
  clock_.advance(seconds(600));
  EXPECT_EQ(published_ids(*x_), std::vector<std::string>{"embargoed"});
}

TEST_F(EngineTest, NewArticleIsPostedOnceAndEditsNeverRepost) {
  make_engine();
  engine_->start({});
  core::Article a = article("a1");
  engine_->upsert(a);

  ASSERT_EQ(x_->published().size(), 1u);
  const auto call = x_->published()[0];
  EXPECT_EQ(call.key, delivery_key("a1", "x_main"));
  EXPECT_EQ(call.attempt, 1);
  EXPECT_FALSE(call.recovering);
  DeliveryRow r = row("a1");
  EXPECT_EQ(r.state, State::kSent);
  EXPECT_EQ(r.text, "Title a1 https://news.example/a1");
  EXPECT_EQ(r.remote_id, "remote-1");
  EXPECT_EQ(r.remote_url, "https://fake.example/x/remote-1");
  EXPECT_EQ(r.sent_at, clock_.now());

  a.title = "Corrected title";
  a.updated = add(clock_.now(), seconds(300));
  clock_.advance(minutes(5));
  engine_->upsert(a);
  clock_.advance(hours(2));
  EXPECT_EQ(x_->published().size(), 1u);

  crash();
  make_engine();
  engine_->start({a});
  clock_.advance(hours(1));
  EXPECT_EQ(x_->published().size(), 1u);
  EXPECT_EQ(x_->created(), 1);
}

// A real clock moves between two reads. Due times must be compared against one reading, or a
// row due "now" always looks a few nanoseconds ahead and is re-armed instead of sent.
class TickingClock final : public core::Clock {
 public:
  explicit TickingClock(const core::Clock& base) : base_(base) {}
  core::Timestamp now() const override { return add(base_.now(), tick()); }
  core::MonotonicTime monotonic_now() const override { return base_.monotonic_now() + tick(); }

 private:
  std::chrono::nanoseconds tick() const { return std::chrono::microseconds(++reads_); }
  const core::Clock& base_;
  mutable std::int64_t reads_ = 0;
};

TEST_F(EngineTest, ADueRowIsSentAtOnceWhenTheClockMovesBetweenReads) {
  TickingClock ticking(clock_);
  EngineOptions options;
  options.observer = &observer_;
  engine_ = std::make_unique<Engine>(*ledger_, ticking, clock_, inline_, options);
  engine_->add_account(policy("x_main", "x"), x_);
  engine_->start({});
  engine_->upsert(article("a1", seconds(-1)));
  EXPECT_EQ(published_ids(*x_), std::vector<std::string>{"a1"});
}

TEST_F(EngineTest, TheConnectorsNoteOnASuccessIsKept) {
  make_engine();
  engine_->start({});
  connectors::Outcome sent = testing::outcome(connectors::Outcome::Kind::kSent,
                                     "posted without the image: 404 from the image host");
  sent.remote = {"r-1", "https://fake.example/x/r-1"};
  x_->push_publish(sent);
  engine_->upsert(article("a1"));
  EXPECT_EQ(row("a1").state, State::kSent);
  EXPECT_EQ(row("a1").reason, "posted without the image: 404 from the image host");
}

TEST_F(EngineTest, ObserverSeesTransitionsAndLatency) {
  make_engine();
  engine_->start({});
  clock_.advance(seconds(90));
  engine_->upsert(article("a1", seconds(-90)));  // written 90 s ago, reached the store now
  auto sent = std::find_if(observer_.events.begin(), observer_.events.end(),
                           [](const TransitionEvent& e) { return e.to == State::kSent; });
  ASSERT_NE(sent, observer_.events.end());
  EXPECT_EQ(sent->from, State::kSending);
  EXPECT_EQ(sent->account, "x_main");
  EXPECT_EQ(sent->attempt, 1);
  ASSERT_TRUE(sent->latency.has_value());
  EXPECT_EQ(*sent->latency, seconds(90));
  EngineStats stats = engine_->stats();
  ASSERT_EQ(stats.accounts.size(), 1u);
  EXPECT_EQ(stats.accounts[0].sent, 1u);
  EXPECT_EQ(stats.accounts[0].attempts, 1u);
  EXPECT_EQ(stats.latency_count, 1u);
  EXPECT_DOUBLE_EQ(stats.latency_seconds_sum, 90.0);
  ASSERT_EQ(stats.rows.size(), 1u);
  EXPECT_EQ(stats.rows[0].state, State::kSent);
}

TEST_F(EngineTest, EmbargoLiftPostsAtTheMinute) {
  make_engine();
  engine_->start({});
  const core::Article a = article("a1", seconds(600));
  engine_->upsert(a);
  clock_.advance(seconds(599));
  EXPECT_TRUE(x_->published().empty());
  clock_.advance(seconds(1));
  ASSERT_EQ(x_->published().size(), 1u);
  EXPECT_EQ(row("a1").sent_at, a.published);
}

TEST_F(EngineTest, EmbargoMovedLaterByAnEditWaits) {
  make_engine();
  engine_->start({});
  core::Article a = article("a1", seconds(600));
  engine_->upsert(a);
  a.published = add(a.published, seconds(600));
  engine_->upsert(a);
  clock_.advance(seconds(900));
  EXPECT_TRUE(x_->published().empty());
  clock_.advance(seconds(300));
  EXPECT_EQ(x_->published().size(), 1u);
}

TEST_F(EngineTest, ArticlesOlderThanMaxAgeAreNeverPosted) {
  make_engine();
  engine_->start({});
  engine_->upsert(article("backdated", -seconds(hours(25))));
  clock_.advance(hours(1));
  EXPECT_TRUE(x_->published().empty());
  EXPECT_EQ(row("backdated").state, State::kSkipped);
  EXPECT_EQ(row("backdated").reason, "older than max_age (24h) when it went live");

  // The daemon was down: what went out meanwhile is posted if young enough.
  crash();
  clock_.advance(hours(30));
  make_engine();
  engine_->start(
      {article("while-down", -seconds(hours(2))), article("long-ago", -seconds(hours(29)))});
  clock_.advance(minutes(5));
  EXPECT_EQ(published_ids(*x_), std::vector<std::string>{"while-down"});
  EXPECT_EQ(row("long-ago").state, State::kSkipped);
}

TEST_F(EngineTest, BurstOfTwentyIsPacedOldestFirst) {
  make_engine();
  engine_->start({});
  crash();
  // 20 stories went out at once while the daemon restarted, in no particular order.
  std::vector<core::Article> burst;
  for (int i = 0; i < 20; ++i) {
    const int n = (i * 7) % 20;  // a permutation of 0..19
    burst.push_back(article("story-" + std::to_string(n), seconds(-100 + n)));
  }
  make_engine();
  engine_->start(burst);
  EXPECT_EQ(x_->published().size(), 1u);
  clock_.advance(seconds(59));
  EXPECT_EQ(x_->published().size(), 1u);
  clock_.advance(seconds(1));
  EXPECT_EQ(x_->published().size(), 2u);
  clock_.advance(minutes(18));
  EXPECT_EQ(x_->published().size(), 20u);
  std::vector<std::string> expected;
  for (int n = 0; n < 20; ++n) expected.push_back("story-" + std::to_string(n));
  EXPECT_EQ(published_ids(*x_), expected);
}

TEST_F(EngineTest, TransientFailureBacksOffWithJitterAndHonoursRetryAt) {
  AccountPolicy p = policy("x_main", "x");
  p.backoff_base = seconds(30);
  make_engine({p});
  engine_->start({});
  jitter_ = 0.0;
  x_->push_publish(testing::transient("timeout"));
  const core::Timestamp t0 = clock_.now();
  engine_->upsert(article("a1"));
  DeliveryRow r = row("a1");
  EXPECT_EQ(r.state, State::kPlanned);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.reason, "timeout");
  // Attempt 1: a delay in [base/2, base).
  EXPECT_EQ(r.next_attempt_at, add(t0, seconds(15)));

  jitter_ = 0.99;
  x_->push_publish(testing::transient("503"));
  clock_.advance(seconds(60));  // spacing (60 s) comes before the backoff's 15 s
  ASSERT_EQ(x_->published().size(), 2u);
  r = row("a1");
  EXPECT_EQ(r.attempts, 2);
  const core::Timestamp t1 = clock_.now();
  // Attempt 2: [30 s, 60 s).
  EXPECT_GE(r.next_attempt_at, add(t1, seconds(30)));
  EXPECT_LT(r.next_attempt_at, add(t1, seconds(60)));

  // A 429 with x-rate-limit-reset in 15 minutes: no retry before that.
  x_->push_publish(testing::transient("429", add(t1, minutes(15) + seconds(60))));
  clock_.advance(seconds(60));
  ASSERT_EQ(x_->published().size(), 3u);
  const core::Timestamp t2 = clock_.now();
  EXPECT_EQ(row("a1").next_attempt_at, add(t2, minutes(15)));
  clock_.advance(minutes(15) - seconds(1));
  EXPECT_EQ(x_->published().size(), 3u);
  clock_.advance(seconds(1));
  ASSERT_EQ(x_->published().size(), 4u);
  // Every retry says an earlier request may have reached the network.
  EXPECT_TRUE(x_->published()[3].recovering);
  EXPECT_EQ(x_->published()[3].attempt, 4);
  EXPECT_EQ(row("a1").state, State::kSent);
}

TEST_F(EngineTest, PauseUntilHoldsTheAccount) {
  make_engine();
  engine_->start({});
  Outcome ok = testing::outcome(Outcome::Kind::kSent);
  ok.pause_until = add(clock_.now(), minutes(10));
  x_->push_publish(ok);
  engine_->upsert(article("a1"));
  engine_->upsert(article("a2"));
  clock_.advance(minutes(10) - seconds(1));
  EXPECT_EQ(x_->published().size(), 1u);
  clock_.advance(seconds(1));
  EXPECT_EQ(x_->published().size(), 2u);
}

TEST_F(EngineTest, PermanentFailureIsNotRetried) {
  make_engine();
  engine_->start({});
  x_->push_publish(testing::outcome(Outcome::Kind::kPermanent, "403 duplicate content"));
  engine_->upsert(article("a1"));
  clock_.advance(hours(5));
  EXPECT_EQ(x_->published().size(), 1u);
  EXPECT_EQ(row("a1").state, State::kFailed);
  EXPECT_EQ(row("a1").reason, "403 duplicate content");
}

TEST_F(EngineTest, ComposeErrorFails) {
  make_engine();
  engine_->start({});
  x_->fail_compose("a1", "the URL alone is over the limit");
  engine_->upsert(article("a1"));
  EXPECT_TRUE(x_->published().empty());
  EXPECT_EQ(row("a1").state, State::kFailed);
  EXPECT_NE(row("a1").reason.find("the URL alone is over the limit"), std::string::npos);
}

TEST_F(EngineTest, DeadAfterMaxAttempts) {
  AccountPolicy p = policy("x_main", "x");
  p.max_attempts = 3;
  make_engine({p});
  engine_->start({});
  for (int i = 0; i < 3; ++i) x_->push_publish(testing::transient("503 Service Unavailable"));
  engine_->upsert(article("a1"));
  clock_.advance(hours(3));
  EXPECT_EQ(x_->published().size(), 3u);
  EXPECT_EQ(row("a1").state, State::kFailed);
  EXPECT_EQ(row("a1").reason, "dead after 3 attempts: 503 Service Unavailable");
}

TEST_F(EngineTest, StopAccountParksItWhileOthersKeepPosting) {
  make_engine({policy("x_main", "x"), policy("hook", "webhook")});
  engine_->start({});
  x_->push_publish(testing::outcome(Outcome::Kind::kStopAccount, "402 CreditsDepleted"));
  engine_->upsert(article("a1"));
  EXPECT_EQ(row("a1", "x_main").state, State::kNeedsReconnect);
  EXPECT_EQ(row("a1", "x_main").reason, "402 CreditsDepleted");
  EXPECT_EQ(row("a1", "hook").state, State::kSent);
  ASSERT_EQ(observer_.alerts.size(), 1u);
  EXPECT_EQ(observer_.alerts[0].first, "x_main");
  EXPECT_NE(observer_.alerts[0].second.find("402 CreditsDepleted"), std::string::npos);

  clock_.advance(minutes(2));
  engine_->upsert(article("a2"));
  clock_.advance(hours(3));
  EXPECT_EQ(x_->published().size(), 1u);
  EXPECT_EQ(row("a2", "x_main").state, State::kPlanned);
  EXPECT_EQ(row("a2", "hook").state, State::kSent);
  EXPECT_TRUE(engine_->stats().accounts[1].stopped);  // "x_main" sorts after "hook"

  // The operator fixed the credentials: both go out, paced.
  engine_->resume_account("x_main");
  clock_.advance(minutes(2));
  EXPECT_EQ(published_ids(*x_), (std::vector<std::string>{"a1", "a1", "a2"}));
  EXPECT_EQ(row("a1", "x_main").state, State::kSent);
  EXPECT_EQ(row("a2", "x_main").state, State::kSent);
}

TEST_F(EngineTest, RetractionDeletesWhenOptedIn) {
  AccountPolicy p = policy("x_main", "x");
  p.delete_on_retraction = true;
  make_engine({p, policy("hook", "webhook")});
  engine_->start({});
  core::Article a = article("a1");
  engine_->upsert(a);
  ASSERT_EQ(x_->posts().size(), 1u);
  const std::string remote = row("a1").remote_id;

  clock_.advance(minutes(5));
  a.status = core::ArticleStatus::kRetracted;
  engine_->upsert(a);
  ASSERT_EQ(x_->removed().size(), 1u);
  EXPECT_EQ(x_->removed()[0].id, remote);
  EXPECT_TRUE(x_->posts().empty());
  EXPECT_EQ(row("a1").state, State::kDeleted);
  // Without the opt-in nothing is deleted.
  EXPECT_TRUE(hook_->removed().empty());
  EXPECT_EQ(row("a1", "hook").state, State::kSent);
}

TEST_F(EngineTest, RetractionBeforeItWentOutCancelsAndRepublishingPlansAgain) {
  make_engine();
  engine_->start({});
  engine_->upsert(article("first"));
  core::Article a = article("a1");
  engine_->upsert(a);  // waits for the spacing
  a.status = core::ArticleStatus::kRetracted;
  engine_->upsert(a);
  clock_.advance(minutes(5));
  EXPECT_EQ(published_ids(*x_), std::vector<std::string>{"first"});
  EXPECT_EQ(row("a1").state, State::kSkipped);
  EXPECT_EQ(row("a1").reason, "cancelled: retracted before it went out");

  a.status = core::ArticleStatus::kPublished;
  engine_->upsert(a);
  clock_.advance(minutes(1));
  EXPECT_EQ(published_ids(*x_), (std::vector<std::string>{"first", "a1"}));
}

TEST_F(EngineTest, RemovedFromTheStoreBeforeItWentOutIsCancelled) {
  make_engine();
  engine_->start({});
  engine_->upsert(article("first"));
  engine_->upsert(article("a1"));
  engine_->remove("a1");
  clock_.advance(minutes(5));
  EXPECT_EQ(published_ids(*x_), std::vector<std::string>{"first"});
  EXPECT_EQ(row("a1").state, State::kSkipped);
}

TEST_F(EngineTest, FilterDecidesWhichAccountsPost) {
  AccountPolicy sport = policy("hook", "webhook");
  sport.filter.categories = {"Sport"};
  make_engine({policy("x_main", "x"), sport});
  engine_->start({});
  engine_->upsert(article("a1"));
  EXPECT_EQ(x_->published().size(), 1u);
  EXPECT_TRUE(hook_->published().empty());
  auto none = ledger_->find("a1", "hook");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(EngineTest, StopLetsTheCallInFlightFinish) {
  QueuedDispatcher queued;
  make_engine(queued);
  engine_->start({});
  engine_->upsert(article("a1"));
  engine_->upsert(article("a2"));
  ASSERT_EQ(queued.pending(), 1u);
  EXPECT_FALSE(engine_->idle());
  engine_->stop();
  queued.complete_all();
  EXPECT_TRUE(engine_->idle());
  EXPECT_EQ(row("a1").state, State::kSent);
  clock_.advance(hours(1));
  EXPECT_EQ(queued.pending(), 0u);
  EXPECT_EQ(row("a2").state, State::kPlanned);
}

TEST_F(EngineTest, OperatorRetryIsPickedUpByThePeriodicRescan) {
  make_engine();
  engine_->start({});
  x_->push_publish(testing::outcome(Outcome::Kind::kPermanent, "400 bad request"));
  engine_->upsert(article("a1"));
  ASSERT_EQ(row("a1").state, State::kFailed);

  clock_.advance(seconds(100));  // re-reads at 30, 60 and 90 s found nothing to do

  // `syndicated outbox retry ID` from another process, with its own connection.
  auto cli = SqliteLedger::open(dir_.path() / "outbox.sqlite");
  ASSERT_TRUE(cli.ok());
  ASSERT_TRUE((*cli)->retry(row("a1").id, clock_.now()).ok());
  clock_.advance(seconds(19));
  EXPECT_EQ(x_->published().size(), 1u);
  clock_.advance(seconds(1));
  EXPECT_EQ(x_->published().size(), 2u);
  EXPECT_EQ(row("a1").state, State::kSent);
}

// A crash while a request is in flight: the row is left `sending`. On the next start the
// outcome is resolved per the connector's Recovery, and the network never holds two posts.
struct CrashCase {
  Recovery recovery;
  bool reached_network;  // the request arrived before the process died
};

void PrintTo(const CrashCase& c, std::ostream* os) {
  *os << connectors::to_string(c.recovery)
      << (c.reached_network ? ", answer lost" : ", never left");
}

class CrashRecoveryTest : public EngineTest, public ::testing::WithParamInterface<CrashCase> {};

TEST_P(CrashRecoveryTest, NoDuplicate) {
  const CrashCase c = GetParam();
  x_->set_recovery(c.recovery);
  QueuedDispatcher queued;
  make_engine(queued);
  engine_->start({});
  const core::Article a = article("a1");
  engine_->upsert(a);
  ASSERT_EQ(queued.pending(), 1u);
  EXPECT_EQ(row("a1").state, State::kSending);
  EXPECT_EQ(row("a1").text, "Title a1 https://news.example/a1");
  if (c.reached_network) {
    queued.lose_answer_next();
  } else {
    queued.drop_all();
  }
  crash();
  EXPECT_EQ(row("a1").state, State::kSending);

  clock_.advance(minutes(3));
  make_engine();
  engine_->start({a});
  clock_.advance(minutes(1));

  DeliveryRow r = row("a1");
  EXPECT_EQ(r.state, State::kSent);
  EXPECT_EQ(x_->created(), 1);
  EXPECT_EQ(x_->posts().size(), 1u);
  EXPECT_EQ(r.remote_id, x_->posts().at("a1").id);
  const auto published = x_->published();
  if (c.recovery == Recovery::kLookup) {
    ASSERT_EQ(x_->found().size(), 1u);
    EXPECT_TRUE(x_->found()[0].recovering);
    ASSERT_EQ(published.size(), 1u);  // the lost one, or the one sent after the lookup
    if (c.reached_network) {
      EXPECT_EQ(r.reason, "found by lookup after an unknown outcome");
    } else {
      EXPECT_TRUE(published[0].recovering);
    }
  } else {
    EXPECT_TRUE(x_->found().empty());
    const std::size_t first_try = c.reached_network ? 1 : 0;
    ASSERT_EQ(published.size(), first_try + 1);
    EXPECT_TRUE(published.back().recovering);
    EXPECT_EQ(published.back().key, delivery_key("a1", "x_main"));
    EXPECT_EQ(published.back().attempt, 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Recoveries, CrashRecoveryTest,
                         ::testing::Values(CrashCase{Recovery::kLookup, true},
                                           CrashCase{Recovery::kLookup, false},
                                           CrashCase{Recovery::kIdempotencyKey, true},
                                           CrashCase{Recovery::kIdempotencyKey, false},
                                           CrashCase{Recovery::kDeterministicKey, true},
                                           CrashCase{Recovery::kDeterministicKey, false}),
                         [](const ::testing::TestParamInfo<CrashCase>& param_info) {
                           std::string name =
                               param_info.param.recovery == Recovery::kLookup ? "Lookup"
                               : param_info.param.recovery == Recovery::kIdempotencyKey
                                   ? "IdempotencyKey"
                                   : "DeterministicKey";
                           return name +
                                  (param_info.param.reached_network ? "AnswerLost" : "NeverLeft");
                         });

TEST_F(EngineTest, LookupRecoveryWaitsUntilTheDeadProcesssRequestCouldHaveLanded) {
  x_->set_recovery(Recovery::kLookup);
  QueuedDispatcher queued;
  make_engine(queued);
  engine_->start({});
  const core::Article a = article("a1");
  engine_->upsert(a);
  queued.lose_answer_next();  // it reached X; the answer died with the process
  crash();
  clock_.advance(seconds(5));  // restarted quickly (systemd Restart=)
  make_engine();
  engine_->start({a});
  clock_.advance(seconds(30));  // 35 s after the request: it could still be landing
  EXPECT_TRUE(x_->found().empty());
  EXPECT_EQ(row("a1").state, State::kPlanned);
  clock_.advance(seconds(10));  // 45 s: past recovery_settle (40 s)
  ASSERT_EQ(x_->found().size(), 1u);
  EXPECT_EQ(row("a1").state, State::kSent);
  EXPECT_EQ(x_->created(), 1);
}

TEST_F(EngineTest, ALookupThatGetsFurtherDoesNotUseUpAttempts) {
  // A lookup through a busy channel answers "cannot tell yet" with progress many times; the
  // delivery must not die of it before the lookup concludes.
  x_->set_recovery(Recovery::kLookup);
  QueuedDispatcher queued;
  make_engine(queued);
  engine_->start({});
  const core::Article a = article("a1");
  engine_->upsert(a);
  queued.lose_answer_next();
  crash();
  for (int i = 0; i < 12; ++i) {  // more than max_attempts (8)
    connectors::Outcome o = testing::transient("cannot tell yet: ids 1-30 are others'");
    o.progress = true;
    x_->push_find(o);
  }
  make_engine();
  engine_->start({a});
  clock_.advance(hours(6));
  EXPECT_EQ(x_->found().size(), 13u);  // 12 "cannot tell yet", then the real answer
  EXPECT_EQ(row("a1").state, State::kSent);
  EXPECT_EQ(x_->created(), 1);
}

TEST_F(EngineTest, LookupThatCannotTellTriesAgainLater) {
  x_->set_recovery(Recovery::kLookup);
  QueuedDispatcher queued;
  make_engine(queued);
  engine_->start({});
  const core::Article a = article("a1");
  engine_->upsert(a);
  queued.lose_answer_next();
  crash();
  x_->push_find(testing::transient("429 on the timeline"));
  make_engine();
  engine_->start({a});
  EXPECT_EQ(row("a1").state, State::kPlanned);
  EXPECT_TRUE(row("a1").maybe_sent);
  clock_.advance(minutes(2));
  EXPECT_EQ(x_->found().size(), 2u);  // asked again, never published blind
  EXPECT_EQ(x_->created(), 1);
  EXPECT_EQ(row("a1").state, State::kSent);
}

}  // namespace
}  // namespace syndicated::outbox
