"""Shared by the integration tests that drive gst-launch-1.0 lines
(launch-meeting.py, launch-survive.py): a gst-launch-1.0 -v process that
counts the buffers reaching each named fakesink, and the server's start and
stop.

Copyright (C) 2026 gst-e2ee-meeting contributors
SPDX-License-Identifier: LGPL-2.1-or-later

In a sanitizer build (tools/dev.sh's build-asan) meson puts wrappers of
the GStreamer tools first on PATH that preload the sanitizer runtimes
(tests/check/sanitizer-tool.sh.in), so the children need nothing more.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


from meetinglib import Fail, check, log, wait_for  # noqa: F401 (re-exported)


class Launch:
    """A gst-launch-1.0 -v process; counts the buffers reaching each named
    fakesink (silent=false) and keeps every line it prints."""

    def __init__(self, name, line, tmp, eos=False):
        self.name = name
        self.lines = []
        self.counts = {}
        self.lock = threading.Lock()
        argv = [shutil.which("gst-launch-1.0") or "gst-launch-1.0", "-v"]
        if eos:
            argv.append("-e")
        argv += line.split()
        log("%s: %s" % (name, " ".join(argv)))
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace")
        self.out = open(os.path.join(tmp, name + ".log"), "w")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        chain = re.compile(r"last-message = chain .*\((\w+):sink\)")
        for line in self.proc.stdout:
            self.out.write(line)
            with self.lock:
                self.lines.append(line.rstrip("\n"))
                m = chain.search(line)
                if m:
                    self.counts[m.group(1)] = self.counts.get(m.group(1), 0) + 1

    def count(self, sink):
        with self.lock:
            return self.counts.get(sink, 0)

    def grep(self, pattern):
        with self.lock:
            return [ln for ln in self.lines if re.search(pattern, ln)]

    def interrupt(self, timeout):
        """SIGINT; the exit code, or None if it did not end in time."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc.poll() is None:
            if self.interrupt(10) is None:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(5)
        self.out.close()


def start_server(server_path, tmp, port=0):
    server = subprocess.Popen(
        [server_path, "--listen", "127.0.0.1:%d" % port],
        stdout=subprocess.PIPE,
        stderr=open(os.path.join(tmp, "server-%d.err" % port), "w"),
        text=True)
    line = server.stdout.readline().strip()
    check(line.startswith("listening on ws://127.0.0.1:"),
          "server did not start: %r" % line)
    return server, line.split()[-1]


def stop_server(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return server.returncode


def main(doc, name, run, tools=("gst-launch-1.0",)):
    """The command line of a launch test: SERVER_PATH; 77 (skip) when a
    GStreamer tool is missing; logs kept when it fails."""
    if len(sys.argv) != 2:
        print(doc)
        return 2
    for tool in tools:
        if not shutil.which(tool):
            print("SKIP: %s not found" % tool)
            return 77
    tmp = tempfile.mkdtemp(prefix=name + "-")
    try:
        run(sys.argv[1], tmp)
    except Fail as e:
        log("FAIL:", e)
        log("logs kept in", tmp)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    log("PASS")
    return 0
