#include "daemon/syndication.hpp"

#include <spdlog/logger.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "daemon/logging.hpp"

namespace syndicated::daemon {
namespace {

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

core::Result<std::unique_ptr<Syndication>> Syndication::create(
    const Config& config, const connectors::Registry& registry, const core::Clock& clock,
    core::Scheduler& scheduler, ThreadDispatcher::Post post, spdlog::logger& log) {
  auto built = build_accounts(config, registry, clock,
                              process_environment(config.source.parent_path()), Secrets::kResolve);
  if (!built.ok()) return built.error();
  std::error_code ec;
  std::filesystem::create_directories(config.outbox.database.parent_path(), ec);
  auto ledger = outbox::SqliteLedger::open(config.outbox.database);
  if (!ledger.ok()) return ledger.error();
  std::unique_ptr<Syndication> s(new Syndication(config, registry, clock, scheduler,
                                                 std::move(post), log, std::move(*ledger)));
  s->add_accounts(std::move(*built));
  return s;
}

Syndication::Syndication(const Config& config, const connectors::Registry& registry,
                         const core::Clock& clock, core::Scheduler& scheduler,
                         ThreadDispatcher::Post post, spdlog::logger& log,
                         std::unique_ptr<outbox::SqliteLedger> ledger)
    : registry_(registry),
      clock_(clock),
      scheduler_(scheduler),
      log_(log),
      config_(config),
      ledger_(std::move(ledger)),
      dispatcher_(std::move(post)) {
  outbox::EngineOptions options;
  options.rescan_interval = config.outbox.rescan_interval;
  options.observer = this;
  options.seed = static_cast<std::uint64_t>(clock.now().unix_seconds) ^ 0x5eedULL;
  engine_ = std::make_unique<outbox::Engine>(*ledger_, clock_, scheduler_, dispatcher_, options);
}

Syndication::~Syndication() {
  if (metrics_timer_) scheduler_.cancel(metrics_timer_);
}

void Syndication::add_accounts(std::vector<BuiltAccount> built) {
  std::vector<std::string> names;
  for (auto& b : built) {
    names.push_back(b.policy.name);
    log_.info("account ready account={} network={} recovery={}", b.policy.name, b.policy.network,
              connectors::to_string(b.connector->recovery()));
    engine_->add_account(std::move(b.policy), std::move(b.connector));
  }
  for (const auto& old : account_names_)
    if (std::find(names.begin(), names.end(), old) == names.end()) {
      log_.info("account removed account={}", old);
      engine_->remove_account(old);
    }
  account_names_ = std::move(names);
}

void Syndication::start(const std::vector<core::Article>& current) {
  engine_->start(current);
  refresh_metrics();
  arm_metrics_refresh();
}

void Syndication::on_changes(const std::vector<core::Article>& upserts,
                             const std::vector<std::string>& removed_ids) {
  for (const auto& a : upserts) engine_->upsert(a);
  for (const auto& id : removed_ids) engine_->remove(id);
}

core::Status Syndication::reconfigure(const Config& next) {
  auto built = build_accounts(next, registry_, clock_,
                              process_environment(next.source.parent_path()), Secrets::kResolve);
  if (!built.ok()) return built.error();
  if (next.outbox.database != config_.outbox.database)
    log_.warn("reload: 'outbox.database' changes only on restart; keeping {}",
              config_.outbox.database.string());
  Config kept = next;
  kept.outbox.database = config_.outbox.database;
  config_ = std::move(kept);
  add_accounts(std::move(*built));
  engine_->rescan();
  refresh_metrics();
  return core::Ok{};
}

void Syndication::stop() { engine_->stop(); }

bool Syndication::idle() const { return engine_->idle(); }

void Syndication::arm_metrics_refresh() {
  metrics_timer_ = scheduler_.call_at(clock_.monotonic_now() + std::chrono::seconds(5), [this] {
    metrics_timer_ = 0;
    refresh_metrics();
    arm_metrics_refresh();
  });
}

void Syndication::refresh_metrics() {
  refresh_pending_ = false;
  outbox::EngineStats stats = engine_->stats();
  std::string out;
  out += "# HELP syndicated_posts Deliveries in the outbox ledger, by account and state.\n";
  out += "# TYPE syndicated_posts gauge\n";
  for (const auto& c : stats.rows)
    out += "syndicated_posts{account=\"" + c.account + "\",state=\"" +
           outbox::to_string(c.state) + "\"} " + std::to_string(c.count) + "\n";
  auto counter = [&](const char* name, const char* help, auto field) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
    for (const auto& a : stats.accounts)
      out += std::string(name) + "{account=\"" + a.name + "\",network=\"" + a.network + "\"} " +
             std::to_string(a.*field) + "\n";
  };
  counter("syndicated_post_attempts_total", "Requests started to post (recovery lookups too).",
          &outbox::AccountStats::attempts);
  counter("syndicated_posts_sent_total", "Posts the networks accepted.",
          &outbox::AccountStats::sent);
  counter("syndicated_post_transient_failures_total",
          "Attempts that failed transiently (retried later).", &outbox::AccountStats::transient);
  counter("syndicated_posts_failed_total", "Posts that failed for good.",
          &outbox::AccountStats::failed);
  counter("syndicated_posts_deleted_total", "Remote posts deleted after a retraction.",
          &outbox::AccountStats::deleted);
  out += "# HELP syndicated_account_stopped 1 when the account is stopped until an operator acts "
         "(bad credentials, credits exhausted, endpoint gone).\n"
         "# TYPE syndicated_account_stopped gauge\n";
  for (const auto& a : stats.accounts)
    out += "syndicated_account_stopped{account=\"" + a.name + "\",network=\"" + a.network +
           "\"} " + (a.stopped ? "1" : "0") + "\n";
  out += "# HELP syndicated_outbox_ledger_errors_total Ledger operations that failed.\n"
         "# TYPE syndicated_outbox_ledger_errors_total counter\n"
         "syndicated_outbox_ledger_errors_total " +
         std::to_string(stats.ledger_errors) + "\n";
  std::lock_guard lock(metrics_mu_);
  metrics_text_ = std::move(out);
}

std::string Syndication::metrics_text() const {
  std::lock_guard lock(metrics_mu_);
  std::string out = metrics_text_;
  out += "# HELP syndicated_publish_to_post_seconds From an article's publication (or embargo "
         "lift) to the network's acceptance of its post.\n"
         "# TYPE syndicated_publish_to_post_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBounds.size(); ++i) {
    cumulative += latency_buckets_[i];
    out += "syndicated_publish_to_post_seconds_bucket{le=\"" + fmt_double(kLatencyBounds[i]) +
           "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += latency_buckets_.back();
  out += "syndicated_publish_to_post_seconds_bucket{le=\"+Inf\"} " + std::to_string(cumulative) +
         "\n";
  out += "syndicated_publish_to_post_seconds_sum " + fmt_double(latency_sum_) + "\n";
  out += "syndicated_publish_to_post_seconds_count " + std::to_string(latency_count_) + "\n";
  out += "# HELP syndicated_account_alerts_total Times an account was stopped.\n"
         "# TYPE syndicated_account_alerts_total counter\n";
  for (const auto& [account, n] : alerts_)
    out += "syndicated_account_alerts_total{account=\"" + account + "\"} " + std::to_string(n) +
           "\n";
  return out;
}

void Syndication::on_transition(const outbox::TransitionEvent& e) {
  using outbox::State;
  const char* from = outbox::to_string(e.from);
  const char* to = outbox::to_string(e.to);
  switch (e.to) {
    case State::kSent:
      if (e.from == State::kSent) {
        log_.warn("retraction not yet deleted account={} article={} reason={}", e.account,
                  log_value(e.article_id), log_value(e.reason));
        break;
      }
      log_.info("posted account={} article={} url={} attempt={} latency_s={:.3f}", e.account,
                log_value(e.article_id), log_value(e.remote_url), e.attempt,
                e.latency ? std::chrono::duration<double>(*e.latency).count() : 0.0);
      if (e.latency) {
        double seconds = std::chrono::duration<double>(*e.latency).count();
        std::lock_guard lock(metrics_mu_);
        std::size_t i = 0;
        while (i < kLatencyBounds.size() && seconds > kLatencyBounds[i]) ++i;
        ++latency_buckets_[i];
        ++latency_count_;
        latency_sum_ += seconds;
      }
      break;
    case State::kFailed:
      log_.error("post failed account={} article={} attempt={} reason={}", e.account,
                 log_value(e.article_id), e.attempt, log_value(e.reason));
      break;
    case State::kNeedsReconnect:
      log_.error("post waits for the account to be reconnected account={} article={} reason={}",
                 e.account, log_value(e.article_id), log_value(e.reason));
      break;
    case State::kPlanned:
      if (e.from == State::kSending)
        log_.warn("post will be retried account={} article={} attempt={} reason={}", e.account,
                  log_value(e.article_id), e.attempt, log_value(e.reason));
      else
        log_.info("post planned account={} article={} from={}", e.account,
                  log_value(e.article_id), from);
      break;
    case State::kDeleted:
      log_.info("retracted post deleted account={} article={} url={}", e.account,
                log_value(e.article_id), log_value(e.remote_url));
      break;
    default:
      log_.debug("delivery account={} article={} from={} to={} reason={}", e.account,
                 log_value(e.article_id), from, to, log_value(e.reason));
      break;
  }
  // Gauges follow at most once per loop turn.
  if (!refresh_pending_) {
    refresh_pending_ = true;
    scheduler_.call_at(clock_.monotonic_now(), [this] { refresh_metrics(); });
  }
}

void Syndication::on_alert(const std::string& account, const std::string& message) {
  log_.error("account stopped, an operator must act account={} reason={}", account,
             log_value(message));
  std::lock_guard lock(metrics_mu_);
  ++alerts_[account];
}

void Syndication::on_error(const core::Error& error) {
  log_.error("outbox ledger error reason={}", log_value(error.to_string()));
}

}  // namespace syndicated::daemon
