#!/bin/sh
# check_exports.sh — the library's symbol policy (make -C core_c check-exports).
#
#   sh tests/check_exports.sh HEADER... -- LIBRARY...
#
# The public functions are the ones the headers declare with BSKIP_API. Fails (exit 1, naming
# every offending symbol) unless
#   - a shared library (*.so*) exports, as defined dynamic symbols, exactly the public functions:
#     nothing internal (built with -fvisibility=hidden) and no public function missing;
#   - every global symbol an archive (*.a) defines is a public function or an internal name with
#     the bskip__ prefix (a user program may then define node_alloc, spare_take, ... of its own).
# nm is GNU binutils' (its -D and --format=posix).
set -eu

headers=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do headers="$headers $1"; shift; done
[ $# -gt 1 ] || { echo "usage: check_exports.sh HEADER... -- LIBRARY..." >&2; exit 2; }
shift

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # word splitting of the header list is wanted
grep -h 'BSKIP_API' $headers | grep -o 'bskip_[A-Za-z0-9_]*[[:space:]]*(' | tr -d ' (' |
    sort -u > "$tmp/public"
npublic=$(wc -l < "$tmp/public")
[ "$npublic" -gt 0 ] || { echo "check-exports: FAILED: no BSKIP_API function in$headers"; exit 1; }

fail=0
for lib in "$@"; do
    case $lib in
    *.so | *.so.*)
        nm -D --defined-only --format=posix "$lib" | awk '{print $1}' | sort -u > "$tmp/defined"
        extra=$(comm -23 "$tmp/defined" "$tmp/public")
        missing=$(comm -13 "$tmp/defined" "$tmp/public")
        if [ -n "$extra" ]; then
            echo "check-exports: FAILED: $lib exports non-public symbols:" $extra
            fail=1
        fi
        if [ -n "$missing" ]; then
            echo "check-exports: FAILED: $lib does not export public functions:" $missing
            fail=1
        fi
        [ -n "$extra$missing" ] || echo "check-exports: $lib: ok ($npublic public functions, nothing else)"
        ;;
    *.a)
        nm -A -g --defined-only --format=posix "$lib" | awk '{print $2}' | sort -u > "$tmp/defined"
        [ -s "$tmp/defined" ] || { echo "check-exports: FAILED: $lib defines no global symbol"; fail=1; continue; }
        bad=$(grep -v '^bskip__' "$tmp/defined" | comm -23 - "$tmp/public")
        if [ -n "$bad" ]; then
            echo "check-exports: FAILED: $lib defines global symbols that are neither public nor bskip__*:" $bad
            fail=1
        else
            echo "check-exports: $lib: ok ($(wc -l < "$tmp/defined") global symbols, all public or bskip__*)"
        fi
        ;;
    *) echo "check-exports: don't know how to read $lib" >&2; exit 2 ;;
    esac
done
exit $fail
