#!/usr/bin/env python3
"""A fake Mastodon API over real HTTPS on loopback, for the connector's integration tests.

    python3 fake_mastodon.py --certs DIR --port 0 --port-file FILE --token TOKEN [--state FILE]
        [--max-characters 500] [--url-length 23] [--media-polls 2]

Faithful to what the connector relies on (Mastodon 4.x, docs.joinmastodon.org):
  * every /api/ request but GET /api/v{1,2}/instance needs "Authorization: Bearer TOKEN"; a
    missing or wrong token is 401 {"error": "The access token is invalid"};
  * GET /api/v2/instance: configuration.statuses.max_characters and characters_reserved_per_url,
    configuration.media_attachments (supported_mime_types, image_size_limit);
  * POST /api/v1/statuses (JSON or form): status, visibility, language, media_ids[]; over
    max_characters is 422 {"error": "Validation failed: Text character limit of N exceeded"};
    media not processed yet is 422 as Mastodon says it; the Idempotency-Key header: the same key
    (per token) within an hour answers the status the first request created (200), without
    creating another;
  * POST /api/v2/media (multipart/form-data: file, description): 202 with "url": null, then
    GET /api/v1/media/:id answers 206 (still processing) --media-polls times and 200 with the
    url after that (--media-polls 0: the upload answers 200 at once);
  * DELETE /api/v1/statuses/:id: 200 with the status (and its "text" source), 404 after;
  * X-RateLimit-Limit/-Remaining/-Reset (ISO 8601) on every API answer (300 per 5 minutes by
    default, per token; --rate-limit N --rate-window S), 429 {"error": "Too many requests"}.

Length: Mastodon counts extended grapheme clusters with each http(s) URL as 23. Python's stdlib
cannot segment graphemes; the fake approximates them: a code point starts a new cluster unless it
is a combining mark, a variation selector, a skin-tone modifier, ZWJ or the code point after a
ZWJ, a tag character, or the second regional indicator of a flag. This agrees with ICU for the
texts of the tests (Latin, Azerbaijani, Cyrillic, emoji with modifiers, ZWJ sequences and flags).

Control endpoints (no token), for tests:
  GET  /_fake/statuses   every status created: id, text, visibility, language, media_ids,
                         idempotency_key, deleted
  GET  /_fake/media      uploads: id, size, content_type, description, polls_left
  GET  /_fake/requests   the requests answered: method, path, status, idempotency_key
  POST /_fake/fail       {"status": 503, "count": 2} (optional "path", "method", "body",
                         "headers")
  POST /_fake/instance   {"max_characters": 1000, "characters_reserved_per_url": 23,
                          "media_polls": 2}; {"v2": false} answers 404 to /api/v2/instance
  POST /_fake/rate       {"limit": 3, "window": 300}: new window, counters reset
  POST /_fake/reset      forget statuses, media, keys, failures, requests, settings
  GET  /_fake/image?type=image/png&size=N   N bytes (PNG signature first) of that type

With --state FILE, statuses, media and idempotency keys are written there after each change and
read at start, so the fake survives a restart. Python stdlib only.
"""
import argparse
import html
import json
import os
import re
import sys
import threading
import time
import unicodedata
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeserver  # noqa: E402

FIRST_STATUS_ID = 113000000000000000
FIRST_MEDIA_ID = 114000000000000000
IDEMPOTENCY_WINDOW = 3600
IMAGE_SIZE_LIMIT = 16 * 1024 * 1024
IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic"]
VISIBILITIES = ("public", "unlisted", "private", "direct")
NOT_PROCESSED = "Cannot attach files that have not finished processing. Try again in a moment!"
INVALID_TOKEN = {"error": "The access token is invalid"}
ACCOUNT = {"id": "109000000000000001", "username": "syndicated", "acct": "syndicated",
           "display_name": "Syndicated Test"}

URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
TRAILING = ".,;:!?'\")]}"


