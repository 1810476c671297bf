#!/usr/bin/env python3
"""cfavro against a real Confluent-compatible Schema Registry.

The peer is Apicurio Registry (tests/registry/peer.py starts it on loopback;
.ci/install-registry-peer installs it). Only the test setup writes to it
(POST, the way a producer registers schemas); everything checked afterwards
is a GET with the headers cfavro's registry client sends, so the read path
is the one a decoder with read-only credentials takes.

  * the REST API cfavro relies on: /schemas/ids/{id} (also with ?subject=),
    /subjects/{subject}/versions/{version} with a percent-encoded subject,
    references (a diamond: order -> person -> address and order -> address),
    and Confluent's error codes for what is not there;
  * the cfavro CLI decoding framed messages through the registry
    (`cfavro decode --set schema.registry.url=URL FILE`, and from stdin);
  * basic auth with role-based access: a read-only user reads but cannot
    write, wrong or missing credentials get 401, and the CLI decodes with
    basic.auth.user.info (USER_INFO) and with credentials in the URL (URL),
    and fails without showing the password when it is wrong.

It also prints which optional Confluent features the peer has (GUIDs,
contexts, rule sets, content type), as measured, for the README.

usage: test_peer.py [CFAVRO_CLI]
Without CFAVRO_CLI (run by hand) the CLI tests are skipped; meson passes it.
Exits 77 (skip) only when the peer is not installed; CI installs it and counts
a skip as a failure.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for avro_bytes
import peer as peer_mod  # noqa: E402
from avro_bytes import long_, string_  # noqa: E402

try:
    INSTALL = peer_mod.find_installation()
except peer_mod.PeerNotInstalled as err:
    print('test_peer.py: skipped: %s' % err, file=sys.stderr)
    sys.exit(peer_mod.EXIT_NOT_INSTALLED)

# The cfavro binary: the first argument (taken out before unittest reads argv).
CLI = sys.argv[1] if __name__ == '__main__' and len(sys.argv) > 1 else None

# What cfavro's registry client sends on every request (ISSUE9 item 3).
CFAVRO_HEADERS = {
    'Accept': 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, '
              'application/json',
    'Confluent-Accept-Unknown-Properties': 'true',
    'User-Agent': 'cfavro/test',
}
JSON_CONTENT_TYPES = ('application/vnd.schemaregistry.v1+json',
                      'application/vnd.schemaregistry+json', 'application/json')

NS = 'cfavro.peer'
ADDRESS = {'type': 'record', 'name': 'Address', 'namespace': NS, 'fields': [
    {'name': 'city', 'type': 'string'},
    {'name': 'zip', 'type': ['null', 'string'], 'default': None}]}
# Uses Address twice by name: the referenced type is defined once.
PERSON = {'type': 'record', 'name': 'Person', 'namespace': NS, 'fields': [
    {'name': 'name', 'type': 'string'},
    {'name': 'home', 'type': NS + '.Address'},
    {'name': 'work', 'type': ['null', NS + '.Address'], 'default': None}]}
# References Person (which references Address) and Address: a diamond.
ORDER = {'type': 'record', 'name': 'Order', 'namespace': NS, 'fields': [
    {'name': 'number', 'type': 'long'},
    {'name': 'buyer', 'type': NS + '.Person'},
    {'name': 'ship_to', 'type': NS + '.Address'}]}
USER = {'type': 'record', 'name': 'User', 'namespace': NS, 'fields': [
    {'name': 'name', 'type': 'string'},
    {'name': 'age', 'type': 'int'}]}

SUBJECT_ADDRESS = 'cfavro-peer-address'
SUBJECT_PERSON = 'cfavro-peer-person-value'
SUBJECT_ORDER = 'cfavro-peer-order-value'
SUBJECT_USER = 'cfavro peer/user value'  # a space and a slash: percent-encoding matters

REF_ADDRESS = {'name': NS + '.Address', 'subject': SUBJECT_ADDRESS, 'version': 1}
REF_PERSON = {'name': NS + '.Person', 'subject': SUBJECT_PERSON, 'version': 1}

READER = peer_mod.User('reader', 'r3ader-Pa55', 'read')
WRITER = peer_mod.User('writer', 'wr1ter-Pa55', 'write')


def quote(subject):
    return urllib.parse.quote(subject, safe='')


def request(base_url, path, body=None, user=None, headers=None):
    """(HTTP status, Content-Type, parsed JSON body or None) of one request."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + path, data=data,
                                 method='GET' if body is None else 'POST')
    for name, value in (headers if headers is not None else CFAVRO_HEADERS).items():
        req.add_header(name, value)
    if body is not None:
        req.add_header('Content-Type', 'application/vnd.schemaregistry.v1+json')
    if user is not None:
        token = base64.b64encode(('%s:%s' % (user.name, user.password)).encode()).decode()
        req.add_header('Authorization', 'Basic ' + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, ctype, raw = resp.status, resp.headers.get('Content-Type', ''), resp.read()
    except urllib.error.HTTPError as e:
        status, ctype, raw = e.code, e.headers.get('Content-Type', ''), e.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, ctype, parsed


def register(base_url, subject, schema, references=(), user=None):
    """POST a new version (test setup only); the schema id the registry gave it."""
    body = {'schema': json.dumps(schema)}
    if references:
        body['references'] = list(references)
    status, _, reply = request(base_url, '/subjects/%s/versions' % quote(subject), body, user)
    if status != 200 or not isinstance(reply, dict) or 'id' not in reply:
        raise AssertionError('registering %s: HTTP %d %r' % (subject, status, reply))
    return reply['id']


def register_all(base_url, user=None):
    """The test schemas; {name: id}."""
    return {
        'address': register(base_url, SUBJECT_ADDRESS, ADDRESS, user=user),
        'person': register(base_url, SUBJECT_PERSON, PERSON, [REF_ADDRESS], user),
        'order': register(base_url, SUBJECT_ORDER, ORDER, [REF_PERSON, REF_ADDRESS], user),
        'user': register(base_url, SUBJECT_USER, USER, user=user),
    }


# Avro binary of the test values, built by hand, and the JSON cfavro must print
# (default settings: unions in Avro's JSON encoding, {"type name": value}).
def address_bytes(city, zip_code):
    return string_(city) + (long_(0) if zip_code is None else long_(1) + string_(zip_code))


def address_json(city, zip_code):
    return {'city': city, 'zip': None if zip_code is None else {'string': zip_code}}


def person_bytes():
    return (string_('Ana') + address_bytes('Lisboa', None)
            + long_(1) + address_bytes('Porto', '4000-322'))


PERSON_JSON = {'name': 'Ana', 'home': address_json('Lisboa', None),
               'work': {NS + '.Address': address_json('Porto', '4000-322')}}


def frame(schema_id, payload):
    """Confluent's wire format: magic 0, the id as 4 bytes big-endian, the Avro binary."""
    return b'\x00' + schema_id.to_bytes(4, 'big') + payload


def messages(ids):
    """[(name, framed message, expected JSON)] covering plain, reference and diamond."""
    return [
        ('user', frame(ids['user'], string_('Zé') + long_(42)), {'name': 'Zé', 'age': 42}),
        ('person', frame(ids['person'], person_bytes()), PERSON_JSON),
        ('order', frame(ids['order'], long_(-7) + person_bytes() + address_bytes('Faro', '8000')),
         {'number': -7, 'buyer': PERSON_JSON, 'ship_to': address_json('Faro', '8000')}),
    ]


def run_cli(args, stdin_bytes=None):
    return subprocess.run([CLI, 'decode'] + args, input=stdin_bytes, capture_output=True,
                          timeout=120)


def decode_file(settings, message):
    """cfavro decode --set K=V... FILE: (exit status, stdout, stderr)."""
    with tempfile.NamedTemporaryFile(suffix='.bin', delete=False) as f:
        f.write(message)
    try:
        args = []
        for key, value in settings:
            args += ['--set', '%s=%s' % (key, value)]
        p = run_cli(args + [f.name])
    finally:
        os.unlink(f.name)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')


class DecodeAssertions:
    def assertDecodes(self, settings, message, expected):
        rc, out, err = decode_file(settings, message)
        self.assertEqual(rc, 0, 'cfavro decode failed (exit %d): %s' % (rc, err.strip()))
        lines = out.splitlines()
        self.assertEqual(len(lines), 1, out)
        self.assertEqual(json.loads(lines[0]), expected)


def check_schema_reply(test, reply, schema, references):
    test.assertEqual(json.loads(reply['schema']), schema)
    # Missing schemaType means AVRO; missing references means none.
    test.assertEqual(reply.get('schemaType', 'AVRO'), 'AVRO')
    test.assertEqual(reply.get('references') or [], list(references))


SCHEMAS = {  # name: (schema, references, subject)
    'address': (ADDRESS, [], SUBJECT_ADDRESS),
    'person': (PERSON, [REF_ADDRESS], SUBJECT_PERSON),
    'order': (ORDER, [REF_PERSON, REF_ADDRESS], SUBJECT_ORDER),
    'user': (USER, [], SUBJECT_USER),
}


class RestApi(unittest.TestCase):
    """The read path cfavro's client uses, against the anonymous peer."""

    def get(self, path):
        return request(OPEN.base_url, path)

    def test_schema_by_id(self):
        for name, (schema, refs, _) in SCHEMAS.items():
            with self.subTest(name):
                status, ctype, reply = self.get('/schemas/ids/%d' % OPEN_IDS[name])
                self.assertEqual(status, 200, reply)
                self.assertIn(ctype.split(';')[0].strip(), JSON_CONTENT_TYPES)
                check_schema_reply(self, reply, schema, refs)

    def test_schema_by_id_with_subject(self):
        for name, (schema, refs, subject) in SCHEMAS.items():
            with self.subTest(name):
                status, _, reply = self.get('/schemas/ids/%d?subject=%s'
                                            % (OPEN_IDS[name], quote(subject)))
                self.assertEqual(status, 200, reply)
                check_schema_reply(self, reply, schema, refs)

    def test_subject_version(self):
        for name, (schema, refs, subject) in SCHEMAS.items():
            for version in ('1', 'latest'):
                with self.subTest(name, version=version):
                    status, _, reply = self.get('/subjects/%s/versions/%s'
                                                % (quote(subject), version))
                    self.assertEqual(status, 200, reply)
                    self.assertEqual(reply['subject'], subject)
                    self.assertEqual(reply['version'], 1)
                    self.assertEqual(reply['id'], OPEN_IDS[name])
                    check_schema_reply(self, reply, schema, refs)

    def test_references_resolve_to_registered_ids(self):
        # What the client does for references: each (subject, version) names
        # the schema registered under it, whose own references are followed.
        status, _, order = self.get('/schemas/ids/%d' % OPEN_IDS['order'])
        self.assertEqual(status, 200, order)
        seen = {}
        pending = list(order['references'])
        while pending:
            ref = pending.pop()
            status, _, reply = self.get('/subjects/%s/versions/%d'
                                        % (quote(ref['subject']), ref['version']))
            self.assertEqual(status, 200, reply)
            seen[ref['name']] = reply['id']
            pending += reply.get('references') or []
        self.assertEqual(seen, {NS + '.Person': OPEN_IDS['person'],
                                NS + '.Address': OPEN_IDS['address']})

    def test_not_found_error_codes(self):
        missing_id = max(OPEN_IDS.values()) + 1000
        for path, code in (('/schemas/ids/%d' % missing_id, 40403),
                           ('/subjects/no-such-subject/versions/1', 40401),
                           ('/subjects/%s/versions/99' % quote(SUBJECT_ADDRESS), 40402)):
            with self.subTest(path):
                status, ctype, reply = self.get(path)
                self.assertEqual(status, 404)
                self.assertIn(ctype.split(';')[0].strip(), JSON_CONTENT_TYPES)
                self.assertEqual(reply['error_code'], code, reply)
                self.assertIsInstance(reply['message'], str)


@unittest.skipIf(CLI is None, 'no cfavro CLI given')
class CliDecode(unittest.TestCase, DecodeAssertions):
    """cfavro decode resolving ids through the peer."""

    def test_decode_file(self):
        for name, message, expected in messages(OPEN_IDS):
            with self.subTest(name):
                self.assertDecodes([('schema.registry.url', OPEN.base_url)], message, expected)

    def test_decode_stdin(self):
        name, message, expected = messages(OPEN_IDS)[2]
        p = run_cli(['--set', 'schema.registry.url=' + OPEN.base_url, '-'], message)
        self.assertEqual(p.returncode, 0, p.stderr.decode('utf-8', 'replace'))
        self.assertEqual(json.loads(p.stdout), expected)

    def test_unknown_id_is_not_found(self):
        missing_id = max(OPEN_IDS.values()) + 1000
        rc, out, err = decode_file([('schema.registry.url', OPEN.base_url)],
                                   frame(missing_id, string_('x') + long_(1)))
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, '')
        self.assertIn('not found', err)


