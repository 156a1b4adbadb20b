#include "daemon/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace syndicated::daemon {
namespace {

using core::Error;
using core::make_error;

// Walks the parsed document, remembering the first error (with its line).
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  bool failed() const { return error_.has_value(); }
  const Error& error() const { return *error_; }

  void fail(const toml::node* node, std::string message) {
    if (error_) return;
    std::string where = name_;
    if (node && node->source().begin.line > 0)
      where += ":" + std::to_string(node->source().begin.line);
    error_ = make_error(std::move(message), std::move(where));
  }

  // Every key of `table` must be one of `allowed`.
  void check_keys(const toml::table& table, std::string_view prefix,
                  std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, node] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        std::string known;
        for (auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
        fail(&node, "unknown key '" + full(prefix, key.str()) + "' (known keys: " + known + ")");
      }
    }
  }

  const toml::table* table(const toml::table& parent, std::string_view prefix,
                           std::string_view key) {
    const toml::node* n = parent.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      fail(n, "'" + full(prefix, key) + "' must be a table");
      return nullptr;
    }
    return n->as_table();
  }

  void get(const toml::table& t, std::string_view prefix, std::string_view key, std::string& out) {
    if (const toml::node* n = t.get(key)) {
      if (auto v = n->value<std::string>(); v && n->is_string())
        out = *v;
      else
        fail(n, "'" + full(prefix, key) + "' must be a string");
    }
  }

  void get(const toml::table& t, std::string_view prefix, std::string_view key, bool& out) {
    if (const toml::node* n = t.get(key)) {
      if (n->is_boolean())
        out = n->as_boolean()->get();
      else
        fail(n, "'" + full(prefix, key) + "' must be true or false");
    }
  }

  // Integers with bounds.
  template <class Int>
  void get(const toml::table& t, std::string_view prefix, std::string_view key, Int& out,
           std::int64_t min, std::int64_t max) {
    if (const toml::node* n = t.get(key)) {
      if (!n->is_integer()) {
        fail(n, "'" + full(prefix, key) + "' must be an integer");
        return;
      }
      std::int64_t v = n->as_integer()->get();
      if (v < min || v > max) {
        fail(n, "'" + full(prefix, key) + "' must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", not " + std::to_string(v));
        return;
      }
      out = static_cast<Int>(v);
    }
  }

  void get(const toml::table& t, std::string_view prefix, std::string_view key,
           std::chrono::milliseconds& out, std::int64_t min, std::int64_t max) {
    std::int64_t ms = out.count();
    get(t, prefix, key, ms, min, max);
    out = std::chrono::milliseconds(ms);
  }

  void get(const toml::table& t, std::string_view prefix, std::string_view key,
           std::vector<std::string>& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) {
      fail(n, "'" + full(prefix, key) + "' must be an array of strings");
      return;
    }
    out.clear();
    for (const auto& item : *arr) {
      if (!item.is_string()) {
        fail(&item, "'" + full(prefix, key) + "' must be an array of strings");
        return;
      }
      out.push_back(item.as_string()->get());
    }
  }

  static std::string full(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::optional<Error> error_;
};

bool valid_base_url(std::string_view url) {
  return (url.starts_with("http://") || url.starts_with("https://")) && url.size() > 8 &&
         url.find_first_of(" \t\r\n\"<>") == std::string_view::npos;
}

bool valid_log_level(std::string_view level) {
  for (auto l : {"trace", "debug", "info", "warn", "error", "critical", "off"})
    if (level == l) return true;
  return false;
}

bool valid_feed_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string host_of(std::string_view url) {
  auto start = url.find("://");
  if (start == std::string_view::npos) return "localhost";
  url.remove_prefix(start + 3);
  url = url.substr(0, url.find_first_of("/:?#"));
  return url.empty() ? "localhost" : std::string(url);
}

