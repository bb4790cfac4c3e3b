"""A reader of protobuf text format (prototxt) into generated protobuf messages.

Why not google.protobuf.text_format: real Caffe files use fields of many forks, and that
parser either fails on the first unknown field or skips it silently. This reader skips an
unknown field with a warning naming it (file, line, message type), is otherwise as strict
as text_format (types, ranges, enum names, singular fields set twice), reports every error
with its line and column, and bounds nesting depth instead of recursing without limit.

Why it is fast (an 11 MB, 100,000-layer prototxt in under a second): one regex call splits the
whole text into a flat list of token strings (no per-token objects; offsets are worked out
again only when an error or warning needs a line number); the reader indexes that list
directly, converting each distinct value text once per field type; and it writes protobuf
wire format, which a single MergeFromString turns into the message at C speed, instead of
setting millions of fields one Python call at a time.
"""
from __future__ import annotations

import math
import re
import struct
from typing import Callable, Dict, List, Optional, Tuple

from google.protobuf.descriptor import FieldDescriptor

from .errors import ParseError

# Nesting bound: the top-level message is depth 0. The protobuf runtime decodes at most 101
# nested messages (upb and the pure-Python decoder alike), exactly what this bound allows.
MAX_DEPTH = 100

# Whitespace and comments, skipped by the same match that finds the next token, so the scanner
# visits each token once (possessively: a comment is never split back into tokens).
_SPACE = r"[ \t\r\n\f\v]*+(?:\#[^\n]*+[ \t\r\n\f\v]*+)*+"
_STRING = r""""[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'"""
_NUMBER = r"-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?)"
_IDENT = r"-?[A-Za-z_][A-Za-z0-9_]*+"
# The alternatives start with disjoint characters, except "." (a number when a digit
# follows, else punctuation) and "-" (number or identifier by the character after it), which
# the order below settles; the commonest tokens come first.
_VALID = rf"[{{}}<>:\[\],;/]|{_IDENT}|{_STRING}|{_NUMBER}|\."
# A character no token can start with swallows the rest of the text, so it can only be the
# last token and one check after the scan finds it. The end-of-text alternative captures
# nothing (an empty string): it makes trailing whitespace match in one step.
_TOKEN_RE = re.compile(rf"{_SPACE}(?:({_VALID}|[^ \t\r\n\f\v][\s\S]*+)|\Z)")
_VALID_RE = re.compile(_VALID)
_PUNCT_CHARS = frozenset("{}<>:[],;/.")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_QUOTES = ('"', "'")
# Past the last token the list holds this many empty strings (no token is empty), so that
# the reader may look up to three tokens ahead without bounds checks.
_SENTINELS = 4

_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
_INTEGER_RE = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|\d+)\Z")
_FLOAT_TYPES = (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE)
_TEXT_TYPES = (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES)
_MESSAGE_TYPES = (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "?": "?"}


def parse(text: str, message, *, path: str = "<text>",
          warn: Optional[Callable[[str], None]] = None,
          order_of: Tuple[str, ...] = ()) -> List[Tuple[str, int]]:
    """Merge `text` into `message`.

    Unknown fields are skipped and reported through `warn`. Returns, for the top-level
    repeated fields named in `order_of`, the file order of their entries as
    (field name, index) pairs: Caffe files may interleave `layer` and `layers`.
    """
    tokens = _Tokens(text, path)
    reader = _Reader(tokens, warn or (lambda _msg: None), order_of, message)
    out: List[bytes] = []
    descriptor = message.DESCRIPTOR
    reader.read_fields(descriptor, reader.fields_of(descriptor), 0, None, out)
    # Nothing is merged until the whole text is read: on an error the message is untouched.
    message.MergeFromString(b"".join(out))
    return reader.order


