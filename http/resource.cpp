#include "http/resource.hpp"

#include <algorithm>
#include <atomic>
#include <functional>

#include "core/time.hpp"
#include "http/body_file.hpp"

namespace syndicated::http {

// Sorted by path: a shard holds about size()/kShardCount entries, so a lookup is a few
// comparisons in one contiguous vector, and copying a shard copies that many pointers.
struct ResourceTable::Shard {
  using Item = std::pair<std::string, std::shared_ptr<const Entry>>;
  std::vector<Item> items;

  std::vector<Item>::const_iterator lower_bound(std::string_view path) const {
    return std::lower_bound(items.begin(), items.end(), path,
                            [](const Item& item, std::string_view p) { return item.first < p; });
  }
};

namespace {

std::shared_ptr<const BodyFile> file_for(const Representation& rep,
                                         const ResourceTableOptions& options) {
  if (!rep.body || rep.body->empty() || rep.body->size() < options.file_min_bytes) return nullptr;
  return BodyFile::create(*rep.body);
}

}  // namespace

ResourceTable::ResourceTable() = default;
ResourceTable::ResourceTable(ResourceTableOptions options) : options_(options) {}
ResourceTable::~ResourceTable() = default;

std::size_t ResourceTable::shard_of(std::string_view path) {
  return std::hash<std::string_view>{}(path) % kShardCount;
}

const void* ResourceTable::shard_identity(std::size_t shard) const {
  return shard < kShardCount ? shards_[shard].get() : nullptr;
}

ResourceTable::Shard& ResourceTable::writable_shard(std::size_t index) {
  std::shared_ptr<Shard>& shard = shards_[index];
  // A shard referenced by another table (a copy, or the table with_changes() started from) is
  // never modified: it is cloned first. use_count() == 1 means this table is its only owner.
  if (!shard)
    shard = std::make_shared<Shard>();
  else if (shard.use_count() > 1)
    shard = std::make_shared<Shard>(*shard);
  else
    // use_count() is a relaxed load: pair it with the release of the last other owner's
    // decrement, so that owner's reads happen before the writes below.
    std::atomic_thread_fence(std::memory_order_acquire);
  return *shard;
}

void ResourceTable::add(std::string path, Resource resource) {
  auto entry = std::make_shared<Entry>();
  if (resource.last_modified >= 0)
    entry->last_modified_header = core::format_http_date(resource.last_modified);
  entry->identity_file = file_for(resource.identity, options_);
  if (resource.gzip) entry->gzip_file = file_for(*resource.gzip, options_);
  entry->resource = std::move(resource);

  Shard& shard = writable_shard(shard_of(path));
  auto it = shard.items.begin() + (shard.lower_bound(path) - shard.items.cbegin());
  if (it != shard.items.end() && it->first == path) {
    it->second = std::move(entry);
  } else {
    shard.items.emplace(it, std::move(path), std::move(entry));
    ++size_;
  }
}

void ResourceTable::remove(std::string_view path) {
  const std::size_t index = shard_of(path);
  if (!shards_[index]) return;
  auto found = shards_[index]->lower_bound(path);
  if (found == shards_[index]->items.cend() || found->first != path) return;  // nothing to copy
  Shard& shard = writable_shard(index);
  shard.items.erase(shard.items.begin() + (shard.lower_bound(path) - shard.items.cbegin()));
  --size_;
}

std::shared_ptr<const ResourceTable> ResourceTable::with_changes(
    std::vector<std::pair<std::string, Resource>> upserts,
    std::vector<std::string> removals) const {
  auto next = std::make_shared<ResourceTable>(*this);  // shares every shard
  for (auto& [path, resource] : upserts) next->add(std::move(path), std::move(resource));
  for (const std::string& path : removals) next->remove(path);
  return next;
}

const ResourceTable::Entry* ResourceTable::find_entry(std::string_view path) const {
  const Shard* shard = shards_[shard_of(path)].get();
  if (shard == nullptr) return nullptr;
  auto it = shard->lower_bound(path);
  return it == shard->items.end() || it->first != path ? nullptr : it->second.get();
}

const Resource* ResourceTable::find(std::string_view path) const {
  const Entry* entry = find_entry(path);
  return entry == nullptr ? nullptr : &entry->resource;
}

}  // namespace syndicated::http
