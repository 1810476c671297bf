#!/usr/bin/env python3
"""Write the fuzz schema set, seed corpora and dictionaries (deterministic).

    python3 fuzz/make_seeds.py          # rewrites fuzz/corpus/, fuzz/*.dict,
                                        # fuzz/fuzz_schemas.h

The schema set is defined once, here, and exported to C as fuzz_schemas.h so
the targets and the seeds cannot disagree about which schema an index means.

Message-target input layout (fuzz_decode, fuzz_differential):
    byte 0  selector: bits 0-4 schema index (mod the set size),
            bit 5 decode.trailing.bytes=allow, bit 6 tight limits
            (limit.depth=8, limit.items=64), bit 7 keep the frame's own
            schema id (otherwise a V0 header is rewritten to the chosen id)
    byte 1  output options (fuzz_decode only; see fuzz_common.c)
    rest    the framed message (0x00 + 4-byte id + Avro binary)

Only the standard library is used and nothing random is unseeded, so running
the script twice gives byte-identical files.
"""

import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from avro_bytes import long_, string_  # noqa: E402  (the encoder test_cli.py uses too)

# --------------------------------------------------------------------------
# The schema set. (name, schema, in_differential)
# Top-level "bytes" is left out of the differential: Confluent clients treat
# it as the raw remainder of the message, which avro-c's reader does not.
# --------------------------------------------------------------------------

TRADE = {"type": "record", "name": "Trade", "namespace": "com.example.crypto", "fields": [
    {"name": "exchange", "type": "string"}, {"name": "symbol", "type": "string"},
    {"name": "trade_id", "type": "long"}, {"name": "price", "type": "double"},
    {"name": "quantity", "type": "double"},
    {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "side", "type": {"type": "enum", "name": "Side", "symbols": ["BUY", "SELL"]}},
    {"name": "is_buyer_maker", "type": "boolean"},
    {"name": "sequence_id", "type": ["null", "string"], "default": None},
    {"name": "extra", "type": {"type": "map", "values": "string"}}]}


def _rec(name, fields, **kw):
    d = {"type": "record", "name": name, "fields": [{"name": n, "type": t} for n, t in fields]}
    d.update(kw)
    return d


def _opt(t):
    return ["null", t]


WIDE = _rec("AnalyticsEvent", [
    ("event_id", "string"),
    ("event_type", {"type": "enum", "name": "EventType",
                    "symbols": ["PAGE_VIEW", "CLICK", "PURCHASE", "SIGNUP", "SEARCH", "LOGOUT"]}),
    ("event_version", "int"),
    ("timestamp", {"type": "long", "logicalType": "timestamp-millis"}),
    ("received_at", {"type": "long", "logicalType": "timestamp-micros"}),
    ("user_id", "long"), ("session_id", "string"), ("anonymous_id", _opt("string")),
    ("tenant_id", "int"),
    ("device", _rec("Device", [("os", "string"), ("os_version", "string"), ("model", "string"),
                               ("screen_width", "int"), ("screen_height", "int"),
                               ("is_mobile", "boolean")])),
    ("geo", _opt(_rec("Geo", [("country", "string"), ("region", "string"), ("city", "string"),
                              ("lat", "double"), ("lon", "double")]))),
    ("ip", "bytes"), ("user_agent", "string"), ("referrer", _opt("string")),
    ("url", "string"), ("page_title", "string"), ("duration_ms", "int"),
    ("scroll_depth", "float"), ("revenue", _opt("double")), ("currency", _opt("string")),
    ("items", {"type": "array", "items": _rec("Item", [
        ("sku", "string"), ("quantity", "int"), ("unit_price", "double"),
        ("tags", {"type": "array", "items": "string"})])}),
    ("tags", {"type": "array", "items": "string"}),
    ("properties", {"type": "map", "values": "string"}),
    ("metrics", {"type": "map", "values": "double"}),
    ("experiment_ids", {"type": "array", "items": "int"}), ("flags", "long"),
    ("campaign", _opt(_rec("Campaign", [("source", "string"), ("medium", "string"),
                                        ("name", "string"), ("term", _opt("string"))]))),
    ("app_version", "string"), ("sdk_name", "string"), ("sdk_version", "string"),
    ("locale", "string"), ("timezone_offset_min", "int"), ("is_bot", "boolean"),
    ("consent", _rec("Consent", [("analytics", "boolean"), ("marketing", "boolean"),
                                 ("personalization", "boolean")])),
    ("payload_hash", {"type": "fixed", "name": "MD5", "size": 16}),
    ("raw_payload", "bytes"), ("latency_us", "long"), ("retry_count", "int"),
    ("error_code", _opt("int")), ("score", "double"), ("trace_id", _opt("string")),
    ("partition_key", "string")], namespace="com.example.analytics")

EMPTY = {"type": "record", "name": "Empty", "fields": []}
POINT = _rec("Point", [("x", "int"), ("y", "int")])
COLOR = {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}


def _lt(base, lt, **kw):
    d = {"type": base, "logicalType": lt}
    d.update(kw)
    return d


