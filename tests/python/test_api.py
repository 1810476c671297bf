#!/usr/bin/env python3
"""The Python binding (python/cfavro.py) call by call: the module's functions, Client,
Decoder (single messages, payload, header and frame modes, batches, columns), every
exception class with its fields, the offline schema directory, and threads sharing a
client. Python stdlib only; pyarrow input is tests/python/test_arrow.py, the registry
tests/python/test_registry.py."""
import json
import os
import pickle
import subprocess
import sys
import threading
import unittest
import uuid

import cfavro
import support as s
from avro_bytes import long_, string_


def single(dec, msg, as_json=False):
    """What one decode call gives: the value or the Error it raises."""
    try:
        return dec.decode_json(msg) if as_json else dec.decode(msg)
    except cfavro.Error as e:
        return e


class Base(s.DecoderTest):
    def assertError(self, err, cls, status, offset=None, schema_id=None, path=None,
                    contains=None):
        self.assertIs(type(err), cls, repr(err))
        self.assertEqual(err.status, status)
        self.assertEqual(err.status_class, status // 100 * 100)
        self.assertEqual(err.offset, offset)
        self.assertEqual(err.schema_id, schema_id)
        self.assertEqual(err.path, path)
        if contains is not None:
            self.assertIn(contains, err.message)
        self.assertIn(err.message, str(err))
        self.assertIn("status %d" % status, str(err))

    def raises(self, cls, fn, *args, **kw):
        with self.assertRaises(cls) as ctx:
            fn(*args, **kw)
        return ctx.exception


class ModuleTest(Base):
    def test_version(self):
        v = cfavro.version()
        major, minor, patch = (int(x) for x in v.split("."))
        self.assertEqual(cfavro.version_number(), major * 10000 + minor * 100 + patch)
        self.assertEqual((major, minor), cfavro._API_VERSION)

    def test_library_path_is_the_build_tree_library(self):
        # PYTHONPATH=<build>/python: the configured copy finds <build>/src's library.
        self.assertFalse(os.environ.get("CFAVRO_LIBRARY"))
        self.assertEqual(os.path.realpath(cfavro.library_path()),
                         os.path.realpath(os.environ["CFAVRO_EXPECTED_LIBRARY"]))
        self.assertEqual(cfavro._candidates()[0],
                         ("meson", os.environ["CFAVRO_EXPECTED_LIBRARY"]))

    def run_python(self, code, **env):
        full = dict(os.environ)
        full.update(env)
        return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                              text=True, timeout=120)

    def test_library_from_environment(self):
        run = self.run_python("import cfavro; print(cfavro.library_path())",
                              CFAVRO_LIBRARY=os.environ["CFAVRO_EXPECTED_LIBRARY"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), os.environ["CFAVRO_EXPECTED_LIBRARY"])

    def test_wrong_library_in_environment_fails_loudly(self):
        # No fall-back to the build tree's library: the variable was wrong.
        code = ("import cfavro\ntry:\n    cfavro.version()\nexcept OSError as e:\n"
                "    print('OSError', e)\n")
        run = self.run_python(code, CFAVRO_LIBRARY="/nonexistent/libcfavro.so")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("OSError cfavro: CFAVRO_LIBRARY=/nonexistent/libcfavro.so does not load",
                      run.stdout)

    def test_import_and_exceptions_need_no_library(self):
        # A Spark driver without the library unpickles an executor's error.
        err = cfavro.MalformedDataError(603, "bad", 9, 7, "Trade.qty")
        code = ("import cfavro, pickle, sys\n"
                "e = pickle.loads(sys.stdin.buffer.read())\n"
                "print(type(e).__name__, e.status, e.offset, e.schema_id, e.path, e.message)\n"
                "print(cfavro._lib is None)\n")
        full = dict(os.environ, CFAVRO_LIBRARY="/nonexistent/libcfavro.so")
        run = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                             input=pickle.dumps(err), timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.decode().split("\n")[:2],
                         ["MalformedDataError 603 9 7 Trade.qty bad", "True"])

    def test_installed_copy(self):
        # `meson install` installs <build>/python/install/cfavro.py: the module with
        # the installed library's path written in, and nothing else changed.
        with open(os.path.join(os.environ["CFAVRO_BUILD_ROOT"], "python", "install",
                               "cfavro.py")) as f:
            installed = f.read()
        with open(os.path.join(s.SOURCE_ROOT, "python", "cfavro.py")) as f:
            source = f.read()
        placeholder = '_CONFIGURED_LIBRARY = "@CFAVRO_PYTHON_LIBRARY@"'
        self.assertIn(placeholder, source)
        self.assertEqual(installed, source.replace(placeholder, '_CONFIGURED_LIBRARY = "%s"' %
                                                   os.environ["CFAVRO_INSTALLED_LIBRARY"]))

    def test_source_checkout_candidate(self):
        # python/cfavro.py itself (not configured) looks in <source>/build/src.
        path = os.path.join(s.SOURCE_ROOT, "python", "cfavro.py")
        code = ("import importlib.util as u\n"
                "spec = u.spec_from_file_location('cfavro_src', %r)\n"
                "m = u.module_from_spec(spec); spec.loader.exec_module(m)\n"
                "print(m._candidates()[0])\n" % path)
        run = self.run_python(code)
        self.assertEqual(run.returncode, 0, run.stderr)
        expected = ("source checkout", os.path.join(s.SOURCE_ROOT, "build", "src",
                                                    "libcfavro.so"))
        self.assertEqual(run.stdout.strip(), repr(expected))

    def test_json_parsing_matches_json_loads(self):
        for text in ('{"a":[1,2.5,"x\\u00e9"],"b":null}', '"s"', "[]", "-0.0", " 1", "[2] "):
            self.assertEqual(cfavro._loads(text), json.loads(text))
        for bad in ("", "{", "[1]x", "1 2"):
            with self.assertRaises(json.JSONDecodeError):
                cfavro._loads(bad)

    def test_strerror(self):
        self.assertTrue(cfavro.strerror(cfavro.Status.DATA_LENGTH))
        self.assertEqual(cfavro.strerror(999999), "unknown cfavro status")
        self.assertIn("(class)", cfavro.strerror(600))
        self.assertNotEqual(cfavro.strerror(601), cfavro.strerror(603))

    def test_status_class_matches_the_library(self):
        lib = cfavro._load()
        for status in list(cfavro.Status) + [0, -5, 1234]:
            self.assertEqual(cfavro.status_class(status), lib.cfavro_status_class(status))
        self.assertEqual(cfavro.status_class(603), cfavro.StatusClass.DATA)

    def test_class_names(self):
        self.assertEqual(set(cfavro.STATUS_CLASS_NAMES), set(cfavro.StatusClass))
        self.assertEqual(len(set(cfavro.STATUS_CLASS_NAMES.values())), 9)
        self.assertEqual(cfavro.STATUS_CLASS_NAMES[300], "schema_not_found")

    def test_settings_table(self):
        rows = {r.name: r for r in cfavro.settings()}
        self.assertEqual(len(rows), cfavro._load().cfavro_setting_count())
        self.assertEqual(rows["schema.dir"].scope, "client")
        self.assertIsNone(rows["schema.dir"].default)
        union = rows["json.union"]
        self.assertEqual((union.scope, union.default, union.secret, union.available),
                         ("decoder", "avro", False, True))
        self.assertIn("plain", union.accepted)
        self.assertTrue(union.doc)
        self.assertTrue(rows["basic.auth.user.info"].secret)
        have_registry = os.environ["CFAVRO_HAVE_REGISTRY"] == "true"
        self.assertEqual(rows["schema.registry.url"].available, have_registry)
        # Every key is spelled with dots only, so keyword arguments (_ for .) reach all.
        self.assertFalse([name for name in rows if "_" in name])

    def test_frames(self):
        f = cfavro.parse_frame(s.TRADES[0])
        self.assertEqual((f.kind, f.schema_id, f.guid, f.header_size),
                         (cfavro.FRAME_V0, s.TRADE_ID, None, 5))
        self.assertEqual(bytes(f.payload), s.TRADES[0][5:])
        guid = uuid.UUID("12345678-9abc-def0-1234-56789abcdef0")
        v1 = cfavro.write_frame_v1(guid)
        self.assertEqual(v1, b"\x01" + guid.bytes)
        self.assertEqual(cfavro.write_frame_v1(str(guid)), v1)
        self.assertEqual(cfavro.write_frame_v1(guid.bytes), v1)
        f1 = cfavro.parse_frame(v1 + b"xyz")
        self.assertEqual((f1.kind, f1.schema_id, f1.guid, f1.header_size, bytes(f1.payload)),
                         (cfavro.FRAME_V1, None, guid, 17, b"xyz"))
        self.assertEqual(cfavro.write_frame_v0(7), b"\x00\x00\x00\x00\x07")
        self.assertEqual(cfavro.write_frame_v0(-1), b"\x00\xff\xff\xff\xff")
        h = cfavro.parse_frame_header(cfavro.write_frame_v0(7), b"pay")
        self.assertEqual((h.kind, h.schema_id, h.header_size, bytes(h.payload)),
                         (cfavro.FRAME_V0, 7, 0, b"pay"))
        self.assertIn("schema_id=7", repr(h))
        self.raises(ValueError, cfavro.write_frame_v1, b"short")

    def test_frame_errors(self):
        err = self.raises(cfavro.FramingError, cfavro.parse_frame, b"\x00\x00")
        self.assertError(err, cfavro.FramingError, 201, offset=2, contains="needs 5")
        err = self.raises(cfavro.FramingError, cfavro.parse_frame, s.WRONG_MAGIC)
        self.assertError(err, cfavro.FramingError, 202, offset=0, contains="magic byte 0x05")
        err = self.raises(cfavro.FramingError, cfavro.parse_frame_header, b"\x00" * 6, b"")
        self.assertEqual(err.status, cfavro.Status.FRAME_HEADER_SIZE)
        self.raises(TypeError, cfavro.parse_frame, "text")


