"""Helpers for the cfavro-kafka-ingest tests (python3 stdlib only).

Fixtures (Confluent-framed Avro messages whose fate is known in advance),
the mock cluster process (examples/kafka-ingest/tools/mock_cluster.c) driven
through its stdin commands, the service as a subprocess, and the accounting
that maps every output line back to the Kafka offset it came from.
"""
import base64
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)

from avro_bytes import long_, string_  # noqa: E402  (Avro binary encoding)

REGISTRY_SERVER = os.path.join(TESTS, 'registry', 'server.py')
TOPIC = 'trades'
PARTITIONS = 3

# ---------------------------------------------------------------- schemas

TRADE_ID = 7
TRADE_SCHEMA = ('{"type":"record","name":"Trade","fields":['
                '{"name":"symbol","type":"string"},{"name":"qty","type":"long"},'
                '{"name":"price","type":"double"}]}')
QUOTE_ID = 8
QUOTE_SCHEMA = ('{"type":"record","name":"Quote","fields":['
                '{"name":"symbol","type":"string"},{"name":"bid","type":"double"}]}')
# A writer "Trade" whose qty is a string: with TRADE_SCHEMA as the reader
# schema the pair does not resolve (string does not promote to long).
INCOMPATIBLE_ID = 9
INCOMPATIBLE_SCHEMA = ('{"type":"record","name":"Trade","fields":['
                       '{"name":"symbol","type":"string"},{"name":"qty","type":"string"},'
                       '{"name":"price","type":"double"}]}')
UNKNOWN_ID = 4242


def write_schema_dir(path, schemas):
    os.makedirs(path, exist_ok=True)
    for schema_id, text in schemas.items():
        with open(os.path.join(path, '%d.avsc' % schema_id), 'w') as f:
            f.write(text)


# ---------------------------------------------------------------- messages


def frame(schema_id, payload):
    return b'\x00' + struct.pack('>i', schema_id) + payload


class Message:
    """One fixture message and what must become of it.

    kind 'good' and 'tombstone' end in the sink (value = expected JSON value);
    the others in the dead letters with `reason` and `status`."""

    def __init__(self, kind, value, expected=None, reason=None, status=None, schema_id=None):
        self.kind = kind
        self.value = value
        self.expected = expected
        self.reason = reason
        self.status = status
        self.schema_id = schema_id

    @property
    def to_sink(self):
        return self.kind in ('good', 'tombstone')


def trade(i, schema_id=TRADE_ID):
    symbol = 'SYM%d' % i
    price = i * 0.25
    value = frame(schema_id, string_(symbol) + long_(i) + struct.pack('<d', price))
    return Message('good', value, {'symbol': symbol, 'qty': i, 'price': price},
                   schema_id=schema_id)


def quote(i):
    value = frame(QUOTE_ID, string_('Q%d' % i) + struct.pack('<d', i + 0.5))
    return Message('good', value, {'symbol': 'Q%d' % i, 'bid': i + 0.5}, schema_id=QUOTE_ID)


def tombstone():
    return Message('tombstone', None, None)


def bad_magic(i):
    return Message('bad_magic', b'\x05raw avro?%d' % i, reason='malformed', status=202)


def truncated(i):
    # The price's last 3 bytes are missing.
    return Message('truncated', trade(i).value[:-3], reason='malformed', status=601)


def overlong(i):
    # The symbol's length says 40 bytes; 3 follow.
    return Message('overlong', frame(TRADE_ID, long_(40) + b'abc'), reason='malformed',
                   status=603)


def trailing(i):
    return Message('trailing', trade(i).value + b'\x00\x01', reason='malformed', status=701)


def unknown_id(i):
    return Message('unknown_id', frame(UNKNOWN_ID, string_('x') + long_(i)),
                   reason='unknown_schema', status=301)


def incompatible(i):
    value = frame(INCOMPATIBLE_ID, string_('S') + string_('12') + struct.pack('<d', 1.0))
    return Message('incompatible', value, reason='incompatible', status=901)


