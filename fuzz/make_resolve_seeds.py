#!/usr/bin/env python3
"""Seeds of fuzz_resolve (stdlib only, deterministic).

    python3 fuzz/make_resolve_seeds.py   # rewrites fuzz/corpus/fuzz_resolve/
                                         # and fuzz/fuzz_resolve.dict

Each seed: selector byte, options byte, writer schema JSON, NUL, reader
schema JSON, NUL, an Avro payload of the writer schema (fuzz/README.md).
The pairs cover the specification's resolution rules: fields reordered,
dropped and added with defaults, promotions, enums, the three union cases,
aliases of names and fields, fixed, recursion; plus incompatible pairs and
bad defaults (which must fail at resolution with a path).
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from avro_bytes import long_ as zz, string_ as s  # noqa: E402  (shared Avro encoder)


def f32(x):
    return struct.pack("<f", x)


def f64(x):
    return struct.pack("<d", x)


def rec(name, fields, **extra):
    d = {"type": "record", "name": name, "fields": fields}
    d.update(extra)
    return d


def fld(name, type_, **extra):
    d = {"name": name, "type": type_}
    d.update(extra)
    return d


TRADE_W = rec("Trade", [fld("id", "long"), fld("sym", "string"), fld("note", "string"),
                        fld("px", "double"), fld("qty", "int")], namespace="x")
TRADE_PAYLOAD = zz(42) + s("ABC") + s("dropped") + f64(1.5) + zz(7)

LIST_W = rec("L", [fld("v", "int"), fld("next", ["null", "L"])])
LIST_PAYLOAD = zz(1) + zz(1) + zz(2) + zz(1) + zz(3) + zz(0)

SEEDS = [
    ("reorder-drop-add", TRADE_W,
     rec("Trade", [fld("qty", "int"), fld("venue", "string", default="a\u0000b"),
                   fld("px", "double"), fld("id", "long")], namespace="x"),
     TRADE_PAYLOAD),
    ("aliases-record-and-fields", TRADE_W,
     rec("Deal", [fld("price", "double", aliases=["px"]),
                  fld("symbol", "string", aliases=["ticker", "sym"])],
         namespace="x", aliases=["Trade"]),
     TRADE_PAYLOAD),
    ("alias-other-namespace", TRADE_W,
     rec("y.Deal", [fld("qty", "long")], aliases=["x.Trade"]), TRADE_PAYLOAD),
    ("promotions",
     rec("R", [fld("a", "int"), fld("b", "int"), fld("c", "int"), fld("d", "long"),
               fld("e", "long"), fld("f", "float"), fld("g", "string"), fld("h", "bytes")]),
     rec("R", [fld("a", "long"), fld("b", "float"), fld("c", "double"), fld("d", "float"),
               fld("e", "double"), fld("f", "double"), fld("g", "bytes"), fld("h", "string")]),
     zz(-5) + zz(16777217) + zz(2147483647) + zz(3) + zz(9007199254740993) + f32(0.1)
     + s(b"\x01\xff") + s("h\u00e9")),
    ("enum-reorder-default",
     {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]},
     {"type": "enum", "name": "E", "symbols": ["C", "A", "Z"], "default": "Z"}, zz(1)),
    ("enum-missing-symbol",
     {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]},
     {"type": "enum", "name": "E", "symbols": ["C", "A"]}, zz(1)),
    ("union-to-union", ["null", "int", "string", "boolean"],
     ["string", "long", "null", {"type": "array", "items": "int"}], zz(1) + zz(5)),
    ("union-to-one",
     rec("R", [fld("u", ["null", "int"])]), rec("R", [fld("u", "double")]), zz(1) + zz(4)),
    ("one-to-union",
     rec("R", [fld("u", "int")]), rec("R", [fld("u", ["null", "string", "long"])]), zz(9)),
    ("fixed-alias",
     {"type": "fixed", "name": "a.F", "size": 2},
     {"type": "fixed", "name": "b.G", "aliases": ["a.F"], "size": 2}, b"\x01\x02"),
    ("recursion-promoted", LIST_W,
     rec("L", [fld("v", "double"), fld("next", ["null", "L"]), fld("n", "int", default=0)]),
     LIST_PAYLOAD),
    ("nested-saved-map",
     rec("R", [fld("m", {"type": "map", "values": "int"}),
               fld("xs", {"type": "array", "items": rec("P", [fld("a", "int"),
                                                              fld("b", "string")])}),
               fld("k", "int")]),
     rec("R", [fld("k", "long"),
               fld("xs", {"type": "array", "items": rec("P", [fld("b", "string")])}),
               fld("m", {"type": "map", "values": "long"})]),
     zz(2) + s("x") + zz(1) + s("y") + zz(-1) + zz(0)
     + zz(2) + zz(10) + s("p") + zz(11) + s("q") + zz(0) + zz(5)),
    ("defaults-every-type", rec("R", []),
     rec("R", [fld("n", "null", default=None), fld("b", "boolean", default=True),
               fld("i", "int", default=-2147483648), fld("l", "long", default=2**63 - 1),
               fld("f", "float", default=1.5), fld("d", "double", default=-0.25),
               fld("by", "bytes", default="\u00ff\u0000a"),
               fld("s", "string", default="x\u0000y\u00e9"),
               fld("e", {"type": "enum", "name": "E", "symbols": ["P", "Q"]}, default="Q"),
               fld("fx", {"type": "fixed", "name": "F", "size": 2}, default="\u0001\u0080"),
               fld("a", {"type": "array", "items": "int"}, default=[1, -1]),
               fld("m", {"type": "map", "values": "string"}, default={"k": "v\u0000"}),
               fld("r", rec("S", [fld("x", "int"), fld("y", "string", default="dy")]),
                   default={"x": 4}),
               fld("u", ["int", "null"], default=6),
               fld("ts", {"type": "long", "logicalType": "timestamp-millis"}, default=0)]),
     b""),
    ("incompatible-field", TRADE_W,
     rec("Trade", [fld("sym", "double")], namespace="x"), TRADE_PAYLOAD),
    ("no-default", TRADE_W,
     rec("Trade", [fld("newf", "int")], namespace="x"), TRADE_PAYLOAD),
    ("bad-default", rec("R", []),
     rec("R", [fld("q", {"type": "fixed", "name": "F", "size": 3}, default="ab")]), b""),
    ("skipped-nulls-limit",
     rec("R", [fld("gone", {"type": "array", "items": "null"}), fld("k", "int")]),
     rec("R", [fld("k", "int")]), zz(3) + zz(0) + zz(1)),
    ("dropped-int-out-of-range", TRADE_W,
     rec("Trade", [fld("id", "long")], namespace="x"),
     zz(42) + s("ABC") + s("dropped") + f64(1.5) + zz(-13622570976)),
    ("union-branch-unresolved", ["null", "int", "string", "boolean"],
     ["string", "long", "null"], zz(3) + b"\x01"),
    # U+0000 in object keys (jansson holds them as a private-use stand-in,
    # src/schema/schema_nul_keys.c): map defaults, one inside a record
    # default's own field default, beside a key that is itself private-use,
    # and an attribute key of the writer.
    ("map-default-nul-key",
     rec("Trade", TRADE_W["fields"], namespace="x", **{"x-\u0000": "attr"}),
     rec("Trade", [fld("id", "long"),
                   fld("m", {"type": "map", "values": "int"},
                       default={"a\u0000b": 1, "\ue000": 2, "\u0000": 3}),
                   fld("r", rec("S", [fld("k", {"type": "map", "values": "null"},
                                              default={"own\u0000": None})]),
                       default={})], namespace="x"),
     TRADE_PAYLOAD),
]

# Selector/option bytes: every pair once in Avro JSON with logical types off
# (the conformance check runs) and once with other renderings and limits.
OPTS = [(0x00, 0x08), (0x00, 0x00), (0x20, 0x09), (0x40, 0x0E)]


# Dictionary: the schema keywords, the separator, and field names and
# payload bytes the seeds use (so mutations keep pairs matching).
DICT = ["\"type\"", "\"name\"", "\"namespace\"", "\"fields\"", "\"items\"",
        "\"values\"", "\"symbols\"", "\"size\"", "\"aliases\"", "\"default\"",
        "\"logicalType\"", "\"record\"", "\"enum\"", "\"fixed\"", "\"array\"",
        "\"map\"", "\"null\"", "\"boolean\"", "\"int\"", "\"long\"", "\"float\"",
        "\"double\"", "\"bytes\"", "\"string\"", "\"decimal\"", "\"timestamp-millis\"",
        "\"date\"", "\"uuid\"", "{", "}", "[", "]", ":", ",", "null", "true", "false",
        "\\u0000", "\x00", "\"a\"", "\"b\"", "\"R\"", "\"L\"", "\"E\"",
        "\"x.Trade\"", "\x01", "\x02", "\x7f", "\x80\x01", "\xff\xff\xff\xff\x0f"]


def write_dict():
    with open(os.path.join(HERE, "fuzz_resolve.dict"), "w") as fh:
        fh.write("# fuzz_resolve: generated by make_resolve_seeds.py\n")
        for i, tok in enumerate(DICT):
            esc = "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\' else "\\x%02x" % ord(c)
                          for c in tok)
            fh.write('kw%d="%s"\n' % (i, esc))


def main():
    write_dict()
    d = os.path.join(HERE, "corpus", "fuzz_resolve")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    n = 0
    for i, (label, w, r, payload) in enumerate(SEEDS):
        for suffix, (sel, opt) in (("", OPTS[0]), ("-opts", OPTS[1 + i % 3])):
            data = (bytes([sel, opt]) + json.dumps(w).encode() + b"\0"
                    + json.dumps(r).encode() + b"\0" + payload)
            with open(os.path.join(d, label + suffix), "wb") as fh:
                fh.write(data)
            n += 1
    print("fuzz_resolve:", n, "seeds")


if __name__ == "__main__":
    main()
