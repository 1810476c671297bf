"""cfavro for Python: decode Confluent-framed Avro (the Kafka wire format) to
dicts or JSON through the cfavro C library, with ctypes and nothing but the
standard library.

    import cfavro
    client = cfavro.Client({"schema.dir": "/etc/myapp/schemas"})   # one per process
    with cfavro.Decoder(client, json_union="plain") as dec:          # one per thread
        row = dec.decode(kafka_value)                  # dict, or raises cfavro.Error
        rows = dec.decode_batch(values)                # one C call; a bad message is an
                                                       # Error instance in its slot
        cols = dec.decode_columns(arrow_binary_column) # columns for Spark/Arrow, no copy

The objects mirror the C API (include/cfavro.h):

- ``Client(config)``: settings, schema sources (schema directory, registry) and the
  compiled-schema cache. Thread-safe and meant to be shared: make one per process.
  ``config`` is a dict of the library's settings with their C names
  (``{"schema.registry.url": "http://sr:8081", "schema.dir": "/schemas"}``); values may be
  str, bool (``true``/``false``), int or a path; a value of None is left unset. The same
  keys may also be given as keyword arguments with ``_`` for ``.``
  (``Client(schema_dir="/schemas")``), and a properties text (librdkafka's ``-F`` file
  format) with ``properties=``.
- ``Decoder(client, settings=None, **options)``: output buffer and options, cheap, for
  one thread at a time (a second thread using it at the same moment gets RuntimeError,
  never a crash). ``settings`` is a dict of decoder settings with their C names
  (``{"json.union": "plain"}``); ``options`` are the same keys with ``_`` for ``.``
  (``json_union="plain"``, ``limit_output_bytes=1 << 20``). ``Decoder(config_dict)``
  makes a client of its own, closed with the decoder.

Both are context managers and have ``close()``; a client closed while decoders made from
it are open is released when the last of them closes.

Failures raise ``cfavro.Error`` (or return it, in batch slots): ``status`` (the C status,
e.g. 603), ``status_class`` (e.g. 600), ``class_name`` ("data"), ``message``, ``offset``
(byte offset in the whole message, or None), ``path`` (field path such as
``Trade.extra["fee"]``, or None) and ``schema_id`` (or None), with one subclass per status
class: ArgumentError (ConfigError for unknown keys and bad values), FramingError,
SchemaNotFoundError, RegistryError, SchemaError, MalformedDataError, TrailingBytesError,
LimitError, IncompatibleSchemaError.

Finding the library (first match wins; ``library_path()`` says which was loaded):

1. the environment variable ``CFAVRO_LIBRARY``, the path of libcfavro.so; when set it
   must load (no fall-back hides a wrong path);
2. the path meson wrote into this file: the build tree's library for the copy in
   ``<build>/python/cfavro.py`` (``PYTHONPATH=<build>/python``), the installed library
   for the copy ``meson install`` puts into the Python site directory;
3. for this file run from a source checkout (``python/cfavro.py``), the library of a
   build directory named ``build`` beside it (``build/src/libcfavro.so``);
4. ``ctypes.util.find_library("cfavro")`` (the system's library path).

The library is loaded on first use, not at import, so the module imports (and its
exceptions unpickle) on machines without it.

SPDX-License-Identifier: Apache-2.0
"""
import bisect
import ctypes
import ctypes.util
import enum
import itertools
import json
import os
import struct
import threading
import uuid
from collections import namedtuple
from collections.abc import Mapping

__all__ = [
    "Client", "Decoder", "Columns", "Frame", "Setting", "CacheItem",
    "Error", "ArgumentError", "ConfigError", "FramingError", "SchemaNotFoundError",
    "RegistryError", "SchemaError", "MalformedDataError", "TrailingBytesError",
    "LimitError", "IncompatibleSchemaError",
    "Status", "StatusClass", "STATUS_CLASS_NAMES",
    "version", "version_number", "library_path", "strerror", "status_class", "settings",
    "parse_frame", "parse_frame_header", "write_frame_v0", "write_frame_v1",
]

# Written by meson (python/meson.build) into the build tree's and the installed copy;
# left as it is in the source file, where it is ignored.
_CONFIGURED_LIBRARY = "@CFAVRO_PYTHON_LIBRARY@"

# The C API this module mirrors: a library of another major.minor may lay its structs
# or codes out differently before 1.0 (see the README's ABI note), so it is refused.
_API_VERSION = (0, 1)

# ---------------------------------------------------------------------------------
# Status codes (cfavro_status, cfavro_status_class_code)
# ---------------------------------------------------------------------------------


class StatusClass(enum.IntEnum):
    """CFAVRO_CLASS_*: the kind of a failure; a status's class is status // 100 * 100."""
    ARGUMENT = 100
    FRAME = 200
    NOT_FOUND = 300
    REGISTRY = 400
    SCHEMA = 500
    DATA = 600
    TRAILING = 700
    LIMIT = 800
    INCOMPATIBLE = 900


class Status(enum.IntEnum):
    """CFAVRO_OK and CFAVRO_E_*: the specific status of a failure."""
    OK = 0
    NOMEM = 101
    CONFIG = 102
    IO = 103
    ARGUMENT = 104
    INTERNAL = 105
    FRAME_SHORT = 201
    FRAME_MAGIC = 202
    FRAME_HEADER_SIZE = 203
    SCHEMA_NOT_FOUND = 301
    REGISTRY_AUTH = 401
    REGISTRY_UNAVAILABLE = 402
    REGISTRY_PROTOCOL = 403
    REGISTRY_RATE_LIMITED = 404
    SCHEMA_INVALID = 501
    SCHEMA_UNSUPPORTED = 502
    DATA_TRUNCATED = 601
    DATA_NEGATIVE_LENGTH = 602
    DATA_LENGTH = 603
    DATA_VARINT = 604
    DATA_INT_RANGE = 605
    DATA_BLOCK_COUNT = 606
    DATA_UNION_INDEX = 607
    DATA_ENUM_INDEX = 608
    DATA_BOOLEAN = 609
    DATA_UTF8 = 610
    DATA_MAP_KEY_DUPLICATE = 611
    DATA_UNRESOLVED = 612
    TRAILING_BYTES = 701
    LIMIT_DEPTH = 801
    LIMIT_ITEMS = 802
    LIMIT_OUTPUT = 803
    LIMIT_SCHEMA = 804
    INCOMPATIBLE = 901


# The stable short name of each class: Error.class_name and Columns.error_class.
STATUS_CLASS_NAMES = {
    StatusClass.ARGUMENT: "argument",
    StatusClass.FRAME: "framing",
    StatusClass.NOT_FOUND: "schema_not_found",
    StatusClass.REGISTRY: "registry",
    StatusClass.SCHEMA: "schema",
    StatusClass.DATA: "data",
    StatusClass.TRAILING: "trailing",
    StatusClass.LIMIT: "limit",
    StatusClass.INCOMPATIBLE: "incompatible",
}

