#!/usr/bin/env bash
# Install this build into a temporary staging directory and build a small
# program against it the way a user would: `pkg-config --cflags --libs cfavro`.
#
# Usage: install_test.sh BUILD_ROOT SOURCE_ROOT [B_SANITIZE [AVRO_BRIDGE]]
#   CC (environment) is the compiler meson uses; B_SANITIZE is the build's
#   b_sanitize option, so a sanitizer build links its consumer the same way
#   (an instrumented libcfavro.so needs the sanitizer runtime in the program).
#   AVRO_BRIDGE is true when the build has the avro-c bridge (-Davro_bridge).
#
# Checks, each of which fails the test:
#   1. `meson install --destdir` puts the header, shared + static library and
#      cfavro.pc under the staging directory.
#   2. pkg-config, pointed at the staged cfavro.pc with PKG_CONFIG_SYSROOT_DIR
#      (the standard way to resolve a staged install), gives -I and -L flags
#      inside the staging directory.
#   3. tests/install/consumer.c compiles with strict C11 warnings as errors,
#      links, resolves libcfavro.so.0 from the staging directory (ldd) and runs.
#   4. The same program links statically against libcfavro.a using its
#      Libs.private and Requires.private (so they are complete; the required
#      packages as shared libraries) and needs no libcfavro.so at run time.
#   5. The installed header also compiles as C++.
#   6. With the avro-c bridge: cfavro_avro.h and cfavro-avro.pc are installed
#      (and only then), cfavro.pc lists avro-c in Requires.private, and
#      tests/install/consumer_avro.c, using both headers, builds with
#      `pkg-config --cflags --libs cfavro-avro` alone and runs.
set -euo pipefail

BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
SANITIZE=${3:-none}
BRIDGE=${4:-false}
read -r -a CCMD <<<"${CC:-cc}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cfavro-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
DEST=$TMP/stage

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

echo "== meson install --destdir $DEST"
meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet

