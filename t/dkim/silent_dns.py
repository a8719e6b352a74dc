#!/usr/bin/env python3
"""silent_dns.py - a DNS server that does not answer (for t_dkim_dns.sh).

Usage: silent_dns.py LOG READY [ANSWERS]

Binds UDP 127.0.0.1:53, creates the file READY once it listens, then
reads queries for ever: each query's name goes to LOG, one per line.
Only a name listed in the file ANSWERS ("NAME TXT-DATA" lines) gets a
reply, its TXT record; every other query is never answered. Stopped
by its PID.
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


def question_end(packet):
    """Where the question of a query ends (after its type and class)."""
    i = 12
    while i < len(packet) and packet[i] != 0:
        i += 1 + packet[i]
    return i + 5


def txt_reply(packet, text):
    """A reply to the query PACKET with one TXT record holding TEXT."""
    data = text.encode("ascii")
    chunks = [data[i:i + 255] for i in range(0, len(data), 255)]
    rdata = b"".join(bytes([len(c)]) + c for c in chunks)
    end = question_end(packet)
    header = packet[:2] + b"\x81\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00"
    answer = (b"\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x3c" +
              len(rdata).to_bytes(2, "big") + rdata)
    return header + packet[12:end] + answer


def main():
    log_path, ready = sys.argv[1], sys.argv[2]
    answers = {}
    if len(sys.argv) > 3:
        with open(sys.argv[3]) as f:
            for line in f:
                name, _, text = line.strip().partition(" ")
                answers[name.lower()] = text
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    open(ready, "w").close()
    with open(log_path, "a") as log:
        while True:
            packet, peer = sock.recvfrom(4096)
            name = qname(packet)
            log.write(name + "\n")
            log.flush()
            if name in answers:
                sock.sendto(txt_reply(packet, answers[name]), peer)


if __name__ == "__main__":
    main()
