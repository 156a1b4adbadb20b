#include "daemon/cli.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/commands.hpp"
#include "daemon/version.hpp"

namespace syndicated::daemon {
namespace {

constexpr std::string_view kUsage =
    "syndicated — feeds and social syndication for newsrooms\n"
    "\n"
    "Usage:\n"
    "  syndicated serve  [--config FILE] [--store DIR] [--listen ADDR:PORT] [--log-level LEVEL]\n"
    "  syndicated check  [--config FILE] [--store DIR]\n"
    "  syndicated render [--config FILE] [--store DIR] FEED FORMAT\n"
    "  syndicated preview --config FILE [--account NAME] [--json] ARTICLE_FILE\n"
    "  syndicated outbox --config FILE [--state STATE] [--account NAME] [--limit N] [--json]\n"
    "  syndicated outbox --config FILE retry ID\n"
    "  syndicated --version\n"
    "  syndicated COMMAND --help\n"
    "\n"
    "Commands:\n"
    "  serve   run the daemon: watch the article store and serve its feeds over HTTP\n"
    "  check   validate the config and every article; list each problem with file and line\n"
    "  render  print one feed to standard output\n"
    "  preview show exactly what each social account would post for an article; sends nothing\n"
    "  outbox  list the syndication ledger (what was posted where), or retry a delivery\n";

struct CommandSpec {
  std::string_view name;
  std::string_view usage;
  std::vector<std::string_view> flags;  // flags that take a value
  std::size_t positionals;               // at least
  std::vector<std::string_view> switches = {};  // flags without a value
  std::size_t max_positionals = 0;              // 0: exactly `positionals`
  bool needs_config = false;                    // --store alone is not enough
};

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> kCommands = {
      {"serve",
       "Usage: syndicated serve [--config FILE] [--store DIR] [--listen ADDR:PORT] "
       "[--log-level LEVEL]\n"
       "\n"
       "Runs the daemon in the foreground. Needs --config or --store; with --store alone it runs\n"
       "on defaults. Flags override the config file.\n"
       "\n"
       "  --config FILE       the TOML configuration (see config.example.toml)\n"
       "  --store DIR         the article store directory (overrides store.path)\n"
       "  --listen ADDR:PORT  where to listen, e.g. 127.0.0.1:8080 or [::1]:8080 (overrides "
       "server.listen)\n"
       "  --log-level LEVEL   trace, debug, info, warn, error, critical or off (overrides "
       "log.level)\n",
       {"--config", "--store", "--listen", "--log-level"},
       0},
      {"check",
       "Usage: syndicated check [--config FILE] [--store DIR]\n"
       "\n"
       "Validates the configuration and every article file. Prints each problem as\n"
       "FILE:LINE: REASON and exits 1 if there is any, 0 otherwise.\n"
       "\n"
       "  --config FILE  the TOML configuration\n"
       "  --store DIR    the article store directory (overrides store.path)\n",
       {"--config", "--store"},
       0},
      {"render",
       "Usage: syndicated render [--config FILE] [--store DIR] FEED FORMAT\n"
       "\n"
       "Prints one feed to standard output, exactly as the server would serve it.\n"
       "\n"
       "  FEED    site, category/SLUG, author/SLUG, tag/SLUG or feeds/NAME (a custom feed);\n"
       "          a URL path such as /category/politics/feed.xml works too\n"
       "  FORMAT  rss, atom or json\n"
       "  --config FILE  the TOML configuration\n"
       "  --store DIR    the article store directory (overrides store.path)\n",
       {"--config", "--store"},
       2},
      {"preview",
       "Usage: syndicated preview --config FILE [--account NAME] [--json] ARTICLE_FILE\n"
       "\n"
       "Shows, for each enabled account whose filter matches the article (or the one named),\n"
       "exactly what would be posted: the text, its length measured by the network's rules\n"
       "against its limit, the facets and the image. Reads no secrets and sends nothing.\n"
       "\n"
       "  --config FILE   the TOML configuration with the [accounts.NAME] tables\n"
       "  --account NAME  only this account (even when its filter does not match)\n"
       "  --json          one JSON object per account and line: account, network, text, length,\n"
       "                  limit, rule, facets, image, matches\n",
       {"--config", "--store", "--account"},
       1,
       {"--json"},
       1,
       true},
      {"outbox",
       "Usage: syndicated outbox --config FILE [--state STATE] [--account NAME] [--limit N] "
       "[--json]\n"
       "       syndicated outbox --config FILE retry ID\n"
       "\n"
       "Lists the syndication ledger, newest first: one delivery per article and account with its\n"
       "state (planned, sending, sent, failed, needs_reconnect, skipped, deleted), attempts, the\n"
       "remote URL or the reason. `retry ID` plans a failed, needs_reconnect or skipped delivery\n"
       "again (a running daemon picks it up within outbox.rescan_interval_s, or at once on\n"
       "SIGHUP). Sent deliveries are never retried: that would post twice.\n"
       "\n"
       "  --config FILE   the TOML configuration (for outbox.database)\n"
       "  --state STATE   only deliveries in this state\n"
       "  --account NAME  only this account\n"
       "  --limit N       at most N rows (default 100; 0 = all)\n"
       "  --json          one JSON object per line\n",
       {"--config", "--state", "--account", "--limit"},
       0,
       {"--json"},
       2,
       true},
  };
  return kCommands;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return 0;
  }
  if (args[0] == "--version" || args[0] == "-V") {
    out << "syndicated " << SYNDICATED_VERSION << "\n";
    return 0;
  }
  const CommandSpec* spec = nullptr;
  for (const auto& c : commands())
    if (c.name == args[0]) spec = &c;
  if (!spec) {
    err << "syndicated: unknown command '" << args[0] << "'\n\n" << kUsage;
    return 2;
  }

