#!/usr/bin/env python3
"""End-to-end tests of `cfavro decode` (python3 stdlib only).

Usage: test_cli.py CFAVRO_EXE EXAMPLES_DATA_DIR

The test writes its own schemas and messages (Avro binary encoded by the
small encoder below) into a temporary directory, so every expected JSON line
is known exactly; it also decodes the bundled samples in examples/data/.
Set CFAVRO_CLI_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") to run the
binary under a wrapper.
"""
import base64
import json
import os
import re
import select
import shlex
import struct
import subprocess
import sys
import tempfile
import unittest

from avro_bytes import long_, string_  # Avro binary encoding (shared with fuzz/make_seeds.py)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "registry"))
from test_server import RegistryProcess  # noqa: E402  (the test registry as a subprocess)

EXE = None
EXAMPLES = None
HAVE_REGISTRY = None  # does this build have the registry client? (set in main)
WRAPPER = shlex.split(os.environ.get("CFAVRO_CLI_WRAPPER", ""))

# ---------------------------------------------------------------- encoder


def double(x):
    return struct.pack("<d", x)


def frame(schema_id, payload):
    return b"\x00" + struct.pack(">i", schema_id) + payload


def len32be(msgs):
    return b"".join(struct.pack(">I", len(m)) + m for m in msgs)


TRADE_ID = 7
TRADE_SCHEMA = """{"type": "record", "name": "Trade", "fields": [
  {"name": "symbol", "type": "string"},
  {"name": "qty", "type": "long"},
  {"name": "price", "type": "double"},
  {"name": "side", "type": {"type": "enum", "name": "Side", "symbols": ["BUY", "SELL"]}},
  {"name": "note", "type": ["null", "string"]},
  {"name": "extra", "type": {"type": "map", "values": "string"}}
]}"""


def trade(symbol, qty, price, side, note, extra):
    p = string_(symbol) + long_(qty) + double(price) + long_(side)
    p += long_(0) if note is None else long_(1) + string_(note)
    if extra:
        p += long_(len(extra))
        for k, v in extra.items():
            p += string_(k) + string_(v)
    p += long_(0)
    return frame(TRADE_ID, p)


TRADES = [
    trade("BTC", 3, 1.5, 1, None, {"fee": "0.1"}),
    trade("ETH", -2, 0.25, 0, "hi", {}),
    trade("SOL", 1000000, -7.125, 1, "x\"y", {"a": "1", "b": "2"}),
    trade("ADA", 0, 0.0, 0, None, {}),
]
TRADES_JSON = [
    '{"symbol":"BTC","qty":3,"price":1.5,"side":"SELL","note":null,"extra":{"fee":"0.1"}}',
    '{"symbol":"ETH","qty":-2,"price":0.25,"side":"BUY","note":{"string":"hi"},"extra":{}}',
    '{"symbol":"SOL","qty":1000000,"price":-7.125,"side":"SELL","note":{"string":"x\\"y"},'
    '"extra":{"a":"1","b":"2"}}',
    '{"symbol":"ADA","qty":0,"price":0.0,"side":"BUY","note":null,"extra":{}}',
]


def bad_trade():
    """A trade whose extra["fee"] string claims 99 bytes with 3 left.

    Returns (message, offset of the bad length varint in the message)."""
    head = frame(TRADE_ID, string_("BTC") + long_(3) + double(1.5) + long_(1) + long_(0)
                 + long_(1) + string_("fee"))
    return head + long_(99) + b"abc", len(head)


OPT_ID = 8
OPT_SCHEMA = """{"type": "record", "name": "Opt", "fields": [
  {"name": "b", "type": "bytes"},
  {"name": "u", "type": ["null", "long"]},
  {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "d", "type": {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}},
  {"name": "x", "type": "double"},
  {"name": "s", "type": "string"}
]}"""

# b = 00 ff, u = 5, ts = 1000 ms, d = 12345 (123.45), x = NaN, s = "a" 0xff "b"
OPT_MSG = frame(OPT_ID, long_(2) + b"\x00\xff" + long_(1) + long_(5) + long_(1000)
                + long_(2) + b"\x30\x39" + struct.pack("<d", float("nan"))
                + long_(3) + b"a\xffb")

# ---------------------------------------------------------------- helpers


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout.decode()
        self.err = proc.stderr.decode()
        self.lines = self.out.splitlines()
        self.err_lines = self.err.splitlines()


