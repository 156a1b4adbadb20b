// Hashtags from an article's categories and tags, and the template fields of an article.
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <unordered_set>

#include "compose/compose.hpp"
#include "compose/unicode_util.hpp"

namespace syndicated::compose {
namespace {

bool kept(UChar32 c) {
  return c == u'_' || u_hasBinaryProperty(c, UCHAR_ALPHABETIC) ||
         (U_GET_GC_MASK(c) & (U_GC_M_MASK | U_GC_ND_MASK)) != 0;
}

UChar32 title_case(UChar32 c, bool turkic) {
  if (turkic && c == u'i') return 0x0130;  // Azerbaijani and Turkish dotted capital I
  return u_totitle(c);
}

// "Foreign policy" -> "ForeignPolicy", "COVID-19" -> "COVID19", "Siyasət" -> "Siyasət": words
// (split at white space) are joined, each capitalised when there are several; characters other
// than letters, marks, digits and '_' are dropped. Empty when no letter is left (X does not link
// a tag of digits only).
std::string hashtag_of(const std::string& name, bool turkic) {
  const icu::UnicodeString in = detail::decode(nfc(name)).text;
  std::vector<icu::UnicodeString> words(1);
  for (std::int32_t i = 0; i < in.length();) {
    const UChar32 c = in.char32At(i);
    i += U16_LENGTH(c);
    if (u_isUWhiteSpace(c)) {
      if (!words.back().isEmpty()) words.emplace_back();
    } else if (kept(c)) {
      words.back().append(c);
    }
  }
  if (words.back().isEmpty()) words.pop_back();
  icu::UnicodeString tag;
  bool letter = false;
  for (auto& w : words) {
    if (words.size() > 1) {
      const UChar32 first = w.char32At(0);
      w.replace(0, U16_LENGTH(first), title_case(first, turkic));
    }
    tag.append(w);
  }
  for (std::int32_t i = 0; i < tag.length() && !letter; ++i) {
    letter = u_hasBinaryProperty(tag.char32At(i), UCHAR_ALPHABETIC) != 0;
  }
  return letter ? detail::to_utf8(tag) : std::string();
}

bool is_turkic(const std::string& language) {
  const std::string_view lang(language);
  return lang.substr(0, 2) == "az" || lang.substr(0, 2) == "tr";
}

}  // namespace

std::vector<std::string> hashtags(const core::Article& article) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  const bool turkic = is_turkic(article.language);
  auto add = [&](const core::Term& term) {
    std::string tag = hashtag_of(term.name, turkic);
    if (tag.empty()) return;
    // Case-insensitive, and blind to the dotted/dotless i (İ, I, i, ı are one letter here):
    // "ƏLİYEV" and "əliyev" are the same tag whatever the article's language.
    icu::UnicodeString key = detail::decode(tag).text;
    key.foldCase();
    key.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x0307)), icu::UnicodeString());
    key.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x0131)), icu::UnicodeString(u"i"));
    if (seen.insert(detail::to_utf8(key)).second) out.push_back(std::move(tag));
  };
  for (const auto& c : article.categories) add(c);
  for (const auto& t : article.tags) add(t);
  return out;
}

Fields fields_from(const core::Article& article, std::string_view site_name, bool with_hashtags) {
  Fields f;
  f.title = article.title;
  f.summary = article.summary;
  f.url = article.url;
  if (with_hashtags) f.hashtags = hashtags(article);
  for (const auto& a : article.authors) {
    if (a.name.empty()) continue;
    if (!f.author.empty()) f.author += ", ";
    f.author += a.name;
  }
  if (!article.categories.empty()) f.category = article.categories.front().name;
  f.site = std::string(site_name);
  return f;
}

}  // namespace syndicated::compose