# Locate what was installed rather than assuming a prefix/libdir layout
# (Debian uses lib/<multiarch>, others lib or lib64).
PC=$(find "$DEST" -name cfavro.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$PC" ] || fail "no cfavro.pc installed"
HDR=$(find "$DEST" -name cfavro.h | head -n 1)
[ -n "$HDR" ] || fail "no cfavro.h installed"
LIBDIR=$(dirname "$(dirname "$PC")")
for f in libcfavro.so libcfavro.so.0 libcfavro.a; do
    [ -e "$LIBDIR/$f" ] || fail "$LIBDIR/$f not installed"
done
echo "installed: ${PC#"$DEST"}, ${HDR#"$DEST"}, $(cd "$LIBDIR" && echo libcfavro.*)"

pc() {
    PKG_CONFIG_PATH="$(dirname "$PC")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
        PKG_CONFIG_SYSROOT_DIR="$DEST" pkg-config "$@"
}

pc --exists cfavro || fail "pkg-config cannot find the staged cfavro.pc"
[ "$(pc --modversion cfavro)" = "$(meson introspect --projectinfo "$BUILD" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" ] ||
    fail "pkg-config version differs from the project version"

read -r -a FLAGS <<<"$(pc --cflags --libs cfavro)"
echo "pkg-config --cflags --libs cfavro: ${FLAGS[*]}"
[[ " ${FLAGS[*]} " == *" -I$(dirname "$HDR") "* ]] || fail "cflags do not point at the staged header"
[[ " ${FLAGS[*]} " == *" -L$LIBDIR "* ]] || fail "libs do not point at the staged library"

SANFLAGS=()
if [ "$SANITIZE" != none ] && [ -n "$SANITIZE" ]; then
    SANFLAGS=("-fsanitize=$SANITIZE" -fno-omit-frame-pointer)
fi
WARN=(-std=c11 -Wall -Wextra -Wpedantic -Werror)

echo "== shared: ${CCMD[*]} consumer.c \$(pkg-config --cflags --libs cfavro)"
"${CCMD[@]}" "${WARN[@]}" "${SANFLAGS[@]}" -o "$TMP/consumer" \
    "$SRC/tests/install/consumer.c" "${FLAGS[@]}"
LINKED=$(LD_LIBRARY_PATH="$LIBDIR" ldd "$TMP/consumer" | grep 'libcfavro\.so' || true)
echo "ldd: $LINKED"
[[ "$LINKED" == *"=> $LIBDIR/libcfavro.so.0 "* ]] ||
    fail "consumer does not load libcfavro.so.0 from $LIBDIR"
OUT=$(LD_LIBRARY_PATH="$LIBDIR" "$TMP/consumer") || fail "consumer (shared) failed"
echo "$OUT"
[[ "$OUT" == *"schema id 300, payload 1 byte(s)"* ]] || fail "unexpected output"

echo "== static: pkg-config --static, libcfavro.a only"
STATIC=$TMP/static-stage
cp -a "$DEST" "$STATIC"
rm -f "${LIBDIR/#"$DEST"/$STATIC}"/libcfavro.so*
# cfavro's own part static (Libs + Libs.private), the packages it requires
# (Requires.private) linked as the shared libraries they are installed as: a
# distribution's libcurl.pc lists static dependencies (nghttp2, ldap, ...)
# whose static libraries it does not ship, so `pkg-config --static` cannot
# link with libcurl (the registry client) on Debian.
SPC_DIR=$(dirname "${PC/#"$DEST"/$STATIC}")
read -r -a SFLAGS <<<"$(PKG_CONFIG_PATH="$SPC_DIR" PKG_CONFIG_SYSROOT_DIR="$STATIC" \
    pkg-config --cflags --libs cfavro) $(sed -n 's/^Libs\.private: *//p' "$SPC_DIR/cfavro.pc")"
mapfile -t SREQS < <(PKG_CONFIG_PATH="$SPC_DIR" pkg-config --print-requires-private cfavro)
if [ "${#SREQS[@]}" -gt 0 ]; then
    read -r -a SDEPS <<<"$(pkg-config --cflags --libs "${SREQS[@]}")"
    SFLAGS+=("${SDEPS[@]}")
fi
echo "pkg-config --static --cflags --libs cfavro: ${SFLAGS[*]}"
"${CCMD[@]}" "${WARN[@]}" "${SANFLAGS[@]}" -o "$TMP/consumer-static" \
    "$SRC/tests/install/consumer.c" "${SFLAGS[@]}"
if ldd "$TMP/consumer-static" | grep -q libcfavro; then
    fail "static consumer still needs libcfavro.so"
fi
OUT=$("$TMP/consumer-static") || fail "consumer (static) failed"
echo "$OUT"
[[ "$OUT" == *"schema id 300, payload 1 byte(s)"* ]] || fail "unexpected output (static)"

echo "== the installed header as C++"
CXX_BIN=${CXX:-c++}
printf '#include <cfavro.h>\nint main() { return cfavro_version() == nullptr; }\n' >"$TMP/hdr.cc"
$CXX_BIN -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
    "-I$(dirname "$HDR")" "$TMP/hdr.cc" || fail "cfavro.h does not compile as C++"

echo "== the avro-c bridge (built: $BRIDGE)"
APC=$(find "$DEST" -name cfavro-avro.pc -path '*/pkgconfig/*' | head -n 1)
AHDR=$(find "$DEST" -name cfavro_avro.h | head -n 1)
if [ "$BRIDGE" != true ]; then
    [ -z "$APC$AHDR" ] || fail "bridge not built, but cfavro-avro.pc or cfavro_avro.h installed"
else
    [ -n "$APC" ] || fail "no cfavro-avro.pc installed"
    [ -n "$AHDR" ] || fail "no cfavro_avro.h installed"
    grep -q '^Requires.private:.*avro-c' "$PC" || fail "cfavro.pc does not require avro-c privately"
    pc --print-requires cfavro-avro | grep -q '^cfavro' || fail "cfavro-avro.pc does not require cfavro"
    pc --print-requires cfavro-avro | grep -q '^avro-c' || fail "cfavro-avro.pc does not require avro-c"
    read -r -a AFLAGS <<<"$(pc --cflags --libs cfavro-avro)"
    echo "pkg-config --cflags --libs cfavro-avro: ${AFLAGS[*]}"
    [[ " ${AFLAGS[*]} " == *" -lavro "* ]] || fail "cfavro-avro libs do not link avro-c"
    [[ " ${AFLAGS[*]} " == *" -lcfavro "* ]] || fail "cfavro-avro libs do not link cfavro"
    "${CCMD[@]}" "${WARN[@]}" "${SANFLAGS[@]}" -o "$TMP/consumer-avro" \
        "$SRC/tests/install/consumer_avro.c" "${AFLAGS[@]}"
    OUT=$(LD_LIBRARY_PATH="$LIBDIR" "$TMP/consumer-avro") || fail "avro consumer failed"
    echo "$OUT"
    [[ "$OUT" == *"avro bridge: x=21 s=hi"* ]] || fail "unexpected output (avro consumer)"
    printf '#include <cfavro_avro.h>\nint main() { return cfavro_version() == nullptr; }\n' \
        >"$TMP/ahdr.cc"
    $CXX_BIN -std=c++11 -Wall -Wextra -Werror -fsyntax-only "-I$(dirname "$AHDR")" \
        "$TMP/ahdr.cc" || fail "cfavro_avro.h does not compile as C++"
fi

echo "install_test: OK"
