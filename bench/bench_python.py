#!/usr/bin/env python3
"""Python decoders on the benchmark corpora (issue 11): the cfavro binding
(python/cfavro.py) against fastavro, confluent-kafka-python's AvroDeserializer,
Debian's python3-avro, and the C batch call itself.

    .ci/install-python-peers                       # fastavro, pyarrow, confluent-kafka
    apt-get install python3-avro                   # (.ci/install-deps)
    meson setup build-release -Dbuildtype=release && ninja -C build-release
    .venv/bin/python3 bench/bench_python.py --build build-release [--trade N] [--wide N]

The messages are the C benchmark's (bench/gen.c through build/bench/gen_corpus, seed
1): trade (62.8 bytes on average) and wide (683 bytes). Every row decodes every
message; times are the thread's CPU time (time.thread_time_ns: a shared machine's
other load does not count), best of --repeat passes, per message. Rows:

  C batch (ctypes, 1 call/1000)   cfavro_decode_batch_offsets_json on a ready buffer and
                                  offsets, 1,000 messages a call: the C library's cost,
                                  the floor of every cfavro row
  cfavro decode_batch -> JSON     Decoder.decode_batch(batch, as_json=True), batches of
                                  1,000 bytes objects: list of str
  cfavro decode_batch -> dicts    Decoder.decode_batch(batch): list of dict
  cfavro decode_columns           Decoder.decode_columns(batch) (the PySpark path)
  cfavro decode_columns (Arrow)   the same over a pyarrow binary array (no copy)
  cfavro decode_json / decode     one message per call
  fastavro                        schemaless_reader(BytesIO(msg[5:]), schema) per message
  fastavro + json.dumps           the same, then json.dumps(value, default=str)
  confluent AvroDeserializer      confluent_kafka's AvroDeserializer(registry client),
                                  the schemas from the loopback test registry
                                  (tests/registry/server.py), fetched once
  python3-avro                    Debian's python3-avro (DatumReader), imported from
                                  /usr/lib/python3/dist-packages (the venv's `avro` is
                                  PyPI's, another package), on 1/20 of the messages

cfavro decodes with json.union=plain (values as fastavro returns them) and
json.bytes=base64 (what Spark's from_json reads into a binary column); dates and
timestamps are ISO-8601 strings where fastavro builds datetime objects. Then a memory
row: one decode_batch of --memory messages, Python's traced peak (tracemalloc) against
the input and output sizes, plus the decoder's C output buffer.

SPDX-License-Identifier: Apache-2.0
"""
import argparse
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA_IDS = {"trade": 1, "wide": 2}
BATCH = 1000


def read_corpus(build, name, count, seed=1):
    """The C generator's messages as a list of bytes."""
    exe = os.path.join(build, "bench", "gen_corpus")
    with tempfile.NamedTemporaryFile(suffix=".len32be") as f:
        subprocess.run([exe, name, str(count), str(seed), f.name], check=True)
        data = f.read()
    msgs, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from(">I", data, pos)
        msgs.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    assert len(msgs) == count
    return msgs


def schema_text(name):
    with open(os.path.join(HERE, "schemas", name + ".avsc")) as f:
        return f.read()


class Rows:
    """The timed rows of one corpus: fn() decodes `count` messages. run() times every
    row once per pass, round robin, and keeps each row's best pass (thread CPU time
    per message), so a busy moment of a shared machine hits all rows alike rather
    than the one that happened to run then."""

    def __init__(self):
        self.rows = []

    def add(self, label, fn, count):
        self.rows.append((label, fn, count))

    def run(self, repeat, results):
        best = {}
        for _ in range(repeat):
            for label, fn, count in self.rows:
                t0 = time.thread_time_ns()
                fn()
                t = (time.thread_time_ns() - t0) / count
                best[label] = min(best.get(label, t), t)
        results.update(best)


def batches(msgs):
    return [msgs[i:i + BATCH] for i in range(0, len(msgs), BATCH)]


# ------------------------------------------------------------------ cfavro rows


