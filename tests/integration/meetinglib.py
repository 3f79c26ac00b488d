"""Helpers of the meeting integration tests (meeting.py, limits.py): the
server and participant processes, a raw WebSocket client and its frames,
capture and key readers, the SFrame reference check, board statistics and
floods, a test certificate, the command line (main, which sets SERVER,
PEER and TMP). launchlib.py and tests/fuzz/meeting-seeds.py use parts.

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import base64
import json
import os
import queue
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import sframe_ref  # noqa: E402

SERVER = PEER = None
TMP = None

# name: (tone Hz, colour)
PEOPLE = {
    "alice": (440, 0xff0000),
    "bob": (660, 0x00ff00),
    "carol": (880, 0x0000ff),
}


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def log(*a):
    print(*a, flush=True)


def wait_for(pred, timeout, what):
    """Polls pred until it is true (its value) or fails after timeout s;
    what (or what(), for the state at the end) names what was waited for."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise Fail("timed out (%d s): %s" % (timeout, what() if callable(what)
                                         else what))


# ------------------------------------------------------------- processes

class Server:
    def __init__(self, *extra, port=0, host="127.0.0.1", preexec_fn=None):
        self.proc = subprocess.Popen(
            [SERVER, "--listen", "%s:%d" % (host, port)] + list(extra),
            stdout=subprocess.PIPE, stderr=open(
                os.path.join(TMP, "server.err"), "a"), text=True,
            preexec_fn=preexec_fn)
        line = self.proc.stdout.readline().strip()
        check(line.startswith("listening on ws://%s:" % host) or
              line.startswith("listening on wss://%s:" % host),
              "server did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])
        self.url = line.split()[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise Fail("server did not stop on SIGTERM")
            check(rc == 0, "server exited %d on SIGTERM" % rc)


class Peer:
    """A gst-meeting-peer process and the JSON lines it prints."""

    def __init__(self, url, name, *extra, prefix=()):
        tone, colour = PEOPLE[name]
        self.name = name
        self.files = {k: os.path.join(TMP, "%s.%s" % (name, k))
                      for k in ("keys", "plain", "seq", "err")}
        self.proc = subprocess.Popen(
            list(prefix) + [PEER, "--uri", url, "--name", name, "--tone", str(tone),
             "--color", "0x%06x" % colour, "--status-interval", "500",
             "--keys-out", self.files["keys"],
             "--plain-out", self.files["plain"]] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(self.files["err"], "w"), text=True)
        self.events = queue.Queue()
        self.history = []
        self.status = None
        self.id = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev["event"] == "status":
                self.status = ev
            if ev["event"] == "connected":
                self.id = ev["id"]
            self.events.put(ev)
        self.events.put(None)

    def next_event(self, end, what):
        """The next event (None: the process's stdout closed) before the
        time.monotonic() end; fails with what otherwise."""
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("%s: %s (last status %s)" %
                           (self.name, what, json.dumps(self.status)))
            try:
                return self.events.get(timeout=left)
            except queue.Empty:
                continue

    def wait(self, pred, timeout, what):
        """Waits for a new event for which pred is true."""
        end = time.monotonic() + timeout
        while True:
            ev = self.next_event(end, "timed out waiting for " + what)
            if ev is None:
                raise Fail("%s exited while waiting for %s" %
                           (self.name, what))
            self.history.append(ev)
            if ev["event"] == "error":
                raise Fail("%s: pipeline error %s" % (self.name, ev))
            if pred(ev):
                return ev

    def drain_now(self):
        """Moves every event already received into history (wait() only
        records the events it went through)."""
        while True:
            try:
                ev = self.events.get_nowait()
            except queue.Empty:
                return
            if ev is None:
                self.events.put(None)
                return
            self.history.append(ev)

    def command(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

    def quit(self):
        if self.proc.poll() is None:
            self.command("quit")
            try:
                rc = self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise Fail("%s did not leave in time" % self.name)
            check(rc == 0, "%s exited %d" % (self.name, rc))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_peers(peers, url, names, *extra):
    """A Peer for each of names, 0.3 s apart, appended to peers (the
    caller's finally kills them)."""
    for name in names:
        peers.append(Peer(url, name, *extra))
        time.sleep(0.3)


def hears_audio(st, others, min_packets=100):
    """True if status st shows every other's tone decrypted."""
    if st.get("event") != "status":
        return False
    for o in others:
        tone = PEOPLE[o][0]
        a = st["streams"].get(o + "_audio_0")
        if not a or a["packets"] < min_packets or \
                abs(a["tone"] - tone) > tone * 0.02:
            return False
    return True


def hears(st, others, min_packets=100):
    """True if status st shows every other's tone and picture decrypted."""
    if not hears_audio(st, others, min_packets):
        return False
    for o in others:
        colour = PEOPLE[o][1]
        v = st["streams"].get(o + "_video_0")
        if not v or v["frames"] < min_packets // 4:
            return False
        want = [(colour >> 16) & 255, (colour >> 8) & 255, colour & 255]
        if any(abs(x - y) > 40 for x, y in zip(v["rgb"], want)):
            return False
    return True


def all_hear(peers, timeout, min_packets=100, hear=hears):
    """Waits until every peer decrypts every other (hear: what that
    takes, hears or hears_audio)."""
    for p in peers:
        others = [q.name for q in peers if q is not p]
        p.wait(lambda st: hear(st, others, min_packets), timeout,
               "decrypting " + ", ".join(others))


def all_hear_audio(peers, timeout, min_packets=100):
    all_hear(peers, timeout, min_packets, hears_audio)


def same_meeting(peers):
    st = [p.wait(lambda s: s["event"] == "status" and
                 len(s["roster"]) == len(peers), 20, "the full roster")
          for p in peers]
    codes = {s["code"] for s in st}
    check(len(codes) == 1 and None not in codes,
          "security codes differ: %s" % codes)
    check(len({s["leader"] for s in st}) == 1, "leaders differ")
    return st[0]


def hear_anew(peers, timeout, hear=all_hear):
    """Every peer's counts reset, then all decrypt each other again (hear:
    all_hear or all_hear_audio) in one meeting: its status."""
    for p in peers:
        p.command("reset")
    hear(peers, timeout)
    return same_meeting(peers)


# ------------------------------------------------------------- websocket

def ws_frame(opcode, payload, fin=True, mask=True, key=None):
    """One WebSocket frame; masked (as a client sends) with key, 4 random
    bytes if None."""
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        h = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        h = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return h + payload
    key = key or os.urandom(4)
    k = (key * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")) \
        .to_bytes(n, "big") if n else b""
    return h + key + body


class RawWebSocket:
    """A deliberately plain WebSocket client that can send anything."""

    def __init__(self, port, path, tls=None):
        """tls: an ssl.SSLContext for wss://."""
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            self.s = tls.wrap_socket(self.s, server_hostname="127.0.0.1")
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((
            "GET /%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = self.s.recv(4096)
            check(chunk, "handshake closed")
            resp += chunk
        check(b" 101 " in resp.split(b"\r\n")[0], "no upgrade: %r" % resp)
        self.buf = resp.split(b"\r\n\r\n", 1)[1]
        self.closed = False

    def send(self, data, opcode=1):
        if isinstance(data, str):
            data = data.encode()
        try:
            self.s.sendall(ws_frame(opcode, data))
        except OSError:
            self.closed = True

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def recv(self, timeout=5):
        """The next text message as a dict, or None when closed."""
        self.s.settimeout(timeout)
        try:
            while True:
                self._need(2)
                op, ln = self.buf[0] & 15, self.buf[1] & 127
                pos = 2
                if ln == 126:
                    self._need(4)
                    ln = struct.unpack("!H", self.buf[2:4])[0]
                    pos = 4
                elif ln == 127:
                    self._need(10)
                    ln = struct.unpack("!Q", self.buf[2:10])[0]
                    pos = 10
                self._need(pos + ln)
                payload = self.buf[pos:pos + ln]
                self.buf = self.buf[pos + ln:]
                if op == 8:
                    self.closed = True
                    return None
                if op == 9:
                    self.send(payload, 10)
                    continue
                if op == 1:
                    return json.loads(payload)
        except (EOFError, OSError):
            self.closed = True
            return None

    def join(self, name, **fields):
        """Joins as name; the welcome (fails if the server refuses)."""
        self.send(json.dumps(dict(type="join", name=name, **fields)))
        while True:
            m = self.recv()
            check(m is not None, "%s was refused" % name)
            if m["type"] == "welcome":
                return m

    def ping(self, what):
        """A ping answered; fails with what if the connection closes."""
        self.send('{"type":"ping"}')
        while True:
            m = self.recv()
            check(m is not None, what)
            if m["type"] == "pong":
                return

    def expect_error(self, code):
        while True:
            m = self.recv()
            check(m is not None, "closed before error %s" % code)
            if m["type"] == "error":
                check(m["code"] == code, "wanted error %s, got %s" %
                      (code, m))
                return m


# ----------------------------------------------------------- the capture

def read_capture(path):
    """[(dir, channel, bytes)] of a --capture file."""
    data = open(path, "rb").read()
    check(data[:8] == b"GSTMCAP1", "not a capture file")
    out, pos = [], 8
    while pos + 8 <= len(data):
        d, c = chr(data[pos]), chr(data[pos + 1])
        n = struct.unpack("!I", data[pos + 4:pos + 8])[0]
        out.append((d, c, data[pos + 8:pos + 8 + n]))
        pos += 8 + n
    return out


def plaintext_chunks(path):
    """16-byte pieces of every payload a participant sent in the clear, by
    kind ('a' audio, 'v' video: gst-meeting-peer --plain-out), and the
    number of packets of each kind."""
    chunks = {"a": set(), "v": set()}
    packets = {"a": 0, "v": 0}
    data = open(path, "rb").read()
    pos = 0
    while pos + 5 <= len(data):
        kind = chr(data[pos])
        n = struct.unpack("!I", data[pos + 1:pos + 5])[0]
        p = data[pos + 5:pos + 5 + n]
        pos += 5 + n
        packets[kind] += 1
        for i in range(0, len(p) - 15, 16):
            c = p[i:i + 16]
            if len(set(c)) >= 4:  # runs of one or two byte values say nothing
                chunks[kind].add(c)
    return chunks, packets


def read_keys(path):
    lines = [json.loads(x) for x in open(path) if x.strip()]
    suite = lines[0]["suite"]
    return suite, [(k["kid"], bytes.fromhex(k["key"])) for k in lines[1:]]


def sframe_packets(capture):
    """(kid, metadata, sframe) of every RTP packet the server relayed."""
    out = []
    for d, c, b in capture:
        if c != "m" or len(b) < 13 or 192 <= b[1] <= 223:
            continue
        cc = b[0] & 15
        hl = 12 + 4 * cc
        if b[0] & 0x10:
            hl += 4 + 4 * struct.unpack("!H", b[hl + 2:hl + 4])[0]
        payload = b[hl:]
        try:
            kid, _, _ = sframe_ref.decode_header(payload)
        except sframe_ref.SFrameError:
            continue
        metadata = bytes([b[1] >> 7, b[1] & 127])  # marker, payload type
        out.append((kid, metadata, payload))
    return out


def decrypts(suite, key, metadata, payload):
    try:
        sframe_ref.Context(sframe_ref.suite_by_nick(suite), key).decrypt(
            metadata, payload)
        return True
    except sframe_ref.SFrameError:
        return False




# ------------------------------------------------------ the board (C1)

LATE = {"dave": (550, 0xffff00)}  # a late joiner, for the board tests


class BoardStats:
    """Reads the server's --stats-interval lines: the latest board line of
    a room, and every one seen."""

    def __init__(self, srv, room):
        self.lines = []
        self.room = room
        threading.Thread(target=self._read, args=(srv.proc.stdout,),
                         daemon=True).start()

    def _read(self, f):
        for line in f:
            w = line.split()
            if w and w[0] == "board" and w[1] == "room=" + self.room:
                self.lines.append({k: (int(v) if v.isdigit() else v)
                                   for k, v in (x.split("=", 1)
                                                for x in w[1:])})

    def wait_new(self, timeout=5):
        n = len(self.lines)
        wait_for(lambda: len(self.lines) > n, timeout, "a board stats line")
        return self.lines[-1]


def flood(ws, seconds, rate):
    """Junk board posts from a raw client at rate per second: half without a
    slot, half with one (64 names, some of them the key exchange's), small
    and large. Returns the error codes it got, by count."""
    codes = {}
    slots = ["j%d" % i for i in range(60)] + \
        ["announce", "keys", "roster", "heartbeat"]
    sizes = [200, 45000]  # ~19 MB in 7 s: more than the old 16 MiB board
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < seconds:
        msg = {"type": "board", "data": base64.b64encode(
            os.urandom(sizes[i % 2])).decode()}
        if i % 2:
            msg["slot"] = slots[(i // 2) % len(slots)]
        ws.send(json.dumps(msg))
        i += 1
        # read what came (our own posts, pings), without waiting
        while not ws.closed and select.select([ws.s], [], [], 0)[0]:
            m = ws.recv(5)
            if m and m["type"] == "error":
                codes[m["code"]] = codes.get(m["code"], 0) + 1
        time.sleep(max(0.0, t0 + (i / rate) - time.monotonic()))
    return i, codes



def make_cert(directory):
    """A self-signed certificate for 127.0.0.1 (python3-cryptography)."""
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path



def drain(peer, timeout):
    """Every event of peer until its process ends (None: its stdout closed),
    errors included; fails if that takes longer than timeout."""
    end = time.monotonic() + timeout
    out = []
    while True:
        ev = peer.next_event(end, "still running after %.0f s" % timeout)
        if ev is None:
            return out
        out.append((time.monotonic(), ev))


def main(doc, tests, prefix):
    """The command line of meeting.py and limits.py: SERVER PEER [TEST...],
    each test in its own TMP (kept when it fails); 77 (meson's "skipped")
    when every test was skipped."""
    global SERVER, PEER, TMP
    if len(sys.argv) < 3:
        print(doc)
        return 2
    SERVER, PEER = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or list(tests)
    failed = skipped = 0
    for name in names:
        TMP = tempfile.mkdtemp(prefix="%s-%s-" % (prefix, name))
        t0 = time.monotonic()
        try:
            tests[name]()
            log("ok %s (%.1f s)" % (name, time.monotonic() - t0))
            shutil.rmtree(TMP)
        except Fail as e:
            failed += 1
            log("FAIL %s: %s (logs in %s)" % (name, e, TMP))
        except Skip as e:
            skipped += 1
            log("skip %s: %s" % (name, e))
            shutil.rmtree(TMP)
    if failed:
        return 1
    return 77 if skipped == len(names) else 0
