// default_registry(): the one place that lists the networks of this build.
#include "connectors/registry.hpp"
#include "connectors/webhook/webhook_connector.hpp"
#include "connectors/x/x_connector.hpp"

namespace syndicated::connectors {

Registry default_registry() {
  Registry registry;
  registry.add(x_network());
  registry.add(webhook::webhook_network());
  return registry;
}

}  // namespace syndicated::connectors