void read_custom_feed(Reader& r, const toml::table& t, std::size_t index, Config& c) {
  std::string prefix = "feeds.custom[" + std::to_string(index) + "]";
  r.check_keys(t, prefix,
               {"name", "title", "description", "categories", "tags", "authors", "languages",
                "limit"});
  feeds::FeedSpec spec;
  spec.kind = feeds::FeedKind::kCustom;
  spec.limit = c.feeds.default_limit;
  r.get(t, prefix, "name", spec.name);
  r.get(t, prefix, "title", spec.title);
  r.get(t, prefix, "description", spec.description);
  r.get(t, prefix, "categories", spec.filter.categories);
  r.get(t, prefix, "tags", spec.filter.tags);
  r.get(t, prefix, "authors", spec.filter.authors);
  r.get(t, prefix, "languages", spec.filter.languages);
  r.get(t, prefix, "limit", spec.limit, 1, 100000);
  if (r.failed()) return;
  if (!valid_feed_name(spec.name)) {
    r.fail(&t, "'" + prefix + ".name' must be 1-100 characters of a-z, 0-9, '-' or '_' (it is "
                   "part of the feed's URL)");
    return;
  }
  for (const auto& other : c.feeds.custom) {
    if (other.name == spec.name) {
      r.fail(&t, "custom feed name '" + spec.name + "' is used twice");
      return;
    }
  }
  if (spec.title.empty()) spec.title = c.site.title + " — " + spec.name;
  spec.path = "/feeds/" + spec.name + "/feed";
  c.feeds.custom.push_back(std::move(spec));
}

bool valid_account_name(std::string_view name) { return valid_feed_name(name); }

std::string where_of(const Reader& r, const toml::node* node) {
  std::string where = r.name();
  if (node && node->source().begin.line > 0)
    where += ":" + std::to_string(node->source().begin.line);
  return where;
}

core::Result<CredentialSource> credential_source(const Reader& r, const toml::node& node,
                                                 const std::string& key) {
  const std::string where = where_of(r, &node);
  if (!node.is_string())
    return make_error("'" + key + "' must be a string: \"env:NAME\", \"file:PATH\" or "
                      "\"credential:NAME\"", where);
  std::string spec = node.as_string()->get();
  for (const char* scheme : {"env:", "file:", "credential:"}) {
    if (spec.starts_with(scheme) && spec.size() > std::string_view(scheme).size())
      return CredentialSource{spec, where};
  }
  // Never echo the value: it may be the secret itself.
  return make_error("'" + key + "' must name where the secret is — \"env:NAME\", \"file:PATH\" "
                    "or \"credential:NAME\" (a systemd credential); secrets are never written "
                    "in the config",
                    where);
}

