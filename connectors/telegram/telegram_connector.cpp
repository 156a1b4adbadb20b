#include "connectors/telegram/telegram_connector.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

namespace syndicated::connectors::telegram {
namespace {

using nlohmann::json;
using Kind = Outcome::Kind;

constexpr std::size_t kMaxReasonBody = 300;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> parse_bool(std::string_view s) {
  const std::string v = lower(trim(s));
  if (v == "true") return true;
  if (v == "false") return false;
  return std::nullopt;
}

Outcome make(Kind kind, std::string reason) {
  Outcome o;
  o.kind = kind;
  o.reason = std::move(reason);
  return o;
}

bool is_http_url(std::string_view s) {
  const std::string head = lower(s.substr(0, 8));
  return head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
}

// A valid chat_id: "@username" (5-32 of [A-Za-z0-9_]) or an integer.
bool valid_chat_id(std::string_view id) {
  if (parse_int(id)) return true;
  if (id.size() < 6 || id.size() > 33 || id.front() != '@') return false;
  return std::all_of(id.begin() + 1, id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

json chat_json(const std::string& chat_id) {
  if (auto n = parse_int(chat_id)) return *n;
  return chat_id;
}

// The Bot API's answer to a failed call, when it is one.
struct ApiError {
  int code = 0;
  std::string description;
  std::optional<std::int64_t> retry_after;
  std::optional<std::int64_t> migrate_to;
};

std::optional<ApiError> api_error(const http::ClientResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("ok") || j["ok"] != false) return std::nullopt;
  ApiError e;
  e.code = r.status;
  if (j.contains("error_code") && j["error_code"].is_number_integer())
    e.code = j["error_code"].get<int>();
  if (j.contains("description") && j["description"].is_string())
    e.description = j["description"].get<std::string>();
  if (j.contains("parameters") && j["parameters"].is_object()) {
    const json& p = j["parameters"];
    if (p.contains("retry_after") && p["retry_after"].is_number_integer())
      e.retry_after = p["retry_after"].get<std::int64_t>();
    if (p.contains("migrate_to_chat_id") && p["migrate_to_chat_id"].is_number_integer())
      e.migrate_to = p["migrate_to_chat_id"].get<std::int64_t>();
  }
  return e;
}

// ok: true — the call did what was asked.
bool accepted(const core::Result<http::ClientResponse>& r) {
  if (!r || r->status != 200) return false;
  json j = json::parse(r->body, nullptr, false);
  return j.is_object() && j.contains("ok") && j["ok"] == true;
}

std::string excerpt(const std::string& body) {
  std::string out;
  for (char c : body.substr(0, kMaxReasonBody)) {
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  if (body.size() > kMaxReasonBody) out += "…";
  return std::string(trim(out));
}

// 400 answers to sendPhoto that are about the photo, not the post: the text can still go out.
bool about_the_photo(std::string_view description) {
  const std::string d = lower(description);
  for (const char* needle : {"http url", "file identifier", "web page content",
                             "image_process_failed", "photo", "failed to get"}) {
    if (d.find(needle) != std::string::npos) return true;
  }
  return false;
}

// 400 answers that concern the account's chat: every post would fail until the operator acts.
bool about_the_account(std::string_view description) {
  const std::string d = lower(description);
  return d.find("chat not found") != std::string::npos ||
         d.find("not enough rights") != std::string::npos ||
         d.find("need administrator rights") != std::string::npos ||
         d.find("have no rights") != std::string::npos ||
         d.find("upgraded to a supergroup") != std::string::npos;
}

bool has(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(needle) != std::string::npos;
}

// The bytes of UTF-8 text at a UTF-16 range [offset, offset + length) (entity offsets).
std::string utf16_slice(std::string_view utf8, std::size_t offset, std::size_t length) {
  std::size_t units = 0;
  std::size_t begin = std::string_view::npos;
  std::size_t i = 0;
  while (i < utf8.size()) {
    if (units == offset && begin == std::string_view::npos) begin = i;
    if (units >= offset + length) break;
    const auto b = static_cast<unsigned char>(utf8[i]);
    const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
    units += n == 4 ? 2 : 1;
    i = std::min(utf8.size(), i + n);
  }
  if (begin == std::string_view::npos) return {};
  return std::string(utf8.substr(begin, i - begin));
}

std::string_view without_slash(std::string_view url) {
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

bool same_url(std::string_view a, std::string_view b) {
  return !a.empty() && without_slash(a) == without_slash(b);
}

// `url` appears in `text` as a whole URL (not as the start of a longer one).
bool mentions(std::string_view text, std::string_view url) {
  if (url.empty()) return false;
  for (auto pos = text.find(url); pos != std::string_view::npos; pos = text.find(url, pos + 1)) {
    std::size_t end = pos + url.size();
    if (end < text.size() && text[end] == '/' && url.back() != '/') ++end;  // "…/a" and "…/a/"
    if (end == text.size()) return true;
    const char c = text[end];
    if (std::isspace(static_cast<unsigned char>(c)) ||
        std::string_view("\"'<>()[]{}").find(c) != std::string_view::npos) {
      return true;
    }
    // Punctuation after a URL ends it when nothing but space follows.
    if (std::string_view(".,;:!?").find(c) != std::string_view::npos &&
        (end + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[end + 1])))) {
      return true;
    }
  }
  return false;
}

// A forwarded copy is the delivery's post: it holds the article's URL (text, url entity or
// text_link) or it is the post's text.
bool is_the_post(const json& message, const Delivery& delivery) {
  std::string text;
  const json* entities = nullptr;
  for (const char* field : {"text", "caption"}) {
    if (message.contains(field) && message[field].is_string()) {
      text = message[field].get<std::string>();
    }
  }
  for (const char* field : {"entities", "caption_entities"}) {
    if (message.contains(field) && message[field].is_array()) entities = &message[field];
  }
  const std::string& url = delivery.article.url;
  if (!url.empty()) {
    if (mentions(text, url)) return true;
    if (entities != nullptr) {
      for (const json& e : *entities) {
        if (!e.is_object()) continue;
        const std::string type = e.value("type", "");
        if (type == "text_link" && e.contains("url") && e["url"].is_string() &&
            same_url(e["url"].get<std::string>(), url)) {
          return true;
        }
        if (type == "url" && e.contains("offset") && e["offset"].is_number_unsigned() &&
            e.contains("length") && e["length"].is_number_unsigned() &&
            same_url(
                utf16_slice(text, e["offset"].get<std::size_t>(), e["length"].get<std::size_t>()),
                url)) {
          return true;
        }
      }
    }
  }
  return !trim(text).empty() && trim(text) == trim(delivery.post.text);
}

// Where message `id` of `chat` lives: "<numeric chat>:<id>" and its t.me link.
RemoteRef remote_ref(std::string chat, const json* chat_object, std::int64_t id) {
  std::string username;
  if (chat_object != nullptr && chat_object->is_object()) {
    const json& c = *chat_object;
    if (c.contains("id") && c["id"].is_number_integer()) {
      chat = std::to_string(c["id"].get<std::int64_t>());
    }
    if (c.contains("username") && c["username"].is_string()) {
      username = c["username"].get<std::string>();
    }
  }
  RemoteRef r;
  r.id = chat + ":" + std::to_string(id);
  if (!username.empty()) {
    r.url = "https://t.me/" + username + "/" + std::to_string(id);
  } else if (chat.rfind("-100", 0) == 0) {
    r.url = "https://t.me/c/" + chat.substr(4) + "/" + std::to_string(id);
  } else if (chat.rfind("@", 0) == 0) {
    r.url = "https://t.me/" + chat.substr(1) + "/" + std::to_string(id);
  }
  return r;
}

}  // namespace

LookupState LookupState::parse(std::string_view text) {
  LookupState s;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return s;
  auto integer = [](const json& o, const char* key) -> std::int64_t {
    return o.contains(key) && o[key].is_number_integer()
               ? std::max<std::int64_t>(0, o[key].get<std::int64_t>())
               : 0;
  };
  if (j.contains("chat") && j["chat"].is_string()) s.chat = j["chat"].get<std::string>();
  if (j.contains("chat_id") && j["chat_id"].is_number_integer()) {
    s.chat_numeric = std::to_string(j["chat_id"].get<std::int64_t>());
  }
  s.last_message_id = integer(j, "last_message_id");
  if (j.contains("pending") && j["pending"].is_object()) {
    for (const auto& [key, p] : j["pending"].items()) {
      if (!p.is_object()) continue;
      s.pending[key] = Pending{integer(p, "after"), integer(p, "checked"), integer(p, "sent"),
                               p.contains("confirmed") && p["confirmed"] == true};
    }
  }
  return s;
}

std::string LookupState::dump() const {
  json j = {{"chat", chat}, {"last_message_id", last_message_id}};
  if (auto n = parse_int(chat_numeric)) j["chat_id"] = *n;
  json p = json::object();
  for (const auto& [key, entry] : pending) {
    p[key] = {{"after", entry.after}, {"checked", entry.checked}};
    if (entry.sent > 0) p[key]["sent"] = entry.sent;
    if (entry.confirmed) p[key]["confirmed"] = true;
  }
  if (!p.empty()) j["pending"] = p;
  return j.dump();
}

void LookupState::trim() {
  // Confirmed known posts go first (oldest first): their ledger rows are committed; then the
  // oldest of the others (unknown posts, and known ones a ledger may not have recorded).
  while (pending.size() > kMaxPending) {
    auto victim =
        std::min_element(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
          const bool a_done = a.second.sent > 0 && a.second.confirmed;
          const bool b_done = b.second.sent > 0 && b.second.confirmed;
          if (a_done != b_done) return a_done;
          return a.second.after < b.second.after;
        });
    pending.erase(victim);
  }
}

bool LookupState::knows(const std::string& chat_id) const {
  return last_message_id > 0 && !chat_id.empty() &&
         (chat == chat_id || (!chat_numeric.empty() && chat_numeric == chat_id));
}

std::size_t utf16_length(std::string_view utf8) {
  std::size_t units = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    std::size_t n = b < 0x80           ? 1
                    : (b >> 5) == 0x6  ? 2
                    : (b >> 4) == 0xE  ? 3
                    : (b >> 3) == 0x1E ? 4
                                       : 0;
    bool ok = n != 0 && i + n <= utf8.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(utf8[i + k]) & 0xC0) == 0x80;
    }
    if (!ok) {
      ++units;  // a stray byte: one replacement character
      ++i;
      continue;
    }
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return units;
}

