"""Self-test of the fake Telegram Bot API (fakes/fake_telegram.py): the behaviour the connector's
tests rely on.

    python3 -m unittest -v test_fake_telegram
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
import fake_telegram  # noqa: E402

TOKEN = "123456789:AAFakeTelegramBotTokenForTests_xyz"
CHAT = -1001234567890
LOOKUP = 555000111


class FakeTelegram(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="fake-telegram-")
        cls.state = os.path.join(cls.dir, "state.json")
        port_file = os.path.join(cls.dir, "port")
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fakes", "fake_telegram.py"), "--certs",
             os.path.join(cls.dir, "certs"), "--port", "0", "--port-file", port_file,
             "--token", TOKEN, "--chat-id", str(CHAT), "--state", cls.state,
             "--lookup-chat-id", str(LOOKUP)])
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if cls.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fake_telegram did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            cls.port = int(f.read())
        cls.ctx = ssl.create_default_context(cafile=os.path.join(cls.dir, "certs", "ca.pem"))

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.request("POST", "/_fake/reset")

    def request(self, method, path, body=None):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=10)
        h = {}
        if body is not None:
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, (json.loads(data) if data else None)

    def call(self, method, params, token=TOKEN):
        return self.request("POST", "/bot%s/%s" % (token, method), params)

    def send(self, text, **extra):
        return self.call("sendMessage", dict({"chat_id": CHAT, "text": text,
                                              "parse_mode": "HTML"}, **extra))

    def test_html_parsing(self):
        text, entities = fake_telegram.parse_html(
            'A &amp; B &lt;C&gt; &quot;q&quot; <a href="https://x.az/?a=1&amp;b=2">x.az</a> 👍 '
            '<b>bold</b>')
        self.assertEqual(text, 'A & B <C> "q" x.az 👍 bold')
        self.assertEqual(entities[0], {"offset": 14, "length": 4, "type": "text_link",
                                       "url": "https://x.az/?a=1&b=2"})
        self.assertEqual(entities[1]["offset"], 22)  # the emoji is 2 UTF-16 units
        for bad in ("a < b", "<foo>x</foo>", "<b>x", "<b>x</i>", "x</b>", "a & b", "&nbsp;"):
            with self.assertRaises(fake_telegram.ParseError, msg=bad):
                fake_telegram.parse_html(bad)

    def test_send_message(self):
        status, body = self.send('Tom &amp; Jerry <a href="https://news.example.az/a">'
                                 'https://news.example.az/a</a>',
                                 link_preview_options={"url": "https://news.example.az/a"},
                                 disable_notification=True)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["ok"])
        result = body["result"]
        self.assertEqual(result["message_id"], 1)
        self.assertEqual(result["chat"]["id"], CHAT)
        self.assertEqual(result["text"], "Tom & Jerry https://news.example.az/a")
        msg = self.request("GET", "/_fake/messages")[1]["messages"][0]
        self.assertEqual(msg["link_preview_options"], {"url": "https://news.example.az/a"})
        self.assertTrue(msg["disable_notification"])
        self.assertEqual(msg["entities"][0]["type"], "text_link")

    def test_errors(self):
        status, body = self.send("x", chat_id="@someone_else")
        self.assertEqual((status, body["description"]), (400, "Bad Request: chat not found"))
        status, body = self.send("Tom & Jerry")
        self.assertEqual(status, 400)
        self.assertTrue(body["description"].startswith("Bad Request: can't parse entities"))
        self.assertEqual(self.send("я" * 4096)[0], 200)
        status, body = self.send("я" * 4097)
        self.assertEqual(body["description"], "Bad Request: message is too long")
        self.assertEqual(self.send("😀" * 2048)[0], 200)
        self.assertEqual(self.send("😀" * 2049)[0], 400)  # UTF-16: 2 units each
        self.assertEqual(self.send("<b></b>")[1]["description"],
                         "Bad Request: message text is empty")
        status, body = self.call("sendMessage", {"chat_id": CHAT, "text": "x"},
                                 token="123456789:wrong")
        self.assertEqual((status, body["error_code"]), (401, 401))
        self.request("POST", "/_fake/fail", {"status": 429, "retry_after": 7})
        status, body = self.send("x")
        self.assertEqual((status, body["parameters"]), (429, {"retry_after": 7}))
        self.assertEqual(self.send("x")[0], 200)

    def test_photo_caption_and_delete(self):
        image = "https://127.0.0.1:%d/_fake/image?type=image/png&size=300" % self.port
        status, body = self.call("sendPhoto", {"chat_id": CHAT, "photo": image,
                                               "caption": "<b>Cap</b>", "parse_mode": "HTML"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["result"]["caption"], "Cap")
        mid = body["result"]["message_id"]
        status, body = self.call("sendPhoto", {"chat_id": CHAT, "photo": image,
                                               "caption": "c" * 1025})
        self.assertEqual(body["description"], "Bad Request: message caption is too long")
        status, body = self.call("sendPhoto", {"chat_id": CHAT, "photo": image.replace(
            "type=image/png", "status=404")})
        self.assertEqual(body["description"], "Bad Request: failed to get HTTP URL content")
        status, body = self.call("sendPhoto", {"chat_id": CHAT, "photo": image.replace(
            "image/png", "text/html")})
        self.assertEqual(body["description"], "Bad Request: wrong type of the web page content")
        self.assertEqual(self.call("deleteMessage", {"chat_id": CHAT, "message_id": mid}),
                         (200, {"ok": True, "result": True}))
        status, body = self.call("deleteMessage", {"chat_id": CHAT, "message_id": mid})
        self.assertEqual(body["description"], "Bad Request: message to delete not found")

    def forward(self, mid, **extra):
        return self.call("forwardMessage", dict({"chat_id": LOOKUP, "from_chat_id": CHAT,
                                                 "message_id": mid,
                                                 "disable_notification": True}, **extra))

    def test_ids_are_sequential_and_shared_with_others(self):
        self.assertEqual(self.send("one")[1]["result"]["message_id"], 1)
        self.assertEqual(self.request("POST", "/_fake/post", {"text": "an editor"}),
                         (200, {"message_id": 2}))
        self.assertEqual(self.request("POST", "/_fake/post", {"service": True})[1],
                         {"message_id": 3})
        self.assertEqual(self.send("two")[1]["result"]["message_id"], 4)

    def test_forward_message(self):
        html = 'Tom &amp; Jerry <a href="https://news.example.az/a">https://news.example.az/a</a>'
        mid = self.send(html)[1]["result"]["message_id"]
        image = "https://127.0.0.1:%d/_fake/image?type=image/png&size=300" % self.port
        pid = self.call("sendPhoto", {"chat_id": "@syndicated_test", "photo": image,
                                      "caption": "<b>Cap</b>", "parse_mode": "HTML"}
                        )[1]["result"]["message_id"]
        status, body = self.forward(mid)
        self.assertEqual(status, 200, body)
        m = body["result"]
        self.assertEqual(m["message_id"], 1)  # the lookup chat's own sequence
        self.assertEqual(m["chat"]["id"], LOOKUP)
        self.assertEqual(m["chat"]["type"], "private")
        self.assertTrue(m["from"]["is_bot"])
        self.assertEqual(m["forward_origin"]["type"], "channel")
        self.assertEqual(m["forward_origin"]["chat"]["id"], CHAT)
        self.assertEqual(m["forward_origin"]["message_id"], mid)
        self.assertEqual(m["text"], "Tom & Jerry https://news.example.az/a")
        self.assertEqual(m["entities"][0]["url"], "https://news.example.az/a")
        m = self.forward(pid, from_chat_id="@syndicated_test")[1]["result"]
        self.assertEqual(m["message_id"], 2)
        self.assertEqual(m["caption"], "Cap")
        self.assertEqual(m["caption_entities"][0]["type"], "bold")
        self.assertIn("photo", m)
        self.assertNotIn("text", m)
        copies = self.request("GET", "/_fake/lookup")[1]["messages"]
        self.assertEqual([c["forwarded_from"] for c in copies], [mid, pid])
        self.assertTrue(copies[0]["disable_notification"])
        # The copy is deleted in the lookup chat; the channel keeps its post.
        self.assertEqual(self.call("deleteMessage", {"chat_id": LOOKUP, "message_id": 1}),
                         (200, {"ok": True, "result": True}))
        self.assertTrue(self.request("GET", "/_fake/lookup")[1]["messages"][0]["deleted"])
        self.assertFalse(self.request("GET", "/_fake/messages")[1]["messages"][0]["deleted"])
        status, body = self.call("deleteMessage", {"chat_id": LOOKUP, "message_id": 1})
        self.assertEqual(body["description"], "Bad Request: message to delete not found")

    def test_forward_errors(self):
        mid = self.send("x")[1]["result"]["message_id"]
        for missing in (mid + 1, 0, 999):
            status, body = self.forward(missing)
            self.assertEqual((status, body["description"]),
                             (400, "Bad Request: message to forward not found"), missing)
        self.call("deleteMessage", {"chat_id": CHAT, "message_id": mid})
        self.assertEqual(self.forward(mid)[1]["description"],
                         "Bad Request: message to forward not found")
        sid = self.request("POST", "/_fake/post", {"service": True})[1]["message_id"]
        self.assertEqual(self.forward(sid)[1]["description"],
                         "Bad Request: the message can't be forwarded")
        hid = self.request("POST", "/_fake/post", {"html": "by <i>hand</i>"})[1]["message_id"]
        self.assertEqual(self.forward(hid)[1]["result"]["text"], "by hand")
        self.assertEqual(self.forward(hid, chat_id=777)[1]["description"],
                         "Bad Request: chat not found")
        self.assertEqual(self.forward(hid, from_chat_id="@elsewhere")[1]["description"],
                         "Bad Request: chat not found")
        self.request("POST", "/_fake/protect", {"protected": True})
        self.assertEqual(self.forward(hid)[1]["description"],
                         "Bad Request: message has protected content and can't be forwarded")
        self.request("POST", "/_fake/fail", {"status": 429, "retry_after": 3,
                                             "method": "forwardMessage"})
        status, body = self.forward(hid)
        self.assertEqual((status, body["parameters"]), (429, {"retry_after": 3}))


if __name__ == "__main__":
    unittest.main()
