"""Read the `.index` file of a TensorFlow V2 checkpoint without TensorFlow.

A V2 checkpoint `prefix` is `prefix.index` plus data shards `prefix.data-NNNNN-of-MMMMM`.
The index is a table in LevelDB's format (TensorFlow writes it with its own copy of the
LevelDB table code, uncompressed):

    [data block][trailer] ... [metaindex block][trailer] [index block][trailer] [footer]

* footer, the last 48 bytes: the BlockHandles (varint64 offset, varint64 size) of the
  metaindex and index blocks, zero padding up to 40 bytes, then the 8-byte little-endian
  magic 0xdb4775248b80fb57;
* block: entries, then a restart array (uint32 offsets) and its uint32 length.  Entry:
  varint32 shared key bytes, varint32 unshared key bytes, varint32 value length, the
  unshared key bytes, the value.  Keys are prefix-compressed against the previous key;
  at each restart point `shared` is 0;
* trailer, after each block: 1 byte compression type (0 none, 1 snappy) and the masked
  crc32c of the block contents followed by that type byte (4 bytes, little endian);
* the index block maps a separator key to the BlockHandle of each data block; the
  metaindex block (filters) is empty in TensorFlow's bundles.

In the data blocks, the empty key holds a BundleHeaderProto and every other key is a
tensor name whose value is a BundleEntryProto (dtype, shape, shard, offset, size, crc).
The data shards themselves are never opened here.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import Dict, Iterator, Optional, Tuple

from ..errors import ParseError

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48          # 2 BlockHandles padded to 40 bytes + 8-byte magic
BLOCK_TRAILER_SIZE = 5    # compression type + masked crc32c
NO_COMPRESSION = 0
SNAPPY_COMPRESSION = 1

# --------------------------------------------------------------------------------------
# crc32c (Castagnoli), table driven, "slicing by 8": eight 256-entry tables let one Python
# loop iteration consume 8 bytes (struct.iter_unpack hands them over as one uint32 and four
# single bytes, so the second half needs no shifting).  That runs at about 25 MB/s in
# CPython, 1.7x a byte-at-a-time loop.  Cost in practice: an index costs roughly 50 bytes
# per tensor, so checking every block of an index listing 10,000 tensors (~0.5 MB) takes
# about 20 ms, a third of the read; the data shards, which are large, are never read here.

_CRC32C_POLY_REFLECTED = 0x82F63B78


def _make_crc_tables():
    first = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _CRC32C_POLY_REFLECTED if c & 1 else c >> 1
        first.append(c)
    tables = [first]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(v >> 8) ^ first[v & 0xFF] for v in prev])
    return [tuple(t) for t in tables]


_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _make_crc_tables()
_U32_4B = struct.Struct("<I4B")


def crc32c_update(crc: int, data) -> int:
    """Continue a crc32c computation: crc32c_update(crc32c(a), b) == crc32c(a + b)."""
    crc ^= 0xFFFFFFFF
    view = memoryview(data).cast("B")
    n8 = len(view) & ~7
    t0, t1, t2, t3, t4, t5, t6, t7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
    if n8:
        for lo, b4, b5, b6, b7 in _U32_4B.iter_unpack(view[:n8]):
            lo ^= crc
            crc = (t7[lo & 0xFF] ^ t6[(lo >> 8) & 0xFF] ^ t5[(lo >> 16) & 0xFF] ^ t4[lo >> 24]
                   ^ t3[b4] ^ t2[b5] ^ t1[b6] ^ t0[b7])
    for b in view[n8:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c(data) -> int:
    """CRC-32C (Castagnoli) of bytes-like data, as an unsigned 32-bit int."""
    return crc32c_update(0, data)


_MASK_DELTA = 0xA282EAD8


def mask_crc(crc: int) -> int:
    """LevelDB's masking of stored crcs (rotate right by 15, add a constant), so that a
    crc computed over data that itself holds crcs does not degenerate."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask_crc(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# --------------------------------------------------------------------------------------
# Entries

