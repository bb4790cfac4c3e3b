"""Read big binary protobufs without their weights.

A frozen GraphDef or a .caffemodel is almost all tensor payload (TensorProto.tensor_content,
BlobProto.data); netcost needs only shapes, dtypes and the values of small integer tensors.
`strip_payloads` walks the protobuf wire format of the file (an mmap, so pages of skipped
payload are never read from disk), descends only into the messages on the fixed paths that
lead to tensors, and returns the same message with large payload fields left out. Everything
else is copied verbatim, as slices of the input joined once at the end; the generated
protobuf classes then parse the small remainder quickly.

Malformed wire data (a varint longer than 10 bytes, a length past the end, a group, a path
field with the wrong wire type) raises ParseError with one line saying where. No length is
trusted before it is checked against the buffer, and nothing is allocated in proportion to it.
The walk recurses only along the schema below, which has no cycles: depth is bounded by it.
"""
from __future__ import annotations

import mmap
import re
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Tuple, Union

from ..errors import ParseError

DEFAULT_THRESHOLD = 1024  # payload fields up to this many bytes are kept

# Integer and bool dtypes (and their _REF forms, +100): netcost decodes the values of such
# tensors when they hold at most MAX_DECODED_ELEMENTS elements (shapes, axes, paddings;
# frontends.tensorflow.tensor_facts), so the payload of those is always kept, whatever its size.
INT_DTYPES = frozenset({3, 4, 5, 6, 9, 10, 17, 22, 23})  # int32 uint8 int16 int8 int64 bool
#                                                          uint16 uint32 uint64
MAX_DECODED_ELEMENTS = 1024  # = frontends.tensorflow.MAX_DECODED_ELEMENTS

# ---------------------------------------------------------------- the paths to tensors
# kind -> {field number: kind of the sub-message}. Only these fields are descended into,
# and each must be length-delimited. Field numbers are those of proto/tf_graph.proto,
# proto/tf_meta_graph.proto and proto/caffe.proto.
PATHS: Dict[str, Dict[int, str]] = {
    # TensorFlow
    "SavedModel": {2: "MetaGraphDef"},                        # meta_graphs
    "MetaGraphDef": {2: "GraphDef"},                          # graph_def
    "GraphDef": {1: "NodeDef", 2: "FunctionDefLibrary"},      # node, library
    "FunctionDefLibrary": {1: "FunctionDef"},                 # function
    "FunctionDef": {3: "NodeDef", 5: "AttrEntry",             # node_def, attr,
                    7: "ArgAttrEntry"},                       # arg_attr
    "ArgAttrEntry": {2: "ArgAttrs"},                          # map<uint32, ArgAttrs> value
    "ArgAttrs": {1: "AttrEntry"},                             # attr
    "NodeDef": {5: "AttrEntry"},                              # attr
    "AttrEntry": {2: "AttrValue"},                            # map<string, AttrValue> value
    "AttrValue": {8: "TensorProto", 1: "ListValue"},          # tensor, list
    "ListValue": {8: "TensorProto"},                          # tensor
    # Caffe
    "NetParameter": {100: "LayerParameter", 2: "V1LayerParameter"},  # layer, layers
    "LayerParameter": {7: "BlobProto"},                       # blobs
    "V1LayerParameter": {6: "BlobProto", 1: "V0LayerParameter"},     # blobs, layer
    "V0LayerParameter": {50: "BlobProto"},                    # blobs
}

# kind -> payload field numbers dropped when large. Shape and dtype fields are not listed.
PAYLOADS: Dict[str, frozenset] = {
    # tensor_content 4, float_val 5, double_val 6, int_val 7, string_val 8, scomplex_val 9,
    # int64_val 10, bool_val 11, dcomplex_val 12, half_val 13, resource_handle_val 14,
    # variant_val 15, uint32_val 16, uint64_val 17, float8_val 18
    "TensorProto": frozenset(range(4, 19)),
    # data 5, diff 6, double_data 8, double_diff 9 (shape 7 and num/channels/height/width 1-4
    # stay)
    "BlobProto": frozenset({5, 6, 8, 9}),
}
TENSOR_DTYPE_FIELD = 1  # TensorProto.dtype
TENSOR_SHAPE_FIELD = 2  # TensorProto.tensor_shape: TensorShapeProto
SHAPE_DIM_FIELD, SHAPE_UNKNOWN_RANK_FIELD = 2, 3  # TensorShapeProto.dim, .unknown_rank
DIM_SIZE_FIELD = 1  # TensorShapeProto.Dim.size
MAX_TAG = (1 << 32) - 1  # field numbers end at 2**29 - 1

