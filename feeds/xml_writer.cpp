#include "feeds/xml_writer.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>

#include "feeds/text.hpp"

namespace syndicated::feeds {
namespace {

bool is_void_html_element(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kVoid = {"br", "hr", "img", "input",
                                                           "link", "meta", "source", "wbr"};
  return std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end();
}

}  // namespace

void XmlWriter::close_start_tag() {
  if (tag_open_) {
    out_.push_back('>');
    tag_open_ = false;
  }
}

void XmlWriter::newline_indent(std::size_t depth) {
  out_.push_back('\n');
  out_.append(depth * 2, ' ');
}

XmlWriter& XmlWriter::start(std::string_view name) {
  close_start_tag();
  if (!stack_.empty()) {
    stack_.back().has_children = true;
    newline_indent(stack_.size());
  }
  out_.push_back('<');
  out_.append(name);
  stack_.push_back(Frame{name});
  tag_open_ = true;
  return *this;
}

XmlWriter& XmlWriter::attr(std::string_view name, std::string_view value) {
  assert(tag_open_);
  out_.push_back(' ');
  out_.append(name);
  out_.append("=\"");
  append_xml_attr(out_, value);
  out_.push_back('"');
  return *this;
}

XmlWriter& XmlWriter::attr(std::string_view name, std::int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  return attr(name, std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void XmlWriter::text(std::string_view value) {
  assert(!stack_.empty());
  close_start_tag();
  stack_.back().has_text = true;
  append_xml_text(out_, value);
}

void XmlWriter::cdata(std::string_view value) {
  assert(!stack_.empty());
  close_start_tag();
  stack_.back().has_text = true;
  append_cdata(out_, value);
}

void XmlWriter::end() {
  assert(!stack_.empty());
  const Frame frame = stack_.back();
  stack_.pop_back();
  if (tag_open_) {
    tag_open_ = false;
    if (!html_) {
      out_.append("/>");
      return;
    }
    out_.push_back('>');
    if (is_void_html_element(frame.name)) return;
  } else if (frame.has_children && !frame.has_text) {
    newline_indent(stack_.size());
  }
  out_.append("</");
  out_.append(frame.name);
  out_.push_back('>');
}

void XmlWriter::finish() {
  while (!stack_.empty()) end();
  out_.push_back('\n');
}

}  // namespace syndicated::feeds
