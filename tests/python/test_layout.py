#!/usr/bin/env python3
"""The ctypes mirrors in python/cfavro.py against the C compiler's view of
include/cfavro.h: tests/python/layout_dump (built by meson, path in
CFAVRO_LAYOUT_DUMP) prints sizeof/offsetof of every public struct and the value of
every constant; this test compares them with the binding's structs and enums, and
checks that the header declares no status the dump (and so the binding) misses."""
import ctypes
import json
import os
import re
import struct
import subprocess
import unittest

import cfavro
import support as s

MIRRORS = {
    "cfavro_error": cfavro.CError,
    "cfavro_frame": cfavro.CFrame,
    "cfavro_setting_info": cfavro.CSettingInfo,
    "cfavro_cache_item": cfavro.CCacheItem,
    "cfavro_batch_result": cfavro.CBatchResult,
    "cfavro_stats": cfavro.CStats,
}


class LayoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        out = subprocess.run([os.environ["CFAVRO_LAYOUT_DUMP"]], capture_output=True,
                             check=True, timeout=60).stdout
        cls.dump = json.loads(out)
        with open(os.path.join(s.SOURCE_ROOT, "include", "cfavro.h")) as f:
            cls.header = f.read()

    def test_every_public_struct_is_mirrored(self):
        declared = set(re.findall(r"typedef struct (cfavro_\w+) \{", self.header))
        self.assertEqual(declared, set(MIRRORS))
        self.assertEqual(set(self.dump["structs"]), set(MIRRORS))

    def test_struct_layouts(self):
        for name, mirror in MIRRORS.items():
            with self.subTest(struct=name):
                c = self.dump["structs"][name]
                self.assertEqual(ctypes.sizeof(mirror), c["size"])
                self.assertEqual([f[0] for f in mirror._fields_], list(c["fields"]))
                for field, offset in c["fields"].items():
                    self.assertEqual(getattr(mirror, field).offset, offset, field)

    def test_field_sizes(self):
        # Sizes the offsets alone do not pin down (the last field, arrays).
        self.assertEqual(cfavro.CError.message.size,
                         self.dump["constants"]["CFAVRO_ERROR_MESSAGE_MAX"])
        self.assertEqual(cfavro.CError.path.size, self.dump["constants"]["CFAVRO_ERROR_PATH_MAX"])
        self.assertEqual(cfavro.CFrame.guid.size, self.dump["constants"]["CFAVRO_GUID_SIZE"])
        self.assertEqual(cfavro.CCacheItem.guid.size, self.dump["constants"]["CFAVRO_GUID_SIZE"])
        c = self.dump["constants"]
        self.assertEqual(cfavro.CStats.failed_by_class.size,
                         8 * c["CFAVRO_STATS_CLASS_SLOTS"])
        self.assertEqual(cfavro.CStats.registry_latency_buckets.size,
                         8 * c["CFAVRO_STATS_LATENCY_BUCKETS"])
        self.assertEqual(ctypes.sizeof(cfavro.CStats), c["CFAVRO_STATS_SIZE_V1"])

    def test_batch_result_columns(self):
        # decode_batch reads results as columns of machine words (memoryview casts).
        for spec, field in ((cfavro._RESULT_STATUS, "status"),
                            (cfavro._RESULT_SCHEMA_ID, "schema_id")):
            code, first, stride = spec
            size = ctypes.sizeof(ctypes.c_int if code == "i" else ctypes.c_int64)
            self.assertEqual(first * size, self.dump["structs"]["cfavro_batch_result"]
                             ["fields"][field])
            self.assertEqual(stride * size, self.dump["structs"]["cfavro_batch_result"]["size"])
        self.assertEqual(cfavro.CBatchResult.status.size, struct.calcsize("i"))
        self.assertEqual(cfavro.CBatchResult.schema_id.size, struct.calcsize("q"))

    def test_constants(self):
        c = self.dump["constants"]
        self.assertEqual((c["CFAVRO_VERSION_MAJOR"], c["CFAVRO_VERSION_MINOR"]),
                         cfavro._API_VERSION)
        self.assertEqual(c["CFAVRO_NO_SCHEMA_ID"], cfavro._NO_SCHEMA_ID)
        self.assertEqual(self.dump["no_offset"], cfavro._NO_OFFSET)
        self.assertEqual(c["CFAVRO_HEADER_V0_SIZE"], cfavro._HEADER_V0_SIZE)
        self.assertEqual(c["CFAVRO_HEADER_V1_SIZE"], cfavro._HEADER_V1_SIZE)
        self.assertEqual((c["CFAVRO_FRAME_V0"], c["CFAVRO_FRAME_V1"]),
                         (cfavro.FRAME_V0, cfavro.FRAME_V1))
        self.assertEqual((c["CFAVRO_SETTING_CLIENT"], c["CFAVRO_SETTING_SECRET"],
                          c["CFAVRO_SETTING_AVAILABLE"]), (1, 1, 2))
        self.assertEqual({1: "ready", 2: "failed"},
                         {c["CFAVRO_CACHE_READY"]: "ready", c["CFAVRO_CACHE_FAILED"]: "failed"})
        self.assertEqual(cfavro._ORIGINS, {c["CFAVRO_ORIGIN_" + n.upper()]: n for n in
                                           ("none", "memory", "directory", "persisted",
                                            "registry")})

    def test_status_codes(self):
        statuses = {k[len("CFAVRO_E_"):] if k != "CFAVRO_OK" else "OK": v
                    for k, v in self.dump["statuses"].items()}
        self.assertEqual(statuses, {m.name: m.value for m in cfavro.Status})
        classes = {k[len("CFAVRO_CLASS_"):]: v for k, v in self.dump["classes"].items()}
        self.assertEqual(classes, {m.name: m.value for m in cfavro.StatusClass})
        # The header declares nothing the dump leaves out.
        in_header = set(re.findall(r"^\s*(CFAVRO_E_\w+) = \d+", self.header, re.M))
        self.assertEqual(in_header | {"CFAVRO_OK"}, set(self.dump["statuses"]))
        in_header = set(re.findall(r"^\s*(CFAVRO_CLASS_\w+) = \d+", self.header, re.M))
        self.assertEqual(in_header, set(self.dump["classes"]))

    def test_every_function_has_a_prototype(self):
        # Each CFAVRO_API function of the header the binding calls has its argtypes;
        # those it leaves out are named here on purpose.
        declared = set(re.findall(r"CFAVRO_API [^;(]*?\b(cfavro_\w+)\(", self.header))
        not_bound = {"cfavro_decode_batch_json"}  # the offsets form serves Python
        self.assertEqual(declared - not_bound, set(cfavro._PROTOTYPES))


if __name__ == "__main__":
    unittest.main()