def cfavro_rows(cfavro, name, msgs, rows):
    import ctypes
    client = cfavro.Client()
    client.add_schema(SCHEMA_IDS[name], schema_text(name))
    dec = cfavro.Decoder(client, json_union="plain", json_bytes="base64")
    parts = batches(msgs)
    n = len(msgs)

    # The C call alone: every batch already joined, offsets ready, one call each.
    lib = cfavro._load()
    ready = []
    for part in parts:
        inp = next(cfavro._sequence_inputs(part))
        ready.append((inp, bytearray(len(part) * cfavro._RESULT_SIZE)))
    out, out_len, failed = cfavro._CHARS(), ctypes.c_size_t(), ctypes.c_size_t()
    fn = lib.cfavro_decode_batch_offsets_json
    handle = dec._dec

    def c_batch():
        for inp, res in ready:
            anchor = ctypes.c_char.from_buffer(res)
            rc = fn(handle, inp.data, inp.data_len, inp.offsets_addr, inp.width, inp.count,
                    ctypes.addressof(anchor), ctypes.byref(out), ctypes.byref(out_len),
                    ctypes.byref(failed))
            del anchor
            assert rc == 0 and failed.value == 0

    rows.add("C batch (ctypes, 1 call/1000)", c_batch, n)

    def batch_json():
        for part in parts:
            dec.decode_batch(part, as_json=True)

    def batch_dicts():
        for part in parts:
            dec.decode_batch(part)

    def columns():
        for part in parts:
            dec.decode_columns(part)

    def single_json():
        f = dec.decode_json
        for m in msgs:
            f(m)

    def single():
        f = dec.decode
        for m in msgs:
            f(m)

    # Every row agrees before it is timed.
    expect = [dec.decode_json(m) for m in msgs[:BATCH]]
    assert dec.decode_batch(msgs[:BATCH], as_json=True) == expect
    assert dec.decode_batch(msgs[:BATCH]) == [json.loads(t) for t in expect]
    assert dec.decode_columns(msgs[:BATCH]).json == expect
    rows.add("cfavro decode_batch -> JSON str", batch_json, n)
    rows.add("cfavro decode_batch -> dicts", batch_dicts, n)
    rows.add("cfavro decode_columns", columns, n)
    try:
        import pyarrow as pa
    except ImportError:
        pa = None
    if pa is not None:
        arrays = [pa.array(p, pa.binary()) for p in parts]
        assert dec.decode_columns(arrays[0]).json == expect

        def columns_arrow():
            for a in arrays:
                dec.decode_columns(a)

        rows.add("cfavro decode_columns (Arrow)", columns_arrow, n)
    rows.add("cfavro decode_json, 1 call/msg", single_json, n)
    rows.add("cfavro decode, 1 call/msg", single, n)
    return expect, (dec, client)


# ------------------------------------------------------------------ peers


def fastavro_rows(name, msgs, rows, expect):
    try:
        import fastavro
    except ImportError:
        return
    schema = fastavro.parse_schema(json.loads(schema_text(name)))
    reader = fastavro.schemaless_reader
    BytesIO = io.BytesIO
    dumps = json.dumps
    # The same values (up to the datetime objects fastavro makes).
    first = reader(BytesIO(msgs[0][5:]), schema)
    assert set(first) == set(json.loads(expect[0]))

    def decode():
        for m in msgs:
            reader(BytesIO(m[5:]), schema)

    def decode_dumps():
        for m in msgs:
            dumps(reader(BytesIO(m[5:]), schema), default=str)

    rows.add("fastavro schemaless_reader", decode, len(msgs))
    rows.add("fastavro + json.dumps", decode_dumps, len(msgs))


