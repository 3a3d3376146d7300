#!/usr/bin/python3
"""slow_clients.py - hostile and well-behaved clients of pvacms, for
tests/integration/hostile_conns.sh and bench/hostile_conns.sh.

Loopback only: every connection goes to 127.0.0.1.  Every loop and every
wait is bounded in count and in time.  Standard library only.

  attack --http-port P --https-port Q [--slow N] [--tls M] [--secs S]
         [--hold H] [--max-connects K] [--ready-file F]
         [--stop-file F] [--hold-file F] [--reconnect-rate R]
      N connections to P that send a request line and then dribble one
      header byte at a time, never ending the headers; M connections to Q
      that send a partial TLS ClientHello (every other one: nothing).  For
      S seconds, connections the server closes are opened again (at most
      R per second, K connects in all); then for H seconds the attacker
      holds what is still open without sending, then closes everything.
      F is written once the first N+M connects were tried; the attack
      ends early when the stop file appears, and the hold file is written
      when the hold begins.  Prints one summary line.

  good --port P --path PATH [--count N] [--timeout T] [--latencies F]
      N GET requests one after another, each on a new connection with a
      client timeout of T seconds.  Prints "ok X fail Y p50 .. p90 .. p99
      .. max .." (milliseconds); exit 0 only when every answer was 200.

  probe keepalive|slowbody --port P --path PATH [--wait W]
      keepalive: two GET requests on one connection, then wait (at most
      W seconds) for the server to close it.  slowbody: a POST whose
      body (announced as 1,000 bytes) comes one byte per 0.5 s, until the
      server closes the connection or W seconds pass.  Prints "answers N
      closed_after SECS" (SECS: -1 when still open after W seconds).

  hold-fds N -- CMD ARGS...
      Open N inheritable descriptors on /dev/null, then exec CMD: the
      daemon starts with descriptors already taken, as if a plugin or a
      validator held them.
"""

import argparse
import errno
import os
import resource
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"
CONNECT_SECS = 5.0      # a connect that takes longer is given up
DRIBBLE_SECS = 0.5      # one header byte per connection this often

# A TLS 1.2 record header and the start of a ClientHello that claims far
# more bytes than are ever sent.
PARTIAL_HELLO = bytes.fromhex("160301020001000200fc0303") + b"\x00" * 20


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Conn:
    __slots__ = ("sock", "kind", "state", "t0", "sent")

    def __init__(self, sock, kind):
        self.sock = sock
        self.kind = kind        # "http", "tls", "tls-silent"
        self.state = "connecting"
        self.t0 = time.monotonic()
        self.sent = 0


