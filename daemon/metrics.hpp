#pragma once
// What the daemon counts, and its Prometheus text exposition (/metrics). Counters are atomics
// written on the control loop and read on an I/O thread when /metrics is scraped.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "http/server.hpp"

namespace syndicated::daemon {

// A fixed-bucket histogram of durations in seconds.
class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void observe(double seconds);
  // Appends the _bucket/_sum/_count series for `name`.
  void render(std::string& out, const std::string& name) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

struct DaemonMetrics {
  // Articles in the store by status, and how many published ones are still embargoed.
  std::atomic<std::uint64_t> articles_published{0};
  std::atomic<std::uint64_t> articles_draft{0};
  std::atomic<std::uint64_t> articles_retracted{0};
  std::atomic<std::uint64_t> articles_embargoed{0};
  std::atomic<std::uint64_t> store_errors{0};    // article files skipped (diagnostics)
  std::atomic<std::uint64_t> watcher_events{0};  // file events from inotify
  std::atomic<std::uint64_t> watcher_overflows{0};
  std::atomic<std::uint64_t> rescans{0};
  std::atomic<std::uint64_t> feed_updates{0};       // snapshots published
  std::atomic<std::uint64_t> documents_rendered{0};  // documents whose bytes changed
  std::atomic<std::uint64_t> reloads_ok{0};
  std::atomic<std::uint64_t> reloads_failed{0};
  std::atomic<std::int64_t> last_reload_ok_unix{0};
  std::atomic<std::int64_t> last_reload_failed_unix{0};
  std::atomic<std::int64_t> start_unix{0};
  std::atomic<std::uint64_t> documents{0};  // currently served
  Histogram render_seconds;  // applying a change: store read + render + compress + publish
};

// The Prometheus text format (version 0.0.4) for the daemon's and the server's counters.
std::string render_metrics(const DaemonMetrics& m, const http::ServerStats& s,
                           const std::string& version);

}  // namespace syndicated::daemon
