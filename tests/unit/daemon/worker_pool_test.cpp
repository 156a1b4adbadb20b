#include "daemon/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace syndicated::daemon {
namespace {

TEST(WorkerPool, RunsEveryIndexOnceAcrossThreads) {
  WorkerPool pool(2);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> hits(37);
    std::mutex mu;
    std::set<std::thread::id> threads;
    pool.parallel_for(hits.size(), [&](std::size_t i) {
      hits[i].fetch_add(1);
      std::lock_guard lock(mu);
      threads.insert(std::this_thread::get_id());
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(WorkerPool, PropagatesTheFirstExceptionAfterAllTasks) {
  WorkerPool pool(2);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.parallel_for(10,
                                 [&](std::size_t i) {
                                   ++ran;
                                   if (i == 3) throw std::runtime_error("boom");
                                 }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 10);
  pool.parallel_for(3, [&](std::size_t) { ++ran; });  // still usable
  EXPECT_EQ(ran.load(), 13);
}

TEST(WorkerPool, WithoutThreadsRunsOnTheCaller) {
  WorkerPool pool(0);
  std::vector<std::thread::id> ids;
  pool.parallel_for(4, [&](std::size_t) { ids.push_back(std::this_thread::get_id()); });
  ASSERT_EQ(ids.size(), 4u);
  for (auto id : ids) EXPECT_EQ(id, std::this_thread::get_id());
}

}  // namespace
}  // namespace syndicated::daemon
