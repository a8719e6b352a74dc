#!/usr/bin/env python3
"""redis_misbehave.py - a Redis server that answers too slowly, stops
half-way or answers too much, for the tests of the Redis deadline.

SYNOPSIS
    redis_misbehave.py --listen unix:PATH|127.0.0.1:PORT --ready FILE
                       --mode MODE [--on CMD,...] [--every SECONDS]
                       [--pad BYTES] [--log FILE]

DESCRIPTION
    Listens on a unix socket or a loopback TCP port (PORT 0: any free
    one) and serves each connection in a thread. It speaks the Redis
    protocol (RESP) well enough for loopguard's handshake: AUTH and
    SELECT get +OK, SCRIPT LOAD a 40-digit SHA, at once. The commands
    named by --on (by default every other one) get, by MODE:

    trickle   a valid reply, one byte every --every seconds (0.1). The
              reply carries --pad bytes (2000) of payload, so it takes
              pad * every seconds in all (200 s by default);
    stall     the first half of that reply, then nothing;
    bulk      a bulk string announced as 512 MB, its bytes sent as fast
              as the client reads them, until it goes;
    elements  an array announced with 2,000,000,000 elements, then
              nothing;
    twice     the reply twice, in one write;
    noaccept  (TCP only) nothing: the listening queue is kept full, so
              a new connection is never accepted;
    readonly6 the error reply Redis before 7 gives a script that writes
              on a replica ("-ERR Error running script ... -READONLY
              You can't write against a read only replica."), at once.

    Once it listens, FILE gets the port (TCP) or "ready" (unix). Each
    command it reads, and what it did, is a line in the --log FILE
    (default: standard error). It runs until it is killed; the tests
    stop it by its PID.
"""
import argparse
import os
import socket
import sys
import threading
import time

BIG_BULK = 512 * 1024 * 1024
BIG_ARRAY = 2000000000
SHA = "0123456789abcdef0123456789abcdef01234567"
HANDSHAKE = ("AUTH", "SELECT", "SCRIPT")
READONLY6 = (b"-ERR Error running script (call to f_" + SHA.encode() +
             b"): @user_script:16: @user_script: 16: -READONLY You can't "
             b"write against a read only replica.\r\n")

log_lock = threading.Lock()
log_file = sys.stderr


def say(text):
    """say - one line in the log"""
    with log_lock:
        log_file.write("%.3f %s\n" % (time.time(), text))
        log_file.flush()


def bulk(data):
    """bulk - a RESP bulk string"""
    if isinstance(data, str):
        data = data.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


def answer(args, pad):
    """answer - a valid reply to a command, carrying pad bytes"""
    name = args[0].upper()
    if name == "AUTH" or name == "SELECT":
        return b"+OK\r\n"
    if name == "SCRIPT":
        return bulk(SHA)
    if name == "PING":
        return b"+PONG" + b" " * pad + b"\r\n"
    if name in ("EVALSHA", "EVAL"):
        # {created, count}: the count "000...1" reads as 1
        return b"*2\r\n:0\r\n" + bulk("0" * (pad - 1) + "1")
    if name == "HMGET":
        fields = len(args) - 2
        return (b"*%d\r\n" % fields + bulk("0" * (pad - 1) + "1") +
                b"$-1\r\n" * (fields - 1))
    if name == "SCAN":
        return b"*2\r\n" + bulk("0") + b"*1\r\n" + bulk("lg:" + "k" * pad)
    if name == "INFO":
        return bulk("# Memory\r\nused_memory:1\r\nevicted_keys:0\r\n# " +
                    "x" * pad + "\r\n")
    if name == "DEL":
        return b":" + b"0" * pad + b"1\r\n"
    return bulk("x" * pad)


