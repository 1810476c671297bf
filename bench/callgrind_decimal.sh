#!/bin/sh
# Instructions per input byte of cf_json_decimal at 1 to 1024 bytes, under
# callgrind: each size runs bench_decimal in its own process, and only
# cf_bench_decimal_measured() (every value of that size converted once, after
# a warm-up) is collected, so Ir / (calls * size) is the conversion's own cost.
#
# usage: bench/callgrind_decimal.sh [BUILD_DIR]   (default: build)
#
# SPDX-License-Identifier: Apache-2.0
set -eu

build=${1:-build}
bench="$build/bench/bench_decimal"
if [ ! -x "$bench" ]; then
    echo "callgrind_decimal.sh: $bench not found (build with benchmarks enabled)" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "callgrind_decimal.sh: valgrind not installed" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

printf '%6s %14s %10s  %s\n' bytes "Ir/call" "Ir/byte" "written as"
for size in 1 8 16 32 64 128 256 512 1024; do
    out="$tmp/$size.out"
    valgrind --tool=callgrind --toggle-collect=cf_bench_decimal_measured \
        --callgrind-out-file="$out" "$bench" --callgrind "$size" >"$tmp/log" 2>&1
    calls=$(sed -n 's/^calls \([0-9]*\) size .*/\1/p' "$tmp/log")
    path=$(sed -n 's/^calls [0-9]* size [0-9]* \(.*\)/\1/p' "$tmp/log")
    ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")
    awk -v ir="$ir" -v calls="$calls" -v size="$size" -v path="$path" \
        'BEGIN { printf "%6d %14.0f %10.1f  %s\n", size, ir / calls, ir / calls / size, path }'
done
