"""Crash test: the daemon is killed with SIGKILL at random moments while it posts bursts of new
articles, then restarted. Every article must reach every matching account exactly once.

Accounts (SocialEnv with all four fakes): x_main on the fake X API (recovery by timeline lookup),
hook on the webhook receiver (recovery by resending with the same webhook-id), masto on the fake
Mastodon API (recovery by Idempotency-Key: a resend is answered with the first status) and tg on
the fake Telegram Bot API (with lookup_chat_id, recovery by lookup: the connector forwards the
channel's messages after the last id it knew into the lookup chat and looks for the article's
URL; without it Recovery::kResend, at least once — see TELEGRAM_EXACTLY_ONCE). The fakes keep
their state in a file and outlive the daemon; min_spacing is 0 so a burst goes out as fast as it
can. Before the first trial one article is posted everywhere and the test waits for it: the
Telegram connector's lookup needs a message id it knows (its first post ever has none — a
residual risk the connector documents, not what this test is about). Editors post in the
Telegram channel now and then (a message, or a service message that cannot be forwarded), so a
lookup has to step over others' messages.

One store, one ledger, one long sequence of trials. A trial writes a burst of new articles
(rename into place), waits a random 0-300 ms, and kills the daemon with SIGKILL; the kill lands
before a send (the store change not yet seen, or the row planned), mid-request (the fakes are
told to sit on some requests for 20-250 ms, so a request may land after the sender died) or
after the answer but before the ledger recorded it. Some trials edit, while the daemon is down, the
articles whose outcome the kill left unknown (a headline fix: the text changes, the URL does
not), so a blind resend would not even be caught by X's duplicate-text check. Then the daemon is restarted and
the next trial begins while it recovers. After the last restart it runs until every delivery is
`sent`.

Checked, per article: exactly one tweet linking it (deleted ones counted too) and no tweet for
anything else; exactly one unique webhook delivery (the receiver deduplicates by webhook-id, so
this also says "at most one distinct webhook-id"); exactly one Mastodon status linking it (and
none linking anything else); exactly one Telegram message by the bot linking it (at least one
when not TELEGRAM_EXACTLY_ONCE; the duplicates are printed either way); and the ledger holds one
`sent` row per account. Raw webhook attempts, resends of a known webhook-id, Mastodon's idempotent
replays and X's duplicate refusals are printed, not asserted: they show which windows the kills
hit.

    SYNDICATED_CRASH_SEED=123 SYNDICATED_CRASH_TRIALS=60 python3 -m unittest -v test_crash

The seed is printed at the start (and with any failure) so a schedule can be replayed; the
timing of each kill against the daemon's work cannot be replayed exactly.
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
from social_env import TELEGRAM_LOOKUP_CHAT_ID, SocialEnv, write_article

TRIALS = int(os.environ.get("SYNDICATED_CRASH_TRIALS", "50"))
BURST = (3, 7)            # new articles per trial (each goes to four accounts)
KILL_DELAY_S = (0.0, 0.3)  # from the end of a burst's writes to the SIGKILL
FAKE_DELAY_MS = (20, 250)  # injected server-side latency
EDIT_CHANCE = 0.4
DRAIN_TIMEOUT_S = 180
NETWORKS = ("x", "webhook", "mastodon", "telegram")
# Telegram: without lookup_chat_id the connector declares Recovery::kResend (a bot can neither
# read its channel nor send with an idempotency key: a resend after an unknown outcome may
# duplicate) and the test can only assert "never lost" (set TELEGRAM_EXACTLY_ONCE = False and
# TG_ACCOUNT = "" to watch the duplicates). With it, recovery is a lookup and exactly once holds
# (a post's saved id outlives the posts sent while its recovery waits; a lookup that only got
# further does not use up the delivery's attempts).
TELEGRAM_EXACTLY_ONCE = True
TG_ACCOUNT = 'lookup_chat_id = "%s"' % TELEGRAM_LOOKUP_CHAT_ID  # extra TOML lines of tg
EDITOR_POST_CHANCE = 0.3    # per trial, someone else posts in the Telegram channel

ARTICLE = """+++
id = "{id}"
title = "{title}"
slug = "{slug}"
summary = "What happened in trial {trial}."
published = {published}
language = "en"
categories = ["Politics"]
tags = ["budget"]

[[authors]]
name = "Test Reporter"
+++

