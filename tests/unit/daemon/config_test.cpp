#include "daemon/config.hpp"

#include <gtest/gtest.h>

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

TEST(Config, EmptyDocumentGivesDefaults) {
  Config c = parse_ok("");
  EXPECT_EQ(c.listen.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(c.feeds.default_limit, 50u);
  EXPECT_TRUE(c.feeds.category_feeds);
  EXPECT_EQ(c.store_path, "/etc/syndicated/articles");
  EXPECT_FALSE(c.base_url_configured);
}

TEST(Config, ReadsEverySection) {
  Config c = parse_ok(R"(
[site]
title = "APA"
description = "News from Baku"
base_url = "https://news.example.az"
language = "az"
icon = "https://news.example.az/icon.png"
copyright = "© 2026 APA"
tag_authority = "news.example.az,2024"
permalink = "{lang}/{slug}-{id}"

[store]
path = "/srv/articles"
max_file_bytes = 1048576
debounce_ms = 50
rescan_interval_s = 600

[server]
listen = "[::1]:9000"
threads = 4
max_connections = 500
max_header_bytes = 8192
read_timeout_ms = 5000
idle_timeout_ms = 30000
cache_max_age = 60
shutdown_timeout_ms = 2500

[feeds]
limit = 20
tag_feeds = false
tombstone_days = 2

[[feeds.custom]]
name = "az-politics"
title = "Siyasət"
categories = ["siyaset"]
languages = ["az"]
limit = 10

[log]
level = "debug"
)");
  EXPECT_EQ(c.site.title, "APA");
  EXPECT_EQ(c.site.base_url, "https://news.example.az/");
  EXPECT_TRUE(c.base_url_configured);
  EXPECT_EQ(c.site.language, "az");
  EXPECT_EQ(c.site.tag_authority, "news.example.az,2024");
  EXPECT_EQ(c.permalink, "{lang}/{slug}-{id}");
  EXPECT_EQ(c.store_path, "/srv/articles");
  EXPECT_EQ(c.max_file_bytes, 1048576u);
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 9000);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.read_timeout.count(), 5000);
  EXPECT_EQ(c.cache_max_age, 60);
  EXPECT_EQ(c.shutdown_timeout.count(), 2500);
  EXPECT_EQ(c.debounce.count(), 50);
  EXPECT_EQ(c.rescan_interval.count(), 600000);
  EXPECT_EQ(c.tombstone_seconds, 2 * 86400);
  EXPECT_EQ(c.feeds.default_limit, 20u);
  EXPECT_FALSE(c.feeds.tag_feeds);
  ASSERT_EQ(c.feeds.custom.size(), 1u);
  EXPECT_EQ(c.feeds.custom[0].path, "/feeds/az-politics/feed");
  EXPECT_EQ(c.feeds.custom[0].filter.categories, std::vector<std::string>{"siyaset"});
  EXPECT_EQ(c.feeds.custom[0].limit, 10u);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, UnknownKeysAreErrorsNamingKeyAndLine) {
  EXPECT_TRUE(parse_error("[site]\ntitle = \"x\"\ntitel = \"y\"\n")
                  .starts_with("test.toml:3: unknown key 'site.titel' (known keys: title,"));
  EXPECT_NE(parse_error("[server]\nlisten = \"127.0.0.1:80\"\nthreds = 2\n")
                .find("test.toml:3: unknown key 'server.threds'"),
            std::string::npos);
  EXPECT_NE(parse_error("[sever]\n").find("unknown key 'sever'"), std::string::npos);
  EXPECT_NE(parse_error("[[feeds.custom]]\nname = \"a\"\ncategory = [\"x\"]\n")
                .find("test.toml:3: unknown key 'feeds.custom[0].category'"),
            std::string::npos);
}

TEST(Config, WrongTypesAndValuesNameTheKey) {
  EXPECT_EQ(parse_error("[server]\nthreads = \"two\"\n"),
            "test.toml:2: 'server.threads' must be an integer");
  EXPECT_EQ(parse_error("[server]\nthreads = 0\n"),
            "test.toml:2: 'server.threads' must be between 1 and 256, not 0");
  EXPECT_NE(parse_error("[server]\nlisten = \"localhost\"\n").find("'server.listen'"),
            std::string::npos);
  EXPECT_EQ(parse_error("[site]\nbase_url = \"news.example.az\"\n"),
            "test.toml:2: 'site.base_url' must be an absolute http(s) URL");
  EXPECT_NE(parse_error("[log]\nlevel = \"loud\"\n").find("'log.level' must be one of"),
            std::string::npos);
  EXPECT_NE(parse_error("[[feeds.custom]]\nname = \"Bad Name\"\n").find("'feeds.custom[0].name'"),
            std::string::npos);
  EXPECT_NE(parse_error("[[feeds.custom]]\nname = \"a\"\n[[feeds.custom]]\nname = \"a\"\n")
                .find("used twice"),
            std::string::npos);
  EXPECT_NE(parse_error("[feeds]\ncategory_feeds = 1\n").find("must be true or false"),
            std::string::npos);
}

TEST(Config, SyntaxErrorsCarryTheLine) {
  std::string e = parse_error("[site]\ntitle = \"unterminated\n");
  EXPECT_TRUE(e.starts_with("test.toml:2: ")) << e;
}

TEST(Config, OverridesAndDerivedBaseUrl) {
  Config c = parse_ok("");
  Overrides o;
  o.listen = "0.0.0.0:9090";
  o.store = "/tmp/store";
  ASSERT_TRUE(apply_overrides(c, o).ok());
  EXPECT_EQ(c.site.base_url, "http://localhost:9090/");
  EXPECT_EQ(c.site.tag_authority, "localhost,2024");
  EXPECT_EQ(c.store_path, "/tmp/store");

  Config configured = parse_ok("[site]\nbase_url = \"https://news.example.az/\"\n");
  ASSERT_TRUE(apply_overrides(configured, o).ok());
  EXPECT_EQ(configured.site.base_url, "https://news.example.az/");
  EXPECT_EQ(configured.site.tag_authority, "news.example.az,2024");

  Overrides bad;
  bad.listen = "nowhere";
  auto s = apply_overrides(c, bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("--listen"), std::string::npos);
}

TEST(ListenAddress, Forms) {
  auto a = parse_listen_address(":8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  auto b = parse_listen_address("[::]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::");
  EXPECT_EQ(b->port, 0);
  EXPECT_FALSE(parse_listen_address("::1:80").ok());
  EXPECT_FALSE(parse_listen_address("host:99999").ok());
  EXPECT_FALSE(parse_listen_address("host:").ok());
}

}  // namespace
}  // namespace syndicated::daemon
