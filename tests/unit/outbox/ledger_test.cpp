#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "outbox/sqlite_ledger.hpp"
#include "tests/unit/outbox/temp_dir.hpp"

namespace syndicated::outbox {
namespace {

using std::chrono::seconds;

const core::Timestamp kNow{1767225600, 0, 0};  // 2026-01-01T00:00:00Z

NewDelivery planned(std::string article, std::string account, core::Timestamp published = kNow) {
  return NewDelivery{std::move(article), std::move(account), State::kPlanned, published, kNow, ""};
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override { ledger_ = open(); }
  std::unique_ptr<SqliteLedger> open() {
    auto l = SqliteLedger::open(path());
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().to_string());
    return l.ok() ? std::move(l).value() : nullptr;
  }
  std::filesystem::path path() const { return dir_.path() / "outbox.sqlite"; }
  DeliveryRow insert_one(const std::string& article, const std::string& account) {
    auto rows = ledger_->insert({planned(article, account)}, kNow);
    EXPECT_TRUE(rows.ok());
    EXPECT_EQ(rows->size(), 1u);
    return rows->at(0);
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteLedger> ledger_;
};

TEST_F(LedgerTest, FullLifecycleSurvivesReopen) {
  ASSERT_TRUE(ledger_->initialize_account(AccountRecord{"x_main", "x", kNow}, {}).ok());
  DeliveryRow row = insert_one("a1", "x_main");
  EXPECT_EQ(row.state, State::kPlanned);
  EXPECT_EQ(row.attempts, 0);
  EXPECT_FALSE(row.maybe_sent);

  Change sending;
  sending.to = State::kSending;
  sending.attempts = 1;
  sending.mark_maybe_sent = true;
  sending.text = "Title https://news.example/a1";
  ASSERT_TRUE(ledger_->transition(row.id, State::kPlanned, sending, add(kNow, seconds(1))).ok());
  Change sent;
  sent.to = State::kSent;
  sent.sent_at = add(kNow, seconds(2));
  sent.remote_id = "1890";
  sent.remote_url = "https://x.com/i/status/1890";
  ASSERT_TRUE(ledger_->transition(row.id, State::kSending, sent, add(kNow, seconds(2))).ok());

  ledger_.reset();
  ledger_ = open();
  EXPECT_EQ(ledger_->schema_version(), SqliteLedger::kSchemaVersion);
  auto again = ledger_->get(row.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, State::kSent);
  EXPECT_EQ(again->article_id, "a1");
  EXPECT_EQ(again->account, "x_main");
  EXPECT_EQ(again->attempts, 1);
  EXPECT_TRUE(again->maybe_sent);
  EXPECT_EQ(again->text, "Title https://news.example/a1");
  EXPECT_EQ(again->remote_id, "1890");
  EXPECT_EQ(again->remote_url, "https://x.com/i/status/1890");
  ASSERT_TRUE(again->sent_at.has_value());
  EXPECT_EQ(*again->sent_at, add(kNow, seconds(2)));
  EXPECT_EQ(again->created_at, kNow);
  EXPECT_EQ(again->updated_at, add(kNow, seconds(2)));
  auto account = ledger_->account("x_main");
  ASSERT_TRUE(account.ok());
  ASSERT_TRUE(account->has_value());
  EXPECT_EQ((*account)->network, "x");
  EXPECT_EQ((*account)->initialized_at, kNow);
}

TEST_F(LedgerTest, OpensInWalMode) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(LedgerTest, PlanningTwiceIsHarmless) {
  insert_one("a1", "x_main");
  auto again = ledger_->insert({planned("a1", "x_main"), planned("a1", "hook")}, kNow);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);  // only the other account's row is new
  EXPECT_EQ(again->at(0).account, "hook");
  auto all = ledger_->list(ListFilter{});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

TEST_F(LedgerTest, TransitionIsCompareAndSet) {
  DeliveryRow row = insert_one("a1", "x_main");
  Change c;
  c.to = State::kSent;
  auto wrong = ledger_->transition(row.id, State::kSending, c, kNow);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("is planned, not sending"), std::string::npos);
  EXPECT_EQ(wrong.error().where, path().string());
  EXPECT_EQ(ledger_->get(row.id)->state, State::kPlanned);