_NO_OFFSET = (1 << 64) - 1   # CFAVRO_NO_OFFSET
_NO_SCHEMA_ID = -(1 << 63)   # CFAVRO_NO_SCHEMA_ID
_GUID_SIZE = 16
_HEADER_V0_SIZE = 5
_HEADER_V1_SIZE = 17
FRAME_V0 = 0
FRAME_V1 = 1


def status_class(status):
    """The class of `status` (cfavro_status_class): status // 100 * 100, 0 for OK;
    negative values are returned unchanged."""
    status = int(status)
    return status if status <= 0 else status // 100 * 100


# ---------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------


class Error(Exception):
    """A cfavro failure. Raised by single calls, placed in the slot of a failed message
    by batch calls. Attributes:

    status        the C status (int, e.g. 603: Status.DATA_LENGTH)
    status_class  its class (int, e.g. 600: StatusClass.DATA)
    class_name    the class's short name ("data"; see STATUS_CLASS_NAMES)
    message       one line of English, never a credential
    offset        byte offset in the whole message (header included), or None
    path          field path such as Trade.extra["fee"], or None outside a value
    schema_id     the writer schema id involved, or None
    """

    def __init__(self, status, message="", offset=None, schema_id=None, path=None):
        self.status = int(status)
        self.status_class = status_class(self.status)
        self.message = message
        self.offset = offset
        self.schema_id = schema_id
        self.path = path
        super().__init__(self._describe())

    @property
    def class_name(self):
        return STATUS_CLASS_NAMES.get(self.status_class, "unknown")

    def _describe(self):
        where = ["status %d" % self.status]
        if self.offset is not None:
            where.append("offset %d" % self.offset)
        if self.path is not None:
            where.append("path %s" % self.path)
        if self.schema_id is not None:
            where.append("schema id %d" % self.schema_id)
        return "%s (%s)" % (self.message, ", ".join(where))

    def __reduce__(self):
        # Spark and multiprocessing pickle exceptions: keep every field.
        return (type(self), (self.status, self.message, self.offset, self.schema_id,
                             self.path))

    def __repr__(self):
        return "%s(%d, %r, offset=%r, schema_id=%r, path=%r)" % (
            type(self).__name__, self.status, self.message, self.offset, self.schema_id,
            self.path)

    def __eq__(self, other):
        if not isinstance(other, Error):
            return NotImplemented
        return (type(self), self.status, self.message, self.offset, self.schema_id,
                self.path) == (type(other), other.status, other.message, other.offset,
                               other.schema_id, other.path)

    def __hash__(self):
        return hash((self.status, self.message, self.offset, self.schema_id, self.path))


class ArgumentError(Error):
    """Class 100: the caller's arguments, memory, configuration or files."""


class ConfigError(ArgumentError):
    """Status 102: an unknown setting, a bad value or a bad combination (the message
    names the key, never a secret value)."""


class FramingError(Error):
    """Class 200: not a Confluent frame (too short, wrong magic byte, raw Avro without
    its header, an empty message or tombstone)."""


class SchemaNotFoundError(Error):
    """Class 300: no schema source knows the schema id (or GUID)."""


class RegistryError(Error):
    """Class 400: talking to the schema registry failed (refused credentials,
    unavailable, protocol, rate limited)."""


class SchemaError(Error):
    """Class 500: the schema text is not a usable Avro schema."""


class MalformedDataError(Error):
    """Class 600: the Avro data is malformed (truncated, bad length, bad index, ...)."""


class TrailingBytesError(Error):
    """Class 700: bytes are left after the value."""


class LimitError(Error):
    """Class 800: a configured limit (limit.*) was reached."""


class IncompatibleSchemaError(Error):
    """Class 900: the reader and writer schemas do not resolve."""


_CLASS_EXCEPTIONS = {
    StatusClass.ARGUMENT: ArgumentError,
    StatusClass.FRAME: FramingError,
    StatusClass.NOT_FOUND: SchemaNotFoundError,
    StatusClass.REGISTRY: RegistryError,
    StatusClass.SCHEMA: SchemaError,
    StatusClass.DATA: MalformedDataError,
    StatusClass.TRAILING: TrailingBytesError,
    StatusClass.LIMIT: LimitError,
    StatusClass.INCOMPATIBLE: IncompatibleSchemaError,
}


def _exception_type(status):
    if status == Status.CONFIG:
        return ConfigError
    return _CLASS_EXCEPTIONS.get(status_class(status), Error)


# ---------------------------------------------------------------------------------
# C structs (mirrors of include/cfavro.h; tests/python checks them against the C
# compiler's sizeof/offsetof)
# ---------------------------------------------------------------------------------

_c_int = ctypes.c_int
_c_size = ctypes.c_size_t
_c_void = ctypes.c_void_p
_c_char = ctypes.c_char_p


class CError(ctypes.Structure):
    """cfavro_error."""
    _fields_ = [
        ("status", ctypes.c_int),
        ("offset", ctypes.c_uint64),
        ("schema_id", ctypes.c_int64),
        ("message", ctypes.c_char * 256),  # CFAVRO_ERROR_MESSAGE_MAX
        ("path", ctypes.c_char * 256),     # CFAVRO_ERROR_PATH_MAX
    ]


class CFrame(ctypes.Structure):
    """cfavro_frame."""
    _fields_ = [
        ("kind", ctypes.c_int),
        ("schema_id", ctypes.c_int32),
        ("guid", ctypes.c_uint8 * _GUID_SIZE),
        ("header_size", ctypes.c_size_t),
        ("payload", ctypes.c_void_p),
        ("payload_size", ctypes.c_size_t),
    ]


class CSettingInfo(ctypes.Structure):
    """cfavro_setting_info (read through its pointer only: rows may grow)."""
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("default_value", ctypes.c_char_p),
        ("accepted", ctypes.c_char_p),
        ("doc", ctypes.c_char_p),
        ("scope", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
    ]


