#!/usr/bin/env python3
"""Tests of cfavro-kafka-ingest (examples/kafka-ingest) against librdkafka's
mock Kafka cluster (python3 stdlib only).

Usage: test_ingest.py INGEST_EXE MOCK_CLUSTER_EXE

Every test produces a fixture whose fate is known per message (decoded into
the sink, or dead-lettered with a given reason and status), then checks that
each produced offset ends up exactly once in the sink or the dead letters
(at least once where a crash is part of the test, with the duplicates
counted and bounded), and what the consumer group committed.

Two ways to host the cluster:
  - inside the service (test.mock.num.brokers=3 and --produce): one process;
  - kafka-mock-cluster, a process of its own, for tests that kill and restart
    the service or inject broker faults (rd_kafka_mock_* through its stdin).

Without the binaries the test is skipped (exit 77), except under CI=true,
where it fails: CI installs librdkafka, so a missing binary is a bug.
"""
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from test_ingest_support import (INCOMPATIBLE_ID, INCOMPATIBLE_SCHEMA, PARTITIONS, QUOTE_ID,
                                 QUOTE_SCHEMA, REGISTRY_SERVER, TOPIC, TRADE_ID, TRADE_SCHEMA,
                                 MockCluster, Service, account, bad_magic, count_lines,
                                 end_offsets, expect, mixed, outputs, overlong, quote,
                                 read_manifest, read_ndjson, run_to_end, trade, wait_for,
                                 write_len32be, write_schema_dir)

HERE = os.path.dirname(os.path.abspath(__file__))
# Does cfavro have its registry client (libcurl)? meson says; by hand, assume so.
HAVE_REGISTRY = os.environ.get('CFAVRO_HAVE_REGISTRY', '1') == '1'
INGEST = None
MOCK = None
KAFKA_INVALID_OFFSET = -1001  # librdkafka: no committed offset


class IngestTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='cfavro-ingest-')
        self.schema_dir = os.path.join(self.tmp, 'schemas')
        write_schema_dir(self.schema_dir, {TRADE_ID: TRADE_SCHEMA, QUOTE_ID: QUOTE_SCHEMA,
                                           INCOMPATIBLE_ID: INCOMPATIBLE_SCHEMA})
        self.sink = os.path.join(self.tmp, 'sink.ndjson')
        self.dead = os.path.join(self.tmp, 'dead.ndjson')
        self.services = []
        self.clusters = []
        self.topic = TOPIC
        self.group = 'ingest-test'

    def tearDown(self):
        for service in self.services:
            service.kill_if_running()
        for cluster in self.clusters:
            cluster.close()
        if os.environ.get('CFAVRO_KEEP_TMP'):
            print('kept', self.tmp, file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def props(self, bootstrap=None, group=None, **extra):
        props = {
            'group.id': group or self.group,
            'auto.offset.reset': 'earliest',
            # A SIGKILLed member is given up after this: restarts wait less.
            'session.timeout.ms': '6000',
            'heartbeat.interval.ms': '500',
            'schema.dir': self.schema_dir,
            'ingest.topics': self.topic,
            'ingest.sink.path': self.sink,
            'ingest.deadletter.path': self.dead,
            'ingest.commit.interval.ms': '200',
            'ingest.stats.interval.ms': '200',
        }
        if bootstrap is not None:
            props['bootstrap.servers'] = bootstrap
        # Keyword names stand for dotted keys (ingest_workers: ingest.workers);
        # a name that has dots already is the key itself.
        props.update({k if '.' in k else k.replace('_', '.'): v for k, v in extra.items()})
        return props

    def service(self, name, props, extra_args=()):
        s = Service(INGEST, self.tmp, name, props, extra_args)
        self.services.append(s)
        return s

    def cluster(self, **kwargs):
        c = MockCluster(MOCK, topic=self.topic, **kwargs)
        self.clusters.append(c)
        return c

    def outputs(self, *paths, complete=True):
        return outputs(*paths, complete=complete, topic=self.topic)

    def wait_handled(self, service, count, timeout=120):
        service.wait_for(lambda: count_lines(self.sink, self.dead) >= count,
                         '%d output lines' % count, timeout)

    def write_properties(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path


class ConfigTest(IngestTestCase):
    """One properties file, three owners: the routing rule of settings.h."""

    def test_keys_are_routed_to_their_owner(self):
        # (line, where it must go); the registry's keys only where cfavro
        # was built with its registry client (which takes them).
        routes = [
            ('bootstrap.servers = 127.0.0.1:9', 'bootstrap.servers -> librdkafka'),
            ('group.id=g', 'group.id -> librdkafka'),
            ('ssl.ca.location=/broker/ca.pem', 'ssl.ca.location -> librdkafka'),
            ('request.timeout.ms=30000', 'request.timeout.ms -> librdkafka'),
            ('json.logical=true', 'json.logical -> cfavro'),
            ('schema.registry.json.union=plain', 'schema.registry.json.union -> cfavro as '
                                                 'json.union'),
            ('ingest.topics=a, b', 'ingest.topics -> ingest'),
            ('ingest.deadletter.path=/tmp/x', 'ingest.deadletter.path -> ingest'),
        ]
        if HAVE_REGISTRY:
            routes += [
                ('schema.registry.ssl.ca.location=/registry/ca.pem',
                 'schema.registry.ssl.ca.location -> cfavro as ssl.ca.location'),
                ('schema.registry.url=http://127.0.0.1:1', 'schema.registry.url -> cfavro'),
                ('schema.registry.request.timeout.ms=2500',
                 'schema.registry.request.timeout.ms -> cfavro as request.timeout.ms'),
                ('max.retries=2', 'max.retries -> cfavro'),
            ]
        path = self.write_properties('routes.properties', '\n'.join(
            ['# comment', '! also a comment', ''] + [line for line, _ in routes]) + '\n')
        code, out, err = run_to_end(INGEST, ['-F', path, '-X', 'ingest.workers=3',
                                             '--print-config'])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), [route for _, route in routes]
                         + ['ingest.workers -> ingest'])

    def test_configuration_errors_exit_2_and_name_the_key(self):
        base = ['group.id=g', 'bootstrap.servers=127.0.0.1:9', 'ingest.topics=t',
                'ingest.deadletter.path=%s' % self.dead]
        cases = [
            (['no.such.key=1'], 'line 5: unknown key no.such.key (not a librdkafka property, '
                                'not a cfavro setting, not ingest.*)'),
            (['ingest.nope=1'], 'line 5: unknown key ingest.nope'),
            (['schema.registry.nope=1'], 'line 5: unknown key schema.registry.nope'),
            (['ingest.workers=0'], 'line 5: ingest.workers: expected an integer from 1 to 256'),
            (['ingest.sink.fsync=yes'], 'line 5: ingest.sink.fsync: expected true or false'),
            (['enable.auto.offset.store=true'], 'line 5: enable.auto.offset.store: must stay '
                                                'false'),
            (['json.union=weird'], 'line 5: '),
            (['just words'], "line 5: no '='"),
            (['key with:colon=1'], 'line 5: a key with a blank or'),
            (['ingest.registry.backoff.ms=500', 'ingest.registry.backoff.max.ms=100'],
             'ingest.registry.backoff.max.ms is below ingest.registry.backoff.ms'),
            # 1 + 2 + 4 + 4 s of retries against a 5 s poll interval.
            (['ingest.registry.retries=4', 'ingest.registry.backoff.ms=1000',
              'ingest.registry.backoff.max.ms=4000', 'max.poll.interval.ms=5000'],
             'the registry retries take up to 11000 ms (ingest.registry.*), not below '
             'max.poll.interval.ms (5000 ms)'),
        ]
        for extra, wanted in cases:
            with self.subTest(extra=extra):
                path = self.write_properties('bad.properties', '\n'.join(base + extra) + '\n')
                code, out, err = run_to_end(INGEST, ['-F', path])
                self.assertEqual(code, 2, err)
                self.assertIn(wanted, err)
        for missing, wanted in [('group.id', 'group.id is not set'),
                                ('bootstrap.servers', 'bootstrap.servers is not set'),
                                ('ingest.topics', 'ingest.topics is not set'),
                                ('ingest.deadletter.path', 'ingest.deadletter.path is not set')]:
            with self.subTest(missing=missing):
                lines = [line for line in base if not line.startswith(missing + '=')]
                path = self.write_properties('short.properties', '\n'.join(lines) + '\n')
                code, out, err = run_to_end(INGEST, ['-F', path])
                self.assertEqual(code, 2, err)
                self.assertIn(wanted, err)

    def test_secret_values_never_appear_in_messages(self):
        secret = 'S3CRET-value-42'
        for line in ['sasl.kerberos.min.time.before.relogin=%s' % secret,  # librdkafka's
                     'schema.registry.basic.auth.user.info=%s' % secret,   # cfavro's
                     'bearer.auth.token=%s with blanks' % secret]:
            with self.subTest(line=line.split('=')[0]):
                path = self.write_properties('secret.properties', line + '\n')
                code, out, err = run_to_end(INGEST, ['-F', path, '--print-config'])
                self.assertNotIn(secret, out + err)
        # The refused ones do fail (exit 2), naming the key.
        for line, wanted in [
                ('sasl.kerberos.min.time.before.relogin=%s' % secret,
                 'sasl.kerberos.min.time.before.relogin: librdkafka refused the value'),
                ('bearer.auth.token=%s with blanks' % secret, 'bearer.auth.token')]:
            path = self.write_properties('secret.properties', line + '\n')
            code, out, err = run_to_end(INGEST, ['-F', path])
            self.assertEqual(code, 2)
            self.assertIn(wanted, err)

    def test_usage(self):
        code, out, err = run_to_end(INGEST, ['--help'])
        self.assertEqual(code, 0)
        for key in ('ingest.topics', 'ingest.registry.retries', 'ingest.deadletter.path',
                    'ingest.deadletter.incompatible.path', 'ingest.max.uncommitted'):
            self.assertIn(key, out)
        # The README's table documents the same keys as --help.
        help_keys = set(re.findall(r'^  (ingest\.[\w.]+)', out, re.M))
        readme = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'examples',
                              'kafka-ingest', 'README.md')
        with open(readme) as f:
            readme_keys = set(re.findall(r'^\| `(ingest\.[\w.]+)`', f.read(), re.M))
        self.assertGreater(len(help_keys), 10)
        self.assertEqual(help_keys, readme_keys)
        code, out, err = run_to_end(INGEST, ['--bogus'])
        self.assertEqual(code, 2)
        self.assertIn('unknown argument --bogus', err)
        code, out, err = run_to_end(INGEST, ['-F', os.path.join(self.tmp, 'absent')])
        self.assertEqual(code, 2)
        self.assertIn('absent: No such file', err)


