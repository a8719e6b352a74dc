#!/usr/bin/env python3
"""silent_dns.py - a DNS server that never answers (for t_dkim_dns.sh).

Usage: silent_dns.py LOG READY

Binds UDP 127.0.0.1:53, creates the file READY once it listens, then
reads queries for ever: each query's name goes to LOG, one per line,
and no reply is ever sent. Stopped by its PID.
"""
import socket
import sys


def qname(packet):
    """The question name of a DNS query, or "?" when it cannot be read."""
    labels, i = [], 12
    while i < len(packet) and packet[i] != 0:
        n = packet[i]
        if n > 63 or i + 1 + n > len(packet):
            return "?"
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return ".".join(labels).lower() or "?"


def main():
    log_path, ready = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    open(ready, "w").close()
    with open(log_path, "a") as log:
        while True:
            packet, _ = sock.recvfrom(4096)
            log.write(qname(packet) + "\n")
            log.flush()


if __name__ == "__main__":
    main()
