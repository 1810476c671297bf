#!/usr/bin/env python3
"""A Confluent-compatible Schema Registry stand-in that injects faults on demand.

Standard library only. Tests start it on loopback, read the chosen port from
--port-file, steer it through the control API under /__control/ and read its
request log. See README.md in this folder for the data format, the control API
and the fault list.
"""

import argparse
import base64
import email.utils
import hashlib
import http.server
import json
import os
import re
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
CONTROL_PREFIX = '/__control/'
DEFAULT_CONTEXT = '.'

# Headers worth recording. Authorization is never recorded: only its scheme.
LOGGED_HEADERS = ('Accept', 'Confluent-Accept-Unknown-Properties', 'User-Agent',
                  'target-sr-cluster', 'Confluent-Identity-Pool-Id', 'Content-Type')

FAULT_KINDS = ('delay', 'hang', 'status', 'rate_limit', 'reset', 'html', 'oversized',
               'invalid_json', 'bad_schema', 'protobuf', 'encrypt')


def guid_for(schema_text):
    """A content-derived GUID (MD5 of the schema text, UUID-shaped), as Confluent derives one."""
    digest = hashlib.md5(schema_text.encode('utf-8')).hexdigest()
    return '%s-%s-%s-%s-%s' % (digest[0:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32])


class ApiError(Exception):
    """A Confluent error response: HTTP status plus {"error_code", "message"}."""

    def __init__(self, http_status, error_code, message):
        super().__init__(message)
        self.http_status = http_status
        self.error_code = error_code
        self.message = message


class Registry:
    """Schemas by context and id, subjects by context, GUIDs across all contexts."""

    def __init__(self, data):
        self.contexts = {}
        for ctx_name, ctx in (data.get('contexts') or {}).items():
            ids = {}
            for id_text, entry in (ctx.get('ids') or {}).items():
                entry = dict(entry)
                entry.setdefault('guid', guid_for(entry['schema']))
                ids[int(id_text)] = entry
            subjects = {}
            for subject, versions in (ctx.get('subjects') or {}).items():
                subjects[subject] = {int(v): dict(e) for v, e in versions.items()}
            self.contexts[self._norm_ctx(ctx_name)] = {'ids': ids, 'subjects': subjects}

    @staticmethod
    def _norm_ctx(name):
        if name in ('', DEFAULT_CONTEXT):
            return DEFAULT_CONTEXT
        return name if name.startswith('.') else '.' + name

    def _ctx(self, name):
        return self.contexts.get(self._norm_ctx(name), {'ids': {}, 'subjects': {}})

    @staticmethod
    def split_subject(subject, default_ctx):
        """":.ctx:name" -> (".ctx", "name"); an unqualified subject lives in default_ctx."""
        m = re.fullmatch(r':(\.[^:]*):(.*)', subject, re.S)
        if m:
            return m.group(1), m.group(2)
        return default_ctx, subject

    def by_id(self, ctx, schema_id):
        entry = self._ctx(ctx)['ids'].get(schema_id)
        if entry is None:
            raise ApiError(404, 40403, 'Schema %d not found' % schema_id)
        return entry

    def by_guid(self, guid):
        for ctx in self.contexts.values():
            for entry in ctx['ids'].values():
                if entry['guid'] == guid:
                    return entry
        raise ApiError(404, 40403, 'Schema not found')

    def subject_version(self, ctx, subject, version, include_deleted):
        versions = self._ctx(ctx)['subjects'].get(subject)
        if versions is None:
            raise ApiError(404, 40401, 'Subject \'%s\' not found.' % subject)
        live = {v: e for v, e in versions.items() if include_deleted or not e.get('deleted')}
        if version == 'latest':
            if not live:
                raise ApiError(404, 40402, 'Version latest not found.')
            number = max(live)
        else:
            try:
                number = int(version)
            except ValueError:
                raise ApiError(422, 42202, 'The specified version \'%s\' is not a valid version '
                               'id.' % version) from None
            if number == -1 and live:
                number = max(live)
        version_entry = live.get(number)
        if version_entry is None:
            raise ApiError(404, 40402, 'Version %s not found.' % version)
        schema = self.by_id(ctx, int(version_entry['id']))
        return number, version_entry, schema

    def subjects(self, ctx, include_deleted):
        names = []
        for ctx_name, ctx_data in sorted(self.contexts.items()):
            if ctx is not None and ctx_name != ctx:
                continue
            for subject, versions in sorted(ctx_data['subjects'].items()):
                if include_deleted or any(not e.get('deleted') for e in versions.values()):
                    names.append(subject if ctx_name == DEFAULT_CONTEXT
                                 else ':%s:%s' % (ctx_name, subject))
        return names


