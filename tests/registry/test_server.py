#!/usr/bin/env python3
"""Self-test of the fault-injecting test registry (server.py): every endpoint, contexts,
GUIDs, the unknown-properties header, each fault, auth, TLS, the request log and the
process contract (port file, SIGTERM, never outliving its parent)."""

import base64
import concurrent.futures
import email.utils
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, 'server.py')
DATA = os.path.join(HERE, 'data.json')
MAKE_CERTS = os.path.join(HERE, 'make_certs.sh')
CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
UNKNOWN = {'Confluent-Accept-Unknown-Properties': 'true'}

BASIC_USER, BASIC_PASSWORD = 'reader', 'p4ss-w0rd-SECRET'
BEARER_TOKEN = 'tok-SECRET-123'


def wait_for_port(proc, port_file, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                return int(f.read())
        if proc.poll() is not None:
            raise RuntimeError('server exited early: %s' % proc.stderr.read())
        time.sleep(0.02)
    raise RuntimeError('server did not write its port')


def process_gone(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            return any(line.startswith('State:') and 'Z' in line.split()[1] for line in f)
    except FileNotFoundError:
        return True


class RegistryProcess:
    """server.py as a subprocess; stderr is kept so tests can search it for secrets."""

    def __init__(self, tmp, *extra, data=DATA):
        self.tmp = tmp
        self.port_file = tempfile.mktemp(dir=tmp, suffix='.port')
        self.log_file = tempfile.mktemp(dir=tmp, suffix='.log.json')
        self.stderr_path = tempfile.mktemp(dir=tmp, suffix='.stderr')
        self.stderr = open(self.stderr_path, 'w+')
        args = [sys.executable, SERVER, '--port-file', self.port_file,
                '--log-file', self.log_file, '--verbose'] + list(extra)
        if data:
            args += ['--data', data]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, text=True)
        self.proc.stderr = self.stderr
        self.port = wait_for_port(self.proc, self.port_file)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdin:
            self.proc.stdin.close()
        self.stderr.seek(0)
        text = self.stderr.read()
        self.stderr.close()
        return text

    def conn(self, timeout=10, **kw):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout, **kw)

    def request(self, path, headers=None, method='GET', timeout=10, body=None):
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            c.close()

    def get_json(self, path, headers=None):
        status, headers, body = self.request(path, headers)
        return status, headers, json.loads(body)

    def control(self, action, obj=None, method='POST'):
        status, _, body = self.request('/__control/' + action, method=method,
                                       body=json.dumps(obj) if obj is not None else None)
        assert status == 200, (status, body)
        return json.loads(body)

    def faults(self, *faults):
        self.control('faults', {'faults': list(faults)})

    def log(self):
        return self.control('log', method='GET')


class TempDirCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='cfavro-registry-test-')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


