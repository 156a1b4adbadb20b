#include "daemon/systemd.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace syndicated::daemon {
namespace {

bool parse_ulong(const char* text, unsigned long long& out) {
  if (!text || !*text) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(text, &end, 10);
  return errno == 0 && end && *end == '\0';
}

}  // namespace

SystemdNotifier::SystemdNotifier(std::string socket) : socket_(std::move(socket)) {
  // Only absolute paths and abstract sockets are valid ($NOTIFY_SOCKET semantics).
  if (!socket_.empty() && socket_[0] != '/' && socket_[0] != '@') socket_.clear();
  if (socket_.size() >= sizeof(sockaddr_un::sun_path)) socket_.clear();
  if (!socket_.empty()) fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) socket_.clear();
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

void SystemdNotifier::notify(std::string_view state) {
  if (socket_.empty()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  if (socket_[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  // Datagrams are delivered whole or not at all; a failure is not fatal for the service.
  (void)::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr), len);
}

std::optional<std::chrono::microseconds> watchdog_interval(const char* watchdog_usec,
                                                           const char* watchdog_pid, long pid) {
  unsigned long long usec = 0, wpid = 0;
  if (!parse_ulong(watchdog_usec, usec) || usec == 0) return std::nullopt;
  if (watchdog_pid && *watchdog_pid) {
    if (!parse_ulong(watchdog_pid, wpid) || static_cast<long>(wpid) != pid) return std::nullopt;
  }
  return std::chrono::microseconds(usec);
}

core::Result<std::vector<ListenFd>> listen_fds(const char* fds_text, const char* pid_text,
                                               const char* names_text, long pid) {
  std::vector<ListenFd> out;
  unsigned long long count = 0, lpid = 0;
  if (!fds_text || !*fds_text) return out;
  if (!parse_ulong(pid_text, lpid) || static_cast<long>(lpid) != pid) return out;
  if (!parse_ulong(fds_text, count) || count > 1024)
    return core::make_error("invalid LISTEN_FDS '" + std::string(fds_text) + "'");
  std::vector<std::string> names;
  if (names_text) {
    std::string_view rest(names_text);
    while (!rest.empty() || names.size() < count) {
      auto colon = rest.find(':');
      names.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  for (unsigned long long i = 0; i < count; ++i) {
    int fd = 3 + static_cast<int>(i);
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0)
      return core::make_error("LISTEN_FDS names fd " + std::to_string(fd) + ", which is not open");
    ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    out.push_back({fd, i < names.size() ? names[i] : std::string()});
  }
  return out;
}

std::string monotonic_usec_field(core::MonotonicTime now) {
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch());
  return "MONOTONIC_USEC=" + std::to_string(usec.count());
}

}  // namespace syndicated::daemon
