// TelegramConnector against a scripted HttpClient: the calls it makes, the HTML it sends, the
// lengths it measures and how it reads every answer the Bot API can give.
#include "connectors/telegram/telegram_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/fakes/fake_clock.hpp"
#include "tests/fakes/fake_http_client.hpp"
#include "tests/fakes/memory_state_store.hpp"

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

// --- recovery by lookup (lookup_chat_id) ------------------------------------------------------

// A channel behind the Bot API for the lookup tests: sequential ids shared with others' messages,
// forwardMessage into the lookup chat, deleteMessage there, answers that can be lost.
struct FakeChannel {
  static constexpr std::int64_t kChat = -1001234567890;
  static constexpr std::int64_t kLookup = 555000111;
  std::map<std::int64_t, json> messages;  // id -> the Message's content (text/caption/entities)
  std::set<std::int64_t> service;         // ids of service messages (cannot be forwarded)
  std::int64_t next_id = 42;
  std::int64_t next_copy = 1;
  std::set<std::int64_t> copies;  // forwarded copies still in the lookup chat
  int forwarded = 0;
  bool lose_next_answer = false;  // the next send lands, its answer never arrives
  bool protected_content = false;
  std::vector<std::string> methods;

  std::int64_t human(const std::string& text) {
    messages[next_id] = {{"text", text}};
    return next_id++;
  }
  std::int64_t service_message() {
    service.insert(next_id);
    return next_id++;
  }

  core::Result<http::ClientResponse> operator()(const http::ClientRequest& r) {
    const std::string method = r.url.substr(r.url.rfind('/') + 1);
    methods.push_back(method);
    json p = json::parse(r.body);
    auto answer = [](int status, json body) {
      http::ClientResponse out;
      out.status = status;
      out.body = body.dump();
      return out;
    };
    auto bad = [&](const std::string& d) {
      return answer(400, {{"ok", false}, {"error_code", 400}, {"description", d}});
    };
    json chat = {
        {"id", kChat}, {"type", "channel"}, {"title", "Example"}, {"username", "example_news"}};
    if (method == "sendMessage" || method == "sendPhoto") {
      const std::string html = p.value(method == "sendMessage" ? "text" : "caption", "");
      std::smatch href;
      std::regex_search(html, href, std::regex("href=\"([^\"]+)\""));
      const std::string text = std::regex_replace(html, std::regex("<[^>]+>"), "");
      json m = {{method == "sendMessage" ? "text" : "caption", text}};
      if (!href.empty()) {
        m[method == "sendMessage" ? "entities" : "caption_entities"] = json::array(
            {{{"type", "text_link"}, {"offset", 0}, {"length", 1}, {"url", href[1].str()}}});
      }
      if (method == "sendPhoto") m["photo"] = json::array({{{"file_id", "x"}}});
      const std::int64_t id = next_id++;
      messages[id] = m;
      if (lose_next_answer) {
        lose_next_answer = false;
        return core::make_error("read timeout", r.url);
      }
      json result = m;
      result["message_id"] = id;
      result["chat"] = chat;
      return answer(200, {{"ok", true}, {"result", result}});
    }
    if (method == "forwardMessage") {
      if (p["chat_id"] != kLookup || p["from_chat_id"] != "@example_news") {
        return bad("Bad Request: chat not found");
      }
      const std::int64_t id = p["message_id"];
      if (service.count(id)) return bad("Bad Request: the message can't be forwarded");
      if (!messages.count(id)) return bad("Bad Request: message to forward not found");
      if (protected_content) {
        return bad("Bad Request: message has protected content and can't be forwarded");
      }
      ++forwarded;
      json result = messages[id];
      result["message_id"] = next_copy;
      result["chat"] = {{"id", kLookup}, {"type", "private"}};
      result["forward_origin"] = {
          {"type", "channel"}, {"chat", chat}, {"message_id", id}, {"date", 1}};
      copies.insert(next_copy++);
      return answer(200, {{"ok", true}, {"result", result}});
    }
    if (method == "deleteMessage" && p["chat_id"] == kLookup) {
      if (copies.erase(p["message_id"].get<std::int64_t>()) == 0) {
        return bad("Bad Request: message to delete not found");
      }
      return answer(200, {{"ok", true}, {"result", true}});
    }
    return bad("Bad Request: unexpected " + method);
  }
};

struct TelegramLookupTest : TelegramConnectorTest {
  testing::MemoryStateStore store;
  ConnectorContext stored{http, clock, &store};
  std::shared_ptr<FakeChannel> channel = std::make_shared<FakeChannel>();