class CCacheItem(ctypes.Structure):
    """cfavro_cache_item."""
    _fields_ = [
        ("state", ctypes.c_int),
        ("origin", ctypes.c_int),
        ("is_guid", ctypes.c_int),
        ("schema_id", ctypes.c_int32),
        ("guid", ctypes.c_uint8 * _GUID_SIZE),
        ("context", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("error_status", ctypes.c_int),
    ]


_STATS_CLASS_SLOTS = 16      # CFAVRO_STATS_CLASS_SLOTS
_STATS_LATENCY_BUCKETS = 10  # CFAVRO_STATS_LATENCY_BUCKETS


class CStats(ctypes.Structure):
    """cfavro_stats (version 1; the library says in `size` how much it filled)."""
    _fields_ = [
        ("size", ctypes.c_uint64),
        ("decoded", ctypes.c_uint64),
        ("failed", ctypes.c_uint64),
        ("failed_by_class", ctypes.c_uint64 * _STATS_CLASS_SLOTS),
        ("cache_hits", ctypes.c_uint64),
        ("cache_misses", ctypes.c_uint64),
        ("cache_negative_hits", ctypes.c_uint64),
        ("cache_evictions", ctypes.c_uint64),
        ("cache_entries", ctypes.c_uint64),
        ("registry_lookups", ctypes.c_uint64),
        ("registry_requests", ctypes.c_uint64),
        ("registry_retries", ctypes.c_uint64),
        ("registry_failures", ctypes.c_uint64),
        ("registry_latency_us_sum", ctypes.c_uint64),
        ("registry_latency_us_max", ctypes.c_uint64),
        ("registry_latency_buckets", ctypes.c_uint64 * _STATS_LATENCY_BUCKETS),
        ("decoders", ctypes.c_uint64),
        ("decoders_freed", ctypes.c_uint64),
    ]


class CBatchResult(ctypes.Structure):
    """cfavro_batch_result."""
    _fields_ = [
        ("status", ctypes.c_int),
        ("offset", ctypes.c_uint64),
        ("schema_id", ctypes.c_int64),
        ("json_offset", ctypes.c_size_t),
        ("json_len", ctypes.c_size_t),
    ]


# Batch results are read as columns of machine words straight from the result array
# (memoryview casts), not as one ctypes object per message: each field is a whole
# number of its own size inside a struct whose size is a multiple of it.
def _result_column_spec(field, code):
    size = struct.calcsize(code)
    offset = getattr(CBatchResult, field).offset
    assert offset % size == 0 and ctypes.sizeof(CBatchResult) % size == 0
    return code, offset // size, ctypes.sizeof(CBatchResult) // size


_RESULT_STATUS = _result_column_spec("status", "i")
_RESULT_SCHEMA_ID = _result_column_spec("schema_id", "q")
_RESULT_SIZE = ctypes.sizeof(CBatchResult)

_CACHE_VISITOR = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(CCacheItem))

_P_ERROR = ctypes.POINTER(CError)
_P_FRAME = ctypes.POINTER(CFrame)
# JSON out-parameters are char pointers: slicing one copies the text in C
# (ctypes.string_at would be a second foreign call per message).
_CHARS = ctypes.POINTER(ctypes.c_char)
_P_OUT = ctypes.POINTER(_CHARS)
_P_SIZE = ctypes.POINTER(ctypes.c_size_t)

# name: (restype, argtypes). Message bytes go in as c_char_p: ctypes passes a bytes
# object's own buffer, without a copy.
_PROTOTYPES = {
    "cfavro_version": (_c_char, []),
    "cfavro_version_number": (ctypes.c_uint, []),
    "cfavro_strerror": (_c_char, [_c_int]),
    "cfavro_status_class": (_c_int, [_c_int]),
    "cfavro_frame_parse": (_c_int, [_c_char, _c_size, _P_FRAME, _P_ERROR]),
    "cfavro_frame_parse_header": (_c_int, [_c_char, _c_size, _c_char, _c_size, _P_FRAME,
                                           _P_ERROR]),
    "cfavro_frame_write_v0": (_c_int, [ctypes.c_int32, _c_void, _c_size]),
    "cfavro_frame_write_v1": (_c_int, [_c_char, _c_void, _c_size]),
    "cfavro_config_new": (_c_void, []),
    "cfavro_config_free": (None, [_c_void]),
    "cfavro_config_set": (_c_int, [_c_void, _c_char, _c_char, _P_ERROR]),
    "cfavro_config_set_properties": (_c_int, [_c_void, _c_char, _c_size, _P_ERROR]),
    "cfavro_setting_count": (_c_size, []),
    "cfavro_setting_at": (ctypes.POINTER(CSettingInfo), [_c_size]),
    "cfavro_client_new": (_c_void, [_c_void, _P_ERROR]),
    "cfavro_client_free": (None, [_c_void]),
    "cfavro_client_add_schema": (_c_int, [_c_void, ctypes.c_int32, _c_char, _c_size,
                                          _P_ERROR]),
    "cfavro_client_prefetch": (_c_int, [_c_void, ctypes.c_int32, _P_ERROR]),
    "cfavro_client_prefetch_guid": (_c_int, [_c_void, _c_char, _P_ERROR]),
    "cfavro_client_cache_list": (_c_int, [_c_void, _CACHE_VISITOR, _c_void, _P_ERROR]),
    "cfavro_client_stats": (_c_int, [_c_void, ctypes.POINTER(CStats), _c_size]),
    "cfavro_decoder_new": (_c_void, [_c_void, _P_ERROR]),
    "cfavro_decoder_free": (None, [_c_void]),
    "cfavro_decoder_set": (_c_int, [_c_void, _c_char, _c_char, _P_ERROR]),
    "cfavro_decoder_error": (_P_ERROR, [_c_void]),
    "cfavro_decode_json": (_c_int, [_c_void, _c_char, _c_size, _P_OUT, _P_SIZE]),
    "cfavro_decode_frame_json": (_c_int, [_c_void, _P_FRAME, _P_OUT, _P_SIZE]),
    "cfavro_decode_payload_json": (_c_int, [_c_void, ctypes.c_int32, _c_char, _c_size,
                                            _P_OUT, _P_SIZE]),
    "cfavro_validate": (_c_int, [_c_void, _c_char, _c_size]),
    "cfavro_validate_frame": (_c_int, [_c_void, _P_FRAME]),
    "cfavro_validate_payload": (_c_int, [_c_void, ctypes.c_int32, _c_char, _c_size]),
    # data: a bytes object (b"".join) or an address (an Arrow buffer): c_void_p takes both.
    "cfavro_decode_batch_offsets_json": (_c_int, [_c_void, _c_void, _c_size, _c_void, _c_size,
                                                  _c_size, _c_void, _P_OUT, _P_SIZE,
                                                  _P_SIZE]),
    "cfavro_decoder_batch_error": (_P_ERROR, [_c_void, _c_size]),
}

# ---------------------------------------------------------------------------------
# Loading the library
# ---------------------------------------------------------------------------------

_load_lock = threading.Lock()
_lib = None
_lib_path = None


def _candidates():
    """(origin, path) pairs in search order; see the module's documentation."""
    env = os.environ.get("CFAVRO_LIBRARY")
    if env:
        return [("CFAVRO_LIBRARY", env)]
    found = []
    if not _CONFIGURED_LIBRARY.startswith("@"):
        found.append(("meson", _CONFIGURED_LIBRARY))
    here = os.path.dirname(os.path.abspath(__file__))
    found.append(("source checkout",
                  os.path.join(os.path.dirname(here), "build", "src", "libcfavro.so")))
    system = ctypes.util.find_library("cfavro")
    if system:
        found.append(("find_library", system))
    return found


def _open():
    tried = []
    for origin, path in _candidates():
        if origin in ("meson", "source checkout") and not os.path.exists(path):
            tried.append("%s: %s (absent)" % (origin, path))
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            if origin == "CFAVRO_LIBRARY":
                raise OSError("cfavro: CFAVRO_LIBRARY=%s does not load: %s" % (path, e))
            tried.append("%s: %s (%s)" % (origin, path, e))
            continue
        return lib, path
    raise OSError("cfavro: libcfavro not found; set CFAVRO_LIBRARY to its path "
                  "(tried: %s)" % "; ".join(tried or ["nothing"]))


