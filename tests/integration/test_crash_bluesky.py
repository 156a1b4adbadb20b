"""Crash test against a REAL Bluesky PDS: the daemon is killed with SIGKILL at random moments
while it posts bursts of new articles to one Bluesky account, then restarted. Every article must
become exactly one app.bsky.feed.post record, and the daemon must not log in again and again.

The PDS is the one of the interop test (test_bluesky_pds.py: ../shared/tools/bluesky-pds,
installed into $SYNDICATED_BLUESKY_PDS_DIR on the first run, started here on loopback with
LOG_ENABLED=true so its request log can be counted). The account `bsky` posts with the default
template and a link card; half of the articles have a lead image (served on loopback), so their
post is an uploadBlob and a createRecord, the others a createRecord alone. Recovery is by the
deterministic record key (a TID derived from the delivery's planned publication time and key):
a recovering attempt asks getRecord first, a createRecord that collides is resolved as sent.

A trial writes a burst of new articles, waits a random 0-600 ms and kills the daemon; the kill
lands before a send, during a request (the PDS finishes it anyway) or after the answer but before
the ledger recorded it. Some trials edit, while the daemon is down, the articles whose outcome
the kill left unknown: a new headline, and for some a publication time moved a minute earlier
(the record key must not follow it: the ledger keeps the time it planned with). After the last
restart the daemon runs until every delivery is `sent`.

Checked: exactly one record per article (com.atproto.repo.listRecords, every page) and none for
anything else; the ledger's rows all `sent`; createSession at most MAX_LOGINS times in the whole
run, and none by a daemon started when the state file already held the session (it is kept
there: a new login is only needed while no login has completed and been saved — a kill may cut
the first login short). createRecord calls, collisions, getRecord lookups and refreshes are
printed.

    SYNDICATED_CRASH_SEED=123 SYNDICATED_CRASH_TRIALS=60 python3 -m unittest -v test_crash_bluesky

The seed is printed at the start and with any failure (the schedule replays; the timing of each
kill against the daemon's work does not).
"""
import collections
import datetime
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import unittest

from daemon_harness import Daemon, wait_until
from social_env import write_article
from test_bluesky_pds import HANDLE, ImageServer, Pds, ensure_installed, png

TRIALS = int(os.environ.get("SYNDICATED_CRASH_TRIALS", "50"))
BURST = (2, 4)              # new articles per trial
KILL_DELAY_S = (0.0, 0.6)   # from the end of a burst's writes to the SIGKILL
EDIT_CHANCE = 0.4
MOVE_DATE_CHANCE = 0.5      # of an edited article: its publication time a minute earlier
IMAGE_CHANCE = 0.5          # an article with a lead image (uploadBlob before createRecord)
DRAIN_TIMEOUT_S = 240
# Logins in the whole run: the first, plus one for each kill that cut a login short (the PDS
# takes a few hundred ms to check an app password, so early kills may land there).
MAX_LOGINS = 8
ACCOUNT_TOML = ""           # extra TOML lines of the bsky account

ARTICLE = """+++
id = "{id}"
title = "{title}"
slug = "{slug}"
summary = "What happened in trial {trial}."
published = {published}
language = "en"
categories = ["Politics"]
tags = ["budget"]
{image}
[[authors]]
name = "Test Reporter"
+++

The body of {id}.
"""

IMAGE = """
[[images]]
url = "{url}"
caption = "The scene"
"""


