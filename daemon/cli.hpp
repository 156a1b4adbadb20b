#pragma once
// The command line: `syndicated serve|check|render`, `--version`, `--help`.
#include <iosfwd>

namespace syndicated::daemon {

// Runs the command line; returns the process exit status. Start-up errors (bad flags, bad config)
// are printed to `err` with what is wrong and where, and give exit status 2 (usage) or 1.
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace syndicated::daemon
