#!/usr/bin/env python3
"""Start and stop a real single-node Apache Kafka broker on loopback.

The broker is Apache Kafka (KRaft mode: controller and broker in one JVM, no
ZooKeeper), installed from Maven Central by .ci/install-kafka-peer into
.cache/kafka-peer (CFAVRO_KAFKA_DIR moves it), which writes kafka.json there.
Standard library only.

As a library (tests/kafka/test_kcat.py; the ingestion service's and the
bronze pipeline's tests):

    import kafka_broker
    with kafka_broker.start(topics={'trades': 3}) as broker:
        broker.bootstrap                        # '127.0.0.1:PORT'
        broker.create_topic('more', partitions=1, configs={'cleanup.policy': 'compact'})
        broker.end_offsets('trades')            # {0: 5, 1: 0, 2: 2}
        broker.start_seconds                    # launch until ready (wall clock)
        broker.start_cpu_seconds                # the JVM's CPU time until then

start() raises KafkaNotInstalled when the install is missing and KafkaError
when the broker does not come up. A test that needs the broker calls
exit_missing(...) on KafkaNotInstalled: skipped (77) locally, failed in CI.

As a command, for shell scripts:

    python3 tests/kafka/kafka_broker.py [--topic NAME[:PARTITIONS]]... [--set KEY=VALUE]...
        [--timeout S] [--exit-on-stdin-eof]

prints `BOOTSTRAP 127.0.0.1:PORT` once the broker is ready and its topics
exist, then runs until SIGTERM, SIGINT or (with --exit-on-stdin-eof) the end
of standard input, and stops the broker before exiting. Exit status 77 when
Kafka is not installed (1 in CI), 1 when it does not start in time.

`kafka_broker.py --prepare OUT --java JAVA --libs DIR` is the install's last
step (see .ci/install-kafka-peer): it formats a storage template and writes a
class-data-sharing archive from one full broker run.

Fast start: the storage is a copy of a template formatted once at install
time (no second JVM per start); the JVM maps a class-data-sharing archive of
the classes a broker loads (about 40% less CPU until ready), compiles with C1
only, uses the serial collector and a 512 MiB heap; the broker runs with one
partition for its internal topics and no initial rebalance delay. No process
is left behind: the JVM is started with the parent-death signal set (it dies
with the thread that started it), killed when the `with` block ends, and at
interpreter exit.
"""

import argparse
import atexit
import base64
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
SOURCE_ROOT = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, 'registry'))
import kafka_admin  # noqa: E402
import kcat  # noqa: E402 (the install's warm-up run; starting a broker needs no kcat)
# Loopback port choice and the parent-death signal, shared with the registry peer.
from peer import free_ports, _die_with_parent as die_with_parent  # noqa: E402

DEFAULT_KAFKA_DIR = os.path.join(SOURCE_ROOT, '.cache', 'kafka-peer')
MANIFEST_NAME = 'kafka.json'
EXIT_SKIP = 77  # meson's "skipped"
NODE_ID = 1

# A test broker, not a service: C1 only, one compiler thread and the serial
# collector start it with less than half the CPU of the JVM's defaults.
JVM_OPTIONS = ['-Xms64m', '-Xmx512m', '-XX:TieredStopAtLevel=1', '-XX:CICompilerCount=1',
               '-XX:+UseSerialGC', '-XX:-UsePerfData', '-Djava.awt.headless=true']

# server.properties for one node that is its own controller; each start adds
# its listeners, quorum voter and log folder, and settings= in start() adds or
# overrides keys.
BASE_SETTINGS = {
    'process.roles': 'broker,controller',
    'node.id': str(NODE_ID),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    # One node: internal topics with one replica and one partition (the
    # default 50 partitions of __consumer_offsets cost seconds to create at a
    # consumer group's first join).
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    # A group's first rebalance would otherwise wait 3 s for more members.
    'group.initial.rebalance.delay.ms': '0',
    'num.partitions': '1',
    # Fewer threads than a production broker: less to start on two cores.
    'num.network.threads': '2',
    'num.io.threads': '2',
    'background.threads': '2',
    'num.recovery.threads.per.data.dir': '1',
    'num.replica.fetchers': '1',
}

