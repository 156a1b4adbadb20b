#!/usr/bin/env python3
"""A fake Telegram Bot API over real HTTPS on loopback, for the connector's integration tests.

    python3 fake_telegram.py --certs DIR --port 0 --port-file FILE --token TOKEN [--state FILE]
        [--chat-id -1001234567890] [--chat-username syndicated_test] [--lookup-chat-id 555000111]

Faithful to what the connector relies on (core.telegram.org/bots/api):
  * methods at /bot<token>/<method>, parameters as JSON, form or query; a wrong token is
    401 {"ok":false,"error_code":401,"description":"Unauthorized"}, a malformed path 404;
    every answer is {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":...};
  * sendMessage (text ≤ 4096, sendPhoto caption ≤ 1024: UTF-16 code units after entity
    parsing), with parse_mode HTML parsed as Telegram does — only b strong i em u ins s strike
    del span class="tg-spoiler" tg-spoiler a href code pre blockquote tg-emoji; the entities
    &lt; &gt; &amp; &quot; and numeric ones; an unknown tag, an unclosed or mismatched tag, a bare
    "<" or an "&" that starts no entity is 400 "Bad Request: can't parse entities: ...";
    the stored message has the plain text and its entities (UTF-16 offsets);
  * sendPhoto (photo = an HTTP URL the fake fetches, trusting its own CA: unreachable or not 2xx
    is "Bad Request: failed to get HTTP URL content", not an image is "Bad Request: wrong type
    of the web page content");
  * chat_id must be the configured channel (numeric id or "@username"), else 400 "Bad Request:
    chat not found";
  * deleteMessage: true, then 400 "Bad Request: message to delete not found" (in the channel or
    in the lookup chat);
  * message ids are sequential per chat (the channel's are shared with whatever else is posted
    there: see /_fake/post); the lookup chat (--lookup-chat-id: a private chat with an editor
    when positive, a group when negative) has its own sequence;
  * forwardMessage (chat_id = the lookup chat or the channel, from_chat_id = the other one,
    message_id, disable_notification): the new Message in the target chat, with forward_origin
    {"type": "channel", "chat", "message_id", "date"} and the original's text + entities or
    photo + caption + caption_entities; an unknown or deleted id is 400 "Bad Request: message
    to forward not found", a service message 400 "Bad Request: the message can't be forwarded",
    a channel with protected content (/_fake/protect) 400 "Bad Request: message has protected
    content and can't be forwarded"; an unknown chat on either side "Bad Request: chat not
    found";
  * 429 {"parameters":{"retry_after":N}} through /_fake/fail.

Control endpoints, for tests:
  GET  /_fake/messages   every message sent: message_id, method, text (plain), html (as sent),
                         entities, photo, link_preview_options, disable_notification, deleted
  GET  /_fake/requests   the requests answered: method, path (token redacted), status
  POST /_fake/fail       {"status": 429, "retry_after": 5, "count": 1} or {"status": 400,
                         "description": "Bad Request: ..."} (optional "method" to match)
  POST /_fake/post       {"text": "...", "html": "<b>...</b>", "service": false}: someone else
                         posts in the channel (an editor, another bot, a service message such as
                         "channel photo updated"); answers {"message_id": N}
  POST /_fake/protect    {"protected": true}: the channel's "restrict saving content" setting
  GET  /_fake/lookup     the lookup chat's messages (forwarded copies), deleted ones included
  POST /_fake/reset      forget messages, copies, failures and requests
  GET  /_fake/image?type=image/png&size=N   an image to stand in for the lead image
                         (?status=404 answers that status)

With --state FILE, messages are written there after each change and read at start. Python
stdlib only.
"""
import argparse
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.request
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeserver  # noqa: E402

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
SIMPLE_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
               "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
               "del": "strikethrough", "tg-spoiler": "spoiler", "code": "code", "pre": "pre",
               "blockquote": "blockquote"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ParseError(Exception):
    pass


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def parse_html(source):
    """(plain text, entities) of Telegram's HTML parse mode; ParseError as Telegram words it."""
    out = []          # plain text pieces
    length = 0        # UTF-16 length of the plain text so far
    stack = []        # [tag, entity dict]
    entities = []
    i = 0

    def offset(pos):
        return len(source[:pos].encode("utf-8"))

    def entity_at(pos):
        m = re.match(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);", source[pos:])
        if not m:
            raise ParseError("Character entity expected at byte offset %d" % offset(pos))
        name = m.group(1)
        if name.startswith("#x") or name.startswith("#X"):
            value = chr(int(name[2:], 16))
        elif name.startswith("#"):
            value = chr(int(name[1:]))
        elif name in NAMED_ENTITIES:
            value = NAMED_ENTITIES[name]
        else:
            raise ParseError("Unsupported HTML entity \"&%s;\" at byte offset %d"
                             % (name, offset(pos)))
        return value, pos + len(m.group(0))

    def unescape(value, base):
        res, j = [], 0
        while j < len(value):
            if value[j] == "&":
                ch, j = entity_at_in(value, j, base)
                res.append(ch)
            else:
                res.append(value[j])
                j += 1
        return "".join(res)

    def entity_at_in(value, j, base):
        m = re.match(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);", value[j:])
        if not m:
            raise ParseError("Character entity expected at byte offset %d" % base)
        name = m.group(1)
        if name[:2] in ("#x", "#X"):
            return chr(int(name[2:], 16)), j + len(m.group(0))
        if name.startswith("#"):
            return chr(int(name[1:])), j + len(m.group(0))
        if name in NAMED_ENTITIES:
            return NAMED_ENTITIES[name], j + len(m.group(0))
        raise ParseError("Unsupported HTML entity \"&%s;\" at byte offset %d" % (name, base))

    while i < len(source):
        c = source[i]
        if c == "&":
            ch, i = entity_at(i)
            out.append(ch)
            length += utf16_len(ch)
            continue
        if c != "<":
            out.append(c)
            length += utf16_len(c)
            i += 1
            continue
        end = source.find(">", i)
        if end < 0:
            raise ParseError("Can't find end of the tag at byte offset %d" % offset(i))
        tag_text = source[i + 1:end]
        if tag_text.startswith("/"):
            name = tag_text[1:].strip().lower()
            if not stack:
                raise ParseError("Unexpected end tag at byte offset %d" % offset(i))
            open_name, ent = stack.pop()
            if name and name != open_name:
                raise ParseError("Unmatched end tag at byte offset %d, expected \"</%s>\", "
                                 "found \"</%s>\"" % (offset(i), open_name, name))
            ent["length"] = length - ent["offset"]
            if ent["length"] > 0:
                entities.append(ent)
            i = end + 1
            continue
        m = re.fullmatch(r"([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|"
                         r"[^\s\"'>]+))*)\s*", tag_text)
        if not m:
            raise ParseError("Unsupported start tag \"%s\" at byte offset %d"
                             % (tag_text.split()[0] if tag_text.split() else "", offset(i)))
        name = m.group(1).lower()
        attrs = {}
        for a in re.finditer(r"([a-zA-Z-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+)", m.group(2)):
            v = a.group(2)
            if v[0] in "\"'":
                v = v[1:-1]
            attrs[a.group(1).lower()] = unescape(v, offset(i))
        ent = {"offset": length}
        if name in SIMPLE_TAGS:
            ent["type"] = SIMPLE_TAGS[name]
        elif name == "span" and attrs.get("class") == "tg-spoiler":
            ent["type"] = "spoiler"
        elif name == "a" and "href" in attrs:
            href = attrs["href"]
            if not re.match(r"(https?|tg)://\S+$", href):
                raise ParseError("Wrong HTTP URL at byte offset %d" % offset(i))
            ent["type"], ent["url"] = "text_link", href
        elif name == "tg-emoji" and "emoji-id" in attrs:
            ent["type"], ent["custom_emoji_id"] = "custom_emoji", attrs["emoji-id"]
        else:
            raise ParseError("Unsupported start tag \"%s\" at byte offset %d" % (name, offset(i)))
        stack.append((name, ent))
        i = end + 1
    if stack:
        raise ParseError("Can't find end tag corresponding to start tag \"%s\"" % stack[-1][0])
    entities.sort(key=lambda e: e["offset"])
    return "".join(out), entities


