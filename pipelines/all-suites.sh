#!/usr/bin/env bash
# Encrypts and decrypts with gst-launch-1.0 in every cipher suite and both
# modes (per packet on Opus RTP, per frame on VP8) and checks the output is
# bit-identical to the input. Used as a test (meson test all-suites).
set -euo pipefail

KEY=${KEY:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
n=0

for suite in aes-128-ctr-hmac-sha256-80 aes-128-ctr-hmac-sha256-64 \
  aes-128-ctr-hmac-sha256-32 aes-128-gcm-sha256-128 aes-256-gcm-sha512-128; do
  enc="e2eeenc cipher-suite=$suite key=$KEY counter-dir=$work/counters"
  dec="e2eedec cipher-suite=$suite key=$KEY"
  gst-launch-1.0 -q \
    audiotestsrc num-buffers=50 ! opusenc ! rtpopuspay ! tee name=a \
    a. ! queue ! rtpstreampay ! filesink location="$work/rtp.in" \
    a. ! queue ! $enc kid=1 ! $dec ! rtpstreampay ! filesink location="$work/rtp.out" \
    videotestsrc num-buffers=20 ! video/x-raw,width=160,height=120 ! vp8enc ! tee name=v \
    v. ! queue ! filesink location="$work/frame.in" \
    v. ! queue ! $enc kid=2 ! $dec ! filesink location="$work/frame.out"
  for mode in rtp frame; do
    n=$((n + 1))
    if [ -s "$work/$mode.in" ] && cmp -s "$work/$mode.in" "$work/$mode.out"; then
      echo "ok: $suite $mode ($(stat -c %s "$work/$mode.in") bytes)"
    else
      echo "FAIL: $suite $mode"
      fail=$((fail + 1))
    fi
  done
done
echo "all-suites: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
