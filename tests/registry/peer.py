#!/usr/bin/env python3
"""Start and stop a real Confluent-compatible Schema Registry on loopback.

The peer is Apicurio Registry (its Confluent-compatible API under
/apis/ccompat/v7, in-memory storage), installed by .ci/install-registry-peer,
which writes peer.json describing the install. Standard library only.

As a library (tests/registry/test_peer.py):

    with start(users=[User('reader', 'pw', 'read')]) as peer:
        peer.base_url   # http://127.0.0.1:PORT/apis/ccompat/v7

As a command, for a shell session or another test driver:

    python3 tests/registry/peer.py [--user NAME:PASSWORD:ROLE]... [--timeout S]

prints `URL <base url>` once the registry answers, then runs until SIGTERM,
SIGINT or (with --exit-on-stdin-eof) the end of standard input, and stops the
registry before exiting. Exit status 77 when the peer is not installed, 1 when
it does not start in time.

No process is left behind: the JVM is stopped on exit, and it is started with
the parent-death signal set, so it also dies when this process is killed.
"""

import argparse
import base64
import collections
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_PEER_DIR = os.path.join(SOURCE_ROOT, '.cache', 'registry-peer')
EXIT_NOT_INSTALLED = 77  # meson's "skipped"

# A test peer, not a service: C1 only and a small heap start it in about two
# thirds of the time and memory of the JVM's defaults.
JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m', '-Xss512k',
               '-XX:CICompilerCount=1']

# Our role names, and Apicurio's default role names they map to.
ROLES = {'read': 'sr-readonly', 'write': 'sr-developer', 'admin': 'sr-admin'}

User = collections.namedtuple('User', 'name password role')

PR_SET_PDEATHSIG = 1


class PeerNotInstalled(Exception):
    """No usable install: run .ci/install-registry-peer."""


class PeerError(Exception):
    """The registry did not start (the message carries its log's tail)."""


def peer_dir():
    return os.environ.get('CFAVRO_PEER_DIR') or DEFAULT_PEER_DIR


def find_installation():
    """The install's description (peer.json) with its jar and java checked, or raise."""
    manifest = os.path.join(peer_dir(), 'peer.json')
    try:
        with open(manifest, encoding='utf-8') as f:
            info = json.load(f)
    except FileNotFoundError:
        raise PeerNotInstalled('%s not found: run .ci/install-registry-peer' % manifest) from None
    except (OSError, ValueError) as e:
        raise PeerNotInstalled('%s unreadable (%s): run .ci/install-registry-peer'
                               % (manifest, e)) from None
    for key in ('jar', 'java'):
        if not os.path.isfile(info.get(key) or ''):
            raise PeerNotInstalled('%s: %s %r is missing: run .ci/install-registry-peer'
                                   % (manifest, key, info.get(key)))
    return info


def free_ports(count):
    """Distinct loopback ports nothing listens on now (all held open until all
    are chosen). The JVM binds them a moment later; a port taken in between
    shows as a bind failure, which wait_ready() retries with new ports."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(('127.0.0.1', 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _die_with_parent(parent_pid):
    """preexec_fn: the JVM gets SIGTERM when the process that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork, not in the child

    def arm():
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    return arm


def _properties(http_port, management_port, users):
    """Quarkus settings, read from config/application.properties in the JVM's
    working directory: passwords stay off the command line."""
    lines = [
        'quarkus.http.host=127.0.0.1',
        'quarkus.http.port=%d' % http_port,
        # The management interface (health, metrics) listens on its own port.
        'quarkus.management.host=127.0.0.1',
        'quarkus.management.port=%d' % management_port,
        'quarkus.http.access-log.enabled=false',
        'quarkus.log.level=WARN',
        'quarkus.log.category."io.apicurio".level=WARN',
    ]
    if users:
        lines += [
            'apicurio.authn.enabled=true',
            'quarkus.http.auth.basic=true',
            'quarkus.security.users.embedded.enabled=true',
            'quarkus.security.users.embedded.plain-text=true',
            # Roles decide reads and writes: a 'read' user really is read-only.
            'apicurio.auth.role-based-authorization=true',
            'apicurio.auth.role-source=token',
        ]
        for u in users:
            if u.role not in ROLES:
                raise ValueError('role %r: expected one of %s' % (u.role, ', '.join(ROLES)))
            lines.append('quarkus.security.users.embedded.users.%s=%s' % (u.name, u.password))
            lines.append('quarkus.security.users.embedded.roles.%s=%s' % (u.name, ROLES[u.role]))
    return '\n'.join(lines) + '\n'


