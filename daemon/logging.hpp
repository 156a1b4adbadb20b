#pragma once
// One named spdlog logger per room, created here and handed out by reference (no global registry).
// Lines are key=value after a short message, e.g.
//   store: article skipped file=politics/vote.md line=3 reason="missing required field 'id'"
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "store/article_store.hpp"

namespace syndicated::daemon {

struct Loggers {
  std::shared_ptr<spdlog::logger> daemon;
  std::shared_ptr<spdlog::logger> store;
  std::shared_ptr<spdlog::logger> http;
  std::shared_ptr<spdlog::logger> outbox;  // syndication: posts, retries, account alerts
};

// Log lines go to stderr: human format with a timestamp on a terminal or file; when stderr is
// connected to the journal (JOURNAL_STREAM), "<N>" priority prefixes and no timestamp.
Loggers make_loggers(std::string_view level);

// One warning per skipped article file: "article skipped file=... line=... reason=...".
void log_skipped(spdlog::logger& log, const std::vector<store::Diagnostic>& diagnostics);

// Quotes a value for key=value output when it has spaces, quotes or is empty.
std::string log_value(std::string_view value);

}  // namespace syndicated::daemon
