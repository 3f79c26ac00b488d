#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 gst-e2ee-meeting contributors
"""An independent reference implementation of SFrame (RFC 9605).

Written from the text of RFC 9605 alone, to check the C implementation of
this project against something that does not share its code or its
mistakes.  Only the Python standard library (hmac, hashlib) and the
``cryptography`` package (Debian: python3-cryptography) for the AES block
cipher modes are used.

  section 4.3    header: config byte |X|K(3)|Y|C(3)| then KID, then CTR
  section 4.4.2  key schedule: HKDF-Extract / HKDF-Expand with the labels
                 "SFrame 1.0 Secret key " / "SFrame 1.0 Secret salt "
                 followed by KID (8 bytes) and the cipher suite (2 bytes)
  section 4.4.3  nonce = sframe_salt XOR CTR (big endian, Nn bytes);
                 AAD = header || metadata
  section 4.5    AEADs: AES-GCM, and AES-CTR + HMAC-SHA-256 (4.5.1)

Run ``sframe_ref.py --self-check [vectors.json]`` to verify it against the
RFC 9605 appendix C vectors (header, aes_ctr_hmac and sframe groups).
"""

import hashlib
import hmac
import json
import os
import sys

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.exceptions import InvalidTag
except ImportError:  # pragma: no cover - reported by the callers
    Cipher = None
    AESGCM = None
    InvalidTag = Exception

HAVE_CRYPTOGRAPHY = Cipher is not None

UINT64_MAX = (1 << 64) - 1


class SFrameError(Exception):
    """Base class of the errors of this module."""


class MalformedError(SFrameError):
    """Not a well-formed SFrame ciphertext."""


class AuthError(SFrameError):
    """The authentication tag does not verify."""


# ---------------------------------------------------------------- suites

class Suite:
    """One row of the IANA "SFrame Cipher Suites" registry (section 8.1)
    with the parameters of section 4.5."""

    def __init__(self, ident, name, nick, hash_name, nh, nka, nk, nn, nt):
        self.id = ident
        self.name = name
        self.nick = nick            # GStreamer enum nick of e2eeenc/e2eedec
        self.hash_name = hash_name
        self.nh = nh
        self.nka = nka              # AES key part of Nk (CTR+HMAC), else None
        self.nk = nk
        self.nn = nn
        self.nt = nt

    @property
    def is_ctr_hmac(self):
        return self.nka is not None

    def hash(self):
        return getattr(hashlib, self.hash_name)

    def __repr__(self):
        return "Suite(%s)" % self.name


SUITES = {
    1: Suite(1, "AES_128_CTR_HMAC_SHA256_80", "aes-128-ctr-hmac-sha256-80",
             "sha256", 32, 16, 48, 12, 10),
    2: Suite(2, "AES_128_CTR_HMAC_SHA256_64", "aes-128-ctr-hmac-sha256-64",
             "sha256", 32, 16, 48, 12, 8),
    3: Suite(3, "AES_128_CTR_HMAC_SHA256_32", "aes-128-ctr-hmac-sha256-32",
             "sha256", 32, 16, 48, 12, 4),
    4: Suite(4, "AES_128_GCM_SHA256_128", "aes-128-gcm-sha256-128",
             "sha256", 32, None, 16, 12, 16),
    5: Suite(5, "AES_256_GCM_SHA512_128", "aes-256-gcm-sha512-128",
             "sha512", 64, None, 32, 12, 16),
}


def suite_by_nick(nick):
    for s in SUITES.values():
        if s.nick == nick or s.name == nick:
            return s
    raise KeyError(nick)


# ---------------------------------------------------------------- header

def _min_len(v):
    """Number of bytes of the minimal big-endian encoding of v (v >= 8)."""
    n = 1
    while v >> (8 * n):
        n += 1
    return n


