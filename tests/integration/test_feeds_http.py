"""Integration: the real daemon on the example store, read by real feed clients over HTTP.

Every feed parses with feedparser (bozo 0), every Atom feed validates with jing against the
RFC 4287 RELAX NG schema, every JSON Feed against the JSON Feed schema, every XML document is
well-formed for xmllint; conditional GET, gzip, HEAD; broken articles reported, the rest served.
"""
import datetime
import gzip
import json
import os
import shutil
import signal
import subprocess
import tempfile
import tomllib
import unittest
import xml.etree.ElementTree as ET

import feedparser
import jsonschema

from daemon_harness import (BIN, EXAMPLE_CONFIG, EXAMPLE_STORE, SHARED_DIR, Daemon,
                            copy_example_store, wait_until)

ATOM_RNC = os.path.join(SHARED_DIR, "testdata", "atom", "atom-rfc4287.rnc")
JSONFEED_SCHEMA = os.path.join(SHARED_DIR, "testdata", "jsonfeed", "feed.json")
JSONFEED_SCHEMA_1 = os.path.join(SHARED_DIR, "testdata", "jsonfeed", "feed-1.json")


def parse_feed(path, body):
    """Entries as (id, title, published) from any format: feedparser for RSS and Atom (Debian's
    feedparser 6.0 has no JSON Feed support), the json module for JSON Feed."""
    if path.endswith(".json"):
        doc = json.loads(body)
        return [(i["id"], i.get("title"), datetime.datetime.fromisoformat(i["date_published"]))
                for i in doc["items"]]
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, "%s: %s" % (path, parsed.get("bozo_exception"))
    return [(e.id, e.title, datetime.datetime(*e.published_parsed[:6], tzinfo=datetime.timezone.utc))
            for e in parsed.entries]


def read_example_articles(store):
    """The example store's articles as plain dicts, parsed independently of the daemon."""
    out = []
    for root, dirs, files in os.walk(store):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".md"):
                text = open(path, encoding="utf-8").read()
                assert text.startswith("+++\n"), path
                front = text[4:text.index("\n+++", 4)]
                doc = tomllib.loads(front)
            elif name.endswith(".json"):
                doc = json.load(open(path, encoding="utf-8"))
            else:
                continue
            published = doc["published"]
            if isinstance(published, str):
                published = datetime.datetime.fromisoformat(published)
            doc["published"] = published
            out.append(doc)
    return out


def visible(articles):
    now = datetime.datetime.now(datetime.timezone.utc)
    return [a for a in articles
            if a.get("status", "published") == "published" and a["published"] <= now]


class FeedsOverHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon(EXAMPLE_STORE)
        cls.articles = read_example_articles(EXAMPLE_STORE)
        cls.visible = visible(cls.articles)
        status, _, body = cls.daemon.get("/feeds.opml")
        assert status == 200, status
        cls.opml = body
        root = ET.fromstring(body)
        cls.feed_urls = [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
        # Every feed, in every format, by path.
        cls.paths = sorted({u[u.index("/", 8):] for u in cls.feed_urls})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def fetch(self, path):
        status, headers, body = self.daemon.get(path)
        self.assertEqual(status, 200, path)
        return headers, body

    def test_example_store_is_big_enough(self):
        self.assertGreaterEqual(len(self.articles), 12)
        langs = {a.get("language") for a in self.articles}
        self.assertTrue({"en", "az", "ru"} <= langs, langs)
        statuses = [a.get("status", "published") for a in self.articles]
        self.assertIn("draft", statuses)
        self.assertIn("retracted", statuses)

    def test_opml_lists_every_format_of_the_site_feed(self):
        for path in ("/feed.xml", "/feed.atom", "/feed.json"):
            self.assertIn(path, self.paths)
        self.assertTrue(any(p.startswith("/category/") for p in self.paths))
        self.assertTrue(any(p.startswith("/author/") for p in self.paths))
        self.assertTrue(any(p.startswith("/tag/") for p in self.paths))
        self.assertIn("/feeds/azerbaijani/feed.xml", self.paths)

    def test_every_feed_parses_with_feedparser(self):
        for path in self.paths:
            if path.endswith(".json"):
                continue  # feedparser 6.0 does not read JSON Feed; see the schema test
            headers, body = self.fetch(path)
            parsed = feedparser.parse(body)
            self.assertEqual(parsed.bozo, 0, "%s: %s" % (path, parsed.get("bozo_exception")))
            self.assertGreater(len(parsed.entries), 0, path)
            for e in parsed.entries:
                self.assertTrue(e.get("id"), path)
                self.assertTrue(e.get("title"), path)
                self.assertIsNotNone(e.get("published_parsed"), path)

    def test_site_feed_has_every_visible_article_newest_first(self):
        expected = sorted(self.visible, key=lambda a: (-a["published"].timestamp(), a["id"]))
        for path in ("/feed.xml", "/feed.atom", "/feed.json"):
            _, body = self.fetch(path)
            entries = parse_feed(path, body)
            ids = [e[0] for e in entries]
            self.assertEqual(len(ids), len(expected), path)
            self.assertEqual([i.rsplit(":", 1)[-1] for i in ids],
                             [a["id"] for a in expected], path)
            self.assertTrue(all(i.startswith("tag:news.example.az,2024:") for i in ids), ids)
            self.assertEqual([e[2] for e in entries], [a["published"] for a in expected], path)

    def test_drafts_retracted_and_embargoed_are_in_no_feed(self):
        hidden = {a["id"] for a in self.articles} - {a["id"] for a in self.visible}
        self.assertGreaterEqual(len(hidden), 3)
        for path in self.paths:
            _, body = self.fetch(path)
            for entry_id, _, _ in parse_feed(path, body):
                self.assertNotIn(entry_id.rsplit(":", 1)[-1], hidden, path)

    def test_titles_agree_across_formats(self):
        titles = {}
        for path in ("/feed.xml", "/feed.atom", "/feed.json"):
            _, body = self.fetch(path)
            titles[path] = [(e[0], e[1]) for e in parse_feed(path, body)]
        self.assertEqual(titles["/feed.xml"], titles["/feed.atom"])
        self.assertEqual(titles["/feed.xml"], titles["/feed.json"])

    def test_every_atom_feed_validates_with_jing(self):
        tmp = tempfile.mkdtemp()
        try:
            files = []
            for path in self.paths:
                if path.endswith(".atom"):
                    _, body = self.fetch(path)
                    f = os.path.join(tmp, "%d.atom" % len(files))
                    with open(f, "wb") as out:
                        out.write(body)
                    files.append(f)
            self.assertGreater(len(files), 3)
            r = subprocess.run(["jing", "-c", ATOM_RNC] + files, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_every_json_feed_validates_against_the_schema(self):
        schema = json.load(open(JSONFEED_SCHEMA))
        # The schema refers to its version-1 part by URL; resolve it locally (no network here).
        resolver = jsonschema.RefResolver.from_schema(
            schema, store={"https://json.schemastore.org/feed-1": json.load(open(JSONFEED_SCHEMA_1)),
                           "https://json.schemastore.org/feed.json": schema})
        validator = jsonschema.Draft4Validator(schema, resolver=resolver,
                                               format_checker=jsonschema.FormatChecker())
        count = 0
        for path in self.paths:
            if path.endswith(".json"):
                headers, body = self.fetch(path)
                self.assertEqual(headers["content-type"], "application/feed+json; charset=utf-8")
                doc = json.loads(body)
                errors = ["%s: %s" % (list(e.absolute_path), e.message)
                          for e in validator.iter_errors(doc)]
                self.assertEqual(errors, [], path)
                self.assertEqual(doc["version"], "https://jsonfeed.org/version/1.1")
                count += 1
        self.assertGreater(count, 3)

    def test_every_xml_document_is_well_formed_for_xmllint(self):
        tmp = tempfile.mkdtemp()
        try:
            files = []
            for path in [p for p in self.paths if not p.endswith(".json")] + ["/feeds.opml"]:
                _, body = self.fetch(path)
                f = os.path.join(tmp, "%d.xml" % len(files))
                with open(f, "wb") as out:
                    out.write(body)
                files.append(f)
            r = subprocess.run(["xmllint", "--noout"] + files, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_content_types(self):
        expected = {".xml": "application/rss+xml; charset=utf-8",
                    ".atom": "application/atom+xml; charset=utf-8",
                    ".json": "application/feed+json; charset=utf-8"}
        for ext, ctype in expected.items():
            headers, _ = self.fetch("/feed" + ext)
            self.assertEqual(headers["content-type"], ctype)
            self.assertEqual(headers["vary"], "Accept-Encoding")
            self.assertRegex(headers["cache-control"], r"^public, max-age=\d+$")
        headers, _ = self.fetch("/feeds.opml")
        self.assertEqual(headers["content-type"], "text/x-opml; charset=utf-8")

    def test_index_page_has_discovery_links(self):
        headers, body = self.fetch("/")
        self.assertTrue(headers["content-type"].startswith("text/html"))
        html = body.decode("utf-8")
        self.assertIn('rel="alternate"', html)
        self.assertIn('type="application/rss+xml"', html)
        self.assertIn('type="application/atom+xml"', html)
        self.assertIn("/feed.xml", html)

    def test_conditional_get(self):
        status, headers, body = self.daemon.get("/feed.xml")
        self.assertEqual(status, 200)
        etag = headers["etag"]
        self.assertTrue(etag.startswith('"') and etag.endswith('"'), etag)
        self.assertIn("last-modified", headers)
        status, h304, body304 = self.daemon.get("/feed.xml", {"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body304, b"")
        self.assertEqual(h304["etag"], etag)
        status, _, _ = self.daemon.get("/feed.xml", {"If-Modified-Since": headers["last-modified"]})
        self.assertEqual(status, 304)
        status, _, _ = self.daemon.get("/feed.xml", {"If-None-Match": '"something-else"'})
        self.assertEqual(status, 200)
        status, _, _ = self.daemon.get("/feed.xml",
                                       {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
        self.assertEqual(status, 200)

    def test_gzip_inflates_to_identity_with_its_own_etag(self):
        _, plain_headers, plain = self.daemon.get("/feed.atom")
        status, headers, body = self.daemon.get("/feed.atom", {"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(body), plain)
        self.assertNotEqual(headers["etag"], plain_headers["etag"])
        self.assertLess(len(body), len(plain))
        status, _, _ = self.daemon.get("/feed.atom", {"Accept-Encoding": "gzip",
                                                      "If-None-Match": headers["etag"]})
        self.assertEqual(status, 304)
        status, h, _ = self.daemon.get("/feed.atom", {"Accept-Encoding": "gzip;q=0"})
        self.assertNotIn("content-encoding", h)

    def test_head_has_headers_and_no_body(self):
        _, get_headers, body = self.daemon.get("/feed.json")
        status, headers, head_body = self.daemon.request("HEAD", "/feed.json")
        self.assertEqual(status, 200)
        self.assertEqual(head_body, b"")
        self.assertEqual(headers["content-length"], str(len(body)))
        self.assertEqual(headers["etag"], get_headers["etag"])

    def test_errors(self):
        status, _, _ = self.daemon.get("/no/such/feed.xml")
        self.assertEqual(status, 404)
        status, headers, _ = self.daemon.request("DELETE", "/feed.xml")
        self.assertEqual(status, 405)
        self.assertIn("GET", headers["allow"])
        status, _, body = self.daemon.get("/healthz")
        self.assertEqual(status, 200)

    def test_render_prints_the_served_bytes(self):
        _, served = self.fetch("/feed.atom")
        r = subprocess.run([BIN, "render", "--config", EXAMPLE_CONFIG, "--store", EXAMPLE_STORE,
                            "site", "atom"], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The served feed's self links carry the daemon's port; the render's the configured one.
        port = str(self.daemon.port)
        self.assertEqual(r.stdout.replace(b"127.0.0.1:8080", b"127.0.0.1:" + port.encode()),
                         served.replace(b"localhost:" + port.encode(),
                                        b"127.0.0.1:" + port.encode()))


class BrokenArticles(unittest.TestCase):
    """Broken files are reported with file and line; every other article is still served."""

    BROKEN = {
        "broken/no-closing.md": "+++\nid = \"b1\"\ntitle = \"Never closed\"\n",
        "broken/bad-date.md": "+++\nid = \"b2\"\ntitle = \"Bad date\"\npublished = \"yesterday\"\n+++\nbody\n",
        "broken/bad.json": "{\"id\": \"b3\", \"title\": 5,\n \"published\": \"2026-01-01T00:00:00Z\"}",
        "broken/latin1.md": b"+++\nid = \"b4\"\ntitle = \"caf\xe9\"\npublished = 2026-01-01T00:00:00Z\n+++\n",
    }

    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.store = copy_example_store()
        for rel, content in cls.BROKEN.items():
            path = os.path.join(cls.store, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(path, mode) as f:
                f.write(content)
        cls.daemon = Daemon(cls.store)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()
        shutil.rmtree(cls.tmp)

    def test_each_broken_file_is_logged_once_with_file_and_line(self):
        self.assertTrue(wait_until(lambda: sum("article skipped" in l
                                               for l in self.daemon.stderr_lines) >= 4))
        skipped = [l for l in self.daemon.stderr_lines if "article skipped" in l]
        self.assertEqual(len(skipped), 4, "\n".join(skipped))
        for rel in self.BROKEN:
            lines = [l for l in skipped if "file=" + rel in l]
            self.assertEqual(len(lines), 1, rel)
            self.assertRegex(lines[0], r"line=\d+")
        self.assertTrue(any("file=broken/bad-date.md line=4" in l for l in skipped), skipped)
        self.assertTrue(any("file=broken/latin1.md line=3" in l for l in skipped), skipped)

    def test_the_rest_is_served(self):
        status, _, body = self.daemon.get("/feed.json")
        self.assertEqual(status, 200)
        ids = [i["id"].rsplit(":", 1)[-1] for i in json.loads(body)["items"]]
        self.assertEqual(len(ids), len(visible(read_example_articles(EXAMPLE_STORE))))
        self.assertFalse({"b1", "b2", "b3", "b4"} & set(ids))

    def test_check_reports_every_problem_and_fails(self):
        r = subprocess.run([BIN, "check", "--config", EXAMPLE_CONFIG, "--store", self.store],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        for rel in self.BROKEN:
            self.assertRegex(r.stdout, r"%s:\d+: " % os.path.join(self.store, rel))
        self.assertIn("4 problem(s)", r.stdout)

    def test_check_passes_on_the_example(self):
        r = subprocess.run([BIN, "check", "--config", EXAMPLE_CONFIG], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("0 problem(s)", r.stdout)


class ChangesAndLifecycle(unittest.TestCase):
    """A changed store gives a new ETag and 200; SIGTERM exits 0."""

    def test_edit_then_rescan_changes_etag(self):
        tmp, store = copy_example_store()
        daemon = Daemon(store)
        try:
            _, headers, before = daemon.get("/feed.xml")
            new = os.path.join(store, "late-news.md")
            with open(new, "w") as f:
                f.write('+++\nid = "late-1"\ntitle = "Late news"\n'
                        'published = 2026-01-02T10:00:00+04:00\n+++\nText.\n')
            daemon.signal(signal.SIGHUP)

            def changed():
                s, _, _ = daemon.get("/feed.xml", {"If-None-Match": headers["etag"]})
                return s == 200
            self.assertTrue(wait_until(changed))
            _, _, after = daemon.get("/feed.xml")
            self.assertIn(b"Late news", after)
            self.assertNotIn(b"Late news", before)
        finally:
            self.assertEqual(daemon.stop(), 0)
            shutil.rmtree(tmp)

    def test_config_example_is_valid(self):
        r = subprocess.run([BIN, "check", "--config",
                            os.path.join(os.environ["SYNDICATED_SOURCE_DIR"], "config.example.toml"),
                            "--store", EXAMPLE_STORE], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_bad_config_key_is_named(self):
        tmp = tempfile.mkdtemp()
        try:
            cfg = os.path.join(tmp, "c.toml")
            open(cfg, "w").write('[server]\nlisten = "127.0.0.1:0"\nthreds = 2\n')
            r = subprocess.run([BIN, "serve", "--config", cfg, "--store", EXAMPLE_STORE],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.returncode, 1)
            self.assertIn("c.toml:3: unknown key 'server.threds'", r.stderr)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
