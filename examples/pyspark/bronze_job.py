#!/usr/bin/env python3
"""Bronze ingestion of Confluent-framed Avro from Kafka with cfavro, in PySpark.

The runbook's job, without its two failures: `from_avro(col("value"), schema)`
on framed bytes ("Malformed data. Length is negative: -6"), and the
`substring(value, 6, length(value)-5)` workaround that assumes one schema id
forever and loses every bad record's reason.

    Kafka (readStream) ─► value bytes, as they are (any schema id per row)
      ─► mapInArrow / mapInPandas: cfavro decodes each batch in one call
      ─► kafka coordinates, schema_id, json, and for a failed row its
         error_status, error_class, error_message, error_offset, error_path
         (and the raw value, so the row can be replayed)
      ─► from_json(json, the table's schema) as `data`
      ─► writeStream to the sink (Iceberg by default; any format)

mode="PERMISSIVE" (the default) keeps a failed row with its reason;
mode="FAILFAST" fails the task with the reason and the record's Kafka
coordinates. Decode failures are counted: a `cfavro_decode` observed metric
on the streaming query (rows, failed), and optionally Spark accumulators
(DecodeMetrics).

Executors: the decode functions ship only plain data (a dict of cfavro
settings, the mode). Each Python worker process makes one cfavro.Client for
those settings, the first time it needs it; each partition iterator makes one
cfavro.Decoder and uses it for all of its batches.

The transformation is `bronze_transform(df, settings, table_schema, ...)`: any
DataFrame with Kafka's columns (key, value, topic, partition, offset,
timestamp), streaming or not. `python3 bronze_job.py --help` for the job.
"""

import argparse
import os
import sys
import threading

from pyspark.sql import functions as F
from pyspark.sql import types as T

# What a decode step keeps of Kafka's columns, in the order it writes them.
KAFKA_COLUMNS = ('topic', 'partition', 'offset', 'timestamp', 'key')

# The decode step's output. `value` keeps the raw bytes of failed rows only
# (null when decoded), for a replay once the cause is fixed.
DECODED_SCHEMA = T.StructType([
    T.StructField('topic', T.StringType()),
    T.StructField('partition', T.IntegerType()),
    T.StructField('offset', T.LongType()),
    T.StructField('timestamp', T.TimestampType()),
    T.StructField('key', T.BinaryType()),
    T.StructField('schema_id', T.LongType()),
    T.StructField('json', T.StringType()),
    T.StructField('error_status', T.IntegerType()),
    T.StructField('error_class', T.StringType()),
    T.StructField('error_message', T.StringType()),
    T.StructField('error_offset', T.LongType()),
    T.StructField('error_path', T.StringType()),
    T.StructField('value', T.BinaryType()),
])

# cfavro settings the job starts from, for JSON that from_json reads: unions
# as plain values ({"string": "x"} would not fit the table's column) and
# bytes as base64 (what from_json decodes into a binary column). Timestamps
# are ISO-8601 with an offset, which from_json reads as they are.
JOB_DEFAULTS = {'json.union': 'plain', 'json.bytes': 'base64'}

MODES = ('PERMISSIVE', 'FAILFAST')
VARIANTS = ('arrow', 'pandas')


class DecodeFailure(RuntimeError):
    """FAILFAST: a record did not decode. The text names its Kafka coordinates."""


# --------------------------------------------------------------------------
# Executor side: one client per process, one decoder per partition iterator
# --------------------------------------------------------------------------

_clients = {}
_clients_lock = threading.Lock()


def use_library(library):
    """Point cfavro at `library` (before its first import in this process):
    a path, or the name of a file shipped with --files / addFile, found in
    this executor's SparkFiles directory. None: cfavro's own search
    (CFAVRO_LIBRARY, the build tree, the system's library path)."""
    if library and 'cfavro' not in sys.modules:
        if not os.path.isabs(library):
            from pyspark import SparkFiles
            shipped = os.path.join(SparkFiles.getRootDirectory(), library)
            library = shipped if os.path.exists(shipped) else os.path.abspath(library)
        os.environ['CFAVRO_LIBRARY'] = library