def _load():
    global _lib, _lib_path
    lib = _lib
    if lib is not None:
        return lib
    with _load_lock:
        if _lib is not None:
            return _lib
        lib, path = _open()
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        number = lib.cfavro_version_number()
        if (number // 10000, number // 100 % 100) != _API_VERSION:
            raise OSError("cfavro: %s is version %s; this module needs %d.%d.x" % (
                path, lib.cfavro_version().decode(), *_API_VERSION))
        _lib_path = path
        _lib = lib
        return lib


def library_path():
    """The path of the loaded C library (loading it if needed)."""
    _load()
    return _lib_path


def version():
    """The loaded library's version string (cfavro_version)."""
    return _load().cfavro_version().decode()


def version_number():
    """MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library."""
    return _load().cfavro_version_number()


def strerror(status):
    """A short static English description of `status` (cfavro_strerror)."""
    return _load().cfavro_strerror(int(status)).decode()


# ---------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------


def _text(raw):
    return raw.decode("utf-8", "replace")


def _error_from(c_err):
    """An Error (of its class) from a cfavro_error."""
    status = c_err.status
    return _exception_type(status)(
        status,
        _text(c_err.message),
        None if c_err.offset == _NO_OFFSET else c_err.offset,
        None if c_err.schema_id == _NO_SCHEMA_ID else c_err.schema_id,
        _text(c_err.path) or None)


def _as_bytes(value, what="message"):
    """Bytes for a C call: bytes as they are (no copy), other buffers copied once."""
    if type(value) is bytes:
        return value
    if value is None or isinstance(value, str):
        raise TypeError("cfavro: %s must be bytes-like, not %s" % (what, type(value).__name__))
    return bytes(memoryview(value))


def _setting_text(key, value):
    """A (key, value) setting as C strings."""
    if not isinstance(key, str):
        raise TypeError("cfavro: setting names are str, not %s" % type(key).__name__)
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int):
        value = str(value)
    elif isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        raw = value.encode("utf-8")
    else:
        raise TypeError("cfavro: setting %s: values are str, bytes, bool, int or paths, "
                        "not %s" % (key, type(value).__name__))
    if "\0" in key or b"\0" in raw:
        # A C string would end there and set something else than was asked; the
        # value is not shown (it may be a secret).
        raise ConfigError(Status.CONFIG, "setting %s: contains a NUL character" %
                          key.replace("\0", "\\0"))
    return key.encode("utf-8"), raw


def _settings_items(mapping, keywords):
    """Settings from a dict (C names) then keyword arguments (`_` for `.`), in order;
    None values are left unset."""
    items = []
    if mapping is not None:
        if not isinstance(mapping, Mapping):
            raise TypeError("cfavro: settings are a dict, not %s" % type(mapping).__name__)
        items.extend(mapping.items())
    items.extend((k.replace("_", "."), v) for k, v in keywords.items())
    return [_setting_text(k, v) for k, v in items if v is not None]


def _guid_bytes(guid):
    if isinstance(guid, uuid.UUID):
        return guid.bytes
    if isinstance(guid, str):
        return uuid.UUID(guid).bytes
    raw = _as_bytes(guid, "guid")
    if len(raw) != _GUID_SIZE:
        raise ValueError("cfavro: a GUID is 16 bytes, not %d" % len(raw))
    return raw


# ---------------------------------------------------------------------------------
# Settings table, frames
# ---------------------------------------------------------------------------------

Setting = namedtuple("Setting", "name default accepted doc scope secret available")
Setting.__doc__ = """One row of the library's settings table (cfavro_setting_at): scope is
"client" or "decoder"; default is None when the key is unset by default."""


def settings():
    """The library's settings table, in documentation order: a list of Setting."""
    lib = _load()
    rows = []
    for i in range(lib.cfavro_setting_count()):
        p = lib.cfavro_setting_at(i)
        if not p:
            break
        s = p.contents
        rows.append(Setting(
            s.name.decode(), None if s.default_value is None else s.default_value.decode(),
            s.accepted.decode(), s.doc.decode(), "client" if s.scope == 1 else "decoder",
            bool(s.flags & 1), bool(s.flags & 2)))
    return rows


class Frame:
    """A parsed Confluent frame (cfavro_frame): kind (FRAME_V0 or FRAME_V1), schema_id
    (V0; None for V1), guid (uuid.UUID for V1; None for V0), header_size (5, 17, or 0
    in header mode) and payload (a memoryview of the Avro binary inside the message it
    was parsed from, no copy). Decoder.decode_frame* decode it."""

    __slots__ = ("kind", "schema_id", "guid", "header_size", "payload", "_c", "_keep")

    def __init__(self, c_frame, keep, payload):
        self._c = c_frame
        self._keep = keep  # the buffers c_frame.payload points into
        self.kind = c_frame.kind
        self.schema_id = c_frame.schema_id if self.kind == FRAME_V0 else None
        self.guid = uuid.UUID(bytes=bytes(c_frame.guid)) if self.kind == FRAME_V1 else None
        self.header_size = c_frame.header_size
        self.payload = payload

    def __repr__(self):
        ident = ("schema_id=%d" % self.schema_id if self.kind == FRAME_V0
                 else "guid=%s" % self.guid)
        return "Frame(V%d, %s, header_size=%d, payload=%d bytes)" % (
            self.kind, ident, self.header_size, len(self.payload))


def parse_frame(msg):
    """Parse a framed message (V0 or V1) into a Frame; FramingError when it is not
    one."""
    lib = _load()
    msg = _as_bytes(msg)
    c_frame, err = CFrame(), CError()
    if lib.cfavro_frame_parse(msg, len(msg), c_frame, err) != 0:
        raise _error_from(err)
    return Frame(c_frame, (msg,), memoryview(msg)[c_frame.header_size:])


def parse_frame_header(header, payload):
    """Header mode: `header` is the value of the Kafka record header
    __value_schema_id / __key_schema_id (V1 or V0 bytes) and `payload` the
    unprefixed record value."""
    lib = _load()
    header = _as_bytes(header, "header")
    payload = _as_bytes(payload, "payload")
    c_frame, err = CFrame(), CError()
    if lib.cfavro_frame_parse_header(header, len(header), payload, len(payload), c_frame,
                                     err) != 0:
        raise _error_from(err)
    return Frame(c_frame, (header, payload), memoryview(payload))


def write_frame_v0(schema_id):
    """The 5-byte V0 header for `schema_id` (prepend it to an Avro payload)."""
    buf = ctypes.create_string_buffer(_HEADER_V0_SIZE)
    rc = _load().cfavro_frame_write_v0(schema_id, buf, _HEADER_V0_SIZE)
    if rc != 0:
        raise ArgumentError(rc, "cfavro_frame_write_v0 failed")
    return buf.raw


def write_frame_v1(guid):
    """The 17-byte V1 header for `guid` (uuid.UUID, its text, or 16 bytes)."""
    buf = ctypes.create_string_buffer(_HEADER_V1_SIZE)
    rc = _load().cfavro_frame_write_v1(_guid_bytes(guid), buf, _HEADER_V1_SIZE)
    if rc != 0:
        raise ArgumentError(rc, "cfavro_frame_write_v1 failed")
    return buf.raw


