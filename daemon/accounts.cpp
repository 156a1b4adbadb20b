#include "daemon/accounts.hpp"

#include "daemon/file_state_store.hpp"
#include "http/beast_client.hpp"
#include "http/client.hpp"

namespace syndicated::daemon {
namespace {

// The client of preview and check: nothing leaves the machine.
class RefusingHttpClient final : public http::HttpClient {
 public:
  core::Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    return core::make_error("this command sends nothing", request.method + " " + request.url);
  }
};

struct AccountBundle {
  std::unique_ptr<http::HttpClient> http;
  std::unique_ptr<FileStateStore> state;
  std::unique_ptr<connectors::Connector> connector;
};

}  // namespace

core::Result<BuiltAccount> build_account(const Config& config, const AccountConfig& account,
                                         const connectors::Registry& registry,
                                         const core::Clock& clock, const SecretEnvironment& env,
                                         Secrets secrets) {
  connectors::AccountSettings settings;
  settings.name = account.name;
  settings.network = account.network;
  settings.where = account.where;
  settings.text_template = account.text_template;
  settings.lead_image = account.lead_image;
  settings.hashtags = account.hashtags;
  settings.base_url = account.base_url;
  settings.site_name = config.site.title;
  settings.site_language = config.site.language;
  settings.options = account.options;

  const connectors::Registry::Network* network = registry.find(account.network);
  if (network == nullptr) {
    std::string known;
    for (const auto& name : registry.names()) known += (known.empty() ? "" : ", ") + name;
    return core::make_error("account '" + account.name + "': unknown network '" +
                                account.network + "' (this build knows: " + known + ")",
                            account.where);
  }

  auto bundle = std::make_shared<AccountBundle>();
  if (secrets == Secrets::kResolve) {
    auto resolved = resolve_credentials(account, env);
    if (!resolved.ok()) return resolved.error();
    settings.credentials = std::move(*resolved);
    http::ClientOptions options;
    options.ca_file = account.ca_file;
    options.total_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(account.timeout);
    options.read_timeout = std::min(options.read_timeout, options.total_timeout);
    options.connect_timeout = std::min(options.connect_timeout, options.total_timeout);
    options.user_agent = "syndicated (+" + config.site.base_url + ")";
    auto client = http::BeastHttpClient::create(std::move(options));
    if (!client.ok())
      return core::make_error("account '" + account.name + "': " + client.error().to_string(),
                              account.where);
    bundle->http = std::move(*client);
    // Beside the ledger: what a connector keeps between runs (e.g. a session).
    bundle->state = std::make_unique<FileStateStore>(config.outbox.database.parent_path() /
                                                     "accounts" / (account.name + ".state"));
  } else {
    for (const auto& name : network->credentials)
      settings.credentials[name] = connectors::Secret("placeholder");
    // Optional credentials the config names are placeholders too, so the connector behaves as
    // configured (e.g. a webhook's GitHub signature).
    for (const auto& [name, _] : account.credential_sources)
      settings.credentials[name] = connectors::Secret("placeholder");
    bundle->http = std::make_unique<RefusingHttpClient>();
  }

  connectors::ConnectorContext context{*bundle->http, clock, bundle->state.get()};
  auto connector = registry.create(settings, context);
  if (!connector.ok()) return connector.error();
  bundle->connector = std::move(*connector);

  BuiltAccount built;
  built.connector = std::shared_ptr<connectors::Connector>(bundle, bundle->connector.get());
  outbox::AccountPolicy& p = built.policy;
  p.name = account.name;
  p.network = account.network;
  p.filter = {account.categories, account.tags, account.authors, account.languages};
  p.site_language = config.site.language;
  p.min_spacing = account.min_spacing;
  p.max_age = account.max_age;
  p.delete_on_retraction = account.delete_on_retraction;
  p.max_attempts = account.max_attempts;
  p.backoff_base = account.backoff_base;
  p.backoff_cap = account.backoff_cap;
  // A request of the dead process may land until its timeout: a lookup waits for that.
  p.recovery_settle = account.timeout + std::chrono::seconds(10);
  return built;
}

core::Result<std::vector<BuiltAccount>> build_accounts(const Config& config,
                                                       const connectors::Registry& registry,
                                                       const core::Clock& clock,
                                                       const SecretEnvironment& env,
                                                       Secrets secrets) {
  std::vector<BuiltAccount> out;
  for (const auto& account : config.accounts) {
    if (!account.enabled) continue;
    auto built = build_account(config, account, registry, clock, env, secrets);
    if (!built.ok()) return built.error();
    out.push_back(std::move(*built));
  }
  return out;
}

}  // namespace syndicated::daemon
