#include "daemon/publisher.hpp"

namespace syndicated::daemon {

http::Resource to_resource(const feeds::Document& d) {
  http::Resource r;
  r.content_type = d.content_type;
  r.last_modified = d.last_modified > 0 ? d.last_modified : -1;
  r.identity = http::Representation{d.identity.bytes, d.identity.etag};
  if (d.gzip.bytes) r.gzip = http::Representation{d.gzip.bytes, d.gzip.etag};
  return r;
}

std::shared_ptr<const http::ResourceTable> to_resource_table(const feeds::Snapshot& snapshot) {
  auto table = std::make_shared<http::ResourceTable>();
  for (const feeds::Document& d : snapshot.documents) table->add(d.path, to_resource(d));
  return table;
}

}  // namespace syndicated::daemon
