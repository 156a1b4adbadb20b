#pragma once
// Networks by name: each connector room registers a factory; the daemon builds one connector per
// configured account through it. Adding a network is adding a room and one line in
// default_registry(), not another branch in the daemon.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/account.hpp"
#include "connectors/connector.hpp"

namespace syndicated::connectors {

class Registry {
 public:
  // Validates the settings (required credentials and options present, no unknown option keys:
  // the error names the key and its `where`) and builds the connector.
  using Factory = std::function<core::Result<std::unique_ptr<Connector>>(
      const AccountSettings&, const ConnectorContext&)>;

  struct Network {
    std::string name;
    std::string description;
    std::vector<std::string> credentials;  // the credential names it needs
    Factory factory;
  };

  void add(Network network);
  const Network* find(const std::string& name) const;
  std::vector<std::string> names() const;

  core::Result<std::unique_ptr<Connector>> create(const AccountSettings& settings,
                                                  const ConnectorContext& context) const;

 private:
  std::map<std::string, Network> networks_;
};

// Every network this build supports.
Registry default_registry();

}  // namespace syndicated::connectors
