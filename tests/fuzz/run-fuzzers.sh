#!/bin/sh
# Runs every libFuzzer target of the e2ee plugin for a while.
#
#   tests/fuzz/run-fuzzers.sh BUILDDIR SECONDS
#
# BUILDDIR is a build configured with -Dfuzzing=true (see README.md).
# Each target runs for SECONDS on a copy of its seed corpus
# (tests/fuzz/corpus/TARGET) in a temporary directory: nothing is written
# into the source tree.  Exits non-zero if any target crashes, leaks,
# times out, reports undefined behaviour or violates one of its
# properties; the reproducers are then kept in $FUZZ_ARTIFACTS (default: a
# new directory under ${TMPDIR:-/tmp}, printed at the end).
#
# Environment: FUZZ_TARGETS (default: all six targets),
# FUZZ_ARTIFACTS, FUZZ_EXTRA_ARGS (more libFuzzer flags), FUZZ_CORPUS_OUT
# (a directory that receives each target's final corpus, e.g. to measure
# coverage with a -fprofile-instr-generate build, see README.md).
set -u

usage () {
  echo "usage: $0 BUILDDIR SECONDS" >&2
  exit 2
}
[ $# -eq 2 ] || usage
builddir=$1
seconds=$2
case $seconds in
  ''|*[!0-9]*) usage ;;
esac
srcdir=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "$builddir" 2>/dev/null && pwd) || {
  echo "$0: no build directory $1" >&2
  exit 2
}
targets=${FUZZ_TARGETS:-fuzz-sframe fuzz-e2eedec fuzz-proto fuzz-signaling fuzz-session fuzz-wsguard}

work=$(mktemp -d "${TMPDIR:-/tmp}/e2ee-fuzz.XXXXXX") || exit 2
# shellcheck disable=SC2317 # called by the trap
cleanup () {
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sanitizers: any report is fatal, with a stack.  Leak detection stays on
# (libFuzzer checks every input that mallocs more than it frees).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:report_error_type=1}
# GLib: plain malloc so that ASan sees every block
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$srcdir/lsan-fuzz.supp:print_suppressions=0}
G_SLICE=always-malloc
G_DEBUG=gc-friendly
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS G_SLICE G_DEBUG
# no debug output, no GStreamer registry in $HOME
unset GST_DEBUG GST_TRACERS
XDG_CACHE_HOME=$work/cache
XDG_STATE_HOME=$work/state
export XDG_CACHE_HOME XDG_STATE_HOME

status=0
summary=$work/summary
: > "$summary"
for t in $targets; do
  exe=$builddir/tests/fuzz/$t
  if [ ! -x "$exe" ]; then
    echo "$0: $exe is missing (configure with -Dfuzzing=true)" >&2
    status=1
    continue
  fi
  case $t in
    fuzz-sframe) max_len=1024 ;;
    *) max_len=4096 ;;
  esac
  corpus=$work/$t/corpus
  mkdir -p "$corpus" "$work/$t/artifacts"
  if [ -d "$srcdir/corpus/$t" ]; then
    cp "$srcdir/corpus/$t"/* "$corpus"/
  fi
  log=$work/$t/log
  echo "== $t: ${seconds}s, $(find "$corpus" -type f | wc -l) seeds, -max_len=$max_len"
  # the suppressions (lsan-fuzz.supp) match frames inside GLib and
  # json-glib, which have no frame pointers: unwind those targets fully
  case $t in
    fuzz-signaling|fuzz-session)
      asan=$ASAN_OPTIONS:fast_unwind_on_malloc=0:malloc_context_size=30 ;;
    *) asan=$ASAN_OPTIONS ;;
  esac
  # shellcheck disable=SC2086
  ASAN_OPTIONS=$asan "$exe" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 \
    -rss_limit_mb=2560 -print_final_stats=1 -print_pcs=0 \
    -artifact_prefix="$work/$t/artifacts/" ${FUZZ_EXTRA_ARGS:-} \
    "$corpus" > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ncorp=$(find "$corpus" -type f | wc -l)
  if [ $rc -ne 0 ] || grep -q -e 'ERROR: AddressSanitizer' \
      -e 'ERROR: LeakSanitizer' -e 'runtime error:' "$log"; then
    result=FAIL
    status=1
    tail -n 60 "$log"
  else
    result=ok
  fi
  if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then
    mkdir -p "$FUZZ_CORPUS_OUT/$t"
    cp "$corpus"/* "$FUZZ_CORPUS_OUT/$t"/ 2>/dev/null
  fi
  printf '%-14s %-5s rc=%-3s runs=%-9s exec/s=%-7s cov=%-6s ft=%-6s corpus=%s\n' \
    "$t" "$result" "$rc" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
    "$ncorp" >> "$summary"
done

echo
echo "== summary (cov = instrumented edges covered, ft = features)"
cat "$summary"
if [ $status -ne 0 ]; then
  keep=${FUZZ_ARTIFACTS:-$(mktemp -d "${TMPDIR:-/tmp}/e2ee-fuzz-artifacts.XXXXXX")}
  mkdir -p "$keep"
  for t in $targets; do
    if [ -d "$work/$t" ]; then
      mkdir -p "$keep/$t"
      cp -r "$work/$t/artifacts" "$work/$t/log" "$keep/$t/" 2>/dev/null
    fi
  done
  echo "FAILED: reproducers and logs in $keep" >&2
  echo "(run one with: $builddir/tests/fuzz/TARGET FILE)" >&2
fi
exit $status
