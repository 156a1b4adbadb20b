#include "daemon/cli.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace syndicated::daemon {
namespace {

struct CliRun {
  int status;
  std::string out, err;
};

CliRun run(std::vector<std::string> args) {
  args.insert(args.begin(), "syndicated");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  int status = run_cli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

TEST(Cli, VersionAndHelpOnEveryCommand) {
  EXPECT_EQ(run({"--version"}).out.substr(0, 11), "syndicated ");
  EXPECT_EQ(run({"--help"}).status, 0);
  for (const char* cmd : {"serve", "check", "render"}) {
    CliRun r = run({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.out.find(std::string("Usage: syndicated ") + cmd), std::string::npos) << cmd;
    EXPECT_EQ(run({cmd, "--version"}).status, 0);
  }
}

TEST(Cli, UnknownCommandsAndOptionsAreNamed) {
  CliRun a = run({"serv"});
  EXPECT_EQ(a.status, 2);
  EXPECT_NE(a.err.find("unknown command 'serv'"), std::string::npos);
  CliRun b = run({"serve", "--stor", "x"});
  EXPECT_EQ(b.status, 2);
  EXPECT_NE(b.err.find("unknown option '--stor'"), std::string::npos);
  CliRun c = run({"check", "--listen", "1.2.3.4:5"});  // serve-only flag
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find("unknown option '--listen'"), std::string::npos);
  CliRun d = run({"render", "--store", "x", "site"});
  EXPECT_EQ(d.status, 2);
  EXPECT_NE(d.err.find("expected 2 argument(s)"), std::string::npos);
  CliRun e = run({"serve"});
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("needs --config FILE or --store DIR"), std::string::npos);
  CliRun f = run({"serve", "--config"});
  EXPECT_EQ(f.status, 2);
  EXPECT_NE(f.err.find("needs a value"), std::string::npos);
}

TEST(Cli, MissingConfigFileAndStoreAreClearErrors) {
  CliRun a = run({"check", "--config", "/nonexistent/syndicated.toml"});
  EXPECT_EQ(a.status, 1);
  EXPECT_NE(a.err.find("/nonexistent/syndicated.toml: cannot read the config file"),
            std::string::npos);
  CliRun b = run({"check", "--store", "/nonexistent/store"});
  EXPECT_EQ(b.status, 1);
  EXPECT_NE(b.err.find("'/nonexistent/store' is not a readable directory"), std::string::npos);
}

}  // namespace
}  // namespace syndicated::daemon
