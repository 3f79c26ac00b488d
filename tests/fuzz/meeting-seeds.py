#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-signaling and fuzz-session
(tests/fuzz/corpus/). Records: [kind][length, 2 bytes big endian][bytes].

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import meetinglib  # noqa: E402 (its WebSocket frames)


def rec(kind, data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    if isinstance(data, str):
        data = data.encode()
    return bytes([kind]) + struct.pack("!H", len(data)) + data


def rtp(ssrc, seq=1, pt=96, n=40):
    return struct.pack("!BBHII", 0x80, pt, seq, 1000, ssrc) + bytes(range(n))


def rtcp_pli(media):
    return struct.pack("!BBHII", 0x81, 206, 2, 1, media)


def rtcp_fir(media):
    return struct.pack("!BBHIIIBBH", 0x84, 206, 4, 1, 0, media, 1, 0, 0)


def rtcp_sr(ssrc):
    return struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, 0, 0, 0, 0, 0)


CAPS = "application/x-rtp,media=audio,clock-rate=8000,encoding-name=L16,payload=96"


def pub(stream, ssrc, kind="audio", e2ee=True):
    return {"type": "publish", "stream": stream, "kind": kind, "ssrc": ssrc,
            "caps": CAPS, "e2ee": e2ee}


def write(target, name, records):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(b"".join(records))


# server: A is kind 0 (messages) / 2 (media), B is 1 / 3
write("fuzz-signaling", "meeting", [
    rec(0, {"type": "join", "name": "alice"}),
    rec(1, {"type": "join", "name": "bob", "receive": True}),
    rec(0, pub("audio_0", 11)),
    rec(1, pub("video_0", 22, "video")),
    rec(0, {"type": "board", "data": "aGVsbG8="}),
    rec(2, rtp(11)), rec(2, rtp(11, 2)), rec(3, rtp(22)),
    rec(3, rtcp_pli(11)), rec(2, rtcp_fir(22)), rec(2, rtcp_sr(11)),
    rec(3, rtp(11)),
    rec(0, {"type": "unpublish", "stream": "audio_0"}),
    rec(1, {"type": "ping"}),
    rec(0, {"type": "leave"}),
])
write("fuzz-signaling", "ice", [
    rec(0, {"type": "join", "name": "alice"}),
    rec(0, {"type": "ice", "ufrag": "abcd", "pwd": "a" * 24}),
    rec(0, {"type": "candidate",
            "candidate": "a=candidate:1 1 UDP 2013266431 127.0.0.1 40000 typ host"}),
    rec(0, {"type": "end-of-candidates"}),
])
write("fuzz-signaling", "bad", [
    rec(0, "not json"), rec(0, "[1]"), rec(0, {"type": {}}),
    rec(0, {"type": "board"}),
    rec(0, {"type": "join", "name": ""}),
    rec(0, {"type": "join", "name": "x", "passcode": 5}),
    rec(0, {"type": "join", "name": "x"}),
    rec(0, {"type": "join", "name": "x"}),
    rec(0, pub("a b", 1)), rec(0, pub("audio_0", -1)),
    rec(0, pub("audio_0", 1, "smell")), rec(0, pub("audio_0", 1, e2ee=False)),
    rec(0, {"type": "publish", "stream": "s", "kind": "audio", "ssrc": 1,
            "caps": "video/x-raw", "e2ee": True}),
    rec(0, {"type": "frobnicate"}),
])

def board(data, slot=None):
    m = {"type": "board", "data": data}
    if slot is not None:
        m["slot"] = slot
    return m


