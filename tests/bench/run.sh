#!/bin/sh
# Runs the benchmarks of the e2ee plugin and prints their tables.
#
#   tests/bench/run.sh BUILDDIR
#
# BUILDDIR must have been configured with -Dbenchmarks=true (the default);
# use an optimised build without sanitizers (e.g. buildtype=release or the
# default debugoptimized).  See README.md here for reading the output.
# Environment: BENCH_REPS, BENCH_REP_MS (bench-sframe), BENCH_PACKETS,
# BENCH_LIST, BENCH_ONLY (bench-elements), BENCH_TSV=1 for tab-separated
# output (bench-sframe, bench-elements); BENCH_SECONDS, BENCH_PARTICIPANTS,
# BENCH_PPS, BENCH_PAYLOAD, BENCH_SERVER (bench-relay).
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILDDIR" >&2
  exit 2
fi
builddir=$(cd "$1" && pwd)
for b in bench-sframe bench-elements bench-kx bench-relay; do
  if [ ! -x "$builddir/tests/bench/$b" ]; then
    echo "$0: $builddir/tests/bench/$b is missing (ninja -C $1; " \
      "-Dbenchmarks=true)" >&2
    exit 2
  fi
done

# bench-relay spawns the meeting server of this build
BENCH_SERVER=${BENCH_SERVER:-$builddir/tools/gst-meeting-server}
if [ ! -x "$BENCH_SERVER" ]; then
  echo "$0: $BENCH_SERVER is missing (ninja -C $1)" >&2
  exit 2
fi
export BENCH_SERVER

# Refuse to pretend: sanitizer or unoptimised builds give meaningless
# numbers.
opts=$(python3 - "$builddir" <<'EOF' 2>/dev/null || true
import json, sys
o = {x["name"]: x["value"] for x in
     json.load(open(sys.argv[1] + "/meson-info/intro-buildoptions.json"))}
print(o.get("buildtype", "?"), o.get("b_sanitize", "none"))
EOF
)
# shellcheck disable=SC2086 # split "buildtype sanitizer" on purpose
set -- $opts
if [ "${2:-none}" != "none" ] || [ "${1:-?}" = "debug" ] || \
    [ "${1:-?}" = "plain" ]; then
  echo "WARNING: $builddir is buildtype=${1:-?} b_sanitize=${2:-?}:" \
    "these numbers do not describe a production build" >&2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/e2ee-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# a private registry: the system plugins (srtp) plus the plugin built here
# (a sanitizer build of the plugin cannot be loaded by the uninstrumented
# gst-plugin-scanner: bench-elements then loads it itself)
GST_REGISTRY=$tmp/registry.bin
if [ "${2:-none}" = "none" ]; then
  GST_PLUGIN_PATH=$builddir/gst/e2ee${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}
  export GST_PLUGIN_PATH
fi
XDG_STATE_HOME=$tmp/state
export GST_REGISTRY XDG_STATE_HOME
unset GST_DEBUG GST_TRACERS 2>/dev/null || true

tsv=
if [ "${BENCH_TSV:-0}" = 1 ]; then
  tsv=--tsv
fi

echo "== $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null |
  cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, load: $(cut -d' ' -f1-3 \
  /proc/loadavg 2>/dev/null)"
echo "== OpenSSL $(openssl version 2>/dev/null | cut -d' ' -f2)," \
  "libsodium $(pkg-config --modversion libsodium 2>/dev/null)," \
  "GStreamer $(pkg-config --modversion gstreamer-1.0 2>/dev/null)," \
  "libnice $(pkg-config --modversion nice 2>/dev/null), Linux $(uname -r)"
echo
"$builddir/tests/bench/bench-sframe" $tsv
echo
"$builddir/tests/bench/bench-elements" $tsv
echo
"$builddir/tests/bench/bench-kx"
echo
"$builddir/tests/bench/bench-relay"
