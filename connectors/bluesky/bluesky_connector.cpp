#include "connectors/bluesky/bluesky_connector.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "connectors/bluesky/tid.hpp"
#include "core/time.hpp"

namespace syndicated::connectors::bluesky {
namespace {

using nlohmann::json;
using Kind = Outcome::Kind;

constexpr std::size_t kMaxReasonBody = 300;
constexpr std::size_t kTokensKept = 6;
constexpr int kStateVersion = 1;

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

// (http::ClientResponse::header() lives in the HTTP library, which connectors do not link.)
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

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RateLimit-Reset: unix seconds.
std::optional<core::Timestamp> rate_limit_reset(const http::ClientResponse& r) {
  auto v = header(r, "ratelimit-reset");
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

// XRPC errors: {"error":"InvalidRequest","message":"..."}.
struct XrpcError {
  std::string error;
  std::string message;
};

XrpcError xrpc_error(const std::string& body) {
  XrpcError e;
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    if (auto it = j.find("error"); it != j.end() && it->is_string()) e.error = *it;
    if (auto it = j.find("message"); it != j.end() && it->is_string()) e.message = *it;
    return e;
  }
  for (char c : body.substr(0, kMaxReasonBody)) {
    e.message += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  if (body.size() > kMaxReasonBody) e.message += "…";
  e.message = std::string(trim(e.message));
  return e;
}

std::string describe(const http::ClientResponse& r) {
  const XrpcError e = xrpc_error(r.body);
  std::string out = std::to_string(r.status);
  if (!e.error.empty()) out += " " + e.error;
  if (!e.message.empty() && e.message != e.error) out += ": " + e.message;
  return out;
}

bool is_auth_failure(const http::ClientResponse& r) {
  if (r.status == 401) return true;
  if (r.status != 400) return false;
  const std::string error = xrpc_error(r.body).error;
  return error == "ExpiredToken" || error == "InvalidToken";
}

bool is_account_block(const std::string& error) {
  return error == "AccountTakedown" || error == "AccountDeactivated" || error == "AccountSuspended";
}

Outcome make(Kind kind, std::string reason) {
  Outcome o;
  o.kind = kind;
  o.reason = std::move(reason);
  return o;
}

bool ok(const http::ClientResponse& r) { return r.status >= 200 && r.status < 300; }

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string media_type_of(std::string_view content_type) {
  auto semi = content_type.find(';');
  return lower(trim(content_type.substr(0, semi)));
}

// at://<repo>/<collection>/<rkey>
struct AtUri {
  std::string repo, collection, rkey;
};
std::optional<AtUri> parse_at_uri(std::string_view uri) {
  constexpr std::string_view kScheme = "at://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  uri.remove_prefix(kScheme.size());
  auto a = uri.find('/');
  if (a == std::string_view::npos) return std::nullopt;
  auto b = uri.find('/', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  AtUri out{std::string(uri.substr(0, a)), std::string(uri.substr(a + 1, b - a - 1)),
            std::string(uri.substr(b + 1))};
  if (out.repo.empty() || out.collection.empty() || out.rkey.empty() ||
      out.rkey.find('/') != std::string::npos) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> string_field(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

struct BlueskyConnector::Exchange {
  std::optional<core::Timestamp> pause_until;
  bool logged_in = false;  // a createSession happened during this call
};

struct BlueskyConnector::Call {
  // Set when the session logic decided the outcome (no usable session).
  std::optional<Outcome> outcome;
  // Otherwise the answer to the call (any status but an auth refusal), or a transport error.
  core::Result<http::ClientResponse> response = core::make_error("not sent");
};

BlueskyConnector::BlueskyConnector(const AccountSettings& settings, const ConnectorContext& context,
                                   compose::Template text_template, BlueskyOptions options)
    : settings_(settings),
      http_(context.http),
      clock_(context.clock),
      state_(context.state),
      template_(std::move(text_template)),
      rules_(kMaxGraphemes, 0, kMaxTextBytes, "graphemes (URLs in full), at most 3000 UTF-8 bytes"),
      options_(options) {
  identifier_ = settings.credentials.at("identifier").reveal();
  app_password_ = settings.credentials.at("app_password").reveal();
  base_url_ = settings.base_url.empty() ? std::string(kDefaultBaseUrl) : settings.base_url;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

core::Result<std::unique_ptr<BlueskyConnector>> BlueskyConnector::create(
    const AccountSettings& settings, const ConnectorContext& context) {
  const std::string account = "account '" + settings.name + "': ";
  for (const char* name : {"identifier", "app_password"}) {
    auto it = settings.credentials.find(name);
    if (it == settings.credentials.end() || it->second.empty()) {
      return core::make_error(
          account + "credential '" + name + "' is missing (network bluesky needs it)",
          settings.where);
    }
  }
  BlueskyOptions options;
  for (const auto& [key, option] : settings.options) {
    if (key == "link_card") {
      if (option.value == "true") {
        options.link_card = true;
      } else if (option.value == "false") {
        options.link_card = false;
      } else {
        return core::make_error(
            account + "option 'link_card' must be true or false, not '" + option.value + "'",
            option.where);
      }
    } else {
      return core::make_error(
          account + "unknown option '" + key + "' for network bluesky (known: link_card)",
          option.where);
    }
  }
  if (!settings.base_url.empty()) {
    const std::string& u = settings.base_url;
    const bool scheme = u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0;
    const auto host_start = u.find("://") + 3;
    if (!scheme || host_start >= u.size() || u[host_start] == '/' ||
        u.find_first_of("?# ") != std::string::npos) {
      return core::make_error(account + "base_url '" + u + "' is not an absolute http(s) URL",
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
  return std::unique_ptr<BlueskyConnector>(
      new BlueskyConnector(settings, context, std::move(*tmpl), options));
}

std::string BlueskyConnector::record_key(const Delivery& delivery) {
  // The planned publication time, not the article's current one: an editor moving the date
  // between two attempts must not change the record key (a second record would be a duplicate).
  const core::Timestamp& published = delivery.planned_published.unix_seconds != 0
                                         ? delivery.planned_published
                                         : delivery.article.published;
  return deterministic_tid(published, delivery.key);
}

std::string BlueskyConnector::post_url(std::string_view at_uri) {
  auto u = parse_at_uri(at_uri);
  if (!u || u->collection != kPostCollection) return {};
  return "https://bsky.app/profile/" + u->repo + "/post/" + u->rkey;
}

core::Result<Post> BlueskyConnector::compose(const core::Article& article) const {
  auto fields = compose::fields_from(article, settings_.site_name, settings_.hashtags);
  auto rendered = template_.render(fields, rules_);
  if (!rendered) {
    auto e = rendered.error();
    if (e.where.empty()) e.where = article.source;
    return e;
  }
  Post post;
  post.text = std::move(rendered->text);
  post.length = compose::grapheme_count(post.text);
  post.limit = rules_.limit();
  post.rule = rules_.name();
  for (const auto& link : rendered->links) {
    post.facets.push_back({Facet::Kind::kLink, link.byte_start, link.byte_end, link.value});
  }
  for (const auto& tag : rendered->tags) {
    post.facets.push_back({Facet::Kind::kTag, tag.byte_start, tag.byte_end, tag.value});
  }
  std::sort(post.facets.begin(), post.facets.end(),
            [](const Facet& a, const Facet& b) { return a.byte_start < b.byte_start; });
  // The lead image becomes the link card's thumbnail.
  if (options_.link_card && settings_.lead_image && !article.url.empty() &&
      !article.images.empty() && !article.images.front().url.empty()) {
    post.image = article.images.front();
  }
  post.language = article.language.empty() ? settings_.site_language : article.language;
  return post;
}

// --- session ---------------------------------------------------------------------------------

void BlueskyConnector::load_session() {
  if (loaded_) return;
  loaded_ = true;
  if (state_ == nullptr) return;
  auto stored = state_->load();
  if (!stored || !*stored) return;  // unreadable or nothing saved: log in when needed
  json j = json::parse(**stored, nullptr, false);
  if (!j.is_object() || j.value("version", 0) != kStateVersion) return;
  // A session of another account or service is not ours (the config changed).
  if (string_field(j, "service") != base_url_ || string_field(j, "identifier") != identifier_) {
    return;
  }
  Session s;
  auto did = string_field(j, "did");
  auto access = string_field(j, "accessJwt");
  auto refresh = string_field(j, "refreshJwt");
  if (!did || !access || !refresh || did->empty() || refresh->empty()) return;
  s.did = *did;
  s.handle = string_field(j, "handle").value_or("");
  s.access_jwt = *access;
  s.refresh_jwt = *refresh;
  tokens_seen_.push_back(s.access_jwt);
  tokens_seen_.push_back(s.refresh_jwt);
  session_ = std::move(s);
}

void BlueskyConnector::save_session() {
  if (session_) {
    for (const std::string* t : {&session_->access_jwt, &session_->refresh_jwt}) {
      tokens_seen_.push_back(*t);
    }
    while (tokens_seen_.size() > kTokensKept) tokens_seen_.erase(tokens_seen_.begin());
  }
  if (state_ == nullptr) return;
  json j = json::object();
  if (session_) {
    j = {{"version", kStateVersion},           {"service", base_url_},
         {"identifier", identifier_},          {"did", session_->did},
         {"handle", session_->handle},         {"accessJwt", session_->access_jwt},
         {"refreshJwt", session_->refresh_jwt}};
  }
  // A failed save only costs a login after the next restart; the session stays in memory.
  (void)state_->save(j.dump());
}

std::optional<Outcome> BlueskyConnector::ensure_session(Exchange& ex) {
  load_session();
  if (session_) return std::nullopt;
  return login(ex);
}

std::optional<Outcome> BlueskyConnector::login(Exchange& ex) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = base_url_ + "/xrpc/com.atproto.server.createSession";
  req.headers.push_back({"Content-Type", "application/json"});
  req.headers.push_back({"Accept", "application/json"});
  req.body = json{{"identifier", identifier_}, {"password", app_password_}}.dump();
  auto r = send(ex, std::move(req));
  ex.logged_in = true;
  if (!r) {
    return make(Kind::kTransient, "Bluesky unreachable (login): " + r.error().to_string());
  }
  if (ok(*r)) {
    json j = json::parse(r->body, nullptr, false);
    auto did = string_field(j, "did");
    auto access = string_field(j, "accessJwt");
    auto refresh = string_field(j, "refreshJwt");
    if (!did || !access || !refresh) {
      return make(Kind::kTransient, "Bluesky answered the login without a session");
    }
    session_ = Session{*did, string_field(j, "handle").value_or(""), *access, *refresh};
    save_session();
    return std::nullopt;
  }
  Outcome o = failure(r, "login");
  if (o.kind != Kind::kTransient) {
    // A refused login (wrong identifier or app password, a revoked app password, 2FA) needs the
    // operator: posting again and again would only burn the daily login allowance.
    o.kind = Kind::kStopAccount;
    o.reason = "Bluesky refused the login with the app password (" + describe(*r) +
               "): check the account's identifier and app_password";
  }
  return o;
}

std::optional<Outcome> BlueskyConnector::refresh(Exchange& ex) {
  if (!session_ || session_->refresh_jwt.empty()) {
    return make(Kind::kStopAccount, "no refresh token");
  }
  http::ClientRequest req;
  req.method = "POST";
  req.url = base_url_ + "/xrpc/com.atproto.server.refreshSession";
  req.headers.push_back({"Authorization", "Bearer " + session_->refresh_jwt});
  req.headers.push_back({"Accept", "application/json"});
  auto r = send(ex, std::move(req));
  if (!r) {
    return make(Kind::kTransient,
                "Bluesky unreachable (session refresh): " + r.error().to_string());
  }
  if (ok(*r)) {
    json j = json::parse(r->body, nullptr, false);
    auto access = string_field(j, "accessJwt");
    auto refresh_jwt = string_field(j, "refreshJwt");
    if (!access || !refresh_jwt) {
      return make(Kind::kTransient, "Bluesky answered the session refresh without tokens");
    }
    session_->access_jwt = *access;
    session_->refresh_jwt = *refresh_jwt;
    if (auto did = string_field(j, "did")) session_->did = *did;
    if (auto handle = string_field(j, "handle")) session_->handle = *handle;
    save_session();
    return std::nullopt;
  }
  Outcome o = failure(r, "session refresh");
  if (o.kind == Kind::kTransient) return o;
  // Refused (expired, revoked, taken down ...): the caller logs in again.
  session_.reset();
  save_session();
  o.kind = Kind::kStopAccount;
  return o;
}

core::Result<http::ClientResponse> BlueskyConnector::send(Exchange& ex,
                                                          http::ClientRequest request) {
  auto response = http_.send(request);
  if (response) {
    auto remaining = header(*response, "ratelimit-remaining");
    if (remaining && parse_int(*remaining) == std::int64_t{0}) {
      keep_later(ex.pause_until, rate_limit_reset(*response));
    }
  }
  return response;
}

BlueskyConnector::Call BlueskyConnector::xrpc(Exchange& ex, std::string method, std::string nsid,
                                              std::string query, std::string body,
                                              std::string content_type) {
  Call call;
  if (auto o = ensure_session(ex)) {
    call.outcome = std::move(o);
    return call;
  }
  auto attempt = [&] {
    http::ClientRequest req;
    req.method = method;
    req.url = base_url_ + "/xrpc/" + nsid + (query.empty() ? "" : "?" + query);
    req.headers.push_back({"Authorization", "Bearer " + session_->access_jwt});
    req.headers.push_back({"Accept", "application/json"});
    if (!content_type.empty()) req.headers.push_back({"Content-Type", content_type});
    req.body = body;
    return send(ex, std::move(req));
  };
  call.response = attempt();
  if (!call.response || !is_auth_failure(*call.response)) return call;

  // The access token was refused: refresh (unless we logged in just now), then log in.
  if (!ex.logged_in) {
    auto refused = refresh(ex);
    if (!refused) {
      call.response = attempt();
      if (!call.response || !is_auth_failure(*call.response)) return call;
    } else if (refused->kind != Kind::kStopAccount) {
      call.outcome = std::move(refused);
      return call;
    }
    if (auto o = login(ex)) {
      call.outcome = std::move(o);
      return call;
    }
    call.response = attempt();
    if (!call.response || !is_auth_failure(*call.response)) return call;
  }
  call.outcome = make(Kind::kStopAccount, "Bluesky refused a new session's token (" +
                                              describe(*call.response) + ") on " + nsid);
  return call;
}

// --- errors ----------------------------------------------------------------------------------

Outcome BlueskyConnector::failure(const core::Result<http::ClientResponse>& response,
                                  std::string_view what) const {
  const std::string on = " (" + std::string(what) + ")";
  if (!response) {
    return make(Kind::kTransient, "Bluesky unreachable" + on + ": " + response.error().to_string());
  }
  const auto& r = *response;
  const XrpcError e = xrpc_error(r.body);
  if (r.status == 429) {
    Outcome o = make(Kind::kTransient, "Bluesky rate limit reached" + on + ": " + describe(r));
    o.retry_at = rate_limit_reset(r);
    if (!o.retry_at) o.retry_at = retry_after(r, clock_);
    return o;
  }
  if (r.status >= 500) {
    Outcome o = make(Kind::kTransient, "Bluesky server error" + on + ": " + describe(r));
    o.retry_at = retry_after(r, clock_);
    return o;
  }
  if (r.status == 401 || is_account_block(e.error)) {
    return make(Kind::kStopAccount, "Bluesky refused the account" + on + ": " + describe(r));
  }
  if (ok(r)) {
    return make(Kind::kPermanent,
                "Bluesky answered " + std::to_string(r.status) + on + " without the expected data");
  }
  return make(Kind::kPermanent, "Bluesky refused the request" + on + ": " + describe(r));
}

std::string BlueskyConnector::redact(std::string text) const {
  std::vector<const std::string*> secrets{&app_password_};
  for (const auto& t : tokens_seen_) secrets.push_back(&t);
  if (session_) {
    secrets.push_back(&session_->access_jwt);
    secrets.push_back(&session_->refresh_jwt);
  }
  for (const std::string* secret : secrets) {
    if (secret->size() < 4) continue;  // too short to search for without mangling text
    for (auto pos = text.find(*secret); pos != std::string::npos; pos = text.find(*secret, pos)) {
      text.replace(pos, secret->size(), Secret::kRedacted);
      pos += std::string_view(Secret::kRedacted).size();
    }
  }
  return text;
}

Outcome BlueskyConnector::finish(Outcome outcome, const Exchange& ex) const {
  keep_later(outcome.pause_until, ex.pause_until);
  outcome.reason = redact(std::move(outcome.reason));
  return outcome;
}

// --- calls -----------------------------------------------------------------------------------

Outcome BlueskyConnector::publish(const Delivery& delivery) {
  std::lock_guard lock(mu_);
  Exchange ex;
  return finish(publish_locked(delivery, ex), ex);
}

Outcome BlueskyConnector::find(const Delivery& delivery) {
  std::lock_guard lock(mu_);
  Exchange ex;
  return finish(find_locked(record_key(delivery), ex), ex);
}

Outcome BlueskyConnector::find_locked(const std::string& rkey, Exchange& ex) {
  if (auto o = ensure_session(ex)) return *o;
  const std::string query = "repo=" + percent_encode(session_->did) +
                            "&collection=" + std::string(kPostCollection) + "&rkey=" + rkey;
  Call call = xrpc(ex, "GET", "com.atproto.repo.getRecord", query, {}, {});
  if (call.outcome) return *call.outcome;
  if (call.response && ok(*call.response)) {
    json j = json::parse(call.response->body, nullptr, false);
    auto uri = string_field(j, "uri");
    if (!uri) return make(Kind::kTransient, "Bluesky answered getRecord without a uri");
    Outcome o = make(Kind::kSent, "record " + *uri + " exists");
    o.remote.id = *uri;
    o.remote.url = post_url(*uri);
    return o;
  }
  if (call.response && call.response->status == 400 &&
      xrpc_error(call.response->body).error == "RecordNotFound") {
    return make(Kind::kNotFound, "no record at rkey " + rkey);
  }
  return failure(call.response, "getRecord");
}

std::optional<json> BlueskyConnector::upload_thumb(const core::Image& image, Exchange& ex,
                                                   std::string& skipped,
                                                   std::optional<Outcome>& stop) {
  // 1. The image itself, from the newsroom's server (no credentials go there).
  http::ClientRequest get;
  get.url = image.url;
  get.headers.push_back({"Accept", "image/jpeg, image/png, image/webp, image/gif"});
  auto fetched = http_.send(get);
  if (!fetched) {
    skipped = "the image could not be fetched: " + fetched.error().to_string();
    return std::nullopt;
  }
  if (fetched->status != 200) {
    skipped = "the image could not be fetched: HTTP " + std::to_string(fetched->status) + " from " +
              image.url;
    return std::nullopt;
  }
  if (fetched->body.empty()) {
    skipped = "the image is empty: " + image.url;
    return std::nullopt;
  }
  if (fetched->body.size() > kMaxThumbBytes) {
    skipped = "the image is " + std::to_string(fetched->body.size()) +
              " bytes, over the 1000000 a link card's thumb may have (this build cannot "
              "re-encode images): " +
              image.url;
    return std::nullopt;
  }
  auto type = header(*fetched, "content-type");
  std::string media_type = type ? media_type_of(*type) : std::string();
  if (media_type.empty() || media_type == "application/octet-stream")
    media_type = lower(image.type);
  if (media_type.rfind("image/", 0) != 0) {
    skipped = "'" + media_type + "' is not an image type: " + image.url;
    return std::nullopt;
  }

  // 2. The blob, to the PDS.
  Call call =
      xrpc(ex, "POST", "com.atproto.repo.uploadBlob", {}, std::move(fetched->body), media_type);
  if (call.outcome) {
    stop = std::move(call.outcome);
    return std::nullopt;
  }
  if (call.response && ok(*call.response)) {
    json j = json::parse(call.response->body, nullptr, false);
    if (j.is_object() && j.contains("blob") && j["blob"].is_object()) return j["blob"];
    skipped = "Bluesky answered uploadBlob without a blob";
    return std::nullopt;
  }
  Outcome o = failure(call.response, "uploadBlob");
  if (o.kind == Kind::kTransient || o.kind == Kind::kStopAccount) {
    stop = std::move(o);  // the post would fail the same way
  } else {
    skipped = "Bluesky refused the image: " + o.reason;
  }
  return std::nullopt;
}

Outcome BlueskyConnector::publish_locked(const Delivery& delivery, Exchange& ex) {
  const std::string rkey = record_key(delivery);
  if (auto o = ensure_session(ex)) return *o;
  if (delivery.recovering || delivery.attempt > 1) {
    Outcome found = find_locked(rkey, ex);
    if (found.kind == Kind::kSent) {
      found.reason = "already posted (the record key exists): " + found.remote.id;
      return found;
    }
    if (found.kind != Kind::kNotFound) return found;
  }

  const Post& post = delivery.post;
  const core::Article& article = delivery.article;
  std::optional<ExternalCard> card;
  std::string skipped;
  if (options_.link_card && !article.url.empty()) {
    card = ExternalCard{article.url, article.title, article.summary, std::nullopt};
    if (post.image) {
      std::optional<Outcome> stop;
      card->thumb = upload_thumb(*post.image, ex, skipped, stop);
      if (stop) return *stop;
    }
  }

  const json record = post_record(post, created_at(clock_.now()), card);
  const json body = {
      {"repo", session_->did}, {"collection", kPostCollection}, {"rkey", rkey}, {"record", record}};
  Call call =
      xrpc(ex, "POST", "com.atproto.repo.createRecord", {}, body.dump(), "application/json");
  if (call.outcome) return *call.outcome;
  if (call.response && ok(*call.response)) {
    json j = json::parse(call.response->body, nullptr, false);
    auto uri = string_field(j, "uri");
    if (!uri) {
      // Written, probably: a retry finds it by its key.
      return make(Kind::kTransient, "Bluesky answered createRecord " +
                                        std::to_string(call.response->status) + " without a uri");
    }
    Outcome o =
        make(Kind::kSent,
             skipped.empty() ? "posted" : "posted without the link card's thumb: " + skipped);
    o.remote.id = *uri;
    o.remote.url = post_url(*uri);
    return o;
  }
  Outcome o = failure(call.response, "createRecord");
  if (call.response) {
    // A collision with our own earlier write: the PDS answers 500 ("There is already a value at
    // key") or refuses the duplicate; the record is there.
    const std::string message = lower(xrpc_error(call.response->body).message);
    if (call.response->status >= 500 || message.find("already") != std::string::npos) {
      Outcome found = find_locked(rkey, ex);
      if (found.kind == Kind::kSent) {
        found.reason = "already posted (the record key exists): " + found.remote.id;
        return found;
      }
    }
  }
  if (!skipped.empty()) o.reason += " (and the thumb was left out: " + skipped + ")";
  return o;
}

Outcome BlueskyConnector::remove(const RemoteRef& remote) {
  std::lock_guard lock(mu_);
  Exchange ex;
  auto uri = parse_at_uri(remote.id);
  if (!uri) {
    return finish(make(Kind::kPermanent, "not an at:// record URI: '" + remote.id + "'"), ex);
  }
  const json body = {{"repo", uri->repo}, {"collection", uri->collection}, {"rkey", uri->rkey}};
  Call call =
      xrpc(ex, "POST", "com.atproto.repo.deleteRecord", {}, body.dump(), "application/json");
  if (call.outcome) return finish(std::move(*call.outcome), ex);
  if (call.response && ok(*call.response)) {
    Outcome o = make(Kind::kSent, "deleted " + remote.id);
    o.remote = remote;
    return finish(std::move(o), ex);
  }
  if (call.response && call.response->status == 400 &&
      xrpc_error(call.response->body).error == "RecordNotFound") {
    return finish(make(Kind::kNotFound, remote.id + " is already gone"), ex);
  }
  return finish(failure(call.response, "deleteRecord"), ex);
}

}  // namespace syndicated::connectors::bluesky

namespace syndicated::connectors {

Registry::Network bluesky_network() {
  Registry::Network n;
  n.name = "bluesky";
  n.description =
      "Bluesky (AT Protocol): posts with link and tag facets and a link card, logged in once with "
      "an app password";
  n.credentials = {"identifier", "app_password"};
  n.factory = [](const AccountSettings& settings,
                 const ConnectorContext& context) -> core::Result<std::unique_ptr<Connector>> {
    auto connector = bluesky::BlueskyConnector::create(settings, context);
    if (!connector) return connector.error();
    return std::unique_ptr<Connector>(std::move(*connector));
  };
  return n;
}

}  // namespace syndicated::connectors
