#include "store/document.hpp"

#include <cstddef>
#include <iterator>
#include <limits>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace syndicated::store::detail {
namespace {

// Deeper nesting than this is not an article (and would only cost stack in the validator).
constexpr int kMaxDepth = 32;

std::int64_t days_from(const toml::date& d) {
  return core::days_from_civil(d.year, d.month, d.day);
}

Node from_toml(const toml::node& n, int line_offset) {
  Node out;
  const auto& begin = n.source().begin;
  out.line = begin.line == 0 ? 0 : static_cast<int>(begin.line) + line_offset;
  switch (n.type()) {
    case toml::node_type::table: {
      out.kind = Node::Kind::kTable;
      for (auto&& [key, value] : *n.as_table()) {
        out.keys.emplace_back(key.str());
        const auto kline = key.source().begin.line;
        out.key_lines.push_back(kline == 0 ? out.line : static_cast<int>(kline) + line_offset);
        out.values.push_back(from_toml(value, line_offset));
      }
      break;
    }
    case toml::node_type::array:
      out.kind = Node::Kind::kArray;
      for (const auto& item : *n.as_array()) out.items.push_back(from_toml(item, line_offset));
      break;
    case toml::node_type::string:
      out.kind = Node::Kind::kString;
      out.text = n.as_string()->get();
      break;
    case toml::node_type::integer:
      out.kind = Node::Kind::kInteger;
      out.integer = n.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      out.kind = Node::Kind::kFloat;
      out.real = n.as_floating_point()->get();
      break;
    case toml::node_type::boolean:
      out.kind = Node::Kind::kBool;
      out.boolean = n.as_boolean()->get();
      break;
    case toml::node_type::date_time: {
      const toml::date_time& dt = n.as_date_time()->get();
      std::ostringstream text;
      text << dt;
      out.text = text.str();
      if (dt.offset) {
        out.kind = Node::Kind::kOffsetDateTime;
        const std::int64_t local = days_from(dt.date) * 86400 + dt.time.hour * 3600 +
                                   dt.time.minute * 60 + (dt.time.second == 60 ? 59 : dt.time.second);
        out.time.offset_minutes = dt.offset->minutes;
        out.time.unix_seconds = local - std::int64_t{dt.offset->minutes} * 60;
        out.time.nanos = static_cast<std::int32_t>(dt.time.nanosecond);
      } else {
        out.kind = Node::Kind::kLocalDateTime;
      }
      break;
    }
    case toml::node_type::date: {
      out.kind = Node::Kind::kLocalDate;
      std::ostringstream text;
      text << n.as_date()->get();
      out.text = text.str();
      break;
    }
    case toml::node_type::time: {
      out.kind = Node::Kind::kLocalTime;
      std::ostringstream text;
      text << n.as_time()->get();
      out.text = text.str();
      break;
    }
    case toml::node_type::none:
      break;
  }
  return out;
}

// A character iterator that counts the newlines nlohmann's lexer has consumed, so the SAX
// callbacks know the line of the token just read.
struct LineCounter {
  int line = 1;       // line of the next character to be read
  int prev_line = 1;  // line of the last character read
};

class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator() = default;
  CountingIterator(const char* p, LineCounter* counter) : p_(p), counter_(counter) {}

  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    counter_->prev_line = counter_->line;
    if (*p_ == '\n') ++counter_->line;
    ++p_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const CountingIterator& a, const CountingIterator& b) {
    return a.p_ == b.p_;
  }

 private:
  const char* p_ = nullptr;
  LineCounter* counter_ = nullptr;
};

