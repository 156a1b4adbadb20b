#pragma once
// The app.bsky.feed.post record as the lexicon wants it (pure, no I/O):
//
//   {"$type":"app.bsky.feed.post","text":…,"createdAt":"2026-01-01T00:00:00.000Z",
//    "langs":["az"],
//    "facets":[{"index":{"byteStart":30,"byteEnd":71},
//               "features":[{"$type":"app.bsky.richtext.facet#link","uri":…}]},
//              {"index":{…},"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"Azerbaijan"}]}],
//    "embed":{"$type":"app.bsky.embed.external",
//             "external":{"uri":…,"title":…,"description":…,"thumb":<blob ref from uploadBlob>}}}
//
// Facet offsets are UTF-8 byte offsets into `text`, byteEnd exclusive. The PDS does not check
// them, so a facet that does not fit the text (out of range, splitting a UTF-8 sequence, a tag
// the lexicon would refuse) is left out here rather than sent broken.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.hpp"
#include "core/time.hpp"

namespace syndicated::connectors::bluesky {

inline constexpr std::string_view kPostCollection = "app.bsky.feed.post";

// app.bsky.embed.external#external; `thumb` is the "blob" object uploadBlob answered, as is.
struct ExternalCard {
  std::string uri;
  std::string title;
  std::string description;
  std::optional<nlohmann::json> thumb;
};

// "2026-01-01T00:00:00.000Z": RFC 3339 in UTC with milliseconds, as Bluesky's clients write it.
std::string created_at(const core::Timestamp& t);

// The facets that fit `text`, sorted by byteStart (see above).
nlohmann::json facets_json(const std::vector<Facet>& facets, std::string_view text);

// The whole record. `langs` only when post.language is set; `facets` only when any; `embed` only
// with a card.
nlohmann::json post_record(const Post& post, std::string_view created_at,
                           const std::optional<ExternalCard>& card);

}  // namespace syndicated::connectors::bluesky
