#!/usr/bin/env python3
"""Bounds that hold before memory is spent (issue 9 items 2 and 3): the real
gst-meeting-server and gst-meeting-peer on 127.0.0.1, attacked by raw
sockets.

  limits.py SERVER PEER [TEST...]

Tests:
  ws-flood-server  a never-ending fragmented WebSocket message (32 KiB
                   continuation frames, up to 1 GiB) against the server:
                   its memory stays bounded, that connection is closed, a
                   joined participant carries on; malformed frames close too
  ws-flood-client  the same from a hostile server against a participant's
                   session: its memory stays bounded, it drops the
                   connection and reports why
  conn-limits      connections that do not join within --join-timeout are
                   closed; --max-connections-per-address refuses the extra
  wss-bounds       the same bounds over wss:// (join timeout before TLS,
                   a flood inside TLS)
  fd-exhaustion    the server under a low RLIMIT_NOFILE: connections until
                   it can accept no more, then released: a new participant
                   joins

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import base64
import hashlib
import os
import resource
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import meetinglib as meeting  # noqa: E402
from meetinglib import Fail, check, log, RawWebSocket, ws_frame  # noqa: E402

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
FRAME = 32 * 1024
GIB = 1 << 30
MIB = 1 << 20


def rss(pid):
    """VmRSS of a process in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise Fail("no VmRSS for %d" % pid)


class RssWatch:
    """The largest VmRSS of a process, sampled every 20 ms."""

    def __init__(self, pid):
        self.pid = pid
        self.base = rss(pid)
        self.peak = self.base
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            try:
                self.peak = max(self.peak, rss(self.pid))
            except (OSError, Fail):
                return
            time.sleep(0.02)

    def done(self):
        self.stop = True
        self.t.join()
        return self.peak - self.base


def flood(sock, mask, limit=GIB):
    """Sends one text message as FRAME-byte frames that never finish, up to
    limit bytes; returns the bytes sent when the peer stopped taking them
    (None if it took all of them)."""
    first = ws_frame(1, b"x" * FRAME, False, mask)
    cont = ws_frame(0, b"x" * FRAME, False, mask)
    sock.settimeout(10)
    sent = 0
    try:
        sock.sendall(first)
        sent += FRAME
        while sent < limit:
            sock.sendall(cont)
            sent += FRAME
    except socket.timeout:
        raise Fail("the peer stopped reading but kept the connection open "
                   "after %d bytes" % sent)
    except OSError:
        return sent
    return None


def join(port, room, name, tls=None):
    ws = RawWebSocket(port, room, tls)
    ws.join(name, receive=False)
    return ws


def alive(ws, what):
    ws.ping("%s: the connection was closed" % what)


def server_log():
    with open(os.path.join(meeting.TMP, "server.err")) as f:
        return f.read()


# ------------------------------------------------------------- the tests

def test_ws_flood_server():
    srv = meeting.Server()
    try:
        alice = join(srv.port, "flood", "alice")
        watch = RssWatch(srv.proc.pid)
        t0 = time.monotonic()
        mallory = RawWebSocket(srv.port, "flood")
        sent = flood(mallory.s, True)
        grew = watch.done()
        check(sent is not None, "the server took 1 GiB of one message")
        log("the server closed the flooding connection after %.1f MiB sent "
            "(%.2f s); its VmRSS grew by %.1f MiB at most" %
            (sent / MIB, time.monotonic() - t0, grew / MIB))
        # 64 KiB messages (--max-message); what the kernel's socket
        # buffers took is not the server's memory
        check(sent < 64 * MIB, "closed only after %d bytes" % sent)
        check(grew < 16 * MIB, "the server's memory grew by %d bytes" % grew)
        check("WebSocket message over 65536 bytes" in server_log(),
              "the server logs why it closed the connection")
        alive(alice, "alice after the flood")

        # malformed frames close the connection too
        for what, data in (
                ("reserved opcode", ws_frame(3, b"abc", True, True)),
                ("unmasked frame", ws_frame(1, b'{"type":"ping"}', True,
                                            False)),
                ("fragmented ping", ws_frame(9, b"x", False, True)),
                ("126-byte ping", ws_frame(9, b"x" * 126, True, True)),
                ("continuation first", ws_frame(0, b"x", True, True)),
                ("RSV1 bit", bytes([0xC1]) + ws_frame(1, b"{}", True,
                                                      True)[1:]),
                ("64-bit length, top bit",
                 bytes([0x81, 0xFF]) + struct.pack("!Q", 1 << 63) +
                 os.urandom(4))):
            ws = RawWebSocket(srv.port, "flood")
            ws.s.sendall(data)
            check(ws.recv() is None, "%s: connection not closed" % what)
        log("malformed frames close the connection")
        alive(alice, "alice after the malformed frames")
    finally:
        srv.stop()


