"""Integration: the daemon is live and systemd-native.

The store is watched (create, in-place write, rename into place, delete, move out, new
subdirectory, a burst of 1,000 files, editors' swap files, half-written files), each change seen
over HTTP; the sd_notify protocol is captured on a datagram socket set as NOTIFY_SOCKET; SIGHUP
reloads (good and bad config); SIGTERM lets a large response finish; socket activation through
systemd-socket-activate; journald log format; /metrics.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from daemon_harness import BIN, EXAMPLE_CONFIG, Daemon, wait_until

ARTICLE = ('+++\nid = "{id}"\ntitle = "{title}"\npublished = 2026-03-{day:02d}T10:00:00+04:00\n'
           'categories = ["{category}"]\n+++\n\n{body}\n')


def article(id, title, day=1, category="Politics", body="Text."):
    return ARTICLE.format(id=id, title=title, day=day, category=category, body=body)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def feed_ids(daemon, path="/feed.json"):
    status, _, body = daemon.get(path)
    if status != 200:
        return None
    return [i["id"].rsplit(":", 1)[-1] for i in json.loads(body)["items"]]


def feed_titles(daemon, path="/feed.json"):
    status, _, body = daemon.get(path)
    return [i.get("title") for i in json.loads(body)["items"]] if status == 200 else []


class LiveStore(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="syndicated-live-")
        self.store = os.path.join(self.tmp, "store")
        os.makedirs(self.store)
        write(os.path.join(self.store, "first.md"), article("first", "First story"))
        self.config = os.path.join(self.tmp, "config.toml")
        with open(self.config, "w") as f:
            f.write('[site]\ntitle = "Live"\ntag_authority = "example.org,2026"\n'
                    '[store]\ndebounce_ms = 10\n[feeds]\nlimit = 2000\n')
        self.daemon = Daemon(self.store, config=self.config)

    def tearDown(self):
        self.assertEqual(self.daemon.stop(), 0)
        shutil.rmtree(self.tmp)

    def wait_ids(self, predicate, path="/feed.json", timeout=10):
        ok = wait_until(lambda: predicate(feed_ids(self.daemon, path) or []), timeout=timeout)
        self.assertTrue(ok, "feed is %s" % feed_ids(self.daemon, path))

    def test_create(self):
        write(os.path.join(self.store, "new.md"), article("new", "New story", day=2))
        self.wait_ids(lambda ids: ids == ["new", "first"])

    def test_modify_in_place_moves_etag_and_keeps_id(self):
        _, headers, _ = self.daemon.get("/feed.atom")
        with open(os.path.join(self.store, "first.md"), "w") as f:
            f.write(article("first", "First story, corrected"))
        self.assertTrue(wait_until(lambda: "First story, corrected" in feed_titles(self.daemon)))
        _, headers2, _ = self.daemon.get("/feed.atom")
        self.assertNotEqual(headers["etag"], headers2["etag"])
        self.assertEqual(feed_ids(self.daemon), ["first"])

    def test_rename_into_place(self):
        tmp = os.path.join(self.tmp, "staging.md")  # outside the store, as CMS exports do
        write(tmp, article("renamed", "Renamed into place", day=3))
        os.rename(tmp, os.path.join(self.store, "renamed.md"))
        self.wait_ids(lambda ids: "renamed" in ids)

    def test_delete_and_move_out(self):
        write(os.path.join(self.store, "a.md"), article("a", "A", day=2))
        write(os.path.join(self.store, "b.md"), article("b", "B", day=3))
        self.wait_ids(lambda ids: {"a", "b"} <= set(ids))
        os.remove(os.path.join(self.store, "a.md"))
        os.rename(os.path.join(self.store, "b.md"), os.path.join(self.tmp, "b.md"))
        self.wait_ids(lambda ids: ids == ["first"])

    def test_new_subdirectory_and_moved_in_tree(self):
        write(os.path.join(self.store, "2026", "03", "deep.md"), article("deep", "Deep", day=4))
        self.wait_ids(lambda ids: "deep" in ids)
        outside = os.path.join(self.tmp, "section")
        write(os.path.join(outside, "x.md"), article("x", "X", day=5))
        write(os.path.join(outside, "sub", "y.md"), article("y", "Y", day=6))
        os.rename(outside, os.path.join(self.store, "section"))
        self.wait_ids(lambda ids: {"x", "y", "deep"} <= set(ids))
        # The whole tree moved out again: its articles leave every feed.
        os.rename(os.path.join(self.store, "section"), os.path.join(self.tmp, "gone"))
        self.wait_ids(lambda ids: not ({"x", "y"} & set(ids)))

    def test_burst_of_1000_files(self):
        staging = os.path.join(self.tmp, "burst")
        os.makedirs(staging)
        for i in range(1000):
            write(os.path.join(staging, "b%04d.md" % i), article("burst-%04d" % i, "Burst %d" % i,
                                                                  day=1 + i % 28))
        for i in range(1000):
            os.rename(os.path.join(staging, "b%04d.md" % i),
                      os.path.join(self.store, "b%04d.md" % i))
        self.wait_ids(lambda ids: len(ids) == 1001, timeout=30)

    def test_editor_swap_and_hidden_files_are_ignored(self):
        for name in (".first.md.swp", "first.md~", ".#first.md", "#first.md#", ".hidden.md",
                     "notes.tmp"):
            write(os.path.join(self.store, name), article("swap-" + name, "Swap " + name, day=9))
        write(os.path.join(self.store, "marker.md"), article("marker", "Marker", day=8))
        self.wait_ids(lambda ids: "marker" in ids)
        self.assertEqual(sorted(feed_ids(self.daemon)), ["first", "marker"])

    def test_half_written_file_is_never_published(self):
        path = os.path.join(self.store, "half.md")
        text = article("half", "Half written", day=7)
        f = open(path, "w")
        f.write(text[: len(text) // 2])
        f.flush()
        os.fsync(f.fileno())
        time.sleep(0.3)  # far longer than the debounce: the open file must not be read
        self.assertEqual(feed_ids(self.daemon), ["first"])
        self.assertFalse(any("half.md" in l for l in self.daemon.stderr_lines),
                         self.daemon.stderr_lines)
        f.write(text[len(text) // 2:])
        f.close()
        self.wait_ids(lambda ids: "half" in ids)

    def test_broken_edit_keeps_the_good_version(self):
        with open(os.path.join(self.store, "first.md"), "w") as f:
            f.write('+++\nid = "first"\ntitle = "Broken\n')
        self.assertTrue(wait_until(lambda: any("file=first.md" in l
                                               for l in self.daemon.stderr_lines)))
        self.assertEqual(feed_titles(self.daemon), ["First story"])

    def test_retraction_removes_everywhere_and_leaves_a_tombstone(self):
        with open(os.path.join(self.store, "first.md"), "w") as f:
            f.write(article("first", "First story").replace(
                'categories', 'status = "retracted"\ncategories'))
        self.wait_ids(lambda ids: ids == [])
        self.wait_ids(lambda ids: ids == [], path="/category/politics/feed.json")
        _, _, atom = self.daemon.get("/feed.atom")
        self.assertIn(b"deleted-entry", atom)
        self.assertIn(b"tag:example.org,2026:first", atom)


def _can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class NotifySocket:
    """A datagram socket standing in for systemd's notification socket."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages = []  # (monotonic time, text)

    def poll(self):
        try:
            while True:
                data = self.sock.recv(4096)
                self.messages.append((time.monotonic(), data.decode()))
        except socket.timeout:
            pass
        return self.messages

    def wait_for(self, predicate, timeout=10):
        return wait_until(lambda: any(predicate(m) for _, m in self.poll()), timeout=timeout)


