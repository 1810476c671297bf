#!/usr/bin/env python3
"""Spark rows per second per core: the bronze job's cfavro paths against
Spark's own from_avro, on the benchmark's trade and wide messages.

    .venv/bin/python3 bench/bench_spark.py --build build-release

Rows (each a noop write, so every row is computed and nothing is stored):

  from_avro          from_avro(substring(value, 6, length(value) - 5), schema):
                     the runbook's workaround, on pre-stripped bytes with one
                     schema assumed (spark-avro from .ci/install-spark-peer)
  cfavro arrow json  mapInArrow: the value column to cfavro without copies,
                     every row resolved by its own schema id; JSON text + errors
  cfavro pandas json the same through mapInPandas
  cfavro arrow       mapInArrow and from_json with the table's schema (the
                     full bronze row: typed columns, as from_avro gives)
  cfavro pandas      the same through mapInPandas
  arrow round trip   mapInArrow returning its input batches: Spark's own cost
                     of taking rows to a Python worker and back, no decoding

Messages: cfavro_bench's own corpus (bench/gen.c, seed 1), written by the
build's bench/gen_corpus, as a cached DataFrame with Kafka's
columns. local[1]: one task at a time. A Python worker runs beside the JVM's
task thread (the two pipeline), so besides wall time the benchmark counts
the CPU time of the JVM and every process under it (Python workers) during
each run: "rows/CPU-s" is rows per second of one core. Best of --repeat runs
after a warm-up. The first rows of every path are compared with from_avro's
(the same values, field by field) before anything is timed.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'spark'))
import spark_peer  # noqa: E402

CLK_TCK = os.sysconf('SC_CLK_TCK')
SCHEMA_IDS = {'trade': 1, 'wide': 2}  # as bench/gen.h frames them


def read_len32be(path):
    out = []
    with open(path, 'rb') as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], 'big')
        out.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    return out


def corpus(gen_corpus, kind, count, work):
    """cfavro_bench's messages (seed 1) for `count`, from bench/gen_corpus."""
    path = os.path.join(work, '%s.len32be' % kind)
    subprocess.run([gen_corpus, kind, str(count), '1', path], check=True)
    return read_len32be(path)


