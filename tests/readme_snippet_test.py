#!/usr/bin/env python3
"""Compile and run the README's library snippet (STYLE habit 18).

    readme_snippet_test.py README INCLUDE_DIR LIBCFAVRO [B_SANITIZE]

CC (environment) is the compiler meson uses; LIBCFAVRO the built shared
library; B_SANITIZE the build's b_sanitize option (a sanitizer build links
the program with the same runtime).

The ```c block under "## Using the library" is taken as README.md has it.
A complete program (one that defines main) is compiled and linked as is.
Otherwise the block is the body of a main(): its #include lines move to the
top, `msg` and `msg_len` come from a file named on the command line, and the
"schema.dir" value is pointed at a temporary directory holding one schema.
The program must compile with strict C11 warnings as errors, link against
the library, and then:
  - print a good message's JSON on stdout, exactly;
  - report a truncated message on stderr as its status, offset and path
    (whatever the snippet prints them as: the values are looked for).
Compiler errors point at README.md lines (#line), so a README edit that
breaks the snippet fails here with the README's own line numbers.
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile

SECTION = "## Using the library"
SCHEMA_ID = 7
SCHEMA = ('{"type":"record","name":"Greeting","fields":'
          '[{"name":"text","type":"string"},{"name":"n","type":"int"}]}')
HEADER = bytes([0, 0, 0, 0, SCHEMA_ID])
GOOD = HEADER + b"\x04hi\x2a"           # {"text":"hi","n":21}
GOOD_JSON = '{"text":"hi","n":21}'
TRUNCATED = HEADER + b"\x04h"           # the string ends early


def fail(msg):
    print("readme_snippet_test: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def extract(readme_path):
    """The first ```c block after the section heading: (first line number, text)."""
    with open(readme_path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    try:
        start = lines.index(SECTION)
    except ValueError:
        fail("README.md has no line %r" % SECTION)
    i = start + 1
    while i < len(lines) and lines[i].strip() != "```c":
        if lines[i].startswith("## "):
            fail("no ```c block under %r" % SECTION)
        i += 1
    if i == len(lines):
        fail("no ```c block under %r" % SECTION)
    body = []
    for j in range(i + 1, len(lines)):
        if lines[j].strip() == "```":
            return i + 2, body
        body.append(lines[j])
    fail("the ```c block under %r does not end" % SECTION)


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrap(readme_path, first_line, body, schema_dir):
    """A complete C program around the snippet body."""
    text = "\n".join(body)
    if re.search(r"\bint\s+main\s*\(", text):
        return "#line %d %s\n%s\n" % (first_line, c_string(readme_path), text), False
    includes = [(n, l) for n, l in enumerate(body) if l.lstrip().startswith("#include")]
    code = [l if not l.lstrip().startswith("#include") else "" for l in body]
    joined = "\n".join(code)
    joined, subs = re.subn(r'("schema\.dir"\s*,\s*)"(?:[^"\\]|\\.)*"',
                           lambda m: m.group(1) + c_string(schema_dir), joined)
    if subs != 1:
        fail('the snippet should set "schema.dir" once (found %d); update this test' % subs)
    readme = c_string(readme_path)
    out = ["/* README.md's library snippet, wrapped by tests/readme_snippet_test.py. */",
           "#include <stdio.h>"]

    def back_to_wrapper():  # diagnostics after this point name snippet.c's own lines
        out.append('#line %d "snippet.c"' % (len(out) + 2))

    for n, line in includes:
        out.append("#line %d %s" % (first_line + n, readme))
        out.append(line)
    back_to_wrapper()
    out += [
        "",
        "static unsigned char snippet_msg[4096];",
        "",
        "int main(int argc, char **argv)",
        "{",
        "    FILE *snippet_in = argc == 2 ? fopen(argv[1], \"rb\") : NULL;",
        "    if (snippet_in == NULL) {",
        "        return 2;",
        "    }",
        "    size_t msg_len = fread(snippet_msg, 1, sizeof snippet_msg, snippet_in);",
        "    fclose(snippet_in);",
        "    const unsigned char *msg = snippet_msg;",
        "#line %d %s" % (first_line, readme),
    ]
    out += joined.split("\n")
    back_to_wrapper()
    out += [
        "    (void)msg;",
        "    (void)msg_len;",
        "    return 0;",
        "}",
        "",
    ]
    return "\n".join(out), True


def main(argv):
    if len(argv) not in (4, 5):
        fail("usage: readme_snippet_test.py README INCLUDE_DIR LIBCFAVRO [B_SANITIZE]")
    readme, include_dir, lib = (os.path.abspath(a) for a in argv[1:4])
    sanitize = argv[4] if len(argv) == 5 else "none"
    cc = shlex.split(os.environ.get("CC", "cc"))
    first_line, body = extract(readme)

    with tempfile.TemporaryDirectory(prefix="cfavro-readme.") as tmp:
        schema_dir = os.path.join(tmp, "schemas")
        os.mkdir(schema_dir)
        with open(os.path.join(schema_dir, "%d.avsc" % SCHEMA_ID), "w") as fh:
            fh.write(SCHEMA)
        source, runnable = wrap(readme, first_line, body, schema_dir)
        src = os.path.join(tmp, "snippet.c")
        with open(src, "w") as fh:
            fh.write(source)
        exe = os.path.join(tmp, "snippet")
        flags = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
        if sanitize not in ("", "none"):
            flags += ["-fsanitize=" + sanitize, "-fno-omit-frame-pointer"]
        cmd = cc + flags + ["-I" + include_dir, "-o", exe, src, lib,
                            "-Wl,-rpath," + os.path.dirname(lib)]
        print("$ " + " ".join(shlex.quote(c) for c in cmd))
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(source, file=sys.stderr)
            fail("the README snippet does not compile:\n" + r.stdout + r.stderr)
        if not runnable:
            print("readme_snippet_test: OK (a complete program: compiled and linked)")
            return 0

        def run(name, data):
            path = os.path.join(tmp, name)
            with open(path, "wb") as fh:
                fh.write(data)
            return subprocess.run([exe, path], capture_output=True, text=True, timeout=60)

        r = run("good.bin", GOOD)
        if r.returncode != 0 or r.stdout != GOOD_JSON or r.stderr != "":
            fail("good message: exit %d, stdout %r (want %r), stderr %r"
                 % (r.returncode, r.stdout, GOOD_JSON, r.stderr))
        print("good message -> %s" % r.stdout)

        r = run("truncated.bin", TRUNCATED)
        err = r.stderr.strip()
        # Status 6xx (malformed data), offset 5 (the string's length byte,
        # counted from the start of the message) and the field's path.
        if (r.returncode != 0 or r.stdout != "" or not re.match(r"6\d\d\b", err)
                or not re.search(r"\b5\b", err) or "Greeting.text" not in err):
            fail("truncated message: exit %d, stdout %r, stderr %r (want a 6xx status, "
                 "offset 5 and path Greeting.text)" % (r.returncode, r.stdout, r.stderr))
        print("truncated message -> %s" % err)
    print("readme_snippet_test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
