// Loads a generated article store and reports wall time and peak memory.
//   bench_store_load DIR [COUNT]   generates COUNT articles into DIR if it is empty, then loads it
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bench/synthetic.hpp"
#include "store/directory_store.hpp"

int main(int argc, char** argv) {
  using namespace syndicated;
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_store_load DIR [COUNT]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  int count = argc > 2 ? std::atoi(argv[2]) : 100000;
  if (!std::filesystem::exists(dir) || std::filesystem::is_empty(dir)) {
    for (int i = 0; i < count; ++i) {
      std::filesystem::path sub = dir / std::to_string(2026 - i % 5) / std::to_string(i % 100);
      std::filesystem::create_directories(sub);
      std::ofstream(sub / ("article-" + std::to_string(i) + ".md")) << bench::synthetic_file(i);
    }
    std::fprintf(stderr, "generated %d articles in %s\n", count, dir.c_str());
  }
  store::ArticleParser parser(store::ParserOptions{"https://news.example.az/",
                                                   "{yyyy}/{mm}/{dd}/{slug}/"});
  store::DirectoryStore store(store::DirectoryStoreOptions{dir, 4 * 1024 * 1024}, parser);
  auto start = std::chrono::steady_clock::now();
  store::LoadResult result = store.load_all();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("articles=%zu diagnostics=%zu load_seconds=%.2f per_article_us=%.1f "
              "peak_rss_mib=%.1f\n",
              result.articles.size(), result.diagnostics.size(), secs,
              secs * 1e6 / static_cast<double>(result.articles.size() ? result.articles.size() : 1),
              static_cast<double>(usage.ru_maxrss) / 1024.0);
  return result.diagnostics.empty() ? 0 : 1;
}