def find_urls(text):
    spans = []
    for m in URL_RE.finditer(text):
        url = m.group(0)
        while url and url[-1] in TRAILING:
            url = url[:-1]
        if len(url) > len("https://"):
            spans.append((m.start(), m.start() + len(url), url))
    return spans


def extends_cluster(cp, prev):
    if unicodedata.combining(chr(cp)) or unicodedata.category(chr(cp)) in ("Mn", "Me", "Mc"):
        return True
    if 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF or cp == 0x200D:
        return True
    if 0xE0020 <= cp <= 0xE007F:  # tag characters (subdivision flags)
        return True
    if prev == 0x200D:
        return True
    return False


def graphemes(text):
    """An approximation of extended grapheme clusters (see the module's docstring)."""
    count, prev, pending_ri = 0, None, False
    for ch in text:
        cp = ord(ch)
        if prev is not None and extends_cluster(cp, prev):
            prev = cp
            continue
        if 0x1F1E6 <= cp <= 0x1F1FF:
            if pending_ri:
                pending_ri = False
                prev = cp
                continue
            pending_ri = True
        else:
            pending_ri = False
        if prev == 0x0D and cp == 0x0A:  # CRLF is one cluster
            prev = cp
            continue
        count += 1
        prev = cp
    return count


def status_length(text, url_length):
    total, pos = 0, 0
    for start, end, _ in find_urls(text):
        total += graphemes(text[pos:start]) + url_length
        pos = end
    return total + graphemes(text[pos:])


def html_content(text):
    out, pos = [], 0
    for start, end, url in find_urls(text):
        out.append(html.escape(text[pos:start]))
        out.append('<a href="%s" rel="nofollow noopener noreferrer" target="_blank">%s</a>'
                   % (html.escape(url), html.escape(url)))
        pos = end
    out.append(html.escape(text[pos:]))
    paragraphs = "".join(out).split("\n\n")
    return "".join("<p>%s</p>" % p.replace("\n", "<br />") for p in paragraphs)


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".000Z"


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.reset_memory()
        self.load()

    def reset_memory(self):
        self.statuses = []
        self.media = {}
        self.keys = {}          # "token key" -> [status id, epoch]
        self.next_status = FIRST_STATUS_ID
        self.next_media = FIRST_MEDIA_ID
        self.failures = []
        self.requests = []
        self.windows = {}
        self.max_characters = self.args.max_characters
        self.url_length = self.args.url_length
        self.media_polls = self.args.media_polls
        self.v2 = True
        self.rate_limit = self.args.rate_limit
        self.rate_window = self.args.rate_window

    def load(self):
        if self.args.state and os.path.exists(self.args.state):
            with open(self.args.state) as f:
                saved = json.load(f)
            self.statuses = saved.get("statuses", [])
            self.media = saved.get("media", {})
            self.keys = saved.get("keys", {})
            self.next_status = saved.get("next_status", FIRST_STATUS_ID)
            self.next_media = saved.get("next_media", FIRST_MEDIA_ID)

    def save(self):
        if not self.args.state:
            return
        tmp = self.args.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"statuses": self.statuses, "media": self.media, "keys": self.keys,
                       "next_status": self.next_status, "next_media": self.next_media}, f)
        os.replace(tmp, self.args.state)

    def reset(self):
        self.reset_memory()
        self.save()


def parse_multipart(body, boundary):
    """{name: (content_type, filename, bytes)} of a multipart/form-data body (CRLF framing)."""
    parts = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        if not chunk.startswith(b"\r\n"):
            continue
        head, sep, value = chunk[2:].partition(b"\r\n\r\n")
        if not sep:
            continue
        if value.endswith(b"\r\n"):
            value = value[:-2]
        name, ctype, filename = None, None, None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            lower = line.lower()
            if lower.startswith("content-disposition:"):
                m = re.search(r'\bname="([^"]*)"', line)
                name = m.group(1) if m else None
                m = re.search(r'\bfilename="([^"]*)"', line)
                filename = m.group(1) if m else None
            elif lower.startswith("content-type:"):
                ctype = line.split(":", 1)[1].strip()
        if name:
            parts[name] = (ctype, filename, value)
    return parts