def attack(a):
    raise_nofile()
    sel = selectors.DefaultSelector()
    conns = {}
    stats = {"connects": 0, "connected": 0, "closed_by_server": 0,
             "connect_failed": 0}
    kinds = ["http"] * a.slow + [
        "tls" if i % 2 == 0 else "tls-silent" for i in range(a.tls)]

    bucket = [float(a.reconnect_rate), time.monotonic()]
    owed = []

    def refill():
        # A token bucket: at most reconnect_rate new connections a second.
        now = time.monotonic()
        bucket[0] = min(float(a.reconnect_rate),
                        bucket[0] + (now - bucket[1]) * a.reconnect_rate)
        bucket[1] = now

    def reopen(kind):
        refill()
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            open_one(kind)
        elif len(owed) < len(kinds):
            owed.append(kind)

    def open_one(kind):
        if stats["connects"] >= a.max_connects:
            return
        port = a.http_port if kind == "http" else a.https_port
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        stats["connects"] += 1
        rc = s.connect_ex((HOST, port))
        if rc not in (0, errno.EINPROGRESS):
            stats["connect_failed"] += 1
            s.close()
            return
        c = Conn(s, kind)
        conns[s.fileno()] = c
        sel.register(s, selectors.EVENT_WRITE, c)

    def drop(c, by_server):
        try:
            sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        conns.pop(c.sock.fileno(), None)
        c.sock.close()
        if by_server:
            stats["closed_by_server"] += 1

    def on_connected(c):
        err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err != 0:
            stats["connect_failed"] += 1
            drop(c, False)
            return False
        stats["connected"] += 1
        c.state = "open"
        sel.modify(c.sock, selectors.EVENT_READ, c)
        try:
            if c.kind == "http":
                c.sock.send(b"GET /v1/certs/x/status HTTP/1.1\r\n"
                            b"Host: 127.0.0.1\r\nX-Slow: ")
            elif c.kind == "tls":
                c.sock.send(PARTIAL_HELLO)
        except OSError:
            drop(c, True)
            return False
        return True

    start = time.monotonic()
    attack_end = start + a.secs
    hold_end = attack_end + a.hold
    for k in kinds:
        open_one(k)
    ready_written = False
    holding = False
    next_dribble = time.monotonic() + DRIBBLE_SECS
    while True:
        now = time.monotonic()
        if now >= hold_end:
            break
        if now < attack_end and a.stop_file and \
                os.path.exists(a.stop_file):
            attack_end = now
            hold_end = now + a.hold
        attacking = now < attack_end
        if not attacking and not holding:
            holding = True
            if a.hold_file:
                with open(a.hold_file, "w") as f:
                    f.write("%d\n" % len(conns))
        for key, ev in sel.select(timeout=0.05):
            c = key.data
            if c.state == "connecting":
                on_connected(c)
                continue
            try:
                data = c.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                drop(c, True)
                if attacking:
                    reopen(c.kind)
        now = time.monotonic()
        for c in [c for c in conns.values() if c.state == "connecting"
                  and now - c.t0 > CONNECT_SECS]:
            stats["connect_failed"] += 1
            drop(c, False)
            if attacking:
                reopen(c.kind)
        if not ready_written and a.ready_file and \
                stats["connected"] + stats["connect_failed"] >= len(kinds):
            with open(a.ready_file, "w") as f:
                f.write("%d\n" % len(conns))
            ready_written = True
        if attacking and owed:
            refill()
        while attacking and owed and bucket[0] >= 1.0:
            bucket[0] -= 1.0
            open_one(owed.pop())
        if attacking and now >= next_dribble:
            next_dribble = now + DRIBBLE_SECS
            for c in [c for c in conns.values()
                      if c.state == "open" and c.kind == "http"]:
                try:
                    c.sock.send(b"a")
                    c.sent += 1
                except OSError:
                    drop(c, True)
                    reopen(c.kind)
    if not ready_written and a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("%d\n" % len(conns))
    held = sum(1 for c in conns.values() if c.state == "open")
    for c in list(conns.values()):
        drop(c, False)
    print("connects %d connected %d closed_by_server %d connect_failed %d "
          "held_at_end %d" % (stats["connects"], stats["connected"],
                              stats["closed_by_server"],
                              stats["connect_failed"], held))
    return 0


def one_request(port, path, timeout):
    """(status, error): one GET on a new connection, within timeout."""
    deadline = time.monotonic() + timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect((HOST, port))
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Connection: close\r\n\r\n" % path).encode())
        buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, "timeout"
            s.settimeout(left)
            d = s.recv(65536)
            if not d:
                break
            buf += d
            if len(buf) > 1 << 20:
                return None, "answer too long"
        line = buf.split(b"\r\n", 1)[0].split()
        if len(line) < 2:
            return None, "no status line (%d bytes)" % len(buf)
        return int(line[1]), None
    except (OSError, ValueError) as e:
        return None, str(e) or type(e).__name__
    finally:
        s.close()