class BasicAuth(unittest.TestCase, DecodeAssertions):
    """The peer with basic auth and roles: WRITER registers, READER only reads."""

    def test_reader_reads(self):
        status, _, reply = request(AUTH.base_url, '/schemas/ids/%d' % AUTH_IDS['user'],
                                   user=READER)
        self.assertEqual(status, 200, reply)
        check_schema_reply(self, reply, USER, [])

    def test_reader_cannot_write(self):
        # A decoder's read-only credentials really are read-only on this peer.
        status, _, reply = request(AUTH.base_url, '/subjects/cfavro-peer-denied/versions',
                                   {'schema': '"string"'}, READER)
        self.assertEqual(status, 403, reply)

    def test_missing_or_wrong_credentials(self):
        for user in (None, peer_mod.User(READER.name, 'wrong', 'read')):
            with self.subTest(user=user and user.name):
                status, _, _ = request(AUTH.base_url, '/schemas/ids/%d' % AUTH_IDS['user'],
                                       user=user)
                self.assertEqual(status, 401)

    @unittest.skipIf(CLI is None, 'no cfavro CLI given')
    def test_cli_user_info(self):
        settings = [('schema.registry.url', AUTH.base_url),
                    ('basic.auth.credentials.source', 'USER_INFO'),
                    ('basic.auth.user.info', '%s:%s' % (READER.name, READER.password))]
        for name, message, expected in messages(AUTH_IDS):
            with self.subTest(name):
                self.assertDecodes(settings, message, expected)

    @unittest.skipIf(CLI is None, 'no cfavro CLI given')
    def test_cli_credentials_in_url(self):
        url = AUTH.base_url.replace('http://', 'http://%s:%s@' % (READER.name, READER.password))
        settings = [('schema.registry.url', url), ('basic.auth.credentials.source', 'URL')]
        name, message, expected = messages(AUTH_IDS)[1]
        self.assertDecodes(settings, message, expected)

    @unittest.skipIf(CLI is None, 'no cfavro CLI given')
    def test_cli_wrong_password_fails_without_showing_it(self):
        password = 'Not-The-Pa55word'
        settings = [('schema.registry.url', AUTH.base_url),
                    ('basic.auth.credentials.source', 'USER_INFO'),
                    ('basic.auth.user.info', '%s:%s' % (READER.name, password))]
        rc, out, err = decode_file(settings, messages(AUTH_IDS)[0][1])
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, '')
        self.assertIn('credentials', err)
        self.assertNotIn(password, err)