void read_account(Reader& r, const std::string& name, const toml::node& node, Config& c) {
  const std::string prefix = "accounts." + name;
  if (!node.is_table()) {
    r.fail(&node, "'" + prefix + "' must be a table ([" + prefix + "])");
    return;
  }
  const toml::table& t = *node.as_table();
  if (!valid_account_name(name)) {
    r.fail(&node, "account name '" + name + "' must be 1-100 characters of a-z, 0-9, '-' or '_'");
    return;
  }
  AccountConfig a;
  a.name = name;
  a.where = where_of(r, &node);
  r.get(t, prefix, "network", a.network);
  if (!r.failed() && a.network.empty()) {
    r.fail(&node, "'" + prefix + ".network' is required (x, webhook, mastodon, bluesky, telegram)");
    return;
  }
  r.get(t, prefix, "enabled", a.enabled);
  if (const toml::node* cred = t.get("credentials")) {
    if (cred->is_table()) {
      for (const auto& [key, value] : *cred->as_table()) {
        auto source = credential_source(r, value, prefix + ".credentials." + std::string(key.str()));
        if (!source.ok()) {
          r.fail(&value, source.error().message);
          return;
        }
        a.credential_sources[std::string(key.str())] = *source;
      }
    } else {
      auto source = credential_source(r, *cred, prefix + ".credentials");
      if (!source.ok()) {
        r.fail(cred, source.error().message);
        return;
      }
      a.credentials_table = *source;
    }
  }
  r.get(t, prefix, "template", a.text_template);
  r.get(t, prefix, "lead_image", a.lead_image);
  r.get(t, prefix, "hashtags", a.hashtags);
  r.get(t, prefix, "base_url", a.base_url);
  if (!r.failed() && !a.base_url.empty() && !valid_base_url(a.base_url))
    r.fail(t.get("base_url"), "'" + prefix + ".base_url' must be an absolute http(s) URL");
  while (a.base_url.ends_with('/')) a.base_url.pop_back();
  r.get(t, prefix, "ca_file", a.ca_file);
  std::int64_t seconds = a.timeout.count();
  r.get(t, prefix, "timeout_s", seconds, 1, 600);
  a.timeout = std::chrono::seconds(seconds);
  r.get(t, prefix, "categories", a.categories);
  r.get(t, prefix, "tags", a.tags);
  r.get(t, prefix, "authors", a.authors);
  r.get(t, prefix, "languages", a.languages);
  seconds = a.min_spacing.count();
  r.get(t, prefix, "min_spacing_s", seconds, 0, 7 * 24 * 3600);
  a.min_spacing = std::chrono::seconds(seconds);
  std::int64_t hours = a.max_age.count() / 3600;
  r.get(t, prefix, "max_age_hours", hours, 1, 24 * 365);
  a.max_age = std::chrono::seconds(hours * 3600);
  r.get(t, prefix, "delete_on_retraction", a.delete_on_retraction);
  r.get(t, prefix, "max_attempts", a.max_attempts, 1, 100);
  seconds = a.backoff_base.count();
  r.get(t, prefix, "backoff_base_s", seconds, 1, 24 * 3600);
  a.backoff_base = std::chrono::seconds(seconds);
  seconds = a.backoff_cap.count();
  r.get(t, prefix, "backoff_cap_s", seconds, 1, 7 * 24 * 3600);
  a.backoff_cap = std::chrono::seconds(seconds);
  if (!r.failed() && a.backoff_cap < a.backoff_base)
    r.fail(t.get("backoff_cap_s"), "'" + prefix + ".backoff_cap_s' must not be below backoff_base_s");

  static constexpr std::string_view kGeneric[] = {
      "network", "enabled", "credentials", "template", "lead_image", "hashtags", "base_url",
      "ca_file", "timeout_s", "categories", "tags", "authors", "languages", "min_spacing_s",
      "max_age_hours", "delete_on_retraction", "max_attempts", "backoff_base_s", "backoff_cap_s"};
  for (const auto& [key, value] : t) {
    if (std::find(std::begin(kGeneric), std::end(kGeneric), key.str()) != std::end(kGeneric))
      continue;
    // Everything else is the network's own option; its connector says whether it knows it.
    connectors::Option option;
    option.where = where_of(r, &value);
    if (value.is_string()) {
      option.value = value.as_string()->get();
    } else if (value.is_boolean()) {
      option.value = value.as_boolean()->get() ? "true" : "false";
    } else if (value.is_integer()) {
      option.value = std::to_string(value.as_integer()->get());
    } else {
      r.fail(&value, "'" + prefix + "." + std::string(key.str()) +
                         "' must be a string, a number or true/false");
      return;
    }
    a.options[std::string(key.str())] = std::move(option);
  }
  if (r.failed()) return;
  c.accounts.push_back(std::move(a));
}

}  // namespace

std::string ListenAddress::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

core::Result<ListenAddress> parse_listen_address(std::string_view text) {
  auto bad = [&](const char* why) {
    return make_error("invalid listen address '" + std::string(text) + "': " + why +
                      " (expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080)");
  };
  ListenAddress a;
  std::string_view port_text;
  if (text.starts_with("[")) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("unbalanced '['");
    a.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing ':PORT'");
    a.host = std::string(text.substr(0, colon));
    if (a.host.find(':') != std::string::npos) return bad("IPv6 addresses need [brackets]");
    port_text = text.substr(colon + 1);
    if (a.host.empty()) a.host = "0.0.0.0";
  }
  if (a.host.empty()) return bad("empty host");
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad("the port must be a number");
  unsigned long port = std::stoul(std::string(port_text));
  if (port > 65535) return bad("the port must be at most 65535");
  a.port = static_cast<std::uint16_t>(port);
  return a;
}