  TelegramLookupTest() {
    art.images.clear();
    http.set_handler([c = channel](const http::ClientRequest& r) { return (*c)(r); });
  }
  static AccountSettings lookup_settings() {
    auto s = settings();
    s.options["lookup_chat_id"] = {"555000111", "config.toml:66"};
    return s;
  }
  std::unique_ptr<TelegramConnector> make_stored(AccountSettings s = lookup_settings()) {
    auto c = TelegramConnector::create(s, stored);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }
  // The state after an earlier post with this id.
  void posted_before(std::int64_t id) {
    ASSERT_TRUE(store
                    .save(json{
                        {"chat", "@example_news"},
                        {"chat_id", FakeChannel::kChat},
                        {"last_message_id",
                         id}}.dump())
                    .ok());
  }
  json saved() const { return json::parse(store.value().value_or("{}")); }
};

TEST_F(TelegramLookupTest, TheOptionIsValidatedAndChoosesTheRecovery) {
  EXPECT_EQ(make()->recovery(), Recovery::kResend);
  EXPECT_EQ(make_stored()->recovery(), Recovery::kLookup);
  for (const char* bad : {"editors group", "@x", "-100abc"}) {
    auto s = lookup_settings();
    s.options["lookup_chat_id"] = {bad, "config.toml:66"};
    auto c = TelegramConnector::create(s, stored);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_THAT(c.error().message, HasSubstr("'lookup_chat_id'"));
    EXPECT_EQ(c.error().where, "config.toml:66");
  }
  auto s = lookup_settings();
  s.options["lookup_chat_id"] = {"@example_news", "config.toml:66"};
  auto same = TelegramConnector::create(s, stored);
  ASSERT_FALSE(same.ok());
  EXPECT_THAT(same.error().message, HasSubstr("another chat than chat_id"));
  s.options["lookup_chat_id"] = {" -4012345678 ", "config.toml:66"};
  EXPECT_TRUE(TelegramConnector::create(s, stored).ok());
}

TEST_F(TelegramLookupTest, EachPostSavesItsMessageId) {
  // Also without a lookup chat: enabling it later starts from a known id.
  for (bool lookup : {false, true}) {
    ASSERT_TRUE(store.save("{}").ok());
    auto t = make_stored(lookup ? lookup_settings() : settings());
    Post post = compose(*t);
    Outcome o = t->publish({art, post, "k1", 1, false});
    ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
    json state = saved();
    EXPECT_EQ(state["chat"], "@example_news");
    EXPECT_EQ(state["chat_id"], FakeChannel::kChat);
    EXPECT_EQ(state["last_message_id"], channel->next_id - 1);
    // No id was known before this first post, so there is no lookup entry for it.
    EXPECT_FALSE(state.contains("pending")) << state;
  }
}

