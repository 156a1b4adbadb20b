#pragma once
// The daemon's configuration: read from TOML, checked strictly (an unknown key is an error that
// names it and its line), then overridden by command-line flags. daemon/ is the only room that
// reads it; the other rooms get their plain option structs from here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/account.hpp"
#include "core/result.hpp"
#include "feeds/model.hpp"

namespace syndicated::daemon {

struct ListenAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string to_string() const;
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 interfaces), "localhost:0".
core::Result<ListenAddress> parse_listen_address(std::string_view text);

// Where a secret comes from: "env:NAME", "file:PATH" or "credential:NAME" (a systemd credential,
// $CREDENTIALS_DIRECTORY/NAME). Secrets are never written in the config itself.
struct CredentialSource {
  std::string spec;
  std::string where;  // "config.toml:42"
};

// One social account ([accounts.NAME]).
struct AccountConfig {
  std::string name;
  std::string network;
  std::string where;
  bool enabled = true;

  // Either one source holding a TOML table of every credential (credentials = "credential:x"),
  // or one source per credential ([accounts.NAME.credentials] key = "env:...").
  std::optional<CredentialSource> credentials_table;
  std::map<std::string, CredentialSource> credential_sources;

  std::string text_template;  // empty: the network's default
  bool lead_image = true;
  bool hashtags = true;
  std::string base_url;  // empty: the network's public API
  std::string ca_file;   // empty: the system's CA bundle
  std::chrono::seconds timeout{30};  // one request, whole exchange

  std::vector<std::string> categories, tags, authors, languages;  // empty: any
  std::chrono::seconds min_spacing{60};
  std::chrono::seconds max_age{24 * 3600};
  bool delete_on_retraction = false;
  int max_attempts = 8;
  std::chrono::seconds backoff_base{30};
  std::chrono::seconds backoff_cap{3600};

  // Keys only this network knows (e.g. a webhook's url); its connector validates them.
  std::map<std::string, connectors::Option> options;
};

struct OutboxConfig {
  // The ledger. Relative: against $STATE_DIRECTORY when systemd sets it, else the config's
  // directory.
  std::filesystem::path database = "outbox.sqlite";
  bool database_configured = false;
  std::chrono::seconds rescan_interval{30};  // re-reads due rows (e.g. after `outbox retry`)
};

struct Config {
  std::filesystem::path source;  // the config file, empty when running on defaults

  feeds::Site site;
  bool base_url_configured = false;  // false: derived from the listen address
  bool tag_authority_configured = false;  // false: derived from the base URL's host
  std::string permalink = "{yyyy}/{mm}/{dd}/{slug}/";

  std::filesystem::path store_path = "articles";
  std::size_t max_file_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds debounce{5};  // quiet time before a batch of file events applies
  std::chrono::milliseconds rescan_interval{3600 * 1000};  // full rescan; 0 = only at start

  ListenAddress listen;
  std::size_t threads = 2;
  std::size_t max_connections = 10000;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{15000};
  std::chrono::milliseconds idle_timeout{60000};
  int cache_max_age = 300;
  std::chrono::milliseconds shutdown_timeout{10000};  // in-flight responses get this long on stop

  std::int64_t tombstone_seconds = 7 * 24 * 3600;  // Atom at:deleted-entry kept this long

  feeds::FeedsConfig feeds;

  std::string log_level = "info";

  OutboxConfig outbox;
  std::vector<AccountConfig> accounts;  // in the order written
};

// Parses a config document; `name` is used in error messages ("<name>:<line>: ...").
// Relative paths in it resolve against `base_dir`.
core::Result<Config> parse_config(std::string_view toml_text, const std::string& name,
                                  const std::filesystem::path& base_dir);
// Reads and parses a file.
core::Result<Config> load_config(const std::filesystem::path& file);

// What the command line may override.
struct Overrides {
  std::optional<std::filesystem::path> store;
  std::optional<std::string> listen;
  std::optional<std::string> log_level;
};

// Applies overrides, then fills what is derived (the base URL from the listen address when not
// configured). Errors name the flag.
core::Status apply_overrides(Config& config, const Overrides& overrides);

}  // namespace syndicated::daemon