SCHEMAS = [
    ("prims", _rec("Prims", [("n", "null"), ("b", "boolean"), ("i", "int"), ("l", "long"),
                             ("f", "float"), ("d", "double"), ("by", "bytes"),
                             ("s", "string")]), True),
    ("list", _rec("Node", [("value", "long"), ("next", ["null", "Node"])],
                  namespace="ex.list"), True),
    ("tree", _rec("Tree", [("label", "string"),
                           ("children", {"type": "array", "items": "Tree"}),
                           ("props", {"type": "map", "values": ["null", "Tree"]})]), True),
    ("zero", _rec("Zero", [("nulls", {"type": "array", "items": "null"}),
                           ("empties", {"type": "array", "items": EMPTY}),
                           ("nmap", {"type": "map", "values": "null"}),
                           ("nested", {"type": "array",
                                       "items": {"type": "array", "items": "null"}}),
                           ("unit", "Empty")]), True),
    ("unions", _rec("U", [
        ("opt", ["null", "string"]),
        ("many", ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]),
        ("named", ["null", POINT, COLOR, {"type": "fixed", "name": "Hash", "size": 4},
                   {"type": "array", "items": "long"}, {"type": "map", "values": "string"}]),
        ("list", {"type": "array", "items": ["null", "Point"]})]), True),
    ("enumfixed", _rec("EF", [
        ("color", {"type": "enum", "name": "Shade",
                   "symbols": ["S%d" % i for i in range(70)]}),
        ("hash", {"type": "fixed", "name": "MD5", "size": 16}),
        ("one", {"type": "fixed", "name": "One", "size": 1}),
        ("colors", {"type": "array", "items": "ex.ef.Shade"}),
        ("hashes", {"type": "map", "values": "MD5"})], namespace="ex.ef"), True),
    ("maps", {"type": "map", "values": {"type": "array", "items": "string"}}, True),
    ("logical", _rec("L", [
        ("dec_b", _lt("bytes", "decimal", precision=10, scale=2)),
        ("dec_f", {"type": "fixed", "name": "D8", "size": 8, "logicalType": "decimal",
                   "precision": 18, "scale": 4}),
        ("dec_big", _lt("bytes", "decimal", precision=80, scale=30)),
        ("dec_s0", _lt("bytes", "decimal", precision=5, scale=0)),
        ("uuid", _lt("string", "uuid")),
        ("date", _lt("int", "date")),
        ("tm", _lt("int", "time-millis")),
        ("tu", _lt("long", "time-micros")),
        ("tsm", _lt("long", "timestamp-millis")),
        ("tsu", _lt("long", "timestamp-micros")),
        ("ltm", _lt("long", "local-timestamp-millis")),
        ("ltu", _lt("long", "local-timestamp-micros")),
        ("dur", {"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"})]),
     True),
    ("logical_nested", _rec("LN", [
        ("ts", {"type": "array", "items": ["null", _lt("long", "timestamp-micros")]}),
        ("amounts", {"type": "map",
                     "values": _lt("bytes", "decimal", precision=38, scale=9)}),
        ("when", ["null", _lt("int", "date"), _lt("string", "uuid"),
                  _lt("long", "local-timestamp-millis")]),
        ("bad_lt", _lt("int", "decimal", precision=4, scale=2)),
        ("unknown_lt", _lt("string", "no-such-logical-type"))]), True),
    ("null", "null", True),
    ("boolean", "boolean", True),
    ("int", "int", True),
    ("long", "long", True),
    ("float", "float", True),
    ("double", "double", True),
    ("string", "string", True),
    ("bytes", "bytes", False),
    ("enum", {"type": "enum", "name": "Suit",
              "symbols": ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"]}, True),
    ("fixed_uuid", {"type": "fixed", "name": "U16", "size": 16, "logicalType": "uuid"}, True),
    ("array_int", {"type": "array", "items": "int"}, True),
    ("trade", TRADE, True),
    ("wide", WIDE, True),
    ("mutual", _rec("A", [("b", ["null", _rec("B", [
        ("a", ["null", "A"]), ("as", {"type": "array", "items": "A"})])]),
        ("n", "int")]), True),
    ("namespaces", _rec("Outer", [
        ("inner", _rec("Inner", [("v", "int")], namespace="other.ns")),
        ("again", "other.ns.Inner"),
        ("local", {"type": "enum", "name": "E", "symbols": ["A", "B"]}),
        ("full", "top.E"),
        ("choice", ["null", "other.ns.Inner", "top.E"])], namespace="top"), True),
    ("empty", EMPTY, True),
    # Zero-byte fields in bulk: each item takes one byte (the int) but
    # carries 100 nulls, so the work is bounded only by limit.items. (More
    # fields would pass the 4095-byte string literal C guarantees.)
    ("nullwide", {"type": "array", "items": _rec("NW", [("i", "int")] + [
        ("n%d" % k, "null") for k in range(100)])}, True),
    # Avro 1.12's nanosecond timestamps, and times of day outside one day
    # (printed as numbers), plainly and inside a union.
    ("logical_nanos", _rec("LNs", [
        ("tsn", _lt("long", "timestamp-nanos")),
        ("ltn", _lt("long", "local-timestamp-nanos")),
        ("otn", ["null", _lt("long", "timestamp-nanos")]),
        ("tm", _lt("int", "time-millis")),
        ("tu", ["null", _lt("long", "time-micros")])]), True),
    # A top-level bytes decimal: the raw remainder of the payload, rendered
    # as a decimal (not in the differential, like "bytes").
    ("bytes_decimal", _lt("bytes", "decimal", precision=40, scale=3), False),
]

assert len(SCHEMAS) <= 32


def schema_text(s):
    return json.dumps(s, separators=(",", ":"), sort_keys=False)


# --------------------------------------------------------------------------
# A small Avro binary encoder.
# --------------------------------------------------------------------------

PRIMS = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class Names:
    """Named types by full name and short name (the set avoids clashes)."""

    def __init__(self, root):
        self.by = {}
        self._walk(root, None)

    def _walk(self, s, ns):
        if isinstance(s, list):
            for b in s:
                self._walk(b, ns)
        elif isinstance(s, dict):
            t = s["type"]
            if t in ("record", "enum", "fixed"):
                name = s["name"]
                ns2 = s.get("namespace", ns)
                full = name if "." in name else (ns2 + "." + name if ns2 else name)
                self.by[full] = s
                self.by.setdefault(name, s)
                ns = full.rpartition(".")[0] or None
                for f in s.get("fields", []):
                    self._walk(f["type"], ns)
            elif t == "array":
                self._walk(s["items"], ns)
            elif t == "map":
                self._walk(s["values"], ns)

    def get(self, s):
        if isinstance(s, str) and s not in PRIMS:
            return self.by[s]
        return s


def kind(s):
    if isinstance(s, list):
        return "union"
    if isinstance(s, str):
        return s
    return s["type"]


def encode(names, s, v):
    s = names.get(s)
    k = kind(s)
    if k == "null":
        return b""
    if k == "boolean":
        return b"\x01" if v else b"\x00"
    if k in ("int", "long"):
        return long_(v)
    if k == "float":
        return struct.pack("<f", v) if isinstance(v, float) else struct.pack("<I", v[1])
    if k == "double":
        return struct.pack("<d", v) if isinstance(v, float) else struct.pack("<Q", v[1])
    if k in ("bytes", "string"):
        return string_(v)
    if k == "fixed":
        assert len(v) == s["size"]
        return bytes(v)
    if k == "enum":
        return long_(s["symbols"].index(v))
    if k == "record":
        return b"".join(encode(names, f["type"], v[f["name"]]) for f in s["fields"])
    if k == "union":
        i, bv = v
        return long_(i) + encode(names, s[i], bv)
    if k == "array":
        items = [encode(names, s["items"], x) for x in v]
        return (long_(len(items)) + b"".join(items) + b"\x00") if items else b"\x00"
    if k == "map":
        items = [string_(key) + encode(names, s["values"], x) for key, x in v]
        return (long_(len(items)) + b"".join(items) + b"\x00") if items else b"\x00"
    raise ValueError(k)


def sample(names, s, rnd, depth=0):
    """A random valid value of s; recursion thins out with depth."""
    s = names.get(s)
    k = kind(s)
    if k == "null":
        return None
    if k == "boolean":
        return rnd.random() < 0.5
    if k == "int":
        return rnd.choice([0, 1, -1, 63, -64, 64, 1 << 20, -(1 << 31), (1 << 31) - 1,
                           rnd.randint(-(1 << 31), (1 << 31) - 1)])
    if k == "long":
        return rnd.choice([0, -1, 1 << 40, -(1 << 63), (1 << 63) - 1, 1700000000123,
                           rnd.randint(-(1 << 63), (1 << 63) - 1)])
    if k == "float":
        return rnd.choice([0.0, -0.0, 1.5, 3.4028234663852886e38, 1e-45, 0.1, -2.75])
    if k == "double":
        return rnd.choice([0.0, -0.0, 0.1, 1e300, 5e-324, -123.456, 2.0 ** 53, 1e16])
    if k == "bytes":
        return bytes(rnd.randrange(256) for _ in range(rnd.randrange(6)))
    if k == "string":
        return rnd.choice(["", "a", "héllo", "\u20ac\U0001F600", "quote\"back\\slash\n\x01",
                           "BTCUSDT"])
    if k == "fixed":
        return bytes(rnd.randrange(256) for _ in range(s["size"]))
    if k == "enum":
        return rnd.choice(s["symbols"])
    if k == "record":
        return {f["name"]: sample(names, f["type"], rnd, depth + 1) for f in s["fields"]}
    if k == "union":
        choices = list(range(len(s)))
        if depth > 3:  # prefer a branch that ends the recursion
            choices = [i for i in choices if kind(names.get(s[i])) in PRIMS] or choices
        i = rnd.choice(choices)
        return (i, sample(names, s[i], rnd, depth + 1))
    if k == "array":
        n = 0 if depth > 3 else rnd.randrange(4)
        return [sample(names, s["items"], rnd, depth + 1) for _ in range(n)]
    if k == "map":
        n = 0 if depth > 3 else rnd.randrange(4)
        return [("k%d" % j, sample(names, s["values"], rnd, depth + 1)) for j in range(n)]
    raise ValueError(k)


# --------------------------------------------------------------------------
# Seeds
# --------------------------------------------------------------------------

INDEX = {name: i for i, (name, _, _) in enumerate(SCHEMAS)}
NAMES = {name: Names(s) for name, s, _ in SCHEMAS}
SCHEMA = {name: s for name, s, _ in SCHEMAS}
OPTS = [0x00, 0xFF, 0x55, 0xAA, 0x0F, 0xF0, 0x33, 0xCC]


def frame(payload, schema_id=0):
    return b"\x00" + struct.pack(">I", schema_id & 0xFFFFFFFF) + payload


def msg_input(name, payload, opt=0, flags=0, raw_msg=None):
    sel = INDEX[name] | flags
    return bytes([sel, opt]) + (raw_msg if raw_msg is not None else frame(payload,
                                                                          INDEX[name] + 1))


def valid_payloads():
    """(label, schema name, payload): samples plus hand-picked edge values."""
    out = []
    rnd = random.Random(20240601)
    for name, s, _ in SCHEMAS:
        for j in range(3):
            out.append(("sample%d" % j, name, encode(NAMES[name], s, sample(NAMES[name], s, rnd))))
    n = NAMES
    out += [
        ("list-long", "list", encode(n["list"], "Node", _chain(50))),
        ("tree-deep", "tree", encode(n["tree"], "Tree", _tree(20))),
        ("zero-many", "zero", encode(n["zero"], SCHEMA["zero"], {
            "nulls": [None] * 300, "empties": [{}] * 300, "nmap": [("", None), ("a", None)],
            "nested": [[None] * 3] * 3, "unit": {}})),
        ("nan-inf", "prims", encode(n["prims"], SCHEMA["prims"], {
            "n": None, "b": True, "i": 5, "l": -5, "f": ("bits", 0x7FC00001),
            "d": ("bits", 0xFFF0000000000000), "by": b"\x00\xff", "s": "x"})),
        ("float-inf", "float", struct.pack("<I", 0x7F800000)),
        ("double-nan", "double", struct.pack("<Q", 0x7FF8000000000001)),
        ("double-denorm", "double", struct.pack("<Q", 1)),
        ("dup-keys", "maps", encode(n["maps"], SCHEMA["maps"], [("a", ["1"]), ("a", ["2", "3"])])),
        ("neg-block", "array_int", long_(-3) + long_(3) + long_(1) + long_(2) + long_(3)
         + b"\x00"),
        ("two-blocks", "array_int", long_(1) + long_(7) + long_(2) + long_(8) + long_(9)
         + b"\x00"),
        ("logical-edges", "logical", encode(n["logical"], SCHEMA["logical"], {
            "dec_b": b"\x80\x00", "dec_f": b"\x7f" + b"\xff" * 7,
            "dec_big": b"\x01" + b"\x00" * 40, "dec_s0": b"",
            "uuid": "not-a-uuid", "date": -719529, "tm": 86400000 + 1, "tu": -1,
            "tsm": -(1 << 63), "tsu": (1 << 63) - 1, "ltm": 0, "ltu": 253402300800000000,
            "dur": b"\xff" * 12})),
        ("nanos-edges", "logical_nanos", encode(n["logical_nanos"], SCHEMA["logical_nanos"], {
            "tsn": -(1 << 63), "ltn": (1 << 63) - 1, "otn": (1, -1), "tm": -1,
            "tu": (1, 86400000000)})),
        ("bytes-decimal-long", "bytes_decimal", b"\xff" * 200),
        ("nonminimal-varint", "int", b"\x82\x80\x80\x80\x00"),
        ("long-10byte", "long", b"\xff" * 9 + b"\x01"),
        ("empty-string", "string", b"\x00"),
        ("utf8-4byte", "string", string_("\U0010FFFF")),
        ("null-empty", "null", b""),
        ("empty-record", "empty", b""),
    ]
    return out


def _chain(k):
    v = (0, None)
    for i in range(k):
        v = (1, {"value": i, "next": v})
    return v[1]


def _tree(k):
    t = {"label": "leaf", "children": [], "props": []}
    for i in range(k):
        t = {"label": "n%d" % i, "children": [t], "props": [("p", (0, None))]}
    return t


def malformed():
    """(label, input bytes) for each malformed class."""
    m = []

    def add(label, name, payload, opt=0, flags=0):
        m.append((label, msg_input(name, payload, opt, flags)))

    add("neg-length-string", "string", long_(-1))
    add("neg-length-bytes", "bytes", long_(-5) + b"abc")
    add("huge-length", "string", long_(1 << 30) + b"abc")
    add("huge-length-2e62", "prims", b"\x01\x02\x04" + b"\x00" * 12 + long_(1 << 62))
    add("overlong-long", "long", b"\x80" * 10 + b"\x00")
    add("overlong-int", "int", b"\x80" * 5 + b"\x00")
    # Overlong with bytes after it: 8+ bytes from the varint's start, so the
    # walker's word-at-a-time varint path reads it.
    add("overlong-int-then-data", "int", b"\x80" * 5 + b"\x00" + b"\x02\x04\x06")
    add("overlong-int-item-then-data", "array_int",
        long_(2) + long_(1) + b"\x80" * 5 + b"\x00" + b"\x00\x00\x00")
    add("long-10th-byte", "long", b"\xff" * 9 + b"\x02")
    add("int-range", "int", b"\xff\xff\xff\xff\x1f")
    add("varint-truncated", "long", b"\xff\xff")
    add("block-int64-min", "array_int", b"\xff" * 9 + b"\x01")
    add("block-2e62-nulls", "zero", long_(1 << 62) + b"\x00\x00\x00\x00")
    add("block-2e62-empties", "zero", b"\x00" + long_(1 << 62) + b"\x00\x00\x00")
    add("block-2e62-map-null", "zero", b"\x00\x00" + long_(1 << 62))
    add("block-2e62-ints", "array_int", long_(1 << 62) + b"\x00")
    add("items-limit", "zero", long_(2000000) + b"\x00\x00\x00\x00")
    add("zero-fields-budget", "nullwide", long_(10001) + b"\x00" * 10001 + b"\x00")
    add("zero-fields-tight", "nullwide", long_(1) + b"\x00" + b"\x00", flags=0x40)
    add("items-tight-limit", "zero", long_(100) + b"\x00\x00\x00\x00", flags=0x40)
    add("block-neg-size", "array_int", long_(-1) + long_(-1) + b"\x02\x00")
    add("block-size-mismatch", "array_int", long_(-2) + long_(5) + b"\x02\x04\x00")
    add("block-size-beyond", "array_int", long_(-1) + long_(1000) + b"\x02\x00")
    add("union-index-high", "unions", long_(5))
    add("union-index-neg", "unions", long_(-1))
    add("union-index-huge", "unions", b"\x00" + long_(1 << 40))
    add("enum-index-high", "enum", long_(4))
    add("enum-index-neg", "enum", long_(-1))
    add("enum-index-big", "enumfixed", long_(70) + b"\x00" * 17 + b"\x00\x00")
    add("boolean-2", "boolean", b"\x02")
    add("boolean-ff", "prims", b"\xff")
    add("utf8-invalid", "string", string_(b"\xc3\x28"))
    add("utf8-surrogate", "string", string_(b"\xed\xa0\x80"), opt=0x80)
    add("utf8-overlong", "string", string_(b"\xc0\xaf"))
    add("utf8-map-key", "maps", long_(1) + string_(b"\xff") + b"\x00\x00")
    # Duplicate map keys: plain, equal only once invalid UTF-8 is replaced
    # (opt bit 7), past the inline stage (sorted runs), and inside a nested
    # map; and a large map whose keys are all distinct.
    trade_dup = dict(sample(NAMES["trade"], TRADE, random.Random(7)))
    trade_dup["extra"] = [("fee", "1"), ("venue", "x"), ("fee", "2")]
    add("map-key-dup", "trade", encode(NAMES["trade"], TRADE, trade_dup))
    add("map-key-dup-replaced", "maps", long_(2) + string_(b"\xff") + b"\x00"
        + string_(b"\xef\xbf\xbd") + b"\x00" + b"\x00", opt=0x80)
    many = [("k%d" % i, []) for i in range(40)]
    add("map-key-dup-large", "maps", encode(NAMES["maps"], SCHEMA["maps"],
                                            many + [("k17", [])]))
    add("map-key-distinct-large", "maps", encode(NAMES["maps"], SCHEMA["maps"],
                                                 [("%x" % i, []) for i in range(600)]))
    add("map-key-dup-nested", "tree", encode(NAMES["tree"], SCHEMA["tree"], {
        "label": "root", "children": [], "props": [
            ("a", (1, {"label": "x", "children": [], "props": [("p", (0, None)),
                                                                ("p", (0, None))]}))]}))
    add("trailing", "int", b"\x02\x00")
    add("trailing-allowed", "int", b"\x02\x00", flags=0x20)
    add("trailing-after-null", "null", b"\x00")
    add("float-short", "float", b"\x00\x00")
    add("double-short", "double", b"\x00" * 7)
    add("fixed-short", "fixed_uuid", b"\x00" * 15)
    add("decimal-huge", "logical", long_(200) + b"\x7f" * 200 + b"\x00" * 8
        + long_(0) * 3 + b"\x00" * 7 + b"\x00" * 12, opt=0xFF)
    deep = b"".join(long_(i) + b"\x02" for i in range(200)) + long_(0) + b"\x00"
    add("deep-list-200", "list", deep)
    add("deep-list-tight", "list", b"".join(long_(i) + b"\x02" for i in range(20))
        + long_(0) + b"\x00", flags=0x40)
    add("deep-tree", "tree", (b"\x00\x02" * 300) + b"\x00" * 600)
    add("deep-mutual", "mutual", b"\x02\x02" * 300 + b"\x00" * 600)
    # Framing
    m.append(("frame-empty", bytes([INDEX["null"], 0])))
    for k in range(1, 5):
        m.append(("frame-short-%d" % k, bytes([INDEX["null"], 0]) + b"\x00" * k))
    m.append(("frame-magic-1", msg_input("null", b"", raw_msg=b"\x01" + b"\x00" * 16)))
    m.append(("frame-magic-1-short", msg_input("null", b"", raw_msg=b"\x01\x00\x00")))
    m.append(("frame-magic-json", msg_input("null", b"", raw_msg=b'{"a": 1}')))
    m.append(("frame-magic-text", msg_input("null", b"", raw_msg=b"hello world")))
    m.append(("frame-magic-ff", msg_input("null", b"", raw_msg=b"\xff\x00\x00\x00\x01")))
    m.append(("unknown-id", msg_input("int", b"", flags=0x80,
                                      raw_msg=frame(b"\x02", 9999))))
    m.append(("negative-id", msg_input("int", b"", flags=0x80,
                                       raw_msg=frame(b"\x02", -1))))
    return m


def truncations(valid):
    """Every prefix of a few long valid messages."""
    out = []
    for label, name, payload in valid:
        if label in ("sample0",) and name in ("prims", "logical", "unions", "trade",
                                              "namespaces", "enumfixed"):
            for cut in range(len(payload)):
                out.append(("trunc-%s-%d" % (name, cut), msg_input(name, payload[:cut])))
    return out


# --------------------------------------------------------------------------
# Schema-compiler seeds
# --------------------------------------------------------------------------

def crafted_namespace(ns_len, defs, unions, branches, refs):
    """The outside review's shape (as in tests/test_schema_limits.c): one long
    namespace inherited by `defs` named types, `unions` unions listing
    `branches` - 1 of them by short name, and `refs` fields naming them. Each
    definition, branch and reference is a few bytes of text standing for a
    full name ns_len bytes long."""
    ns = "".join("." if i % 16 == 15 and i + 1 < ns_len else chr(ord("a") + i % 26)
                 for i in range(ns_len))
    kinds = [("fixed", '"size":1'), ("enum", '"symbols":["A"]'), ("record", '"fields":[]')]
    fields = ['{"name":"d%d","type":{"type":"%s","name":"T%d",%s}}'
              % (i, kinds[i % 3][0], i, kinds[i % 3][1]) for i in range(defs)]
    fields += ['{"name":"u%d","type":["null"%s]}'
               % (u, "".join(',"T%d"' % ((u * 7 + k) % defs) for k in range(1, branches)))
               for u in range(unions)]
    fields += ['{"name":"r%d","type":"T%d"}' % (r, r * 13 % defs) for r in range(refs)]
    return ('{"type":"record","name":"Root","namespace":"%s","fields":[%s]}'
            % (ns, ",".join(fields))).encode()


def schema_seeds():
    out = [(name, schema_text(s).encode()) for name, s, _ in SCHEMAS]
    pretty = [("pretty-" + name, json.dumps(s, indent=2).encode())
              for name, s, _ in SCHEMAS if name in ("trade", "logical", "tree")]
    bad = [
        ("bad-empty", b""),
        ("bad-json", b"{\"type\": \"record\", "),
        ("bad-unknown-type", b"\"dobule\""),
        ("bad-unknown-ref", b'{"type":"record","name":"R","fields":[{"name":"a","type":"X"}]}'),
        ("bad-dup-name", b'{"type":"record","name":"R","fields":[{"name":"a","type":'
         b'{"type":"enum","name":"R","symbols":["A"]}}]}'),
        ("bad-dup-field", b'{"type":"record","name":"R","fields":[{"name":"a","type":"int"},'
         b'{"name":"a","type":"int"}]}'),
        ("bad-fixed-neg", b'{"type":"fixed","name":"F","size":-5}'),
        ("bad-fixed-huge", b'{"type":"fixed","name":"F","size":4611686018427387904}'),
        ("bad-fixed-float", b'{"type":"fixed","name":"F","size":1.5}'),
        ("bad-enum-dup", b'{"type":"enum","name":"E","symbols":["A","A"]}'),
        ("bad-enum-sym", b'{"type":"enum","name":"E","symbols":["1A"]}'),
        ("bad-union-dup", b'["int","int"]'),
        ("bad-union-nested", b'["null",["int"]]'),
        ("bad-anon-recursion", b'{"type":"array","items":"array"}'),
        ("bad-name-dots", b'{"type":"record","name":"a..b","fields":[]}'),
        ("bad-no-fields", b'{"type":"record","name":"R"}'),
        ("bad-array-no-items", b'{"type":"array"}'),
        ("bad-number", b"12"),
        ("bad-null-json", b"null"),
        ("bad-trailing-json", b'"int" "long"'),
        ("bad-nul-byte", b'"in\x00t"'),
        ("bad-utf8", b'{"type":"enum","name":"E","symbols":["\xff"]}'),
        ("bad-deep-array", b'{"type":"array","items":' * 100 + b'"int"' + b"}" * 100),
        ("bad-deep-union", b"[" * 200 + b'"int"' + b"]" * 200),
        ("dec-bad-precision", b'{"type":"bytes","logicalType":"decimal","precision":0}'),
        ("dec-scale-gt-precision", b'{"type":"bytes","logicalType":"decimal",'
         b'"precision":2,"scale":3}'),
        ("dec-fixed-too-small", b'{"type":"fixed","name":"F","size":1,'
         b'"logicalType":"decimal","precision":10}'),
        ("duration-wrong-size", b'{"type":"fixed","name":"F","size":11,'
         b'"logicalType":"duration"}'),
        ("protobuf-ish", b'syntax = "proto3"; message M {}'),
        ("aliases-defaults", b'{"type":"record","name":"R","aliases":["Old"],"doc":"d",'
         b'"fields":[{"name":"a","type":"int","default":1,"aliases":["b"],"order":"descending"},'
         b'{"name":"u","type":["null","string"],"default":null}]}'),
        ("escaped-names", b'{"type":"record","name":"R\\u0041","fields":[{"name":"f\\u005f",'
         b'"type":"int"}]}'),
        ("many-branches", ("[" + ",".join('{"type":"fixed","name":"F%d","size":%d}' % (i, i)
                                          for i in range(1, 60)) + "]").encode()),
        ("bare-record-type", b'{"type":"record","name":"R","fields":[{"name":"r","type":'
         b'{"type":"R"}}]}'),
        ("namespace-null", b'{"type":"record","name":"R","namespace":null,"fields":[]}'),
        ("type-object-prim", b'{"type":{"type":"int"}}'),
        ("bad-enum-default", b'{"type":"enum","name":"E","symbols":["A","B"],"default":"C"}'),
        ("bad-enum-default-type", b'{"type":"enum","name":"E","symbols":["A"],"default":1}'),
        ("bad-aliases-type", b'{"type":"record","name":"R","aliases":"Old","fields":[]}'),
        ("bad-alias-name", b'{"type":"fixed","name":"F","aliases":["ok.Old","9x"],"size":1}'),
        ("bad-alias-not-string", b'{"type":"enum","name":"E","aliases":[null],"symbols":[]}'),
        ("bad-field-alias-dotted", b'{"type":"record","name":"R","fields":[{"name":"a",'
         b'"type":"int","aliases":["x.y"]}]}'),
        ("field-defaults-unchecked", b'{"type":"record","name":"R","fields":['
         b'{"name":"i","type":"int","default":"x"},{"name":"u","type":["null","int"],'
         b'"default":1},{"name":"e","type":{"type":"enum","name":"E","symbols":["A"],'
         b'"default":"A","aliases":["n.Old"]},"default":"B","aliases":["e2"]}]}'),
        # Compiles within the name budget: every union wrapper is shared.
        ("crafted-namespace", crafted_namespace(2000, 300, 30, 300, 300)),
        # Full names over limit.schema.names.bytes: refused before being built.
        ("crafted-namespace-over-budget", crafted_namespace(60000, 100, 10, 100, 100)),
    ]
    return out + pretty + bad


# --------------------------------------------------------------------------
# CLI input seeds: byte 0 format (low 2 bits) and read size, byte 1 max_message
# selector, the rest the input stream (see fuzz_cli_input.c).
# --------------------------------------------------------------------------

def cli_seeds():
    msg = frame(b"\x02", 1)
    lp = lambda b: struct.pack(">I", len(b)) + b  # noqa: E731
    import base64
    b64 = lambda b: base64.b64encode(b)  # noqa: E731
    s = [
        ("raw-one", 0, msg), ("raw-empty", 0, b""),
        ("len32-two", 1, lp(msg) + lp(b"")), ("len32-truncated", 1, lp(msg)[:-1]),
        ("len32-short-prefix", 1, b"\x00\x00"), ("len32-huge", 1, b"\xff\xff\xff\xfe" + msg),
        # Length 0xFFFFFFFF: a null value (kcat's %R for a tombstone), in the
        # middle, twice in a row and at the end.
        ("len32-tombstone", 1, lp(msg) + b"\xff\xff\xff\xff" + lp(msg) + b"\xff" * 8
         + lp(b"") + b"\xff\xff\xff\xff"),
        ("len32-over-max", 1, lp(b"x" * 100) + lp(msg)),
        ("hex-lines", 2, msg.hex().encode() + b"\n" + msg.hex().upper().encode() + b"\r\n\n"),
        ("hex-odd", 2, b"abc\n00\n"), ("hex-bad-char", 2, b"0g\n  0102  \n"),
        ("hex-inner-space", 2, b"01 02\n"), ("hex-no-newline", 2, b"0001"),
        ("b64-lines", 3, b64(msg) + b"\n" + b64(b"ab") + b"\n\n" + b64(b"a") + b"\r\n"),
        ("b64-no-pad", 3, b"YQ\n"), ("b64-bad", 3, b"Y*==\n===\nYQ=a\n"),
        ("b64-nonzero-pad-bits", 3, b"YR==\n"), ("b64-long", 3, b64(b"x" * 300) + b"\n"),
        ("blank-only", 2, b"\n\n \t\r\n"),
    ]
    out = []
    for label, fmt, data in s:
        for rs, mx in ((0, 0), (1, 3)):
            out.append(("%s-%d" % (label, rs), bytes([fmt | (rs << 2), mx]) + data))
    return out


# --------------------------------------------------------------------------
# Dictionaries
# --------------------------------------------------------------------------

def dict_line(tok):
    return '"' + "".join("\\x%02X" % c if c < 0x20 or c >= 0x7F or c in (0x22, 0x5C)
                         else chr(c) for c in tok) + '"'


def message_dict():
    toks = [b"\x00\x00\x00\x00\x01", b"\x00\x00\x00\x00", b"\x01", b"\x02", b"\x7f", b"\x80",
            b"\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            b"\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", b"\x80\x80\x80\x80\x80\x80\x80\x80\x40",
            b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", b"\x80\x80\x80\x80\x04",
            b"\x00\x00\xc0\x7f", b"\x00\x00\x80\x7f", b"\x00\x00\x00\x00\x00\x00\xf8\x7f",
            b"\x00\x00\x00\x00\x00\x00\xf0\xff", b"\xc3\xa9", b"\xe2\x82\xac",
            b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80", b'"',
            b"\\", b"\x0a", b"\x03", b"\x04", b"\x06", b"\x08", b"\x10", b"\x20"]
    lines = ["# Avro binary building blocks: frame header, varints at their limits,"
             " NaN/Inf, UTF-8 edge cases."]
    lines += ["tok%d=%s" % (i, dict_line(t)) for i, t in enumerate(toks)]
    return "\n".join(lines) + "\n"


def schema_dict():
    words = ['"type"', '"name"', '"namespace"', '"fields"', '"items"', '"values"', '"symbols"',
             '"size"', '"logicalType"', '"precision"', '"scale"', '"aliases"', '"default"',
             '"doc"', '"order"', '"record"', '"error"', '"enum"', '"fixed"', '"array"', '"map"',
             '"null"', '"boolean"', '"int"', '"long"', '"float"', '"double"', '"bytes"',
             '"string"', '"decimal"', '"uuid"', '"date"', '"time-millis"', '"time-micros"',
             '"timestamp-millis"', '"timestamp-micros"', '"local-timestamp-millis"',
             '"local-timestamp-micros"', '"duration"', "{", "}", "[", "]", ":", ",", "null",
             "true", "false", "-1", "0", "4294967296", "1e9", "\\u0000", "\\ud800", '"a.b"',
             '"ascending"', '"descending"', '"ignore"']
    lines = ["# Avro schema JSON keywords."]
    lines += ["kw%d=%s" % (i, dict_line(w.encode())) for i, w in enumerate(words)]
    return "\n".join(lines) + "\n"


def cli_dict():
    toks = [b"\n", b"\r\n", b" ", b"\t", b"=", b"==", b"00", b"ff", b"FF", b"0a", b"AAAA",
            b"////", b"++++", b"\x00\x00\x00\x00", b"\x00\x00\x00\x05", b"\xff\xff\xff\xff",
            b"\x7f\xff\xff\xff"]
    lines = ["# CLI input framings: line ends, hex and base64 alphabets, length prefixes."]
    lines += ["tok%d=%s" % (i, dict_line(t)) for i, t in enumerate(toks)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def write_corpus(target, items):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    seen = set()
    for label, data in items:
        assert label not in seen, label
        seen.add(label)
        with open(os.path.join(d, label), "wb") as fh:
            fh.write(data)
    return len(items)


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_header():
    lines = ["/* Generated by fuzz/make_seeds.py: the schema set of the message targets.",
             " * Do not edit; change the script and rerun it. */",
             "#ifndef CFAVRO_FUZZ_SCHEMAS_H", "#define CFAVRO_FUZZ_SCHEMAS_H", "",
             '#include "fuzz_common.h"', "",
             "static const fz_schema_def fz_schema_defs[] = {"]
    for name, s, diff in SCHEMAS:
        text = schema_text(s)
        chunks = [text[i:i + 90] for i in range(0, len(text), 90)]
        lines.append("    {%s, %d," % (c_string(name), 1 if diff else 0))
        for c in chunks:
            lines.append("     " + c_string(c))
        lines[-1] += "},"
    lines += ["};", "", "#endif", ""]
    with open(os.path.join(HERE, "fuzz_schemas.h"), "w") as fh:
        fh.write("\n".join(lines))


def main():
    valid = valid_payloads()
    dec = []
    for j, (label, name, payload) in enumerate(valid):
        for k in range(2):
            opt = OPTS[(j + k * 3) % len(OPTS)]
            dec.append(("%s-%s-o%02x" % (name, label, opt), msg_input(name, payload, opt)))
    bad = malformed()
    dec += bad + truncations(valid)
    counts = {
        "fuzz_decode": write_corpus("fuzz_decode", dec),
        "fuzz_differential": write_corpus(
            "fuzz_differential",
            [("%s-%s" % (name, label), msg_input(name, payload, 0))
             for label, name, payload in valid if SCHEMAS[INDEX[name]][2]] + bad),
        "fuzz_schema": write_corpus("fuzz_schema", schema_seeds()),
        "fuzz_cli_input": write_corpus("fuzz_cli_input", cli_seeds()),
    }
    for target, text in (("fuzz_decode", message_dict()), ("fuzz_differential", message_dict()),
                         ("fuzz_schema", schema_dict()), ("fuzz_cli_input", cli_dict())):
        with open(os.path.join(HERE, target + ".dict"), "w") as fh:
            fh.write(text)
    write_header()
    for t, n in sorted(counts.items()):
        print("%-18s %4d seeds" % (t, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
