#!/usr/bin/env python3
"""The PySpark bronze job (examples/pyspark/bronze_job.py) in a real local Spark.

One SparkSession (local[2], Arrow batches of 3 rows so each partition
iterator decodes several batches with its one decoder) for every case:

  * Kafka-shaped rows of two topics and three schema ids (Trade v1, Trade v2
    with an added field, Quote) mixed with every failure class: raw Avro
    without the header, the header written twice, a wrong magic byte, an
    unknown schema id, a truncated payload, a null value (tombstone) and an
    empty one. Through bronze_transform, in both variants (mapInArrow,
    mapInPandas), PERMISSIVE: every row's outcome is checked, decoded fields
    (JSON and the from_json struct) or error status, class, offset, path and
    message, with its Kafka coordinates and, for a failure, its raw value;
  * the accumulators (rows, failed, partition iterators, batches) and the
    observed metric (rows, failed);
  * FAILFAST, both variants: the job fails with the status, the reason and
    the record's Kafka coordinates;
  * the job's main() as spark-submit runs it, streaming, with the Kafka
    source swapped for a file stream of the same rows (memory sink,
    --available-now): every row again, and the cfavro_decode metric in the
    query's progress;
  * executor_client: one client per settings per process; the properties
    and table-schema files.

usage: test_bronze_job.py [LIBCFAVRO] (meson passes the built shared library;
else CFAVRO_LIBRARY or cfavro's own search). Exits 77 (skipped) when Spark is
not installed (.ci/install-spark-peer), but fails in CI (CI=true).
"""

import base64
import datetime
import json
import os
import shutil
import struct
import sys
import tempfile
import unittest
import warnings
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for avro_bytes
import spark_peer  # noqa: E402
from avro_bytes import long_, string_  # noqa: E402

if __name__ == '__main__' and len(sys.argv) > 1 and not sys.argv[1].startswith('-'):
    os.environ['CFAVRO_LIBRARY'] = os.path.abspath(sys.argv.pop(1))

INSTALL = spark_peer.installation_or_exit('test_bronze_job.py')
spark_peer.import_paths()
import bronze_job  # noqa: E402

UTC = datetime.timezone.utc

# --------------------------------------------------------------------------
# Schemas (writer schemas by id, in a schema.dir) and the table's schema
# --------------------------------------------------------------------------

with open(os.path.join(os.path.dirname(HERE), 'data', 'trade.avsc'), encoding='utf-8') as _f:
    TRADE_V1 = json.load(_f)
TRADE_V2 = dict(TRADE_V1, fields=TRADE_V1['fields'] + [
    {'name': 'venue', 'type': ['null', 'string'], 'default': None}])
QUOTE = {'type': 'record', 'name': 'Quote', 'namespace': 'com.example.crypto', 'fields': [
    {'name': 'symbol', 'type': 'string'},
    {'name': 'bid', 'type': 'double'},
    {'name': 'ask', 'type': 'double'},
    {'name': 'quote_time', 'type': {'type': 'long', 'logicalType': 'timestamp-millis'}},
    {'name': 'raw', 'type': 'bytes'}]}
SCHEMAS = {1: TRADE_V1, 7: TRADE_V2, 12: QUOTE}
UNKNOWN_ID = 99

# One bronze table for both topics: every field of every writer schema.
TABLE_COLUMNS = [
    ('exchange', 'STRING'), ('symbol', 'STRING'), ('trade_id', 'BIGINT'), ('price', 'DOUBLE'),
    ('quantity', 'DOUBLE'), ('timestamp', 'TIMESTAMP'), ('side', 'STRING'),
    ('is_buyer_maker', 'BOOLEAN'), ('sequence_id', 'STRING'), ('extra', 'MAP<STRING, STRING>'),
    ('venue', 'STRING'), ('bid', 'DOUBLE'), ('ask', 'DOUBLE'), ('quote_time', 'TIMESTAMP'),
    ('raw', 'BINARY')]
TABLE_SCHEMA = ', '.join('%s %s' % column for column in TABLE_COLUMNS)
TABLE_FIELDS = [name for name, _ in TABLE_COLUMNS]

# --------------------------------------------------------------------------
# Avro encoding of the test records
# --------------------------------------------------------------------------


def double_(x):
    return struct.pack('<d', x)


def frame(schema_id, payload):
    return b'\x00' + struct.pack('>I', schema_id) + payload


