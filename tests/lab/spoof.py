#!/usr/bin/env python3
"""Send ONE raw Ethernet frame: a TCP segment carrying a bot's HTTP request
with a forged source address and no handshake before it. Lab use only:
IFACE is a veth inside a test namespace, the addresses are the lab's
documentation addresses. Usage: spoof.py IFACE DST_MAC SRC_IP DST_IP"""
import socket
import struct
import sys


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main() -> int:
    iface, dst_mac, src_ip, dst_ip = sys.argv[1:5]
    payload = (b"GET / HTTP/1.1\r\nHost: www.shop.test\r\n"
               b"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")
    src, dst = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    tcp = struct.pack("!HHIIBBHHH", 40123, 80, 1000, 1000, 5 << 4, 0x18, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 7, 0x4000,
                     64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((iface, 0))
        own = s.getsockname()[4]
        s.send(bytes.fromhex(dst_mac.replace(":", "")) + own + b"\x08\x00" + ip + tcp + payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