# ---------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------

CacheItem = namedtuple("CacheItem", "state origin schema_id guid context name error_status")
CacheItem.__doc__ = """One schema of a client's cache (cfavro_cache_item): state "ready" or
"failed", origin "none", "memory", "directory", "persisted" or "registry", schema_id (or
None when looked up by guid), guid (uuid.UUID or None), context, name, error_status (the
remembered status of a failure, else 0)."""

_CACHE_STATES = {1: "ready", 2: "failed"}
_ORIGINS = {0: "none", 1: "memory", 2: "directory", 3: "persisted", 4: "registry"}


class Client:
    """Settings, schema sources and the schema cache (cfavro_client): thread-safe,
    shared by the decoders of every thread; make one per process.

    Client(config=None, *, properties=None, **settings): `config` is a dict of settings
    by their C names, `settings` the same keys with `_` for `.`, `properties` a
    properties text (applied first). Raises ConfigError for an unknown key or a bad
    value, and the error of cfavro_client_new (e.g. a bad combination) otherwise."""

    def __init__(self, config=None, *, properties=None, **settings):
        lib = _load()
        self._lib = lib
        self._handle = None
        self._lock = threading.Lock()
        self._decoders = 0
        self._closing = False
        items = _settings_items(config, settings)
        err = CError()
        cfg = lib.cfavro_config_new()
        if not cfg:
            raise ArgumentError(Status.NOMEM, "out of memory for the configuration")
        try:
            if properties is not None:
                text = properties.encode("utf-8") if isinstance(properties, str) else \
                    _as_bytes(properties, "properties")
                if lib.cfavro_config_set_properties(cfg, text, len(text), err) != 0:
                    raise _error_from(err)
            for key, value in items:
                if lib.cfavro_config_set(cfg, key, value, err) != 0:
                    raise _error_from(err)
            handle = lib.cfavro_client_new(cfg, err)
            if not handle:
                raise _error_from(err)
        finally:
            lib.cfavro_config_free(cfg)
        self._handle = handle

    # -- lifetime ------------------------------------------------------------------

    def close(self):
        """Release the client; when decoders made from it are still open, when the last
        of them closes. No new decoder can be made from it after this."""
        with self._lock:
            self._closing = True
            if self._decoders == 0:
                self._release()

    @property
    def closed(self):
        return self._closing or self._handle is None

    def _release(self):
        handle, self._handle = self._handle, None
        if handle:
            self._lib.cfavro_client_free(handle)

    def _open_decoder(self):
        with self._lock:
            if self._closing or not self._handle:
                raise ValueError("cfavro: the client is closed")
            self._decoders += 1
            return self._handle

    def _decoder_closed(self):
        with self._lock:
            self._decoders -= 1
            if self._closing and self._decoders == 0:
                self._release()

    def _live_handle(self):
        handle = self._handle
        if self._closing or not handle:
            raise ValueError("cfavro: the client is closed")
        return handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Decoders hold a reference to their client, but the cyclic garbage collector
        # (and interpreter shutdown) finalizes a batch of objects in any order: with a
        # decoder still open, the client is released when that decoder closes.
        if getattr(self, "_handle", None):
            self.close()

    # -- schemas -------------------------------------------------------------------

    def add_schema(self, schema_id, schema):
        """Register `schema` (Avro schema JSON text, or a dict/list/str value that is
        dumped as JSON) under `schema_id` in the client's in-memory source. Compiled
        now: SchemaError when invalid; ArgumentError when the id already names other
        text."""
        if isinstance(schema, (dict, list)):
            schema = json.dumps(schema)
        text = schema.encode("utf-8") if isinstance(schema, str) else _as_bytes(schema,
                                                                                "schema")
        err = CError()
        if self._lib.cfavro_client_add_schema(self._live_handle(), schema_id, text, len(text),
                                              err) != 0:
            raise _error_from(err)

    def prefetch(self, schema_id):
        """Make sure schema `schema_id` is compiled and cached (warm the cache, fail
        fast): raises its lookup's Error otherwise."""
        err = CError()
        if self._lib.cfavro_client_prefetch(self._live_handle(), schema_id, err) != 0:
            raise _error_from(err)

    def prefetch_guid(self, guid):
        """The same for a schema GUID (uuid.UUID, its text, or 16 bytes)."""
        err = CError()
        if self._lib.cfavro_client_prefetch_guid(self._live_handle(), _guid_bytes(guid),
                                                 err) != 0:
            raise _error_from(err)

    def stats(self):
        """The client's counters (cfavro_client_stats) as a dict: decoded, failed,
        failed_by_class ({class number: count}, nonzero classes only), cache_*,
        registry_* (registry_latency_buckets a list), decoders, decoders_freed.
        Safe from any thread while decoders decode; each counter only grows
        (the gauges cache_entries and decoders aside)."""
        st = CStats()
        rc = self._lib.cfavro_client_stats(self._live_handle(), st, ctypes.sizeof(st))
        if rc != 0:
            raise ArgumentError(rc, "cfavro_client_stats refused its arguments")
        out = {}
        for name, _ in CStats._fields_:
            if name == "size":
                continue
            value = getattr(st, name)
            if name == "failed_by_class":
                out[name] = {100 * i: n for i, n in enumerate(value) if n}
            elif name == "registry_latency_buckets":
                out[name] = list(value)
            else:
                out[name] = value
        return out

    def cache_list(self):
        """What the client's schema cache holds now: a list of CacheItem (order
        unspecified)."""
        items = []

        def visit(_arg, p):
            c = p.contents
            items.append(CacheItem(
                _CACHE_STATES.get(c.state, c.state), _ORIGINS.get(c.origin, c.origin),
                None if c.is_guid else c.schema_id,
                uuid.UUID(bytes=bytes(c.guid)) if c.is_guid else None,
                _text(c.context or b""), _text(c.name or b""), c.error_status))
            return 0

        err = CError()
        if self._lib.cfavro_client_cache_list(self._live_handle(), _CACHE_VISITOR(visit),
                                              None, err) != 0:
            raise _error_from(err)
        return items


# ---------------------------------------------------------------------------------
# Batch input: one buffer and an offsets array
# ---------------------------------------------------------------------------------

_ARROW_OFFSET_WIDTH = {"binary": 4, "string": 4, "utf8": 4,
                       "large_binary": 8, "large_string": 8, "large_utf8": 8}
_EMPTY = b""


# One C call decodes at most _CALL_MESSAGES messages and, for a list of bytes, about
# _CALL_BYTES of them (unless one message alone is larger): a bigger batch goes in
# several calls, so that what it needs beyond its input and its output (the joined
# copy of the input, the C output buffer, the text being split or parsed) stays
# bounded whatever its size. Each call costs a few microseconds.
_CALL_MESSAGES = 4096
_CALL_BYTES = 4 << 20


