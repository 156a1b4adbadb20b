#include "daemon/systemd.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace syndicated::daemon {
namespace {

// A datagram socket bound at `name` ("@..." for the abstract namespace), as systemd would have.
class Receiver {
 public:
  explicit Receiver(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
    timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Receiver() { ::close(fd_); }
  std::string receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  int fd_;
};

TEST(SystemdNotifier, SendsDatagramsToAPathSocket) {
  std::string path = ::testing::TempDir() + "notify-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  Receiver r(path);
  SystemdNotifier n(path);
  EXPECT_TRUE(n.enabled());
  n.notify("READY=1\nSTATUS=Serving 3 feeds");
  EXPECT_EQ(r.receive(), "READY=1\nSTATUS=Serving 3 feeds");
  ::unlink(path.c_str());
}

TEST(SystemdNotifier, SendsToAnAbstractSocket) {
  std::string name = "@syndicated-test-" + std::to_string(::getpid());
  Receiver r(name);
  SystemdNotifier n(name);
  n.notify("WATCHDOG=1");
  EXPECT_EQ(r.receive(), "WATCHDOG=1");
}

TEST(SystemdNotifier, DisabledWithoutAValidSocket) {
  EXPECT_FALSE(SystemdNotifier("").enabled());
  EXPECT_FALSE(SystemdNotifier("relative/path").enabled());
  SystemdNotifier("").notify("READY=1");  // a no-op, no crash
}

TEST(Watchdog, IntervalHonoursPid) {
  EXPECT_EQ(watchdog_interval("30000000", nullptr, 42)->count(), 30000000);
  EXPECT_EQ(watchdog_interval("30000000", "42", 42)->count(), 30000000);
  EXPECT_FALSE(watchdog_interval("30000000", "43", 42));  // meant for another process
  EXPECT_FALSE(watchdog_interval(nullptr, nullptr, 42));
  EXPECT_FALSE(watchdog_interval("0", nullptr, 42));
  EXPECT_FALSE(watchdog_interval("soon", nullptr, 42));
}

TEST(ListenFds, ParsesCountPidAndNames) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // make sure fd 3 and 4 exist in this process
  auto none = listen_fds(nullptr, nullptr, nullptr, 42);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto other = listen_fds("1", "43", "http", 42);  // for another process: ignored
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  auto two = listen_fds("2", "42", "http:metrics", 42);
  ASSERT_TRUE(two.ok()) << two.error().to_string();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].fd, 3);
  EXPECT_EQ((*two)[0].name, "http");
  EXPECT_EQ((*two)[1].fd, 4);
  EXPECT_EQ((*two)[1].name, "metrics");
  EXPECT_FALSE(listen_fds("many", "42", nullptr, 42).ok());
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(MonotonicUsec, FormatsMicroseconds) {
  core::MonotonicTime t{std::chrono::microseconds(123456789)};
  EXPECT_EQ(monotonic_usec_field(t), "MONOTONIC_USEC=123456789");
}

}  // namespace
}  // namespace syndicated::daemon
