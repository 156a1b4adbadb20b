// [outbox] and [accounts.NAME]: what a newsroom writes to post to its social accounts, and the
// errors it gets when it writes it wrong. Credentials resolve from env:, file: and credential:.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "daemon/config.hpp"
#include "daemon/credentials.hpp"
#include "daemon/file_state_store.hpp"

namespace syndicated::daemon {
namespace {

Config parse_ok(std::string_view text) {
  auto c = parse_config(text, "test.toml", "/etc/syndicated");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return c.ok() ? *c : Config{};
}

std::string parse_error(std::string_view text) {
  auto c = parse_config(text, "test.toml", "/etc/syndicated");
  EXPECT_FALSE(c.ok());
  return c.ok() ? std::string() : c.error().to_string();
}

TEST(AccountsConfig, ReadsAccountsInTheOrderWritten) {
  Config c = parse_ok(R"(
[outbox]
database = "/var/lib/syndicated/outbox.sqlite"
rescan_interval_s = 10

[accounts.x_main]
network = "x"
credentials = "credential:x-api"
template = "{title}\n\n{url}"
lead_image = false
hashtags = true
categories = ["siyasət", "economy"]
languages = ["az", "en"]
min_spacing_s = 120
max_age_hours = 6
delete_on_retraction = true
max_attempts = 5
base_url = "https://api.example.test/"
ca_file = "/etc/ssl/test-ca.pem"
timeout_s = 15

[accounts.alerts]
network = "webhook"
url = "https://hooks.example.az/syndicated"
github_signature = true
credentials.secret = "env:WEBHOOK_SECRET"
)");
  ASSERT_EQ(c.accounts.size(), 2u);
  EXPECT_EQ(c.outbox.database, "/var/lib/syndicated/outbox.sqlite");
  EXPECT_EQ(c.outbox.rescan_interval, std::chrono::seconds(10));
  const AccountConfig& x = c.accounts[0];
  EXPECT_EQ(x.name, "x_main");
  EXPECT_EQ(x.network, "x");
  EXPECT_EQ(x.where, "test.toml:6");
  ASSERT_TRUE(x.credentials_table.has_value());
  EXPECT_EQ(x.credentials_table->spec, "credential:x-api");
  EXPECT_EQ(x.text_template, "{title}\n\n{url}");
  EXPECT_FALSE(x.lead_image);
  EXPECT_EQ(x.categories, (std::vector<std::string>{"siyasət", "economy"}));
  EXPECT_EQ(x.min_spacing, std::chrono::seconds(120));
  EXPECT_EQ(x.max_age, std::chrono::hours(6));
  EXPECT_TRUE(x.delete_on_retraction);
  EXPECT_EQ(x.max_attempts, 5);
  EXPECT_EQ(x.base_url, "https://api.example.test");
  EXPECT_EQ(x.timeout, std::chrono::seconds(15));
  EXPECT_TRUE(x.options.empty());

  const AccountConfig& hook = c.accounts[1];
  EXPECT_EQ(hook.network, "webhook");
  ASSERT_EQ(hook.options.size(), 2u);
  EXPECT_EQ(hook.options.at("url").value, "https://hooks.example.az/syndicated");
  EXPECT_EQ(hook.options.at("url").where, "test.toml:24");
  EXPECT_EQ(hook.options.at("github_signature").value, "true");
  EXPECT_EQ(hook.credential_sources.at("secret").spec, "env:WEBHOOK_SECRET");
}

TEST(AccountsConfig, RelativeDatabaseResolvesBesideTheConfig) {
  ::unsetenv("STATE_DIRECTORY");
  Config c = parse_ok("");
  EXPECT_EQ(c.outbox.database, "/etc/syndicated/outbox.sqlite");
  EXPECT_TRUE(c.accounts.empty());
}

TEST(AccountsConfig, InlineSecretsAreRefusedWithoutEchoingThem) {
  std::string e = parse_error(R"(
[accounts.x_main]
network = "x"
credentials.consumer_secret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
)");
  EXPECT_NE(e.find("test.toml:4"), std::string::npos) << e;
  EXPECT_NE(e.find("never written in the config"), std::string::npos) << e;
  EXPECT_EQ(e.find("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"), std::string::npos) << e;
}

TEST(AccountsConfig, ErrorsNameTheKeyAndLine) {
  EXPECT_NE(parse_error("[accounts.a]\ncredentials = \"env:X\"\n").find("'accounts.a.network' is required"),
            std::string::npos);
  EXPECT_NE(parse_error("[accounts.a]\nnetwork = \"x\"\nmax_attempts = 0\n")
                .find("test.toml:3: 'accounts.a.max_attempts' must be between 1 and 100"),
            std::string::npos);
  EXPECT_NE(parse_error("[accounts.a]\nnetwork = \"x\"\nbase_url = \"ftp://x\"\n")
                .find("'accounts.a.base_url' must be an absolute http(s) URL"),
            std::string::npos);
  EXPECT_NE(parse_error("[accounts.\"Bad Name\"]\nnetwork = \"x\"\n").find("account name"),
            std::string::npos);
  EXPECT_NE(parse_error("[accounts.a]\nnetwork = \"x\"\nextra = [1, 2]\n")
                .find("'accounts.a.extra' must be a string, a number or true/false"),
            std::string::npos);
  EXPECT_NE(parse_error("[outbox]\nspool = 1\n").find("unknown key 'outbox.spool'"),
            std::string::npos);
}

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("syndicated-cred-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "creds");
    env_.config_dir = dir_;
    env_.getenv = [this](const char* name) -> const char* {
      auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(dir_ / p) << text;
  }
  AccountConfig account(std::string spec) {
    AccountConfig a;
    a.name = "x_main";
    a.credentials_table = CredentialSource{std::move(spec), "test.toml:3"};
    return a;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> vars_;
  SecretEnvironment env_;
};

TEST_F(Credentials, ATableFromASystemdCredential) {
  write("creds/x-api", "consumer_key = \"ck\"\nconsumer_secret = \"cs\"\n");
  vars_["CREDENTIALS_DIRECTORY"] = (dir_ / "creds").string();
  auto r = resolve_credentials(account("credential:x-api"), env_);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->at("consumer_key").reveal(), "ck");
  EXPECT_EQ(r->at("consumer_secret").reveal(), "cs");
}

TEST_F(Credentials, PerKeyFromEnvAndFileWithTheNewlineDropped) {
  write("secret.txt", "whsec_abc\n");
  vars_["HOOK_TOKEN"] = "t0ken";
  AccountConfig a;
  a.name = "hook";
  a.credential_sources["secret"] = {"file:secret.txt", "test.toml:5"};
  a.credential_sources["token"] = {"env:HOOK_TOKEN", "test.toml:6"};
  auto r = resolve_credentials(a, env_);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->at("secret").reveal(), "whsec_abc");
  EXPECT_EQ(r->at("token").reveal(), "t0ken");
}

TEST_F(Credentials, FailuresSayWhichSourceAndNeverTheSecret) {
  auto missing_dir = resolve_credentials(account("credential:x-api"), env_);
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_NE(missing_dir.error().message.find("$CREDENTIALS_DIRECTORY is not set"),
            std::string::npos);
  EXPECT_EQ(missing_dir.error().where, "test.toml:3");

  auto missing_env = resolve_credentials(account("env:NOPE"), env_);
  ASSERT_FALSE(missing_env.ok());
  EXPECT_NE(missing_env.error().message.find("'env:NOPE'"), std::string::npos);

  write("bad.toml", "consumer_key = sup3rs3cret\n");
  auto bad = resolve_credentials(account("file:bad.toml"), env_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find("sup3rs3cret"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("line 1"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace syndicated::daemon

namespace syndicated::daemon {
namespace {

TEST_F(Credentials, FileStateStoreKeepsOneValueAtomicallyAndPrivately) {
  FileStateStore store(dir_ / "state" / "accounts" / "bsky.state");
  auto empty = store.load();
  ASSERT_TRUE(empty.ok()) << empty.error().to_string();
  EXPECT_FALSE(empty->has_value());

  ASSERT_TRUE(store.save("{\"refreshJwt\":\"r1\"}").ok());
  ASSERT_TRUE(store.save("{\"refreshJwt\":\"r2\"}").ok());
  // A restart: a new store on the same file reads the last value.
  FileStateStore again(dir_ / "state" / "accounts" / "bsky.state");
  auto value = again.load();
  ASSERT_TRUE(value.ok() && value->has_value());
  EXPECT_EQ(**value, "{\"refreshJwt\":\"r2\"}");
  EXPECT_EQ(std::filesystem::status(store.path()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(std::filesystem::exists(store.path().string() + ".tmp"));
}

}  // namespace
}  // namespace syndicated::daemon