@dataclass(frozen=True)
class CheckpointEntry:
    """Where one tensor of the checkpoint lies, from its BundleEntryProto."""
    name: str
    dtype: str                            # DataType name: "DT_FLOAT", "DT_INT64", ...
    shape: Tuple[Optional[int], ...]      # () for a scalar; None for an unknown dim
    shard_id: int
    offset: int
    size: int                             # bytes in the data shard
    crc32c: int                           # masked crc32c of those bytes, as stored
    sliced: bool = False                  # a partitioned tensor: its slices have own keys

    @property
    def num_elements(self) -> Optional[int]:
        n = 1
        for d in self.shape:
            if d is None:
                return None
            n *= d
        return n

    def data_file(self, prefix: str, num_shards: int) -> str:
        """Path of the shard holding this tensor, for checkpoint `prefix`."""
        return f"{prefix}.data-{self.shard_id:05d}-of-{num_shards:05d}"


def read_index(path: str):
    """Read a checkpoint index.  `path` is the `.index` file or the checkpoint prefix.

    Returns (header, entries): the BundleHeaderProto message and {tensor name:
    CheckpointEntry} in the file's (sorted) key order.  Raises ParseError naming the
    problem on a truncated or corrupt file."""
    if not path.endswith(".index") and not os.path.exists(path) and \
            os.path.exists(path + ".index"):
        path = path + ".index"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ParseError(f"cannot read checkpoint index: {e.strerror or e}", file=path) from None
    return parse_index(data, path)


def parse_index(data: bytes, path: str = "<bytes>"):
    """read_index on bytes already in memory (path only names the file in errors)."""
    from google.protobuf.message import DecodeError

    from ..proto import tf_bundle_pb2, tf_graph_pb2

    header = None
    entries: Dict[str, CheckpointEntry] = {}
    entry_cls = tf_bundle_pb2.BundleEntryProto
    dtype_names = {number: name for name, number in tf_graph_pb2.DataType.items()}
    for key, value in _TableReader(data, path).items():
        if not key:
            try:
                header = tf_bundle_pb2.BundleHeaderProto.FromString(value)
            except DecodeError:
                raise ParseError("corrupt BundleHeaderProto under the empty key",
                                 file=path) from None
            continue
        name = key.decode("utf-8", "backslashreplace")
        try:
            e = entry_cls.FromString(value)
        except DecodeError:
            raise ParseError(f"corrupt BundleEntryProto for tensor {name!r}", file=path) from None
        shape = e.shape
        if shape.unknown_rank:  # a saved tensor always has a concrete shape
            raise ParseError(f"tensor {name!r} is stored with an unknown rank", file=path)
        dims = tuple([d.size for d in shape.dim])
        if min(dims, default=0) < 0:  # -1: unknown size
            dims = tuple([d if d >= 0 else None for d in dims])
        entries[name] = CheckpointEntry(
            name=name, dtype=dtype_names.get(e.dtype, f"DT_UNKNOWN_{e.dtype}"), shape=dims,
            shard_id=e.shard_id, offset=e.offset, size=e.size, crc32c=e.crc32c,
            sliced=len(e.slices) > 0)
    if header is None:
        raise ParseError("no BundleHeaderProto (the empty key is missing): not a TensorFlow "
                         "V2 checkpoint index", file=path)
    return header, entries


# --------------------------------------------------------------------------------------
# The table