class Reader:
    """Reader - the commands a client sends, as lists of strings"""

    def __init__(self, conn):
        self.conn = conn
        self.buf = b""

    def fill(self):
        """fill - more bytes; False at the end of the stream"""
        try:
            data = self.conn.recv(65536)
        except OSError:
            return False
        self.buf += data
        return bool(data)

    def line(self):
        """line - the next line without CRLF, or None at the end"""
        while b"\r\n" not in self.buf:
            if not self.fill():
                return None
        text, self.buf = self.buf.split(b"\r\n", 1)
        return text

    def exact(self, n):
        """exact - the next n bytes and their CRLF, or None"""
        while len(self.buf) < n + 2:
            if not self.fill():
                return None
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def command(self):
        """command - the next command, or None at the end"""
        head = self.line()
        if head is None:
            return None
        if not head.startswith(b"*"):
            return head.decode(errors="replace").split()
        args = []
        for _ in range(int(head[1:])):
            size = self.line()
            if size is None or not size.startswith(b"$"):
                return None
            data = self.exact(int(size[1:]))
            if data is None:
                return None
            args.append(data.decode(errors="replace"))
        return args


def wait_gone(conn):
    """wait_gone - read and drop until the client closes"""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def misbehave(conn, reply, opts):
    """misbehave - send reply as MODE says; False when the client left"""
    try:
        if opts.mode == "trickle":
            for i in range(len(reply)):
                conn.sendall(reply[i:i + 1])
                time.sleep(opts.every)
            return True
        if opts.mode == "twice":
            conn.sendall(reply + reply)
            return True
        if opts.mode == "readonly6":
            conn.sendall(READONLY6)
            return True
        if opts.mode == "stall":
            conn.sendall(reply[:len(reply) // 2])
        elif opts.mode == "elements":
            conn.sendall(b"*%d\r\n" % BIG_ARRAY)
        elif opts.mode == "bulk":
            conn.sendall(b"$%d\r\n" % BIG_BULK)
            chunk, sent = b"x" * 65536, 0
            try:
                while sent < BIG_BULK:
                    conn.sendall(chunk)
                    sent += len(chunk)
            finally:
                say("bulk: %d bytes sent" % sent)
    except OSError as e:
        say("client left: %s" % e)
        return False
    wait_gone(conn)
    return False


def serve(conn, opts, slow):
    """serve - one client, until it closes"""
    reader = Reader(conn)
    with conn:
        while True:
            args = reader.command()
            if not args:
                say("client closed")
                return
            name = args[0].upper()
            reply = answer(args, opts.pad)
            if (name not in slow) if slow else (name in HANDSHAKE):
                say("%s: answered" % name)
                try:
                    conn.sendall(reply)
                except OSError:
                    return
                continue
            say("%s: %s" % (name, opts.mode))
            if not misbehave(conn, reply, opts):
                say("%s: client left" % name)
                return
            say("%s: sent whole" % name)


def listen(spec):
    """listen - the listening socket for unix:PATH or HOST:PORT"""
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(spec[5:])
        return s, "ready"
    host, port = spec.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        raise SystemExit("redis_misbehave.py: loopback addresses only")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    return s, str(s.getsockname()[1])


def fill_queue(s):
    """fill_queue - connections of our own that nobody accepts, until the
    kernel queues no more (a new SYN is then dropped)"""
    addr, held = s.getsockname(), []
    for _ in range(8):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(addr)
        held.append(c)
    time.sleep(0.2)
    return held


def main():
    """main - listen, say ready, serve until killed"""
    global log_file
    p = argparse.ArgumentParser(description="a misbehaving Redis server")
    p.add_argument("--listen", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--mode", required=True,
                   choices=("trickle", "stall", "bulk", "elements",
                            "twice", "noaccept", "readonly6"))
    p.add_argument("--on", default="")
    p.add_argument("--every", type=float, default=0.1)
    p.add_argument("--pad", type=int, default=2000)
    p.add_argument("--log")
    opts = p.parse_args()
    if opts.log:
        log_file = open(opts.log, "a")
    s, ready = listen(opts.listen)
    held = []
    if opts.mode == "noaccept":
        s.listen(0)
        held = fill_queue(s)
    else:
        s.listen(64)
    tmp = opts.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write(ready + "\n")
    os.rename(tmp, opts.ready)
    say("listening on %s, mode %s" % (opts.listen, opts.mode))
    if opts.mode == "noaccept":
        while held:
            time.sleep(3600)
    known = opts.on.upper().split(",") if opts.on else None
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, opts, known),
                         daemon=True).start()


if __name__ == "__main__":
    main()
