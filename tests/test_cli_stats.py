#!/usr/bin/env python3
"""End-to-end tests of `cfavro decode --stats`, --stats-interval and the
progress line (python3 stdlib only).

Usage: test_cli_stats.py CFAVRO_EXE

Messages are built here (the encoder of test_cli.py), so every count in the
report is known exactly. Live streams are written through a pipe with pauses,
to see interval reports while the input waits; the progress line needs a
terminal, so that test gives the binary a pseudo-terminal as standard error.
Set CFAVRO_CLI_WRAPPER to run the binary under a wrapper (valgrind).
"""
import os
import pty
import re
import select
import shlex
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from avro_bytes import long_, string_

EXE = None
WRAPPER = shlex.split(os.environ.get("CFAVRO_CLI_WRAPPER", ""))

ID = 7
SCHEMA = ('{"type": "record", "name": "T", "fields": [{"name": "s", "type": "string"}, '
          '{"name": "n", "type": "long"}]}')


def frame(schema_id, payload):
    return b"\x00" + struct.pack(">i", schema_id) + payload


def record(s, n, schema_id=ID):
    return frame(schema_id, string_(s) + long_(n))


def len32be(msgs):
    """kcat -f '%R%s': a big-endian length, then the bytes; None is a tombstone."""
    return b"".join(struct.pack(">i", -1) if m is None else struct.pack(">I", len(m)) + m
                    for m in msgs)


STATS_LINE = re.compile(r"^cfavro: stats: ")
DONE = re.compile(r"^cfavro: stats: done in (\d+\.\d\d) s: (\d+) messages \((\d+\.\d)/s\), "
                  r"(\d+) bytes read \([^)]*/s\)$")
AFTER = re.compile(r"^cfavro: stats: after (\d+\.\d) s: (\d+) messages \(\d+\.\d/s; "
                   r"(\d+\.\d)/s in the last (\d+\.\d) s\), (\d+) bytes read \([^)]*/s\)$")


class Run:
    def __init__(self, code, out, err):
        self.code = code
        self.out = out.decode()
        self.err = err.decode()
        self.lines = self.out.splitlines()
        self.err_lines = self.err.splitlines()
        self.stats = [l for l in self.err_lines if STATS_LINE.match(l)]


