# Shared by the scripts that install Java test peers (.ci/install-registry-peer,
# .ci/install-kafka-peer): Debian packages through apt, and a Java of at least
# 17. Sourced, not run; the caller sets PEER_SCRIPT (its name, for messages).

say() { printf '%s: %s\n' "${PEER_SCRIPT:-peer}" "$*"; }

# Debian packages, as root or through sudo (as .ci/install-deps does).
apt_install() {
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { say "need root or sudo to install: $*" >&2; exit 1; }
        as_root=(sudo)
    fi
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "$@"
}

# The major version a java binary reports ("17.0.15" -> 17, "1.8.0" -> 8).
java_major() {
    local v
    v=$("$1" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    v=${v#1.}
    printf '%s\n' "${v%%[.+-]*}"
}

# A Java of at least 17: $JAVA_HOME's, then the one on PATH, else Debian's 17.
find_java() {
    local candidate
    for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] &&
            [ "$(java_major "$candidate")" -ge 17 ] 2>/dev/null; then
            readlink -f "$candidate"
            return
        fi
    done
    apt_install openjdk-17-jre-headless >&2
    readlink -f "$(command -v java)"
}