TEST_F(TelegramLookupTest, ACrashAfterTheSendBeforeTheLedgerIsAnsweredFromTheSavedId) {
  // The connector saved the sent id, then the process died before the engine's ledger commit:
  // the restarted engine asks find(), which answers from the saved state, without a request.
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  ASSERT_EQ(t->publish({art, post, "k1", 1, false}).kind, Kind::kSent);
  auto restarted = make_stored();
  const std::size_t before = http.requests().size();
  Outcome found = restarted->find({art, post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, "-1001234567890:42");
  EXPECT_EQ(found.remote.url, "https://t.me/example_news/42");
  EXPECT_EQ(http.requests().size(), before);
}

TEST_F(TelegramLookupTest, ACrashedPostsSavedIdOutlivesThePostsSentDuringTheRecoveryWait) {
  // The crash test's duplicate: the post was sent and its id saved, the process died before the
  // ledger commit; the engine waits before its recovery, and meanwhile more than kMaxPending
  // other posts go out. The crashed post's entry must not be the one trimmed for them.
  posted_before(41);
  Post post = compose(*make_stored());
  ASSERT_EQ(make_stored()->publish({art, post, "crashed", 1, false}).kind, Kind::kSent);  // 42
  auto restarted = make_stored();
  const int others = static_cast<int>(LookupState::kMaxPending) + 10;
  for (int i = 0; i < others; ++i) {
    const std::string key = "other-" + std::to_string(i);
    ASSERT_EQ(restarted->publish({art, post, key, 1, false}).kind, Kind::kSent) << key;
  }
  EXPECT_LE(saved()["pending"].size(), LookupState::kMaxPending) << "the state stays bounded";
  // Each post is confirmed by the next call (the engine recorded it before making that call);
  // the last one, and the crashed one, are not.
  EXPECT_EQ(saved()["pending"]["other-" + std::to_string(others - 2)]["confirmed"], true);
  EXPECT_FALSE(saved()["pending"]["other-" + std::to_string(others - 1)].contains("confirmed"));

  const std::size_t before = http.requests().size();
  Outcome found = restarted->find({art, post, "crashed", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, "-1001234567890:42");
  EXPECT_EQ(http.requests().size(), before);
  EXPECT_EQ(channel->next_id, 42 + 1 + others) << "nothing was sent again";
}

TEST_F(TelegramLookupTest, FindsThePostWhoseAnswerWasLost) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  channel->lose_next_answer = true;
  Outcome lost = t->publish({art, post, "k1", 1, false});
  ASSERT_EQ(lost.kind, Kind::kTransient);
  EXPECT_EQ(channel->messages.count(42), 1u) << "the post landed";
  EXPECT_EQ(saved()["pending"]["k1"]["after"], 41);

  // A restart: a new connector on the same state.
  auto restarted = make_stored();
  const std::size_t before = http.requests().size();
  Outcome found = restarted->find({art, post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, "-1001234567890:42");
  EXPECT_EQ(found.remote.url, "https://t.me/example_news/42");
  auto reqs = http.requests();
  ASSERT_EQ(reqs.size(), before + 2);
  EXPECT_EQ(reqs[before].url,
            std::string("https://api.telegram.org/bot") + kToken + "/forwardMessage");
  EXPECT_EQ(json::parse(reqs[before].body), (json{{"chat_id", 555000111},
                                                  {"from_chat_id", "@example_news"},
                                                  {"message_id", 42},
                                                  {"disable_notification", true}}));
  EXPECT_THAT(reqs[before + 1].url, HasSubstr("/deleteMessage"));
  EXPECT_TRUE(channel->copies.empty()) << "the copy left the lookup chat";
  EXPECT_EQ(saved()["last_message_id"], 42);
  EXPECT_EQ(saved()["pending"]["k1"]["sent"], 42);
}

TEST_F(TelegramLookupTest, StepsOverOthersMessagesAndLaterPosts) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  channel->human("An editor's note about " + std::string(kArticleUrl) + "-live");  // 42
  channel->human("Breaking: power cut in Baku");                                   // 43
  channel->service_message();                                                      // 44
  channel->lose_next_answer = true;
  ASSERT_EQ(t->publish({art, post, "k1", 1, false}).kind, Kind::kTransient);  // lands as 45
  // While it waits for its recovery, another article goes out (46): the saved last id moves on,
  // this delivery's starting point does not.
  core::Article other = article();
  other.id = "other";
  other.url = "https://news.example.az/economy/other";
  other.images.clear();
  Post other_post = *t->compose(other);
  ASSERT_EQ(t->publish({other, other_post, "k2", 1, false}).kind, Kind::kSent);
  EXPECT_EQ(saved()["last_message_id"], 46);

  Outcome found = make_stored()->find({art, post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, "-1001234567890:45");
  EXPECT_EQ(channel->forwarded, 3);  // 42, 43 and 45 (44 cannot be forwarded)
  EXPECT_TRUE(channel->copies.empty());
  EXPECT_EQ(saved()["last_message_id"], 46);
}

TEST_F(TelegramLookupTest, MissingIdsMeanNotPostedThenItIsSent) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  http.push_error("connection refused");  // the first attempt never reached Telegram
  ASSERT_EQ(t->publish({art, post, "k1", 1, false}).kind, Kind::kTransient);
  channel->human("someone else");  // 42
  channel->next_id += 1;           // 43 was posted and deleted again
  channel->human("someone else");  // 44

  Outcome found = t->find({art, post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kNotFound) << found.reason;
  EXPECT_THAT(found.reason, HasSubstr("no message after id 44"));
  int forwards = 0;
  for (const auto& m : channel->methods) forwards += m == "forwardMessage";
  EXPECT_EQ(forwards, 3 + kMissesToConclude);  // 42, 43 (a hole), 44, then 45..49
  EXPECT_TRUE(channel->copies.empty());
  EXPECT_EQ(saved()["last_message_id"], 44);

  Outcome o = t->publish({art, post, "k1", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent);
  EXPECT_EQ(o.remote.id, "-1001234567890:45");
  EXPECT_THAT(o.reason, Not(HasSubstr("duplicate")));
  EXPECT_EQ(saved()["last_message_id"], 45);
}

TEST_F(TelegramLookupTest, TooManyOthersIsCannotTellAndTheNextLookupGoesOn) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  for (int i = 0; i < kProbeLimit + 5; ++i) channel->human("live blog entry " + std::to_string(i));
  channel->lose_next_answer = true;
  ASSERT_EQ(t->publish({art, post, "k1", 1, false}).kind, Kind::kTransient);  // lands as 77

  Outcome first = t->find({art, post, "k1", 2, true});
  EXPECT_EQ(first.kind, Kind::kTransient) << "never 'not found' without reaching the end";
  EXPECT_THAT(first.reason, HasSubstr("cannot tell"));
  EXPECT_EQ(channel->forwarded, kProbeLimit);
  EXPECT_TRUE(channel->copies.empty());
  EXPECT_EQ(saved()["pending"]["k1"]["checked"], 41 + kProbeLimit);

  Outcome second = make_stored()->find({art, post, "k1", 3, true});
  ASSERT_EQ(second.kind, Kind::kSent) << second.reason;
  EXPECT_EQ(second.remote.id, "-1001234567890:77");
  EXPECT_EQ(channel->forwarded, kProbeLimit + 6);  // 72..77: nothing looked at twice
}

TEST_F(TelegramLookupTest, MatchesTheArticleUrlAsAWholeInTextEntitiesOrCaptions) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  std::string sent_text = post.text;
  ASSERT_TRUE(t->publish({art, post, "k1", 1, false}).ok());  // 42, last = 42
  // The lookup for a delivery whose post may be anywhere after 42:
  auto state = saved();
  state["pending"]["k9"] = {{"after", 42}, {"checked", 0}};
  ASSERT_TRUE(store.save(state.dump()).ok());
  channel->human(std::string(kArticleUrl) + "-2 is another article");            // 43
  channel->messages[channel->next_id++] = {{"caption", "Photo"}, {"photo", 1}};  // 44
  channel->messages[channel->next_id++] = {                                      // 45
                                           {"text", "Read more"},
                                           {"entities",
                                            {{{"type", "text_link"},
                                              {"offset", 0},
                                              {"length", 9},
                                              {"url", std::string(kArticleUrl) + "/"}}}}};
  Outcome o = t->find({art, post, "k9", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:45");

  // A url entity (Telegram's own link detection; UTF-16 offsets, the emoji counts 2) covering
  // exactly the URL, where the text alone would not tell ("…" right after it) ...
  state["pending"]["k9"] = {{"after", 45}, {"checked", 0}};
  ASSERT_TRUE(store.save(state.dump()).ok());
  channel->messages[channel->next_id++] = {
      // 46: a longer URL
      {"caption", "😀 " + std::string(kArticleUrl) + "?utm=x"},
      {"caption_entities", {{{"type", "url"}, {"offset", 3}, {"length", 50}}}},
      {"photo", 1}};
  channel->messages[channel->next_id++] = {
      // 47
      {"caption", "😀 " + std::string(kArticleUrl) + "…"},
      {"caption_entities", {{{"type", "url"}, {"offset", 3}, {"length", 44}}}},
      {"photo", 1}};
  o = t->find({art, post, "k9", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:47");
  // ... and the URL in plain text, ended by punctuation.
  state["pending"]["k9"] = {{"after", 47}, {"checked", 0}};
  ASSERT_TRUE(store.save(state.dump()).ok());
  channel->human("Read " + std::string(kArticleUrl) + "-live, then " + kArticleUrl +
                 ". More soon");  // 48
  o = t->find({art, post, "k9", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:48");

  // A template without the URL: the text itself.
  state["pending"]["k9"] = {{"after", 48}, {"checked", 0}};
  ASSERT_TRUE(store.save(state.dump()).ok());
  Post plain = post;
  plain.text = "Parliament passes the 2026 budget";
  channel->human("Parliament passes the 2026 budget, live");  // 49
  channel->human("  Parliament passes the 2026 budget\n");    // 50
  core::Article no_url = art;
  no_url.url.clear();
  o = t->find({no_url, plain, "k9", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:50");
  EXPECT_TRUE(channel->copies.empty());
}

TEST_F(TelegramLookupTest, WithoutAKnownIdTheFirstPostIsSentAgainAndSaysSo) {
  auto t = make_stored();  // nothing saved: the account's first post
  Post post = compose(*t);
  channel->lose_next_answer = true;
  Outcome lost = t->publish({art, post, "k1", 1, false});
  ASSERT_EQ(lost.kind, Kind::kTransient);
  EXPECT_THAT(lost.reason, HasSubstr("a lookup after an unknown outcome will not be possible"));
  Outcome found = t->find({art, post, "k1", 2, true});
  EXPECT_EQ(found.kind, Kind::kNotFound);
  EXPECT_THAT(found.reason, HasSubstr("a duplicate is possible"));
  EXPECT_EQ(channel->forwarded, 0);

  // Ids saved for another chat do not count either.
  ASSERT_TRUE(store
                  .save(json{{"chat", "@old_channel"},
                             {"last_message_id", 900},
                             {"pending", {{"k1", {{"after", 900}}}}}}
                            .dump())
                  .ok());
  EXPECT_EQ(t->find({art, post, "k1", 2, true}).kind, Kind::kNotFound);
  EXPECT_EQ(channel->forwarded, 0);
}

TEST_F(TelegramLookupTest, WorksWithoutAStateStore) {
  auto c = TelegramConnector::create(lookup_settings(), context);  // context.state == nullptr
  ASSERT_TRUE(c.ok());
  auto& t = *c;
  Post post = compose(*t);
  ASSERT_EQ(t->publish({art, post, "k0", 1, false}).kind, Kind::kSent);  // 42: an id is known
  channel->lose_next_answer = true;
  core::Article second = art;
  second.url = "https://news.example.az/politics/second";
  Post second_post = *t->compose(second);
  ASSERT_EQ(t->publish({second, second_post, "k1", 1, false}).kind, Kind::kTransient);
  Outcome found = t->find({second, second_post, "k1", 2, true});
  ASSERT_EQ(found.kind, Kind::kSent) << found.reason;
  EXPECT_EQ(found.remote.id, "-1001234567890:43");
  EXPECT_FALSE(store.value()) << "the store that was not handed over stays untouched";
}

TEST_F(TelegramLookupTest, LookupErrorsAreClassifiedWithoutTheToken) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  channel->lose_next_answer = true;
  ASSERT_EQ(t->publish({art, post, "k1", 1, false}).kind, Kind::kTransient);  // 42
  Delivery d{art, post, "k1", 2, true};

  http.push(429, error_json(429, "Too Many Requests: retry after 11", {{"retry_after", 11}}));
  Outcome o = t->find(d);
  EXPECT_EQ(o.kind, Kind::kTransient);
  ASSERT_TRUE(o.retry_at);
  EXPECT_EQ(o.retry_at->unix_seconds, 1767225600 + 11);

  http.push(400, error_json(400, "Bad Request: chat not found"));
  o = t->find(d);
  EXPECT_EQ(o.kind, Kind::kStopAccount);
  EXPECT_THAT(o.reason, HasSubstr("lookup_chat_id 555000111"));

  http.push(403, error_json(403, "Forbidden: bot was blocked by the user"));
  EXPECT_EQ(t->find(d).kind, Kind::kStopAccount);

  http.push(400, error_json(400, "Bad Request: something new"));
  o = t->find(d);
  EXPECT_EQ(o.kind, Kind::kTransient) << "a failed lookup is no verdict on the post";
  EXPECT_THAT(o.reason, HasSubstr("cannot tell"));

  channel->protected_content = true;
  o = t->find(d);
  EXPECT_EQ(o.kind, Kind::kStopAccount);
  EXPECT_THAT(o.reason, HasSubstr("restricts saving content"));
  channel->protected_content = false;

  http.push_error(std::string("https://api.telegram.org/bot") + kToken +
                  "/forwardMessage: timeout");
  o = t->find(d);
  EXPECT_EQ(o.kind, Kind::kTransient);
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
  EXPECT_THAT(o.reason, HasSubstr("bot<redacted>"));

  // Still findable after all that.
  o = t->find(d);
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:42");
  EXPECT_THAT(o.reason, Not(HasSubstr(kSecretHalf)));
}

TEST_F(TelegramLookupTest, UndeletableCopiesDoNotChangeTheAnswer) {
  posted_before(41);
  auto t = make_stored();
  Post post = compose(*t);
  channel->human("someone else");  // 42
  channel->lose_next_answer = true;
  ASSERT_EQ(t->publish({art, post, "k1", 1, false}).kind, Kind::kTransient);  // 43
  auto inner = channel;
  http.set_handler([inner](const http::ClientRequest& r) -> core::Result<http::ClientResponse> {
    if (r.url.find("/deleteMessage") != std::string::npos) {
      http::ClientResponse out;
      out.status = 400;
      out.body = error_json(400, "Bad Request: message can't be deleted");
      return out;
    }
    return (*inner)(r);
  });
  Outcome o = t->find({art, post, "k1", 2, true});
  ASSERT_EQ(o.kind, Kind::kSent) << o.reason;
  EXPECT_EQ(o.remote.id, "-1001234567890:43");
  EXPECT_THAT(o.reason, HasSubstr("2 forwarded copies could not be deleted"));
}

}  // namespace
}  // namespace syndicated::connectors::telegram