class _Tokens:
    """The token texts, followed by _SENTINELS empty strings, and where each one is."""

    __slots__ = ("texts", "count", "path", "text", "_starts", "_line_cursor")

    def __init__(self, text: str, path: str):
        self.path = path
        self.text = text
        self._line_cursor = (0, 1)  # (offset, line there): warnings come in file order
        texts = _TOKEN_RE.findall(text)
        # Every match starts where the last one ended (some alternative always matches), so
        # findall never skips a character; only the end-of-text matches are empty.
        while texts and not texts[-1]:
            texts.pop()
        if texts and _VALID_RE.fullmatch(texts[-1]) is None:
            offset = len(text) - len(texts[-1])
            line, col = self._line_col(offset)
            raise ParseError(f"line {line} col {col}: unexpected character "
                             f"{texts[-1][0]!r}", file=path)
        self.count = len(texts)
        texts.extend([""] * _SENTINELS)
        self.texts = texts
        self._starts: Optional[List[int]] = None

    def start(self, index: int) -> int:
        """Offset of token `index`: the text is scanned again, once, when first needed."""
        if self._starts is None:
            # The same matches as the scan in __init__; end-of-text ones capture nothing (-1).
            self._starts = [m.start(1) for m in _TOKEN_RE.finditer(self.text)
                            if m.start(1) >= 0]
        return self._starts[index]

    def _line(self, offset: int) -> int:
        # Count newlines from the last position asked about when going forward, so that a
        # warning per layer does not rescan the file from the top each time.
        cursor, line = self._line_cursor
        if offset < cursor:
            cursor, line = 0, 1
        line += self.text.count("\n", cursor, offset)
        self._line_cursor = (offset, line)
        return line

    def _line_col(self, offset: int) -> Tuple[int, int]:
        return self._line(offset), offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def line_of(self, index: int) -> int:
        return self._line(self.start(index))

    def where(self, index: int) -> str:
        if index < self.count:
            line, col = self._line_col(self.start(index))
            return f"line {line} col {col}"
        return "end of file"

    def error(self, index: int, message: str) -> ParseError:
        return ParseError(f"{self.where(index)}: {message}", file=self.path)

    def found(self, index: int) -> str:
        """The token at `index` as error messages quote it."""
        return "end of file" if index >= self.count else repr(self.texts[index])


def _kind(token: str) -> str:
    """string, number, ident or punct: what the scanner matched (the token is valid)."""
    first = token[0]
    if first in _QUOTES:
        return "string"
    if first == "-":
        return "ident" if token[1] in _ASCII_LETTERS else "number"
    if first in _ASCII_LETTERS:
        return "ident"
    if len(token) == 1 and first in _PUNCT_CHARS:
        return "punct"
    return "number"


class _Field:
    """What the reader needs of one field, looked up once per message type."""

    __slots__ = ("descriptor", "name", "tag", "end_tag", "repeated", "message", "fields",
                 "text", "values", "order")

    def __init__(self, fd, values: Dict[str, bytes], order: bool):
        self.descriptor = fd
        self.name = fd.name
        self.repeated = fd.is_repeated
        self.message = fd.message_type if fd.type in _MESSAGE_TYPES else None
        self.fields: Optional[Dict[str, _Field]] = None  # the message's, once it is read
        self.text = fd.type in _TEXT_TYPES  # adjacent string literals concatenate
        self.values = values  # value token text -> its wire encoding (shared per type)
        self.order = order  # entries' file order is returned when in the top-level message
        if fd.type == FieldDescriptor.TYPE_GROUP:
            self.tag = _varint(fd.number << 3 | 3)
            self.end_tag = _varint(fd.number << 3 | 4)
        else:
            self.tag = _varint(fd.number << 3 | _WIRE_TYPES.get(fd.type, 2))
            self.end_tag = None