std::size_t TelegramRules::measure(std::string_view utf8) const { return utf16_length(utf8); }

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string post_html(const Post& post) {
  std::vector<const Facet*> links;
  for (const auto& f : post.facets) {
    if (f.kind == Facet::Kind::kLink && f.byte_start < f.byte_end &&
        f.byte_end <= post.text.size() && is_http_url(f.value)) {
      links.push_back(&f);
    }
  }
  std::sort(links.begin(), links.end(),
            [](const Facet* a, const Facet* b) { return a->byte_start < b->byte_start; });
  const std::string_view text = post.text;
  std::string out;
  std::size_t pos = 0;
  for (const Facet* f : links) {
    if (f->byte_start < pos) continue;  // overlaps the previous link
    out += escape_html(text.substr(pos, f->byte_start - pos));
    out += "<a href=\"" + escape_html(f->value) + "\">";
    out += escape_html(text.substr(f->byte_start, f->byte_end - f->byte_start));
    out += "</a>";
    pos = f->byte_end;
  }
  out += escape_html(text.substr(pos));
  return out;
}

TelegramConnector::TelegramConnector(const AccountSettings& settings,
                                     const ConnectorContext& context,
                                     compose::Template text_template, TelegramOptions options)
    : settings_(settings),
      http_(context.http),
      clock_(context.clock),
      template_(std::move(text_template)),
      options_(std::move(options)),
      state_(context.state) {
  token_ = settings.credentials.at("bot_token").reveal();
  base_url_ = settings.base_url.empty() ? std::string(kDefaultBaseUrl) : settings.base_url;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

core::Result<std::unique_ptr<TelegramConnector>> TelegramConnector::create(
    const AccountSettings& settings, const ConnectorContext& context) {
  const std::string account = "account '" + settings.name + "': ";
  auto token = settings.credentials.find("bot_token");
  if (token == settings.credentials.end() || token->second.empty()) {
    return core::make_error(
        account + "credential 'bot_token' is missing (network telegram needs it)", settings.where);
  }
  const std::string& t = token->second.reveal();
  if (t.find_first_of("/?#% \t\r\n") != std::string::npos) {
    // Never echo the value: it is a secret.
    return core::make_error(account +
                                "credential 'bot_token' is not a bot token (it holds characters "
                                "that cannot be part of the API's URL)",
                            settings.where);
  }
  if (!settings.base_url.empty() && !is_http_url(settings.base_url)) {
    return core::make_error(
        account + "base_url '" + settings.base_url + "' is not an absolute http(s) URL",
        settings.where);
  }
  TelegramOptions options;
  bool have_chat = false;
  for (const auto& [key, option] : settings.options) {
    if (key == "chat_id") {
      const std::string id(trim(option.value));
      if (!valid_chat_id(id)) {
        return core::make_error(account +
                                    "option 'chat_id' must be \"@channelusername\" or a numeric "
                                    "chat id (e.g. -1001234567890), not '" +
                                    option.value + "'",
                                option.where);
      }
      options.chat_id = id;
      have_chat = true;
    } else if (key == "link_preview") {
      const std::string v = lower(trim(option.value));
      if (v == "true") {
        options.link_preview = LinkPreview::kOn;
      } else if (v == "false") {
        options.link_preview = LinkPreview::kOff;
      } else if (v == "large") {
        options.link_preview = LinkPreview::kLarge;
      } else if (v == "small") {
        options.link_preview = LinkPreview::kSmall;
      } else {
        return core::make_error(
            account + "option 'link_preview' must be true, false, large or small, not '" +
                option.value + "'",
            option.where);
      }
    } else if (key == "disable_notification") {
      auto b = parse_bool(option.value);
      if (!b) {
        return core::make_error(account +
                                    "option 'disable_notification' must be true or false, not '" +
                                    option.value + "'",
                                option.where);
      }
      options.disable_notification = *b;
    } else if (key == "lookup_chat_id") {
      const std::string id(trim(option.value));
      if (!valid_chat_id(id)) {
        return core::make_error(account +
                                    "option 'lookup_chat_id' must be a numeric chat id (e.g. "
                                    "-4012345678 for a group) or \"@username\", not '" +
                                    option.value + "'",
                                option.where);
      }
      options.lookup_chat_id = id;
    } else {
      return core::make_error(account + "unknown option '" + key +
                                  "' for network telegram (known: chat_id, link_preview, "
                                  "disable_notification, lookup_chat_id)",
                              option.where);
    }
  }
  if (!options.lookup_chat_id.empty() && options.lookup_chat_id == options.chat_id) {
    const auto& where = settings.options.at("lookup_chat_id").where;
    return core::make_error(account +
                                "option 'lookup_chat_id' must be another chat than chat_id (the "
                                "lookup forwards the channel's posts into it)",
                            where);
  }
  if (!have_chat) {
    return core::make_error(account +
                                "option 'chat_id' is required for network telegram "
                                "(\"@channelusername\" or the numeric chat id)",
                            settings.where);
  }
  auto tmpl = compose::Template::parse(
      settings.text_template.empty() ? kDefaultTemplate : std::string_view(settings.text_template),
      settings.where);
  if (!tmpl) {
    auto e = tmpl.error();
    e.message = account + "template: " + e.message;
    return e;
  }
  return std::unique_ptr<TelegramConnector>(
      new TelegramConnector(settings, context, std::move(*tmpl), std::move(options)));
}

core::Result<Post> TelegramConnector::compose(const core::Article& article) const {
  const bool with_image =
      settings_.lead_image && !article.images.empty() && is_http_url(article.images.front().url);
  TelegramRules rules(with_image ? kCaptionLimit : kMessageLimit);
  auto fields = compose::fields_from(article, settings_.site_name, settings_.hashtags);
  auto rendered = template_.render(fields, rules);
  if (!rendered) {
    auto e = rendered.error();
    if (e.where.empty()) e.where = article.source;
    return e;
  }
  Post post;
  post.text = std::move(rendered->text);
  post.length = rules.measure(post.text);
  post.limit = rules.limit();
  post.rule = rules.name() + (with_image ? ", photo caption" : ", message");
  for (const auto& link : rendered->links) {
    post.facets.push_back({Facet::Kind::kLink, link.byte_start, link.byte_end, link.value});
  }
  for (const auto& tag : rendered->tags) {
    post.facets.push_back({Facet::Kind::kTag, tag.byte_start, tag.byte_end, tag.value});
  }
  if (with_image) post.image = article.images.front();
  post.language = article.language.empty() ? settings_.site_language : article.language;
  return post;
}

core::Result<http::ClientResponse> TelegramConnector::call(std::string_view method,
                                                           const std::string& json_body) {
  http::ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + "/bot" + token_ + "/" + std::string(method);
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"Accept", "application/json"});
  request.body = json_body;
  return http_.send(request);
}

