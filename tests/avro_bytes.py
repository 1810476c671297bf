"""Avro binary building blocks (python3 stdlib only), shared by the CLI tests
(tests/test_cli.py) and the fuzz seed writer (fuzz/make_seeds.py)."""


def zigzag(n):
    """Signed 64-bit to the unsigned form Avro varints carry."""
    return ((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF


def varint(u):
    """Unsigned base-128, little-endian groups."""
    out = bytearray()
    while True:
        b = u & 0x7F
        u >>= 7
        if u:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def long_(n):
    """Avro int or long: zigzag, then varint."""
    return varint(zigzag(n))


def string_(b):
    """Avro string or bytes: length, then the bytes (str is UTF-8 encoded)."""
    if isinstance(b, str):
        b = b.encode()
    return long_(len(b)) + b