ROOT_KINDS = ("GraphDef", "MetaGraphDef", "SavedModel", "NetParameter")

_WIRE_NAMES = {0: "varint", 1: "64-bit", 2: "length-delimited", 3: "start-group",
               4: "end-group", 5: "32-bit", 6: "invalid (6)", 7: "invalid (7)"}

Piece = Union[Tuple[int, int], bytes]  # a range of the input, or new bytes (a length)


class _Malformed(Exception):
    """Raised inside the walk; turned into one ParseError with the file name."""


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(buf, pos: int, end: int, what: str) -> Tuple[int, int]:
    """The varint at pos and the position after it (at most 10 bytes, inside end)."""
    result = shift = 0
    start = pos
    while True:
        if pos >= end:
            raise _Malformed(f"{what} at byte {start} is cut off by the end of the data")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7
        if shift >= 70:
            raise _Malformed(f"bad varint at byte {start}: longer than 10 bytes")


class _Walker:
    def __init__(self, buf, threshold: int):
        self.buf = buf
        self.threshold = threshold
        self.dropped_payloads = 0  # fields dropped (all instances of one count once)
        self.dropped_bytes = 0

    def walk(self, kind: str, start: int, end: int) -> Optional[Tuple[List[Piece], int]]:
        """The pieces of the message in buf[start:end] without its large payloads and their
        total length, or None when nothing is dropped (the message is copied as it is)."""
        payload = PAYLOADS.get(kind)
        if payload is not None:
            return self._strip_tensor(kind, payload, start, end)
        children = PATHS[kind]
        buf, threshold = self.buf, self.threshold
        pieces: Optional[List[Piece]] = None
        copied_from = start  # start of the verbatim run not yet emitted
        size = end - start
        pos = start
        while pos < end:
            field_start = pos
            byte = buf[pos]
            if byte < 0x80:
                tag = byte
                pos += 1
            else:
                tag, pos = _read_varint(buf, pos, end, "field tag")
                if tag > MAX_TAG:
                    raise _Malformed(f"bad field tag {tag} at byte {field_start}")
            if tag < 8:
                raise _Malformed(f"field number 0 at byte {field_start} (not a protobuf "
                                 f"message here)")
            number, wire = tag >> 3, tag & 7
            if wire == 2:
                byte = buf[pos] if pos < end else 0x80
                if byte < 0x80:
                    length = byte
                    pos += 1
                else:
                    length, pos = _read_varint(buf, pos, end, "field length")
                if length > end - pos:
                    raise _Malformed(f"field {number} at byte {field_start} claims {length} "
                                     f"bytes but only {end - pos} remain"
                                     + ("" if end == len(buf) else " in its message"))
                child = children.get(number)
                if child is not None and length > threshold:
                    sub = self.walk(child, pos, pos + length)
                    if sub is not None:
                        sub_pieces, sub_length = sub
                        if pieces is None:
                            pieces = []
                        # Tag as it was, then the new length, then the shortened body.
                        _append(pieces, (copied_from, field_start))
                        tag_end = field_start + 1
                        while buf[tag_end - 1] >= 0x80:
                            tag_end += 1
                        _append(pieces, (field_start, tag_end))
                        prefix = _varint_bytes(sub_length)
                        pieces.append(prefix)
                        for piece in sub_pieces:
                            _append(pieces, piece)
                        copied_from = pos + length
                        # old length prefix and body out, new ones in
                        size -= (pos - tag_end) + length - len(prefix) - sub_length
                pos += length
                continue
            if number in children:
                raise _Malformed(f"field {number} of {kind} at byte {field_start} has wire "
                                 f"type {_WIRE_NAMES[wire]}; a message must be "
                                 f"length-delimited")
            pos = _skip(buf, pos, end, wire, number, field_start)
        if pieces is None:
            return None
        _append(pieces, (copied_from, end))
        return pieces, size

    def _strip_tensor(self, kind: str, payload: frozenset, start: int,
                      end: int) -> Optional[Tuple[List[Piece], int]]:
        """A TensorProto or BlobProto: every field read once; payload fields whose instances
        add up to more than the limit are dropped (all instances of that field)."""
        buf = self.buf
        spans: Dict[int, List[Tuple[int, int]]] = {}
        totals: Dict[int, int] = {}
        dtype = None
        shapes: List[Tuple[int, int]] = []  # tensor_shape bodies (several merge)
        pos = start
        while pos < end:
            field_start = pos
            tag, pos = _read_varint(buf, pos, end, "field tag")
            number, wire = tag >> 3, tag & 7
            if tag > MAX_TAG:
                raise _Malformed(f"bad field tag {tag} at byte {field_start}")
            if number == 0:
                raise _Malformed(f"field number 0 at byte {field_start} (not a protobuf "
                                 f"message here)")
            if wire == 0 and number == TENSOR_DTYPE_FIELD and kind == "TensorProto":
                dtype, pos = _read_varint(buf, pos, end, "dtype")
            else:
                pos = _skip(buf, pos, end, wire, number, field_start)
                if wire == 2 and number == TENSOR_SHAPE_FIELD and kind == "TensorProto":
                    shapes.append((field_start, pos))
            if number in payload:
                spans.setdefault(number, []).append((field_start, pos))
                totals[number] = totals.get(number, 0) + pos - field_start
        if not spans:
            return None
        if dtype is not None and (dtype in INT_DTYPES or dtype - 100 in INT_DTYPES):
            count = _element_count(buf, shapes)
            if count is not None and count <= MAX_DECODED_ELEMENTS:
                return None  # values the analysis reads: kept
        dropped = [number for number, total in totals.items() if total > self.threshold]
        if not dropped:
            return None
        drop = sorted(span for number in dropped for span in spans[number])
        pieces: List[Piece] = []
        copied_from = start
        removed = 0
        for s, e in drop:
            _append(pieces, (copied_from, s))
            copied_from = e
            removed += e - s
        _append(pieces, (copied_from, end))
        self.dropped_payloads += len(dropped)
        self.dropped_bytes += removed
        return pieces, end - start - removed