def pct(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    i = min(len(sorted_ms) - 1, int(round(p / 100.0 * len(sorted_ms))) - 1)
    return sorted_ms[max(i, 0)]


def good(a):
    lat, fails = [], {}
    for _ in range(a.count):
        t0 = time.monotonic()
        status, err = one_request(a.port, a.path, a.timeout)
        ms = (time.monotonic() - t0) * 1000.0
        if status == 200:
            lat.append(ms)
        else:
            why = err or "HTTP %s" % status
            fails[why] = fails.get(why, 0) + 1
    lat_sorted = sorted(lat)
    if a.latencies:
        with open(a.latencies, "w") as f:
            f.write("".join("%.3f\n" % x for x in lat))
    print("ok %d fail %d p50 %.1f p90 %.1f p99 %.1f max %.1f" % (
        len(lat), a.count - len(lat), pct(lat_sorted, 50),
        pct(lat_sorted, 90), pct(lat_sorted, 99),
        lat_sorted[-1] if lat_sorted else float("nan")))
    for why, n in sorted(fails.items()):
        print("failed %d: %s" % (n, why))
    return 0 if len(lat) == a.count else 1


def read_answer(s, deadline):
    """Status of one HTTP answer read from s (Content-Length framed)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        s.settimeout(max(deadline - time.monotonic(), 0.01))
        d = s.recv(4096)
        if not d:
            return None
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        s.settimeout(max(deadline - time.monotonic(), 0.01))
        d = s.recv(4096)
        if not d:
            return None
        body += d
    return int(head.split()[1])


def wait_closed(s, t0, deadline, dribble=False):
    """Seconds from t0 until the server closed s, or -1 at deadline."""
    while time.monotonic() < deadline:
        try:
            if dribble:
                s.send(b"a")
            s.settimeout(0.5)
            if s.recv(4096) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - t0
    return -1.0


def probe(a):
    answers, closed = 0, -1.0
    deadline = time.monotonic() + a.wait
    s = socket.create_connection((HOST, a.port), timeout=5)
    try:
        if a.kind == "keepalive":
            req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   % a.path).encode()
            for _ in range(2):
                s.sendall(req)
                if read_answer(s, deadline) == 200:
                    answers += 1
            t0 = time.monotonic()
            closed = wait_closed(s, t0, deadline)
        else:
            t0 = time.monotonic()
            s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: 1000\r\n\r\n{" % a.path).encode())
            closed = wait_closed(s, t0, deadline, dribble=True)
    except OSError as e:
        print("error %s" % e)
    finally:
        s.close()
    print("answers %d closed_after %.1f" % (answers, closed))
    return 0


def hold_fds(n, argv):
    for _ in range(n):
        fd = os.open("/dev/null", os.O_RDONLY)
        os.set_inheritable(fd, True)
    os.execvp(argv[0], argv)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "hold-fds":
        n = int(sys.argv[2])
        rest = sys.argv[3:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if not rest or not 0 <= n <= 4096:
            sys.exit("usage: hold-fds N -- CMD ARGS...")
        hold_fds(n, rest)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    at = sub.add_parser("attack")
    at.add_argument("--http-port", type=int, required=True)
    at.add_argument("--https-port", type=int, required=True)
    at.add_argument("--slow", type=int, default=1100)
    at.add_argument("--tls", type=int, default=600)
    at.add_argument("--secs", type=float, default=10.0)
    at.add_argument("--hold", type=float, default=0.0)
    at.add_argument("--max-connects", type=int, default=0)
    at.add_argument("--ready-file")
    at.add_argument("--stop-file")
    at.add_argument("--hold-file")
    at.add_argument("--reconnect-rate", type=int, default=2000)
    go = sub.add_parser("good")
    go.add_argument("--port", type=int, required=True)
    go.add_argument("--path", required=True)
    go.add_argument("--count", type=int, default=200)
    go.add_argument("--timeout", type=float, default=5.0)
    go.add_argument("--latencies")
    pr = sub.add_parser("probe")
    pr.add_argument("kind", choices=["keepalive", "slowbody"])
    pr.add_argument("--port", type=int, required=True)
    pr.add_argument("--path", required=True)
    pr.add_argument("--wait", type=float, default=10.0)
    a = p.parse_args()
    if a.mode == "attack":
        if not a.max_connects:
            a.max_connects = 4 * (a.slow + a.tls)
        a.secs = min(a.secs, 600.0)
        a.hold = min(a.hold, 600.0)
        sys.exit(attack(a))
    if a.mode == "probe":
        a.wait = min(a.wait, 600.0)
        sys.exit(probe(a))
    a.count = min(a.count, 100000)
    sys.exit(good(a))


if __name__ == "__main__":
    main()