def executor_client(settings):
    """The process's cfavro.Client for `settings` (a dict of str), made once.

    A Python worker runs one task at a time and keeps the client for the next
    ones (spark.python.worker.reuse, on by default). Creation is locked all the
    same, so threads sharing a process also get one client; the client is
    thread-safe and shared by every decoder of the process.
    """
    key = tuple(sorted(settings.items()))
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                import cfavro  # on the executor; the driver never loads the library
                client = cfavro.Client(dict(settings))
                _clients[key] = client
    return client


def _failure_text(cols, i, coordinates):
    topic, partition, offset = coordinates
    where = []
    if cols.error_offset[i] is not None:
        where.append('at byte %d' % cols.error_offset[i])
    if cols.error_path[i]:
        where.append('path %s' % cols.error_path[i])
    return ('cfavro: Kafka record topic=%s partition=%s offset=%s did not decode: '
            'error %s (%s)%s: %s' % (topic, partition, offset, cols.error_status[i],
                                     cols.error_class[i],
                                     ' ' + ', '.join(where) if where else '',
                                     cols.error_message[i]))


class DecodeMetrics:
    """Spark accumulators the decode step adds to (driver side: `.value`).

    rows and failed count records; partitions counts partition iterators (one
    decoder each) and batches the Arrow batches they decoded. A task that is
    retried counts again, as any accumulator updated in a transformation does.
    """

    def __init__(self, spark_context):
        self.rows = spark_context.accumulator(0)
        self.failed = spark_context.accumulator(0)
        self.partitions = spark_context.accumulator(0)
        self.batches = spark_context.accumulator(0)


ERROR_COLUMNS = ('error_status', 'error_class', 'error_message', 'error_offset', 'error_path')


def _decode_batches(batches, rows, settings, mode, metrics, library):
    """A partition iterator's batches through one decoder of the process's
    client; `rows` is _ArrowRows or _PandasRows (the batch type's accessors)."""
    use_library(library)
    import cfavro
    client = executor_client(settings)
    if metrics is not None:
        metrics.partitions.add(1)
    with cfavro.Decoder(client) as dec:
        for batch in batches:
            values = rows.values(batch)
            cols = dec.decode_columns(values)
            if metrics is not None:
                metrics.rows.add(len(cols))
                metrics.failed.add(cols.failed)
                metrics.batches.add(1)
            if cols.failed and mode == 'FAILFAST':
                i = next(i for i, status in enumerate(cols.error_status) if status is not None)
                raise DecodeFailure(_failure_text(cols, i, rows.coordinates(batch, i)))
            yield rows.output(batch, values, cols)


class _ArrowRows:
    """mapInArrow batches (pyarrow.RecordBatch). The value column goes to
    cfavro as it is: its buffers' addresses, no copy."""

    @staticmethod
    def values(batch):
        return batch.column('value')

    @staticmethod
    def coordinates(batch, i):
        return tuple(batch.column(name)[i].as_py() for name in ('topic', 'partition', 'offset'))

    @staticmethod
    def output(batch, values, cols):
        import pyarrow as pa
        n = batch.num_rows
        types = (pa.int32(), pa.string(), pa.string(), pa.int64(), pa.string())  # ERROR_COLUMNS
        if cols.failed:
            errors = [pa.array(getattr(cols, name), t) for name, t in zip(ERROR_COLUMNS, types)]
            import pyarrow.compute as pc
            raw = pc.if_else(pc.is_valid(errors[0]), values, pa.nulls(n, values.type))
        else:  # the common case: no per-row work for the error columns
            errors = [pa.nulls(n, t) for t in types]
            raw = pa.nulls(n, values.type)
        return pa.RecordBatch.from_arrays(
            [batch.column(name) for name in KAFKA_COLUMNS]
            + [pa.array(cols.schema_id, pa.int64()), pa.array(cols.json, pa.string())]
            + errors + [raw],
            names=DECODED_SCHEMA.fieldNames())


