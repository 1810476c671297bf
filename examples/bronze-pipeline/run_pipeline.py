#!/usr/bin/env python3
"""The runbook's pipeline, for real: Kafka -> Spark Structured Streaming -> Iceberg.

One script starts everything it needs, checks what the runbook's Step 4
checks, and tears everything down (no JVM or server outlives it):

  * a real Apache Kafka broker (tests/kafka/kafka_broker.py, KRaft, loopback);
  * the loopback test Schema Registry (tests/registry/server.py) holding the
    Trade schema's versions under the subject market.trades-value;
  * a producer (Debian's kcat, tests/kafka/kcat.py) writing Confluent-framed
    trades the way the runbook's services do, with writer versions 1 and 2,
    plus the runbook's failure cases: a message whose header was stripped
    twice (raw Avro missing its first bytes), a wrong magic byte, an unknown
    schema id;
  * the bronze job (examples/pyspark/bronze_job.py: bronze_transform) as a
    Spark Structured Streaming query, local[2], Kafka source
    (spark-sql-kafka), decoding with cfavro, writing good rows to an Iceberg
    table and bad rows, with their reasons, to a side table (Hadoop catalog
    in a temporary folder), both from one foreachBatch;
  * mid-stream, writer version 3 (a new field) is registered and produced
    while the query runs: no restart, no checkpoint deletion.

Checks (exit 0 when all hold, 1 otherwise):
  * numInputRows summed over the query's progress == good rows written + bad
    rows kept;
  * the Iceberg table's COUNT(*) == the good messages produced, and the side
    table holds exactly the bad ones, each with its error class;
  * version 3's rows carry the new field, decoded by the same query run
    (same id and runId) over the same checkpoint.

usage: run_pipeline.py [LIBCFAVRO]   (meson passes the built shared library)

Needs .ci/install-kafka-peer and .ci/install-spark-peer (which fetches the
Kafka source's and Iceberg's jars): exits 77 (skipped) without them when run
by hand, 1 in CI (CI=true). No network beyond loopback.
"""

import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TESTS = os.path.join(ROOT, 'tests')
for _path in (TESTS, os.path.join(TESTS, 'kafka'), os.path.join(TESTS, 'spark')):
    sys.path.insert(0, _path)
import kafka_broker  # noqa: E402
import kcat  # noqa: E402
import spark_peer  # noqa: E402
from avro_bytes import long_, string_  # noqa: E402

if len(sys.argv) > 1 and not sys.argv[1].startswith('-'):
    os.environ['CFAVRO_LIBRARY'] = os.path.abspath(sys.argv.pop(1))

PROG = 'run_pipeline.py'
TOPIC = 'market.trades'
PARTITIONS = 2
CATALOG = 'lake'
GOOD_TABLE = CATALOG + '.bronze.trades'
BAD_TABLE = CATALOG + '.bronze.trades_rejected'
WAIT_SECONDS = 240
READER_TTL_SECONDS = 1

# --------------------------------------------------------------------------
# The Trade schema's writer versions (ids 1, 2 at start; 3 registered mid-stream)
# --------------------------------------------------------------------------

with open(os.path.join(TESTS, 'data', 'trade.avsc'), encoding='utf-8') as _f:
    TRADE_V1 = json.load(_f)
TRADE_V2 = dict(TRADE_V1, fields=TRADE_V1['fields'] + [
    {'name': 'venue', 'type': ['null', 'string'], 'default': None}])
TRADE_V3 = dict(TRADE_V2, fields=TRADE_V2['fields'] + [
    {'name': 'fee', 'type': ['null', 'double'], 'default': None}])
UNKNOWN_ID = 99

# The bronze table's `data` column: every field of every version, so a new
# writer version's field lands without altering the table.
TABLE_SCHEMA = ('exchange STRING, symbol STRING, trade_id BIGINT, price DOUBLE, '
                'quantity DOUBLE, timestamp TIMESTAMP, side STRING, is_buyer_maker BOOLEAN, '
                'sequence_id STRING, extra MAP<STRING, STRING>, venue STRING, fee DOUBLE')


