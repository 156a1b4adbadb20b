#!/usr/bin/python3
"""Publish-to-served latency: from an article file renamed into the store to its feed's new ETag
being served, over many changes, for a store of a given size. Prints p50/p90/p99/max in ms.

  bench/publish_latency.py BUILD_DIR STORE_SIZE [CHANGES=1000] [DEBOUNCE_MS=5]

Generates the store with bench_store_load (kept under /tmp for reuse), starts the release daemon
on 127.0.0.1 with rescans off, then for each change: writes a new newest article outside the
store, renames it in, and polls the site feed (HEAD with If-None-Match on one keep-alive
connection) until the ETag moves.
"""
import datetime
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time

build, size = sys.argv[1], int(sys.argv[2])
changes = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
debounce = int(sys.argv[4]) if len(sys.argv) > 4 else 5
store = "/tmp/syndicated-latency-store-%d" % size
if not os.path.isdir(store):
    subprocess.run([os.path.join(build, "bench", "bench_store_load"), store, str(size)],
                   check=True, stdout=subprocess.DEVNULL)
work = tempfile.mkdtemp(prefix="syndicated-latency-")
staging = os.path.join(work, "staging")
os.makedirs(staging)
live_dir = os.path.join(store, "live")
shutil.rmtree(live_dir, ignore_errors=True)
os.makedirs(live_dir)
config = os.path.join(work, "config.toml")
with open(config, "w") as f:
    f.write("[store]\ndebounce_ms = %d\nrescan_interval_s = 0\n[log]\nlevel = \"%s\"\n" % (debounce, os.environ.get("LOG_LEVEL", "warn")))

port = 18400 + size % 100
daemon = subprocess.Popen([os.path.join(build, "daemon", "syndicated"), "serve", "--config", config,
                           "--store", store, "--listen", "127.0.0.1:%d" % port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
t_start = time.monotonic()
conn = None
while conn is None:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/healthz")
        if c.getresponse().read() == b"ok\n":
            conn = c
    except OSError:
        time.sleep(0.05)
    if daemon.poll() is not None:
        sys.exit("daemon exited: " + daemon.stderr.read())
startup = time.monotonic() - t_start


def etag():
    conn.request("HEAD", "/feed.xml")
    r = conn.getresponse()
    r.read()
    return r.getheader("ETag")


latencies = []
first_published = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                   - datetime.timedelta(seconds=changes + 1))
try:
    for i in range(changes):
        name = "live-%05d.md" % i
        src = os.path.join(staging, name)
        # Strictly newer than everything before it (so it enters the 50-item feeds), and already
        # in the past (not embargoed).
        published = first_published + datetime.timedelta(seconds=i)
        with open(src, "w") as f:
            f.write('+++\nid = "live-%05d"\ntitle = "Breaking %d"\npublished = %s\n'
                    'categories = ["Politics"]\ntags = ["live"]\n[[authors]]\n'
                    'name = "Leyla Mammadova"\n+++\n\nNews.\n'
                    % (i, i, published.isoformat()))
        before = etag()
        t0 = time.monotonic()
        os.rename(src, os.path.join(live_dir, name))
        deadline = t0 + 10
        while etag() == before:
            if time.monotonic() > deadline:
                daemon.terminate()
                sys.exit("change %d not served after 10 s; daemon said:\n%s"
                         % (i, daemon.communicate()[1][-3000:]))
        latencies.append((time.monotonic() - t0) * 1000)
finally:
    daemon.terminate()
    daemon.wait()
    shutil.rmtree(live_dir, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)

latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
print("store=%d changes=%d debounce_ms=%d startup_s=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f "
      "max_ms=%.1f" % (size, len(latencies), debounce, startup, pct(50), pct(90), pct(99),
                       latencies[-1]))