def cfavro(*args, stdin=b""):
    proc = subprocess.run(WRAPPER + [EXE] + list(args), input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return Run(proc)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.schemas = os.path.join(cls.dir, "schemas")
        os.mkdir(cls.schemas)
        for sid, text in ((TRADE_ID, TRADE_SCHEMA), (OPT_ID, OPT_SCHEMA)):
            with open(os.path.join(cls.schemas, "%d.avsc" % sid), "w") as f:
                f.write(text)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def decode(self, *args, stdin=b""):
        return cfavro("decode", "--schema-dir", self.schemas, *args, stdin=stdin)

    def assertOk(self, run, lines):
        self.assertEqual(run.err, "")
        self.assertEqual(run.code, 0)
        self.assertEqual(run.lines, lines)
        self.assertEqual(run.out, "".join(line + "\n" for line in lines))


class Formats(CliTest):
    def test_raw_file(self):
        path = self.write("one.bin", TRADES[0])
        self.assertOk(self.decode(path), TRADES_JSON[:1])
        self.assertOk(self.decode("--format", "raw", path), TRADES_JSON[:1])

    def test_raw_stdin(self):
        self.assertOk(self.decode(stdin=TRADES[1]), TRADES_JSON[1:2])
        self.assertOk(self.decode("-", stdin=TRADES[1]), TRADES_JSON[1:2])

    def test_len32be(self):
        path = self.write("all.len32be", len32be(TRADES))
        self.assertOk(self.decode("--format", "len32be", path), TRADES_JSON)
        self.assertOk(self.decode("--format=len32be", stdin=len32be(TRADES)), TRADES_JSON)

    def test_hex(self):
        text = "".join(m.hex() + "\n" for m in TRADES)
        self.assertOk(self.decode("--format", "hex", stdin=text.encode()), TRADES_JSON)

    def test_hex_crlf_blank_lines_uppercase(self):
        text = "\r\n".join("  " + m.hex().upper() + "\t\r\n" for m in TRADES)
        self.assertOk(self.decode("--format", "hex", stdin=text.encode()), TRADES_JSON)

    def test_base64(self):
        text = "".join(base64.b64encode(m).decode() + "\r\n\n" for m in TRADES)
        path = self.write("all.b64", text.encode())
        self.assertOk(self.decode("--format", "base64", path), TRADES_JSON)

    def test_live_stream_is_not_held_back(self):
        # A message shows up on stdout while the input pipe is still open
        # (the reader does not wait for a full window, output is flushed
        # whenever the input pauses).
        proc = subprocess.Popen(WRAPPER + [EXE, "decode", "--schema-dir", self.schemas,
                                           "--format", "len32be"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            proc.stdin.write(len32be(TRADES[:1]))
            proc.stdin.flush()
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            self.assertTrue(ready, "no output while the input stays open")
            self.assertEqual(proc.stdout.readline().decode(), TRADES_JSON[0] + "\n")
            proc.stdin.write(len32be(TRADES[1:2]))
            proc.stdin.close()
            self.assertEqual(proc.stdout.read().decode(), TRADES_JSON[1] + "\n")
            self.assertEqual(proc.wait(120), 0)
            self.assertEqual(proc.stderr.read(), b"")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()

    def test_empty_stream(self):
        for fmt in ("len32be", "hex", "base64"):
            self.assertOk(self.decode("--format", fmt, stdin=b""), [])

    def test_empty_raw_input_is_a_failed_message(self):
        run = self.decode(stdin=b"")
        self.assertEqual(run.code, 1)
        self.assertEqual(run.out, "")
        self.assertRegex(run.err, r"^cfavro: message 0: error 201 \(")

    def test_many_messages_stream(self):
        # Enough to cross many read windows and output buffer flushes.
        msgs = [TRADES[i % 4] for i in range(20000)]
        run = self.decode("--format", "len32be", stdin=len32be(msgs))
        self.assertEqual(run.code, 0)
        self.assertEqual(len(run.lines), 20000)
        self.assertEqual(run.lines[19999], TRADES_JSON[3])
        self.assertEqual(run.lines[10001], TRADES_JSON[1])


class OutputOptions(CliTest):
    def test_defaults(self):
        run = self.decode("--invalid-utf8", "replace", stdin=OPT_MSG)
        self.assertOk(run, [
            '{"b":"\\u0000\u00ff","u":{"long":5},"ts":"1970-01-01T00:00:01.000Z",'
            '"d":"123.45","x":"NaN","s":"a\ufffdb"}'])

    def test_invalid_utf8_is_an_error_by_default(self):
        run = self.decode(stdin=OPT_MSG)
        self.assertEqual(run.code, 1)
        self.assertEqual(run.out, "")
        self.assertRegex(run.err, r"^cfavro: message 0: error 610 \(invalid UTF-8 in string\) "
                                  r"at offset \d+, path Opt\.s: ")

    def test_every_option(self):
        run = self.decode("--union", "plain", "--bytes", "hex", "--time", "epoch",
                          "--decimal", "number", "--nonfinite", "null",
                          "--invalid-utf8=replace", stdin=OPT_MSG)
        self.assertOk(run, ['{"b":"00ff","u":5,"ts":1000,"d":123.45,"x":null,"s":"a\ufffdb"}'])

    def test_bytes_base64_and_no_logical(self):
        run = self.decode("--bytes=base64", "--no-logical", "--set", "json.invalid.utf8=replace",
                          stdin=OPT_MSG)
        self.assertOk(run, ['{"b":"AP8=","u":{"long":5},"ts":1000,"d":"MDk=","x":"NaN",'
                            '"s":"a\ufffdb"}'])

    def test_trailing_bytes(self):
        msg = TRADES[0] + b"\x00"
        run = self.decode(stdin=msg)
        self.assertEqual(run.code, 1)
        self.assertRegex(run.err, r"^cfavro: message 0: error 701 \(trailing bytes after the "
                                  r"Avro value\) at offset %d" % len(TRADES[0]))
        self.assertOk(self.decode("--allow-trailing", stdin=msg), TRADES_JSON[:1])
        self.assertOk(self.decode("--set", "decode.trailing.bytes=allow", stdin=msg),
                      TRADES_JSON[:1])

    def test_set_limit(self):
        run = self.decode("--set", "limit.output.bytes=10", stdin=TRADES[0])
        self.assertEqual(run.code, 1)
        self.assertRegex(run.err, r"^cfavro: message 0: error 803 ")


class Failures(CliTest):
    def test_corrupt_message_in_the_middle(self):
        bad, off = bad_trade()
        msgs = [TRADES[0], TRADES[1], TRADES[2], bad, TRADES[3]]
        for fmt, data in (("len32be", len32be(msgs)),
                          ("hex", "\n".join(m.hex() for m in msgs).encode()),
                          ("base64", "\n".join(base64.b64encode(m).decode()
                                               for m in msgs).encode())):
            with self.subTest(fmt=fmt):
                run = self.decode("--format", fmt, stdin=data)
                self.assertEqual(run.code, 1)
                self.assertEqual(run.lines, TRADES_JSON)
                self.assertEqual(len(run.err_lines), 1, run.err)
                self.assertRegex(
                    run.err_lines[0],
                    r'^cfavro: message 3: error 603 \(length beyond the end of the Avro data\) '
                    r'at offset %d, path Trade\.extra\["fee"\]: .*99' % off)

    def test_unknown_schema_continues(self):
        msgs = [TRADES[0], frame(12345, b"\x02"), TRADES[1]]
        run = self.decode("--format", "len32be", stdin=len32be(msgs))
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, TRADES_JSON[:2])
        self.assertEqual(len(run.err_lines), 1)
        self.assertRegex(run.err_lines[0], r"^cfavro: message 1: error 301 \(schema not found\)"
                                           r".*12345")

    def test_bad_magic_byte(self):
        run = self.decode(stdin=b'{"not": "avro"}')
        self.assertEqual(run.code, 1)
        self.assertRegex(run.err, r"^cfavro: message 0: error 202 ")

    def test_bad_hex_line_continues(self):
        text = TRADES[0].hex() + "\n" + "00zz\n" + TRADES[1].hex() + "\n"
        run = self.decode("--format", "hex", stdin=text.encode())
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, TRADES_JSON[:2])
        pos = len(TRADES[0].hex()) + 1 + 2
        self.assertEqual(run.err_lines, [
            "cfavro: message 1: input error at byte %d, line 2: invalid hex character 'z' "
            "at column 3" % pos])

    def test_bad_base64_padding_continues(self):
        text = "A===\n" + base64.b64encode(TRADES[2]).decode() + "\n"
        run = self.decode("--format", "base64", stdin=text.encode())
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, TRADES_JSON[2:3])
        self.assertEqual(run.err_lines, [
            "cfavro: message 0: input error at byte 1, line 1: misplaced base64 '=' padding "
            "at column 2"])

    def test_truncated_final_len32be_record(self):
        data = len32be(TRADES[:2]) + struct.pack(">I", 50) + TRADES[2][:10]
        run = self.decode("--format", "len32be", stdin=data)
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, TRADES_JSON[:2])
        self.assertEqual(run.err_lines, [
            "cfavro: message 2: input error at byte %d: truncated record: length prefix says "
            "50 bytes but only 10 remain" % len(len32be(TRADES[:2]))])

    def test_truncated_length_prefix(self):
        data = len32be(TRADES[:1]) + b"\x00\x00"
        run = self.decode("--format", "len32be", stdin=data)
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, TRADES_JSON[:1])
        self.assertRegex(run.err, r"^cfavro: message 1: input error at byte %d: truncated "
                                  r"length prefix" % len(len32be(TRADES[:1])))

    def test_record_over_max_message_bytes(self):
        big = TRADES[2]
        data = len32be([TRADES[0], big, TRADES[1]])
        run = self.decode("--format", "len32be", "--max-message-bytes", str(len(big) - 1),
                          stdin=data)
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, [TRADES_JSON[0], TRADES_JSON[1]])
        self.assertEqual(run.err_lines, [
            "cfavro: message 1: input error at byte %d: record length %d is over the maximum "
            "message size of %d bytes" % (len(TRADES[0]) + 4, len(big), len(big) - 1)])
        # A 4 GiB length claim is an input error, not an allocation
        # (0xFFFFFFFE: 0xFFFFFFFF is a null value, see Tombstones).
        run = self.decode("--format", "len32be", stdin=b"\xff\xff\xff\xfeabc")
        self.assertEqual(run.code, 1)
        self.assertRegex(run.err, r"record length 4294967294 is over the maximum message "
                                  r"size of 67108864 bytes")
        run = self.decode("--format", "len32be", "--max-message-bytes=1k", stdin=data)
        self.assertOk(run, [TRADES_JSON[0], TRADES_JSON[2], TRADES_JSON[1]])

    def test_raw_stream_hint(self):
        run = self.decode(stdin=len32be(TRADES[:2]))
        self.assertEqual(run.code, 1)
        self.assertEqual(len(run.err_lines), 1)
        self.assertIn("try --format len32be", run.err)

    def test_raw_hex_and_base64_hints(self):
        hex_text = "".join(m.hex() + "\r\n" for m in TRADES[:2]).encode()
        b64_text = "".join(base64.b64encode(m).decode() + "\n" for m in TRADES[:2]).encode()
        for data, fmt in ((hex_text, "hex"), (hex_text.upper(), "hex"), (b64_text, "base64"),
                          (b"  " + base64.b64encode(TRADES[3]) + b"\n", "base64")):
            with self.subTest(fmt=fmt, data=data[:12]):
                path = self.write("dump." + fmt, data)
                run = self.decode(path)
                self.assertEqual(run.code, 1)
                self.assertEqual(run.out, "")
                self.assertEqual(len(run.err_lines), 1, run.err)
                self.assertRegex(run.err_lines[0],
                                 r"^cfavro: message 0: error 202 \(.* \(hint: the input looks "
                                 r"like %s text; try --format %s\)$" % (fmt, fmt))
                # The hint is right: with the format, the same file decodes.
                n = 1 if data.startswith(b" ") else 2
                self.assertOk(self.decode("--format", fmt, path),
                              TRADES_JSON[3:4] if n == 1 else TRADES_JSON[:2])

    def test_no_hint_for_other_text(self):
        # Too short to be a message, other characters, or a non-raw format:
        # no guess.
        for args, data in (((), b"00ff\n"), ((), b"abcdef\n"), ((), b"hello world\n"),
                           ((), b"helloworld\n"), ((), b'{"a": 1}'), ((), b"0000000000-\n"),
                           ((), b"00000 00000\n"), ((), b"000000000\n0\n"),
                           (("--format", "len32be"), b"\x00\x00\x00\x0600000a")):
            with self.subTest(data=data):
                run = self.decode(*args, stdin=data)
                self.assertEqual(run.code, 1)
                self.assertEqual(len(run.err_lines), 1, run.err)
                self.assertNotIn("hint", run.err)


