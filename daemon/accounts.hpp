#pragma once
// From [accounts.NAME] to a working account: its secrets resolved, its HTTPS client, its
// connector (through the registry, which validates the network's own options) and the outbox
// policy. `serve` builds real ones; `preview` and `check` build them with placeholder secrets and
// a client that refuses to send, so they need no secrets and can never post.
#include <memory>
#include <string>
#include <vector>

#include "connectors/registry.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "daemon/config.hpp"
#include "daemon/credentials.hpp"
#include "outbox/policy.hpp"

namespace syndicated::daemon {

struct BuiltAccount {
  outbox::AccountPolicy policy;
  // Owns the account's HTTP client too (aliasing shared_ptr): it lives while the connector does.
  std::shared_ptr<connectors::Connector> connector;
};

enum class Secrets {
  kResolve,      // read them (serve)
  kPlaceholder,  // don't: every credential the network needs is a dummy; nothing can be sent
};

core::Result<BuiltAccount> build_account(const Config& config, const AccountConfig& account,
                                         const connectors::Registry& registry,
                                         const core::Clock& clock, const SecretEnvironment& env,
                                         Secrets secrets);

// Every enabled account, or the first error (named by account and config line).
core::Result<std::vector<BuiltAccount>> build_accounts(const Config& config,
                                                       const connectors::Registry& registry,
                                                       const core::Clock& clock,
                                                       const SecretEnvironment& env,
                                                       Secrets secrets);

}  // namespace syndicated::daemon
