#include "daemon/file_state_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace syndicated::daemon {

core::Result<std::optional<std::string>> FileStateStore::load() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || !std::filesystem::exists(path_)) return std::optional<std::string>{};
    return core::make_error(std::string("cannot read: ") + std::strerror(errno), path_.string());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::optional<std::string>(ss.str());
}

core::Status FileStateStore::save(std::string_view value) {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) return core::make_error("cannot create the directory: " + ec.message(),
                                  path_.parent_path().string());
  const std::string tmp = path_.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return core::make_error(std::string("cannot write: ") + std::strerror(errno), tmp);
  const char* p = value.data();
  std::size_t left = value.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return core::make_error(std::string("cannot write: ") + std::strerror(e), tmp);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return core::make_error(std::string("cannot write: ") + std::strerror(errno), tmp);
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return core::make_error(std::string("cannot replace: ") + std::strerror(e), path_.string());
  }
  return core::Ok{};
}

}  // namespace syndicated::daemon