def make_handler(state):
    args = state.args

    class Handler(fakeserver.JsonHandler):
        quiet = not args.verbose

        def base(self):
            return "https://" + (self.headers.get("Host") or "localhost")

        def handle_any(self):
            body = self.read_body()
            url = urlsplit(self.path)
            path = url.path
            if path.startswith("/_fake/"):
                return self.control(path, body)
            if not path.startswith("/api/"):
                return self.answer(404, {"error": "Record not found"})
            public = self.command == "GET" and path in ("/api/v1/instance", "/api/v2/instance")
            if not public and self.headers.get("Authorization") != "Bearer " + args.token:
                return self.answer(401, INVALID_TOKEN)
            rate = self.count()
            if self.injected(path, rate):
                return
            if rate["X-RateLimit-Remaining"] < 0:
                rate["X-RateLimit-Remaining"] = 0
                return self.answer(429, {"error": "Too many requests"}, rate=rate)
            status, obj = self.route(path, url.query, body)
            self.answer(status, obj, rate=rate)

        do_GET = do_POST = do_DELETE = do_PUT = handle_any  # noqa: N815

        def answer(self, status, obj, rate=None, headers=None):
            h = dict(headers or {})
            if rate:
                h.update({k: (max(v, 0) if k.endswith("Remaining") else v)
                          for k, v in rate.items()})
            with state.lock:
                state.requests.append({"method": self.command, "path": self.path,
                                       "status": status,
                                       "idempotency_key": self.headers.get("Idempotency-Key")})
            self.send_json(status, obj, h)

        def count(self):
            now = time.time()
            with state.lock:
                window = state.windows.get(args.token)
                if window is None or window[0] <= now:
                    window = state.windows[args.token] = [now + state.rate_window, 0]
                window[1] += 1
                return {"X-RateLimit-Limit": state.rate_limit,
                        "X-RateLimit-Remaining": state.rate_limit - window[1],
                        "X-RateLimit-Reset": iso(window[0])}

        def injected(self, path, rate):
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
            defaults = {401: INVALID_TOKEN,
                        403: {"error": "This action is outside the authorized scopes"},
                        404: {"error": "Record not found"},
                        422: {"error": "Validation failed: injected"},
                        429: {"error": "Too many requests"}}
            body = rule.get("body", defaults.get(status, {"error": "Service unavailable"}))
            headers = dict(rule.get("headers", {}))
            if status == 429:
                headers.setdefault("X-RateLimit-Limit", state.rate_limit)
                headers.setdefault("X-RateLimit-Remaining", 0)
                headers.setdefault("X-RateLimit-Reset", iso(time.time() + 60))
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
                if q.get("status"):
                    return self.send_bytes(int(q["status"]), b"no image", "text/plain")
                size = int(q.get("size", "1024"))
                data = (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (size // 256 + 1))[:size]
                return self.send_bytes(200, data, q.get("type", "image/png"))
            with state.lock:
                if path == "/_fake/statuses" and self.command == "GET":
                    return self.send_json(200, {"statuses": list(state.statuses)})
                if path == "/_fake/media" and self.command == "GET":
                    return self.send_json(200, {"media": list(state.media.values())})
                if path == "/_fake/requests" and self.command == "GET":
                    return self.send_json(200, {"requests": list(state.requests)})
                if path == "/_fake/fail" and self.command == "POST":
                    data.setdefault("count", 1)
                    state.failures.append(data)
                    return self.send_json(200, {"ok": True})
                if path == "/_fake/instance" and self.command == "POST":
                    state.max_characters = int(data.get("max_characters", state.max_characters))
                    state.url_length = int(data.get("characters_reserved_per_url",
                                                    state.url_length))
                    state.media_polls = int(data.get("media_polls", state.media_polls))
                    state.v2 = bool(data.get("v2", state.v2))
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

        # the API ----------------------------------------------------------------------------
        def route(self, path, query, body):
            if path == "/api/v2/instance" and self.command == "GET":
                if not state.v2:
                    return 404, {"error": "Record not found"}
                return 200, self.instance()
            if path == "/api/v1/instance" and self.command == "GET":
                return 200, {"uri": "localhost", "title": "Fake Mastodon", "version": "3.5.0",
                             "configuration": self.instance()["configuration"]}
            if path == "/api/v1/statuses" and self.command == "POST":
                return self.create_status(body)
            if path == "/api/v2/media" and self.command == "POST":
                return self.upload(body)
            m = re.fullmatch(r"/api/v1/media/(\d+)", path)
            if m and self.command == "GET":
                return self.media(m.group(1))
            m = re.fullmatch(r"/api/v1/statuses/(\d+)", path)
            if m and self.command == "DELETE":
                return self.delete(m.group(1))
            if m and self.command == "GET":
                with state.lock:
                    for s in state.statuses:
                        if s["id"] == m.group(1) and not s["deleted"]:
                            return 200, self.entity(s)
                return 404, {"error": "Record not found"}
            return 404, {"error": "Record not found"}

        def instance(self):
            with state.lock:
                return {"domain": "localhost", "title": "Fake Mastodon", "version": "4.3.0",
                        "source_url": "https://github.com/mastodon/mastodon",
                        "configuration": {
                            "urls": {"streaming": "wss://localhost"},
                            "accounts": {"max_featured_tags": 10},
                            "statuses": {"max_characters": state.max_characters,
                                         "max_media_attachments": 4,
                                         "characters_reserved_per_url": state.url_length},
                            "media_attachments": {"supported_mime_types": IMAGE_TYPES +
                                                  ["video/mp4"],
                                                  "image_size_limit": IMAGE_SIZE_LIMIT,
                                                  "image_matrix_limit": 33177600,
                                                  "video_size_limit": 103809024},
                            "polls": {"max_options": 4}}}

        def params(self, body):
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/json":
                try:
                    data = json.loads(body)
                except ValueError:
                    return None
                return data if isinstance(data, dict) else None
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            data = {}
            for k, v in form:
                if k.endswith("[]"):
                    data.setdefault(k[:-2], []).append(v)
                else:
                    data[k] = v
            return data

        def entity(self, s):
            media = []
            for mid in s["media_ids"]:
                m = state.media.get(mid, {})
                media.append({"id": mid, "type": "image", "url": self.media_url(mid),
                              "description": m.get("description")})
            return {"id": s["id"], "created_at": s["created_at"],
                    "uri": "%s/users/syndicated/statuses/%s" % (self.base(), s["id"]),
                    "url": "%s/@syndicated/%s" % (self.base(), s["id"]),
                    "content": html_content(s["text"]), "visibility": s["visibility"],
                    "language": s["language"], "sensitive": False, "spoiler_text": "",
                    "media_attachments": media, "account": ACCOUNT, "mentions": [],
                    "tags": [], "emojis": [], "reblogs_count": 0, "favourites_count": 0}

        def media_url(self, mid):
            return "%s/system/media_attachments/files/%s/original/image.png" % (self.base(), mid)

        def create_status(self, body):
            data = self.params(body)
            if data is None:
                return 422, {"error": "Validation failed: the request body is not valid"}
            key = self.headers.get("Idempotency-Key")
            now = time.time()
            with state.lock:
                if key:
                    seen = state.keys.get(args.token + " " + key)
                    if seen and now - seen[1] < IDEMPOTENCY_WINDOW:
                        for s in state.statuses:
                            if s["id"] == seen[0]:
                                return 200, self.entity(s)
                text = data.get("status") or ""
                media_ids = [str(m) for m in (data.get("media_ids") or [])]
                visibility = data.get("visibility") or "public"
                if not isinstance(text, str):
                    return 422, {"error": "Validation failed: Text is invalid"}
                if not text.strip() and not media_ids:
                    return 422, {"error": "Validation failed: Text can't be blank"}
                if visibility not in VISIBILITIES:
                    return 422, {"error": "Validation failed: Visibility is not included in "
                                          "the list"}
                if status_length(text, state.url_length) > state.max_characters:
                    return 422, {"error": "Validation failed: Text character limit of %d "
                                          "exceeded" % state.max_characters}
                for mid in media_ids:
                    m = state.media.get(mid)
                    if m is None:
                        return 422, {"error": "Validation failed: Media attachments are "
                                              "invalid"}
                    if m["polls_left"] > 0:
                        return 422, {"error": NOT_PROCESSED}
                status_id = str(state.next_status)
                state.next_status += 1
                s = {"id": status_id, "text": text, "visibility": visibility,
                     "language": data.get("language"), "media_ids": media_ids,
                     "idempotency_key": key, "deleted": False, "created_at": iso(now)}
                state.statuses.append(s)
                if key:
                    state.keys[args.token + " " + key] = [status_id, now]
                state.save()
                return 200, self.entity(s)

        def upload(self, body):
            ctype = self.headers.get("Content-Type") or ""
            m = re.search(r'boundary="?([^";]+)"?', ctype)
            if not ctype.lower().startswith("multipart/form-data") or not m:
                return 422, {"error": "Validation failed: File can't be blank"}
            parts = parse_multipart(body, m.group(1).encode())
            f = parts.get("file")
            if f is None or not f[2]:
                return 422, {"error": "Validation failed: File can't be blank"}
            if not f[1]:
                return 422, {"error": "Validation failed: File has no file name"}
            if (f[0] or "") not in IMAGE_TYPES:
                return 422, {"error": "Validation failed: File content type is invalid"}
            if len(f[2]) > IMAGE_SIZE_LIMIT:
                return 422, {"error": "Validation failed: File file size must be less than "
                                      "16 MB"}
            description = parts.get("description", (None, None, b""))[2].decode("utf-8")
            with state.lock:
                mid = str(state.next_media)
                state.next_media += 1
                state.media[mid] = {"id": mid, "size": len(f[2]), "content_type": f[0],
                                    "filename": f[1], "description": description,
                                    "polls_left": state.media_polls}
                state.save()
                ready = state.media_polls == 0
            return (200 if ready else 202), self.attachment(mid, ready)

        def attachment(self, mid, ready):
            m = state.media[mid]
            return {"id": mid, "type": "image", "url": self.media_url(mid) if ready else None,
                    "preview_url": self.media_url(mid), "remote_url": None,
                    "description": m["description"] or None, "blurhash": None,
                    "meta": {"original": {"width": 1, "height": 1}}}

        def media(self, mid):
            with state.lock:
                m = state.media.get(mid)
                if m is None:
                    return 404, {"error": "Record not found"}
                if m["polls_left"] > 0:
                    m["polls_left"] -= 1
                    state.save()
                    return 206, self.attachment(mid, False)
                return 200, self.attachment(mid, True)

        def delete(self, status_id):
            with state.lock:
                for s in state.statuses:
                    if s["id"] == status_id and not s["deleted"]:
                        s["deleted"] = True
                        state.save()
                        entity = self.entity(s)
                        entity["text"] = s["text"]
                        return 200, entity
            return 404, {"error": "Record not found"}

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", required=True, help="folder for testca.py's certificates")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--token", required=True, help="the access token the API accepts")
    p.add_argument("--state", help="JSON file that keeps statuses across restarts")
    p.add_argument("--max-characters", type=int, default=500)
    p.add_argument("--url-length", type=int, default=23)
    p.add_argument("--media-polls", type=int, default=2,
                   help="GET /api/v1/media/:id answers 206 this many times before 200")
    p.add_argument("--rate-limit", type=int, default=300)
    p.add_argument("--rate-window", type=int, default=300)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    state = State(args)
    fakeserver.serve(make_handler(state), args.certs, args.port, args.port_file)


if __name__ == "__main__":
    main()
