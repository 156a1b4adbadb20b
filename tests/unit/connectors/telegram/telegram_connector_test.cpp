// TelegramConnector against a scripted HttpClient: the calls it makes, the HTML it sends, the
// lengths it measures and how it reads every answer the Bot API can give.
#include "connectors/telegram/telegram_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"

namespace syndicated::connectors::telegram {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Kind = Outcome::Kind;
using nlohmann::json;

constexpr const char* kToken = "123456789:AAH-secret-bot-TOKEN_value";
constexpr const char* kSecretHalf = "AAH-secret-bot-TOKEN_value";
constexpr const char* kArticleUrl = "https://news.example.az/politics/budget-2026";

AccountSettings settings() {
  AccountSettings s;
  s.name = "telegram_main";
  s.network = "telegram";
  s.where = "config.toml:60";
  s.site_name = "Example News";
  s.credentials["bot_token"] = Secret(kToken);
  s.options["chat_id"] = {"@example_news", "config.toml:62"};
  return s;
}

core::Article article() {
  core::Article a;
  a.id = "budget-2026";
  a.title = "Parliament passes the 2026 budget";
  a.url = kArticleUrl;
  a.summary = "The budget was passed on the third reading.";
  a.categories = {{"Politics", "politics"}};
  a.images = {{"https://news.example.az/img/budget.jpg", "image/jpeg", {}, {}, {}, "The vote"}};
  a.language = "en";
  return a;
}

std::string message_json(int id, std::int64_t chat = -1001234567890,
                         const char* username = "example_news") {
  json c = {{"id", chat}, {"type", "channel"}, {"title", "Example"}};
  if (username) c["username"] = username;
  return json{{"ok", true}, {"result", {{"message_id", id}, {"chat", c}, {"date", 1}}}}.dump();
}

std::string error_json(int code, const std::string& description, json parameters = nullptr) {
  json j = {{"ok", false}, {"error_code", code}, {"description", description}};
  if (!parameters.is_null()) j["parameters"] = parameters;
  return j.dump();
}

struct TelegramConnectorTest : ::testing::Test {
  testing::FakeClock clock;  // 2026-01-01T00:00:00Z = 1767225600
  testing::FakeHttpClient http;
  ConnectorContext context{http, clock};
  core::Article art = article();

  std::unique_ptr<TelegramConnector> make(AccountSettings s = settings()) {
    auto c = TelegramConnector::create(s, context);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }
  Post compose(TelegramConnector& t) {
    auto p = t.compose(art);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
    return p.ok() ? *p : Post{};
  }
};

TEST_F(TelegramConnectorTest, SettingsAreValidatedWithTheKeyAndItsLine) {
  auto s = settings();
  s.credentials.clear();
  auto c = TelegramConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("'bot_token'"));
  EXPECT_EQ(c.error().where, "config.toml:60");

  s = settings();
  s.options.erase("chat_id");
  c = TelegramConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("'chat_id' is required"));

  for (auto [key, value] : {std::pair{"chat_id", "example news"}, std::pair{"link_preview", "yes"},
                            std::pair{"disable_notification", "1"}, std::pair{"parse_mode", "x"}}) {
    s = settings();
    s.options[key] = {value, "config.toml:63"};
    c = TelegramConnector::create(s, context);
    ASSERT_FALSE(c.ok()) << key;
    EXPECT_THAT(c.error().message, HasSubstr(std::string("'") + key + "'"));
    EXPECT_EQ(c.error().where, "config.toml:63");
  }
  s = settings();
  s.credentials["bot_token"] = Secret("123:abc/def");
  c = TelegramConnector::create(s, context);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, Not(HasSubstr("abc/def")));

  Registry registry;
  registry.add(telegram_network());
  EXPECT_EQ(registry.find("telegram")->credentials, std::vector<std::string>{"bot_token"});
  auto built = registry.create(settings(), context);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ((*built)->recovery(), Recovery::kResend);
}

