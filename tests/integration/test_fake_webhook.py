"""The webhook receiver fake (fakes/fake_webhook.py) itself: it must reject what a real Standard
Webhooks receiver rejects, deduplicate by webhook-id, inject failures and keep its state, or the
connector's end-to-end tests would prove nothing."""
import base64
import hashlib
import hmac
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
FAKE = os.path.join(HERE, "fakes", "fake_webhook.py")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the spec's test vector secret
OLD_SECRET = "whsec_" + base64.b64encode(b"o" * 24).decode()
GITHUB_SECRET = "It's a Secret to Everybody"


def key_of(secret):
    return base64.b64decode(secret[len("whsec_"):])


def signature(secret, msg_id, ts, body):
    mac = hmac.new(key_of(secret), b"%s.%s.%s" % (msg_id.encode(), str(ts).encode(), body),
                   hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Fake:
    def __init__(self, tmp, *extra, state=None):
        self.tmp = tmp
        self.certs = os.path.join(tmp, "certs")
        port_file = os.path.join(tmp, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        args = [sys.executable, FAKE, "--certs", self.certs, "--port", "0",
                "--port-file", port_file, "--secret", SECRET, *extra]
        if state:
            args += ["--state", state]
        self.proc = subprocess.Popen(args)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake_webhook.py did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self.ctx = ssl.create_default_context(cafile=os.path.join(self.certs, "ca.pem"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def request(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def send(self, payload, msg_id="msg_1", ts=None, secret=SECRET, sig=None, extra=None):
        body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        ts = int(time.time()) if ts is None else ts
        headers = {"content-type": "application/json", "webhook-id": msg_id,
                   "webhook-timestamp": str(ts),
                   "webhook-signature": sig if sig is not None else signature(secret, msg_id, ts,
                                                                               body)}
        headers.update(extra or {})
        return self.request("POST", "/hook", body, headers)

    def deliveries(self):
        status, _, body = self.request("GET", "/_fake/deliveries")
        assert status == 200
        return json.loads(body)

    def control(self, path, obj=None):
        status, _, _ = self.request("POST", path, json.dumps(obj or {}).encode())
        assert status == 200


ARTICLE = {"type": "article.published", "timestamp": "2026-01-01T00:00:00Z",
           "data": {"id": "a-1", "title": "T"}}


class FakeWebhook(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fake-webhook-")
        self.fake = Fake(self.tmp)

    def tearDown(self):
        self.fake.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_good_signature_is_recorded_with_its_metadata(self):
        status, _, body = self.fake.send(ARTICLE, msg_id="msg_good")
        self.assertEqual(status, 200)
        answer = json.loads(body)
        self.assertTrue(answer["url"].endswith("/_fake/deliveries/msg_good"))
        d = self.fake.deliveries()
        self.assertEqual(d["count"], 1)
        rec = d["deliveries"][0]
        self.assertEqual((rec["webhook_id"], rec["type"], rec["article_id"]),
                         ("msg_good", "article.published", "a-1"))
        self.assertEqual(rec["headers"]["content-type"], "application/json")
        self.assertEqual(rec["body"], ARTICLE)
        status, _, one = self.fake.request("GET", "/_fake/deliveries/msg_good")
        self.assertEqual((status, json.loads(one)["article_id"]), (200, "a-1"))

    def test_bad_signature_is_rejected_and_not_recorded(self):
        self.assertEqual(self.fake.send(ARTICLE, secret=OLD_SECRET)[0], 401)
        self.assertEqual(self.fake.send(ARTICLE, sig="v1,AAAA")[0], 401)
        self.assertEqual(self.fake.send(ARTICLE, sig="v1a," + signature(SECRET, "msg_1",
                                                                         int(time.time()),
                                                                         b"{}")[3:])[0], 401)
        # Signed over other bytes than those sent.
        ts = int(time.time())
        sig = signature(SECRET, "msg_1", ts, json.dumps(ARTICLE).encode())
        self.assertEqual(self.fake.send(json.dumps(ARTICLE).encode() + b" ", ts=ts, sig=sig)[0],
                         401)
        self.assertEqual(self.fake.deliveries()["count"], 0)

    def test_one_matching_signature_among_several_is_enough(self):
        ts = int(time.time())
        body = json.dumps(ARTICLE).encode()
        sig = signature(OLD_SECRET, "msg_rot", ts, body) + " " + signature(SECRET, "msg_rot", ts,
                                                                           body)
        self.assertEqual(self.fake.send(body, msg_id="msg_rot", ts=ts, sig=sig)[0], 200)

    def test_timestamps_outside_five_minutes_and_missing_headers_are_400(self):
        now = int(time.time())
        self.assertEqual(self.fake.send(ARTICLE, ts=now - 400)[0], 400)
        self.assertEqual(self.fake.send(ARTICLE, ts=now + 400)[0], 400)
        self.assertEqual(self.fake.send(ARTICLE, msg_id="")[0], 400)
        self.assertEqual(self.fake.send(ARTICLE, ts=now - 200)[0], 200)
        d = self.fake.deliveries()
        self.assertEqual(d["count"], 1)
        self.assertEqual([a["status"] for a in d["attempts"]], [400, 400, 400, 200])

    def test_repeated_webhook_id_is_acknowledged_but_recorded_once(self):
        first = self.fake.send(ARTICLE, msg_id="msg_dup")
        second = self.fake.send(ARTICLE, msg_id="msg_dup", ts=int(time.time()) + 1)
        self.assertEqual((first[0], second[0]), (200, 200))
        self.assertTrue(json.loads(second[2])["duplicate"])
        d = self.fake.deliveries()
        self.assertEqual((d["count"], d["duplicates"]), (1, 1))

    def test_injected_failures_answer_count_requests_then_recover(self):
        self.fake.control("/_fake/fail", {"status": 503, "count": 2, "retry_after": "7"})
        s1, h1, _ = self.fake.send(ARTICLE, msg_id="msg_f")
        s2, _, _ = self.fake.send(ARTICLE, msg_id="msg_f")
        s3, _, _ = self.fake.send(ARTICLE, msg_id="msg_f")
        self.assertEqual((s1, s2, s3), (503, 503, 200))
        self.assertEqual(h1.get("Retry-After"), "7")
        d = self.fake.deliveries()
        self.assertEqual(d["count"], 1)
        self.assertEqual([a["status"] for a in d["attempts"]], [503, 503, 200])

        self.fake.control("/_fake/fail", {"status": 410, "count": -1})
        for _ in range(3):
            self.assertEqual(self.fake.send(ARTICLE, msg_id="msg_g")[0], 410)
        self.fake.control("/_fake/reset")
        self.assertEqual(self.fake.send(ARTICLE, msg_id="msg_g")[0], 200)
        d = self.fake.deliveries()
        self.assertEqual((d["count"], len(d["attempts"])), (1, 1))

    def test_delay_injection_holds_the_answer(self):
        self.fake.control("/_fake/fail", {"delay_ms": 600})
        start = time.monotonic()
        self.assertEqual(self.fake.send(ARTICLE, msg_id="msg_slow")[0], 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.5)
        self.assertEqual(self.fake.deliveries()["count"], 1)


class FakeWebhookOptions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fake-webhook-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_github_signature_is_required_when_configured(self):
        fake = Fake(self.tmp, "--github-secret", GITHUB_SECRET)
        try:
            body = json.dumps(ARTICLE).encode()
            self.assertEqual(fake.send(body, msg_id="msg_gh")[0], 401)
            good = "sha256=" + hmac.new(GITHUB_SECRET.encode(), body, hashlib.sha256).hexdigest()
            self.assertEqual(fake.send(body, msg_id="msg_gh",
                                       extra={"X-Hub-Signature-256": good})[0], 200)
        finally:
            fake.stop()

    def test_state_file_keeps_deliveries_across_restarts(self):
        state = os.path.join(self.tmp, "state.json")
        fake = Fake(self.tmp, state=state)
        try:
            self.assertEqual(fake.send(ARTICLE, msg_id="msg_keep")[0], 200)
        finally:
            fake.stop()
        fake = Fake(self.tmp, state=state)
        try:
            self.assertEqual(fake.deliveries()["count"], 1)
            self.assertEqual(fake.send(ARTICLE, msg_id="msg_keep")[0], 200)
            d = fake.deliveries()
            self.assertEqual((d["count"], d["duplicates"]), (1, 1))
        finally:
            fake.stop()


if __name__ == "__main__":
    unittest.main()