class Tombstones(CliTest):
    """len32be length 0xFFFFFFFF: a null value, as kcat -f '%R%s' writes it."""
    NULL = b"\xff\xff\xff\xff"

    def test_tombstone_between_good_records(self):
        data = len32be(TRADES[:1]) + self.NULL + len32be(TRADES[1:2])
        run = self.decode("--format", "len32be", stdin=data)
        self.assertEqual(run.code, 0)
        self.assertEqual(run.out, TRADES_JSON[0] + "\n" + TRADES_JSON[1] + "\n")
        self.assertEqual(run.err_lines, ["cfavro: message 1: null value (tombstone), skipped"])

    def test_tombstones_do_not_hide_failures_or_shift_indexes(self):
        # First, last and twice in a row; a failure after them keeps its
        # index and the exit status 1.
        bad, _ = bad_trade()
        data = (self.NULL + len32be(TRADES[:1]) + self.NULL + self.NULL + len32be([bad])
                + len32be(TRADES[2:3]) + self.NULL)
        run = self.decode("--format", "len32be", "--max-message-bytes", "16", stdin=data)
        # Every real record is over 16 bytes; null records are not.
        self.assertEqual(run.code, 1)
        self.assertEqual(run.out, "")
        self.assertEqual([re.match(r"cfavro: message (\d+): (null value|input error)",
                                   line).groups() for line in run.err_lines],
                         [("0", "null value"), ("1", "input error"), ("2", "null value"),
                          ("3", "null value"), ("4", "input error"), ("5", "input error"),
                          ("6", "null value")])
        run = self.decode("--format", "len32be", stdin=data)
        self.assertEqual(run.code, 1)
        self.assertEqual(run.lines, [TRADES_JSON[0], TRADES_JSON[2]])
        self.assertEqual(run.err_lines[:4], [
            "cfavro: message 0: null value (tombstone), skipped",
            "cfavro: message 2: null value (tombstone), skipped",
            "cfavro: message 3: null value (tombstone), skipped",
            run.err_lines[3]])
        self.assertRegex(run.err_lines[3], r"^cfavro: message 4: error 603 ")
        self.assertEqual(run.err_lines[4:],
                         ["cfavro: message 6: null value (tombstone), skipped"])

    def test_only_tombstones(self):
        run = self.decode("--format", "len32be", stdin=self.NULL * 3)
        self.assertEqual(run.code, 0)
        self.assertEqual(run.out, "")
        self.assertEqual(len(run.err_lines), 3)