def registry_data(versions):
    """The test registry's data file: ids 1..n and subject versions 1..n."""
    ids = {str(i): {'schema': json.dumps(s)} for i, s in enumerate(versions, 1)}
    subject = {str(i): {'id': i} for i in range(1, len(versions) + 1)}
    return {'contexts': {'.': {'ids': ids, 'subjects': {TOPIC + '-value': subject}}}}


def double_(x):
    return struct.pack('<d', x)


def frame(schema_id, payload):
    """Confluent's wire format: magic 0, the schema id (big-endian), the Avro body."""
    return b'\x00' + struct.pack('>I', schema_id) + payload


def encode_trade(n, version):
    """Trade number n written with writer `version` (1, 2 or 3)."""
    out = (string_('binance') + string_('BTCUSDT') + long_(1000 + n)
           + double_(65000.0 + n) + double_(0.5) + long_(1717243200000 + n)
           + long_(n % 2) + bytes([n % 2]) + long_(1) + string_('s-%d' % n)
           + long_(1) + string_('route') + string_('smart') + long_(0))
    if version >= 2:
        out += long_(1) + string_('spot')
    if version >= 3:
        out += long_(1) + double_(0.001 * n)
    return out


def produce(broker, plan):
    """Produce plan ([(partition, kind, value)]) partition by partition; returns
    {(partition, offset): kind}. The topic is written only by this script, so
    offsets follow the end offsets before the run."""
    before = broker.end_offsets(TOPIC)
    outcome = {}
    for partition in range(PARTITIONS):
        rows = [(kind, value) for p, kind, value in plan if p == partition]
        if not rows:
            continue
        kcat.produce(broker.bootstrap, TOPIC, [value for _, value in rows], partition=partition)
        for i, (kind, _) in enumerate(rows):
            outcome[(partition, before.get(partition, 0) + i)] = kind
    return outcome


def first_plan():
    """Versions 1 and 2 on both partitions, and the runbook's failure cases."""
    plan = []
    for n in range(12):
        version = 1 if n % 3 else 2
        value = frame(version, encode_trade(n, version))
        plan.append((n % PARTITIONS, 'good:v%d' % version, value))
    framed = frame(1, encode_trade(100, 1))
    # substring(value, 6, ...) applied to an already stripped value: the Avro
    # body without its first five bytes.
    plan.append((0, 'bad:stripped-twice', framed[10:]))
    # Not 0x01 either: that is the V1 (GUID) framing, which cfavro reads.
    plan.append((1, 'bad:wrong-magic', b'\x02' + framed[1:]))
    plan.append((0, 'bad:unknown-id', frame(UNKNOWN_ID, encode_trade(101, 1))))
    return plan


def second_plan():
    """After the query started: version 3 (registered now) beside version 1."""
    plan = []
    for n in range(200, 208):
        version = 3 if n % 2 == 0 else 1
        value = frame(version, encode_trade(n, version))
        plan.append((n % PARTITIONS, 'good:v%d' % version, value))
    return plan


# --------------------------------------------------------------------------
# Peers
# --------------------------------------------------------------------------

def missing(reason):
    """A peer is not installed: skipped (77) by hand, failed in CI."""
    kafka_broker.exit_missing(PROG, reason)


def spark_install():
    try:
        info = spark_peer.find_installation()
    except spark_peer.PeerNotInstalled as e:
        missing(e)
    jars = info.get('pipeline_jars') or []
    absent = [j for j in jars if not os.path.isfile(j)]
    if not jars or absent:
        missing('the Kafka source / Iceberg jars are not installed (%s): run '
                '.ci/install-spark-peer' % (', '.join(absent) or 'no pipeline_jars'))
    return info


