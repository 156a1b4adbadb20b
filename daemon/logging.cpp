#include "daemon/logging.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace syndicated::daemon {
namespace {

// True when stderr is the journal stream systemd gave us ($JOURNAL_STREAM = "dev:inode").
bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

// sd-daemon(3) priority prefix for the journal.
class JournalPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    int prio = 6;
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: prio = 7; break;
      case spdlog::level::info: prio = 6; break;
      case spdlog::level::warn: prio = 4; break;
      case spdlog::level::err: prio = 3; break;
      case spdlog::level::critical: prio = 2; break;
      default: break;
    }
    char buf[4] = {'<', static_cast<char>('0' + prio), '>', 0};
    dest.append(buf, buf + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

}  // namespace

Loggers make_loggers(std::string_view level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (stderr_is_journal()) {
    formatter->add_flag<JournalPriorityFlag>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %n: %v");
  }
  sink->set_formatter(std::move(formatter));
  auto lvl = spdlog::level::from_str(std::string(level));
  auto make = [&](const char* name) {
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    logger->set_level(lvl);
    logger->flush_on(spdlog::level::trace);
    return logger;
  };
  return Loggers{make("daemon"), make("store"), make("http"), make("outbox")};
}

void log_skipped(spdlog::logger& log, const std::vector<store::Diagnostic>& diagnostics) {
  for (const store::Diagnostic& d : diagnostics)
    log.warn("article skipped file={} line={} reason={}", log_value(d.file), d.line,
             log_value(d.message));
}

std::string log_value(std::string_view value) {
  bool plain = !value.empty() && value.find_first_of(" \t\"=\\\n\r") == std::string_view::npos;
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace syndicated::daemon
