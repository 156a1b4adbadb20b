#include "daemon/cli.hpp"

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
    "  syndicated --version\n"
    "  syndicated COMMAND --help\n"
    "\n"
    "Commands:\n"
    "  serve   run the daemon: watch the article store and serve its feeds over HTTP\n"
    "  check   validate the config and every article; list each problem with file and line\n"
    "  render  print one feed to standard output\n";

struct CommandSpec {
  std::string_view name;
  std::string_view usage;
  std::vector<std::string_view> flags;  // flags that take a value
  std::size_t positionals;
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
      continue;
    }
    positionals.emplace_back(a);
  }
  if (positionals.size() != spec->positionals) {
    err << "syndicated " << spec->name << ": expected " << spec->positionals
        << " argument(s), got " << positionals.size() << "\n\n"
        << spec->usage;
    return 2;
  }
  cl.positionals = std::move(positionals);
  if (!cl.config && !cl.overrides.store) {
    err << "syndicated " << spec->name << ": needs --config FILE or --store DIR\n\n" << spec->usage;
    return 2;
  }
  if (spec->name == "serve") return run_serve(cl, out, err);
  if (spec->name == "check") return run_check(cl, out, err);
  return run_render(cl, out, err);
}

}  // namespace syndicated::daemon