class _BatchInput:
    """Messages laid out as cfavro_decode_batch_offsets_json reads them: `data` (bytes
    passed as they are, or an address), `offsets_addr` (count + 1 integers of `width`
    bytes), plus what must stay alive during the call, and for Arrow input the
    validity bitmap of a column with nulls."""

    __slots__ = ("data", "data_len", "offsets_addr", "width", "count", "keep", "validity",
                 "validity_offset")

    @classmethod
    def from_values(cls, values, ends):
        """One call's messages from bytes-like values (no None) and the running sums
        of their lengths."""
        try:
            data = _EMPTY.join(values)
        except TypeError:  # not bytes-like: _as_bytes says which
            data = None
        if data is None or len(data) != ends[-1]:  # or a memoryview of wider items
            values = [_as_bytes(v) for v in values]
            data = _EMPTY.join(values)
            ends = list(itertools.accumulate(map(len, values)))
        # struct converts the integers about twice as fast as array.array does.
        offsets = struct.pack("%dq" % (len(ends) + 1), 0, *ends)
        self = cls()
        self.data = data
        self.data_len = len(data)
        self.offsets_addr = _address_of(offsets)
        self.width = 8
        self.count = len(ends)
        self.keep = offsets
        self.validity = None
        self.validity_offset = 0
        return self

    def is_null(self, i):
        bit = self.validity_offset + i
        return not (self.validity[bit >> 3] >> (bit & 7)) & 1


def _sequence_inputs(values):
    """The _BatchInputs of a list of bytes (None: a tombstone, an empty message)."""
    if not isinstance(values, (list, tuple)):
        values = list(values)
    for start in range(0, len(values), _CALL_MESSAGES):
        part = values[start:start + _CALL_MESSAGES]
        try:
            ends = list(itertools.accumulate(map(len, part)))
        except TypeError:  # None, or not bytes-like
            part = [_EMPTY if v is None else _as_bytes(v) for v in part]
            ends = list(itertools.accumulate(map(len, part)))
        if ends[-1] <= _CALL_BYTES:
            yield _BatchInput.from_values(part, ends)
            continue
        first = 0
        while first < len(part):
            limit = (ends[first - 1] if first else 0) + _CALL_BYTES
            stop = max(bisect.bisect_right(ends, limit, first), first + 1)
            piece = part[first:stop]
            yield _BatchInput.from_values(piece, list(itertools.accumulate(map(len, piece))))
            first = stop


def _arrow_inputs(arr):
    """The _BatchInputs of a pyarrow BinaryArray/LargeBinaryArray (or string), used
    through its buffers: the data buffer's address goes to C as it is, each call
    takes a window of the offsets buffer."""
    type_name = str(arr.type)
    width = _ARROW_OFFSET_WIDTH.get(type_name)
    if width is None:
        raise ValueError("cfavro: an Arrow column of type %s cannot be decoded; cast it "
                         "to binary or large_binary" % type_name)
    buffers = arr.buffers()
    if len(buffers) != 3:
        raise ValueError("cfavro: an Arrow %s array has 3 buffers, not %d" %
                         (type_name, len(buffers)))
    validity, offsets, data = buffers
    count = len(arr)
    first = arr.offset
    if count and (offsets is None or offsets.size < (first + count + 1) * width):
        raise ValueError("cfavro: the Arrow offsets buffer is shorter than its array")
    bitmap = None
    if validity is not None and arr.null_count:
        bitmap = ctypes.string_at(validity.address, validity.size)
    data_addr = data.address if data is not None and data.size else None
    for start in range(0, count, _CALL_MESSAGES):
        self = _BatchInput()
        self.data = data_addr
        self.data_len = data.size if data_addr is not None else 0
        self.offsets_addr = offsets.address + (first + start) * width
        self.width = width
        self.count = min(_CALL_MESSAGES, count - start)
        self.keep = (arr, buffers)
        self.validity = bitmap
        self.validity_offset = first + start
        yield self


def _address_of(data):
    """The address of a bytes object's contents (kept alive by the caller)."""
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value


def _is_arrow(values):
    return hasattr(values, "buffers") and hasattr(values, "type")


class _BatchOutput:
    """What one batch produced: the NDJSON of the messages that decoded (bytes, lines
    in input order), the result array (bytearray of cfavro_batch_result), the count
    and the Error of each failed message by index."""

    __slots__ = ("ndjson", "results", "count", "errors")

    def column(self, spec):
        code, first, stride = spec
        return memoryview(self.results).cast(code)[first::stride].tolist()

    def statuses(self):
        return self.column(_RESULT_STATUS)


# json.loads' own scanner, called directly: json.loads spends about a microsecond
# per call on bytes (guessing their encoding in Python) and on the whitespace around
# the document, which cfavro's JSON never has.
_scan_json = json.JSONDecoder().scan_once


def _loads(text):
    """json.loads(text) for a str holding one JSON document without surrounding
    whitespace."""
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        return json.loads(text)  # raises the JSONDecodeError
    return value


def _dict_list(ndjson):
    """All NDJSON lines parsed as one document: the lines joined as a JSON array (a
    JSON text holds no raw newline, so every newline ends a document)."""
    if not ndjson:
        return []
    text = bytearray(b"[")
    text += ndjson
    text[-1] = 0x5D  # the last newline becomes "]"
    return _loads(text.replace(b"\n", b",").decode("utf-8"))


def _str_list(ndjson):
    """The NDJSON lines as str. ASCII text is decoded at once; other text line by
    line, so each line is decoded (and stored) in the narrowest form its own
    characters allow rather than the widest of the batch."""
    if ndjson.isascii():
        lines = ndjson.decode("ascii").split("\n")
    else:
        lines = list(map(bytes.decode, ndjson.split(b"\n")))
    lines.pop()  # after the last newline
    return lines


def _merge(out, items):
    """Row values in input order: the next of `items` for each message that decoded,
    its Error for each that failed."""
    if not out.errors:
        return items
    rows = []
    it = iter(items)
    errors = out.errors
    for i, status in enumerate(out.statuses()):
        if status == 0:
            item = next(it)
            rows.append(errors.get(i, item))  # an Arrow null whose bytes decoded
        else:
            rows.append(errors[i])
    return rows


# ---------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------


class Columns:
    """decode_columns' result: plain lists of len(values) entries each, row i for
    values[i] (see python/CONTRACT.md):

    schema_id      int, or None (V1 frame, or a frame that did not parse)
    json           the JSON document (str), or None when the row failed
    error_status   None, or the failure's status (int)
    error_class    None, or its class name ("framing", "schema_not_found", "data", ...)
    error_message  None, or its message (str)
    error_offset   None, or its byte offset in the message (int; None when it has none)
    error_path     None, or its field path (str; None when not inside a value)

    and `failed`, the number of rows that failed."""

    __slots__ = ("schema_id", "json", "error_status", "error_class", "error_message",
                 "error_offset", "error_path", "failed")

    FIELDS = ("schema_id", "json", "error_status", "error_class", "error_message",
              "error_offset", "error_path")

    def __len__(self):
        return len(self.json)

    def as_dict(self):
        """The columns as a dict of lists (e.g. for pyarrow.table or pandas)."""
        return {name: getattr(self, name) for name in self.FIELDS}

    def __repr__(self):
        return "Columns(%d rows, %d failed)" % (len(self), self.failed)

    def _extend(self, other):
        for name in self.FIELDS:
            getattr(self, name).extend(getattr(other, name))
        self.failed += other.failed