class Fault:
    """One rule: a kind, its parameters, an optional path regex and a use count."""

    def __init__(self, spec):
        if spec.get('kind') not in FAULT_KINDS:
            raise ValueError('unknown fault kind %r (known: %s)' % (spec.get('kind'),
                                                                   ', '.join(FAULT_KINDS)))
        self.spec = dict(spec)
        self.kind = spec['kind']
        self.path_re = re.compile(spec['path']) if spec.get('path') else None
        self.times = spec.get('times')  # None: every matching request; K: the first K only
        self.used = 0

    def take(self, path):
        """True (and counts a use) when this fault applies to a request for path."""
        if self.path_re is not None and not self.path_re.search(path):
            return False
        if self.times is not None and self.used >= self.times:
            return False
        self.used += 1
        return True

    def describe(self):
        return dict(self.spec, used=self.used)


class State:
    """Everything the control API can change, behind one lock."""

    def __init__(self, data, faults, auth):
        self.lock = threading.Lock()
        self.registry = Registry(data)
        self.faults = [Fault(f) for f in faults]
        self.auth = dict(auth)
        self.log = []
        self.counts = {}
        self.stopping = threading.Event()

    def pick_fault(self, path):
        """The first fault that applies; every fault is checked in order, so a use is counted
        only on the one that fires."""
        with self.lock:
            for fault in self.faults:
                if fault.take(path):
                    return fault.kind, dict(fault.spec)
        return None, None

    def record(self, entry):
        with self.lock:
            entry['seq'] = len(self.log)
            self.log.append(entry)
            if entry['method'] is not None:  # a failed TLS handshake is no request for a path
                self.counts[entry['path']] = self.counts.get(entry['path'], 0) + 1

    def snapshot(self):
        with self.lock:
            return {'requests': [dict(e) for e in self.log], 'counts': dict(self.counts),
                    'total': len(self.log), 'faults': [f.describe() for f in self.faults]}