class _PandasRows:
    """mapInPandas batches (pandas.DataFrame): the value column is a Series
    of bytes objects, handed to cfavro as a list."""

    @staticmethod
    def values(frame):
        return frame['value'].tolist()

    @staticmethod
    def coordinates(frame, i):
        return tuple(frame[name].iat[i] for name in ('topic', 'partition', 'offset'))

    @staticmethod
    def output(frame, values, cols):
        import pandas as pd
        out = {name: frame[name] for name in KAFKA_COLUMNS}
        # object columns: nullable integers stay exact (no float NaN)
        for name in ('schema_id', 'json') + ERROR_COLUMNS:
            out[name] = pd.Series(getattr(cols, name), index=frame.index, dtype=object)
        raw = [v if s is not None else None for v, s in zip(values, cols.error_status)] \
            if cols.failed else None
        out['value'] = pd.Series(raw, index=frame.index, dtype=object)
        return pd.DataFrame(out, columns=DECODED_SCHEMA.fieldNames())


def decode_arrow_partition(settings, mode='PERMISSIVE', metrics=None, library=None):
    """The function for DataFrame.mapInArrow: batches with Kafka's columns in,
    DECODED_SCHEMA batches out, one decoder for the whole partition."""
    settings, mode = dict(settings), _check_mode(mode)
    return lambda batches: _decode_batches(batches, _ArrowRows, settings, mode, metrics, library)


def decode_pandas_partition(settings, mode='PERMISSIVE', metrics=None, library=None):
    """The function for DataFrame.mapInPandas: the same rows as
    decode_arrow_partition, through pandas."""
    settings, mode = dict(settings), _check_mode(mode)
    return lambda frames: _decode_batches(frames, _PandasRows, settings, mode, metrics, library)


def _check_mode(mode):
    mode = mode.upper()
    if mode not in MODES:
        raise ValueError('mode must be one of %s, not %r' % (', '.join(MODES), mode))
    return mode


# --------------------------------------------------------------------------
# The transformation (driver side: builds the plan, decodes nothing)
# --------------------------------------------------------------------------

def job_settings(settings):
    """JOB_DEFAULTS overridden by `settings`, all values as strings."""
    merged = dict(JOB_DEFAULTS)
    merged.update({str(k): str(v) for k, v in settings.items()})
    return merged


def decode_kafka_values(df, settings, mode='PERMISSIVE', variant='arrow', metrics=None,
                        library=None):
    """Kafka-shaped rows -> DECODED_SCHEMA rows, one per input row. `library`:
    see use_library."""
    if variant not in VARIANTS:
        raise ValueError('variant must be one of %s, not %r' % (', '.join(VARIANTS), variant))
    settings = job_settings(settings)
    kafka = df.select(*KAFKA_COLUMNS, 'value')
    if variant == 'arrow':
        return kafka.mapInArrow(decode_arrow_partition(settings, mode, metrics, library),
                                DECODED_SCHEMA)
    return kafka.mapInPandas(decode_pandas_partition(settings, mode, metrics, library),
                             DECODED_SCHEMA)


def bronze_transform(df, settings, table_schema, mode='PERMISSIVE', variant='arrow',
                     metrics=None, observe=None, library=None):
    """The bronze rows of Kafka-shaped `df`: Kafka coordinates, schema_id,
    `data` (from_json of the decoded JSON with `table_schema`, a StructType or
    a DDL string), the JSON text, the error columns and the raw value of
    failed rows. `observe`: a name (streaming) or a pyspark Observation
    (batch) to attach the cfavro_decode metrics (rows, failed) to."""
    decoded = decode_kafka_values(df, settings, mode, variant, metrics, library)
    if observe is not None:
        decoded = decoded.observe(observe, F.count(F.lit(1)).alias('rows'),
                                  F.count('error_status').alias('failed'))
    data = F.from_json('json', table_schema, {'mode': 'PERMISSIVE'}).alias('data')
    return decoded.select(*KAFKA_COLUMNS, 'schema_id', data, 'json', 'error_status',
                          'error_class', 'error_message', 'error_offset', 'error_path', 'value')


# --------------------------------------------------------------------------
# The job: Kafka in, the sink out
# --------------------------------------------------------------------------

def read_kafka(spark, bootstrap_servers, subscribe, options=None):
    """The streaming source: Kafka's value bytes as they are."""
    reader = (spark.readStream.format('kafka')
              .option('kafka.bootstrap.servers', bootstrap_servers)
              .option('subscribe', subscribe))
    for key, value in (options or {}).items():
        reader = reader.option(key, value)
    return reader.load()


