#include "daemon/commands.hpp"

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <spdlog/logger.h>

#include "connectors/registry.hpp"
#include "core/clock.hpp"
#include "daemon/accounts.hpp"
#include "daemon/feed_service.hpp"
#include "daemon/logging.hpp"
#include "daemon/version.hpp"
#include "daemon/wiring.hpp"
#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "store/directory_store.hpp"

namespace syndicated::daemon {

std::optional<Config> resolve_config(const CommandLine& cl, std::ostream& err) {
  Config config;
  if (cl.config) {
    auto loaded = load_config(*cl.config);
    if (!loaded.ok()) {
      err << "syndicated: config error: " << loaded.error().to_string() << "\n";
      return std::nullopt;
    }
    config = std::move(*loaded);
  }
  if (auto s = apply_overrides(config, cl.overrides); !s.ok()) {
    err << "syndicated: " << s.error().to_string() << "\n";
    return std::nullopt;
  }
  return config;
}

int run_check(const CommandLine& cl, std::ostream& out, std::ostream& err) {
  auto config = resolve_config(cl, err);
  if (!config) return 1;
  if (!check_store_dir(*config, err)) return 1;
  store::ArticleParser parser(parser_options(*config));
  store::DirectoryStore store(store_options(*config), parser);
  store::LoadResult result = store.load_all();
  for (const store::Diagnostic& d : result.diagnostics) {
    out << (config->store_path / d.file).string();
    if (d.line > 0) out << ":" << d.line;
    out << ": " << d.message << "\n";
  }
  // Accounts: each network's options are checked by its connector. Secrets are read only by
  // serve; check builds the accounts with placeholders.
  std::size_t account_problems = 0;
  const connectors::Registry registry = connectors::default_registry();
  core::SystemClock clock;
  for (const auto& account : config->accounts) {
    auto built = build_account(*config, account, registry, clock,
                               process_environment(config->source.parent_path()),
                               Secrets::kPlaceholder);
    if (!built.ok()) {
      out << built.error().to_string() << "\n";
      ++account_problems;
    }
  }
  out << (cl.config && account_problems == 0 ? *cl.config + ": ok\n" : std::string());
  if (!config->accounts.empty())
    out << config->accounts.size() - account_problems << " account(s) ok, " << account_problems
        << " problem(s)\n";
  out << result.articles.size() << " articles ok, " << result.diagnostics.size()
      << " problem(s)\n";
  return result.diagnostics.empty() && account_problems == 0 ? 0 : 1;
}

int run_render(const CommandLine& cl, std::ostream& out, std::ostream& err) {
  auto config = resolve_config(cl, err);
  if (!config) return 1;
  if (!check_store_dir(*config, err)) return 1;
  const std::string& format_name = cl.positionals[1];
  feeds::Format format;
  if (format_name == "rss") format = feeds::Format::kRss;
  else if (format_name == "atom") format = feeds::Format::kAtom;
  else if (format_name == "json") format = feeds::Format::kJson;
  else {
    err << "syndicated render: unknown format '" << format_name << "' (use rss, atom or json)\n";
    return 2;
  }
  Loggers logs = make_loggers(config->log_level);
  core::SystemClock clock;
  store::ArticleParser parser(parser_options(*config));
  store::DirectoryStore store(store_options(*config), parser);
  FeedService service(*config, store, *logs.store);
  service.load();
  core::Timestamp now = clock.now();
  auto catalog = feeds::build_catalog(config->site, config->feeds, service.articles(), now);
  std::string path = feed_path_from_argument(cl.positionals[0]);
  auto it = std::find_if(catalog.begin(), catalog.end(),
                         [&](const feeds::FeedSpec& f) { return f.path == path; });
  if (it == catalog.end()) {
    err << "syndicated render: no feed '" << cl.positionals[0] << "' (looked for " << path
        << "); feeds are:\n";
    for (const auto& f : catalog) err << "  " << f.path.substr(1, f.path.size() - 6) << "\n";
    return 1;
  }
  auto items = feeds::select_items(*it, service.articles(), now);
  out << feeds::render(format, config->site, *it, items);
  out.flush();
  return 0;
}

}  // namespace syndicated::daemon
