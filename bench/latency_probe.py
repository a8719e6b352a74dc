#!/usr/bin/env python3
"""latency_probe.py - time each SMTP transaction on one session, beside a load

SYNOPSIS
    latency_probe.py PORT STOPFILE OUTFILE [--rcpt ADDR] [--size BYTES]
                     [--min M] [--max N]

DESCRIPTION
    Opens one SMTP session to 127.0.0.1:PORT and sends messages of
    BYTES (5120) to ADDR (probe@discard.test), one after the other,
    until STOPFILE exists and at least M (20) messages went, or N (5000)
    messages went. Each message is
    timed from MAIL FROM to the 250 after its data: the whole
    transaction, every milter step of the message included. The
    times in milliseconds go to OUTFILE, one a line; a message that
    did not get 250 is written as "fail CODE". Prints one line:
        sent=S failed=F p50=MS p99=MS
    Exit 0 when at least one message was timed, 1 otherwise.
"""
import argparse
import os
import smtplib
import sys
import time


def pct(vals, p):
    """pct - the p-th percentile (nearest rank) of sorted values"""
    if not vals:
        return 0.0
    k = max(0, min(len(vals) - 1, int(round(p / 100.0 * len(vals) + 0.5)) - 1))
    return vals[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("stopfile")
    ap.add_argument("outfile")
    ap.add_argument("--rcpt", default="probe@discard.test")
    ap.add_argument("--size", type=int, default=5120)
    ap.add_argument("--min", type=int, default=20)
    ap.add_argument("--max", type=int, default=5000)
    a = ap.parse_args()
    times, failed = [], 0
    body = ("x" * 76 + "\r\n") * max(1, a.size // 78)
    with open(a.outfile, "w") as out:
        try:
            s = smtplib.SMTP("127.0.0.1", a.port, timeout=60)
            s.ehlo("probe.test")
        except (OSError, smtplib.SMTPException) as e:
            print(f"latency_probe: cannot connect: {e}", file=sys.stderr)
            return 1
        i = 0
        while i < a.max and (i < a.min or not os.path.exists(a.stopfile)):
            i += 1
            msg = (f"From: <probe@example.org>\r\nTo: <{a.rcpt}>\r\n"
                   f"Subject: probe {i}\r\n"
                   f"Message-ID: <probe.{os.getpid()}.{i}.{time.time()}@probe.test>\r\n"
                   f"Date: Sat, 05 Dec 2026 12:00:00 +0000\r\n\r\n{body}")
            t0 = time.monotonic()
            try:
                code, _ = s.mail("probe@example.org")
                if code == 250:
                    code, _ = s.rcpt(a.rcpt)
                if code in (250, 251):
                    code, _ = s.data(msg)
            except smtplib.SMTPException as e:
                code = getattr(e, "smtp_code", 0)
            except OSError:
                failed += 1
                out.write("fail 0\n")
                break
            ms = (time.monotonic() - t0) * 1000.0
            if code == 250:
                times.append(ms)
                out.write(f"{ms:.3f}\n")
            else:
                failed += 1
                out.write(f"fail {code}\n")
                try:
                    s.rset()
                except (OSError, smtplib.SMTPException):
                    break
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
    times.sort()
    print(f"sent={len(times)} failed={failed} "
          f"p50={pct(times, 50):.2f} p99={pct(times, 99):.2f}")
    return 0 if times else 1


if __name__ == "__main__":
    sys.exit(main())