std::string TelegramConnector::redact(std::string text) const {
  std::vector<std::string> secrets = {token_};
  if (auto colon = token_.find(':'); colon != std::string::npos) {
    secrets.push_back(token_.substr(colon + 1));  // the secret half, should it appear alone
  }
  for (const auto& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to search for without mangling text
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
      text.replace(pos, secret.size(), Secret::kRedacted);
      pos += std::string_view(Secret::kRedacted).size();
    }
  }
  return text;
}

Outcome TelegramConnector::failure(const core::Result<http::ClientResponse>& response,
                                   std::string_view what) const {
  const std::string on = " (" + std::string(what) + ")";
  if (!response) {
    return make(Kind::kTransient,
                redact("Telegram unreachable" + on + ": " + response.error().to_string()));
  }
  const auto& r = *response;
  auto e = api_error(r);
  const int code = e ? e->code : r.status;
  const std::string detail = e ? e->description : excerpt(r.body);
  auto said = [&](std::string head) { return detail.empty() ? head : head + ": " + detail; };
  const std::string status = std::to_string(code);
  Outcome o;
  if (code == 429) {
    o = make(Kind::kTransient, said("Telegram flood control (429)" + on));
    if (e && e->retry_after) {
      o.retry_at = core::Timestamp{
          clock_.now().unix_seconds + std::max<std::int64_t>(0, *e->retry_after), 0, 0};
      o.pause_until = o.retry_at;  // the wait is the bot's, not this post's
    }
  } else if (code >= 500 || (!e && r.status >= 500)) {
    o = make(Kind::kTransient, said("Telegram server error (" + status + ")" + on));
  } else if (code == 401 || code == 403) {
    o = make(Kind::kStopAccount,
             said("Telegram refused the bot (" + status + ")" + on) +
                 " — check the bot token and that the bot is an administrator of the chat");
  } else if (code == 404) {
    o = make(Kind::kStopAccount,
             said("Telegram does not know this bot (404)" + on) + " — check the bot token");
  } else if (code == 400 && e && e->migrate_to) {
    o = make(Kind::kStopAccount, said("the group moved (400)" + on) +
                                     " — set chat_id = " + std::to_string(*e->migrate_to));
  } else if (code == 400 && about_the_account(detail)) {
    o = make(Kind::kStopAccount, said("Telegram refused the chat (400)" + on) +
                                     " — check chat_id and the bot's rights");
  } else if (code == 400) {
    o = make(Kind::kPermanent, said("Telegram refused the request (400)" + on));
  } else if (r.status >= 200 && r.status < 300) {
    o = make(Kind::kPermanent, said("Telegram answered " + std::to_string(r.status) + on +
                                    " without the expected result"));
  } else {
    o = make(Kind::kPermanent, said("Telegram rejected the request (" + status + ")" + on));
  }
  o.reason = redact(std::move(o.reason));
  return o;
}