def _element_count(buf, shapes: List[Tuple[int, int]]) -> Optional[int]:
    """Elements of a tensor from its tensor_shape field(s) (start of tag, end of body), or None
    when unknown (unknown rank, or a dimension of unknown size). Capped at 2**62."""
    count, rank_unknown = 1, False
    for field_start, field_end in shapes:
        _, pos = _read_varint(buf, field_start, field_end, "field tag")
        _, pos = _read_varint(buf, pos, field_end, "field length")
        while pos < field_end:
            tag_start = pos
            tag, pos = _read_varint(buf, pos, field_end, "field tag")
            number, wire = tag >> 3, tag & 7
            if number == SHAPE_UNKNOWN_RANK_FIELD and wire == 0:
                value, pos = _read_varint(buf, pos, field_end, "unknown_rank")
                rank_unknown = value != 0  # the last one counts
                continue
            dim_start = pos
            pos = _skip(buf, pos, field_end, wire, number, tag_start)
            if number != SHAPE_DIM_FIELD or wire != 2:
                continue
            _, body = _read_varint(buf, dim_start, pos, "dim length")
            size = 0
            while body < pos:
                dim_tag_start = body
                dim_tag, body = _read_varint(buf, body, pos, "field tag")
                if dim_tag == (DIM_SIZE_FIELD << 3):  # size, a varint
                    size, body = _read_varint(buf, body, pos, "dim size")
                    if size >= 1 << 63:  # negative: unknown
                        size = -1
                else:
                    body = _skip(buf, body, pos, dim_tag & 7, dim_tag >> 3, dim_tag_start)
            if size < 0:
                return None
            count = min(count * size, 1 << 62)
    return None if rank_unknown else count


