#pragma once
// The Ledger in an SQLite file: WAL journal, synchronous=FULL (a committed transition survives a
// power cut), a busy timeout (the daemon and the `syndicated outbox` CLI open the same file from
// two processes), the schema version in PRAGMA user_version with a migration step per version,
// and prepared statements. Errors name the database path.
//
// Thread safety: none. One SqliteLedger belongs to one thread (the daemon's control loop); another
// process (the CLI) opens its own.
#include <filesystem>
#include <memory>
#include <string>

#include "outbox/ledger.hpp"

struct sqlite3;

namespace syndicated::outbox {

class SqliteLedger final : public Ledger {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens (creating the file and its schema if needed) and migrates to kSchemaVersion. An Error
  // names the path: unreadable, not a database, or written by a newer schema.
  static core::Result<std::unique_ptr<SqliteLedger>> open(const std::filesystem::path& path);
  ~SqliteLedger() override;
  SqliteLedger(const SqliteLedger&) = delete;
  SqliteLedger& operator=(const SqliteLedger&) = delete;

  const std::string& path() const { return path_; }
  int schema_version();

  core::Result<std::optional<AccountRecord>> account(const std::string& name) override;
  core::Status initialize_account(const AccountRecord& account,
                                  const std::vector<NewDelivery>& rows) override;
  core::Result<std::vector<DeliveryRow>> insert(const std::vector<NewDelivery>& rows,
                                                core::Timestamp now) override;
  core::Result<DeliveryRow> transition(std::int64_t id, State from, const Change& change,
                                       core::Timestamp now) override;
  core::Result<DeliveryRow> get(std::int64_t id) override;
  core::Result<std::optional<DeliveryRow>> find(const std::string& article_id,
                                                const std::string& account) override;
  core::Result<std::vector<DeliveryRow>> list(const ListFilter& filter) override;
  core::Result<std::vector<KnownDelivery>> known(const std::string& account) override;
  core::Result<std::optional<DeliveryRow>> next_planned(const std::string& account,
                                                        core::Timestamp now) override;
  core::Result<std::vector<StateCount>> count_by_state() override;

 private:
  struct Statements;
  SqliteLedger(sqlite3* db, std::string path);

  core::Status exec(const char* sql);
  core::Status migrate();
  core::Status prepare_all();
  core::Error error(const std::string& what) const;
  core::Result<std::vector<DeliveryRow>> insert_rows(const std::vector<NewDelivery>& rows,
                                                     core::Timestamp now);

  sqlite3* db_;
  std::string path_;
  std::unique_ptr<Statements> st_;
};

}  // namespace syndicated::outbox