def cfavro(*args, stdin=b""):
    proc = subprocess.run(WRAPPER + [EXE] + list(args), input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


class LiveRun:
    """The binary reading a live stream that the test writes, with pauses.

    Pauses are timed from what the binary has shown it did (JSON lines on its
    standard output, flushed whenever its input waits), not from its start,
    so a slow start (valgrind, a busy machine) cannot shift them. Standard
    error is a pipe, or a pseudo-terminal with terminal=True."""

    def __init__(self, args, terminal=False):
        self.terminal = terminal
        if terminal:
            self.master, slave = pty.openpty()
        else:
            slave = subprocess.PIPE
        self.proc = subprocess.Popen(WRAPPER + [EXE] + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=slave)
        if terminal:
            os.close(slave)
        self.err = b""
        self.reader = threading.Thread(target=self._read_err)
        self.reader.start()
        self.out = []

    def _read_err(self):
        if not self.terminal:
            self.err = self.proc.stderr.read()
            return
        while True:
            ready, _, _ = select.select([self.master], [], [], 120)
            if not ready:
                return
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the child closed the terminal (EIO on Linux)
                return
            if not chunk:
                return
            self.err += chunk

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def wait_lines(self, n):
        """Wait until the binary has printed n JSON lines in all."""
        while len(self.out) < n:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError("output ended after %d lines" % len(self.out))
            self.out.append(line.decode().rstrip("\n"))

    def finish(self):
        self.proc.stdin.close()
        self.out += self.proc.stdout.read().decode().splitlines()
        code = self.proc.wait(timeout=120)
        self.reader.join()
        if self.terminal:
            os.close(self.master)
        return code, self.out, self.err.decode()


class StatsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.schemas = os.path.join(cls.tmp.name, "schemas")
        os.mkdir(cls.schemas)
        with open(os.path.join(cls.schemas, "%d.avsc" % ID), "w") as f:
            f.write(SCHEMA)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def decode(self, *args, stdin=b""):
        return cfavro("decode", "--schema-dir", self.schemas, *args, stdin=stdin)

    def block(self, run, head):
        """The report that starts at stats line `head`: five lines."""
        lines = run.stats[head:head + 5]
        self.assertEqual(len(lines), 5, run.err)
        return lines


class Final(StatsTest):
    # Good, malformed, unknown id, bad magic, a tombstone, a record over
    # --max-message-bytes (an input error), then more good ones.
    GOOD = [record("a", 1), record("bb", 2), record("ccc", 3)]
    INPUT = [GOOD[0], frame(ID, b"\x02"),  # string of 1 byte, cut short: data
             record("x", 1, schema_id=9),  # unknown id: not found
             b"\x05\x00\x00\x00\x07\x00",  # magic 5: frame
             None, b"\x00" * 100,          # tombstone; 100 bytes > 64: input error
             GOOD[1], GOOD[2]]

    def test_counts(self):
        data = len32be(self.INPUT)
        run = self.decode("--format", "len32be", "--max-message-bytes", "64", "--stats",
                          stdin=data)
        self.assertEqual(run.code, 1, run.err)
        self.assertEqual(run.lines, ['{"s":"a","n":1}', '{"s":"bb","n":2}',
                                     '{"s":"ccc","n":3}'])
        # The report comes last, after every message's own line.
        self.assertEqual(run.err_lines[-5:], run.stats)
        done, counts, ids, cache, registry = (self.block(run, 0)[i] for i in (0, 1, 2, 3, 4))
        m = DONE.match(done)
        self.assertIsNotNone(m, done)
        self.assertEqual(int(m.group(2)), 8)
        self.assertEqual(int(m.group(4)), len(data))
        self.assertEqual(counts, "cfavro: stats: decoded 3, failed 3 (frame 1, not found 1, "
                                 "data 1), input errors 1, tombstones 1")
        self.assertEqual(ids, "cfavro: stats: schema ids: 7: 4, 9: 1, no id (frame not read): 1")
        # Id 7: loaded once, then the decoder's memo; id 9: a miss,
        # remembered (two entries cached).
        self.assertEqual(cache, "cfavro: stats: schema cache: 3 hits, 2 misses, "
                                "0 negative hits, 0 evictions, 2 cached")
        self.assertEqual(registry, "cfavro: stats: registry: 0 lookups, 0 requests, 0 retries, "
                                   "0 failures, latency avg 0.00 ms, max 0.00 ms")
        self.assertEqual(len(run.stats), 5)

    def test_rate_and_ids_order(self):
        # Ids by message count, most first; an unknown id's repeats are
        # negative hits.
        msgs = [record("a", i) for i in range(50)] + [record("b", 1, schema_id=12)] * 3
        run = self.decode("--format", "len32be", "--stats", stdin=len32be(msgs))
        self.assertEqual(run.code, 1)
        done, counts, ids, cache = self.block(run, 0)[:4]
        m = DONE.match(done)
        self.assertEqual(int(m.group(2)), 53)
        seconds, rate = float(m.group(1)), float(m.group(3))
        if seconds > 0:
            self.assertGreater(rate, 0)
        self.assertEqual(counts, "cfavro: stats: decoded 50, failed 3 (not found 3), "
                                 "input errors 0, tombstones 0")
        self.assertEqual(ids, "cfavro: stats: schema ids: 7: 50, 12: 3")
        self.assertEqual(cache, "cfavro: stats: schema cache: 49 hits, 2 misses, "
                                "2 negative hits, 0 evictions, 2 cached")

    def test_header_mode_ids(self):
        payloads = [string_("p") + long_(i) for i in range(4)]
        run = self.decode("--format", "len32be", "--header",
                          "__value_schema_id=hex:00%08x" % ID, "--stats",
                          stdin=len32be(payloads))
        self.assertEqual(run.code, 0, run.err)
        self.assertEqual(self.block(run, 0)[2], "cfavro: stats: schema ids: 7: 4")

    def test_nothing_without_the_option(self):
        run = self.decode("--format", "len32be", stdin=len32be(self.INPUT))
        self.assertEqual(run.code, 1)
        self.assertEqual(run.stats, [])
        self.assertNotIn("\r", run.err)  # not a terminal: no progress line

    def test_empty_input(self):
        run = self.decode("--format", "len32be", "--stats")
        self.assertEqual(run.code, 0, run.err)
        done, counts, ids = self.block(run, 0)[:3]
        self.assertEqual(DONE.match(done).group(2), "0")
        self.assertEqual(counts, "cfavro: stats: decoded 0, failed 0, input errors 0, "
                                 "tombstones 0")
        self.assertEqual(ids, "cfavro: stats: schema ids: none seen")

    def test_many_ids_are_bounded(self):
        # 30 ids: the 20 most frequent are named, the rest summed.
        msgs = []
        for i in range(30):
            msgs += [record("z", 0, schema_id=1000 + i)] * (i + 1)
        run = self.decode("--format", "len32be", "--stats", stdin=len32be(msgs))
        ids = self.block(run, 0)[2]
        named = re.findall(r"(\d+): (\d+)", ids.split("schema ids:")[1].split("other")[0])
        self.assertEqual(len(named), 20)
        self.assertEqual(named[0], ("1029", "30"))
        self.assertEqual(named[-1], ("1010", "11"))
        self.assertTrue(ids.endswith(", other ids: %d" % sum(range(1, 11))), ids)

    def test_usage_errors(self):
        for args, text in ((["--stats-interval", "0"], '--stats-interval: invalid value "0"'),
                           (["--stats-interval=abc"], '--stats-interval: invalid value "abc"'),
                           (["--stats-interval", "86401"], "invalid value \"86401\""),
                           (["--stats-interval"], "option --stats-interval needs a value"),
                           (["--stats-intervals", "1"], 'unknown option "--stats-intervals"')):
            run = self.decode(*args)
            self.assertEqual(run.code, 2, args)
            self.assertIn(text, run.err)
            self.assertEqual(run.stats, [])

    def test_help(self):
        run = cfavro("decode", "--help")
        self.assertEqual(run.code, 0)
        for flag in ("--stats ", "--stats-interval N", "--no-progress"):
            self.assertIn(flag, run.out)


class Live(StatsTest):
    """A stream that pauses: interval reports keep coming while it waits."""

    def test_interval_reports(self):
        live = LiveRun(["decode", "--schema-dir", self.schemas, "--format", "len32be",
                        "--stats-interval", "1"])
        first = len32be([record("a", 1), record("b", 2)])
        live.write(first)
        live.wait_lines(2)
        time.sleep(2.6)  # reports at about 1 and 2 s see only the first two
        live.write(len32be([record("c", 3), frame(ID, b"\x02")]))
        code, out, err = live.finish()
        run = Run(code, "\n".join(out).encode(), err.encode())
        self.assertEqual(run.code, 1, run.err)
        self.assertEqual(len(run.lines), 3)
        heads = [i for i, l in enumerate(run.stats) if AFTER.match(l) or DONE.match(l)]
        # Each report is five lines; at least two came while the input paused
        # (at about 1 and 2 s), then the final one.
        self.assertEqual([run.stats[i][:20] for i in heads], [l[:20] for l in run.stats[::5]])
        self.assertEqual(len(run.stats), 5 * len(heads))
        self.assertGreaterEqual(len(heads), 3, run.err)
        self.assertTrue(DONE.match(run.stats[heads[-1]]))
        paused = [AFTER.match(run.stats[i]) for i in heads[:-1]]
        # Reports while the input waited see the first two messages (and
        # their bytes); the last of them saw nothing new.
        waiting = [i for i, m in zip(heads, paused) if m.group(2) == "2"]
        self.assertGreaterEqual(len(waiting), 2, run.err)
        for i in waiting:
            self.assertEqual(int(AFTER.match(run.stats[i]).group(5)), len(first))
            self.assertEqual(run.stats[i + 1], "cfavro: stats: decoded 2, failed 0, "
                                                "input errors 0, tombstones 0")
        self.assertEqual(AFTER.match(run.stats[waiting[-1]]).group(3), "0.0")
        # About a second apart.
        at = [float(m.group(1)) for m in paused]
        for a, b in zip(at, at[1:]):
            self.assertAlmostEqual(b - a, 1.0, delta=0.5)
        final = self.block(run, heads[-1])
        self.assertEqual(DONE.match(final[0]).group(2), "4")
        self.assertEqual(final[1], "cfavro: stats: decoded 3, failed 1 (data 1), "
                                   "input errors 0, tombstones 0")
        # Error lines are whole lines, never cut by a report.
        for line in run.err_lines:
            self.assertTrue(line.startswith("cfavro: stats: ") or
                            line.startswith("cfavro: message "), line)


class Progress(StatsTest):
    """The progress line: only on a terminal, only once a run takes a second."""

    def start(self, *extra):
        return LiveRun(["decode", "--schema-dir", self.schemas, "--format", "len32be"]
                       + list(extra), terminal=True)

    def test_progress_line_on_a_terminal(self):
        msgs = len32be([record("a", i) for i in range(3)])
        live = self.start()
        live.write(msgs)
        live.wait_lines(3)
        time.sleep(1.7)  # drawn once the run is a second old
        live.write(len32be([frame(ID, b"\x02")]))
        time.sleep(1.2)  # drawn again after the error line
        live.write(msgs)
        code, out, err = live.finish()
        self.assertEqual(code, 1, err)
        self.assertEqual(len(out), 6)
        # Drawn in place while the input paused, with what had been read.
        self.assertRegex(err, r"\rcfavro: 3 messages \(0 failed\), \d+ B, \d+ messages/s\x1b\[K")
        # Cleared before the error line, which is whole; cleared at the end.
        self.assertRegex(err, r"\r\x1b\[Kcfavro: message 3: error 603 [^\r]*\r\n"
                              r"\rcfavro: 4 messages \(1 failed\), ")
        self.assertTrue(err.endswith("\x1b[K\r\x1b[K"), repr(err[-40:]))
        self.assertNotIn("cfavro: stats:", err)  # no --stats, no report

    def test_quick_runs_and_no_progress(self):
        msgs = len32be([record("a", i) for i in range(3)])
        live = self.start()
        live.write(msgs)
        code, _, err = live.finish()
        self.assertEqual(code, 0)
        self.assertEqual(err, "")  # under a second: nothing drawn
        live = self.start("--no-progress", "--stats")
        live.write(msgs)
        live.wait_lines(3)
        time.sleep(1.5)
        live.write(msgs)
        code, _, err = live.finish()
        self.assertEqual(code, 0)
        self.assertNotIn("\r", err.replace("\r\n", "\n"))  # the terminal's own CRLF aside
        self.assertIn("cfavro: stats: decoded 6, failed 0", err)


class Registry(StatsTest):
    def test_registry_counts(self):
        server = os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry",
                              "server.py")
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry", "data.json")
        # It prints its port once it listens, and stops when its input ends.
        proc = subprocess.Popen([sys.executable, server, "--data", data, "--exit-on-stdin-eof"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            url = "http://127.0.0.1:%s" % proc.stdout.readline().split()[1]
            # Id 1 of tests/registry/data.json is a record of one int; id 77
            # is unknown (404: an answer, not a failure).
            msgs = [frame(1, long_(5)), frame(1, long_(6)), frame(77, long_(1))]
            run = cfavro("decode", "--registry", url, "--format", "len32be", "--stats",
                         stdin=len32be(msgs))
            if run.code == 2 and "has no schema-registry client" in run.err:
                self.skipTest("no registry client in this build")
            self.assertEqual(run.code, 1, run.err)
            self.assertEqual(run.lines, ['{"a":5}', '{"a":6}'])
            block = self.block(run, 0)
            self.assertEqual(block[1], "cfavro: stats: decoded 2, failed 1 (not found 1), "
                                       "input errors 0, tombstones 0")
            self.assertRegex(block[4], r"^cfavro: stats: registry: 2 lookups, 2 requests, "
                                       r"0 retries, 0 failures, latency avg \d+\.\d\d ms, "
                                       r"max \d+\.\d\d ms$")
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)
            proc.stdout.close()


def main():
    global EXE
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    EXE = sys.argv[1]
    del sys.argv[1:2]
    unittest.main(verbosity=2)


if __name__ == "__main__":
    sys.exit(main())
