#!/usr/bin/python3
"""Publish-to-post latency: from an article file renamed into the store to the social network's
record of its post, with the daemon posting to the local fakes (tests/integration/social_env.py:
the fake X API and the webhook receiver over loopback TLS, min_spacing 0). Prints p50/p90/p99/max
in ms per account, then the throughput of a burst.

  bench/post_latency.py BUILD_DIR [N=200] [BURST=200] [--split-writes]

Latency: N articles, one at a time. Each is written outside the store and renamed in (t0 =
time.time() just before the rename); then
  * webhook: the receiver's own receive time of the delivery (received_unix, time.time() when the
    request's body was read, before it is recorded);
  * X: the fake records no sub-second time, so its control endpoint (GET /_fake/tweets, one
    keep-alive connection, TCP_QUICKACK) is polled every ~1 ms and the time of the first poll that
    shows the tweet counts (an upper bound, by up to one poll round trip: ~0.3 ms idle).
After both arrived, both fakes are reset (so the polled lists stay short; the ledger, not the
fakes, is what keeps the daemon from posting twice). The first 3 articles warm up the daemon's
connections and are not counted.

Burst: BURST articles renamed in at once; the time until the last of them is recorded by each
fake, and posts per second per account (one request in flight per account, each delivery three
committed ledger transactions with fsync).
"""
import datetime
import http.client
import json
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
split_writes = "--split-writes" in sys.argv
args = [a for a in sys.argv[1:] if a != "--split-writes"]
build = os.path.abspath(args[0]) if args else os.path.join(SOURCE, "build", "release")
n = int(args[1]) if len(args) > 1 else 200
burst_n = int(args[2]) if len(args) > 2 else 200
WARMUP = 3