def encode_trade(t, v2):
    out = (string_(t['exchange']) + string_(t['symbol']) + long_(t['trade_id'])
           + double_(t['price']) + double_(t['quantity']) + long_(t['timestamp'])
           + long_(['BUY', 'SELL'].index(t['side'])) + bytes([t['is_buyer_maker']]))
    out += long_(0) if t['sequence_id'] is None else long_(1) + string_(t['sequence_id'])
    if t['extra']:
        out += long_(len(t['extra'])) + b''.join(string_(k) + string_(v)
                                                  for k, v in t['extra'].items())
    out += long_(0)
    if v2:
        out += long_(0) if t['venue'] is None else long_(1) + string_(t['venue'])
    return out


def encode_quote(q):
    return (string_(q['symbol']) + double_(q['bid']) + double_(q['ask'])
            + long_(q['quote_time']) + string_(q['raw']))


def iso_millis(ms):
    """timestamp-millis as cfavro's default JSON writes it (ISO-8601, UTC, 'Z')."""
    seconds = datetime.datetime.fromtimestamp(ms // 1000, UTC)
    return seconds.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ' % (ms % 1000)


def spark_time(ms):
    """timestamp-millis as collect() returns a TIMESTAMP (naive, UTC: TZ=UTC)."""
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)


def trade(exchange, symbol, trade_id, price, quantity, ts, side, maker, seq, extra, venue=None):
    return dict(exchange=exchange, symbol=symbol, trade_id=trade_id, price=price,
                quantity=quantity, timestamp=ts, side=side, is_buyer_maker=maker,
                sequence_id=seq, extra=extra, venue=venue)


TRADE_A = trade('binance', 'BTCUSDT', 42, 65000.5, 0.25, 1717243200123, 'SELL', 1, 's-1',
                {'fee': '0.1', 'route': 'smart'})
TRADE_B = trade('kraken', 'ETHUSD', 7, 3100.125, 1.5e-08, 1717243201000, 'BUY', 0, None, {},
                venue='spot')
TRADE_C = trade('coinbase', 'SOL-USD', -3, -0.0, 1e300, 0, 'BUY', 1, '', {'': 'é"\\'})
TRADE_D = trade('bybit', 'XRPUSDT', 2 ** 62, 0.5, 2.0, 1717243202999, 'SELL', 0, 's-9',
                {'k': 'v'}, venue=None)
QUOTE_1 = dict(symbol='BTCUSDT', bid=64999.5, ask=65000.5, quote_time=1717243200500,
               raw=b'\x00\xff\x10')
QUOTE_2 = dict(symbol='ETHUSD', bid=3100.0, ask=3100.25, quote_time=1717243260000, raw=b'')

T1 = frame(1, encode_trade(TRADE_A, v2=False))


def expected_json(record, schema_id):
    """The JSON document cfavro writes with the job's settings (unions plain,
    bytes base64, timestamps ISO-8601): fields in the writer's order."""
    if schema_id == 12:
        return dict(record, quote_time=iso_millis(record['quote_time']),
                    raw=base64.b64encode(record['raw']).decode())
    out = dict(record, timestamp=iso_millis(record['timestamp']),
               is_buyer_maker=bool(record['is_buyer_maker']))
    if schema_id == 1:
        del out['venue']
    return out


def expected_data(record, schema_id):
    """The from_json struct: every table field, null where the writer has none."""
    out = dict.fromkeys(TABLE_FIELDS)
    out.update(expected_json(record, schema_id))
    for name in ('timestamp', 'quote_time'):
        if name in record:
            out[name] = spark_time(record[name])
    if schema_id == 12:
        out['raw'] = bytearray(record['raw'])
    return out