class ClientTest(Base):
    def test_config_spellings(self):
        for client in (cfavro.Client(schema_dir=self.schemas.path),
                       cfavro.Client(properties="# c\nschema.dir = %s\n" % self.schemas.path),
                       cfavro.Client(properties=("schema.dir=%s" % self.schemas.path).encode()),
                       cfavro.Client({"schema.dir": self.schemas.path,
                                      "schema.registry.context": None}),
                       cfavro.Client({"schema.dir": self.schemas.path, "json.logical": False,
                                      "limit.depth": 64})):
            with client, cfavro.Decoder(client) as dec:
                self.assertEqual(dec.decode(s.TRADES[0]), s.TRADES_DICT[0])

    def test_path_values(self):
        import pathlib
        with cfavro.Client({"schema.dir": pathlib.Path(self.schemas.path)}) as client:
            client.prefetch(s.TRADE_ID)

    def test_config_errors(self):
        err = self.raises(cfavro.ConfigError, cfavro.Client, {"no.such.key": "1"})
        self.assertError(err, cfavro.ConfigError, 102, contains='"no.such.key"')
        self.assertIsInstance(err, cfavro.ArgumentError)
        self.assertEqual(err.class_name, "argument")
        err = self.raises(cfavro.ConfigError, cfavro.Client, {"limit.depth": "lots"})
        self.assertIn("limit.depth", err.message)
        # A bad secret value is never shown.
        err = self.raises(cfavro.ConfigError, cfavro.Client,
                          {"basic.auth.user.info": "hunter2-no-colon"})
        self.assertNotIn("hunter2", str(err))
        # A NUL would cut the C string: refused before C sees it, value not shown.
        err = self.raises(cfavro.ConfigError, cfavro.Client,
                          {"basic.auth.user.info": "user:pw\0secret"})
        self.assertNotIn("secret", str(err))
        err = self.raises(cfavro.ConfigError, cfavro.Client, properties="no equals sign\n")
        self.assertIn("line 1", err.message)
        self.raises(TypeError, cfavro.Client, ["schema.dir"])
        self.raises(TypeError, cfavro.Client, {"limit.depth": 1.5})
        self.raises(TypeError, cfavro.Client, {1: "x"})

    def test_add_schema(self):
        with cfavro.Client() as client, cfavro.Decoder(client) as dec:
            client.add_schema(s.TRADE_ID, s.TRADE_SCHEMA)
            client.add_schema(s.TRADE_ID, s.TRADE_SCHEMA)  # same text: a no-op
            client.add_schema(20, {"type": "array", "items": "int"})
            client.add_schema(21, s.STRING_SCHEMA.encode())
            self.assertEqual(dec.decode(s.TRADES[1]), s.TRADES_DICT[1])
            self.assertEqual(dec.decode(s.frame(20, long_(2) + long_(1) + long_(-1) + long_(0))),
                             [1, -1])
            self.assertEqual(dec.decode(s.frame(21, string_("hé"))), "hé")
            err = self.raises(cfavro.ArgumentError, client.add_schema, 20, '"int"')
            self.assertError(err, cfavro.ArgumentError, 104, schema_id=20,
                             contains="different schema")
            err = self.raises(cfavro.SchemaError, client.add_schema, 22, '{"type": "strin"}')
            self.assertError(err, cfavro.SchemaError, 501, schema_id=22, contains='"strin"')

    def test_prefetch_and_cache_list(self):
        with cfavro.Client({"schema.dir": self.schemas.path}) as client:
            client.prefetch(s.TRADE_ID)
            err = self.raises(cfavro.SchemaNotFoundError, client.prefetch, 4242)
            self.assertError(err, cfavro.SchemaNotFoundError, 301, schema_id=4242,
                             contains="4242")
            guid = uuid.UUID("00000000-0000-0000-0000-00000000abcd")
            err = self.raises(cfavro.SchemaNotFoundError, client.prefetch_guid, guid)
            self.assertIn(str(guid), err.message)
            items = {(i.schema_id, i.guid): i for i in client.cache_list()}
            self.assertEqual(items[(s.TRADE_ID, None)],
                             cfavro.CacheItem("ready", "directory", s.TRADE_ID, None, "",
                                              "Trade", 0))
            failed = items[(None, guid)]
            self.assertEqual((failed.state, failed.origin, failed.error_status),
                             ("failed", "none", 301))

    def test_stats(self):
        with cfavro.Client({"schema.dir": self.schemas.path}) as client:
            st = client.stats()
            self.assertEqual((st["decoded"], st["failed"], st["decoders"]), (0, 0, 0))
            self.assertEqual(st["failed_by_class"], {})
            self.assertEqual(len(st["registry_latency_buckets"]), 10)
            with cfavro.Decoder(client) as dec:
                dec.decode(s.TRADES[0])
                dec.decode(s.TRADES[1])
                self.assertEqual(client.stats()["decoders"], 1)
                self.raises(cfavro.FramingError, dec.decode, b"\x07\x00")
                self.raises(cfavro.SchemaNotFoundError, dec.decode, s.frame(4242, b""))
            st = client.stats()
            self.assertEqual((st["decoded"], st["failed"]), (2, 2))
            self.assertEqual(st["failed_by_class"], {200: 1, 300: 1})
            self.assertEqual((st["decoders"], st["decoders_freed"]), (0, 1))
            self.assertEqual(st["cache_misses"], 2)  # the trade schema, then 4242
            self.assertEqual(st["cache_entries"], 2)

    def test_finalized_before_its_decoders(self):
        # The garbage collector may finalize a client before the decoders that refer
        # to it (a cycle, interpreter shutdown): the C client is kept until the last
        # decoder is freed (a use after free in the C library otherwise, seen as a
        # heap corruption at exit).
        client = cfavro.Client({"schema.dir": self.schemas.path})
        dec = cfavro.Decoder(client)
        client.__del__()
        self.assertIsNotNone(client._handle)
        self.assertEqual(dec.decode(s.TRADES[0]), s.TRADES_DICT[0])
        dec.__del__()
        self.assertIsNone(client._handle)
        # The same through the collector: client first in a garbage cycle.
        import gc
        cycle = {"client": cfavro.Client({"schema.dir": self.schemas.path})}
        cycle["dec"] = cfavro.Decoder(cycle["client"])
        cycle["self"] = cycle
        del cycle
        gc.collect()

    def test_close_with_open_decoders(self):
        client = cfavro.Client({"schema.dir": self.schemas.path})
        dec = cfavro.Decoder(client)
        client.close()
        self.assertTrue(client.closed)
        self.assertIsNotNone(client._handle)  # kept for the open decoder
        self.assertEqual(dec.decode(s.TRADES[0]), s.TRADES_DICT[0])
        self.raises(ValueError, cfavro.Decoder, client)
        self.raises(ValueError, client.prefetch, 7)
        self.assertFalse(dec.closed)
        dec.close()
        self.assertTrue(dec.closed)
        self.assertIsNone(client._handle)  # released with the last decoder
        dec.close()
        client.close()
        self.raises(ValueError, dec.decode, s.TRADES[0])


