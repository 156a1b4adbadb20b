// The cost of one article change in a live FeedIndex (render + gzip + ETag of the touched
// documents, and the new snapshot), in a 1,000- and a 100,000-article store: it must not grow
// with the store.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string_view>

#include "bench/synthetic.hpp"
#include "feeds/feed_index.hpp"

namespace syndicated::bench {
namespace {

const core::Timestamp kNow{1900000000, 0, 0};

// One index per store size, built once (a 100,000-article reset takes seconds).
int gzip_level = feeds::kDefaultGzipLevel;  // --gzip-level=N

feeds::FeedIndex& index_of(int n) {
  static std::unique_ptr<feeds::FeedIndex> index;
  static int size = -1;
  if (size != n) {
    index.reset();
    feeds::Site site;
    site.base_url = "https://news.example.az/";
    site.tag_authority = "news.example.az,2024";
    feeds::FeedIndexOptions options;
    options.gzip_level = gzip_level;
    index = std::make_unique<feeds::FeedIndex>(site, feeds::FeedsConfig{}, options);
    index->reset(synthetic_articles(n), kNow);
    size = n;
  }
  return *index;
}

void report(benchmark::State& state, const feeds::FeedIndex& index, std::size_t changed) {
  state.counters["changed_docs"] = static_cast<double>(changed);
  state.counters["documents"] = static_cast<double>(index.snapshot()->documents.size());
  state.counters["articles"] = static_cast<double>(index.counts().total());
}

// An edit of the newest article: it is shown in the site feed, two categories, three tags and
// one author, so 7 feeds x 3 formats are re-rendered.
void BM_ApplyEditNewest(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  feeds::FeedIndex& index = index_of(n);
  core::Article a = *index.find_article(synthetic_article(n - 1).id);
  std::size_t changed = 0;
  int version = 0;
  for (auto _ : state) {
    a.title = "Parliament adopts the budget, revision " + std::to_string(++version);
    auto update = index.apply({a}, {}, kNow);
    changed = update.changed_paths.size();
    benchmark::DoNotOptimize(update.snapshot.get());
  }
  report(state, index, changed);
}

// An edit of an old article that no feed shows (beyond every limit): no rendering at all.
void BM_ApplyEditOld(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  feeds::FeedIndex& index = index_of(n);
  core::Article a = *index.find_article(synthetic_article(0).id);
  std::size_t changed = 0;
  int version = 0;
  for (auto _ : state) {
    a.title = "Old article, revision " + std::to_string(++version);
    auto update = index.apply({a}, {}, kNow);
    changed = update.changed_paths.size();
    benchmark::DoNotOptimize(update.snapshot.get());
  }
  report(state, index, changed);
}

// A new article published on top of every feed it belongs to, then deleted again (two updates
// per iteration; with tombstones, so the Atom documents carry one).
void BM_ApplyPublishAndDelete(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  feeds::FeedIndex& index = index_of(n);
  core::Article a = synthetic_article(n + 7);
  a.id = "fresh";
  std::size_t changed = 0;
  for (auto _ : state) {
    auto added = index.apply({a}, {}, kNow);
    auto removed = index.apply({}, {"fresh"}, kNow);
    changed = added.changed_paths.size();
    benchmark::DoNotOptimize(removed.snapshot.get());
  }
  report(state, index, changed);
}

BENCHMARK(BM_ApplyEditNewest)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApplyEditOld)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApplyPublishAndDelete)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace syndicated::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]).starts_with("--gzip-level="))
      syndicated::bench::gzip_level = std::atoi(argv[i] + 13);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