class _TableReader:
    """Walks a LevelDB-format table held in memory, checking every block's crc."""

    def __init__(self, data: bytes, path: str):
        self.data = data
        self.path = path
        size = len(data)
        if size < FOOTER_SIZE:
            self._fail(f"truncated: {size} bytes, shorter than the {FOOTER_SIZE}-byte "
                       "table footer")
        footer_at = size - FOOTER_SIZE
        magic = int.from_bytes(data[size - 8:], "little")
        if magic != TABLE_MAGIC:
            self._fail(f"bad table magic 0x{magic:016x} (expected 0x{TABLE_MAGIC:016x}): "
                       "not a checkpoint .index file, or truncated")
        limit = footer_at + 40  # the two handles and their padding
        _meta_offset, pos = self._varint(data, footer_at, limit, "the footer")
        _meta_size, pos = self._varint(data, pos, limit, "the footer")
        index_offset, pos = self._varint(data, pos, limit, "the footer")
        index_size, pos = self._varint(data, pos, limit, "the footer")
        self.index_block = (index_offset, index_size)
        self.blocks_end = footer_at

    def _fail(self, message: str):
        raise ParseError(message, file=self.path)

    def _varint(self, buf, pos: int, limit: int, where: str):
        """Decode the varint (up to 64 bits) at buf[pos]; return (value, next pos)."""
        result = shift = 0
        start = pos
        while True:
            if pos >= limit:
                self._fail(f"bad varint at byte {start} of {where}: runs past its end")
            b = buf[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result, pos
            shift += 7
            if shift > 63:
                self._fail(f"bad varint at byte {start} of {where}: longer than 10 bytes")

    def _block(self, offset: int, size: int, what: str) -> memoryview:
        """Contents of the block at (offset, size), after checking trailer and crc."""
        end = offset + size
        if end + BLOCK_TRAILER_SIZE > self.blocks_end:
            self._fail(f"truncated or corrupt: {what} at byte {offset} (size {size}) runs past "
                       f"the blocks area ({self.blocks_end} bytes before the footer)")
        data = self.data
        kind = data[end]
        stored = int.from_bytes(data[end + 1:end + 5], "little")
        contents = memoryview(data)[offset:end]
        actual = mask_crc(crc32c_update(crc32c(contents), data[end:end + 1]))
        if actual != stored:
            self._fail(f"crc32c mismatch in {what} at byte {offset}: stored 0x{stored:08x}, "
                       f"computed 0x{actual:08x} (corrupt file)")
        if kind == SNAPPY_COMPRESSION:
            self._fail(f"{what} at byte {offset} is snappy-compressed: not supported "
                       "(TensorFlow writes checkpoint indexes uncompressed)")
        if kind != NO_COMPRESSION:
            self._fail(f"{what} at byte {offset} has unknown compression type {kind}")
        return contents

    def _entries(self, offset: int, size: int, what: str) -> Iterator[Tuple[bytes, bytes]]:
        """(key, value) of every entry of a block, keys rebuilt from the prefix sharing."""
        block = self._block(offset, size, what)
        n = len(block)
        if n < 4:
            self._fail(f"corrupt {what} at byte {offset}: {n} bytes, no restart array")
        num_restarts = int.from_bytes(block[n - 4:], "little")
        limit = n - 4 - 4 * num_restarts
        if limit < 0 or num_restarts == 0 and n > 4:
            self._fail(f"corrupt {what} at byte {offset}: restart count {num_restarts} does "
                       f"not fit its {n} bytes")
        buf = bytes(block[:limit])
        where = f"{what} at byte {offset}"
        varint = self._varint
        pos = 0
        key = b""
        while pos < limit:
            # Fast path: the three lengths are almost always below 128 (one byte each).
            shared = buf[pos]
            if shared < 0x80:
                pos += 1
            else:
                shared, pos = varint(buf, pos, limit, where)
            unshared = buf[pos] if pos < limit else 0x80
            if unshared < 0x80:
                pos += 1
            else:
                unshared, pos = varint(buf, pos, limit, where)
            vlen = buf[pos] if pos < limit else 0x80
            if vlen < 0x80:
                pos += 1
            else:
                vlen, pos = varint(buf, pos, limit, where)
            if shared > len(key):
                self._fail(f"corrupt {where}: entry at {pos} shares {shared} key bytes "
                           f"with a {len(key)}-byte previous key")
            vstart = pos + unshared
            vend = vstart + vlen
            if vend > limit:
                self._fail(f"corrupt {where}: entry at {pos} runs past the entries area")
            key = key[:shared] + buf[pos:vstart]
            yield key, buf[vstart:vend]
            pos = vend

    def items(self) -> Iterator[Tuple[bytes, bytes]]:
        """(key, value) of every entry of every data block, in table order."""
        index_off, index_size = self.index_block
        for sep, handle in self._entries(index_off, index_size, "index block"):
            where = f"index entry {sep!r}"
            off, pos = self._varint(handle, 0, len(handle), where)
            size, pos = self._varint(handle, pos, len(handle), where)
            yield from self._entries(off, size, "data block")
