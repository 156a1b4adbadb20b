#pragma once
// Helpers shared by the compose tests.
#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

namespace syndicated::compose::test {

inline nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline std::string conformance(const std::string& name) {
  return std::string(COMPOSE_TEST_JSON_DIR) + "/" + name;
}

inline std::string shared(const std::string& rel) {
  return std::string(SYNDICATED_SHARED_DIR) + "/testdata/" + rel;
}

// UTF-16 length of a UTF-8 prefix (well-formed input).
inline std::size_t utf16_length(std::string_view utf8) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if ((c & 0xC0) == 0x80) continue;
    n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

}  // namespace syndicated::compose::test
