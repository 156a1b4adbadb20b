#pragma once
// The seam between feeds/ and http/: a rendered feeds::Snapshot becomes the server's immutable
// ResourceTable. Bodies are shared, never copied.
#include <memory>

#include "feeds/snapshot.hpp"
#include "http/resource.hpp"

namespace syndicated::daemon {

http::Resource to_resource(const feeds::Document& document);
std::shared_ptr<const http::ResourceTable> to_resource_table(const feeds::Snapshot& snapshot);

}  // namespace syndicated::daemon
