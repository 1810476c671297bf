#!/usr/bin/env python3
"""Check that the shared library exports exactly the public API.

Usage: check_exports.py LIBRARY.so INCLUDE_DIR [NOT_BUILT.h ...]

The public API is every `cfavro_*` function declared with CFAVRO_API in
INCLUDE_DIR/*.h, except the headers named after INCLUDE_DIR: those of
optional parts the build left out (cfavro_avro.h without -Davro_bridge). The exported set is what `nm -D --defined-only` lists for
LIBRARY.so. The check fails (exit 1) when the library exports something the
headers do not declare (a leaked internal or a symbol dragged in from a
static dependency), when a declared function is missing from the library
(declared but never implemented, or hidden by mistake), or when any exported
name lacks the cfavro_ prefix.

Python standard library only; `nm` comes from binutils (override with $NM).
"""

import glob
import os
import re
import shlex
import subprocess
import sys

# A declaration: CFAVRO_API, then return type tokens, then the name and '('.
# Matched on comment-free text with preprocessor lines removed, so it also
# finds declarations whose name sits on a continuation line.
DECL_RE = re.compile(r"\bCFAVRO_API\b[^;{}()]*?\b(cfavro_\w+)\s*\(")
BLOCK_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
LINE_COMMENT_RE = re.compile(r"//[^\n]*")


def declared_functions(include_dir, not_built=()):
    headers = sorted(h for h in glob.glob(os.path.join(include_dir, "*.h"))
                     if os.path.basename(h) not in not_built)
    if not headers:
        sys.exit(f"check_exports: no headers in {include_dir}")
    names = {}
    for path in headers:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = BLOCK_COMMENT_RE.sub(" ", text)
        text = LINE_COMMENT_RE.sub(" ", text)
        # Drop preprocessor lines (with their continuations): the
        # `#define CFAVRO_API ...` lines are not declarations.
        text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
        for m in DECL_RE.finditer(text):
            names.setdefault(m.group(1), os.path.basename(path))
    return names


def exported_symbols(library):
    nm = shlex.split(os.environ.get("NM", "nm"))
    try:
        out = subprocess.run(nm + ["-D", "--defined-only", library], check=True,
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit(f"check_exports: cannot run {nm[0]!r}")
    except subprocess.CalledProcessError as e:
        sys.exit(f"check_exports: {' '.join(nm)} failed: {e.stderr.strip()}")
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        # "ADDR TYPE NAME" (or "TYPE NAME" for absolute symbols without an
        # address); a versioned name carries "@VER" / "@@VER".
        name = fields[-1].split("@", 1)[0]
        symbols[name] = fields[-2]
    return symbols


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__.strip().splitlines()[2])
    library, include_dir, not_built = argv[1], argv[2], set(argv[3:])
    declared = declared_functions(include_dir, not_built)
    exported = exported_symbols(library)

    if not declared:
        sys.exit(f"check_exports: found no CFAVRO_API declarations in {include_dir}")

    foreign = sorted(n for n in exported if not n.startswith("cfavro_"))
    undeclared = sorted(n for n in exported if n.startswith("cfavro_") and n not in declared)
    missing = sorted(n for n in declared if n not in exported)
    not_code = sorted(n for n in declared if n in exported and exported[n] not in ("T", "i"))

    problems = 0
    for title, names in (
        ("exported symbols without the cfavro_ prefix", foreign),
        ("exported but not declared in include/*.h", undeclared),
        ("declared in include/*.h but not exported", missing),
        ("declared as functions but exported as something else", not_code),
    ):
        if names:
            problems += len(names)
            print(f"{title} ({len(names)}):")
            for n in names:
                where = f"  [{declared[n]}]" if n in declared else ""
                kind = f"  (nm type {exported[n]})" if n in exported else ""
                print(f"  {n}{where}{kind}")

    by_header = {}
    for n, h in declared.items():
        by_header[h] = by_header.get(h, 0) + 1
    headers = ", ".join(f"{h} {c}" for h, c in sorted(by_header.items()))
    print(f"declared: {len(declared)} ({headers}), exported: {len(exported)}, "
          f"problems: {problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
