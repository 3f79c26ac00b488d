#!/usr/bin/env python3
"""gst-launch-1.0 receivers that survive: real lines against the real
gst-meeting-server on 127.0.0.1.

  launch-survive.py SERVER

alice sends Opus audio (e2eeenc, keyexchange). bob's line links
m.alice_audio_0 by name and counts decoded buffers at a fakesink: they
flow again, on the same pad, after alice left and joined again (new keys)
and after the server restarted on the same port. carol records alice with
-e (e2eedec ! rtpjitterbuffer ! rtpopusdepay ! matroskamux !
filesink); after alice left, SIGINT makes carol's line end by itself and
gst-discoverer-1.0 reads the file with a duration. dave misspells the pad
name: a WARNING lists the streams there are, within a few seconds.

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import os
import re
import subprocess
import sys
import time

WANT_AUDIO = 50  # decoded audio buffers (20 ms each)
TIMEOUT = 60
WARN_WITHIN = 12  # s: meetingsrc warns 5 s after it starts


import launchlib  # noqa: E402
from launchlib import Fail, Launch, check, log, start_server, stop_server, \
    wait_for  # noqa: E402


def sender(url):
    return ("meetingsink name=m uri=%s/demo participant=alice "
            "audiotestsrc is-live=true ! opusenc ! rtpopuspay ! e2eeenc ! "
            "m.audio_0 keyexchange" % url)


def run(server_path, tmp):
    server, url = start_server(server_path, tmp)
    port = int(url.rsplit(":", 1)[1])
    procs = []
    rec = os.path.join(tmp, "carol.mkv")
    try:
        alice = Launch("alice", sender(url), tmp)
        procs.append(alice)
        bob = Launch("bob", (
            "meetingsrc name=m uri=%s/demo participant=bob "
            "m.alice_audio_0 ! e2eedec ! rtpjitterbuffer ! rtpopusdepay ! "
            "opusdec ! fakesink name=a silent=false sync=false async=false "
            "keyexchange" % url), tmp)
        procs.append(bob)
        carol = Launch("carol", (
            "meetingsrc name=m uri=%s/demo participant=carol "
            "m.alice_audio_0 ! e2eedec ! rtpjitterbuffer ! rtpopusdepay ! "
            "matroskamux ! filesink location=%s keyexchange"
            % (url, rec)), tmp, eos=True)
        procs.append(carol)

        wait_for(lambda: bob.count("a") >= WANT_AUDIO, TIMEOUT,
                 lambda: "bob decoding alice (%d/%d)"
                 % (bob.count("a"), WANT_AUDIO))
        log("bob decoded %d buffers" % bob.count("a"))

        # a misspelt pad name: told within a few seconds what there is
        dave = Launch("dave", (
            "meetingsrc name=m uri=%s/demo participant=dave "
            "m.alice_audoi_0 ! fakesink keyexchange" % url), tmp)
        procs.append(dave)
        wait_for(lambda: dave.grep(r"WARNING.*alice_audoi_0.*alice_audio_0"),
                 WARN_WITHIN, lambda: "dave's WARNING (he printed %s)"
                 % dave.grep(r"WARNING|ERROR"))
        log("dave: %s" % dave.grep(r"WARNING")[0])
        check(dave.proc.poll() is None, "dave exited on the warning")
        dave.stop()

        # alice leaves: bob and carol keep their pads, carol records on
        check(alice.interrupt(15) is not None, "alice did not stop")
        time.sleep(2)
        left = bob.count("a")
        check(os.path.exists(rec) and os.path.getsize(rec) > 0,
              "carol recorded nothing")

        # -e recorder whose sender left: ends by itself on SIGINT
        code = carol.interrupt(20)
        check(code is not None,
              "carol (-e) did not end on SIGINT after alice left: %s"
              % carol.grep(r"EOS|Waiting")[-3:])
        check(code == 0, "carol exited %s" % code)
        check(carol.grep(r"Got EOS from element"),
              "carol: no EOS reached the pipeline's end")
        disc = subprocess.run(
            ["gst-discoverer-1.0", rec], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, timeout=30)
        m = re.search(r"Duration: (\d+):(\d+):([\d.]+)", disc.stdout)
        check(disc.returncode == 0 and m, "gst-discoverer-1.0 on carol's "
              "recording: %s" % disc.stdout.strip())
        dur = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + \
            float(m.group(3))
        check(dur > 0.5, "carol's recording lasts %.3f s" % dur)
        log("carol's recording: %.3f s, %d bytes" % (dur,
                                                   os.path.getsize(rec)))

        # alice joins again (new keys): bob's same pad plays again
        alice = Launch("alice-again", sender(url), tmp)
        procs.append(alice)
        wait_for(lambda: bob.count("a") >= left + WANT_AUDIO, TIMEOUT,
                 lambda: "bob decoding after alice rejoined (%d after %d)"
                 % (bob.count("a") - left, left))
        log("after the rejoin bob decoded %d more buffers"
            % (bob.count("a") - left))

        # the server restarts on the same port: both reconnect, bob plays
        check(stop_server(server) == 0, "server exited %s on SIGTERM"
              % server.returncode)
        time.sleep(1)
        down = bob.count("a")
        server, url2 = start_server(server_path, tmp, port)
        check(url2 == url, "restarted on %s, not %s" % (url2, url))
        wait_for(lambda: bob.count("a") >= down + WANT_AUDIO, TIMEOUT,
                 lambda: "bob decoding after the server restart "
                 "(%d after %d)" % (bob.count("a") - down, down))
        log("after the server restart bob decoded %d more buffers"
            % (bob.count("a") - down))

        # one pad all along: never a second alice_audio_0 pad, no error
        check(not bob.grep(r"alice-p\d+_audio_0"),
              "bob got a renamed pad: %s" % bob.grep(r"alice-p")[:2])
        check(not bob.grep(r"ERROR"), "bob: %s" % bob.grep(r"ERROR"))
        check(bob.proc.poll() is None, "bob exited (%s)"
              % bob.proc.returncode)
    finally:
        for p in procs:
            p.stop()
        stop_server(server)



if __name__ == "__main__":
    sys.exit(launchlib.main(__doc__, "launch-survive", run,
                            ("gst-launch-1.0", "gst-discoverer-1.0")))