def mixed(count, start=0, with_incompatible=False):
    """`count` messages, mostly good trades with every kind of bad one mixed in."""
    bad = [bad_magic, truncated, overlong, trailing, unknown_id]
    if with_incompatible:
        bad.append(incompatible)
    out = []
    for i in range(start, start + count):
        if i % 7 == 3:
            out.append(bad[(i // 7) % len(bad)](i))
        elif i % 11 == 5:
            out.append(tombstone())
        else:
            out.append(trade(i))
    return out


def write_len32be(path, messages):
    with open(path, 'wb') as f:
        for m in messages:
            value = m.value or b''
            f.write(struct.pack('>I', len(value)) + value)


def read_manifest(path):
    """[(partition, offset)] in fixture order."""
    out = []
    with open(path) as f:
        for n, line in enumerate(f):
            index, partition, offset = (int(x) for x in line.split())
            assert index == n, 'manifest out of order'
            out.append((partition, offset))
    return out


def read_ndjson(path, complete=True):
    """The JSON lines of `path`; with complete=False (the writer still runs)
    a last line without its newline is left out."""
    if not os.path.exists(path):
        return []
    with open(path, 'rb') as f:
        data = f.read()
    lines = data.split(b'\n')
    tail = lines.pop()
    if tail and complete:
        raise AssertionError('%s ends in a partial line: %r' % (path, tail[:80]))
    return [json.loads(line) for line in lines]


# ---------------------------------------------------------------- processes


def wait_for(predicate, timeout, what, proc=None):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError('%s: the process exited (%s) first' % (what, proc.returncode))
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %.0f s waiting for %s' % (timeout, what))
        time.sleep(0.05)


class MockCluster:
    """kafka-mock-cluster: a mock Kafka cluster in its own process."""

    def __init__(self, exe, brokers=3, topic=TOPIC, partitions=PARTITIONS, attach=None):
        """A new mock cluster with `topic`; with `attach` (bootstrap servers),
        the existing cluster there instead (a real broker: no fault commands),
        creating `topic` on it when missing."""
        self.topic = topic
        topics = {topic: partitions}
        args = [exe, '--brokers', str(brokers)] if attach is None else [exe, '--bootstrap', attach]
        for name, partitions in topics.items():
            args += ['--topic', '%s:%d' % (name, partitions)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        try:
            first = self._read_line(90)
            if not first.startswith('BOOTSTRAP '):
                raise AssertionError('kafka-mock-cluster said %r' % first)
            self.bootstrap = first.split(' ', 1)[1]
            self.produced = 0
            # A real broker may have made the topic with its own default count.
            self.partitions = int(self.command('partitions %s' % topic).split()[1])
        except BaseException:
            self.close()
            raise

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b''
        while not buf.endswith(b'\n'):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise AssertionError('kafka-mock-cluster: no answer in %.0f s' % timeout)
            byte = os.read(self.proc.stdout.fileno(), 1)
            if not byte:
                raise AssertionError('kafka-mock-cluster exited')
            buf += byte
        return buf.decode().rstrip('\n')

    def command(self, text, timeout=120):
        self.proc.stdin.write(text.encode() + b'\n')
        self.proc.stdin.flush()
        reply = self._read_line(timeout)
        if reply.startswith('error'):
            raise AssertionError('kafka-mock-cluster %r: %s' % (text, reply))
        return reply

    def produce(self, tmp, messages, topic=None, header_mode=False):
        """Produce `messages`; returns their (partition, offset) in order."""
        topic = topic or self.topic
        self.produced += 1
        fixture = os.path.join(tmp, 'fixture-%d.bin' % self.produced)
        manifest = os.path.join(tmp, 'manifest-%d.txt' % self.produced)
        write_len32be(fixture, messages)
        reply = self.command('produce %s %s %s%s' % (topic, fixture, manifest,
                                                      ' header-mode' if header_mode else ''))
        assert reply == 'ok %d' % len(messages), reply
        return read_manifest(manifest)

    def committed(self, group, topic=None, partitions=None):
        """{partition: committed offset}; -1001 (librdkafka's INVALID) when none."""
        topic = topic or self.topic
        partitions = partitions or self.partitions
        reply = self.command('committed %s %s %d' % (group, topic, partitions))
        return {int(p): int(o) for p, o in (item.split(':') for item in reply.split()[1:])}

    def close(self):
        """End the cluster (it exits when its stdin closes)."""
        if self.proc.stdout.closed:
            return
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


SUMMARY_RE = re.compile(r'^ingest: (summary|stats) (.*)$')


class Service:
    """cfavro-kafka-ingest as a subprocess, configured by a properties file."""

    def __init__(self, exe, tmp, name, props, extra_args=(), wrapper=()):
        self.tmp = tmp
        self.props_path = os.path.join(tmp, name + '.properties')
        with open(self.props_path, 'w') as f:
            f.write('# written by test_ingest.py\n')
            for key, value in props.items():
                f.write('%s=%s\n' % (key, value))
        self.stderr_path = os.path.join(tmp, name + '.stderr')
        self.stdout_path = os.path.join(tmp, name + '.stdout')
        with open(self.stderr_path, 'wb') as err, open(self.stdout_path, 'wb') as out:
            self.proc = subprocess.Popen(list(wrapper) + [exe, '-F', self.props_path]
                                         + list(extra_args), stdout=out, stderr=err)

    def wait_for(self, predicate, what, timeout=120):
        return wait_for(predicate, timeout, what, self.proc)

    def stderr(self):
        with open(self.stderr_path, errors='replace') as f:
            return f.read()

    def counters(self, kind='stats'):
        """The last `ingest: KIND k=v ...` line as a dict, or None."""
        found = None
        for line in self.stderr().splitlines():
            m = SUMMARY_RE.match(line)
            if m and m.group(1) == kind:
                found = dict(item.split('=', 1) for item in m.group(2).split())
        return {k: int(v) for k, v in found.items()} if found else None

    def stop(self, sig=signal.SIGTERM, timeout=120):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('the service did not stop within %d s of signal %d'
                                 % (timeout, sig))

    def wait_exit(self, timeout=120):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError('the service did not exit within %d s' % timeout)

    def kill_if_running(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_to_end(exe, args, timeout=120, wrapper=()):
    """Run the service with `args` to completion: (exit status, stdout, stderr)."""
    proc = subprocess.run(list(wrapper) + [exe] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)
    return proc.returncode, proc.stdout.decode(errors='replace'), proc.stderr.decode(
        errors='replace')


# ---------------------------------------------------------------- accounting


def outputs(*paths, complete=True, topic=None):
    """Every sink and dead-letter line of `paths`, keyed by its Kafka offset:
    {(partition, offset): [line, ...]}; lines of another topic than `topic`
    (when given) fail."""
    seen = {}
    for path in paths:
        for line in read_ndjson(path, complete):
            assert topic is None or line['topic'] == topic, line
            seen.setdefault((line['partition'], line['offset']), []).append(line)
    return seen


def count_lines(*paths):
    return sum(len(read_ndjson(p, complete=False)) for p in paths)


def check_line(test, message, line):
    """One output line against what its message must become."""
    value_b64 = line.get('value_b64')
    if message.to_sink:
        test.assertNotIn('reason', line, 'a %s message was dead-lettered: %s'
                         % (message.kind, line))
        test.assertEqual(line['value'], message.expected)
        if message.kind == 'good':
            test.assertEqual(line['schema_id'], message.schema_id)
        return
    test.assertIn('reason', line, 'a %s message reached the sink: %s' % (message.kind, line))
    test.assertEqual(line['reason'], message.reason, line)
    test.assertEqual(line['status'], message.status, line)
    test.assertEqual(line['class'], message.status // 100 * 100, line)
    test.assertTrue(line['message'], line)
    for key in ('status_name', 'class_name', 'error_offset', 'path', 'attempts', 'key_b64',
                'timestamp'):
        test.assertIn(key, line)
    test.assertIsNotNone(value_b64)


def original_bytes(line):
    """The message as it was in Kafka, from a dead-letter line (header mode:
    the schema header in front of the value, as the fixture had it)."""
    value = base64.b64decode(line['value_b64'])
    if 'schema_header_b64' in line:
        return base64.b64decode(line['schema_header_b64']) + value
    return value


def account(test, expected, seen, allow_duplicates=False):
    """Every expected (partition, offset) -> Message is in `seen` once (or, with
    allow_duplicates, at least once with identical lines); nothing else is.
    Returns the number of duplicate lines."""
    test.assertEqual(set(seen) - set(expected), set(), 'output for offsets never produced')
    missing = sorted(set(expected) - set(seen))
    test.assertEqual(missing, [], 'offsets lost: %d, first %s' % (len(missing), missing[:5]))
    duplicates = 0
    for key, message in expected.items():
        lines = seen[key]
        if not allow_duplicates:
            test.assertEqual(len(lines), 1, 'offset %s written %d times' % (key, len(lines)))
        duplicates += len(lines) - 1
        for line in lines:
            check_line(test, message, line)
            if not message.to_sink:
                test.assertEqual(original_bytes(line), message.value)
    return duplicates


def expect(positions, messages, into=None):
    """{(partition, offset): message} from a manifest and its fixture."""
    into = {} if into is None else into
    assert len(positions) == len(messages)
    for pos, message in zip(positions, messages):
        into[pos] = message
    return into


def end_offsets(expected):
    """{partition: the offset after its last record} (what a full commit is)."""
    ends = {}
    for partition, offset in expected:
        ends[partition] = max(ends.get(partition, 0), offset + 1)
    return ends