  auto missing = ledger_->transition(999, State::kPlanned, c, kNow);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no delivery with id 999"), std::string::npos);
}

TEST_F(LedgerTest, ListFiltersByStateAndAccountNewestFirst) {
  DeliveryRow a = insert_one("a1", "x_main");
  insert_one("a2", "x_main");
  insert_one("a3", "hook");
  Change failed;
  failed.to = State::kFailed;
  failed.reason = "400 bad";
  ASSERT_TRUE(ledger_->transition(a.id, State::kPlanned, failed, kNow).ok());

  auto x = ledger_->list(ListFilter{std::nullopt, "x_main", {}, 0});
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->size(), 2u);
  EXPECT_EQ(x->at(0).article_id, "a2");
  EXPECT_EQ(x->at(1).article_id, "a1");
  auto f = ledger_->list(ListFilter{State::kFailed, {}, {}, 0});
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ(f->at(0).reason, "400 bad");
  auto limited = ledger_->list(ListFilter{std::nullopt, {}, {}, 1});
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ(limited->at(0).article_id, "a3");
  auto by_article = ledger_->list(ListFilter{std::nullopt, {}, "a3", 0});
  ASSERT_EQ(by_article->size(), 1u);

  auto counts = ledger_->count_by_state();
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 3u);  // hook planned, x_main failed, x_main planned
  EXPECT_EQ(counts->at(0).account, "hook");
  EXPECT_EQ(counts->at(0).count, 1);
}

TEST_F(LedgerTest, RetryReplansFailedRowsAndRefusesSentOnes) {
  DeliveryRow a = insert_one("a1", "x_main");
  DeliveryRow b = insert_one("a2", "x_main");
  Change sending;
  sending.to = State::kSending;
  sending.attempts = 8;
  ASSERT_TRUE(ledger_->transition(a.id, State::kPlanned, sending, kNow).ok());
  Change dead;
  dead.to = State::kFailed;
  dead.reason = "dead after 8 attempts: 503";
  ASSERT_TRUE(ledger_->transition(a.id, State::kSending, dead, kNow).ok());

  const core::Timestamp later = add(kNow, seconds(3600));
  auto retried = ledger_->retry(a.id, later);
  ASSERT_TRUE(retried.ok()) << retried.error().to_string();
  EXPECT_EQ(retried->state, State::kPlanned);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ(retried->next_attempt_at, later);
  EXPECT_NE(retried->reason.find("dead after 8 attempts"), std::string::npos);

  ASSERT_TRUE(ledger_->transition(b.id, State::kPlanned, sending, kNow).ok());
  Change sent;
  sent.to = State::kSent;
  sent.remote_url = "https://x.com/i/status/1";
  ASSERT_TRUE(ledger_->transition(b.id, State::kSending, sent, kNow).ok());
  auto refused = ledger_->retry(b.id, later);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("twice"), std::string::npos);
  EXPECT_NE(refused.error().message.find("https://x.com/i/status/1"), std::string::npos);
  EXPECT_FALSE(ledger_->retry(a.id, later).ok());  // already planned
  EXPECT_FALSE(ledger_->retry(12345, later).ok());
}