def _columns(out):
    self = Columns()
    n = out.count
    lines = _str_list(out.ndjson)
    ids = out.column(_RESULT_SCHEMA_ID)
    if _NO_SCHEMA_ID in ids:
        ids = [None if s == _NO_SCHEMA_ID else s for s in ids]
    errors = out.errors
    self.failed = len(errors)
    if not errors:
        self.schema_id = ids
        self.json = lines
        none = [None] * n
        self.error_status = none
        self.error_class = none[:]
        self.error_message = none[:]
        self.error_offset = none[:]
        self.error_path = none[:]
        return self
    json_col = _merge(out, lines)
    status, klass, message, offset, path = [], [], [], [], []
    for i, row in enumerate(json_col):
        if row.__class__ is str:
            status.append(None)
            klass.append(None)
            message.append(None)
            offset.append(None)
            path.append(None)
            continue
        json_col[i] = None
        status.append(row.status)
        klass.append(row.class_name)
        message.append(row.message)
        offset.append(row.offset)
        path.append(row.path)
        if row.schema_id is None:
            ids[i] = None  # an Arrow null whose bytes decoded: no row at all
    self.schema_id = ids
    self.json = json_col
    self.error_status = status
    self.error_class = klass
    self.error_message = message
    self.error_offset = offset
    self.error_path = path
    return self


# ---------------------------------------------------------------------------------
# Decoder
# ---------------------------------------------------------------------------------


