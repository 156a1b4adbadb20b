#include "connectors/bluesky/tid.hpp"

namespace syndicated::connectors::bluesky {
namespace {

constexpr std::uint64_t kMicrosMask = (std::uint64_t{1} << 53) - 1;
constexpr std::uint32_t kClockMask = (1u << 10) - 1;

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace

std::string make_tid(std::uint64_t micros, std::uint32_t clock_id) {
  std::uint64_t v = ((micros & kMicrosMask) << 10) | (clock_id & kClockMask);
  std::string out(13, '2');
  for (int i = 12; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kTidAlphabet[v & 31u];
    v >>= 5;
  }
  return out;
}

bool is_tid(std::string_view s) {
  if (s.size() != 13) return false;
  if (kTidAlphabet.substr(0, 16).find(s.front()) == std::string_view::npos) return false;
  for (char c : s) {
    if (kTidAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string deterministic_tid(const core::Timestamp& published, std::string_view delivery_key) {
  const std::uint64_t h = fnv1a64(delivery_key);
  const std::uint64_t seconds =
      published.unix_seconds > 0 ? static_cast<std::uint64_t>(published.unix_seconds) : 0;
  const std::uint64_t micros = seconds * 1'000'000u + (h % 1'000'000u);
  const auto clock_id = static_cast<std::uint32_t>((h >> 32) & kClockMask);
  return make_tid(micros, clock_id);
}

}  // namespace syndicated::connectors::bluesky
