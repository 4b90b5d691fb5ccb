#!/usr/bin/env python3
"""Tiny HTTP/1.x request-capture server for the botwall request corpus.

Stdlib only.  For every accepted connection it reads until the end of the
request header block (CRLFCRLF), a size limit or a time limit, and answers
``HTTP/1.1 200 OK`` with a small HTML page and ``Connection: close``.

The FIRST request that is not for /favicon.ico is written, byte for byte,
to --out.  Every request (including that one, favicons and anything else)
is also written to --extra-dir (if given) as NNN.http, with an index.tsv,
so a run can be audited afterwards.

Usage:
  capture.py --listen 127.0.0.1:80 --listen [::1]:80 --out FILE \
             [--extra-dir DIR] [--ready FILE] [--timeout SECONDS]

It runs until killed (SIGTERM/SIGINT) or until --timeout seconds pass.
"""

import argparse
import os
import select
import signal
import socket
import sys
import threading
import time

MAX_HEAD = 64 * 1024      # bytes: stop reading a header block past this
READ_TIMEOUT = 5.0        # seconds per connection

PAGE = (b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        b"<title>shop</title></head><body><h1>shop</h1>"
        b"<p>botwall corpus capture page.</p></body></html>\n")


def parse_listen(spec):
    if spec.startswith("["):
        host, _, port = spec[1:].partition("]:")
        return socket.AF_INET6, host, int(port)
    host, _, port = spec.rpartition(":")
    return socket.AF_INET, host, int(port)


class Capture:
    def __init__(self, out, extra_dir):
        self.out = out
        self.extra_dir = extra_dir
        self.lock = threading.Lock()
        self.seq = 0
        self.saved = False
        if extra_dir:
            os.makedirs(extra_dir, exist_ok=True)

    def record(self, data, peer, status):
        line = data.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        target = parts[1] if len(parts) >= 2 else b""
        with self.lock:
            self.seq += 1
            seq = self.seq
            primary = False
            if data and not self.saved and status == "complete" and \
                    not target.split(b"?", 1)[0].endswith(b"/favicon.ico"):
                tmp = self.out + ".tmp"
                with open(tmp, "wb") as f:
                    f.write(data)
                os.replace(tmp, self.out)
                self.saved = True
                primary = True
            if self.extra_dir:
                name = "%03d.http" % seq
                with open(os.path.join(self.extra_dir, name), "wb") as f:
                    f.write(data)
                with open(os.path.join(self.extra_dir, "index.tsv"), "a") as f:
                    f.write("%s\t%.6f\t%s\t%s\t%d\t%s\t%s\n" % (
                        name, time.time(), peer, status, len(data),
                        "primary" if primary else "-",
                        line.decode("latin-1")[:200]))

    def handle(self, conn, peer):
        data = b""
        status = "complete"
        deadline = time.monotonic() + READ_TIMEOUT
        try:
            conn.settimeout(READ_TIMEOUT)
            while b"\r\n\r\n" not in data:
                left = deadline - time.monotonic()
                if left <= 0:
                    status = "timeout"
                    break
                conn.settimeout(left)
                try:
                    chunk = conn.recv(4096)
                except socket.timeout:
                    status = "timeout"
                    break
                if not chunk:
                    status = "eof"
                    break
                data += chunk
                if len(data) > MAX_HEAD:
                    status = "too-large"
                    break
            if status == "complete":
                # keep exactly the header block (a GET has no body anyway)
                end = data.index(b"\r\n\r\n") + 4
                data = data[:end]
            if data:
                self.record(data, peer, status)
            if status == "complete":
                resp = (b"HTTP/1.1 200 OK\r\n"
                        b"Content-Type: text/html; charset=utf-8\r\n"
                        b"Content-Length: " + str(len(PAGE)).encode() + b"\r\n"
                        b"Cache-Control: no-store\r\n"
                        b"Connection: close\r\n\r\n" + PAGE)
                conn.sendall(resp)
                try:
                    conn.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        except OSError:
            pass
        finally:
            conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", action="append", required=True,
                    help="ADDR:PORT or [V6ADDR]:PORT; may repeat")
    ap.add_argument("--out", required=True,
                    help="file for the first non-favicon request")
    ap.add_argument("--extra-dir", help="directory for every request")
    ap.add_argument("--ready", help="file to create once listening")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="exit after this many seconds (default 120)")
    args = ap.parse_args()

    cap = Capture(args.out, args.extra_dir)
    socks = []
    for spec in args.listen:
        fam, host, port = parse_listen(spec)
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, port))
        s.listen(64)
        socks.append(s)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%d\n" % os.getpid())

    end = time.monotonic() + args.timeout
    while not stop.is_set() and time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], 0.2)
        for s in r:
            try:
                conn, addr = s.accept()
            except OSError:
                continue
            peer = "%s:%d" % (addr[0], addr[1])
            threading.Thread(target=cap.handle, args=(conn, peer),
                             daemon=True).start()
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
