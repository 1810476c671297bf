#!/usr/bin/env python3
"""kcat end to end: Debian's real kcat reads a real Kafka topic into cfavro.

    kcat -C -b BROKER -t TOPIC -f '%R%s' -e | cfavro decode --schema-dir DIR --format len32be

is the on-call engineer's command (README, `cfavro decode --help`). A real
single-node broker (tests/kafka/kafka_broker.py) holds Confluent-framed
trades of two schema versions and the failures seen on real topics: a raw
Avro payload whose producer left the header out (a wrong magic byte), JSON
text, an unknown schema id, a truncated payload, trailing bytes, an empty
value and a null value (a tombstone). kcat -P produces them, each binary
value from a file of its own (tests/kafka/kcat.py). The test checks the
exact decoded lines, one stderr line per failure with its status, index and
offset, the tombstone note, and the exit status: 1 when some failed, 0 when
all decoded (tombstones do not count), 0 for an empty topic.

usage: test_kcat.py CFAVRO_EXE
Without the broker (.ci/install-kafka-peer) or kcat (.ci/install-deps) the
test is skipped (77) locally and fails in CI (CI=true).
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)  # avro_bytes
import kafka_broker  # noqa: E402
import kcat  # noqa: E402
from avro_bytes import long_, string_  # noqa: E402

PROG = 'test_kcat.py'
CLI = None  # the cfavro binary (argv[1])
BROKER = None
T0 = time.monotonic()

TRADE_V1 = 1
TRADE_V2 = 2
UNKNOWN_ID = 99
SIDE_BUY, SIDE_SELL = 0, 1


def schema_v1():
    with open(os.path.join(TESTS, 'data', 'trade.avsc'), encoding='utf-8') as f:
        return json.load(f)


def schema_v2():
    """The next writer version of the trade: one field more, with a default."""
    schema = schema_v1()
    schema['fields'].append({'name': 'venue', 'type': 'string', 'default': 'spot'})
    return schema


def trade_payload(exchange, symbol, trade_id, price, quantity, ts_ms, side, maker,
                  sequence_id, extra, venue=None):
    """A com.example.crypto.Trade (tests/data/trade.avsc) in Avro binary; with
    venue, the v2 writer's encoding."""
    p = (string_(exchange) + string_(symbol) + long_(trade_id) + struct.pack('<d', price)
         + struct.pack('<d', quantity) + long_(ts_ms) + long_(side) + bytes([maker]))
    p += long_(0) if sequence_id is None else long_(1) + string_(sequence_id)
    if extra:
        p += long_(len(extra)) + b''.join(string_(k) + string_(v) for k, v in extra.items())
    p += long_(0)
    if venue is not None:
        p += string_(venue)
    return p


def framed(schema_id, payload):
    """Confluent's wire format: magic byte 0, 4-byte big-endian schema id, payload."""
    return b'\x00' + struct.pack('>i', schema_id) + payload


BTC = trade_payload('kraken', 'BTC-USD', 42, 64000.5, 0.25, 1700000000123, SIDE_BUY, 1, None,
                    {'fee': '0.1'})
BTC_JSON = ('{"exchange":"kraken","symbol":"BTC-USD","trade_id":42,"price":64000.5,'
            '"quantity":0.25,"timestamp":"2023-11-14T22:13:20.123Z","side":"BUY",'
            '"is_buyer_maker":true,"sequence_id":null,"extra":{"fee":"0.1"}}')
ETH_V2 = trade_payload('coinbase', 'ETH-USD', -7, 3200.0, 1.5, 1700000001000, SIDE_SELL, 0,
                       '900000001', {}, venue='perp')
ETH_V2_JSON = ('{"exchange":"coinbase","symbol":"ETH-USD","trade_id":-7,"price":3200.0,'
               '"quantity":1.5,"timestamp":"2023-11-14T22:13:21.000Z","side":"SELL",'
               '"is_buyer_maker":false,"sequence_id":{"string":"900000001"},"extra":{},'
               '"venue":"perp"}')
SOL = trade_payload('binance', 'SOL-USDT', 1000000, 0.015625, 12.0, 1700000002500, SIDE_BUY, 0,
                    None, {'a': '1', 'b': '2'})
