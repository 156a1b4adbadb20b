// TelegramConnector through the real BeastHttpClient against the fake Bot API
// (tests/integration/fakes/fake_telegram.py) over TLS on loopback: the fake checks the token in
// the path, parses the HTML as Telegram does, counts UTF-16 units and fetches the photo.
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

#include "connectors/telegram/telegram_connector.hpp"
#include "http/beast_client.hpp"
#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/memory_state_store.hpp"

extern char** environ;

namespace syndicated::connectors::telegram {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kToken = "987654321:AAE2eTelegramSecretPart_xyz";
constexpr const char* kSecretHalf = "AAE2eTelegramSecretPart_xyz";

class FakeTelegram {
 public:
  FakeTelegram() {
    dir_ = fs::temp_directory_path() / ("fake-telegram-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string script =
        std::string(SYNDICATED_SOURCE_DIR) + "/tests/integration/fakes/fake_telegram.py";
    const std::string port_file = (dir_ / "port").string();
    std::vector<std::string> args = {"/usr/bin/python3", script,
                                     "--certs",          (dir_ / "certs").string(),
                                     "--port",           "0",
                                     "--port-file",      port_file,
                                     "--token",          kToken,
                                     "--chat-id",        "-1001234567890",
                                     "--chat-username",  "example_news",
                                     "--lookup-chat-id", "555000111"};
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
  ~FakeTelegram() {
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

class TelegramEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { fake_ = new FakeTelegram(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }

  void SetUp() override {
    ASSERT_GT(fake_->port(), 0) << "fake_telegram.py did not start";
    http::ClientOptions options;
    options.ca_file = fake_->ca();
    auto client = http::BeastHttpClient::create(options);
    ASSERT_TRUE(client.ok()) << client.error().to_string();
    client_ = std::move(*client);
    control("POST", "/_fake/reset");
    connector_ = make(kToken);
    article_.id = "e2e-1";
    article_.title = R"(Tom & Jerry <3 "Bakı" — 2026)";
    article_.summary = "Парламент принял бюджет 😀";
    article_.url = "https://news.example.az/a?x=1&y=2";
    article_.categories = {{"Siyasət", "siyaset"}};
    article_.images = {
        {fake_->base() + "/_fake/image?type=image/png&size=3000", "image/png", {}, {}, {}, ""}};
    article_.language = "az";
  }

  std::unique_ptr<TelegramConnector> make(const char* token, StateStore* state = nullptr,
                                          bool lookup = false) {
    AccountSettings s;
    s.name = "telegram_e2e";
    s.network = "telegram";
    s.base_url = fake_->base();
    s.site_name = "Example News";
    s.credentials["bot_token"] = Secret(token);
    s.options["chat_id"] = {"@example_news", "test"};
    if (lookup) s.options["lookup_chat_id"] = {"555000111", "test"};
    auto c = TelegramConnector::create(s, ConnectorContext{*client_, clock_, state});
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

  static FakeTelegram* fake_;
  testing::FakeClock clock_;
  std::unique_ptr<http::BeastHttpClient> client_;
  std::unique_ptr<TelegramConnector> connector_;
  core::Article article_;
};
FakeTelegram* TelegramEndToEnd::fake_ = nullptr;

TEST_F(TelegramEndToEnd, PhotoWithEscapedCaptionThenDelete) {
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok()) << post.error().to_string();
  Outcome sent = connector_->publish({article_, *post, "k1", 1, false});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_EQ(sent.remote.id, "-1001234567890:1");
  EXPECT_EQ(sent.remote.url, "https://t.me/example_news/1");

  json messages = control("GET", "/_fake/messages")["messages"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["method"], "sendPhoto");
  // What readers see is exactly the composed text: the HTML parsed back to it.
  EXPECT_EQ(messages[0]["text"], post->text);
  ASSERT_EQ(messages[0]["entities"].size(), 1u);
  EXPECT_EQ(messages[0]["entities"][0]["type"], "text_link");
  EXPECT_EQ(messages[0]["entities"][0]["url"], article_.url);

  EXPECT_EQ(connector_->remove(sent.remote).kind, Kind::kSent);
  EXPECT_EQ(connector_->remove(sent.remote).kind, Kind::kNotFound);
}

TEST_F(TelegramEndToEnd, LongTextsFitAndBrokenPhotosFallBack) {
  for (int i = 0; i < 200; ++i) article_.summary += " Азәрбајҹан 😀 Azərbaycan";
  article_.images[0].url = fake_->base() + "/_fake/image?status=404";
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->limit, 1024u);
  Outcome sent = connector_->publish({article_, *post, "k2", 1, false});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_THAT(sent.reason, HasSubstr("failed to get HTTP URL content"));
  json m = control("GET", "/_fake/messages")["messages"][0];
  EXPECT_EQ(m["method"], "sendMessage");
  EXPECT_EQ(m["text"], post->text);
  EXPECT_EQ(m["link_preview_options"], (json{{"url", article_.url}}));

  article_.images.clear();
  auto message = connector_->compose(article_);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->limit, 4096u);
  EXPECT_GT(message->length, 3000u);
  Outcome long_sent = connector_->publish({article_, *message, "k3", 1, false});
  ASSERT_EQ(long_sent.kind, Kind::kSent) << long_sent.reason;
}

TEST_F(TelegramEndToEnd, ServerAnswersAreClassified) {
  article_.images.clear();
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  Delivery d{article_, *post, "k4", 1, false};
  control("POST", "/_fake/fail", {{"status", 429}, {"retry_after", 9}});
  Outcome limited = connector_->publish(d);
  EXPECT_EQ(limited.kind, Kind::kTransient);
  ASSERT_TRUE(limited.retry_at);
  EXPECT_EQ(limited.retry_at->unix_seconds, clock_.now().unix_seconds + 9);
  control("POST", "/_fake/fail", {{"status", 502}});
  EXPECT_EQ(connector_->publish(d).kind, Kind::kTransient);
  control("POST", "/_fake/fail", {{"status", 403}});
  EXPECT_EQ(connector_->publish(d).kind, Kind::kStopAccount);

  Outcome refused = make("987654321:AAwrongWrongWrong")->publish(d);
  EXPECT_EQ(refused.kind, Kind::kStopAccount);
  EXPECT_THAT(refused.reason, HasSubstr("Unauthorized"));

  Post too_long = *post;
  too_long.text = std::string(4097, 'a');
  too_long.facets.clear();
  Outcome o = connector_->publish({article_, too_long, "k5", 1, false});
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_THAT(o.reason, HasSubstr("message is too long"));

  EXPECT_EQ(connector_->publish(d).kind, Kind::kSent);
  EXPECT_EQ(control("GET", "/_fake/messages")["messages"].size(), 1u);
}

TEST_F(TelegramEndToEnd, TransportErrorsDoNotLeakTheToken) {
  article_.images.clear();
  auto post = connector_->compose(article_);
  ASSERT_TRUE(post.ok());
  control("POST", "/_fake/fail", {{"status", 500}});
  // A closed port: the client's error names the URL, with the token in its path.
  AccountSettings s;
  s.name = "telegram_down";
  s.network = "telegram";
  s.base_url = "https://127.0.0.1:1";
  s.credentials["bot_token"] = Secret(kToken);
  s.options["chat_id"] = {"@example_news", "test"};
  auto down = TelegramConnector::create(s, ConnectorContext{*client_, clock_});
  ASSERT_TRUE(down.ok());
  Outcome o = (*down)->publish({article_, *post, "k6", 1, false});
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
  o = connector_->publish({article_, *post, "k6", 1, false});
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
}

// A StateStore that stops writing once `crash()` is armed and one more save went through: the
// daemon died after the request left (the "pending" save) and before the answer was recorded.
class CrashingStore final : public StateStore {
 public:
  core::Result<std::optional<std::string>> load() override { return value_; }
  core::Status save(std::string_view value) override {
    if (saves_left_ == 0) return core::Ok{};  // dead: nothing reaches the disk any more
    value_ = std::string(value);
    if (saves_left_ > 0) --saves_left_;
    return core::Ok{};
  }
  void crash_after_next_save() { saves_left_ = 1; }
  void restart() { saves_left_ = -1; }

 private:
  std::optional<std::string> value_;
  int saves_left_ = -1;  // -1: alive
};

TEST_F(TelegramEndToEnd, LookupFindsAPostWhoseAnswerWasLost) {
  article_.images.clear();
  CrashingStore store;
  auto before = make(kToken, &store, true);
  ASSERT_EQ(before->recovery(), Recovery::kLookup);
  core::Article earlier = article_;
  earlier.url = "https://news.example.az/earlier";
  auto earlier_post = before->compose(earlier);
  ASSERT_TRUE(earlier_post.ok());
  ASSERT_EQ(before->publish({earlier, *earlier_post, "k0", 1, false}).kind, Kind::kSent);  // 1

  // Others post in the channel meanwhile; one message is deleted again.
  control("POST", "/_fake/post", {{"html", "An editor: <b>live</b> from Bak&#305;"}});  // 2
  control("POST", "/_fake/post", {{"service", true}});                                  // 3
  control("POST", "/_fake/post", {{"text", "gone soon"}});                              // 4
  EXPECT_EQ(connector_->remove({"-1001234567890:4", ""}).kind, Kind::kSent);

  auto post = before->compose(article_);
  ASSERT_TRUE(post.ok());
  store.crash_after_next_save();
  Outcome published = before->publish({article_, *post, "k1", 1, false});  // 5
  ASSERT_EQ(published.kind, Kind::kSent) << published.reason;
  EXPECT_EQ(published.remote.id, "-1001234567890:5");
  control("POST", "/_fake/post", {{"text", "after the crash"}});  // 6

  // The restarted daemon: a new connector on the state as the crash left it.
  store.restart();
  auto after = make(kToken, &store, true);
  Outcome found = after->find({article_, *post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, published.remote.id);
  EXPECT_EQ(found.remote.url, "https://t.me/example_news/5");
  EXPECT_THAT(found.reason, Not(HasSubstr(kSecretHalf)));

  json lookup = control("GET", "/_fake/lookup");
  ASSERT_FALSE(lookup["messages"].empty());
  for (const json& copy : lookup["messages"]) {
    EXPECT_TRUE(copy["deleted"].get<bool>()) << copy;
    EXPECT_TRUE(copy["disable_notification"].get<bool>());
  }
  EXPECT_EQ(lookup["messages"].back()["forwarded_from"], 5);
  // Once, in the channel.
  int copies = 0;
  const json channel = control("GET", "/_fake/messages");
  for (const json& m : channel["messages"]) {
    if (m["method"] == "sendMessage" && m["text"] == post->text && !m["deleted"].get<bool>()) {
      ++copies;
    }
  }
  EXPECT_EQ(copies, 1);
}

TEST_F(TelegramEndToEnd, LookupSaysNotFoundWhenThePostNeverLanded) {
  article_.images.clear();
  testing::MemoryStateStore store;
  auto t = make(kToken, &store, true);
  core::Article earlier = article_;
  earlier.url = "https://news.example.az/earlier";
  ASSERT_EQ(t->publish({earlier, *t->compose(earlier), "k0", 1, false}).kind, Kind::kSent);
  auto post = t->compose(article_);
  ASSERT_TRUE(post.ok());
  control("POST", "/_fake/fail", {{"status", 502}, {"method", "sendMessage"}});
  ASSERT_EQ(t->publish({article_, *post, "k1", 1, false}).kind, Kind::kTransient);
  control("POST", "/_fake/post", {{"text", "someone else"}});  // 2

  Outcome found = make(kToken, &store, true)->find({article_, *post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kNotFound) << found.reason;
  Outcome sent = t->publish({article_, *post, "k1", 2, true});
  ASSERT_EQ(sent.kind, Kind::kSent) << sent.reason;
  EXPECT_EQ(sent.remote.id, "-1001234567890:3");

  control("POST", "/_fake/protect", {{"protected", true}});
  Outcome stop = t->find({article_, *post, "k2", 2, true});
  EXPECT_EQ(stop.kind, Kind::kNotFound) << "k2 never left: no starting point, no lookup";
  auto next = t->compose(article_);
  control("POST", "/_fake/fail", {{"status", 500}, {"method", "sendMessage"}});
  ASSERT_EQ(t->publish({article_, *next, "k3", 1, false}).kind, Kind::kTransient);
  control("POST", "/_fake/post", {{"text", "someone else"}});
  stop = t->find({article_, *next, "k3", 2, true});
  EXPECT_EQ(stop.kind, Kind::kStopAccount);
  EXPECT_THAT(stop.reason, HasSubstr("restricts saving content"));
}

}  // namespace
}  // namespace syndicated::connectors::telegram