class Usage(CliTest):
    def assertUsage(self, run, text):
        self.assertEqual(run.code, 2, run.err)
        self.assertEqual(run.out, "")
        self.assertIn(text, run.err)

    def test_missing_schema_dir(self):
        self.assertUsage(cfavro("decode", stdin=TRADES[0]), "missing --schema-dir")

    def test_schema_dir_not_a_directory(self):
        path = self.write("plain.txt", b"x")
        self.assertUsage(cfavro("decode", "--schema-dir", path), "not a directory")
        self.assertUsage(cfavro("decode", "--schema-dir", os.path.join(self.dir, "nope")),
                         "No such file or directory")

    def test_unknown_flag(self):
        self.assertUsage(self.decode("--frobnicate", stdin=TRADES[0]), 'unknown option')
        self.assertUsage(self.decode("-x", stdin=TRADES[0]), 'unknown option "-x"')

    def test_unreadable_input(self):
        self.assertUsage(self.decode(os.path.join(self.dir, "missing.bin")), "cannot open")
        self.assertUsage(self.decode(self.dir), "is a directory")

    def test_bad_values(self):
        self.assertUsage(self.decode("--format", "xml"), 'unknown format "xml"')
        self.assertUsage(self.decode("--union", "weird"), "--union: ")
        self.assertUsage(self.decode("--union", "weird"), "avro, plain")
        self.assertUsage(self.decode("--max-message-bytes", "0"), "invalid size")
        self.assertUsage(self.decode("--max-message-bytes", "5G"), "invalid size")
        self.assertUsage(self.decode("--max-message-bytes", "12q"), "invalid size")
        self.assertUsage(self.decode("--set", "novalue"), "expected KEY=VALUE")
        self.assertUsage(self.decode("--set", "no.such.key=1"), "no.such.key")
        self.assertUsage(self.decode("--no-logical=yes"), "takes no value")
        self.assertUsage(self.decode("--format"), "needs a value")
        self.assertUsage(self.decode("a.bin", "b.bin"), "more than one input file")

    def test_commands(self):
        self.assertUsage(cfavro(), "Usage: cfavro COMMAND")
        self.assertUsage(cfavro("frob"), 'unknown command "frob"')
        self.assertUsage(cfavro("help", "frob"), 'unknown command "frob"')

    def test_help(self):
        run = cfavro("--help")
        self.assertEqual(run.code, 0)
        self.assertIn("decode", run.out)
        self.assertIn("Commands:", run.out)
        for args in (("decode", "--help"), ("decode", "-h"), ("help", "decode"),
                     ("decode", "--schema-dir", "/nonexistent", "--help")):
            run = cfavro(*args)
            self.assertEqual(run.code, 0)
            self.assertEqual(run.err, "")
            for word in ("--schema-dir", "--format", "raw", "len32be", "hex", "base64",
                         "kcat -C -f '%R%s'", "--union", "--bytes", "--time", "--decimal",
                         "--nonfinite", "--invalid-utf8", "--no-logical", "--allow-trailing",
                         "--set KEY=VALUE", "--max-message-bytes", "default: raw",
                         "Exit status", "message INDEX: error STATUS", "0xFFFFFFFF",
                         "tombstone", "message INDEX: null value (tombstone), skipped",
                         "-X KEY=VALUE", "-F FILE", "--registry URL", "--header NAME=VALUE",
                         "__value_schema_id", "__key_schema_id", "hex:", "base64:",
                         "in the order given"):
                self.assertIn(word, run.out)

    def test_help_lists_settings_table(self):
        """--help lists every row of the library's settings table (as the
        generated settings.md has them), with secret and reserved rows marked."""
        path = os.environ.get("CFAVRO_SETTINGS_DOC")
        self.assertTrue(path, "CFAVRO_SETTINGS_DOC is not set (tests/meson.build sets it)")
        with open(path, encoding="utf-8") as f:
            rows = re.findall(r"^\| `([^`]+)` \| (client|decoder) \| [^|]* \| .*? \| "
                              r"((?:secret|reserved|, )*) \| ", f.read(), re.M)
        self.assertGreaterEqual(len(rows), 40)
        run = cfavro("decode", "--help")
        self.assertEqual(run.code, 0)
        lines = run.out.splitlines()
        for name, scope, notes in rows:
            heads = [line for line in lines if line.startswith("  " + name + " (")]
            self.assertEqual(len(heads), 1, name)
            head = heads[0]
            self.assertIn("(" + scope, head)
            self.assertEqual("secret" in head, "secret" in notes, name)
            self.assertEqual("reserved" in head, "reserved" in notes, name)
        # Secret in every build; also reserved in a build without the registry.
        notes_of = {name: notes for name, _, notes in rows}
        for marked in ("basic.auth.user.info", "bearer.auth.token", "ssl.key.password"):
            self.assertTrue(notes_of[marked].startswith("secret"), marked)

    def test_set_secret_not_echoed(self):
        # A bad value (no ':'): refused whether or not the build has the
        # registry client.
        run = self.decode("--set", "basic.auth.user.info=S3KR1T")
        self.assertUsage(run, "basic.auth.user.info: invalid value")
        self.assertNotIn("S3KR1T", run.err)
        run = self.decode("--set", "bearer.auth.token=S3KR1T with space")
        self.assertUsage(run, "bearer.auth.token: invalid value")
        self.assertNotIn("S3KR1T", run.err)
        # A malformed --set (no '=', or no key) may still hold a credential.
        run = self.decode("--set", "basic.auth.user.info:user:S3KR1T")
        self.assertUsage(run, "expected KEY=VALUE (no '='")
        self.assertNotIn("S3KR1T", run.err)
        run = self.decode("--set", "=user:S3KR1T")
        self.assertUsage(run, "empty key")
        self.assertNotIn("S3KR1T", run.err)
        run = self.decode("--set", "k" * 200 + "=S3KR1T")
        self.assertUsage(run, "key of 200 bytes")
        self.assertNotIn("S3KR1T", run.err)

    def test_version(self):
        run = cfavro("--version")
        self.assertEqual(run.code, 0)
        self.assertRegex(run.out, r"^cfavro \d+\.\d+\.\d+ \(library \d+\.\d+\.\d+\)\n$")

    def test_double_dash_ends_options(self):
        path = self.write("--odd-name", TRADES[0])
        run = cfavro("decode", "--schema-dir", self.schemas, "--", path)
        self.assertOk(run, TRADES_JSON[:1])


