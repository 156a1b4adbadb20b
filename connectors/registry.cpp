#include "connectors/registry.hpp"

namespace syndicated::connectors {

void Registry::add(Network network) {
  auto name = network.name;
  networks_[name] = std::move(network);
}

const Registry::Network* Registry::find(const std::string& name) const {
  auto it = networks_.find(name);
  return it == networks_.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : networks_) out.push_back(name);
  return out;
}

core::Result<std::unique_ptr<Connector>> Registry::create(const AccountSettings& settings,
                                                          const ConnectorContext& context) const {
  const Network* network = find(settings.network);
  if (network == nullptr) {
    std::string known;
    for (const auto& name : names()) known += (known.empty() ? "" : ", ") + name;
    return core::make_error("account '" + settings.name + "': unknown network '" +
                                settings.network + "' (known: " + known + ")",
                            settings.where);
  }
  for (const auto& credential : network->credentials) {
    auto it = settings.credentials.find(credential);
    if (it == settings.credentials.end() || it->second.empty()) {
      return core::make_error("account '" + settings.name + "': credential '" + credential +
                                  "' is missing (network " + network->name + " needs it)",
                              settings.where);
    }
  }
  return network->factory(settings, context);
}

}  // namespace syndicated::connectors
