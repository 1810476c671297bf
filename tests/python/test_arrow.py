#!/usr/bin/env python3
"""decode_columns and decode_batch over pyarrow binary columns (the PySpark
mapInArrow path): the Arrow data buffer goes to C in place. pyarrow comes from the
virtual environment .ci/install-python-peers makes; without it this test exits 77
(meson: skipped), and fails under CI=true, where the peer must be installed."""
import ctypes
import sys
import tracemalloc
import unittest

import support as s

try:
    import pyarrow as pa
except ImportError as e:
    if s.IN_CI:
        raise SystemExit("test_arrow: pyarrow is missing (CI=true): run "
                         ".ci/install-python-peers (%s)" % e)
    print("test_arrow: pyarrow not installed (.ci/install-python-peers); skipped")
    sys.exit(77)

import cfavro


class ArrowTest(s.DecoderTest):
    def values(self):
        bad, _ = s.bad_trade()
        return [s.TRADES[0], None, s.WRONG_MAGIC, s.TRADES[1], bad, s.UNKNOWN_ID, b"",
                s.TRADES[2], None, s.RAW_AVRO, s.TRADES[3]]

    def assertColumnsEqual(self, got, expected):
        self.assertEqual(got.as_dict(), expected.as_dict())
        self.assertEqual(got.failed, expected.failed)

    def test_binary_and_large_binary(self):
        values = self.values()
        expected = self.dec.decode_columns(values)
        self.assertEqual(expected.failed, 7)
        for arrow_type in (pa.binary(), pa.large_binary()):
            with self.subTest(type=str(arrow_type)):
                arr = pa.array(values, arrow_type)
                self.assertEqual(arr.null_count, 2)
                self.assertColumnsEqual(self.dec.decode_columns(arr), expected)
                self.assertEqual(self.dec.decode_batch(arr), self.dec.decode_batch(values))
                self.assertEqual(self.dec.decode_batch(arr, as_json=True),
                                 self.dec.decode_batch(values, as_json=True))

    def test_nulls_fail_like_tombstones(self):
        cols = self.dec.decode_columns(pa.array([None, s.TRADES[0]], pa.binary()))
        self.assertEqual((cols.error_status, cols.error_class, cols.json[1]),
                         ([201, None], ["framing", None], s.TRADES_JSON[0]))
        self.assertIn("empty message", cols.error_message[0])

    def test_slices(self):
        values = self.values()
        for arrow_type in (pa.binary(), pa.large_binary()):
            arr = pa.array(values, arrow_type)
            for start, length in ((3, 5), (1, 9), (10, 1), (4, 0)):
                with self.subTest(type=str(arrow_type), start=start, length=length):
                    part = arr.slice(start, length)
                    self.assertEqual(part.offset, start)
                    self.assertColumnsEqual(self.dec.decode_columns(part),
                                            self.dec.decode_columns(values[start:start + length]))

    def test_large_columns_go_in_bounded_calls(self):
        values = self.values() * 9
        arr = pa.array(values, pa.large_binary()).slice(2)
        one_call = (self.dec.decode_columns(arr).as_dict(), self.dec.decode_batch(arr))
        self.assertEqual(one_call[0], self.dec.decode_columns(values[2:]).as_dict())
        saved = cfavro._CALL_MESSAGES
        try:
            for messages in (1, 4, 7):
                with self.subTest(messages=messages):
                    cfavro._CALL_MESSAGES = messages
                    calls = list(cfavro._arrow_inputs(arr))
                    self.assertEqual([c.count for c in calls][:-1],
                                     [messages] * (len(calls) - 1))
                    self.assertEqual(sum(c.count for c in calls), len(arr))
                    self.assertEqual((self.dec.decode_columns(arr).as_dict(),
                                      self.dec.decode_batch(arr)), one_call)
        finally:
            cfavro._CALL_MESSAGES = saved

    def test_string_views_and_chunks(self):
        values = [s.TRADES[0], s.TRADES[1], None]
        arr = pa.array(values, pa.binary())
        expected = self.dec.decode_columns(values)
        self.assertColumnsEqual(self.dec.decode_columns(arr.view(pa.string())), expected)
        self.assertColumnsEqual(
            self.dec.decode_columns(pa.array(values, pa.large_binary()).view(pa.large_string())),
            expected)
        chunked = pa.chunked_array([arr, pa.array([s.WRONG_MAGIC, s.TRADES[3]], pa.binary())])
        both = self.dec.decode_columns(values + [s.WRONG_MAGIC, s.TRADES[3]])
        self.assertColumnsEqual(self.dec.decode_columns(chunked), both)
        self.assertEqual(self.dec.decode_batch(chunked),
                         self.dec.decode_batch(values + [s.WRONG_MAGIC, s.TRADES[3]]))

    def test_empty_and_all_null(self):
        empty = self.dec.decode_columns(pa.array([], pa.binary()))
        self.assertEqual((len(empty), empty.failed), (0, 0))
        nulls = self.dec.decode_columns(pa.array([None, None], pa.binary()))
        self.assertEqual((nulls.error_status, nulls.failed), ([201, 201], 2))

    def test_null_slot_with_bytes_still_fails(self):
        # Arrow lets a null slot span bytes in the data buffer; it is still no message.
        data = pa.py_buffer(s.TRADES[0] + s.TRADES[1])
        n0, n1 = len(s.TRADES[0]), len(s.TRADES[0]) + len(s.TRADES[1])
        offsets = pa.array([0, n0, n1], pa.int32()).buffers()[1]
        validity = pa.array([True, False]).buffers()[1]  # row 1 is null
        arr = pa.Array.from_buffers(pa.binary(), 2, [validity, offsets, data], 1)
        self.assertEqual(arr.to_pylist(), [s.TRADES[0], None])
        cols = self.dec.decode_columns(arr)
        self.assertEqual(cols.json, [s.TRADES_JSON[0], None])
        self.assertEqual((cols.error_status, cols.schema_id, cols.failed),
                         ([None, 201], [7, None], 1))
        rows = self.dec.decode_batch(arr)
        self.assertEqual(rows[0], s.TRADES_DICT[0])
        self.assertEqual(rows[1].status, 201)
        # Sliced past the null: row 0 of the slice is the null one.
        cols = self.dec.decode_columns(arr.slice(1, 1))
        self.assertEqual(cols.error_status, [201])

    def test_data_buffer_is_read_in_place(self):
        arr = pa.array([s.TRADES[0]] * 3, pa.large_binary())
        batch = next(cfavro._arrow_inputs(arr))
        self.assertEqual(batch.data, arr.buffers()[2].address)
        self.assertEqual(batch.offsets_addr, arr.buffers()[1].address)
        self.assertEqual(batch.width, 8)
        # 4 MiB of messages: decoding allocates a small fraction of it in Python (a
        # copy of the values would trace at least their size).
        big = pa.array([s.WRONG_MAGIC + b"x" * (64 << 10)] * 64, pa.binary())
        tracemalloc.start()
        try:
            cols = self.dec.decode_columns(big)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(cols.failed, 64)
        self.assertLess(peak, big.buffers()[2].size // 8)

    def test_unsupported_types(self):
        for arr in (pa.array([1, 2]), pa.array([b"abcde"], pa.binary(5))):
            with self.subTest(type=str(arr.type)):
                with self.assertRaises(ValueError) as ctx:
                    self.dec.decode_columns(arr)
                self.assertIn("cast it to binary", str(ctx.exception))
        if hasattr(pa, "binary_view"):
            with self.assertRaises(ValueError):
                self.dec.decode_columns(pa.array([s.TRADES[0]], pa.binary_view()))

    def test_bad_offsets_fail_the_call(self):
        # A duck-typed column whose offsets pass its data: C refuses the whole call
        # before decoding anything, naming the first bad offset.
        data = ctypes.create_string_buffer(s.TRADES[0], len(s.TRADES[0]))
        offsets = (ctypes.c_int32 * 3)(0, len(s.TRADES[0]), len(s.TRADES[0]) + 10)

        class Buf:
            def __init__(self, obj):
                self.address = ctypes.addressof(obj)
                self.size = ctypes.sizeof(obj)

        class Column:
            type = "binary"
            offset = 0
            null_count = 0

            def __len__(self):
                return 2

            def buffers(self):
                return [None, Buf(offsets), Buf(data)]

        with self.assertRaises(cfavro.ArgumentError) as ctx:
            self.dec.decode_columns(Column())
        self.assertEqual(ctx.exception.status, 104)
        self.assertIn("beyond", ctx.exception.message)
        # Offsets shorter than the array claims: refused before C reads them.
        short = (ctypes.c_int32 * 2)(0, 1)
        Column.buffers = lambda self: [None, Buf(short), Buf(data)]
        with self.assertRaises(ValueError):
            self.dec.decode_columns(Column())
        self.assertEqual(self.dec.decode(s.TRADES[0]), s.TRADES_DICT[0])  # still usable


if __name__ == "__main__":
    unittest.main()