class _Reader:
    def __init__(self, tokens: _Tokens, warn: Callable[[str], None],
                 order_of: Tuple[str, ...], top):
        self.t = tokens
        self.texts = tokens.texts
        self.pos = 0
        self.warn = warn
        self.order_of = order_of
        self.order: List[Tuple[str, int]] = []
        self.top = top
        self.next_index: Dict[str, int] = {}  # order_of field -> index of its next entry
        self.fields_by_type: Dict[str, Dict[str, _Field]] = {}
        # Conversions are cached per parse (not globally) so that memory ends with it.
        self.value_caches: Dict[object, Dict[str, bytes]] = {}

    def fields_of(self, descriptor) -> Dict[str, _Field]:
        fields = self.fields_by_type.get(descriptor.full_name)
        if fields is None:
            fields = {fd.name: _Field(fd, self._value_cache(fd), self._ordered(fd))
                      for fd in descriptor.fields}
            self.fields_by_type[descriptor.full_name] = fields
        return fields

    def _ordered(self, fd) -> bool:
        """Whether the file order of this field's entries is asked for (at the top level)."""
        return (fd.name in self.order_of and fd.is_repeated and fd.type in _MESSAGE_TYPES
                and not fd.message_type.GetOptions().map_entry)

    def _value_cache(self, fd) -> Dict[str, bytes]:
        # A value's encoding depends only on its text and the field's type (enums: which).
        key = fd.enum_type.full_name if fd.type == FieldDescriptor.TYPE_ENUM else fd.type
        return self.value_caches.setdefault(key, {})

    def read_fields(self, descriptor, fields: Dict[str, _Field], depth: int,
                    close: Optional[str], out: List[bytes]) -> None:
        """Read fields of `descriptor` (`fields`: fields_of it) up to `close` (None: the end
        of the text) from self.pos, appending their wire encoding to `out`; self.pos is left
        after `close`."""
        if depth > MAX_DEPTH:
            raise self.t.error(self.pos, f"nesting deeper than {MAX_DEPTH} levels")
        texts = self.texts
        append = out.append
        seen_singular = set()
        i = self.pos
        while True:
            name = texts[i]
            field = fields.get(name)
            if field is None:
                if name == close:
                    self.pos = i + 1
                    return
                if not name and close is None:
                    self.pos = i
                    return
                i = self.unknown_field(descriptor, i, depth, close)
            else:
                if not field.repeated:
                    if name in seen_singular:
                        raise self.t.error(i, f"field '{name}' of {descriptor.full_name} "
                                              "is set more than once")
                    seen_singular.add(name)
                if field.message is None:
                    # The common case inline: `name: value` whose text was converted before
                    # for this type (and, for strings, no literal follows to concatenate).
                    encoded = field.values.get(texts[i + 2]) if texts[i + 1] == ":" else None
                    if encoded is not None and not (field.text and texts[i + 3][:1] in _QUOTES):
                        append(field.tag)
                        append(encoded)
                        i += 3
                    else:
                        i = self.scalar_field(field, i + 1, out)
                else:
                    i = self.message_field(field, i + 1, depth, out)
            # Separators between fields are optional.
            separator = texts[i]
            if separator == "," or separator == ";":
                i += 1

    def unknown_field(self, descriptor, i: int, depth: int, close: Optional[str]) -> int:
        """Token `i` is not a field of `descriptor`: an error, or an unknown field skipped
        with a warning. Returns the index after it."""
        t = self.t
        name = self.texts[i]
        if i >= t.count:
            raise t.error(i, f"unexpected end of file: missing '{close}'")
        if _kind(name) != "ident" or name.startswith("-"):
            raise t.error(i, f"expected a field name, found {name!r}")
        self.warn(f"{t.path}: line {t.line_of(i)}: unknown field '{name}' in "
                  f"{descriptor.full_name} (ignored)")
        return self.skip_value(i + 1, depth)

    def message_field(self, field: _Field, i: int, depth: int, out: List[bytes]) -> int:
        """`[:] { ... }` or `[:] < ... >` from token `i`; returns the index after it."""
        texts = self.texts
        if texts[i] == ":":
            i += 1
        opener = texts[i]
        if opener == "{":
            close = "}"
        elif opener == "<":
            close = ">"
        else:
            raise self.t.error(i, f"expected '{{' after message field '{field.name}'")
        if field.order and depth == 0:
            self.note_order(field.name)
        fields = field.fields
        if fields is None:
            fields = field.fields = self.fields_of(field.message)
        body: List[bytes] = []
        self.pos = i + 1
        self.read_fields(field.message, fields, depth + 1, close, body)
        payload = b"".join(body)
        if field.end_tag is None:
            size = len(payload)
            out += (field.tag, _SMALL_VARINTS[size] if size < 0x80 else _varint(size), payload)
        else:
            out += (field.tag, payload, field.end_tag)
        return self.pos

    def note_order(self, name: str) -> None:
        """A new entry of the top-level repeated field `name`: record its index."""
        index = self.next_index.get(name)
        if index is None:  # entries the message held before the parse come first
            index = len(getattr(self.top, name))
        self.order.append((name, index))
        self.next_index[name] = index + 1

    def scalar_field(self, field: _Field, i: int, out: List[bytes]) -> int:
        """`: value` or, for a repeated field, `: [v, ...]` from token `i`."""
        t, texts = self.t, self.texts
        if texts[i] != ":":
            raise t.error(i, f"expected ':', found {t.found(i)}")
        i += 1
        if field.repeated:
            if texts[i] == "[":
                i += 1
                if texts[i] == "]":
                    return i + 1
                while True:
                    i = self.value(field, i, out)
                    if texts[i] == "]":
                        return i + 1
                    if texts[i] != ",":
                        raise t.error(i, f"expected ',', found {t.found(i)}")
                    i += 1
        elif texts[i] == "[":
            raise t.error(i, f"field '{field.name}' takes one value, not a list")
        return self.value(field, i, out)

    def value(self, field: _Field, i: int, out: List[bytes]) -> int:
        """Append the value starting at token `i`; returns the index after it."""
        texts = self.texts
        text = texts[i]
        encoded = field.values.get(text)
        if encoded is None or (field.text and texts[i + 1][:1] in _QUOTES):
            encoded, end = self.encode(field, i)
            if end == i + 1:  # not a concatenation: the text alone gives this encoding
                field.values[text] = encoded
        else:
            end = i + 1
        out.append(field.tag)
        out.append(encoded)
        return end

    def encode(self, field: _Field, i: int) -> Tuple[bytes, int]:
        """The wire encoding of the value starting at token `i`, and the index after it."""
        texts = self.texts
        text = texts[i]
        if (field.descriptor.type == FieldDescriptor.TYPE_STRING and text[:1] in _QUOTES
                and "\\" not in text and texts[i + 1][:1] not in _QUOTES):
            # One literal without escapes, as most names are: its text is its value.
            return _length_delimited(text[1:-1].encode("utf-8")), i + 1
        value, end = self.convert(field.descriptor, i)
        return _ENCODERS[field.descriptor.type](value), end

    def convert(self, field, start: int):
        """(Python value, index after it) of the value at token `start`, checked against
        the field's type as strictly as text_format does."""
        t, texts = self.t, self.texts
        if start >= t.count:
            raise t.error(start, "unexpected end of file")
        text = texts[start]
        kind = _kind(text)
        ftype = field.type
        try:
            if ftype in _TEXT_TYPES:
                if kind != "string":
                    raise ValueError(f"expected a quoted string for '{field.name}'")
                value = _unquote(text)
                # Adjacent string literals concatenate, as in C.
                end = start + 1
                while texts[end][:1] in _QUOTES:
                    value += _unquote(texts[end])
                    end += 1
                if ftype == FieldDescriptor.TYPE_BYTES:
                    return value.encode("latin-1", errors="strict"), end
                return value, end
            return _scalar(field, kind, text), start + 1
        except ValueError as e:
            raise t.error(start, str(e)) from None

    def skip_value(self, i: int, depth: int) -> int:
        """Skip what follows an unknown field name: a scalar, a list, or a message."""
        t, texts = self.t, self.texts
        had_colon = texts[i] == ":"
        if had_colon:
            i += 1
        if texts[i] == "{":
            return self.skip_block(i + 1, "}", depth + 1)
        if texts[i] == "<":
            return self.skip_block(i + 1, ">", depth + 1)
        if not had_colon:
            raise t.error(i, "expected ':' or '{' after field name")
        if texts[i] == "[":
            i += 1
            while texts[i] != "]":
                if i >= t.count:
                    raise t.error(i, "unexpected end of file")
                text = texts[i]
                if _kind(text) == "punct" and text not in (",", "-"):
                    raise t.error(i, f"unexpected {text!r} in list")
                i += 1
            return i + 1
        if i >= t.count:
            raise t.error(i, "unexpected end of file")
        kind = _kind(texts[i])
        if kind not in ("string", "number", "ident"):
            raise t.error(i, f"expected a value, found {texts[i]!r}")
        i += 1
        while kind == "string" and texts[i][:1] in _QUOTES:
            i += 1
        return i

    def skip_block(self, i: int, close: str, depth: int) -> int:
        t, texts = self.t, self.texts
        if depth > MAX_DEPTH:
            raise t.error(i, f"nesting deeper than {MAX_DEPTH} levels")
        while texts[i] != close:
            if i >= t.count:
                raise t.error(i, f"unexpected end of file: missing '{close}'")
            if _kind(texts[i]) != "ident":
                raise t.error(i, f"expected a field name, found {texts[i]!r}")
            i = self.skip_value(i + 1, depth)
            if texts[i] == "," or texts[i] == ";":
                i += 1
        return i + 1