Outcome TelegramConnector::sent(const http::ClientResponse& response, std::string reason) const {
  json j = json::parse(response.body, nullptr, false);
  const json* result = nullptr;
  if (j.is_object() && j.value("ok", false) && j.contains("result") && j["result"].is_object()) {
    result = &j["result"];
  }
  if (result == nullptr || !result->contains("message_id") ||
      !(*result)["message_id"].is_number_integer()) {
    // It was accepted: a resend could duplicate it. Recorded as sent, without a reference.
    return make(Kind::kSent, redact(reason) +
                                 " (Telegram answered without a message id: a retraction cannot "
                                 "delete it)");
  }
  const std::int64_t message_id = (*result)["message_id"].get<std::int64_t>();
  Outcome o;
  o.kind = Kind::kSent;
  o.remote = remote_ref(options_.chat_id, result->contains("chat") ? &(*result)["chat"] : nullptr,
                        message_id);
  o.reason = redact(std::move(reason));
  return o;
}

core::Result<LookupState> TelegramConnector::load_state() {
  if (state_ == nullptr) {
    return memory_state_ ? LookupState::parse(*memory_state_) : LookupState{};
  }
  auto text = state_->load();
  if (!text) return text.error();
  return *text ? LookupState::parse(**text) : LookupState{};
}

