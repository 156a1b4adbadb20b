"""Starts the real syndicated daemon on 127.0.0.1:0 and talks to it over real HTTP.

Used by the integration tests; needs Debian's /usr/bin/python3 (feedparser, jsonschema).
"""
import http.client
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

BIN = os.environ["SYNDICATED_BIN"]
SOURCE_DIR = os.environ["SYNDICATED_SOURCE_DIR"]
SHARED_DIR = os.environ["SYNDICATED_SHARED_DIR"]
EXAMPLE_STORE = os.path.join(SOURCE_DIR, "examples", "store")
EXAMPLE_CONFIG = os.path.join(SOURCE_DIR, "examples", "config.toml")


class Daemon:
    """A running `syndicated serve`; stdout/stderr are collected in the background."""

    def __init__(self, store, config=EXAMPLE_CONFIG, extra_args=(), env=None,
                 listen="127.0.0.1:0", prefix=(), stderr=None):
        self.store = store
        args = list(prefix) + [BIN, "serve", "--store", store]
        if listen:
            args += ["--listen", listen]
        if config:
            args += ["--config", config]
        args += list(extra_args)
        full_env = dict(os.environ)
        for k in ("JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                  "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
            full_env.pop(k, None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=stderr if stderr is not None else subprocess.PIPE,
                                     env=full_env, text=True)
        self.stdout_lines = []
        self.stderr_lines = []
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.stdout_lines), daemon=True)]
        if self.proc.stderr is not None:
            self._threads.append(threading.Thread(
                target=self._pump, args=(self.proc.stderr, self.stderr_lines), daemon=True))
        for t in self._threads:
            t.start()
        self.port = self._wait_for_port()
        self.base = "http://127.0.0.1:%d" % self.port

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink.append(line.rstrip("\n"))

    def _wait_for_port(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.stdout_lines):
                m = re.search(r" at http://(?:127\.0\.0\.1|localhost):(\d+)/", line)
                if m:
                    return int(m.group(1))
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited with %s: %s" % (self.proc.returncode,
                                                                  "\n".join(self.stderr_lines)))
            time.sleep(0.02)
        raise RuntimeError("daemon did not report its URL in time")

    def request(self, method, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._threads:
            t.join(timeout=5)
        return self.proc.returncode


def copy_example_store():
    tmp = tempfile.mkdtemp(prefix="syndicated-store-")
    dest = os.path.join(tmp, "store")
    shutil.copytree(EXAMPLE_STORE, dest)
    return tmp, dest


def wait_until(predicate, timeout=10, interval=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