class Registry:
    """tests/registry/server.py on a free loopback port; ends with our stdin pipe."""

    def __init__(self, data_file):
        server = os.path.join(TESTS, 'registry', 'server.py')
        self.proc = subprocess.Popen([sys.executable, server, '--data', data_file,
                                      '--exit-on-stdin-eof'],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith('PORT '):
            self.stop()
            raise RuntimeError('the test registry did not start: %r' % line)
        self.url = 'http://127.0.0.1:%d' % int(line.split()[1])

    def set_data(self, data):
        """Replace what the registry holds (the control API): registering a version."""
        request = urllib.request.Request(self.url + '/__control/data',
                                         data=json.dumps(data).encode(), method='POST',
                                         headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------
# The streaming query
# --------------------------------------------------------------------------

def start_query(spark, bronze_job, bootstrap, registry_url, checkpoint):
    source = bronze_job.read_kafka(spark, bootstrap, TOPIC, {'startingOffsets': 'earliest'})
    # With evolution: every row is read with the subject's latest version as
    # the reader schema, fetched again by the first decode a second after the
    # last fetch, so a new version is followed without a restart.
    settings = {'schema.registry.url': registry_url, 'use.latest.version': 'true',
                'cfavro.reader.subject': TOPIC + '-value',
                'latest.cache.ttl.sec': str(READER_TTL_SECONDS)}
    bronze = bronze_job.bronze_transform(source, settings, TABLE_SCHEMA, observe='cfavro_decode')
    good_columns = [c for c in bronze.columns if c not in bronze_job.ERROR_COLUMNS + ('value',)]
    bad_columns = [c for c in bronze.columns if c != 'data']
    empty = spark.createDataFrame([], bronze.schema)
    empty.select(*good_columns).writeTo(GOOD_TABLE).using('iceberg').create()
    empty.select(*bad_columns).writeTo(BAD_TABLE).using('iceberg').create()

    def write_batch(batch, batch_id):
        # One decode per micro-batch: both tables are written from the cache.
        batch.persist()
        batch.where('error_status IS NULL').select(*good_columns).writeTo(GOOD_TABLE).append()
        batch.where('error_status IS NOT NULL').select(*bad_columns).writeTo(BAD_TABLE).append()
        batch.unpersist()

    return (bronze.writeStream.foreachBatch(write_batch)
            .option('checkpointLocation', checkpoint)
            .trigger(processingTime='1 second')
            .queryName('bronze_trades').start())


class Progress:
    """Every progress report of the query, by batch id (recentProgress is a window)."""

    def __init__(self, query):
        self.query = query
        self.by_batch = {}

    def poll(self):
        for p in self.query.recentProgress:
            self.by_batch[p['batchId']] = p
        error = self.query.exception()
        if error is not None:
            raise RuntimeError('the streaming query failed: %s' % error)

    def input_rows(self):
        return sum(p['numInputRows'] for p in self.by_batch.values())

    def wait_for(self, rows, what):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            self.poll()
            if self.input_rows() >= rows:
                return
            if time.monotonic() > deadline:
                raise RuntimeError('timed out waiting for %s: %d of %d rows read'
                                   % (what, self.input_rows(), rows))
            time.sleep(0.5)

    def decode_metric(self):
        """The bronze job's observed metric, summed (None when Spark reported none)."""
        found = [p.get('observedMetrics', {}).get('cfavro_decode')
                 for p in self.by_batch.values()]
        found = [m for m in found if m]
        if not found:
            return None
        return {k: sum(int(m[k]) for m in found) for k in ('rows', 'failed')}


# --------------------------------------------------------------------------
# Step 4
# --------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.failures = []

    def equal(self, what, got, want):
        ok = got == want
        print('  %-58s %s' % (what, ('ok (%s)' % (got,)) if ok else
                              'FAILED: got %r, want %r' % (got, want)))
        if not ok:
            self.failures.append(what)


ERROR_CLASS = {'bad:stripped-twice': 'framing', 'bad:wrong-magic': 'framing',
               'bad:unknown-id': 'schema_not_found'}


def check(spark, progress, produced, first_keys, run_ids, checkpoint):
    c = Checks()
    good = {k: v for k, v in produced.items() if v.startswith('good:')}
    bad = {k: v for k, v in produced.items() if v.startswith('bad:')}
    written = spark.sql('SELECT COUNT(*) AS n FROM %s' % GOOD_TABLE).first()['n']
    kept = spark.sql('SELECT COUNT(*) AS n FROM %s' % BAD_TABLE).first()['n']
    print('Step 4 (the runbook):')
    c.equal('numInputRows == good rows written + bad rows kept',
            progress.input_rows(), written + kept)
    c.equal('Iceberg COUNT(*) == good messages produced', written, len(good))
    c.equal('side table rows == bad messages produced', kept, len(bad))
    rows = spark.table(GOOD_TABLE).select('partition', 'offset', 'schema_id',
                                          'data.trade_id', 'data.venue', 'data.fee').collect()
    c.equal('good rows are exactly the good offsets',
            sorted((r['partition'], r['offset']) for r in rows), sorted(good))
    c.equal('schema ids as produced',
            sorted(((r['partition'], r['offset']), 'good:v%d' % r['schema_id']) for r in rows),
            sorted(good.items()))
    # The reader schema followed the registry: rows before the change were
    # read as v2 (latest then: venue, no fee), rows after it as v3 (fee on
    # every row, null where the writer had none), with the same query.
    texts = spark.table(GOOD_TABLE).select('partition', 'offset', 'json').collect()
    before = [r for r in texts if (r['partition'], r['offset']) in first_keys]
    after = [r for r in texts if (r['partition'], r['offset']) not in first_keys]
    c.equal('rows before the change read with reader v2 (venue, no fee)',
            sum(1 for r in before if '"venue"' in r['json'] and '"fee"' not in r['json']),
            sum(1 for k, v in good.items() if k in first_keys))
    c.equal('rows after the change read with reader v3 (fee on every row)',
            sum(1 for r in after if '"fee"' in r['json']),
            sum(1 for k, v in good.items() if k not in first_keys))
    v3 = [r for r in rows if r['schema_id'] == 3]
    c.equal('v3 rows (mid-stream) carry the new field',
            sum(1 for r in v3 if r['fee'] is not None and r['venue'] == 'spot'),
            sum(1 for v in good.values() if v == 'good:v3'))
    rejected = spark.table(BAD_TABLE).select('partition', 'offset', 'error_class',
                                             'error_message', 'value').collect()
    c.equal('bad rows: offsets and error classes',
            sorted(((r['partition'], r['offset']), r['error_class']) for r in rejected),
            sorted((k, ERROR_CLASS[v]) for k, v in bad.items()))
    c.equal('bad rows keep a reason and the raw value',
            sum(1 for r in rejected if r['error_message'] and r['value']), len(bad))
    for r in sorted(rejected, key=lambda r: (r['partition'], r['offset'])):
        print('    rejected %d/%d %s: %s' % (r['partition'], r['offset'],
                                             bad.get((r['partition'], r['offset']), 'UNEXPECTED'),
                                             r['error_message']))
    c.equal('one query run throughout (no restart)', len(run_ids), 1)
    commits = os.listdir(os.path.join(checkpoint, 'commits'))
    c.equal('checkpoint kept, several batches committed', len(commits) >= 2, True)
    metric = progress.decode_metric()
    if metric is None:
        print('  cfavro_decode observed metric: not reported under foreachBatch')
    else:
        c.equal('cfavro_decode metric (rows, failed)', (metric['rows'], metric['failed']),
                (written + kept, kept))
    return c.failures


def _stat_cpu(pid, children=False):
    """utime + stime (+ cutime + cstime) of a live process, in seconds."""
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii') as f:
            after_name = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return 0.0
    fields = after_name[11:15] if children else after_name[11:13]
    return sum(int(x) for x in fields) / os.sysconf('SC_CLK_TCK')


def jvm_cpu_seconds(spark):
    """The driver JVM's CPU so far (pyspark starts it as our child)."""
    return _stat_cpu(spark.sparkContext._gateway.proc.pid)


def python_workers_cpu_seconds(spark):
    """CPU of the JVM's children (the Python worker daemon and its workers)."""
    pid = spark.sparkContext._gateway.proc.pid
    children = []
    for task in glob.glob('/proc/%d/task/*/children' % pid):  # any JVM thread forks
        try:
            with open(task, encoding='ascii') as f:
                children += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return sum(_stat_cpu(c, children=True) for c in children)


# --------------------------------------------------------------------------

BROKER = None


def main():
    global BROKER
    started = time.monotonic()
    info = spark_install()
    if not kcat.find_kcat():
        missing('kcat is not installed: run .ci/install-deps')
    work = tempfile.mkdtemp(prefix='cfavro-bronze-pipeline-')
    registry = query = spark = None
    try:
        data_file = os.path.join(work, 'registry.json')
        with open(data_file, 'w', encoding='utf-8') as f:
            json.dump(registry_data([TRADE_V1, TRADE_V2]), f)
        registry = Registry(data_file)
        try:
            BROKER = kafka_broker.start(topics={TOPIC: PARTITIONS})
        except kafka_broker.KafkaNotInstalled as e:
            missing(e)
        print('peers: Kafka %s, registry %s (%.1f s)'
              % (BROKER.bootstrap, registry.url, time.monotonic() - started), flush=True)

        produced = produce(BROKER, first_plan())
        spark = spark_peer.local_session(info, jars=info['pipeline_jars'], quick_jvm=True, conf={
            'spark.sql.extensions':
                'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
            'spark.sql.catalog.%s' % CATALOG: 'org.apache.iceberg.spark.SparkCatalog',
            'spark.sql.catalog.%s.type' % CATALOG: 'hadoop',
            'spark.sql.catalog.%s.warehouse' % CATALOG: 'file://' + os.path.join(work, 'lake'),
            'spark.sql.streaming.numRecentProgressUpdates': '1000',
        }, app='cfavro-bronze-pipeline')
        spark_peer.import_paths()
        import bronze_job
        checkpoint = os.path.join(work, 'checkpoint')
        query = start_query(spark, bronze_job, BROKER.bootstrap, registry.url, checkpoint)
        progress = Progress(query)
        run_ids = {(query.id, query.runId)}
        progress.wait_for(len(produced), 'the first messages')
        print('first %d messages read (%.1f s)' % (len(produced), time.monotonic() - started),
              flush=True)

        # The schema change: a new writer version, registered and produced
        # while the query runs.
        registry.set_data(registry_data([TRADE_V1, TRADE_V2, TRADE_V3]))
        first_keys = set(produced)
        time.sleep(READER_TTL_SECONDS + 1.5)  # every reader is due for a refresh now
        produced.update(produce(BROKER, second_plan()))
        progress.wait_for(len(produced), 'the messages after the schema change')
        run_ids.add((query.id, query.runId))
        if not query.isActive:
            raise RuntimeError('the query stopped')
        time.sleep(1.5)  # let the last batch's progress be reported
        progress.poll()
        query.stop()
        query = None
        failures = check(spark, progress, produced, first_keys, run_ids, checkpoint)
        print('CPU: Spark JVM %.1f s (Python workers %.1f s), Kafka broker %.1f s'
              % (jvm_cpu_seconds(spark), python_workers_cpu_seconds(spark),
                 BROKER.cpu_seconds() or 0.0))
        outcome = 'FAILED: ' + '; '.join(failures) if failures else 'all checks passed'
        print('%s in %.1f s' % (outcome, time.monotonic() - started))
        return 1 if failures else 0
    finally:
        if query is not None:
            try:
                query.stop()
            except Exception as e:  # noqa: BLE001 (teardown goes on)
                print('stopping the query: %s' % e, file=sys.stderr)
        if spark is not None:
            spark.stop()
        if BROKER is not None:
            BROKER.stop()
        if registry is not None:
            registry.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
