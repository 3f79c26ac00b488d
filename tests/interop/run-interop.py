#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 gst-e2ee-meeting contributors
"""SFrame interoperability test: e2eeenc/e2eedec against sframe_ref.py.

sframe_ref.py is an independent implementation of RFC 9605 (Python, stdlib
+ python3-cryptography).  For every cipher suite, in RTP mode and in frame
mode:

  (a) Python encrypts frames / RTP packets (KIDs and CTRs across the
      7/8, 255/256, ... 2^56 boundaries up to 2^64-1, empty and large
      payloads, RTP with CSRCs, header extensions and padding) and e2eedec
      must output exactly the RTP header (P bit cleared) + plaintext, or the
      plaintext frame with the original caps;
  (b) e2eeenc encrypts and Python decrypts, checking the KID, the CTR, the
      minimal header encoding and the metadata taken from the clear RTP
      header; high counters are reached by priming the counter state file;
  (c) tampered Python ciphertexts (ciphertext, tag, header, metadata) and a
      replayed packet are dropped by e2eedec and counted in its stats.

Usage: run-interop.py --tool <interop-tool> [--vectors <json>] [--seed N]
                      [--time-budget S] [--tool-wrapper CMD] [--keep]
                      [--verbose]
Exit status 0 when everything passed, 1 on a failure, 77 (skip) when
python3-cryptography is missing.  The last line is
"interop: N passed, M failed".
"""

import argparse
import glob
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import sframe_ref as ref  # noqa: E402

TIME_BUDGET = 55.0          # seconds for the whole run
TOOL_TIMEOUT = 20.0         # seconds for one interop-tool run

U64 = (1 << 64) - 1

# KIDs and CTRs that cross every length boundary of the header encoding.
KIDS_A = [0, 7, 8, 255, 256, 65535, 65536, 1 << 32, (1 << 56) - 1, 1 << 56,
          U64 - 1, U64]
CTRS_A = [0, 1, 6, 7, 8, 9, 254, 255, 256, 257, 65535, 65536, (1 << 24) - 1,
          1 << 24, (1 << 32) - 1, 1 << 32, 1 << 40, (1 << 48) - 1,
          (1 << 56) - 1, 1 << 56, U64 - 1, U64]
# KIDs of e2eeenc, one per (suite, mode)
KIDS_ENC = [0, 7, 8, 255, 256, 65536, (1 << 32) - 1, 1 << 56, U64 - 1, U64]
# First counters of the primed e2eeenc runs: 4 packets each cross a boundary.
PRIMES_ALL = [(1 << 16) - 2, (1 << 24) - 2, (1 << 32) - 2, (1 << 40) - 2,
              (1 << 48) - 2, (1 << 56) - 2, U64 - 5]
PRIMES_SOME = [(1 << 32) - 2, (1 << 56) - 2]

RTP_CAPS = ("application/x-rtp,media=video,clock-rate=90000,"
            "encoding-name=VP8,payload=96")
FRAME_CAPS = "video/x-vp8,width=(int)320,height=(int)240,framerate=(fraction)30/1"
# what e2eeenc adds to RTP caps (docs/e2eeenc.md)
SUITE_MARK = ",encryption=(string)sframe,sframe-suite=(string)%s"

AUTH_ALL = "marker+payload-type+timestamp+ssrc+sequence+csrc"


# ------------------------------------------------------------------ RTP

class Rtp:
    """A parsed RTP packet (RFC 3550 section 5.1)."""

    def __init__(self, data):
        if len(data) < 12 or data[0] >> 6 != 2:
            raise ValueError("not RTP v2")
        self.data = bytes(data)
        b0, b1 = data[0], data[1]
        self.padding = bool(b0 & 0x20)
        self.has_ext = bool(b0 & 0x10)
        cc = b0 & 0x0f
        self.marker = b1 >> 7
        self.pt = b1 & 0x7f
        self.seq = int.from_bytes(data[2:4], "big")
        self.ts = int.from_bytes(data[4:8], "big")
        self.ssrc = int.from_bytes(data[8:12], "big")
        pos = 12
        self.csrcs = [int.from_bytes(data[pos + 4 * i:pos + 4 * i + 4], "big")
                      for i in range(cc)]
        pos += 4 * cc
        if self.has_ext:
            words = int.from_bytes(data[pos + 2:pos + 4], "big")
            pos += 4 + 4 * words
        if pos > len(data):
            raise ValueError("truncated RTP header")
        self.header_len = pos
        end = len(data)
        if self.padding:
            end -= data[-1]
        if end < pos:
            raise ValueError("bad RTP padding")
        self.header = self.data[:pos]
        self.payload = self.data[pos:end]


