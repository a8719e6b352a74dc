#!/usr/bin/python3
"""browser.py - loopguard-console in a real browser (headless chromium)

SYNOPSIS
    browser.py run --url URL --operator USER:PASS --viewer USER:PASS
                   --probe CMD --target-up CMD [--shots DIR] [--wait S]
                   [--settle S]
    browser.py hammer --url URL --user USER:PASS --during FILE
    browser.py sink --port PORT --dir DIR
    browser.py probe --port PORT --client ADDR --count N

DESCRIPTION
    run drives Debian's chromium through chromedriver and selenium, as
    a postmaster would, and prints one "ok - ..." or "not ok - ..." line
    per check:
    - /entries without a session lands on the login form; the operator
      logs in through it;
    - with the entries page open, CMD --probe runs (a harvest probe
      through the MTA; it prints "entry ID" and "outbox ID" lines) and
      the entry appears without the page being loaded again: a value
      put in the window object before stays there, which a navigation
      would clear;
    - the entry is selected and removed with "Remove selected", and
      disappears, again without a navigation;
    - the outbox page lists the probe's postmaster notice, which waits
      because the mailer's target is down; CMD --target-up starts it;
      the message is selected and "Try to send now" is pressed; the
      outbox empties without a navigation;
    - the statistics page shows the chart (an inline <svg>);
    - the operator logs out and the pages ask for a login again;
    - the read-only user sees no action buttons, and a removal posted
      from their page anyway (a form built in the page, with their own
      CSRF token) is refused and removes nothing.
    With --shots, screenshots of the entries, outbox and statistics
    pages (1280x800) are written there as console-entries.png,
    console-outbox.png and console-stats.png.

    hammer logs in and, while FILE exists, reloads the entries page as
    fast as it loads; otherwise it waits on a blank page. It prints
    "ready" once logged in, and at SIGTERM "loads N BAD" (BAD: loads
    that did not show the entries page) (bench/console-load.sh).

    sink is a small SMTP server on 127.0.0.1:PORT (the mailer's target)
    that writes each message it accepts to DIR/msg.N.

    probe is a directory harvest probe: one SMTP session from the
    local address ADDR to 127.0.0.1:PORT (the MTA) with N recipients
    at example.com that do not exist; a refusal is what it expects.

    --settle waits S seconds before the statistics page (for the
    chart's samples). Every wait is bounded (--wait, default 20 s).

DIAGNOSTICS
    Exit 0 when every check passed, 1 when one failed (the reason is on
    the "not ok" line, and the page's text and URL are printed), 77
    when selenium, chromium or chromedriver cannot be found.
"""
import argparse
import os
import shlex
import socket
import socketserver
import subprocess
import sys
import threading
import time

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome")
DRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
MARK = "lgNoNavigation"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def first_file(paths):
    for p in paths:
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def browser():
    """a headless chromium, 1280x800; skips when the parts are missing"""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        skip("python3-selenium is not installed (apt-get install python3-selenium)")
    chromium = first_file(CHROMIUM)
    driver = first_file(DRIVER)
    if not chromium:
        skip("chromium is not installed (apt-get install chromium)")
    if not driver:
        skip("chromedriver is not installed (apt-get install chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--disable-gpu", "--window-size=1280,800",
              "--disable-extensions", "--no-first-run"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.set_page_load_timeout(30)
    d.set_script_timeout(30)
    return d


class Failed(Exception):
    pass


class Run:
    def __init__(self, args):
        self.a = args
        self.url = args.url.rstrip("/")
        self.wait = args.wait
        self.passed = 0
        self.failed = 0
        self.d = None
        self.victim = "0000000000"

    # --- results
    def ok(self, name):
        self.passed += 1
        print("ok - " + name, flush=True)

    def not_ok(self, name, why):
        self.failed += 1
        print("not ok - " + name, flush=True)
        print("  " + why.replace("\n", "\n  "), flush=True)
        if self.d is not None:
            try:
                print("  at " + self.d.current_url, flush=True)
                body = self.d.find_element("tag name", "body").text
                print("  page: " + body[:1500].replace("\n", "\n    "),
                      flush=True)
            except Exception as e:  # the browser itself may be gone
                print("  (no page: %s)" % e, flush=True)

    def check(self, name, fn):
        """run one check; an exception or a false result fails it"""
        try:
            r = fn()
            if r is False:
                raise Failed("the condition did not hold")
            self.ok(name)
            return True
        except Exception as e:
            self.not_ok(name, "%s: %s" % (type(e).__name__, e))
            return False

    # --- waiting
    def until(self, what, fn, timeout=None):
        """poll fn until it returns a true value (bounded)"""
        end = time.time() + (timeout or self.wait)
        last = None
        while time.time() < end:
            try:
                v = fn()
                if v:
                    return v
            except Exception as e:
                last = e
            time.sleep(0.2)
        raise Failed("timed out after %ss waiting for %s%s" % (
            timeout or self.wait, what, " (last error: %s)" % last if last else ""))

    # --- the page
    def get(self, path):
        self.d.get(self.url + path)

    def path(self):
        u = self.d.current_url
        return u[len(self.url):] if u.startswith(self.url) else u

    def mark(self):
        """a value in the window object that a navigation would clear"""
        self.d.execute_script("window.%s = 'kept';" % MARK)

    def marked(self):
        return self.d.execute_script(
            "return window.%s === 'kept';" % MARK) is True

    def no_navigation(self):
        if not self.marked():
            raise Failed("the page was loaded again (a navigation cleared "
                         "window.%s)" % MARK)
        return True

    def els(self, css):
        return self.d.find_elements("css selector", css)

    def text(self):
        return self.d.find_element("tag name", "body").text

    def row_of(self, ident):
        """the table row that holds ident, or None"""
        for r in self.els("tr"):
            if ident in r.text:
                return r
            for box in r.find_elements("css selector", "input[type=checkbox]"):
                if box.get_attribute("value") == ident:
                    return r
        return None

    def select(self, ident):
        """tick the checkbox of ident's row; a live refresh may swap the
        table meanwhile (a stale element), so try again, bounded"""
        return self.until("the checkbox of %s ticked" % ident,
                          lambda: self.tick(ident))

    def tick(self, ident):
        r = self.row_of(ident)
        if r is None:
            raise Failed("no row holds %s" % ident)
        box = r.find_elements("css selector", "input[type=checkbox]")
        if not box:
            raise Failed("the row of %s has no checkbox" % ident)
        if not box[0].is_selected():
            box[0].click()
        return box[0].is_selected()

    def button(self, *labels):
        """the visible button (or submit input) whose text is one of
        labels (case and spaces ignored), or None"""
        want = [" ".join(l.lower().split()) for l in labels]
        for b in self.els("button, input[type=submit], input[type=button]"):
            t = b.text or b.get_attribute("value") or ""
            if " ".join(t.lower().split()) in want and b.is_displayed():
                return b
        return None

    def press(self, *labels):
        b = self.button(*labels)
        if b is None:
            raise Failed("no button %s" % " / ".join(labels))
        b.click()
        # a confirm() before an action: accept it
        try:
            self.d.switch_to.alert.accept()
        except Exception:
            pass

    def shot(self, name, scroll_to=None):
        """a screenshot of the window, scrolled to show scroll_to (CSS)
        at its bottom"""
        if not self.a.shots:
            return True
        if scroll_to:
            self.d.execute_script(
                "var e = document.querySelector(arguments[0]);"
                "if (e) e.scrollIntoView({block: 'end'});", scroll_to)
            time.sleep(0.3)
        path = os.path.join(self.a.shots, name)
        self.d.save_screenshot(path)
        return os.path.getsize(path) > 10000

    def hook(self, cmd):
        """run a shell hook of the test; its "key value" lines"""
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise Failed("%s: exit %d: %s" % (cmd, p.returncode,
                                              (p.stderr or p.stdout)[-800:]))
        out = {}
        for line in p.stdout.splitlines():
            k, _, v = line.partition(" ")
            out.setdefault(k, []).append(v.strip())
        return out

    # --- the steps
    def login(self, cred):
        user, _, password = cred.partition(":")
        self.get("/entries")
        self.until("the login form", lambda: self.els("input[type=password]"))
        if not self.path().startswith("/login"):
            raise Failed("/entries without a session went to %s, not /login"
                         % self.path())
        form = self.els("input[type=password]")[0].find_element(
            "xpath", "ancestor::form")
        name = [i for i in form.find_elements(
            "css selector", "input[type=text], input[type=email], input:not([type])")
            if i.is_displayed()]
        if not name:
            raise Failed("the login form has no user name field")
        name[0].send_keys(user)
        form.find_element("css selector", "input[type=password]").send_keys(password)
        form.find_element("css selector",
                          "button, input[type=submit]").click()
        self.until("the entries page after the login",
                   lambda: self.path().startswith("/entries"))
        return True

    def logout(self):
        self.press("Log out", "Logout", "Sign out")
        self.until("the login page after the logout",
                   lambda: self.path().startswith("/login")
                   or self.els("input[type=password]"))
        self.get("/entries")
        self.until("a login again", lambda: self.path().startswith("/login"))
        return True

    def main(self):
        a = self.a
        self.d = browser()
        try:
            self.flow_operator()
            self.flow_viewer()
        finally:
            self.d.quit()
        print("browser: %d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0

    def appears(self, ident, what):
        """ident comes into the page by itself (the event stream), with
        no navigation; says so when only a reload shows it"""
        try:
            self.until("%s %s in the page" % (what, ident),
                       lambda: self.row_of(ident))
        except Failed:
            self.d.refresh()
            self.mark()  # the later checks test their own steps
            if self.row_of(ident):
                raise Failed("%s %s is there after a reload, but the page "
                             "did not show it by itself" % (what, ident))
            raise
        return self.no_navigation()

    def acted(self, label, *labels):
        """press a button; its result is shown in the page as a success"""
        self.d.execute_script(
            "var f = document.getElementById('js-flash'); if (f) f.remove();")
        self.press(label, *labels)
        f = self.until("the result of %s" % label,
                       lambda: [e for e in self.els("#js-flash")
                                if e.text.strip()])
        if "ok" not in (f[0].get_attribute("class") or "").split():
            raise Failed("%s answered: %s" % (label, f[0].text))
        return True

    def goes(self, idents, what):
        self.until("%s %s to leave the page" % (what, " ".join(idents)),
                   lambda: all(self.row_of(i) is None for i in idents))
        return self.no_navigation()

    def flow_operator(self):
        a = self.a
        if not self.check("the operator logs in through the login form",
                          lambda: self.login(a.operator)):
            raise SystemExit(1)
        self.mark()
        probe = {}
        if not self.check("the harvest probe ran (MTA refused the network, "
                          "the daemon has the entry and the notice)",
                          lambda: probe.update(self.hook(a.probe)) or
                          bool(probe.get("entry") and probe.get("outbox"))):
            return
        entry = probe["entry"][0]
        others = probe.get("other", [])
        outbox = probe["outbox"]
        if others:
            self.victim = others[0]
        self.check("the probe's entry %s appears without a reload" % entry,
                   lambda: self.appears(entry, "entry"))
        for o in others:
            self.check("entry %s appears too" % o,
                       lambda: self.appears(o, "entry"))
        self.check("screenshot of the entries page",
                   lambda: self.shot("console-entries.png"))
        if self.check("entry %s is selected" % entry,
                      lambda: self.select(entry)):
            self.check("Remove selected answers with success",
                       lambda: self.acted("Remove selected"))
            self.check("entry %s goes without a reload" % entry,
                       lambda: self.goes([entry], "entry"))
        if others:
            self.check("the other entries stay",
                       lambda: self.until("the other entries",
                                          lambda: all(self.row_of(o) for o in others)))

        self.get("/outbox")
        self.mark()
        self.check("the outbox lists the waiting notice(s)",
                   lambda: self.until("outbox message(s) %s" % " ".join(outbox),
                                      lambda: all(self.row_of(m) for m in outbox)))
        self.check("their status says why they wait",
                   lambda: "connect" in self.row_of(outbox[0]).text.lower())
        self.check("screenshot of the outbox page",
                   lambda: self.shot("console-outbox.png"))
        self.check("the mailer's target is up",
                   lambda: self.hook(a.target_up) is not None)
        if self.check("the outbox messages are selected",
                      lambda: all(self.select(m) for m in outbox)):
            self.check("Try to send now answers with success",
                       lambda: self.acted("Try to send now"))
            self.check("the outbox empties without a reload",
                       lambda: self.goes(outbox, "outbox message"))

        time.sleep(self.a.settle)
        self.get("/stats")
        self.check("the statistics page has the chart (inline svg)",
                   lambda: self.until("an inline svg chart",
                                      lambda: self.els("svg")))
        self.check("screenshot of the statistics page",
                   lambda: self.shot("console-stats.png", scroll_to="svg"))
        self.check("the operator logs out", self.logout)

    def flow_viewer(self):
        a = self.a
        if not self.check("the read-only user logs in", lambda: self.login(a.viewer)):
            return
        self.check("the read-only user sees no Remove button",
                   lambda: self.button("Remove selected", "Remove",
                                       "Remove all matching") is None)
        self.get("/outbox")
        self.check("the read-only user sees no Try to send now button",
                   lambda: self.button("Try to send now", "Send now",
                                       "Send everything now") is None)
        self.get("/entries")
        victim = self.victim
        self.check("a removal posted from the read-only user's page is refused",
                   lambda: self.forged_remove(victim))
        self.check("the read-only user logs out", self.logout)

    def forged_remove(self, victim):
        """post /entries/remove from the viewer's page with their token"""
        token = self.d.execute_script("""
            var e = document.querySelector('meta[name=csrf-token]') ||
                    document.querySelector('input[name=csrf]');
            return e ? (e.value || e.content) : '';""")
        self.d.execute_script("""
            var f = document.createElement('form');
            f.method = 'POST'; f.action = '/entries/remove';
            [['csrf', arguments[0]], ['id', arguments[1]]].forEach(function (kv) {
                var i = document.createElement('input');
                i.type = 'hidden'; i.name = kv[0]; i.value = kv[1];
                f.appendChild(i);
            });
            document.body.appendChild(f); f.submit();""", token, victim)
        self.until("the answer to the forged removal",
                   lambda: self.path().startswith("/entries/remove")
                   or "403" in self.text() or "forbidden" in self.text().lower())
        t = self.text().lower()
        if "forbidden" not in t and "403" not in t and "not allowed" not in t:
            raise Failed("the read-only user's removal was not refused")
        self.get("/entries")
        if victim and self.row_of(victim) is None:
            raise Failed("entry %s is gone after the read-only user's removal"
                         % victim)
        return True


def hammer(args):
    """while the file args.during exists, reload the entries page as
    fast as it loads; else wait on a blank page. At SIGTERM print how
    many loads completed and how many of them did not show the entries
    page (an error page, a refused connection)"""
    import signal

    class Stop(BaseException):
        pass

    def stop(*_):
        raise Stop()
    r = Run(args)
    for attempt in (1, 2):  # a start on a busy machine may time out once
        try:
            r.d = browser()
            break
        except Exception:
            if attempt == 2:
                raise
    n = bad = 0
    try:
        r.login(args.user)
        r.d.get("about:blank")
        r.d.set_page_load_timeout(10)
        signal.signal(signal.SIGTERM, stop)
        print("ready", flush=True)
        while True:
            if not os.path.exists(args.during):
                if r.d.current_url != "about:blank":
                    r.d.get("about:blank")
                time.sleep(0.1)
                continue
            try:
                r.get("/entries")
                page = r.d.execute_script(
                    "return document.body && document.body.getAttribute('data-page');")
            except Stop:
                raise
            except Exception:
                page = None
            n += 1
            if page != "entries":
                bad += 1
    except Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        print("loads %d %d" % (n, bad), flush=True)
        r.d.quit()
    return 0


class SinkHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, s):
        self.wfile.write(s.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink.test ESMTP")
        data = None
        while True:
            line = self.rfile.readline(1000)
            if not line:
                return
            if data is not None:
                if line in (b".\r\n", b".\n"):
                    self.server.keep(b"".join(data))
                    data = None
                    self.reply("250 2.0.0 kept")
                elif sum(map(len, data)) < 1 << 20:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 sink.test")
            elif verb == b"DATA":
                data = []
                self.reply("354 go on")
            elif verb == b"QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("250 2.0.0 ok")


class Sink(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port, folder):
        super().__init__(("127.0.0.1", port), SinkHandler)
        self.folder = folder
        self.n = 0
        self.lock = threading.Lock()

    def keep(self, msg):
        with self.lock:
            self.n += 1
            path = os.path.join(self.folder, "msg.%d" % self.n)
        with open(path + ".tmp", "wb") as f:
            f.write(msg)
        os.rename(path + ".tmp", path)


def sink(args):
    os.makedirs(args.dir, exist_ok=True)
    Sink(args.port, args.dir).serve_forever()


def probe(args):
    import smtplib
    s = smtplib.SMTP("127.0.0.1", args.port, timeout=30,
                     source_address=(args.client, 0))
    s.ehlo("probe.test")
    s.mail("probe@probe.test")
    codes = []
    for i in range(args.count):
        codes.append(s.rcpt("h%d.%s@example.com" % (i, args.client))[0])
    s.rset()
    s.quit()
    print("rcpt " + " ".join(map(str, codes)))
    return 0


def main():
    p = argparse.ArgumentParser(prog="browser.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--operator", required=True)
    r.add_argument("--viewer", required=True)
    r.add_argument("--probe", required=True)
    r.add_argument("--target-up", required=True)
    r.add_argument("--shots", default="")
    r.add_argument("--wait", type=float, default=20)
    r.add_argument("--settle", type=float, default=0)
    h = sub.add_parser("hammer")
    h.add_argument("--url", required=True)
    h.add_argument("--user", required=True)
    h.add_argument("--during", required=True)
    h.add_argument("--wait", type=float, default=20)
    s = sub.add_parser("sink")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dir", required=True)
    pr = sub.add_parser("probe")
    pr.add_argument("--port", type=int, required=True)
    pr.add_argument("--client", required=True)
    pr.add_argument("--count", type=int, required=True)
    a = p.parse_args()
    if a.cmd == "run":
        return Run(a).main()
    if a.cmd == "hammer":
        a.shots = ""
        return hammer(a)
    if a.cmd == "probe":
        return probe(a)
    return sink(a)


if __name__ == "__main__":
    sys.exit(main())