// --- lengths and HTML ------------------------------------------------------------------------

TEST_F(TelegramConnectorTest, MeasuresUtf16CodeUnits) {
  EXPECT_EQ(utf16_length("abc"), 3u);
  EXPECT_EQ(utf16_length("Azərbaycan"), 10u);
  EXPECT_EQ(utf16_length("Привет"), 6u);
  EXPECT_EQ(utf16_length("😀"), 2u);  // outside the BMP: a surrogate pair
  EXPECT_EQ(utf16_length("👍🏽"), 4u);
  EXPECT_EQ(utf16_length("\xff"), 1u);  // a stray byte
  EXPECT_EQ(TelegramRules(4096).name(), "UTF-16 code units (Telegram)");
}

TEST_F(TelegramConnectorTest, EscapesHtmlAndLinksTheUrl) {
  EXPECT_EQ(escape_html(R"(<b> & "q" 'a')"), "&lt;b&gt; &amp; &quot;q&quot; 'a'");
  auto t = make();
  art.images.clear();
  art.title = R"(Tom & Jerry <3 "quoted" — Bakı)";
  art.summary.clear();
  art.url = "https://news.example.az/a?x=1&y=\"2\"";
  Post post = compose(*t);
  EXPECT_THAT(post.text, HasSubstr(R"(Tom & Jerry <3 "quoted")"));
  const std::string html = post_html(post);
  EXPECT_THAT(html, HasSubstr("Tom &amp; Jerry &lt;3 &quot;quoted&quot; — Bakı"));
  EXPECT_THAT(html, HasSubstr(R"(<a href="https://news.example.az/a?x=1&amp;y=&quot;2&quot;">)"
                              R"(https://news.example.az/a?x=1&amp;y=&quot;2&quot;</a>)"));
  EXPECT_THAT(html, HasSubstr("#Politics"));

  http.push(200, message_json(7));
  ASSERT_EQ(t->publish({art, post, "k", 1, false}).kind, Kind::kSent);
  json body = json::parse(http.requests()[0].body);
  EXPECT_EQ(body["text"], html);
  EXPECT_EQ(body["parse_mode"], "HTML");
}

TEST_F(TelegramConnectorTest, LimitsDependOnThePhoto) {
  auto t = make();
  art.summary.clear();
  for (int i = 0; i < 300; ++i) art.summary += "Привет 😀 ";  // 10 UTF-16 units each
  Post caption = compose(*t);
  EXPECT_EQ(caption.limit, 1024u);
  EXPECT_LE(caption.length, 1024u);
  EXPECT_GT(caption.length, 900u);
  EXPECT_EQ(caption.length, utf16_length(caption.text));
  EXPECT_THAT(caption.text, HasSubstr(kArticleUrl));
  ASSERT_TRUE(caption.image);

  art.images.clear();
  for (int i = 0; i < 300; ++i) art.summary += "Azərbaycan ";
  Post message = compose(*t);
  EXPECT_EQ(message.limit, 4096u);
  EXPECT_LE(message.length, 4096u);
  EXPECT_GT(message.length, 3900u);
  EXPECT_FALSE(message.image);

  auto s = settings();
  s.lead_image = false;
  art = article();
  EXPECT_FALSE(compose(*make(s)).image);
}

// --- publish: request shapes -----------------------------------------------------------------

TEST_F(TelegramConnectorTest, SendsThePhotoWithItsCaption) {
  auto t = make();
  Post post = compose(*t);
  http.push(200, message_json(42));
  Outcome o = t->publish({art, post, "k", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:42");
  EXPECT_EQ(o.remote.url, "https://t.me/example_news/42");
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, std::string("https://api.telegram.org/bot") + kToken + "/sendPhoto");
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["chat_id"], "@example_news");
  EXPECT_EQ(body["photo"], "https://news.example.az/img/budget.jpg");
  EXPECT_EQ(body["caption"], post_html(post));
  EXPECT_FALSE(body.contains("disable_notification"));
}