class DecoderTest(Base):
    def test_decode(self):
        for msg, text, value in zip(s.TRADES, s.TRADES_JSON, s.TRADES_DICT):
            self.assertEqual(self.dec.decode_json(msg), text)
            self.assertEqual(self.dec.decode(msg), value)
            self.assertTrue(self.dec.validate(msg))
            self.assertIsNone(self.dec.last_error)
        for form in (bytearray, memoryview):
            self.assertEqual(self.dec.decode(form(s.TRADES[0])), s.TRADES_DICT[0])
        self.raises(TypeError, self.dec.decode, "text")
        self.raises(TypeError, self.dec.decode, None)

    def test_offline_directory_schema_from_tests_data(self):
        # tests/data/trade.avsc (id 1 in the directory): logical types rendered.
        payload = (string_("binance") + string_("BTCUSDT") + long_(42) + s.double(65000.5)
                   + s.double(0.25) + long_(1717200000123) + long_(1) + b"\x01"
                   + long_(1) + string_("s-1") + long_(0))
        value = self.dec.decode(s.frame(1, payload))
        self.assertEqual(value["timestamp"], "2024-06-01T00:00:00.123Z")
        self.assertEqual((value["exchange"], value["trade_id"], value["side"],
                          value["is_buyer_maker"], value["sequence_id"]),
                         ("binance", 42, "SELL", True, {"string": "s-1"}))

    def test_validate_false_and_last_error(self):
        self.assertFalse(self.dec.validate(s.UNKNOWN_ID))
        self.assertError(self.dec.last_error, cfavro.SchemaNotFoundError, 301, schema_id=4242)
        bad, offset = s.bad_trade()
        self.assertFalse(self.dec.validate(bad))
        self.assertError(self.dec.last_error, cfavro.MalformedDataError, 603, offset=offset,
                         schema_id=7, path='Trade.extra["fee"]')
        self.assertTrue(self.dec.validate(s.TRADES[0]))
        self.assertIsNone(self.dec.last_error)

    def test_options(self):
        plain = '{"symbol":"ETH","qty":-2,"price":0.25,"side":"BUY","note":"hi","extra":{}}'
        for dec in (cfavro.Decoder(self.client, json_union="plain"),
                    cfavro.Decoder(self.client, settings={"json.union": "plain"}),
                    cfavro.Decoder(self.client, {"json.union": "avro"}, json_union="plain")):
            with dec:
                self.assertEqual(dec.decode_json(s.TRADES[1]), plain)
        with cfavro.Decoder(self.client) as dec:
            dec.set("json.union", "plain")
            self.assertEqual(dec.decode_json(s.TRADES[1]), plain)
            err = self.raises(cfavro.ConfigError, dec.set, "schema.dir", "/x")
            self.assertIn("client setting", err.message)
            err = self.raises(cfavro.ConfigError, dec.set, "json.union", "weird")
            self.assertEqual(dec.decode_json(s.TRADES[1]), plain)  # unchanged
        with cfavro.Decoder(self.client, reader_schema=s.READER_NARROW) as dec:
            self.assertEqual(dec.decode_batch(s.TRADES[:2]),
                             [{"symbol": "BTC", "qty": 3}, {"symbol": "ETH", "qty": -2}])
        with cfavro.Decoder(self.client, decode_trailing_bytes="allow") as dec:
            self.assertEqual(dec.decode(s.TRADES[0] + b"\x00"), s.TRADES_DICT[0])
        self.raises(cfavro.ConfigError, cfavro.Decoder, self.client, schema_dir="/x")
        self.raises(cfavro.ConfigError, cfavro.Decoder, self.client, no_such_option=1)
        self.raises(TypeError, cfavro.Decoder, "schema.dir")

    def test_decoder_with_its_own_client(self):
        with cfavro.Decoder({"schema.dir": self.schemas.path}, json_union="plain") as dec:
            self.assertEqual(dec.decode(s.TRADES[1])["note"], "hi")
            own = dec.client
            self.assertFalse(own.closed)
        self.assertTrue(own.closed)
        self.assertIsNone(own._handle)
        # A failed decoder setting releases the client it made.
        self.raises(cfavro.ConfigError, cfavro.Decoder, {"schema.dir": self.schemas.path},
                    json_union="weird")

    def test_payload_mode(self):
        payload = s.TRADES[0][5:]
        self.assertEqual(self.dec.decode_payload(7, payload), s.TRADES_DICT[0])
        self.assertEqual(self.dec.decode_payload_json(7, payload), s.TRADES_JSON[0])
        self.assertTrue(self.dec.validate_payload(7, payload))
        self.assertFalse(self.dec.validate_payload(7, payload[:-1]))
        # The header left on: the message says so.
        err = self.raises(cfavro.TrailingBytesError, self.dec.decode_payload, 7, s.TRADES[0])
        self.assertIn("header was not stripped", err.message)
        err = self.raises(cfavro.SchemaNotFoundError, self.dec.decode_payload_json, 99, b"")
        self.assertEqual(err.schema_id, 99)

    def test_header_mode(self):
        payload = s.TRADES[2][5:]
        header = cfavro.write_frame_v0(7)
        self.assertEqual(self.dec.decode_header(header, payload), s.TRADES_DICT[2])
        self.assertEqual(self.dec.decode_header_json(header, payload), s.TRADES_JSON[2])
        self.assertTrue(self.dec.validate_header(header, payload))
        self.assertFalse(self.dec.validate_header(header, payload[:3]))
        self.assertEqual(self.dec.last_error.status, 603)
        err = self.raises(cfavro.FramingError, self.dec.decode_header, b"\x00\x00", payload)
        self.assertEqual(err.status, 201)
        # V1 header: looked up by GUID, here the directory's <guid>.avsc.
        guid = uuid.uuid4()
        path = os.path.join(self.schemas.path, "%s.avsc" % guid)
        with open(path, "w") as f:
            f.write(s.TRADE_SCHEMA)
        try:
            v1 = cfavro.write_frame_v1(guid)
            self.assertEqual(self.dec.decode_header(v1, payload), s.TRADES_DICT[2])
            self.assertEqual(self.dec.decode(v1 + payload), s.TRADES_DICT[2])
        finally:
            os.unlink(path)

    def test_frame_mode(self):
        frame = cfavro.parse_frame(s.TRADES[3])
        self.assertEqual(self.dec.decode_frame(frame), s.TRADES_DICT[3])
        self.assertEqual(self.dec.decode_frame_json(frame), s.TRADES_JSON[3])
        self.assertTrue(self.dec.validate_frame(frame))
        bad, offset = s.bad_trade()
        bad_frame = cfavro.parse_frame(bad)
        err = self.raises(cfavro.MalformedDataError, self.dec.decode_frame, bad_frame)
        self.assertEqual(err.offset, offset)  # counted in the whole message
        self.assertFalse(self.dec.validate_frame(bad_frame))
        for fn in (self.dec.decode_frame, self.dec.decode_frame_json, self.dec.validate_frame):
            self.raises(TypeError, fn, s.TRADES[0])