class InProcessClusterTest(IngestTestCase):
    """The service hosts the mock cluster itself (test.mock.num.brokers=3) and
    produces the fixture into it (--produce) before consuming."""

    def run_self_contained(self, messages, header_mode=False, more_outputs=(), check=True,
                           **extra):
        fixture = os.path.join(self.tmp, 'fixture.bin')
        manifest = os.path.join(self.tmp, 'manifest.txt')
        write_len32be(fixture, messages)
        props = self.props(**extra)
        props['test.mock.num.brokers'] = '3'
        props['ingest.exit.at.eof'] = 'true'
        args = ['--produce', fixture, '--manifest', manifest, '--partitions', str(PARTITIONS)]
        if header_mode:
            args.append('--header-mode')
        service = self.service('self', props, args)
        code = service.wait_exit(180)
        self.assertEqual(code, 0, service.stderr())
        expected = expect(read_manifest(manifest), messages)
        if check:
            duplicates = account(self, expected,
                                 self.outputs(self.sink, self.dead, *more_outputs))
            self.assertEqual(duplicates, 0)
        return service, expected

    def test_every_offset_once_in_sink_or_dead_letters(self):
        reader = TRADE_SCHEMA
        messages = mixed(300, with_incompatible=True)
        service, expected = self.run_self_contained(messages, reader_schema=reader,
                                                    ingest_workers='3')
        summary = service.counters('summary')
        kinds = [m.kind for m in messages]
        self.assertEqual(summary['consumed'], len(messages))
        self.assertEqual(summary['written'], kinds.count('good'))
        self.assertEqual(summary['tombstones'], kinds.count('tombstone'))
        self.assertEqual(summary['malformed'], kinds.count('bad_magic') + kinds.count('truncated')
                         + kinds.count('overlong') + kinds.count('trailing'))
        self.assertEqual(summary['unknown_schema'], kinds.count('unknown_id'))
        self.assertEqual(summary['incompatible'], kinds.count('incompatible'))
        self.assertEqual(summary['retries'], 0)
        # The library's counters ride on the same line: every record that
        # parsed as a frame went through a decoder once (a bad magic byte
        # fails in cfavro_frame_parse, which is no decoder call).
        self.assertEqual(summary['cfavro_decoded'], summary['written'])
        self.assertEqual(summary['cfavro_failed'], summary['malformed']
                         + summary['unknown_schema'] + summary['incompatible']
                         - kinds.count('bad_magic'))
        self.assertEqual(summary['cfavro_failed_300'], summary['unknown_schema'])
        self.assertEqual(summary['cfavro_failed_900'], summary['incompatible'])
        for kind in ('bad_magic', 'truncated', 'overlong', 'trailing', 'unknown_id', 'incompatible',
                     'tombstone'):
            self.assertIn(kind, kinds)  # the fixture has every case
        # The detail of one of each: offsets in the message, paths, messages.
        dead = {line['status']: line for line in read_ndjson(self.dead)}
        self.assertEqual(dead[603]['error_offset'], 5)
        self.assertEqual(dead[603]['path'], 'Trade.symbol')
        self.assertEqual(dead[601]['path'], 'Trade.price')
        self.assertIn('looks like raw Avro', dead[202]['message'])
        self.assertIsNone(dead[202]['schema_id'])
        self.assertIsNone(dead[301]['error_offset'])
        self.assertEqual(dead[301]['schema_id'], 4242)
        self.assertEqual(dead[901]['class'], 900)
        self.assertIn('qty', dead[901]['path'] + dead[901]['message'])

    def test_header_mode_records(self):
        messages = [trade(1), overlong(2), trade(3), bad_magic(4), trade(5)]
        self.run_self_contained(messages, header_mode=True)
        dead = {line['status']: line for line in read_ndjson(self.dead)}
        # Header mode: the value has no prefix, offsets count from its first
        # byte, and the header travels with the dead letter.
        self.assertEqual(dead[603]['error_offset'], 0)
        self.assertIn('schema_header_b64', dead[603])
        self.assertNotIn('schema_header_b64', dead[202])  # not a V0 frame: sent as it was

    def test_header_lookup_can_be_turned_off(self):
        # ingest.schema.id.headers=false: the header is not looked at, so a
        # header-mode value is taken for a framed one and its first byte
        # (the symbol's length, 0x08) is no magic byte.
        good = trade(1)
        self.run_self_contained([good], header_mode=True, check=False,
                                ingest_schema_id_headers='false')
        self.assertEqual(read_ndjson(self.sink), [])
        (line,) = read_ndjson(self.dead)
        self.assertEqual((line['status'], line['reason']), (202, 'malformed'))
        self.assertIn('0x08', line['message'])
        self.assertNotIn('schema_header_b64', line)
        self.assertEqual(base64.b64decode(line['value_b64']), good.value[5:])

    def test_dead_letters_routed_by_reason(self):
        malformed = os.path.join(self.tmp, 'malformed.ndjson')
        unknown = os.path.join(self.tmp, 'unknown.ndjson')
        messages = mixed(120)
        self.run_self_contained(messages, more_outputs=(malformed, unknown),
                                **{'ingest.deadletter.malformed.path': malformed,
                                   'ingest.deadletter.unknown_schema.path': unknown})
        self.assertEqual({line['reason'] for line in read_ndjson(malformed)}, {'malformed'})
        self.assertEqual({line['reason'] for line in read_ndjson(unknown)}, {'unknown_schema'})
        self.assertEqual(read_ndjson(self.dead), [])