def rtp_build(payload, pt=96, seq=0, ts=0, ssrc=0x11223344, marker=0,
              csrcs=(), ext=None, padding=0):
    """ext: (profile, data) with len(data) % 4 == 0; padding: pad bytes."""
    b0 = 0x80 | len(csrcs)
    if padding:
        b0 |= 0x20
    if ext is not None:
        b0 |= 0x10
    h = bytes([b0, (marker << 7) | pt]) + seq.to_bytes(2, "big") + \
        ts.to_bytes(4, "big") + ssrc.to_bytes(4, "big")
    for c in csrcs:
        h += c.to_bytes(4, "big")
    if ext is not None:
        profile, data = ext
        h += profile.to_bytes(2, "big") + (len(data) // 4).to_bytes(2, "big")
        h += data
    pad = b""
    if padding:
        pad = bytes(padding - 1) + bytes([padding])
    return h + payload + pad


def clear_p(header):
    return bytes([header[0] & ~0x20]) + header[1:]


def rtp_metadata(rtp, fields):
    """The canonical metadata of e2ee_rtp_metadata(): the selected fields in
    the order M (1 byte 0/1), PT (1), timestamp (4), SSRC (4), sequence (2),
    CSRC count (1) + CSRCs (4 each); big endian."""
    f = set(x for x in fields.split("+") if x) if fields else set()
    m = b""
    if "marker" in f:
        m += bytes([rtp.marker])
    if "payload-type" in f:
        m += bytes([rtp.pt])
    if "timestamp" in f:
        m += rtp.ts.to_bytes(4, "big")
    if "ssrc" in f:
        m += rtp.ssrc.to_bytes(4, "big")
    if "sequence" in f:
        m += rtp.seq.to_bytes(2, "big")
    if "csrc" in f:
        m += bytes([len(rtp.csrcs)])
        for c in rtp.csrcs:
            m += c.to_bytes(4, "big")
    return m


# -------------------------------------------------------------- records

def write_records(path, records):
    with open(path, "wb") as f:
        for r in records:
            f.write(len(r).to_bytes(4, "big"))
            f.write(r)


def read_records(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        pos += 4
        out.append(data[pos:pos + n])
        pos += n
    return out


def caps_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- runner

class Interop:
    def __init__(self, args):
        self.args = args
        self.tool = args.tool
        self.rng = random.Random(args.seed)
        self.passed = 0
        self.failed = 0
        self.budget = args.time_budget
        self.deadline = time.monotonic() + self.budget
        self.wrapper = shlex.split(args.tool_wrapper or "")
        self.tmp = tempfile.mkdtemp(prefix="sframe-interop-")
        self.n = 0

    # -- bookkeeping

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            if self.args.verbose:
                print("ok   " + name)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, (": " + detail) if detail else ""))
        sys.stdout.flush()
        return ok

    def path(self, what):
        self.n += 1
        return os.path.join(self.tmp, "%03d-%s" % (self.n, what))

    def rand_key(self):
        return self.rng.randbytes(self.rng.choice([16, 32, 48, 64]))

    def payload(self, n):
        return self.rng.randbytes(n)

    def run_tool(self, element, caps, records, props, expect_caps=None,
                 use_list=False):
        """Runs interop-tool; returns (rc, outputs, info dict)."""
        left = self.deadline - time.monotonic()
        if left <= 1:
            raise TimeoutError("time budget of %.0f s exhausted" % self.budget)
        inp = self.path("in.rec")
        outp = self.path("out.rec")
        write_records(inp, records)
        cmd = self.wrapper + [self.tool, "--element", element,
                              "--caps", caps, "--input", inp,
                              "--output", outp]
        for k, v in props:
            cmd += ["-p", "%s=%s" % (k, v)]
        if expect_caps is not None:
            cmd += ["--expect-caps", expect_caps]
        if use_list:
            cmd.append("--buffer-list")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=left if self.wrapper else
                               min(TOOL_TIMEOUT, left))
        except subprocess.TimeoutExpired:
            raise TimeoutError("interop-tool timed out: " + " ".join(cmd))
        info = {"stderr": p.stderr, "cmd": " ".join(cmd)}
        for line in p.stdout.splitlines():
            if line.startswith("in=") and " out=" in line:
                a, b = line.split()
                info["in"] = int(a[3:])
                info["out"] = int(b[4:])
            elif "=" in line:
                k, v = line.split("=", 1)
                info[k] = v
        outs = read_records(outp) if os.path.exists(outp) else []
        if self.args.verbose and p.stderr.strip():
            print(p.stderr.rstrip())
        return p.returncode, outs, info

    def stat(self, info, name):
        v = info.get("stat." + name)
        return None if v is None else int(v)

    def tool_ok(self, name, rc, info):
        return self.check(name + " tool", rc == 0,
                          "rc=%d stderr=%s cmd=%s" % (
                              rc, info["stderr"].strip()[-800:], info["cmd"]))

    # -- data

    def rtp_fields(self, i):
        """Varied clear RTP header fields for packet i."""
        r = self.rng
        csrcs = [r.getrandbits(32) for _ in range(r.choice(
            [0, 0, 1, 2, 15]))]
        ext = None
        kind = i % 4
        if kind == 1:     # RFC 8285 one-byte extension
            ext = (0xBEDE, bytes([0x10 | 0, r.getrandbits(8), 0, 0]))
        elif kind == 2:   # two-byte form, 8 bytes
            ext = (0x1000, r.randbytes(8))
        elif kind == 3 and i % 8 == 3:  # empty extension
            ext = (0xABCD, b"")
        return dict(pt=r.choice([96, 97, 111, 127, 0]), seq=(1000 + i) & 0xffff,
                    ts=r.getrandbits(32), ssrc=r.getrandbits(32),
                    marker=r.getrandbits(1), csrcs=csrcs, ext=ext,
                    padding=r.choice([0, 0, 0, 1, 4, 255]))

    def sizes(self, n, large):
        base = [0, 1, 2, 15, 16, 17, 31, 32, 33, 64, 255, 256, 1200, large]
        out = [base[i] if i < len(base) else self.rng.randrange(0, 1400)
               for i in range(n)]
        self.rng.shuffle(out)
        return out

    # -- (a) Python encrypts, e2eedec decrypts

    def py_to_gst(self, suite, rtp, auth=None, use_list=False):
        name = "%s %s py->e2eedec%s%s" % (
            suite.nick, "rtp" if rtp else "frame",
            (" auth=" + (auth or "none")) if auth is not None else "",
            " list" if use_list else "")
        key = self.rand_key()
        ctx = ref.Context(suite, key)
        pairs = [(k, c) for c in CTRS_A for k in KIDS_A]
        sizes = self.sizes(len(pairs), 60000 if rtp else 1 << 20)
        records, expected = [], []
        fields = auth if auth is not None else "marker+payload-type"
        for i, ((kid, ctr), n) in enumerate(zip(pairs, sizes)):
            pt = self.payload(n)
            if rtp:
                f = self.rtp_fields(i)
                # the metadata depends on the header only, not on the payload
                probe = Rtp(rtp_build(b"", **dict(f, padding=0)))
                sf = ctx.encrypt(kid, ctr, rtp_metadata(probe, fields), pt)
                pkt = rtp_build(sf, **f)
                records.append(pkt)
                expected.append(clear_p(Rtp(pkt).header) + pt)
            else:
                records.append(ctx.encrypt(kid, ctr, b"", pt))
                expected.append(pt)
        # no cipher-suite: e2eedec takes the suite from the caps mark, and
        # removes the mark from its output caps
        props = [("key", key.hex()), ("drop-report-interval", "0")]
        if auth is not None:
            props.append(("rtp-auth-fields", auth or "0"))
        if rtp:
            caps = RTP_CAPS + SUITE_MARK % suite.nick
            want_caps = RTP_CAPS
        else:
            caps = "application/x-sframe,original-caps=(GstCaps)" + \
                caps_quote(FRAME_CAPS) + ",sframe-suite=(string)" + suite.nick
            want_caps = FRAME_CAPS
        rc, outs, info = self.run_tool("e2eedec", caps, records, props,
                                       expect_caps=want_caps,
                                       use_list=use_list)
        if not self.tool_ok(name, rc, info):
            return
        self.check(name + " caps", info.get("caps-match") == "yes",
                   "got %s, want %s" % (info.get("caps"), want_caps))
        self.check(name + " count", len(outs) == len(expected),
                   "%d out of %d; stats %s" % (len(outs), len(expected),
                                               info.get("stats")))
        bad = [i for i, (o, e) in enumerate(zip(outs, expected)) if o != e]
        detail = ""
        if bad:
            i = bad[0]
            kid, ctr = pairs[i]
            detail = ("%d differ, first #%d (KID %d CTR %d, %d bytes): got "
                      "%s..., want %s..." % (len(bad), i, kid, ctr, sizes[i],
                                             outs[i][:40].hex(),
                                             expected[i][:40].hex()))
        self.check(name + " bytes", not bad, detail)
        want = {"packets": len(records), "auth-failures": 0, "replays": 0,
                "malformed": 0, "unknown-kid": 0}
        got = {k: self.stat(info, k) for k in want}
        self.check(name + " stats", got == want,
                   "got %s want %s" % (got, want))

    # -- (b) e2eeenc encrypts, Python decrypts

    def gst_to_py(self, suite, rtp, kid, key, counter_dir, first_ctr, count,
                  auth=None, use_list=False, label=""):
        name = "%s %s e2eeenc->py kid=%d ctr=%d%s%s" % (
            suite.nick, "rtp" if rtp else "frame", kid, first_ctr,
            (" auth=" + (auth or "none")) if auth is not None else "", label)
        fields = auth if auth is not None else "marker+payload-type"
        records, plain, headers = [], [], []
        sizes = self.sizes(count, 60000 if rtp else 1 << 20) \
            if count > 20 else [self.rng.randrange(0, 300)
                                for _ in range(count)]
        for i, n in enumerate(sizes):
            pt = self.payload(n)
            plain.append(pt)
            if rtp:
                pkt = rtp_build(pt, **self.rtp_fields(i))
                records.append(pkt)
                headers.append(clear_p(Rtp(pkt).header))
            else:
                records.append(pt)
        props = [("cipher-suite", suite.nick), ("key", key.hex()),
                 ("kid", str(kid)), ("counter-dir", counter_dir)]
        if auth is not None:
            props.append(("rtp-auth-fields", auth or "0"))
        if rtp:
            caps = RTP_CAPS
            want_caps = RTP_CAPS + SUITE_MARK % suite.nick
        else:
            caps = FRAME_CAPS
            want_caps = "application/x-sframe,original-caps=(GstCaps)" + \
                caps_quote(FRAME_CAPS) + ",sframe-suite=(string)" + suite.nick
        rc, outs, info = self.run_tool("e2eeenc", caps, records, props,
                                       expect_caps=want_caps,
                                       use_list=use_list)
        if not self.tool_ok(name, rc, info):
            return
        self.check(name + " caps", info.get("caps-match") == "yes",
                   "got %s, want %s" % (info.get("caps"), want_caps))
        # Every input takes one counter, so the CTR of an output names its
        # input even if some inputs were dropped.
        ctx = ref.Context(suite, key)
        errors, seen = [], set()
        last = None
        for j, out in enumerate(outs):
            try:
                if rtp:
                    r = Rtp(out)
                    sf = r.payload
                    meta = rtp_metadata(r, fields)
                else:
                    sf = out
                    meta = b""
                k, c, hlen = ref.decode_header(sf)
                i = c - first_ctr
                if k != kid or not 0 <= i < len(records) or \
                        (last is not None and c <= last):
                    raise ValueError("KID/CTR %d/%d after CTR %s, want KID %d"
                                     " and CTR %d..%d increasing" % (
                                         k, c, last, kid, first_ctr,
                                         first_ctr + len(records) - 1))
                last = c
                seen.add(i)
                if rtp:
                    if r.header != headers[i]:
                        raise ValueError("RTP header %s, want %s" % (
                            r.header.hex(), headers[i].hex()))
                    if r.padding:
                        raise ValueError("P bit set")
                if sf[:hlen] != ref.encode_header(k, c):
                    raise ValueError("header %s is not the minimal %s" % (
                        sf[:hlen].hex(), ref.encode_header(k, c).hex()))
                if len(sf) != hlen + len(plain[i]) + suite.nt:
                    raise ValueError("SFrame is %d bytes, want %d" % (
                        len(sf), hlen + len(plain[i]) + suite.nt))
                _, _, pt = ctx.decrypt(meta, sf)
                if pt != plain[i]:
                    raise ValueError("plaintext differs")
            except (ValueError, ref.SFrameError) as e:
                errors.append("output %d (CTR %s): %s: %s" % (
                    j, last, type(e).__name__, e))
        self.check(name + " decrypt", not errors and outs,
                   "%d of %d bad, first %s" % (
                       len(errors), len(outs), errors[0] if errors else ""))
        missing = [i for i in range(len(records)) if i not in seen]
        self.check(name + " count", len(outs) == len(records) and
                   not missing,
                   "%d out of %d; no output for inputs of payload sizes %s; "
                   "stats %s" % (len(outs), len(records),
                                 sorted(set(len(plain[i]) for i in missing)),
                                 info.get("stats")))
        want = {"packets": len(records), "dropped-no-key": 0,
                "dropped-invalid": 0,
                "kid.%d.last-counter" % kid: first_ctr + count - 1}
        got = {k: self.stat(info, k) for k in want}
        self.check(name + " stats", got == want,
                   "got %s want %s" % (got, want))

    def prime_counter(self, counter_dir, value):
        """Sets the next counter in the (single) state file of counter_dir:
        the encoder keeps the next free counter there, in decimal."""
        files = [f for f in glob.glob(os.path.join(counter_dir, "*"))
                 if not f.endswith(".lock")]
        if len(files) != 1:
            return False
        with open(files[0], "w") as f:
            f.write("%d\n" % value)
        return True

    def enc_series(self, suite, rtp, kid, primes):
        key = self.rand_key()
        cdir = self.path("counters")
        os.mkdir(cdir)
        # fresh state: counters 0..299 cross 7/8 and 255/256
        self.gst_to_py(suite, rtp, kid, key, cdir, 0, 300)
        for v in primes:
            if not self.check("%s %s prime counter %d" % (
                    suite.nick, "rtp" if rtp else "frame", v),
                    self.prime_counter(cdir, v), "no single state file in " +
                    cdir + ": " + str(os.listdir(cdir))):
                return
            self.gst_to_py(suite, rtp, kid, key, cdir, v, 4)

    # -- (c) tampering and replay

    def tamper(self, suite, rtp):
        name = "%s %s tampered->e2eedec" % (suite.nick,
                                            "rtp" if rtp else "frame")
        key = self.rand_key()
        ctx = ref.Context(suite, key)
        kinds = ["ct", "tag", "hdr-ctr", "hdr-kid", "truncate"]
        if rtp:
            kinds += ["marker", "pt"]
        records, expected, tampered = [], [], []
        for i in range(len(kinds) * 3):
            kid = self.rng.choice([3, 300, 70000])
            ctr = 10 + 3 * i
            pt = self.payload(self.rng.randrange(1, 500))
            kind = kinds[i % len(kinds)]
            f = self.rtp_fields(i) if rtp else None
            meta = rtp_metadata(Rtp(rtp_build(b"", **dict(f, padding=0))),
                                "marker+payload-type") if rtp else b""
            sf = ctx.encrypt(kid, ctr, meta, pt)
            hlen = ref.decode_header(sf)[2]
            bad = bytearray(sf)
            bf = dict(f) if rtp else None
            if kind == "ct":
                bad[hlen + self.rng.randrange(len(pt))] ^= \
                    1 << self.rng.randrange(8)
            elif kind == "tag":
                bad[-1 - self.rng.randrange(suite.nt)] ^= \
                    1 << self.rng.randrange(8)
            elif kind == "hdr-ctr":
                bad = bytearray(ref.encode_header(kid, ctr + 1) + sf[hlen:])
            elif kind == "hdr-kid":
                bad = bytearray(ref.encode_header(kid ^ 1, ctr) + sf[hlen:])
            elif kind == "truncate":
                bad = bad[:-1]
            elif kind == "marker":
                bf["marker"] ^= 1
            elif kind == "pt":
                bf["pt"] ^= 1
            if rtp:
                pkt_bad = rtp_build(bytes(bad), **bf)
                pkt = rtp_build(sf, **f)
                records += [pkt_bad, pkt]
                expected.append(clear_p(Rtp(pkt).header) + pt)
            else:
                records += [bytes(bad), sf]
                expected.append(pt)
            tampered.append(kind)
        # a replay of the first valid one
        records.append(records[1])
        props = [("cipher-suite", suite.nick), ("key", key.hex()),
                 ("drop-report-interval", "0")]
        if rtp:
            caps = RTP_CAPS
        else:
            caps = "application/x-sframe,original-caps=(GstCaps)" + \
                caps_quote(FRAME_CAPS)
        rc, outs, info = self.run_tool("e2eedec", caps, records, props)
        if not self.tool_ok(name, rc, info):
            return
        self.check(name + " only authentic output", outs == expected,
                   "%d out, want %d (%d equal); stats %s" % (
                       len(outs), len(expected),
                       sum(1 for a, b in zip(outs, expected) if a == b),
                       info.get("stats")))
        want = {"packets": len(expected), "auth-failures": len(tampered),
                "replays": 1, "malformed": 0, "unknown-kid": 0}
        got = {k: self.stat(info, k) for k in want}
        self.check(name + " stats", got == want,
                   "got %s want %s (tampered: %s)" % (got, want,
                                                      ",".join(tampered)))
        self.check(name + " drop messages",
                   info.get("drop-messages") == str(len(tampered) + 1),
                   "got %s want %d" % (info.get("drop-messages"),
                                       len(tampered) + 1))

    # -- all

    def run(self):
        passed, fails = ref.self_check(self.args.vectors)
        self.check("sframe_ref RFC 9605 vectors (%d checks)" % passed,
                   not fails, "; ".join(fails[:5]))
        if fails:
            return
        combo = 0
        for sid in sorted(ref.SUITES):
            suite = ref.SUITES[sid]
            for rtp in (True, False):
                self.py_to_gst(suite, rtp)
                if rtp:
                    self.py_to_gst(suite, rtp, auth=AUTH_ALL)
                    self.py_to_gst(suite, rtp, auth="")
                self.enc_series(suite, rtp, KIDS_ENC[combo % len(KIDS_ENC)],
                                PRIMES_ALL if sid == 5 else PRIMES_SOME)
                combo += 1
                if rtp:
                    key = self.rand_key()
                    cdir = self.path("counters")
                    os.mkdir(cdir)
                    self.gst_to_py(suite, rtp, 42, key, cdir, 0, 30,
                                   auth=AUTH_ALL)
                self.tamper(suite, rtp)
        # the buffer-list paths of both elements
        suite = ref.SUITES[5]
        for rtp in (True, False):
            self.py_to_gst(suite, rtp, use_list=True)
            key = self.rand_key()
            cdir = self.path("counters")
            os.mkdir(cdir)
            self.gst_to_py(suite, rtp, 9, key, cdir, 0, 40, use_list=True,
                           label=" list")

    def cleanup(self):
        if self.args.keep:
            print("interop: kept temporary files in " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True, help="path of interop-tool")
    ap.add_argument("--vectors", default=ref.default_vectors_path(),
                    help="RFC 9605 vectors JSON")
    ap.add_argument("--seed", type=int, default=9605,
                    help="random seed (default 9605)")
    ap.add_argument("--time-budget", type=float, default=TIME_BUDGET,
                    help="seconds for the whole run (default %(default)s)")
    ap.add_argument("--tool-wrapper", default="",
                    help="command prefix for interop-tool, e.g. "
                    "'valgrind -q --error-exitcode=9' (raise --time-budget)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary files")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()

    if not ref.HAVE_CRYPTOGRAPHY:
        print("interop: SKIP: python3-cryptography is not installed")
        return 77

    start = time.monotonic()
    t = Interop(args)
    print("interop: seed %d, tool %s" % (args.seed, args.tool))
    try:
        t.run()
    except TimeoutError as e:
        t.check("time budget", False, str(e))
    finally:
        t.cleanup()
    print("interop: %.1f s" % (time.monotonic() - start))
    print("interop: %d passed, %d failed" % (t.passed, t.failed))
    return 0 if t.failed == 0 and t.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
