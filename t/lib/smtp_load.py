#!/usr/bin/env python3
"""smtp_load.py - send numbered messages through an MTA, retrying as a
real client would.

SYNOPSIS
    smtp_load.py PORT TAG COUNT [--sessions N] [--per-session M]
                 [--from ADDR] [--to ADDR,ADDR,...] [--tries T]

DESCRIPTION
    Sends COUNT messages to 127.0.0.1:PORT, message i with the subject
    "TAG i" and the Message-ID <TAG.i@load.test>, in N parallel
    workers, M messages per SMTP session. Recipient i is the i-th of
    --to, round robin. A 4xx answer, a dropped connection or a refused
    one is retried after a short pause (up to T tries per message); a
    5xx is final. Prints one line:
        sent=S tempfails=T rejected=R failed=F retries=Y seconds=X
    sent counts messages accepted with 250; failed those that ran out
    of tries. Exit 0 when every message was sent.
"""
import argparse
import smtplib
import socket
import sys
import threading
import time


def build(tag, i, sender, rcpt):
    return (f"From: <{sender}>\r\nTo: <{rcpt}>\r\n"
            f"Subject: {tag} {i}\r\nMessage-ID: <{tag}.{i}@load.test>\r\n"
            f"Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n\r\n"
            f"load message {i}\r\n" + "x" * 500 + "\r\n")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.tempfails = self.rejected = 0
        self.failed = self.retries = 0

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)


def worker(args, numbers, tally):
    rcpts = args.to.split(",")
    todo = list(numbers)
    tries = {}
    conn = None
    in_session = 0
    while todo:
        i = todo[0]
        rcpt = rcpts[i % len(rcpts)]
        try:
            if conn is None:
                conn = smtplib.SMTP("127.0.0.1", args.port, timeout=60)
                conn.ehlo("load.test")
                in_session = 0
            conn.sendmail(args.sender, [rcpt],
                          build(args.tag, i, args.sender, rcpt))
            tally.add(sent=1)
            todo.pop(0)
            in_session += 1
            if in_session >= args.per_session:
                conn.quit()
                conn = None
            continue
        except smtplib.SMTPRecipientsRefused as e:
            code = list(e.recipients.values())[0][0]
        except smtplib.SMTPResponseException as e:
            code = e.smtp_code
        except (smtplib.SMTPException, OSError, socket.timeout):
            code = 421
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
            conn = None
        if 500 <= code < 600:
            tally.add(rejected=1)
            todo.pop(0)
            continue
        tally.add(tempfails=1)
        tries[i] = tries.get(i, 0) + 1
        if tries[i] >= args.tries:
            tally.add(failed=1)
            todo.pop(0)
            continue
        tally.add(retries=1)
        time.sleep(0.2)
    if conn is not None:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("tag")
    p.add_argument("count", type=int)
    p.add_argument("--sessions", type=int, default=8)
    p.add_argument("--per-session", type=int, default=20)
    p.add_argument("--from", dest="sender", default="sender@example.org")
    p.add_argument("--to", default="alice@example.com")
    p.add_argument("--tries", type=int, default=100)
    args = p.parse_args()
    tally = Tally()
    t0 = time.time()
    threads = []
    for w in range(args.sessions):
        nums = range(w, args.count, args.sessions)
        t = threading.Thread(target=worker, args=(args, nums, tally))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    print(f"sent={tally.sent} tempfails={tally.tempfails} "
          f"rejected={tally.rejected} failed={tally.failed} "
          f"retries={tally.retries} seconds={time.time() - t0:.1f}")
    return 0 if tally.sent == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
