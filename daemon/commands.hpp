#pragma once
// The commands. Each returns the process exit status.
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace syndicated::daemon {

struct CommandLine {
  std::string command;
  std::optional<std::string> config;
  Overrides overrides;
  std::vector<std::string> positionals;
  std::map<std::string, std::string> options;  // other flags with a value, e.g. "--account"
  std::set<std::string> switches;               // flags without a value, e.g. "--json"
};

// The configuration a command runs with: the file (if any), then the flags. Errors are printed.
std::optional<Config> resolve_config(const CommandLine& cl, std::ostream& err);

int run_serve(const CommandLine& cl, std::ostream& out, std::ostream& err);
int run_check(const CommandLine& cl, std::ostream& out, std::ostream& err);
int run_render(const CommandLine& cl, std::ostream& out, std::ostream& err);
int run_preview(const CommandLine& cl, std::ostream& out, std::ostream& err);
int run_outbox(const CommandLine& cl, std::ostream& out, std::ostream& err);

}  // namespace syndicated::daemon
