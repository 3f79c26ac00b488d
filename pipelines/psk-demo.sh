#!/usr/bin/env bash
# Pre-shared-key demo: VP8 video (per-frame SFrame) and Opus RTP audio
# (per-packet SFrame) are encrypted, recorded as they would cross the
# network, decrypted, and compared with the input bit for bit.
#
# Needs the e2ee plugin on GST_PLUGIN_PATH (tools/dev.sh demo sets it).
set -euo pipefail

KEY=${KEY:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "pre-shared SFrame base key: (random, 16 bytes, not shown)"
echo "encrypting 90 VP8 frames (AES_256_GCM_SHA512_128, per frame) and"
echo "3 s of Opus RTP audio (AES_128_CTR_HMAC_SHA256_80, per packet)..."

# One pipeline: each stream is teed before encryption (input), after
# encryption (what a relay sees) and after decryption (output).
# rtpstreampay frames RTP packets in the files (RFC 4571) so that packet
# boundaries survive.
gst-launch-1.0 -q \
  videotestsrc num-buffers=90 pattern=ball \
    ! video/x-raw,width=320,height=240,framerate=30/1 \
    ! vp8enc deadline=1 ! tee name=v \
  v. ! queue ! filesink location="$work/video.in" \
  v. ! queue ! e2eeenc key="$KEY" kid=2 counter-dir="$work/counters" \
    ! tee name=vc \
  vc. ! queue ! filesink location="$work/video.wire" \
  vc. ! queue ! e2eedec key="$KEY" ! filesink location="$work/video.out" \
  audiotestsrc num-buffers=150 freq=440 \
    ! opusenc ! rtpopuspay ! tee name=a \
  a. ! queue ! rtpstreampay ! filesink location="$work/audio.in" \
  a. ! queue ! e2eeenc key="$KEY" kid=1 counter-dir="$work/counters" \
      cipher-suite=aes-128-ctr-hmac-sha256-80 ! tee name=ac \
  ac. ! queue ! rtpstreampay ! filesink location="$work/audio.wire" \
  ac. ! queue ! e2eedec key="$KEY" cipher-suite=aes-128-ctr-hmac-sha256-80 \
    ! rtpstreampay ! filesink location="$work/audio.out"

echo
echo "first 48 bytes of the VP8 stream, in clear and on the wire:"
od -An -tx1 -N48 "$work/video.in"
od -An -tx1 -N48 "$work/video.wire"
echo "first Opus RTP packet (2-byte length, 12-byte RTP header, payload):"
od -An -tx1 -N40 "$work/audio.in"
od -An -tx1 -N40 "$work/audio.wire"
echo

python3 "$(dirname "$0")/check_ciphertext.py" "$work"