os.environ.setdefault("SYNDICATED_BIN", os.path.join(build, "daemon", "syndicated"))
os.environ.setdefault("SYNDICATED_SOURCE_DIR", SOURCE)
os.environ.setdefault("SYNDICATED_SHARED_DIR", os.path.join(os.path.dirname(SOURCE), "shared"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from daemon_harness import Daemon, wait_until  # noqa: E402
from social_env import SocialEnv  # noqa: E402

ARTICLE = """+++
id = "{id}"
title = "Breaking news number {i}"
slug = "{id}"
summary = "What happened."
published = {published}
categories = ["Politics"]
tags = ["budget"]

[[authors]]
name = "Test Reporter"
+++

News.
"""


def published_now():
    t = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return (t - datetime.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Poller:
    """GETs on one keep-alive HTTPS connection to a fake's control endpoint."""

    def __init__(self, env, port):
        self.conn = http.client.HTTPSConnection("localhost", port, context=env.context,
                                                timeout=10)

    def get(self, path):
        self.conn.request("GET", path)
        # The fakes (http.server) write a response's header and body in two segments; without a
        # quick ACK the body waits for Linux's delayed ACK (~40 ms) and so would every poll.
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        r = self.conn.getresponse()
        return json.loads(r.read())

    def post(self, path, body=None):
        data = json.dumps(body or {}).encode()
        self.conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        r = self.conn.getresponse()
        return json.loads(r.read() or b"null")


def percentiles(values):
    v = sorted(values)

    def p(q):
        return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    return p(0.5), p(0.9), p(0.99), v[-1]


def buffer_fake_responses(work):
    """The fakes are http.server handlers, which write a response's header and its body in two
    send() calls: with Nagle on their side and Linux's delayed ACK on the daemon's, each answer's
    body then waits ~40 ms, which caps a burst at ~15 posts/s per account against the fakes (not
    against a real server, which sends both in one segment). A sitecustomize on the fakes'
    PYTHONPATH gives their handlers a write buffer (flushed once per request) so that the
    benchmark measures the daemon. --split-writes keeps the fakes as they are."""
    site = os.path.join(work, "site")
    os.makedirs(site)
    with open(os.path.join(site, "sitecustomize.py"), "w") as f:
        f.write("import http.server\nhttp.server.BaseHTTPRequestHandler.wbufsize = 65536\n")
    os.environ["PYTHONPATH"] = site + os.pathsep + os.environ.get("PYTHONPATH", "")


def main():
    print("load before: %s" % open("/proc/loadavg").read().strip())
    work = tempfile.mkdtemp(prefix="syndicated-post-latency-")
    if not split_writes:
        buffer_fake_responses(work)
    env = SocialEnv(x_args=("--rate-limit", "1000000"))
    store = os.path.join(work, "store")
    staging = os.path.join(work, "staging")
    os.makedirs(store)
    os.makedirs(staging)
    config = env.write_config(store, extra='[log]\nlevel = "warn"\n')
    daemon = Daemon(store, config=config, env=env.daemon_env(), stderr=open(os.devnull, "w"))
    x = Poller(env, env.x.port)
    hook = Poller(env, env.hook.port)
    try:
        def initialized():
            db = sqlite3.connect("file:%s?mode=ro" % env.database, uri=True)
            try:
                return len(db.execute("SELECT name FROM accounts").fetchall()) == 2
            except sqlite3.Error:
                return False
            finally:
                db.close()
        if not wait_until(initialized, timeout=30):
            sys.exit("the accounts were never initialized")

        lat = {"x_main": [], "hook": []}
        for i in range(n + WARMUP):
            aid = "lat-%04d" % i
            src = os.path.join(staging, aid + ".md")
            with open(src, "w") as f:
                f.write(ARTICLE.format(id=aid, i=i, published=published_now()))
            t0 = time.time()
            os.rename(src, os.path.join(store, aid + ".md"))
            t_x = t_hook = None
            deadline = t0 + 30
            while (t_x is None or t_hook is None) and time.time() < deadline:
                if t_x is None and x.get("/_fake/tweets")["tweets"]:
                    t_x = time.time()
                if t_hook is None:
                    d = hook.get("/_fake/deliveries")["deliveries"]
                    if d:
                        t_hook = d[0]["received_unix"]
                time.sleep(0.001)
            if t_x is None or t_hook is None:
                sys.exit("article %s was not posted within 30 s (x: %s, hook: %s)"
                         % (aid, t_x, t_hook))
            if i >= WARMUP:
                lat["x_main"].append((t_x - t0) * 1000)
                lat["hook"].append((t_hook - t0) * 1000)
            x.post("/_fake/reset")
            hook.post("/_fake/reset")

        print("fakes: %s; load now: %s" % ("stock (header and body in two writes)" if split_writes
                                            else "buffered responses",
                                            open("/proc/loadavg").read().strip()))
        print("publish-to-post latency, %d articles one at a time (ms):" % n)
        print("| account | p50 | p90 | p99 | max |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for account, values in lat.items():
            print("| %s | %.1f | %.1f | %.1f | %.1f |" % ((account,) + percentiles(values)))

        if burst_n > 0:
            t0 = time.time()
            for i in range(burst_n):
                aid = "burst-%04d" % i
                src = os.path.join(staging, aid + ".md")
                with open(src, "w") as f:
                    f.write(ARTICLE.format(id=aid, i=i, published=published_now()))
                os.rename(src, os.path.join(store, aid + ".md"))
            written = time.time() - t0
            done = {}
            while len(done) < 2 and time.time() < t0 + 600:
                if "x_main" not in done and len(x.get("/_fake/tweets")["tweets"]) >= burst_n:
                    done["x_main"] = time.time() - t0
                if "hook" not in done:
                    d = hook.get("/_fake/deliveries")["deliveries"]
                    if len(d) >= burst_n:
                        done["hook"] = max(e["received_unix"] for e in d) - t0
                time.sleep(0.02)
            print("burst of %d articles (renamed in within %.0f ms):" % (burst_n, written * 1000))
            print("| account | last post after | posts/s |")
            print("| --- | ---: | ---: |")
            for account in ("x_main", "hook"):
                s = done.get(account)
                print("| %s | %s | %s |" % (account, "%.2f s" % s if s else "not done",
                                             "%.1f" % (burst_n / s) if s else "-"))
    finally:
        daemon.stop()
        env.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