core::Status TelegramConnector::save_state(const LookupState& state) {
  if (state_ == nullptr) {
    memory_state_ = state.dump();
    return core::Ok{};
  }
  return state_->save(state.dump());
}

bool TelegramConnector::confirm_previous(LookupState& state, const std::string& key) {
  if (!unconfirmed_ || *unconfirmed_ == key) return false;  // the same post again: not recorded
  auto entry = state.pending.find(*unconfirmed_);
  unconfirmed_.reset();
  if (entry == state.pending.end() || entry->second.sent == 0 || entry->second.confirmed) {
    return false;
  }
  entry->second.confirmed = true;
  return true;
}

std::string TelegramConnector::note_pending(const Delivery& delivery) {
  auto loaded = load_state();
  if (!loaded) {
    return "could not read the saved message id (" + loaded.error().to_string() +
           "): a lookup after an unknown outcome will not be possible for this post";
  }
  LookupState state = std::move(*loaded);
  if (!state.knows(options_.chat_id)) {
    return "no message id of chat " + options_.chat_id +
           " was known before this post: a lookup after an unknown outcome will not be possible "
           "for it";
  }
  const bool confirmed = confirm_previous(state, delivery.key);
  if (state.pending.count(delivery.key)) {  // an earlier attempt's point stays
    if (confirmed) (void)save_state(state);
    return {};
  }
  state.pending[delivery.key] = LookupState::Pending{state.last_message_id, 0};
  state.trim();
  if (auto saved = save_state(state); !saved) {
    return "could not save the message id before this post (" + saved.error().to_string() +
           "): a lookup after an unknown outcome will not be possible for it";
  }
  return {};
}

