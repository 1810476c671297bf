"""The few Kafka admin requests the tests need, over the Kafka wire protocol
(python3 standard library only): cluster metadata, topic creation, the end
offsets of a topic's partitions.

The broker's own tools would do the same from a second JVM, which costs
seconds per call on a small machine; these are one TCP round trip each.

Every request uses the newest version that still has the classic
(non-flexible) encoding, and that Kafka 4.x still accepts (KIP-896 removed the
oldest versions):

    Metadata v4       topics by name, no auto-creation
    CreateTopics v4   name, partitions, replication factor, configs
    ListOffsets v1    the latest offset of each partition

The field layouts follow Kafka's message definitions (clients' resources
common/message/*Request.json and *Response.json).
"""
import socket
import struct

API_LIST_OFFSETS = 2
API_METADATA = 3
API_CREATE_TOPICS = 19

ERROR_NONE = 0
ERROR_TOPIC_ALREADY_EXISTS = 36
# Errors a request may meet while the broker is still settling (leader not
# elected yet, metadata not propagated, controller moving): worth a retry.
RETRIABLE_ERRORS = {
    3,   # UNKNOWN_TOPIC_OR_PARTITION
    5,   # LEADER_NOT_AVAILABLE
    6,   # NOT_LEADER_OR_FOLLOWER
    7,   # REQUEST_TIMED_OUT
    14,  # COORDINATOR_LOAD_IN_PROGRESS
    41,  # NOT_CONTROLLER
}

CLIENT_ID = 'cfavro-tests'
LATEST_TIMESTAMP = -1  # ListOffsets: the offset the next record will get


class KafkaProtocolError(Exception):
    """A broker answered with an error code, or with something unreadable."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------- encoding


def _int16(v):
    return struct.pack('>h', v)


def _int32(v):
    return struct.pack('>i', v)


def _int64(v):
    return struct.pack('>q', v)


def _string(s):
    """A classic (non-compact) string: int16 length, UTF-8 bytes; None is -1."""
    if s is None:
        return _int16(-1)
    b = s.encode()
    return _int16(len(b)) + b


def _array(items, encode):
    """A classic array: int32 count, then the items; None is -1."""
    if items is None:
        return _int32(-1)
    return _int32(len(items)) + b''.join(encode(i) for i in items)


class _Reader:
    """Reads a classic-encoded response body; running past its end raises."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def _take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise KafkaProtocolError('response ends early (at byte %d of %d)'
                                     % (self.pos, len(self.data)))
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return v

    def int8(self):
        return self._take('>b')

    def int16(self):
        return self._take('>h')

    def int32(self):
        return self._take('>i')

    def int64(self):
        return self._take('>q')

    def string(self):
        n = self.int16()
        if n < 0:
            return None
        if self.pos + n > len(self.data):
            raise KafkaProtocolError('string of %d bytes past the end of the response' % n)
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def array(self, read_item):
        n = self.int32()
        return [] if n < 0 else [read_item() for _ in range(n)]


# ------------------------------------------------------------- transport


def _read_exactly(sock, n):
    chunks = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            raise ConnectionError('the broker closed the connection')
        chunks.append(chunk)
        n -= len(chunk)
    return b''.join(chunks)


def request(address, api_key, api_version, body, timeout=10.0):
    """Send one request (header v1: key, version, correlation id, client id) to
    (host, port) on a new connection; return a reader over the response body.
    Raises OSError when the broker cannot be reached."""
    correlation_id = 1
    header = _int16(api_key) + _int16(api_version) + _int32(correlation_id) + _string(CLIENT_ID)
    frame = header + body
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(_int32(len(frame)) + frame)
        (size,) = struct.unpack('>i', _read_exactly(sock, 4))
        response = _read_exactly(sock, size)
    reader = _Reader(response)
    if reader.int32() != correlation_id:  # response header v0: the correlation id
        raise KafkaProtocolError('response to another request')
    return reader


# ------------------------------------------------------------- requests


def metadata(address, topics=()):
    """Metadata v4 for the named topics (none: brokers only). Returns
    {'brokers': {node_id: (host, port)}, 'controller': id,
     'topics': {name: {'error': code, 'partitions': {index: (error, leader)}}}}."""
    body = _array(list(topics), _string) + b'\x00'  # allow_auto_topic_creation = false
    r = request(address, API_METADATA, 4, body)
    r.int32()  # throttle time

    def broker():
        node_id, host, port = r.int32(), r.string(), r.int32()
        r.string()  # rack
        return node_id, (host, port)

    def partition():
        error, index, leader = r.int16(), r.int32(), r.int32()
        r.array(r.int32)  # replicas
        r.array(r.int32)  # in-sync replicas
        return index, (error, leader)

    def topic():
        error, name = r.int16(), r.string()
        r.int8()  # is_internal
        return name, {'error': error, 'partitions': dict(r.array(partition))}

    brokers = dict(r.array(broker))
    r.string()  # cluster id
    controller = r.int32()
    return {'brokers': brokers, 'controller': controller, 'topics': dict(r.array(topic))}


def create_topic(address, name, partitions=1, configs=None, timeout_ms=30000):
    """CreateTopics v4 for one topic (replication factor 1). Returns the error
    code (ERROR_NONE, ERROR_TOPIC_ALREADY_EXISTS, ...) and the broker's message."""
    configs = sorted((configs or {}).items())

    def config(kv):
        return _string(kv[0]) + _string(kv[1])

    topic = (_string(name) + _int32(partitions) + _int16(1)
             + _array([], _int32)  # no manual assignment
             + _array(configs, config))
    body = _array([topic], lambda t: t) + _int32(timeout_ms) + b'\x00'  # validate_only = false
    r = request(address, API_CREATE_TOPICS, 4, body, timeout=timeout_ms / 1000 + 10)
    r.int32()  # throttle time

    def result():
        return r.string(), r.int16(), r.string()

    results = r.array(result)
    if len(results) != 1 or results[0][0] != name:
        raise KafkaProtocolError('CreateTopics answered for %r, not %r'
                                 % ([t[0] for t in results], name))
    return results[0][1], results[0][2]


def end_offsets(address, name, partitions):
    """ListOffsets v1: {partition: the offset the next record will get}
    for partitions 0..partitions-1 of topic `name`."""
    def partition(index):
        return _int32(index) + _int64(LATEST_TIMESTAMP)

    topic = _string(name) + _array(list(range(partitions)), partition)
    body = _int32(-1) + _array([topic], lambda t: t)  # replica id -1: a client
    r = request(address, API_LIST_OFFSETS, 1, body)
    offsets = {}
    for _ in range(r.int32()):  # topics
        r.string()
        for _ in range(r.int32()):  # partitions
            index, error = r.int32(), r.int16()
            r.int64()  # timestamp
            offset = r.int64()
            if error != ERROR_NONE:
                raise KafkaProtocolError('ListOffsets %s[%d]: error %d' % (name, index, error),
                                         error)
            offsets[index] = offset
    return offsets
