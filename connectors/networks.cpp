// default_registry(): the one place that lists the networks of this build.
#include "connectors/bluesky/bluesky_connector.hpp"
#include "connectors/mastodon/mastodon_connector.hpp"
#include "connectors/registry.hpp"
#include "connectors/telegram/telegram_connector.hpp"
#include "connectors/webhook/webhook_connector.hpp"
#include "connectors/x/x_connector.hpp"

namespace syndicated::connectors {

Registry default_registry() {
  Registry registry;
  registry.add(x_network());
  registry.add(mastodon_network());
  registry.add(bluesky_network());
  registry.add(telegram_network());
  registry.add(webhook::webhook_network());
  return registry;
}

}  // namespace syndicated::connectors
