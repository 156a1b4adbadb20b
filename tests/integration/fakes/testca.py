#!/usr/bin/env python3
"""Makes a throw-away certificate authority and a server certificate for loopback TLS tests.

    python3 testca.py DIR      -> DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key

The server certificate is for localhost, 127.0.0.1 and ::1, signed by the CA; it lives 2 days.
A second CA that signed nothing ("other-ca.pem") lets tests check that verification fails
against the wrong trust anchor. Uses the openssl command-line tool (Debian package openssl).
"""
import os
import subprocess
import sys


def run(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make(directory):
    os.makedirs(directory, exist_ok=True)
    p = lambda name: os.path.join(directory, name)  # noqa: E731
    if os.path.exists(p("server.pem")):
        return directory
    for ca in ("ca", "other-ca"):
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", p(ca + ".key"), "-out", p(ca + ".pem"), "-days", "2",
            "-subj", "/CN=syndicated test CA " + ca,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=localhost")
    with open(p("server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                "basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-out", p("server.pem"), "-days", "2", "-extfile", p("server.ext"))
    return directory


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: testca.py DIR")
    make(sys.argv[1])
