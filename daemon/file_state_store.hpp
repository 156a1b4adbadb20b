#pragma once
// connectors::StateStore in a file: <state dir>/accounts/<account>.state, mode 0600, replaced
// atomically (write a temporary file, fsync, rename), so a crash leaves the old or the new value,
// never half of one. It may hold session tokens: nothing else reads it.
#include <filesystem>

#include "connectors/account.hpp"

namespace syndicated::daemon {

class FileStateStore final : public connectors::StateStore {
 public:
  explicit FileStateStore(std::filesystem::path path) : path_(std::move(path)) {}
  core::Result<std::optional<std::string>> load() override;
  core::Status save(std::string_view value) override;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace syndicated::daemon
