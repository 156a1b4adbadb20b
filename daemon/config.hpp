#pragma once
// The daemon's configuration: read from TOML, checked strictly (an unknown key is an error that
// names it and its line), then overridden by command-line flags. daemon/ is the only room that
// reads it; the other rooms get their plain option structs from here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

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
