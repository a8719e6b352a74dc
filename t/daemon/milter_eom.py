#!/usr/bin/env python3
"""milter_eom.py - one message to a milter, sent as an MTA that offers
the actions ACTIONS (hex; "all" for every one), and what the milter
asked for at end of message. Usage:
    milter_eom.py [--twice] UNIX-SOCKET ACTIONS SENDER RCPT...
Prints "actions 0xN" (what the milter asked for, within the offer),
then one line per modification at end of message ("chgfrom ADDR",
"addrcpt ADDR", "delrcpt ADDR", "addheader NAME", "chgheader NAME",
"other C") and "eom C", the final reply's code. With --twice the
message is sent again after SMFIC_QUIT_NC on the same connection (a
new SMTP session with no new negotiation), its lines after "again".
With MILTER_MESSAGE=FILE in the environment, the message's headers
(up to the first empty line, one "Name: value" per line) and its body
(the rest, as it is, in chunks of 64 KiB) are sent too."""
import os
import socket
import struct
import sys

ALL_ACTIONS = 0x1FF
# SMFIP_NR_* per step: the milter may ask not to be answered there
NR = {"connect": 0x1000, "helo": 0x2000, "mail": 0x4000, "rcpt": 0x8000,
      "data": 0x10000, "header": 0x80, "eoh": 0x40000, "body": 0x80000}
NOHDRS = 0x20
NOBODY = 0x10
FINAL = b"cartdy"


def send(sock, cmd, data=b""):
    sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv(sock):
    head = b""
    while len(head) < 4:
        part = sock.recv(4 - len(head))
        if not part:
            raise SystemExit("milter_eom.py: the milter closed the connection")
        head += part
    n = struct.unpack(">I", head)[0]
    if n == 0 or n > 1 << 20:
        raise SystemExit("milter_eom.py: bad reply length %d" % n)
    body = b""
    while len(body) < n:
        part = sock.recv(n - len(body))
        if not part:
            raise SystemExit("milter_eom.py: short reply")
        body += part
    return body[:1], body[1:]


def session(sock, pflags):
    """one SMTP session: connect, the message, end of message"""

    def step(name, cmd, data):
        send(sock, cmd, data)
        if pflags & NR.get(name, 0):
            return
        code, _ = recv(sock)
        if code != b"c":
            raise SystemExit("milter_eom.py: %s answered %r" % (name, code))

    step("connect", b"C", b"client.test\x004\x00\x19192.0.2.1\x00")
    step("mail", b"M", sys.argv[3].encode() + b"\x00")
    for rcpt in sys.argv[4:]:
        step("rcpt", b"R", rcpt.encode() + b"\x00")
    step("data", b"T", b"")
    head, body = b"", b""
    if os.environ.get("MILTER_MESSAGE"):
        with open(os.environ["MILTER_MESSAGE"], "rb") as f:
            head, _, body = f.read().partition(b"\n\n")
    for line in head.split(b"\n") if head and not pflags & NOHDRS else []:
        name, _, value = line.partition(b":")
        step("header", b"L", name + b"\x00" + value.lstrip() + b"\x00")
    step("eoh", b"N", b"")
    for i in range(0, len(body), 65535) if not pflags & NOBODY else []:
        send(sock, b"B", body[i:i + 65535])
        if pflags & NR["body"]:
            continue
        code, _ = recv(sock)
        if code == b"s":
            break
        if code != b"c":
            raise SystemExit("milter_eom.py: body answered %r" % code)
    send(sock, b"E", b"")
    while True:
        code, text = recv(sock)
        parts = text.split(b"\x00")
        if code in FINAL:
            print("eom %s" % code.decode())
            break
        names = {b"e": "chgfrom", b"+": "addrcpt", b"-": "delrcpt",
                 b"h": "addheader", b"m": "chgheader"}
        if code == b"e" or code == b"+" or code == b"-":
            print("%s %s" % (names[code], parts[0].decode()))
        elif code == b"h":
            print("addheader %s" % parts[0].decode())
        elif code == b"m":
            print("chgheader %s" % parts[0][4:].decode())
        else:
            print("other %s" % code.decode())


def main():
    twice = len(sys.argv) > 1 and sys.argv[1] == "--twice"
    if twice:
        del sys.argv[1]
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    offer = ALL_ACTIONS if sys.argv[2] == "all" else int(sys.argv[2], 16)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(sys.argv[1])
    send(sock, b"O", struct.pack(">III", 6, offer, 0x1FFFFF))
    cmd, data = recv(sock)
    if cmd != b"O":
        raise SystemExit("milter_eom.py: negotiation answered %r" % cmd)
    _, actions, pflags = struct.unpack(">III", data[:12])
    print("actions 0x%x" % actions)

    for n in range(2 if twice else 1):
        if n:
            send(sock, b"K")
            print("again")
        session(sock, pflags)
    send(sock, b"Q")
    sock.close()


main()
