"""What the Python binding's tests share (python3 stdlib only): the messages they
decode with their exact JSON, a schema directory, and the test registry
(tests/registry/server.py) as a subprocess.

The tests import the cfavro module meson configured into <build>/python, the
CLI tests' messages (tests/test_cli.py, tests/avro_bytes.py) and the registry's
process helper (tests/registry/test_server.py); tests/python/meson.build puts them
on PYTHONPATH."""
import json
import os
import shutil
import tempfile
import unittest

import cfavro
from avro_bytes import long_
from test_cli import TRADE_ID, TRADE_SCHEMA, bad_trade, double, frame, trade  # the CLI's
from test_server import RegistryProcess  # tests/registry

SOURCE_ROOT = os.environ.get("CFAVRO_SOURCE_ROOT") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# CI=true: a peer the tests need (pyarrow) must be there; missing is a failure.
IN_CI = os.environ.get("CI") == "true"

TRADE_VALUES = [
    ("BTC", 3, 1.5, 1, None, {"fee": "0.1"}),
    ("ETH", -2, 0.25, 0, "hi", {}),
    ("SOL", 1000000, -7.125, 1, "x\"y\n", {"a": "1", "b": "2"}),
    ("ADA", 0, 0.0, 0, None, {}),
]
TRADES = [trade(*v) for v in TRADE_VALUES]
TRADES_JSON = [
    '{"symbol":"BTC","qty":3,"price":1.5,"side":"SELL","note":null,"extra":{"fee":"0.1"}}',
    '{"symbol":"ETH","qty":-2,"price":0.25,"side":"BUY","note":{"string":"hi"},"extra":{}}',
    '{"symbol":"SOL","qty":1000000,"price":-7.125,"side":"SELL","note":{"string":"x\\"y\\n"},'
    '"extra":{"a":"1","b":"2"}}',
    '{"symbol":"ADA","qty":0,"price":0.0,"side":"BUY","note":null,"extra":{}}',
]
TRADES_DICT = [json.loads(t) for t in TRADES_JSON]


# A record nested three deep (limit.depth) and a plain string schema.
NEST_ID = 9
NEST_SCHEMA = """{"type": "record", "name": "A", "fields": [{"name": "b", "type":
  {"type": "record", "name": "B", "fields": [{"name": "c", "type":
    {"type": "record", "name": "C", "fields": [{"name": "n", "type": "int"}]}}]}}]}"""
NEST_MSG = frame(NEST_ID, long_(21))
STRING_ID = 10
STRING_SCHEMA = '"string"'

# A reader schema Trade cannot resolve to (qty must be a string).
READER_INCOMPATIBLE = """{"type": "record", "name": "Trade", "fields": [
  {"name": "qty", "type": "string"}]}"""
# One it can: qty and symbol only, note without its union.
READER_NARROW = """{"type": "record", "name": "Trade", "fields": [
  {"name": "symbol", "type": "string"}, {"name": "qty", "type": "long"}]}"""

# Raw Avro without its header (what Kafka holds when the producer skipped the
# Confluent serializer): starts with a string length, not the magic byte.
RAW_AVRO = trade("BTC", 3, 1.5, 1, None, {})[5:]
WRONG_MAGIC = b"\x05" + TRADES[0][1:]
UNKNOWN_ID = frame(4242, TRADES[0][5:])
TRUNCATED = TRADES[0][:11]  # inside the double price


class SchemaDir:
    """A temporary schema directory: <id>.avsc for the trade, nested and string
    schemas, and the repository's tests/data trade schema as id 1."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cfavro-py-")
        self.path = os.path.join(self.tmp.name, "schemas")
        os.mkdir(self.path)
        for sid, text in ((TRADE_ID, TRADE_SCHEMA), (NEST_ID, NEST_SCHEMA),
                          (STRING_ID, STRING_SCHEMA)):
            with open(os.path.join(self.path, "%d.avsc" % sid), "w") as f:
                f.write(text)
        shutil.copy(os.path.join(SOURCE_ROOT, "tests", "data", "trade.avsc"),
                    os.path.join(self.path, "1.avsc"))

    def cleanup(self):
        self.tmp.cleanup()


class Registry:
    """tests/registry/server.py on a free loopback port (test_server.RegistryProcess),
    serving `data` (a dict in the server's data-file format), with extra flags. It
    exits when this process dies."""

    def __init__(self, data, *flags):
        self.tmp = tempfile.TemporaryDirectory(prefix="cfavro-py-registry-")
        path = os.path.join(self.tmp.name, "data.json")
        with open(path, "w") as f:
            json.dump(data, f)
        self.proc = RegistryProcess(self.tmp.name, *flags, data=path)
        self.url = "http://127.0.0.1:%d" % self.proc.port

    def stop(self):
        self.proc.stop()
        self.tmp.cleanup()


class DecoderTest(unittest.TestCase):
    """A schema directory and a client for the test class, a decoder for each test."""

    @classmethod
    def setUpClass(cls):
        cls.schemas = SchemaDir()
        cls.client = cfavro.Client({"schema.dir": cls.schemas.path})

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.schemas.cleanup()

    def setUp(self):
        self.dec = cfavro.Decoder(self.client)

    def tearDown(self):
        self.dec.close()


def registry_data(schemas):
    """The server's data file for {id: schema text} in the default context."""
    return {"contexts": {".": {"ids": {str(k): {"schema": v} for k, v in schemas.items()},
                               "subjects": {}}}}
