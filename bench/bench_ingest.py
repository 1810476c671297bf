#!/usr/bin/env python3
"""Throughput of cfavro-kafka-ingest (examples/kafka-ingest): messages per
second per core for consume + decode + sink, and the share of the service's
work done inside cfavro.

usage: bench/bench_ingest.py [--build DIR] [--messages N] [--workers 1,2]
                             [--callgrind-messages M] [--partitions P]

What it does, with python3's standard library only:
  1. encodes N trade messages (bench/schemas/trade.avsc, about 100 bytes
     each, Confluent-framed) and produces them into kafka-mock-cluster, a
     mock Kafka cluster in its own process (its CPU is not the service's);
  2. for each worker count, runs the service over the topic with
     ingest.exit.at.eof=true and the sink on a real file, and reports
       msgs/s/core  N / (the service's user + system CPU seconds), from
                    wait4's rusage: every thread of the service counts
                    (librdkafka's fetchers, the consumer loop, the workers);
       msgs/s wall  N / (exit time - first line written): the group join
                    before the first record is left out;
  3. runs the service once more under callgrind over M messages and reads
     callgrind_annotate's inclusive costs: instructions per message in the
     whole process, in the workers (worker_main: decode + line + sink) and
     in cfavro's entry points the workers call (cfavro_frame_parse*,
     cfavro_decode_frame_json, cfavro_decoder_error), and cfavro's share of
     both. Instruction counts repeat from run to run where times do not.

A shared 2-core machine makes the wall numbers noisy; the CPU-based rate and
the callgrind shares are the ones to compare.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from avro_bytes import long_, string_  # noqa: E402

TOPIC = 'bench'
SCHEMA_ID = 1
CFAVRO_ENTRY_POINTS = ('cfavro_frame_parse', 'cfavro_frame_parse_header',
                       'cfavro_decode_frame_json', 'cfavro_decoder_error')


def trade_message(i):
    """One bench/schemas/trade.avsc record, Confluent-framed (V0, id 1)."""
    extra = {'venue': 'X%d' % (i % 7)} if i % 3 == 0 else {}
    payload = (string_('binance') + string_('BTCUSDT') + long_(1000000 + i)
               + struct.pack('<d', 43000.5 + i % 100) + struct.pack('<d', 0.001 * (i % 50 + 1))
               + long_(1700000000000 + i) + long_(i % 2) + (b'\x01' if i % 5 else b'\x00')
               + (long_(1) + string_('seq-%d' % i) if i % 4 else long_(0)))
    if extra:
        payload += long_(len(extra))
        for k, v in extra.items():
            payload += string_(k) + string_(v)
    payload += long_(0)
    return b'\x00' + struct.pack('>i', SCHEMA_ID) + payload


class Cluster:
    def __init__(self, exe, partitions):
        self.proc = subprocess.Popen([exe, '--brokers', '1', '--topic',
                                      '%s:%d' % (TOPIC, partitions)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith('BOOTSTRAP '):
            raise SystemExit('kafka-mock-cluster: %r' % line)
        self.bootstrap = line.split()[1]

    def command(self, text):
        self.proc.stdin.write(text + '\n')
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline().strip()
        if not reply.startswith('ok'):
            raise SystemExit('kafka-mock-cluster %r: %s' % (text, reply))
        return reply

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(30)


def write_properties(tmp, name, bootstrap, schema_dir, workers, sink):
    path = os.path.join(tmp, name + '.properties')
    with open(path, 'w') as f:
        f.write('\n'.join([
            'bootstrap.servers=' + bootstrap,
            'group.id=' + name,  # a fresh group: every run reads from the start
            'auto.offset.reset=earliest',
            'schema.dir=' + schema_dir,
            'ingest.topics=' + TOPIC,
            'ingest.workers=%d' % workers,
            'ingest.sink.path=' + sink,
            'ingest.deadletter.path=' + os.path.join(tmp, name + '.dead.ndjson'),
            'ingest.exit.at.eof=true',
            'ingest.max.uncommitted=100000',
            '']))
    return path


def run_timed(exe, props, sink, messages):
    """(CPU seconds, wall seconds from the first line to the exit)."""
    proc = subprocess.Popen([exe, '-F', props], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    first = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        now = time.monotonic()
        if pid:
            break
        if first is None and os.path.exists(sink) and os.path.getsize(sink) > 0:
            first = now
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors='replace')
    if proc.returncode != 0:
        raise SystemExit('the service failed (%d): %s' % (proc.returncode, err[-2000:]))
    with open(sink, 'rb') as f:
        lines = f.read().count(b'\n')
    if lines != messages:
        raise SystemExit('the sink has %d lines, not %d' % (lines, messages))
    return usage.ru_utime + usage.ru_stime, now - (first or now)


INCLUSIVE_RE = re.compile(r'^\s*([\d,]+)\s+(?:\([\d.]+%\)\s+)?(?:\S*:)?([A-Za-z_][\w]*)\b')


def callgrind_costs(out_file):
    """{function name: inclusive Ir} and the program's total."""
    text = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100',
                           out_file], stdout=subprocess.PIPE, check=True,
                          text=True).stdout
    total = None
    costs = {}
    for line in text.splitlines():
        if 'PROGRAM TOTALS' in line:
            total = int(line.split()[0].replace(',', ''))
            continue
        m = INCLUSIVE_RE.match(line)
        if m:
            name = m.group(2)
            costs[name] = max(costs.get(name, 0), int(m.group(1).replace(',', '')))
    if total is None:
        raise SystemExit('callgrind_annotate printed no PROGRAM TOTALS')
    return costs, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--messages', type=int, default=200000)
    ap.add_argument('--workers', default='1,2')
    ap.add_argument('--partitions', type=int, default=3)
    ap.add_argument('--callgrind-messages', type=int, default=20000,
                    help='0 leaves the callgrind run out')
    args = ap.parse_args()
    exe = os.path.join(args.build, 'examples', 'kafka-ingest', 'cfavro-kafka-ingest')
    mock = os.path.join(args.build, 'examples', 'kafka-ingest', 'kafka-mock-cluster')
    for path in (exe, mock):
        if not os.access(path, os.X_OK):
            raise SystemExit('%s not built (librdkafka-dev, -Dexamples)' % path)

    tmp = tempfile.mkdtemp(prefix='cfavro-bench-ingest-')
    cluster = None
    try:
        schema_dir = os.path.join(tmp, 'schemas')
        os.makedirs(schema_dir)
        shutil.copy(os.path.join(ROOT, 'bench', 'schemas', 'trade.avsc'),
                    os.path.join(schema_dir, '%d.avsc' % SCHEMA_ID))
        n = args.messages
        messages = [trade_message(i) for i in range(n)]
        fixture = os.path.join(tmp, 'fixture.bin')
        with open(fixture, 'wb') as f:
            for m in messages:
                f.write(struct.pack('>I', len(m)) + m)
        avg = sum(len(m) for m in messages) / n
        cluster = Cluster(mock, args.partitions)
        cluster.command('produce %s %s %s' % (TOPIC, fixture, os.path.join(tmp, 'manifest')))
        print('ingest bench: %d trade messages (%.0f bytes on average), %d partitions, '
              'mock cluster in its own process' % (n, avg, args.partitions))
        print('%-8s %14s %14s %12s' % ('workers', 'msgs/s/core', 'msgs/s wall', 'CPU s'))
        for workers in (int(w) for w in args.workers.split(',')):
            name = 'w%d' % workers
            sink = os.path.join(tmp, name + '.ndjson')
            props = write_properties(tmp, name, cluster.bootstrap, schema_dir, workers, sink)
            cpu, wall = run_timed(exe, props, sink, n)
            print('%-8d %14.0f %14.0f %12.2f' % (workers, n / cpu, n / wall if wall else 0, cpu))
            os.unlink(sink)

        m = args.callgrind_messages
        if m > 0:
            if not shutil.which('valgrind') or not shutil.which('callgrind_annotate'):
                raise SystemExit('valgrind/callgrind_annotate not installed')
            cluster.close()
            cluster = Cluster(mock, args.partitions)
            with open(fixture, 'wb') as f:
                for msg in messages[:m]:
                    f.write(struct.pack('>I', len(msg)) + msg)
            cluster.command('produce %s %s %s' % (TOPIC, fixture, os.path.join(tmp, 'manifest')))
            sink = os.path.join(tmp, 'callgrind.ndjson')
            props = write_properties(tmp, 'callgrind', cluster.bootstrap, schema_dir, 1, sink)
            out = os.path.join(tmp, 'callgrind.out')
            subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
                            exe, '-F', props], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=1800)
            costs, total = callgrind_costs(out)
            in_cfavro = sum(costs.get(f, 0) for f in CFAVRO_ENTRY_POINTS)
            workers_ir = costs.get('worker_main', 0)
            print('callgrind, %d messages, 1 worker (instructions per message):' % m)
            print('  whole process   %10.0f' % (total / m))
            print('  workers         %10.0f  (decode + line + sink write: worker_main)'
                  % (workers_ir / m))
            print('  cfavro          %10.0f  (%s)' % (in_cfavro / m,
                                                      ', '.join(CFAVRO_ENTRY_POINTS)))
            print('  cfavro share    %9.1f%% of the process, %.1f%% of the workers'
                  % (100.0 * in_cfavro / total,
                     100.0 * in_cfavro / workers_ir if workers_ir else 0))
    finally:
        if cluster is not None:
            cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