class Configuration(CliTest):
    """-X, -F FILE and --registry (librdkafka/kcat style configuration)."""

    def assertUsage(self, run, text):
        self.assertEqual(run.code, 2, run.err)
        self.assertEqual(run.out, "")
        self.assertIn(text, run.err)

    def props(self, text):
        return self.write("c.properties", text.encode() if isinstance(text, str) else text)

    def test_x_is_set(self):
        plain = ['{"symbol":"ETH","qty":-2,"price":0.25,"side":"BUY","note":"hi","extra":{}}']
        self.assertOk(self.decode("-X", "json.union=plain", stdin=TRADES[1]), plain)
        self.assertOk(self.decode("-Xjson.union=plain", stdin=TRADES[1]), plain)
        self.assertOk(cfavro("decode", "-X", "schema.dir=" + self.schemas, stdin=TRADES[1]),
                      TRADES_JSON[1:2])

    def test_x_errors(self):
        self.assertUsage(self.decode("-X", "no.such.key=1"), '-X: unknown config key "no.such.key"')
        self.assertUsage(self.decode("-X", "user:S3KR1T"), "-X: expected KEY=VALUE (no '='")
        self.assertNotIn("S3KR1T", self.decode("-X", "user:S3KR1T").err)
        self.assertUsage(self.decode("-X"), "option -X needs a value")
        run = self.decode("-X", "bearer.auth.token=S3KR1T with space")
        self.assertUsage(run, "-X: config bearer.auth.token: invalid value")
        self.assertNotIn("S3KR1T", run.err)

    def test_properties_file(self):
        path = self.props("# cfavro settings\r\n"
                          "! another comment\r\n"
                          "\r\n"
                          "  schema.dir = %s\r\n"
                          "json.union=plain\r\n"
                          "json.bytes = hex\n" % self.schemas)
        run = cfavro("decode", "-F", path, stdin=OPT_MSG + b"")
        self.assertEqual(run.code, 1)  # invalid UTF-8 in OPT_MSG: the defaults still apply
        run = cfavro("decode", "-F", path, "--invalid-utf8", "replace", stdin=OPT_MSG)
        self.assertOk(run, ['{"b":"00ff","u":5,"ts":"1970-01-01T00:00:01.000Z","d":"123.45",'
                            '"x":"NaN","s":"a\ufffdb"}'])
        self.assertOk(cfavro("decode", "-F" + path, stdin=TRADES[1]),
                      ['{"symbol":"ETH","qty":-2,"price":0.25,"side":"BUY","note":"hi",'
                       '"extra":{}}'])

    def test_order_given_is_precedence(self):
        path = self.props("json.union=plain\n")
        plain = '{"symbol":"ETH","qty":-2,"price":0.25,"side":"BUY","note":"hi","extra":{}}'
        # The later setting wins, whichever form each takes.
        self.assertOk(self.decode("-F", path, "-X", "json.union=avro", stdin=TRADES[1]),
                      TRADES_JSON[1:2])
        self.assertOk(self.decode("-X", "json.union=avro", "-F", path, stdin=TRADES[1]), [plain])
        self.assertOk(self.decode("-F", path, "--union", "avro", stdin=TRADES[1]),
                      TRADES_JSON[1:2])
        self.assertOk(self.decode("--set", "json.union=avro", "-F", path, stdin=TRADES[1]),
                      [plain])
        # A later --schema-dir is checked again after a file.
        self.assertUsage(cfavro("decode", "-F", path, "--schema-dir",
                                os.path.join(self.dir, "nope")), "No such file or directory")

    def test_properties_errors_name_file_and_line(self):
        path = self.props("json.union=plain\n# c\njson.colour=blue\n")
        self.assertUsage(self.decode("-F", path),
                         '-F %s: line 3: unknown config key "json.colour"' % path)
        path = self.props("json.union=plain\nbasic.auth.user.info user:S3KR1T\n")
        run = self.decode("-F", path)
        self.assertUsage(run, "-F %s: line 2: expected key=value, found no '='" % path)
        self.assertNotIn("S3KR1T", run.err)
        path = self.props("\n\nbearer.auth.token = S3KR1T with space\n")
        run = self.decode("-F", path)
        self.assertUsage(run, "-F %s: line 3: config bearer.auth.token: invalid value" % path)
        self.assertNotIn("S3KR1T", run.err)
        path = self.props(b"json.union=pl\x00ain\n")
        self.assertUsage(self.decode("-F", path), "line 1: NUL byte at column 14")

    def test_properties_file_missing_dir_or_too_large(self):
        missing = os.path.join(self.dir, "missing.properties")
        self.assertUsage(self.decode("-F", missing),
                         "-F %s: cannot open: No such file or directory" % missing)
        self.assertUsage(self.decode("-F", self.dir), "-F %s: is a directory" % self.dir)
        self.assertUsage(self.decode("-F"), "option -F needs a value")
        big = self.props("# " + "x" * 1000 + "\n" * (1 << 20))
        self.assertUsage(self.decode("-F", big), "larger than 1048576 bytes")
        long_line = self.props("schema.dir=" + "d" * (64 << 10) + "\n")
        self.assertUsage(self.decode("-F", long_line), "line 1: longer than 65536 bytes")

    def test_no_schema_source(self):
        self.assertUsage(cfavro("decode", stdin=TRADES[0]),
                         "missing --schema-dir DIR or --registry URL")

    def test_registry_shorthand(self):
        # A registry nobody listens on: with the registry client, each message
        # fails with 402 naming the URL (exit 1); without it, the key itself
        # is refused (a usage error naming it).
        for args in (("--registry", "http://127.0.0.1:1"), ("--registry=http://127.0.0.1:1",),
                     ("-X", "schema.registry.url=http://127.0.0.1:1")):
            run = cfavro("decode", *args, "-X", "max.retries=0", stdin=TRADES[0]) \
                if HAVE_REGISTRY else cfavro("decode", *args, stdin=TRADES[0])
            self.assertEqual(run.out, "")
            if HAVE_REGISTRY:
                self.assertEqual(run.code, 1, run.err)
                self.assertIn("error 402 (schema registry unavailable)", run.err)
                self.assertIn("GET http://127.0.0.1:1/schemas/ids/", run.err)
            else:
                self.assertEqual(run.code, 2, run.err)
                self.assertIn("schema.registry.url", run.err)
        run = cfavro("decode", "--registry", "ftp://sr.example", stdin=TRADES[0])
        self.assertUsage(run, "--registry: config schema.registry.url: invalid value")


