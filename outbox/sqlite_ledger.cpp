#include "outbox/sqlite_ledger.hpp"

#include <sqlite3.h>

#include <array>
#include <utility>

namespace syndicated::outbox {

namespace {

constexpr int kBusyTimeoutMs = 10000;

// Migration i takes the schema from version i to i + 1. Never edit a released step: add one.
constexpr std::array<const char*, SqliteLedger::kSchemaVersion> kMigrations{{
    R"sql(
CREATE TABLE accounts (
  name           TEXT PRIMARY KEY,
  network        TEXT NOT NULL,
  initialized_at INTEGER NOT NULL            -- unix nanoseconds
);
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY,
  article_id      TEXT NOT NULL,
  account         TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed',
                                                 'needs_reconnect', 'skipped', 'deleted')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  maybe_sent      INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,          -- unix nanoseconds (wall time)
  published_at    INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  remote_id       TEXT NOT NULL DEFAULT '',
  remote_url      TEXT NOT NULL DEFAULT '',
  text            TEXT NOT NULL DEFAULT '',
  reason          TEXT NOT NULL DEFAULT '',
  UNIQUE (article_id, account)
);
CREATE INDEX deliveries_by_account_state ON deliveries (account, state, next_attempt_at);
)sql",
}};

constexpr const char* kColumns =
    "id, article_id, account, state, attempts, maybe_sent, next_attempt_at, published_at, "
    "created_at, updated_at, sent_at, remote_id, remote_url, text, reason";

std::string cols(const char* before, const char* after = "") {
  return std::string(before) + kColumns + after;
}

}  // namespace

namespace sqlite_detail {

// A prepared statement, reset after each use.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  int prepare(sqlite3* db, const std::string& sql) {
    return sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()) + 1,
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  sqlite3_stmt* get() const { return stmt_; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const char* v) { sqlite3_bind_text(stmt_, i, v, -1, SQLITE_STATIC); }
  void bind(int i, const core::Timestamp& t) { bind(i, to_unix_nanos(t)); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v) {
      bind(i, *v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }

  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace sqlite_detail

using sqlite_detail::Statement;

struct SqliteLedger::Statements {
  Statement begin, commit, rollback;
  Statement account, insert_account, insert, transition, get, find, list, known, next_planned,
      count;
};

namespace {

// Resets a statement when leaving the scope, whatever the path.
struct Using {
  explicit Using(Statement& s) : s_(s) {}
  ~Using() { s_.reset(); }
  Statement& s_;
};

std::string text_column(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string();
}

DeliveryRow read_row(sqlite3_stmt* s) {
  DeliveryRow r;
  r.id = sqlite3_column_int64(s, 0);
  r.article_id = text_column(s, 1);
  r.account = text_column(s, 2);
  r.state = parse_state(text_column(s, 3)).value_or(State::kFailed);  // CHECK keeps it valid
  r.attempts = sqlite3_column_int(s, 4);
  r.maybe_sent = sqlite3_column_int(s, 5) != 0;
  r.next_attempt_at = from_unix_nanos(sqlite3_column_int64(s, 6));
  r.published = from_unix_nanos(sqlite3_column_int64(s, 7));
  r.created_at = from_unix_nanos(sqlite3_column_int64(s, 8));
  r.updated_at = from_unix_nanos(sqlite3_column_int64(s, 9));
  if (sqlite3_column_type(s, 10) != SQLITE_NULL) {
    r.sent_at = from_unix_nanos(sqlite3_column_int64(s, 10));
  }
  r.remote_id = text_column(s, 11);
  r.remote_url = text_column(s, 12);
  r.text = text_column(s, 13);
  r.reason = text_column(s, 14);
  return r;
}

}  // namespace

SqliteLedger::SqliteLedger(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)), st_(std::make_unique<Statements>()) {}

SqliteLedger::~SqliteLedger() {
  st_.reset();  // statements before the connection
  sqlite3_close_v2(db_);
}

core::Error SqliteLedger::error(const std::string& what) const {
  return core::make_error(what + ": " + sqlite3_errmsg(db_), path_);
}