TEST_F(LedgerTest, NextPlannedTakesTheOldestDueThenTheEarliestDue) {
  const core::Timestamp t0 = kNow;
  auto rows = ledger_->insert(
      {
          NewDelivery{"late-due", "x", State::kPlanned, add(t0, seconds(-500)),
                      add(t0, seconds(90)), ""},
          NewDelivery{"newer", "x", State::kPlanned, add(t0, seconds(-10)), t0, ""},
          NewDelivery{"older", "x", State::kPlanned, add(t0, seconds(-100)), t0, ""},
          NewDelivery{"soon-due", "x", State::kPlanned, add(t0, seconds(-600)),
                      add(t0, seconds(30)), ""},
          NewDelivery{"skipped", "x", State::kSkipped, add(t0, seconds(-900)), t0, "old"},
      },
      t0);
  ASSERT_TRUE(rows.ok());
  auto next = ledger_->next_planned("x", t0);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->article_id, "older");
  auto other = ledger_->next_planned("nobody", t0);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  // Nothing due before t0: the first to fall due.
  auto early = ledger_->next_planned("x", add(t0, seconds(-1)));
  ASSERT_TRUE(early.ok() && early->has_value());
  EXPECT_NE((*early)->article_id, "skipped");
  EXPECT_EQ((*early)->next_attempt_at, t0);
}

TEST_F(LedgerTest, KnownMarksCancelledRows) {
  auto rows = ledger_->insert(
      {NewDelivery{"a1", "x", State::kSkipped, kNow, kNow, "existed at the account's first start"},
       NewDelivery{"a2", "x", State::kSkipped, kNow, kNow,
                   std::string(kCancelledPrefix) + "retracted before it went out"},
       planned("a3", "x")},
      kNow);
  ASSERT_TRUE(rows.ok());
  auto known = ledger_->known("x");
  ASSERT_TRUE(known.ok());
  ASSERT_EQ(known->size(), 3u);
  for (const KnownDelivery& k : *known) {
    EXPECT_EQ(k.cancelled, k.article_id == "a2") << k.article_id;
  }
}

TEST_F(LedgerTest, TwoConnectionsSeeEachOthersCommits) {
  auto cli = open();  // the `syndicated outbox` CLI, while the daemon holds its own
  ASSERT_TRUE(cli);
  DeliveryRow row = insert_one("a1", "x_main");
  Change failed;
  failed.to = State::kFailed;
  ASSERT_TRUE(ledger_->transition(row.id, State::kPlanned, failed, kNow).ok());

  auto seen = cli->get(row.id);
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->state, State::kFailed);
  ASSERT_TRUE(cli->retry(row.id, kNow).ok());
  EXPECT_EQ(ledger_->get(row.id)->state, State::kPlanned);
}

TEST(SqliteLedgerOpen, RefusesANewerSchemaAndNamesThePath) {
  testing::TempDir dir;
  const auto path = dir.path() / "outbox.sqlite";
  { ASSERT_TRUE(SqliteLedger::open(path).ok()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto refused = SqliteLedger::open(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().where, path.string());
  EXPECT_NE(refused.error().message.find("schema version 99"), std::string::npos);
}

TEST(SqliteLedgerOpen, NotADatabase) {
  testing::TempDir dir;
  const auto path = dir.path() / "outbox.sqlite";
  std::ofstream(path) << std::string(4096, 'x');
  auto refused = SqliteLedger::open(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().where, path.string());

  auto missing_dir = SqliteLedger::open(dir.path() / "no" / "such" / "dir.sqlite");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_NE(missing_dir.error().where.find("no/such/dir.sqlite"), std::string::npos);
}

TEST(DeliveryKey, StablePerArticleAndAccount) {
  EXPECT_EQ(delivery_key("a1", "x_main"), delivery_key("a1", "x_main"));
  EXPECT_NE(delivery_key("a1", "x_main"), delivery_key("a1", "hook"));
  EXPECT_NE(delivery_key("a1x", "_main"), delivery_key("a1", "x_main"));
  EXPECT_EQ(delivery_key("a1", "x_main").size(), 36u);
  EXPECT_EQ(delivery_key("a1", "x_main").rfind("syn-", 0), 0u);
}

TEST(States, RoundTrip) {
  for (State s : {State::kPlanned, State::kSending, State::kSent, State::kFailed,
                  State::kNeedsReconnect, State::kSkipped, State::kDeleted}) {
    EXPECT_EQ(parse_state(to_string(s)), s);
  }
  EXPECT_FALSE(parse_state("posted").has_value());
}

}  // namespace
}  // namespace syndicated::outbox
