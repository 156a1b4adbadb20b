#include "connectors/x/x_connector.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace syndicated::connectors::x {
namespace {

using nlohmann::json;
using Kind = Outcome::Kind;

constexpr std::string_view kDuplicate = "duplicate content";
constexpr std::size_t kMaxReasonBody = 300;
constexpr int kMaxLookupPages = 10;  // find() reads at most this many timeline pages

// X's time parameters: "YYYY-MM-DDTHH:mm:ssZ" (UTC, no fraction).
std::string x_time(const core::Timestamp& t) {
  core::Timestamp utc{t.unix_seconds, 0, 0};
  std::string s = core::format_rfc3339(utc);  // "...T..:..:..Z" for a whole second in UTC
  return s;
}

std::optional<std::string_view> header(const http::ClientResponse& r, std::string_view name) {
  for (const auto& h : r.headers) {
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

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// x-rate-limit-reset: unix seconds.
std::optional<core::Timestamp> rate_limit_reset(const http::ClientResponse& r) {
  auto v = header(r, "x-rate-limit-reset");
  if (!v) return std::nullopt;
  auto n = parse_int(*v);
  if (!n) return std::nullopt;
  return core::Timestamp{*n, 0, 0};
}

// Retry-After: delay-seconds or an HTTP-date.
std::optional<core::Timestamp> retry_after(const http::ClientResponse& r,
                                           const core::Clock& clock) {
  auto v = header(r, "retry-after");
  if (!v) return std::nullopt;
  if (auto n = parse_int(*v)) return core::Timestamp{clock.now().unix_seconds + *n, 0, 0};
  if (auto d = core::parse_http_date(trim(*v))) return core::Timestamp{*d, 0, 0};
  return std::nullopt;
}

void keep_later(std::optional<core::Timestamp>& into, const std::optional<core::Timestamp>& t) {
  if (t && (!into || *into < *t)) into = t;
}

// X's error bodies: {"title","detail","type","status"} (v2 problems) or {"errors":[{"message"}]}
// (also v1.1 style, and v2 validation errors, with a top-level detail that says less).
std::string error_message(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    std::string joined;
    if (auto it = j.find("errors"); it != j.end() && it->is_array()) {
      for (const auto& e : *it) {
        std::string m;
        if (e.is_object()) {
          if (auto mi = e.find("message"); mi != e.end() && mi->is_string()) {
            m = mi->get<std::string>();
          } else if (auto di = e.find("detail"); di != e.end() && di->is_string()) {
            m = di->get<std::string>();
          }
        }
        if (!m.empty()) joined += (joined.empty() ? "" : "; ") + m;
      }
    }
    if (!joined.empty()) return joined;
    for (const char* key : {"detail", "title", "error"}) {
      if (auto it = j.find(key);
          it != j.end() && it->is_string() && !it->get<std::string>().empty())
        return it->get<std::string>();
    }
  }
  // Not JSON: a short, printable excerpt.
  std::string out;
  for (char c : body.substr(0, kMaxReasonBody)) {
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  if (body.size() > kMaxReasonBody) out += "…";
  return std::string(trim(out));
}

std::string with_detail(std::string head, const std::string& detail) {
  return detail.empty() ? head : head + ": " + detail;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Compares URLs as X may echo them: scheme and host case-insensitive, one trailing '/' ignored.
std::string url_key(std::string_view url) {
  std::string u(trim(url));
  auto scheme = u.find("://");
  if (scheme != std::string::npos) {
    auto host_end = u.find('/', scheme + 3);
    std::string head = lower(u.substr(0, host_end));
    u = head + (host_end == std::string::npos ? "" : u.substr(host_end));
  }
  if (u.size() > 1 && u.back() == '/') u.pop_back();
  return u;
}

Outcome make(Kind kind, std::string reason) {
  Outcome o;
  o.kind = kind;
  o.reason = std::move(reason);
  return o;
}

std::string media_type_of(std::string_view content_type) {
  auto semi = content_type.find(';');
  return lower(trim(content_type.substr(0, semi)));
}

}  // namespace

struct XConnector::Exchange {
  std::optional<core::Timestamp> pause_until;
};

struct XConnector::Upload {
  std::optional<std::string> media_id;
  std::optional<Outcome> stop;  // transient or stop-account: the tweet would fail the same way
  std::string skipped;          // why the post goes without its image
};

XConnector::XConnector(const AccountSettings& settings, const ConnectorContext& context,
                       compose::Template text_template, XOptions options, NonceSource nonces)
    : settings_(settings),
      http_(context.http),
      clock_(context.clock),
      template_(std::move(text_template)),
      options_(options),
      nonces_(std::move(nonces)) {
  auto secret = [&](const char* name) {
    auto it = settings.credentials.find(name);
    return it == settings.credentials.end() ? std::string() : it->second.reveal();
  };
  credentials_ = {secret("consumer_key"), secret("consumer_secret"), secret("access_token"),
                  secret("access_token_secret")};
  base_url_ = settings.base_url.empty() ? std::string(kDefaultBaseUrl) : settings.base_url;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (!nonces_) nonces_ = random_nonce;
}

core::Result<std::unique_ptr<XConnector>> XConnector::create(const AccountSettings& settings,
                                                             const ConnectorContext& context,
                                                             NonceSource nonces) {
  const std::string account = "account '" + settings.name + "': ";
  for (const char* name :
       {"consumer_key", "consumer_secret", "access_token", "access_token_secret"}) {
    auto it = settings.credentials.find(name);
    if (it == settings.credentials.end() || it->second.empty()) {
      return core::make_error(account + "credential '" + name + "' is missing (network x needs it)",
                              settings.where);
    }
  }
  XOptions options;
  for (const auto& [key, option] : settings.options) {
    if (key == "lookup_count") {
      auto n = parse_int(option.value);
      if (!n || *n < 5 || *n > 100) {
        return core::make_error(
            account +
                "option 'lookup_count' must be a number from 5 to 100 (X's max_results), "
                "not '" +
                option.value + "'",
            option.where);
      }
      options.lookup_count = static_cast<std::size_t>(*n);
    } else {
      return core::make_error(
          account + "unknown option '" + key + "' for network x (known: lookup_count)",
          option.where);
    }
  }
  if (!settings.base_url.empty()) {
    auto split = split_url(settings.base_url);
    if (!split ||
        (split->base_url.rfind("https://", 0) != 0 && split->base_url.rfind("http://", 0) != 0)) {
      return core::make_error(
          account + "base_url '" + settings.base_url + "' is not an absolute http(s) URL",
          settings.where);
    }
  }
  auto tmpl = compose::Template::parse(
      settings.text_template.empty() ? kDefaultTemplate : std::string_view(settings.text_template),
      settings.where);
  if (!tmpl) {
    auto e = tmpl.error();
    e.message = account + "template: " + e.message;
    return e;
  }
  return std::unique_ptr<XConnector>(
      new XConnector(settings, context, std::move(*tmpl), options, std::move(nonces)));
}

std::string XConnector::tweet_url(std::string_view id) {
  return "https://x.com/i/web/status/" + std::string(id);
}

core::Result<Post> XConnector::compose(const core::Article& article) const {
  auto fields = compose::fields_from(article, settings_.site_name, settings_.hashtags);
  auto rendered = template_.render(fields, rules_);
  if (!rendered) {
    auto e = rendered.error();
    if (e.where.empty()) e.where = article.source;
    return e;
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
  if (settings_.lead_image && !article.images.empty() && !article.images.front().url.empty()) {
    post.image = article.images.front();
  }
  post.language = article.language.empty() ? settings_.site_language : article.language;
  return post;
}

core::Result<http::ClientResponse> XConnector::send_signed(Exchange& ex, std::string method,
                                                           std::string url, std::string body,
                                                           std::string content_type) {
  auto signature = sign(credentials_, method, url, {}, nonces_(), clock_.now().unix_seconds);
  if (!signature) return signature.error();
  http::ClientRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.headers.push_back({"Authorization", std::move(signature->authorization_header)});
  request.headers.push_back({"Accept", "application/json"});
  if (!content_type.empty()) request.headers.push_back({"Content-Type", std::move(content_type)});
  request.body = std::move(body);
  auto response = http_.send(request);
  if (response) {
    auto remaining = header(*response, "x-rate-limit-remaining");
    if (remaining && parse_int(*remaining) == std::int64_t{0}) {
      keep_later(ex.pause_until, rate_limit_reset(*response));
    }
  }
  return response;
}

Outcome XConnector::failure(const core::Result<http::ClientResponse>& response,
                            std::string_view what) const {
  const std::string on = " (" + std::string(what) + ")";
  if (!response) {
    return make(Kind::kTransient, "X unreachable" + on + ": " + response.error().to_string());
  }
  const auto& r = *response;
  const std::string status = std::to_string(r.status);
  const std::string detail = error_message(r.body);
  if (r.status == 429) {
    Outcome o = make(Kind::kTransient, with_detail("X rate limit reached (429)" + on, detail));
    o.retry_at = rate_limit_reset(r);
    if (!o.retry_at) o.retry_at = retry_after(r, clock_);
    return o;
  }
  if (r.status >= 500) {
    Outcome o = make(Kind::kTransient, with_detail("X server error (" + status + ")" + on, detail));
    o.retry_at = retry_after(r, clock_);
    return o;
  }
  if (r.status == 401) {
    return make(Kind::kStopAccount, "X rejected the credentials (401): reconnect the account");
  }
  if (r.status == 402) return make(Kind::kStopAccount, "X API credits exhausted (402)");
  if (r.status == 403) {
    if (lower(detail).find(kDuplicate) != std::string::npos) {
      return make(Kind::kPermanent, with_detail("X refused a duplicate post (403)", detail));
    }
    return make(Kind::kPermanent, with_detail("X refused the request (403)" + on, detail));
  }
  if (r.status >= 200 && r.status < 300) {
    return make(Kind::kPermanent,
                with_detail("X answered " + status + on + " without the expected data", detail));
  }
  return make(Kind::kPermanent,
              with_detail("X rejected the request (" + status + ")" + on, detail));
}

std::string XConnector::redact(std::string text) const {
  for (const std::string* secret : {&credentials_.consumer_secret, &credentials_.token_secret,
                                    &credentials_.token, &credentials_.consumer_key}) {
    if (secret->size() < 4) continue;  // too short to search for without mangling text
    for (auto pos = text.find(*secret); pos != std::string::npos; pos = text.find(*secret, pos)) {
      text.replace(pos, secret->size(), Secret::kRedacted);
      pos += std::string_view(Secret::kRedacted).size();
    }
  }
  return text;
}

Outcome XConnector::finish(Outcome outcome, const Exchange& ex) const {
  keep_later(outcome.pause_until, ex.pause_until);
  outcome.reason = redact(std::move(outcome.reason));
  return outcome;
}

Outcome XConnector::publish(const Delivery& delivery) {
  Exchange ex;
  return finish(publish_once(delivery, ex), ex);
}

Outcome XConnector::find(const Delivery& delivery) {
  Exchange ex;
  return finish(find_once(delivery, ex), ex);
}

XConnector::Upload XConnector::attach_image(const core::Image& image, Exchange& ex) {
  Upload up;
  // 1. The image itself, from the newsroom's server (no credentials go there).
  http::ClientRequest get;
  get.url = image.url;
  get.headers.push_back({"Accept", "image/jpeg, image/png, image/gif, image/webp"});
  auto fetched = http_.send(get);
  if (!fetched) {
    up.skipped = "the image could not be fetched: " + fetched.error().to_string();
    return up;
  }
  if (fetched->status != 200) {
    up.skipped = "the image could not be fetched: HTTP " + std::to_string(fetched->status) +
                 " from " + image.url;
    return up;
  }
  if (fetched->body.empty() || fetched->body.size() > kMaxImageBytes) {
    up.skipped = "the image is " + std::to_string(fetched->body.size()) +
                 " bytes (X takes 1 byte to 5 MB): " + image.url;
    return up;
  }
  auto type = header(*fetched, "content-type");
  std::string media_type = type ? media_type_of(*type) : std::string();
  if (media_type != "image/jpeg" && media_type != "image/png" && media_type != "image/gif" &&
      media_type != "image/webp") {
    up.skipped = "the image's type '" + media_type +
                 "' is not one X takes (jpeg, png, gif, webp): " + image.url;
    return up;
  }

  // 2. Upload (one request: images up to 5 MB need no chunking).
  std::string boundary;
  do {
    boundary = "syndicated-" + nonces_();
  } while (fetched->body.find(boundary) != std::string::npos);
  std::string body;
  body.reserve(fetched->body.size() + 512);
  auto part = [&](std::string_view disposition, std::string_view part_type) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; " + std::string(disposition) +
            "\r\n";
    if (!part_type.empty()) body += "Content-Type: " + std::string(part_type) + "\r\n";
    body += "\r\n";
  };
  part("name=\"media_category\"", {});
  body += "tweet_image\r\n";
  part("name=\"media_type\"", {});
  body += media_type + "\r\n";
  part("name=\"media\"; filename=\"image\"", media_type);
  body += fetched->body;
  body += "\r\n--" + boundary + "--\r\n";

  auto uploaded = send_signed(ex, "POST", base_url_ + "/2/media/upload", std::move(body),
                              "multipart/form-data; boundary=" + boundary);
  if (uploaded && uploaded->status >= 200 && uploaded->status < 300) {
    json j = json::parse(uploaded->body, nullptr, false);
    const json* id = nullptr;
    if (j.is_object() && j.contains("data") && j["data"].is_object() && j["data"].contains("id") &&
        j["data"]["id"].is_string()) {
      id = &j["data"]["id"];
    }
    if (id != nullptr && all_digits(id->get<std::string>())) {
      up.media_id = id->get<std::string>();
      return up;
    }
    up.skipped = "X's media upload answered without a media id";
    return up;
  }
  Outcome o = failure(uploaded, "media upload");
  if (o.kind == Kind::kTransient || o.kind == Kind::kStopAccount) {
    up.stop = std::move(o);
  } else {
    up.skipped = "X refused the image: " + o.reason;
  }
  return up;
}

Outcome XConnector::publish_once(const Delivery& delivery, Exchange& ex) {
  // A recovering delivery was looked up by the engine (find(), Recovery::kLookup) just before:
  // no second timeline read here (X's timeline endpoint has tight rate limits).

  const Post& post = delivery.post;
  json request = {{"text", post.text}};
  std::string skipped;
  if (post.image) {
    Upload up = attach_image(*post.image, ex);
    if (up.stop) return *up.stop;
    if (up.media_id) {
      request["media"] = {{"media_ids", json::array({*up.media_id})}};
    } else {
      skipped = up.skipped;
    }
  }

  auto response =
      send_signed(ex, "POST", base_url_ + "/2/tweets", request.dump(), "application/json");
  if (response && response->status >= 200 && response->status < 300) {
    json j = json::parse(response->body, nullptr, false);
    if (j.is_object() && j.contains("data") && j["data"].is_object() && j["data"].contains("id") &&
        j["data"]["id"].is_string()) {
      Outcome o;
      o.kind = Kind::kSent;
      o.remote.id = j["data"]["id"].get<std::string>();
      o.remote.url = tweet_url(o.remote.id);
      o.reason = skipped.empty() ? "posted" : "posted without the image: " + skipped;
      return o;
    }
    // Accepted but unreadable: the tweet may exist; a retry looks it up first.
    return make(Kind::kTransient, "X answered " + std::to_string(response->status) +
                                      " to the post without a tweet id; it will be looked up");
  }
  Outcome o = failure(response, "post");
  if (delivery.recovering && o.kind == Kind::kPermanent &&
      o.reason.find(kDuplicate) != std::string::npos) {
    // Our earlier attempt landed: find it.
    Outcome found = find_once(delivery, ex);
    if (found.kind == Kind::kSent) {
      found.reason = "already posted (duplicate; found by lookup)";
      return found;
    }
  }
  if (!skipped.empty()) o.reason += " (and the image was left out: " + skipped + ")";
  return o;
}

Outcome XConnector::find_once(const Delivery& delivery, Exchange& ex) {
  std::optional<std::string> user_id;
  {
    std::lock_guard lock(mu_);
    user_id = user_id_;
  }
  if (!user_id) {
    auto me = send_signed(ex, "GET", base_url_ + "/2/users/me");
    if (!me || me->status != 200) return failure(me, "users/me");
    json j = json::parse(me->body, nullptr, false);
    if (!(j.is_object() && j.contains("data") && j["data"].is_object() &&
          j["data"].contains("id") && j["data"]["id"].is_string() &&
          all_digits(j["data"]["id"].get<std::string>()))) {
      return make(Kind::kTransient, "X answered users/me without a user id");
    }
    user_id = j["data"]["id"].get<std::string>();
    std::lock_guard lock(mu_);
    user_id_ = user_id;
  }

  // The account's posts since the article's publication (a post of it cannot be older; five
  // minutes of slack for clocks), newest first, page by page: a busy account may have posted
  // more than one page since the lost attempt.
  const std::string wanted = url_key(delivery.article.url);
  const std::string since = x_time(core::Timestamp{delivery.article.published.unix_seconds - 300, 0, 0});
  std::string page_token;
  std::size_t read = 0;
  for (int page = 0; page < kMaxLookupPages; ++page) {
    std::string url = base_url_ + "/2/users/" + *user_id +
                      "/tweets?max_results=" + std::to_string(options_.lookup_count) +
                      "&start_time=" + percent_encode(since) +
                      "&tweet.fields=entities,created_at";
    if (!page_token.empty()) url += "&pagination_token=" + percent_encode(page_token);
    auto timeline = send_signed(ex, "GET", url);
    if (!timeline || timeline->status != 200) return failure(timeline, "timeline lookup");
    json j = json::parse(timeline->body, nullptr, false);
    if (!j.is_object()) return make(Kind::kTransient, "X answered the timeline lookup with no JSON");
    if (!j.contains("data")) {
      // No tweets (left) ({"meta":{"result_count":0}}), or an error object for the user.
      if (j.contains("errors")) {
        return make(Kind::kPermanent,
                    "X could not read the account's posts: " + error_message(timeline->body));
      }
      break;
    }
    if (j["data"].is_array()) {
      for (const auto& tweet : j["data"]) {  // newest first
        ++read;
        if (!tweet.is_object() || !tweet.contains("id") || !tweet["id"].is_string()) continue;
        const json* urls = nullptr;
        if (tweet.contains("entities") && tweet["entities"].is_object() &&
            tweet["entities"].contains("urls") && tweet["entities"]["urls"].is_array()) {
          urls = &tweet["entities"]["urls"];
        }
        if (urls == nullptr) continue;
        for (const auto& u : *urls) {
          if (!u.is_object()) continue;
          for (const char* key : {"expanded_url", "unwound_url"}) {
            if (u.contains(key) && u[key].is_string() &&
                url_key(u[key].get<std::string>()) == wanted) {
              Outcome o;
              o.kind = Kind::kSent;
              o.remote.id = tweet["id"].get<std::string>();
              o.remote.url = tweet_url(o.remote.id);
              o.reason = "found tweet " + o.remote.id + " linking the article";
              return o;
            }
          }
        }
      }
    }
    const json* meta = j.contains("meta") && j["meta"].is_object() ? &j["meta"] : nullptr;
    if (meta == nullptr || !meta->contains("next_token") || !(*meta)["next_token"].is_string())
      break;
    page_token = (*meta)["next_token"].get<std::string>();
  }
  if (!page_token.empty() && read >= kMaxLookupPages * options_.lookup_count) {
    // Could not read back to the publication: saying "not found" could post twice.
    return make(Kind::kTransient, "the account posted over " + std::to_string(read) +
                                      " times since the article's publication; cannot tell "
                                      "whether it was posted");
  }
  return make(Kind::kNotFound, "none of the account's " + std::to_string(read) +
                                   " posts since the article's publication links it");
}

Outcome XConnector::remove(const RemoteRef& remote) {
  Exchange ex;
  if (!all_digits(remote.id)) {
    return finish(make(Kind::kPermanent, "not a tweet id: '" + remote.id + "'"), ex);
  }
  auto response = send_signed(ex, "DELETE", base_url_ + "/2/tweets/" + remote.id);
  if (response && response->status == 404) {
    return finish(make(Kind::kNotFound, "tweet " + remote.id + " is already gone"), ex);
  }
  if (response && response->status == 200) {
    json j = json::parse(response->body, nullptr, false);
    if (j.is_object() && j.contains("data") && j["data"].is_object() &&
        j["data"].value("deleted", false)) {
      Outcome o = make(Kind::kSent, "deleted tweet " + remote.id);
      o.remote = remote;
      return finish(std::move(o), ex);
    }
  }
  return finish(failure(response, "delete"), ex);
}

}  // namespace syndicated::connectors::x

namespace syndicated::connectors {

Registry::Network x_network() {
  Registry::Network n;
  n.name = "x";
  n.description = "X (Twitter): posts through the X API v2 with OAuth 1.0a user context";
  n.credentials = {"consumer_key", "consumer_secret", "access_token", "access_token_secret"};
  n.factory = [](const AccountSettings& settings,
                 const ConnectorContext& context) -> core::Result<std::unique_ptr<Connector>> {
    auto connector = x::XConnector::create(settings, context);
    if (!connector) return connector.error();
    return std::unique_ptr<Connector>(std::move(*connector));
  };
  return n;
}

}  // namespace syndicated::connectors
