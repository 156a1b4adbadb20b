// default_registry(): the one place that lists the networks of this build.
#include "connectors/registry.hpp"

namespace syndicated::connectors {

Registry default_registry() {
  Registry registry;
  return registry;
}

}  // namespace syndicated::connectors