def tree_cpu_seconds(root_pid):
    """User + system CPU of root_pid and all its descendants, now."""
    parents, cpu = {}, {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name, 'rb') as f:
                stat = f.read().decode('ascii', 'replace')
        except OSError:
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        parents[int(name)] = int(fields[1])
        cpu[int(name)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    total, todo, seen = 0.0, [root_pid], set()
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


def measure(df, jvm_pid, repeat):
    """Best (wall, cpu) seconds of a noop write of df, after one warm-up."""
    df.write.format('noop').mode('overwrite').save()
    best = None
    for _ in range(repeat):
        cpu0, t0 = tree_cpu_seconds(jvm_pid), time.perf_counter()
        df.write.format('noop').mode('overwrite').save()
        wall, cpu = time.perf_counter() - t0, tree_cpu_seconds(jvm_pid) - cpu0
        if best is None or cpu < best[1]:
            best = (wall, cpu)
    return best


def identity(batches):
    """mapInArrow's floor: the batches back as they came (pickled by value:
    this file runs as __main__)."""
    yield from batches


def normalize(value):
    """Row values as comparable Python: structs to dicts, bytearrays to bytes."""
    if hasattr(value, 'asDict'):
        return {k: normalize(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--build', default=os.path.join(SOURCE_ROOT, 'build-release'),
                   help='meson build directory (libcfavro, bench/gen_corpus)')
    p.add_argument('--gen-corpus', help='the gen_corpus program (default: in --build)')
    p.add_argument('--trade', type=int, default=400000, help='trade messages')
    p.add_argument('--wide', type=int, default=50000, help='wide messages')
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--batch', type=int, default=10000, help='Arrow batch size (rows)')
    p.add_argument('--check-rows', type=int, default=2000,
                   help='rows compared with from_avro before timing')
    p.add_argument('--json', metavar='FILE', help='also write the results as JSON')
    args = p.parse_args()

    info = spark_peer.installation_or_exit('bench_spark.py')
    os.environ.setdefault('CFAVRO_LIBRARY', os.path.join(args.build, 'src', 'libcfavro.so'))
    spark_peer.import_paths()
    import bronze_job
    from pyspark.sql import functions as F
    from pyspark.sql.avro.functions import from_avro

    spark = spark_peer.local_session(
        info, master='local[1]', jars=[info['spark_avro_jar']], app='cfavro-bench-spark',
        conf={'spark.sql.execution.arrow.maxRecordsPerBatch': str(args.batch),
              'spark.driver.memory': '3g'})
    jvm_pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    results = []
    with tempfile.TemporaryDirectory(prefix='cfavro-bench-spark-') as work:
        schema_dir = os.path.join(work, 'schemas')
        os.mkdir(schema_dir)
        for kind, schema_id in SCHEMA_IDS.items():
            with open(os.path.join(HERE, 'schemas', '%s.avsc' % kind), encoding='utf-8') as f:
                text = f.read()
            with open(os.path.join(schema_dir, '%d.avsc' % schema_id), 'w',
                      encoding='utf-8') as f:
                f.write(text)
        settings = {'schema.dir': schema_dir}

        for kind, count in (('trade', args.trade), ('wide', args.wide)):
            with open(os.path.join(HERE, 'schemas', '%s.avsc' % kind), encoding='utf-8') as f:
                avro_schema = f.read()
            values = corpus(args.gen_corpus or os.path.join(args.build, 'bench', 'gen_corpus'),
                            kind, count, work)
            payload_bytes = sum(len(v) for v in values)
            rows = [(None, v, 'bench.' + kind, 0, i, None) for i, v in enumerate(values)]
            del values
            kafka = spark.createDataFrame(
                rows, 'key BINARY, value BINARY, topic STRING, partition INT, offset BIGINT, '
                      'timestamp TIMESTAMP').repartition(1).cache()
            del rows
            kafka.count()
            stripped = F.expr('substring(value, 6, length(value) - 5)')
            baseline = kafka.select(from_avro(stripped, avro_schema).alias('data'))
            table_schema = baseline.schema['data'].dataType
            paths = [('from_avro', baseline)]
            for variant in ('arrow', 'pandas'):
                paths.append(('cfavro %s json' % variant, bronze_job.decode_kafka_values(
                    kafka, settings, variant=variant)))
                paths.append(('cfavro %s' % variant, bronze_job.bronze_transform(
                    kafka, settings, table_schema, variant=variant)))
            paths.append(('arrow round trip', kafka.mapInArrow(identity, kafka.schema)))

            # Same values before any timing: the full bronze rows' `data`
            # against from_avro's struct, and no decode failure anywhere.
            want = [normalize(r.data) for r in baseline.limit(args.check_rows).collect()]
            for name, df in paths[1:]:
                if name == 'arrow round trip':
                    continue
                if 'json' in name:
                    failed = df.where('error_status IS NOT NULL').count()
                    if failed:
                        sys.exit('%s %s: %d rows failed to decode' % (kind, name, failed))
                    continue
                got = [normalize(r.data) for r in df.limit(args.check_rows).collect()]
                if got != want:
                    bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
                    sys.exit('%s %s: row %d differs from from_avro:\n  %r\n  %r'
                             % (kind, name, bad, got[bad], want[bad]))

            base_cpu = None
            for name, df in paths:
                wall, cpu = measure(df, jvm_pid, args.repeat)
                base_cpu = cpu if base_cpu is None else base_cpu
                results.append({'schema': kind, 'path': name, 'rows': count,
                                'payload_bytes': payload_bytes, 'wall_s': wall, 'cpu_s': cpu,
                                'rows_per_s': count / wall, 'rows_per_cpu_s': count / cpu,
                                'speed_vs_from_avro': base_cpu / cpu})
                r = results[-1]
                print('%-5s %-20s %9.0f rows/s %9.0f rows/CPU-s %7.0f ns/row CPU  x%.2f'
                      % (kind, name, r['rows_per_s'], r['rows_per_cpu_s'], 1e9 * cpu / count,
                         r['speed_vs_from_avro']), flush=True)
            kafka.unpersist()
    spark.stop()
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump({'spark': info['spark_version'], 'results': results}, f, indent=2)


if __name__ == '__main__':
    main()