def utc_stamp(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class BlueskyCrashRecovery(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_installed()
        cls.work = tempfile.mkdtemp(prefix="syndicated-bsky-crash-")
        started = time.monotonic()
        cls.pds = Pds(cls.work)
        cls.pds_start_s = time.monotonic() - started
        status, acct = cls.pds.call("POST", "com.atproto.server.createAccount",
                                    {"handle": HANDLE, "email": "bot@azernews.test",
                                     "password": "hunter2-long-pass"})
        assert status == 200, acct
        cls.did = acct["did"]
        status, app = cls.pds.call("POST", "com.atproto.server.createAppPassword",
                                   {"name": "syndicated"}, token=acct["accessJwt"])
        assert status == 200, app
        cls.app_password = app["password"]
        cls.images = ImageServer(png())

    @classmethod
    def tearDownClass(cls):
        cls.images.stop()
        cls.pds.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        seed_env = os.environ.get("SYNDICATED_CRASH_SEED")
        self.seed = int(seed_env) if seed_env else random.SystemRandom().randrange(1, 2**31)
        log("bluesky crash test: seed=%d trials=%d (replay: SYNDICATED_CRASH_SEED=%d)"
            % (self.seed, TRIALS, self.seed))
        self.rng = random.Random(self.seed)
        self.tmp = tempfile.mkdtemp(prefix="syndicated-bsky-crash-run-")
        self.store = os.path.join(self.tmp, "store")
        os.makedirs(self.store)
        self.database = os.path.join(self.tmp, "outbox.sqlite")
        self.config = os.path.join(self.tmp, "config.toml")
        with open(self.config, "w") as f:
            f.write("""
[site]
title = "Example News"
base_url = "https://news.example.az/"

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
min_spacing_s = 0
backoff_base_s = 1
backoff_cap_s = 2
timeout_s = 10
{extra}
""".format(store=self.store, db=self.database, pds=self.pds.base, extra=ACCOUNT_TOML))
        self.daemon = None
        self.logs = []
        self.articles = {}    # id -> slug
        self.published = {}   # id -> datetime
        self.images_of = {}   # id -> bool
        self.edited = set()
        self.moved = set()
        self.kills = 0
        self.starts = []  # (wall time, whether the state file held a session) of each start

    def tearDown(self):
        if self.daemon is not None:
            self.daemon.stop()
            self.collect_logs()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers -----------------------------------------------------------------------------
    def session_saved(self):
        try:
            with open(os.path.join(self.tmp, "accounts", "bsky.state")) as f:
                return "accessJwt" in f.read()
        except OSError:
            return False

    def start(self):
        self.starts.append((time.time(), self.session_saved()))
        self.daemon = Daemon(self.store, config=self.config,
                             env={"SYNDICATED_TEST_BSKY_IDENTIFIER": HANDLE,
                                  "SYNDICATED_TEST_BSKY_APP_PASSWORD": self.app_password})

    def collect_logs(self):
        for t in self.daemon._threads:
            t.join(timeout=5)
        for stream in (self.daemon.proc.stdout, self.daemon.proc.stderr):
            if stream is not None:
                stream.close()
        self.logs += self.daemon.stdout_lines + self.daemon.stderr_lines

    def kill(self):
        self.daemon.proc.kill()  # SIGKILL
        self.daemon.proc.wait()
        self.collect_logs()
        self.daemon = None
        self.kills += 1

    def ledger(self, sql, args=()):
        db = sqlite3.connect("file:%s?mode=ro" % self.database, uri=True, timeout=10)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def write(self, article_id, edited=False):
        trial = int(article_id[1:4])  # c<trial>-<i>: the file stays where it was
        title = "Story %s from trial %d%s" % (article_id, trial, " (updated)" if edited else "")
        image = IMAGE.format(url=self.images.url) if self.images_of[article_id] else ""
        write_article(self.store, "t%03d/%s.md" % (trial, article_id),
                      ARTICLE.format(id=article_id, title=title, slug=self.articles[article_id],
                                     trial=trial, published=utc_stamp(self.published[article_id]),
                                     image=image))

    def settled(self):
        try:
            rows = self.ledger("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
        except sqlite3.Error:
            return False
        counts = dict(rows)
        return (sum(counts.values()) == len(self.articles) and
                counts.get("planned", 0) + counts.get("sending", 0) == 0)

    def records(self):
        """Every app.bsky.feed.post record of the account (all pages)."""
        out, cursor = [], None
        while True:
            query = {"repo": self.did, "collection": "app.bsky.feed.post", "limit": 100}
            if cursor:
                query["cursor"] = cursor
            status, answer = self.pds.call("GET", "com.atproto.repo.listRecords", query=query)
            self.assertEqual(status, 200, answer)
            out += answer["records"]
            cursor = answer.get("cursor")
            if not answer["records"] or not cursor:
                return out

    def slug_of(self, url):
        m = re.search(r"/([a-z0-9-]+)/?$", url)
        return m.group(1) if m else None

    # --- the test ----------------------------------------------------------------------------
    def test_sigkill_during_bursts_posts_each_article_once(self):
        began = time.monotonic()
        logins_before = len(self.pds.requests("com.atproto.server.createSession"))
        self.start()
        self.assertTrue(wait_until(lambda: len(self.ledger("SELECT name FROM accounts")) == 1,
                                   timeout=30), "the account was never initialized")
        for trial in range(TRIALS):
            if self.daemon is None:
                self.start()
            burst = []
            for i in range(self.rng.randint(*BURST)):
                article_id = "c%03d-%d" % (trial, i)
                self.articles[article_id] = "crash-%03d-%d" % (trial, i)
                self.published[article_id] = (datetime.datetime.now(datetime.timezone.utc) -
                                              datetime.timedelta(seconds=60))
                self.images_of[article_id] = self.rng.random() < IMAGE_CHANCE
                self.write(article_id)
                burst.append(article_id)
            time.sleep(self.rng.uniform(*KILL_DELAY_S))
            self.kill()
            if self.rng.random() < EDIT_CHANCE:
                in_flight = sorted({r[0] for r in self.ledger(
                    "SELECT article_id FROM deliveries WHERE state = 'sending'")})
                for article_id in sorted(set(in_flight + [self.rng.choice(burst)])):
                    if article_id in self.edited:
                        continue
                    self.edited.add(article_id)
                    if self.rng.random() < MOVE_DATE_CHANCE:
                        self.moved.add(article_id)
                        self.published[article_id] -= datetime.timedelta(seconds=60)
                    self.write(article_id, edited=True)
            self.start()
            time.sleep(self.rng.choice([0.0, 0.0, self.rng.uniform(0.0, 0.5)]))
        kill_phase = time.monotonic() - began

        drained = wait_until(self.settled, timeout=DRAIN_TIMEOUT_S, interval=0.2)
        time.sleep(1.0)  # anything late would show up now
        self.daemon.stop()
        self.collect_logs()
        self.daemon = None
        elapsed = time.monotonic() - began

        # --- what the PDS holds and saw ---------------------------------------------------
        records = self.records()
        by_slug = {slug: a for a, slug in self.articles.items()}
        per_article = collections.Counter()
        strays = []
        for r in records:
            urls = re.findall(r"https://news\.example\.az/\S+", r["value"]["text"])
            linked = {self.slug_of(u) for u in urls} & set(by_slug)
            if len(linked) != 1:
                strays.append(r["value"]["text"])
            for slug in linked:
                per_article[by_slug[slug]] += 1
        lost = sorted(a for a in self.articles if per_article[a] == 0)
        double = sorted(a for a in self.articles if per_article[a] > 1)
        with_thumb = sum(1 for r in records
                         if r["value"].get("embed", {}).get("external", {}).get("thumb"))

        rows = self.ledger("SELECT state, attempts, reason FROM deliveries")
        states = collections.Counter(r[0] for r in rows)
        recovered = sum(1 for r in rows if r[1] > 1)
        unknown = sum(1 for line in self.logs if "outcome unknown after a restart" in line)
        logins = self.pds.requests("com.atproto.server.createSession")[logins_before:]
        login_codes = collections.Counter(e["res"].get("statusCode") for e in logins)
        # A login by a daemon started when the state file already held the session (no token
        # expires in this test) is a login the kept session should have spared. Which daemon
        # sent a request: the last one started before the request began (the PDS logs when it
        # answered, and how long that took).
        needless = []
        for e in logins:
            began_at = (e["time"] - e.get("responseTime", 0)) / 1000.0
            by = [saved for t, saved in self.starts if t <= began_at]
            if by and by[-1]:
                needless.append("%s (status %s)" % (
                    datetime.datetime.fromtimestamp(began_at, datetime.timezone.utc).isoformat(),
                    e["res"].get("statusCode")))
        creates = self.pds.requests("com.atproto.repo.createRecord")
        create_codes = collections.Counter(e["res"]["statusCode"] for e in creates)
        lookups = len(self.pds.requests("com.atproto.repo.getRecord"))
        uploads = len(self.pds.requests("com.atproto.repo.uploadBlob"))
        refreshes = len(self.pds.requests("com.atproto.server.refreshSession"))

        log("bluesky crash test: seed=%d, %d kills, %d articles (%d edited while down, %d of "
            "them with the date moved), %.1f s (PDS start %.1f s, kill phase %.1f s, drained: %s)"
            % (self.seed, self.kills, len(self.articles), len(self.edited), len(self.moved),
               elapsed, self.pds_start_s, kill_phase, drained))
        log("  ledger: %s; rows recovered after an unknown outcome (attempts > 1): %d; "
            "'outcome unknown' re-plans logged: %d" % (dict(states), recovered, unknown))
        log("  PDS: %d records (%d with a thumb); createRecord %d %s; getRecord %d; uploadBlob "
            "%d; createSession %d %s (%d by a daemon that had the session); refreshSession %d"
            % (len(records), with_thumb, len(creates), dict(create_codes), lookups, uploads,
               len(logins), dict(login_codes), len(needless), refreshes))

        why = "seed=%d" % self.seed
        self.assertGreaterEqual(self.kills, 50 if TRIALS >= 50 else TRIALS)
        self.assertEqual([], lost, "articles never posted (%s)" % why)
        self.assertEqual([], double, "articles posted twice (%s)" % why)
        self.assertEqual([], strays, "records that link no article, or several (%s)" % why)
        self.assertEqual({"sent": len(self.articles)}, dict(states),
                         "ledger rows not all sent (%s): %s" % (
                             why, [r for r in rows if r[0] != "sent"][:10]))
        self.assertTrue(drained, why)
        self.assertGreaterEqual(len(logins), 1, "the daemon never logged in (%s)" % why)
        self.assertEqual([], needless, "logins after a restart instead of the kept session (%s)"
                         % why)
        self.assertLessEqual(len(logins), MAX_LOGINS, "too many logins (%s)" % why)


if __name__ == "__main__":
    unittest.main()
