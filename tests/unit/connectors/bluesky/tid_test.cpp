// TIDs: the format the PDS checks (13 chars of base32-sortable, first char 2..j), the bit layout
// (53-bit microseconds, 10-bit clock id), and the determinism of a delivery's record key.
#include "connectors/bluesky/tid.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace syndicated::connectors::bluesky {
namespace {

// Decodes a TID back to its 64-bit value (the test's own reading of the spec).
std::uint64_t decode(const std::string& tid) {
  std::uint64_t v = 0;
  for (char c : tid) v = (v << 5) | kTidAlphabet.find(c);
  return v;
}

const std::regex kTidSyntax("^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$");

TEST(TidTest, LayoutIsMicrosecondsThenClockId) {
  EXPECT_EQ(make_tid(0, 0), "2222222222222");
  EXPECT_EQ(make_tid(0, 1), "2222222222223");
  EXPECT_EQ(make_tid(1, 0), "2222222222322");  // 1 << 10 = 32^2
  const std::uint64_t micros = 1767225600ull * 1'000'000ull + 123456;
  const std::string t = make_tid(micros, 0x2a5);
  EXPECT_EQ(decode(t) >> 10, micros);
  EXPECT_EQ(decode(t) & 0x3ff, 0x2a5u);
  EXPECT_EQ(decode(t) >> 63, 0u);
}

TEST(TidTest, MatchesTheSyntaxThePdsChecks) {
  // The largest value: 63 bits set; the first character holds bits 60..62 (the top bit is 0).
  const std::string max = make_tid(~std::uint64_t{0}, ~std::uint32_t{0});
  EXPECT_EQ(max, "bzzzzzzzzzzzz");
  for (const std::string& t : {make_tid(0, 0), max, make_tid(1767225600000000ull, 7)}) {
    EXPECT_TRUE(std::regex_match(t, kTidSyntax)) << t;
    EXPECT_TRUE(is_tid(t)) << t;
  }
  EXPECT_TRUE(is_tid("3jzfcijpj2z2a"));    // the spec's example
  EXPECT_FALSE(is_tid("3kazernews0001"));  // refused by the PDS: "Invalid TID string"
  EXPECT_FALSE(is_tid("kzzzzzzzzzzzz"));   // top bit set
  EXPECT_FALSE(is_tid("3jzfcijpj2z2"));
  EXPECT_FALSE(is_tid("3jzfcijpj2z2A"));
}

TEST(TidTest, DeliveryKeyIsDeterministicAndSortsByPublication) {
  const core::Timestamp published{1767225600, 0, 240};  // 2026-01-01T00:00:00Z (+04:00)
  const std::string a = deterministic_tid(published, "syn-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(a, deterministic_tid(published, "syn-0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(std::regex_match(a, kTidSyntax)) << a;
  // The timestamp is the publication second (sub-second part from the hash).
  EXPECT_EQ((decode(a) >> 10) / 1'000'000, 1767225600u);

  // Another article of the same second gets another key; a later article sorts after.
  std::set<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    keys.insert(deterministic_tid(published, "syn-key-" + std::to_string(i)));
  }
  EXPECT_EQ(keys.size(), 200u);
  const std::string later = deterministic_tid({1767225601, 0, 0}, "syn-other");
  for (const auto& k : keys) EXPECT_LT(k, later);

  // Before 1970 counts as 1970: still a valid TID.
  EXPECT_TRUE(is_tid(deterministic_tid({-5, 0, 0}, "k")));
}

}  // namespace
}  // namespace syndicated::connectors::bluesky
