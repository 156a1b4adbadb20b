#pragma once
// A small streaming XML writer: appends to a string as it goes, no DOM. Escapes and cleans every
// attribute value and text node (see text.hpp), indents two spaces per level, and writes
// elements holding only text on one line. Element and attribute names are trusted (our literals).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace syndicated::feeds {

class XmlWriter {
 public:
  // In HTML mode empty elements other than void ones (meta, link, br, ...) are written as
  // "<x></x>" instead of "<x/>", and no XML declaration is expected.
  explicit XmlWriter(std::string& out, bool html = false) : out_(out), html_(html) {}
  // A fragment of an XML document: writes as if `depth` elements (with children) were open, so
  // that raw_child() of the fragment in a writer at that depth gives the same bytes as writing
  // it in place. Not to be finish()ed.
  XmlWriter(std::string& out, std::size_t depth) : out_(out), html_(false) {
    stack_.resize(depth, Frame{{}, true, false});
  }

  void declaration() { out_.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"); }

  // Opens an element; attributes may follow until the first child or text.
  XmlWriter& start(std::string_view name);
  XmlWriter& attr(std::string_view name, std::string_view value);
  XmlWriter& attr(std::string_view name, std::int64_t value);
  // Character data (escaped) or a CDATA section (split around "]]>").
  void text(std::string_view value);
  void cdata(std::string_view value);
  // Closes the innermost open element.
  void end();
  // <name>value</name>
  void element(std::string_view name, std::string_view value) {
    start(name);
    text(value);
    end();
  }
  // Appends a fragment written by a fragment writer at this depth (see above) as the next
  // child of the innermost open element.
  void raw_child(std::string_view fragment) {
    close_start_tag();
    stack_.back().has_children = true;
    out_.append(fragment);
  }
  // Closes every open element and ends the document with a newline.
  void finish();

 private:
  struct Frame {
    std::string_view name;
    bool has_children = false;
    bool has_text = false;
  };
  void close_start_tag();
  void newline_indent(std::size_t depth);

  std::string& out_;
  bool html_;
  bool tag_open_ = false;  // "<name attr=..." written, '>' not yet
  std::vector<Frame> stack_;
};

}  // namespace syndicated::feeds
