#include "connectors/mastodon/mastodon_connector.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "core/time.hpp"

namespace syndicated::connectors::mastodon {
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

// The first header of that name, case-insensitive (ClientResponse::header lives in the Beast
// library, which connectors do not link).
std::optional<std::string_view> header(const http::ClientResponse& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name.size() == name.size() && lower(h.name) == lower(name)) return h.value;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// X-RateLimit-Reset: an ISO 8601 time ("2026-01-01T00:05:00.149Z").
std::optional<core::Timestamp> rate_limit_reset(const http::ClientResponse& r) {
  auto v = header(r, "x-ratelimit-reset");
  if (!v) return std::nullopt;
  auto t = core::parse_rfc3339(trim(*v));
  if (!t) return std::nullopt;
  return *t;
}

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

// Mastodon's error bodies: {"error": "..."} and, from Doorkeeper, {"error", "error_description"}.
std::string error_message(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    std::string out;
    if (auto it = j.find("error"); it != j.end() && it->is_string()) out = it->get<std::string>();
    if (auto it = j.find("error_description"); it != j.end() && it->is_string()) {
      out += (out.empty() ? "" : ": ") + it->get<std::string>();
    }
    if (!out.empty()) return out;
  }
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

Outcome make(Kind kind, std::string reason) {
  Outcome o;
  o.kind = kind;
  o.reason = std::move(reason);
  return o;
}

std::string media_type_of(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::string extension_of(std::string_view media_type) {
  if (media_type == "image/jpeg") return "jpg";
  auto slash = media_type.find('/');
  return slash == std::string_view::npos ? "bin" : std::string(media_type.substr(slash + 1));
}

// ISO 639 (what Mastodon's `language` takes) from a BCP 47 tag: its primary subtag.
std::string iso639(std::string_view bcp47) {
  std::string primary = lower(bcp47.substr(0, bcp47.find_first_of("-_")));
  if (primary.size() < 2 || primary.size() > 3 ||
      !std::all_of(primary.begin(), primary.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    return {};
  }
  return primary;
}

// At most `max` code points of UTF-8 text, cut on a code point boundary.
std::string first_code_points(std::string_view utf8, std::size_t max) {
  std::size_t count = 0, i = 0;
  for (; i < utf8.size(); ++i) {
    if ((static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) {
      if (count == max) break;
      ++count;
    }
  }
  return std::string(utf8.substr(0, i));
}

const json* string_at(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? &*it : nullptr;
}

const json* path_at(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

std::optional<std::size_t> positive_at(const json& j, std::initializer_list<const char*> path) {
  const json* at = path_at(j, path);
  if (at == nullptr || !at->is_number_integer() || at->get<std::int64_t>() <= 0)
    return std::nullopt;
  return static_cast<std::size_t>(at->get<std::int64_t>());
}

}  // namespace

std::size_t MastodonRules::measure(std::string_view utf8) const {
  std::string countable;
  std::size_t pos = 0;
  for (const auto& url : compose::extract_urls(utf8)) {
    std::string scheme = lower(std::string_view(url.value).substr(0, 8));
    if (scheme.rfind("http://", 0) != 0 && scheme.rfind("https://", 0) != 0) continue;
    countable.append(utf8.substr(pos, url.byte_start - pos));
    countable.append(url_length_, 'x');
    pos = url.byte_end;
  }
  countable.append(utf8.substr(pos));
  return compose::grapheme_count(countable);
}

std::string MastodonRules::name() const {
  return "graphemes, URLs count " + std::to_string(url_length_) + " (Mastodon)";
}

std::string idempotency_key(std::string_view delivery_key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(delivery_key.data(), delivery_key.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "syndicated-";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

struct MastodonConnector::Exchange {
  std::optional<core::Timestamp> pause_until;
};

struct MastodonConnector::Upload {
  std::optional<std::string> media_id;
  std::optional<Outcome> stop;  // transient or stop-account: the status would fail the same way
  std::string skipped;          // why the status goes without its image
};

MastodonConnector::MastodonConnector(const AccountSettings& settings,
                                     const ConnectorContext& context,
                                     compose::Template text_template, std::string visibility,
                                     Tuning tuning)
    : settings_(settings),
      http_(context.http),
      clock_(context.clock),
      template_(std::move(text_template)),
      visibility_(std::move(visibility)),
      tuning_(std::move(tuning)) {
  token_ = settings.credentials.at("access_token").reveal();
  base_url_ = settings.base_url;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (!tuning_.sleep)
    tuning_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (tuning_.media_polls < 0) tuning_.media_polls = 0;
}

core::Result<std::unique_ptr<MastodonConnector>> MastodonConnector::create(
    const AccountSettings& settings, const ConnectorContext& context, Tuning tuning) {
  const std::string account = "account '" + settings.name + "': ";
  auto token = settings.credentials.find("access_token");
  if (token == settings.credentials.end() || token->second.empty()) {
    return core::make_error(
        account + "credential 'access_token' is missing (network mastodon needs it)",
        settings.where);
  }
  if (settings.base_url.empty()) {
    return core::make_error(account +
                                "base_url is required for network mastodon: the instance, e.g. "
                                "\"https://mastodon.social\"",
                            settings.where);
  }
  if (settings.base_url.rfind("https://", 0) != 0 && settings.base_url.rfind("http://", 0) != 0) {
    return core::make_error(
        account + "base_url '" + settings.base_url + "' is not an absolute http(s) URL",
        settings.where);
  }
  std::string visibility = "public";
  for (const auto& [key, option] : settings.options) {
    if (key == "visibility") {
      const std::string v = lower(trim(option.value));
      if (v != "public" && v != "unlisted" && v != "private" && v != "direct") {
        return core::make_error(account +
                                    "option 'visibility' must be public, unlisted, private or "
                                    "direct, not '" +
                                    option.value + "'",
                                option.where);
      }
      visibility = v;
    } else {
      return core::make_error(
          account + "unknown option '" + key + "' for network mastodon (known: visibility)",
          option.where);
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
  return std::unique_ptr<MastodonConnector>(new MastodonConnector(
      settings, context, std::move(*tmpl), std::move(visibility), std::move(tuning)));
}

InstanceLimits MastodonConnector::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

core::Result<Post> MastodonConnector::compose(const core::Article& article) const {
  return compose_with(article, limits());
}

core::Result<Post> MastodonConnector::compose_with(const core::Article& article,
                                                   const InstanceLimits& l) const {
  MastodonRules rules(l.max_characters, l.url_length);
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
  post.rule = rules.name();
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

core::Result<http::ClientResponse> MastodonConnector::send(Exchange& ex,
                                                           http::ClientRequest request,
                                                           bool authorized) {
  if (authorized) request.headers.push_back({"Authorization", "Bearer " + token_});
  request.headers.push_back({"Accept", "application/json"});
  auto response = http_.send(request);
  if (response) {
    auto remaining = header(*response, "x-ratelimit-remaining");
    if (remaining && parse_int(*remaining) == std::int64_t{0}) {
      keep_later(ex.pause_until, rate_limit_reset(*response));
    }
  }
  return response;
}

Outcome MastodonConnector::failure(const core::Result<http::ClientResponse>& response,
                                   std::string_view what) const {
  const std::string on = " (" + std::string(what) + ")";
  if (!response) {
    return make(Kind::kTransient,
                "Mastodon unreachable" + on + ": " + response.error().to_string());
  }
  const auto& r = *response;
  const std::string status = std::to_string(r.status);
  const std::string detail = error_message(r.body);
  if (r.status == 429) {
    Outcome o =
        make(Kind::kTransient, with_detail("Mastodon rate limit reached (429)" + on, detail));
    o.retry_at = rate_limit_reset(r);
    if (!o.retry_at) o.retry_at = retry_after(r, clock_);
    return o;
  }
  if (r.status >= 500) {
    Outcome o =
        make(Kind::kTransient, with_detail("Mastodon server error (" + status + ")" + on, detail));
    o.retry_at = retry_after(r, clock_);
    return o;
  }
  if (r.status == 401 || r.status == 403) {
    return make(Kind::kStopAccount,
                with_detail("Mastodon refused the access token (" + status + ")" + on, detail) +
                    " — reconnect the account");
  }
  if (r.status == 422) {
    return make(Kind::kPermanent, with_detail("Mastodon refused the post (422)" + on, detail));
  }
  if (r.status >= 200 && r.status < 300) {
    return make(
        Kind::kPermanent,
        with_detail("Mastodon answered " + status + on + " without the expected data", detail));
  }
  return make(Kind::kPermanent,
              with_detail("Mastodon rejected the request (" + status + ")" + on, detail));
}

std::string MastodonConnector::redact(std::string text) const {
  if (token_.size() < 4) return text;  // too short to search for without mangling text
  for (auto pos = text.find(token_); pos != std::string::npos; pos = text.find(token_, pos)) {
    text.replace(pos, token_.size(), Secret::kRedacted);
    pos += std::string_view(Secret::kRedacted).size();
  }
  return text;
}

Outcome MastodonConnector::finish(Outcome outcome, const Exchange& ex) const {
  keep_later(outcome.pause_until, ex.pause_until);
  outcome.reason = redact(std::move(outcome.reason));
  return outcome;
}

void MastodonConnector::read_instance(Exchange& ex) {
  {
    std::lock_guard lock(mu_);
    if (instance_read_) return;
  }
  InstanceLimits l;
  bool known = false;
  http::ClientRequest get;
  get.url = base_url_ + "/api/v2/instance";
  auto v2 = send(ex, get, false);
  if (v2 && v2->status == 200) {
    json j = json::parse(v2->body, nullptr, false);
    if (j.is_object()) {
      known = true;
      if (auto n = positive_at(j, {"configuration", "statuses", "max_characters"}))
        l.max_characters = *n;
      if (auto n = positive_at(j, {"configuration", "statuses", "characters_reserved_per_url"}))
        l.url_length = *n;
      if (auto n = positive_at(j, {"configuration", "media_attachments", "image_size_limit"}))
        l.image_size_limit = *n;
      const json* types =
          path_at(j, {"configuration", "media_attachments", "supported_mime_types"});
      if (types != nullptr && types->is_array()) {
        std::vector<std::string> images;
        for (const auto& t : *types) {
          if (t.is_string() && t.get<std::string>().rfind("image/", 0) == 0)
            images.push_back(t.get<std::string>());
        }
        if (!images.empty()) l.image_types = std::move(images);
      }
    }
  } else if (v2 && v2->status == 404) {
    // Before Mastodon 4.0 (and some compatible servers): v1, or Pleroma's max_toot_chars.
    get.url = base_url_ + "/api/v1/instance";
    auto v1 = send(ex, get, false);
    if (v1 && v1->status == 200) {
      json j = json::parse(v1->body, nullptr, false);
      if (j.is_object()) {
        known = true;
        if (auto n = positive_at(j, {"configuration", "statuses", "max_characters"})) {
          l.max_characters = *n;
        } else if (auto m = positive_at(j, {"max_toot_chars"})) {
          l.max_characters = *m;
        }
        if (auto n = positive_at(j, {"configuration", "statuses", "characters_reserved_per_url"}))
          l.url_length = *n;
        if (auto n = positive_at(j, {"configuration", "media_attachments", "image_size_limit"}))
          l.image_size_limit = *n;
      }
    } else if (v1 && v1->status == 404) {
      known = true;  // nothing to learn: the defaults stand
    }
  }
  if (!known) return;  // unreachable or unreadable: the defaults for now, asked again next time
  std::lock_guard lock(mu_);
  limits_ = std::move(l);
  instance_read_ = true;
}

MastodonConnector::Upload MastodonConnector::attach_image(const core::Image& image, Exchange& ex,
                                                          const InstanceLimits& l) {
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
  if (fetched->body.empty() || fetched->body.size() > l.image_size_limit) {
    up.skipped = "the image is " + std::to_string(fetched->body.size()) +
                 " bytes (the instance takes up to " + std::to_string(l.image_size_limit) +
                 "): " + image.url;
    return up;
  }
  auto type = header(*fetched, "content-type");
  std::string media_type = type ? media_type_of(*type) : media_type_of(image.type);
  if (std::find(l.image_types.begin(), l.image_types.end(), media_type) == l.image_types.end()) {
    up.skipped =
        "the image's type '" + media_type + "' is not one the instance takes: " + image.url;
    return up;
  }

  // 2. POST /api/v2/media: multipart with the file and its description.
  std::string boundary;
  for (int n = 0;; ++n) {
    boundary = "syndicated-boundary-" + std::to_string(n);
    if (fetched->body.find(boundary) == std::string::npos &&
        image.caption.find(boundary) == std::string::npos)
      break;
  }
  std::string body;
  body.reserve(fetched->body.size() + image.caption.size() + 512);
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"image." +
          extension_of(media_type) + "\"\r\nContent-Type: " + media_type + "\r\n\r\n";
  body += fetched->body;
  body += "\r\n";
  const std::string description = first_code_points(trim(image.caption), kMaxDescription);
  if (!description.empty()) {
    body += "--" + boundary +
            "\r\nContent-Disposition: form-data; name=\"description\"\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" +
            description + "\r\n";
  }
  body += "--" + boundary + "--\r\n";

  http::ClientRequest post;
  post.method = "POST";
  post.url = base_url_ + "/api/v2/media";
  post.headers.push_back({"Content-Type", "multipart/form-data; boundary=" + boundary});
  post.body = std::move(body);
  auto uploaded = send(ex, std::move(post));
  if (!uploaded || (uploaded->status != 200 && uploaded->status != 202)) {
    Outcome o = failure(uploaded, "media upload");
    if (o.kind == Kind::kTransient || o.kind == Kind::kStopAccount) {
      up.stop = std::move(o);
    } else {
      up.skipped = "Mastodon refused the image: " + o.reason;
    }
    return up;
  }
  json j = json::parse(uploaded->body, nullptr, false);
  const json* id = string_at(j, "id");
  if (id == nullptr || id->get<std::string>().empty()) {
    up.skipped = "Mastodon's media upload answered without a media id";
    return up;
  }
  const std::string media_id = id->get<std::string>();
  if (uploaded->status == 200) {
    up.media_id = media_id;
    return up;
  }

  // 3. 202: processed asynchronously; ready once GET /api/v1/media/:id is 200 with a url.
  for (int i = 0; i < tuning_.media_polls; ++i) {
    tuning_.sleep(tuning_.media_poll_delay);
    http::ClientRequest poll;
    poll.url = base_url_ + "/api/v1/media/" + media_id;
    auto polled = send(ex, poll);
    if (polled && polled->status == 200) {
      json m = json::parse(polled->body, nullptr, false);
      if (string_at(m, "url") != nullptr) {
        up.media_id = media_id;
        return up;
      }
      continue;  // 200 without a url yet: still processing
    }
    if (polled && polled->status == 206) continue;  // Partial Content: still processing
    Outcome o = failure(polled, "media status");
    if (o.kind == Kind::kStopAccount) {
      up.stop = std::move(o);
      return up;
    }
    if (o.kind == Kind::kPermanent) {
      up.skipped = "Mastodon lost the image while processing it: " + o.reason;
      return up;
    }
    // transient: ask again
  }
  up.skipped = "the image was still being processed after " + std::to_string(tuning_.media_polls) +
               " checks";
  return up;
}

Outcome MastodonConnector::publish(const Delivery& delivery) {
  Exchange ex;
  read_instance(ex);
  const InstanceLimits l = limits();

  // Composed under other limits (before the instance was read): compose again under its own.
  std::optional<Post> recomposed;
  std::string note;
  const Post* post = &delivery.post;
  if (post->limit != l.max_characters || post->rule != MastodonRules(0, l.url_length).name()) {
    auto again = compose_with(delivery.article, l);
    if (!again) {
      return finish(make(Kind::kPermanent, "the post does not fit the instance's limit of " +
                                               std::to_string(l.max_characters) + ": " +
                                               again.error().to_string()),
                    ex);
    }
    recomposed = std::move(*again);
    post = &*recomposed;
    note = " (composed again for the instance's limit of " + std::to_string(l.max_characters) + ")";
  }

  json request = {{"status", post->text}, {"visibility", visibility_}};
  if (auto lang = iso639(post->language); !lang.empty()) request["language"] = lang;
  std::string skipped;
  if (post->image) {
    Upload up = attach_image(*post->image, ex, l);
    if (up.stop) return finish(*up.stop, ex);
    if (up.media_id) {
      request["media_ids"] = json::array({*up.media_id});
    } else {
      skipped = up.skipped;
    }
  }

  http::ClientRequest create;
  create.method = "POST";
  create.url = base_url_ + "/api/v1/statuses";
  create.headers.push_back({"Content-Type", "application/json"});
  create.headers.push_back({"Idempotency-Key", idempotency_key(delivery.key)});
  create.body = request.dump();
  auto response = send(ex, std::move(create));
  if (response && response->status >= 200 && response->status < 300) {
    json j = json::parse(response->body, nullptr, false);
    const json* id = string_at(j, "id");
    if (id != nullptr && !id->get<std::string>().empty()) {
      Outcome o;
      o.kind = Kind::kSent;
      o.remote.id = id->get<std::string>();
      if (const json* url = string_at(j, "url")) {
        o.remote.url = url->get<std::string>();
      } else if (const json* uri = string_at(j, "uri")) {
        o.remote.url = uri->get<std::string>();
      }
      o.reason = (skipped.empty() ? "posted" : "posted without the image: " + skipped) + note;
      return finish(std::move(o), ex);
    }
    // Accepted but unreadable: a resend with the same key gets the same status back.
    return finish(make(Kind::kTransient,
                       "Mastodon answered " + std::to_string(response->status) +
                           " to the post without a status id; it will be sent again with the "
                           "same Idempotency-Key"),
                  ex);
  }
  Outcome o = failure(response, "post");
  if (!skipped.empty()) o.reason += " (and the image was left out: " + skipped + ")";
  return finish(std::move(o), ex);
}

Outcome MastodonConnector::find(const Delivery&) {
  return make(Kind::kNotFound,
              "Mastodon recovers by Idempotency-Key: the resend answers the first status");
}

Outcome MastodonConnector::remove(const RemoteRef& remote) {
  Exchange ex;
  if (remote.id.empty() || !std::all_of(remote.id.begin(), remote.id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      })) {
    return finish(make(Kind::kPermanent, "not a status id: '" + remote.id + "'"), ex);
  }
  http::ClientRequest del;
  del.method = "DELETE";
  del.url = base_url_ + "/api/v1/statuses/" + remote.id;
  auto response = send(ex, std::move(del));
  if (response && response->status == 404) {
    return finish(make(Kind::kNotFound, "status " + remote.id + " is already gone"), ex);
  }
  if (response && response->status >= 200 && response->status < 300) {
    Outcome o = make(Kind::kSent, "deleted status " + remote.id);
    o.remote = remote;
    return finish(std::move(o), ex);
  }
  return finish(failure(response, "delete"), ex);
}

}  // namespace syndicated::connectors::mastodon

namespace syndicated::connectors {

Registry::Network mastodon_network() {
  Registry::Network n;
  n.name = std::string(mastodon::kNetworkName);
  n.description = "Mastodon: statuses through the Mastodon API with the account's access token";
  n.credentials = {"access_token"};
  n.factory = [](const AccountSettings& settings,
                 const ConnectorContext& context) -> core::Result<std::unique_ptr<Connector>> {
    auto connector = mastodon::MastodonConnector::create(settings, context);
    if (!connector) return connector.error();
    return std::unique_ptr<Connector>(std::move(*connector));
  };
  return n;
}

}  // namespace syndicated::connectors
