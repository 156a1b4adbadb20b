// Rendering and snapshot cost: a 50-item and a 10,000-item feed in each format, and a whole
// snapshot (every feed, every format, gzip + ETag) of a store.
#include <benchmark/benchmark.h>

#include "bench/synthetic.hpp"
#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "feeds/snapshot.hpp"

namespace syndicated::bench {
namespace {

const core::Timestamp kNow{1900000000, 0, 0};

void render_feed(benchmark::State& state, feeds::Format format) {
  const auto n = static_cast<int>(state.range(0));
  auto articles = synthetic_articles(n);
  feeds::Site site;
  site.base_url = "https://news.example.az/";
  site.tag_authority = "news.example.az,2024";
  feeds::FeedSpec spec;
  spec.path = "/feed";
  spec.title = "Caspian News Agency";
  spec.limit = static_cast<std::size_t>(n);
  auto items = feeds::select_items(spec, articles, kNow);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = feeds::render(format, site, spec, items);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["feed_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}

void BM_RenderRss(benchmark::State& s) { render_feed(s, feeds::Format::kRss); }
void BM_RenderAtom(benchmark::State& s) { render_feed(s, feeds::Format::kAtom); }
void BM_RenderJson(benchmark::State& s) { render_feed(s, feeds::Format::kJson); }
BENCHMARK(BM_RenderRss)->Arg(50)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RenderAtom)->Arg(50)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RenderJson)->Arg(50)->Arg(10000)->Unit(benchmark::kMillisecond);

// One 257 KB-class body compressed and hashed, as each changed document is.
void BM_MakeDocument(benchmark::State& state) {
  auto articles = synthetic_articles(50);
  feeds::Site site;
  feeds::FeedSpec spec;
  spec.path = "/feed";
  auto items = feeds::select_items(spec, articles, kNow);
  std::string body = feeds::render_rss(site, spec, items);
  for (auto _ : state) {
    auto doc = feeds::make_document("/feed.xml", "application/rss+xml", body, 0);
    benchmark::DoNotOptimize(doc.gzip.bytes->data());
  }
  state.counters["identity_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_MakeDocument)->Unit(benchmark::kMillisecond);

void BM_BuildSnapshot(benchmark::State& state) {
  auto articles = synthetic_articles(static_cast<int>(state.range(0)));
  feeds::Site site;
  feeds::FeedsConfig config;
  std::size_t docs = 0;
  for (auto _ : state) {
    auto snapshot = feeds::build_snapshot(site, config, articles, kNow);
    docs = snapshot.documents.size();
    benchmark::DoNotOptimize(snapshot.documents.data());
  }
  state.counters["documents"] = static_cast<double>(docs);
}
BENCHMARK(BM_BuildSnapshot)->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace syndicated::bench

BENCHMARK_MAIN();
