#include "daemon/credentials.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace syndicated::daemon {
namespace {

using core::make_error;

core::Result<std::string> read_source(const CredentialSource& source, const std::string& account,
                                      const SecretEnvironment& env) {
  const std::string& spec = source.spec;
  auto fail = [&](const std::string& why) {
    return make_error("account '" + account + "': credentials " + spec.substr(0, spec.find(':')) +
                          " source '" + spec + "': " + why,
                      source.where);
  };
  if (spec.starts_with("env:")) {
    std::string name = spec.substr(4);
    const char* value = env.getenv ? env.getenv(name.c_str()) : nullptr;
    if (!value) return fail("the environment variable is not set");
    return std::string(value);
  }
  std::filesystem::path path;
  if (spec.starts_with("credential:")) {
    std::string name = spec.substr(11);
    if (name.find('/') != std::string::npos) return fail("a credential name has no '/'");
    const char* dir = env.getenv ? env.getenv("CREDENTIALS_DIRECTORY") : nullptr;
    if (!dir || !*dir)
      return fail("$CREDENTIALS_DIRECTORY is not set (run under systemd with LoadCredential=" +
                  name + ":/etc/syndicated/credentials/" + name + ", or use file:)");
    path = std::filesystem::path(dir) / name;
  } else if (spec.starts_with("file:")) {
    path = spec.substr(5);
    if (path.is_relative()) path = env.config_dir / path;
  } else {
    return fail("unknown source (use env:, file: or credential:)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string chomp(std::string s) {
  if (s.ends_with("\r\n"))
    s.resize(s.size() - 2);
  else if (s.ends_with('\n'))
    s.pop_back();
  return s;
}

}  // namespace

SecretEnvironment process_environment(const std::filesystem::path& config_dir) {
  return SecretEnvironment{[](const char* name) { return std::getenv(name); }, config_dir};
}

core::Result<std::map<std::string, connectors::Secret>> resolve_credentials(
    const AccountConfig& account, const SecretEnvironment& env) {
  std::map<std::string, connectors::Secret> out;
  if (account.credentials_table) {
    const CredentialSource& source = *account.credentials_table;
    auto text = read_source(source, account.name, env);
    if (!text.ok()) return text.error();
    toml::table table;
    try {
      table = toml::parse(*text, source.spec);
    } catch (const toml::parse_error& e) {
      // The parser's message may quote the offending text: only the position is reported.
      return make_error("account '" + account.name + "': credentials from '" + source.spec +
                            "' are not a TOML table of name = \"secret\" lines (line " +
                            std::to_string(e.source().begin.line) + ")",
                        source.where);
    }
    for (const auto& [key, value] : table) {
      if (!value.is_string())
        return make_error("account '" + account.name + "': credential '" +
                              std::string(key.str()) + "' in '" + source.spec +
                              "' must be a string",
                          source.where);
      out[std::string(key.str())] = connectors::Secret(value.as_string()->get());
    }
  }
  for (const auto& [key, source] : account.credential_sources) {
    auto text = read_source(source, account.name, env);
    if (!text.ok()) return text.error();
    std::string secret = chomp(std::move(*text));
    if (secret.empty())
      return make_error("account '" + account.name + "': credential '" + key + "' from '" +
                            source.spec + "' is empty",
                        source.where);
    out[key] = connectors::Secret(std::move(secret));
  }
  return out;
}

}  // namespace syndicated::daemon
