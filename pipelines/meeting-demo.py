#!/usr/bin/env python3
"""A three-party end-to-end encrypted meeting on loopback.

  meeting-demo.py BUILDDIR

Starts gst-meeting-server and three participants (gst-meeting-peer: test
tone and colour picture through e2eeenc into meetingsink; meetingsrc and
e2eedec for everybody else's; keyexchange over the server's bulletin board).
Prints each participant's roster and security code and what it decrypted,
and exits 0 only if every participant decrypted everyone else's audio and
video (the right tone and the right colour) and all agree on the security
code.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

PEOPLE = [("alice", 440, 0xff0000), ("bob", 660, 0x00ff00),
          ("carol", 880, 0x0000ff)]
TIMEOUT = 60


def rgb(c):
    return [(c >> 16) & 255, (c >> 8) & 255, c & 255]


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    server_bin = os.path.join(build, "tools", "gst-meeting-server")
    peer_bin = os.path.join(build, "tools", "gst-meeting-peer")
    server = subprocess.Popen([server_bin, "--listen", "127.0.0.1:0"],
                              stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline().strip()
    print("server: " + line)
    url = line.split()[-1] + "/demo"
    peers, events = [], queue.Queue()

    def reader(name, proc):
        for ln in proc.stdout:
            try:
                events.put((name, json.loads(ln)))
            except ValueError:
                pass

    ok = False
    try:
        for name, tone, colour in PEOPLE:
            p = subprocess.Popen(
                [peer_bin, "--uri", url, "--name", name, "--tone", str(tone),
                 "--color", "0x%06x" % colour, "--status-interval", "500"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            threading.Thread(target=reader, args=(name, p), daemon=True).start()
            peers.append((name, p))
            print("%s joins %s (sends a %d Hz tone and a #%06x picture)"
                  % (name, url, tone, colour))
            time.sleep(0.3)

        names, last = {}, {}
        done = set()
        end = time.monotonic() + TIMEOUT
        while len(done) < len(PEOPLE) and time.monotonic() < end:
            try:
                who, ev = events.get(timeout=1)
            except queue.Empty:
                continue
            if ev["event"] in ("connected", "joined"):
                names[ev["id"]] = who if ev["event"] == "connected" \
                    else ev["name"]
            if ev["event"] == "error":
                print("%s: error: %s" % (who, ev["message"]))
                return 1
            if ev["event"] != "status":
                continue
            last[who] = ev
            good = len(ev["roster"]) == len(PEOPLE)
            for other, tone, colour in PEOPLE:
                if other == who:
                    continue
                a = ev["streams"].get(other + "_audio_0", {})
                v = ev["streams"].get(other + "_video_0", {})
                good &= a.get("packets", 0) >= 100 and \
                    abs(a.get("tone", 0) - tone) < tone * 0.02
                good &= v.get("frames", 0) >= 25 and all(
                    abs(x - y) <= 40 for x, y in
                    zip(v.get("rgb", [0, 0, 0]), rgb(colour)))
            if good:
                done.add(who)

        print()
        for name, _, _ in PEOPLE:
            st = last.get(name)
            if not st:
                print("%s: no status" % name)
                continue
            roster = ", ".join(names.get(i, i) for i in st["roster"])
            print("%s (%s): roster [%s], leader %s, epoch %d" % (
                name, st["id"], roster, names.get(st["leader"], st["leader"]),
                st["epoch"]))
            print("    security code: %s" % st["code"])
            for other, tone, colour in PEOPLE:
                if other == name:
                    continue
                a = st["streams"].get(other + "_audio_0", {})
                v = st["streams"].get(other + "_video_0", {})
                print("    decrypted %s: tone %.1f Hz (%d packets), picture "
                      "rgb%s (%d frames)" % (
                          other, a.get("tone", 0), a.get("packets", 0),
                          tuple(v.get("rgb", [])), v.get("frames", 0)))
        codes = {last[n]["code"] for n in last}
        ok = len(done) == len(PEOPLE) and len(codes) == 1
        print()
        if ok:
            print("meeting OK: every participant decrypted everyone else's "
                  "audio and video; the security codes match")
        else:
            print("meeting FAILED: %s decrypted everybody, %d distinct "
                  "security codes" % (sorted(done) or "nobody", len(codes)))
    finally:
        for _, p in peers:
            if p.poll() is None:
                try:
                    p.stdin.write("quit\n")
                    p.stdin.flush()
                except OSError:
                    pass
        for _, p in peers:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
