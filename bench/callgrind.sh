#!/bin/sh
# Instructions per message for each C decoder and schema, under callgrind:
# repeatable where wall time on a shared machine is not. Then the cost of a
# reader schema (bench_resolve): the walker with the writer's own program
# and with one resolved against a reader that reorders, drops and adds
# fields, for JSON, validate-only and avro_value_t output.
#
# usage: bench/callgrind.sh [BUILD_DIR] [TRADE_MESSAGES] [WIDE_MESSAGES]
#        (defaults: build 20000 5000)
#
# Each decoder runs in its own process: generate the corpus, set up, warm up
# on 1000 messages, then decode every message once inside
# cf_bench_measured(); only that call is collected (--toggle-collect), so
# generation, schema parsing and warm-up cost nothing and Ir / messages is
# the decoder's own per-message cost. The generator is deterministic, so two
# runs of the same build print the same numbers.
#
# SPDX-License-Identifier: Apache-2.0
set -eu

build=${1:-build}
trade_n=${2:-20000}
wide_n=${3:-5000}
bench="$build/bench/cfavro_bench"
rows="handwritten avroc_read avroc_json cfavro_validate cfavro_json cfavro_batch cfavro_avro"

if [ ! -x "$bench" ]; then
    echo "callgrind.sh: $bench not found (build with -Dbench=enabled first)" >&2
    exit 2
fi
if ! command -v valgrind >/dev/null 2>&1; then
    echo "callgrind.sh: valgrind not installed" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Instructions per message in callgrind output file $1 for $2 messages.
per_message() {
    ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
    [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$1" | head -n 1)
    awk -v ir="$ir" -v n="$2" 'BEGIN { printf "%.1f", ir / n }'
}

echo "callgrind: $trade_n trade / $wide_n wide messages, $(valgrind --version)"
printf '%-7s %-16s %14s %10s %10s\n' schema decoder "instr/msg" "x limit" "x avro-c"
status=0
for schema in trade wide; do
    if [ "$schema" = trade ]; then n=$trade_n; else n=$wide_n; fi
    limit=""
    avroc=""
    for row in $rows; do
        out="$tmp/$schema.$row.out"
        if ! valgrind --tool=callgrind --toggle-collect=cf_bench_measured \
                --callgrind-out-file="$out" \
                "$bench" --callgrind "$row" --schema "$schema" \
                --trade "$n" --wide "$n" >"$tmp/log" 2>&1; then
            if grep -q "unavailable" "$tmp/log"; then
                printf '%-7s %-16s %14s\n' "$schema" "$row" "n/a"
                continue
            fi
            echo "callgrind.sh: $row on $schema failed:" >&2
            cat "$tmp/log" >&2
            status=1
            continue
        fi
        per=$(per_message "$out" "$n")
        [ "$row" = handwritten ] && limit=$per
        [ "$row" = avroc_read ] && avroc=$per
        rl=$(awk -v a="$per" -v b="$limit" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }')
        ra=$(awk -v a="$per" -v b="$avroc" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "-" }')
        printf '%-7s %-16s %14s %10s %10s\n' "$schema" "$row" "$per" "$rl" "$ra"
        echo "$schema $row $per" >>"$tmp/results"
    done
done

# The issue's instruction-count targets, as ratios measured in this run.
if [ -f "$tmp/results" ]; then
    awk '
        { ir[$1 " " $2] = $3 }
        END {
            for (s = 0; s < 2; s++) {
                sc = s ? "wide" : "trade"
                lim = ir[sc " handwritten"]
                if ((sc " cfavro_validate") in ir && lim > 0)
                    printf "%s: cfavro validate = %.2fx the limit (target <= 2.5x)\n",
                        sc, ir[sc " cfavro_validate"] / lim
                if ((sc " cfavro_avro") in ir && ir[sc " avroc_read"] > 0)
                    printf "%s: cfavro into avro_value_t = %.2fx avro-c avro_value_read (target <= 1.2x)\n",
                        sc, ir[sc " cfavro_avro"] / ir[sc " avroc_read"]
                if ((sc " cfavro_json") in ir && lim > 0)
                    printf "%s: cfavro JSON = %.2fx the limit (target <= 6x), %.1fx fewer than avro-c + to_json (target >= 20x)\n",
                        sc, ir[sc " cfavro_json"] / lim, ir[sc " avroc_json"] / ir[sc " cfavro_json"]
            }
        }' "$tmp/results"
fi

# The reader-schema target (issue 10): at most 1.2x the instructions of
# decoding without one, for JSON output.
resolve="$build/bench/bench_resolve"
if [ -x "$resolve" ]; then
    echo
    echo "reader schema (bench_resolve; reorder, drop, add):"
    printf '%-7s %-9s %14s %14s %8s\n' schema output "no reader" "reader" "x"
    for schema in trade wide; do
        if [ "$schema" = trade ]; then n=$trade_n; else n=$wide_n; fi
        for emit in json validate avro; do
            line=""
            for mode in none reader; do
                out="$tmp/resolve.$schema.$emit.$mode.out"
                if ! valgrind --tool=callgrind --toggle-collect=cf_bench_resolve_measured \
                        --callgrind-out-file="$out" \
                        "$resolve" --schema "$schema" --emit "$emit" "$mode" "$n" \
                        >"$tmp/log" 2>&1; then
                    if grep -q "unavailable" "$tmp/log"; then
                        line="n/a"
                        break
                    fi
                    echo "callgrind.sh: bench_resolve $schema $emit $mode failed:" >&2
                    cat "$tmp/log" >&2
                    status=1
                    line="n/a"
                    break
                fi
                line="$line $(per_message "$out" "$n")"
            done
            if [ "$line" = "n/a" ]; then
                printf '%-7s %-9s %14s\n' "$schema" "$emit" "n/a"
                continue
            fi
            set -- $line
            printf '%-7s %-9s %14s %14s %8s\n' "$schema" "$emit" "$1" "$2" \
                "$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }')"
            if [ "$emit" = json ]; then
                awk -v s="$schema" -v a="$1" -v b="$2" 'BEGIN {
                    printf "%s: JSON with a reader schema = %.2fx without (target <= 1.2x)\n",
                        s, b / a }' >>"$tmp/resolve_targets"
            fi
        done
    done
    [ -f "$tmp/resolve_targets" ] && cat "$tmp/resolve_targets"
fi
exit $status
