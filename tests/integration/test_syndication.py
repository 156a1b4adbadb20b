"""Syndication end to end: the real daemon posting a real store's articles to the fake X API and
a webhook receiver over loopback HTTPS (social_env.SocialEnv), observed the way an operator sees
it: what the networks received, `syndicated outbox --json`, /metrics and the daemon's log.

Each test gets its own store (a copy of examples/store), config and ledger, so every test starts
with the accounts' first start; the two fakes are shared by a class and reset before each test.
Waits poll (wait_until) with generous limits; "nothing happened" checks wait for a later event
the daemon must have handled first (a feed showing the edit, a later article posted), plus a short
grace period.
"""
import calendar
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from daemon_harness import BIN, Daemon, copy_example_store, wait_until
from social_env import (WEBHOOK_SECRET, X_CREDENTIALS, SocialEnv, article_text,
                        write_article)

SECRETS = list(X_CREDENTIALS.values()) + [WEBHOOK_SECRET, WEBHOOK_SECRET[len("whsec_"):]]
POST_TIMEOUT = 30  # seconds for a post to reach a fake (loaded CI: generous)
GRACE = 2.0        # seconds to let a wrong post happen before asserting it did not


def rfc3339(unix):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def parse_rfc3339(text):
    """Unix seconds of '2026-11-30T06:16:18.123Z' (fraction kept)."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", text)
    assert m, text
    whole = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return whole + (float("0" + m.group(2)) if m.group(2) else 0.0)


class SyndicationTest(unittest.TestCase):
    """Shared plumbing: one SocialEnv per class, a fresh store, config and ledger per test."""

    env = None
    counter = 0

    @classmethod
    def setUpClass(cls):
        cls.env = SocialEnv()

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def setUp(self):
        self.env.reset()
        SyndicationTest.counter += 1
        self.name = "t%d" % SyndicationTest.counter
        self.tmp, self.store = copy_example_store()
        self.database = os.path.join(self.env.dir, self.name + ".sqlite")
        self.daemons = []
        self.configure()

    def tearDown(self):
        for d in self.daemons:
            d.stop()
            for stream in (d.proc.stdout, d.proc.stderr):
                if stream:
                    stream.close()
        # Secrets never reach the logs, whatever the test did (failures included).
        for d in self.daemons:
            self.assert_no_secret("\n".join(d.stderr_lines + d.stdout_lines))
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- the daemon ------------------------------------------------------------------------
    def configure(self, **kwargs):
        self.config = self.env.write_config(self.store, name=self.name, database=self.database,
                                            **kwargs)
        return self.config

    def start(self, extra_args=()):
        d = Daemon(self.store, config=self.config, env=self.env.daemon_env(),
                   extra_args=extra_args)
        self.daemons.append(d)
        return d

    def restart(self, daemon):
        self.assertEqual(daemon.stop(), 0, "\n".join(daemon.stderr_lines))
        return self.start()

    def log(self, daemon):
        return "\n".join(daemon.stderr_lines)

    def metrics(self, daemon):
        status, _, body = daemon.get("/metrics")
        self.assertEqual(status, 200)
        return body.decode()

    def metric(self, daemon, name, **labels):
        """The value of one series of /metrics, or None."""
        for line in self.metrics(daemon).splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$", line)
            if not m or m.group(1) != name:
                continue
            have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(have.get(k) == v for k, v in labels.items()):
                return float(m.group(3))
        return None

    def feed_titles(self, daemon):
        status, _, body = daemon.get("/feed.json")
        if status != 200:
            return []
        return [item.get("title") for item in json.loads(body)["items"]]

    def wait_for_title(self, daemon, title):
        """The daemon has taken in a store change when its main feed shows it."""
        self.assertTrue(wait_until(lambda: title in self.feed_titles(daemon), POST_TIMEOUT),
                        "the feed never showed %r" % title)

    # --- the CLI -----------------------------------------------------------------------------
    def cli(self, *args, env=None, config=None):
        full_env = dict(os.environ)
        full_env.update(env if env is not None else self.env.daemon_env())
        return subprocess.run([BIN] + list(args[:1]) + ["--config", config or self.config] +
                              list(args[1:]), capture_output=True, text=True, env=full_env,
                              timeout=60)

    def outbox(self):
        r = self.cli("outbox", "--json", "--limit", "1000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_no_secret(r.stdout + r.stderr)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def row(self, article_id, account):
        rows = [r for r in self.outbox()
                if r["article_id"] == article_id and r["account"] == account]
        self.assertLessEqual(len(rows), 1, rows)
        return rows[0] if rows else None

    def wait_row(self, article_id, account, state, timeout=POST_TIMEOUT):
        last = {}

        def check():
            last["row"] = self.row(article_id, account)
            return last["row"] is not None and last["row"]["state"] == state
        self.assertTrue(wait_until(check, timeout, interval=0.2),
                        "%s/%s never became %s: %s" % (article_id, account, state, last.get("row")))
        return last["row"]

    # --- the store and the networks ---------------------------------------------------------
    def publish(self, article_id, title, published=None, **kwargs):
        """Writes a new (or edited) article file for `article_id`; published defaults to now."""
        when = time.time() if published is None else published
        return write_article(self.store, "2026/new/%s.md" % article_id,
                             article_text(article_id, title, rfc3339(when), **kwargs))

    def tweets_titled(self, title):
        return [t for t in self.env.tweets() if t["submitted_text"].split("\n")[0] == title]

    def deliveries_for(self, article_id, type_="article.published"):
        return [d for d in self.env.deliveries()
                if d["article_id"] == article_id and d["type"] == type_]

    def wait_tweets(self, n, timeout=POST_TIMEOUT):
        self.assertTrue(wait_until(lambda: len(self.env.tweets()) >= n, timeout, interval=0.1),
                        "expected %d tweets, have %s" % (n, self.env.tweets()))

    def wait_deliveries(self, n, timeout=POST_TIMEOUT):
        self.assertTrue(wait_until(lambda: len(self.env.deliveries()) >= n, timeout,
                                   interval=0.1),
                        "expected %d deliveries, have %s" % (n, self.env.deliveries()))

    def assert_no_secret(self, text):
        for secret in SECRETS:
            if secret in text:  # name the line, but do not print the secret in the test log
                line = next(l for l in text.splitlines() if secret in l)
                self.fail("a credential appears in: " + line.replace(secret, "<THE SECRET>"))


class FirstStartAndPosting(SyndicationTest):
    def test_first_start_posts_nothing_and_records_existing_articles_as_skipped(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        time.sleep(GRACE)
        self.assertEqual(self.env.tweets(), [])
        self.assertEqual(self.env.deliveries(), [])
        rows = self.outbox()
        self.assertTrue(rows)
        for account in ("x_main", "hook"):
            mine = [r for r in rows if r["account"] == account]
            # Every live article of the example store (the drafts, the retracted one and the
            # 2030 embargo are not live) is recorded as skipped, none posted.
            self.assertGreaterEqual(len(mine), 10, mine)
            for r in mine:
                self.assertEqual(r["state"], "skipped", r)
                self.assertEqual(r["reason"], "existed at the account's first start", r)
                self.assertEqual(r["attempts"], 0)
        self.assertIn("cna-2026-0410", {r["article_id"] for r in rows})
        self.assertNotIn("caspian-data-cable", json.dumps(rows))

        d = self.restart(d)
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        time.sleep(GRACE)
        self.assertEqual(self.env.tweets(), [])
        self.assertEqual(self.env.deliveries(), [])
        self.assertEqual(self.outbox(), rows)

    def test_new_article_posted_once_to_each_account_edits_and_restarts_do_not_repost(self):
        d = self.start()
        title = "Parliament adopts the 2027 budget framework after a long debate"
        self.publish("synd-new-1", title)
        self.wait_tweets(1)
        self.wait_deliveries(1)

        # X: the headline and the link, intact, within 280 (the fake refuses longer texts).
        [tweet] = self.env.tweets()
        [delivery] = self.env.deliveries()
        url = delivery["body"]["data"]["url"]
        self.assertTrue(url.startswith("https://news.example.az/"), url)
        self.assertIn(title, tweet["submitted_text"])
        self.assertIn(url, tweet["submitted_text"])
        self.assertEqual([u["expanded_url"] for u in tweet["urls"]], [url])
        self.assertFalse(tweet["deleted"])
        # The webhook: verified by the receiver (it records only good signatures), the article.
        self.assertEqual(delivery["type"], "article.published")
        self.assertEqual(delivery["article_id"], "synd-new-1")
        self.assertEqual(delivery["body"]["data"]["id"], "synd-new-1")
        self.assertEqual(delivery["body"]["data"]["title"], title)
        self.assertTrue(delivery["headers"]["webhook-signature"].startswith("v1,"))
        self.assertEqual([a["status"] for a in self.env.hook_attempts()], [200])

        x_row = self.wait_row("synd-new-1", "x_main", "sent")
        hook_row = self.wait_row("synd-new-1", "hook", "sent")
        self.assertEqual(x_row["attempts"], 1)
        self.assertEqual(x_row["remote_id"], tweet["id"])
        self.assertIn(tweet["id"], x_row["remote_url"])
        self.assertEqual(x_row["text"], tweet["submitted_text"])
        self.assertEqual(hook_row["attempts"], 1)
        self.assertIn(delivery["webhook_id"], hook_row["remote_url"])
        self.assertRegex(self.log(d), r"posted account=x_main article=synd-new-1 url=\S+%s"
                         % tweet["id"])
        self.assertEqual(self.metric(d, "syndicated_posts", account="x_main", state="sent"), 1)

        # An edit (same id, new title) is not a new article.
        self.publish("synd-new-1", title + " (updated)")
        self.wait_for_title(d, title + " (updated)")
        time.sleep(GRACE)
        self.assertEqual(len(self.env.tweets()), 1)
        self.assertEqual(len(self.env.deliveries()), 1)

        # Nor is a restart.
        d = self.restart(d)
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        time.sleep(GRACE)
        self.assertEqual(len(self.env.tweets()), 1)
        self.assertEqual(len(self.env.deliveries()), 1)
        self.assertEqual(self.env.hook_attempts()[0]["status"], 200)
        self.assertEqual(len(self.env.hook_attempts()), 1)


class Policies(SyndicationTest):
    def test_language_filter_sends_an_azerbaijani_article_to_the_webhook_only(self):
        self.configure(x_account='languages = ["en"]')
        self.start()
        self.publish("synd-az-1", "Bakı limanında yük dövriyyəsi rekord həddə çatıb",
                     published=time.time() - 5, language="az", categories=("İqtisadiyyat",),
                     tags=("liman",))
        self.wait_deliveries(1)
        self.assertEqual(self.deliveries_for("synd-az-1")[0]["body"]["data"]["language"], "az")
        # A later English article reaches both: X has handled the Azerbaijani one by then.
        self.publish("synd-en-1", "Port of Baku handles record cargo volumes")
        self.wait_tweets(1)
        self.wait_deliveries(2)
        time.sleep(GRACE)
        self.assertEqual([t["submitted_text"].split("\n")[0] for t in self.env.tweets()],
                         ["Port of Baku handles record cargo volumes"])
        self.assertEqual(sorted(d["article_id"] for d in self.env.deliveries()),
                         ["synd-az-1", "synd-en-1"])
        # The filter is decided before anything is planned: no row for X at all.
        self.assertIsNone(self.row("synd-az-1", "x_main"))
        self.assertEqual(self.row("synd-az-1", "hook")["state"], "sent")

    def test_embargoed_article_is_posted_when_its_time_comes_not_before(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        published = int(time.time()) + 4
        self.publish("synd-embargo", "Embargoed: the central bank cuts its rate", published)
        # Until the embargo ends nothing goes out (checked until shortly before it ends).
        while time.time() < published - 0.5:
            self.assertEqual(self.env.tweets(), [])
            self.assertEqual(self.env.deliveries(), [])
            time.sleep(0.1)
        self.wait_tweets(1)
        self.wait_deliveries(1)
        [delivery] = self.env.deliveries()
        self.assertGreaterEqual(delivery["received_unix"], published)
        for account in ("x_main", "hook"):
            row = self.wait_row("synd-embargo", account, "sent")
            self.assertGreaterEqual(parse_rfc3339(row["sent_at"]), published)
            self.assertEqual(row["attempts"], 1)

    def test_article_older_than_max_age_is_skipped_never_posted(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.publish("synd-old", "Three days old: a late-filed story", time.time() - 3 * 86400)
        # A fresh article after it: once it is posted, the old one has been decided.
        self.publish("synd-fresh", "A fresh story filed after the old one")
        self.wait_tweets(1)
        self.wait_deliveries(1)
        time.sleep(GRACE)
        self.assertEqual(len(self.tweets_titled("A fresh story filed after the old one")), 1)
        self.assertEqual(len(self.env.tweets()), 1)
        self.assertEqual([d["article_id"] for d in self.env.deliveries()], ["synd-fresh"])
        for account in ("x_main", "hook"):
            row = self.row("synd-old", account)
            self.assertEqual(row["state"], "skipped", row)
            self.assertIn("older than max_age", row["reason"])
            self.assertEqual(row["attempts"], 0)

    def test_unpublished_while_waiting_is_cancelled_republished_is_posted_once_removed_never(
            self):
        # X answers 503 so the article waits for a retry while the newsroom changes its mind.
        self.configure(x_account="backoff_base_s = 3\nbackoff_cap_s = 3")
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.env.fail_x({"status": 503, "count": 1000})
        published = time.time()
        self.publish("synd-draft", "Back to draft, then out again", published=published)
        self.assertTrue(wait_until(lambda: self.env.x_requests(), POST_TIMEOUT))
        self.publish("synd-draft", "Back to draft, then out again", published=published,
                     status="draft")
        row = self.wait_row("synd-draft", "x_main", "skipped")
        self.assertTrue(row["reason"].startswith("cancelled: "), row)
        self.env.reset_x()
        self.publish("synd-draft", "Back to draft, then out again", published=published)
        self.wait_row("synd-draft", "x_main", "sent")
        self.assertEqual([t["submitted_text"].split("\n")[0] for t in self.env.tweets()],
                         ["Back to draft, then out again"])
        # Removed from the store while X is failing: cancelled, and never posted later.
        self.env.fail_x({"status": 503, "count": 1000})
        path = self.publish("synd-removed", "Removed before it went out")
        self.assertTrue(wait_until(lambda: any(r["status"] == 503
                                               for r in self.env.x_requests()), POST_TIMEOUT))
        os.unlink(path)
        row = self.wait_row("synd-removed", "x_main", "skipped")
        self.assertTrue(row["reason"].startswith("cancelled: "), row)
        self.env.reset_x()  # (forgets the tweet above too)
        time.sleep(3 + GRACE)  # past the backoff it had been waiting for
        self.assertEqual(self.env.tweets(), [])
        self.assertEqual(self.row("synd-draft", "x_main")["state"], "sent")
        # The webhook, never failing, posted each once (a removal deletes nothing).
        self.assertEqual(sorted(x["article_id"] for x in self.env.deliveries()),
                         ["synd-draft", "synd-removed"])

    def test_burst_of_twenty_is_paced_and_posted_once_each_in_publication_order(self):
        self.configure(x_account="min_spacing_s = 1")
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        base = time.time() - 60
        ids = ["synd-burst-%02d" % i for i in range(20)]
        for i, article_id in enumerate(ids):
            self.publish(article_id, "Burst story number %d of twenty" % (i + 1), base + i)
        # The webhook has no spacing: all 20 arrive soon, while X is still working through them.
        self.wait_deliveries(20)
        self.assertLess(len(self.env.tweets()), 20)
        self.wait_tweets(20, timeout=120)
        time.sleep(GRACE)
        tweets = self.env.tweets()
        self.assertEqual(len(tweets), 20)
        order = [t["submitted_text"].split("\n")[0] for t in tweets]
        self.assertEqual(order, ["Burst story number %d of twenty" % (i + 1) for i in range(20)])
        self.assertEqual(sorted(d["article_id"] for d in self.env.deliveries()), ids)
        # At least 1 s between the starts of consecutive calls: 19 gaps. Seconds-resolution
        # created_at and the ledger's sent_at both show the spread.
        created = [parse_rfc3339(t["created_at"]) for t in tweets]
        self.assertGreaterEqual(created[-1] - created[0], 15, created)
        rows = sorted((r for r in self.outbox() if r["account"] == "x_main"
                       and r["article_id"] in ids), key=lambda r: r["sent_at"])
        self.assertEqual([r["article_id"] for r in rows], ids)
        sent = [parse_rfc3339(r["sent_at"]) for r in rows]
        self.assertGreaterEqual(sent[-1] - sent[0], 15, sent)
        self.assertTrue(all(r["attempts"] == 1 for r in rows), rows)
        self.assertEqual(self.metric(d, "syndicated_posts", account="x_main", state="sent"), 20)


class Failures(SyndicationTest):
    def test_transient_errors_are_retried_until_posted_once(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.env.fail_x({"status": 503, "count": 2})
        title = "Ferry timetable changes after the storm"
        self.publish("synd-503", title)
        row = self.wait_row("synd-503", "x_main", "sent")
        self.wait_tweets(1)
        time.sleep(GRACE)
        self.assertEqual(len(self.tweets_titled(title)), 1)
        self.assertEqual(len(self.env.tweets()), 1)
        # Two answered 503, then one that got through: three attempts (a retry after an
        # unknown outcome looks the tweet up before posting again; the lookup is that attempt).
        statuses = [r["status"] for r in self.env.x_requests()]
        self.assertEqual(statuses[:2], [503, 503], self.env.x_requests())
        self.assertEqual(row["attempts"], 3, row)
        self.assertEqual(row["remote_id"], self.env.tweets()[0]["id"])
        self.assertRegex(self.log(d), r"post will be retried account=x_main article=synd-503 "
                                      r"attempt=1 reason=.*503")
        self.assertEqual(self.metric(d, "syndicated_post_transient_failures_total",
                                     account="x_main"), 2)
        # The webhook was not held up by X's trouble.
        self.assertEqual(self.row("synd-503", "hook")["attempts"], 1)

    def test_revoked_credentials_stop_the_account_until_reload_then_it_posts_what_waited(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.env.fail_x({"status": 401, "count": 1000})
        self.publish("synd-401-a", "Revoked token: the first story waits")
        row = self.wait_row("synd-401-a", "x_main", "needs_reconnect")
        self.assertIn("401", row["reason"])
        self.assertTrue(wait_until(lambda: self.metric(d, "syndicated_account_stopped",
                                                       account="x_main", network="x") == 1, 10),
                        self.metrics(d))
        self.assertEqual(self.metric(d, "syndicated_account_stopped", account="hook"), 0)
        self.assertEqual(self.metric(d, "syndicated_account_alerts_total", account="x_main"), 1)
        self.assertRegex(self.log(d), r"account stopped.*account=x_main")
        # The webhook goes on; X sends nothing more (one request only: the 401).
        self.publish("synd-401-b", "Revoked token: the second story waits too")
        self.wait_deliveries(2)
        time.sleep(GRACE)
        self.assertEqual(self.row("synd-401-b", "x_main")["state"], "planned")
        self.assertEqual([r["status"] for r in self.env.x_requests()], [401])
        self.assertEqual(self.env.tweets(), [])

        # The operator fixes the credentials (the fake forgets its failure) and reloads.
        self.env.reset_x()
        d.signal(signal.SIGHUP)
        self.wait_row("synd-401-a", "x_main", "sent")
        self.wait_row("synd-401-b", "x_main", "sent")
        self.wait_tweets(2)
        time.sleep(GRACE)
        self.assertEqual(sorted(t["submitted_text"].split("\n")[0] for t in self.env.tweets()),
                         ["Revoked token: the first story waits",
                          "Revoked token: the second story waits too"])
        self.assertTrue(wait_until(lambda: self.metric(d, "syndicated_account_stopped",
                                                       account="x_main") == 0, 10))
        self.assertEqual(self.env.deliveries()[0]["article_id"], "synd-401-a")
        self.assertEqual(len(self.env.deliveries()), 2)

    def test_a_restart_also_resumes_a_stopped_account(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.env.fail_x({"status": 402, "count": 1000})  # API credits exhausted
        self.publish("synd-402", "Out of credits: this story waits")
        row = self.wait_row("synd-402", "x_main", "needs_reconnect")
        self.assertIn("402", row["reason"])
        self.env.reset_x()
        d = self.restart(d)
        self.wait_row("synd-402", "x_main", "sent")
        self.wait_tweets(1)
        time.sleep(GRACE)
        self.assertEqual(len(self.env.tweets()), 1)
        self.assertEqual(self.metric(d, "syndicated_account_stopped", account="x_main"), 0)

    def test_permanent_refusal_fails_with_the_reason_and_an_operator_retry_posts_once(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        detail = "This account is not allowed to post links to this site."
        self.env.fail_x({"status": 403, "count": 1,
                         "body": {"title": "Forbidden", "detail": detail, "status": 403,
                                  "type": "about:blank"}})
        title = "Refused once: the parliament's new session"
        self.publish("synd-403", title)
        row = self.wait_row("synd-403", "x_main", "failed")
        self.assertIn("403", row["reason"])
        self.assertIn(detail, row["reason"])
        self.assertEqual(row["attempts"], 1)
        self.assertRegex(self.log(d), r"post failed account=x_main article=synd-403")
        time.sleep(GRACE)
        self.assertEqual(self.env.tweets(), [])
        self.assertEqual(self.row("synd-403", "x_main")["state"], "failed")  # not retried alone

        r = self.cli("outbox", "retry", str(row["id"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("planned again", r.stdout)
        row = self.wait_row("synd-403", "x_main", "sent")  # rescan_interval_s = 1, no signal
        self.wait_tweets(1)
        time.sleep(GRACE)
        self.assertEqual(len(self.tweets_titled(title)), 1)
        self.assertEqual(len(self.env.tweets()), 1)
        self.assertEqual(row["remote_id"], self.env.tweets()[0]["id"])
        # A sent row cannot be retried: that would post twice.
        r = self.cli("outbox", "retry", str(row["id"]))
        self.assertEqual(r.returncode, 1)
        self.assertIn("twice", r.stderr)

    def test_webhook_gone_stops_the_hook_account_and_x_keeps_posting(self):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.env.fail_hook({"status": 410, "count": -1})
        self.publish("synd-410-a", "Endpoint gone: first story")
        row = self.wait_row("synd-410-a", "hook", "needs_reconnect")
        self.assertIn("410", row["reason"])
        self.assertTrue(wait_until(lambda: self.metric(d, "syndicated_account_stopped",
                                                       account="hook") == 1, 10))
        self.assertRegex(self.log(d), r"account stopped.*account=hook")
        self.publish("synd-410-b", "Endpoint gone: second story")
        self.wait_tweets(2)
        self.wait_row("synd-410-b", "x_main", "sent")
        time.sleep(GRACE)
        self.assertEqual(self.env.deliveries(), [])
        self.assertEqual([a["status"] for a in self.env.hook_attempts()], [410])
        self.assertEqual(self.row("synd-410-b", "hook")["state"], "planned")
        self.assertEqual(self.metric(d, "syndicated_account_stopped", account="x_main"), 0)

        # The receiver is back; a reload resumes the account and what waited goes out, once.
        self.env.reset_hook()
        d.signal(signal.SIGHUP)
        self.wait_row("synd-410-a", "hook", "sent")
        self.wait_row("synd-410-b", "hook", "sent")
        time.sleep(GRACE)
        self.assertEqual(sorted(x["article_id"] for x in self.env.deliveries()),
                         ["synd-410-a", "synd-410-b"])
        self.assertEqual(len(self.env.hook_attempts()), 2)
        self.assertEqual(len(self.env.tweets()), 2)

    def test_secrets_never_reach_logs_or_the_ledger_even_when_servers_echo_them(self):
        # Servers that quote what they received in their error bodies.
        echo = "bad key %s / %s, token %s" % (X_CREDENTIALS["consumer_key"],
                                               X_CREDENTIALS["consumer_secret"],
                                               X_CREDENTIALS["access_token_secret"])
        self.env.fail_x({"status": 400, "count": 1,
                         "body": {"title": "Invalid Request", "detail": echo, "status": 400,
                                  "type": "about:blank"}})
        self.env.fail_hook({"status": 422, "count": 1,
                            "body": "secret %s does not match" % WEBHOOK_SECRET})
        d = self.start(extra_args=("--log-level", "trace"))  # the most talkative log
        self.publish("synd-echo", "Servers that echo credentials")
        x_row = self.wait_row("synd-echo", "x_main", "failed")
        hook_row = self.wait_row("synd-echo", "hook", "failed")
        self.assertIn("400", x_row["reason"])
        self.assertIn("422", hook_row["reason"])
        # The servers' words are kept for the operator, the secrets in them are not.
        self.assertIn("bad key <redacted>", x_row["reason"])
        self.assertIn("secret <redacted> does not match", hook_row["reason"])
        self.assertRegex(self.log(d), r"post failed account=hook article=synd-echo")
        d.stop()
        everything = "\n".join(d.stderr_lines + d.stdout_lines) + json.dumps(self.outbox())
        self.assert_no_secret(everything)
        with open(self.config) as f:
            self.assert_no_secret(f.read())  # the config holds only env: and file: references


class Retraction(SyndicationTest):
    def retract(self, article_id, title):
        self.publish(article_id, title, published=self.published, status="retracted")

    def post_then_retract(self, article_id, title):
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.published = time.time()
        self.publish(article_id, title, published=self.published)
        self.wait_row(article_id, "x_main", "sent")
        self.wait_row(article_id, "hook", "sent")
        self.assertEqual(len(self.env.tweets()), 1)
        self.assertEqual(len(self.env.deliveries()), 1)
        self.retract(article_id, title)
        return d

    def test_x_opted_in_deletes_the_tweet_the_webhook_not_opted_in_sends_nothing(self):
        self.configure(x_account="delete_on_retraction = true")
        d = self.post_then_retract("synd-retract-x", "Retracted: a story that was wrong")
        row = self.wait_row("synd-retract-x", "x_main", "deleted")
        self.assertTrue(wait_until(lambda: self.env.tweets()[0]["deleted"], 10))
        self.assertEqual(row["remote_id"], self.env.tweets()[0]["id"])
        self.assertIn(("DELETE", "/2/tweets/" + row["remote_id"], 200),
                      [(r["method"], r["path"], r["status"]) for r in self.env.x_requests()])
        self.assertRegex(self.log(d), r"retracted post deleted account=x_main "
                                      r"article=synd-retract-x")
        self.assertEqual(self.metric(d, "syndicated_posts_deleted_total", account="x_main"), 1)
        time.sleep(GRACE)
        # The hook did not opt in: its row stays sent, the receiver hears nothing more.
        self.assertEqual(self.row("synd-retract-x", "hook")["state"], "sent")
        self.assertEqual([x["type"] for x in self.env.deliveries()], ["article.published"])
        self.assertEqual(len(self.env.hook_attempts()), 1)
        # A restart with the article still retracted deletes nothing twice.
        d = self.restart(d)
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        time.sleep(GRACE)
        self.assertEqual(self.row("synd-retract-x", "x_main")["state"], "deleted")
        self.assertEqual(sum(r["method"] == "DELETE" for r in self.env.x_requests()), 1)
        self.assertEqual(len(self.env.hook_attempts()), 1)

    def test_webhook_opted_in_receives_article_retracted_x_not_opted_in_keeps_the_tweet(self):
        self.configure(hook_account="delete_on_retraction = true")
        d = self.post_then_retract("synd-retract-h", "Retracted: a story sent to the hook")
        row = self.wait_row("synd-retract-h", "hook", "deleted")
        self.assertTrue(wait_until(lambda: self.deliveries_for("synd-retract-h",
                                                               "article.retracted"), 10))
        [retracted] = self.deliveries_for("synd-retract-h", "article.retracted")
        [published] = self.deliveries_for("synd-retract-h")
        self.assertEqual(retracted["body"]["data"], {"id": "synd-retract-h"})
        self.assertNotEqual(retracted["webhook_id"], published["webhook_id"])
        self.assertEqual(row["remote_id"], "synd-retract-h")
        time.sleep(GRACE)
        self.assertEqual(self.row("synd-retract-h", "x_main")["state"], "sent")
        self.assertFalse(self.env.tweets()[0]["deleted"])
        self.assertFalse(any(r["method"] == "DELETE" for r in self.env.x_requests()))
        self.assertEqual(len(self.env.deliveries()), 2)
        self.assertRegex(self.log(d), r"retracted post deleted account=hook "
                                      r"article=synd-retract-h")

    def test_retracted_before_it_went_out_is_cancelled_not_posted(self):
        # X is down (503) when the article appears, and it is retracted while X retries.
        self.configure(x_account="delete_on_retraction = true\nbackoff_base_s = 3\n"
                                 "backoff_cap_s = 3")
        d = self.start()
        self.assertTrue(wait_until(lambda: "syndication started" in self.log(d), 30))
        self.env.fail_x({"status": 503, "count": 1000})
        self.published = time.time()
        self.publish("synd-cancel", "Pulled before X took it", published=self.published)
        self.wait_deliveries(1)
        self.assertTrue(wait_until(lambda: self.env.x_requests(), POST_TIMEOUT))
        self.retract("synd-cancel", "Pulled before X took it")
        row = self.wait_row("synd-cancel", "x_main", "skipped")
        self.assertTrue(row["reason"].startswith("cancelled: "), row)
        self.env.reset_x()
        time.sleep(3 + GRACE)  # past the backoff it had been waiting for
        self.assertEqual(self.env.tweets(), [])
        self.assertEqual(self.row("synd-cancel", "x_main")["state"], "skipped")


LONG_AZ_TITLE = ("Azərbaycan Respublikasının Milli Məclisi 2027-ci il dövlət büdcəsinin "
                 "layihəsini uzun və gərgin müzakirələrdən sonra birinci oxunuşda qəbul edib, "
                 "deputatlar isə sosial xərclərin, təhsilin, səhiyyənin və regionlarda "
                 "infrastrukturun maliyyələşdirilməsinin artırılmasını tələb ediblər")
LONG_SUMMARY = ("Deputatlar büdcə layihəsinin əsas göstəricilərini müzakirə ediblər. " * 10)[:600]


class Commands(SyndicationTest):
    """preview, check and serve's start-up errors: what an operator runs, and what it prints."""

    def write_preview_article(self):
        path = os.path.join(self.tmp, "preview.md")
        with open(path, "w") as f:
            f.write(article_text("synd-preview", LONG_AZ_TITLE, rfc3339(time.time()),
                                 language="az", categories=("Siyasət",),
                                 tags=("büdcə", "Milli Məclis"), summary=LONG_SUMMARY))
        return path

    def test_preview_json_shows_each_accounts_post_within_limits_needs_no_secrets_sends_nothing(
            self):
        self.assertEqual(len(LONG_SUMMARY), 600)
        self.assertGreater(len(LONG_AZ_TITLE), 280)
        article = self.write_preview_article()
        # No secrets at all: the webhook's env var unset, the X credentials file absent.
        config = self.configure()
        with open(config) as f:
            text = f.read().replace("file:x-api.toml", "file:no-such-credentials.toml")
        with open(config, "w") as f:
            f.write(text)
        env = {k: v for k, v in os.environ.items() if k != "SYNDICATED_TEST_WEBHOOK_SECRET"}
        r = subprocess.run([BIN, "preview", "--config", config, "--json", article],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        posts = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual([(p["account"], p["network"]) for p in posts],
                         [("x_main", "x"), ("hook", "webhook")])
        for p in posts:
            for key in ("account", "network", "text", "length", "limit", "facets", "image"):
                self.assertIn(key, p)
            self.assertLessEqual(p["length"], p["limit"])
            self.assertIsNone(p["image"])
        x, hook = posts
        self.assertEqual(x["limit"], 280)
        self.assertLessEqual(x["length"], 280)
        self.assertTrue(x["fits"])
        links = [f for f in x["facets"] if f["type"] == "link"]
        self.assertEqual(len(links), 1, x["facets"])
        url = links[0]["value"]
        self.assertTrue(url.startswith("https://news.example.az/"), url)
        self.assertIn(url, x["text"])  # the link is never cut
        self.assertEqual(x["text"].encode()[links[0]["byte_start"]:links[0]["byte_end"]].decode(),
                         url)
        # The headline was shortened (it is longer than a tweet), from its beginning.
        self.assertTrue(x["text"].startswith(LONG_AZ_TITLE[:60]), x["text"])
        self.assertNotIn(LONG_AZ_TITLE, x["text"])
        self.assertIn(url, hook["text"])
        self.assertIn(LONG_AZ_TITLE, hook["text"])
        time.sleep(0.5)
        self.assertEqual(self.env.tweets(), [])
        self.assertEqual(self.env.x_requests(), [])
        self.assertEqual(self.env.hook_attempts(), [])
        self.assertFalse(os.path.exists(self.database))  # nor touches the ledger

    def test_check_names_an_unknown_account_option_and_its_line(self):
        config = self.configure(hook_account='colour = "red"')
        with open(config) as f:
            line = 1 + f.read().split("\n").index('colour = "red"')
        r = self.cli("check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        self.assertIn("colour", out)
        self.assertIn("%s:%d" % (os.path.basename(config), line), out)
        self.assertIn("hook", out)
        self.assert_no_secret(out)
        # The same config without the typo passes.
        self.configure()
        r = self.cli("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_no_secret(r.stdout + r.stderr)

    def test_serve_refuses_to_start_without_a_credential_and_says_which_never_what(self):
        env = {k: v for k, v in os.environ.items() if k != "SYNDICATED_TEST_WEBHOOK_SECRET"}
        r = subprocess.run([BIN, "serve", "--config", self.config, "--store", self.store,
                            "--listen", "127.0.0.1:0"], capture_output=True, text=True,
                           env=env, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        self.assertIn("hook", out)
        self.assertIn("env:SYNDICATED_TEST_WEBHOOK_SECRET", out)
        self.assert_no_secret(out)
        self.assertFalse(os.path.exists(self.database))

        # A credentials file that is not valid TOML: the error names the file, not its content.
        broken = os.path.join(self.env.dir, self.name + "-x-api.toml")
        with open(broken, "w") as f:
            f.write('consumer_key = "%s"\nconsumer_secret = "%s\naccess_token = "%s"\n' % (
                X_CREDENTIALS["consumer_key"], X_CREDENTIALS["consumer_secret"],
                X_CREDENTIALS["access_token"]))
        with open(self.config) as f:
            text = f.read().replace("file:x-api.toml", "file:" + os.path.basename(broken))
        with open(self.config, "w") as f:
            f.write(text)
        r = self.cli("serve", "--store", self.store, "--listen", "127.0.0.1:0")
        self.assertNotEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        self.assertIn("x_main", out)
        self.assertIn(os.path.basename(broken), out)
        self.assert_no_secret(out)
        # `check` reads no secrets (it runs where they are not deployed): it passes, silently.
        r = self.cli("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assert_no_secret(r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
