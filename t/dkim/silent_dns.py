#!/usr/bin/env python3
"""silent_dns.py - a DNS server that does not answer (for t_dkim_dns.sh).

Usage: silent_dns.py LOG READY [ANSWERS]

Binds UDP 127.0.0.1:53, creates the file READY once it listens, then
reads queries for ever: each query's name goes to LOG, one per line.
Only a name listed in the file ANSWERS ("NAME TXT-DATA" lines) gets a
reply, its TXT record; every other query is never answered. A listed
name whose first label starts with "spoof" never gets its true reply
but only ones a resolver must refuse: a wrong id, no response bit, the
wrong question, no question, the TC bit, a reply from another port, a
reply longer than any buffer, a flood of junk datagrams, and last a
reply with the TC bit (which ends the lookup: a key failure). Stopped
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


def spoofs(packet, text):
    """What a resolver must refuse, for the query PACKET: (reply, from
    another port) pairs."""
    good = txt_reply(packet, text)
    end = question_end(packet)
    wrong_id = bytes([good[0] ^ 0x5a, good[1]]) + good[2:]
    no_qr = good[:2] + bytes([good[2] & 0x7f]) + good[3:]
    other_q = good[:13] + b"x" + good[14:]
    no_q = good[:4] + b"\x00\x00" + good[6:12] + good[end:].replace(
        b"\xc0\x0c", packet[12:end - 4], 1)
    tc = good[:2] + bytes([good[2] | 0x02]) + good[3:]
    huge = good + b"\x00" * (9000 - len(good))
    out = [(wrong_id, False), (no_qr, False), (other_q, False),
           (no_q, False), (good, True), (huge, False)]
    out += [(bytes([i & 0xff]) * (i % 100 + 1), False) for i in range(150)]
    return out + [(tc, False)]


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
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind(("127.0.0.1", 5353))
    open(ready, "w").close()
    with open(log_path, "a") as log:
        while True:
            packet, peer = sock.recvfrom(4096)
            name = qname(packet)
            log.write(name + "\n")
            log.flush()
            if name in answers and name.startswith("spoof"):
                for reply, from_other in spoofs(packet, answers[name]):
                    (other if from_other else sock).sendto(reply, peer)
            elif name in answers:
                sock.sendto(txt_reply(packet, answers[name]), peer)


if __name__ == "__main__":
    main()
