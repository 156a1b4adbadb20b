#pragma once
// A body's bytes placed once in a sealed memfd, so that the server can sendfile() them: the kernel
// hands the socket references to the file's pages instead of copying the body from user memory
// on every response (what nginx's sendfile does). Transport only; no Beast, no Asio.
#include <cstddef>
#include <memory>
#include <string_view>

namespace syndicated::http {

class BodyFile {
 public:
  // A memfd (MFD_CLOEXEC | MFD_ALLOW_SEALING) holding `bytes`, sealed against writes, shrinking
  // and growing. nullptr when the kernel refuses (memfd_create filtered by seccomp, out of
  // memory or descriptors) or when the process already holds half of its RLIMIT_NOFILE: bodies
  // must never take the descriptors that connections need. The caller then serves from memory.
  static std::shared_ptr<const BodyFile> create(std::string_view bytes);

  ~BodyFile();
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;

  int fd() const { return fd_; }
  std::size_t size() const { return size_; }

 private:
  BodyFile(int fd, std::size_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::size_t size_;
};

}  // namespace syndicated::http