# Every row: (topic, partition, offset, key, value, expected outcome).
# An outcome is ('ok', schema_id, record) or ('error', status, class,
# schema_id, error offset, path, a phrase of the message).
#
# Where the failures come from:
#   raw Avro: TRADE_A's payload with no header; its first byte, 0x0e (the
#     exchange's length), is no magic byte, and looks like Avro.
#   header twice: 00 00000001 00 00000001 + payload decodes as schema 1 with
#     exchange "", symbol "", trade_id 0 (bytes 5-7), price and quantity
#     (bytes 8-23: the second header's last two bytes, then the payload's
#     first 14), timestamp byte 24 (0x44 = 34), side byte 25: the payload's
#     byte 15, 'T' (0x54 = zigzag 42), an enum index past its 2 symbols.
#   truncated: TRADE_A cut 3 bytes into price, which starts at byte 22
#     (5 header + 8 exchange + 8 symbol + 1 trade_id): 601 at 22.
ROWS = [
    ('market.trades', 0, 100, b'BTCUSDT', T1, ('ok', 1, TRADE_A)),
    ('market.trades', 0, 101, b'ETHUSD', frame(7, encode_trade(TRADE_B, v2=True)),
     ('ok', 7, TRADE_B)),
    ('market.trades', 0, 102, b'BTCUSDT', T1[5:],
     ('error', 202, 'framing', None, 0, None, 'looks like raw Avro without the 5-byte')),
    ('market.trades', 0, 103, None, T1[:5] + T1,
     ('error', 608, 'data', 1, 25, 'Trade.side', 'index 42 out of range')),
    ('market.trades', 0, 104, b'SOL', frame(1, encode_trade(TRADE_C, v2=False)),
     ('ok', 1, TRADE_C)),
    ('market.trades', 0, 105, b'BTCUSDT', None,
     ('error', 201, 'framing', None, 0, None, 'empty message')),
    ('market.trades', 1, 7, b'XRPUSDT', frame(7, encode_trade(TRADE_D, v2=True)),
     ('ok', 7, TRADE_D)),
    ('market.trades', 1, 8, b'BTCUSDT', b'\x05' + T1[1:],
     ('error', 202, 'framing', None, 0, None, 'unknown magic byte 0x05')),
    ('market.trades', 1, 9, b'BTCUSDT', T1[:25],
     ('error', 601, 'data', 1, 22, 'Trade.price', 'inside a double (3 of 8 bytes)')),
    ('market.trades', 1, 10, None, frame(1, encode_trade(TRADE_A, v2=False)),
     ('ok', 1, TRADE_A)),
    ('market.quotes', 0, 0, b'BTCUSDT', frame(12, encode_quote(QUOTE_1)), ('ok', 12, QUOTE_1)),
    ('market.quotes', 0, 1, b'BTCUSDT', frame(UNKNOWN_ID, encode_quote(QUOTE_1)),
     ('error', 301, 'schema_not_found', UNKNOWN_ID, None, None, 'schema id 99 not found')),
    ('market.quotes', 0, 2, b'ETHUSD', frame(12, encode_quote(QUOTE_2)), ('ok', 12, QUOTE_2)),
    ('market.quotes', 0, 3, b'ETHUSD', b'',
     ('error', 201, 'framing', None, 0, None, 'empty message')),
]
FAILED_ROWS = sum(1 for row in ROWS if row[5][0] == 'error')
KAFKA_EPOCH_MS = 1717243300000


def kafka_rows(rows):
    """Rows as Spark's Kafka source gives them (key, value, topic, partition,
    offset, timestamp, timestampType)."""
    return [(key, value, topic, partition, offset,
             spark_time(KAFKA_EPOCH_MS + offset), 0)
            for topic, partition, offset, key, value, _ in rows]


KAFKA_SCHEMA = ('key BINARY, value BINARY, topic STRING, partition INT, offset BIGINT, '
                'timestamp TIMESTAMP, timestampType INT')