def encode_header(kid, ctr):
    """Section 4.3.  A value 0..7 sits in the config byte (X/Y = 0);
    otherwise X/Y = 1, K/C = length - 1, and the value follows in that many
    bytes, big endian, KID first.  Lengths here are minimal."""
    if not (0 <= kid <= UINT64_MAX and 0 <= ctr <= UINT64_MAX):
        raise ValueError("KID and CTR are 64-bit unsigned")
    config = 0
    tail = b""
    if kid < 8:
        config |= kid << 4
    else:
        n = _min_len(kid)
        config |= 0x80 | ((n - 1) << 4)
        tail += kid.to_bytes(n, "big")
    if ctr < 8:
        config |= ctr
    else:
        n = _min_len(ctr)
        config |= 0x08 | (n - 1)
        tail += ctr.to_bytes(n, "big")
    return bytes([config]) + tail


def decode_header(buf):
    """Parses the header at the start of buf.  Returns (kid, ctr,
    header_length).  This parser is deliberately liberal: it also accepts
    a longer than minimal KID or CTR field (encode_header() always writes
    the minimal form, and the interop test checks that e2eeenc does)."""
    if len(buf) < 1:
        raise MalformedError("empty")
    config = buf[0]
    pos = 1
    x, k = config >> 7, (config >> 4) & 0x7
    y, c = (config >> 3) & 1, config & 0x7
    if x:
        n = k + 1
        if len(buf) < pos + n:
            raise MalformedError("truncated KID")
        kid = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    else:
        kid = k
    if y:
        n = c + 1
        if len(buf) < pos + n:
            raise MalformedError("truncated CTR")
        ctr = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    else:
        ctr = c
    return kid, ctr, pos


# ------------------------------------------------------------------ HKDF

def hkdf_extract(hash_fn, salt, ikm):
    """RFC 5869 section 2.2; an absent salt is HashLen zero bytes."""
    if not salt:
        salt = b"\0" * hash_fn().digest_size
    return hmac.new(salt, ikm, hash_fn).digest()


def hkdf_expand(hash_fn, prk, info, length):
    """RFC 5869 section 2.3."""
    out = b""
    t = b""
    i = 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hash_fn).digest()
        out += t
        i += 1
    return out[:length]


KEY_LABEL = b"SFrame 1.0 Secret key "
SALT_LABEL = b"SFrame 1.0 Secret salt "


def labels(suite, kid):
    tail = kid.to_bytes(8, "big") + suite.id.to_bytes(2, "big")
    return KEY_LABEL + tail, SALT_LABEL + tail


def derive_key_salt(suite, kid, base_key):
    """Section 4.4.2.  Returns (sframe_secret, sframe_key, sframe_salt)."""
    h = suite.hash()
    secret = hkdf_extract(h, b"", base_key)
    key_label, salt_label = labels(suite, kid)
    key = hkdf_expand(h, secret, key_label, suite.nk)
    salt = hkdf_expand(h, secret, salt_label, suite.nn)
    return secret, key, salt


def make_nonce(suite, salt, ctr):
    """Section 4.4.3: salt XOR the counter, big endian over Nn bytes."""
    c = ctr.to_bytes(suite.nn, "big")
    return bytes(a ^ b for a, b in zip(salt, c))


# ----------------------------------------------------------------- AEADs

def _ctr_hmac_subkeys(suite, key):
    return key[:suite.nka], key[suite.nka:]


def _ctr_hmac_tag(suite, auth_key, nonce, aad, ct):
    """Section 4.5.1: HMAC over len(AAD) || len(CT) || Nt (8 bytes each,
    big endian) || nonce || AAD || CT, truncated to Nt bytes."""
    data = (len(aad).to_bytes(8, "big") + len(ct).to_bytes(8, "big") +
            suite.nt.to_bytes(8, "big") + nonce + aad + ct)
    return hmac.new(auth_key, data, hashlib.sha256).digest()[:suite.nt]


