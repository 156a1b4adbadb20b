#pragma once
// The systemd service protocols, implemented here in a few lines rather than linking libsystemd:
//  - sd_notify(3): datagrams to $NOTIFY_SOCKET (a path, or an abstract socket written "@name");
//  - the watchdog settings ($WATCHDOG_USEC, honouring $WATCHDOG_PID);
//  - socket activation, sd_listen_fds(3): $LISTEN_FDS, $LISTEN_PID, $LISTEN_FDNAMES.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace syndicated::daemon {

// Where READY=1, STATUS=..., WATCHDOG=1, RELOADING=1, STOPPING=1 go.
class Notifier {
 public:
  virtual ~Notifier() = default;
  // Sends one notification ("READY=1\nSTATUS=..."); a no-op when not under systemd.
  virtual void notify(std::string_view state) = 0;
};

class SystemdNotifier final : public Notifier {
 public:
  // `socket` is the value of $NOTIFY_SOCKET; empty disables notification.
  explicit SystemdNotifier(std::string socket);
  ~SystemdNotifier() override;
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  void notify(std::string_view state) override;
  bool enabled() const { return !socket_.empty(); }

 private:
  std::string socket_;
  int fd_ = -1;
};

// The watchdog interval systemd expects, from $WATCHDOG_USEC and $WATCHDOG_PID (which must be
// ours, `pid`, when set). nullopt when the watchdog is off.
std::optional<std::chrono::microseconds> watchdog_interval(const char* watchdog_usec,
                                                           const char* watchdog_pid, long pid);

struct ListenFd {
  int fd;
  std::string name;  // from $LISTEN_FDNAMES, "" when not given
};

// Sockets passed by systemd (socket activation), starting at fd 3. Empty when none were passed
// or $LISTEN_PID is not `pid`. Marks them close-on-exec.
core::Result<std::vector<ListenFd>> listen_fds(const char* listen_fds, const char* listen_pid,
                                               const char* listen_fdnames, long pid);

// "MONOTONIC_USEC=<CLOCK_MONOTONIC in µs>", as RELOADING=1 wants it. `now` comes from
// core::Clock::monotonic_now() (steady_clock is CLOCK_MONOTONIC on Linux).
std::string monotonic_usec_field(core::MonotonicTime now);

}  // namespace syndicated::daemon
