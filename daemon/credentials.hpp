#pragma once
// Reads an account's secrets from where the config says they are: the environment, a file, or a
// systemd credential ($CREDENTIALS_DIRECTORY/NAME, from LoadCredential=). Errors say which
// account and which source failed, never what a secret is.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "connectors/account.hpp"
#include "core/result.hpp"
#include "daemon/config.hpp"

namespace syndicated::daemon {

struct SecretEnvironment {
  // Looks up an environment variable (nullptr when unset). Default: std::getenv.
  std::function<const char*(const char*)> getenv;
  std::filesystem::path config_dir;  // relative file: paths resolve against it
};
SecretEnvironment process_environment(const std::filesystem::path& config_dir);

// Every credential of the account, by name. A whole-table source holds TOML
// (`consumer_key = "..."`); a per-key source holds the bare secret (one trailing newline is
// dropped).
core::Result<std::map<std::string, connectors::Secret>> resolve_credentials(
    const AccountConfig& account, const SecretEnvironment& env);

}  // namespace syndicated::daemon
