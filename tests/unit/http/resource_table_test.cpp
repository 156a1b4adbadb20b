// ResourceTable: sharded, structure-sharing updates (with_changes) and the sealed memfds that the
// server sends bodies from.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "http/body_file.hpp"
#include "http/resource.hpp"

namespace syndicated::http {
namespace {

std::shared_ptr<const std::string> bytes(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

Resource resource(std::string body, std::string etag = "\"e\"") {
  Resource r;
  r.content_type = "text/plain";
  r.identity = {bytes(std::move(body)), std::move(etag)};
  return r;
}

std::string body_at(const ResourceTable& table, std::string_view path) {
  const Resource* r = table.find(path);
  return r == nullptr ? "<missing>" : *r->identity.body;
}

std::string read_file(const BodyFile& file) {
  std::string out(file.size() + 16, '\0');  // room to notice extra bytes
  const ssize_t n = ::pread(file.fd(), out.data(), out.size(), 0);
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::shared_ptr<ResourceTable> table_of(std::size_t n) {
  auto table = std::make_shared<ResourceTable>();
  for (std::size_t i = 0; i < n; ++i)
    table->add("/f/" + std::to_string(i) + ".xml", resource("body " + std::to_string(i)));
  return table;
}

TEST(ResourceTable, AddFindReplace) {
  ResourceTable table;
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.find("/a"), nullptr);
  table.add("/a", resource("one"));
  table.add("/b", resource("two"));
  table.add("/a", resource("three"));  // replaces
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(body_at(table, "/a"), "three");
  EXPECT_EQ(body_at(table, "/b"), "two");
  EXPECT_EQ(table.find("/c"), nullptr);
  EXPECT_EQ(table.find("/a/"), nullptr);
}

TEST(ResourceTable, ManyPathsAllFound) {
  auto table = table_of(5000);
  EXPECT_EQ(table->size(), 5000u);
  for (std::size_t i = 0; i < 5000; ++i)
    ASSERT_EQ(body_at(*table, "/f/" + std::to_string(i) + ".xml"), "body " + std::to_string(i));
  EXPECT_EQ(table->find("/f/5000.xml"), nullptr);
  // The paths are spread: most shards hold some.
  std::size_t used = 0;
  for (std::size_t s = 0; s < ResourceTable::kShardCount; ++s)
    used += table->shard_identity(s) != nullptr;
  EXPECT_GT(used, ResourceTable::kShardCount * 9 / 10);
}

TEST(ResourceTable, WithChangesSharesUntouchedShards) {
  std::shared_ptr<const ResourceTable> old = table_of(3000);
  const std::string changed = "/f/17.xml";
  const std::string added = "/new/feed.xml";
  const std::string removed = "/f/2999.xml";
  auto next = old->with_changes({{changed, resource("changed")}, {added, resource("added")}},
                                {removed, "/not/there"});

  const std::set<std::size_t> touched = {ResourceTable::shard_of(changed),
                                         ResourceTable::shard_of(added),
                                         ResourceTable::shard_of(removed)};
  for (std::size_t s = 0; s < ResourceTable::kShardCount; ++s) {
    if (touched.count(s))
      EXPECT_NE(next->shard_identity(s), old->shard_identity(s)) << "shard " << s;
    else
      EXPECT_EQ(next->shard_identity(s), old->shard_identity(s)) << "shard " << s;
  }
  // Untouched entries are the same objects, not copies.
  EXPECT_EQ(next->find_entry("/f/18.xml"), old->find_entry("/f/18.xml"));

  EXPECT_EQ(next->size(), 3000u);  // one added, one removed
  EXPECT_EQ(body_at(*next, changed), "changed");
  EXPECT_EQ(body_at(*next, added), "added");
  EXPECT_EQ(next->find(removed), nullptr);
  // The old table is unchanged.
  EXPECT_EQ(old->size(), 3000u);
  EXPECT_EQ(body_at(*old, changed), "body 17");
  EXPECT_EQ(old->find(added), nullptr);
  EXPECT_EQ(body_at(*old, removed), "body 2999");
}

TEST(ResourceTable, OldTableStaysValidWhileHeld) {
  std::shared_ptr<const ResourceTable> current = table_of(100);
  // A request holds the table and a pointer into it, as a session does while writing.
  std::shared_ptr<const ResourceTable> held = current;
  const Resource* in_flight = held->find("/f/5.xml");
  ASSERT_NE(in_flight, nullptr);
  current = current->with_changes({{"/f/5.xml", resource("replaced")}}, {});
  current = current->with_changes({}, {"/f/5.xml"});
  EXPECT_EQ(current->find("/f/5.xml"), nullptr);
  EXPECT_EQ(*in_flight->identity.body, "body 5");
  held.reset();  // the last reference: the old shards go now
  EXPECT_EQ(body_at(*current, "/f/6.xml"), "body 6");
}

TEST(ResourceTable, UpsertThenRemoveOfTheSamePathRemoves) {
  auto table = table_of(10);
  auto next = table->with_changes({{"/x", resource("x")}, {"/f/1.xml", resource("y")}},
                                  {"/x", "/f/1.xml"});
  EXPECT_EQ(next->find("/x"), nullptr);
  EXPECT_EQ(next->find("/f/1.xml"), nullptr);
  EXPECT_EQ(next->size(), 9u);
}

TEST(ResourceTable, AddOnACopyDoesNotChangeTheOriginal) {
  ResourceTable original;
  original.add("/a", resource("one"));
  ResourceTable copy = original;
  EXPECT_EQ(copy.shard_identity(ResourceTable::shard_of("/a")),
            original.shard_identity(ResourceTable::shard_of("/a")));
  copy.add("/a", resource("two"));
  EXPECT_EQ(body_at(original, "/a"), "one");
  EXPECT_EQ(body_at(copy, "/a"), "two");
}

TEST(ResourceTable, LargeBodiesGetASealedFile) {
  const std::string big(20000, 'b');
  Resource r = resource(big);
  r.gzip = Representation{bytes(std::string(17000, 'g')), "\"g\""};
  ResourceTable table;
  table.add("/big", r);
  table.add("/small", resource("tiny"));
  const auto* entry = table.find_entry("/big");
  ASSERT_NE(entry, nullptr);
  ASSERT_TRUE(entry->identity_file);
  ASSERT_TRUE(entry->gzip_file);
  EXPECT_EQ(read_file(*entry->identity_file), big);
  EXPECT_EQ(read_file(*entry->gzip_file), std::string(17000, 'g'));
  EXPECT_EQ(table.find_entry("/small")->identity_file, nullptr);  // under file_min_bytes

  // Sealed: no writes, no growing or shrinking.
  const int fd = entry->identity_file->fd();
  EXPECT_LT(::pwrite(fd, "x", 1, 0), 0);
  EXPECT_NE(::ftruncate(fd, 10), 0);
  EXPECT_NE(::ftruncate(fd, 30000), 0);
  const int seals = ::fcntl(fd, F_GET_SEALS);
  EXPECT_EQ(seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW),
            F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
}

TEST(ResourceTable, FileClosedWithTheLastTable) {
  auto table = std::make_shared<ResourceTable>();
  table->add("/big", resource(std::string(20000, 'b')));
  const int fd = table->find_entry("/big")->identity_file->fd();
  auto next = table->with_changes({{"/other", resource("o")}}, {});
  table.reset();
  EXPECT_NE(::fcntl(fd, F_GETFD), -1);  // still held by `next`, which shares the entry
  next.reset();
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed
}

TEST(ResourceTable, FileMinBytesOption) {
  ResourceTable never(ResourceTableOptions{.file_min_bytes = SIZE_MAX});
  never.add("/big", resource(std::string(100000, 'b')));
  EXPECT_EQ(never.find_entry("/big")->identity_file, nullptr);
  ResourceTable always(ResourceTableOptions{.file_min_bytes = 1});
  always.add("/small", resource("tiny"));
  ASSERT_NE(always.find_entry("/small")->identity_file, nullptr);
  EXPECT_EQ(read_file(*always.find_entry("/small")->identity_file), "tiny");
  // Tables made by with_changes() keep the options.
  auto next = always.with_changes({{"/s2", resource("t2")}}, {});
  EXPECT_NE(next->find_entry("/s2")->identity_file, nullptr);
}

// When the kernel refuses a memfd (here: no descriptor left; under seccomp: EPERM), the entry has
// no file and the body is served from memory.
TEST(ResourceTable, NoFileWhenMemfdFails) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the sanitizer runtime needs file descriptors that this test takes away";
#endif
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit none = saved;
  none.rlim_cur = 0;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &none), 0);
  ResourceTable table;
  table.add("/big", resource(std::string(20000, 'b')));
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_NE(table.find_entry("/big"), nullptr);
  EXPECT_EQ(table.find_entry("/big")->identity_file, nullptr);
  EXPECT_EQ(body_at(table, "/big"), std::string(20000, 'b'));
}

// Bodies never take the descriptors connections need: past half of RLIMIT_NOFILE, no file.
TEST(ResourceTable, NoFileWhenHalfTheDescriptorsAreUsed) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "the sanitizer runtime needs file descriptors that this test takes away";
#endif
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  const int probe = ::dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(probe) + 2;  // the next descriptor is past half of it
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  auto file = BodyFile::create(std::string(20000, 'b'));
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(file, nullptr);
  EXPECT_NE(BodyFile::create(std::string(20000, 'b')), nullptr);
}

}  // namespace
}  // namespace syndicated::http
