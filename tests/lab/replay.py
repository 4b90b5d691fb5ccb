#!/usr/bin/env python3
"""Send a captured raw HTTP request (exact bytes, header order and case kept)
to ADDR:PORT and print the response status code, or 000 when no response
came (connection refused, reset or timed out). Used by the lab to act as a
real browser whose request was captured from Chromium or Firefox."""
import socket
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print("usage: replay.py REQUEST_FILE ADDR PORT", file=sys.stderr)
        return 2
    path, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, "rb") as f:
        request = f.read()
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2.0)
            s.connect((addr, port))
            s.sendall(request)
            head = s.recv(64)
    except OSError:
        print("000")
        return 1
    parts = head.split(b" ")
    code = parts[1].decode("ascii", "replace") if len(parts) > 1 else "000"
    print(code)
    return 0 if code.isdigit() and code != "000" else 1


if __name__ == "__main__":
    sys.exit(main())
