// ResourceTable: the cost of publishing one change (with_changes) against rebuilding the table,
// and of a lookup, for sites of 1,000 to 30,000 documents.
//
//   build/release/bench/bench_resource_table --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/resource.hpp"

namespace {

using syndicated::http::Representation;
using syndicated::http::Resource;
using syndicated::http::ResourceTable;

std::string path_of(std::size_t i) {
  return "/category/c" + std::to_string(i % 97) + "/feed-" + std::to_string(i) + ".xml";
}

Resource resource_of(std::shared_ptr<const std::string> body) {
  Resource r;
  r.content_type = "application/rss+xml";
  r.last_modified = 1700000000;
  r.identity = {body, "\"etag-identity\""};
  r.gzip = Representation{body, "\"etag-gzip\""};
  return r;
}

// Small shared bodies: the structure is measured, not the memfd copies.
std::shared_ptr<const ResourceTable> make_table(std::size_t n) {
  auto body = std::make_shared<const std::string>(512, 'x');
  auto table = std::make_shared<ResourceTable>();
  for (std::size_t i = 0; i < n; ++i) table->add(path_of(i), resource_of(body));
  return table;
}

// What a full rebuild per change costs (the old way: a new table of every document).
void BM_RebuildWholeTable(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(make_table(n));
}
BENCHMARK(BM_RebuildWholeTable)->Arg(1000)->Arg(30000)->Unit(benchmark::kMillisecond);

// One document replaced.
void BM_WithChangesOneUpsert(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto table = make_table(n);
  auto body = std::make_shared<const std::string>(512, 'y');
  std::size_t i = 0;
  for (auto _ : state) {
    auto next = table->with_changes({{path_of(i++ % n), resource_of(body)}}, {});
    benchmark::DoNotOptimize(next);
  }
}
BENCHMARK(BM_WithChangesOneUpsert)->Arg(1000)->Arg(30000)->Unit(benchmark::kMicrosecond);

// One article changed: ~6 feeds in 3 formats, 257 KB identity + 35 KB gzip bodies, each copied
// into its own sealed memfd; plus one document removed. Chained, as the daemon would apply them.
void BM_WithChangesArticle(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::shared_ptr<const ResourceTable> table = make_table(n);
  auto identity = std::make_shared<const std::string>(257 * 1024, 'i');
  auto gzip = std::make_shared<const std::string>(35 * 1024, 'g');
  std::size_t i = 0;
  for (auto _ : state) {
    std::vector<std::pair<std::string, Resource>> upserts;
    for (int k = 0; k < 18; ++k) {
      Resource r = resource_of(identity);
      r.gzip = Representation{gzip, "\"g\""};
      // The same 36 documents over and over: replaced files are closed, so memory and
      // descriptors stay bounded however long the benchmark runs.
      upserts.emplace_back(path_of(i++ % 36), std::move(r));
    }
    table = table->with_changes(std::move(upserts), {path_of(36 + i % (n - 36))});
  }
}
BENCHMARK(BM_WithChangesArticle)->Arg(1000)->Arg(30000)->Unit(benchmark::kMillisecond);

void BM_Lookup(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto table = make_table(n);
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < 1024; ++i) paths.push_back(path_of((i * 7919) % n));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(table->find_entry(paths[i++ % paths.size()]));
}
BENCHMARK(BM_Lookup)->Arg(1000)->Arg(30000);

}  // namespace

BENCHMARK_MAIN();