class CrashRecoveryTests:
    """Crashes, restarts and failed outputs: for a cluster in a process of its
    own, mock (MockClusterTest) or real (RealBrokerTest)."""

    def test_sigkill_and_restart_lose_nothing(self):
        cluster = self.cluster()
        # Commits come from the window only (the interval is far off): at
        # WINDOW uncommitted records the service commits before taking more.
        window_limit = 500
        props = self.props(cluster.bootstrap, ingest_commit_interval_ms='600000',
                           ingest_max_uncommitted=str(window_limit))
        first_sink, first_dead = self.sink, self.dead
        run1 = self.service('run1', props)
        expected = {}
        early = mixed(1000)
        expect(cluster.produce(self.tmp, early), early, expected)
        self.wait_handled(run1, len(expected))
        wait_for(lambda: any(o > 0 for o in cluster.committed(self.group).values()), 60,
                 'a commit forced by the window')
        late = mixed(2600, start=1000)
        expect(cluster.produce(self.tmp, late), late, expected)
        self.wait_handled(run1, len(early) + 200)
        run1.stop(signal.SIGKILL)
        # A commit request sent just before the kill may still be on its way.
        time.sleep(0.5)
        at_kill = cluster.committed(self.group)
        seen1 = self.outputs(first_sink, first_dead)

        # Run 2 writes to new files so the runs can be told apart.
        self.sink = os.path.join(self.tmp, 'sink2.ndjson')
        self.dead = os.path.join(self.tmp, 'dead2.ndjson')
        run2 = self.service('run2', self.props(cluster.bootstrap))
        more = mixed(300, start=3600)
        expect(cluster.produce(self.tmp, more), more, expected)
        seen2_keys = lambda: set(self.outputs(self.sink, self.dead, complete=False))  # noqa: E731
        run2.wait_for(lambda: set(expected) <= set(seen1) | seen2_keys(),
                      'every offset handled by one of the runs')
        self.assertEqual(run2.stop(signal.SIGTERM), 0, run2.stderr())
        seen2 = self.outputs(self.sink, self.dead)

        merged = {}
        for seen in (seen1, seen2):
            for key, lines in seen.items():
                merged.setdefault(key, []).extend(lines)
        duplicates = account(self, expected, merged, allow_duplicates=True)
        # Run 2 starts exactly at what run 1 had committed: it re-reads what
        # run 1 handled after its last commit (the uncommitted window) and
        # nothing before it.
        window = {key for key in seen1 if key[1] >= at_kill[key[0]]}
        self.assertEqual({key for key in seen2 if key in seen1}, window)
        self.assertEqual(duplicates, len(window))
        self.assertLessEqual(duplicates, window_limit)
        for partition, offset in seen2:
            self.assertGreaterEqual(offset, at_kill[partition])
        print('sigkill: %d records, run 1 wrote %d, committed %s at the kill, %d duplicates'
              % (len(expected), len(seen1), at_kill, duplicates), file=sys.stderr)
        self.assertEqual(cluster.committed(self.group), end_offsets(expected))

    def test_failed_sink_stops_without_committing_past_it(self):
        cluster = self.cluster()
        messages = mixed(200)
        expected = expect(cluster.produce(self.tmp, messages), messages)
        # /dev/full: every write fails with ENOSPC.
        service = self.service('full', self.props(cluster.bootstrap,
                                                  ingest_sink_path='/dev/full'))
        self.assertEqual(service.wait_exit(120), 1, service.stderr())
        self.assertIn('stopped: /dev/full: write: No space left on device', service.stderr())
        self.assertEqual(cluster.committed(self.group),
                         {p: KAFKA_INVALID_OFFSET for p in range(cluster.partitions)})
        # The same with the dead letters on /dev/full: the commit of each
        # partition stops at or before its first bad record.
        self.dead = '/dev/full'
        self.sink = os.path.join(self.tmp, 'sink.ndjson')
        service = self.service('dead-full', self.props(cluster.bootstrap, group=self.group + '-2'))
        self.assertEqual(service.wait_exit(120), 1, service.stderr())
        self.assertIn('stopped: /dev/full', service.stderr())
        committed = cluster.committed(self.group + '-2')
        for partition in range(cluster.partitions):
            first_bad = min(o for (p, o), m in expected.items() if p == partition and not m.to_sink)
            self.assertLessEqual(committed[partition], first_bad)
        # And a restart with working outputs picks up from there, losing nothing.
        self.dead = os.path.join(self.tmp, 'dead.ndjson')
        earlier = self.outputs(self.sink)
        self.sink = os.path.join(self.tmp, 'sink-after.ndjson')
        service = self.service('after', self.props(cluster.bootstrap, group=self.group + '-2',
                                                   ingest_exit_at_eof='true'))
        self.assertEqual(service.wait_exit(120), 0, service.stderr())
        merged = self.outputs(self.sink, self.dead)
        for key, lines in earlier.items():
            merged.setdefault(key, []).extend(lines)
        account(self, expected, merged, allow_duplicates=True)


