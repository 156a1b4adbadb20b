#include "http/body_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

namespace syndicated::http {
namespace {

// Descriptors are allocated lowest-first, so a new descriptor's number is at least the number
// already open: a memfd numbered past half the soft limit means the process is half full.
bool leaves_room_for_connections(int fd) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return true;
  return static_cast<rlim_t>(fd) < limit.rlim_cur / 2;
}

}  // namespace

std::shared_ptr<const BodyFile> BodyFile::create(std::string_view bytes) {
  const int fd = ::memfd_create("syndicated-body", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return nullptr;
  // Owned from here: closed on every early return.
  std::shared_ptr<const BodyFile> file(new BodyFile(fd, bytes.size()));
  if (!leaves_room_for_connections(fd)) return nullptr;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return nullptr;  // ENOSPC (tmpfs), ENOMEM...
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    return nullptr;
  return file;
}

BodyFile::~BodyFile() { ::close(fd_); }

}  // namespace syndicated::http
