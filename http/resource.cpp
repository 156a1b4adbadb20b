#include "http/resource.hpp"

#include "core/time.hpp"

namespace syndicated::http {

void ResourceTable::add(std::string path, Resource resource) {
  Entry entry;
  if (resource.last_modified >= 0)
    entry.last_modified_header = core::format_http_date(resource.last_modified);
  entry.resource = std::move(resource);
  resources_.insert_or_assign(std::move(path), std::move(entry));
}

const ResourceTable::Entry* ResourceTable::find_entry(std::string_view path) const {
  auto it = resources_.find(path);
  return it == resources_.end() ? nullptr : &it->second;
}

const Resource* ResourceTable::find(std::string_view path) const {
  const Entry* entry = find_entry(path);
  return entry == nullptr ? nullptr : &entry->resource;
}

}  // namespace syndicated::http