SOL_JSON = ('{"exchange":"binance","symbol":"SOL-USDT","trade_id":1000000,"price":0.015625,'
            '"quantity":12.0,"timestamp":"2023-11-14T22:13:22.500Z","side":"BUY",'
            '"is_buyer_maker":false,"sequence_id":null,"extra":{"a":"1","b":"2"}}')
XRP = trade_payload('kraken', 'XRP-EUR', 5, 0.5, 100.0, 1700000003000, SIDE_SELL, 1, '7', {})
XRP_JSON = ('{"exchange":"kraken","symbol":"XRP-EUR","trade_id":5,"price":0.5,'
            '"quantity":100.0,"timestamp":"2023-11-14T22:13:23.000Z","side":"SELL",'
            '"is_buyer_maker":true,"sequence_id":{"string":"7"},"extra":{}}')

# Where BTC's map key "fee" starts in its framed message (its length, then
# the bytes): the map is the last field, one block of one entry, then the end.
BTC_FEE_KEY = len(framed(TRADE_V1, BTC)) - len(string_('fee') + string_('0.1') + long_(0))

# The mixed topic, in produce order: (value, what cfavro says on stdout or
# stderr). An error is (status, name, offset or None, a phrase of the text);
# the truncated record keeps the key's length and one of its 3 bytes.
MIXED = [
    (framed(TRADE_V1, BTC), BTC_JSON),
    (BTC, (202, 'unknown wire-format magic byte', 0,
           'looks like raw Avro without the 5-byte Confluent header')),
    (framed(TRADE_V2, ETH_V2), ETH_V2_JSON),
    (framed(UNKNOWN_ID, SOL), (301, 'schema not found', None, 'schema id 99 not found')),
    (None, 'tombstone'),
    (framed(TRADE_V1, BTC)[:BTC_FEE_KEY + 2], (603, 'length beyond the end of the Avro data',
                                               BTC_FEE_KEY,
                                               'path Trade.extra[0]: map key length 3')),
    (b'', (201, 'message shorter than its wire-format header', 0, 'empty message')),
    (b'{"symbol":"BTC-USD","price":64000.5}', (202, 'unknown wire-format magic byte', 0,
                                               'looks like JSON text')),
    (framed(TRADE_V1, BTC) + b'\x02\x04', (701, 'trailing bytes after the Avro value',
                                           len(framed(TRADE_V1, BTC)),
                                           '2 bytes left after the value')),
    (framed(TRADE_V1, SOL), SOL_JSON),
]

ERROR_LINE = re.compile(r'cfavro: message (\d+): error (\d+) \(([^)]*)\)'
                        r'(?: at offset (\d+))?(?:, path [^:]*)?: (.*)$')
TOMBSTONE_LINE = 'cfavro: message %d: null value (tombstone), skipped'


