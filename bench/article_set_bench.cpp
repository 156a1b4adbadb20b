// The cost of one article change against the size of the store: ArticleSet::apply() of one
// rewritten file must not grow with the number of files, while a rescan (the safety net) walks
// and stats them all. Stores are generated once under $TMPDIR (synthetic_file, like
// bench_store_load) and reused by later runs.
//   bench_article_set [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "bench/synthetic.hpp"
#include "store/article_set.hpp"

namespace {

using namespace syndicated;
namespace fs = std::filesystem;

std::string relative_path(int i) {
  return std::to_string(2026 - i % 5) + "/" + std::to_string(i % 100) + "/article-" +
         std::to_string(i) + ".md";
}

fs::path generate(int count) {
  const fs::path dir = fs::temp_directory_path() / ("syndicated-bench-article-set-" + std::to_string(count));
  const fs::path done = dir / ".complete";
  if (fs::exists(done)) return dir;
  fs::remove_all(dir);
  for (int i = 0; i < count; ++i) {
    const fs::path file = dir / relative_path(i);
    fs::create_directories(file.parent_path());
    std::ofstream(file) << bench::synthetic_file(i);
  }
  std::ofstream(done) << count;  // hidden: the store ignores it
  return dir;
}

struct Fixture {
  store::ArticleParser parser{store::ParserOptions{"https://news.example.az/", "{yyyy}/{mm}/{dd}/{slug}/"}};
  std::unique_ptr<store::ArticleSet> set;
  fs::path root;
};

// One loaded set per size, kept across benchmarks (loading 100,000 files takes seconds).
Fixture& fixture(int count) {
  static std::map<int, std::unique_ptr<Fixture>> fixtures;
  auto& f = fixtures[count];
  if (!f) {
    f = std::make_unique<Fixture>();
    f->root = generate(count);
    f->set = std::make_unique<store::ArticleSet>(store::DirectoryStoreOptions{f->root}, f->parser);
    const store::StoreChanges first = f->set->rescan();
    if (first.upserts.size() != static_cast<std::size_t>(count) || !first.diagnostics.empty())
      std::fprintf(stderr, "unexpected store: %zu articles, %zu diagnostics\n", first.upserts.size(),
                   first.diagnostics.size());
  }
  return *f;
}

void BM_ApplyOneChangedFile(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  Fixture& f = fixture(count);
  const int victim = count / 2;
  const std::string rel = relative_path(victim);
  const std::string original = bench::synthetic_file(victim);
  std::string edited = original;
  edited.replace(edited.find("title = \""), 9, "title = \"Edited: ");
  const std::vector<store::FileEvent> events = {{rel, store::FileEventKind::kChanged}};
  bool flip = false;
  for (auto _ : state) {
    state.PauseTiming();
    std::ofstream(f.root / rel, std::ios::trunc) << (flip ? original : edited);
    flip = !flip;
    state.ResumeTiming();
    store::StoreChanges changes = f.set->apply(events);
    if (changes.upserts.size() != 1) state.SkipWithError("expected one upsert");
    benchmark::DoNotOptimize(changes);
  }
  std::ofstream(f.root / rel, std::ios::trunc) << original;
  (void)f.set->apply(events);
}
BENCHMARK(BM_ApplyOneChangedFile)->Arg(1000)->Arg(100000)->Unit(benchmark::kMicrosecond);

void BM_RescanUnchangedStore(benchmark::State& state) {
  Fixture& f = fixture(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    store::StoreChanges changes = f.set->rescan();
    if (!changes.unchanged()) state.SkipWithError("a rescan of an unchanged store changed something");
    benchmark::DoNotOptimize(changes);
  }
}
BENCHMARK(BM_RescanUnchangedStore)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
