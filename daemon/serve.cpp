// `syndicated serve`: the composition root of the running daemon. Wires the clock, the control
// loop, the store watcher, the live feed service, the HTTP server and systemd together, and owns
// the signals: SIGHUP reloads the config, SIGTERM/SIGINT stop gracefully.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <csignal>
#include <cstdlib>
#include <ostream>
#include <spdlog/logger.h>

#include "connectors/registry.hpp"
#include "core/clock.hpp"
#include "daemon/commands.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/live_service.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics.hpp"
#include "daemon/syndication.hpp"
#include "daemon/systemd.hpp"
#include "daemon/version.hpp"
#include "daemon/wiring.hpp"
#include "daemon/worker_pool.hpp"
#include "http/server.hpp"

namespace syndicated::daemon {
namespace {

class ServerPublisher final : public Publisher {
 public:
  explicit ServerPublisher(http::Server& server) : server_(server) {}
  void publish(std::shared_ptr<const http::ResourceTable> table) override {
    server_.set_resources(std::move(table));
  }

 private:
  http::Server& server_;
};

// Hands the store's changes to the syndication engine.
class SyndicationFeed final : public ArticleObserver {
 public:
  explicit SyndicationFeed(Syndication& s) : s_(s) {}
  void on_articles(const std::vector<core::Article>& upserts,
                   const std::vector<std::string>& removed_ids) override {
    s_.on_changes(upserts, removed_ids);
  }

 private:
  Syndication& s_;
};

std::string status_line(const LiveService& live) {
  return "STATUS=Serving " + std::to_string(live.snapshot().visible_articles) + " articles in " +
         std::to_string(live.snapshot().feeds.size()) + " feeds (" +
         std::to_string(live.served_documents()) + " documents)";
}

const char* env(const char* name) { return std::getenv(name); }

// The local address of a listening socket, e.g. one passed by socket activation.
core::Result<ListenAddress> socket_address(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return core::make_error("getsockname failed on fd " + std::to_string(fd));
  char host[INET6_ADDRSTRLEN] = {};
  std::uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  } else {
    return core::make_error("fd " + std::to_string(fd) + " is not an IP socket");
  }
  return ListenAddress{host, port};
}

}  // namespace