WINDOW = 100


class MockClusterTest(CrashRecoveryTests, IngestTestCase):
    """The mock cluster in its own process: broker faults, crashes, restarts."""

    def test_broker_failover_loses_nothing(self):
        cluster = self.cluster()
        # A small window: commits forced every WINDOW records, through the
        # failover too.
        service = self.service('failover', self.props(cluster.bootstrap,
                                                      ingest_max_uncommitted=str(WINDOW)))
        expected = {}
        first = mixed(300)
        expect(cluster.produce(self.tmp, first), first, expected)
        self.wait_handled(service, len(expected))
        # Broker 1 goes down: every partition's leader and the group's
        # coordinator move to the others, as a real cluster fails over.
        cluster.command('broker-down 1')
        for p in range(PARTITIONS):
            cluster.command('leader %s %d %d' % (self.topic, p, 2 + p % 2))
        cluster.command('coordinator %s 3' % self.group)
        second = mixed(300, start=300)
        expect(cluster.produce(self.tmp, second), second, expected)
        self.wait_handled(service, len(expected))
        # It comes back and takes its partitions again (a second failover).
        cluster.command('broker-up 1')
        for p in range(PARTITIONS):
            cluster.command('leader %s %d 1' % (self.topic, p))
        third = mixed(300, start=600)
        expect(cluster.produce(self.tmp, third), third, expected)
        self.wait_handled(service, len(expected))
        self.assertEqual(service.stop(signal.SIGTERM), 0, service.stderr())
        duplicates = account(self, expected, self.outputs(self.sink, self.dead),
                             allow_duplicates=True)
        summary = service.counters('summary')
        print('failover: %d records, %d duplicates, %d commit failures, %d kafka errors'
              % (len(expected), duplicates, summary['commit_failures'], summary['kafka_errors']),
              file=sys.stderr)
        # A coordinator that moves can make the member rejoin, and a commit
        # the old coordinator never acknowledged is read again: the contract
        # is at most ingest.max.uncommitted duplicates (none in the runs seen
        # so far).
        self.assertLessEqual(duplicates, WINDOW)
        # SIGTERM committed everything handled: all of it.
        self.assertEqual(cluster.committed(self.group), end_offsets(expected))