class ReaderSchema(CliTest):
    """--reader-schema FILE and the registry's latest version as the reader."""

    def assertUsage(self, run, text):
        self.assertEqual(run.code, 2, run.err)
        self.assertEqual(run.out, "")
        self.assertIn(text, run.err)

    def test_reader_equal_to_writer(self):
        path = self.write("reader.avsc", TRADE_SCHEMA.encode())
        self.assertOk(self.decode("--reader-schema", path, "--format", "len32be",
                                  stdin=len32be(TRADES)), TRADES_JSON)
        self.assertOk(self.decode("--reader-schema=" + path, "--format", "len32be",
                                  stdin=len32be(TRADES)), TRADES_JSON)

    def test_incompatible_reader_names_the_path(self):
        # qty: long in the writer, string in the reader: no promotion.
        bad = TRADE_SCHEMA.replace('"name": "qty", "type": "long"',
                                   '"name": "qty", "type": "string"')
        self.assertNotEqual(bad, TRADE_SCHEMA)
        path = self.write("bad-reader.avsc", bad.encode())
        run = self.decode("--reader-schema", path, "--format", "len32be",
                          stdin=len32be(TRADES[:2]))
        self.assertEqual(run.code, 1, run.err)
        self.assertEqual(run.out, "")
        failures = [l for l in run.err_lines if "error 901" in l]
        self.assertEqual(len(failures), 2, run.err)
        self.assertIn("path Trade.qty", failures[0])

    def test_reader_schema_errors(self):
        self.assertUsage(self.decode("--reader-schema", os.path.join(self.dir, "nope.avsc"),
                                     stdin=TRADES[0]), "--reader-schema")
        path = self.write("broken.avsc", b'{"type": "record", "name": "T"')
        self.assertUsage(self.decode("--reader-schema", path, stdin=TRADES[0]),
                         "config reader.schema: ")
        path = self.write("nul.avsc", b'"string"\x00')
        self.assertUsage(self.decode("--reader-schema", path, stdin=TRADES[0]), "NUL byte")

    def test_latest_version_needs_subject(self):
        run = self.decode("-X", "use.latest.version=true", "-X",
                          "schema.registry.url=http://127.0.0.1:1", stdin=TRADES[0])
        if HAVE_REGISTRY:
            self.assertUsage(run, "cfavro.reader.subject")
        else:
            self.assertUsage(run, "use.latest.version")

    def test_latest_version_from_registry(self):
        if not HAVE_REGISTRY:
            self.skipTest("no registry client in this build")
        data = {"contexts": {".": {"ids": {"7": {"schema": TRADE_SCHEMA}},
                                   "subjects": {"trade-value": {"1": {"id": 7}}}}}}
        data_path = self.write("reader-registry.json", json.dumps(data).encode())
        registry = RegistryProcess(self.dir, data=data_path)
        try:
            url = "http://127.0.0.1:%d" % registry.port
            run = cfavro("decode", "--registry", url, "-X", "use.latest.version=true",
                         "-X", "cfavro.reader.subject=trade-value", "--format", "len32be",
                         stdin=len32be(TRADES))
            self.assertOk(run, TRADES_JSON)
            run = cfavro("decode", "--registry", url, "-X", "use.latest.version=true",
                         "-X", "cfavro.reader.subject=other-value", "-X", "max.retries=0",
                         stdin=TRADES[0])
            self.assertEqual(run.code, 1, run.err)
            self.assertIn('reader schema (subject "other-value", latest version)', run.err)
        finally:
            registry.stop()