class ExceptionTest(Base):
    def test_every_class(self):
        bad, bad_offset = s.bad_trade()
        with cfavro.Decoder(self.client, limit_depth=2) as deep, \
                cfavro.Decoder(self.client, limit_output_bytes=20) as small, \
                cfavro.Decoder(self.client, reader_schema=s.READER_INCOMPATIBLE) as reader:
            cases = [
                (self.dec, b"", cfavro.FramingError, 201, 0, None, None),
                (self.dec, s.WRONG_MAGIC, cfavro.FramingError, 202, 0, None, None),
                (self.dec, s.RAW_AVRO, cfavro.FramingError, 202, 0, None, None),
                (self.dec, s.UNKNOWN_ID, cfavro.SchemaNotFoundError, 301, None, 4242, None),
                (self.dec, s.TRUNCATED, cfavro.MalformedDataError, 601, 10, 7, "Trade.price"),
                (self.dec, bad, cfavro.MalformedDataError, 603, bad_offset, 7,
                 'Trade.extra["fee"]'),
                (self.dec, s.TRADES[0] + b"\x00", cfavro.TrailingBytesError, 701,
                 len(s.TRADES[0]), 7, None),
                (deep, s.NEST_MSG, cfavro.LimitError, 801, 5, s.NEST_ID, "A.b.c"),
                (small, s.TRADES[0], cfavro.LimitError, 803, 9, 7, "Trade"),
                (reader, s.TRADES[0], cfavro.IncompatibleSchemaError, 901, None, 7,
                 "Trade.qty"),
            ]
            for dec, msg, cls, status, offset, schema_id, path in cases:
                with self.subTest(cls=cls.__name__, status=status):
                    err = self.raises(cls, dec.decode, msg)
                    self.assertError(err, cls, status, offset, schema_id, path)
                    self.assertEqual(self.raises(cls, dec.decode_json, msg), err)
                    self.assertFalse(dec.validate(msg) and status != 803)
                    self.assertIsInstance(err, cfavro.Error)
                    self.assertEqual(err.class_name, cfavro.STATUS_CLASS_NAMES[status // 100 * 100])
                    again = pickle.loads(pickle.dumps(err))
                    self.assertIs(type(again), cls)
                    self.assertEqual(again, err)
                    self.assertEqual(str(again), str(err))
            self.assertIn("raw Avro", self.raises(cfavro.FramingError, self.dec.decode,
                                                  s.RAW_AVRO).message)

    def test_schema_error_from_the_directory(self):
        path = os.path.join(self.schemas.path, "11.avsc")
        with open(path, "w") as f:
            f.write('{"type": "record", "name": "R", "fields": [{"name": "a"}]}')
        try:
            err = self.raises(cfavro.SchemaError, self.dec.decode, s.frame(11, b""))
            self.assertError(err, cfavro.SchemaError, 501, schema_id=11)
            self.assertEqual(err.class_name, "schema")
        finally:
            os.unlink(path)

    def test_exception_hierarchy_and_construction(self):
        expected = {100: cfavro.ArgumentError, 200: cfavro.FramingError,
                    300: cfavro.SchemaNotFoundError, 400: cfavro.RegistryError,
                    500: cfavro.SchemaError, 600: cfavro.MalformedDataError,
                    700: cfavro.TrailingBytesError, 800: cfavro.LimitError,
                    900: cfavro.IncompatibleSchemaError}
        for klass, cls in expected.items():
            self.assertTrue(issubclass(cls, cfavro.Error))
            for status in cfavro.Status:
                if status // 100 * 100 == klass and status != 102:
                    self.assertIs(cfavro._exception_type(status), cls)
        self.assertIs(cfavro._exception_type(102), cfavro.ConfigError)
        e = cfavro.Error(603, "msg", offset=3, schema_id=None, path="R.f")
        self.assertEqual((e.status, e.status_class, e.class_name, e.offset, e.path),
                         (603, 600, "data", 3, "R.f"))
        self.assertEqual(str(e), "msg (status 603, offset 3, path R.f)")
        self.assertEqual(cfavro.Error(5, "x").class_name, "unknown")


class BatchTest(Base):
    def mixed(self):
        bad, _ = s.bad_trade()
        guid = uuid.UUID("00000000-0000-0000-0000-0000000000ff")
        return [s.TRADES[0], s.WRONG_MAGIC, s.TRADES[1], None, s.UNKNOWN_ID, bad, s.TRUNCATED,
                s.TRADES[2], s.RAW_AVRO, b"", s.TRADES[3], s.TRADES[0] + b"\x00",
                cfavro.write_frame_v1(guid) + b"x", s.TRADES[1]]

    def expected(self, msgs, dec=None, as_json=False):
        dec = dec or self.dec
        return [single(dec, b"" if m is None else m, as_json) for m in msgs]

    def test_mixed_batch_matches_single_calls(self):
        msgs = self.mixed()
        for as_json in (False, True):
            got = self.dec.decode_batch(msgs, as_json=as_json)
            self.assertEqual(got, self.expected(msgs, as_json=as_json))
            self.assertEqual(sum(isinstance(r, cfavro.Error) for r in got), 9)
        got = self.dec.decode_batch(msgs)
        self.assertEqual([got[i] for i in (0, 2, 7, 10, 13)],
                         [s.TRADES_DICT[i] for i in (0, 1, 2, 3, 1)])
        self.assertIs(type(got[3]), cfavro.FramingError)  # a tombstone
        self.assertEqual(got[3].status, 201)
        self.assertEqual(got[5].path, 'Trade.extra["fee"]')

    def test_all_good_and_empty(self):
        self.assertEqual(self.dec.decode_batch(s.TRADES), s.TRADES_DICT)
        self.assertEqual(self.dec.decode_batch(s.TRADES, as_json=True), s.TRADES_JSON)
        self.assertEqual(self.dec.decode_batch([]), [])
        self.assertEqual(self.dec.decode_batch([], as_json=True), [])
        self.assertEqual(self.dec.decode_batch([None]), [single(self.dec, b"")])

    def test_input_forms(self):
        expected = s.TRADES_DICT * 2
        for msgs in (tuple(s.TRADES * 2), iter(s.TRADES * 2),
                     [bytearray(m) for m in s.TRADES * 2],
                     [memoryview(m) for m in s.TRADES * 2],
                     [memoryview(m).cast("B", (len(m),)) for m in s.TRADES * 2]):
            self.assertEqual(self.dec.decode_batch(msgs), expected)
        # memoryviews whose items are not bytes: their byte length counts.
        import array
        words = [array.array("I", [0x07000000, 0])]  # 8 bytes: 00 00 00 07 00 00 00 00
        self.assertEqual(self.dec.decode_batch(words),
                         [single(self.dec, words[0].tobytes())])
        self.raises(TypeError, self.dec.decode_batch, ["text"])
        self.raises(TypeError, self.dec.decode_batch, [1])

    def test_output_larger_than_the_limit_is_split(self):
        # limit.output.bytes bounds one C call: the batch goes on in further calls.
        msgs = [s.TRADES[i % 4] for i in range(40)]
        with cfavro.Decoder(self.client, limit_output_bytes=300) as dec:
            got = dec.decode_batch(msgs, as_json=True)
            self.assertEqual(got, [s.TRADES_JSON[i % 4] for i in range(40)])
            self.assertEqual(dec.decode_batch(msgs), [s.TRADES_DICT[i % 4] for i in range(40)])
        # A message larger than the limit by itself fails alone, as a single call would.
        big = s.trade("X" * 500, 1, 1.0, 0, None, {})
        msgs = [s.TRADES[0], big, s.TRADES[1], big, big, s.WRONG_MAGIC, s.TRADES[2]]
        with cfavro.Decoder(self.client, limit_output_bytes=200) as dec:
            got = dec.decode_batch(msgs, as_json=True)
            self.assertEqual([type(r) for r in got],
                             [str, cfavro.LimitError, str, cfavro.LimitError, cfavro.LimitError,
                              cfavro.FramingError, str])
            self.assertEqual([got[0], got[2], got[6]],
                             [s.TRADES_JSON[0], s.TRADES_JSON[1], s.TRADES_JSON[2]])
            self.assertEqual(got[1].status, 803)
            self.assertEqual(got[5], single(dec, s.WRONG_MAGIC))
            cols = dec.decode_columns(msgs)
            self.assertEqual(cols.error_status, [None, 803, None, 803, 803, 202, None])
            self.assertEqual(cols.json[6], s.TRADES_JSON[2])

    def test_large_batches_go_in_bounded_calls(self):
        # A batch larger than _CALL_MESSAGES messages or _CALL_BYTES bytes is decoded
        # in several C calls; rows, errors and columns are the same as in one call.
        bad, _ = s.bad_trade()
        msgs = (self.mixed() + [bad, None]) * 7
        one_call = (self.dec.decode_batch(msgs), self.dec.decode_batch(msgs, as_json=True),
                    self.dec.decode_columns(msgs).as_dict())
        self.assertEqual(one_call[1], self.expected(msgs, as_json=True))
        saved = cfavro._CALL_MESSAGES, cfavro._CALL_BYTES
        try:
            for messages, nbytes in ((5, 1 << 20), (1, 1 << 20), (64, 100), (3, 1)):
                with self.subTest(messages=messages, bytes=nbytes):
                    cfavro._CALL_MESSAGES, cfavro._CALL_BYTES = messages, nbytes
                    calls = list(cfavro._sequence_inputs(msgs))
                    self.assertEqual(sum(c.count for c in calls), len(msgs))
                    self.assertTrue(all(c.count <= messages for c in calls))
                    self.assertTrue(all(c.count == 1 or c.data_len <= nbytes for c in calls))
                    self.assertGreater(len(calls), 1)
                    self.assertEqual((self.dec.decode_batch(msgs),
                                      self.dec.decode_batch(msgs, as_json=True),
                                      self.dec.decode_columns(msgs).as_dict()), one_call)
        finally:
            cfavro._CALL_MESSAGES, cfavro._CALL_BYTES = saved

    def test_columns(self):
        msgs = self.mixed()
        cols = self.dec.decode_columns(msgs)
        n = len(msgs)
        self.assertEqual(len(cols), n)
        for name in cfavro.Columns.FIELDS:
            self.assertIs(type(getattr(cols, name)), list)
            self.assertEqual(len(getattr(cols, name)), n)
        self.assertEqual(set(cols.as_dict()), set(cfavro.Columns.FIELDS))
        self.assertEqual(cols.failed, 9)
        for i, expect in enumerate(self.expected(msgs, as_json=True)):
            with self.subTest(row=i):
                if isinstance(expect, cfavro.Error):
                    self.assertIsNone(cols.json[i])
                    self.assertEqual((cols.error_status[i], cols.error_class[i],
                                      cols.error_message[i], cols.error_offset[i],
                                      cols.error_path[i], cols.schema_id[i]),
                                     (expect.status, expect.class_name, expect.message,
                                      expect.offset, expect.path, expect.schema_id))
                else:
                    self.assertEqual(cols.json[i], expect)
                    self.assertEqual(cols.schema_id[i], 7)
                    self.assertEqual((cols.error_status[i], cols.error_class[i],
                                      cols.error_message[i], cols.error_offset[i],
                                      cols.error_path[i]), (None,) * 5)
        self.assertEqual(cols.error_class[:6],
                         [None, "framing", None, "framing", "schema_not_found", "data"])
        self.assertEqual(cols.schema_id[4:6], [4242, 7])
        self.assertIsNone(cols.schema_id[12])  # a V1 frame has a GUID, no id
        self.assertEqual(repr(cols), "Columns(14 rows, 9 failed)")

    def test_columns_all_good(self):
        cols = self.dec.decode_columns(s.TRADES)
        self.assertEqual((cols.json, cols.schema_id, cols.failed),
                         (s.TRADES_JSON, [7] * 4, 0))
        for name in cfavro.Columns.FIELDS[2:]:
            self.assertEqual(getattr(cols, name), [None] * 4)
        cols.error_status[0] = 1  # every column is a list of its own
        self.assertEqual(cols.error_class, [None] * 4)
        empty = self.dec.decode_columns([])
        self.assertEqual((len(empty), empty.failed, empty.json), (0, 0, []))

    def test_batch_leaves_the_decoder_usable(self):
        self.dec.decode_batch(self.mixed())
        self.assertEqual(self.dec.decode(s.TRADES[0]), s.TRADES_DICT[0])
        self.assertEqual(self.dec.decode_batch(s.TRADES), s.TRADES_DICT)


class ThreadTest(Base):
    def test_threads_share_a_client(self):
        msgs = BatchTest.mixed(self) * 5
        expected_json = BatchTest.expected(self, msgs, as_json=True)
        expected = BatchTest.expected(self, msgs)
        failures = []

        def work():
            try:
                with cfavro.Decoder(self.client) as dec:
                    for _ in range(30):
                        if dec.decode_batch(msgs, as_json=True) != expected_json:
                            failures.append("batch json")
                        if dec.decode_batch(msgs) != expected:
                            failures.append("batch")
                        if dec.decode_columns(msgs).json != [
                                e if isinstance(e, str) else None for e in expected_json]:
                            failures.append("columns")
                        if dec.decode(s.TRADES[2]) != s.TRADES_DICT[2]:
                            failures.append("single")
            except Exception as e:  # reported below, not lost in the thread
                failures.append(repr(e))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])

    def test_one_decoder_in_two_threads_is_refused(self):
        # While one thread is inside a call (it holds the decoder's guard for
        # the length of the C call, the GIL released), another thread's call
        # on the same decoder fails instead of corrupting it. Held here by a
        # thread of the test, so the overlap is certain (racing two real
        # calls overlaps only by chance: under valgrind, which runs one
        # thread at a time, it once did not).
        inside, leave = threading.Event(), threading.Event()

        def hold():
            with self.dec._lock:
                inside.set()
                leave.wait(30)

        holder = threading.Thread(target=hold)
        holder.start()
        self.assertTrue(inside.wait(30))
        try:
            with self.assertRaises(RuntimeError) as cm:
                self.dec.validate(s.TRADES[0])
            self.assertIn("two threads", str(cm.exception))
        finally:
            leave.set()
            holder.join()
        self.assertTrue(self.dec.validate(s.TRADES[0]))  # usable again

        # Two real calls racing: whichever comes second is refused, and the
        # long call's output stays whole.
        msgs = s.TRADES * 25000
        done = threading.Event()
        result = []

        def long_call():
            try:
                while not result:
                    try:
                        result.append(self.dec.decode_batch(msgs, as_json=True))
                    except RuntimeError:  # this thread came second: again
                        pass
            finally:
                done.set()

        t = threading.Thread(target=long_call)
        t.start()
        while not done.is_set():
            if not self.dec._lock.locked():
                continue  # the other thread is not inside its call yet
            try:
                self.dec.validate(s.TRADES[0])
            except RuntimeError as e:
                self.assertIn("two threads", str(e))
        t.join()
        self.assertEqual(result[0], s.TRADES_JSON * 25000)


if __name__ == "__main__":
    unittest.main()