TEST_F(TelegramConnectorTest, SendsAMessageWithPreviewOptions) {
  art.images.clear();
  struct Case {
    const char* option;
    json expected;
  };
  for (const Case& c :
       {Case{"true", {{"url", kArticleUrl}}}, Case{"false", {{"is_disabled", true}}},
        Case{"large", {{"url", kArticleUrl}, {"prefer_large_media", true}}},
        Case{"small", {{"url", kArticleUrl}, {"prefer_small_media", true}}}}) {
    auto s = settings();
    s.options["link_preview"] = {c.option, "config.toml:64"};
    s.options["disable_notification"] = {"true", "config.toml:65"};
    s.options["chat_id"] = {"-1001234567890", "config.toml:62"};
    s.base_url = "https://tg.local:8081/";
    auto t = make(s);
    Post post = compose(*t);
    http.push(200, message_json(1, -1001234567890, nullptr));
    Outcome o = t->publish({art, post, "k", 1, false});
    ASSERT_EQ(o.kind, Kind::kSent);
    EXPECT_EQ(o.remote.url, "https://t.me/c/1234567890/1");
    const auto r = http.requests().back();
    EXPECT_EQ(r.url, std::string("https://tg.local:8081/bot") + kToken + "/sendMessage");
    json body = json::parse(r.body);
    EXPECT_EQ(body["chat_id"], -1001234567890) << "a numeric chat id is sent as a number";
    EXPECT_EQ(body["link_preview_options"], c.expected) << c.option;
    EXPECT_EQ(body["disable_notification"], true);
  }
}

TEST_F(TelegramConnectorTest, AnUnusablePhotoFallsBackToAMessage) {
  auto t = make();
  Post post = compose(*t);
  http.push(400, error_json(400, "Bad Request: failed to get HTTP URL content"));
  http.push(200, message_json(43));
  Outcome o = t->publish({art, post, "k", 1, false});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_THAT(o.reason, HasSubstr("posted without the photo"));
  EXPECT_THAT(o.reason, HasSubstr("failed to get HTTP URL content"));
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[1].url, HasSubstr("/sendMessage"));
  EXPECT_EQ(json::parse(reqs[1].body)["text"], post_html(post));

  // Other 400s do not fall back.
  http.push(400, error_json(400, "Bad Request: can't parse entities: Unsupported start tag"));
  EXPECT_EQ(t->publish({art, post, "k", 1, false}).kind, Kind::kPermanent);
  EXPECT_EQ(http.requests().size(), 3u);
}

// --- classification --------------------------------------------------------------------------

TEST_F(TelegramConnectorTest, AnswersAreClassified) {
  auto t = make();
  art.images.clear();
  Post post = compose(*t);
  Delivery d{art, post, "k", 1, false};

  http.push(429, error_json(429, "Too Many Requests: retry after 17", {{"retry_after", 17}}));
  Outcome o = t->publish(d);
  EXPECT_EQ(o.kind, Kind::kTransient);
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225600 + 17);
  EXPECT_EQ(o.pause_until, o.retry_at);

  http.push(400, error_json(400, "Bad Request: message text is empty"));
  o = t->publish(d);
  EXPECT_EQ(o.kind, Kind::kPermanent);
  EXPECT_THAT(o.reason, HasSubstr("message text is empty"));

  for (auto [code, text] : {std::pair{400, "Bad Request: chat not found"},
                            std::pair{400, "Bad Request: not enough rights to send text messages"},
                            std::pair{401, "Unauthorized"},
                            std::pair{403, "Forbidden: bot was kicked from the channel chat"},
                            std::pair{403, "Forbidden: bot is not a member of the channel chat"},
                            std::pair{404, "Not Found"}}) {
    http.push(code, error_json(code, text));
    o = t->publish(d);
    EXPECT_EQ(o.kind, Kind::kStopAccount) << text;
    EXPECT_THAT(o.reason, HasSubstr(text));
  }
  http.push(400, error_json(400, "Bad Request: group chat was upgraded to a supergroup chat",
                            {{"migrate_to_chat_id", -1009876543210}}));
  o = t->publish(d);
  EXPECT_EQ(o.kind, Kind::kStopAccount);
  EXPECT_THAT(o.reason, HasSubstr("-1009876543210"));

  http.push(500, error_json(500, "Internal Server Error"));
  EXPECT_EQ(t->publish(d).kind, Kind::kTransient);
  http.push(502, "<html>Bad Gateway</html>");
  EXPECT_EQ(t->publish(d).kind, Kind::kTransient);
  http.push_error("read timeout");
  EXPECT_EQ(t->publish(d).kind, Kind::kTransient);
}

