#!/usr/bin/env python3
"""dns_nx.py - a loopback DNS responder that says NXDOMAIN to everything

SYNOPSIS
    dns_nx.py PORT

DESCRIPTION
    Listens on UDP 127.0.0.1:PORT and answers every query at once with
    its own question and rcode NXDOMAIN (what a DNS blocklist says of
    an address it does not list), never forwarding anything: no lookup
    leaves the machine. bench/run points rspamd's resolver here, so
    its lookups fail at once instead of waiting out its timeout. A
    packet too short to be a query is ignored. Runs until killed;
    prints the count of answers on SIGTERM.
"""
import signal
import socket
import struct
import sys


def answer(q):
    """answer - the NXDOMAIN reply to query q, or None when q is no query"""
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000:          # a response, not a query
        return None
    # QR, the opcode and RD copied, RA, rcode 3; the question section
    # kept as it came, nothing else
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | 3
    end = 12
    for _ in range(min(qd, 1)):
        while end < len(q) and q[end] != 0:
            if q[end] & 0xC0:
                return None
            end += q[end] + 1
        end += 5
        if end > len(q):
            return None
    return struct.pack("!HHHHHH", qid, rflags, min(qd, 1), 0, 0, 0) + q[12:end]


def main():
    port = int(sys.argv[1])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    n = [0]

    def stop(*_):
        print(f"dns_nx: {n[0]} answers", file=sys.stderr)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    while True:
        q, peer = s.recvfrom(4096)
        r = answer(q)
        if r is not None:
            s.sendto(r, peer)
            n[0] += 1


if __name__ == "__main__":
    main()