def bad_request(description, code=400, parameters=None):
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.messages = []
        self.next_id = 1
        self.copies = []       # the lookup chat's messages
        self.next_copy_id = 1
        self.protected = False
        self.failures = []
        self.requests = []
        self.load()

    def load(self):
        if self.args.state and os.path.exists(self.args.state):
            with open(self.args.state) as f:
                saved = json.load(f)
            self.messages = saved.get("messages", [])
            self.next_id = saved.get("next_id", 1)
            self.copies = saved.get("copies", [])
            self.next_copy_id = saved.get("next_copy_id", 1)

    def save(self):
        if not self.args.state:
            return
        tmp = self.args.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"messages": self.messages, "next_id": self.next_id,
                       "copies": self.copies, "next_copy_id": self.next_copy_id}, f)
        os.replace(tmp, self.args.state)

    def reset(self):
        self.messages, self.failures, self.requests, self.copies = [], [], [], []
        self.next_id = 1
        self.next_copy_id = 1
        self.protected = False
        self.save()


def message_content(msg, mid):
    """The content fields of a Message: text + entities, or photo + caption + caption_entities."""
    out = {}
    if msg.get("photo"):
        out["photo"] = [{"file_id": "AgAC-fake-%d" % mid, "file_unique_id": "fake%d" % mid,
                         "width": 90, "height": 90, "file_size": 1000}]
        if msg.get("text"):
            out["caption"] = msg["text"]
        if msg.get("entities"):
            out["caption_entities"] = msg["entities"]
    else:
        out["text"] = msg.get("text", "")
        if msg.get("entities"):
            out["entities"] = msg["entities"]
    return out


