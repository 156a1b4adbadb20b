#include "daemon/wiring.hpp"

#include <filesystem>
#include <ostream>
#include <system_error>

#include "daemon/version.hpp"

namespace syndicated::daemon {

store::ParserOptions parser_options(const Config& c) {
  store::ParserOptions o;
  o.base_url = c.site.base_url;
  o.permalink = c.permalink;
  return o;
}

store::DirectoryStoreOptions store_options(const Config& c) {
  store::DirectoryStoreOptions o;
  o.root = c.store_path;
  o.max_file_bytes = c.max_file_bytes;
  return o;
}

http::ServerOptions server_options(const Config& c) {
  http::ServerOptions o;
  o.address = c.listen.host;
  o.port = c.listen.port;
  o.threads = c.threads;
  o.max_connections = c.max_connections;
  o.max_header_bytes = c.max_header_bytes;
  o.read_timeout = c.read_timeout;
  o.idle_timeout = c.idle_timeout;
  o.max_age_seconds = c.cache_max_age;
  o.server_header = std::string("syndicated/") + SYNDICATED_VERSION;
  return o;
}

bool check_store_dir(const Config& c, std::ostream& err) {
  std::error_code ec;
  if (!std::filesystem::is_directory(c.store_path, ec)) {
    err << "syndicated: the article store '" << c.store_path.string()
        << "' is not a readable directory" << (ec ? " (" + ec.message() + ")" : std::string())
        << "\n";
    return false;
  }
  return true;
}

// "site", "category/politics", "/category/politics/feed.xml", ... -> the FeedSpec's path.
std::string feed_path_from_argument(std::string arg) {
  for (const char* ext : {".xml", ".atom", ".json"}) {
    if (arg.ends_with(std::string("/feed") + ext)) arg.resize(arg.size() - std::string(ext).size());
  }
  while (arg.starts_with("/")) arg.erase(0, 1);
  if (arg.ends_with("/feed")) arg.resize(arg.size() - 5);
  if (arg == "feed" || arg == "site" || arg.empty()) return "/feed";
  return "/" + arg + "/feed";
}

std::string local_url(const Config& c, std::uint16_t port) {
  std::string host = c.listen.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return "http://" + ListenAddress{host, port}.to_string();
}

void print_urls(std::ostream& out, const Config& c, std::uint16_t port,
                const feeds::Snapshot& snapshot) {
  std::string base = local_url(c, port);
  out << "syndicated " << SYNDICATED_VERSION << " serving " << snapshot.visible_articles
      << " articles in " << snapshot.feeds.size() << " feeds at " << base << "/\n";
  out << "  index    " << base << "/\n";
  out << "  opml     " << base << "/feeds.opml\n";
  out << "  health   " << base << "/healthz\n";
  out << "  metrics  " << base << "/metrics\n";
  for (const feeds::FeedSpec& f : snapshot.feeds) {
    out << "  " << base << f.path << ".xml  .atom  .json   " << f.title << "\n";
  }
  out.flush();
}

void default_language(std::vector<core::Article>& articles, const std::string& language) {
  for (core::Article& a : articles)
    if (a.language.empty()) a.language = language;
}

}  // namespace syndicated::daemon
