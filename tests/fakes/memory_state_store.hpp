#pragma once
// connectors::StateStore in memory, for connector tests (restart = a new connector, same store).
#include <optional>
#include <string>

#include "connectors/account.hpp"

namespace syndicated::testing {

class MemoryStateStore final : public connectors::StateStore {
 public:
  core::Result<std::optional<std::string>> load() override { return value_; }
  core::Status save(std::string_view value) override {
    value_ = std::string(value);
    ++saves_;
    return core::Ok{};
  }
  const std::optional<std::string>& value() const { return value_; }
  int saves() const { return saves_; }

 private:
  std::optional<std::string> value_;
  int saves_ = 0;
};

}  // namespace syndicated::testing