def probe_features(peer, ids):
    """What the peer offers beyond the basics, as measured (printed, not asserted:
    the README records it; cfavro's own test registry covers these paths)."""
    rows = []
    status, ctype, reply = request(peer.base_url, '/schemas/ids/%d' % ids['user'])
    rows.append(('Content-Type for cfavro\'s Accept', ctype))
    rows.append(('fields of GET /schemas/ids/{id}', ', '.join(sorted(reply))))
    status, ctype, _ = request(peer.base_url, '/schemas/ids/%d' % ids['user'],
                               headers={'Accept': 'application/vnd.schemaregistry.v1+json'})
    rows.append(('Content-Type for Accept: ...v1+json alone', '%d %s' % (status, ctype)))
    status, _, reply = request(peer.base_url,
                               '/schemas/guids/00000000-0000-0000-0000-000000000000')
    rows.append(('GET /schemas/guids/{guid}', '%d %r' % (status, reply)))
    status, _, reply = request(peer.base_url, '/contexts')
    rows.append(('GET /contexts', '%d %r' % (status, reply)))
    status, _, reply = request(peer.base_url, '/schemas/ids/%d?subject=%s'
                               % (ids['user'], quote(':.cfavro-ctx:')))
    rows.append(('id in an empty context (?subject=:.ctx:)', '%d%s' % (
        status, ' (context ignored: default context answers)' if status == 200 else '')))
    status, _, reply = request(peer.base_url, '/contexts/.cfavro-ctx/schemas/ids/%d' % ids['user'])
    rows.append(('/contexts/.ctx/ URL prefix', '%d %r' % (status, reply)))
    status, _, reply = request(peer.base_url, '/subjects/%s/versions/abc'
                               % quote(SUBJECT_ADDRESS))
    rows.append(('invalid version "abc" (Confluent: 422 42202)', '%d %r' % (status, reply)))
    rule_set = {'domainRules': [{'name': 'pii', 'kind': 'TRANSFORM', 'type': 'ENCRYPT',
                                 'mode': 'WRITEREAD', 'tags': ['PII']}]}
    status, _, reply = request(peer.base_url, '/subjects/cfavro-peer-rules/versions',
                               {'schema': '"string"', 'ruleSet': rule_set,
                                'metadata': {'properties': {'owner': 'cfavro'}}})
    if status == 200:
        status, _, reply = request(peer.base_url, '/schemas/ids/%d' % reply['id'])
        kept = [k for k in ('ruleSet', 'metadata') if k in reply]
        rows.append(('ruleSet/metadata kept', ', '.join(kept) or 'no (dropped on register)'))
    else:
        rows.append(('ruleSet/metadata on register', '%d %r' % (status, reply)))
    width = max(len(r[0]) for r in rows)
    print('peer features (Apicurio Registry %s):' % INSTALL['version'])
    for name, value in rows:
        print('  %-*s  %s' % (width, name, value))


