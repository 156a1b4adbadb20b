// LiveService with a fake clock: embargoes lift and tombstones expire by timer, file events are
// debounced into one update — all without sleeping on wall time.
#include "daemon/live_service.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/fakes/fake_clock.hpp"

namespace syndicated::daemon {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

class RecordingPublisher final : public Publisher {
 public:
  void publish(std::shared_ptr<const http::ResourceTable> table) override {
    last = std::move(table);
    ++count;
  }
  std::string body(std::string_view path) const {
    const http::Resource* r = last ? last->find(path) : nullptr;
    return r ? *r->identity.body : std::string();
  }
  std::shared_ptr<const http::ResourceTable> last;
  int count = 0;
};

store::WatchBatch changed(const std::string& path) {
  store::WatchBatch b;
  b.events.push_back({path, store::FileEventKind::kChanged});
  return b;
}

class LiveServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("syndicated-live-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    config_.store_path = root_;
    config_.site.tag_authority = "example.org,2026";
    config_.debounce = milliseconds(20);
    config_.rescan_interval = milliseconds(0);
    config_.tombstone_seconds = 24 * 3600;
    auto sink = std::make_shared<spdlog::sinks::null_sink_mt>();
    log_ = std::make_shared<spdlog::logger>("test", sink);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& name, const std::string& id, const std::string& published,
             const std::string& extra = "") {
    std::ofstream(root_ / name) << "+++\nid = \"" << id << "\"\ntitle = \"Story " << id
                                << "\"\npublished = " << published << "\n"
                                << extra << "+++\nBody.\n";
  }

  std::unique_ptr<LiveService> make() {
    return std::make_unique<LiveService>(config_, clock_, clock_, publisher_, metrics_, *log_,
                                         *log_);
  }

  fs::path root_;
  Config config_;
  testing::FakeClock clock_{core::Timestamp{1767225600, 0, 0}};  // 2026-01-01T00:00:00Z
  RecordingPublisher publisher_;
  DaemonMetrics metrics_;
  std::shared_ptr<spdlog::logger> log_;
};

TEST_F(LiveServiceTest, EmbargoLiftsAtItsMomentByTimer) {
  write("now.md", "now", "2025-12-31T10:00:00Z");
  write("later.md", "later", "2026-01-01T01:00:00+00:00");  // in one hour
  auto live = make();
  live->start();
  EXPECT_NE(publisher_.body("/feed.atom").find("tag:example.org,2026:now"), std::string::npos);
  EXPECT_EQ(publisher_.body("/feed.atom").find("tag:example.org,2026:later"), std::string::npos);
  EXPECT_EQ(metrics_.articles_embargoed.load(), 1u);

  clock_.advance(minutes(59));
  EXPECT_EQ(publisher_.body("/feed.atom").find("tag:example.org,2026:later"), std::string::npos);
  clock_.advance(minutes(1));
  EXPECT_NE(publisher_.body("/feed.atom").find("tag:example.org,2026:later"), std::string::npos);
  EXPECT_EQ(metrics_.articles_embargoed.load(), 0u);
  EXPECT_EQ(metrics_.articles_published.load(), 2u);
}

TEST_F(LiveServiceTest, EventsInOneWindowApplyTogether) {
  write("a.md", "a", "2025-12-31T10:00:00Z");
  auto live = make();
  live->start();
  const int before = publisher_.count;
  write("b.md", "b", "2025-12-31T11:00:00Z");
  live->on_watch_batch(changed("b.md"));
  clock_.advance(milliseconds(10));
  write("c.md", "c", "2025-12-31T12:00:00Z");
  live->on_watch_batch(changed("c.md"));
  clock_.advance(milliseconds(15));  // 25 ms after the first, 15 after the last: still quiet
  EXPECT_EQ(publisher_.count, before);
  clock_.advance(milliseconds(10));
  EXPECT_EQ(publisher_.count, before + 1);
  const std::string atom = publisher_.body("/feed.atom");
  EXPECT_NE(atom.find("tag:example.org,2026:b"), std::string::npos);
  EXPECT_NE(atom.find("tag:example.org,2026:c"), std::string::npos);
}

TEST_F(LiveServiceTest, RetractionLeavesATombstoneThatExpires) {
  write("a.md", "a", "2025-12-31T10:00:00Z");
  write("b.md", "b", "2025-12-31T11:00:00Z");
  auto live = make();
  live->start();
  write("a.md", "a", "2025-12-31T10:00:00Z", "status = \"retracted\"\n");
  live->on_watch_batch(changed("a.md"));
  clock_.advance(milliseconds(25));
  std::string atom = publisher_.body("/feed.atom");
  EXPECT_EQ(atom.find("<id>tag:example.org,2026:a</id>"), std::string::npos);
  EXPECT_NE(atom.find("deleted-entry ref=\"tag:example.org,2026:a\""), std::string::npos);
  EXPECT_EQ(publisher_.body("/feed.json").find("tag:example.org,2026:a"), std::string::npos);

  clock_.advance(hours(23));
  EXPECT_NE(publisher_.body("/feed.atom").find("deleted-entry"), std::string::npos);
  clock_.advance(hours(1) + minutes(1));
  EXPECT_EQ(publisher_.body("/feed.atom").find("deleted-entry"), std::string::npos);
}

TEST_F(LiveServiceTest, DeletedFileIsRemovedAndOverflowRescans) {
  write("a.md", "a", "2025-12-31T10:00:00Z");
  auto live = make();
  live->start();
  fs::remove(root_ / "a.md");
  write("b.md", "b", "2025-12-31T11:00:00Z");
  store::WatchBatch overflow;
  overflow.overflow = true;  // the kernel dropped the events: a rescan finds both changes
  live->on_watch_batch(overflow);
  const std::string atom = publisher_.body("/feed.atom");
  EXPECT_EQ(atom.find("<id>tag:example.org,2026:a</id>"), std::string::npos);
  EXPECT_NE(atom.find("tag:example.org,2026:b"), std::string::npos);
  EXPECT_EQ(metrics_.rescans.load(), 2u);
  EXPECT_EQ(metrics_.watcher_overflows.load(), 1u);
}

TEST_F(LiveServiceTest, ReconfigureAppliesSiteChanges) {
  write("a.md", "a", "2025-12-31T10:00:00Z");
  auto live = make();
  live->start();
  Config next = config_;
  next.site.title = "Renamed";
  ASSERT_TRUE(live->reconfigure(next).ok());
  EXPECT_NE(publisher_.body("/feed.xml").find("<title>Renamed</title>"), std::string::npos);
}

}  // namespace
}  // namespace syndicated::daemon
