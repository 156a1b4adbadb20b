#pragma once
// Text hygiene shared by every renderer: UTF-8 repair, removal of characters XML forbids,
// XML/HTML escaping, CDATA sections, HTML-to-plain-text and percent-encoding.
// Every function is pure and total: any byte string in, well-formed UTF-8 out.
#include <string>
#include <string_view>

namespace syndicated::feeds {

// Appends `in` with ill-formed UTF-8 (bad bytes, overlongs, encoded surrogates, > U+10FFFF)
// replaced by U+FFFD and the characters XML 1.0 forbids dropped: U+0000-U+0008, U+000B, U+000C,
// U+000E-U+001F, U+FFFE, U+FFFF. Tab, LF and CR are kept.
void append_clean(std::string& out, std::string_view in);
std::string clean_text(std::string_view in);

// Appends `in` cleaned and escaped for XML character data (&, <, > escaped).
void append_xml_text(std::string& out, std::string_view in);
// Appends `in` cleaned and escaped for a double-quoted attribute value (also ", tab, LF, CR, so
// they survive attribute-value normalisation).
void append_xml_attr(std::string& out, std::string_view in);
// Appends a CDATA section holding `in` cleaned; every "]]>" is split across two sections.
void append_cdata(std::string& out, std::string_view in);

// Decodes HTML character references: the common named ones (&amp; &nbsp; &mdash; ...) and numeric
// ones (&#1234; &#x1F600;). Unknown or unterminated references are left as they are; references
// to U+0000, surrogates or beyond U+10FFFF become U+FFFD.
std::string decode_entities(std::string_view in);

// Turns a title that may hold HTML into plain text: tags and comments removed (script/style with
// their content), entities decoded, runs of ASCII whitespace collapsed to one space, trimmed,
// cleaned. "a < b" stays as it is: '<' starts a tag only before a letter, '/', '!' or '?'.
std::string html_to_text(std::string_view in);

// Percent-encodes every byte that is not an RFC 3986 unreserved character (ALPHA DIGIT - . _ ~).
std::string percent_encode(std::string_view in);
// Percent-encodes every byte that may not appear in the "specific" part of a tag: URI
// (RFC 4151: pchar / "/" / "?"), including '%' itself, so the mapping is one-to-one.
std::string percent_encode_tag_specific(std::string_view in);

}  // namespace syndicated::feeds