# Kafka logs through SLF4J to Log4j 2; everything at INFO into the run
# directory's server.log, which a failure report quotes.
LOG4J2_PROPERTIES = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{{HH:mm:ss.SSS}} %p %c{{1}}: %m%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.config.name = org.apache.kafka.common.config
logger.config.level = WARN
"""

STORAGE_TOOL = 'kafka.tools.StorageTool'
# Every broker has its own storage; a fixed cluster id (16 bytes, base64url
# without padding, as Kafka writes them) keeps the template reproducible.
CLUSTER_ID = base64.urlsafe_b64encode(b'cfavro-test-kafk').rstrip(b'=').decode()
KAFKA_MAIN = 'kafka.Kafka'


class KafkaNotInstalled(Exception):
    """No usable install: run .ci/install-kafka-peer."""


class KafkaError(Exception):
    """The broker did not start, or an admin request failed (the message carries
    the broker log's tail when it helps)."""


def kafka_dir():
    return os.environ.get('CFAVRO_KAFKA_DIR') or DEFAULT_KAFKA_DIR


def exit_missing(prog, reason):
    """A test's exit when its Kafka peer (or kcat) is missing: skipped (77)
    locally, failed (1) in CI (CI=true), where the install must have run."""
    ci = os.environ.get('CI', '').lower() == 'true'
    print('%s: %s: %s' % (prog, 'FAILED in CI' if ci else 'skipped', reason), file=sys.stderr)
    sys.exit(1 if ci else EXIT_SKIP)


def classpath(libs):
    """The jars of an install, in a fixed order (the class archive records the
    class path it was written with, and is used only when it matches)."""
    return ':'.join(sorted(glob.glob(os.path.join(libs, '*.jar'))))


def find_installation():
    """The install's description (kafka.json) with its parts checked, or raise."""
    manifest = os.path.join(kafka_dir(), MANIFEST_NAME)
    hint = 'run .ci/install-kafka-peer'
    try:
        with open(manifest, encoding='utf-8') as f:
            info = json.load(f)
    except FileNotFoundError:
        raise KafkaNotInstalled('%s not found: %s' % (manifest, hint)) from None
    except (OSError, ValueError) as e:
        raise KafkaNotInstalled('%s unreadable (%s): %s' % (manifest, e, hint)) from None
    checks = (('java', os.path.isfile), ('libs', os.path.isdir),
              ('storage_template', os.path.isdir), ('class_archive', os.path.isfile))
    for key, exists in checks:
        if not exists(info.get(key) or ''):
            raise KafkaNotInstalled('%s: %s %r is missing: %s'
                                    % (manifest, key, info.get(key), hint))
    if not classpath(info['libs']):
        raise KafkaNotInstalled('%s: no jars in %s: %s' % (manifest, info['libs'], hint))
    return info


def server_properties(broker_port, controller_port, data_dir, settings):
    props = dict(BASE_SETTINGS)
    props.update({
        'listeners': 'PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d'
                     % (broker_port, controller_port),
        'advertised.listeners': 'PLAINTEXT://127.0.0.1:%d' % broker_port,
        'controller.quorum.voters': '%d@127.0.0.1:%d' % (NODE_ID, controller_port),
        'log.dirs': data_dir,
    })
    props.update(settings)
    return ''.join('%s=%s\n' % kv for kv in sorted(props.items()))


def _write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


class Broker:
    """One running broker. Use start() to make one; stop() (or `with`) ends it.

    Call launch() and wait_ready() from the same thread, and keep that thread
    alive while the broker runs: the JVM's parent-death signal follows it."""

    def __init__(self, java, libs, storage_template, class_archive=None,
                 settings=None, jvm_options=None):
        self.java = java
        self.libs = libs
        self.storage_template = storage_template
        self.class_archive = class_archive
        self.settings = dict(settings or {})
        self.jvm_options = list(JVM_OPTIONS if jvm_options is None else jvm_options)
        self.bootstrap = None
        self.process = None
        self.start_seconds = None
        self.start_cpu_seconds = None
        self._t0 = None
        self._extra_options = []
        self._launches = 0
        self._rundir = tempfile.TemporaryDirectory(prefix='cfavro-kafka-')
        self._partitions = {}
        atexit.register(self.stop)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def address(self):
        host, port = self.bootstrap.rsplit(':', 1)
        return host, int(port)

    def _path(self, *parts):
        return os.path.join(self._rundir.name, *parts)

    def log_tail(self, lines=40):
        """The last lines of the broker's log and of the JVM's own output."""
        out = []
        for name in ('server.log', 'jvm.out'):
            try:
                with open(self._path(name), encoding='utf-8', errors='replace') as f:
                    tail = f.readlines()[-lines:]
            except OSError:
                continue
            if tail:
                out.append('--- %s\n%s' % (name, ''.join(tail)))
        return ''.join(out)

    def _proc(self, name):
        """The fields of /proc/PID/NAME of the JVM (None once it has exited)."""
        try:
            with open('/proc/%d/%s' % (self.process.pid, name), encoding='ascii') as f:
                return f.read().split()
        except (OSError, AttributeError):
            return None

    def rss_kib(self):
        """The JVM's resident memory now, in KiB (None once it has exited)."""
        statm = self._proc('statm')  # sizes in pages; the second is the resident set
        return None if statm is None else int(statm[1]) * os.sysconf('SC_PAGE_SIZE') // 1024

    def cpu_seconds(self):
        """CPU time the JVM has used so far (user + system; None once it has
        exited): a start's cost that other load on the machine does not
        change, unlike start_seconds."""
        stat = self._proc('stat')
        if stat is None:
            return None
        # utime and stime are fields 14 and 15 of proc(5)'s stat, counted from
        # the end of the command name, which may hold spaces: 12 and 13 after ')'.
        after_name = ' '.join(stat).rsplit(')', 1)[1].split()
        return (int(after_name[11]) + int(after_name[12])) / os.sysconf('SC_CLK_TCK')

    def _java(self, extra_options, main, args, out):
        """Start the JVM with this install's class path (and class archive)."""
        options = list(self.jvm_options)
        if self.class_archive:
            options.append('-XX:SharedArchiveFile=' + self.class_archive)
        options.append('-Dlog4j2.configurationFile=' + self._path('log4j2.properties'))
        return run_java(self.java, self.libs, options + list(extra_options), main, args,
                        out, self._rundir.name)

    def _launch(self, extra_options):
        """Fresh storage (a copy of the formatted template) and ports for one
        attempt, then the JVM."""
        broker_port, controller_port = free_ports(2)
        data_dir = self._path('data-%d' % self._launches)
        properties = self._path('server.properties')
        _write(properties, server_properties(broker_port, controller_port, data_dir,
                                             self.settings))
        _write(self._path('log4j2.properties'),
               LOG4J2_PROPERTIES.format(log=self._path('server.log')))
        shutil.copytree(self.storage_template, data_dir)
        with open(self._path('jvm.out'), 'ab') as out:
            self.process = self._java(extra_options, KAFKA_MAIN, [properties], out)
        self.bootstrap = '127.0.0.1:%d' % broker_port
        self._launches += 1

    def launch(self, extra_options=()):
        """Start the JVM and return at once; wait_ready() waits for it."""
        self._t0 = time.monotonic()
        self._extra_options = list(extra_options)
        self._launch(self._extra_options)
        return self

    def _ready(self):
        """True once the broker serves metadata and lists itself (it opens its
        client port only after the controller has unfenced it)."""
        try:
            return NODE_ID in kafka_admin.metadata(self.address, ())['brokers']
        except (OSError, kafka_admin.KafkaProtocolError):
            return False

    def wait_ready(self, timeout):
        """Block until the broker is ready (at most `timeout` seconds from
        launch()); on failure stop everything and raise KafkaError."""
        deadline = self._t0 + timeout
        while True:
            while time.monotonic() < deadline and self.process.poll() is None:
                if self._ready():
                    self.start_seconds = time.monotonic() - self._t0
                    self.start_cpu_seconds = self.cpu_seconds()
                    return self
                time.sleep(0.05)
            exited = self.process.poll() is not None
            tail = self.log_tail()
            self._end_process(graceful=False)
            # A port taken between free_ports() and the JVM's bind: new ports.
            if (exited and 'Address already in use' in tail and self._launches < 3
                    and time.monotonic() < deadline):
                self._launch(self._extra_options)
                continue
            self.stop()
            what = 'exited' if exited else 'was not ready within %.0f s' % timeout
            raise KafkaError('Kafka broker %s; its logs end:\n%s' % (what, tail))

    def create_topic(self, name, partitions=1, configs=None, timeout=60.0):
        """Create a topic (replication factor 1; configs: topic settings such as
        cleanup.policy) and wait until the broker leads and serves every
        partition, so producers and consumers can start at once. Raises
        KafkaError if it exists already, the broker refuses it (the error code
        is in the message) or it is not served in time."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                error, message = kafka_admin.create_topic(self.address, name, partitions,
                                                          configs)
            except (OSError, kafka_admin.KafkaProtocolError) as e:
                error, message = None, str(e)
            if error == kafka_admin.ERROR_NONE:
                break
            if error not in kafka_admin.RETRIABLE_ERRORS and error is not None:
                raise KafkaError('creating topic %r: error %d: %s' % (name, error, message))
            if time.monotonic() >= deadline:
                raise KafkaError('creating topic %r: %s' % (name, message or error))
            time.sleep(0.05)
        self._partitions[name] = partitions
        # Metadata names the leaders a moment before the leader serves its
        # partitions: wait until it answers for every one of them.
        while not (self._has_leaders(name, partitions) and self._serves(name)):
            if time.monotonic() >= deadline:
                raise KafkaError('topic %r: partitions not served after %.0f s' % (name, timeout))
            time.sleep(0.02)

    def _has_leaders(self, name, partitions):
        try:
            topic = kafka_admin.metadata(self.address, [name])['topics'].get(name)
        except (OSError, kafka_admin.KafkaProtocolError):
            return False
        if topic is None or topic['error'] != kafka_admin.ERROR_NONE:
            return False
        parts = topic['partitions']
        return len(parts) == partitions and all(
            error == kafka_admin.ERROR_NONE and leader == NODE_ID
            for error, leader in parts.values())

    def _serves(self, name):
        try:
            kafka_admin.end_offsets(self.address, name, self._partitions[name])
            return True
        except (OSError, kafka_admin.KafkaProtocolError):
            return False

    def partitions(self, name):
        """The number of partitions of a topic (from the broker's metadata)."""
        if name not in self._partitions:
            topic = kafka_admin.metadata(self.address, [name])['topics'].get(name)
            if topic is None or topic['error'] != kafka_admin.ERROR_NONE:
                raise KafkaError('topic %r: not known to the broker' % name)
            self._partitions[name] = len(topic['partitions'])
        return self._partitions[name]

    def end_offsets(self, name, timeout=30.0):
        """{partition: offset of the next record} of a topic: after a producer
        has finished, the number of records each partition holds. Retries
        while a partition's leader is settling."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return kafka_admin.end_offsets(self.address, name, self.partitions(name))
            except kafka_admin.KafkaProtocolError as e:
                if e.code not in kafka_admin.RETRIABLE_ERRORS or time.monotonic() >= deadline:
                    raise KafkaError('end offsets of %r: %s' % (name, e)) from None
            time.sleep(0.05)

    def _end_process(self, graceful):
        p = self.process
        if p is None or p.poll() is not None:
            return
        if graceful:  # a controlled shutdown; a class archive is written at exit
            p.terminate()
            try:
                p.wait(timeout=60)
                return
            except subprocess.TimeoutExpired:
                pass
        p.kill()
        p.wait()

    def stop(self, graceful=False):
        """Kill the JVM (SIGKILL: its storage is thrown away, so a controlled
        shutdown would only cost time; graceful=True sends SIGTERM first and
        waits up to 60 s) and remove its files."""
        self._end_process(graceful)
        self._rundir.cleanup()
        atexit.unregister(self.stop)


def start(topics=None, settings=None, timeout=120.0, jvm_options=None):
    """A ready broker with the given topics ({name: partitions}) made.
    settings: extra or overriding server.properties keys. Raises
    KafkaNotInstalled or KafkaError (nothing left running then)."""
    info = find_installation()
    broker = Broker(info['java'], info['libs'], info['storage_template'],
                    info['class_archive'], settings, jvm_options)
    try:
        broker.launch().wait_ready(timeout)
        for name, partitions in (topics or {}).items():
            broker.create_topic(name, partitions)
    except BaseException:
        broker.stop()
        raise
    return broker


def run_java(java, libs, options, main, args, out, cwd):
    """Start `main` of an install's jars in a JVM; its output goes to `out`. The
    JVM gets SIGTERM when the thread that started it ends."""
    argv = [java] + list(options) + ['-cp', classpath(libs), main] + list(args)
    return subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent(os.getpid()))


def format_storage(java, libs, data_dir):
    """Format an empty KRaft storage directory for this node (the cluster id,
    the node id and the metadata version: nothing that depends on ports)."""
    with tempfile.TemporaryDirectory(prefix='cfavro-kafka-format-') as tmp:
        props = os.path.join(tmp, 'server.properties')
        _write(props, server_properties(9092, 9093, data_dir, {}))
        log = os.path.join(tmp, 'format.log')
        with open(log, 'wb') as out:
            rc = run_java(java, libs, JVM_OPTIONS, STORAGE_TOOL,
                          ['format', '--cluster-id', CLUSTER_ID, '--config', props],
                          out, tmp).wait()
        if rc != 0:
            with open(log, encoding='utf-8', errors='replace') as f:
                raise KafkaError('formatting %s failed (exit %d):\n%s'
                                 % (data_dir, rc, f.read()[-4000:]))


def prepare(out_dir, java, libs, timeout=300.0):
    """The install's last step: format the storage template (out_dir/storage-
    template) and write a class-data-sharing archive (out_dir/kafka.jsa) from
    one broker run on a copy of it that creates a topic and, with kcat on PATH,
    produces to it and fetches from it, alone and as a consumer group, so
    those classes are archived too.
    The archive is valid for this java and these jars. Returns the run's
    start time in seconds (a start without the archive)."""
    template = os.path.join(out_dir, 'storage-template')
    archive = os.path.join(out_dir, 'kafka.jsa')
    format_storage(java, libs, template)
    broker = Broker(java, libs, template)
    try:
        broker.launch(['-XX:ArchiveClassesAtExit=' + archive]).wait_ready(timeout)
        broker.create_topic('cfavro-warmup', 2)
        if kcat.find_kcat():
            kcat.produce(broker.bootstrap, 'cfavro-warmup', [b'warm', b'up'])
            kcat.consume(broker.bootstrap, 'cfavro-warmup')
            kcat.consume_group(broker.bootstrap, 'cfavro-warmup', 'cfavro-warmup')
        broker._end_process(graceful=True)  # the JVM writes the archive as it exits
        log = broker.log_tail()
    finally:
        broker.stop()
    if not os.path.isfile(archive):
        raise KafkaError("no class archive written at the broker's exit:\n%s" % log)
    return broker.start_seconds


def parse_topic(text):
    name, _, count = text.partition(':')
    if not name or (count and not count.isdigit()) or count == '0':
        raise argparse.ArgumentTypeError('expected NAME or NAME:PARTITIONS')
    return name, int(count or 1)


def parse_setting(text):
    key, sep, value = text.partition('=')
    if not key or not sep:
        raise argparse.ArgumentTypeError('expected KEY=VALUE')
    return key, value


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--topic', type=parse_topic, action='append', default=[],
                   help='create this topic once the broker is ready (repeatable)')
    p.add_argument('--set', type=parse_setting, action='append', default=[],
                   metavar='KEY=VALUE', help='a server.properties setting (repeatable)')
    p.add_argument('--timeout', type=float, default=120.0,
                   help='seconds to wait for the broker (default 120)')
    p.add_argument('--exit-on-stdin-eof', action='store_true',
                   help='stop when standard input closes')
    p.add_argument('--prepare', metavar='OUT', help=argparse.SUPPRESS)
    p.add_argument('--java', help=argparse.SUPPRESS)
    p.add_argument('--libs', help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    prog = 'kafka_broker.py'

    if args.prepare:
        if not (args.java and args.libs):
            p.error('--prepare needs --java and --libs')
        try:
            seconds = prepare(args.prepare, args.java, args.libs)
        except (KafkaError, kcat.KcatError) as e:
            print('%s: %s' % (prog, e), file=sys.stderr)
            return 1
        print('%s: broker ready in %.1f s without a class archive' % (prog, seconds))
        return 0

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    try:
        broker = start(dict(args.topic), dict(args.set), args.timeout)
    except KafkaNotInstalled as e:
        exit_missing(prog, e)
    except KafkaError as e:
        print('%s: %s' % (prog, e), file=sys.stderr)
        return 1
    with broker:
        print('BOOTSTRAP %s' % broker.bootstrap, flush=True)
        print('%s: Kafka ready in %.1f s (%.1f s of CPU), %s KiB resident'
              % (prog, broker.start_seconds, broker.start_cpu_seconds, broker.rss_kib()),
              file=sys.stderr)
        if args.exit_on_stdin_eof:
            threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        while not done.wait(0.5):
            if broker.process.poll() is not None:
                print('%s: the broker exited; its logs end:\n%s' % (prog, broker.log_tail()),
                      file=sys.stderr)
                return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
