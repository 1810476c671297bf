#!/usr/bin/env python3
"""The Python binding against the loopback test registry (tests/registry/server.py,
started per test class on a free port): schemas fetched by id, every registry
failure class as RegistryError (auth, unavailable, protocol, rate limited) with no
credential in any message, non-Avro schemas, batches and columns whose rows fail in
the registry, and threads sharing a registry client. In a build without the
registry client (no libcurl) the registry keys are refused with a ConfigError."""
import os
import threading
import unittest

import cfavro
import support as s

HAVE_REGISTRY = os.environ.get("CFAVRO_HAVE_REGISTRY") == "true"
DATA = s.registry_data({s.TRADE_ID: s.TRADE_SCHEMA, s.STRING_ID: s.STRING_SCHEMA})
DATA["contexts"]["."]["ids"]["12"] = {"schema": 'syntax = "proto3";\nmessage P {}\n',
                                      "schemaType": "PROTOBUF"}
# No retries and short waits: each failure is one request.
FAST = {"max.retries": 0, "request.timeout.ms": 5000, "cfavro.registry.negative.ttl.ms": 0}


class RegistryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.registry = s.Registry(DATA)

    @classmethod
    def tearDownClass(cls):
        cls.registry.stop()

    def client(self, **extra):
        config = dict(FAST, **{"schema.registry.url": self.registry.url})
        config.update(extra)
        return cfavro.Client(config)

    def test_decode_through_the_registry(self):
        with self.client() as client, cfavro.Decoder(client) as dec:
            self.assertEqual(dec.decode_batch(s.TRADES), s.TRADES_DICT)
            self.assertEqual(dec.decode(s.frame(s.STRING_ID, b"\x04hi")), "hi")
            client.prefetch(s.TRADE_ID)
            origins = {i.schema_id: i.origin for i in client.cache_list()}
            self.assertEqual(origins[s.TRADE_ID], "registry")
            with self.assertRaises(cfavro.SchemaNotFoundError) as ctx:
                dec.decode(s.UNKNOWN_ID)
            e = ctx.exception
            self.assertEqual((e.status, e.schema_id, e.offset), (301, 4242, None))

    def test_non_avro_schema(self):
        with self.client() as client, cfavro.Decoder(client) as dec:
            with self.assertRaises(cfavro.SchemaError) as ctx:
                dec.decode(s.frame(12, b""))
            self.assertEqual((ctx.exception.status, ctx.exception.class_name), (502, "schema"))
            self.assertIn("PROTOBUF", ctx.exception.message)

    def test_columns_with_registry_failures(self):
        with self.client() as client, cfavro.Decoder(client) as dec:
            cols = dec.decode_columns([s.TRADES[0], s.UNKNOWN_ID, s.frame(12, b""), None])
            self.assertEqual(cols.error_class, [None, "schema_not_found", "schema", "framing"])
            self.assertEqual(cols.schema_id, [7, 4242, 12, None])
            self.assertEqual(cols.json[0], s.TRADES_JSON[0])

    def test_threads_share_a_registry_client(self):
        msgs = s.TRADES * 50 + [s.UNKNOWN_ID]
        with self.client() as client:
            results = []

            def work():
                with cfavro.Decoder(client) as dec:
                    results.append(dec.decode_batch(msgs, as_json=True))

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(len(results), 4)
        for rows in results:
            self.assertEqual(rows[:-1], s.TRADES_JSON * 50)
            self.assertEqual(rows[-1].status, 301)


class RegistryFailureTest(unittest.TestCase):
    """One server per case: the faults and auth are its start-up flags."""

    def failing(self, flags, extra, status):
        registry = s.Registry(DATA, *flags)
        try:
            config = dict(FAST, **{"schema.registry.url": registry.url})
            config.update(extra)
            with cfavro.Client(config) as client, cfavro.Decoder(client) as dec:
                with self.assertRaises(cfavro.RegistryError) as ctx:
                    dec.decode(s.TRADES[0])
                err = ctx.exception
                self.assertEqual((err.status, err.status_class, err.class_name, err.schema_id,
                                  err.offset, err.path), (status, 400, "registry", 7, None, None))
                self.assertIn("127.0.0.1", err.message)  # it names the registry
                rows = dec.decode_batch([s.TRADES[1], s.WRONG_MAGIC])
                self.assertEqual(rows[0].status, status)
                self.assertEqual(rows[1].status, 202)
                self.assertEqual(dec.decode_columns([s.TRADES[2]]).error_class, ["registry"])
                self.assertFalse(dec.validate(s.TRADES[0]))
                self.assertEqual(dec.last_error.status, status)
                return err
        finally:
            registry.stop()

    def test_auth_refused(self):
        err = self.failing(["--basic-auth", "reader:s3cret-pass"],
                           {"basic.auth.credentials.source": "USER_INFO",
                            "basic.auth.user.info": "reader:wrong-pass"}, 401)
        self.assertNotIn("pass", err.message)

    def test_auth_accepted(self):
        registry = s.Registry(DATA, "--basic-auth", "reader:s3cret-pass")
        try:
            config = dict(FAST, **{"schema.registry.url": registry.url,
                                   "basic.auth.credentials.source": "USER_INFO",
                                   "basic.auth.user.info": "reader:s3cret-pass"})
            with cfavro.Decoder(config) as dec:
                self.assertEqual(dec.decode(s.TRADES[3]), s.TRADES_DICT[3])
        finally:
            registry.stop()

    def test_unavailable(self):
        self.failing(["--faults", '[{"kind": "status", "status": 503}]'], {}, 402)

    def test_protocol(self):
        self.failing(["--faults", '[{"kind": "invalid_json"}]'], {}, 403)

    def test_rate_limited(self):
        self.failing(["--faults", '[{"kind": "rate_limit", "retry_after": null}]'], {}, 404)


class NoRegistryTest(unittest.TestCase):
    def test_registry_keys_are_refused(self):
        with self.assertRaises(cfavro.ConfigError) as ctx:
            cfavro.Client({"schema.registry.url": "http://127.0.0.1:1"})
        self.assertIn("schema.registry.url", ctx.exception.message)


# Each build runs the tests of what it has (no test is skipped): the registry
# client's, or the refusal of its keys.
if HAVE_REGISTRY:
    del NoRegistryTest
else:
    del RegistryTest, RegistryFailureTest

if __name__ == "__main__":
    unittest.main()
