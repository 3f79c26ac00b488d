#!/usr/bin/env python3
"""Integration tests of the meeting transport: the real gst-meeting-server and
real participant processes (gst-meeting-peer: meetingsink, meetingsrc,
keyexchange, e2eeenc, e2eedec) on 127.0.0.1.

  meeting.py SERVER PEER [TEST...]

Tests: meeting (three parties, a leave, the capture), flood (a participant
floods the board), board-bound (the board stays bounded under heartbeats
and rekeys), hostile (a malicious client, then the leader killed), restart
(the server restarts), faults (loss, reordering and duplication in the
relay), tls, ratelimit, media (a participant whose UDP is blocked;
media-failed), media-netns (the same, blocked in a network namespace:
root only), first-join (an unreachable server is an ERROR of a
gst-launch-1.0 line). Each starts and stops its own processes and is
bounded in time.

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import meetinglib as lib  # noqa: E402
from meetinglib import (  # noqa: E402,F401
    Fail, Skip, check, log, Server, Peer, start_peers, hears, all_hear,
    same_meeting, RawWebSocket, read_capture, plaintext_chunks, read_keys,
    sframe_packets, decrypts, PEOPLE, LATE, hears_audio, all_hear_audio,
    BoardStats, flood, make_cert, drain, hear_anew, HERE)


# ----------------------------------------------------------------- tests

def test_meeting():
    cap = os.path.join(lib.TMP, "meeting.cap")
    srv = Server("--capture", cap)
    url = srv.url + "/meeting"
    peers = []
    try:
        start_peers(peers, url, PEOPLE)
        all_hear(peers, 40)
        st = same_meeting(peers)
        log("three parties decrypt each other; epoch %d, leader %s, code %s"
            % (st["epoch"], st["leader"], st["code"]))
        kfr = [p.status["keyframe_requests"] for p in peers]
        check(all(k >= 1 for k in kfr),
              "every sender got a keyframe request (PLI): %s" % kfr)

        # carol leaves: the other two go on under a new epoch
        carol = peers.pop()
        last_epoch = carol.status["epoch"]
        carol.quit()
        for p in peers:
            p.wait(lambda s: s["event"] == "epoch" and
                   s["epoch"] > last_epoch and len(s["roster"]) == 2, 20,
                   "the epoch after carol left")
            p.command("reset")
        all_hear(peers, 30)
        st2 = same_meeting(peers)
        log("after carol left: epoch %d" % st2["epoch"])
        time.sleep(1)
        for p in peers:
            p.quit()
    finally:
        for p in peers:
            p.kill()
        srv.stop()

    capture = read_capture(cap)
    media = sum(1 for _, c, _ in capture if c == "m")
    log("capture: %d records, %d media packets" % (len(capture), media))
    check(media > 1000, "the capture has the meeting's media")
    blob = b"".join(b for _, _, b in capture)

    # no test-pattern plaintext, no key, anywhere in what the server saw
    keys = []
    for name in PEOPLE:
        by_kind, packets = plaintext_chunks(
            os.path.join(lib.TMP, name + ".plain"))
        check(packets["a"] > 100 and len(by_kind["a"]) > 10,
              "%s logged its audio plaintext (%d packets, %d pieces)"
              % (name, packets["a"], len(by_kind["a"])))
        # a solid-colour VP8 picture: a keyframe, then near-identical small
        # inter frames, so few distinct pieces, each sent many times
        check(packets["v"] > 20 and len(by_kind["v"]) >= 3,
              "%s logged its video plaintext (%d packets, %d pieces)"
              % (name, packets["v"], len(by_kind["v"])))
        chunks = by_kind["a"] | by_kind["v"]
        found = sum(1 for i in range(len(blob) - 15)
                    if blob[i:i + 16] in chunks)
        check(found == 0, "%d plaintext pieces of %s in the capture" %
              (found, name))
        log("%s: none of %d audio and %d video plaintext pieces (of %d and "
            "%d packets) in the capture" % (name, len(by_kind["a"]),
                                            len(by_kind["v"]), packets["a"],
                                            packets["v"]))
        suite, k = read_keys(os.path.join(lib.TMP, name + ".keys"))
        keys += [key for _, key in k]
    check(len(keys) >= 9, "keys were logged")
    for key in keys:
        check(key not in blob and key[:16] not in blob,
              "a media key is in the capture")
    log("no plaintext piece and none of %d keys in %d captured bytes"
        % (len(keys), len(blob)))

    # the leaver: nothing sent after her last epoch decrypts with her keys
    suite, carol_keys = read_keys(os.path.join(lib.TMP, "carol.keys"))
    carol_kids = {kid for kid, _ in carol_keys}
    pkts = sframe_packets(capture)
    later = [p for p in pkts if p[0] >> 16 > last_epoch]
    check(len(later) > 100, "packets of the epoch after the leave: %d" %
          len(later))
    for kid, md, payload in later:
        for _, key in carol_keys:
            check(not decrypts(suite, key, md, payload),
                  "carol decrypts KID %d after leaving" % kid)
    held = [p for p in pkts if p[0] in carol_kids][:200]
    ok = sum(1 for kid, md, payload in held
             if decrypts(suite, dict(carol_keys)[kid], md, payload))
    check(ok > 0 and ok == len(held),
          "carol's own keys decrypt the packets of her epochs (%d/%d)"
          % (ok, len(held)))
    log("carol's %d keys decrypt %d packets of her epochs and none of %d "
        "later ones" % (len(carol_keys), ok, len(later)))


def test_hostile():
    srv = Server("--max-message", "4096", "--rate", "50")
    url = srv.url + "/hostile"
    peers = []
    try:
        start_peers(peers, url, PEOPLE)
        all_hear(peers, 40)
        st = same_meeting(peers)

        # mallory: bad input of every kind
        ws = RawWebSocket(srv.port, "hostile")
        ws.send("not json")
        ws.expect_error("bad-request")
        ws.send("[1,2,3]")
        ws.expect_error("bad-request")
        ws.send('{"type":"board","data":"AAAA"}')
        ws.expect_error("not-joined")
        welcome = ws.join("mallory")
        ssrc = welcome["streams"][0]["ssrc"]
        ws.send('{"type":"frobnicate"}')
        ws.expect_error("bad-request")
        ws.send('{"type":"publish","stream":"audio_0","kind":"audio",'
                '"ssrc":%d,"caps":"application/x-rtp","e2ee":true}' % ssrc)
        ws.expect_error("ssrc-taken")
        ws.send('{"type":"publish","stream":"audio_1","kind":"audio",'
                '"ssrc":7,"caps":"application/x-rtp","e2ee":false}')
        ws.expect_error("e2ee-required")
        ws.send('{"type":"candidate","candidate":"a=candidate:garbage"}')
        ws.expect_error("bad-request")
        ws.send('{"type":"ice","ufrag":"x","pwd":"y"}')
        ws.expect_error("bad-request")
        for _ in range(5):  # forged key-exchange messages, to everybody
            ws.send(json.dumps({"type": "board", "data": base64.b64encode(
                os.urandom(200)).decode()}))
        # forged media at the server's media port, with alice's SSRC
        cands = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not cands:
            m = ws.recv(1)
            if m and m["type"] == "candidate":
                cands.append(m["candidate"])
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for c in cands:
            f = c.split()
            port = int(f[5])
            for i in range(300):
                rtp = struct.pack("!BBHII", 0x80, 96, i, i, ssrc)
                udp.sendto(rtp + os.urandom(100), ("127.0.0.1", port))
                udp.sendto(os.urandom(60), ("127.0.0.1", port))
        udp.close()
        ws.send("x" * 5000)  # over --max-message: fatal
        m = ws.recv()
        while m is not None and m.get("code") != "too-big":
            m = ws.recv()
        check(ws.recv() is None, "oversized message closes the connection")
        # a flood from a second connection
        ws2 = RawWebSocket(srv.port, "hostile")
        for _ in range(300):
            ws2.send('{"type":"ping"}')
        codes = set()
        while True:
            m = ws2.recv()
            if m is None:
                break
            if m["type"] == "error":
                codes.add(m["code"])
        check("rate-limited" in codes, "flood is rate-limited: %s" % codes)
        log("mallory's bad input got the right errors")

        check(hear_anew(peers, 30)["code"] == st["code"],
              "the meeting is the same after mallory")
        log("everybody still decrypts everybody")

        # the leader is SIGKILLed: the others go on under a new leader
        leader = next(p for p in peers if p.id == st["leader"])
        leader.kill()
        peers.remove(leader)
        log("killed leader %s (%s)" % (leader.name, leader.id))
        for p in peers:
            p.wait(lambda s: s["event"] == "epoch" and
                   s["leader"] != leader.id and len(s["roster"]) == 2, 30,
                   "a new leader")
            p.command("reset")
        all_hear(peers, 30)
        st2 = same_meeting(peers)
        check(st2["leader"] != leader.id, "a new leader")
        log("new leader %s, epoch %d, media resumed" %
            (st2["leader"], st2["epoch"]))
        for p in peers:
            p.quit()
    finally:
        for p in peers:
            p.kill()
        srv.stop()


def test_restart():
    srv = Server()
    port = srv.port
    url = srv.url + "/restart"
    peers = []
    try:
        start_peers(peers, url, ("alice", "bob"), "--reconnect-timeout", "60")
        all_hear(peers, 30)
        st = same_meeting(peers)
        srv.stop()
        for p in peers:
            p.wait(lambda e: e["event"] == "disconnected", 15,
                   "the disconnection")
        time.sleep(1)
        srv = Server(port=port)
        for p in peers:
            p.wait(lambda e: e["event"] == "connected" and e["reconnected"],
                   30, "reconnecting")
            p.command("reset")
        all_hear(peers, 40)
        st2 = same_meeting(peers)
        check(st2["code"] != st["code"],
              "a resumed meeting is a new instance with new keys")
        log("reconnected after a server restart; new security code %s"
            % st2["code"])

        # the network stalls (the server stops answering) for 10 s
        srv.proc.send_signal(signal.SIGSTOP)
        for p in peers:
            p.wait(lambda e: e["event"] == "disconnected", 20,
                   "noticing the silent server")
        time.sleep(1)
        srv.proc.send_signal(signal.SIGCONT)
        for p in peers:
            p.wait(lambda e: e["event"] == "connected" and e["reconnected"],
                   40, "reconnecting after the stall")
            p.command("reset")
        all_hear(peers, 40)
        st3 = same_meeting(peers)
        check(st3["code"] not in (st["code"], st2["code"]),
              "new keys after the stall")
        log("reconnected after the server stalled; new security code %s"
            % st3["code"])
        for p in peers:
            p.quit()
    finally:
        for p in peers:
            p.kill()
        srv.stop()


def test_faults():
    flog = os.path.join(lib.TMP, "faults.log")
    srv = Server("--fault-loss", "0.03", "--fault-reorder", "0.03",
                 "--fault-duplicate", "0.03", "--fault-seed", "7",
                 "--fault-log", flog)
    url = srv.url + "/faults"
    peers = []
    try:
        for name in ("alice", "bob"):
            peers.append(Peer(url, name, "--no-video", "--seq-log",
                              os.path.join(lib.TMP, name + ".seq")))
            time.sleep(0.3)
        for p in peers:
            others = [q.name for q in peers if q is not p]
            p.wait(lambda s: s["event"] == "status" and all(
                s["streams"].get(o + "_audio_0", {}).get("packets", 0) >= 400
                for o in others), 40, "400 packets")
        for p in peers:
            p.quit()
    finally:
        for p in peers:
            p.kill()
        srv.stop()

    faults = {}
    for line in open(flog):
        kind, to, ssrc, seq = line.split()
        faults.setdefault(kind, set()).add(
            (to[3:], int(ssrc[5:]), int(seq[4:])))
    ids = {p.name: p.id for p in peers}
    for rx in peers:
        tx = next(p for p in peers if p is not rx)
        sent = [tuple(map(int, x.split()[1:])) for x in
                open(os.path.join(lib.TMP, tx.name + ".seq"))
                if x.startswith("sent")]
        recv = [tuple(map(int, x.split()[2:])) for x in
                open(os.path.join(lib.TMP, rx.name + ".seq"))
                if x.startswith("recv %s_audio_0 " % tx.name)]
        check(len(recv) >= 400, "%s received %d" % (rx.name, len(recv)))
        check(len(set(recv)) == len(recv),
              "%s got duplicates through e2eedec" % rx.name)
        index = {p: i for i, p in enumerate(sent)}
        idx = sorted(index[p] for p in recv)
        window = set(sent[idx[0]:idx[-1] + 1])
        lost = {(s, q) for to, s, q in faults.get("lost", ())
                if to == ids[rx.name]} & window
        dup = {(s, q) for to, s, q in faults.get("duplicated", ())
               if to == ids[rx.name]} & window
        held = {(s, q) for to, s, q in faults.get("held", ())
                if to == ids[rx.name]} & window
        check(lost and dup and held,
              "faults were injected toward %s" % rx.name)
        missing = window - set(recv) - lost
        extra = set(recv) & lost
        check(not missing, "%s lost %d packets that the relay did not "
              "drop: %s" % (rx.name, len(missing), sorted(missing)[:5]))
        check(not extra, "%s got packets the relay dropped" % rx.name)
        inversions = sum(1 for a, b in zip(recv, recv[1:])
                         if index[a] > index[b])
        check(inversions > 0, "reordered packets arrive reordered")
        log("%s <- %s: %d sent in the window, %d lost by the relay, %d "
            "duplicated (dropped as replays), %d reordered; received "
            "exactly the rest" % (rx.name, tx.name, len(window), len(lost),
                                  len(dup), len(held)))


def test_ratelimit():
    """--max-media-rate bounds what one participant can make the relay
    forward (a sender faster than the relay could hold its loop)."""
    srv = Server("--max-media-rate", "20")
    url = srv.url + "/ratelimit"
    peers = []
    try:
        start_peers(peers, url, ("alice", "bob"), "--no-video")
        for p in peers:
            other = "bob" if p.name == "alice" else "alice"
            p.wait(lambda s: s["event"] == "status" and s["streams"].get(
                other + "_audio_0", {}).get("packets", 0) >= 30, 30,
                "the first packets")
        peers[1].command("reset")
        t0 = time.monotonic()
        time.sleep(4)
        st = peers[1].status  # the latest, at most 0.5 s old
        secs = time.monotonic() - t0
        got = st["streams"]["alice_audio_0"]["packets"]
        # alice sends 50 packets/s; 20/s pass, plus at most a burst of 40
        check(secs * 20 * 0.5 <= got <= secs * 20 + 40 + 10,
              "%d packets in %.1f s at --max-media-rate 20" % (got, secs))
        log("--max-media-rate 20: bob got %d of alice's ~%d packets in %.1f s"
            % (got, int(50 * secs), secs))
        for p in peers:
            p.quit()
    finally:
        for p in peers:
            p.kill()
        srv.stop()



def test_flood():
    """A participant floods the board as fast as the server lets it: it gets
    board-quota, the others still decrypt each other under one code, and a
    late joiner is keyed in."""
    srv = Server("--stats-interval", "1")
    stats = BoardStats(srv, "flood")
    url = srv.url + "/flood"
    peers = []
    PEOPLE.update(LATE)
    try:
        start_peers(peers, url, ("alice", "bob", "carol"), "--no-video")
        all_hear_audio(peers, 40)
        code = same_meeting(peers)["code"]

        ws = RawWebSocket(srv.port, "flood")
        mallory = ws.join("mallory")["id"]
        # the rate limit is 100 messages/s: stay just under it
        sent, codes = flood(ws, 7, 90)
        check(not ws.closed, "the flooder was dropped: %s" % codes)
        check(codes.get("board-quota", 0) > sent / 2 and
              set(codes) == {"board-quota"},
              "the flooder got board-quota for most of %d posts: %s" %
              (sent, codes))
        ws.ping("the flooder is still answered")

        def keep_answering():  # pings too: mallory stays in the meeting
            while ws.recv(60) is not None:
                pass
        threading.Thread(target=keep_answering, daemon=True).start()
        st = stats.wait_new()
        log("mallory (%s) posted %d junk messages, %d refused with "
            "board-quota; the board holds %d messages, %d bytes" %
            (mallory, sent, codes["board-quota"], st["messages"],
             st["bytes"]))
        # mallory holds at most its quota (32 messages, 256 KiB + JSON)
        check(st["bytes"] < 256 * 1024 + 3 * 64 * 1024,
              "the board is bounded: %s" % st)

        check(hear_anew(peers, 30, all_hear_audio)["code"] == code,
              "the meeting is the same after the flood")
        log("alice, bob and carol still decrypt each other, same code")

        # a late joiner replays the board, junk included, and is keyed in
        peers.append(Peer(url, "dave", "--no-video"))
        st4 = hear_anew(peers, 40, all_hear_audio)
        log("dave joined late and decrypts everybody; epoch %d, code %s" %
            (st4["epoch"], st4["code"]))
        check(not ws.closed, "the flooder is still connected")
        for p in peers:
            p.quit()
    finally:
        PEOPLE.pop("dave", None)
        for p in peers:
            p.kill()
        srv.stop()
    err = open(os.path.join(lib.TMP, "server.err")).read()
    check("board-quota" in err, "the server logged the refusals")


def test_board_bound():
    """Fast heartbeats and periodic rekeys: the board stays under a fixed
    bound (each author's latest message per type) while everybody stays
    keyed, and a late joiner is keyed in from what is left."""
    srv = Server("--stats-interval", "1")
    stats = BoardStats(srv, "bound")
    url = srv.url + "/bound"
    peers = []
    opts = ("--no-video", "--heartbeat", "100", "--rekey", "4")
    PEOPLE.update(LATE)
    try:
        start_peers(peers, url, ("alice", "bob", "carol"), *opts)
        all_hear_audio(peers, 40)
        same_meeting(peers)
        first = stats.wait_new()
        n0 = len(stats.lines) - 1
        time.sleep(30)
        last = stats.wait_new()
        seen = stats.lines[n0:]
        most = max(x["bytes"] for x in seen)
        log("board over 30 s of 100 ms heartbeats and 4 s rekeys: %d -> %d "
            "bytes (at most %d), %d -> %d messages, %d superseded" %
            (first["bytes"], last["bytes"], most, first["messages"],
             last["messages"], last["superseded"]))
        # each of 3 authors keeps at most one message per type (6)
        check(all(x["messages"] <= 3 * 6 for x in seen),
              "at most 18 messages: %s" % [x["messages"] for x in seen])
        check(most <= 32 * 1024, "the board stays under 32 KiB: %d" % most)
        check(last["superseded"] - first["superseded"] >= 150,
              "heartbeats superseded their predecessors: %s" % last)
        check(last["refused"] == 0, "nothing refused: %s" % last)
        hear_anew(peers, 30, all_hear_audio)

        peers.append(Peer(url, "dave", *opts))
        st = hear_anew(peers, 40, all_hear_audio)
        log("dave joined from the bounded board: epoch %d, code %s" %
            (st["epoch"], st["code"]))
        for p in peers:
            p.quit()
    finally:
        PEOPLE.pop("dave", None)
        for p in peers:
            p.kill()
        srv.stop()



def test_tls():
    cert, key = make_cert(lib.TMP)
    srv = Server("--tls-cert", cert, "--tls-key", key)
    check(srv.url.startswith("wss://"), "the server says wss://")
    url = srv.url + "/tls"
    peers = []
    try:
        start_peers(peers, url, ("alice", "bob"), "--tls-ca-file", cert)
        all_hear(peers, 30)
        same_meeting(peers)
        log("two participants over wss:// decrypt each other")
        # carol takes video only: the server does not send her the audio
        carol = Peer(url, "carol", "--tls-ca-file", cert, "--media", "video")
        peers.append(carol)

        def video_only(st):
            if st.get("event") != "status" or len(st["roster"]) != 3:
                return False
            v = [st["streams"].get(o + "_video_0", {}) for o in
                 ("alice", "bob")]
            return all(x.get("frames", 0) >= 25 for x in v)
        st = carol.wait(video_only, 30, "the others' video")
        check(not any(k.endswith("_audio_0") for k in st["streams"]),
              "carol has no audio pads: %s" % list(st["streams"]))
        check(st["received"] > 50 and st["unexposed"] == 0,
              "the server sent carol only video (received %d, unexposed %d)"
              % (st["received"], st["unexposed"]))
        log("media=video: carol got %d packets, all video" % st["received"])
        for p in peers:
            p.quit()
        # a client that does not trust the certificate does not get in
        untrusted = Peer(url, "carol", "--reconnect-timeout", "0")
        peers.append(untrusted)
        try:
            untrusted.wait(lambda e: e["event"] == "connected", 20,
                           "the refusal")
        except Fail as e:
            check("pipeline error" in str(e), str(e))
            log("an untrusted certificate is refused: %s" % e)
        else:
            raise Fail("a client joined without trusting the certificate")
    finally:
        for p in peers:
            p.kill()
        srv.stop()



def test_media():
    """A participant whose UDP is blocked (--fault-block-media: the relay
    never completes ICE with it) ends with an error within its reconnect
    timeout, rejoining with back-off meanwhile; the others keep decrypting
    each other and rekey a bounded number of times. Then the server's side:
    --media-timeout and media-failed, and the `left` reason."""
    srv = Server("--fault-block-media", "carol")
    try:
        blocked_carol(srv.url + "/media")
    finally:
        srv.stop()
    media_failed_server()


def blocked_carol(url, carol_prefix=()):
    """alice and bob meet; carol, whose media path cannot come up, joins:
    she must end with an error within her reconnect timeout, having rejoined
    a bounded number of times, while alice and bob go on."""
    reconnect = 15
    peers = []
    try:
        start_peers(peers, url, ("alice", "bob"))
        all_hear(peers, 40)
        epoch0 = same_meeting(peers)["epoch"]
        carol = Peer(url, "carol", "--reconnect-timeout", str(reconnect),
                     prefix=carol_prefix)
        t0 = time.monotonic()
        events = drain(carol, reconnect + 45)
        rc = carol.proc.wait(10)
        elapsed = time.monotonic() - t0
        kinds = [e["event"] for _, e in events]
        joins = kinds.count("connected")
        errors = [e for _, e in events if e["event"] == "error"]
        disc = [(t, e) for t, e in events if e["event"] == "disconnected"]
        log("carol: %d joins, rejoin delays %s ms, exit %d after %.1f s" %
            (joins, [e["retry_in_ms"] for _, e in disc], rc, elapsed))
        check(rc != 0, "carol exits non-zero (%d)" % rc)
        check(len(errors) == 1, "carol reports one error: %s" % errors)
        msg = errors[0]["message"]
        check("media path (ICE)" in msg and url in msg,
              "the error names the URI and the ICE failure: %r" % msg)
        log("carol's error: %s" % msg)
        check(disc, "carol's media failure was reported before the error")
        first_failure = disc[0][0]
        err_at = next(t for t, e in events if e["event"] == "error")
        check(err_at - first_failure <= reconnect + 3,
              "the error came %.1f s after the first failure (reconnect "
              "timeout %d s)" % (err_at - first_failure, reconnect))
        delays = [e["retry_in_ms"] for _, e in disc]
        check(delays[0] >= 1000 and all(
            b >= a for a, b in zip(delays, delays[1:])),
            "rejoins back off: %s" % delays)
        check(2 <= joins <= 6, "carol rejoined a bounded number of times "
              "(%d joins)" % joins)

        # the others: still one meeting, decrypting each other; carol's
        # attempts cost them a bounded number of epochs
        st = hear_anew(peers, 30)
        epochs = st["epoch"] - epoch0
        log("alice and bob went through %d epochs meanwhile (%d joins of "
            "carol)" % (epochs, joins))
        check(epochs <= 2 * joins + 1 and epochs <= 12,
              "the others rekeyed %d times for %d joins of carol"
              % (epochs, joins))
        peers[0].drain_now()
        left = [e for e in peers[0].history if e["event"] == "left"]
        check(left and all(e.get("reason") in ("closed", "media-failed")
                           for e in left),
              "carol's departures carry a reason: %s" % left)
        for p in peers:
            p.quit()
    finally:
        for p in peers:
            p.kill()


def media_failed_server():
    """The server's side: no ICE within --media-timeout is media-failed."""
    srv = Server("--media-timeout", "2")
    try:
        watcher = RawWebSocket(srv.port, "media2")
        watcher.send('{"type":"join","name":"watcher"}')  # no ice: exempt
        victim = RawWebSocket(srv.port, "media2")
        victim.send('{"type":"join","name":"victim"}')
        t0 = time.monotonic()
        victim.send('{"type":"ice","ufrag":"abcd","pwd":"%s"}' % ("x" * 22))
        m = victim.expect_error("media-failed")
        waited = time.monotonic() - t0
        check(1.5 <= waited <= 5, "media-failed after %.1f s at "
              "--media-timeout 2" % waited)
        check("ICE" in m["message"], "the message names the cause: %r"
              % m["message"])
        while victim.recv() is not None:
            pass
        check(victim.closed, "media-failed is fatal")
        reason = None
        while reason is None:
            m = watcher.recv()
            check(m is not None, "the watcher (no ice sent) stays")
            if m["type"] == "left":
                reason = m.get("reason")
        check(reason == "media-failed", "left reason %r" % reason)
        time.sleep(1)
        watcher.ping("a signaling-only client is not subject to "
                     "--media-timeout")
        watcher.send('{"type":"leave"}')
        log("server: media-failed after %.1f s, left reason %s; a client "
            "without ice stays" % (waited, reason))
    finally:
        srv.stop()


def test_media_netns():
    """As test_media, with the block in the kernel instead of the relay:
    carol runs in a network namespace, linked to the host by a veth pair,
    whose firewall (iptables in that namespace only) drops every UDP packet
    in and out, while TCP (the WebSocket signaling) passes. Her ICE cannot
    succeed. Needs root, ip(8) and iptables(8); skipped otherwise."""
    ip = shutil.which("ip") or "/usr/sbin/ip"
    iptables = shutil.which("iptables") or "/usr/sbin/iptables"
    if os.geteuid() != 0 or not os.path.exists(ip) or \
            not os.path.exists(iptables):
        raise Skip("needs root, ip(8) and iptables(8) for a network "
                   "namespace")
    tag = "%d" % (os.getpid() % 100000)
    ns, host_if, ns_if = "gstm-" + tag, "gstmh" + tag, "gstmn" + tag
    sub = 16 + os.getpid() % 200
    host_ip, ns_ip = "10.231.%d.1" % sub, "10.231.%d.2" % sub

    def run(*cmd):
        r = subprocess.run(list(cmd), capture_output=True, text=True)
        check(r.returncode == 0, "%s: %s" % (" ".join(cmd), r.stderr))

    def in_ns(*cmd):
        run(ip, "netns", "exec", ns, *cmd)

    try:
        run(ip, "netns", "add", ns)
    except Fail as e:
        raise Skip("no network namespace here: %s" % e)
    srv = None
    try:
        try:  # (a chroot whose / is no mount point cannot enter one)
            in_ns(ip, "link", "set", "lo", "up")
        except Fail as e:
            raise Skip("cannot enter a network namespace here: %s" % e)
        try:
            run(ip, "link", "add", host_if, "type", "veth", "peer", "name",
                ns_if)
        except Fail as e:
            raise Skip("no veth pair here: %s" % e)
        run(ip, "link", "set", ns_if, "netns", ns)
        run(ip, "addr", "add", host_ip + "/30", "dev", host_if)
        run(ip, "link", "set", host_if, "up")
        in_ns(ip, "addr", "add", ns_ip + "/30", "dev", ns_if)
        in_ns(ip, "link", "set", ns_if, "up")
        # carol's router: UDP dropped both ways, the rest passes
        in_ns(iptables, "-A", "OUTPUT", "-p", "udp", "-j", "DROP")
        in_ns(iptables, "-A", "INPUT", "-p", "udp", "-j", "DROP")
        srv = Server(host=host_ip)
        blocked_carol(srv.url + "/netns", carol_prefix=(ip, "netns", "exec",
                                                        ns))
    finally:
        if srv:
            srv.stop()
        subprocess.run([ip, "netns", "del", ns], capture_output=True)
        subprocess.run([ip, "link", "del", host_if], capture_output=True)


def test_first_join():
    """A server that cannot be reached at the first join is an ERROR naming
    the URI and the cause within a few seconds, for a plain gst-launch-1.0
    line (the reconnect patience is for meetings that were joined)."""
    launch = shutil.which("gst-launch-1.0")
    check(launch, "gst-launch-1.0 is installed")
    cases = []
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    # an absent server: an ERROR within 10 s (at once, in fact)
    cases.append(("refused", port, 10))
    silent = socket.socket()  # accepts TCP, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    # a server that never answers: the 8 s deadline of the first join
    cases.append(("silent", silent.getsockname()[1], 15))
    try:
        for what, port, limit in cases:
            uri = "ws://127.0.0.1:%d/first" % port
            t0 = time.monotonic()
            try:
                r = subprocess.run(
                    [launch, "meetingsrc", "name=m", "uri=" + uri,
                     "participant=x", "reconnect-timeout=60",
                     "m.alice_audio_0", "!", "fakesink"],
                    capture_output=True, text=True, timeout=limit)
            except subprocess.TimeoutExpired:
                raise Fail("%s server: gst-launch still runs after %d s"
                           % (what, limit))
            secs = time.monotonic() - t0
            err = [x for x in r.stderr.splitlines() if "ERROR" in x]
            check(r.returncode != 0, "%s: exit %d" % (what, r.returncode))
            check(err and uri in err[0], "%s: stderr has an ERROR with the "
                  "URI: %r" % (what, r.stderr))
            log("%s server: exit %d after %.1f s: %s" %
                (what, r.returncode, secs, err[0]))
    finally:
        silent.close()


TESTS = {
    "meeting": test_meeting,
    "flood": test_flood,
    "board-bound": test_board_bound,
    "hostile": test_hostile,
    "restart": test_restart,
    "faults": test_faults,
    "tls": test_tls,
    "ratelimit": test_ratelimit,
    "media": test_media,
    "media-netns": test_media_netns,
    "first-join": test_first_join,
}


if __name__ == "__main__":
    sys.exit(lib.main(__doc__, TESTS, "meeting"))
