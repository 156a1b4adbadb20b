"""Shared plumbing for the fake network services of the integration tests.

A fake is a ThreadingHTTPServer behind TLS on loopback, with a certificate made by testca.py,
that writes its port to a file once it listens (so a test can start it with --port 0):

    class Handler(fakeserver.JsonHandler):
        def do_GET(self):
            self.send_json(200, {"ok": True})

    fakeserver.serve(Handler, certs_dir, port=0, port_file="/tmp/port")

JsonHandler speaks HTTP/1.1 with keep-alive and always sends Content-Length. Python stdlib only.
"""
import json
import os
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testca  # noqa: E402


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake"
    sys_version = ""
    # Buffer each answer and write it at once (the handler flushes after every request): header
    # and body in two writes made the client's delayed ACK hold every answer ~40 ms.
    wbufsize = 64 * 1024
    # Set by the subclass to silence the per-request log lines.
    quiet = True

    def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
        if not self.quiet:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_bytes(self, status, body, content_type="application/octet-stream", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_bytes(status, body, "application/json; charset=utf-8", headers)


def make_server(handler_cls, certs_dir, port=0, host="127.0.0.1"):
    """A TLS ThreadingHTTPServer (the handshake runs in the request's thread)."""
    testca.make(certs_dir)
    server = ThreadingHTTPServer((host, port), handler_cls)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(certs_dir, "server.pem"),
                            os.path.join(certs_dir, "server.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    return server


def write_port_file(path, port):
    """Atomically, so a reader never sees a half-written number."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def serve(handler_cls, certs_dir, port=0, port_file=None, host="127.0.0.1", on_ready=None):
    """Runs until SIGTERM or SIGINT; returns the server after it stopped."""
    server = make_server(handler_cls, certs_dir, port, host)
    actual = server.server_address[1]

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if on_ready:
        on_ready(server)
    if port_file:
        write_port_file(port_file, actual)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return server
