#!/usr/bin/env bash
# Build the fuzz targets with clang + libFuzzer + ASan/UBSan in their own
# build directory and run each for a bounded time. Any crash, sanitizer
# report, timeout, out-of-memory or leak makes the script exit non-zero.
#
#   bash fuzz/run_fuzzers.sh                       # 40 s per target (CI passes --seconds 30)
#   bash fuzz/run_fuzzers.sh --seconds 3600 fuzz_decode   # longer, locally
#
# Options:
#   --seconds N     run time per target (default 40)
#   --rss-limit MB  libFuzzer -rss_limit_mb and -malloc_limit_mb (default 512)
#   --timeout S     libFuzzer -timeout per input, seconds (default 3)
#   --max-len N     largest input libFuzzer generates (default 8192)
#   --jobs N        parallel fuzzing processes per target (default 1)
#   --build DIR     build directory (default <source>/build-fuzz, or
#                   $CFAVRO_FUZZ_BUILD)
#   target...       a subset of fuzz_decode fuzz_schema fuzz_schema_refs fuzz_registry_response
#                   fuzz_settings fuzz_properties fuzz_resolve fuzz_differential
#                   fuzz_cli_input (default: all that were built)
#
# The seeds (fuzz/corpus/<target>) and kept crashers (fuzz/crashers/<target>)
# are read, never written: new corpus entries and crash artifacts go to
# <build>/fuzz-work/<target>/. A crash artifact reproduces with the replay
# build: <build>/fuzz/<target> <artifact>, or with the libFuzzer binary.
# Once the bug is fixed, keep the artifact under fuzz/crashers/<target>/ so
# `meson test --suite fuzz` replays it from then on.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${CFAVRO_FUZZ_BUILD:-$ROOT/build-fuzz}
SECS=40
RSS=512
TIMEOUT=3
MAXLEN=8192
JOBS=1
TARGETS=()

usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECS=$2; shift 2 ;;
        --rss-limit) RSS=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        --max-len) MAXLEN=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --build) BUILD=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        -*) echo "run_fuzzers.sh: unknown option $1" >&2; usage 2 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done

for v in "$SECS" "$RSS" "$TIMEOUT" "$MAXLEN" "$JOBS"; do
    case $v in ''|*[!0-9]*) echo "run_fuzzers.sh: not a number: $v" >&2; exit 2 ;; esac
done

if ! command -v clang >/dev/null 2>&1; then
    echo "run_fuzzers.sh: clang not found (libFuzzer needs clang)" >&2
    exit 1
fi

# One configuration: everything (library included) instrumented for
# coverage and sanitizers; the fuzz targets add -fsanitize=fuzzer.
if [ ! -f "$BUILD/build.ninja" ]; then
    CC=clang meson setup "$BUILD" "$ROOT" \
        --buildtype=debugoptimized \
        -Dfuzz=enabled -Dtests=disabled -Dbench=disabled -Dexamples=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false \
        "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all"
fi
ninja -C "$BUILD"

if [ ${#TARGETS[@]} -eq 0 ]; then
    for t in fuzz_decode fuzz_schema fuzz_schema_refs fuzz_registry_response fuzz_settings fuzz_properties \
             fuzz_resolve fuzz_differential fuzz_cli_input; do
        [ -x "$BUILD/fuzz/${t}_libfuzzer" ] && TARGETS+=("$t")
    done
fi
if [ ${#TARGETS[@]} -eq 0 ]; then
    echo "run_fuzzers.sh: no libFuzzer binaries in $BUILD/fuzz (is clang's libFuzzer installed?)" >&2
    exit 1
fi

# A small quarantine keeps ASan's own memory from dominating the RSS limit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

FAILED=0
SUMMARY=()
for t in "${TARGETS[@]}"; do
    bin=$BUILD/fuzz/${t}_libfuzzer
    if [ ! -x "$bin" ]; then
        echo "run_fuzzers.sh: no such target: $t" >&2
        FAILED=1
        continue
    fi
    work=$BUILD/fuzz-work/$t
    mkdir -p "$work/corpus" "$work/artifacts"
    log=$work/fuzz.log
    extra=()
    [ "$JOBS" -gt 1 ] && extra=(-jobs="$JOBS" -workers="$JOBS")
    printf '\n=== %s: %ss, rss %s MB, timeout %ss\n' "$t" "$SECS" "$RSS" "$TIMEOUT"
    # CPU time (user + system) of the fuzzer, from bash's `time`.
    TIMEFORMAT='%U %S'
    set +e
    { time (cd "$work" && "$bin" -max_total_time="$SECS" -rss_limit_mb="$RSS" \
        -malloc_limit_mb="$RSS" -timeout="$TIMEOUT" -max_len="$MAXLEN" \
        -dict="$ROOT/fuzz/$t.dict" -artifact_prefix="$work/artifacts/" \
        -print_final_stats=1 "${extra[@]}" \
        "$work/corpus" "$ROOT/fuzz/corpus/$t" "$ROOT/fuzz/crashers/$t" >"$log" 2>&1) ; } \
        2>"$work/cpu"
    rc=$?
    set -e
    cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/cpu")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rssmb=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
    ncorp=$(find "$work/corpus" -type f | wc -l)
    status=PASS
    if [ $rc -ne 0 ]; then
        status="FAIL(rc=$rc)"
        FAILED=1
        tail -n 60 "$log"
        echo "--- artifacts in $work/artifacts:"
        ls -l "$work/artifacts" || true
    else
        tail -n 12 "$log" | grep -E '^(stat::|Done|INFO: fuzzed|#)' || true
    fi
    SUMMARY+=("$(printf '%-18s %-12s %10s execs  %7s s CPU  cov %-6s corpus %-6s peak %s MB' \
        "$t" "$status" "${execs:-?}" "$cpu" "${cov:-?}" "$ncorp" "${rssmb:-?}")")
done

printf '\n=== fuzzing summary (%s s per target; logs in %s/fuzz-work)\n' "$SECS" "$BUILD"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