# the board: slots supersede per author, quotas (the target's: 8 messages,
# 4096 bytes per author), bad slots, a leave and a rejoin (departed budget)
write("fuzz-signaling", "board", [
    rec(0, {"type": "join", "name": "alice"}),
    rec(1, {"type": "join", "name": "bob"}),
    rec(0, board("aDE=", "heartbeat")), rec(0, board("aDI=", "heartbeat")),
    rec(1, board("aDE=", "heartbeat")), rec(0, board("cg==", "roster")),
    rec(0, board("aGVsbG8=")), rec(0, board("aGVsbG8=")),
    rec(0, board("aGVsbG8=", "Bad")), rec(0, board("aGVsbG8=", 7)),
    rec(0, board("aGVsbG8=", "")), rec(0, board("aGVsbG8=", "a" * 33)),
    rec(0, {"type": "board", "data": "aGVsbG8=", "slot": None}),
] + [rec(1, board("QUFB" * 300, "j%d" % i)) for i in range(6)] + [
    rec(1, board("QUFB" * 300, "j0")),
    rec(1, {"type": "leave"}),
    rec(1, {"type": "join", "name": "bob"}),
    rec(1, board("Ymk=", "announce")),
    rec(0, {"type": "leave"}),
])
# the protocol module's parser in the client direction (fuzz-signaling
# parses every text both ways and checks the round trip); the server
# refuses these as unknown types
STREAM = {"from": "p1", "name": "alice", "stream": "audio_0",
          "kind": "audio", "ssrc": 11, "caps": "application/x-rtp",
          "e2ee": True}
write("fuzz-signaling", "to-client", [
    rec(0, {"type": "welcome", "version": 1, "id": "p2", "room": "r",
            "instance": "00" * 16,
            "roster": [{"id": "p1", "name": "alice"}, {"id": "x"}, 3],
            "streams": [STREAM, {"from": "p1"}]}),
    rec(0, dict(STREAM, type="stream")),
    rec(0, dict(STREAM, type="stream-removed")),
    rec(0, dict(STREAM, type="published")),
    rec(0, {"type": "joined", "id": "p1", "name": "alice"}),
    rec(0, {"type": "left", "id": "p1", "name": "alice", "reason": "timeout"}),
    rec(0, {"type": "board", "seq": 3, "from": "p1", "data": "aGk=",
            "slot": "heartbeat"}),
    rec(0, {"type": "error", "code": "full", "message": "the room is full"}),
    rec(0, {"type": "pong"}),
    rec(0, {"type": "subscribe", "kinds": ["audio", "screen"],
            "names": ["alice"]}),
])
# session: kind 0 server message, 1 datagram
write("fuzz-session", "meeting", [
    rec(0, {"type": "welcome", "version": 1, "id": "p2", "room": "fuzz",
            "instance": "00" * 16, "roster": [{"id": "p1", "name": "alice"}],
            "streams": [{"from": "p1", "name": "alice", "stream": "audio_0",
                         "kind": "audio", "ssrc": 11, "caps": CAPS,
                         "e2ee": True}]}),
    rec(0, {"type": "board", "seq": 0, "from": "p9", "data": "aGVsbG8="}),
    rec(0, {"type": "board", "seq": 3, "from": "p1", "data": "aGVsbG8=",
            "slot": "heartbeat"}),
    rec(0, {"type": "ice", "ufrag": "abcd", "pwd": "a" * 24}),
    rec(0, {"type": "candidate",
            "candidate": "a=candidate:1 1 UDP 2013266431 127.0.0.1 40000 typ host"}),
    rec(0, {"type": "end-of-candidates"}),
    rec(0, {"type": "joined", "id": "p3", "name": "Eve x"}),
    rec(0, {"type": "stream", "from": "p3", "name": "Eve x",
            "stream": "video_0", "kind": "video", "ssrc": 33,
            "caps": CAPS.replace("audio", "video"), "e2ee": True}),
    rec(0, {"type": "published", "from": "p2", "name": "fuzzer",
            "stream": "audio_0", "kind": "audio", "ssrc": 44, "caps": CAPS,
            "e2ee": True}),
    rec(1, rtp(11)), rec(1, rtp(33)), rec(1, rtp(99)),
    rec(1, rtcp_pli(44)), rec(1, rtcp_fir(44)), rec(1, rtcp_sr(11)),
    rec(0, {"type": "stream-removed", "from": "p3", "stream": "video_0"}),
    rec(0, {"type": "left", "id": "p1", "name": "alice"}),
    rec(0, {"type": "error", "code": "bad-request", "message": "x"}),
])
write("fuzz-session", "bad", [
    rec(0, {"type": "stream", "from": "p3", "name": "x", "stream": "s",
            "kind": "audio", "ssrc": 1, "caps": "video/x-raw"}),
    rec(0, {"type": "welcome", "id": "p2", "instance": "00"}),
    rec(0, {"type": "stream", "from": "p3", "name": "x", "stream": "s",
            "kind": "audio", "ssrc": "1", "caps": CAPS}),
    rec(0, {"type": "stream", "from": "p3", "name": "x", "stream": "s",
            "kind": "audio", "ssrc": 1, "caps": CAPS}),
    rec(0, {"type": "stream", "from": "p4", "name": "x", "stream": "s",
            "kind": "audio", "ssrc": 2, "caps": CAPS}),
    rec(0, {"type": "stream", "from": "p4", "name": "x", "stream": "s",
            "kind": "audio", "ssrc": 1, "caps": CAPS}),
    rec(0, "{"), rec(1, b"\x80"),
])
# session: a failed media path (media-failed, left reasons)
write("fuzz-session", "media-failed", [
    rec(0, {"type": "welcome", "version": 1, "id": "p2", "room": "fuzz",
            "instance": "00" * 16, "roster": [{"id": "p1", "name": "alice"}],
            "streams": []}),
    rec(0, {"type": "left", "id": "p1", "name": "alice",
            "reason": "media-failed"}),
    rec(0, {"type": "joined", "id": "p3", "name": "bob"}),
    rec(0, {"type": "left", "id": "p3", "name": "bob", "reason": 7}),
    rec(0, {"type": "error", "code": "media-failed",
            "message": "ICE did not connect within 15 s of the join"}),
    rec(0, {"type": "error", "code": "media-failed"}),
])


