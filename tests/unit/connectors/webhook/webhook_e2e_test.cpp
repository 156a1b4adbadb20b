// End to end: WebhookConnector through the real BeastHttpClient (TLS, verified against a
// throw-away CA) to tests/integration/fakes/fake_webhook.py, a receiver that verifies Standard
// Webhooks signatures and deduplicates by webhook-id the way the spec tells receivers to.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "connectors/webhook/webhook_connector.hpp"
#include "core/clock.hpp"
#include "http/beast_client.hpp"

extern char** environ;

namespace syndicated::connectors::webhook {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kGithubSecret = "It's a Secret to Everybody";

class WebhookEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/webhook-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string script =
        std::string(SYNDICATED_SOURCE_DIR) + "/tests/integration/fakes/fake_webhook.py";
    const std::string port_file = dir_ / "port";
    std::vector<std::string> args = {"/usr/bin/python3", script,  "--certs",         dir_ / "certs",
                                     "--port",           "0",     "--port-file",     port_file,
                                     "--secret",         kSecret, "--github-secret", kGithubSecret};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ), 0);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!fs::exists(port_file)) {
      int status = 0;
      ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0) << "fake_webhook.py exited";
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "fake_webhook.py did not start";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream(port_file) >> port_;
    ASSERT_GT(port_, 0);

    http::ClientOptions options;
    options.ca_file = dir_ / "certs" / "ca.pem";
    options.total_timeout = std::chrono::seconds(20);
    auto client = http::BeastHttpClient::create(options);
    ASSERT_TRUE(client) << client.error().to_string();
    client_ = std::move(client).value();

    article_.id = "e2e-article-1";
    article_.title = "Parliament votes";
    article_.url = "https://news.example/politics/parliament-votes";
    article_.summary = "A summary.";
    article_.categories = {{"Politics", "politics"}};
    article_.images = {{"https://news.example/i.jpg", "image/jpeg", 800, 600, {}, "Hall"}};
    article_.published = {1767171600, 0, 240};
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string base() const { return "https://localhost:" + std::to_string(port_); }

  AccountSettings settings(const std::string& secret = kSecret) const {
    AccountSettings s;
    s.name = "hook";
    s.network = "webhook";
    s.where = "test";
    s.site_name = "News";
    s.site_language = "en";
    s.credentials["secret"] = Secret(secret);
    s.credentials["github_secret"] = Secret(kGithubSecret);
    s.options["url"] = Option{base() + "/hooks/news", "test"};
    return s;
  }

  json deliveries() {
    http::ClientRequest r;
    r.url = base() + "/_fake/deliveries";
    auto res = client_->send(r);
    EXPECT_TRUE(res) << res.error().to_string();
    if (!res) return json::object();
    EXPECT_EQ(res->status, 200);
    return json::parse(res->body);
  }

  void control(const std::string& path, const json& body) {
    http::ClientRequest r;
    r.method = "POST";
    r.url = base() + path;
    r.body = body.dump();
    auto res = client_->send(r);
    ASSERT_TRUE(res) << res.error().to_string();
    ASSERT_EQ(res->status, 200);
  }

  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<http::BeastHttpClient> client_;
  core::SystemClock clock_;
  core::Article article_;
};