def make_handler(state):
    args = state.args
    chat = {"id": args.chat_id, "title": "Syndicated Test", "username": args.chat_username,
            "type": "channel"}
    if args.lookup_chat_id > 0:
        lookup = {"id": args.lookup_chat_id, "first_name": "Editor", "type": "private"}
    else:
        lookup = {"id": args.lookup_chat_id, "title": "Editors", "type": "group"}
    bot = {"id": int(args.token.split(":")[0]), "is_bot": True, "first_name": "Syndicated",
           "username": "syndicated_bot"}

    def is_channel(chat_id):
        return str(chat_id) in (str(args.chat_id), "@" + args.chat_username)

    def is_lookup(chat_id):
        return str(chat_id) == str(args.lookup_chat_id)

    class Handler(fakeserver.JsonHandler):
        quiet = not args.verbose

        def handle_any(self):
            body = self.read_body()
            url = urlsplit(self.path)
            if url.path.startswith("/_fake/"):
                return self.control(url.path, body)
            m = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", url.path)
            if not m:
                return self.answer(404, {"ok": False, "error_code": 404,
                                         "description": "Not Found"})
            if m.group(1) != args.token:
                return self.answer(401, {"ok": False, "error_code": 401,
                                         "description": "Unauthorized"})
            method = m.group(2)
            params = self.params(url.query, body)
            if params is None:
                return self.answer(*bad_request("Bad Request: invalid JSON"))
            if self.injected(method):
                return
            status, obj = self.route(method, params)
            self.answer(status, obj)

        do_GET = do_POST = handle_any  # noqa: N815

        def answer(self, status, obj):
            path = re.sub(r"^/bot[^/]+", "/bot<token>", self.path)
            with state.lock:
                state.requests.append({"method": self.command, "path": path, "status": status})
            self.send_json(status, obj)

        def params(self, query, body):
            data = dict(parse_qsl(query, keep_blank_values=True))
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/json" and body:
                try:
                    j = json.loads(body)
                except ValueError:
                    return None
                if not isinstance(j, dict):
                    return None
                data.update(j)
            elif body:
                data.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            return data

        def injected(self, method):
            with state.lock:
                rule = None
                for r in state.failures:
                    if r.get("method") and r["method"] != method:
                        continue
                    rule = r
                    break
                if rule is None:
                    return False
                rule["count"] = rule.get("count", 1) - 1
                if rule["count"] <= 0:
                    state.failures.remove(rule)
            status = rule.get("status", 500)
            if status == 429:
                retry = int(rule.get("retry_after", 5))
                self.answer(*bad_request("Too Many Requests: retry after %d" % retry, 429,
                                         {"retry_after": retry}))
            else:
                default = {400: "Bad Request", 401: "Unauthorized",
                           403: "Forbidden: bot was kicked from the channel chat",
                           500: "Internal Server Error", 502: "Bad Gateway"}
                self.answer(*bad_request(rule.get("description",
                                                  default.get(status, "Internal Server Error")),
                                         status, rule.get("parameters")))
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
                if path == "/_fake/messages" and self.command == "GET":
                    return self.send_json(200, {"messages": list(state.messages), "chat": chat})
                if path == "/_fake/requests" and self.command == "GET":
                    return self.send_json(200, {"requests": list(state.requests)})
                if path == "/_fake/fail" and self.command == "POST":
                    data.setdefault("count", 1)
                    state.failures.append(data)
                    return self.send_json(200, {"ok": True})
                if path == "/_fake/lookup" and self.command == "GET":
                    return self.send_json(200, {"messages": list(state.copies),
                                                "chat": lookup})
                if path == "/_fake/protect" and self.command == "POST":
                    state.protected = bool(data.get("protected", True))
                    return self.send_json(200, {"ok": True})
                if path == "/_fake/post" and self.command == "POST":
                    text, entities = data.get("text", ""), []
                    if "html" in data:
                        try:
                            text, entities = parse_html(data["html"])
                        except ParseError as e:
                            return self.send_json(400, {"error": str(e)})
                    mid = state.next_id
                    state.next_id += 1
                    state.messages.append({
                        "message_id": mid, "method": "service" if data.get("service")
                        else "human", "text": text, "html": data.get("html"),
                        "entities": entities, "photo": None, "link_preview_options": None,
                        "disable_notification": False, "parse_mode": None, "deleted": False,
                        "date": int(time.time())})
                    state.save()
                    return self.send_json(200, {"message_id": mid})
                if path == "/_fake/reset" and self.command == "POST":
                    state.reset()
                    return self.send_json(200, {"ok": True})
            self.send_json(404, {"error": "no such control endpoint"})

        # the Bot API ------------------------------------------------------------------------
        def route(self, method, p):
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": int(args.token.split(":")[0]),
                                                    "is_bot": True, "first_name": "Syndicated",
                                                    "username": "syndicated_bot"}}
            if method == "deleteMessage" and is_lookup(p.get("chat_id", "")):
                return self.delete_copy(p)
            if method in ("sendMessage", "sendPhoto", "deleteMessage"):
                if not is_channel(p.get("chat_id", "")):
                    return bad_request("Bad Request: chat not found")
                if method == "deleteMessage":
                    return self.delete(p)
                return self.send(method, p)
            if method == "forwardMessage":
                return self.forward(p)
            return bad_request("Not Found", 404)

        def forward(self, p):
            """forwardMessage between the channel and the lookup chat (either way)."""
            to, source = p.get("chat_id", ""), p.get("from_chat_id", "")
            if not (is_channel(to) or is_lookup(to)) or not (
                    is_channel(source) or is_lookup(source)):
                return bad_request("Bad Request: chat not found")
            try:
                mid = int(p.get("message_id"))
            except (TypeError, ValueError):
                return bad_request("Bad Request: message identifier is not specified")
            with state.lock:
                if is_channel(source):
                    pool, origin_chat = state.messages, chat
                else:
                    pool, origin_chat = state.copies, lookup
                original = next((m for m in pool if m["message_id"] == mid and
                                 not m["deleted"]), None)
                if original is None:
                    return bad_request("Bad Request: message to forward not found")
                if original.get("method") == "service":
                    return bad_request("Bad Request: the message can't be forwarded")
                if is_channel(source) and state.protected:
                    return bad_request("Bad Request: message has protected content and can't "
                                       "be forwarded")
                if is_channel(to):
                    cid, target, target_chat = state.next_id, state.messages, chat
                    state.next_id += 1
                else:
                    cid, target, target_chat = state.next_copy_id, state.copies, lookup
                    state.next_copy_id += 1
                copy = dict(original, message_id=cid, method="forwardMessage",
                            deleted=False, date=int(time.time()),
                            forwarded_from=mid, disable_notification=p.get(
                                "disable_notification") in (True, "true", "True"))
                target.append(copy)
                state.save()
            if is_channel(source):
                origin = {"type": "channel", "chat": dict(origin_chat), "message_id": mid,
                          "date": original["date"]}
            else:
                origin = {"type": "user", "sender_user": dict(bot), "date": original["date"]}
            result = {"message_id": cid, "chat": dict(target_chat), "date": copy["date"],
                      "forward_origin": origin}
            if target_chat["type"] == "channel":
                result["sender_chat"] = dict(target_chat)
            else:
                result["from"] = dict(bot)
            result.update(message_content(original, cid))
            return 200, {"ok": True, "result": result}

        def delete_copy(self, p):
            try:
                mid = int(p.get("message_id"))
            except (TypeError, ValueError):
                return bad_request("Bad Request: message identifier is not specified")
            with state.lock:
                for m in state.copies:
                    if m["message_id"] == mid and not m["deleted"]:
                        m["deleted"] = True
                        state.save()
                        return 200, {"ok": True, "result": True}
            return bad_request("Bad Request: message to delete not found")

        def send(self, method, p):
            field = "text" if method == "sendMessage" else "caption"
            source = p.get(field) or ""
            if p.get("parse_mode") not in (None, "", "HTML", "MarkdownV2", "Markdown"):
                return bad_request("Bad Request: unsupported parse_mode")
            entities = []
            text = source
            if p.get("parse_mode") == "HTML":
                try:
                    text, entities = parse_html(source)
                except ParseError as e:
                    return bad_request("Bad Request: can't parse entities: " + str(e))
            limit = MESSAGE_LIMIT if method == "sendMessage" else CAPTION_LIMIT
            if method == "sendMessage" and not text.strip():
                return bad_request("Bad Request: message text is empty")
            if utf16_len(text) > limit:
                return bad_request("Bad Request: message is too long" if method == "sendMessage"
                                   else "Bad Request: message caption is too long")
            photo = None
            if method == "sendPhoto":
                url = p.get("photo") or ""
                if not re.match(r"https?://", url):
                    return bad_request("Bad Request: wrong file identifier/HTTP URL specified")
                problem = self.fetch(url)
                if problem:
                    return bad_request(problem)
                photo = url
            preview = p.get("link_preview_options")
            if isinstance(preview, str):
                try:
                    preview = json.loads(preview)
                except ValueError:
                    return bad_request("Bad Request: can't parse link preview options JSON "
                                       "object")
            with state.lock:
                mid = state.next_id
                state.next_id += 1
                msg = {"message_id": mid, "method": method, "text": text, "html": source,
                       "entities": entities, "photo": photo, "link_preview_options": preview,
                       "disable_notification": p.get("disable_notification") in
                       (True, "true", "True"), "parse_mode": p.get("parse_mode"),
                       "deleted": False, "date": int(time.time())}
                state.messages.append(msg)
                state.save()
            result = {"message_id": mid, "sender_chat": dict(chat), "chat": dict(chat),
                      "date": msg["date"]}
            result.update(message_content(msg, mid))
            return 200, {"ok": True, "result": result}

        def fetch(self, url):
            """Telegram downloads the photo itself; the fake trusts its own CA."""
            ctx = ssl.create_default_context(cafile=os.path.join(args.certs, "ca.pem"))
            try:
                with urllib.request.urlopen(url, timeout=5, context=ctx) as r:
                    ctype = (r.headers.get("Content-Type") or "").split(";")[0].strip()
                    r.read()
            except Exception:  # noqa: BLE001 (any failure is the same answer)
                return "Bad Request: failed to get HTTP URL content"
            if not ctype.startswith("image/"):
                return "Bad Request: wrong type of the web page content"
            return None

        def delete(self, p):
            try:
                mid = int(p.get("message_id"))
            except (TypeError, ValueError):
                return bad_request("Bad Request: message identifier is not specified")
            with state.lock:
                for m in state.messages:
                    if m["message_id"] == mid and not m["deleted"]:
                        m["deleted"] = True
                        state.save()
                        return 200, {"ok": True, "result": True}
            return bad_request("Bad Request: message to delete not found")

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--certs", required=True, help="folder for testca.py's certificates")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--token", required=True, help="the bot token, e.g. 123456:ABC-def")
    p.add_argument("--chat-id", type=int, default=-1001234567890)
    p.add_argument("--chat-username", default="syndicated_test")
    p.add_argument("--lookup-chat-id", type=int, default=555000111,
                   help="the chat forwardMessage copies go to (lookup_chat_id): a private chat "
                        "when positive, a group when negative")
    p.add_argument("--state", help="JSON file that keeps messages across restarts")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    state = State(args)
    fakeserver.serve(make_handler(state), args.certs, args.port, args.port_file)


if __name__ == "__main__":
    main()
