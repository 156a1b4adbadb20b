#pragma once
// Result<T>: the one way expected failures travel in syndicated (C++20 has no std::expected).
// An Error says what went wrong and where (a file and line, a URL, a config key).
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace syndicated::core {

struct Error {
  std::string message;  // what is wrong, e.g. "missing required field 'id'"
  std::string where;    // where, e.g. "politics/vote.md:3"; may be empty

  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message, std::string where = {}) {
  return Error{std::move(message), std::move(where)};
}

}  // namespace syndicated::core
