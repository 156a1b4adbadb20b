#!/usr/bin/env python3
"""A fake X API v2 over real HTTPS on loopback, for the connector's integration tests.

    python3 fake_x.py --certs DIR --port 0 --port-file FILE \
        --consumer-key K --consumer-secret S --token T --token-secret TS [--state FILE]

Faithful to what the connector relies on:
  * every /2/ request must carry a valid OAuth 1.0a HMAC-SHA1 signature (checked with this
    file's own implementation; query and form parameters signed, JSON and multipart bodies not);
    a bad signature, an unknown consumer key or token, or a reused nonce is 401 as X answers it;
  * POST /2/tweets (JSON): twitter-text v3 weighted length (config-v3.json; URLs count 23) over
    280 is 400 "Your Tweet text is too long."; the same text as a recent tweet is 403 "duplicate
    content"; unknown media ids are 400; links are stored wrapped as t.co with entities.urls
    (url, expanded_url, display_url); an attached image appends its pic link as X does; 201;
  * POST /2/media/upload (multipart/form-data, `media` must hold bytes, <= 5 MB);
  * GET /2/users/me, GET /2/users/:id/tweets (newest first; start_time and pagination_token/next_token;
    entities and created_at only when
    asked in tweet.fields; max_results 5..100), DELETE /2/tweets/:id;
  * x-rate-limit-limit/-remaining/-reset on every answer, per endpoint, with a configurable
    window (--rate-limit N --rate-window SECONDS), 429 when exhausted.

Control endpoints (no OAuth), for tests:
  GET  /_fake/tweets    every tweet ever created: id, text (as stored), submitted_text,
                        media_ids, created_at, deleted
  GET  /_fake/media     uploads: id, size, media_category, content_type
  GET  /_fake/requests  the requests answered: method, path, status
  POST /_fake/fail      {"status": 503, "count": 2} (401, 402, 429, 5xx ...; optional "path"
                        and "method" to match, "body", "headers"), or {"delay_ms": 500, ...}
  POST /_fake/rate      {"limit": 3, "window": 900}: new rate-limit window, counters reset
  POST /_fake/reset     forget tweets, media, failures, requests, counters and /_fake/rate
  GET  /_fake/image?type=image/png&size=N   N bytes (PNG signature first) of that type, to stand
                        in for a newsroom's lead image

With --state FILE, tweets and uploads are written there after each change and read at start, so
the fake survives a restart. Python stdlib only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import unicodedata
from urllib.parse import parse_qsl, unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeserver  # noqa: E402

USER = {"id": "1590000000000000001", "name": "Syndicated Test", "username": "syndicated_test"}
FIRST_TWEET_ID = 1800000000000000000
FIRST_MEDIA_ID = 1880000000000000000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
DUPLICATE_WINDOW = 100  # recent tweets compared for duplicate content

TOO_LONG = ("Your Tweet text is too long. For more information on how Twitter determines text "
            "length see https://github.com/twitter/twitter-text.")
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."


def problem(status, title, detail, type_="about:blank"):
    return {"title": title, "detail": detail, "type": type_, "status": status}


def invalid_request(message, parameter=None):
    err = {"message": message}
    if parameter:
        err["parameters"] = {parameter: []}
    return {"errors": [err], "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"}


DEFAULT_BODIES = {
    401: problem(401, "Unauthorized", "Unauthorized"),
    402: problem(402, "CreditsDepleted",
                 "Your enrolled account does not have any credits to fulfill this request.",
                 "https://api.twitter.com/2/problems/credits"),
    403: problem(403, "Forbidden", "You are not permitted to perform this action."),
    429: problem(429, "Too Many Requests", "Too Many Requests"),
}


# --- OAuth 1.0a ------------------------------------------------------------------------------

def pe(text):
    """RFC 3986 percent-encoding (unreserved: ALPHA DIGIT - . _ ~)."""
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "-._~"):
            out.append(c)
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def oauth_signature(method, base_url, params, consumer_secret, token_secret):
    encoded = sorted((pe(k), pe(v)) for k, v in params)
    param_string = "&".join("%s=%s" % kv for kv in encoded)
    base = "&".join([method.upper(), pe(base_url), pe(param_string)])
    key = pe(consumer_secret) + "&" + pe(token_secret)
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def parse_authorization(header):
    if not header or not header.startswith("OAuth "):
        return None
    return {k: unquote(v) for k, v in re.findall(r'([A-Za-z_]+)="([^"]*)"', header[6:])}


# --- twitter-text v3 weighted length (enough of it for a fake) ------------------------------

URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
TRAILING = ".,;:!?'\")]}"


def find_urls(text):
    """(start, end, url) in code points, trailing punctuation left out."""
    spans = []
    for m in URL_RE.finditer(text):
        url = m.group(0)
        while url and url[-1] in TRAILING:
            url = url[:-1]
        if len(url) > len("https://"):
            spans.append((m.start(), m.start() + len(url), url))
    return spans


def load_weight_config():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if os.environ.get("SYNDICATED_SHARED_DIR"):
        candidates.append(os.environ["SYNDICATED_SHARED_DIR"])
    candidates.append(os.path.join(here, "..", "..", "..", "..", "shared"))
    for shared in candidates:
        path = os.path.join(shared, "testdata", "twitter-text", "config-v3.json")
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
    # The published v3 values, should the shared folder be missing.
    return {"maxWeightedTweetLength": 280, "scale": 100, "defaultWeight": 200,
            "transformedURLLength": 23,
            "ranges": [{"start": 0, "end": 4351, "weight": 100},
                       {"start": 8192, "end": 8205, "weight": 100},
                       {"start": 8208, "end": 8223, "weight": 100},
                       {"start": 8242, "end": 8247, "weight": 100}]}


CONFIG = load_weight_config()


def is_emoji(cp):
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or cp in (0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x3030, 0x303D))


def is_emoji_continuation(cp):
    return (cp in (0xFE0F, 0xFE0E, 0x20E3, 0x200D) or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F)


def char_weight(cp):
    for r in CONFIG["ranges"]:
        if r["start"] <= cp <= r["end"]:
            return r["weight"]
    return CONFIG["defaultWeight"]


def weighted_length(text):
    text = unicodedata.normalize("NFC", text)
    scale = CONFIG["scale"]
    total = 0
    pos = 0
    for start, end, _ in find_urls(text) + [(len(text), len(text), None)]:
        segment = text[pos:start]
        i = 0
        while i < len(segment):
            cp = ord(segment[i])
            if is_emoji(cp):
                total += CONFIG["defaultWeight"]
                i += 1
                # the rest of the sequence: modifiers, ZWJ + next emoji, a second regional
                # indicator of a flag
                while i < len(segment):
                    nxt = ord(segment[i])
                    if is_emoji_continuation(nxt):
                        i += 1
                        if nxt == 0x200D and i < len(segment) and is_emoji(ord(segment[i])):
                            i += 1
                    elif 0x1F1E6 <= cp <= 0x1F1FF and 0x1F1E6 <= nxt <= 0x1F1FF:
                        i += 1
                        break
                    else:
                        break
                continue
            total += char_weight(cp)
            i += 1
        if start < len(text):
            total += CONFIG["transformedURLLength"] * scale
        pos = end
    return total // scale


# --- state ------------------------------------------------------------------------------------

class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.tweets = []       # oldest first
        self.media = {}
        self.next_tweet = FIRST_TWEET_ID
        self.next_media = FIRST_MEDIA_ID
        self.next_tco = 0
        self.failures = []
        self.requests = []
        self.nonces = set()
        self.rate_limit = args.rate_limit
        self.rate_window = args.rate_window
        self.windows = {}      # endpoint -> [reset_epoch, used]
        self.load()

    def load(self):
        if self.args.state and os.path.exists(self.args.state):
            with open(self.args.state) as f:
                saved = json.load(f)
            self.tweets = saved.get("tweets", [])
            self.media = saved.get("media", {})
            self.next_tweet = saved.get("next_tweet", FIRST_TWEET_ID)
            self.next_media = saved.get("next_media", FIRST_MEDIA_ID)
            self.next_tco = saved.get("next_tco", 0)

    def save(self):
        if not self.args.state:
            return
        tmp = self.args.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"tweets": self.tweets, "media": self.media, "next_tweet": self.next_tweet,
                       "next_media": self.next_media, "next_tco": self.next_tco}, f)
        os.replace(tmp, self.args.state)

    def reset(self):
        self.tweets, self.media, self.failures, self.requests = [], {}, [], []
        self.windows, self.nonces = {}, set()
        self.rate_limit, self.rate_window = self.args.rate_limit, self.args.rate_window
        self.save()

    def tco(self):
        self.next_tco += 1
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        n, code = self.next_tco * 7919 + 1000003, ""
        while len(code) < 10:
            code += alphabet[n % 62]
            n //= 62
            n += self.next_tco
        return "https://t.co/" + code


def display_url(url):
    shown = re.sub(r"^https?://(www\.)?", "", url)
    return shown if len(shown) <= 26 else shown[:25] + "…"


# --- the API ---------------------------------------------------------------------------------

def make_handler(state):
    args = state.args

    class Handler(fakeserver.JsonHandler):
        quiet = not args.verbose

        # plumbing ---------------------------------------------------------------------------
        def handle_any(self):
            body = self.read_body()
            url = urlsplit(self.path)
            path = url.path
            if path.startswith("/_fake/"):
                return self.control(path, body)
            if not path.startswith("/2/"):
                return self.answer(404, {"errors": [{"message": "Sorry, that page does not exist",
                                                     "code": 34}]})
            if not self.authorized(url, body):
                return self.answer(401, DEFAULT_BODIES[401])
            endpoint = self.endpoint(path)
            rate = self.count(endpoint)
            if self.injected(path):
                return
            if rate["x-rate-limit-remaining"] < 0:
                rate["x-rate-limit-remaining"] = 0
                return self.answer(429, DEFAULT_BODIES[429], rate=rate)
            status, obj = self.route(path, url.query, body)
            self.answer(status, obj, rate=rate)

        do_GET = do_POST = do_DELETE = do_PUT = handle_any  # noqa: N815

        def answer(self, status, obj, rate=None, headers=None):
            h = dict(headers or {})
            if rate:
                h.update({k: max(v, 0) if k.endswith("remaining") else v
                          for k, v in rate.items()})
            with state.lock:
                state.requests.append({"method": self.command, "path": self.path,
                                       "status": status})
            self.send_json(status, obj, h)

        def authorized(self, url, body):
            oauth = parse_authorization(self.headers.get("Authorization"))
            if not oauth:
                return False
            if oauth.get("oauth_consumer_key") != args.consumer_key:
                return False
            if oauth.get("oauth_token") != args.token:
                return False
            if oauth.get("oauth_signature_method") != "HMAC-SHA1":
                return False
            if oauth.get("oauth_version", "1.0") != "1.0":
                return False
            if "oauth_nonce" not in oauth or "oauth_timestamp" not in oauth:
                return False
            params = [(k, v) for k, v in oauth.items()
                      if k.startswith("oauth_") and k != "oauth_signature"]
            params += parse_qsl(url.query, keep_blank_values=True)
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                params += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            host = (self.headers.get("Host") or "").lower()
            if host.endswith(":443"):
                host = host[:-4]
            base_url = "https://" + host + url.path
            expected = oauth_signature(self.command, base_url, params, args.consumer_secret,
                                       args.token_secret)
            if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
                return False
            key = (oauth["oauth_nonce"], oauth["oauth_timestamp"])
            with state.lock:
                if key in state.nonces:
                    return False  # replayed request
                state.nonces.add(key)
            return True

        @staticmethod
        def endpoint(path):
            return re.sub(r"/\d+", "/:id", path)

        def count(self, endpoint):
            key = self.command + " " + endpoint
            now = int(time.time())
            with state.lock:
                window = state.windows.get(key)
                if window is None or window[0] <= now:
                    window = state.windows[key] = [now + state.rate_window, 0]
                window[1] += 1
                return {"x-rate-limit-limit": state.rate_limit,
                        "x-rate-limit-remaining": state.rate_limit - window[1],
                        "x-rate-limit-reset": window[0]}

        def injected(self, path):
            """True when an injected failure was answered (a delay alone answers nothing)."""
            with state.lock:
                rule = None
                for r in state.failures:
                    if r.get("path") and r["path"] not in path:
                        continue
                    if r.get("method") and r["method"].upper() != self.command:
                        continue
                    rule = r
                    break
                if rule is None:
                    return False
                rule["count"] = rule.get("count", 1) - 1
                if rule["count"] <= 0:
                    state.failures.remove(rule)
            if rule.get("delay_ms"):
                time.sleep(rule["delay_ms"] / 1000.0)
            status = rule.get("status")
            if not status:
                return False
            body = rule.get("body", DEFAULT_BODIES.get(
                status, problem(status, "Service Unavailable", "Service Unavailable")))
            headers = dict(rule.get("headers", {}))
            if status == 429:
                headers.setdefault("x-rate-limit-limit", state.rate_limit)
                headers.setdefault("x-rate-limit-remaining", 0)
                headers.setdefault("x-rate-limit-reset", int(time.time()) + 60)
            self.answer(status, body, headers=headers)
            return True

        # control ----------------------------------------------------------------------------
        def control(self, path, body):
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                return self.send_json(400, {"error": "body is not JSON"})
            if path == "/_fake/image" and self.command == "GET":
                q = dict(parse_qsl(urlsplit(self.path).query))
                size = int(q.get("size", "1024"))
                data = (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (size // 256 + 1))[:size]
                return self.send_bytes(200, data, q.get("type", "image/png"))
            with state.lock:
                if path == "/_fake/tweets" and self.command == "GET":
                    return self.send_json(200, {"tweets": list(state.tweets), "user": USER})
                if path == "/_fake/media" and self.command == "GET":
                    return self.send_json(200, {"media": list(state.media.values())})
                if path == "/_fake/requests" and self.command == "GET":
                    return self.send_json(200, {"requests": list(state.requests)})
                if path == "/_fake/fail" and self.command == "POST":
                    data.setdefault("count", 1)
                    state.failures.append(data)
                    return self.send_json(200, {"ok": True})
                if path == "/_fake/rate" and self.command == "POST":
                    state.rate_limit = int(data.get("limit", state.rate_limit))
                    state.rate_window = int(data.get("window", state.rate_window))
                    state.windows = {}
                    return self.send_json(200, {"ok": True})
                if path == "/_fake/reset" and self.command == "POST":
                    state.reset()
                    return self.send_json(200, {"ok": True})
            self.send_json(404, {"error": "no such control endpoint"})

        # X API v2 ---------------------------------------------------------------------------
        def route(self, path, query, body):
            if path == "/2/tweets" and self.command == "POST":
                return self.create_tweet(body)
            if path == "/2/media/upload" and self.command == "POST":
                return self.upload(body)
            if path == "/2/users/me" and self.command == "GET":
                return 200, {"data": dict(USER)}
            m = re.fullmatch(r"/2/users/(\d+)/tweets", path)
            if m and self.command == "GET":
                return self.timeline(m.group(1), dict(parse_qsl(query)))
            m = re.fullmatch(r"/2/tweets/(\d+)", path)
            if m and self.command == "DELETE":
                return self.delete(m.group(1))
            return 404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}

        def create_tweet(self, body):
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return 400, invalid_request("Content-Type must be application/json")
            try:
                req = json.loads(body)
            except ValueError:
                return 400, problem(400, "Invalid Request", "Request body is not valid JSON.")
            if not isinstance(req, dict):
                return 400, invalid_request("Request body must be a JSON object")
            text = req.get("text", "")
            media_ids = (req.get("media") or {}).get("media_ids") or []
            if not isinstance(text, str) or not isinstance(media_ids, list):
                return 400, invalid_request("text must be a string", "text")
            if not text and not media_ids:
                return 400, invalid_request("Post text or media is required.", "text")
            if weighted_length(text) > CONFIG["maxWeightedTweetLength"]:
                return 400, problem(400, "Bad Request", TOO_LONG)
            with state.lock:
                for mid in media_ids:
                    if str(mid) not in state.media:
                        return 400, invalid_request("Your media IDs are invalid.",
                                                    "media.media_ids")
                recent = [t for t in state.tweets if not t["deleted"]][-DUPLICATE_WINDOW:]
                if text and any(t["submitted_text"].strip() == text.strip() for t in recent):
                    return 403, problem(403, "Forbidden", DUPLICATE)
                tweet_id = str(state.next_tweet)
                state.next_tweet += 1
                stored, urls = "", []
                pos = 0
                for start, end, url in find_urls(text):
                    stored += text[pos:start]
                    short = state.tco()
                    urls.append({"start": len(stored), "end": len(stored) + len(short),
                                 "url": short, "expanded_url": url,
                                 "display_url": display_url(url)})
                    stored += short
                    pos = end
                stored += text[pos:]
                if media_ids:
                    short = state.tco()
                    stored = (stored + " " if stored else "") + short
                    urls.append({"start": len(stored) - len(short), "end": len(stored),
                                 "url": short,
                                 "expanded_url": "https://x.com/%s/status/%s/photo/1"
                                                 % (USER["username"], tweet_id),
                                 "display_url": "pic.x.com/" + short.rsplit("/", 1)[1],
                                 "media_key": "3_" + str(media_ids[0])})
                tweet = {"id": tweet_id, "text": stored, "submitted_text": text,
                         "author_id": USER["id"],
                         "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                         "media_ids": [str(m) for m in media_ids], "urls": urls,
                         "deleted": False}
                state.tweets.append(tweet)
                state.save()
            return 201, {"data": {"id": tweet_id, "text": stored,
                                  "edit_history_tweet_ids": [tweet_id]}}

        def upload(self, body):
            ctype = self.headers.get("Content-Type") or ""
            m = re.search(r'boundary="?([^";]+)"?', ctype)
            if not ctype.lower().startswith("multipart/form-data") or not m:
                return 400, invalid_request("media upload must be multipart/form-data")
            parts = parse_multipart(body, m.group(1).encode())
            media = parts.get("media")
            if media is None or not media[1]:
                return 400, invalid_request("media is required and must not be empty", "media")
            if len(media[1]) > MAX_IMAGE_BYTES:
                return 400, invalid_request("File size exceeds 5242880 bytes.", "media")
            category = parts.get("media_category", (None, b"tweet_image"))[1].decode()
            with state.lock:
                media_id = str(state.next_media)
                state.next_media += 1
                state.media[media_id] = {"id": media_id, "size": len(media[1]),
                                         "media_category": category,
                                         "content_type": media[0] or "",
                                         "sha256": hashlib.sha256(media[1]).hexdigest()}
                state.save()
            return 200, {"data": {"id": media_id, "media_key": "3_" + media_id,
                                  "size": len(media[1]), "expires_after_secs": 86400,
                                  "image": {"image_type": media[0] or "image/jpeg",
                                            "w": 1, "h": 1}}}

        def timeline(self, user_id, params):
            if user_id != USER["id"]:
                return 200, {"errors": [{
                    "value": user_id, "detail": "Could not find user with id: [%s]." % user_id,
                    "title": "Not Found Error", "resource_type": "user", "parameter": "id",
                    "resource_id": user_id,
                    "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
            try:
                n = int(params.get("max_results", "10"))
            except ValueError:
                n = 0
            if not 5 <= n <= 100:
                return 400, invalid_request(
                    "The `max_results` query parameter value [%s] is not between 5 and 100"
                    % params.get("max_results"), "max_results")
            fields = set(filter(None, params.get("tweet.fields", "").split(",")))
            start_time = params.get("start_time")
            if start_time is not None and not re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", start_time):
                return 400, invalid_request(
                    "Invalid 'start_time':'%s'. 'start_time' must be a valid RFC 3339 "
                    "timestamp (YYYY-MM-DDTHH:mm:ssZ)." % start_time, "start_time")
            try:
                offset = int(params.get("pagination_token", "0"), 16)
            except ValueError:
                return 400, invalid_request("Invalid pagination_token", "pagination_token")
            with state.lock:
                newest_first = [t for t in reversed(state.tweets) if not t["deleted"]]
            if start_time is not None:  # created_at is UTC with milliseconds: compare as text
                floor = start_time.replace("Z", "")[:19]
                newest_first = [t for t in newest_first if t["created_at"][:19] >= floor]
            live = newest_first[offset:offset + n]
            more = offset + n < len(newest_first)
            data = []
            for t in live:
                item = {"id": t["id"], "text": t["text"], "edit_history_tweet_ids": [t["id"]]}
                if "created_at" in fields:
                    item["created_at"] = t["created_at"]
                if "author_id" in fields:
                    item["author_id"] = t["author_id"]
                if "entities" in fields and t["urls"]:
                    item["entities"] = {"urls": t["urls"]}
                data.append(item)
            if not data:
                return 200, {"meta": {"result_count": 0}}
            meta = {"result_count": len(data), "newest_id": data[0]["id"],
                    "oldest_id": data[-1]["id"]}
            if more:  # X's next_token is opaque; here it is the next offset in hex
                meta["next_token"] = "%x" % (offset + n)
            return 200, {"data": data, "meta": meta}

        def delete(self, tweet_id):
            with state.lock:
                for t in state.tweets:
                    if t["id"] == tweet_id and not t["deleted"]:
                        t["deleted"] = True
                        state.save()
                        return 200, {"data": {"deleted": True}}
            return 404, problem(404, "Not Found Error",
                                "Could not find tweet with id: [%s]." % tweet_id,
                                "https://api.twitter.com/2/problems/resource-not-found")

    return Handler


def parse_multipart(body, boundary):
    """{name: (content_type, bytes)} of a multipart/form-data body (CRLF framing)."""
    parts = {}
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        if not chunk.startswith(b"\r\n"):
            continue
        head, sep, value = chunk[2:].partition(b"\r\n\r\n")
        if not sep:
            continue
        if value.endswith(b"\r\n"):
            value = value[:-2]
        name, ctype = None, None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            lower = line.lower()
            if lower.startswith("content-disposition:"):
                m = re.search(r'\bname="([^"]*)"', line)
                name = m.group(1) if m else None
            elif lower.startswith("content-type:"):
                ctype = line.split(":", 1)[1].strip()
        if name:
            parts[name] = (ctype, value)
    return parts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", required=True, help="folder for testca.py's certificates")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--consumer-key", required=True)
    p.add_argument("--consumer-secret", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--token-secret", required=True)
    p.add_argument("--state", help="JSON file that keeps tweets across restarts")
    p.add_argument("--rate-limit", type=int, default=300, help="requests per window and endpoint")
    p.add_argument("--rate-window", type=int, default=900, help="window length, seconds")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    state = State(args)
    fakeserver.serve(make_handler(state), args.certs, args.port, args.port_file)


if __name__ == "__main__":
    main()
