#include "daemon/commands.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <ostream>
#include <spdlog/logger.h>

#include "core/clock.hpp"
#include "daemon/feed_service.hpp"
#include "daemon/logging.hpp"
#include "daemon/publisher.hpp"
#include "daemon/version.hpp"
#include "feeds/catalog.hpp"
#include "feeds/render.hpp"
#include "http/server.hpp"
#include "store/directory_store.hpp"

namespace syndicated::daemon {
namespace {

store::ParserOptions parser_options(const Config& c) {
  store::ParserOptions o;
  o.base_url = c.site.base_url;
  o.permalink = c.permalink;
  return o;
}

store::DirectoryStoreOptions store_options(const Config& c) {
  store::DirectoryStoreOptions o;
  o.root = c.store_path;
  o.max_file_bytes = c.max_file_bytes;
  return o;
}

http::ServerOptions server_options(const Config& c) {
  http::ServerOptions o;
  o.address = c.listen.host;
  o.port = c.listen.port;
  o.threads = c.threads;
  o.max_connections = c.max_connections;
  o.max_header_bytes = c.max_header_bytes;
  o.read_timeout = c.read_timeout;
  o.idle_timeout = c.idle_timeout;
  o.max_age_seconds = c.cache_max_age;
  o.server_header = std::string("syndicated/") + SYNDICATED_VERSION;
  return o;
}

bool check_store_dir(const Config& c, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::is_directory(c.store_path, ec)) {
    err << "syndicated: the article store '" << c.store_path.string()
        << "' is not a readable directory" << (ec ? " (" + ec.message() + ")" : std::string())
        << "\n";
    return false;
  }
  return true;
}

// "site", "category/politics", "/category/politics/feed.xml", ... -> the FeedSpec's path.
std::string feed_path_from_argument(std::string arg) {
  for (const char* ext : {".xml", ".atom", ".json"}) {
    if (arg.ends_with(std::string("/feed") + ext)) arg.resize(arg.size() - std::string(ext).size());
  }
  while (arg.starts_with("/")) arg.erase(0, 1);
  if (arg.ends_with("/feed")) arg.resize(arg.size() - 5);
  if (arg == "feed" || arg == "site" || arg.empty()) return "/feed";
  return "/" + arg + "/feed";
}

std::string local_url(const Config& c, std::uint16_t port) {
  std::string host = c.listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return "http://" + ListenAddress{host, port}.to_string();
}

void print_urls(std::ostream& out, const Config& c, std::uint16_t port,
                const feeds::Snapshot& snapshot) {
  std::string base = local_url(c, port);
  out << "syndicated " << SYNDICATED_VERSION << " serving " << snapshot.visible_articles
      << " articles in " << snapshot.feeds.size() << " feeds at " << base << "/\n";
  out << "  index    " << base << "/\n";
  out << "  opml     " << base << "/feeds.opml\n";
  out << "  health   " << base << "/healthz\n";
  for (const feeds::FeedSpec& f : snapshot.feeds) {
    out << "  " << base << f.path << ".xml  .atom  .json   " << f.title << "\n";
  }
  out.flush();
}

}  // namespace

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
  out << (cl.config ? *cl.config + ": ok\n" : std::string());
  out << result.articles.size() << " articles ok, " << result.diagnostics.size()
      << " problem(s)\n";
  return result.diagnostics.empty() ? 0 : 1;
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
  FeedService service(*config, store, clock, *logs.store);
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

int run_serve(const CommandLine& cl, std::ostream& out, std::ostream& err) {
  auto config_opt = resolve_config(cl, err);
  if (!config_opt) return 1;
  Config& config = *config_opt;
  if (!check_store_dir(config, err)) return 1;
  Loggers logs = make_loggers(config.log_level);

  // Signals are taken synchronously by this thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  core::SystemClock clock;
  http::Server server(server_options(config));
  std::atomic<bool> ready{false};
  server.add_route("/healthz", [&ready](const http::Request&) {
    http::Response r;
    bool ok = ready.load(std::memory_order_acquire);
    r.status = ok ? 200 : 503;
    r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-store"}};
    r.body = std::make_shared<const std::string>(ok ? "ok\n" : "starting\n");
    return r;
  });

  // With port 0 and no configured base URL, the URL is known only once bound: listen first.
  bool listen_first = config.listen.port == 0 && !config.base_url_configured;
  auto start_server = [&]() -> bool {
    if (auto s = server.start(); !s.ok()) {
      logs.daemon->critical("cannot listen address={} reason={}", config.listen.to_string(),
                            log_value(s.error().to_string()));
      return false;
    }
    return true;
  };
  if (listen_first) {
    if (!start_server()) return 1;
    config.listen.port = server.port();
    Overrides none;
    (void)apply_overrides(config, none);
  }

  store::ArticleParser parser(parser_options(config));
  store::DirectoryStore store(store_options(config), parser);
  FeedService service(config, store, clock, *logs.store);
  service.load();
  auto snapshot = service.build();
  server.set_resources(to_resource_table(*snapshot));
  if (!listen_first && !start_server()) return 1;
  ready.store(true, std::memory_order_release);
  logs.daemon->info("ready listen={} articles={} feeds={} documents={}",
                    local_url(config, server.port()), snapshot->visible_articles,
                    snapshot->feeds.size(), snapshot->documents.size());
  print_urls(out, config, server.port(), *snapshot);

  for (;;) {
    // Wake for a signal, or when the next embargo lifts.
    timespec timeout{3600, 0};
    if (snapshot->next_embargo) {
      std::int64_t wait = snapshot->next_embargo->unix_seconds - clock.now().unix_seconds;
      timeout.tv_sec = std::clamp<std::int64_t>(wait, 0, 3600);
      timeout.tv_nsec = wait <= 0 ? 1000000 : 0;
    }
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGINT || sig == SIGTERM) {
      logs.daemon->info("shutting down signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (sig == SIGHUP) {
      logs.daemon->info("rescanning the article store signal=SIGHUP");
      service.load();
    } else if (sig < 0 && errno != EAGAIN && errno != EINTR) {
      logs.daemon->error("sigtimedwait failed errno={}", errno);
      break;
    }
    snapshot = service.build();
    server.set_resources(to_resource_table(*snapshot));
    logs.daemon->info("feeds rebuilt articles={} documents={}", snapshot->visible_articles,
                      snapshot->documents.size());
  }
  ready.store(false, std::memory_order_release);
  server.stop(std::chrono::seconds(10));
  logs.daemon->info("stopped");
  return 0;
}

}  // namespace syndicated::daemon
