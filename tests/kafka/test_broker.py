#!/usr/bin/env python3
"""The test broker itself (tests/kafka/kafka_broker.py), which the kcat test,
the ingestion service's tests and the bronze pipeline start: topics made and
served, admin errors reported, nothing left running after a `with` block or
after its starter is killed, and the not-installed exit (77 locally, 1 in CI).

usage: test_broker.py
Without the broker (.ci/install-kafka-peer) the tests that need one are
skipped locally and fail in CI (CI=true).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kafka_admin  # noqa: E402
import kafka_broker  # noqa: E402

PROG = 'test_broker.py'
SCRIPT = os.path.join(HERE, 'kafka_broker.py')


def listening(address):
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def process_gone(pid):
    """True when pid has exited (a zombie waiting for its reaper counts)."""
    try:
        with open('/proc/%d/stat' % pid, encoding='ascii') as f:
            return f.read().rsplit(')', 1)[1].split()[0] in 'ZX'
    except FileNotFoundError:
        return True


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while not process_gone(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def children(pid):
    """The processes pid's main thread started."""
    with open('/proc/%d/task/%d/children' % (pid, pid), encoding='ascii') as f:
        return [int(c) for c in f.read().split()]


def parse_address(bootstrap):
    host, port = bootstrap.rsplit(':', 1)
    return host, int(port)


class NotInstalled(unittest.TestCase):
    """No JVM needed: an empty install folder."""

    def run_script(self, ci):
        with tempfile.TemporaryDirectory() as empty:
            env = dict(os.environ, CFAVRO_KAFKA_DIR=empty)
            env.pop('CI', None)
            if ci:
                env['CI'] = 'true'
            return subprocess.run([sys.executable, SCRIPT], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=60)

    def test_skipped_locally(self):
        r = self.run_script(ci=False)
        self.assertEqual(r.returncode, kafka_broker.EXIT_SKIP, r.stderr)
        self.assertIn(b'skipped', r.stderr)
        self.assertIn(b'run .ci/install-kafka-peer', r.stderr)
        self.assertEqual(r.stdout, b'')

    def test_fails_in_ci(self):
        r = self.run_script(ci=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b'FAILED in CI', r.stderr)
        self.assertIn(b'run .ci/install-kafka-peer', r.stderr)


class Library(unittest.TestCase):
    def test_topics_offsets_errors_and_stop(self):
        with kafka_broker.start(topics={'made-at-start': 3}) as broker:
            address = broker.address
            self.assertTrue(listening(address))
            meta = kafka_admin.metadata(address, ['made-at-start'])
            self.assertEqual(list(meta['brokers']), [kafka_broker.NODE_ID])
            topic = meta['topics']['made-at-start']
            self.assertEqual(topic['error'], kafka_admin.ERROR_NONE)
            self.assertEqual(sorted(topic['partitions']), [0, 1, 2])
            self.assertEqual(broker.end_offsets('made-at-start'), {0: 0, 1: 0, 2: 0})

            broker.create_topic('compacted', 1, configs={'cleanup.policy': 'compact'})
            self.assertEqual(broker.end_offsets('compacted'), {0: 0})
            with self.assertRaisesRegex(kafka_broker.KafkaError,
                                        "creating topic 'compacted': error 36"):
                broker.create_topic('compacted', 1)
            with self.assertRaisesRegex(kafka_broker.KafkaError, 'error 40'):  # INVALID_CONFIG
                broker.create_topic('bad-config', 1, configs={'cleanup.policy': 'nonsense'})
            with self.assertRaisesRegex(kafka_broker.KafkaError,
                                        "topic 'never-made': not known"):
                broker.end_offsets('never-made')
            jvm = broker.process
            print('%s: broker ready in %.1f s' % (PROG, broker.start_seconds), file=sys.stderr)
        self.assertIsNotNone(jvm.poll(), 'the JVM outlived the with block')
        self.assertFalse(listening(address))


class CommandLine(unittest.TestCase):
    def test_prints_bootstrap_and_dies_with_its_starter(self):
        """The command a shell script starts: BOOTSTRAP line once its topics
        exist; killed with SIGKILL (no chance to clean up), its JVM still
        ends, through the parent-death signal."""
        with tempfile.TemporaryDirectory() as tmp:
            # The killed starter cannot remove its run folder: keep it in ours.
            proc = subprocess.Popen([sys.executable, SCRIPT, '--topic', 'cli-topic:2'],
                                    env=dict(os.environ, TMPDIR=tmp), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            address = partitions = None
            jvms = []
            try:
                line = proc.stdout.readline().decode()
                if re.match(r'^BOOTSTRAP 127\.0\.0\.1:\d+\n$', line):
                    jvms = children(proc.pid)
                    address = parse_address(line.split()[1])
                    meta = kafka_admin.metadata(address, ['cli-topic'])
                    partitions = sorted(meta['topics']['cli-topic']['partitions'])
            finally:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                err = proc.stderr.read().decode(errors='replace')
                proc.stdout.close()
                proc.stderr.close()
            self.assertIsNotNone(address, 'no BOOTSTRAP line: %r\n%s' % (line, err))
            self.assertEqual(partitions, [0, 1])
            self.assertEqual(len(jvms), 1)
            # The run folder goes with tmp: only once the JVM has ended.
            self.assertTrue(wait_gone(jvms[0], 60), 'the JVM outlived its killed starter')
            self.assertFalse(listening(address))


def main():
    try:
        kafka_broker.find_installation()
    except kafka_broker.KafkaNotInstalled as e:
        # The not-installed tests need no install; the rest cannot run.
        result = unittest.TextTestRunner(verbosity=2).run(
            unittest.defaultTestLoader.loadTestsFromTestCase(NotInstalled))
        if not result.wasSuccessful():
            return 1
        kafka_broker.exit_missing(PROG, e)
    return 0 if unittest.main(exit=False, verbosity=2).result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
