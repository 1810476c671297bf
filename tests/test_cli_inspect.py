#!/usr/bin/env python3
"""End-to-end tests of `cfavro inspect`, the man page and the README's
"Debugging a topic" walk-through (python3 stdlib only).

Usage: test_cli_inspect.py CFAVRO_EXE SOURCE_ROOT

Every framing (V0, V1, header mode, none, a null value) and every mistake the
report names is built here as bytes, inspected, and checked twice: key
phrases of the text report, and the fields of --json. Set CFAVRO_CLI_WRAPPER
(e.g. "valgrind --error-exitcode=99 ...") to run the binary under a wrapper,
CFAVRO_MAN_PAGE to the built man page.
"""
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import test_cli  # its fixture and its runner of the binary
from test_server import RegistryProcess  # the test registry (test_cli put its folder on sys.path)
from avro_bytes import long_, string_  # Avro binary encoding
from test_cli import (OPT_ID, OPT_SCHEMA, TRADE_ID, TRADE_SCHEMA, TRADES, TRADES_JSON, cfavro,
                      frame, len32be, trade)

EXE = None
SOURCE = None
HAVE_REGISTRY = None
WRAPPER = shlex.split(os.environ.get("CFAVRO_CLI_WRAPPER", ""))

GUID = bytes(range(16))
GUID_TEXT = "00010203-0405-0607-0809-0a0b0c0d0e0f"
BYTES_ID = 20  # a schema of type bytes: takes any payload whole, so never a candidate


def v1(payload):
    return b"\x01" + GUID + payload


# A message of schema 8 (test_cli's Opt) with valid strings: b = 00 ff, u = 5,
# ts = 1000 ms, d = 123.45, x = 2.5, s = "ab".
OPT_MSG = frame(OPT_ID, long_(2) + b"\x00\xff" + long_(1) + long_(5) + long_(1000)
                + long_(2) + b"\x30\x39" + struct.pack("<d", 2.5) + string_("ab"))


# ---------------------------------------------------------------- the runbook

# The runbook's topic (examples/data/runbook.len32be, schema 11 in
# examples/data/schemas): the README's walk-through runs on these bytes.
# Schema 11 reads four one-byte values before its first string, so a raw
# decoder given the framed bytes reads the id's byte 0x0b as that string's
# length: zigzag 0x0b = -6, the runbook's "Length is negative: -6".
TRADE_EVENT_ID = 11
TRADE_EVENT_SCHEMA = """{
  "type": "record",
  "name": "TradeEvent",
  "namespace": "com.example.crypto",
  "fields": [
    {"name": "schema_version", "type": "int"},
    {"name": "venue_id", "type": "int"},
    {"name": "trade_id", "type": "long"},
    {"name": "is_buyer_maker", "type": "boolean"},
    {"name": "symbol", "type": "string"},
    {"name": "price", "type": "double"},
    {"name": "quantity", "type": "double"},
    {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}}
  ]
}
"""


def trade_event(version, venue, trade_id, maker, symbol, price, qty, ts):
    return (long_(version) + long_(venue) + long_(trade_id) + (b"\x01" if maker else b"\x00")
            + string_(symbol) + struct.pack("<d", price) + struct.pack("<d", qty) + long_(ts))


def runbook_records():
    """The six records: good (the -6 case), tombstone, raw Avro, JSON, a
    schema-1 Trade framed with id 11, an unknown id."""
    good = trade_event(2, 4, 3000000101, False, "BTC-USD", 67012.5, 0.25, 1717200000123)
    other = trade_event(2, 7, 3000000102, True, "ETH-USD", 3790.25, 1.5, 1717200000187)
    # examples/data/schemas/1.avsc, com.example.crypto.Trade
    trade1 = (string_("kraken") + string_("SOL-USD") + long_(3000000103)
              + struct.pack("<d", 171.5) + struct.pack("<d", 12.0) + long_(1717200000301)
              + long_(0) + b"\x00" + long_(0) + long_(0))
    return [frame(TRADE_EVENT_ID, good), None, other,
            b'{"symbol": "BTC-USD", "price": 67013.0}',
            frame(TRADE_EVENT_ID, trade1), frame(12, good)]


def runbook_stream():
    return b"".join(b"\xff\xff\xff\xff" if r is None else struct.pack(">I", len(r)) + r
                    for r in runbook_records())