def _scalar(field, kind: str, text: str):
    """The value of a non-string scalar token; ValueError says what is wrong with it."""
    ftype = field.type
    if ftype == FieldDescriptor.TYPE_ENUM:
        enum = field.enum_type
        if kind == "ident":
            value = enum.values_by_name.get(text)
            if value is None:
                known = ", ".join(v.name for v in enum.values)
                raise ValueError(f"unknown value {text} for '{field.name}' "
                                 f"(enum {enum.full_name}: {known})")
            return value.number
        if kind == "number":
            number = int(text, 0)
            # Enum numbers are int32: the descriptor's lookup would truncate a larger one
            # into the range and find a value for it.
            if not -(2**31) <= number < 2**31 or number not in enum.values_by_number:
                raise ValueError(f"unknown value {number} for '{field.name}' "
                                 f"(enum {enum.full_name})")
            return number
        raise ValueError(f"expected an enum name for '{field.name}'")
    if ftype == FieldDescriptor.TYPE_BOOL:
        if text in ("true", "True", "t", "1"):
            return True
        if text in ("false", "False", "f", "0"):
            return False
        raise ValueError(f"expected true or false for '{field.name}', found {text}")
    if ftype in _FLOAT_TYPES:
        return _to_float(kind, text, field.name)
    low, high = _INT_RANGES[ftype]
    if kind != "number" or not _INTEGER_RE.match(text):
        raise ValueError(f"expected an integer for '{field.name}', found {text}")
    value = int(text, 8) if _is_leading_zero(text) else int(text, 0)
    if not low <= value <= high:
        raise ValueError(f"value {value} out of range for '{field.name}' "
                         f"({low}..{high})")
    return value


