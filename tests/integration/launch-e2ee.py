#!/usr/bin/env python3
"""A pre-shared-key gst-launch-1.0 line whose e2eedec cannot decrypt (wrong
key, KID or cipher suite) prints a WARNING naming the reason; the right key
prints none.

  launch-e2ee.py

Runs real gst-launch-1.0 processes with the e2ee plugin of the build
(GST_PLUGIN_PATH_1_0 as meson sets it).  gst-launch-1.0 (1.22) prints
WARNING messages on stdout and ERRORs on stderr, so both are read.  Each
case is bounded in time.

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later
"""

import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

KEY = "000102030405060708090a0b0c0d0e0f"
WRONG_KEY = "0f0e0d0c0b0a09080706050403020100"
SRC = "audiotestsrc num-buffers=30 ! audioconvert ! rtpL16pay"


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def launch(line, state, timeout=30):
    """Runs gst-launch-1.0 on line to its end: (rc, stdout + stderr)."""
    env = dict(os.environ, XDG_STATE_HOME=state)
    p = subprocess.run(["gst-launch-1.0"] + line.split(), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, text=True)
    return p.returncode, p.stdout


def warnings(out):
    return [l for l in out.splitlines() if l.startswith("WARNING: from element")]


def case_ends(state, name, enc, dec, want, first=None):
    """A short non-live stream: the WARNING comes at EOS at the latest.
    first: the words of a WARNING that must come before it (a cipher-suite
    set on e2eedec against the suite e2eeenc marked in the caps)."""
    enc = f"e2eeenc {enc} ! " if enc else ""
    rc, out = launch(f"{SRC} ! {enc}e2eedec {dec} ! fakesink", state)
    w = warnings(out)
    if want is None:
        check(rc == 0, f"{name}: exit {rc}\n{out}")
        check(not w, f"{name}: unexpected WARNING\n{out}")
        print(f"ok {name}: no WARNING", flush=True)
        return
    check(rc == 0, f"{name}: exit {rc} (a WARNING is not fatal)\n{out}")
    if first is not None:
        check(len(w) == 2, f"{name}: {len(w)} WARNINGs, want 2\n{out}")
        for word in first:
            check(word in w[0], f"{name}: WARNING lacks '{word}': {w[0]}")
        print(f"ok {name}: {w[0]}", flush=True)
        w = w[1:]
    check(len(w) == 1, f"{name}: {len(w)} WARNINGs, want 1\n{out}")
    for word in want:
        check(word in w[0], f"{name}: WARNING lacks '{word}': {w[0]}")
    check("GstE2eeDec" in w[0], f"{name}: not from e2eedec: {w[0]}")
    print(f"ok {name}: {w[0]}", flush=True)


def case_live(state):
    """A live stream that never ends: the WARNING comes after
    failure-warning-timeout of the pipeline clock, while playing; then
    SIGINT ends the line."""
    env = dict(os.environ, XDG_STATE_HOME=state)
    line = (f"audiotestsrc is-live=true ! audioconvert ! rtpL16pay ! "
            f"e2eeenc key={KEY} kid=7 ! "
            f"e2eedec key={WRONG_KEY} failure-warning-timeout=700 ! fakesink")
    p = subprocess.Popen(["gst-launch-1.0"] + line.split(), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, bufsize=1)
    out = []
    found = None
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline and found is None:
            r, _, _ = select.select([p.stdout], [], [], 0.5)
            if not r:
                check(p.poll() is None, "live: gst-launch ended\n" + "".join(out))
                continue
            line = p.stdout.readline()
            if not line:
                break
            out.append(line)
            if line.startswith("WARNING: from element"):
                found = line.strip()
        check(found, "live: no WARNING within 20 s\n" + "".join(out))
        # gst-launch's stdout is a pipe (block buffered): the time is read
        # from the message, which e2eedec measures on the pipeline clock
        m = re.search(r"frames dropped in (\d+) ms", found)
        check(m, f"live: no duration in: {found}")
        check("auth-failed" in found and "wrong key" in found,
              f"live: WARNING does not name the reason: {found}")
        check(int(m.group(1)) >= 700, f"live: WARNING after {m.group(1)} ms, "
              "before failure-warning-timeout (700 ms)")
        check(p.poll() is None, "live: gst-launch ended by itself")
        print(f"ok live: {found}", flush=True)
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def main():
    with tempfile.TemporaryDirectory(prefix="launch-e2ee-") as state:
        case_ends(state, "right key", f"key={KEY} kid=1", f"key={KEY}", None)
        case_ends(state, "wrong key", f"key={KEY} kid=2",
                  f"key={WRONG_KEY}", ["auth-failed", "wrong key", "KID 2"])
        case_ends(state, "wrong KID", f"key={KEY} kid=3",
                  f"key={KEY} kid=4", ["unknown-kid", "KID 3"])
        case_ends(state, "wrong suite",
                  f"key={KEY} kid=5 cipher-suite=aes-128-ctr-hmac-sha256-80",
                  f"key={KEY} cipher-suite=aes-256-gcm-sha512-128",
                  ["auth-failed", "cipher-suite"],
                  first=["cipher-suite aes-256-gcm-sha512-128 overrides",
                         "aes-128-ctr-hmac-sha256-80"])
        case_ends(state, "not encrypted", "", f"key={KEY}",
                  ["Nothing decrypted", "frames dropped"])
        case_live(state)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Fail, subprocess.TimeoutExpired) as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
