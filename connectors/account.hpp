#pragma once
// What a connector is built from: one account's settings as the daemon read them from the config
// (the daemon resolves credentials; connectors never read files or the environment).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace syndicated::http {
class HttpClient;
}

namespace syndicated::connectors {

// A secret value (token, key, password). It prints as "<redacted>" and is compared in constant
// time; only the code that signs or authenticates calls reveal().
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  static constexpr const char* kRedacted = "<redacted>";

 private:
  std::string value_;
};

// A network-specific option as written in the config, with where it was written
// (e.g. "config.toml:42"), so a connector's complaint points at the line.
struct Option {
  std::string value;
  std::string where;
};

struct AccountSettings {
  std::string name;     // the account's name in the config, e.g. "x_main"
  std::string network;  // "x", "webhook", ...
  std::string where;    // where the account's table starts, e.g. "config.toml:40"

  std::string text_template;  // empty = the network's default template
  bool lead_image = true;     // attach the article's first image
  bool hashtags = true;       // {hashtags} from the article's categories and tags

  std::string base_url;  // empty = the network's public API; tests and compatible services
  std::string site_name;      // the site's title, for templates
  std::string site_language;  // used when an article has none

  std::map<std::string, Secret> credentials;  // e.g. consumer_key, consumer_secret, ...
  std::map<std::string, Option> options;      // network-specific keys (e.g. webhook "url")
};

// A small durable value a connector keeps between runs, one per account (e.g. Bluesky's session
// tokens, so that a restart does not log in again). It may hold secrets: the daemon's
// implementation is a file readable by the daemon only, written atomically.
class StateStore {
 public:
  virtual ~StateStore() = default;
  // The saved value, or nullopt when nothing was saved yet.
  virtual core::Result<std::optional<std::string>> load() = 0;
  virtual core::Status save(std::string_view value) = 0;
};

// Everything a connector may use besides its settings.
struct ConnectorContext {
  http::HttpClient& http;
  const core::Clock& clock;
  StateStore* state = nullptr;  // nullptr: nothing persists (preview, check, tests)
};

}  // namespace syndicated::connectors
