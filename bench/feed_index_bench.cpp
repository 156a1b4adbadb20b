// The cost of one article change in a live FeedIndex (render + gzip + ETag of the touched
// documents, and the new snapshot), in a 1,000- and a 100,000-article store: it must not grow
// with the store. Each benchmark runs serially (workers:0) and through a parallel_for on a small
// pool (workers:N = N threads plus the calling thread, which also takes tasks).
//
// Flags (besides Google Benchmark's):
//   --gzip-level=N   libdeflate level of the index (default feeds::kDefaultGzipLevel)
//   --varied         article bodies of varied words (seeded) instead of bench/synthetic.hpp's four
//                    repeated paragraphs, which compress unrealistically well and fast
//   --gzip-table     print size and speed of make_document() per gzip level on varied feeds and
//                    exit
//
// --gzip-table, release build, 2 cores at load average 3 (times are wall clock, best of 7, and
// include the two SHA-256 of make_document); 3 documents, 1,051,613 bytes:
//   level  gzip bytes  ratio  vs 9     ms   MB/s
//   9        193,667   0.184   0.0%  94.5   11.1
//   1        240,072   0.228  24.0%   9.4  111.9
//   4        210,739   0.200   8.8%  17.3   60.7
//   5        208,988   0.199   7.9%  26.8   39.2
//   6        200,862   0.191   3.7%  36.0   29.2   <- kDefaultGzipLevel
//   7        195,149   0.186   0.8%  52.2   20.1
//   8        193,665   0.184  -0.0%  97.4   10.8
//   12       182,403   0.173  -5.8%   592    1.8
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/synthetic.hpp"
#include "feeds/catalog.hpp"
#include "feeds/feed_index.hpp"
#include "feeds/render.hpp"

namespace syndicated::bench {
namespace {

const core::Timestamp kNow{1900000000, 0, 0};

int gzip_level = feeds::kDefaultGzipLevel;  // --gzip-level=N
bool varied = false;                         // --varied

// A minimal executor like the one the daemon passes: `workers` threads plus the calling thread
// take task indices from a shared counter; run() returns when every task has returned.
class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void run(std::size_t n, const std::function<void(std::size_t)>& task) {
    {
      std::lock_guard lock(mutex_);
      task_ = &task;
      n_ = n;
      next_.store(0);
      pending_ = n;
      ++generation_;
    }
    wake_.notify_all();
    const std::size_t finished = work(task, n);
    std::unique_lock lock(mutex_);
    pending_ -= finished;
    // Workers that took this task must be out of it before `task` goes away.
    done_.wait(lock, [&] { return pending_ == 0 && active_ == 0; });
    task_ = nullptr;
  }

 private:
  std::size_t work(const std::function<void(std::size_t)>& task, std::size_t n) {
    std::size_t finished = 0;
    for (std::size_t i; (i = next_.fetch_add(1)) < n;) {
      task(i);
      ++finished;
    }
    return finished;
  }
  void loop() {
    std::uint64_t seen = 0;
    for (;;) {
      const std::function<void(std::size_t)>* task = nullptr;
      std::size_t n = 0;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || (generation_ != seen && task_ != nullptr); });
        if (stop_) return;
        seen = generation_;
        task = task_;
        n = n_;
        ++active_;
      }
      const std::size_t finished = work(*task, n);
      std::lock_guard lock(mutex_);
      pending_ -= finished;
      --active_;
      done_.notify_all();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t n_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t pending_ = 0;
  int active_ = 0;  // workers inside a task
  std::uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool* current_pool = nullptr;  // set per benchmark; the index's parallel_for follows it

// Text that compresses like a real news article: a vocabulary of ~3,000 pseudo-words in three
// scripts drawn with a Zipf-like distribution, in paragraphs with an occasional link.
class TextGenerator {
 public:
  explicit TextGenerator(std::uint32_t seed) : rng_(seed) {
    static const char* kLatin[] = {"ba", "ku", "na", "zir", "de", "pu", "tat", "ve", "rg", "is",
                                   "la", "ha", "tın", "sə", "büd", "cə", "gə", "lir", "mə", "ək",
                                   "par", "lia", "ment", "min", "is", "ter", "re", "form", "tax",
                                   "oil", "fund", "com", "mit", "tee", "ses", "sion", "ə", "ş"};
    static const char* kCyrillic[] = {"бю", "джет", "пар", "ла", "мент", "ми", "нис", "тр", "де",
                                      "пу", "та", "ты", "рас", "хо", "ды", "об", "ра", "зо",
                                      "ва", "ние", "на", "лог", "ре", "фор", "ма", "ко", "ми", "тет"};
    for (int w = 0; w < 3000; ++w) {
      const bool cyr = w % 3 == 2;
      std::string word;
      const int syllables = 1 + static_cast<int>(rng_() % 4);
      for (int s = 0; s < syllables; ++s)
        word += cyr ? kCyrillic[rng_() % std::size(kCyrillic)] : kLatin[rng_() % std::size(kLatin)];
      words_.push_back(std::move(word));
      weights_.push_back(1.0 / (w + 1));
    }
    pick_ = std::discrete_distribution<std::size_t>(weights_.begin(), weights_.end());
  }
  std::string body(int paragraphs) {
    std::string out;
    for (int p = 0; p < paragraphs; ++p) {
      out += "<p>";
      const int n = 40 + static_cast<int>(rng_() % 40);
      for (int k = 0; k < n; ++k) {
        if (k > 0) out += rng_() % 12 == 0 ? ", " : " ";
        if (rng_() % 60 == 0) {
          out += "<a href=\"/tags/" + words_[pick_(rng_)] + "/\">" + words_[pick_(rng_)] + "</a>";
        } else {
          out += words_[pick_(rng_)];
        }
      }
      out += ".</p>";
    }
    return out;
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> words_;
  std::vector<double> weights_;
  std::discrete_distribution<std::size_t> pick_;
};

std::vector<core::Article> store_articles(int n) {
  std::vector<core::Article> v = synthetic_articles(n);
  if (varied) {
    TextGenerator text(2026);
    for (core::Article& a : v) a.body_html = text.body(8);  // ~5 KB, like synthetic_body(16)
  }
  return v;
}

// One index per store size, built once (a 100,000-article reset takes seconds).
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
    options.parallel_for = [](std::size_t count, const std::function<void(std::size_t)>& task) {
      if (current_pool != nullptr) {
        current_pool->run(count, task);
      } else {
        for (std::size_t i = 0; i < count; ++i) task(i);
      }
    };
    index = std::make_unique<feeds::FeedIndex>(site, feeds::FeedsConfig{}, options);
    index->reset(store_articles(n), kNow);
    size = n;
  }
  return *index;
}

