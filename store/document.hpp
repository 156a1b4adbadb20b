#pragma once
// A format-neutral tree of the fields an article file states, with the line each value and key was
// written on. The TOML front matter and the JSON object are both read into it, so the rules that
// validate an article are written once (store/article_parser.cpp). Internal to store/.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace syndicated::store::detail {

struct Node {
  enum class Kind {
    kNull,
    kBool,
    kInteger,
    kFloat,
    kString,
    kOffsetDateTime,  // TOML 1979-05-27T07:32:00+04:00: `time` is set
    kLocalDateTime,   // TOML 1979-05-27T07:32:00 (no offset)
    kLocalDate,       // TOML 1979-05-27
    kLocalTime,       // TOML 07:32:00
    kArray,
    kTable,
  };

  Kind kind = Kind::kNull;
  int line = 0;  // 1-based line in the whole file; 0 when unknown
  bool boolean = false;
  std::int64_t integer = 0;
  bool integer_overflow = false;  // a JSON number too large for int64
  double real = 0;
  std::string text;  // kString; for date/time kinds, the value as written (for messages)
  core::Timestamp time;

  std::vector<Node> items;  // kArray

  // kTable, in the order written: keys[i] (on key_lines[i]) holds values[i].
  std::vector<std::string> keys;
  std::vector<int> key_lines;
  std::vector<Node> values;
};

// "a string", "an integer", "a table"/"an object" (JSON calls tables objects).
std::string describe_kind(Node::Kind kind, bool json);

}  // namespace syndicated::store::detail

namespace syndicated::store::detail {

struct ReadOutcome {
  bool ok = false;
  Node root;         // a kTable when ok
  int error_line = 0;
  std::string error;  // what is wrong, for an operator
};

// Reads TOML text that starts on line `first_line` of its file (so lines in nodes and errors are
// lines of the file).
ReadOutcome read_toml(std::string_view text, int first_line);

// Reads a JSON document whose top level must be an object. Duplicate keys are an error.
ReadOutcome read_json(std::string_view text);

}  // namespace syndicated::store::detail