class HeaderMode(CliTest):
    """--header NAME=VALUE: unprefixed payloads with a schema-id Kafka header."""

    def assertUsage(self, run, text):
        self.assertEqual(run.code, 2, run.err)
        self.assertEqual(run.out, "")
        self.assertIn(text, run.err)

    PAYLOADS = [m[5:] for m in TRADES]
    V0 = b"\x00" + struct.pack(">i", TRADE_ID)

    def test_hex_and_base64(self):
        for value in ("hex:" + self.V0.hex(), "hex:" + self.V0.hex().upper(),
                      "base64:" + base64.b64encode(self.V0).decode()):
            for name in ("__value_schema_id", "__key_schema_id"):
                run = self.decode("--header", "%s=%s" % (name, value), "--format", "len32be",
                                  stdin=len32be(self.PAYLOADS))
                self.assertOk(run, TRADES_JSON)
        run = self.decode("--header=__value_schema_id=hex:" + self.V0.hex(),
                          stdin=self.PAYLOADS[2])
        self.assertOk(run, TRADES_JSON[2:3])

    def test_framed_input_is_read_as_payload(self):
        # With --header a message is the payload: a framed one fails (its
        # header bytes are read as Avro), with offsets inside the payload.
        run = self.decode("--header", "__value_schema_id=hex:" + self.V0.hex(), stdin=TRADES[0])
        self.assertEqual(run.code, 1)
        self.assertRegex(run.err, r"^cfavro: message 0: error \d+ ")
        self.assertNotIn("hint", run.err)

    def test_later_header_wins(self):
        other = b"\x00" + struct.pack(">i", OPT_ID)
        run = self.decode("--header", "__value_schema_id=hex:" + other.hex(),
                          "--header", "__value_schema_id=hex:" + self.V0.hex(),
                          stdin=self.PAYLOADS[0])
        self.assertOk(run, TRADES_JSON[:1])

    def test_v1_header_reaches_the_decoder(self):
        # A V1 (GUID) header is the right size: it is accepted and each
        # message is looked up by GUID (not found in a schema directory).
        v1 = b"\x01" + bytes(range(16))
        run = self.decode("--header", "__value_schema_id=hex:" + v1.hex(),
                          stdin=self.PAYLOADS[0])
        self.assertEqual(run.code, 1)
        self.assertRegex(run.err, r"^cfavro: message 0: error 301 \(schema not found\).*"
                                  r"00010203-?0405")

    def test_wrong_size(self):
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:00000007"),
                         "--header: schema-id header is 4 bytes")
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:0000000007ff"),
                         "--header: schema-id header is 6 bytes; a V0 header is exactly 5")
        self.assertUsage(self.decode("--header", "__value_schema_id=base64:AQID"),
                         "--header: schema-id header is 3 bytes")
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:07"), "--header: ")

    def test_bad_encoding(self):
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:00000000zz"),
                         "--header: bad hex: invalid hex character 'z'")
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:000000000"),
                         "--header: bad hex: odd number of hex digits")
        self.assertUsage(self.decode("--header", "__value_schema_id=base64:AAAAAAc"),
                         "--header: bad base64")
        self.assertUsage(self.decode("--header", "__value_schema_id=base64:AA*AAAc="),
                         "--header: bad base64: invalid base64 character '*'")
        self.assertUsage(self.decode("--header", "__value_schema_id=0000000007"),
                         "VALUE must start with hex: or base64:")
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:"),
                         "1 to 64 characters without white space")
        self.assertUsage(self.decode("--header", "__value_schema_id=hex:00 00000007"),
                         "1 to 64 characters without white space")
        # A long value is refused unread and not echoed.
        run = self.decode("--header", "__value_schema_id=hex:" + "ab" * 5000)
        self.assertUsage(run, "1 to 64 characters")
        self.assertNotIn("abab", run.err)
        self.assertLess(len(run.err), 300)

    def test_name(self):
        self.assertUsage(self.decode("--header", "schema_id=hex:0000000007"),
                         "NAME is __value_schema_id or __key_schema_id")
        self.assertUsage(self.decode("--header", "hex:0000000007"),
                         "NAME is __value_schema_id or __key_schema_id")
        self.assertUsage(self.decode("--header"), "option --header needs a value")


