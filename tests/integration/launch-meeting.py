#!/usr/bin/env python3
"""A meeting of real gst-launch-1.0 lines against the real gst-meeting-server
on 127.0.0.1: the cipher suite travels in the caps.

  launch-meeting.py SERVER

alice sends audio and video with two non-default cipher suites (e2eeenc
cipher-suite=...). bob's e2eedec elements have no suite set: they take it
from the caps that alice's announcement carries, and decode both streams
(buffers counted at fakesinks after opusdec and vp8dec). carol sets the
wrong suite on her audio e2eedec on purpose: the property overrides the
caps, she is told so with a WARNING, and decodes no audio while her video
(no suite set) plays. Keys come from keyexchange in every line.

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import re
import sys
import time

AUDIO_SUITE = "aes-128-gcm-sha256-128"
VIDEO_SUITE = "aes-128-ctr-hmac-sha256-80"
DEFAULT_SUITE = "aes-256-gcm-sha512-128"
WANT_AUDIO = 50  # decoded audio buffers (20 ms each)
WANT_VIDEO = 10  # decoded video frames
TIMEOUT = 60


import launchlib  # noqa: E402
from launchlib import Fail, Launch, check, log, start_server, stop_server, \
    wait_for  # noqa: E402


def caps_of(launch, pad, field):
    """The values of a caps field in the caps -v printed for pads matching
    pad."""
    vals = set()
    for ln in launch.grep(pad + r": caps = "):
        m = re.search(field + r"=\(string\)([\w-]+)", ln)
        vals.add(m.group(1) if m else None)
    return vals


def receiver(url, name, audio_dec):
    return ("meetingsrc name=m uri=%s/demo participant=%s "
            "m.alice_audio_0 ! %s ! rtpopusdepay ! opusdec ! "
            "fakesink name=a silent=false sync=false async=false "
            "m.alice_video_0 ! e2eedec name=vdec ! "
            "rtpvp8depay request-keyframe=true ! vp8dec ! "
            "fakesink name=v silent=false sync=false async=false keyexchange"
            % (url, name, audio_dec))


def run(server_path, tmp):
    server, url = start_server(server_path, tmp)
    procs = []
    try:

        alice = Launch("alice", (
            "meetingsink name=m uri=%s/demo participant=alice "
            "audiotestsrc is-live=true ! opusenc ! rtpopuspay ! "
            "e2eeenc name=aenc cipher-suite=%s ! m.audio_0 "
            "videotestsrc is-live=true ! "
            "video/x-raw,width=64,height=48,framerate=15/1 ! "
            "vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay ! "
            "e2eeenc name=venc cipher-suite=%s ! m.video_0 keyexchange"
            % (url, AUDIO_SUITE, VIDEO_SUITE)), tmp)
        procs.append(alice)
        bob = Launch("bob", receiver(url, "bob", "e2eedec name=adec"), tmp)
        procs.append(bob)

        wait_for(lambda: bob.count("a") >= WANT_AUDIO and
                 bob.count("v") >= WANT_VIDEO, TIMEOUT,
                 lambda: "bob decoding alice (audio %d/%d, video %d/%d)" % (
                     bob.count("a"), WANT_AUDIO, bob.count("v"), WANT_VIDEO))
        log("bob decoded %d audio buffers and %d video frames"
            % (bob.count("a"), bob.count("v")))

        # bob decoded both streams with no suite set: the suites came from
        # the caps. Where gst-launch -v printed a pad's caps (its
        # deep-notify lines are not printed for every pad every time, and
        # our reader threads may lag), they must say so too.
        time.sleep(1)
        for who, pad, field, want in (
                (alice, r"aenc\.GstPad:src", "sframe-suite", {AUDIO_SUITE}),
                (alice, r"venc\.GstPad:src", "sframe-suite", {VIDEO_SUITE}),
                (bob, r"adec\.GstPad:sink", "sframe-suite", {AUDIO_SUITE}),
                (bob, r"vdec\.GstPad:sink", "sframe-suite", {VIDEO_SUITE}),
                (bob, r"adec\.GstPad:src", "encryption", {None}),
                (bob, r"vdec\.GstPad:src", "encryption", {None})):
            got = caps_of(who, pad, field)
            check(not got or got == want, "%s %s %s: %s, want %s" %
                  (who.name, pad, field, got, want))
            if not got:
                log("(%s: gst-launch -v printed no caps for %s)"
                    % (who.name, pad))
        check(not bob.grep(r"WARNING|ERROR"),
              "bob: %s" % bob.grep(r"WARNING|ERROR"))

        # carol overrides the audio suite with the wrong one
        carol = Launch("carol", receiver(
            url, "carol", "e2eedec name=adec cipher-suite=" + DEFAULT_SUITE),
            tmp)
        procs.append(carol)
        wait_for(lambda: carol.count("v") >= WANT_VIDEO, TIMEOUT,
                 lambda: "carol decoding alice's video (%d/%d)"
                 % (carol.count("v"), WANT_VIDEO))
        warned = carol.grep(r"WARNING.*e2eedec|cipher-suite .* overrides")
        check(any(DEFAULT_SUITE in w and AUDIO_SUITE in w
                  for w in carol.grep(r"overrides")),
              "carol was not told that her suite overrides the caps: %s"
              % warned)
        # bob keeps decoding through carol's join (a rekey)
        before = bob.count("a")
        wait_for(lambda: bob.count("a") >= before + WANT_AUDIO, TIMEOUT,
                 "bob decoding after carol joined")
        check(carol.count("a") == 0,
              "carol decoded %d audio buffers with the wrong suite"
              % carol.count("a"))
        log("carol: %d video frames, 0 audio, warned: %s"
            % (carol.count("v"), warned[0] if warned else "?"))
        for p in procs:
            check(p.proc.poll() is None,
                  "%s exited early (%s)" % (p.name, p.proc.returncode))
    finally:
        for p in procs:
            p.stop()
        rc = stop_server(server)
    check(rc == 0, "server exited %s on SIGTERM" % rc)



if __name__ == "__main__":
    sys.exit(launchlib.main(__doc__, "launch-meeting", run))
