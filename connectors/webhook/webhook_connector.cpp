#include "connectors/webhook/webhook_connector.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace syndicated::connectors::webhook {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSecretCredential = "secret";
constexpr std::string_view kGithubCredential = "github_secret";
constexpr std::string_view kUrlOption = "url";
constexpr std::string_view kTimeoutOption = "timeout";
constexpr std::size_t kReasonBodyBytes = 200;

std::string sha256(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    std::abort();  // an OpenSSL without SHA-256: a broken installation
  }
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string message_id(std::string_view material) {
  return "msg_" + hex_encode(sha256(material)).substr(0, 32);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// http(s)://host[...]: a scheme we speak and a non-empty host; no spaces or control characters.
bool valid_url(std::string_view url) {
  const std::string l = lower(url.substr(0, 8));
  std::size_t host_start = 0;
  if (l.starts_with("https://")) {
    host_start = 8;
  } else if (l.starts_with("http://")) {
    host_start = 7;
  } else {
    return false;
  }
  if (host_start >= url.size() || url[host_start] == '/' || url[host_start] == ':' ||
      url[host_start] == '?' || url[host_start] == '#') {
    return false;
  }
  return std::none_of(url.begin(), url.end(),
                      [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

// The body of an answer, shortened for a reason: at most kReasonBodyBytes on a UTF-8 boundary,
// control characters as spaces, and any configured secret replaced (a debugging receiver could
// echo things back; reasons reach logs and the ledger).
std::string reason_excerpt(std::string_view body, const std::vector<std::string>& secrets) {
  // Secrets first, so a cut can never leave half of one.
  std::string text(body);
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + std::strlen(Secret::kRedacted))) {
      text.replace(pos, secret.size(), Secret::kRedacted);
    }
  }
  const bool cut = text.size() > kReasonBodyBytes;
  if (cut) {
    text.resize(kReasonBodyBytes);
    // Back to the start of the last (possibly incomplete) UTF-8 sequence, and drop it.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
      text.pop_back();
    }
    if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (cut) text += "…";
  return text;
}

Json image_json(const std::optional<core::Image>& image) {
  if (!image) return nullptr;
  Json j;
  j["url"] = image->url;
  j["caption"] = image->caption;
  j["type"] = image->type;
  j["width"] = image->width ? Json(*image->width) : Json(nullptr);
  j["height"] = image->height ? Json(*image->height) : Json(nullptr);
  return j;
}

std::string utc_rfc3339(core::Timestamp t) {
  t.offset_minutes = 0;
  return core::format_rfc3339(t);
}

std::string dump(const Json& j) {
  // Minified, UTF-8 as is; invalid UTF-8 (never expected from the store) becomes U+FFFD
  // instead of an exception.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The first header of that name (ASCII case-insensitive). Local rather than
// ClientResponse::header(), so this room links only against the http interface's header.
std::optional<std::string_view> find_header(const http::ClientResponse& response,
                                            std::string_view name) {
  for (const auto& h : response.headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

// Retry-After: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
std::optional<core::Timestamp> retry_after(const http::ClientResponse& response,
                                           const core::Timestamp& now) {
  auto value = find_header(response, "Retry-After");
  if (!value) return std::nullopt;
  std::string_view v = *value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  std::int64_t seconds = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec == std::errc() && ptr == v.data() + v.size() && seconds >= 0) {
    return core::Timestamp{now.unix_seconds + seconds, now.nanos, 0};
  }
  if (auto date = core::parse_http_date(v)) return core::Timestamp{*date, 0, 0};
  return std::nullopt;
}

}  // namespace

WebhookConnector::WebhookConnector(const AccountSettings& settings, const ConnectorContext& context,
                                   std::string url, std::chrono::seconds timeout,
                                   compose::Template text_template, StandardWebhooksSigner signer,
                                   std::string github_secret)
    : account_(settings.name),
      site_name_(settings.site_name),
      site_language_(settings.site_language),
      lead_image_(settings.lead_image),
      hashtags_(settings.hashtags),
      http_(context.http),
      clock_(context.clock),
      url_(std::move(url)),
      timeout_(timeout),
      template_(std::move(text_template)),
      rules_(kTextLimit, 0, 0, "graphemes (webhook, up to 10000)"),
      signer_(std::move(signer)),
      github_secret_(std::move(github_secret)) {
  auto it = settings.credentials.find(std::string(kSecretCredential));
  if (it != settings.credentials.end()) {
    for (std::string_view rest = it->second.reveal(); !rest.empty();) {
      const auto space = rest.find(' ');
      if (space != 0) {
        const std::string_view part = rest.substr(0, space);
        redact_.emplace_back(part);
        if (part.starts_with("whsec_") && part.size() > 6) redact_.emplace_back(part.substr(6));
      }
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  if (!github_secret_.empty()) redact_.push_back(github_secret_);
}

core::Result<std::unique_ptr<WebhookConnector>> WebhookConnector::create(
    const AccountSettings& settings, const ConnectorContext& context) {
  const std::string who = "account '" + settings.name + "': ";
  for (const auto& [key, option] : settings.options) {
    if (key != kUrlOption && key != kTimeoutOption) {
      return core::make_error(
          who + "unknown option '" + key + "' for network webhook (known: timeout, url)",
          option.where.empty() ? settings.where : option.where);
    }
  }
  for (const auto& [key, _] : settings.credentials) {
    if (key != kSecretCredential && key != kGithubCredential) {
      return core::make_error(who + "unknown credential '" + key +
                                  "' for network webhook (known: github_secret, secret)",
                              settings.where);
    }
  }

  auto url_it = settings.options.find(std::string(kUrlOption));
  if (url_it == settings.options.end() || url_it->second.value.empty()) {
    return core::make_error(who + "option 'url' is missing (the endpoint to POST articles to)",
                            settings.where);
  }
  const Option& url = url_it->second;
  const std::string& url_where = url.where.empty() ? settings.where : url.where;
  if (!valid_url(url.value)) {
    // The URL is not repeated: it may carry a token in its query.
    return core::make_error(who + "option 'url' must be an http:// or https:// URL with a host",
                            url_where);
  }

  std::chrono::seconds timeout{0};  // 0: the account's HTTP client's total timeout (timeout_s)
  if (auto t = settings.options.find(std::string(kTimeoutOption)); t != settings.options.end()) {
    const std::string& v = t->second.value;
    int seconds = 0;
    const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    if (ec != std::errc() || ptr != v.data() + v.size() || seconds < 1 || seconds > 300) {
      return core::make_error(who + "option 'timeout' must be a whole number of seconds, 1..300",
                              t->second.where.empty() ? settings.where : t->second.where);
    }
    timeout = std::chrono::seconds(seconds);
  }

  auto secret_it = settings.credentials.find(std::string(kSecretCredential));
  if (secret_it == settings.credentials.end() || secret_it->second.empty()) {
    return core::make_error(who + "credential 'secret' is missing (network webhook needs it)",
                            settings.where);
  }
  auto signer = StandardWebhooksSigner::from_secrets(secret_it->second.reveal());
  if (!signer) {
    return core::make_error(who + "credential 'secret': " + signer.error().message, settings.where);
  }

  std::string github_secret;
  if (auto g = settings.credentials.find(std::string(kGithubCredential));
      g != settings.credentials.end()) {
    if (g->second.empty()) {
      return core::make_error(who + "credential 'github_secret' is empty", settings.where);
    }
    github_secret = g->second.reveal();
  }

  const std::string source =
      settings.text_template.empty() ? std::string(kDefaultTemplate) : settings.text_template;
  auto text_template = compose::Template::parse(source, settings.where);
  if (!text_template) {
    return core::make_error(who + "text template: " + text_template.error().message,
                            text_template.error().where);
  }

  return std::unique_ptr<WebhookConnector>(
      new WebhookConnector(settings, context, url.value, timeout, std::move(text_template).value(),
                           std::move(signer).value(), std::move(github_secret)));
}

core::Result<Post> WebhookConnector::compose(const core::Article& article) const {
  const auto fields = compose::fields_from(article, site_name_, hashtags_);
  auto rendered = template_.render(fields, rules_);
  if (!rendered) {
    return core::make_error(
        "account '" + account_ + "': " + rendered.error().message,
        rendered.error().where.empty() ? article.source : rendered.error().where);
  }
  Post post;
  post.text = std::move(rendered->text);
  post.length = rules_.measure(post.text);
  post.limit = rules_.limit();
  post.rule = rules_.name();
  for (const auto& link : rendered->links) {
    post.facets.push_back({Facet::Kind::kLink, link.byte_start, link.byte_end, link.value});
  }
  for (const auto& tag : rendered->tags) {
    post.facets.push_back({Facet::Kind::kTag, tag.byte_start, tag.byte_end, tag.value});
  }
  if (lead_image_ && !article.images.empty()) post.image = article.images.front();
  post.language = article.language.empty() ? site_language_ : article.language;
  return post;
}

std::string WebhookConnector::publish_body(const Delivery& delivery) const {
  const core::Article& a = delivery.article;
  Json data;
  data["id"] = a.id;
  data["url"] = a.url;
  data["title"] = a.title;
  data["summary"] = a.summary;
  data["language"] = a.language.empty() ? site_language_ : a.language;
  data["published"] = core::format_rfc3339(a.published);
  data["updated"] = a.updated ? Json(core::format_rfc3339(*a.updated)) : Json(nullptr);
  Json authors = Json::array();
  for (const auto& author : a.authors) {
    Json j;
    j["name"] = author.name;
    j["url"] = author.url;
    authors.push_back(std::move(j));
  }
  data["authors"] = std::move(authors);
  Json categories = Json::array();
  for (const auto& term : a.categories) categories.push_back(term.name);
  data["categories"] = std::move(categories);
  Json tags = Json::array();
  for (const auto& term : a.tags) tags.push_back(term.name);
  data["tags"] = std::move(tags);
  data["image"] = image_json(delivery.post.image);
  data["text"] = delivery.post.text;

  Json body;
  body["type"] = "article.published";
  body["timestamp"] = utc_rfc3339(a.published);
  body["data"] = std::move(data);
  return dump(body);
}

std::string WebhookConnector::retract_body(std::string_view article_id,
                                           const core::Timestamp& now) {
  Json body;
  body["type"] = "article.retracted";
  body["timestamp"] = utc_rfc3339(now);
  body["data"] = Json{{"id", std::string(article_id)}};
  return dump(body);
}

std::string WebhookConnector::delivery_webhook_id(std::string_view delivery_key) {
  return message_id(delivery_key);
}

std::string WebhookConnector::retraction_webhook_id(std::string_view article_id) const {
  std::string material = "article.retracted\n";
  material.append(account_).append("\n").append(article_id);
  return message_id(material);
}

Outcome WebhookConnector::publish(const Delivery& delivery) {
  return deliver(delivery_webhook_id(delivery.key), publish_body(delivery), delivery.article.id);
}

Outcome WebhookConnector::find(const Delivery& /*delivery*/) {
  Outcome out;
  out.kind = Outcome::Kind::kNotFound;
  out.reason = "webhook deliveries are not looked up (the webhook-id makes a resend safe)";
  return out;
}

Outcome WebhookConnector::remove(const RemoteRef& remote) {
  if (remote.id.empty()) {
    Outcome out;
    out.kind = Outcome::Kind::kPermanent;
    out.reason = "nothing to retract: the remote reference has no article id";
    return out;
  }
  Outcome out =
      deliver(retraction_webhook_id(remote.id), retract_body(remote.id, clock_.now()), remote.id);
  if (out.kind == Outcome::Kind::kSent) out.remote = remote;
  return out;
}

Outcome WebhookConnector::deliver(const std::string& webhook_id, const std::string& body,
                                  const std::string& article_id) {
  const core::Timestamp now = clock_.now();
  http::ClientRequest request;
  request.method = "POST";
  request.url = url_;
  if (timeout_.count() > 0)
    request.total_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout_);
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"User-Agent", std::string(kUserAgent)});
  request.headers.push_back({"webhook-id", webhook_id});
  request.headers.push_back({"webhook-timestamp", std::to_string(now.unix_seconds)});
  request.headers.push_back(
      {"webhook-signature", signer_.sign(webhook_id, now.unix_seconds, body)});
  if (!github_secret_.empty()) {
    request.headers.push_back({"X-Hub-Signature-256", github_signature(github_secret_, body)});
  }
  request.body = body;

  Outcome out;
  auto result = http_.send(request);
  if (!result) {
    out.kind = Outcome::Kind::kTransient;
    out.reason = "webhook not delivered: " + reason_excerpt(result.error().to_string(), redact_);
    return out;
  }
  const http::ClientResponse& response = *result;
  const int status = response.status;
  const std::string excerpt = reason_excerpt(response.body, redact_);
  const std::string with_body = excerpt.empty() ? "" : ": " + excerpt;

  if (status >= 200 && status <= 299) {
    out.kind = Outcome::Kind::kSent;
    out.remote.id = article_id;
    const Json answer = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (answer.is_object()) {
      if (auto it = answer.find("url"); it != answer.end() && it->is_string()) {
        out.remote.url = it->get<std::string>();
      }
    }
    out.reason = "the endpoint answered " + std::to_string(status);
    return out;
  }
  if (status == 410) {
    out.kind = Outcome::Kind::kStopAccount;
    out.reason = "the endpoint answered 410 Gone: disabled";
    return out;
  }
  if (status == 401 || status == 403) {
    out.kind = Outcome::Kind::kStopAccount;
    out.reason = "the endpoint refused the delivery (" + std::to_string(status) +
                 "): check the account's secret" + with_body;
    return out;
  }
  if (status >= 300 && status <= 399) {
    out.kind = Outcome::Kind::kStopAccount;
    out.reason = "the endpoint redirects (" + std::to_string(status) +
                 "); redirects are not followed: update the account's url";
    return out;
  }
  if (status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599)) {
    out.kind = Outcome::Kind::kTransient;
    out.retry_at = retry_after(response, now);
    if (out.retry_at && (status == 429 || status == 503)) out.pause_until = out.retry_at;
    out.reason = "the endpoint answered " + std::to_string(status) + with_body;
    return out;
  }
  out.kind = Outcome::Kind::kPermanent;
  out.reason = "the endpoint answered " + std::to_string(status) + with_body;
  return out;
}

Registry::Network webhook_network() {
  Registry::Network network;
  network.name = std::string(kNetworkName);
  network.description =
      "POSTs each article as JSON to an endpoint, signed per Standard Webhooks v1";
  network.credentials = {std::string(kSecretCredential)};
  network.factory =
      [](const AccountSettings& settings,
         const ConnectorContext& context) -> core::Result<std::unique_ptr<Connector>> {
    auto connector = WebhookConnector::create(settings, context);
    if (!connector) return connector.error();
    return std::unique_ptr<Connector>(std::move(connector).value());
  };
  return network;
}

}  // namespace syndicated::connectors::webhook