# fuzz-wsguard: [bit 0: masked (server side), bits 1-7: chunking seed]
# [bound, 2 bytes big endian][the bytes a peer sends]
def ws_frame(opcode, payload, fin=True, mask=True):
    # a fixed masking key: the seeds are the same every time
    return meetinglib.ws_frame(opcode, payload, fin, mask, b"\x01\x02\x03\x04")


def ws_seed(name, masked, bound, frames):
    data = bytes([1 if masked else 0]) + struct.pack("!H", bound) + \
        b"".join(frames)
    d = os.path.join(HERE, "corpus", "fuzz-wsguard")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


PING = b'{"type":"ping"}'
ws_seed("server-messages", True, 4096, [
    ws_frame(1, PING), ws_frame(9, b"hi"), ws_frame(10, b""),
    ws_frame(2, b"\x00" * 300), ws_frame(8, b"\x03\xe8")])
ws_seed("server-fragmented", True, 4096, [
    ws_frame(1, b"a" * 100, fin=False), ws_frame(9, b"p"),
    ws_frame(0, b"b" * 100, fin=False), ws_frame(0, b"c" * 10)])
ws_seed("server-flood", True, 1024, [ws_frame(1, b"x" * 512, fin=False)] +
        [ws_frame(0, b"x" * 512, fin=False)] * 3)
ws_seed("client-messages", False, 65535, [
    ws_frame(1, PING, mask=False), ws_frame(2, b"\xff" * 200, mask=False),
    ws_frame(1, b"y" * 70000, fin=False, mask=False)[:40]])
ws_seed("client-bad", False, 4096, [
    ws_frame(1, b"{}", mask=False), ws_frame(9, b"x" * 126, mask=False)])
ws_seed("server-huge-length", True, 4096,
        [bytes([0x81, 0xff]) + struct.pack("!Q", 1 << 63) + b"\0\0\0\0"])
