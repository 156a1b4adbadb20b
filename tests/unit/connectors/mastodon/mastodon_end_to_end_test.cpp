// MastodonConnector through the real BeastHttpClient against the fake Mastodon API
// (tests/integration/fakes/fake_mastodon.py) over TLS on loopback: the fake checks the token,
// measures the text, keeps Idempotency-Keys and processes media asynchronously.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "connectors/mastodon/mastodon_connector.hpp"
#include "http/beast_client.hpp"
#include "tests/fakes/fake_clock.hpp"

extern char** environ;

namespace syndicated::connectors::mastodon {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kToken = "e2e-mastodon-token";

class FakeMastodon {
 public:
  FakeMastodon() {
    dir_ = fs::temp_directory_path() / ("fake-mastodon-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string script =
        std::string(SYNDICATED_SOURCE_DIR) + "/tests/integration/fakes/fake_mastodon.py";
    const std::string port_file = (dir_ / "port").string();
    std::vector<std::string> args = {
        "/usr/bin/python3", script, "--certs",       (dir_ / "certs").string(),
        "--port",           "0",    "--port-file",   port_file,
        "--token",          kToken, "--media-polls", "2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 600 && pid_ > 0 && !fs::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream in(port_file);
    in >> port_;
  }
  ~FakeMastodon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    fs::remove_all(dir_);
  }
  int port() const { return port_; }
  std::string base() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string ca() const { return (dir_ / "certs" / "ca.pem").string(); }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class MastodonEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fake_ = new FakeMastodon(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }

  void SetUp() override {
    ASSERT_GT(fake_->port(), 0) << "fake_mastodon.py did not start";
    http::ClientOptions options;
    options.ca_file = fake_->ca();
    auto client = http::BeastHttpClient::create(options);
    ASSERT_TRUE(client.ok()) << client.error().to_string();
    client_ = std::move(*client);
    control("POST", "/_fake/reset");
    connector_ = make(kToken);
    article_.id = "e2e-1";
    article_.title = "Parlament 2026-cı il büdcəsini qəbul etdi";
    article_.summary = "Büdcə üçüncü oxunuşda qəbul edildi.";
    article_.url = "https://news.example.az/siyaset/budce-2026";
    article_.categories = {{"Siyasət", "siyaset"}};
    article_.images = {{fake_->base() + "/_fake/image?type=image/png&size=5000",
                        "image/png",
                        {},
                        {},
                        {},
                        "Parlamentdə səsvermə"}};
    article_.language = "az";
  }

  std::unique_ptr<MastodonConnector> make(const char* token) {
    AccountSettings s;
    s.name = "mastodon_e2e";
    s.network = "mastodon";
    s.base_url = fake_->base();
    s.site_name = "Example News";
    s.credentials["access_token"] = Secret(token);
    Tuning t;
    t.media_poll_delay = std::chrono::milliseconds(1);
    auto c = MastodonConnector::create(s, ConnectorContext{*client_, clock_}, t);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }

  json control(const std::string& method, const std::string& path, const json& body = nullptr) {
    http::ClientRequest r;
    r.method = method;
    r.url = fake_->base() + path;
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers.push_back({"Content-Type", "application/json"});
    }
    auto resp = client_->send(r);
    EXPECT_TRUE(resp.ok());
    return resp.ok() ? json::parse(resp->body, nullptr, false) : json();
  }

  static FakeMastodon* fake_;
  testing::FakeClock clock_;
  std::unique_ptr<http::BeastHttpClient> client_;
  std::unique_ptr<MastodonConnector> connector_;
  core::Article article_;
};
FakeMastodon* MastodonEndToEnd::fake_ = nullptr;

TEST_F(MastodonEndToEnd, PostsWithImageOnceAndDeletes) {
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok()) << post.error().to_string();
  Outcome sent = connector_->publish({article_, *post, "e2e-1/mastodon_e2e", 1, false});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_EQ(sent.reason, "posted");
  EXPECT_THAT(sent.remote.url, HasSubstr("/@syndicated/" + sent.remote.id));

