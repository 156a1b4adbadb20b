#pragma once
// AT Protocol TIDs (timestamp identifiers), the record keys of app.bsky.feed.post: a 64-bit
// integer (top bit 0, then 53 bits of microseconds since the epoch, then a 10-bit clock id)
// written as 13 characters of base32-sortable (alphabet "234567abcdefghijklmnopqrstuvwxyz"),
// so the first character is one of "234567abcdefghij".
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace syndicated::connectors::bluesky {

inline constexpr std::string_view kTidAlphabet = "234567abcdefghijklmnopqrstuvwxyz";

// The TID of (microseconds, clock id); bits above 53 (resp. 10) are dropped.
std::string make_tid(std::uint64_t micros, std::uint32_t clock_id);

// Whether `s` is a syntactically valid TID (as the PDS checks it).
bool is_tid(std::string_view s);

// The record key of a delivery: the article's publication time (whole seconds) in the timestamp,
// its sub-second part and the clock id from a 64-bit FNV-1a hash of the delivery key. The same
// (published, key) always gives the same TID, so a retry writes the same record; two articles
// published in the same second differ in their hash bits; keys sort by publication time.
// A publication time before 1970 counts as 1970.
std::string deterministic_tid(const core::Timestamp& published, std::string_view delivery_key);

}  // namespace syndicated::connectors::bluesky
