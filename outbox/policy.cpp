#include "outbox/policy.hpp"

#include <algorithm>

namespace syndicated::outbox {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

template <class T>
bool any_term(const std::vector<std::string>& wanted, const std::vector<T>& terms) {
  if (wanted.empty()) return true;
  for (const std::string& w : wanted) {
    for (const T& t : terms) {
      if (iequals(w, t.name) || iequals(w, t.slug)) return true;
    }
  }
  return false;
}

bool language_matches(const std::vector<std::string>& wanted, std::string_view language) {
  if (wanted.empty()) return true;
  for (const std::string& w : wanted) {
    if (iequals(w, language)) return true;
    // "en" matches "en-GB" (a primary subtag alone covers its regions and scripts).
    if (w.find('-') == std::string::npos && language.size() > w.size() &&
        language[w.size()] == '-' && iequals(w, language.substr(0, w.size()))) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool matches(const Filter& filter, const core::Article& article, const std::string& site_language) {
  return any_term(filter.categories, article.categories) && any_term(filter.tags, article.tags) &&
         any_term(filter.authors, article.authors) &&
         language_matches(filter.languages,
                          article.language.empty() ? site_language : article.language);
}

}  // namespace syndicated::outbox