core::Result<Config> parse_config(std::string_view toml_text, const std::string& name,
                                  const std::filesystem::path& base_dir) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    return make_error(std::string(e.description()),
                      name + ":" + std::to_string(e.source().begin.line));
  }
  Config c;
  Reader r(name);
  r.check_keys(doc, "", {"site", "store", "server", "feeds", "log", "outbox", "accounts"});

  if (const toml::table* site = r.table(doc, "", "site")) {
    r.check_keys(*site, "site",
                 {"title", "description", "base_url", "language", "icon", "copyright",
                  "tag_authority", "permalink"});
    r.get(*site, "site", "title", c.site.title);
    r.get(*site, "site", "description", c.site.description);
    if (site->contains("base_url")) {
      r.get(*site, "site", "base_url", c.site.base_url);
      if (!r.failed() && !valid_base_url(c.site.base_url))
        r.fail(site->get("base_url"), "'site.base_url' must be an absolute http(s) URL");
      if (!c.site.base_url.ends_with('/')) c.site.base_url += '/';
      c.base_url_configured = true;
    }
    r.get(*site, "site", "language", c.site.language);
    r.get(*site, "site", "icon", c.site.icon);
    r.get(*site, "site", "copyright", c.site.copyright);
    if (site->contains("tag_authority")) {
      r.get(*site, "site", "tag_authority", c.site.tag_authority);
      c.tag_authority_configured = true;
      if (!r.failed() && c.site.tag_authority.find(',') == std::string::npos)
        r.fail(site->get("tag_authority"),
               "'site.tag_authority' must be \"DOMAIN,DATE\" as in RFC 4151, e.g. "
               "\"news.example.az,2024\"");
    }
    r.get(*site, "site", "permalink", c.permalink);
    if (!r.failed() && c.permalink.find("{slug}") == std::string::npos &&
        c.permalink.find("{id}") == std::string::npos)
      r.fail(site->get("permalink"), "'site.permalink' must contain {slug} or {id}");
  }

  if (const toml::table* store = r.table(doc, "", "store")) {
    r.check_keys(*store, "store", {"path", "max_file_bytes", "debounce_ms", "rescan_interval_s"});
    std::string path;
    r.get(*store, "store", "path", path);
    if (!path.empty()) c.store_path = path;
    r.get(*store, "store", "max_file_bytes", c.max_file_bytes, 1024, std::int64_t{1} << 30);
    r.get(*store, "store", "debounce_ms", c.debounce, 0, 10000);
    std::int64_t rescan_s = c.rescan_interval.count() / 1000;
    r.get(*store, "store", "rescan_interval_s", rescan_s, 0, 7 * 24 * 3600);
    c.rescan_interval = std::chrono::milliseconds(rescan_s * 1000);
  }
  if (c.store_path.is_relative()) c.store_path = base_dir / c.store_path;

  if (const toml::table* server = r.table(doc, "", "server")) {
    r.check_keys(*server, "server",
                 {"listen", "threads", "max_connections", "max_header_bytes", "read_timeout_ms",
                  "idle_timeout_ms", "cache_max_age", "shutdown_timeout_ms"});
    std::string listen;
    r.get(*server, "server", "listen", listen);
    if (!listen.empty() && !r.failed()) {
      auto a = parse_listen_address(listen);
      if (a.ok())
        c.listen = *a;
      else
        r.fail(server->get("listen"), "'server.listen': " + a.error().message);
    }
    r.get(*server, "server", "threads", c.threads, 1, 256);
    r.get(*server, "server", "max_connections", c.max_connections, 1, 1000000);
    r.get(*server, "server", "max_header_bytes", c.max_header_bytes, 1024, 1024 * 1024);
    r.get(*server, "server", "read_timeout_ms", c.read_timeout, 10, 3600000);
    r.get(*server, "server", "idle_timeout_ms", c.idle_timeout, 10, 3600000);
    r.get(*server, "server", "cache_max_age", c.cache_max_age, 0, 31536000);
    r.get(*server, "server", "shutdown_timeout_ms", c.shutdown_timeout, 0, 600000);
  }

  if (const toml::table* f = r.table(doc, "", "feeds")) {
    r.check_keys(*f, "feeds",
                 {"limit", "category_feeds", "author_feeds", "tag_feeds", "tombstone_days",
                  "custom"});
    r.get(*f, "feeds", "limit", c.feeds.default_limit, 1, 100000);
    r.get(*f, "feeds", "category_feeds", c.feeds.category_feeds);
    r.get(*f, "feeds", "author_feeds", c.feeds.author_feeds);
    r.get(*f, "feeds", "tag_feeds", c.feeds.tag_feeds);
    std::int64_t tombstone_days = c.tombstone_seconds / 86400;
    r.get(*f, "feeds", "tombstone_days", tombstone_days, 0, 3650);
    c.tombstone_seconds = tombstone_days * 86400;
    if (const toml::node* custom = f->get("custom")) {
      const toml::array* arr = custom->as_array();
      if (!arr || !arr->is_array_of_tables()) {
        r.fail(custom, "'feeds.custom' must be an array of tables ([[feeds.custom]])");
      } else {
        for (std::size_t i = 0; i < arr->size() && !r.failed(); ++i)
          read_custom_feed(r, *arr->get(i)->as_table(), i, c);
      }
    }
  }

  if (const toml::table* log = r.table(doc, "", "log")) {
    r.check_keys(*log, "log", {"level"});
    r.get(*log, "log", "level", c.log_level);
    if (!r.failed() && !valid_log_level(c.log_level))
      r.fail(log->get("level"),
             "'log.level' must be one of trace, debug, info, warn, error, critical, off");
  }

  if (const toml::table* outbox = r.table(doc, "", "outbox")) {
    r.check_keys(*outbox, "outbox", {"database", "rescan_interval_s"});
    std::string database;
    r.get(*outbox, "outbox", "database", database);
    if (!database.empty()) {
      c.outbox.database = database;
      c.outbox.database_configured = true;
    }
    std::int64_t seconds = c.outbox.rescan_interval.count();
    r.get(*outbox, "outbox", "rescan_interval_s", seconds, 1, 24 * 3600);
    c.outbox.rescan_interval = std::chrono::seconds(seconds);
  }
  if (c.outbox.database.is_relative()) {
    // systemd's StateDirectory= (e.g. /var/lib/syndicated) when set, else beside the config.
    const char* state = std::getenv("STATE_DIRECTORY");
    std::filesystem::path dir = state && *state ? std::filesystem::path(std::string_view(state).substr(
                                                      0, std::string_view(state).find(':')))
                                                : base_dir;
    c.outbox.database = dir / c.outbox.database;
  }

  if (const toml::table* accounts = r.table(doc, "", "accounts")) {
    std::vector<std::pair<int, std::string>> order;  // as written (toml++ sorts keys)
    for (const auto& [key, node] : *accounts)
      order.emplace_back(node.source().begin.line, std::string(key.str()));
    std::sort(order.begin(), order.end());
    for (const auto& [line, account] : order) {
      if (r.failed()) break;
      read_account(r, account, *accounts->get(account), c);
    }
  }

  if (r.failed()) return r.error();
  if (!c.tag_authority_configured) c.site.tag_authority = host_of(c.site.base_url) + ",2024";
  return c;
}

core::Result<Config> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error("cannot read the config file", file.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  auto config = parse_config(ss.str(), file.string(), file.parent_path());
  if (config.ok()) config->source = file;
  return config;
}

core::Status apply_overrides(Config& config, const Overrides& o) {
  if (o.store) config.store_path = *o.store;
  if (o.listen) {
    auto a = parse_listen_address(*o.listen);
    if (!a.ok()) return make_error("--listen: " + a.error().message);
    config.listen = *a;
  }
  if (o.log_level) {
    if (!valid_log_level(*o.log_level))
      return make_error("--log-level must be one of trace, debug, info, warn, error, critical, off");
    config.log_level = *o.log_level;
  }
  if (!config.base_url_configured) {
    std::string host = config.listen.host;
    if (host == "0.0.0.0" || host == "::") host = "localhost";
    ListenAddress shown{host, config.listen.port};
    config.site.base_url = "http://" + shown.to_string() + "/";
    if (!config.tag_authority_configured)
      config.site.tag_authority = host_of(config.site.base_url) + ",2024";
  }
  return core::Ok{};
}

}  // namespace syndicated::daemon