class Peer:
    """One running registry. Use start() to make one; stop() (or `with`) ends it."""

    def __init__(self, info, users):
        self.info = info
        self.users = list(users)
        self.base_url = None
        self.process = None
        self.start_seconds = None
        self._t0 = None
        self._launches = 0
        self._rundir = tempfile.TemporaryDirectory(prefix='cfavro-peer-')
        self._log_path = os.path.join(self._rundir.name, 'registry.log')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, lines=40):
        try:
            with open(self._log_path, encoding='utf-8', errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def rss_kib(self):
        """The JVM's resident memory now, in KiB (None once it has exited)."""
        try:
            with open('/proc/%d/status' % self.process.pid, encoding='ascii') as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        return int(line.split()[1])
        except (OSError, AttributeError):
            pass
        return None

    def _launch(self):
        http_port, management_port = free_ports(2)
        config_dir = os.path.join(self._rundir.name, 'config')
        os.makedirs(config_dir, exist_ok=True)
        path = os.path.join(config_dir, 'application.properties')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(_properties(http_port, management_port, self.users))
        with open(self._log_path, 'wb') as log:
            self.process = subprocess.Popen(
                [self.info['java']] + JVM_OPTIONS + ['-jar', self.info['jar']],
                cwd=self._rundir.name, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=_die_with_parent(os.getpid()))
        self.base_url = 'http://127.0.0.1:%d%s' % (http_port, self.info['api_path'])

    def _answers(self):
        """True once the Confluent-compatible API answers (401 counts: auth is on)."""
        req = urllib.request.Request(self.base_url + '/subjects')
        if self.users:
            u = self.users[0]
            token = base64.b64encode(('%s:%s' % (u.name, u.password)).encode()).decode()
            req.add_header('Authorization', 'Basic ' + token)
        try:
            with urllib.request.urlopen(req, timeout=2) as resp:
                return resp.status == 200
        except urllib.error.HTTPError as e:
            return e.code == 401
        except (OSError, ValueError):
            return False

    def _wait_ready(self, deadline):
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self._answers():
                return True
            time.sleep(0.1)
        return False

    def launch(self):
        """Start the JVM and return at once; wait_ready() waits for it. Call both
        from the same thread: the JVM's parent-death signal follows the thread
        that started it."""
        self._t0 = time.monotonic()
        self._launches = 1
        self._launch()
        return self

    def wait_ready(self, timeout):
        """Block until the API answers (at most `timeout` seconds from launch());
        on failure stop everything and raise PeerError with the log's tail."""
        deadline = self._t0 + timeout
        while True:
            if self._wait_ready(deadline):
                self.start_seconds = time.monotonic() - self._t0
                return self
            exited = self.process.poll() is not None
            tail = self.log_tail()
            self._end_process()
            # A port taken between free_ports() and the JVM's bind ("Port N
            # seems to be in use by another process"): try new ports.
            if (exited and 'in use' in tail and self._launches < 3
                    and time.monotonic() < deadline):
                self._launches += 1
                self._launch()
                continue
            self.stop()
            what = 'exited' if exited else 'did not answer within %.0f s' % timeout
            raise PeerError('registry peer %s; its log ends:\n%s' % (what, tail))

    def _end_process(self):
        p = self.process
        if p is None or p.poll() is not None:
            return
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def stop(self):
        """Stop the JVM (SIGTERM, then SIGKILL after 20 s) and remove its files."""
        self._end_process()
        self._rundir.cleanup()


def start(users=(), timeout=120.0):
    """A running peer, ready to answer; raises PeerNotInstalled or PeerError."""
    return start_all([users], timeout)[0]


def start_all(user_lists, timeout=120.0):
    """One peer per list of users, started side by side (a JVM start is mostly
    waiting on one core); all ready, or all stopped and PeerError raised."""
    info = find_installation()
    peers = []
    try:
        for users in user_lists:
            peers.append(Peer(info, users).launch())
        for p in peers:
            p.wait_ready(timeout)
    except BaseException:
        for p in peers:
            p.stop()
        raise
    return peers


def parse_user(text):
    parts = text.split(':')
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError('expected NAME:PASSWORD:ROLE')
    if parts[2] not in ROLES:
        raise argparse.ArgumentTypeError('role: expected one of ' + ', '.join(ROLES))
    return User(*parts)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--user', type=parse_user, action='append', default=[],
                   help='require basic auth and accept this user; ROLE is read, write or '
                        'admin (repeatable)')
    p.add_argument('--timeout', type=float, default=120.0,
                   help='seconds to wait for the registry to answer (default 120)')
    p.add_argument('--exit-on-stdin-eof', action='store_true',
                   help='stop when standard input closes')
    args = p.parse_args(argv)

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    try:
        peer = start(args.user, args.timeout)
    except PeerNotInstalled as e:
        print('peer.py: %s' % e, file=sys.stderr)
        return EXIT_NOT_INSTALLED
    except PeerError as e:
        print('peer.py: %s' % e, file=sys.stderr)
        return 1
    with peer:
        print('URL %s' % peer.base_url, flush=True)
        print('peer.py: Apicurio Registry %s ready in %.1f s, %s KiB resident'
              % (peer.info['version'], peer.start_seconds, peer.rss_kib()), file=sys.stderr)
        if args.exit_on_stdin_eof:
            threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        while not done.wait(0.5):
            if peer.process.poll() is not None:
                print('peer.py: the registry exited; its log ends:\n%s' % peer.log_tail(),
                      file=sys.stderr)
                return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
