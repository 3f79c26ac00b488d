#!/usr/bin/env bash
# One entry point for set-up, build, demo and tests (see README.md).
#
#   tools/dev.sh demo    install what is missing, build, run the demo
#   tools/dev.sh test    install what is missing, build, run every test:
#                        unit + interop tests, the leak-tracer run, the
#                        ASan/UBSan build, and the fuzz targets (bounded)
#   tools/dev.sh build   install what is missing and build only
#   tools/dev.sh bench   build and run the benchmarks (on demand)
#
# Works as root or through sudo on a minimal Debian 12 (bookworm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

BUILD_PKGS=(gcc libc6-dev meson ninja-build pkg-config python3 libsoup-3.0-dev libnice-dev
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libsodium-dev libssl-dev libjson-glib-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-base-apps
  glib-networking)
TEST_PKGS=(clang libclang-rt-14-dev clang-format python3-cryptography iproute2 iptables
  llvm libc6-dbg) # llvm-symbolizer and the C library's symbols: without them
# sanitizer stacks through ld.so are unsymbolised
# and the LeakSanitizer suppressions (by function name) cannot match
BENCH_PKGS=(gstreamer1.0-plugins-bad)

log() { printf '\033[1m== %s\033[0m\n' "$*"; }

install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "error: missing packages (${missing[*]}) and neither root nor sudo" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    log "configuring $dir"
    meson setup "$dir" "$@"
  fi
  log "building $dir"
  ninja -C "$dir"
}

# Runs a meson test invocation, keeping its summary for the final count.
declare -a SUMMARY=()
PASSED=0
FAILED=0
run_meson_tests() {
  local name=$1
  shift
  local rc=0 out
  out=$(mktemp)
  meson test "$@" --print-errorlogs 2>&1 | tee "$out" || rc=$?
  local ok fail
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$out" | tail -n1)
  fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$out" | tail -n1)
  local to
  to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$out" | tail -n1)
  rm -f "$out"
  ok=${ok:-0}
  fail=$((${fail:-0} + ${to:-0}))
  [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  PASSED=$((PASSED + ok))
  FAILED=$((FAILED + fail))
  SUMMARY+=("$name: $ok passed, $fail failed")
}

cmd=${1:-}
case "$cmd" in
  build)
    install_missing "${BUILD_PKGS[@]}"
    build build
    ;;
  demo)
    install_missing "${BUILD_PKGS[@]}"
    build build
    log "demo: a three-party encrypted meeting on loopback (pipelines/meeting-demo.py)"
    GST_PLUGIN_PATH="$here/build/gst/e2ee:$here/build/ext/meeting" \
      python3 pipelines/meeting-demo.py build
    ;;
  test)
    install_missing "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    build build
    log "unit and interop tests"
    run_meson_tests "tests" -C build
    log "unit tests under the GStreamer leak tracer"
    run_meson_tests "leaks" -C build --setup leaks --suite e2ee --suite sframe --suite keyexchange --suite meeting
    log "unit tests with AddressSanitizer and UndefinedBehaviorSanitizer"
    build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
      -Dbenchmarks=false
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=1 \
      LSAN_OPTIONS="suppressions=$here/tests/lsan.supp:print_suppressions=0" \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      run_meson_tests "asan+ubsan" -C build-asan --suite e2ee --suite sframe --suite keyexchange --suite meeting --suite integration
    if [ -x tests/fuzz/run-fuzzers.sh ]; then
      log "fuzz targets (bounded)"
      CC=clang build build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
        -Db_lundef=false -Dtests=disabled -Dbenchmarks=false
      if bash tests/fuzz/run-fuzzers.sh build-fuzz "${FUZZ_SECONDS:-60}"; then
        PASSED=$((PASSED + 1)); SUMMARY+=("fuzz: 1 passed, 0 failed")
      else
        FAILED=$((FAILED + 1)); SUMMARY+=("fuzz: 0 passed, 1 failed")
      fi
    fi
    log "formatting (clang-format, see .clang-format)"
    mapfile -t sources < <(find gst ext tools tests -name '*.[ch]' \
      -not -path '*/corpus/*' 2>/dev/null | sort)
    if clang-format --dry-run --Werror "${sources[@]}"; then
      PASSED=$((PASSED + 1)); SUMMARY+=("format: 1 passed, 0 failed")
    else
      FAILED=$((FAILED + 1)); SUMMARY+=("format: 0 passed, 1 failed")
    fi
    log "summary"
    printf '%s\n' "${SUMMARY[@]}"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    ;;
  bench)
    install_missing "${BUILD_PKGS[@]}" "${BENCH_PKGS[@]}"
    build build
    bash tests/bench/run.sh build
    ;;
  *)
    echo "usage: $0 demo|test|build|bench" >&2
    exit 2
    ;;
esac