def write_stream(df, sink_format, target, checkpoint, options=None, trigger=None):
    """Start the streaming write: `target` is a table name for formats that
    write tables (iceberg, delta), else a path; format 'console' and 'memory'
    (a query name) serve for trying the job out."""
    writer = (df.writeStream.format(sink_format).outputMode('append')
              .option('checkpointLocation', checkpoint))
    for key, value in (options or {}).items():
        writer = writer.option(key, value)
    if trigger:
        writer = writer.trigger(**trigger)
    if sink_format in ('iceberg', 'delta'):
        return writer.toTable(target)
    if sink_format == 'memory':
        return writer.queryName(target).start()
    return writer.start(target) if target else writer.start()


def read_properties(path):
    """A properties file (key=value lines, # or ! comments), as cfavro's -F reads it."""
    settings = {}
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip('\r\n').lstrip(' \t')
            if not line or line[0] in '#!':
                continue
            key, sep, value = line.partition('=')
            if not sep:
                raise ValueError('%s: line %d: expected key=value' % (path, number))
            settings[key.strip()] = value.lstrip(' \t')
    return settings


def _pairs(items, what):
    out = {}
    for item in items or ():
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit('%s: expected KEY=VALUE, got %r' % (what, item))
        out[key] = value
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--bootstrap-servers', required=True, help='Kafka bootstrap servers')
    p.add_argument('--subscribe', required=True, help='topic(s), comma-separated')
    p.add_argument('--kafka-option', action='append', metavar='KEY=VALUE',
                   help='a Kafka source option (startingOffsets, kafka.security.protocol, ...)')
    p.add_argument('--table-schema', required=True, metavar='FILE',
                   help="the table's schema: a Spark DDL string, or StructType JSON")
    p.add_argument('-F', '--settings-file', metavar='FILE',
                   help='cfavro settings as a properties file (schema.registry.url, ...)')
    p.add_argument('-X', '--set', action='append', metavar='KEY=VALUE',
                   help='a cfavro setting (after --settings-file)')
    p.add_argument('--library', metavar='PATH_OR_NAME',
                   help='libcfavro on the executors: a path, or the name of a --files file')
    p.add_argument('--mode', choices=MODES, default='PERMISSIVE')
    p.add_argument('--variant', choices=VARIANTS, default='arrow')
    p.add_argument('--sink-format', default='iceberg')
    p.add_argument('--sink-target', default='', help='table name or path')
    p.add_argument('--sink-option', action='append', metavar='KEY=VALUE')
    p.add_argument('--checkpoint', required=True, help='checkpoint location')
    trigger = p.add_mutually_exclusive_group()
    trigger.add_argument('--trigger-seconds', type=float, help='processing-time trigger')
    trigger.add_argument('--available-now', action='store_true',
                         help='process what the topics hold now, then stop (a scheduled run)')
    return p.parse_args(argv)


def table_schema_from_file(path):
    with open(path, encoding='utf-8') as f:
        text = f.read().strip()
    if text.startswith('{'):
        import json
        return T.StructType.fromJson(json.loads(text))
    return text


def main(argv=None):
    """Run the job until it stops (--available-now) or fails; returns the query."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.appName('cfavro-bronze').getOrCreate()
    settings = read_properties(args.settings_file) if args.settings_file else {}
    settings.update(_pairs(args.set, '--set'))
    source = read_kafka(spark, args.bootstrap_servers, args.subscribe,
                        _pairs(args.kafka_option, '--kafka-option'))
    bronze = bronze_transform(source, settings, table_schema_from_file(args.table_schema),
                              mode=args.mode, variant=args.variant, observe='cfavro_decode',
                              library=args.library)
    trigger = None
    if args.trigger_seconds:
        trigger = {'processingTime': '%g seconds' % args.trigger_seconds}
    elif args.available_now:
        trigger = {'availableNow': True}
    query = write_stream(bronze, args.sink_format, args.sink_target, args.checkpoint,
                         _pairs(args.sink_option, '--sink-option'), trigger)
    query.awaitTermination()
    return query


if __name__ == '__main__':
    main()