TEST_F(WebhookEndToEnd, DeliversOnceRetriesAndRetracts) {
  ConnectorContext context{*client_, clock_};
  auto made = WebhookConnector::create(settings(), context);
  ASSERT_TRUE(made) << made.error().to_string();
  WebhookConnector& c = **made;
  auto post = c.compose(article_);
  ASSERT_TRUE(post) << post.error().to_string();
  const Delivery first{article_, *post, "e2e-article-1/hook", 1, false};

  // The receiver is down for one attempt, then accepts.
  control("/_fake/fail", {{"status", 503}, {"count", 1}, {"retry_after", "7"}});
  auto down = c.publish(first);
  EXPECT_EQ(down.kind, Outcome::Kind::kTransient) << down.reason;
  ASSERT_TRUE(down.retry_at);
  EXPECT_NEAR(static_cast<double>(down.retry_at->unix_seconds - clock_.now().unix_seconds), 7, 3);

  const Delivery second{article_, *post, "e2e-article-1/hook", 2, false};
  auto sent = c.publish(second);
  ASSERT_EQ(sent.kind, Outcome::Kind::kSent) << sent.reason;
  EXPECT_EQ(sent.remote.id, "e2e-article-1");
  const std::string id = WebhookConnector::delivery_webhook_id("e2e-article-1/hook");
  EXPECT_EQ(sent.remote.url, base() + "/_fake/deliveries/" + id);

  // A crash after the send: the engine resends with the same key; the receiver dedups.
  const Delivery recovering{article_, *post, "e2e-article-1/hook", 3, true};
  EXPECT_EQ(c.publish(recovering).kind, Outcome::Kind::kSent);

  json d = deliveries();
  ASSERT_EQ(d["count"], 1) << d.dump();
  EXPECT_EQ(d["duplicates"], 1);
  const json& rec = d["deliveries"][0];
  EXPECT_EQ(rec["webhook_id"], id);
  EXPECT_EQ(rec["type"], "article.published");
  EXPECT_EQ(rec["article_id"], "e2e-article-1");
  EXPECT_EQ(rec["headers"]["content-type"], "application/json");
  EXPECT_EQ(rec["headers"]["user-agent"], std::string(kUserAgent));
  EXPECT_EQ(rec["body"]["data"]["text"],
            "Parliament votes https://news.example/politics/parliament-votes");
  EXPECT_EQ(rec["body"]["data"]["image"]["caption"], "Hall");
  // Every attempt reached the receiver under the same webhook-id.
  ASSERT_EQ(d["attempts"].size(), 3u);
  for (const auto& a : d["attempts"]) EXPECT_EQ(a["webhook_id"], id);

  auto retracted = c.remove(sent.remote);
  ASSERT_EQ(retracted.kind, Outcome::Kind::kSent) << retracted.reason;
  d = deliveries();
  ASSERT_EQ(d["count"], 2);
  EXPECT_EQ(d["deliveries"][1]["type"], "article.retracted");
  EXPECT_EQ(d["deliveries"][1]["article_id"], "e2e-article-1");
  EXPECT_NE(d["deliveries"][1]["webhook_id"], id);
}

TEST_F(WebhookEndToEnd, WrongSecretStopsTheAccountAndGoneDisablesIt) {
  ConnectorContext context{*client_, clock_};
  const std::string wrong = "whsec_" + base64_encode(std::string(24, 'w'));
  auto bad = WebhookConnector::create(settings(wrong), context);
  ASSERT_TRUE(bad);
  auto post = (*bad)->compose(article_);
  ASSERT_TRUE(post);
  const Delivery delivery{article_, *post, "e2e-article-1/hook", 1, false};
  auto refused = (*bad)->publish(delivery);
  EXPECT_EQ(refused.kind, Outcome::Kind::kStopAccount) << refused.reason;
  EXPECT_NE(refused.reason.find("401"), std::string::npos);
  EXPECT_EQ(refused.reason.find(wrong.substr(6)), std::string::npos);

  auto good = WebhookConnector::create(settings(), context);
  ASSERT_TRUE(good);
  control("/_fake/fail", {{"status", 410}, {"count", -1}});
  auto gone = (*good)->publish(delivery);
  EXPECT_EQ(gone.kind, Outcome::Kind::kStopAccount) << gone.reason;
  EXPECT_EQ(deliveries()["count"], 0);
}

TEST_F(WebhookEndToEnd, TimeoutIsTransient) {
  ConnectorContext context{*client_, clock_};
  auto s = settings();
  s.options["timeout"] = Option{"1", "test"};
  auto c = WebhookConnector::create(s, context);
  ASSERT_TRUE(c);
  auto post = (*c)->compose(article_);
  ASSERT_TRUE(post);
  control("/_fake/fail", {{"delay_ms", 3000}});
  auto out = (*c)->publish({article_, *post, "k-timeout", 1, false});
  EXPECT_EQ(out.kind, Outcome::Kind::kTransient) << out.reason;
}

}  // namespace
}  // namespace syndicated::connectors::webhook
