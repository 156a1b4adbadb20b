// XConnector through the real BeastHttpClient against the fake X API (tests/integration/fakes/
// fake_x.py) over TLS on loopback: the fake checks every OAuth signature, measures the text, wraps
// links in t.co and refuses duplicates as X does.
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

#include "connectors/x/x_connector.hpp"
#include "http/beast_client.hpp"
#include "tests/fakes/fake_clock.hpp"

extern char** environ;

namespace syndicated::connectors::x {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kCk = "e2e-consumer-key";
constexpr const char* kCs = "e2e-consumer-secret";
constexpr const char* kToken = "1590000000000000001-e2e-token";
constexpr const char* kTs = "e2e-token-secret";

class FakeX {
 public:
  FakeX() {
    dir_ = fs::temp_directory_path() / ("fake-x-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string script =
        std::string(SYNDICATED_SOURCE_DIR) + "/tests/integration/fakes/fake_x.py";
    const std::string port_file = (dir_ / "port").string();
    std::vector<std::string> args = {
        "/usr/bin/python3", script, "--certs",           (dir_ / "certs").string(),
        "--port",           "0",    "--port-file",       port_file,
        "--consumer-key",   kCk,    "--consumer-secret", kCs,
        "--token",          kToken, "--token-secret",    kTs};
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
  ~FakeX() {
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

class XEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fake_ = new FakeX(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }

  void SetUp() override {
    ASSERT_GT(fake_->port(), 0) << "fake_x.py did not start";
    http::ClientOptions options;
    options.ca_file = fake_->ca();
    auto client = http::BeastHttpClient::create(options);
    ASSERT_TRUE(client.ok()) << client.error().to_string();
    client_ = std::move(*client);
    control("POST", "/_fake/reset");
    connector_ = make(kCs);
    article_.id = "e2e-1";
    article_.title = "Parliament passes the 2026 budget";
    article_.url = "https://news.example.az/politics/budget-2026";
    article_.categories = {{"Politics", "politics"}};
    article_.images = {
        {fake_->base() + "/_fake/image?type=image/png&size=5000", "image/png", {}, {}, {}, ""}};
    article_.language = "en";
  }

  std::unique_ptr<XConnector> make(const char* consumer_secret) {
    AccountSettings s;
    s.name = "x_e2e";
    s.network = "x";
    s.base_url = fake_->base();
    s.site_name = "Example News";
    s.credentials["consumer_key"] = Secret(kCk);
    s.credentials["consumer_secret"] = Secret(consumer_secret);
    s.credentials["access_token"] = Secret(kToken);
    s.credentials["access_token_secret"] = Secret(kTs);
    auto c = XConnector::create(s, ConnectorContext{*client_, clock_});
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

  static FakeX* fake_;
  testing::FakeClock clock_;
  std::unique_ptr<http::BeastHttpClient> client_;
  std::unique_ptr<XConnector> connector_;
  core::Article article_;
};
FakeX* XEndToEnd::fake_ = nullptr;

TEST_F(XEndToEnd, PostsWithImageFindsAndDeletes) {
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok()) << post.error().to_string();
  Outcome sent = connector_->publish({article_, *post, "k1", 1, false});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_EQ(sent.reason, "posted");

  json tweets = control("GET", "/_fake/tweets")["tweets"];
  ASSERT_EQ(tweets.size(), 1u);
  EXPECT_EQ(tweets[0]["id"], sent.remote.id);
  EXPECT_EQ(tweets[0]["submitted_text"], post->text);
  ASSERT_EQ(tweets[0]["media_ids"].size(), 1u);
  json media = control("GET", "/_fake/media")["media"];
  ASSERT_EQ(media.size(), 1u);
  EXPECT_EQ(media[0]["size"], 5000);
  EXPECT_EQ(media[0]["media_category"], "tweet_image");
  // X stores the link as t.co: the lookup must go through entities.
  EXPECT_THAT(tweets[0]["text"].get<std::string>(), ::testing::Not(HasSubstr(article_.url)));

  Outcome found = connector_->find({article_, *post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, sent.remote.id);

  // A retry after a crash finds the tweet instead of posting it again.
  Outcome again = connector_->publish({article_, *post, "k1", 2, true});
  ASSERT_EQ(again.kind, Kind::kSent) << again.reason;
  EXPECT_EQ(again.remote.id, sent.remote.id);
  // Without recovery, X refuses the same text.
  Outcome dup = connector_->publish({article_, *post, "k1", 2, false});
  EXPECT_EQ(dup.kind, Kind::kPermanent);
  EXPECT_THAT(dup.reason, HasSubstr("duplicate content"));
  EXPECT_EQ(control("GET", "/_fake/tweets")["tweets"].size(), 1u);

  EXPECT_EQ(connector_->remove(sent.remote).kind, Kind::kSent);
  EXPECT_EQ(connector_->remove(sent.remote).kind, Kind::kNotFound);
  EXPECT_EQ(connector_->find({article_, *post, "k1", 3, true}).kind, Kind::kNotFound);
}

TEST_F(XEndToEnd, ImageOfTheWrongTypeIsLeftOut) {
  article_.images[0].url = fake_->base() + "/_fake/image?type=text/html&size=100";
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  Outcome sent = connector_->publish({article_, *post, "k2", 1, false});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_THAT(sent.reason, HasSubstr("without the image"));
  EXPECT_TRUE(control("GET", "/_fake/tweets")["tweets"][0]["media_ids"].empty());
}

TEST_F(XEndToEnd, ServerAnswersAreClassified) {
  article_.images.clear();
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  Delivery d{article_, *post, "k3", 1, false};

  control("POST", "/_fake/fail", {{"status", 503}, {"count", 1}});
  EXPECT_EQ(connector_->publish(d).kind, Kind::kTransient);
  control("POST", "/_fake/fail", {{"status", 429}});
  Outcome limited = connector_->publish(d);
  EXPECT_EQ(limited.kind, Kind::kTransient);
  EXPECT_TRUE(limited.retry_at);
  EXPECT_TRUE(limited.pause_until);
  control("POST", "/_fake/fail", {{"status", 402}});
  EXPECT_EQ(connector_->publish(d).kind, Kind::kStopAccount);

  // A real signature check: the wrong secret is a 401 from the fake.
  auto wrong = make("not-the-secret");
  Outcome refused = wrong->publish(d);
  EXPECT_EQ(refused.kind, Kind::kStopAccount);
  EXPECT_THAT(refused.reason, HasSubstr("401"));

  // The text is measured by the fake too.
  Post long_post = *post;
  long_post.text = std::string(300, 'a');
  Outcome too_long = connector_->publish({article_, long_post, "k4", 1, false});
  EXPECT_EQ(too_long.kind, Kind::kPermanent);
  EXPECT_THAT(too_long.reason, HasSubstr("too long"));

  EXPECT_EQ(connector_->publish(d).kind, Kind::kSent);
  EXPECT_EQ(control("GET", "/_fake/tweets")["tweets"].size(), 1u);
}

TEST_F(XEndToEnd, ExhaustedWindowPausesTheAccount) {
  article_.images.clear();
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  control("POST", "/_fake/rate", {{"limit", 1}, {"window", 900}});
  Outcome first = connector_->publish({article_, *post, "k5", 1, false});
  ASSERT_EQ(first.kind, Kind::kSent) << first.reason;
  EXPECT_TRUE(first.pause_until) << "remaining 0 after the only request of the window";
  article_.url += "-2";
  article_.title += " (update)";
  auto second_post = connector_->compose(article_);
  Outcome second = connector_->publish({article_, *second_post, "k6", 1, false});
  EXPECT_EQ(second.kind, Kind::kTransient);
  ASSERT_TRUE(second.retry_at);
  EXPECT_EQ(second.retry_at, first.pause_until);
}

}  // namespace
}  // namespace syndicated::connectors::x