void TelegramConnector::remember(Outcome& outcome, const Delivery& delivery) {
  const bool sent = outcome.kind == Kind::kSent;
  if (!sent && outcome.kind != Kind::kPermanent) return;  // it may still be retried or found
  auto loaded = load_state();
  LookupState state = loaded ? std::move(*loaded) : LookupState{};
  if (sent) {
    const auto colon = outcome.remote.id.rfind(':');
    auto id =
        colon == std::string::npos ? std::nullopt : parse_int(outcome.remote.id.substr(colon + 1));
    if (!id) return;  // no id: nothing to remember (a lookup would find it by its URL)
    const std::string numeric = outcome.remote.id.substr(0, colon);
    if (!state.knows(options_.chat_id)) state = LookupState{};  // another chat: start over
    state.chat = options_.chat_id;
    if (parse_int(numeric)) state.chat_numeric = numeric;
    state.last_message_id = std::max(state.last_message_id, *id);
  }
  if (auto entry = state.pending.find(delivery.key); entry != state.pending.end()) {
    if (sent) {
      const auto colon = outcome.remote.id.rfind(':');
      if (auto id = colon == std::string::npos ? std::nullopt
                                               : parse_int(outcome.remote.id.substr(colon + 1))) {
        entry->second.sent = *id;
        entry->second.confirmed = false;
        unconfirmed_ = delivery.key;
      }
    } else {
      state.pending.erase(entry);
    }
  } else if (!sent) {
    return;
  }
  state.trim();
  if (auto saved = save_state(state); !saved) {
    outcome.reason +=
        redact(" (could not save the message id for lookups: " + saved.error().to_string() + ")");
  }
}

Outcome TelegramConnector::publish(const Delivery& delivery) {
  Outcome o = send(delivery);
  remember(o, delivery);
  return o;
}

Outcome TelegramConnector::send(const Delivery& delivery) {
  const Post& post = delivery.post;
  const std::string html = post_html(post);
  const std::string pending = options_.lookup_chat_id.empty() ? "" : note_pending(delivery);
  std::string resent;
  if (delivery.recovering && options_.lookup_chat_id.empty()) {
    resent =
        " (sent again after an unknown outcome: without lookup_chat_id Telegram offers no lookup "
        "or idempotency key, a duplicate is possible)";
  } else if (!pending.empty()) {
    resent = " (" + pending + ")";
  }

  std::string skipped;
  if (post.image && is_http_url(post.image->url)) {
    json photo = {{"chat_id", chat_json(options_.chat_id)},
                  {"photo", post.image->url},
                  {"caption", html},
                  {"parse_mode", "HTML"}};
    if (options_.disable_notification) photo["disable_notification"] = true;
    auto response = call("sendPhoto", photo.dump());
    if (accepted(response)) return sent(*response, "posted with the photo" + resent);
    Outcome o = failure(response, "sendPhoto");
    auto e = response ? api_error(*response) : std::nullopt;
    if (!(o.kind == Kind::kPermanent && e && e->code == 400 && about_the_photo(e->description))) {
      o.reason += resent;
      return o;
    }
    skipped = "Telegram could not use the photo: " + o.reason;
  }

  json message = {{"chat_id", chat_json(options_.chat_id)}, {"text", html}, {"parse_mode", "HTML"}};
  json preview = json::object();
  switch (options_.link_preview) {
    case LinkPreview::kOff:
      preview["is_disabled"] = true;
      break;
    case LinkPreview::kOn:
      break;
    case LinkPreview::kLarge:
      preview["prefer_large_media"] = true;
      break;
    case LinkPreview::kSmall:
      preview["prefer_small_media"] = true;
      break;
  }
  if (options_.link_preview != LinkPreview::kOff && is_http_url(delivery.article.url)) {
    preview["url"] = delivery.article.url;
  }
  if (!preview.empty()) message["link_preview_options"] = preview;
  if (options_.disable_notification) message["disable_notification"] = true;
  auto response = call("sendMessage", message.dump());
  if (accepted(response)) {
    return sent(*response,
                (skipped.empty() ? "posted" : "posted without the photo: " + skipped) + resent);
  }
  Outcome o = failure(response, "sendMessage");
  if (!skipped.empty()) o.reason += " (after " + skipped + ")";
  o.reason += resent;
  return o;
}