class TestRegistry:
    """tests/registry/server.py with the benchmark schemas, for confluent-kafka."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cfavro-bench-")
        data = {"contexts": {".": {"ids": {str(SCHEMA_IDS[n]): {"schema": schema_text(n)}
                                           for n in SCHEMA_IDS}, "subjects": {}}}}
        path = os.path.join(self.tmp.name, "data.json")
        with open(path, "w") as f:
            json.dump(data, f)
        port_file = os.path.join(self.tmp.name, "port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tests", "registry", "server.py"),
             "--data", path, "--port-file", port_file, "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("test registry did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.url = "http://127.0.0.1:%s" % f.read().strip()

    def stop(self):
        self.proc.stdin.close()  # --exit-on-stdin-eof: it exits on its own
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.tmp.cleanup()


def confluent_rows(name, msgs, rows, registry):
    try:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        from confluent_kafka.serialization import MessageField, SerializationContext
    except ImportError:
        return
    deser = AvroDeserializer(SchemaRegistryClient({"url": registry.url}))
    ctx = SerializationContext("bench-" + name, MessageField.VALUE)
    deser(msgs[0], ctx)  # fetches the schema once

    def decode():
        for m in msgs:
            deser(m, ctx)

    rows.add("confluent AvroDeserializer", decode, len(msgs))


DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"


def import_debian_avro():
    """Debian's python3-avro, from the system python's dist-packages. The venv has
    another package named `avro` (PyPI's, pulled in by confluent-kafka's extra), so
    that directory goes first on sys.path for this one import only, and the module's
    file is checked."""
    if "avro" in sys.modules:
        raise RuntimeError("another avro module is already imported")
    sys.path.insert(0, DEBIAN_DIST_PACKAGES)
    try:
        import avro.io
        import avro.schema
    except ImportError:
        return None
    finally:
        sys.path.remove(DEBIAN_DIST_PACKAGES)
    if not avro.__file__.startswith(DEBIAN_DIST_PACKAGES):
        raise RuntimeError("avro from %s, not python3-avro" % avro.__file__)
    return avro


def python3_avro_rows(avro, name, msgs, rows):
    schema = avro.schema.parse(schema_text(name))
    reader = avro.io.DatumReader(schema)
    BinaryDecoder = avro.io.BinaryDecoder
    BytesIO = io.BytesIO

    def decode():
        for m in msgs:
            reader.read(BinaryDecoder(BytesIO(m[5:])))

    rows.add("python3-avro %s (Debian)" % avro.__version__, decode, len(msgs))


# ------------------------------------------------------------------ memory


def memory_row(cfavro, name, msgs):
    """One decode_batch over all of msgs, and one over a tenth of them: Python's traced
    peak above what the call returns (its output), so a transient that grew with the
    batch would show. The decoder's C output buffer holds one call's NDJSON (at most
    4096 messages) and is not traced."""
    client = cfavro.Client()
    client.add_schema(SCHEMA_IDS[name], schema_text(name))
    rows = {}
    with cfavro.Decoder(client, json_union="plain", json_bytes="base64") as dec:
        dec.decode_batch(msgs[:BATCH])  # warm
        for size in (len(msgs) // 10, len(msgs)):
            part = msgs[:size]
            in_bytes = sum(map(sys.getsizeof, part)) + sys.getsizeof(part)
            for as_json in (True, False):
                tracemalloc.start()
                base = tracemalloc.get_traced_memory()[0]
                out = dec.decode_batch(part, as_json=as_json)
                kept, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                rows["%d -> %s" % (size, "JSON str" if as_json else "dicts")] = {
                    "messages": len(out), "input_bytes": in_bytes, "output_bytes": kept - base,
                    "peak_above_output": peak - kept}
                del out
    client.close()
    return rows


# ------------------------------------------------------------------ report


def ratios(r):
    def get(prefix):
        for k, v in r.items():
            if k.startswith(prefix):
                return v
        return None

    c = get("C batch")
    j = get("cfavro decode_batch -> JSON")
    d = get("cfavro decode_batch -> dicts")
    fa = get("fastavro schemaless")
    fj = get("fastavro + json")
    av = get("python3-avro")
    ck = get("confluent")
    out = {}
    if fa:
        out["dicts vs fastavro (target >= 1.5)"] = fa / d
    if av:
        out["dicts vs python3-avro (target >= 15)"] = av / d
        out["JSON vs python3-avro (target >= 100)"] = av / j
    if fj:
        out["JSON vs fastavro + json.dumps (target >= 10)"] = fj / j
    if ck:
        out["dicts vs confluent AvroDeserializer"] = ck / d
    out["JSON str: FFI cost over the C call (%, target <= 25)"] = (j - c) / c * 100
    out["dicts: cost over the C call (%)"] = (d - c) / c * 100
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--trade", type=int, default=100000)
    ap.add_argument("--wide", type=int, default=20000)
    ap.add_argument("--avro-fraction", type=int, default=20,
                    help="python3-avro decodes 1/N of the messages (default 20)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", type=int, default=100000,
                    help="messages in the memory row's single batch (0: no memory row)")
    ap.add_argument("--json", help="write the results there")
    args = ap.parse_args()

    sys.path.insert(0, os.path.join(args.build, "python"))
    import cfavro
    print("cfavro %s from %s; python %s" % (cfavro.version(), cfavro.library_path(),
                                          sys.version.split()[0]))
    debian_avro = import_debian_avro()
    if debian_avro is None:
        print("python3-avro not installed (apt-get install python3-avro): no row",
              file=sys.stderr)
    registry = TestRegistry()
    report = {}
    try:
        for name, count in (("trade", args.trade), ("wide", args.wide)):
            if count <= 0:
                continue
            msgs = read_corpus(args.build, name, count)
            avg = sum(map(len, msgs)) / len(msgs)
            results = {}
            rows = Rows()
            expect, keep = cfavro_rows(cfavro, name, msgs, rows)
            fastavro_rows(name, msgs, rows, expect)
            confluent_rows(name, msgs, rows, registry)
            if debian_avro is not None:
                python3_avro_rows(debian_avro, name,
                                  msgs[:max(1, count // args.avro_fraction)], rows)
            rows.run(args.repeat, results)
            keep[0].close()
            keep[1].close()
            report[name] = {"messages": count, "avg_bytes": avg, "ns_per_msg": results,
                            "ratios": ratios(results)}
            if args.memory:
                mem = msgs if len(msgs) >= args.memory else read_corpus(args.build, name,
                                                                       args.memory)
                report[name]["memory"] = memory_row(cfavro, name, mem[:args.memory])
    finally:
        registry.stop()

    for name, r in report.items():
        print("\n%s: %d messages, %.1f bytes on average" % (name, r["messages"], r["avg_bytes"]))
        print("| decoder | ns/msg | x C batch |")
        print("|---|---:|---:|")
        c = r["ns_per_msg"]["C batch (ctypes, 1 call/1000)"]
        for k, v in r["ns_per_msg"].items():
            print("| %s | %s | %.2f |" % (k, format(round(v), ","), v / c))
        for k, v in r["ratios"].items():
            print("  %-52s %8.2f%s" % (k, v, "%" if "%" in k else "x"))
        for kind, m in r.get("memory", {}).items():
            print("  memory, one batch of %s: input %.1f MB, output %.1f MB, traced peak "
                  "above the output %.1f MB" % (kind, m["input_bytes"] / 1e6,
                                               m["output_bytes"] / 1e6,
                                               m["peak_above_output"] / 1e6))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
