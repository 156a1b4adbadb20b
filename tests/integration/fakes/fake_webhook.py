#!/usr/bin/env python3
"""A webhook receiver for the test suite: HTTPS on loopback, Standard Webhooks v1 verification.

    python3 fake_webhook.py --certs DIR --port 0 --port-file FILE --secret whsec_... \
        [--github-secret S] [--state FILE] [--tolerance SECONDS] [--http]

It behaves as the Standard Webhooks spec tells a receiver to:
  * verifies webhook-id / webhook-timestamp / webhook-signature: missing headers, a timestamp
    that is not an integer or is more than --tolerance seconds (default 300, the reference
    libraries' 5 minutes; negative = no check) from now -> 400; no matching v1 signature -> 401.
    --secret may hold several space-separated secrets (rotation): any of them may match.
    With --github-secret, X-Hub-Signature-256 must match too (401 otherwise).
  * deduplicates by webhook-id: a repeated id is acknowledged (200) but not recorded again; it
    is counted in "duplicates".
  * answers 200 {"ok": true, "duplicate": bool, "url": "<scheme>://<Host>/_fake/deliveries/<id>"}
    (the connector keeps that url as the post's remote url); a body that is not JSON is a 400.

Control endpoints (no signature needed):
  GET  /_fake/deliveries        {"count", "deliveries": [{webhook_id, type, article_id, path,
                                 headers (lower-case names), body (parsed JSON), received
                                 (RFC 3339 UTC), received_unix}], "duplicates",
                                 "attempts": [{webhook_id, status, reason, received_unix}]}
  GET  /_fake/deliveries/<id>   one delivery, or 404
  POST /_fake/fail              {"status": 503|410|500|..., "count": N (default 1; -1 = until
                                 reset), "retry_after": "..." (optional header), "body": "..."}
                                 answers the next N webhook requests with that status without
                                 recording them; {"delay_ms": N[, "count": N]} delays the next N
                                 webhook requests (combinable with "status")
  POST /_fake/reset             forgets deliveries, duplicates, attempts and failures
--state FILE keeps deliveries and the duplicate count across restarts (written after each
change, atomically). The port is written to --port-file (atomically) once the server listens.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testca  # noqa: E402


def decode_secret(secret):
    """Like the standard-webhooks reference libraries: strip whsec_, base64-decode."""
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    return base64.b64decode(secret + "==")


def sign(key, msg_id, timestamp, body):
    to_sign = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest()).decode()


def rfc3339(unix):
    return datetime.fromtimestamp(unix, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class State:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.deliveries = []
        self.by_id = {}
        self.duplicates = 0
        self.attempts = []
        self.fail = None  # {"status", "count", "retry_after", "body", "delay_ms"}
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
            self.deliveries = saved.get("deliveries", [])
            self.duplicates = saved.get("duplicates", 0)
            self.by_id = {d["webhook_id"]: d for d in self.deliveries}

    def save(self):  # with the lock held
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"deliveries": self.deliveries, "duplicates": self.duplicates}, f)
        os.replace(tmp, self.path)

    def reset(self):
        with self.lock:
            self.deliveries, self.by_id, self.duplicates = [], {}, 0
            self.attempts, self.fail = [], None
            self.save()

    def take_failure(self):
        """The injected failure for this request, if any (consumes one of its count)."""
        with self.lock:
            fail = self.fail
            if fail is None:
                return None
            if fail["count"] > 0:
                fail["count"] -= 1
                if fail["count"] == 0:
                    self.fail = None
            return dict(fail)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    server_version = "fake-webhook/1"
    # Buffer each answer and write it at once (the handler flushes after every request): header
    # and body in two writes made the client's delayed ACK hold every answer ~40 ms.
    wbufsize = 64 * 1024

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_webhook: " + (fmt % args) + "\n")

    # -- plumbing --------------------------------------------------------------------------
    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length) if length > 0 else b""

    def reply(self, status, obj=None, headers=None, raw=None):
        body = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # -- control ---------------------------------------------------------------------------
    def do_GET(self):
        state = self.server.state
        if self.path == "/_fake/deliveries":
            with state.lock:
                self.reply(200, {"count": len(state.deliveries), "deliveries": state.deliveries,
                                 "duplicates": state.duplicates, "attempts": state.attempts})
            return
        if self.path.startswith("/_fake/deliveries/"):
            msg_id = self.path[len("/_fake/deliveries/"):]
            with state.lock:
                d = state.by_id.get(msg_id)
            self.reply(200, d) if d else self.reply(404, {"error": "no such delivery"})
            return
        if self.path == "/_fake/health":
            self.reply(200, {"ok": True})
            return
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        body = self.read_body()
        state = self.server.state
        if self.path == "/_fake/reset":
            state.reset()
            self.reply(200, {"ok": True})
            return
        if self.path == "/_fake/fail":
            spec = json.loads(body or b"{}")
            fail = {"status": spec.get("status"), "count": int(spec.get("count", 1)),
                    "retry_after": spec.get("retry_after"), "body": spec.get("body"),
                    "delay_ms": int(spec.get("delay_ms", 0))}
            with state.lock:
                state.fail = fail if fail["count"] != 0 else None
            self.reply(200, {"ok": True})
            return
        self.webhook(body)

    # -- the webhook endpoint --------------------------------------------------------------
    def webhook(self, body):
        state = self.server.state
        now = time.time()
        msg_id = self.headers.get("webhook-id", "")

        def answer(status, reason, obj=None, headers=None, raw=None):
            with state.lock:
                state.attempts.append({"webhook_id": msg_id, "status": status, "reason": reason,
                                       "received_unix": now})
            self.reply(status, obj if obj is not None or raw is not None else {"error": reason},
                       headers, raw)

        fail = state.take_failure()
        if fail and fail["delay_ms"] > 0:
            time.sleep(fail["delay_ms"] / 1000.0)
        if fail and fail["status"]:
            headers = {"Retry-After": str(fail["retry_after"])} if fail["retry_after"] else {}
            raw = fail["body"].encode() if fail["body"] is not None else None
            answer(int(fail["status"]), "injected failure", {"error": "injected failure"},
                   headers, raw)
            return

        timestamp = self.headers.get("webhook-timestamp", "")
        signature = self.headers.get("webhook-signature", "")
        if not (msg_id and timestamp and signature):
            answer(400, "missing webhook-id, webhook-timestamp or webhook-signature")
            return
        try:
            ts = int(timestamp)
        except ValueError:
            answer(400, "webhook-timestamp is not an integer")
            return
        tolerance = self.server.tolerance
        if tolerance >= 0 and abs(now - ts) > tolerance:
            answer(400, "webhook-timestamp outside the tolerance")
            return
        expected = [sign(key, msg_id, timestamp, body) for key in self.server.keys]
        ok = False
        for entry in signature.split(" "):
            version, _, value = entry.partition(",")
            if version != "v1":
                continue
            for e in expected:
                ok = hmac.compare_digest(e.encode(), value.encode()) or ok
        if not ok:
            answer(401, "no matching webhook signature")
            return
        if self.server.github_secret is not None:
            mac = "sha256=" + hmac.new(self.server.github_secret, body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(mac.encode(),
                                       self.headers.get("X-Hub-Signature-256", "").encode()):
                answer(401, "X-Hub-Signature-256 does not match")
                return
        try:
            payload = json.loads(body)
        except ValueError:
            answer(400, "the body is not JSON")
            return

        host = self.headers.get("Host")
        base = "%s://%s" % (self.server.scheme, host) if host else self.server.base_url
        url = "%s/_fake/deliveries/%s" % (base, msg_id)
        with state.lock:
            duplicate = msg_id in state.by_id
            if duplicate:
                state.duplicates += 1
            else:
                data = payload.get("data") if isinstance(payload, dict) else None
                delivery = {
                    "webhook_id": msg_id,
                    "type": payload.get("type") if isinstance(payload, dict) else None,
                    "article_id": data.get("id") if isinstance(data, dict) else None,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": payload,
                    "received": rfc3339(now),
                    "received_unix": now,
                }
                state.deliveries.append(delivery)
                state.by_id[msg_id] = delivery
            state.save()
        answer(200, "duplicate" if duplicate else "recorded",
               {"ok": True, "duplicate": duplicate, "url": url})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def finish_request(self, request, client_address):
        # The TLS handshake happens here, on the request's own thread, so a slow or broken
        # client never holds up the accept loop.
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            if self.ssl_context is not None:
                try:
                    request.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--certs", help="directory for the test CA and server certificate")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--secret", required=True, help="whsec_... (several: space-separated)")
    ap.add_argument("--github-secret")
    ap.add_argument("--state")
    ap.add_argument("--tolerance", type=int, default=300)
    ap.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    server = Server((args.host, args.port), Handler)
    server.verbose = args.verbose
    server.keys = [decode_secret(s) for s in args.secret.split()]
    server.github_secret = args.github_secret.encode() if args.github_secret else None
    server.tolerance = args.tolerance
    server.state = State(args.state)
    server.ssl_context = None
    scheme = "http"
    if not args.http:
        if not args.certs:
            ap.error("--certs is required unless --http")
        testca.make(args.certs)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(args.certs, "server.pem"),
                            os.path.join(args.certs, "server.key"))
        server.ssl_context = ctx
        scheme = "https"
    port = server.server_address[1]
    server.scheme = scheme
    server.base_url = "%s://%s:%d" % (scheme, args.host, port)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