Outcome TelegramConnector::find(const Delivery& delivery) {
  if (options_.lookup_chat_id.empty()) {
    return make(Kind::kNotFound,
                "Telegram bots cannot read a chat's posts and no lookup_chat_id is set: no lookup "
                "is possible, the post is sent again (a duplicate is possible)");
  }
  return lookup(delivery);
}

Outcome TelegramConnector::lookup(const Delivery& delivery) {
  auto loaded = load_state();
  if (!loaded) {
    return make(Kind::kTransient, redact("cannot tell whether the post went out: the saved "
                                         "message id cannot be read (" +
                                         loaded.error().to_string() + ")"));
  }
  LookupState state = std::move(*loaded);
  if (confirm_previous(state, delivery.key)) (void)save_state(state);
  const std::string& chat = options_.chat_id;
  auto entry = state.pending.find(delivery.key);
  if (entry != state.pending.end() && entry->second.sent > 0) {
    unconfirmed_ = delivery.key;  // recorded by the engine only after this answer
    // Sent (or found) before, and the process died before the ledger said so.
    Outcome o;
    o.kind = Kind::kSent;
    json chat_object = json::object();
    if (auto n = parse_int(state.chat_numeric)) chat_object["id"] = *n;
    if (chat.rfind("@", 0) == 0) chat_object["username"] = chat.substr(1);
    o.remote = remote_ref(chat, &chat_object, entry->second.sent);
    o.reason = "already sent as message " + o.remote.id + " (saved before the restart)";
    return o;
  }
  if (!state.knows(chat) || entry == state.pending.end() || entry->second.after == 0) {
    return make(Kind::kNotFound,
                "no message id of chat " + chat +
                    " was saved before this post's first attempt (the account's first post, or "
                    "chat_id or the state changed): no lookup is possible, the post is sent again "
                    "(a duplicate is possible)");
  }
  const std::int64_t after = entry->second.after;
  std::int64_t existing = std::max(after, entry->second.checked);  // the last id that exists
  const std::int64_t first = existing + 1;
  auto range = [&](std::int64_t last) {
    return "ids " + std::to_string(first) + "–" + std::to_string(last) + " of chat " + chat;
  };
  // Ids looked at stay looked at: the next find() goes on after them.
  auto keep_progress = [&] {
    if (existing <= entry->second.checked) return;
    entry->second.checked = existing;
    (void)save_state(state);
  };
  int misses = 0;
  int copies = 0;
  int undeleted = 0;
  int requests = 0;
  for (std::int64_t id = first;; ++id) {
    if (copies >= kProbeLimit || requests >= kProbeRequestLimit) {
      keep_progress();
      Outcome o = make(Kind::kTransient,
                       "cannot tell yet whether the post went out: " + range(id - 1) +
                           " hold other messages than this article's; the next lookup goes on "
                           "from id " +
                           std::to_string(existing + 1));
      o.progress = true;
      return o;
    }
    json body = {{"chat_id", chat_json(options_.lookup_chat_id)},
                 {"from_chat_id", chat_json(chat)},
                 {"message_id", id},
                 {"disable_notification", true}};
    auto response = call("forwardMessage", body.dump());
    ++requests;
    if (accepted(response)) {
      ++copies;
      json j = json::parse(response->body, nullptr, false);
      const json message = j.contains("result") && j["result"].is_object() ? j["result"] : json();
      // The copy leaves the lookup chat again (best effort: it is only a copy).
      if (message.contains("message_id") && message["message_id"].is_number_integer()) {
        json del = {{"chat_id", chat_json(options_.lookup_chat_id)},
                    {"message_id", message["message_id"]}};
        if (!accepted(call("deleteMessage", del.dump()))) ++undeleted;
        ++requests;
      } else {
        ++undeleted;
      }
      if (message.is_object() && is_the_post(message, delivery)) {
        const json* origin = nullptr;
        if (message.contains("forward_origin") && message["forward_origin"].is_object() &&
            message["forward_origin"].contains("chat")) {
          origin = &message["forward_origin"]["chat"];
        }
        Outcome o;
        o.kind = Kind::kSent;
        o.remote = remote_ref(state.chat_numeric.empty() ? chat : state.chat_numeric, origin, id);
        o.reason = "found as message " + o.remote.id + " by forwarding " + range(id) +
                   " into the lookup chat";
        if (undeleted > 0) {
          o.reason += " (" + std::to_string(undeleted) +
                      " forwarded copies could not be deleted from the lookup chat)";
        }
        state.last_message_id = std::max(state.last_message_id, id);
        entry->second.sent = id;  // kept until trimmed: the ledger records it after this
        entry->second.confirmed = false;
        unconfirmed_ = delivery.key;
        state.trim();
        if (auto saved = save_state(state); !saved) {
          o.reason += " (could not save the message id: " + saved.error().to_string() + ")";
        }
        o.reason = redact(std::move(o.reason));
        return o;
      }
      existing = id;
      misses = 0;
      continue;
    }
    auto e = response ? api_error(*response) : std::nullopt;
    if (e && e->code == 400 &&
        (has(e->description, "message to forward not found") ||
         has(e->description, "message not found"))) {
      if (++misses < kMissesToConclude) continue;
      // No message after `existing`: the post did not go out.
      state.last_message_id = std::max(state.last_message_id, existing);
      state.pending.erase(entry);
      Outcome o = make(Kind::kNotFound, "not in chat " + chat + ": no message after id " +
                                            std::to_string(existing) + " (" + range(id) +
                                            " looked at through the lookup chat)");
      if (auto saved = save_state(state); !saved) {
        o.reason += redact(" (could not save the message id: " + saved.error().to_string() + ")");
      }
      return o;
    }
    if (e && e->code == 400 && has(e->description, "protected content")) {
      keep_progress();
      return make(Kind::kStopAccount,
                  "Telegram refused to forward from chat " + chat + " (" + e->description +
                      "): the channel restricts saving content, so lookup_chat_id cannot work — "
                      "allow saving content in the channel's settings, or remove lookup_chat_id "
                      "(a recovery then sends again: a duplicate is possible)");
    }
    if (e && e->code == 400 && has(e->description, "can't be forwarded")) {
      existing = id;  // a service message (e.g. "channel photo updated"): someone else's
      misses = 0;
      continue;
    }
    Outcome o = failure(response, "forwardMessage into the lookup chat");
    keep_progress();
    if (o.kind == Kind::kPermanent) {
      // Not a verdict on the post: never "failed for good" because a lookup went wrong.
      o.kind = Kind::kTransient;
      o.reason = "cannot tell whether the post went out: " + o.reason;
    } else if (o.kind == Kind::kStopAccount) {
      o.reason += " (the lookup forwards from chat_id " + chat + " into lookup_chat_id " +
                  options_.lookup_chat_id +
                  ": check both, and that the bot may post in the lookup chat)";
    }
    return o;
  }
}