The body of {id}.
"""


def utc_stamp(seconds_ago=60):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class CrashRecovery(unittest.TestCase):
    def setUp(self):
        seed_env = os.environ.get("SYNDICATED_CRASH_SEED")
        self.seed = int(seed_env) if seed_env else random.SystemRandom().randrange(1, 2**31)
        log("crash test: seed=%d trials=%d (replay: SYNDICATED_CRASH_SEED=%d)"
            % (self.seed, TRIALS, self.seed))
        self.rng = random.Random(self.seed)
        # A high rate limit: a few hundred posts plus lookups would exhaust X's 300 per window.
        self.env = SocialEnv(x_args=("--rate-limit", "1000000"), networks=NETWORKS,
                             mastodon_args=("--rate-limit", "1000000"))
        self.tmp = tempfile.mkdtemp(prefix="syndicated-crash-")
        self.store = os.path.join(self.tmp, "store")
        os.makedirs(self.store)
        self.config = self.env.write_config(self.store, tg_account=TG_ACCOUNT)
        self.accounts = self.env.accounts
        self.daemon = None
        self.logs = []  # every run's log lines
        self.articles = {}  # id -> slug
        self.published = {}  # id -> front matter datetime
        self.edited = set()
        self.kills = 0

    def tearDown(self):
        if self.daemon is not None:
            self.daemon.stop()
            self.collect_logs()
        self.env.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers -----------------------------------------------------------------------------
    def start(self):
        self.daemon = Daemon(self.store, config=self.config, env=self.env.daemon_env())

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
        db = sqlite3.connect("file:%s?mode=ro" % self.env.database, uri=True, timeout=10)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def write(self, article_id, edited=False):
        slug = self.articles[article_id]
        trial = int(article_id[1:4])  # c<trial>-<i>: the file stays where it was
        title = "Story %s from trial %d%s" % (article_id, trial, " (updated)" if edited else "")
        write_article(self.store, "t%03d/%s.md" % (trial, article_id),
                      ARTICLE.format(id=article_id, title=title, slug=slug, trial=trial,
                                     published=self.published[article_id]))

    def settled(self):
        """Every article has its rows (one per account) and none waits or is in flight."""
        try:
            rows = self.ledger("SELECT state, COUNT(*) FROM deliveries GROUP BY state")
        except sqlite3.Error:
            return False
        counts = dict(rows)
        return (sum(counts.values()) == len(self.accounts) * len(self.articles) and
                counts.get("planned", 0) + counts.get("sending", 0) == 0)

    def slug_of(self, url):
        m = re.search(r"/([a-z0-9-]+)/?$", url)
        return m.group(1) if m else None

    def per_article(self, texts):
        """(Counter article -> posts whose text links it, texts linking none or several)."""
        by_slug = {slug: a for a, slug in self.articles.items()}
        counts, strays = collections.Counter(), []
        for text in texts:
            linked = {self.slug_of(u) for u in re.findall(r"https://news\.example\.az/\S+",
                                                          text)} & set(by_slug)
            if len(linked) != 1:
                strays.append(text)
            for slug in linked:
                counts[by_slug[slug]] += 1
        return counts, strays

    # --- the test ----------------------------------------------------------------------------
    def test_sigkill_during_bursts_posts_each_article_once_per_account(self):
        began = time.monotonic()
        # First start on an empty store: the accounts are initialized (nothing to skip).
        self.start()
        self.assertTrue(wait_until(lambda: len(self.ledger("SELECT name FROM accounts")) ==
                                   len(self.accounts),
                                   timeout=30), "the accounts were never initialized")
        # The warm-up article (trial 999): every connector has posted once.
        self.articles["c999-0"] = "crash-999-0"
        self.published["c999-0"] = utc_stamp()
        self.write("c999-0")
        self.assertTrue(wait_until(self.settled, timeout=60, interval=0.1),
                        "the warm-up article was not posted: %s" % self.ledger(
                            "SELECT account, state, reason FROM deliveries"))
        editor_posts = 0
        for trial in range(TRIALS):
            if self.daemon is None:
                self.start()
            # Widen the in-flight window: the fakes sit on a few requests before answering (and
            # finish them even when the sender is gone).
            if self.rng.random() < 0.5:
                self.env.fail_x({"delay_ms": self.rng.randint(*FAKE_DELAY_MS),
                                 "count": self.rng.randint(1, 3), "path": "/2/tweets",
                                 "method": "POST"})
            if self.rng.random() < 0.5:
                self.env.fail_hook({"delay_ms": self.rng.randint(*FAKE_DELAY_MS),
                                    "count": self.rng.randint(1, 3)})
            if self.rng.random() < 0.5:
                self.env.fail_mastodon({"delay_ms": self.rng.randint(*FAKE_DELAY_MS),
                                        "count": self.rng.randint(1, 3),
                                        "path": "/api/v1/statuses", "method": "POST"})
            if self.rng.random() < EDITOR_POST_CHANCE:
                editor_posts += 1
                self.env.post_telegram({"text": "Editors' note %d" % editor_posts,
                                        "service": self.rng.random() < 0.3})
            burst = []
            for i in range(self.rng.randint(*BURST)):
                article_id = "c%03d-%d" % (trial, i)
                self.articles[article_id] = "crash-%03d-%d" % (trial, i)
                self.published[article_id] = utc_stamp()
                self.write(article_id)
                burst.append(article_id)
            time.sleep(self.rng.uniform(*KILL_DELAY_S))
            self.kill()
            if self.rng.random() < EDIT_CHANCE:
                # A request the dead process left with the fakes may still be sitting there; let
                # it land before the restart looks: a lookup cannot see a post that does not
                # exist yet, and with the text changed X's duplicate check no longer covers that
                # race (a limit of recovery by lookup, not tested here).
                time.sleep(FAKE_DELAY_MS[1] / 1000.0 + 0.05)
                # The articles whose outcome the kill left unknown (their rows say `sending`),
                # and one more of the burst.
                in_flight = sorted({r[0] for r in self.ledger(
                    "SELECT article_id FROM deliveries WHERE state = 'sending'")})
                for article_id in sorted(set(in_flight + [self.rng.choice(burst)])):
                    if article_id not in self.edited:
                        self.edited.add(article_id)
                        self.write(article_id, edited=True)
            self.start()
            # Sometimes let it make progress before the next burst.
            time.sleep(self.rng.choice([0.0, 0.0, self.rng.uniform(0.0, 0.5)]))
        kill_phase = time.monotonic() - began

        drained = wait_until(self.settled, timeout=DRAIN_TIMEOUT_S, interval=0.2)
        time.sleep(1.0)  # anything late would show up now
        self.daemon.stop()
        self.collect_logs()
        self.daemon = None
        elapsed = time.monotonic() - began

        # --- what the networks saw --------------------------------------------------------
        tweets = self.env.tweets(include_deleted=True)
        hook = self.env._call(self.env.hook.port, "GET", "/_fake/deliveries")
        x_requests = self.env._call(self.env.x.port, "GET", "/_fake/requests")["requests"]
        by_slug = {slug: a for a, slug in self.articles.items()}
        tweets_per_article = collections.Counter()
        strays = []
        for t in tweets:
            linked = {self.slug_of(u["expanded_url"]) for u in t.get("urls", [])} & set(by_slug)
            if len(linked) != 1:
                strays.append(t["submitted_text"])
            for slug in linked:
                tweets_per_article[by_slug[slug]] += 1
        deliveries_per_article = collections.Counter(d["article_id"] for d in hook["deliveries"])
        ids_per_article = collections.defaultdict(set)
        for d in hook["deliveries"]:
            ids_per_article[d["article_id"]].add(d["webhook_id"])
        raw_hook_posts = [a for a in hook["attempts"]]
        rows = self.ledger("SELECT account, state, attempts, reason FROM deliveries")
        states = collections.Counter((r[0], r[1]) for r in rows)
        recovered = collections.Counter(r[0] for r in rows if r[2] > 1)
        found_by_lookup = collections.Counter(r[0] for r in rows if "found by lookup" in r[3])
        unknown = sum(1 for line in self.logs if "outcome unknown after a restart" in line)
        x_dup_refusals = sum(1 for r in x_requests if r["path"] == "/2/tweets" and
                             r["status"] == 403)
        x_posts = sum(1 for r in x_requests if r["path"] == "/2/tweets")
        x_lookups = sum(1 for r in x_requests if "/tweets?" in r["path"])

        statuses = self.env.statuses(include_deleted=True)
        masto_requests = self.env.mastodon_requests()
        statuses_per_article, masto_strays = self.per_article(s["text"] for s in statuses)
        masto_posts = [r for r in masto_requests
                       if r["path"] == "/api/v1/statuses" and r["method"] == "POST"]
        masto_keys = collections.Counter(r["idempotency_key"] for r in masto_posts)
        messages = self.env.messages(include_deleted=True)
        tg_requests = self.env.telegram_requests()
        bot_messages = [m for m in messages if m["method"] in ("sendMessage", "sendPhoto")]
        messages_per_article, tg_strays = self.per_article(m["text"] for m in bot_messages)
        tg_sends = sum(1 for r in tg_requests if r["path"].endswith(("/sendMessage", "/sendPhoto")))
        tg_forwards = collections.Counter(r["status"] for r in tg_requests
                                          if r["path"].endswith("/forwardMessage"))
        tg_copies = self.env.telegram_lookup_copies()
        tg_dupes = {a: n for a, n in sorted(messages_per_article.items()) if n > 1}

        lost_x = sorted(a for a in self.articles if tweets_per_article[a] == 0)
        double_x = sorted(a for a in self.articles if tweets_per_article[a] > 1)
        lost_hook = sorted(a for a in self.articles if deliveries_per_article[a] == 0)
        double_hook = sorted(a for a in self.articles
                             if deliveries_per_article[a] > 1 or len(ids_per_article[a]) > 1)
        lost_masto = sorted(a for a in self.articles if statuses_per_article[a] == 0)
        double_masto = sorted(a for a in self.articles if statuses_per_article[a] > 1)
        lost_tg = sorted(a for a in self.articles if messages_per_article[a] == 0)

        log("crash test: seed=%d, %d kills, %d articles (%d edited while down), %.1f s "
            "(kill phase %.1f s, drained: %s)" % (self.seed, self.kills, len(self.articles), len(self.edited),
                                                  elapsed, kill_phase, drained))
        log("  ledger: %s" % dict(sorted(states.items())))
        log("  rows recovered after an unknown outcome (attempts > 1): %s; 'outcome unknown' "
            "re-plans logged: %d; rows found by lookup: %s"
            % (dict(recovered), unknown, dict(found_by_lookup)))
        log("  X: %d tweets, %d POST /2/tweets (%d refused as duplicate content), %d timeline "
            "lookups" % (len(tweets), x_posts, x_dup_refusals, x_lookups))
        log("  webhook: %d unique deliveries, %d raw requests answered, %d resends of a known "
            "webhook-id (deduplicated)" % (len(hook["deliveries"]), len(raw_hook_posts),
                                           hook["duplicates"]))
        log("  mastodon: %d statuses, %d POST /api/v1/statuses (%d answered again under a known "
            "Idempotency-Key)" % (len(statuses), len(masto_posts),
                                 sum(n - 1 for n in masto_keys.values() if n > 1)))
        log("  telegram: %d messages by the bot (%d by editors), %d send requests; lookups: "
            "forwardMessage %s, %d copies in the lookup chat (%d not deleted); articles posted "
            "more than once: %d %s" % (
                len(bot_messages), editor_posts, tg_sends, dict(tg_forwards), len(tg_copies),
                sum(1 for c in tg_copies if not c.get("deleted")), len(tg_dupes), tg_dupes))

        why = "seed=%d" % self.seed
        self.assertGreaterEqual(self.kills, 50 if TRIALS >= 50 else TRIALS)
        self.assertEqual([], lost_x, "articles never tweeted (%s)" % why)
        self.assertEqual([], double_x, "articles tweeted twice (%s)" % why)
        self.assertEqual([], strays, "tweets that link no article, or several (%s)" % why)
        self.assertEqual([], lost_hook, "articles never delivered to the webhook (%s)" % why)
        self.assertEqual([], double_hook,
                         "articles delivered under two webhook-ids (%s)" % why)
        self.assertEqual([], lost_masto, "articles never on Mastodon (%s)" % why)
        self.assertEqual([], double_masto, "articles on Mastodon twice (%s)" % why)
        self.assertEqual([], masto_strays,
                         "statuses that link no article, or several (%s)" % why)
        self.assertEqual([], lost_tg, "articles never on Telegram (%s)" % why)
        self.assertEqual([], tg_strays, "messages that link no article, or several (%s)" % why)
        if TELEGRAM_EXACTLY_ONCE:
            self.assertEqual({}, tg_dupes, "articles on Telegram twice (%s)" % why)
        self.assertEqual({(a, "sent"): len(self.articles) for a in self.accounts}, dict(states),
                         "ledger rows not all sent (%s): %s" % (why, [
                             r for r in rows if r[1] != "sent"][:10]))
        self.assertTrue(drained, why)


if __name__ == "__main__":
    unittest.main()
