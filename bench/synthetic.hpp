#pragma once
// Deterministic synthetic articles for benchmarks: realistic sizes (a ~5 KB HTML body, three
// photos, two categories, three tags, trilingual text), no randomness, no clock.
#include <cstdio>
#include <string>
#include <vector>

#include "core/article.hpp"

namespace syndicated::bench {

inline const char* kParagraphs[] = {
    "<p>The Milli Majlis adopted the <a href=\"/tags/budget/\">state budget</a> for the coming "
    "year on Thursday, with spending on education and health care rising faster than inflation. "
    "Deputies debated the document for three days before the final vote.</p>",
    "<p>Azərbaycan Respublikasının dövlət büdcəsi haqqında qanun layihəsi üçüncü oxunuşda qəbul "
    "edildi. Təhsil və səhiyyə xərcləri əvvəlki illə müqayisədə artırılıb.</p>",
    "<p>Парламент Азербайджана принял государственный бюджет на следующий год. Расходы на "
    "образование и здравоохранение выросли быстрее инфляции, сообщили в комитете.</p>",
    "<p><img src=\"/media/2026/11/chart.png\" alt=\"Chart\"> Revenue from the oil fund will "
    "cover just under half of the spending, the finance ministry said, a smaller share than "
    "in any year of the past decade &amp; a sign of a broader tax base.</p>",
};

inline std::string synthetic_body(int paragraphs) {
  std::string body;
  for (int i = 0; i < paragraphs; ++i) body += kParagraphs[i % 4];
  return body;
}

inline core::Article synthetic_article(int i, int paragraphs = 16) {
  core::Article a;
  char id[32];
  std::snprintf(id, sizeof id, "a%07d", i);
  a.id = id;
  a.title = "Parliament adopts the budget, part " + std::to_string(i);
  a.slug = "parliament-budget-" + std::to_string(i);
  a.url = "https://news.example.az/2026/11/" + a.slug + "/";
  a.summary = "Spending on education and health care rises faster than inflation.";
  a.body_html = synthetic_body(paragraphs);
  a.authors = {{"Leyla Mammadova", "leyla-mammadova", "https://news.example.az/authors/leyla", ""}};
  static const char* kCats[][2] = {{"Politics", "politics"}, {"Economy", "economy"},
                                   {"Siyasət", "siyaset"}, {"Спорт", "sport"}};
  a.categories = {{kCats[i % 4][0], kCats[i % 4][1]}, {kCats[(i + 1) % 4][0], kCats[(i + 1) % 4][1]}};
  a.tags = {{"budget", "budget"}, {"tag " + std::to_string(i % 50), "tag-" + std::to_string(i % 50)},
            {"baku", "baku"}};
  for (int k = 0; k < 3; ++k) {
    core::Image img;
    img.url = "https://news.example.az/media/2026/11/" + a.slug + "-" + std::to_string(k) + ".jpg";
    img.type = "image/jpeg";
    img.width = 1600;
    img.height = 900;
    img.length = 245760;
    img.caption = "Deputies during the vote";
    a.images.push_back(img);
  }
  a.language = (i % 3 == 0) ? "en" : (i % 3 == 1 ? "az" : "ru");
  a.published = core::Timestamp{1764000000 + static_cast<std::int64_t>(i) * 60, 0, 240};
  return a;
}

inline std::vector<core::Article> synthetic_articles(int n, int paragraphs = 16) {
  std::vector<core::Article> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v.push_back(synthetic_article(i, paragraphs));
  return v;
}

// The same article as a Markdown file with TOML front matter, for store benchmarks.
inline std::string synthetic_file(int i) {
  core::Article a = synthetic_article(i, 8);
  std::string f = "+++\n";
  f += "id = \"" + a.id + "\"\n";
  f += "title = \"" + a.title + "\"\n";
  f += "summary = \"" + a.summary + "\"\n";
  f += "language = \"" + a.language + "\"\n";
  f += "published = " + core::format_rfc3339(a.published) + "\n";
  f += "categories = [\"" + a.categories[0].name + "\", \"" + a.categories[1].name + "\"]\n";
  f += "tags = [\"budget\", \"" + a.tags[1].name + "\", \"baku\"]\n";
  f += "\n[[authors]]\nname = \"Leyla Mammadova\"\n";
  for (const auto& img : a.images) {
    f += "\n[[images]]\nurl = \"" + img.url + "\"\nwidth = 1600\nheight = 900\ncaption = \"" +
         img.caption + "\"\n";
  }
  f += "+++\n\n";
  f += "The **Milli Majlis** adopted the [state budget](/tags/budget/) for the coming year.\n\n";
  f += "Azərbaycan Respublikasının dövlət büdcəsi haqqında qanun layihəsi qəbul edildi.\n\n";
  f += "Парламент Азербайджана принял государственный бюджет на следующий год.\n";
  return f;
}

}  // namespace syndicated::bench