// Builds a Node tree from nlohmann's SAX events.
class JsonBuilder final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit JsonBuilder(const LineCounter& counter) : counter_(counter) {}

  bool null() override { return add(leaf(Node::Kind::kNull, counter_.prev_line)); }
  bool boolean(bool v) override {
    Node n = leaf(Node::Kind::kBool, counter_.prev_line);
    n.boolean = v;
    return add(std::move(n));
  }
  // Numbers are recognised one character after their end (which may be a newline): prev_line.
  bool number_integer(number_integer_t v) override {
    Node n = leaf(Node::Kind::kInteger, number_line());
    n.integer = v;
    return add(std::move(n));
  }
  bool number_unsigned(number_unsigned_t v) override {
    Node n = leaf(Node::Kind::kInteger, number_line());
    if (v > static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max())) {
      n.integer_overflow = true;
      n.integer = std::numeric_limits<std::int64_t>::max();
    } else {
      n.integer = static_cast<std::int64_t>(v);
    }
    return add(std::move(n));
  }
  bool number_float(number_float_t v, const string_t& /*text*/) override {
    Node n = leaf(Node::Kind::kFloat, number_line());
    n.real = v;
    return add(std::move(n));
  }
  bool string(string_t& v) override {
    Node n = leaf(Node::Kind::kString, counter_.line);
    n.text = std::move(v);
    return add(std::move(n));
  }
  bool binary(binary_t& /*v*/) override { return add(leaf(Node::Kind::kNull, counter_.line)); }

  bool start_object(std::size_t /*size*/) override {
    return open(leaf(Node::Kind::kTable, counter_.line));
  }
  bool key(string_t& k) override {
    Node& table = stack_.back();
    for (const auto& existing : table.keys) {
      if (existing == k) {
        fail(counter_.line, "duplicate key '" + k + "'");
        return false;
      }
    }
    table.keys.push_back(std::move(k));
    table.key_lines.push_back(counter_.line);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*size*/) override {
    return open(leaf(Node::Kind::kArray, counter_.line));
  }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t /*position*/, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line 3, column 7:
    // syntax error while parsing ..."; keep the part after the position, the line is ours.
    std::string what = ex.what();
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    (void)last_token;
    // The lexer has consumed the offending character: it is on prev_line.
    fail(counter_.prev_line, "JSON syntax error: " + what);
    return false;
  }

  bool failed() const { return failed_; }
  int error_line() const { return error_line_; }
  const std::string& error() const { return error_; }
  Node take_root() { return std::move(root_); }
  bool has_root() const { return has_root_; }

 private:
  static Node leaf(Node::Kind kind, int line) {
    Node n;
    n.kind = kind;
    n.line = line;
    return n;
  }
  int number_line() const { return counter_.prev_line; }

  void fail(int line, std::string message) {
    if (failed_) return;
    failed_ = true;
    error_line_ = line;
    error_ = std::move(message);
  }

  bool add(Node n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      has_root_ = true;
      return true;
    }
    Node& parent = stack_.back();
    if (parent.kind == Node::Kind::kArray) {
      parent.items.push_back(std::move(n));
    } else {
      parent.values.push_back(std::move(n));
    }
    return true;
  }
  bool open(Node n) {
    if (static_cast<int>(stack_.size()) >= kMaxDepth) {
      fail(n.line, "JSON nesting is deeper than " + std::to_string(kMaxDepth) + " levels");
      return false;
    }
    stack_.push_back(std::move(n));
    return true;
  }
  bool close() {
    Node n = std::move(stack_.back());
    stack_.pop_back();
    return add(std::move(n));
  }

  const LineCounter& counter_;
  std::vector<Node> stack_;
  Node root_;
  bool has_root_ = false;
  bool failed_ = false;
  int error_line_ = 0;
  std::string error_;
};

}  // namespace

std::string describe_kind(Node::Kind kind, bool json) {
  switch (kind) {
    case Node::Kind::kNull: return "null";
    case Node::Kind::kBool: return "a boolean";
    case Node::Kind::kInteger: return "an integer";
    case Node::Kind::kFloat: return json ? "a number with a fraction" : "a float";
    case Node::Kind::kString: return "a string";
    case Node::Kind::kOffsetDateTime: return "a date-time";
    case Node::Kind::kLocalDateTime: return "a date-time without a UTC offset";
    case Node::Kind::kLocalDate: return "a date without a time";
    case Node::Kind::kLocalTime: return "a time without a date";
    case Node::Kind::kArray: return "an array";
    case Node::Kind::kTable: return json ? "an object" : "a table";
  }
  return "a value";
}

ReadOutcome read_toml(std::string_view text, int first_line) {
  ReadOutcome out;
  const int offset = first_line - 1;
  try {
    toml::table table = toml::parse(text);
    out.root = from_toml(table, offset);
    out.root.kind = Node::Kind::kTable;
    out.root.line = first_line;
    out.ok = true;
  } catch (const toml::parse_error& e) {
    const auto line = e.source().begin.line;
    out.error_line = line == 0 ? first_line : static_cast<int>(line) + offset;
    out.error = "TOML syntax error in the front matter: " + std::string(e.description());
  }
  return out;
}

ReadOutcome read_json(std::string_view text) {
  ReadOutcome out;
  LineCounter counter;
  JsonBuilder builder(counter);
  CountingIterator first(text.data(), &counter);
  CountingIterator last(text.data() + text.size(), &counter);
  const bool parsed = nlohmann::json::sax_parse(first, last, &builder);
  if (!parsed || builder.failed()) {
    out.error_line = builder.failed() ? builder.error_line() : counter.prev_line;
    out.error = builder.failed() ? builder.error() : "JSON syntax error";
    return out;
  }
  Node root = builder.take_root();
  if (root.kind != Node::Kind::kTable) {
    out.error_line = root.line;
    out.error = "a .json article must be a JSON object ({...}), not " +
                describe_kind(root.kind, /*json=*/true);
    return out;
  }
  out.root = std::move(root);
  out.ok = true;
  return out;
}

}  // namespace syndicated::store::detail
