#!/bin/sh
# Instructions per schema lookup (bench_cache's hit rows), under callgrind:
# repeatable where wall time on a shared machine is not.
#
# usage: bench/cache_bench.sh [BUILD_DIR] [CALLS]   (defaults: build 100000)
#
# Each row and id count runs in its own process: set up a client holding 16
# ids, warm up outside the measured call (fills the decoder's memo), then
# make CALLS calls on one thread inside cf_bench_cache_measured(); only that
# call is collected (--toggle-collect), so Ir / CALLS is the per-call cost,
# loop included (about 5 instructions: the id pick and the count).
#   lookup    the decoder's lookup: its 8-entry memo, on a miss the shared
#             table (16 ids: every call misses the memo)
#   shared    cf_cache_get + cf_cache_release on a warm cache
#   validate  cfavro_validate of a 6-byte message (schema "boolean")
#   walk      cf_walk_validate of its payload with the schema in hand
#
# SPDX-License-Identifier: Apache-2.0
set -eu

build=${1:-build}
calls=${2:-100000}
bench="$build/bench/bench_cache"

if [ ! -x "$bench" ]; then
    echo "cache_bench.sh: $bench not found (build the bench first)" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "cache_bench.sh: valgrind not installed" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "callgrind: $calls calls per row, 1 thread, $(valgrind --version)"
printf '%-9s %5s %12s\n' row ids "instr/call"
status=0
for row in lookup shared validate walk; do
    for ids in 1 8 16; do
        out="$tmp/$row.$ids.out"
        if ! valgrind --tool=callgrind --toggle-collect=cf_bench_cache_measured \
                --callgrind-out-file="$out" \
                "$bench" --callgrind "$row" --ids "$ids" --iters "$calls" >"$tmp/log" 2>&1; then
            echo "cache_bench.sh: $row on $ids ids failed:" >&2
            cat "$tmp/log" >&2
            status=1
            continue
        fi
        ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
        [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out" | head -n 1)
        printf '%-9s %5s %12s\n' "$row" "$ids" \
            "$(awk -v ir="$ir" -v n="$calls" 'BEGIN { printf "%.1f", ir / n }')"
    done
done
exit $status