class Decoder:
    """Decoding state for one thread (cfavro_decoder): many decoders share a Client.

    Decoder(client, settings=None, **options): `settings` is a dict of decoder settings
    by their C names ({"json.union": "plain"}), `options` the same keys with `_` for
    `.` (json_union="plain"); bools, ints and str are accepted as values. A dict in
    place of `client` makes a Client of its own from it, closed with the decoder.

    A decoder must not be used by two threads at the same time: the second gets
    RuntimeError (the C decoder would be corrupted)."""

    def __init__(self, client, settings=None, **options):
        own = None
        if isinstance(client, Mapping):
            own = client = Client(client)
        elif not isinstance(client, Client):
            raise TypeError("cfavro: Decoder needs a Client or a config dict, not %s" %
                            type(client).__name__)
        self._dec = None
        self._client = client
        self._own_client = own is not None
        lib = client._lib
        self._lib = lib
        err = CError()
        try:
            items = _settings_items(settings, options)
            dec = lib.cfavro_decoder_new(client._open_decoder(), err)
            if not dec:
                client._decoder_closed()
                raise _error_from(err)
            self._dec = dec
            for key, value in items:
                if lib.cfavro_decoder_set(dec, key, value, err) != 0:
                    raise _error_from(err)
        except BaseException:
            self.close()
            if own is not None:
                own.close()
            raise
        self._lock = threading.Lock()
        # The handle as the calls take it (a c_void_p passes through unconverted).
        self._dec_arg = ctypes.c_void_p(self._dec)
        # Out-parameters, made once: the calls below create no ctypes object.
        self._out = _CHARS()
        self._out_len = ctypes.c_size_t()
        self._failed = ctypes.c_size_t()
        self._p_out = ctypes.pointer(self._out)
        self._p_out_len = ctypes.pointer(self._out_len)
        self._p_failed = ctypes.pointer(self._failed)

    # -- lifetime ------------------------------------------------------------------

    def close(self):
        """Release the decoder (and its own client, if it made one)."""
        lock = getattr(self, "_lock", None)
        if lock is not None:
            lock.acquire()
        try:
            dec, self._dec = self._dec, None
            if dec:
                self._lib.cfavro_decoder_free(dec)
                self._client._decoder_closed()
                if self._own_client:
                    self._client.close()
        finally:
            if lock is not None:
                lock.release()

    @property
    def closed(self):
        return self._dec is None

    @property
    def client(self):
        return self._client

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_dec", None):
            self.close()

    def _enter(self):
        if not self._lock.acquire(False):
            raise RuntimeError("cfavro: a Decoder is used by two threads at once; "
                               "make one decoder per thread")
        if self._dec is None:
            self._lock.release()
            raise ValueError("cfavro: the decoder is closed")
        return self._dec_arg

    # -- settings and errors ---------------------------------------------------------

    def set(self, key, value):
        """Override one decoder setting (cfavro_decoder_set), by its C name: ConfigError
        for a client key, an unknown key or a bad value (the settings stay as they
        were)."""
        key, value = _setting_text(key, value)
        err = CError()
        dec = self._enter()
        try:
            if self._lib.cfavro_decoder_set(dec, key, value, err) != 0:
                raise _error_from(err)
        finally:
            self._lock.release()

    @property
    def last_error(self):
        """The Error of the last call on this decoder, or None when it succeeded (e.g.
        why validate() returned False)."""
        dec = self._enter()
        try:
            c_err = self._lib.cfavro_decoder_error(dec).contents
            return None if c_err.status == 0 else _error_from(c_err)
        finally:
            self._lock.release()

    # -- one message ---------------------------------------------------------------

    def _json(self, fn, *args):
        """The JSON bytes of one call, copied out of the decoder; raises its Error."""
        dec = self._enter()
        try:
            if fn(dec, *args, self._p_out, self._p_out_len) != 0:
                raise _error_from(self._lib.cfavro_decoder_error(dec).contents)
            return self._out[:self._out_len.value]
        finally:
            self._lock.release()

    def _valid(self, fn, *args):
        dec = self._enter()
        try:
            return fn(dec, *args) == 0
        finally:
            self._lock.release()

    def decode_json(self, msg):
        """One framed message (V0 or V1) to its JSON text (str). Raises Error."""
        msg = _as_bytes(msg)
        return self._json(self._lib.cfavro_decode_json, msg, len(msg)).decode("utf-8")

    def decode(self, msg):
        """One framed message to a Python value (a dict for a record). Raises Error."""
        msg = _as_bytes(msg)
        return _loads(self._json(self._lib.cfavro_decode_json, msg, len(msg)).decode("utf-8"))

    def validate(self, msg):
        """Whether one framed message decodes (no output is made); on False,
        last_error says why."""
        msg = _as_bytes(msg)
        return self._valid(self._lib.cfavro_validate, msg, len(msg))

    def decode_payload_json(self, schema_id, payload):
        """An unprefixed Avro payload written with schema `schema_id` (its header was
        stripped, or the id travels separately) to JSON text."""
        payload = _as_bytes(payload, "payload")
        return self._json(self._lib.cfavro_decode_payload_json, schema_id, payload,
                          len(payload)).decode("utf-8")

    def decode_payload(self, schema_id, payload):
        """decode_payload_json, parsed."""
        payload = _as_bytes(payload, "payload")
        return _loads(self._json(self._lib.cfavro_decode_payload_json, schema_id, payload,
                                 len(payload)).decode("utf-8"))

    def validate_payload(self, schema_id, payload):
        payload = _as_bytes(payload, "payload")
        return self._valid(self._lib.cfavro_validate_payload, schema_id, payload,
                           len(payload))

    def decode_frame_json(self, frame):
        """A Frame (parse_frame, parse_frame_header) to JSON text."""
        if not isinstance(frame, Frame):
            raise TypeError("cfavro: decode_frame needs a Frame, not %s" %
                            type(frame).__name__)
        return self._json(self._lib.cfavro_decode_frame_json, frame._c).decode("utf-8")

    def decode_frame(self, frame):
        if not isinstance(frame, Frame):
            raise TypeError("cfavro: decode_frame needs a Frame, not %s" %
                            type(frame).__name__)
        return _loads(self._json(self._lib.cfavro_decode_frame_json, frame._c).decode("utf-8"))

    def validate_frame(self, frame):
        if not isinstance(frame, Frame):
            raise TypeError("cfavro: validate_frame needs a Frame, not %s" %
                            type(frame).__name__)
        return self._valid(self._lib.cfavro_validate_frame, frame._c)

    def decode_header_json(self, header, payload):
        """Header mode: `header` is the value of the Kafka record header
        __value_schema_id (or __key_schema_id), `payload` the unprefixed record value.
        FramingError when the header is not a V0/V1 schema-id header."""
        return self.decode_frame_json(parse_frame_header(header, payload))

    def decode_header(self, header, payload):
        return self.decode_frame(parse_frame_header(header, payload))

    def validate_header(self, header, payload):
        """False (last_error says why) when the payload does not decode; FramingError
        when the header itself is bad."""
        return self.validate_frame(parse_frame_header(header, payload))

    # -- batches ---------------------------------------------------------------------

    def _run_batch(self, batch):
        """Decode a _BatchInput with cfavro_decode_batch_offsets_json: one C call, or
        one per limit.output.bytes of NDJSON when the output is larger (the call stops
        there and the rest goes again from the message that did not fit)."""
        lib = self._lib
        fn = lib.cfavro_decode_batch_offsets_json
        get_error = lib.cfavro_decoder_batch_error
        count = batch.count
        results = bytearray(count * _RESULT_SIZE)
        out = _BatchOutput()
        out.results = results
        out.count = count
        out.errors = errors = {}
        if count == 0:
            out.ndjson = _EMPTY
            return out
        # The result array is a bytearray (read back through memoryview casts); this
        # view of its first byte holds it in place during the calls.
        anchor = ctypes.c_char.from_buffer(results)
        results_addr = ctypes.addressof(anchor)
        chunks = []
        dec = self._enter()
        try:
            start = 0
            while True:
                n = count - start
                rc = fn(dec, batch.data, batch.data_len,
                        batch.offsets_addr + start * batch.width, batch.width, n,
                        results_addr + start * _RESULT_SIZE,
                        self._p_out, self._p_out_len, self._p_failed)
                if rc not in (0, Status.LIMIT_OUTPUT):
                    raise _error_from(lib.cfavro_decoder_error(dec).contents)
                if self._out_len.value:
                    chunks.append(self._out[:self._out_len.value])
                failed = self._failed.value
                stopped_at = n
                if failed:
                    statuses = memoryview(results).cast("i")
                    first, stride = _RESULT_STATUS[1], _RESULT_STATUS[2]
                    for i in range(n):
                        status = statuses[(start + i) * stride + first]
                        if status == 0:
                            continue
                        if rc and status == rc:
                            stopped_at = i  # this one and the rest were not decoded
                            break
                        errors[start + i] = _error_from(get_error(dec, i).contents)
                    del statuses
                if not rc:
                    break
                if stopped_at == 0:
                    # The first message alone is larger than the limit: its own
                    # failure, as a single decode would report it.
                    errors[start] = _error_from(get_error(dec, 0).contents)
                    stopped_at = 1
                start += stopped_at
                if start >= count:
                    break
            if batch.validity is not None:
                self._fail_arrow_nulls(dec, batch, results, errors)
        finally:
            self._lock.release()
            del anchor
        out.ndjson = chunks[0] if len(chunks) == 1 else _EMPTY.join(chunks)
        return out

    def _fail_arrow_nulls(self, dec, batch, results, errors):
        """An Arrow null is no message: it fails as an empty message does, also when
        its slot in the data buffer is not empty (Arrow allows that)."""
        statuses = memoryview(results).cast("i")
        first, stride = _RESULT_STATUS[1], _RESULT_STATUS[2]
        nulls = [i for i in range(batch.count)
                 if statuses[i * stride + first] == 0 and batch.is_null(i)]
        del statuses
        if not nulls:
            return
        self._lib.cfavro_validate(dec, _EMPTY, 0)
        empty = _error_from(self._lib.cfavro_decoder_error(dec).contents)
        for i in nulls:
            errors[i] = empty

    def _outputs(self, values):
        """The _BatchOutput of each C call over `values` (see _CALL_MESSAGES)."""
        inputs = _arrow_inputs(values) if _is_arrow(values) else _sequence_inputs(values)
        for batch in inputs:
            yield self._run_batch(batch)

    def decode_batch(self, msgs, as_json=False):
        """Decode many framed messages: a list with, for each message in order, its
        dict (or its JSON text with as_json=True), or the Error it failed with
        (returned in its slot, not raised). `msgs` is a list of bytes (None: a
        tombstone, which fails like an empty message) or a pyarrow binary array (or a
        ChunkedArray of them). One C call per 4096 messages (and, for bytes, per 4 MiB
        of them), whose output is parsed as one JSON document. Raises only when a whole
        call fails (out of memory)."""
        if hasattr(msgs, "chunks") and not _is_arrow(msgs):
            rows = []
            for chunk in msgs.chunks:
                rows.extend(self.decode_batch(chunk, as_json))
            return rows
        convert = _str_list if as_json else _dict_list
        rows = None
        for out in self._outputs(msgs):
            part = _merge(out, convert(out.ndjson))
            if rows is None:
                rows = part
            else:
                rows.extend(part)
        return [] if rows is None else rows

    def decode_columns(self, values):
        """Decode many framed messages into Columns (plain lists, one entry per
        message; see Columns and python/CONTRACT.md). `values` is a list of bytes
        (None: a tombstone) or a pyarrow BinaryArray/LargeBinaryArray (or a
        ChunkedArray of them), whose data buffer C reads in place. C calls as for
        decode_batch."""
        chunks = values.chunks if hasattr(values, "chunks") and not _is_arrow(values) \
            else [values]
        cols = None
        for chunk in chunks:
            for out in self._outputs(chunk):
                part = _columns(out)
                if cols is None:
                    cols = part
                else:
                    cols._extend(part)
        if cols is None:
            cols = Columns()
            for name in Columns.FIELDS:
                setattr(cols, name, [])
            cols.failed = 0
        return cols


if __name__ == "__main__":
    print("cfavro %s (%s)" % (version(), library_path()))
