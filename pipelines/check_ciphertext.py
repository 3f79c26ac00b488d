#!/usr/bin/env python3
"""Checks the files of psk-demo.sh: the wire carries no plaintext, the
output is bit-identical to the input. Exits non-zero otherwise."""
import struct
import sys
from pathlib import Path

WINDOW = 12  # a run of this many plaintext bytes on the wire is a leak


def rtp_stream(data):
    """Packets of an RFC 4571 stream (2-byte big-endian length prefix)."""
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack_from(">H", data, i)
        out.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return out


def rtp_split(pkt):
    cc = pkt[0] & 0x0F
    hlen = 12 + 4 * cc
    if pkt[0] & 0x10:
        (words,) = struct.unpack_from(">H", pkt, hlen + 2)
        hlen += 4 + 4 * words
    return pkt[:hlen], pkt[hlen:]


def leaks(plain_chunks, wire):
    found = 0
    for chunk in plain_chunks:
        for i in range(0, max(0, len(chunk) - WINDOW + 1), WINDOW):
            if chunk[i:i + WINDOW] in wire:
                found += 1
    return found


def main(work):
    work = Path(work)
    ok = True
    vin, vwire, vout = ((work / f"video.{s}").read_bytes() for s in
                        ("in", "wire", "out"))
    ain, awire, aout = ((work / f"audio.{s}").read_bytes() for s in
                        ("in", "wire", "out"))

    apk_in, apk_wire = rtp_stream(ain), rtp_stream(awire)
    headers_clear = all(rtp_split(p)[0][:12] == rtp_split(w)[0][:12]
                        for p, w in zip(apk_in, apk_wire))
    audio_payloads = [rtp_split(p)[1] for p in apk_in]
    wire_payloads = b"".join(rtp_split(p)[1] for p in apk_wire)

    v_leaks = leaks([vin], vwire)
    a_leaks = leaks(audio_payloads, wire_payloads)
    print(f"video: {len(vin)} bytes in, {len(vwire)} on the wire, "
          f"{v_leaks} plaintext {WINDOW}-byte runs on the wire")
    print(f"audio: {len(apk_in)} RTP packets in, {len(apk_wire)} on the wire, "
          f"RTP headers in clear: {headers_clear}, "
          f"{a_leaks} plaintext {WINDOW}-byte payload runs on the wire")
    if v_leaks or a_leaks or not headers_clear or len(apk_in) != len(apk_wire):
        print("FAIL: the wire is not what it should be")
        ok = False
    for name, a, b in (("video", vin, vout), ("audio", ain, aout)):
        same = a == b
        print(f"{name}: decrypted output bit-identical to input: {same}")
        ok = ok and same and len(a) > 0
    print("demo OK" if ok else "demo FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