class Samples(unittest.TestCase):
    """The bundled examples/data decode, and every format agrees."""

    def test_samples(self):
        schemas = os.path.join(EXAMPLES, "schemas")
        stream = cfavro("decode", "--schema-dir", schemas, "--format", "len32be",
                        os.path.join(EXAMPLES, "trades.len32be"))
        self.assertEqual(stream.err, "")
        self.assertEqual(stream.code, 0)
        self.assertEqual(len(stream.lines), 25)
        hexrun = cfavro("decode", "--schema-dir", schemas, "--format", "hex",
                        os.path.join(EXAMPLES, "trades.hex"))
        self.assertEqual(hexrun.code, 0)
        # trades.hex holds the first three trades and the first wide message,
        # which the stream carries at index 4.
        self.assertEqual(hexrun.lines, [stream.lines[i] for i in (0, 1, 2, 4)])
        self.assertEqual(stream.lines[0], SAMPLE_0)
        # Each message alone, as raw and as base64, gives the same line.
        with open(os.path.join(EXAMPLES, "trades.len32be"), "rb") as f:
            data = f.read()
        msgs = []
        while data:
            n = struct.unpack(">I", data[:4])[0]
            msgs.append(data[4:4 + n])
            data = data[4 + n:]
        self.assertEqual(len(msgs), 25)
        raw = cfavro("decode", "--schema-dir", schemas, stdin=msgs[5])
        self.assertEqual(raw.lines, [stream.lines[5]])
        b64 = "\n".join(base64.b64encode(m).decode() for m in msgs).encode()
        run = cfavro("decode", "--schema-dir", schemas, "--format", "base64", stdin=b64)
        self.assertEqual(run.code, 0)
        self.assertEqual(run.lines, stream.lines)


# The first sample trade, checked field by field against the bytes of
# trades.hex line 1 (timestamp 1717200000019 ms, side index 1, union index 0).
SAMPLE_0 = ('{"exchange":"kraken","symbol":"SHIB-USDT","trade_id":3000000001,"price":1.8e-05,'
            '"quantity":0.484332,"timestamp":"2024-06-01T00:00:00.019Z","side":"SELL",'
            '"is_buyer_maker":false,"sequence_id":null,'
            '"extra":{"fee_currency":"USDT","venue":"taker","match_type":"taker"}}')


def main():
    global EXE, EXAMPLES, HAVE_REGISTRY
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    EXE, EXAMPLES = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    # The settings listing marks the registry keys "reserved" in a build
    # without the registry client.
    helptext = subprocess.run(WRAPPER + [EXE, "decode", "--help"], capture_output=True,
                              text=True).stdout
    heads = [l for l in helptext.splitlines() if l.startswith("  schema.registry.url (")]
    HAVE_REGISTRY = len(heads) == 1 and "reserved" not in heads[0]
    unittest.main(verbosity=2)


if __name__ == "__main__":
    sys.exit(main())