core::Result<std::unique_ptr<SqliteLedger>> SqliteLedger::open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return core::make_error("cannot open the outbox ledger: " + message, path.string());
  }
  std::unique_ptr<SqliteLedger> ledger(new SqliteLedger(db, path.string()));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // journal_mode answers with the mode it is in; anything but "wal" is an error.
  {
    Statement mode;
    if (mode.prepare(db, "PRAGMA journal_mode=WAL") != SQLITE_OK || mode.step() != SQLITE_ROW) {
      return ledger->error("cannot open the outbox ledger");
    }
    if (text_column(mode.get(), 0) != "wal") {
      return core::make_error("cannot switch the outbox ledger to WAL (journal mode " +
                                  text_column(mode.get(), 0) + ")",
                              ledger->path_);
    }
  }
  if (auto s = ledger->exec("PRAGMA synchronous=FULL"); !s) return s.error();
  if (auto s = ledger->migrate(); !s) return s.error();
  if (auto s = ledger->prepare_all(); !s) return s.error();
  return ledger;
}

core::Status SqliteLedger::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return core::make_error(m, path_);
  }
  return core::Ok{};
}

int SqliteLedger::schema_version() {
  Statement s;
  if (s.prepare(db_, "PRAGMA user_version") != SQLITE_OK || s.step() != SQLITE_ROW) return -1;
  return sqlite3_column_int(s.get(), 0);
}

core::Status SqliteLedger::migrate() {
  int version = schema_version();
  if (version < 0) return error("cannot read the schema version");
  if (version > kSchemaVersion) {
    return core::make_error("the outbox ledger has schema version " + std::to_string(version) +
                                ", newer than this build's " + std::to_string(kSchemaVersion),
                            path_);
  }
  if (version == kSchemaVersion) return core::Ok{};
  if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
  version = schema_version();  // another process may have migrated meanwhile
  for (int v = version; v < kSchemaVersion; ++v) {
    if (auto s = exec(kMigrations[static_cast<std::size_t>(v)]); !s) {
      (void)exec("ROLLBACK");
      return core::make_error(
          "migration to schema version " + std::to_string(v + 1) + " failed: " + s.error().message,
          path_);
    }
  }
  const std::string set = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
  if (auto s = exec(set.c_str()); !s) {
    (void)exec("ROLLBACK");
    return s;
  }
  return exec("COMMIT");
}

core::Status SqliteLedger::prepare_all() {
  Statements& s = *st_;
  const std::pair<Statement*, std::string> all[] = {
      {&s.begin, "BEGIN IMMEDIATE"},
      {&s.commit, "COMMIT"},
      {&s.rollback, "ROLLBACK"},
      {&s.account, "SELECT name, network, initialized_at FROM accounts WHERE name = ?1"},
      {&s.insert_account,
       "INSERT INTO accounts (name, network, initialized_at) VALUES (?1, ?2, ?3) "
       "ON CONFLICT (name) DO NOTHING"},
      {&s.insert,
       cols("INSERT INTO deliveries (article_id, account, state, next_attempt_at, published_at, "
            "created_at, updated_at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) "
            "ON CONFLICT (article_id, account) DO NOTHING RETURNING ")},
      {&s.transition,
       cols("UPDATE deliveries SET state = ?1, attempts = COALESCE(?2, attempts), "
            "maybe_sent = (maybe_sent OR ?3), next_attempt_at = COALESCE(?4, next_attempt_at), "
            "sent_at = COALESCE(?5, sent_at), remote_id = COALESCE(?6, remote_id), "
            "remote_url = COALESCE(?7, remote_url), text = COALESCE(?8, text), "
            "reason = COALESCE(?9, reason), updated_at = ?10 "
            "WHERE id = ?11 AND state = ?12 RETURNING ")},
      {&s.get, cols("SELECT ", " FROM deliveries WHERE id = ?1")},
      {&s.find, cols("SELECT ", " FROM deliveries WHERE article_id = ?1 AND account = ?2")},
      {&s.list, cols("SELECT ",
                     " FROM deliveries WHERE (?1 IS NULL OR state = ?1) "
                     "AND (?2 = '' OR account = ?2) AND (?3 = '' OR article_id = ?3) "
                     "ORDER BY id DESC LIMIT ?4")},
      {&s.known,
       "SELECT id, article_id, state, substr(reason, 1, length(?2)) = ?2 FROM deliveries "
       "WHERE account = ?1"},
      {&s.next_planned,
       cols("SELECT ",
            " FROM deliveries WHERE account = ?1 AND state = 'planned' "
            "ORDER BY next_attempt_at > ?2, "
            "CASE WHEN next_attempt_at <= ?2 THEN published_at ELSE next_attempt_at END, id "
            "LIMIT 1")},
      {&s.count,
       "SELECT account, state, COUNT(*) FROM deliveries GROUP BY account, state "
       "ORDER BY account, state"},
  };
  for (const auto& [statement, sql] : all) {
    if (statement->prepare(db_, sql) != SQLITE_OK) return error("cannot prepare '" + sql + "'");
  }
  return core::Ok{};
}