# ---------------------------------------------------------------- helpers


def reports(run):
    """The objects of a --json run, one per line."""
    return [json.loads(line) for line in run.out.splitlines()]


def kinds(report):
    return [f["kind"] for f in report["findings"]]


class InspectTest(test_cli.CliTest):
    """test_cli's fixture (schemas 7 and 8 in a temporary directory) and
    more schemas: the runbook's (11, and as 13), a bytes schema, a GUID."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        texts = {str(TRADE_EVENT_ID): TRADE_EVENT_SCHEMA, "13": TRADE_EVENT_SCHEMA,
                 str(BYTES_ID): '"bytes"', GUID_TEXT: TRADE_SCHEMA}
        for name, text in texts.items():
            with open(os.path.join(cls.schemas, name + ".avsc"), "w") as f:
                f.write(text)

    def inspect(self, *args, stdin=b""):
        return cfavro("inspect", "--schema-dir", self.schemas, *args, stdin=stdin)

    def both(self, *args, stdin=b"", code=None):
        """The text report and the --json reports of the same input."""
        text = self.inspect(*args, stdin=stdin)
        js = self.inspect("--json", *args, stdin=stdin)
        if code is not None:
            self.assertEqual(text.code, code, text.out + text.err)
            self.assertEqual(js.code, code, js.out + js.err)
        self.assertEqual(text.err, "")
        self.assertEqual(js.err, "")
        return text, reports(js)

    def assertPhrases(self, text, *phrases):
        flat = re.sub(r"\s+", " ", text)  # the report wraps its sentences
        for p in phrases:
            self.assertIn(p, flat)


class Framings(InspectTest):
    def test_v0_decoded(self):
        text, [r] = self.both(stdin=TRADES[1], code=0)
        self.assertPhrases(text.out, "message 0: %d bytes" % len(TRADES[1]),
                           "wire format Confluent V0: magic byte 0x00 + 4-byte schema id",
                           "schema id 7",
                           "schema Trade, from schema.dir %s/7.avsc" % self.schemas,
                           "result decoded: %d bytes of Avro after the header"
                           % (len(TRADES[1]) - 5),
                           "bytes 0 to 23 of 24, marked: where a raw Avro decoder fails")
        # The value, indented: one member per line.
        self.assertIn('\n    {\n      "symbol": "ETH",\n      "qty": -2,\n', text.out)
        self.assertIn('      "note": {\n        "string": "hi"\n      },\n', text.out)
        self.assertIn('      "extra": {}\n    }\n', text.out)
        self.assertEqual(r["index"], 0)
        self.assertEqual(r["bytes"], len(TRADES[1]))
        self.assertEqual(r["wire_format"], "v0")
        self.assertEqual(r["schema_id"], TRADE_ID)
        self.assertIsNone(r["guid"])
        self.assertIsNone(r["header"])
        self.assertEqual(r["schema"]["name"], "Trade")
        self.assertEqual(r["schema"]["origin"], "directory")
        self.assertEqual(r["schema"]["location"], "schema.dir %s/7.avsc" % self.schemas)
        self.assertFalse(r["schema"]["failed"])
        self.assertTrue(r["decoded"])
        self.assertFalse(r["failed"])
        self.assertEqual(r["value"], json.loads(TRADES_JSON[1]))
        self.assertIsNone(r["error"])
        self.assertEqual(kinds(r), ["framed_to_raw_decoder"])
        self.assertEqual(r["excerpt"]["hex"], TRADES[1].hex())

    def test_unnamed_schema_value(self):
        # Schema 20 is "bytes": the payload whole is the value, a JSON string.
        text, [r] = self.both(stdin=frame(BYTES_ID, b"\x01A"), code=0)
        self.assertEqual(r["schema"]["name"], "bytes")
        self.assertEqual(r["value"], "\x01A")
        self.assertIn('  value\n    "\\u0001A"\n', text.out)

    def test_output_options_apply(self):
        r = reports(self.inspect("--json", "--union", "plain", stdin=TRADES[1]))[0]
        self.assertEqual(r["value"]["note"], "hi")

    def test_v1(self):
        payload = TRADES[0][5:]
        text, [r] = self.both(stdin=v1(payload), code=0)
        self.assertPhrases(text.out, "wire format Confluent V1: magic byte 0x01 + 16-byte "
                           "schema GUID (17-byte header)", "schema GUID " + GUID_TEXT,
                           "from schema.dir %s/%s.avsc" % (self.schemas, GUID_TEXT),
                           "starts with the 17-byte Confluent header (0x01 + schema GUID)",
                           "Strip the 17 header bytes")
        self.assertEqual(r["wire_format"], "v1")
        self.assertEqual(r["guid"], GUID_TEXT)
        self.assertIsNone(r["schema_id"])
        self.assertEqual(r["value"], json.loads(TRADES_JSON[0]))

    def test_header_mode(self):
        header = "__value_schema_id=hex:00%08x" % TRADE_ID
        text, [r] = self.both("--header", header, stdin=TRADES[2][5:], code=0)
        self.assertPhrases(text.out, "wire format header mode: no prefix; the Kafka header "
                           "__value_schema_id holds the V0 header 0000000007",
                           "result decoded: %d bytes of Avro value" % len(TRADES[2][5:]))
        self.assertEqual(r["wire_format"], "header")
        self.assertEqual(r["header"], {"name": "__value_schema_id", "hex": "0000000007"})
        self.assertEqual(r["schema_id"], TRADE_ID)
        self.assertEqual(r["value"], json.loads(TRADES_JSON[2]))
        # A bare payload is what raw decoders expect: nothing to warn about.
        self.assertEqual(r["findings"], [])
        self.assertIsNone(r["raw_decoder"])

    def test_reader_schema_is_named(self):
        path = self.write("reader.avsc", TRADE_SCHEMA.encode())
        text, [r] = self.both("--reader-schema", path, stdin=TRADES[0], code=0)
        self.assertPhrases(text.out, "reader schema %s (the value is shown in it)" % path)
        self.assertEqual(r["reader_schema"], path)

    def test_registry_origin(self):
        if not HAVE_REGISTRY:
            self.skipTest("no registry client in this build")
        data = {"contexts": {".": {"ids": {str(TRADE_ID): {"schema": TRADE_SCHEMA},
                                           str(OPT_ID): {"schema": OPT_SCHEMA}}}}}
        data_path = self.write("registry.json", json.dumps(data).encode())
        registry = RegistryProcess(self.dir, data=data_path)
        try:
            port = str(registry.port)
            url = "http://inspector:S3KR1T@127.0.0.1:%s" % port
            # Message 1 is schema 8's payload framed with id 7: the registry's
            # schema 8, loaded for message 0, is the candidate (the cache
            # lists it; there is no directory here).
            stream = len32be([OPT_MSG, frame(TRADE_ID, OPT_MSG[5:])])
            for args in (("--registry", url), ("-X", "schema.registry.url=" + url)):
                run = cfavro("inspect", *args, "--format", "len32be", "-n", "0",
                             stdin=stream)
                self.assertEqual(run.code, 1, run.err)
                self.assertIn("from schema registry http://127.0.0.1:%s\n" % port, run.out)
                self.assertNotIn("S3KR1T", run.out + run.err)
                self.assertNotIn("inspector", run.out + run.err)
                found = reports(cfavro("inspect", *args, "--format", "len32be", "-n", "0",
                                       "--json", stdin=stream))
                self.assertEqual(found[0]["schema"]["origin"], "registry")
                self.assertEqual(found[0]["schema"]["location"],
                                 "schema registry http://127.0.0.1:%s" % port)
                self.assertEqual(kinds(found[1]), ["wrong_schema_id"])
                self.assertEqual(found[1]["candidates"], [OPT_ID])
        finally:
            registry.stop()


class Mistakes(InspectTest):
    def test_runbook_negative_length(self):
        msg = runbook_records()[0]
        text, [r] = self.both(stdin=msg, code=0)
        self.assertPhrases(text.out,
                           "framed message",
                           "its bytes 00 00 00 00 0b, read as Avro varints, are 0, 0, 0, 0, -6",
                           "fails at offset 4 (inside the header), field TradeEvent.symbol: "
                           "error 602 (negative length in Avro data)",
                           'reports this as "Malformed data. Length is negative: -6"',
                           "Strip the 5 header bytes",
                           "marked: where a raw Avro decoder fails")
        # The marker sits under byte 4 of the first row, in hex and ASCII.
        lines = text.out.splitlines()
        row = next(i for i, l in enumerate(lines) if l.startswith("    00000000  "))
        self.assertEqual(lines[row + 1].index("^^"), lines[row].index(" 0b ") + 1)
        self.assertEqual(lines[row + 1].rindex("^"), lines[row].index("|") + 1 + 4)
        self.assertEqual(kinds(r), ["framed_to_raw_decoder"])
        self.assertFalse(r["raw_decoder"]["decoded"])
        err = r["raw_decoder"]["error"]
        self.assertEqual((err["status"], err["class"], err["offset"], err["path"]),
                         (602, 600, 4, "TradeEvent.symbol"))
        self.assertEqual((r["excerpt"]["mark"], r["excerpt"]["mark_is"]), (4, "raw_decoder"))

    def test_negative_length_follows_the_bytes(self):
        # The same schema under id 13: the id byte 0x0d reads as -7.
        msg = frame(13, runbook_records()[0][5:])
        text, [r] = self.both(stdin=msg, code=0)
        self.assertPhrases(text.out, "are 0, 0, 0, 0, -7", "Length is negative: -7")
        self.assertNotIn("-6", text.out)

    def test_raw_decoder_reads_a_wrong_value(self):
        # Trade's first fields read the header as "", 0 and a double: the
        # raw decoder ends its value early and leaves the rest unread.
        text, [r] = self.both(stdin=TRADES[0], code=0)
        self.assertPhrases(text.out, "are 0, 0, 0, 0, -4",
                           "reads a wrong value and leaves 17 bytes unread")
        self.assertEqual(r["raw_decoder"]["error"]["status"], 701)
        self.assertNotIn("Malformed data", text.out)

    def test_raw_decoder_thrown_off_in_the_payload(self):
        # The bundled sample trade (examples/data): the raw decoder fails in
        # the payload, on an enum index made of string bytes.
        schemas = os.path.join(SOURCE, "examples", "data", "schemas")
        with open(os.path.join(SOURCE, "examples", "data", "trades.len32be"), "rb") as f:
            stream = f.read()
        run = cfavro("inspect", "--schema-dir", schemas, "--format", "len32be", "--json",
                     stdin=stream)
        self.assertEqual(run.code, 0, run.err)
        err = reports(run)[0]["raw_decoder"]["error"]
        self.assertEqual((err["status"], err["offset"], err["path"]), (608, 20, "Trade.side"))
        text = cfavro("inspect", "--schema-dir", schemas, "--format", "len32be", stdin=stream)
        self.assertPhrases(text.out, "are 0, 0, 0, 0, -1",
                           "fails at offset 20 (in the payload, thrown off by the header), "
                           "field Trade.side: error 608")

    def test_raw_avro_without_header(self):
        payload = TRADES[0][5:]
        text, [r] = self.both(stdin=payload, code=1)
        self.assertPhrases(text.out, "wire format none: no Confluent header (first byte 0x06)",
                           "result error 202 (unknown wire-format magic byte)",
                           "class 200 (invalid wire-format frame)",
                           "diagnosis raw Avro payload with no Confluent header",
                           "It decodes cleanly as schema 7 (Trade)",
                           "--header __value_schema_id=hex:0000000007",
                           "marked: the failing byte")
        self.assertEqual(r["wire_format"], "none")
        self.assertEqual(r["error"]["status"], 202)
        self.assertEqual(r["error"]["class_name"], "invalid wire-format frame")
        self.assertEqual(kinds(r), ["raw_avro_no_header"])
        # Schema 20 is "bytes": it would take anything, so it is no candidate.
        self.assertEqual(r["candidates"], [TRADE_ID])

    def test_raw_avro_that_no_schema_decodes(self):
        text, [r] = self.both(stdin=b"\x07\xff\xfe\x80", code=1)
        self.assertPhrases(text.out, "No schema at hand decodes it cleanly")
        self.assertEqual(kinds(r), ["raw_avro_no_header"])
        self.assertEqual(r["candidates"], [])

    def test_raw_avro_starting_with_zero(self):
        # symbol "" makes the payload start with 0x00: it parses as a V0
        # frame with an id nobody knows, and decodes whole as schema 7.
        payload = trade("", 3, 1.5, 0, None, {})[5:]
        self.assertEqual(payload[0], 0)
        text, [r] = self.both(stdin=payload, code=1)
        self.assertEqual(r["error"]["status"], 301)
        self.assertEqual(kinds(r), ["unknown_schema_id", "raw_avro_no_header"])
        self.assertEqual(r["candidates"], [TRADE_ID])
        self.assertPhrases(text.out, "The whole message, first byte included, decodes "
                           "cleanly as schema 7 (Trade)")

    def test_json_instead_of_avro(self):
        text, [r] = self.both(stdin=b'{"symbol": "BTC", "qty": 3}\n', code=1)
        self.assertPhrases(text.out, "diagnosis JSON text instead of Avro",
                           'The message is JSON text, not Avro: "{\\"symbol\\": \\"BTC\\", '
                           '\\"qty\\": 3}\\n"', "JSON serializer")
        self.assertEqual(kinds(r), ["json_not_avro"])

    def test_text_instead_of_avro(self):
        text, [r] = self.both(stdin="héllo wörld".encode(), code=1)
        self.assertPhrases(text.out, "diagnosis text instead of Avro",
                           'The message is plain text, not Avro: "héllo wörld"')
        self.assertEqual(kinds(r), ["text_not_avro"])

    def test_wrong_schema_id_another_schema_fits(self):
        msg = frame(TRADE_ID, OPT_MSG[5:])
        text, [r] = self.both(stdin=msg, code=1)
        self.assertPhrases(text.out, "diagnosis wrong schema id for the payload",
                           "The payload does not fit schema id 7 (Trade):",
                           "It decodes cleanly with schema 8 (Opt)")
        self.assertEqual(kinds(r), ["wrong_schema_id"])
        self.assertEqual(r["candidates"], [OPT_ID])
        self.assertEqual(r["error"]["class"], 600)

    def test_wrong_schema_id_trailing_bytes(self):
        msg = TRADES[3] + b"xyz"
        text, [r] = self.both(stdin=msg, code=1)
        self.assertPhrases(text.out, "result error 701 (trailing bytes after the Avro value)",
                           "class 700 (trailing bytes)",
                           "leaves 3 bytes after the value (from offset %d)" % len(TRADES[3]),
                           "No other schema at hand decodes it cleanly")
        self.assertEqual(kinds(r), ["wrong_schema_id"])
        self.assertEqual(r["error"]["offset"], len(TRADES[3]))
        self.assertEqual(r["excerpt"]["mark"], len(TRADES[3]))

    def test_payload_that_fits_nothing(self):
        msg = TRADES[0][:12]  # cut inside the value
        text, [r] = self.both(stdin=msg, code=1)
        self.assertEqual(kinds(r), ["payload_does_not_match"])
        self.assertPhrases(text.out, "Either its bytes were damaged")
        self.assertEqual(r["error"]["path"], "Trade.price")

    def test_failing_byte_marked_with_path(self):
        head = frame(TRADE_ID, string_("BTC") + long_(3) + struct.pack("<d", 1.5) + long_(1)
                     + long_(0) + long_(1) + string_("fee"))
        msg = head + long_(99) + b"abc"
        text, [r] = self.both(stdin=msg, code=1)
        off = len(head)
        self.assertPhrases(text.out, "result error 603 (length beyond the end of the Avro data)",
                           "class 600 (malformed Avro data)",
                           "offset %d (byte 0xc6)" % off, 'path Trade.extra["fee"]',
                           "string length 99 is beyond the end",
                           "bytes %d to %d of %d, marked: the failing byte"
                           % (off // 16 * 16 - 16, len(msg) - 1, len(msg)))
        lines = text.out.splitlines()
        row = next(i for i, l in enumerate(lines)
                   if l.startswith("    %08x  " % (off // 16 * 16)))
        col = lines[row + 1].index("^^")
        self.assertEqual(lines[row][col:col + 2], "c6")
        e = r["error"]
        self.assertEqual((e["status"], e["status_name"], e["class"], e["class_name"],
                          e["offset"], e["path"]),
                         (603, "length beyond the end of the Avro data", 600,
                          "malformed Avro data", off, 'Trade.extra["fee"]'))
        self.assertEqual(r["excerpt"]["start"], off // 16 * 16 - 16)
        self.assertEqual(bytes.fromhex(r["excerpt"]["hex"]), msg[r["excerpt"]["start"]:])

    def test_unknown_schema_id(self):
        msg = frame(99, TRADES[0][5:])
        text, [r] = self.both(stdin=msg, code=1)
        self.assertPhrases(text.out, "schema id 99", "schema unavailable: error 301",
                           "result error 301 (schema not found)",
                           "diagnosis schema id unknown to every source")
        self.assertNotIn("offset ", text.out.split("bytes")[0])
        self.assertEqual(kinds(r), ["unknown_schema_id"])
        self.assertIsNone(r["error"]["offset"])
        self.assertTrue(r["schema"]["failed"])
        self.assertEqual(r["schema"]["error_status"], 301)

    def test_framed_payload_in_header_mode(self):
        header = "__value_schema_id=hex:00%08x" % TRADE_ID
        text, [r] = self.both("--header", header, stdin=TRADES[0], code=1)
        self.assertEqual(kinds(r), ["framed_payload_in_header_mode"])
        self.assertPhrases(text.out, "starts with a 5-byte Confluent header for schema id 7 "
                           "(Trade) and decodes once that is skipped")

    def test_wrong_input_format(self):
        for data, word in ((len32be(TRADES[:2]), "len32be"),
                           ((TRADES[0].hex() + "\n").encode(), "hex")):
            text, [r] = self.both(stdin=data, code=1)
            self.assertEqual(kinds(r), ["wrong_input_format"])
            self.assertPhrases(text.out, "try --format " + word)

    def test_tombstones(self):
        stream = len32be([TRADES[0]]) + b"\xff\xff\xff\xff" + len32be([TRADES[1]])
        text, found = self.both("--format", "len32be", "-n", "0", stdin=stream, code=0)
        self.assertEqual([r["index"] for r in found], [0, 1, 2])
        null = found[1]
        self.assertEqual((null["wire_format"], null["bytes"], null["decoded"], null["failed"]),
                         ("null", None, False, False))
        self.assertIsNone(null["error"])
        self.assertEqual(kinds(null), ["tombstone"])
        self.assertPhrases(text.out, "message 1: null value",
                           "diagnosis a Kafka tombstone (no value)",
                           "The record's value is null")

    def test_empty_value(self):
        text, [r] = self.both(stdin=b"", code=1)
        self.assertEqual(kinds(r), ["tombstone"])
        self.assertEqual(r["error"]["status"], 201)
        self.assertPhrases(text.out, "wire format none: an empty value",
                           "The value is empty (0 bytes)")

    def test_invalid_utf8_in_a_path_stays_valid_json(self):
        # A map key with a newline and an invalid byte, repeated: the error
        # path names it (bytes escaped), the JSON report still parses and
        # the text report keeps it on one line.
        key = b"k\n\xff"
        msg = frame(TRADE_ID, string_("BTC") + long_(3) + struct.pack("<d", 1.5) + long_(1)
                    + long_(0) + long_(2) + string_(key) + string_("a") + string_(key)
                    + string_("b") + long_(0))
        run = self.inspect("--json", stdin=msg)
        self.assertEqual(run.code, 1)
        self.assertEqual(reports(run)[0]["error"]["status"], 610)
        run = self.inspect("--json", "--invalid-utf8", "replace", stdin=msg)
        r = reports(run)[0]
        self.assertEqual(r["error"]["status"], 611)
        self.assertEqual(r["error"]["path"], 'Trade.extra["k\\x0a\\xff"]')
        text = self.inspect("--invalid-utf8", "replace", stdin=msg).out
        self.assertNotRegex(text, "[\x00-\x09\x0b-\x1f]")
        self.assertIn('  path           Trade.extra["k\\x0a\\xff"]\n', text)


class Streams(InspectTest):
    def test_count_and_skip(self):
        stream = len32be(TRADES)
        found = reports(self.inspect("--json", "--format", "len32be", stdin=stream))
        self.assertEqual([r["index"] for r in found], [0])
        for args, want in ((("-n", "2"), [0, 1]), (("-n0",), [0, 1, 2, 3]),
                           (("--skip", "2"), [2]), (("--skip=1", "-n", "2"), [1, 2]),
                           (("--skip", "3", "-n", "9"), [3])):
            run = self.inspect("--json", "--format", "len32be", *args, stdin=stream)
            self.assertEqual(run.code, 0, run.err)
            self.assertEqual([r["index"] for r in reports(run)], want, args)
            self.assertEqual([r["value"] for r in reports(run)],
                             [json.loads(TRADES_JSON[i]) for i in want])
        run = self.inspect("--format", "len32be", "--skip", "4", stdin=stream)
        self.assertEqual((run.code, run.out), (0, ""))
        self.assertIn("no record to inspect: the input holds 4", run.err)

    def test_text_reports_one_after_another(self):
        run = self.inspect("--format", "len32be", "-n", "0", stdin=len32be(TRADES))
        self.assertEqual(run.code, 0)
        self.assertEqual(re.findall(r"^message (\d+): ", run.out, re.M), ["0", "1", "2", "3"])

    def test_some_fail_exit_1(self):
        stream = len32be([TRADES[0], b"nonsense", TRADES[1]])
        run = self.inspect("--json", "--format", "len32be", "-n", "0", stdin=stream)
        self.assertEqual(run.code, 1)
        self.assertEqual([r["failed"] for r in reports(run)], [False, True, False])

    def test_input_errors(self):
        data = (TRADES[0].hex() + "\nzz\n" + TRADES[1].hex() + "\n").encode()
        text, found = self.both("--format", "hex", "-n", "0", stdin=data, code=1)
        bad = found[1]
        self.assertEqual(bad["index"], 1)
        self.assertEqual(bad["input_error"]["line"], 2)
        self.assertIn("invalid hex character", bad["input_error"]["message"])
        self.assertTrue(bad["failed"])
        self.assertTrue(found[2]["decoded"])
        self.assertPhrases(text.out, "message 1: input error at byte", ", line 2:",
                           "the input format could not read this record")


class Usage(InspectTest):
    def assertUsage(self, run, text):
        self.assertEqual(run.code, 2, run.err)
        self.assertEqual(run.out, "")
        self.assertIn(text, run.err)
        self.assertIn("cfavro inspect: ", run.err)
        self.assertIn("Try 'cfavro inspect --help'.", run.err)

    def test_usage_errors(self):
        self.assertUsage(cfavro("inspect", stdin=TRADES[0]), "missing --schema-dir")
        self.assertUsage(self.inspect("-n", "x"), '-n: expected a number of records, not "x"')
        self.assertUsage(self.inspect("-n", "-1"), "-n: expected a number")
        self.assertUsage(self.inspect("--skip", "1k"), "--skip: expected a number")
        self.assertUsage(self.inspect("-n"), "option -n needs a value")
        self.assertUsage(self.inspect("--json=yes"), "option --json takes no value")
        self.assertUsage(self.inspect("--jsonl"), 'unknown option "--jsonl"')
        self.assertUsage(self.inspect("--format", "xml"), 'unknown format "xml"')
        self.assertUsage(self.inspect(os.path.join(self.dir, "missing.bin")), "cannot open")
        self.assertUsage(self.inspect("--header", "__value_schema_id=hex:07"), "--header: ")
        run = self.inspect("-X", "basic.auth.user.info=S3KR1T")
        self.assertUsage(run, "basic.auth.user.info")
        self.assertNotIn("S3KR1T", run.err)

    def test_help(self):
        for args in (("inspect", "--help"), ("inspect", "-h"), ("help", "inspect")):
            run = cfavro(*args)
            self.assertEqual((run.code, run.err), (0, ""))
            for word in ("Usage: cfavro inspect", "--schema-dir", "--registry", "--header",
                         "--format", "-n N", "--skip N", "--json", "raw Avro decoder",
                         "Length is", "tombstone", "wrong schema id", "JSON or plain text",
                         "framed_to_raw_decoder", "Exit status", "-X KEY=VALUE", "-F FILE",
                         "schema.registry.url (client"):
                self.assertIn(word, run.out)
        run = cfavro("--help")
        self.assertIn("  inspect ", run.out)
        self.assertIn("  decode ", run.out)


# ---------------------------------------------------------------- docs


def help_options(command):
    """The options in the option column of `cfavro COMMAND --help`."""
    out = cfavro(command, "--help").out
    found = set()
    for line in out.splitlines():
        m = re.match(r"^  (-[-\w]+)(?:, (--[-\w]+))?", line)
        if m:
            found.update(o for o in m.groups() if o)
    return found


class ManPage(unittest.TestCase):
    def setUp(self):
        path = os.environ.get("CFAVRO_MAN_PAGE")
        self.assertTrue(path, "CFAVRO_MAN_PAGE is not set (tests/meson.build sets it)")
        with open(path, encoding="utf-8") as f:
            self.roff = f.read()
        self.path = path
        # The words as a reader sees them: roff's \- is a hyphen, fonts gone.
        self.plain = re.sub(r"\\f[BIRP]", "", self.roff.replace("\\-", "-"))

    def test_every_option_of_every_command(self):
        for command in ("decode", "inspect"):
            options = help_options(command)
            self.assertGreater(len(options), 15, command)
            for opt in sorted(options):
                self.assertRegex(self.plain, r"(?<![-\w])%s(?![-\w])" % re.escape(opt),
                                 "%s %s is not in the man page" % (command, opt))

    def test_version_filled_in(self):
        run = cfavro("--version")
        version = run.out.split()[1]
        self.assertIn('"cfavro %s"' % version, self.roff)
        self.assertNotIn("@VERSION@", self.roff)

    def test_every_finding_kind_is_described(self):
        help_text = cfavro("inspect", "--help").out
        listed = re.search(r"Finding kinds:(.*?)\n\n", help_text, re.S).group(1)
        names = re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+|tombstone", listed)
        self.assertGreaterEqual(len(names), 10)
        for kind in names:
            self.assertIn(kind, self.plain)

    def test_groff_has_no_warnings(self):
        groff = shutil.which("groff")
        if groff is None:
            if os.environ.get("CI") == "true":
                self.fail("groff is missing (.ci/install-deps installs groff-base)")
            self.skipTest("groff is not installed")
        run = subprocess.run([groff, "-man", "-ww", "-z", self.path], capture_output=True,
                             text=True)
        self.assertEqual((run.returncode, run.stderr), (0, ""))


class ReadmeWalkthrough(unittest.TestCase):
    """The README's "Debugging a topic": its data is what runbook_records()
    builds, and every ```console block's commands, run from the source root
    with this cfavro first on PATH, print exactly what the README shows."""

    SECTION = "## Debugging a topic"

    def test_bundled_capture(self):
        with open(os.path.join(SOURCE, "examples", "data", "runbook.len32be"), "rb") as f:
            self.assertEqual(f.read(), runbook_stream())
        with open(os.path.join(SOURCE, "examples", "data", "schemas", "11.avsc")) as f:
            self.assertEqual(f.read(), TRADE_EVENT_SCHEMA)

    def blocks(self):
        with open(os.path.join(SOURCE, "README.md"), encoding="utf-8") as f:
            text = f.read()
        start = text.index("\n" + self.SECTION + "\n")
        end = text.find("\n## ", start + 1)
        section = text[start:end if end > 0 else len(text)]
        return re.findall(r"```console\n(.*?)```", section, re.S)

    def test_console_blocks(self):
        blocks = self.blocks()
        self.assertGreaterEqual(len(blocks), 3)
        env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(EXE)) + os.pathsep
                   + os.environ.get("PATH", ""))
        if WRAPPER:
            # Commands run through bash: put the wrapper in front of cfavro.
            wrap_dir = tempfile.mkdtemp()
            self.addCleanup(shutil.rmtree, wrap_dir)
            with open(os.path.join(wrap_dir, "cfavro"), "w") as f:
                f.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (shlex.join(WRAPPER),
                                                           shlex.quote(os.path.abspath(EXE))))
            os.chmod(os.path.join(wrap_dir, "cfavro"), 0o755)
            env["PATH"] = wrap_dir + os.pathsep + env["PATH"]
        for block in blocks:
            lines = block.split("\n")
            self.assertTrue(lines[0].startswith("$ "), block)
            # Commands may continue over lines ending in a backslash.
            command = lines[0][2:]
            i = 1
            while command.endswith("\\"):
                command = command[:-1] + "\n" + lines[i]
                i += 1
            expected = "\n".join(lines[i:])
            run = subprocess.run(["bash", "-c", "set -o pipefail; " + command], cwd=SOURCE,
                                 env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(run.stderr, "", command)
            self.assertEqual(run.stdout, expected, command)


def main():
    global EXE, SOURCE, HAVE_REGISTRY
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    EXE, SOURCE = sys.argv[1], sys.argv[2]
    test_cli.EXE = EXE
    del sys.argv[1:3]
    # A build without the registry client refuses the key (exit 2) before
    # --help is reached.
    HAVE_REGISTRY = cfavro("inspect", "-X", "schema.registry.url=http://127.0.0.1:1",
                           "--help").code == 0
    unittest.main(verbosity=2)


if __name__ == "__main__":
    sys.exit(main())
