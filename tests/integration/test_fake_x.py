"""Self-test of the fake X API (fakes/fake_x.py): the behaviour the connector's tests rely on.

    python3 -m unittest -v test_fake_x
"""
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from urllib.parse import urlsplit, parse_qsl, quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fakes"))
import fake_x  # noqa: E402

SHARED = os.environ.get("SYNDICATED_SHARED_DIR", os.path.join(HERE, "..", "..", "..", "shared"))
CK, CS, TOKEN, TS = "fake-ck", "fake-cs", "1590000000000000001-tok", "fake-ts"


def authorization(method, url, consumer_key=CK, consumer_secret=CS, nonce=None, form=None,
                  timestamp=None):
    parts = urlsplit(url)
    oauth = {"oauth_consumer_key": consumer_key, "oauth_nonce": nonce or uuid.uuid4().hex,
             "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": str(timestamp or int(time.time())),
             "oauth_token": TOKEN, "oauth_version": "1.0"}
    params = list(oauth.items()) + parse_qsl(parts.query, keep_blank_values=True) + (form or [])
    base = "https://%s%s" % (parts.netloc, parts.path)
    oauth["oauth_signature"] = fake_x.oauth_signature(method, base, params, consumer_secret, TS)
    return "OAuth " + ", ".join('%s="%s"' % (k, fake_x.pe(v)) for k, v in sorted(oauth.items()))


