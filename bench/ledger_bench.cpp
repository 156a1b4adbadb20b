// Ledger throughput: deliveries per second through planned → sending → sent, each transition its
// own committed transaction with synchronous=FULL (a real fsync per commit in WAL mode), in a
// fresh database on disk. The directory is $SYNDICATED_BENCH_DIR, else the system's temp dir
// (make sure it is a disk, not a tmpfs, or the fsyncs cost nothing).
//   bench_ledger [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "outbox/sqlite_ledger.hpp"

namespace {

using namespace syndicated;
namespace fs = std::filesystem;

class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("SYNDICATED_BENCH_DIR");
    std::string pattern =
        ((base && *base) ? fs::path(base) : fs::temp_directory_path()) / "ledger-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::perror("mkdtemp");
    path_ = pattern;
  }
  ~BenchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

core::Timestamp at(std::int64_t i) { return core::Timestamp{1767225600 + i, 0, 0}; }

std::unique_ptr<outbox::SqliteLedger> open_fresh(const BenchDir& dir, benchmark::State& state) {
  auto ledger = outbox::SqliteLedger::open(dir.path() / "outbox.sqlite");
  if (!ledger) {
    state.SkipWithError(ledger.error().to_string().c_str());
    return nullptr;
  }
  return std::move(ledger).value();
}

// One delivery's whole life: insert (planned), → sending (with the text), → sent (remote ref).
// Three commits, three fsyncs.
void BM_PlanSendSent(benchmark::State& state) {
  BenchDir dir;
  auto ledger = open_fresh(dir, state);
  if (!ledger) return;
  std::int64_t i = 0;
  for (auto _ : state) {
    const std::string id = "article-" + std::to_string(i);
    auto rows = ledger->insert(
        {outbox::NewDelivery{id, "x_main", outbox::State::kPlanned, at(i), at(i), ""}}, at(i));
    const std::int64_t row = rows->at(0).id;
    outbox::Change sending;
    sending.to = outbox::State::kSending;
    sending.attempts = 1;
    sending.mark_maybe_sent = true;
    sending.text = "A headline of the usual length, with its link https://news.example/" + id;
    (void)ledger->transition(row, outbox::State::kPlanned, sending, at(i));
    outbox::Change sent;
    sent.to = outbox::State::kSent;
    sent.sent_at = at(i);
    sent.remote_id = std::to_string(1890000000000000000 + i);
    sent.remote_url = "https://x.com/i/status/" + sent.remote_id.value();
    auto done = ledger->transition(row, outbox::State::kSending, sent, at(i));
    if (!done) state.SkipWithError(done.error().to_string().c_str());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["posts_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PlanSendSent)->Unit(benchmark::kMillisecond)->UseRealTime();

// The engine's read on every pump: the next planned row of an account (20 planned: a burst)
// among `range(0)` rows of ten accounts. It must not grow with the ledger.
void BM_NextPlanned(benchmark::State& state) {
  BenchDir dir;
  auto ledger = open_fresh(dir, state);
  if (!ledger) return;
  std::vector<outbox::NewDelivery> rows;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    rows.push_back(outbox::NewDelivery{
        "article-" + std::to_string(i), i % 10 == 0 ? "x_main" : "other",
        i >= state.range(0) - 200 ? outbox::State::kPlanned : outbox::State::kSent, at(i), at(i),
        ""});
  }
  (void)ledger->insert(rows, at(0));  // one transaction
  for (auto _ : state) {
    auto next = ledger->next_planned("x_main", at(state.range(0)));
    benchmark::DoNotOptimize(next);
  }
}
BENCHMARK(BM_NextPlanned)->Arg(1000)->Arg(30000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