def _aes_ctr(enc_key, nonce, data):
    # initial counter block: the 12-byte nonce followed by 32 zero bits
    iv = nonce + b"\0\0\0\0"
    c = Cipher(algorithms.AES(enc_key), modes.CTR(iv)).encryptor()
    return c.update(data) + c.finalize()


def aead_encrypt(suite, key, nonce, aad, pt):
    if len(key) != suite.nk or len(nonce) != suite.nn:
        raise ValueError("bad key or nonce length")
    if suite.is_ctr_hmac:
        enc_key, auth_key = _ctr_hmac_subkeys(suite, key)
        ct = _aes_ctr(enc_key, nonce, pt)
        return ct + _ctr_hmac_tag(suite, auth_key, nonce, aad, ct)
    return AESGCM(key).encrypt(nonce, pt, aad)   # GCM tag is 16 bytes = Nt


def aead_decrypt(suite, key, nonce, aad, ct):
    if len(ct) < suite.nt:
        raise AuthError("shorter than the tag")
    if suite.is_ctr_hmac:
        enc_key, auth_key = _ctr_hmac_subkeys(suite, key)
        body, tag = ct[:-suite.nt], ct[-suite.nt:]
        want = _ctr_hmac_tag(suite, auth_key, nonce, aad, body)
        if not hmac.compare_digest(tag, want):
            raise AuthError("tag mismatch")
        return _aes_ctr(enc_key, nonce, body)
    try:
        return AESGCM(key).decrypt(nonce, ct, aad)
    except InvalidTag:
        raise AuthError("tag mismatch") from None


# ------------------------------------------------------------- SFrame API

class Context:
    """The sender/receiver state of one (suite, base key): derived keys are
    cached per KID."""

    def __init__(self, suite, base_key):
        if isinstance(suite, int):
            suite = SUITES[suite]
        self.suite = suite
        self.base_key = bytes(base_key)
        self._keys = {}

    def key_salt(self, kid):
        if kid not in self._keys:
            _, key, salt = derive_key_salt(self.suite, kid, self.base_key)
            self._keys[kid] = (key, salt)
        return self._keys[kid]

    def encrypt(self, kid, ctr, metadata, pt):
        """Section 4.4.3: header || AEAD(header || metadata, pt)."""
        key, salt = self.key_salt(kid)
        header = encode_header(kid, ctr)
        nonce = make_nonce(self.suite, salt, ctr)
        return header + aead_encrypt(self.suite, key, nonce,
                                     header + metadata, pt)

    def decrypt(self, metadata, sframe):
        """Section 4.4.4.  Returns (kid, ctr, plaintext)."""
        kid, ctr, hlen = decode_header(sframe)
        if len(sframe) < hlen + self.suite.nt:
            raise MalformedError("shorter than header and tag")
        key, salt = self.key_salt(kid)
        nonce = make_nonce(self.suite, salt, ctr)
        pt = aead_decrypt(self.suite, key, nonce,
                          bytes(sframe[:hlen]) + metadata,
                          bytes(sframe[hlen:]))
        return kid, ctr, pt


# -------------------------------------------------------------- self check

def default_vectors_path():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "data", "rfc9605-vectors.json")