class FakeX(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fake-x-")
        cls.state = os.path.join(cls.dir, "state.json")
        cls.start()

    @classmethod
    def start(cls):
        port_file = os.path.join(cls.dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fakes", "fake_x.py"), "--certs",
             os.path.join(cls.dir, "certs"), "--port", "0", "--port-file", port_file,
             "--consumer-key", CK, "--consumer-secret", CS, "--token", TOKEN,
             "--token-secret", TS, "--state", cls.state])
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if cls.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake_x did not start")
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

    # helpers ----------------------------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, auth=True, **auth_args):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=10)
        h = dict(headers or {})
        url = "https://localhost:%d%s" % (self.port, path)
        if auth:
            h["Authorization"] = authorization(method, url, **auth_args)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, (json.loads(data) if data else None), resp

    def control(self, method, path, body=None):
        return self.request(method, path, body, auth=False)[1]

    def tweet(self, text, **kw):
        return self.request("POST", "/2/tweets", {"text": text}, **kw)

    # tests ------------------------------------------------------------------------------------
    def test_signature_implementation_reproduces_the_documented_vectors(self):
        with open(os.path.join(SHARED, "testdata", "social",
                               "x-oauth1-signature-vectors.json")) as f:
            doc = json.load(f)
        inp = doc["inputs"]
        params = [(k, inp[k]) for k in ("oauth_consumer_key", "oauth_nonce",
                                        "oauth_signature_method", "oauth_timestamp",
                                        "oauth_token", "oauth_version")]
        params += list(inp["query_params"].items()) + list(
            inp["body_params_form_urlencoded"].items())
        for v in doc["vectors"]:
            self.assertEqual(
                fake_x.oauth_signature(inp["method"], v["base_url"], params,
                                       inp["oauth_consumer_secret"], inp["oauth_token_secret"]),
                v["expected_oauth_signature"], v["name"])

    def test_weighted_length_follows_twitter_text(self):
        with open(os.path.join(SHARED, "testdata", "social",
                               "twitter-weighted-length-extra.json")) as f:
            cases = json.load(f)["cases"]
        checked = 0
        for case in cases:
            if re.search(r"(?<![/\w.])[\w-]+\.(az|com|org|net|ru)\b", case["text"]):
                continue  # scheme-less URLs: the fake's URL regex is simpler than twitter-text's
            self.assertEqual(fake_x.weighted_length(case["text"]),
                             case["expected"]["weightedLength"], case["text"])
            checked += 1
        self.assertGreater(checked, 10)
        self.assertEqual(fake_x.weighted_length("a" * 250 + " https://example.com/" + "x" * 200),
                         250 + 1 + 23)

    def test_creates_a_tweet_and_wraps_links(self):
        status, body, resp = self.tweet("Budget passed https://news.example.az/budget?x=1 #Politics")
        self.assertEqual(status, 201, body)
        tweet_id = body["data"]["id"]
        self.assertRegex(body["data"]["text"], r"^Budget passed https://t\.co/\w{10} #Politics$")
        self.assertEqual(body["data"]["edit_history_tweet_ids"], [tweet_id])
        for h in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
            self.assertIsNotNone(resp.getheader(h), h)

        status, me, _ = self.request("GET", "/2/users/me")
        self.assertEqual(status, 200)
        path = "/2/users/%s/tweets?max_results=100&tweet.fields=entities,created_at" % (
            me["data"]["id"])
        status, timeline, _ = self.request("GET", path)
        self.assertEqual(status, 200, timeline)
        first = timeline["data"][0]
        self.assertEqual(first["id"], tweet_id)
        url = first["entities"]["urls"][0]
        self.assertEqual(url["expanded_url"], "https://news.example.az/budget?x=1")
        self.assertEqual(first["text"][url["start"]:url["end"]], url["url"])
        self.assertNotIn("news.example.az", first["text"])
        self.assertIn("created_at", first)
        # Without tweet.fields, X sends neither entities nor created_at.
        _, bare, _ = self.request("GET", "/2/users/%s/tweets?max_results=5" % me["data"]["id"])
        self.assertNotIn("entities", bare["data"][0])
        self.assertEqual(self.request("GET", "/2/users/%s/tweets?max_results=500"
                                      % me["data"]["id"])[0], 400)

    def test_rejects_bad_signatures_unknown_keys_and_replays(self):
        self.assertEqual(self.tweet("a", consumer_secret="wrong")[0], 401)
        status, body, _ = self.tweet("a", consumer_key="someone-else")
        self.assertEqual(status, 401)
        self.assertEqual(body["title"], "Unauthorized")
        self.assertEqual(self.request("GET", "/2/users/me", auth=False)[0], 401)
        # The query is signed: change it after signing.
        url = "https://localhost:%d/2/users/me?x=1" % self.port
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx)
        conn.request("GET", "/2/users/me?x=2", headers={"Authorization": authorization("GET", url)})
        self.assertEqual(conn.getresponse().status, 401)
        conn.close()
        # A nonce is unique per timestamp.
        self.assertEqual(self.tweet("first", nonce="same-nonce", timestamp=1767225600)[0], 201)
        self.assertEqual(self.tweet("second", nonce="same-nonce", timestamp=1767225600)[0], 401)
        self.assertEqual(len(self.control("GET", "/_fake/tweets")["tweets"]), 1)

    def test_rejects_over_length_text(self):
        status, body, _ = self.tweet("é" * 281)
        self.assertEqual(status, 400)
        self.assertTrue(body["detail"].startswith("Your Tweet text is too long."))
        self.assertEqual(self.tweet("é" * 280)[0], 201)
        self.assertEqual(self.tweet("漢" * 141)[0], 400)  # CJK weighs 2
        self.assertEqual(self.tweet("漢" * 140)[0], 201)
        # A long URL counts 23.
        self.assertEqual(self.tweet("b" * 256 + " https://example.com/" + "p" * 300)[0], 201)

    def test_rejects_duplicate_content(self):
        self.assertEqual(self.tweet("Same words")[0], 201)
        status, body, _ = self.tweet("Same words")
        self.assertEqual(status, 403)
        self.assertEqual(body["detail"],
                         "You are not allowed to create a Tweet with duplicate content.")

    def test_rate_limit_window(self):
        self.control("POST", "/_fake/rate", {"limit": 2, "window": 900})
        _, _, r1 = self.request("GET", "/2/users/me")
        self.assertEqual(r1.getheader("x-rate-limit-remaining"), "1")
        _, _, r2 = self.request("GET", "/2/users/me")
        self.assertEqual(r2.getheader("x-rate-limit-remaining"), "0")
        status, _, r3 = self.request("GET", "/2/users/me")
        self.assertEqual(status, 429)
        self.assertEqual(r3.getheader("x-rate-limit-remaining"), "0")
        self.assertGreater(int(r3.getheader("x-rate-limit-reset")), time.time())
        # Windows are per endpoint.
        self.assertEqual(self.tweet("other endpoint")[0], 201)

    def test_injected_failures(self):
        self.control("POST", "/_fake/fail", {"status": 503, "count": 2, "path": "/2/tweets"})
        self.assertEqual(self.request("GET", "/2/users/me")[0], 200)
        self.assertEqual(self.tweet("x")[0], 503)
        self.assertEqual(self.tweet("x")[0], 503)
        self.assertEqual(self.tweet("x")[0], 201)
        self.control("POST", "/_fake/fail", {"status": 429})
        status, _, resp = self.tweet("y")
        self.assertEqual(status, 429)
        self.assertEqual(resp.getheader("x-rate-limit-remaining"), "0")
        self.control("POST", "/_fake/fail", {"status": 402})
        self.assertEqual(self.tweet("z")[0], 402)

    def test_media_upload_and_delete(self):
        boundary = "b0undary"
        image = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
        body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"media_category\"\r\n\r\n"
                b"tweet_image\r\n--b0undary\r\nContent-Disposition: form-data; name=\"media\"; "
                b"filename=\"i\"\r\nContent-Type: image/png\r\n\r\n" + image +
                b"\r\n--b0undary--\r\n")
        ctype = {"Content-Type": "multipart/form-data; boundary=" + boundary}
        status, up, _ = self.request("POST", "/2/media/upload", body, ctype)
        self.assertEqual(status, 200, up)
        media_id = up["data"]["id"]
        self.assertEqual(up["data"]["media_key"], "3_" + media_id)
        self.assertEqual(self.control("GET", "/_fake/media")["media"][0]["size"], len(image))
        empty = body.replace(image, b"")
        self.assertEqual(self.request("POST", "/2/media/upload", empty, ctype)[0], 400)

        self.assertEqual(self.request("POST", "/2/tweets", {"text": "pic",
                                      "media": {"media_ids": ["42"]}})[0], 400)
        status, created, _ = self.request("POST", "/2/tweets",
                                          {"text": "pic", "media": {"media_ids": [media_id]}})
        self.assertEqual(status, 201)
        tweets = self.control("GET", "/_fake/tweets")["tweets"]
        self.assertEqual(tweets[-1]["media_ids"], [media_id])

        tweet_id = created["data"]["id"]
        status, deleted, _ = self.request("DELETE", "/2/tweets/" + tweet_id)
        self.assertEqual((status, deleted), (200, {"data": {"deleted": True}}))
        self.assertEqual(self.request("DELETE", "/2/tweets/" + tweet_id)[0], 404)
        self.assertTrue(self.control("GET", "/_fake/tweets")["tweets"][-1]["deleted"])

    def test_state_survives_a_restart(self):
        self.assertEqual(self.tweet("kept across restarts")[0], 201)
        type(self).stop()
        type(self).start()
        texts = [t["submitted_text"] for t in self.control("GET", "/_fake/tweets")["tweets"]]
        self.assertIn("kept across restarts", texts)
        self.assertEqual(self.tweet("kept across restarts")[0], 403)


if __name__ == "__main__":
    unittest.main()