class RealBrokerTest(CrashRecoveryTests, IngestTestCase):
    """The same on a real Kafka broker: CFAVRO_KAFKA_BOOTSTRAP names it (for
    example one tests/kafka/kafka_broker.py started). Topics and groups are
    new per test, so a broker that outlives one run serves the next."""

    def setUp(self):
        super().setUp()
        self.bootstrap = os.environ['CFAVRO_KAFKA_BOOTSTRAP']
        unique = '%s-%d-%d' % (self._testMethodName[5:25], os.getpid(), int(time.time()))
        self.topic = 'cfavro-ingest-' + unique.replace('_', '-')
        self.group = 'cfavro-ingest-group-' + unique

    def cluster(self, **kwargs):
        c = MockCluster(MOCK, topic=self.topic, attach=self.bootstrap, **kwargs)
        self.clusters.append(c)
        return c

    def test_every_offset_once_in_sink_or_dead_letters(self):
        cluster = self.cluster()
        messages = mixed(400)
        expected = expect(cluster.produce(self.tmp, messages), messages)
        service = self.service('real', self.props(cluster.bootstrap, ingest_exit_at_eof='true',
                                                  ingest_workers='3'))
        self.assertEqual(service.wait_exit(180), 0, service.stderr())
        self.assertEqual(account(self, expected, self.outputs(self.sink, self.dead)), 0)
        self.assertEqual(cluster.committed(self.group), end_offsets(expected))