class Pipeline:
    """`kcat -C ... | cfavro decode ...` with both exit statuses."""

    def __init__(self, topic, schema_dir):
        kc = subprocess.Popen(kcat.consume_command(BROKER.bootstrap, topic),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        cf = subprocess.Popen([CLI, 'decode', '--schema-dir', schema_dir, '--format', 'len32be'],
                              stdin=kc.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        kc.stdout.close()  # cfavro holds the pipe's read end now
        try:
            out, err = cf.communicate(timeout=120)
            kc_err = kc.stderr.read()
            kc.wait(timeout=30)
        finally:
            for p in (kc, cf):
                if p.poll() is None:
                    p.kill()
                    p.wait()
            kc.stderr.close()
        self.kcat_status = kc.returncode
        self.kcat_err = kc_err.decode(errors='replace')
        self.status = cf.returncode
        self.lines = out.decode().splitlines()
        self.err_lines = err.decode().splitlines()


class KcatEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix='cfavro-kcat-test-')
        cls.schemas = os.path.join(cls.tmp.name, 'schemas')
        os.mkdir(cls.schemas)
        for schema_id, schema in ((TRADE_V1, schema_v1()), (TRADE_V2, schema_v2())):
            with open(os.path.join(cls.schemas, '%d.avsc' % schema_id), 'w',
                      encoding='utf-8') as f:
                json.dump(schema, f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def produce(self, topic, values, partition=0):
        kcat.produce(BROKER.bootstrap, topic, values, partition)

    def assertKcatOk(self, run):
        self.assertEqual(run.kcat_status, 0, 'kcat failed: ' + run.kcat_err)

    def test_mixed_topic(self):
        """Good and bad records in one partition: the good ones decode in
        order, each bad one is one stderr line with its status, exit 1."""
        BROKER.create_topic('trades-mixed', 1)
        self.produce('trades-mixed', [value for value, _ in MIXED])
        self.assertEqual(BROKER.end_offsets('trades-mixed'), {0: len(MIXED)})

        run = Pipeline('trades-mixed', self.schemas)
        self.assertKcatOk(run)
        self.assertEqual(run.status, 1, '\n'.join(run.err_lines))
        self.assertEqual(run.lines, [want for _, want in MIXED if isinstance(want, str)
                                     and want != 'tombstone'])

        # Exactly one stderr line per failure or tombstone, in input order.
        expected = [(i, want) for i, (_, want) in enumerate(MIXED) if not isinstance(want, str)
                    or want == 'tombstone']
        self.assertEqual(len(run.err_lines), len(expected), '\n'.join(run.err_lines))
        for line, (index, want) in zip(run.err_lines, expected):
            if want == 'tombstone':
                self.assertEqual(line, TOMBSTONE_LINE % index)
                continue
            m = ERROR_LINE.match(line)
            self.assertIsNotNone(m, line)
            status, name, offset, phrase = want
            self.assertEqual(int(m.group(1)), index, line)
            self.assertEqual((int(m.group(2)), m.group(3)), (status, name), line)
            self.assertEqual(m.group(4), None if offset is None else str(offset), line)
            self.assertIn(phrase, line)

    def test_all_good_across_partitions(self):
        """Three partitions of good trades and a tombstone: everything decodes
        (each partition in its order; kcat interleaves partitions) and the
        exit status is 0."""
        BROKER.create_topic('trades-good', 3)
        by_partition = {
            0: [(framed(TRADE_V1, BTC), BTC_JSON), (framed(TRADE_V1, SOL), SOL_JSON)],
            1: [(framed(TRADE_V2, ETH_V2), ETH_V2_JSON), (None, None),
                (framed(TRADE_V1, XRP), XRP_JSON)],
            2: [(framed(TRADE_V1, SOL), SOL_JSON)],
        }
        for partition, records in by_partition.items():
            self.produce('trades-good', [value for value, _ in records], partition)
        self.assertEqual(BROKER.end_offsets('trades-good'),
                         {p: len(r) for p, r in by_partition.items()})

        run = Pipeline('trades-good', self.schemas)
        self.assertKcatOk(run)
        self.assertEqual(run.status, 0, '\n'.join(run.err_lines))
        want = [j for records in by_partition.values() for _, j in records if j is not None]
        self.assertEqual(sorted(run.lines), sorted(want))
        # Partition 1's records come out in their order.
        self.assertLess(run.lines.index(ETH_V2_JSON), run.lines.index(XRP_JSON))
        self.assertEqual(len(run.err_lines), 1, '\n'.join(run.err_lines))
        self.assertRegex(run.err_lines[0],
                         r'^cfavro: message \d+: null value \(tombstone\), skipped$')

    def test_empty_topic(self):
        """No records (a bronze job's numInputRows: 0): no output, exit 0."""
        BROKER.create_topic('trades-empty', 1)
        self.assertEqual(BROKER.end_offsets('trades-empty'), {0: 0})
        run = Pipeline('trades-empty', self.schemas)
        self.assertKcatOk(run)
        self.assertEqual((run.status, run.lines, run.err_lines), (0, [], []))


def main():
    global CLI, BROKER
    if len(sys.argv) < 2:
        print('usage: %s CFAVRO_EXE' % PROG, file=sys.stderr)
        return 2
    CLI = sys.argv.pop(1)
    if not kcat.find_kcat():
        kafka_broker.exit_missing(PROG, 'kcat is not installed (.ci/install-deps installs it)')
    try:
        BROKER = kafka_broker.start()
    except kafka_broker.KafkaNotInstalled as e:
        kafka_broker.exit_missing(PROG, e)
    with BROKER:
        print('%s: Kafka broker ready in %.1f s (%.1f s of CPU, %s KiB resident)'
              % (PROG, BROKER.start_seconds, BROKER.start_cpu_seconds, BROKER.rss_kib()),
              file=sys.stderr)
        result = unittest.main(exit=False, verbosity=2).result
    print('%s: %.1f s in all' % (PROG, time.monotonic() - T0), file=sys.stderr)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