  json statuses = control("GET", "/_fake/statuses")["statuses"];
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0]["text"], post->text);
  EXPECT_EQ(statuses[0]["language"], "az");
  EXPECT_EQ(statuses[0]["visibility"], "public");
  ASSERT_EQ(statuses[0]["media_ids"].size(), 1u);
  json media = control("GET", "/_fake/media")["media"];
  ASSERT_EQ(media.size(), 1u);
  EXPECT_EQ(media[0]["size"], 5000);
  EXPECT_EQ(media[0]["description"], "Parlamentdə səsvermə");
  EXPECT_EQ(media[0]["polls_left"], 0) << "polled until processed";

  // A retry after an unknown outcome: the same key, the same status, no second post.
  Outcome again = connector_->publish({article_, *post, "e2e-1/mastodon_e2e", 2, true});
  ASSERT_EQ(again.kind, Kind::kSent) << again.reason;
  EXPECT_EQ(again.remote.id, sent.remote.id);
  EXPECT_EQ(control("GET", "/_fake/statuses")["statuses"].size(), 1u);

  EXPECT_EQ(connector_->remove(sent.remote).kind, Kind::kSent);
  EXPECT_EQ(connector_->remove(sent.remote).kind, Kind::kNotFound);
}

TEST_F(MastodonEndToEnd, InstanceLimitIsReadAndUsed) {
  control("POST", "/_fake/instance", {{"max_characters", 120}});
  article_.images.clear();
  for (int i = 0; i < 20; ++i) article_.summary += " Əlavə məlumat.";
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  ASSERT_GT(post->length, 120u) << "composed under the default 500";
  Outcome sent = connector_->publish({article_, *post, "e2e-2/mastodon_e2e", 1, false});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_THAT(sent.reason, HasSubstr("limit of 120"));
  const std::string text = control("GET", "/_fake/statuses")["statuses"][0]["text"];
  EXPECT_THAT(text, HasSubstr(article_.url));
  EXPECT_EQ(connector_->compose(article_)->limit, 120u);
}

TEST_F(MastodonEndToEnd, ServerAnswersAreClassified) {
  article_.images.clear();
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  Delivery d{article_, *post, "e2e-3/mastodon_e2e", 1, false};
  control("POST", "/_fake/fail", {{"status", 503}, {"path", "/statuses"}});
  EXPECT_EQ(connector_->publish(d).kind, Kind::kTransient);
  control("POST", "/_fake/fail", {{"status", 429}, {"path", "/statuses"}});
  Outcome limited = connector_->publish(d);
  EXPECT_EQ(limited.kind, Kind::kTransient);
  EXPECT_TRUE(limited.retry_at);
  EXPECT_TRUE(limited.pause_until);

  Outcome refused = make("not-the-token")->publish(d);
  EXPECT_EQ(refused.kind, Kind::kStopAccount);
  EXPECT_THAT(refused.reason, HasSubstr("The access token is invalid"));

  // The fake measures the text too (a post said to be composed for this instance's limits).
  Post long_post = *post;
  long_post.text = std::string(501, 'a');
  Outcome too_long = connector_->publish({article_, long_post, "e2e-4/mastodon_e2e", 1, false});
  EXPECT_EQ(too_long.kind, Kind::kPermanent);
  EXPECT_THAT(too_long.reason, HasSubstr("Text character limit of 500 exceeded"));
  // Said to be composed under other limits: composed again, so it fits.
  long_post.limit = 5000;
  too_long = connector_->publish({article_, long_post, "e2e-5/mastodon_e2e", 1, false});
  EXPECT_EQ(too_long.kind, Kind::kSent) << too_long.reason;

  EXPECT_EQ(connector_->publish(d).kind, Kind::kSent);
}

TEST_F(MastodonEndToEnd, ExhaustedWindowPausesTheAccount) {
  article_.images.clear();
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  control("POST", "/_fake/rate", {{"limit", 2}, {"window", 300}});
  Outcome first = connector_->publish({article_, *post, "e2e-6/mastodon_e2e", 1, false});
  ASSERT_EQ(first.kind, Kind::kSent) << first.reason;
  ASSERT_TRUE(first.pause_until) << "remaining 0 after the instance read and the post";
  Outcome second = connector_->publish({article_, *post, "e2e-7/mastodon_e2e", 1, false});
  EXPECT_EQ(second.kind, Kind::kTransient);
  ASSERT_TRUE(second.retry_at);
  EXPECT_EQ(second.retry_at->unix_seconds, first.pause_until->unix_seconds);
}

}  // namespace
}  // namespace syndicated::connectors::mastodon