TEST_F(TelegramConnectorTest, RecoveryResendsAndSaysSo) {
  auto t = make();
  art.images.clear();
  Post post = compose(*t);
  Outcome found = t->find({art, post, "k", 2, true});
  EXPECT_EQ(found.kind, Kind::kNotFound);
  EXPECT_THAT(found.reason, HasSubstr("no lookup is possible"));
  http.push(200, message_json(50));
  Outcome o = t->publish({art, post, "k", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_THAT(o.reason, HasSubstr("a duplicate is possible"));
  EXPECT_TRUE(http.requests().size() == 1u);
}

TEST_F(TelegramConnectorTest, RemoveDeletesTheMessage) {
  auto t = make();
  http.push(200, R"({"ok":true,"result":true})");
  Outcome o = t->remove({"-1001234567890:42", ""});
  EXPECT_EQ(o.kind, Kind::kSent);
  auto r = http.requests()[0];
  EXPECT_THAT(r.url, HasSubstr("/deleteMessage"));
  EXPECT_EQ(json::parse(r.body), (json{{"chat_id", -1001234567890}, {"message_id", 42}}));

  http.push(400, error_json(400, "Bad Request: message to delete not found"));
  EXPECT_EQ(t->remove({"-1001234567890:42", ""}).kind, Kind::kNotFound);
  http.push(400, error_json(400, "Bad Request: message can't be deleted for everyone"));
  EXPECT_EQ(t->remove({"-1001234567890:42", ""}).kind, Kind::kPermanent);
  http.push(403, error_json(403, "Forbidden: bot was kicked from the channel chat"));
  EXPECT_EQ(t->remove({"-1001234567890:42", ""}).kind, Kind::kStopAccount);
  // A bare message id: the account's chat.
  http.push(200, R"({"ok":true,"result":true})");
  EXPECT_EQ(t->remove({"7", ""}).kind, Kind::kSent);
  EXPECT_EQ(json::parse(http.requests().back().body)["chat_id"], "@example_news");
  EXPECT_EQ(t->remove({"-100:x", ""}).kind, Kind::kPermanent);
}

TEST_F(TelegramConnectorTest, TheBotTokenNeverReachesAReason) {
  auto t = make();
  art.images.clear();
  Post post = compose(*t);
  // The HttpClient's errors name the URL, which holds the token.
  http.push_error(std::string("https://api.telegram.org/bot") + kToken + "/sendMessage: timeout");
  Outcome o = t->publish({art, post, "k", 1, false});
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
  EXPECT_THAT(o.reason, HasSubstr("bot<redacted>"));
  http.set_handler([](const http::ClientRequest& r) -> core::Result<http::ClientResponse> {
    return core::make_error("connection reset", r.url);
  });
  o = t->publish({art, post, "k", 1, false});
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
  o = t->remove({"1:2", ""});
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
  http.set_handler({});
  http.push(400, error_json(400, std::string("Bad Request: odd ") + kSecretHalf));
  o = t->publish({art, post, "k", 1, false});
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
}

}  // namespace
}  // namespace syndicated::connectors::telegram
