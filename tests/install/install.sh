#!/usr/bin/env bash
# meson install of this build tree into a temporary DESTDIR, then checks what
# a user of the installed tree gets (meson test install, suite e2ee):
#  - gst-inspect-1.0, pointed only at the installed plugin directory (and
#    LD_LIBRARY_PATH at the installed libdir), finds e2eeenc, e2eedec,
#    keyexchange, meetingsrc and meetingsink there, loaded from there;
#  - libgste2ee-1.0.so.0 has that SONAME and exports only gst_e2ee_ symbols;
#  - only the public headers are installed;
#  - consumer.c, compiled with `pkg-config --cflags --libs gste2ee-1.0`
#    against the installed prefix, links and runs.
# Installs, never rebuilds (the test depends on every installed target).
#
# usage: install.sh MESON BUILDDIR CC
set -euo pipefail

meson=$1
build=$2
cc=$3
here=$(cd "$(dirname "$0")" && pwd)

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail () { echo "install.sh: FAIL: $*" >&2; exit 1; }

$meson install -C "$build" --no-rebuild --quiet --destdir "$dest" \
  > "$dest/install.log" 2>&1 || { cat "$dest/install.log" >&2; fail "meson install"; }

pc=$(find "$dest" -name gste2ee-1.0.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no gste2ee-1.0.pc installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
libdir=$(dirname "$(dirname "$pc")")
plugindir=$libdir/gstreamer-1.0
incdir=$dest$prefix/include/gstreamer-1.0/gst/e2ee
echo "installed under $dest$prefix (libdir $libdir)"

# the library: SONAME, the dev symlink, exported symbols
lib=$libdir/libgste2ee-1.0.so.0
[ -e "$lib" ] || fail "no $lib"
[ -L "$libdir/libgste2ee-1.0.so" ] || fail "no libgste2ee-1.0.so symlink"
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libgste2ee-1.0.so.0 ] || fail "SONAME is '$soname'"
syms=$(nm -D --defined-only "$lib" | awk '{print $3}')
nsyms=$(echo "$syms" | grep -c .)
other=$(echo "$syms" | grep -v '^gst_e2ee_' || true)
[ -z "$other" ] || fail "exported outside gst_e2ee_: $other"
[ "$nsyms" -ge 80 ] || fail "only $nsyms symbols exported"
echo "libgste2ee-1.0.so.0: SONAME $soname, $nsyms symbols, all gst_e2ee_"

# the headers: exactly the public ones
headers=$(find "$incdir" -mindepth 1 -printf '%f\n' | sort | tr '\n' ' ')
[ "$headers" = "e2ee-prelude.h e2eekx.h e2eeproto.h gste2eekeyring.h sframe.h " ] ||
  fail "installed headers: $headers"

# the plugins, from the installed tree only
export GST_PLUGIN_SYSTEM_PATH_1_0=$plugindir
export GST_PLUGIN_PATH_1_0=
export GST_PLUGIN_PATH=
export GST_REGISTRY_1_0=$dest/registry.dat
export GST_REGISTRY=$dest/registry.dat
# (not the build tree, which meson test puts on LD_LIBRARY_PATH)
export LD_LIBRARY_PATH=$libdir
for el in e2eeenc e2eedec keyexchange meetingsrc meetingsink; do
  out=$(gst-inspect-1.0 "$el" 2>&1) || { echo "$out" >&2; fail "gst-inspect-1.0 $el"; }
  file=$(echo "$out" | sed -n 's/^ *Filename *//p')
  case "$file" in
    "$plugindir"/*) echo "$el: $file" ;;
    *) fail "$el loaded from '$file', not from $plugindir" ;;
  esac
done
# the installed e2ee plugin uses the installed library
# (ldd's whole output first: with pipefail, grep -q closing the pipe early
# would fail the pipeline whenever ldd is still writing)
deps=$(ldd "$plugindir/libgste2ee.so")
grep -q "libgste2ee-1.0.so.0 => $libdir/" <<<"$deps" ||
  fail "libgste2ee.so does not resolve libgste2ee-1.0.so.0 in $libdir"

# a consumer built with pkg-config against the installed prefix: the
# installed .pc, its prefix moved to where DESTDIR put it (the system
# packages it requires, gstreamer-1.0 and glib-2.0, keep theirs)
mkdir "$dest/pkgconfig"
sed "s|^prefix=.*|prefix=$dest$prefix|" "$pc" > "$dest/pkgconfig/gste2ee-1.0.pc"
export PKG_CONFIG_PATH=$dest/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
flags=$(pkg-config --cflags --libs gste2ee-1.0) || fail "pkg-config gste2ee-1.0"
case "$flags" in
  *"-I$dest$prefix/include/gstreamer-1.0"*) ;;
  *) fail "pkg-config --cflags does not point into the prefix: $flags" ;;
esac
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Werror -o "$dest/consumer" "$here/consumer.c" $flags ||
  fail "consumer does not compile/link"
deps=$(ldd "$dest/consumer")
grep -q "libgste2ee-1.0.so.0 => $libdir/" <<<"$deps" ||
  fail "consumer does not resolve libgste2ee-1.0.so.0 in $libdir"
"$dest/consumer" || fail "consumer"
echo "install: OK"