def _is_leading_zero(text: str) -> bool:
    digits = text.lstrip("-")
    return len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()


def _to_float(kind: str, text: str, name: str) -> float:
    if kind == "ident":
        lowered = text.lower()
        if lowered in ("inf", "infinity"):
            return math.inf
        if lowered in ("-inf", "-infinity"):
            return -math.inf
        if lowered == "nan":
            return math.nan
        raise ValueError(f"expected a number for '{name}', found {text}")
    if kind != "number":
        raise ValueError(f"expected a number for '{name}', found {text}")
    if text.lower().startswith(("0x", "-0x")):
        try:
            return float(int(text, 16))
        except OverflowError:  # past the double range: infinity, as for a decimal number
            return -math.inf if text.startswith("-") else math.inf
    return float(text.rstrip("fF"))


def _unquote(token: str) -> str:
    body = token[1:-1]
    if "\\" not in body:
        return body
    # One pass over the escapes, left to right, so the first bad one is the one reported
    # (slicing the rest of the body per escape made long escaped strings quadratic).
    return _ESCAPE_RE.sub(_unescape, body)


# After a backslash: up to three octal digits, x and up to two hex digits (none is an
# error), or any other character (one of _ESCAPES, else an error).
_ESCAPE_RE = re.compile(r"\\(?:([0-7]{1,3})|[xX]([0-9a-fA-F]{0,2})|(.))")