class HostileServer:
    """A WebSocket server that answers the handshake and the join (a
    welcome: the meeting is joined, so the session's reconnect patience
    applies), then sends one text message that never ends."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.results = []  # bytes sent per connection (None: all of it)
        self.connected = threading.Event()
        self.peer_rss = None
        self.pid = None
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        try:
            req = b""
            while b"\r\n\r\n" not in req:
                chunk = c.recv(4096)
                if not chunk:
                    return
                req += chunk
            key = None
            for line in req.split(b"\r\n"):
                if line.lower().startswith(b"sec-websocket-key:"):
                    key = line.split(b":", 1)[1].strip()
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\n"
                      b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            if self.connected.is_set():
                c.close()  # later reconnections: refused at once
                return
            welcome = ('{"type":"welcome","version":1,"id":"p1",'
                       '"room":"flood","instance":"%s","roster":[],'
                       '"streams":[]}' % ("00" * 16))
            c.sendall(ws_frame(1, welcome.encode(), True, False))
            time.sleep(3)  # the pipeline settles before it is measured
            watch = RssWatch(self.pid) if self.pid else None
            self.connected.set()
            sent = flood(c, False)
            self.results.append((sent, watch.done() if watch else None))
        except Fail as e:
            self.results.append((str(e), None))
        finally:
            c.close()

    def close(self):
        self.ls.close()


def test_ws_flood_client():
    hostile = HostileServer()
    peer = None
    try:
        peer = meeting.Peer("ws://127.0.0.1:%d/flood" % hostile.port, "alice",
                            "--reconnect-timeout", "30")
        # the process is up (GStreamer loaded) before the flood is measured
        hostile.pid = peer.proc.pid
        check(hostile.connected.wait(30), "the session never connected")
        ev = peer.wait(lambda e: e["event"] == "disconnected", 60,
                       "the session to drop the connection")
        meeting.wait_for(lambda: hostile.results, 20,
                         "the hostile server to see the end")
        sent, grew = hostile.results[0]
        check(isinstance(sent, int),
              "the session took 1 GiB of one message" if sent is None
              else sent)
        log("the session dropped the connection after %.1f MiB sent; its "
            "VmRSS grew by %.1f MiB at most; it reported: %s" %
            (sent / MIB, grew / MIB, ev["reason"]))
        # 1 MiB messages in the session (MAX_SIGNALING_MESSAGE)
        check(sent < 64 * MIB, "dropped only after %d bytes" % sent)
        # (unguarded, it grows by the whole 1 GiB)
        check(grew < 64 * MIB, "the session's memory grew by %d bytes" % grew)
        check("WebSocket message over 1048576 bytes" in ev["reason"],
              "the session reports why: %s" % ev["reason"])
    finally:
        if peer:
            peer.kill()
        hostile.close()


def wait_closed(sock, timeout):
    """Seconds until the server closed sock (None: still open)."""
    t0 = time.monotonic()
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return time.monotonic() - t0
    except socket.timeout:
        return None
    except OSError:
        return time.monotonic() - t0


def test_conn_limits():
    jt = 3
    srv = meeting.Server("--join-timeout", str(jt),
                         "--max-connections-per-address", "4")
    try:
        alice = join(srv.port, "limits", "alice")
        t0 = time.monotonic()
        idle = [socket.create_connection(("127.0.0.1", srv.port))]
        idle.append(RawWebSocket(srv.port, "limits").s)  # upgraded, no join
        idle.append(socket.create_connection(("127.0.0.1", srv.port)))
        idle[-1].sendall(b"GET /limits HTTP/1.1\r\nHost: x\r\n")  # half
        # the fifth from 127.0.0.1 is refused at once
        extra = socket.create_connection(("127.0.0.1", srv.port))
        t = wait_closed(extra, 2)
        check(t is not None, "the connection over the per-address limit "
              "stays open")
        log("the 5th connection from 127.0.0.1 was closed after %.2f s" % t)
        check("--max-connections-per-address" in server_log(),
              "the refusal is logged")
        for i, s in enumerate(idle):
            t = wait_closed(s, jt + 5 - (time.monotonic() - t0))
            check(t is not None, "unjoined connection %d stays open" % i)
        took = time.monotonic() - t0
        check(took >= jt - 0.5, "closed before the join timeout (%.1f s)" %
              took)
        log("3 unjoined connections closed after %.1f s (--join-timeout "
            "%d)" % (took, jt))
        check("not joined within 3 s" in server_log(), "the close is logged")
        alive(alice, "alice (joined) after the join timeout")
        # room again under the per-address limit
        bob = join(srv.port, "limits", "bob")
        alive(bob, "bob")
        log("a joined participant stays; a new one joins")

        # every kind of connection gives its slot back when it closes (the
        # server sees a close a little after the client: a connection
        # refused meanwhile is tried again)
        def kind_tcp():
            socket.create_connection(("127.0.0.1", srv.port)).close()

        def kind_404():
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.sendall(b"GET /no/such/room HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(5)
            answer = s.recv(4096)
            s.close()
            if not answer:
                raise OSError("refused")
            check(answer.startswith(b"HTTP/1.1 404"), "answer %r" % answer)

        def kind_upgraded():
            RawWebSocket(srv.port, "limits").s.close()

        def kind_joined():
            ws = join(srv.port, "limits", "carol")
            ws.send('{"type":"leave"}')
            for _ in range(100):  # candidates may come before the close
                if ws.recv() is None:
                    break
            check(ws.closed, "leave closes")
            ws.s.close()

        retries = 0
        for i in range(8):
            for kind in (kind_tcp, kind_404, kind_upgraded, kind_joined):
                deadline = time.monotonic() + 10
                while True:
                    try:
                        kind()
                        break
                    except (Fail, OSError) as e:
                        check(time.monotonic() < deadline,
                              "%s: refused for 10 s: %s" % (kind.__name__, e))
                        retries += 1
                        time.sleep(0.05)
        # alice and bob hold 2 of the 4 slots: 2 more, not 3
        held = []
        deadline = time.monotonic() + 10
        while len(held) < 2:
            check(time.monotonic() < deadline,
                  "closed connections still hold their slots")
            try:
                held.append(RawWebSocket(srv.port, "limits"))
            except (Fail, OSError):
                time.sleep(0.2)  # the server has not seen a close yet
        extra = socket.create_connection(("127.0.0.1", srv.port))
        check(wait_closed(extra, 2) is not None,
              "a 5th connection after the churn was not refused")
        log("32 closed connections of 4 kinds gave their slots back (%d "
            "tries refused while the server had not seen a close yet)" %
            retries)
    finally:
        srv.stop()


def test_wss_bounds():
    import ssl
    cert, key = meeting.make_cert(meeting.TMP)
    ctx = ssl.create_default_context(cafile=cert)
    srv = meeting.Server("--tls-cert", cert, "--tls-key", key,
                         "--join-timeout", "2")
    try:
        t0 = time.monotonic()
        idle = socket.create_connection(("127.0.0.1", srv.port))
        alice = join(srv.port, "tls", "alice", ctx)
        t = wait_closed(idle, 10)
        check(t is not None and time.monotonic() - t0 >= 1.5,
              "a connection that never starts TLS is closed after the join "
              "timeout (%s)" % t)
        log("a connection that never began TLS was closed after %.1f s "
            "(--join-timeout 2)" % (time.monotonic() - t0))
        watch = RssWatch(srv.proc.pid)
        mallory = RawWebSocket(srv.port, "tls", ctx)
        sent = flood(mallory.s, True)
        grew = watch.done()
        check(sent is not None, "the server took 1 GiB of one message")
        check(sent < 64 * MIB and grew < 16 * MIB,
              "sent %d, the server grew by %d bytes" % (sent, grew))
        log("over wss:// the flooding connection was closed after %.1f MiB "
            "sent; the server's VmRSS grew by %.1f MiB at most" %
            (sent / MIB, grew / MIB))
        alive(alice, "alice over wss:// after the flood and the timeout")
    finally:
        srv.stop()


def test_fd_exhaustion():
    nofile = 64

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    srv = meeting.Server("--join-timeout", "60", "--max-connections", "1000",
                         "--max-connections-per-address", "1000",
                         preexec_fn=low_limit)
    port = srv.port
    socks = []
    try:
        alice = join(port, "fds", "alice")
        refused = False
        for i in range(200):
            s = socket.create_connection(("127.0.0.1", port))
            socks.append(s)
            s.sendall((
                "GET /fds HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                % base64.b64encode(os.urandom(16)).decode()).encode())
            answer = None
            for wait in (2, 10):
                s.settimeout(wait)
                try:
                    answer = s.recv(4096)
                    break
                except socket.timeout:
                    # not accepted (it waits in the backlog), or only slow
                    if "Too many open files" in server_log():
                        break
            if answer is None:
                refused = True
                break
            check(answer.startswith(b"HTTP/1.1 101 "), "answer %r" % answer)
        check(refused, "the server accepted 200 connections under "
              "RLIMIT_NOFILE %d" % nofile)
        log("out of descriptors after %d connections" % (len(socks) - 1))
        check("Too many open files" in server_log(),
              "the server logs that it cannot accept")
        alive(alice, "alice while the server is out of descriptors")
        for s in socks:
            s.close()
        socks = []
        t0 = time.monotonic()
        bob = join(port, "fds", "bob")
        alive(bob, "bob")
        log("after the release a new participant joined in %.2f s" %
            (time.monotonic() - t0))
        alive(alice, "alice")
        check(srv.proc.poll() is None, "the server died")
    finally:
        for s in socks:
            s.close()
        srv.stop()


TESTS = {
    "ws-flood-server": test_ws_flood_server,
    "ws-flood-client": test_ws_flood_client,
    "conn-limits": test_conn_limits,
    "wss-bounds": test_wss_bounds,
    "fd-exhaustion": test_fd_exhaustion,
}


if __name__ == "__main__":
    sys.exit(meeting.main(__doc__, TESTS, "limits"))
