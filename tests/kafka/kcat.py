"""Debian's kcat as the tests' Kafka producer and consumer (python3 stdlib only).

Producing binary values needs care: kcat's stdin producer cuts messages at a
delimiter, which an Avro payload may contain, and skips empty lines. So every
value is written to a file of its own and kcat sends each file as one message
(`kcat -P ... FILE...`). kcat skips empty files, so an empty value and a null
value (a tombstone) go through its keyed stdin producer instead: the line
`k:` with key delimiter ':' is the key "k" and an empty value, which -Z turns
into a null value.
"""
import os
import shutil
import subprocess
import tempfile

KEY_DELIMITER = b':'
# Records carrying no value still carry a key: compaction deletes by key.
EMPTY_VALUE_KEY = b'k'


class KcatError(Exception):
    """kcat failed (the message has its exit status and standard error)."""


def find_kcat():
    """kcat's path, or None when it is not installed."""
    return shutil.which('kcat')


def consume_command(bootstrap, topic):
    """The on-call engineer's command: every record of every partition, from
    the beginning to the current end, each as a 4-byte big-endian length (-1
    for a null value) and the value's bytes (cfavro decode --format len32be)."""
    return [find_kcat() or 'kcat', '-C', '-b', bootstrap, '-t', topic, '-f', '%R%s', '-e']


def _run(argv, stdin=b'', timeout=60):
    proc = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)
    if proc.returncode != 0:
        raise KcatError('%s: exit %d: %s' % (' '.join(argv[:6]), proc.returncode,
                                             proc.stderr.decode(errors='replace').strip()))
    return proc.stdout


def _kind(value):
    if value is None:
        return 'null'
    return 'empty' if value == b'' else 'bytes'


def produce(bootstrap, topic, values, partition=0, timeout=60):
    """Produce `values` in order to one partition of `topic`, each value bytes
    (any bytes), b'' (an empty value) or None (a null value, a tombstone).
    Values of one kind in a row go in one kcat run; each run has delivered
    everything when it exits, so the order holds across runs, and one request
    in flight at a time keeps it within a run. Raises KcatError."""
    base = [find_kcat() or 'kcat', '-P', '-b', bootstrap, '-t', topic, '-p', str(partition),
            '-X', 'max.in.flight.requests.per.connection=1']
    runs = []
    for value in values:
        if runs and runs[-1][0] == _kind(value):
            runs[-1][1].append(value)
        else:
            runs.append((_kind(value), [value]))
    with tempfile.TemporaryDirectory(prefix='cfavro-kcat-') as tmp:
        for kind, run in runs:
            if kind == 'bytes':
                files = []
                for value in run:
                    path = os.path.join(tmp, 'value-%06d' % len(files))
                    with open(path, 'wb') as f:
                        f.write(value)
                    files.append(path)
                _run(base + files, timeout=timeout)
            else:
                lines = (EMPTY_VALUE_KEY + KEY_DELIMITER + b'\n') * len(run)
                null_flag = ['-Z'] if kind == 'null' else []
                _run(base + ['-K', KEY_DELIMITER.decode()] + null_flag, stdin=lines,
                     timeout=timeout)


def consume(bootstrap, topic, timeout=60):
    """Everything in the topic, as consume_command() writes it."""
    return _run(consume_command(bootstrap, topic), timeout=timeout)


def consume_group(bootstrap, group, topic, timeout=60):
    """Everything in the topic read as a member of a consumer group (kcat -G),
    from the beginning when the group has no committed offsets."""
    return _run([find_kcat() or 'kcat', '-b', bootstrap, '-G', group, '-X',
                 'auto.offset.reset=earliest', '-f', '%R%s', '-e', topic], timeout=timeout)
