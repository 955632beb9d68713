#!/bin/sh
# test_install.sh — `make install` and pkg-config, as a user of the installed library sees them
# (make -C core_c check-install; run from core_c/, after `make lib`).
#
#   1. make install PREFIX=<tmp>/prefix: the public headers (bskip.h, bskip_exec.h; not the
#      test-only bskip_testing.h), libbskip.a, libbskip.so.$VERSION with the links
#      libbskip.so.$SOVERSION (its soname) and libbskip.so, and lib/pkgconfig/bskip.pc;
#   2. with PKG_CONFIG_PATH on that prefix, tests/install_smoke.c is compiled with
#      `$CC -std=c11 -pedantic -Wall -Wextra -Werror $(pkg-config --cflags --libs bskip)` and run
#      against the shared library (LD_LIBRARY_PATH), then linked against libbskip.a (the -l of
#      pkg-config --static between -Wl,-Bstatic and -Wl,-Bdynamic) and run; readelf confirms which
#      library each binary needs;
#   3. make install DESTDIR=<tmp>/stage PREFIX=/opt/bskip stages the same files under the DESTDIR
#      with a .pc that names /opt/bskip, and make uninstall with the same variables removes them.
# Environment: MAKE, CC, PKG_CONFIG (default make, cc, pkg-config). pkg-config is required: without
# it the test fails (it does not skip).
set -eu

MAKE=${MAKE:-make}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
fail() { echo "check-install: FAILED: $*"; exit 1; }

command -v "$PKG_CONFIG" >/dev/null 2>&1 ||
    fail "'$PKG_CONFIG' not found: install it (Debian: apt-get install -y pkg-config)"
command -v readelf >/dev/null 2>&1 || fail "readelf (binutils) not found"
version=$(sed -n 's/^BSKIP_VERSION := *//p' flags.mk)
soversion=$(sed -n 's/^BSKIP_SOVERSION := *//p' flags.mk)
[ -n "$version" ] && [ -n "$soversion" ] || fail "no BSKIP_VERSION / BSKIP_SOVERSION in flags.mk"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS # a fresh make: no -j jobserver or -s/-n from a calling make
prefix=$tmp/prefix

# 1. install and what it installed
$MAKE -s --no-print-directory install PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install PREFIX=$prefix"; }
lib=$prefix/lib
for f in include/bskip.h include/bskip_exec.h lib/libbskip.a "lib/libbskip.so.$version" \
    lib/pkgconfig/bskip.pc; do
    [ -f "$prefix/$f" ] && [ ! -L "$prefix/$f" ] || fail "not installed as a file: PREFIX/$f"
done
[ ! -e "$prefix/include/bskip_testing.h" ] || fail "the test-only bskip_testing.h was installed"
[ "$(readlink "$lib/libbskip.so.$soversion")" = "libbskip.so.$version" ] ||
    fail "lib/libbskip.so.$soversion is not a link to libbskip.so.$version"
[ "$(readlink "$lib/libbskip.so")" = "libbskip.so.$soversion" ] ||
    fail "lib/libbskip.so is not a link to libbskip.so.$soversion"
readelf -d "$lib/libbskip.so.$version" | grep -q "Library soname: \[libbskip.so.$soversion\]" ||
    fail "the soname of libbskip.so.$version is not libbskip.so.$soversion"

# 2. pkg-config, then a program built and run against each library
export PKG_CONFIG_PATH="$lib/pkgconfig"
got=$($PKG_CONFIG --modversion bskip) || fail "pkg-config does not find bskip in $PKG_CONFIG_PATH"
[ "$got" = "$version" ] || fail "pkg-config --modversion bskip says '$got', not $version"
cflags=$($PKG_CONFIG --cflags bskip)
strict="-std=c11 -pedantic -Wall -Wextra -Werror"

# shellcheck disable=SC2046,SC2086 # pkg-config output is a list of words
$CC $strict tests/install_smoke.c $($PKG_CONFIG --cflags --libs bskip) -o "$tmp/smoke_shared" ||
    fail "compile against the shared library: $CC tests/install_smoke.c \$(pkg-config --cflags --libs bskip)"
readelf -d "$tmp/smoke_shared" | grep -q "Shared library: \[libbskip.so.$soversion\]" ||
    fail "the shared-linked program does not need libbskip.so.$soversion"
LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$tmp/smoke_shared" >"$tmp/shared.out" ||
    fail "the shared-linked program failed: $(cat "$tmp/shared.out")"

# shellcheck disable=SC2046,SC2086
$CC $strict tests/install_smoke.c $cflags $($PKG_CONFIG --static --libs-only-L bskip) \
    -Wl,-Bstatic $($PKG_CONFIG --static --libs-only-l bskip) -Wl,-Bdynamic \
    $($PKG_CONFIG --static --libs-only-other bskip) -o "$tmp/smoke_static" ||
    fail "compile against the static library (pkg-config --static, -Wl,-Bstatic)"
if readelf -d "$tmp/smoke_static" | grep -q 'libbskip'; then
    fail "the static-linked program still needs a libbskip shared library"
fi
"$tmp/smoke_static" >"$tmp/static.out" || fail "the static-linked program failed: $(cat "$tmp/static.out")"

# 3. a staged install (DESTDIR) and uninstall
stage=$tmp/stage
$MAKE -s --no-print-directory install DESTDIR="$stage" PREFIX=/opt/bskip >"$tmp/stage.log" 2>&1 ||
    { cat "$tmp/stage.log"; fail "make install DESTDIR=$stage PREFIX=/opt/bskip"; }
for f in include/bskip.h include/bskip_exec.h lib/libbskip.a "lib/libbskip.so.$version" \
    "lib/libbskip.so.$soversion" lib/libbskip.so lib/pkgconfig/bskip.pc; do
    [ -e "$stage/opt/bskip/$f" ] || fail "DESTDIR install: DESTDIR/opt/bskip/$f missing"
done
grep -qx 'prefix=/opt/bskip' "$stage/opt/bskip/lib/pkgconfig/bskip.pc" ||
    fail "DESTDIR install: bskip.pc does not say prefix=/opt/bskip"
if grep -q "$stage" "$stage/opt/bskip/lib/pkgconfig/bskip.pc"; then
    fail "DESTDIR install: bskip.pc names the DESTDIR"
fi
$MAKE -s --no-print-directory uninstall DESTDIR="$stage" PREFIX=/opt/bskip >/dev/null 2>&1 ||
    fail "make uninstall DESTDIR=$stage PREFIX=/opt/bskip"
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"

echo "check-install: ok (PREFIX and DESTDIR installs of $version, soname libbskip.so.$soversion;" \
    "pkg-config $($PKG_CONFIG --version); install_smoke run static and shared)"
