#pragma once
// Config -> the option structs of the other rooms, and the small shared pieces of the commands.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "feeds/snapshot.hpp"
#include "http/server.hpp"
#include "store/directory_store.hpp"

namespace syndicated::daemon {

store::ParserOptions parser_options(const Config& c);
store::DirectoryStoreOptions store_options(const Config& c);
http::ServerOptions server_options(const Config& c);

// An article that states no language is in the site's language (so language feeds find it).
void default_language(std::vector<core::Article>& articles, const std::string& language);

// False (and a message on `err`) when the store is not a readable directory.
bool check_store_dir(const Config& c, std::ostream& err);
// "site", "category/politics", "/category/politics/feed.xml", ... -> the FeedSpec's path.
std::string feed_path_from_argument(std::string arg);
// "http://127.0.0.1:PORT" for the listen address (wildcards shown as loopback).
std::string local_url(const Config& c, std::uint16_t port);
// What `serve` prints once ready: every URL it serves.
void print_urls(std::ostream& out, const Config& c, std::uint16_t port,
                const feeds::Snapshot& snapshot);

}  // namespace syndicated::daemon
