#include "connectors/bluesky/record.hpp"

#include <algorithm>
#include <cstdio>

#include "compose/compose.hpp"

namespace syndicated::connectors::bluesky {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTagBytes = 640;     // app.bsky.richtext.facet#tag maxLength
constexpr std::size_t kMaxTagGraphemes = 64;  // ... maxGraphemes

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

bool on_boundary(std::string_view text, std::size_t i) {
  return i == text.size() ||
         (i < text.size() && !is_continuation(static_cast<unsigned char>(text[i])));
}

bool fits(const Facet& f, std::string_view text) {
  if (f.byte_start >= f.byte_end || f.byte_end > text.size()) return false;
  if (!on_boundary(text, f.byte_start) || !on_boundary(text, f.byte_end)) return false;
  if (f.value.empty()) return false;
  if (f.kind == Facet::Kind::kTag) {
    if (f.value.size() > kMaxTagBytes || compose::grapheme_count(f.value) > kMaxTagGraphemes) {
      return false;
    }
    if (f.value.find_first_of(" \t\r\n") != std::string::npos) return false;
  }
  return true;
}

}  // namespace

std::string created_at(const core::Timestamp& t) {
  std::int64_t secs = t.unix_seconds;
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  core::civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03dZ", static_cast<long long>(y),
                m, d, static_cast<unsigned>(rem / 3600), static_cast<unsigned>((rem % 3600) / 60),
                static_cast<unsigned>(rem % 60), static_cast<int>(t.nanos / 1'000'000));
  return buf;
}

json facets_json(const std::vector<Facet>& facets, std::string_view text) {
  std::vector<const Facet*> kept;
  for (const auto& f : facets) {
    if (fits(f, text)) kept.push_back(&f);
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const Facet* a, const Facet* b) { return a->byte_start < b->byte_start; });
  json out = json::array();
  for (const Facet* f : kept) {
    json feature = f->kind == Facet::Kind::kLink
                       ? json{{"$type", "app.bsky.richtext.facet#link"}, {"uri", f->value}}
                       : json{{"$type", "app.bsky.richtext.facet#tag"}, {"tag", f->value}};
    out.push_back({{"index", {{"byteStart", f->byte_start}, {"byteEnd", f->byte_end}}},
                   {"features", json::array({std::move(feature)})}});
  }
  return out;
}

json post_record(const Post& post, std::string_view created,
                 const std::optional<ExternalCard>& card) {
  json record = {{"$type", kPostCollection}, {"text", post.text}, {"createdAt", created}};
  if (!post.language.empty()) record["langs"] = json::array({post.language});
  json facets = facets_json(post.facets, post.text);
  if (!facets.empty()) record["facets"] = std::move(facets);
  if (card) {
    json external = {
        {"uri", card->uri}, {"title", card->title}, {"description", card->description}};
    if (card->thumb) external["thumb"] = *card->thumb;
    record["embed"] = {{"$type", "app.bsky.embed.external"}, {"external", std::move(external)}};
  }
  return record;
}

}  // namespace syndicated::connectors::bluesky