class BronzeJobTest(unittest.TestCase):
    spark = None
    schema_dir = None

    @classmethod
    def setUpClass(cls):
        cls.schema_dir = tempfile.mkdtemp(prefix='cfavro-spark-')
        for schema_id, schema in SCHEMAS.items():
            with open(os.path.join(cls.schema_dir, '%d.avsc' % schema_id), 'w',
                      encoding='utf-8') as f:
                json.dump(schema, f)
        cls.settings = {'schema.dir': cls.schema_dir}
        # Batches of 3 rows: each partition iterator decodes several.
        cls.spark = spark_peer.local_session(INSTALL, quick_jvm=True, conf={
            'spark.sql.execution.arrow.maxRecordsPerBatch': '3'})

    @classmethod
    def tearDownClass(cls):
        if cls.spark is not None:
            cls.spark.stop()
        shutil.rmtree(cls.schema_dir, ignore_errors=True)

    def kafka_frame(self, rows):
        rdd = self.spark.sparkContext.parallelize(kafka_rows(rows), 2)
        return self.spark.createDataFrame(rdd, KAFKA_SCHEMA)

    def check_row(self, got, expected_row):
        topic, partition, offset, key, value, outcome = expected_row
        where = '%s/%d/%d' % (topic, partition, offset)
        self.assertEqual((got.topic, got.partition, got.offset), (topic, partition, offset))
        self.assertEqual(got.key, None if key is None else bytearray(key), where)
        self.assertEqual(got.timestamp, spark_time(KAFKA_EPOCH_MS + offset), where)
        if outcome[0] == 'ok':
            _, schema_id, record = outcome
            self.assertEqual(got.schema_id, schema_id, where)
            self.assertEqual(json.loads(got.json), expected_json(record, schema_id), where)
            self.assertEqual(got.data.asDict(recursive=True), expected_data(record, schema_id),
                             where)
            self.assertEqual((got.error_status, got.error_class, got.error_message,
                              got.error_offset, got.error_path, got.value),
                             (None,) * 6, where)
            return
        _, status, status_class, schema_id, error_offset, path, phrase = outcome
        self.assertEqual((got.error_status, got.error_class, got.schema_id, got.error_offset,
                          got.error_path), (status, status_class, schema_id, error_offset, path),
                         '%s: %s' % (where, got.error_message))
        self.assertIn(phrase, got.error_message, where)
        self.assertTrue(got.error_message, where)
        self.assertIsNone(got.json, where)
        self.assertIsNone(got.data, where)
        self.assertEqual(got.value, None if value is None else bytearray(value), where)

    def run_permissive(self, variant):
        metrics = bronze_job.DecodeMetrics(self.spark.sparkContext)
        from pyspark.sql import Observation
        observation = Observation('cfavro_decode')
        bronze = bronze_job.bronze_transform(self.kafka_frame(ROWS), self.settings,
                                             TABLE_SCHEMA, variant=variant, metrics=metrics,
                                             observe=observation)
        got = {(r.topic, r.partition, r.offset): r for r in bronze.collect()}
        self.assertEqual(len(got), len(ROWS))
        for row in ROWS:
            self.check_row(got[row[:3]], row)
        self.assertEqual(observation.get, {'rows': len(ROWS), 'failed': FAILED_ROWS})
        # 14 rows in 2 partitions of 7 (parallelize splits evenly), in Arrow
        # batches of 3: 3 batches per partition iterator, one decoder each.
        self.assertEqual((metrics.rows.value, metrics.failed.value, metrics.partitions.value,
                          metrics.batches.value), (len(ROWS), FAILED_ROWS, 2, 6))

    def test_permissive_arrow(self):
        self.run_permissive('arrow')

    def test_permissive_pandas(self):
        self.run_permissive('pandas')

    def run_failfast(self, variant):
        bad = ('market.quotes', 1, 5, b'k', frame(UNKNOWN_ID, encode_quote(QUOTE_1)), None)
        rows = [row for row in ROWS if row[5][0] == 'ok'] + [bad]
        bronze = bronze_job.bronze_transform(self.kafka_frame(rows), self.settings,
                                             TABLE_SCHEMA, mode='FAILFAST', variant=variant)
        with self.assertRaises(Exception) as caught:
            bronze.collect()
        text = str(caught.exception)
        self.assertIn('DecodeFailure', text)
        self.assertIn('cfavro: Kafka record topic=market.quotes partition=1 offset=5 did not '
                      'decode: error 301 (schema_not_found): schema id 99 not found', text)

    def test_failfast_arrow(self):
        self.run_failfast('arrow')

    def test_failfast_pandas(self):
        self.run_failfast('pandas')

    def test_failfast_all_good(self):
        rows = [row for row in ROWS if row[5][0] == 'ok']
        bronze = bronze_job.bronze_transform(self.kafka_frame(rows), self.settings,
                                             TABLE_SCHEMA, mode='failfast')
        got = {(r.topic, r.partition, r.offset): r for r in bronze.collect()}
        self.assertEqual(sorted(got), sorted(row[:3] for row in rows))
        for row in rows:
            self.check_row(got[row[:3]], row)

    def test_job_main_streaming(self):
        # main() as spark-submit runs it, with the Kafka source swapped for a
        # file stream of the same rows: settings from -F and -X, the table's
        # schema from a file, a memory sink, --available-now.
        work = tempfile.mkdtemp(prefix='cfavro-stream-')
        try:
            # The source file written by pyarrow: no Spark job just to make it.
            import pyarrow as pa
            import pyarrow.parquet as pq
            source_dir = os.path.join(work, 'source')
            os.mkdir(source_dir)
            names = ('key', 'value', 'topic', 'partition', 'offset', 'timestamp', 'timestampType')
            types = (pa.binary(), pa.binary(), pa.string(), pa.int32(), pa.int64(),
                     pa.timestamp('us', tz='UTC'), pa.int32())
            columns = list(zip(*kafka_rows(ROWS)))
            pq.write_table(pa.table([pa.array(c, t) for c, t in zip(columns, types)], names=names),
                           os.path.join(source_dir, 'part-0.parquet'))
            properties = os.path.join(work, 'cfavro.properties')
            with open(properties, 'w', encoding='utf-8') as f:
                f.write('# offline schemas\nschema.dir=%s\n' % self.schema_dir)
            table_schema = os.path.join(work, 'table.json')
            with open(table_schema, 'w', encoding='utf-8') as f:
                f.write(self.spark.createDataFrame([], TABLE_SCHEMA).schema.json())
            asked = []

            def file_stream(spark, bootstrap_servers, subscribe, options=None):
                asked.append((bootstrap_servers, subscribe, options))
                return spark.readStream.schema(KAFKA_SCHEMA).parquet(source_dir)

            with mock.patch.object(bronze_job, 'read_kafka', file_stream):
                query = bronze_job.main([
                    '--bootstrap-servers', '127.0.0.1:9',
                    '--subscribe', 'market.trades,market.quotes',
                    '--kafka-option', 'startingOffsets=earliest', '--table-schema', table_schema,
                    '-F', properties, '-X', 'limit.depth=64', '--variant', 'pandas',
                    '--sink-format', 'memory', '--sink-target', 'bronze_main_test',
                    '--checkpoint', os.path.join(work, 'checkpoint'), '--available-now'])
            self.assertEqual(asked, [('127.0.0.1:9', 'market.trades,market.quotes',
                                      {'startingOffsets': 'earliest'})])
            self.assertIsNone(query.exception())
            self.assertFalse(query.isActive)
            got = {(r.topic, r.partition, r.offset): r
                   for r in self.spark.table('bronze_main_test').collect()}
            self.assertEqual(len(got), len(ROWS))
            for row in ROWS:
                self.check_row(got[row[:3]], row)
            metrics = [p['observedMetrics']['cfavro_decode'] for p in query.recentProgress
                       if p.get('observedMetrics')]
            self.assertEqual((sum(m['rows'] for m in metrics), sum(m['failed'] for m in metrics)),
                             (len(ROWS), FAILED_ROWS))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_bad_mode_and_variant(self):
        frame_ = self.kafka_frame(ROWS[:1])
        with self.assertRaisesRegex(ValueError, 'mode must be one of PERMISSIVE, FAILFAST'):
            bronze_job.bronze_transform(frame_, self.settings, TABLE_SCHEMA, mode='DROP')
        with self.assertRaisesRegex(ValueError, 'variant must be one of arrow, pandas'):
            bronze_job.bronze_transform(frame_, self.settings, TABLE_SCHEMA, variant='rows')

    def test_executor_client_one_per_settings(self):
        settings = bronze_job.job_settings(self.settings)
        first = bronze_job.executor_client(settings)
        self.assertIs(bronze_job.executor_client(dict(reversed(list(settings.items())))), first)
        other = bronze_job.executor_client(dict(settings, **{'json.union': 'avro'}))
        self.assertIsNot(other, first)

    def test_read_properties(self):
        with tempfile.NamedTemporaryFile('w', suffix='.properties', delete=False) as f:
            f.write('# comment\r\n! also a comment\n\n  schema.registry.url = http://sr:8081\n'
                    'basic.auth.user.info=user:pa=ss  \n')
        try:
            self.assertEqual(bronze_job.read_properties(f.name),
                             {'schema.registry.url': 'http://sr:8081',
                              'basic.auth.user.info': 'user:pa=ss  '})
            with open(f.name, 'a', encoding='utf-8') as g:
                g.write('no equals sign\n')
            with self.assertRaisesRegex(ValueError, r'line 6: expected key=value'):
                bronze_job.read_properties(f.name)
        finally:
            os.unlink(f.name)

    def test_table_schema_from_ddl_file(self):
        with tempfile.NamedTemporaryFile('w', suffix='.ddl', delete=False) as f:
            f.write(TABLE_SCHEMA + '\n')
        try:
            self.assertEqual(bronze_job.table_schema_from_file(f.name), TABLE_SCHEMA)
        finally:
            os.unlink(f.name)

    def test_job_settings(self):
        self.assertEqual(bronze_job.job_settings({'json.union': 'avro', 'limit.depth': 64}),
                         {'json.union': 'avro', 'json.bytes': 'base64', 'limit.depth': '64'})


if __name__ == '__main__':
    # py4j leaves sockets to the garbage collector: not this test's concern.
    warnings.simplefilter('ignore', ResourceWarning)
    unittest.main(verbosity=2, warnings='ignore')
