#!/usr/bin/env bash
# Use cfavro as a meson subproject the way a downstream project would vendor
# it: subprojects/cfavro is a symlink to this source tree, and the consumer's
# plain dependency('cfavro') must resolve through cfavro's
# meson.override_dependency() ("(overridden)" in the setup log), then build
# and run the consumer program.
#
# Usage: subproject_test.sh SOURCE_ROOT    (CC from the environment, if set)
set -euo pipefail

SRC=$(cd "$1" && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cfavro-subproject.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() { echo "subproject_test: FAIL: $*" >&2; exit 1; }

mkdir -p "$TMP/proj/subprojects"
cp "$SRC/tests/subproject/meson.build" "$SRC/tests/install/consumer.c" "$TMP/proj/"
ln -s "$SRC" "$TMP/proj/subprojects/cfavro"

# --force-fallback-for: use the subproject even if a cfavro is installed on
# the system. cfavro's own tests, fuzzers, benchmarks and examples are not
# what a consumer builds.
cd "$TMP/proj"
meson setup build --force-fallback-for=cfavro \
    -Dcfavro:tests=disabled -Dcfavro:fuzz=disabled \
    -Dcfavro:bench=disabled -Dcfavro:examples=disabled >"$TMP/setup.log" 2>&1 ||
    { cat "$TMP/setup.log"; fail "meson setup failed"; }
grep -E '^Dependency cfavro found: YES .*\(overridden\)' "$TMP/setup.log" ||
    { cat "$TMP/setup.log"; fail "dependency('cfavro') did not resolve through the override"; }

meson compile -C build >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; fail "build failed"; }
meson test -C build --print-errorlogs || fail "consumer test failed"
grep -q 'schema id 300, payload 1 byte(s)' build/meson-logs/testlog.txt ||
    fail "consumer output missing"
grep 'schema id 300' build/meson-logs/testlog.txt
echo "subproject_test: OK"
