"""Self-test of the fake Mastodon API (fakes/fake_mastodon.py): the behaviour the connector's
tests rely on.

    python3 -m unittest -v test_fake_mastodon
"""
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fakes"))
import fake_mastodon  # noqa: E402

TOKEN = "fake-mastodon-token"


class FakeMastodon(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fake-mastodon-")
        cls.state = os.path.join(cls.dir, "state.json")
        cls.start()

    @classmethod
    def start(cls):
        port_file = os.path.join(cls.dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fakes", "fake_mastodon.py"), "--certs",
             os.path.join(cls.dir, "certs"), "--port", "0", "--port-file", port_file,
             "--token", TOKEN, "--state", cls.state])
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if cls.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake_mastodon did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            cls.port = int(f.read())
        cls.ctx = ssl.create_default_context(cafile=os.path.join(cls.dir, "certs", "ca.pem"))

    @classmethod
    def stop(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.control("POST", "/_fake/reset")

    def request(self, method, path, body=None, headers=None, token=TOKEN):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=10)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, (json.loads(data) if data else None), resp

    def control(self, method, path, body=None):
        return self.request(method, path, body, token=None)[1]

    def post(self, text, key=None, token=TOKEN, **extra):
        headers = {"Idempotency-Key": key} if key else {}
        return self.request("POST", "/api/v1/statuses", dict({"status": text}, **extra), headers,
                            token=token)

    def upload(self, data=b"\x89PNGxxxx", ctype="image/png", description="A caption"):
        boundary = "b0undary"
        body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; "
                b"filename=\"image.png\"\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n" +
                data + b"\r\n--b0undary\r\nContent-Disposition: form-data; "
                b"name=\"description\"\r\n\r\n" + description.encode() + b"\r\n--b0undary--\r\n")
        return self.request("POST", "/api/v2/media", body,
                            {"Content-Type": "multipart/form-data; boundary=" + boundary})

    def test_grapheme_approximation(self):
        g = fake_mastodon.graphemes
        self.assertEqual(g("Azərbaycan"), 10)
        self.assertEqual(g("Привет"), 6)
        self.assertEqual(g("e\u0301"), 1)
        self.assertEqual(g("👍🏽"), 1)
        self.assertEqual(g("👩‍👩‍👧"), 1)
        self.assertEqual(g("🇦🇿🇺🇦"), 2)
        self.assertEqual(fake_mastodon.status_length("a https://example.com/" + "x" * 100, 23),
                         2 + 23)

    def test_instance_and_status(self):
        status, inst, _ = self.request("GET", "/api/v2/instance", token=None)
        self.assertEqual(status, 200)
        self.assertEqual(inst["configuration"]["statuses"]["max_characters"], 500)
        self.assertEqual(inst["configuration"]["statuses"]["characters_reserved_per_url"], 23)
        status, body, resp = self.post("Budget https://news.example.az/b", visibility="unlisted",
                                       language="az")
        self.assertEqual(status, 200, body)
        self.assertIn('href="https://news.example.az/b"', body["content"])
        self.assertEqual(body["visibility"], "unlisted")
        self.assertEqual(body["language"], "az")
        self.assertTrue(body["url"].endswith("/@syndicated/" + body["id"]))
        for h in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            self.assertIsNotNone(resp.getheader(h), h)
        self.assertRegex(resp.getheader("X-RateLimit-Reset"),
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_idempotency_key_returns_the_first_status(self):
        s1, first, _ = self.post("One", key="k-1")
        s2, second, _ = self.post("One, edited", key="k-1")
        self.assertEqual((s1, s2), (200, 200))
        self.assertEqual(first["id"], second["id"])
        self.assertEqual(self.post("One", key="k-2")[1]["id"] != first["id"], True)
        self.assertEqual(len(self.control("GET", "/_fake/statuses")["statuses"]), 2)
        # The keys survive a restart of the fake (--state).
        type(self).stop()
        type(self).start()
        self.assertEqual(self.post("One", key="k-1")[1]["id"], first["id"])

    def test_errors(self):
        status, body, _ = self.post("x", token="wrong")
        self.assertEqual((status, body), (401, {"error": "The access token is invalid"}))
        status, body, _ = self.post("é" * 501)
        self.assertEqual(status, 422)
        self.assertEqual(body["error"], "Validation failed: Text character limit of 500 exceeded")
        self.assertEqual(self.post("é" * 500)[0], 200)
        self.assertEqual(self.post("x", visibility="world")[0], 422)
        self.control("POST", "/_fake/instance", {"max_characters": 1000})
        self.assertEqual(self.post("ü" * 900)[0], 200)
        self.control("POST", "/_fake/fail", {"status": 503, "path": "/statuses"})
        self.assertEqual(self.post("y")[0], 503)
        self.assertEqual(self.post("y")[0], 200)

    def test_media_processing_and_delete(self):
        status, media, _ = self.upload()
        self.assertEqual(status, 202)
        self.assertIsNone(media["url"])
        self.assertEqual(media["description"], "A caption")
        status, body, _ = self.post("with image", media_ids=[media["id"]])
        self.assertEqual(status, 422)
        self.assertIn("not finished processing", body["error"])
        self.assertEqual(self.request("GET", "/api/v1/media/" + media["id"])[0], 206)
        self.assertEqual(self.request("GET", "/api/v1/media/" + media["id"])[0], 206)
        status, ready, _ = self.request("GET", "/api/v1/media/" + media["id"])
        self.assertEqual(status, 200)
        self.assertIsNotNone(ready["url"])
        status, posted, _ = self.post("with image", media_ids=[media["id"]])
        self.assertEqual(status, 200, posted)
        self.assertEqual(posted["media_attachments"][0]["id"], media["id"])
        self.assertEqual(self.upload(ctype="text/html")[0], 422)
        status, deleted, _ = self.request("DELETE", "/api/v1/statuses/" + posted["id"])
        self.assertEqual(status, 200)
        self.assertEqual(deleted["text"], "with image")
        self.assertEqual(self.request("DELETE", "/api/v1/statuses/" + posted["id"])[0], 404)

    def test_rate_limit(self):
        self.control("POST", "/_fake/rate", {"limit": 2, "window": 300})
        _, _, r1 = self.post("a")
        self.assertEqual(r1.getheader("X-RateLimit-Remaining"), "1")
        _, _, r2 = self.post("b")
        self.assertEqual(r2.getheader("X-RateLimit-Remaining"), "0")
        status, body, r3 = self.post("c")
        self.assertEqual(status, 429)
        self.assertEqual(body, {"error": "Too many requests"})
        self.assertEqual(r3.getheader("X-RateLimit-Reset"), r2.getheader("X-RateLimit-Reset"))


if __name__ == "__main__":
    unittest.main()