def _append(pieces: List[Piece], piece: Piece) -> None:
    """Add a piece, merging a range with the range it continues; empty ranges vanish."""
    if isinstance(piece, tuple):
        s, e = piece
        if s == e:
            return
        if pieces:
            last = pieces[-1]
            if isinstance(last, tuple) and last[1] == s:
                pieces[-1] = (last[0], e)
                return
    pieces.append(piece)


def _skip(buf, pos: int, end: int, wire: int, number: int, field_start: int) -> int:
    """Past the value of a field whose tag ended at pos."""
    if wire == 0:
        return _read_varint(buf, pos, end, f"varint of field {number}")[1]
    if wire == 2:
        length, pos = _read_varint(buf, pos, end, f"length of field {number}")
        if length > end - pos:
            raise _Malformed(f"field {number} at byte {field_start} claims {length} bytes "
                             f"but only {end - pos} remain")
        return pos + length
    if wire == 1 or wire == 5:
        width = 8 if wire == 1 else 4
        if width > end - pos:
            raise _Malformed(f"{width}-byte field {number} at byte {field_start} is cut off "
                             f"by the end of the data")
        return pos + width
    if wire in (3, 4):
        raise _Malformed(f"field {number} at byte {field_start} uses a group wire type "
                         f"({_WIRE_NAMES[wire]}), which these formats never use")
    raise _Malformed(f"field {number} at byte {field_start} has invalid wire type {wire}")


def strip_payloads(data, kind: str, *, path: Optional[str] = None,
                   threshold: int = DEFAULT_THRESHOLD, stats: Optional[dict] = None) -> bytes:
    """The serialized `kind` message in `data` (bytes, bytearray, mmap or memoryview) without
    its large tensor payloads. `stats`, when given, receives the number of payloads dropped
    (fields of one tensor or blob) and their bytes. Raises ParseError(file=path) on malformed
    wire data."""
    if kind not in ROOT_KINDS:
        raise ValueError(f"unknown message kind {kind!r} (one of {', '.join(ROOT_KINDS)})")
    with memoryview(data) as view:
        if view.ndim != 1 or view.itemsize != 1:
            view = view.cast("B")
        walker = _Walker(view, threshold)
        try:
            result = walker.walk(kind, 0, len(view))
        except _Malformed as e:
            raise ParseError(f"truncated or malformed protobuf: {e}", file=path) from None
        if stats is not None:
            stats["dropped_payloads"] = walker.dropped_payloads
            stats["dropped_bytes"] = walker.dropped_bytes
        if result is None:
            return view.tobytes()
        pieces, size = result
        out = b"".join([view[p[0]:p[1]] if isinstance(p, tuple) else p for p in pieces])
    assert len(out) == size, (len(out), size)
    return out


@contextmanager
def mapped(path: str) -> Iterator[Union[mmap.mmap, bytes]]:
    """The file's bytes, mapped read-only (its pages are read only when touched), or read
    whole where mapping fails (an empty file, a pipe)."""
    with open(path, "rb") as f:
        try:
            mapping = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):
            mapping = None
        if mapping is None:
            yield f.read()
            return
        try:
            yield mapping
        finally:
            try:
                mapping.close()
            except BufferError:  # a view still alive (an exception's frame): the GC closes it
                pass


def is_blank(data) -> bool:
    """True for an empty file or one of whitespace only (without copying a big file)."""
    head = data[:4096]
    if head.strip():
        return False
    return len(data) <= len(head) or not bytes(data).strip()


# Control characters a text protobuf never holds (whitespace \t \n \v \f \r excepted) but
# binary tags often are: 0x08 (field 1 varint), 0x12 (field 2 bytes), 0x1a (field 3 bytes).
_BINARY_ONLY = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def looks_binary(data) -> bool:
    """Binary protobuf rather than text: a NUL or other non-whitespace control byte, or bytes
    that are not UTF-8, in the first 4 KiB. (A small binary file may well be all ASCII.)"""
    head = bytes(data[:4096])
    if _BINARY_ONLY.search(head):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        # Only a character cut at the 4096-byte boundary is excused; a small binary GraphDef
        # may well be valid UTF-8 but for its last bytes (a varint such as the versions field).
        return len(data) <= len(head) or e.start < len(head) - 4
    return False