# Retries of a record the registry cannot serve: 100, 200, then 300 ms
# apart, about 5.7 s in all before it is dead-lettered.
RETRIES = 20


class RegistryOutageTest(IngestTestCase):
    """A registry outage pauses only records whose schemas are not cached."""

    def start_registry(self):
        data = os.path.join(self.tmp, 'registry.json')
        ids = {str(i): {'schema': s} for i, s in ((TRADE_ID, TRADE_SCHEMA),
                                                   (QUOTE_ID, QUOTE_SCHEMA),
                                                   (10, QUOTE_SCHEMA), (11, TRADE_SCHEMA))}
        with open(data, 'w') as f:
            json.dump({'contexts': {'.': {'ids': ids}}}, f)
        port_file = os.path.join(self.tmp, 'registry.port')
        self.registry = subprocess.Popen([sys.executable, REGISTRY_SERVER, '--data', data,
                                          '--port-file', port_file, '--exit-on-stdin-eof'],
                                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        self.addCleanup(self.stop_registry)
        wait_for(lambda: os.path.exists(port_file), 30, 'the test registry')
        with open(port_file) as f:
            self.registry_url = 'http://127.0.0.1:%d' % int(f.read())

    def stop_registry(self):
        self.registry.terminate()
        self.registry.wait(30)
        self.registry.stdin.close()

    def control(self, path, body):
        req = urllib.request.Request(self.registry_url + '/__control/' + path,
                                     data=json.dumps(body).encode(), method='POST',
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=10) as reply:
            reply.read()

    def registry_down(self):
        self.control('faults', {'faults': [{'kind': 'status', 'status': 503}]})

    def registry_up(self):
        self.control('reset', {'faults': True, 'log': False})

    def outage_props(self, bootstrap, **extra):
        props = self.props(bootstrap, schema_registry_url=self.registry_url,
                           max_retries='0', ingest_registry_retries=str(RETRIES),
                           ingest_registry_backoff_ms='100',
                           ingest_registry_backoff_max_ms='300', **extra)
        del props['schema.dir']  # every schema comes from the registry
        return props

    def test_outage_pauses_only_uncached_schemas(self):
        self.start_registry()
        cluster = self.cluster()
        service = self.service('outage', self.outage_props(cluster.bootstrap))
        expected = {}
        # Trades (id 7) are decoded once: their schema is cached from now on.
        warm = [trade(i) for i in range(30)]
        expect(cluster.produce(self.tmp, warm), warm, expected)
        self.wait_handled(service, len(expected))

        # Down: trades keep flowing, quotes (id 8, never seen) wait.
        self.registry_down()
        mixed_batch = [trade(i) if i % 2 else quote(i) for i in range(100, 160)]
        positions = cluster.produce(self.tmp, mixed_batch)
        expect(positions, mixed_batch, expected)
        trades_now = len(warm) + sum(1 for m in mixed_batch if m.schema_id == TRADE_ID)
        self.wait_handled(service, trades_now)
        service.wait_for(lambda: (service.counters() or {}).get('deferred', 0) > 0,
                         'quotes deferred')
        lines = read_ndjson(self.sink, complete=False)
        self.assertEqual([line['schema_id'] for line in lines].count(QUOTE_ID), 0)

        # Back within the retry budget: the quotes are decoded, none is lost.
        self.registry_up()
        self.wait_handled(service, len(expected))
        self.assertEqual(read_ndjson(self.dead, complete=False), [])

        # Down for longer than the budget: id 10 ends as a registry dead letter
        # after 1 + ingest.registry.retries tries.
        self.registry_down()
        doomed = [quote(i) for i in range(5)]
        for m in doomed:
            m.value = b'\x00\x00\x00\x00\x0a' + m.value[5:]
            m.kind, m.reason, m.status = 'registry_down', 'registry', 402
        expect(cluster.produce(self.tmp, doomed), doomed, expected)
        self.wait_handled(service, len(expected), timeout=60)
        for line in read_ndjson(self.dead, complete=False):
            self.assertEqual(line['attempts'], RETRIES + 1, line)
            self.assertEqual(line['class'], 400, line)

        # SIGTERM while records wait for the registry: they are abandoned,
        # not committed, and a restart (registry back) decodes them.
        pending = [trade(i, schema_id=11) for i in range(6)]
        for m in pending:
            m.schema_id = 11
        positions = cluster.produce(self.tmp, pending)
        expect(positions, pending, expected)
        service.wait_for(lambda: (service.counters() or {}).get('consumed', 0) == len(expected),
                         'the id-11 records taken')
        service.wait_for(lambda: (service.counters() or {}).get('deferred', 0) > 0,
                         'the id-11 records deferred')
        self.assertEqual(service.stop(signal.SIGTERM), 0, service.stderr())
        self.assertEqual(service.counters('summary')['abandoned'], len(pending))
        committed = cluster.committed(self.group)
        for partition, offset in positions:
            self.assertLessEqual(committed[partition], offset)
        self.registry_up()
        run2 = self.service('outage-2', self.outage_props(cluster.bootstrap,
                                                          ingest_exit_at_eof='true'))
        self.assertEqual(run2.wait_exit(120), 0, run2.stderr())
        self.assertEqual(account(self, expected, self.outputs(self.sink, self.dead)), 0)
        self.assertEqual(cluster.committed(self.group), end_offsets(expected))


def main():
    global INGEST, MOCK
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    INGEST, MOCK = sys.argv[1], sys.argv[2]
    missing = 1 if os.environ.get('CI') == 'true' else 77
    for exe in (INGEST, MOCK):
        if not os.access(exe, os.X_OK):
            print('not built: %s' % exe, file=sys.stderr)
            return missing
    groups = sys.argv[3:]
    have_broker = bool(os.environ.get('CFAVRO_KAFKA_BOOTSTRAP'))
    broker = None
    if any(g.startswith('RealBrokerTest') for g in groups) and not have_broker:
        # No broker named: start one (tests/kafka/kafka_broker.py, the peer
        # .ci/install-kafka-peer installs) for this run.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import kafka_broker
        try:
            broker = kafka_broker.start()
        except kafka_broker.KafkaNotInstalled as e:
            kafka_broker.exit_missing('test_ingest.py', e)
        os.environ['CFAVRO_KAFKA_BOOTSTRAP'] = broker.bootstrap
        have_broker = True
    if not groups:
        groups = ['ConfigTest', 'InProcessClusterTest', 'MockClusterTest', 'RegistryOutageTest']
        groups += ['RealBrokerTest'] if have_broker else []
    argv = [sys.argv[0]] + groups
    try:
        result = unittest.main(argv=argv, exit=False, verbosity=2).result
    finally:
        if broker is not None:
            broker.stop()
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