  CommandLine cl;
  cl.command = std::string(spec->name);
  std::vector<std::string> positionals;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      out << spec->usage;
      return 0;
    }
    if (a == "--version") {
      out << "syndicated " << SYNDICATED_VERSION << "\n";
      return 0;
    }
    if (a.starts_with("-") && a != "-") {
      std::string_view name = a, value;
      bool has_value = false;
      if (auto eq = a.find('='); eq != std::string_view::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        has_value = true;
      }
      bool is_switch = false;
      for (auto f : spec->switches) is_switch = is_switch || f == name;
      if (is_switch && !has_value) {
        cl.switches.insert(std::string(name));
        continue;
      }
      bool known = false;
      for (auto f : spec->flags) known = known || f == name;
      if (!known) {
        err << "syndicated " << spec->name << ": unknown option '" << name << "'\n\n"
            << spec->usage;
        return 2;
      }
      if (!has_value) {
        if (i + 1 >= args.size()) {
          err << "syndicated " << spec->name << ": option '" << name << "' needs a value\n";
          return 2;
        }
        value = args[++i];
      }
      std::string v(value);
      if (name == "--config") cl.config = v;
      else if (name == "--store") cl.overrides.store = v;
      else if (name == "--listen") cl.overrides.listen = v;
      else if (name == "--log-level") cl.overrides.log_level = v;
      else cl.options[std::string(name)] = v;
      continue;
    }
    positionals.emplace_back(a);
  }
  const std::size_t max_positionals = std::max(spec->positionals, spec->max_positionals);
  if (positionals.size() < spec->positionals || positionals.size() > max_positionals) {
    err << "syndicated " << spec->name << ": expected " << spec->positionals;
    if (max_positionals != spec->positionals) err << " to " << max_positionals;
    err << " argument(s), got " << positionals.size() << "\n\n" << spec->usage;
    return 2;
  }
  cl.positionals = std::move(positionals);
  if (spec->needs_config && !cl.config) {
    err << "syndicated " << spec->name << ": needs --config FILE\n\n" << spec->usage;
    return 2;
  }
  if (!cl.config && !cl.overrides.store) {
    err << "syndicated " << spec->name << ": needs --config FILE or --store DIR\n\n" << spec->usage;
    return 2;
  }
  if (spec->name == "serve") return run_serve(cl, out, err);
  if (spec->name == "check") return run_check(cl, out, err);
  if (spec->name == "preview") return run_preview(cl, out, err);
  if (spec->name == "outbox") return run_outbox(cl, out, err);
  return run_render(cl, out, err);
}

}  // namespace syndicated::daemon
