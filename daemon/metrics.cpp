#include "daemon/metrics.hpp"

#include <cstdio>

namespace syndicated::daemon {
namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels,
            std::uint64_t value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void metric(std::string& out, const char* name, const char* type, const char* help,
            std::uint64_t value) {
  header(out, name, type, help);
  sample(out, name, "", value);
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    sample(out, name + "_bucket", "le=\"" + format_double(kBounds[i]) + "\"", cumulative);
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  sample(out, name + "_bucket", "le=\"+Inf\"", cumulative);
  out += name + "_sum " +
         format_double(static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6) +
         "\n";
  sample(out, name + "_count", "", count_.load(std::memory_order_relaxed));
}

std::string render_metrics(const DaemonMetrics& m, const http::ServerStats& s,
                           const std::string& version) {
  std::string out;
  out.reserve(8192);
  header(out, "syndicated_build_info", "gauge", "Build information.");
  sample(out, "syndicated_build_info", "version=\"" + escape_label(version) + "\"", 1);
  metric(out, "syndicated_start_time_seconds", "gauge", "When the daemon started (unix time).",
         static_cast<std::uint64_t>(m.start_unix.load()));

  header(out, "syndicated_http_requests_total", "counter", "HTTP requests by route and status.");
  for (const auto& r : s.routes)
    for (const auto& c : r.responses)
      sample(out, "syndicated_http_requests_total",
             "route=\"" + escape_label(r.route) + "\",status=\"" +
                 (c.status ? std::to_string(c.status) : std::string("other")) + "\"",
             c.count);
  header(out, "syndicated_http_sent_bytes_total", "counter", "Bytes written, by route.");
  for (const auto& r : s.routes)
    sample(out, "syndicated_http_sent_bytes_total", "route=\"" + escape_label(r.route) + "\"",
           r.bytes_sent);
  metric(out, "syndicated_http_not_modified_total", "counter", "304 Not Modified responses.",
         s.not_modified);
  metric(out, "syndicated_http_gzip_responses_total", "counter",
         "Responses served from the gzip representation.", s.gzip_responses);
  metric(out, "syndicated_http_file_responses_total", "counter",
         "Response bodies sent with sendfile() from a sealed memfd.", s.file_responses);
  metric(out, "syndicated_http_connections_accepted_total", "counter", "Connections accepted.",
         s.connections_accepted);
  metric(out, "syndicated_http_connections_rejected_total", "counter",
         "Connections closed at once because of the connection cap.", s.connections_rejected);
  metric(out, "syndicated_http_connections_timed_out_total", "counter",
         "Connections closed by a read, idle or write deadline.", s.connections_timed_out);
  metric(out, "syndicated_http_connections_active", "gauge", "Open connections.",
         s.active_connections);

  header(out, "syndicated_articles", "gauge", "Articles in the store by status.");
  sample(out, "syndicated_articles", "status=\"published\"", m.articles_published.load());
  sample(out, "syndicated_articles", "status=\"embargoed\"", m.articles_embargoed.load());
  sample(out, "syndicated_articles", "status=\"draft\"", m.articles_draft.load());
  sample(out, "syndicated_articles", "status=\"retracted\"", m.articles_retracted.load());
  metric(out, "syndicated_store_errors_total", "counter", "Article files skipped as invalid.",
         m.store_errors.load());
  metric(out, "syndicated_watcher_events_total", "counter", "File events from the store watcher.",
         m.watcher_events.load());
  metric(out, "syndicated_watcher_overflows_total", "counter",
         "inotify queue overflows (each followed by a rescan).", m.watcher_overflows.load());
  metric(out, "syndicated_rescans_total", "counter", "Full rescans of the article store.",
         m.rescans.load());
  metric(out, "syndicated_feed_updates_total", "counter", "Snapshots of the feeds published.",
         m.feed_updates.load());
  metric(out, "syndicated_documents_rendered_total", "counter",
         "Documents (feed, format) rendered and compressed because their content changed.",
         m.documents_rendered.load());
  metric(out, "syndicated_documents", "gauge", "Documents currently served.", m.documents.load());
  header(out, "syndicated_update_duration_seconds", "histogram",
         "From a batch of store changes to the new feeds being served.");
  m.render_seconds.render(out, "syndicated_update_duration_seconds");
  header(out, "syndicated_reloads_total", "counter", "Configuration reloads (SIGHUP) by result.");
  sample(out, "syndicated_reloads_total", "result=\"success\"", m.reloads_ok.load());
  sample(out, "syndicated_reloads_total", "result=\"failure\"", m.reloads_failed.load());
  header(out, "syndicated_last_reload_time_seconds", "gauge",
         "When the last reload succeeded or failed (unix time, 0 = never).");
  sample(out, "syndicated_last_reload_time_seconds", "result=\"success\"",
         static_cast<std::uint64_t>(m.last_reload_ok_unix.load()));
  sample(out, "syndicated_last_reload_time_seconds", "result=\"failure\"",
         static_cast<std::uint64_t>(m.last_reload_failed_unix.load()));
  return out;
}

}  // namespace syndicated::daemon