int run_serve(const CommandLine& cl, std::ostream& out, std::ostream& err) {
  auto config_opt = resolve_config(cl, err);
  if (!config_opt) return 1;
  Config config = std::move(*config_opt);
  if (!check_store_dir(config, err)) return 1;
  Loggers logs = make_loggers(config.log_level);
  auto& log = *logs.daemon;

  core::SystemClock clock;
  EventLoop loop(clock);
  SystemdNotifier notifier(env("NOTIFY_SOCKET") ? env("NOTIFY_SOCKET") : "");
  DaemonMetrics metrics;
  metrics.start_unix.store(clock.now().unix_seconds);

  // Signals go to the loop; they must be blocked before any thread starts.
  LiveService* live_ptr = nullptr;
  std::function<void(int)> on_signal;
  if (auto s = loop.handle_signals({SIGINT, SIGTERM, SIGHUP}, [&](int sig) { on_signal(sig); });
      !s.ok()) {
    err << "syndicated: " << s.error().to_string() << "\n";
    return 1;
  }

  // Socket activation: systemd passes the listening socket(s) from fd 3.
  http::ServerOptions server_opts = server_options(config);
  auto fds = listen_fds(env("LISTEN_FDS"), env("LISTEN_PID"), env("LISTEN_FDNAMES"), ::getpid());
  for (const char* name : {"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) ::unsetenv(name);
  if (!fds.ok()) {
    log.critical("socket activation failed reason={}", log_value(fds.error().to_string()));
    return 1;
  }
  const bool activated = !fds->empty();
  if (activated) {
    server_opts.listen_fd = fds->front().fd;
    if (fds->size() > 1)
      log.warn("socket activation passed {} sockets; serving fd {} only", fds->size(),
               fds->front().fd);
    // The address is systemd's, not server.listen's: take it from the socket itself.
    if (auto bound = socket_address(fds->front().fd); bound.ok()) {
      config.listen = *bound;
      (void)apply_overrides(config, Overrides{});
    }
  }

  http::Server server(server_opts);
  std::atomic<bool> ready{false};
  std::atomic<bool> watcher_ok{false};
  std::atomic<const Syndication*> syndication_ptr{nullptr};
  server.add_route("/healthz", [&](const http::Request&) {
    http::Response r;
    const bool is_ready = ready.load(std::memory_order_acquire);
    const bool watching = watcher_ok.load(std::memory_order_acquire);
    r.status = is_ready && watching ? 200 : 503;
    r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", "no-store"}};
    std::string body = !is_ready ? "starting\n" : watching ? "ok\n" : "store watcher down\n";
    r.body = std::make_shared<const std::string>(std::move(body));
    return r;
  });
  server.add_route("/metrics", [&](const http::Request&) {
    http::Response r;
    r.headers = {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"},
                 {"Cache-Control", "no-store"}};
    std::string text = render_metrics(metrics, server.stats(), SYNDICATED_VERSION);
    if (const Syndication* s = syndication_ptr.load(std::memory_order_acquire))
      text += s->metrics_text();
    r.body = std::make_shared<const std::string>(std::move(text));
    return r;
  });

  // With no configured base URL and a port known only once bound (port 0), listen first.
  // Otherwise the store is loaded before the first connection is accepted (with socket
  // activation, early connections wait in the socket's backlog).
  const bool listen_first = !config.base_url_configured && !activated && config.listen.port == 0;
  bool started = false;
  auto start_server = [&]() -> bool {
    if (auto s = server.start(); !s.ok()) {
      log.critical("cannot listen address={} reason={}", config.listen.to_string(),
                   log_value(s.error().to_string()));
      return false;
    }
    started = true;
    return true;
  };
  if (listen_first) {
    if (!start_server()) return 1;
    config.listen.port = server.port();
    (void)apply_overrides(config, Overrides{});
  }

  // Watch before the first scan, so nothing written in between is missed.
  std::unique_ptr<store::DirectoryWatcher> watcher;
  auto open_watcher = [&]() -> bool {
    auto w = store::DirectoryWatcher::open(config.store_path);
    if (!w.ok()) {
      log.error("cannot watch the store; changes are seen at rescans only reason={}",
                log_value(w.error().to_string()));
      return false;
    }
    watcher = std::move(*w);
    for (const store::Diagnostic& d : watcher->startup_diagnostics())
      logs.store->warn("watch problem file={} reason={}", log_value(d.file), log_value(d.message));
    return true;
  };
  open_watcher();
  // Social accounts: built (secrets read, options checked) before anything is served, so a bad
  // account is a start-up error, not a silent gap.
  const connectors::Registry registry = connectors::default_registry();
  std::unique_ptr<Syndication> syndication;
  std::unique_ptr<SyndicationFeed> syndication_feed;
  auto post_to_loop = [&loop](std::function<void()> fn) { loop.post(std::move(fn)); };
  auto create_syndication = [&](const Config& c) -> core::Status {
    auto s = Syndication::create(c, registry, clock, loop, post_to_loop, *logs.outbox);
    if (!s.ok()) return s.error();
    syndication = std::move(*s);
    syndication_feed = std::make_unique<SyndicationFeed>(*syndication);
    syndication_ptr.store(syndication.get(), std::memory_order_release);
    return core::Ok{};
  };
  if (!config.accounts.empty()) {
    if (auto s = create_syndication(config); !s.ok()) {
      log.critical("cannot start syndication reason={}", log_value(s.error().to_string()));
      return 1;
    }
  }

  ServerPublisher publisher(server);
  // Rendering and compressing the documents of one update use every core (the caller plus
  // N-1 helpers), off the HTTP I/O threads.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  WorkerPool pool(std::min(cores, 8u) - 1);
  LiveService live(config, clock, loop, publisher, metrics, *logs.store, log,
                   [&pool](std::size_t n, const std::function<void(std::size_t)>& task) {
                     pool.parallel_for(n, task);
                   });
  live_ptr = &live;
  live.start();
  if (syndication) {
    syndication->start(live.articles());
    live.set_observer(syndication_feed.get());
    log.info("syndication started accounts={} ledger={}", syndication->accounts(),
             log_value(config.outbox.database.string()));
  }

  // The watcher's fd on the loop. If the store directory itself goes away (unmounted, moved),
  // keep serving what we have and try to watch it again every few seconds.
  std::function<void()> retry_watch;
  std::function<bool()> attach_watcher = [&]() -> bool {
    if (!watcher) return false;
    auto s = loop.watch_fd(watcher->fd(), [&] {
      store::WatchBatch batch = watcher->read();
      for (const store::Diagnostic& d : batch.diagnostics)
        logs.store->warn("watch problem file={} reason={}", log_value(d.file),
                         log_value(d.message));
      const bool lost = batch.root_lost;
      live.on_watch_batch(std::move(batch));
      if (lost) {
        log.error("the article store directory is gone; serving the last feeds and retrying "
                  "path={}", log_value(config.store_path.string()));
        loop.unwatch_fd(watcher->fd());
        watcher.reset();
        watcher_ok.store(false);
        retry_watch();
      }
    });
    if (!s.ok()) {
      log.error("cannot watch the store reason={}", log_value(s.error().to_string()));
      return false;
    }
    watcher_ok.store(true);
    return true;
  };
  retry_watch = [&] {
    loop.call_at(clock.monotonic_now() + std::chrono::seconds(5), [&] {
      if (open_watcher() && attach_watcher()) {
        log.info("watching the store again path={}", log_value(config.store_path.string()));
        live.rescan("store back");
      } else {
        retry_watch();
      }
    });
  };
  if (!attach_watcher()) retry_watch();
  if (!started && !start_server()) return 1;
  ready.store(true, std::memory_order_release);
  log.info("ready listen={} articles={} feeds={} documents={} activated={}",
           local_url(config, server.port()), live.snapshot().visible_articles,
           live.snapshot().feeds.size(), live.served_documents(), activated);
  notifier.notify("READY=1\n" + status_line(live));
  print_urls(out, config, server.port(), live.snapshot());

  // Watchdog: pinged from the loop itself, so a stuck loop stops the pings.
  auto watchdog = watchdog_interval(env("WATCHDOG_USEC"), env("WATCHDOG_PID"), ::getpid());
  std::function<void()> ping;
  if (watchdog) {
    log.info("watchdog enabled interval_ms={}", watchdog->count() / 1000);
    ping = [&] {
      notifier.notify("WATCHDOG=1");
      loop.call_at(clock.monotonic_now() + *watchdog / 2, ping);
    };
    ping();
  }

  bool stopping = false;
  std::function<void()> wait_idle;
  on_signal = [&](int sig) {
    if (sig == SIGHUP) {
      notifier.notify("RELOADING=1\n" + monotonic_usec_field(clock.monotonic_now()));
      if (!cl.config) {
        log.info("reload: no config file; rescanning the store");
        live_ptr->rescan("reload");
      } else if (auto next = load_config(*cl.config); !next.ok()) {
        metrics.reloads_failed.fetch_add(1);
        metrics.last_reload_failed_unix.store(clock.now().unix_seconds);
        log.error("reload refused, keeping the running config reason={}",
                  log_value(next.error().to_string()));
      } else if (auto s = apply_overrides(*next, cl.overrides); !s.ok()) {
        metrics.reloads_failed.fetch_add(1);
        metrics.last_reload_failed_unix.store(clock.now().unix_seconds);
        log.error("reload refused reason={}", log_value(s.error().to_string()));
      } else {
        if (listen_first) {
          next->listen.port = config.listen.port;
          (void)apply_overrides(*next, Overrides{});
        }
        (void)live_ptr->reconfigure(*next);
        if (syndication) {
          if (auto st = syndication->reconfigure(*next); !st.ok())
            log.error("reload: accounts unchanged reason={}", log_value(st.error().to_string()));
        } else if (!next->accounts.empty()) {
          if (auto st = create_syndication(*next); !st.ok()) {
            log.error("reload: syndication not started reason={}",
                      log_value(st.error().to_string()));
          } else {
            syndication->start(live_ptr->articles());
            live_ptr->set_observer(syndication_feed.get());
          }
        }
        auto level = spdlog::level::from_str(next->log_level);
        for (auto* l : {logs.daemon.get(), logs.store.get(), logs.http.get(), logs.outbox.get()}) l->set_level(level);
        metrics.reloads_ok.fetch_add(1);
        metrics.last_reload_ok_unix.store(clock.now().unix_seconds);
        log.info("reloaded config={}", log_value(*cl.config));
      }
      notifier.notify("READY=1\n" + status_line(*live_ptr));
      return;
    }
    if (stopping) return;
    stopping = true;
    log.info("shutting down signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
    notifier.notify("STOPPING=1\nSTATUS=Stopping");
    if (!syndication) {
      loop.stop();
      return;
    }
    // Posts in flight finish and are recorded (bounded by shutdown_timeout_ms; one that is cut
    // off stays `sending` in the ledger and is recovered without a duplicate at the next start).
    syndication->stop();
    const auto deadline = clock.monotonic_now() + config.shutdown_timeout;
    wait_idle = [&, deadline] {
      if (syndication->idle() || clock.monotonic_now() >= deadline) {
        if (!syndication->idle()) log.warn("stopping with a post in flight; it is recovered at the next start");
        loop.stop();
        return;
      }
      loop.call_at(clock.monotonic_now() + std::chrono::milliseconds(20), wait_idle);
    };
    wait_idle();
  };

  loop.run();
  ready.store(false, std::memory_order_release);
  live.set_observer(nullptr);
  server.stop(config.shutdown_timeout);
  syndication_ptr.store(nullptr, std::memory_order_release);
  log.info("stopped");
  return 0;
}

}  // namespace syndicated::daemon
