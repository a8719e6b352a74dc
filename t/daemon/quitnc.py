#!/usr/bin/env python3
"""quitnc.py - two SMTP sessions on one milter connection, the second
after SMFIC_QUIT_NC, sent as an MTA that offers every protocol option.
Usage: quitnc.py UNIX-SOCKET. Prints "session N STEP REPLY" for every
reply the milter sends ("quiet" where the negotiation said none is
due), with the reply code's first digit for SMFIR_REPLYCODE."""
import socket
import struct
import sys

NR = {"connect": 0x1000, "mail": 0x4000, "data": 0x10000, "eoh": 0x40000}


def send(sock, cmd, data=b""):
    sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv(sock):
    head = b""
    while len(head) < 4:
        part = sock.recv(4 - len(head))
        if not part:
            raise SystemExit("quitnc.py: the milter closed the connection")
        head += part
    n = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < n:
        part = sock.recv(n - len(body))
        if not part:
            raise SystemExit("quitnc.py: short reply")
        body += part
    return body[:1], body[1:]


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(sys.argv[1])
    send(sock, b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
    cmd, data = recv(sock)
    pflags = struct.unpack(">III", data[:12])[2]
    for n in (1, 2):
        def step(name, cmd, data):
            send(sock, cmd, data)
            if pflags & NR.get(name, 0):
                print("session %d %s quiet" % (n, name))
                return
            code, text = recv(sock)
            print("session %d %s %s%s" % (n, name, code.decode(),
                                         text[:1].decode() if code == b"y" else ""))
        step("connect", b"C", b"client.test\x004\x00\x19192.0.2.1\x00")
        step("mail", b"M", b"<sender@external.test>\x00")
        step("rcpt", b"R", b"<alice@example.com>\x00")
        step("data", b"T", b"")
        step("eoh", b"N", b"")
        step("eom", b"E", b"")
        send(sock, b"K" if n == 1 else b"Q")
    sock.close()


main()