def _unescape(m: re.Match) -> str:
    octal, hexadecimal, other = m.groups()
    if octal is not None:
        return chr(int(octal, 8))
    if hexadecimal is not None:
        if not hexadecimal:
            raise ValueError("bad \\x escape in string")
        return chr(int(hexadecimal, 16))
    if other in _ESCAPES:
        return _ESCAPES[other]
    raise ValueError(f"bad escape \\{other} in string")


# Protobuf wire format of the converted values (the tag is written separately).

def _varint(n: int) -> bytes:
    """Base-128 varint of a non-negative integer below 2**64."""
    if n < 0x80:
        return _SMALL_VARINTS[n]
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL_VARINTS = [bytes((n,)) for n in range(0x80)]


def _signed_varint(n: int) -> bytes:
    # Negative int32/int64/enum values are sign-extended to 64 bits (ten bytes), as
    # protobuf writes them.
    return _varint(n & 0xFFFFFFFFFFFFFFFF)


def _zigzag_varint(n: int) -> bytes:
    return _varint(2 * n if n >= 0 else -2 * n - 1)


def _length_delimited(data: bytes) -> bytes:
    return _varint(len(data)) + data


def _float32(value: float) -> bytes:
    try:
        return struct.pack("<f", value)
    except OverflowError:
        # Rounds to infinity in single precision, as setting the field would store it.
        return struct.pack("<f", math.copysign(math.inf, value))


_WIRE_TYPES = {
    FieldDescriptor.TYPE_DOUBLE: 1, FieldDescriptor.TYPE_FIXED64: 1,
    FieldDescriptor.TYPE_SFIXED64: 1, FieldDescriptor.TYPE_FLOAT: 5,
    FieldDescriptor.TYPE_FIXED32: 5, FieldDescriptor.TYPE_SFIXED32: 5,
    FieldDescriptor.TYPE_STRING: 2, FieldDescriptor.TYPE_BYTES: 2,
    FieldDescriptor.TYPE_INT32: 0, FieldDescriptor.TYPE_INT64: 0,
    FieldDescriptor.TYPE_UINT32: 0, FieldDescriptor.TYPE_UINT64: 0,
    FieldDescriptor.TYPE_SINT32: 0, FieldDescriptor.TYPE_SINT64: 0,
    FieldDescriptor.TYPE_BOOL: 0, FieldDescriptor.TYPE_ENUM: 0,
}
_ENCODERS = {
    FieldDescriptor.TYPE_DOUBLE: struct.Struct("<d").pack,
    FieldDescriptor.TYPE_FLOAT: _float32,
    FieldDescriptor.TYPE_FIXED64: struct.Struct("<Q").pack,
    FieldDescriptor.TYPE_SFIXED64: struct.Struct("<q").pack,
    FieldDescriptor.TYPE_FIXED32: struct.Struct("<I").pack,
    FieldDescriptor.TYPE_SFIXED32: struct.Struct("<i").pack,
    FieldDescriptor.TYPE_STRING: lambda value: _length_delimited(value.encode("utf-8")),
    FieldDescriptor.TYPE_BYTES: _length_delimited,
    FieldDescriptor.TYPE_INT32: _signed_varint, FieldDescriptor.TYPE_INT64: _signed_varint,
    FieldDescriptor.TYPE_ENUM: _signed_varint,
    FieldDescriptor.TYPE_UINT32: _varint, FieldDescriptor.TYPE_UINT64: _varint,
    FieldDescriptor.TYPE_SINT32: _zigzag_varint, FieldDescriptor.TYPE_SINT64: _zigzag_varint,
    FieldDescriptor.TYPE_BOOL: lambda value: b"\x01" if value else b"\x00",
}
