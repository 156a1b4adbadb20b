// `syndicated preview` and `syndicated outbox`: the operator's window on syndication.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "connectors/registry.hpp"
#include "core/clock.hpp"
#include "daemon/accounts.hpp"
#include "daemon/commands.hpp"
#include "daemon/wiring.hpp"
#include "outbox/policy.hpp"
#include "outbox/sqlite_ledger.hpp"
#include "store/article_parser.hpp"

namespace syndicated::daemon {
namespace {

const char* facet_kind(connectors::Facet::Kind k) {
  return k == connectors::Facet::Kind::kLink ? "link" : "tag";
}

nlohmann::json image_json(const std::optional<core::Image>& image) {
  if (!image) return nullptr;
  nlohmann::json j = {{"url", image->url}, {"type", image->type}, {"caption", image->caption}};
  if (image->width) j["width"] = *image->width;
  if (image->height) j["height"] = *image->height;
  return j;
}

std::string indent(const std::string& text, const std::string& pad) {
  std::string out = pad;
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

}  // namespace

int run_preview(const CommandLine& cl, std::ostream& out, std::ostream& err) {
  auto config = resolve_config(cl, err);
  if (!config) return 1;
  const std::string& file = cl.positionals[0];
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << "syndicated preview: cannot read " << file << "\n";
    return 1;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  store::ArticleParser parser(parser_options(*config));
  auto parsed = parser.parse(std::filesystem::path(file).filename().string(), bytes.str());
  if (!parsed.ok()) {
    err << "syndicated preview: " << file << ": " << parsed.error().message;
    if (!parsed.error().where.empty()) err << " (" << parsed.error().where << ")";
    err << "\n";
    return 1;
  }
  std::vector<core::Article> one{std::move(*parsed)};
  default_language(one, config->site.language);
  const core::Article& article = one.front();

  const auto only = cl.options.find("--account");
  if (only != cl.options.end()) {
    bool found = false;
    for (const auto& a : config->accounts) found = found || a.name == only->second;
    if (!found) {
      err << "syndicated preview: no account '" << only->second << "' in " << *cl.config << "\n";
      return 1;
    }
  }
  const bool json = cl.switches.count("--json") > 0;
  const connectors::Registry registry = connectors::default_registry();
  core::SystemClock clock;
  const SecretEnvironment env = process_environment(config->source.parent_path());
  int status = 0;
  std::size_t shown = 0;
  for (const auto& account : config->accounts) {
    if (only != cl.options.end() ? account.name != only->second : !account.enabled) continue;
    auto built = build_account(*config, account, registry, clock, env, Secrets::kPlaceholder);
    if (!built.ok()) {
      err << "syndicated preview: " << built.error().to_string() << "\n";
      status = 1;
      continue;
    }
    const bool matches =
        outbox::matches(built->policy.filter, article, built->policy.site_language);
    if (!matches && only == cl.options.end()) continue;
    ++shown;
    auto post = built->connector->compose(article);
    if (json) {
      nlohmann::json j = {{"account", account.name}, {"network", account.network},
                          {"matches", matches}};
      if (!post.ok()) {
        j["error"] = post.error().to_string();
        status = 1;
      } else {
        j["text"] = post->text;
        j["length"] = post->length;
        j["limit"] = post->limit;
        j["rule"] = post->rule;
        j["fits"] = post->length <= post->limit;
        j["language"] = post->language;
        nlohmann::json facets = nlohmann::json::array();
        for (const auto& f : post->facets)
          facets.push_back({{"type", facet_kind(f.kind)},
                            {"byte_start", f.byte_start},
                            {"byte_end", f.byte_end},
                            {"value", f.value}});
        j["facets"] = std::move(facets);
        j["image"] = image_json(post->image);
      }
      out << j.dump() << "\n";
      continue;
    }
    out << account.name << " (" << account.network << ")"
        << (matches ? "" : " — its filter does not match this article") << "\n";
    if (!post.ok()) {
      out << "  cannot compose: " << post.error().to_string() << "\n\n";
      status = 1;
      continue;
    }
    out << indent(post->text, "  | ") << "\n";
    out << "  length " << post->length << " of " << post->limit << " (" << post->rule << ")"
        << (post->length <= post->limit ? "" : " — OVER THE LIMIT") << "\n";
    if (post->image)
      out << "  image  " << post->image->url
          << (post->image->caption.empty() ? "" : " — " + post->image->caption) << "\n";
    for (const auto& f : post->facets)
      out << "  " << facet_kind(f.kind) << "   bytes " << f.byte_start << "-" << f.byte_end << " "
          << f.value << "\n";
    out << "\n";
  }
  if (shown == 0 && !json) {
    out << (config->accounts.empty() ? "no accounts are configured\n"
                                     : "no enabled account's filter matches this article\n");
  }
  if (article.status != core::ArticleStatus::kPublished && !json)
    out << "note: the article is " << core::to_string(article.status)
        << "; nothing is posted until it is published\n";
  return status;
}

int run_outbox(const CommandLine& cl, std::ostream& out, std::ostream& err) {
  auto config = resolve_config(cl, err);
  if (!config) return 1;
  const auto& path = config->outbox.database;
  if (!std::filesystem::exists(path)) {
    err << "syndicated outbox: no ledger at " << path.string()
        << " (the daemon creates it when it runs with accounts)\n";
    return 1;
  }
  auto ledger = outbox::SqliteLedger::open(path);
  if (!ledger.ok()) {
    err << "syndicated outbox: " << ledger.error().to_string() << "\n";
    return 1;
  }
  core::SystemClock clock;
  const bool json = cl.switches.count("--json") > 0;

  if (!cl.positionals.empty()) {
    if (cl.positionals[0] != "retry" || cl.positionals.size() != 2) {
      err << "syndicated outbox: expected `retry ID`\n";
      return 2;
    }
    std::int64_t id = 0;
    try {
      std::size_t used = 0;
      id = std::stoll(cl.positionals[1], &used);
      if (used != cl.positionals[1].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      err << "syndicated outbox retry: '" << cl.positionals[1] << "' is not a delivery id\n";
      return 2;
    }
    auto row = (*ledger)->retry(id, clock.now());
    if (!row.ok()) {
      err << "syndicated outbox retry: " << row.error().to_string() << "\n";
      return 1;
    }
    out << "delivery " << row->id << " (" << row->account << ", article " << row->article_id
        << ") is planned again; a running daemon sends it within "
        << config->outbox.rescan_interval.count() << " s (or at once on SIGHUP)\n";
    return 0;
  }

  outbox::ListFilter filter;
  if (auto it = cl.options.find("--state"); it != cl.options.end()) {
    auto state = outbox::parse_state(it->second);
    if (!state) {
      err << "syndicated outbox: unknown state '" << it->second
          << "' (planned, sending, sent, failed, needs_reconnect, skipped, deleted)\n";
      return 2;
    }
    filter.state = *state;
  }
  if (auto it = cl.options.find("--account"); it != cl.options.end()) filter.account = it->second;
  filter.limit = 100;
  if (auto it = cl.options.find("--limit"); it != cl.options.end()) {
    try {
      filter.limit = static_cast<std::size_t>(std::stoul(it->second));
    } catch (const std::exception&) {
      err << "syndicated outbox: --limit must be a number\n";
      return 2;
    }
  }
  auto rows = (*ledger)->list(filter);
  if (!rows.ok()) {
    err << "syndicated outbox: " << rows.error().to_string() << "\n";
    return 1;
  }
  if (!json)
    out << std::left << std::setw(7) << "ID" << std::setw(16) << "STATE" << std::setw(16)
        << "ACCOUNT" << std::setw(9) << "ATTEMPTS" << std::setw(26) << "UPDATED" << "ARTICLE"
        << "  URL/REASON\n";
  for (const auto& r : *rows) {
    if (json) {
      nlohmann::json j = {{"id", r.id},
                          {"state", outbox::to_string(r.state)},
                          {"account", r.account},
                          {"article_id", r.article_id},
                          {"attempts", r.attempts},
                          {"published", core::format_rfc3339(r.published)},
                          {"created_at", core::format_rfc3339(r.created_at)},
                          {"updated_at", core::format_rfc3339(r.updated_at)},
                          {"next_attempt_at", core::format_rfc3339(r.next_attempt_at)},
                          {"remote_id", r.remote_id},
                          {"remote_url", r.remote_url},
                          {"text", r.text},
                          {"reason", r.reason}};
      if (r.sent_at) j["sent_at"] = core::format_rfc3339(*r.sent_at);
      out << j.dump() << "\n";
      continue;
    }
    out << std::left << std::setw(7) << r.id << std::setw(16) << outbox::to_string(r.state)
        << std::setw(16) << r.account << std::setw(9) << r.attempts << std::setw(26)
        << core::format_rfc3339(r.updated_at) << r.article_id << "  "
        << (!r.remote_url.empty() ? r.remote_url : r.reason) << "\n";
  }
  return 0;
}

}  // namespace syndicated::daemon