namespace {

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class Transaction {
 public:
  Transaction(Statement& begin, Statement& commit, Statement& rollback)
      : commit_(commit), rollback_(rollback) {
    Using u(begin);
    begun_ = begin.step() == SQLITE_DONE;
  }
  ~Transaction() {
    if (begun_ && !committed_) {
      Using u(rollback_);
      rollback_.step();
    }
  }
  bool begun() const { return begun_; }
  bool commit() {
    Using u(commit_);
    committed_ = commit_.step() == SQLITE_DONE;
    return committed_;
  }

 private:
  Statement& commit_;
  Statement& rollback_;
  bool begun_ = false;
  bool committed_ = false;
};

}  // namespace

core::Result<std::optional<AccountRecord>> SqliteLedger::account(const std::string& name) {
  Statement& s = st_->account;
  Using u(s);
  s.bind(1, name);
  const int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<AccountRecord>();
  if (rc != SQLITE_ROW) return error("cannot read account '" + name + "'");
  return std::optional<AccountRecord>(
      AccountRecord{text_column(s.get(), 0), text_column(s.get(), 1),
                    from_unix_nanos(sqlite3_column_int64(s.get(), 2))});
}

core::Result<std::vector<DeliveryRow>> SqliteLedger::insert_rows(
    const std::vector<NewDelivery>& rows, core::Timestamp now) {
  std::vector<DeliveryRow> created;
  Statement& s = st_->insert;
  for (const NewDelivery& n : rows) {
    Using u(s);
    s.bind(1, n.article_id);
    s.bind(2, n.account);
    s.bind(3, to_string(n.state));
    s.bind(4, n.next_attempt_at);
    s.bind(5, n.published);
    s.bind(6, now);
    s.bind(7, n.reason);
    int rc = s.step();
    while (rc == SQLITE_ROW) {
      created.push_back(read_row(s.get()));
      rc = s.step();
    }
    if (rc != SQLITE_DONE) {
      return error("cannot record article '" + n.article_id + "' for '" + n.account + "'");
    }
  }
  return created;
}

core::Status SqliteLedger::initialize_account(const AccountRecord& account,
                                              const std::vector<NewDelivery>& rows) {
  Transaction tx(st_->begin, st_->commit, st_->rollback);
  if (!tx.begun()) return error("cannot begin a transaction");
  auto created = insert_rows(rows, account.initialized_at);
  if (!created) return created.error();
  {
    Statement& s = st_->insert_account;
    Using u(s);
    s.bind(1, account.name);
    s.bind(2, account.network);
    s.bind(3, account.initialized_at);
    if (s.step() != SQLITE_DONE) return error("cannot record account '" + account.name + "'");
  }
  if (!tx.commit()) return error("cannot commit the first start of '" + account.name + "'");
  return core::Ok{};
}

core::Result<std::vector<DeliveryRow>> SqliteLedger::insert(const std::vector<NewDelivery>& rows,
                                                            core::Timestamp now) {
  if (rows.empty()) return std::vector<DeliveryRow>();
  Transaction tx(st_->begin, st_->commit, st_->rollback);
  if (!tx.begun()) return error("cannot begin a transaction");
  auto created = insert_rows(rows, now);
  if (!created) return created.error();
  if (!tx.commit()) return error("cannot commit planned deliveries");
  return created;
}