def probe_auth_errors(peer):
    rows = []
    for label, user in (('401 body, no credentials', None),
                        ('401 body, wrong password', peer_mod.User('reader', 'x', 'read'))):
        status, ctype, reply = request(peer.base_url, '/subjects', user=user)
        rows.append((label, '%d %s %r' % (status, ctype, reply)))
    status, ctype, reply = request(peer.base_url, '/subjects/cfavro-peer-denied/versions',
                                   {'schema': '"string"'}, READER)
    rows.append(('403 body (read-only user writes)', '%d %s %r' % (status, ctype, reply)))
    for name, value in rows:
        print('  %-32s  %s' % (name, value))


OPEN = OPEN_IDS = AUTH = AUTH_IDS = None


def setUpModule():
    try:
        start_peers()
    except BaseException:
        tearDownModule()  # unittest does not call it when setUpModule fails
        raise


def start_peers():
    global OPEN, OPEN_IDS, AUTH, AUTH_IDS
    OPEN, AUTH = peer_mod.start_all([[], [READER, WRITER]])
    for label, peer in (('anonymous', OPEN), ('basic auth', AUTH)):
        print('peer (%s): %s, ready in %.1f s, %s KiB resident'
              % (label, peer.base_url, peer.start_seconds, peer.rss_kib()))
    OPEN_IDS = register_all(OPEN.base_url)
    probe_features(OPEN, OPEN_IDS)
    AUTH_IDS = register_all(AUTH.base_url, WRITER)
    probe_auth_errors(AUTH)
    sys.stdout.flush()


def tearDownModule():
    for peer in (OPEN, AUTH):
        if peer is not None:
            peer.stop()


if __name__ == '__main__':
    del sys.argv[1:2]
    unittest.main(verbosity=2)