Outcome TelegramConnector::remove(const RemoteRef& remote) {
  std::string chat = options_.chat_id;
  std::string message = remote.id;
  if (auto colon = remote.id.rfind(':'); colon != std::string::npos) {
    chat = remote.id.substr(0, colon);
    message = remote.id.substr(colon + 1);
  }
  auto message_id = parse_int(message);
  if (!message_id || chat.empty()) {
    return make(Kind::kPermanent, "not a Telegram message reference: '" + remote.id + "'");
  }
  json body = {{"chat_id", chat_json(chat)}, {"message_id", *message_id}};
  auto response = call("deleteMessage", body.dump());
  if (accepted(response)) {
    Outcome o = make(Kind::kSent, "deleted message " + remote.id);
    o.remote = remote;
    return o;
  }
  if (response) {
    auto e = api_error(*response);
    if (e && e->code == 400 &&
        lower(e->description).find("message to delete not found") != std::string::npos) {
      return make(Kind::kNotFound, "message " + remote.id + " is already gone");
    }
  }
  return failure(response, "deleteMessage");
}

}  // namespace syndicated::connectors::telegram

namespace syndicated::connectors {

Registry::Network telegram_network() {
  Registry::Network n;
  n.name = std::string(telegram::kNetworkName);
  n.description = "Telegram: a bot posts to a channel through the Bot API (HTML parse mode)";
  n.credentials = {"bot_token"};
  n.factory = [](const AccountSettings& settings,
                 const ConnectorContext& context) -> core::Result<std::unique_ptr<Connector>> {
    auto connector = telegram::TelegramConnector::create(settings, context);
    if (!connector) return connector.error();
    return std::unique_ptr<Connector>(std::move(*connector));
  };
  return n;
}

}  // namespace syndicated::connectors