core::Result<DeliveryRow> SqliteLedger::transition(std::int64_t id, State from,
                                                   const Change& change, core::Timestamp now) {
  std::optional<DeliveryRow> updated;
  {
    Statement& s = st_->transition;
    Using u(s);
    s.bind(1, to_string(change.to));
    s.bind(2, change.attempts ? std::optional<std::int64_t>(*change.attempts) : std::nullopt);
    s.bind(3, std::int64_t{change.mark_maybe_sent ? 1 : 0});
    s.bind(4, change.next_attempt_at);
    s.bind(5, change.sent_at);
    s.bind(6, change.remote_id);
    s.bind(7, change.remote_url);
    s.bind(8, change.text);
    s.bind(9, change.reason);
    s.bind(10, now);
    s.bind(11, id);
    s.bind(12, to_string(from));
    int rc = s.step();
    while (rc == SQLITE_ROW) {
      updated = read_row(s.get());
      rc = s.step();
    }
    if (rc != SQLITE_DONE) {
      return error("cannot move delivery " + std::to_string(id) + " to " + to_string(change.to));
    }
  }
  if (updated) return std::move(*updated);
  auto current = get(id);
  if (!current) return current.error();
  return core::make_error("delivery " + std::to_string(id) + " is " + to_string(current->state) +
                              ", not " + to_string(from) + " (changed by another process?)",
                          path_);
}

core::Result<DeliveryRow> SqliteLedger::get(std::int64_t id) {
  Statement& s = st_->get;
  Using u(s);
  s.bind(1, id);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return read_row(s.get());
  if (rc == SQLITE_DONE) {
    return core::make_error("no delivery with id " + std::to_string(id), path_);
  }
  return error("cannot read delivery " + std::to_string(id));
}

core::Result<std::optional<DeliveryRow>> SqliteLedger::find(const std::string& article_id,
                                                            const std::string& account) {
  Statement& s = st_->find;
  Using u(s);
  s.bind(1, article_id);
  s.bind(2, account);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<DeliveryRow>(read_row(s.get()));
  if (rc == SQLITE_DONE) return std::optional<DeliveryRow>();
  return error("cannot read the delivery of '" + article_id + "' to '" + account + "'");
}

core::Result<std::vector<DeliveryRow>> SqliteLedger::list(const ListFilter& filter) {
  Statement& s = st_->list;
  Using u(s);
  if (filter.state) s.bind(1, to_string(*filter.state));
  s.bind(2, filter.account);
  s.bind(3, filter.article_id);
  s.bind(4, filter.limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(filter.limit));
  std::vector<DeliveryRow> rows;
  int rc = s.step();
  while (rc == SQLITE_ROW) {
    rows.push_back(read_row(s.get()));
    rc = s.step();
  }
  if (rc != SQLITE_DONE) return error("cannot list deliveries");
  return rows;
}

core::Result<std::vector<KnownDelivery>> SqliteLedger::known(const std::string& account) {
  Statement& s = st_->known;
  Using u(s);
  s.bind(1, account);
  s.bind(2, std::string(kCancelledPrefix));
  std::vector<KnownDelivery> rows;
  int rc = s.step();
  while (rc == SQLITE_ROW) {
    KnownDelivery k;
    k.id = sqlite3_column_int64(s.get(), 0);
    k.article_id = text_column(s.get(), 1);
    k.state = parse_state(text_column(s.get(), 2)).value_or(State::kFailed);
    k.cancelled = k.state == State::kSkipped && sqlite3_column_int(s.get(), 3) != 0;
    rows.push_back(std::move(k));
    rc = s.step();
  }
  if (rc != SQLITE_DONE) return error("cannot list the deliveries of '" + account + "'");
  return rows;
}

core::Result<std::optional<DeliveryRow>> SqliteLedger::next_planned(const std::string& account,
                                                                    core::Timestamp now) {
  Statement& s = st_->next_planned;
  Using u(s);
  s.bind(1, account);
  s.bind(2, now);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<DeliveryRow>(read_row(s.get()));
  if (rc == SQLITE_DONE) return std::optional<DeliveryRow>();
  return error("cannot read the next delivery of '" + account + "'");
}

core::Result<std::vector<StateCount>> SqliteLedger::count_by_state() {
  Statement& s = st_->count;
  Using u(s);
  std::vector<StateCount> counts;
  int rc = s.step();
  while (rc == SQLITE_ROW) {
    counts.push_back(StateCount{text_column(s.get(), 0),
                                parse_state(text_column(s.get(), 1)).value_or(State::kFailed),
                                sqlite3_column_int64(s.get(), 2)});
    rc = s.step();
  }
  if (rc != SQLITE_DONE) return error("cannot count deliveries");
  return counts;
}

}  // namespace syndicated::outbox