// Sets current_pool for the benchmark's lifetime from its second argument (extra workers).
struct PoolScope {
  explicit PoolScope(const benchmark::State& state) {
    const int workers = static_cast<int>(state.range(1));
    if (workers > 0) pool = std::make_unique<Pool>(workers);
    current_pool = pool.get();
  }
  ~PoolScope() { current_pool = nullptr; }
  std::unique_ptr<Pool> pool;
};

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
  PoolScope pool(state);
  core::Article a = *index.find_article(synthetic_article(n - 1).id);
  std::size_t changed = 0;
  static int version = 0;  // across repetitions too: a repeated title would be no change
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
  PoolScope pool(state);
  core::Article a = *index.find_article(synthetic_article(0).id);
  std::size_t changed = 0;
  static int version = 0;  // across repetitions too: a repeated title would be no change
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
  PoolScope pool(state);
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

// (store size, extra worker threads): serial, then the caller plus one worker (2 threads on a
// 2-core machine, what the daemon runs).
BENCHMARK(BM_ApplyEditNewest)
    ->ArgNames({"n", "workers"})
    ->ArgsProduct({{1000, 100000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ApplyEditOld)
    ->ArgNames({"n", "workers"})
    ->ArgsProduct({{1000, 100000}, {0}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApplyPublishAndDelete)
    ->ArgNames({"n", "workers"})
    ->ArgsProduct({{1000, 100000}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Size and time of make_document() (gzip + two SHA-256) per level, on the three documents of a
// 50-item site feed of varied text.
void print_gzip_table() {
  feeds::Site site;
  site.base_url = "https://news.example.az/";
  site.tag_authority = "news.example.az,2024";
  const feeds::FeedSpec spec = feeds::site_feed_spec(site, feeds::FeedsConfig{});
  std::vector<core::Article> articles = synthetic_articles(spec.limit);
  TextGenerator text(7);
  for (core::Article& a : articles) a.body_html = text.body(8);
  std::vector<const core::Article*> items;
  for (auto it = articles.rbegin(); it != articles.rend(); ++it) items.push_back(&*it);
  std::vector<std::string> bodies;
  std::size_t identity = 0;
  for (feeds::Format f : feeds::kAllFormats) {
    bodies.push_back(feeds::render(f, site, spec, items));
    identity += bodies.back().size();
  }
  std::printf("gzip table: 3 documents (RSS, Atom, JSON) of a %zu-item feed of varied text, "
              "%zu bytes in all\n", items.size(), identity);
  std::printf("%-6s %12s %8s %10s %12s %12s\n", "level", "gzip bytes", "ratio", "vs 9",
              "ms (3 docs)", "MB/s");
  std::size_t size9 = 0;
  for (int level : {9, 1, 4, 5, 6, 7, 8, 12}) {
    std::size_t compressed = 0;
    double best = 1e9;
    for (int rep = 0; rep < 7; ++rep) {
      compressed = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (const std::string& b : bodies)
        compressed += feeds::make_document("/x", "t", b, 0, level).gzip.bytes->size();
      const std::chrono::duration<double, std::milli> dt = std::chrono::steady_clock::now() - t0;
      best = std::min(best, dt.count());
    }
    if (level == 9) size9 = compressed;
    std::printf("%-6d %12zu %8.3f %9.1f%% %12.2f %12.1f\n", level, compressed,
                static_cast<double>(compressed) / static_cast<double>(identity),
                100.0 * (static_cast<double>(compressed) / static_cast<double>(size9) - 1.0),
                best, static_cast<double>(identity) / 1e3 / best);
  }
}

}  // namespace
}  // namespace syndicated::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--gzip-level=")) syndicated::bench::gzip_level = std::atoi(argv[i] + 13);
    if (arg == "--varied") syndicated::bench::varied = true;
    if (arg == "--gzip-table") {
      syndicated::bench::print_gzip_table();
      return 0;
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