def self_check(path=None, verbose=False):
    """Checks every RFC 9605 appendix C vector.  Returns (passed, failures)
    where failures is a list of strings."""
    with open(path or default_vectors_path()) as f:
        vec = json.load(f)
    fails = []
    passed = 0
    h = bytes.fromhex

    def check(name, got, want):
        nonlocal passed
        if got == want:
            passed += 1
        else:
            fails.append("%s: got %s, want %s" % (
                name, got.hex() if isinstance(got, bytes) else got,
                want.hex() if isinstance(want, bytes) else want))

    for i, v in enumerate(vec["header"]):
        kid, ctr = int(v["kid"], 16), int(v["ctr"], 16)
        want = h(v["header"])
        check("header[%d] encode" % i, encode_header(kid, ctr), want)
        check("header[%d] decode" % i, decode_header(want + b"tail"),
              (kid, ctr, len(want)))

    for i, v in enumerate(vec["aes_ctr_hmac"]):
        s = SUITES[v["cipher_suite"]]
        key = h(v["key"])
        ek, ak = _ctr_hmac_subkeys(s, key)
        check("aes_ctr_hmac[%d] enc_key" % i, ek, h(v["enc_key"]))
        check("aes_ctr_hmac[%d] auth_key" % i, ak, h(v["auth_key"]))
        ct = aead_encrypt(s, key, h(v["nonce"]), h(v["aad"]), h(v["pt"]))
        check("aes_ctr_hmac[%d] encrypt" % i, ct, h(v["ct"]))
        try:
            pt = aead_decrypt(s, key, h(v["nonce"]), h(v["aad"]), h(v["ct"]))
        except AuthError as e:
            pt = "AuthError(%s)" % e
        check("aes_ctr_hmac[%d] decrypt" % i, pt, h(v["pt"]))
        bad = bytearray(h(v["ct"]))
        bad[-1] ^= 1
        try:
            aead_decrypt(s, key, h(v["nonce"]), h(v["aad"]), bytes(bad))
            check("aes_ctr_hmac[%d] reject" % i, "accepted", "rejected")
        except AuthError:
            check("aes_ctr_hmac[%d] reject" % i, "rejected", "rejected")

    for i, v in enumerate(vec["sframe"]):
        s = SUITES[v["cipher_suite"]]
        kid, ctr = int(v["kid"], 16), int(v["ctr"], 16)
        base = h(v["base_key"])
        kl, sl = labels(s, kid)
        check("sframe[%d] key_label" % i, kl, h(v["sframe_key_label"]))
        check("sframe[%d] salt_label" % i, sl, h(v["sframe_salt_label"]))
        secret, key, salt = derive_key_salt(s, kid, base)
        check("sframe[%d] secret" % i, secret, h(v["sframe_secret"]))
        check("sframe[%d] key" % i, key, h(v["sframe_key"]))
        check("sframe[%d] salt" % i, salt, h(v["sframe_salt"]))
        check("sframe[%d] nonce" % i, make_nonce(s, salt, ctr), h(v["nonce"]))
        check("sframe[%d] aad" % i, encode_header(kid, ctr) +
              h(v["metadata"]), h(v["aad"]))
        ctx = Context(s, base)
        ct = ctx.encrypt(kid, ctr, h(v["metadata"]), h(v["pt"]))
        check("sframe[%d] encrypt" % i, ct, h(v["ct"]))
        try:
            got = ctx.decrypt(h(v["metadata"]), h(v["ct"]))
        except SFrameError as e:
            got = "error(%s)" % e
        check("sframe[%d] decrypt" % i, got, (kid, ctr, h(v["pt"])))
        try:
            ctx.decrypt(h(v["metadata"]) + b"x", h(v["ct"]))
            check("sframe[%d] metadata bound" % i, "accepted", "rejected")
        except AuthError:
            check("sframe[%d] metadata bound" % i, "rejected", "rejected")

    groups = ("header", "aes_ctr_hmac", "sframe")
    if verbose:
        print("sframe_ref: %d vectors (%s), %d checks passed, %d failed" % (
            sum(len(vec[g]) for g in groups), ", ".join(
                "%s %d" % (g, len(vec[g])) for g in groups),
            passed, len(fails)))
        for f in fails:
            print("  FAIL " + f)
    return passed, fails


def main(argv):
    if len(argv) >= 2 and argv[1] == "--self-check":
        if not HAVE_CRYPTOGRAPHY:
            print("sframe_ref: python3-cryptography is missing",
                  file=sys.stderr)
            return 77
        _, fails = self_check(argv[2] if len(argv) > 2 else None, True)
        return 1 if fails else 0
    print("usage: %s --self-check [rfc9605-vectors.json]" % argv[0],
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
