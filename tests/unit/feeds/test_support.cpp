#include "test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/time.hpp"

namespace syndicated::feeds::testing {

core::Timestamp ts(std::string_view rfc3339) {
  auto t = core::parse_rfc3339(rfc3339);
  if (!t.ok()) {
    std::fprintf(stderr, "bad timestamp literal %.*s\n", static_cast<int>(rfc3339.size()),
                 rfc3339.data());
    std::abort();
  }
  return *t;
}

Site sample_site() {
  Site s;
  s.title = "APA News";
  s.description = "News from Azerbaijan & the region";
  s.base_url = "https://news.example.az/";
  s.language = "en";
  s.icon = "https://news.example.az/icon.png";
  s.copyright = "© 2024 APA";
  s.tag_authority = "news.example.az,2024";
  return s;
}

core::Article article(std::string id, std::string_view published) {
  core::Article a;
  a.slug = id;
  a.url = "https://news.example.az/news/" + id;
  a.title = "Title " + id;
  a.summary = "Summary " + id;
  a.body_html = "<p>Body " + id + "</p>";
  a.id = std::move(id);
  a.published = ts(published);
  return a;
}

std::vector<core::Article> sample_articles() {
  std::vector<core::Article> v;

  core::Article en = article("2024-0001", "2024-03-01T09:30:00Z");
  en.title = "Parliament <em>passes</em> budget &amp; tax reform";
  en.url = "https://news.example.az/politics/budget-passes";
  en.summary = "The budget passed 87 to 12; see <details> & figures.";
  en.body_html =
      "<p>The vote was <a href=\"/politics/vote-record\">recorded</a>.</p>\n"
      "<p><img src=\"../media/chamber.jpg\" alt=\"Chamber\"></p>\n"
      "<p>Code: <code>a]]>b</code></p>";
  en.authors = {{"Jane Doe", "jane-doe", "https://news.example.az/author/jane-doe",
                 "jane@news.example.az"}};
  en.categories = {{"Politics", "politics"}};
  en.tags = {{"Budget", "budget"}, {"Parliament", "parliament"}};
  en.images = {{"https://news.example.az/media/chamber.jpg", "image/jpeg", 1200, 800, 245760,
                "The chamber during the vote"}};
  en.language = "en";
  en.updated = ts("2024-03-02T08:00:00+04:00");
  v.push_back(en);

  core::Article az = article("2024-0002", "2024-03-05T14:00:00+04:00");
  az.title = "Azərbaycan iqtisadiyyatı 5% böyüdü";
  az.url = "https://news.example.az/az/iqtisadiyyat/artim";
  az.summary = "Ölkənin ÜDM-i ötən il 5% artıb.";
  az.body_html = "<p>Məlumat <a href=\"https://stat.gov.az/\">Statistika Komitəsindən</a>.</p>";
  az.authors = {{"Əli Həsənov", "eli-hesenov", "", ""}};
  az.categories = {{"İqtisadiyyat", "iqtisadiyyat"}};
  az.tags = {{"ÜDM", "udm"}};
  az.language = "az";
  v.push_back(az);

  core::Article ru = article("2024-0003", "2024-03-05T14:00:00+03:00");
  ru.title = "Россия и Азербайджан подписали соглашение";
  ru.url = "https://news.example.az/ru/politika/soglashenie";
  ru.summary = "Стороны договорились о сотрудничестве.";
  ru.body_html = "<p>Подробности <a href='#details'>ниже</a>.</p><h2 id=\"details\">Детали</h2>";
  ru.authors = {{"Jane Doe", "jane-doe", "https://news.example.az/author/jane-doe", ""},
                {"Иван Петров", "ivan-petrov", "", ""}};
  ru.categories = {{"Politics", "politics"}};
  ru.tags = {{"Russia", "russia"}};
  ru.language = "ru";
  v.push_back(ru);

  // Same instant as nothing else, but an emoji and a gallery.
  core::Article gallery = article("2024-0004", "2024-03-08T18:45:00-05:00");
  gallery.title = "Novruz celebrations 🎉 in pictures";
  gallery.url = "https://news.example.az/culture/novruz-gallery";
  gallery.summary = "Bonfires, sweets and 🔥.";
  gallery.body_html =
      "<figure><img src=\"/media/novruz-1.jpg\" srcset=\"/media/novruz-1.jpg 1x, "
      "/media/novruz-1@2x.jpg 2x\"></figure>\n<video poster=\"media/poster.jpg\" "
      "src=\"//cdn.example.az/v/novruz.mp4\"></video>";
  gallery.authors = {{"Photo Desk", "photo-desk", "", ""}};
  gallery.categories = {{"Culture", "culture"}};
  gallery.tags = {{"Novruz", "novruz"}, {"Gallery", "gallery"}};
  gallery.images = {
      {"https://news.example.az/media/novruz-1.jpg", "image/jpeg", 1600, 1067, std::nullopt,
       "Jumping over the bonfire"},
      {"https://news.example.az/media/novruz-2.jpg", "image/jpeg", std::nullopt, std::nullopt,
       std::nullopt, ""},
      {"https://news.example.az/media/novruz-3.png", "image/png", 800, 600, 51200,
       "Şəkərbura & paxlava"},
  };
  gallery.language = "";  // falls back to the site's
  v.push_back(gallery);

  core::Article draft = article("2024-0005", "2024-03-01T00:00:00Z");
  draft.status = core::ArticleStatus::kDraft;
  draft.categories = {{"Drafts", "drafts"}};
  v.push_back(draft);

  core::Article retracted = article("2024-0006", "2024-03-02T00:00:00Z");
  retracted.status = core::ArticleStatus::kRetracted;
  v.push_back(retracted);

  core::Article embargoed = article("2024-0007", "2024-03-11T06:00:00Z");
  embargoed.categories = {{"Secret", "secret"}};
  v.push_back(embargoed);

  return v;
}

std::vector<const core::Article*> pointers(const std::vector<core::Article>& articles) {
  std::vector<const core::Article*> out;
  for (const auto& a : articles) out.push_back(&a);
  return out;
}

std::string write_temp(std::string_view name, std::string_view content) {
  static std::atomic<int> counter{0};
  std::string path = ::testing::TempDir() + "syndicated_feeds_" + std::to_string(::getpid()) +
                     "_" + std::to_string(counter++) + "_" + std::string(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool have_program(const char* path) { return ::access(path, X_OK) == 0; }

int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
  return ::pclose(p);
}

::testing::AssertionResult atom_is_valid(std::string_view atom) {
  const std::string path = write_temp("feed.atom", atom);
  std::string out;
  const std::string schema = std::string(SYNDICATED_SHARED_DIR) + "/testdata/atom/atom-rfc4287.rnc";
  if (run_command("/usr/bin/jing -c '" + schema + "' '" + path + "'", out) != 0)
    return ::testing::AssertionFailure() << "jing: " << out;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult xml_is_well_formed(std::string_view xml) {
  const std::string path = write_temp("doc.xml", xml);
  std::string out;
  if (run_command("/usr/bin/xmllint --noout '" + path + "'", out) != 0)
    return ::testing::AssertionFailure() << "xmllint: " << out;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult json_feed_is_valid(std::string_view json) {
  static constexpr std::string_view kScript = R"PY(
import json, sys, warnings
warnings.simplefilter("ignore")
import jsonschema
d = sys.argv[1] + "/testdata/jsonfeed/"
schema = json.load(open(d + "feed.json"))
store = {"https://json.schemastore.org/feed-1": json.load(open(d + "feed-1.json")),
         "https://json.schemastore.org/feed.json": schema}
resolver = jsonschema.RefResolver.from_schema(schema, store=store)
validator = jsonschema.Draft4Validator(schema, resolver=resolver,
                                       format_checker=jsonschema.FormatChecker())
errors = list(validator.iter_errors(json.load(open(sys.argv[2], encoding="utf-8"))))
for e in errors:
    print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)
)PY";
  const std::string script = write_temp("validate.py", kScript);
  const std::string path = write_temp("feed.json", json);
  std::string out;
  if (run_command("/usr/bin/python3 '" + script + "' '" + SYNDICATED_SHARED_DIR + "' '" + path +
                      "'",
                  out) != 0)
    return ::testing::AssertionFailure() << "jsonschema: " << out;
  return ::testing::AssertionSuccess();
}

void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(SYNDICATED_SOURCE_DIR) + "/tests/golden/feeds/" + name;
  const char* update = std::getenv("SYNDICATED_UPDATE_GOLDEN");
  if (update != nullptr && std::string_view(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    std::printf("updated golden file %s\n", path.c_str());
    return;
  }
  std::ifstream probe(path);
  ASSERT_TRUE(probe.good()) << "missing golden file " << path
                            << " (run with SYNDICATED_UPDATE_GOLDEN=1 and review it)";
  EXPECT_EQ(read_file(path), actual)
      << "golden mismatch for " << name << "; if intended, regenerate with "
      << "SYNDICATED_UPDATE_GOLDEN=1 and review the diff";
}

}  // namespace syndicated::feeds::testing