class Systemd(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="syndicated-systemd-")
        self.store = os.path.join(self.tmp, "store")
        write(os.path.join(self.store, "first.md"), article("first", "First story"))
        self.config = os.path.join(self.tmp, "config.toml")
        with open(self.config, "w") as f:
            f.write('[site]\ntitle = "Before"\n')

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_ready_watchdog_reload_stopping(self):
        notify = NotifySocket(self.tmp)
        daemon = Daemon(self.store, config=self.config,
                        env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"})
        try:
            self.assertTrue(notify.wait_for(lambda m: "READY=1" in m))
            # READY came after the listener accepts: a connection works now.
            status, _, _ = daemon.get("/healthz")
            self.assertEqual(status, 200)
            ready = [m for _, m in notify.messages if "READY=1" in m][0]
            self.assertIn("STATUS=", ready)
            # Watchdog pings at about half of WATCHDOG_USEC (100 ms).
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                notify.poll()
            pings = [t for t, m in notify.messages if "WATCHDOG=1" in m]
            self.assertGreaterEqual(len(pings), 5)
            gaps = sorted(b - a for a, b in zip(pings, pings[1:]))
            median = gaps[len(gaps) // 2]
            self.assertTrue(0.07 < median < 0.15, gaps)  # half of WATCHDOG_USEC
            self.assertLess(gaps[-1], 0.3, gaps)  # allow one scheduling hiccup on a busy machine

            # A good reload: RELOADING=1 with MONOTONIC_USEC, then READY=1; the title changes,
            # and a kept-alive connection opened before the reload still works after it.
            keep = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=10)
            keep.request("GET", "/feed.xml")
            self.assertIn(b"<title>Before</title>", keep.getresponse().read())
            with open(self.config, "w") as f:
                f.write('[site]\ntitle = "After"\n')
            n = len(notify.messages)
            daemon.signal(signal.SIGHUP)
            self.assertTrue(wait_until(lambda: any("READY=1" in m for _, m in notify.poll()[n:])))
            reloading = [m for _, m in notify.messages[n:] if "RELOADING=1" in m]
            self.assertEqual(len(reloading), 1)
            self.assertRegex(reloading[0], r"MONOTONIC_USEC=\d+")
            self.assertTrue(wait_until(lambda: b"<title>After</title>" in daemon.get("/feed.xml")[2]))
            keep.request("GET", "/feed.xml")
            self.assertIn(b"<title>After</title>", keep.getresponse().read())
            keep.close()

            # A bad reload is refused; the running config stays.
            with open(self.config, "w") as f:
                f.write('[site]\ntitel = "Typo"\n')
            daemon.signal(signal.SIGHUP)
            self.assertTrue(wait_until(lambda: any("reload refused" in l
                                                   for l in daemon.stderr_lines)))
            self.assertTrue(any("unknown key 'site.titel'" in l for l in daemon.stderr_lines))
            self.assertIn(b"<title>After</title>", daemon.get("/feed.xml")[2])
            status, _, metrics = daemon.get("/metrics")
            self.assertIn(b'syndicated_reloads_total{result="failure"} 1', metrics)
            self.assertIn(b'syndicated_reloads_total{result="success"} 1', metrics)

            n = len(notify.messages)
            daemon.signal(signal.SIGTERM)
            self.assertEqual(daemon.stop(), 0)
            self.assertTrue(any("STOPPING=1" in m for _, m in notify.poll()[n:]))
        finally:
            daemon.stop()

    def test_sigterm_lets_a_large_response_finish(self):
        big = os.path.join(self.tmp, "big")
        body = ("Paragraph with words enough to make the feed large. " * 40 + "\n\n") * 10
        for i in range(300):
            write(os.path.join(big, "a%03d.md" % i), article("big-%03d" % i, "Big %d" % i,
                                                             day=1 + i % 28, body=body))
        with open(self.config, "w") as f:
            f.write('[feeds]\nlimit = 1000\n[server]\nshutdown_timeout_ms = 20000\n')
        daemon = Daemon(big, config=self.config)
        try:
            s = socket.create_connection(("127.0.0.1", daemon.port))
            s.sendall(b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += s.recv(1)
            length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
            self.assertGreater(length, 4 * 1024 * 1024)
            # The response is far larger than the socket buffers: most of it is still to be sent
            # when SIGTERM arrives.
            daemon.signal(signal.SIGTERM)
            time.sleep(0.5)
            received = 0
            while received < length:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += len(chunk)
            s.close()
            self.assertEqual(received, length)
            self.assertEqual(daemon.stop(), 0)
        finally:
            daemon.stop()

    def test_socket_activation(self):
        if not shutil.which("systemd-socket-activate"):
            self.skipTest("systemd-socket-activate is not installed")
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        # systemd-socket-activate listens, and starts the daemon on the first connection, handing
        # it the listening socket (LISTEN_FDS=1, LISTEN_FDNAMES=http) like systemd would.
        env = dict(os.environ)
        for k in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET"):
            env.pop(k, None)
        proc = subprocess.Popen(["systemd-socket-activate", "-l", "127.0.0.1:%d" % port,
                                 "--fdname=http", BIN, "serve", "--config", self.config,
                                 "--store", self.store],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        try:
            self.assertTrue(wait_until(lambda: _can_connect(port)))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/feed.json")  # queued in the backlog until the daemon serves it
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertIn(b"First story", resp.read())
            conn.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("activated=true", err)
        self.assertIn(":%d/" % port, out)

    def test_journald_format(self):
        log = os.path.join(self.tmp, "journal.log")
        with open(log, "w") as stderr:
            st = os.fstat(stderr.fileno())
            daemon = Daemon(self.store, config=self.config, stderr=stderr,
                            env={"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)})
            try:
                daemon.get("/healthz")
            finally:
                self.assertEqual(daemon.stop(), 0)
        lines = open(log).read().splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>(daemon|store|http): ")
        self.assertTrue(any(l.startswith("<6>daemon: ready ") for l in lines), lines)

    def test_metrics(self):
        daemon = Daemon(self.store, config=self.config)
        try:
            daemon.get("/feed.xml")
            # A response is counted when the server's write completes, which may be a moment
            # after the client has read it (and on another I/O thread than /metrics).
            self.assertTrue(wait_until(lambda: re.search(
                rb'syndicated_http_requests_total\{route="static",status="200"\} [1-9]',
                daemon.get("/metrics")[2])))
            status, headers, body = daemon.get("/metrics")
            self.assertEqual(status, 200)
            self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
            text = body.decode()
            for name in ("syndicated_http_requests_total", "syndicated_http_sent_bytes_total",
                         "syndicated_http_not_modified_total",
                         "syndicated_update_duration_seconds_bucket", "syndicated_articles",
                         "syndicated_store_errors_total", "syndicated_watcher_events_total",
                         "syndicated_rescans_total", "syndicated_reloads_total",
                         "syndicated_last_reload_time_seconds", "syndicated_build_info"):
                self.assertIn(name, text)
            self.assertIn('syndicated_articles{status="published"} 1', text)
            self.assertRegex(text, r'syndicated_http_requests_total\{route="static",status="200"\} [1-9]')
            # Every sample line is NAME{LABELS} VALUE.
            for line in text.splitlines():
                if not line.startswith("#"):
                    self.assertRegex(line, r'^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$')
        finally:
            daemon.stop()


if __name__ == "__main__":
    unittest.main()