def http_date(seconds_from_now):
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, as libcurl expects; every reply has a length
    server_version = 'cfavro-test-registry/1'
    timeout = 60  # an idle keep-alive connection is dropped, so threads never pile up

    # -- plumbing ---------------------------------------------------------------------------
    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # The handshake runs here, in this connection's thread, so a client that never
            # completes it cannot stall the accept loop.
            try:
                self.connection.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.server.state.record({'t': time.monotonic(), 'method': None, 'path': '',
                                          'query': '', 'headers': {}, 'auth': 'none',
                                          'status': 'tls_error', 'error': str(exc)[:200]})
                self.close_connection = True
                raise

    def log_message(self, fmt, *args):  # quiet: the request log is the record
        if self.server.verbose:
            sys.stderr.write('registry: ' + (fmt % args) + '\n')

    @property
    def state(self):
        return self.server.state

    def _send(self, status, body, content_type=CONTENT_TYPE, headers=(), length=True):
        if isinstance(body, str):
            body = body.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        if length:
            self.send_header('Content-Length', str(len(body)))
        else:
            self.send_header('Connection', 'close')
            self.close_connection = True
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        return status

    def _send_json(self, status, obj, headers=()):
        return self._send(status, json.dumps(obj), headers=headers)

    def _send_error(self, err, headers=()):
        return self._send_json(err.http_status, {'error_code': err.error_code,
                                                 'message': err.message}, headers)

    def _reset(self, partial_headers):
        """Close the connection with no (or half a) response, as a crashed proxy does."""
        if partial_headers:
            self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Type: ' + CONTENT_TYPE.encode() + b'\r\n')
            self.wfile.flush()
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.close_connection = True
        try:
            self.connection.close()  # no TLS close_notify: an abrupt end is the point
        except OSError:
            pass
        return 'reset'

    def _hang(self):
        """Answer nothing until the client hangs up or the server stops."""
        sock = self.connection
        while not self.state.stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.1)
            if readable:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        break  # the client gave up
                except (OSError, ValueError):
                    break
                time.sleep(0.05)
        self.close_connection = True
        return 'hang'

    # -- methods ----------------------------------------------------------------------------
    def do_GET(self):
        if self.path.startswith(CONTROL_PREFIX):
            return self._control('GET')
        return self._api('GET')

    def do_POST(self):
        if self.path.startswith(CONTROL_PREFIX):
            return self._control('POST')
        return self._api('POST')

    def _other(self):
        return self._api(self.command)

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _other

    # -- the registry API -------------------------------------------------------------------
    def _api(self, method):
        url = urllib.parse.urlsplit(self.path)
        entry = {'t': time.monotonic(), 'method': method, 'path': url.path, 'query': url.query,
                 'headers': {h: self.headers[h] for h in LOGGED_HEADERS if h in self.headers},
                 'auth': self._auth_scheme(), 'status': None}
        self.state.record(entry)
        # Drain a request body so the connection stays usable.
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        try:
            entry['status'] = self._api_reply(method, url, entry)
        except (BrokenPipeError, ConnectionResetError):
            entry['status'] = 'client_gone'
            self.close_connection = True

    def _auth_scheme(self):
        value = self.headers.get('Authorization')
        if not value:
            return 'none'
        scheme = value.split(' ', 1)[0].lower()
        return scheme if scheme in ('basic', 'bearer') else 'other'

    def _check_auth(self, path):
        auth = self.state.auth
        if not auth.get('basic') and not auth.get('bearer'):
            return
        value = self.headers.get('Authorization') or ''
        scheme, _, credential = value.partition(' ')
        scheme = scheme.lower()
        basic = auth.get('basic')
        bearer = auth.get('bearer')
        ok = False
        if basic and scheme == 'basic':
            expected = base64.b64encode(('%s:%s' % (basic['user'], basic['password']))
                                        .encode('utf-8')).decode('ascii')
            ok = credential.strip() == expected
        elif bearer and scheme == 'bearer':
            ok = credential.strip() == bearer['token']
            if ok and bearer.get('logical_cluster') is not None:
                ok = self.headers.get('target-sr-cluster') == bearer['logical_cluster']
            if ok and bearer.get('identity_pool') is not None:
                ok = self.headers.get('Confluent-Identity-Pool-Id') == bearer['identity_pool']
        if not ok:
            raise ApiError(401, 40101, 'Unauthorized')
        for pattern in auth.get('forbidden') or ():
            if re.search(pattern, path):
                raise ApiError(403, 40301, 'User is denied operation on this server.')

    def _api_reply(self, method, url, entry):
        if method != 'GET':
            # A decoder sends GET only; anything else is refused (and logged, so a test can
            # assert no other method was ever sent).
            self.close_connection = True  # a HEAD reply carries a body here
            return self._send_error(ApiError(405, 405, 'HTTP %s not allowed' % method),
                                    headers=[('Allow', 'GET')])
        try:
            self._check_auth(url.path)
        except ApiError as err:
            return self._send_error(err)
        kind, spec = self.state.pick_fault(url.path)
        entry['fault'] = kind
        if spec and spec.get('delay_ms'):  # any fault may come late, too
            time.sleep(spec['delay_ms'] / 1000.0)
        if kind == 'delay':
            time.sleep(spec.get('ms', 0) / 1000.0)
        elif kind == 'hang':
            return self._hang()
        elif kind == 'reset':
            return self._reset(bool(spec.get('partial_headers')))
        elif kind == 'status':
            code = int(spec.get('status', 500))
            return self._send_error(ApiError(code, spec.get('error_code', code * 100 + 1),
                                             spec.get('message', 'Injected error')))
        elif kind == 'rate_limit':
            return self._rate_limited(spec)
        elif kind == 'html':
            body = ('<html><head><title>%d Bad Gateway</title></head><body><center><h1>'
                    'Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n'
                    % int(spec.get('status', 502)))
            return self._send(int(spec.get('status', 502)), body, 'text/html')
        elif kind == 'oversized':
            size = int(spec.get('bytes', 1 << 20))
            head = b'{"schema": "\\"string\\"", "padding": "'
            tail = b'"}'
            body = head + b'x' * max(0, size - len(head) - len(tail)) + tail
            return self._send(200, body, length=not spec.get('no_length'))
        elif kind == 'invalid_json':
            return self._send(200, '{"schema": "{\\"type\\": \\"string\\"}", "references": [')
        try:
            obj = self._lookup(url)
        except ApiError as err:
            return self._send_error(err)
        if kind == 'bad_schema':
            obj['schema'] = spec.get('schema', '{"type": "record", "name": "Broken", "fields": [')
        elif kind == 'protobuf':
            obj['schema'] = 'syntax = "proto3";\nmessage Broken { string f = 1; }\n'
            obj['schemaType'] = 'PROTOBUF'
        elif kind == 'encrypt':
            obj['ruleSet'] = self._encrypt_rules(spec.get('payload', False))
        return self._send_json(200, obj)

    def _rate_limited(self, spec):
        retry_after = spec.get('retry_after', 1)
        headers = []
        if retry_after is not None:
            if spec.get('date'):
                headers.append(('Retry-After', http_date(float(retry_after))))
            else:
                headers.append(('Retry-After', str(retry_after)))
        # A null value leaves that header out.
        for name, key, default in (('X-RateLimit-Limit', 'limit', 75),
                                   ('X-RateLimit-Remaining', 'remaining', 0),
                                   ('X-RateLimit-Reset', 'reset', 1)):
            value = spec.get(key, default)
            if value is not None:
                headers.append((name, str(value)))
        return self._send_error(ApiError(429, 42901, 'Rate limit exceeded'), headers)

    @staticmethod
    def _encrypt_rules(payload):
        rule = {'name': 'encryptPII', 'kind': 'TRANSFORM', 'mode': 'WRITEREAD',
                'type': 'ENCRYPT_PAYLOAD' if payload else 'ENCRYPT',
                'params': {'encrypt.kek.name': 'test-kek'}, 'onFailure': 'ERROR,NONE'}
        if payload:
            return {'encodingRules': [rule]}
        rule['tags'] = ['PII']
        return {'domainRules': [rule]}

    def _lookup(self, url):
        """The response object for a registry GET, or an ApiError."""
        registry = self.state.registry
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        base_ctx = DEFAULT_CONTEXT
        m = re.match(r'/contexts/([^/]+)(/.*)$', path)
        if m:
            base_ctx = Registry._norm_ctx(urllib.parse.unquote(m.group(1)))
            path = m.group(2)
        deleted = query.get('deleted', ['false'])[0].lower() == 'true'
        unknown_ok = (self.headers.get('Confluent-Accept-Unknown-Properties') or '').lower() == 'true'

        m = re.fullmatch(r'/schemas/ids/([^/]+)', path)
        if m:
            try:
                schema_id = int(m.group(1))
            except ValueError:
                raise ApiError(404, 404, 'HTTP 404 Not Found') from None
            ctx = base_ctx
            if 'subject' in query:
                ctx, _ = Registry.split_subject(query['subject'][0], base_ctx)
            return self._schema_object(registry.by_id(ctx, schema_id), unknown_ok)
        m = re.fullmatch(r'/schemas/guids/([^/]+)', path)
        if m:
            return self._schema_object(registry.by_guid(urllib.parse.unquote(m.group(1))),
                                       unknown_ok)
        m = re.fullmatch(r'/subjects/([^/]+)/versions/([^/]+)', path)
        if m:
            ctx, subject = Registry.split_subject(urllib.parse.unquote(m.group(1)), base_ctx)
            number, version_entry, schema = registry.subject_version(
                ctx, subject, urllib.parse.unquote(m.group(2)), deleted)
            obj = {'subject': urllib.parse.unquote(m.group(1)), 'version': number,
                   'id': int(version_entry['id'])}
            obj.update(self._schema_object(schema, unknown_ok))
            if unknown_ok:
                obj['deleted'] = bool(version_entry.get('deleted', False))
            return obj
        if path == '/subjects':
            # Under a /contexts/ prefix only that context's subjects; else all of them.
            return registry.subjects(base_ctx if base_ctx != DEFAULT_CONTEXT else None, deleted)
        raise ApiError(404, 404, 'HTTP 404 Not Found')

    @staticmethod
    def _schema_object(entry, unknown_ok):
        obj = {'schema': entry['schema']}
        schema_type = entry.get('schemaType', 'AVRO')
        # A non-Avro type is always named (a client must not read it as Avro); the explicit
        # AVRO, the GUID, ts and deleted come only with Confluent-Accept-Unknown-Properties.
        if schema_type != 'AVRO' or unknown_ok:
            obj['schemaType'] = schema_type
        if entry.get('references'):
            obj['references'] = entry['references']
        for key in ('metadata', 'ruleSet'):
            if entry.get(key) is not None:
                obj[key] = entry[key]
        if unknown_ok:
            obj['guid'] = entry['guid']
            obj['ts'] = entry.get('ts', 1700000000000)
            obj['deleted'] = bool(entry.get('deleted', False))
        return obj

    # -- the control API --------------------------------------------------------------------
    def _control(self, method):
        url = urllib.parse.urlsplit(self.path)
        action = url.path[len(CONTROL_PREFIX):].strip('/')
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            return self._send(400, json.dumps({'error': 'bad JSON: %s' % exc}), 'application/json')
        state = self.state
        try:
            if method == 'GET' and action == 'log':
                return self._send(200, json.dumps(state.snapshot()), 'application/json')
            if method == 'POST' and action == 'log/dump':
                write_log(state, body['file'])
                return self._send(200, '{}', 'application/json')
            if method == 'POST' and action == 'faults':
                faults = [Fault(f) for f in body.get('faults', [])]
                with state.lock:
                    if body.get('append'):
                        state.faults.extend(faults)
                    else:
                        state.faults = faults
                return self._send(200, '{}', 'application/json')
            if method == 'POST' and action == 'auth':
                with state.lock:
                    state.auth = dict(body)
                return self._send(200, '{}', 'application/json')
            if method == 'POST' and action == 'data':
                registry = Registry(body)
                with state.lock:
                    state.registry = registry
                return self._send(200, '{}', 'application/json')
            if method == 'POST' and action == 'reset':
                with state.lock:
                    if body.get('log', True):
                        state.log = []
                        state.counts = {}
                    if body.get('faults', True):
                        state.faults = []
                return self._send(200, '{}', 'application/json')
        except (ValueError, KeyError, TypeError, re.error) as exc:
            return self._send(400, json.dumps({'error': str(exc)}), 'application/json')
        return self._send(404, json.dumps({'error': 'unknown control action %s %s'
                                           % (method, action)}), 'application/json')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a hung request never delays the process's exit
    allow_reuse_address = True
    request_queue_size = 128  # 8 threads connecting at once must not wait on SYN retries

    def __init__(self, address, state, tls_context, verbose):
        self.state = state
        self.tls_context = tls_context
        self.verbose = verbose
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.tls_context is not None:
            sock = self.tls_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def write_log(state, path):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(state.snapshot(), f, indent=1)
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', help='JSON data file (contexts, ids, subjects)')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0, help='0 (default): any free port')
    p.add_argument('--port-file', help='write the port here once listening')
    p.add_argument('--faults', help='JSON file or inline JSON: a list of fault rules')
    p.add_argument('--basic-auth', metavar='USER:PASSWORD')
    p.add_argument('--bearer-token')
    p.add_argument('--bearer-cluster', help='required target-sr-cluster header value')
    p.add_argument('--bearer-pool', help='required Confluent-Identity-Pool-Id header value')
    p.add_argument('--forbid', action='append', default=[], metavar='PATH_REGEX',
                   help='authenticated requests for matching paths get 403')
    p.add_argument('--tls-cert')
    p.add_argument('--tls-key')
    p.add_argument('--tls-client-ca', help='require a client certificate signed by this CA')
    p.add_argument('--log-file', help='write the request log here at exit')
    p.add_argument('--parent-pid', type=int, default=os.getppid(),
                   help='exit when this process is gone (default: the parent)')
    p.add_argument('--exit-on-stdin-eof', action='store_true')
    p.add_argument('--verbose', action='store_true')
    return p.parse_args(argv)