class SharedServerCase(TempDirCase):
    """One plain server for the whole class, its log and faults cleared before each test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = RegistryProcess(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        super().tearDownClass()

    def setUp(self):
        self.srv.control('reset')


class Endpoints(SharedServerCase):

    def test_schema_by_id(self):
        status, headers, obj = self.srv.get_json('/schemas/ids/1')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Content-Type'], CONTENT_TYPE)
        self.assertEqual(json.loads(obj['schema'])['name'], 'Default')
        self.assertEqual(set(obj), {'schema'})

    def test_bare_primitive_and_references(self):
        self.assertEqual(self.srv.get_json('/schemas/ids/2')[2], {'schema': '"string"'})
        obj = self.srv.get_json('/schemas/ids/3')[2]
        self.assertEqual(obj['references'], [{'name': 'Ref', 'subject': 'ref-value', 'version': 1}])

    def test_missing_id_is_40403(self):
        status, headers, obj = self.srv.get_json('/schemas/ids/999')
        self.assertEqual((status, obj['error_code']), (404, 40403))
        self.assertEqual(headers['Content-Type'], CONTENT_TYPE)
        self.assertIn('message', obj)

    def test_non_avro_type_always_named_and_rules_passed_through(self):
        obj = self.srv.get_json('/schemas/ids/5')[2]
        self.assertEqual(obj['schemaType'], 'PROTOBUF')
        obj = self.srv.get_json('/schemas/ids/6')[2]
        self.assertEqual(obj['ruleSet']['domainRules'][0]['type'], 'ENCRYPT')
        self.assertEqual(obj['metadata'], {'properties': {'owner': 'tests'}})

    def test_unknown_properties_only_on_request(self):
        plain = self.srv.get_json('/schemas/ids/1')[2]
        for key in ('guid', 'schemaType', 'ts', 'deleted'):
            self.assertNotIn(key, plain)
        full = self.srv.get_json('/schemas/ids/1', UNKNOWN)[2]
        self.assertEqual(full['schemaType'], 'AVRO')
        self.assertRegex(full['guid'], r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
        self.assertIsInstance(full['ts'], int)
        self.assertIs(full['deleted'], False)

    def test_contexts_same_id_different_schemas(self):
        names = {}
        for label, path in (('default', '/schemas/ids/1'),
                            ('ctx1', '/schemas/ids/1?subject=' + urllib.parse.quote(':.ctx1:')),
                            ('ctx2', '/schemas/ids/1?subject=:.ctx2:'),
                            ('prefix1', '/contexts/.ctx1/schemas/ids/1'),
                            ('prefix2', '/contexts/.ctx2/schemas/ids/1')):
            status, _, obj = self.srv.get_json(path)
            self.assertEqual(status, 200, path)
            names[label] = json.loads(obj['schema'])['name']
        self.assertEqual(names, {'default': 'Default', 'ctx1': 'InCtx1', 'ctx2': 'InCtx2',
                                 'prefix1': 'InCtx1', 'prefix2': 'InCtx2'})
        # An id present only in the default context is not found in another one.
        self.assertEqual(self.srv.get_json('/schemas/ids/2?subject=:.ctx1:')[2]['error_code'], 40403)
        self.assertEqual(self.srv.get_json('/contexts/.ctx2/schemas/ids/2')[2]['error_code'], 40403)

    def test_guid_lookup_across_contexts(self):
        guid = self.srv.get_json('/schemas/ids/1?subject=:.ctx2:', UNKNOWN)[2]['guid']
        status, _, obj = self.srv.get_json('/schemas/guids/' + guid)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(obj['schema'])['name'], 'InCtx2')
        self.assertNotIn('guid', obj)
        self.assertEqual(self.srv.get_json('/schemas/guids/' + guid, UNKNOWN)[2]['guid'], guid)
        status, _, obj = self.srv.get_json('/schemas/guids/00000000-0000-0000-0000-000000000000')
        self.assertEqual((status, obj['error_code']), (404, 40403))

    def test_subject_versions(self):
        status, _, obj = self.srv.get_json('/subjects/topic-value/versions/1')
        self.assertEqual(status, 200)
        self.assertEqual((obj['subject'], obj['version'], obj['id']), ('topic-value', 1, 1))
        self.assertEqual(json.loads(obj['schema'])['name'], 'Default')
        # latest skips the soft-deleted version 2 unless ?deleted=true.
        self.assertEqual(self.srv.get_json('/subjects/topic-value/versions/latest')[2]['version'], 1)
        obj = self.srv.get_json('/subjects/topic-value/versions/latest?deleted=true', UNKNOWN)[2]
        self.assertEqual((obj['version'], obj['id'], obj['deleted']), (2, 3, True))
        status, _, obj = self.srv.get_json('/subjects/topic-value/versions/2')
        self.assertEqual((status, obj['error_code']), (404, 40402))
        self.assertEqual(self.srv.get_json('/subjects/topic-value/versions/2?deleted=true')[0], 200)
        status, _, obj = self.srv.get_json('/subjects/nope/versions/1')
        self.assertEqual((status, obj['error_code']), (404, 40401))
        status, _, obj = self.srv.get_json('/subjects/topic-value/versions/9')
        self.assertEqual((status, obj['error_code']), (404, 40402))

    def test_subject_percent_decoded_and_in_context(self):
        path = '/subjects/%s/versions/1' % urllib.parse.quote('my topic/value', safe='')
        status, _, obj = self.srv.get_json(path)
        self.assertEqual((status, obj['subject'], obj['schema']), (200, 'my topic/value', '"string"'))
        obj = self.srv.get_json('/subjects/%s/versions/1' % urllib.parse.quote(':.ctx1:topic-value'))[2]
        self.assertEqual(json.loads(obj['schema'])['name'], 'InCtx1')
        obj = self.srv.get_json('/contexts/.ctx1/subjects/topic-value/versions/latest')[2]
        self.assertEqual(json.loads(obj['schema'])['name'], 'InCtx1')

    def test_subjects_list(self):
        status, _, names = self.srv.get_json('/subjects')
        self.assertEqual(status, 200)
        self.assertEqual(sorted(names), sorted(['topic-value', 'ref-value', 'my topic/value',
                                                ':.ctx1:topic-value']))
        self.assertEqual(self.srv.get_json('/contexts/.ctx1/subjects')[2], [':.ctx1:topic-value'])

    def test_other_methods_405_and_logged(self):
        for method in ('POST', 'PUT', 'DELETE'):
            status, headers, body = self.srv.request('/subjects/topic-value/versions', method=method,
                                                     body='{"schema": "\\"int\\""}')
            self.assertEqual(status, 405, method)
            self.assertEqual(json.loads(body)['error_code'], 405)
        methods = [e['method'] for e in self.srv.log()['requests']]
        self.assertEqual(methods, ['POST', 'PUT', 'DELETE'])

    def test_unknown_path_404(self):
        self.assertEqual(self.srv.request('/config')[0], 404)
        self.assertEqual(self.srv.request('/schemas/ids/abc')[0], 404)

    def test_request_log_and_counters(self):
        headers = dict(UNKNOWN, **{'User-Agent': 'cfavro/9.9', 'Accept': 'application/json'})
        for _ in range(3):
            self.srv.request('/schemas/ids/1', headers)
        self.srv.request('/schemas/ids/999?subject=:.ctx1:')
        log = self.srv.log()
        self.assertEqual(log['total'], 4)
        self.assertEqual(log['counts'], {'/schemas/ids/1': 3, '/schemas/ids/999': 1})
        first, last = log['requests'][0], log['requests'][-1]
        self.assertEqual(first['headers']['User-Agent'], 'cfavro/9.9')
        self.assertEqual(first['headers']['Accept'], 'application/json')
        self.assertEqual(first['headers']['Confluent-Accept-Unknown-Properties'], 'true')
        self.assertEqual((first['method'], first['status'], first['auth']), ('GET', 200, 'none'))
        self.assertEqual((last['query'], last['status']), ('subject=:.ctx1:', 404))
        times = [e['t'] for e in log['requests']]
        self.assertEqual(times, sorted(times))
        self.assertEqual([e['seq'] for e in log['requests']], [0, 1, 2, 3])
        dump = os.path.join(self.tmp, 'dump.json')
        self.srv.control('log/dump', {'file': dump})
        with open(dump) as f:
            self.assertEqual(json.load(f)['total'], 4)
        self.srv.control('reset')
        self.assertEqual(self.srv.log()['total'], 0)

    def test_data_replaced_at_run_time(self):
        self.srv.control('data', {'contexts': {'.': {'ids': {'77': {'schema': '"bytes"'}}}}})
        try:
            self.assertEqual(self.srv.get_json('/schemas/ids/77')[2], {'schema': '"bytes"'})
            self.assertEqual(self.srv.request('/schemas/ids/1')[0], 404)
        finally:
            with open(DATA) as f:
                self.srv.control('data', json.load(f))
        self.assertEqual(self.srv.request('/schemas/ids/1')[0], 200)

    def test_control_rejects_unknown_fault(self):
        status, _, body = self.srv.request('/__control/faults', method='POST',
                                           body=json.dumps({'faults': [{'kind': 'explode'}]}))
        self.assertEqual(status, 400)
        self.assertIn('explode', json.loads(body)['error'])


class Faults(SharedServerCase):

    def test_delay(self):
        self.srv.faults({'kind': 'delay', 'ms': 300})
        start = time.monotonic()
        status = self.srv.request('/schemas/ids/1')[0]
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_hang_times_out_client_and_blocks_nothing_else(self):
        self.srv.faults({'kind': 'hang', 'path': '^/schemas/ids/2$'})
        hung = self.srv.conn(timeout=0.5)
        hung.request('GET', '/schemas/ids/2')
        start = time.monotonic()
        # Other requests are served while that one hangs.
        self.assertEqual(self.srv.request('/schemas/ids/1', timeout=2)[0], 200)
        with self.assertRaises(socket.timeout):
            hung.getresponse()
        self.assertLess(time.monotonic() - start, 3)
        hung.close()
        entries = [e for e in self.srv.log()['requests'] if e['path'] == '/schemas/ids/2']
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]['fault'], 'hang')

    def test_delay_before_another_fault(self):
        self.srv.faults({'kind': 'status', 'status': 503, 'delay_ms': 250})
        start = time.monotonic()
        self.assertEqual(self.srv.request('/schemas/ids/1')[0], 503)
        self.assertGreaterEqual(time.monotonic() - start, 0.25)

    def test_concurrent_requests_all_served_and_counted(self):
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda i: self.srv.request('/schemas/ids/%d' % (i % 3 + 1))[0],
                                     range(100)))
        self.assertEqual(statuses, [200] * 100)
        log = self.srv.log()
        self.assertEqual(log['total'], 100)
        self.assertEqual(sum(log['counts'].values()), 100)

    def test_status_faults(self):
        for code in (500, 502, 503, 504, 408):
            self.srv.faults({'kind': 'status', 'status': code})
            status, headers, body = self.srv.request('/schemas/ids/1')
            self.assertEqual(status, code)
            self.assertEqual(json.loads(body)['error_code'], code * 100 + 1)
            self.assertEqual(headers['Content-Type'], CONTENT_TYPE)

    def test_rate_limit_seconds(self):
        self.srv.faults({'kind': 'rate_limit', 'retry_after': 2, 'limit': 75, 'remaining': 0,
                         'reset': 3})
        status, headers, body = self.srv.request('/schemas/ids/1')
        self.assertEqual(status, 429)
        self.assertEqual(json.loads(body)['error_code'], 42901)
        self.assertEqual((headers['Retry-After'], headers['X-RateLimit-Limit'],
                          headers['X-RateLimit-Remaining'], headers['X-RateLimit-Reset']),
                         ('2', '75', '0', '3'))

    def test_rate_limit_http_date(self):
        self.srv.faults({'kind': 'rate_limit', 'retry_after': 5, 'date': True, 'reset': None,
                         'remaining': None})
        status, headers, _ = self.srv.request('/schemas/ids/1')
        self.assertEqual(status, 429)
        self.assertNotIn('X-RateLimit-Reset', headers)
        self.assertNotIn('X-RateLimit-Remaining', headers)
        self.assertEqual(headers['X-RateLimit-Limit'], '75')
        when = email.utils.parsedate_to_datetime(headers['Retry-After']).timestamp()
        self.assertAlmostEqual(when - time.time(), 5, delta=2)

    def test_reset_without_response(self):
        self.srv.faults({'kind': 'reset'})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
            self.srv.request('/schemas/ids/1')
        self.assertEqual(self.srv.log()['requests'][0]['status'], 'reset')

    def test_reset_after_partial_headers(self):
        self.srv.faults({'kind': 'reset', 'partial_headers': True})
        with socket.create_connection(('127.0.0.1', self.srv.port), timeout=5) as s:
            s.sendall(b'GET /schemas/ids/1 HTTP/1.1\r\nHost: x\r\n\r\n')
            received = b''
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    received += chunk
            except ConnectionResetError:
                pass
        self.assertTrue(received.startswith(b'HTTP/1.1 200 OK\r\n'), received)
        self.assertNotIn(b'\r\n\r\n', received)

    def test_html_bodies(self):
        for code in (200, 502):
            self.srv.faults({'kind': 'html', 'status': code})
            status, headers, body = self.srv.request('/schemas/ids/1')
            self.assertEqual(status, code)
            self.assertTrue(headers['Content-Type'].startswith('text/html'))
            self.assertTrue(body.startswith(b'<html>'))

    def test_oversized(self):
        self.srv.faults({'kind': 'oversized', 'bytes': 3 * 1024 * 1024})
        status, headers, body = self.srv.request('/schemas/ids/1')
        self.assertEqual((status, len(body)), (200, 3 * 1024 * 1024))
        self.assertEqual(headers['Content-Length'], str(3 * 1024 * 1024))
        self.assertEqual(json.loads(body)['schema'], '"string"')
        self.srv.faults({'kind': 'oversized', 'bytes': 100000, 'no_length': True})
        status, headers, body = self.srv.request('/schemas/ids/1')
        self.assertNotIn('Content-Length', headers)
        self.assertEqual(len(body), 100000)

    def test_invalid_json(self):
        self.srv.faults({'kind': 'invalid_json'})
        status, _, body = self.srv.request('/schemas/ids/1')
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_bad_schema(self):
        self.srv.faults({'kind': 'bad_schema'})
        status, _, obj = self.srv.get_json('/schemas/ids/1')
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(obj['schema'])

    def test_protobuf(self):
        self.srv.faults({'kind': 'protobuf'})
        obj = self.srv.get_json('/schemas/ids/1')[2]
        self.assertEqual(obj['schemaType'], 'PROTOBUF')
        self.assertIn('syntax = "proto3"', obj['schema'])

    def test_encrypt_rules(self):
        self.srv.faults({'kind': 'encrypt'})
        obj = self.srv.get_json('/schemas/ids/1')[2]
        self.assertEqual(obj['ruleSet']['domainRules'][0]['type'], 'ENCRYPT')
        self.assertEqual(json.loads(obj['schema'])['name'], 'Default')
        self.srv.faults({'kind': 'encrypt', 'payload': True})
        obj = self.srv.get_json('/schemas/ids/1')[2]
        self.assertEqual(obj['ruleSet']['encodingRules'][0]['type'], 'ENCRYPT_PAYLOAD')

    def test_fault_still_404s_unknown_id(self):
        self.srv.faults({'kind': 'protobuf'})
        self.assertEqual(self.srv.get_json('/schemas/ids/999')[2]['error_code'], 40403)

    def test_fail_first_k_then_succeed(self):
        self.srv.faults({'kind': 'status', 'status': 503, 'times': 3, 'path': '^/schemas/ids/'})
        statuses = [self.srv.request('/schemas/ids/1')[0] for _ in range(5)]
        self.assertEqual(statuses, [503, 503, 503, 200, 200])
        # The path pattern keeps the fault off other paths.
        self.srv.faults({'kind': 'status', 'status': 500, 'path': '^/schemas/ids/2$'})
        self.assertEqual(self.srv.request('/schemas/ids/1')[0], 200)
        self.assertEqual(self.srv.request('/schemas/ids/2')[0], 500)
        log = self.srv.log()
        self.assertEqual(log['counts'], {'/schemas/ids/1': 6, '/schemas/ids/2': 1})
        self.assertEqual(log['faults'][0]['used'], 1)

    def test_faults_in_order_first_match_wins(self):
        self.srv.faults({'kind': 'rate_limit', 'times': 1}, {'kind': 'status', 'status': 502,
                                                            'times': 1})
        statuses = [self.srv.request('/schemas/ids/1')[0] for _ in range(3)]
        self.assertEqual(statuses, [429, 502, 200])

    def test_faults_from_command_line(self):
        srv = RegistryProcess(self.tmp, '--faults',
                              json.dumps([{'kind': 'status', 'status': 504, 'times': 1}]))
        try:
            self.assertEqual([srv.request('/schemas/ids/1')[0] for _ in range(2)], [504, 200])
        finally:
            srv.stop()


class Auth(TempDirCase):
    def _check_no_secret(self, srv, stderr, *secrets):
        texts = [json.dumps(srv.log()) if srv.proc.poll() is None else '', stderr]
        if os.path.exists(srv.log_file):
            with open(srv.log_file) as f:
                texts.append(f.read())
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, text)

    def test_basic(self):
        srv = RegistryProcess(self.tmp, '--basic-auth', '%s:%s' % (BASIC_USER, BASIC_PASSWORD),
                              '--forbid', '^/subjects$')
        good = base64.b64encode(('%s:%s' % (BASIC_USER, BASIC_PASSWORD)).encode()).decode()
        bad = base64.b64encode(('%s:wrong' % BASIC_USER).encode()).decode()
        try:
            status, _, body = srv.request('/schemas/ids/1')
            self.assertEqual((status, json.loads(body)['error_code']), (401, 40101))
            self.assertEqual(srv.request('/schemas/ids/1', {'Authorization': 'Basic ' + bad})[0], 401)
            self.assertEqual(srv.request('/schemas/ids/1',
                                         {'Authorization': 'Bearer ' + BEARER_TOKEN})[0], 401)
            self.assertEqual(srv.request('/schemas/ids/1', {'Authorization': 'Basic ' + good})[0], 200)
            status, _, body = srv.request('/subjects', {'Authorization': 'Basic ' + good})
            self.assertEqual((status, json.loads(body)['error_code']), (403, 40301))
            auths = [e['auth'] for e in srv.log()['requests']]
            self.assertEqual(auths, ['none', 'basic', 'bearer', 'basic', 'basic'])
            self._check_no_secret(srv, '', BASIC_PASSWORD, good, bad, BEARER_TOKEN)
        finally:
            stderr = srv.stop()
        self._check_no_secret(srv, stderr, BASIC_PASSWORD, good, bad, BEARER_TOKEN)

    def test_bearer_with_cluster_and_pool(self):
        srv = RegistryProcess(self.tmp, '--bearer-token', BEARER_TOKEN,
                              '--bearer-cluster', 'lsrc-123', '--bearer-pool', 'pool-9')
        full = {'Authorization': 'Bearer ' + BEARER_TOKEN, 'target-sr-cluster': 'lsrc-123',
                'Confluent-Identity-Pool-Id': 'pool-9'}
        try:
            self.assertEqual(srv.request('/schemas/ids/1', full)[0], 200)
            self.assertEqual(srv.request('/schemas/ids/1', dict(full, Authorization='Bearer x'))[0], 401)
            for header in ('target-sr-cluster', 'Confluent-Identity-Pool-Id'):
                partial = {k: v for k, v in full.items() if k != header}
                self.assertEqual(srv.request('/schemas/ids/1', partial)[0], 401, header)
            self.assertEqual(srv.request('/schemas/ids/1', dict(full, **{'target-sr-cluster': 'x'}))[0],
                             401)
            first = srv.log()['requests'][0]
            self.assertEqual(first['headers']['target-sr-cluster'], 'lsrc-123')
            self.assertEqual(first['auth'], 'bearer')
        finally:
            stderr = srv.stop()
        self._check_no_secret(srv, stderr, BEARER_TOKEN)

    def test_auth_set_at_run_time(self):
        srv = RegistryProcess(self.tmp)
        try:
            self.assertEqual(srv.request('/schemas/ids/1')[0], 200)
            srv.control('auth', {'bearer': {'token': BEARER_TOKEN}})
            self.assertEqual(srv.request('/schemas/ids/1')[0], 401)
            self.assertEqual(srv.request('/schemas/ids/1',
                                         {'Authorization': 'Bearer ' + BEARER_TOKEN})[0], 200)
        finally:
            stderr = srv.stop()
        self._check_no_secret(srv, stderr, BEARER_TOKEN)


class Tls(TempDirCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        openssl = os.environ.get('CFAVRO_OPENSSL') or shutil.which('openssl')
        if not openssl:
            raise RuntimeError('the TLS tests need the openssl command (not found)')
        cls.certs = os.path.join(cls.tmp, 'certs')
        env = dict(os.environ, PATH=os.path.dirname(openssl) + os.pathsep + os.environ['PATH'])
        subprocess.run(['sh', MAKE_CERTS, cls.certs], check=True, env=env)
        with open(os.path.join(cls.certs, 'client-key.pass')) as f:
            cls.key_password = f.read()

    def cert(self, name):
        return os.path.join(self.certs, name)

    def client_context(self, ca='ca.pem', client=None, key=None, password=None):
        ctx = ssl.create_default_context(cafile=self.cert(ca))
        if client:
            ctx.load_cert_chain(self.cert(client), self.cert(key), password=password)
        return ctx

    def get(self, port, ctx, host='127.0.0.1'):
        c = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
        try:
            c.request('GET', '/schemas/ids/1')
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def start(self, server_cert='server', *extra):
        return RegistryProcess(self.tmp, '--tls-cert', self.cert(server_cert + '.pem'),
                               '--tls-key', self.cert(server_cert + '.key'), *extra)

    def test_tls_success_and_hostname_both_ways(self):
        srv = self.start()
        try:
            status, body = self.get(srv.port, self.client_context())
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(json.loads(body)['schema'])['name'], 'Default')
            self.assertEqual(self.get(srv.port, self.client_context(), host='localhost')[0], 200)
        finally:
            srv.stop()

    def test_hang_over_tls_bounded_by_client_timeout(self):
        srv = self.start('server', '--faults', json.dumps([{'kind': 'hang', 'times': 1}]))
        try:
            c = http.client.HTTPSConnection('127.0.0.1', srv.port, context=self.client_context(),
                                            timeout=0.5)
            c.request('GET', '/schemas/ids/1')
            with self.assertRaises(socket.timeout):
                c.getresponse()
            c.close()
            self.assertEqual(self.get(srv.port, self.client_context())[0], 200)
        finally:
            srv.stop()
        with open(srv.log_file) as f:
            self.assertEqual([e['status'] for e in json.load(f)['requests']], ['hang', 200])

    def test_wrong_ca_fails(self):
        srv = self.start()
        try:
            with self.assertRaises(ssl.SSLCertVerificationError) as cm:
                self.get(srv.port, self.client_context(ca='other-ca.pem'))
            self.assertIn('unable to get local issuer', str(cm.exception))
            # The server keeps serving after a failed handshake.
            self.assertEqual(self.get(srv.port, self.client_context())[0], 200)
        finally:
            srv.stop()

    def test_hostname_mismatch_fails(self):
        srv = self.start('wrong-host')
        try:
            with self.assertRaises(ssl.SSLCertVerificationError) as cm:
                self.get(srv.port, self.client_context())
            self.assertIn('mismatch', str(cm.exception))
        finally:
            srv.stop()

    def test_mtls_requires_client_certificate(self):
        srv = self.start('server', '--tls-client-ca', self.cert('ca.pem'))
        try:
            with self.assertRaises((ssl.SSLError, ConnectionResetError, BrokenPipeError,
                                    http.client.RemoteDisconnected)):
                self.get(srv.port, self.client_context())
            self.assertEqual(self.get(srv.port, self.client_context(
                client='client.pem', key='client.key'))[0], 200)
            self.assertEqual(self.get(srv.port, self.client_context(
                client='client.pem', key='client-enc.key', password=self.key_password))[0], 200)
            with self.assertRaises(ssl.SSLError):
                self.client_context(client='client.pem', key='client-enc.key', password='wrong')
        finally:
            stderr = srv.stop()
        self.assertNotIn(self.key_password, stderr)
        # The control API is behind TLS too here: read the log the server wrote at exit.
        with open(srv.log_file) as f:
            log = json.load(f)
        self.assertIn('tls_error', [e['status'] for e in log['requests']])
        self.assertEqual(log['counts'], {'/schemas/ids/1': 2})

    def test_mtls_rejects_certificate_from_other_ca(self):
        # A client certificate the server's CA did not sign: make one under other-ca.
        key, csr, pem = (os.path.join(self.tmp, n) for n in ('stray.key', 'stray.csr', 'stray.pem'))
        subprocess.run(['openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt',
                        'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
                        '-subj', '/CN=stray'], check=True, capture_output=True)
        subprocess.run(['openssl', 'x509', '-req', '-in', csr, '-CA', self.cert('other-ca.pem'),
                        '-CAkey', self.cert('other-ca.key'), '-CAcreateserial', '-days', '1',
                        '-out', pem], check=True, capture_output=True)
        srv = self.start('server', '--tls-client-ca', self.cert('ca.pem'))
        try:
            ctx = ssl.create_default_context(cafile=self.cert('ca.pem'))
            ctx.load_cert_chain(pem, key)
            with self.assertRaises((ssl.SSLError, ConnectionResetError, BrokenPipeError,
                                    http.client.RemoteDisconnected)):
                self.get(srv.port, ctx)
        finally:
            srv.stop()


class ProcessContract(TempDirCase):
    def test_sigterm_exits_cleanly_with_a_hung_request_and_writes_log(self):
        srv = RegistryProcess(self.tmp)
        srv.faults({'kind': 'hang'})
        hung = srv.conn(timeout=30)
        hung.request('GET', '/schemas/ids/1')
        time.sleep(0.2)
        start = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        self.assertEqual(srv.proc.wait(10), 0)
        self.assertLess(time.monotonic() - start, 5)
        hung.close()
        srv.stop()
        with open(srv.log_file) as f:
            log = json.load(f)
        self.assertEqual(log['counts'], {'/schemas/ids/1': 1})

    def test_exits_when_stdin_closes(self):
        srv = RegistryProcess(self.tmp, '--exit-on-stdin-eof')
        srv.proc.stdin.close()
        srv.proc.stdin = None
        self.assertEqual(srv.proc.wait(10), 0)
        srv.stop()

    def test_never_outlives_its_parent(self):
        port_file = os.path.join(self.tmp, 'orphan.port')
        # A parent that starts the server, prints its pid and dies at once.
        parent = subprocess.run(
            [sys.executable, '-c',
             'import subprocess, sys, time\n'
             'p = subprocess.Popen([sys.executable, %r, "--port-file", %r], '
             'stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n'
             'while True:\n'
             '    try:\n'
             '        open(%r).read(); break\n'
             '    except FileNotFoundError: time.sleep(0.02)\n'
             'print(p.pid)\n' % (SERVER, port_file, port_file)],
            check=True, capture_output=True, text=True, timeout=20)
        pid = int(parent.stdout)
        deadline = time.monotonic() + 10
        while not process_gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(process_gone(pid), 'server %d outlived its parent' % pid)

    def test_port_file_holds_a_listening_port(self):
        srv = RegistryProcess(self.tmp, data=None)
        try:
            with open(srv.port_file) as f:
                self.assertEqual(int(f.read()), srv.port)
            self.assertGreater(srv.port, 0)
            self.assertEqual(srv.get_json('/schemas/ids/1')[2]['error_code'], 40403)
            self.assertEqual(srv.get_json('/subjects')[2], [])
        finally:
            srv.stop()


if __name__ == '__main__':
    unittest.main(verbosity=2)