def load_json_arg(value):
    if value is None:
        return None
    if value.lstrip().startswith(('[', '{')):
        return json.loads(value)
    with open(value, encoding='utf-8') as f:
        return json.load(f)


def make_tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    if args.tls_client_ca:
        ctx.load_verify_locations(args.tls_client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def parent_alive(pid):
    if os.getppid() != pid:
        return False  # reparented: our parent is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    auth = {}
    if args.basic_auth:
        user, _, password = args.basic_auth.partition(':')
        auth['basic'] = {'user': user, 'password': password}
    if args.bearer_token:
        auth['bearer'] = {'token': args.bearer_token, 'logical_cluster': args.bearer_cluster,
                          'identity_pool': args.bearer_pool}
    if args.forbid:
        auth['forbidden'] = args.forbid
    state = State(load_json_arg(args.data) or {}, load_json_arg(args.faults) or [], auth)
    tls = make_tls_context(args) if args.tls_cert else None
    server = Server((args.host, args.port), state, tls, args.verbose)
    port = server.server_address[1]

    signal.signal(signal.SIGTERM, lambda *_: state.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: state.stopping.set())
    if args.exit_on_stdin_eof:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            state.stopping.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    serving = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.1},
                               daemon=True)
    serving.start()
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w', encoding='ascii') as f:
            f.write('%d\n' % port)
        os.replace(tmp, args.port_file)  # a reader never sees a half-written port
    print('PORT %d' % port, flush=True)

    while not state.stopping.wait(0.2):
        if not parent_alive(args.parent_pid):
            break
    state.stopping.set()
    server.shutdown()
    server.server_close()
    if args.log_file:
        write_log(state, args.log_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
