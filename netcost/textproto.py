"""A reader of protobuf text format (prototxt) into generated protobuf messages.

Why not google.protobuf.text_format: real Caffe files use fields of many forks, and that
parser either fails on the first unknown field or skips it silently. This reader skips an
unknown field with a warning naming it (file, line, message type), is otherwise as strict
as text_format (types, ranges, enum names, singular fields set twice), reports every error
with its line and column, and bounds nesting depth instead of recursing without limit.
"""
from __future__ import annotations

import math
import re
from typing import Callable, List, Optional, Tuple

from google.protobuf.descriptor import FieldDescriptor

from .errors import ParseError

MAX_DEPTH = 100

# Whitespace and comments are skipped by the same match that finds the next token, so the
# scanner visits each token once (possessively: a comment is never split back into tokens);
# line numbers are worked out only for messages.
_TOKEN_RE = re.compile(
    r"""
    (?:[ \t\r\n\f\v]+|\#[^\n]*)*+
    (?:
      (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<number>-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?))
    | (?P<ident>-?[A-Za-z_][A-Za-z0-9_]*)
    | (?P<punct>[{}<>:\[\],;/.])
    | (?P<bad>[^ \t\r\n\f\v])
    | (?P<end>\Z)
    )
    """,
    re.VERBOSE,
)

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
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a",
            "b": "\b", "f": "\f", "v": "\v", "?": "?"}


class _Tokens:
    """The token stream: kinds, texts and offsets (line/column computed for messages)."""

    __slots__ = ("kinds", "texts", "starts", "pos", "path", "text", "count")

    def __init__(self, text: str, path: str):
        self.path = path
        self.text = text
        kinds, texts, starts = [], [], []
        # Every match starts where the last one ended (some alternative always matches), so
        # the search never skips into the middle of a comment.
        for m in _TOKEN_RE.finditer(text):
            kind = m.lastgroup
            if kind == "end":
                break
            start = m.start(kind)
            if kind == "bad":
                line, col = _line_col(text, start)
                raise ParseError(f"line {line} col {col}: unexpected character "
                                 f"{m.group(kind)!r}", file=path)
            kinds.append(kind)
            texts.append(m.group(kind))
            starts.append(start)
        self.kinds, self.texts, self.starts = kinds, texts, starts
        self.count = len(kinds)
        self.pos = 0

    def line_of(self, index: int) -> int:
        return _line_col(self.text, self.starts[index])[0]

    def where(self) -> str:
        if self.pos < self.count:
            line, col = _line_col(self.text, self.starts[self.pos])
            return f"line {line} col {col}"
        return "end of file"

    def error(self, message: str) -> ParseError:
        return ParseError(f"{self.where()}: {message}", file=self.path)

    def at_end(self) -> bool:
        return self.pos >= self.count

    def peek(self) -> Optional[str]:
        return self.texts[self.pos] if self.pos < self.count else None

    def peek_kind(self) -> Optional[str]:
        return self.kinds[self.pos] if self.pos < self.count else None

    def take(self) -> Tuple[str, str]:
        i = self.pos
        if i >= self.count:
            raise self.error("unexpected end of file")
        self.pos = i + 1
        return self.kinds[i], self.texts[i]

    def accept(self, punct: str) -> bool:
        # Only punctuation tokens can equal these one-character texts.
        if self.pos < self.count and self.texts[self.pos] == punct:
            self.pos += 1
            return True
        return False

    def expect(self, punct: str) -> None:
        if not self.accept(punct):
            found = self.peek()
            raise self.error(f"expected '{punct}', found " +
                             ("end of file" if found is None else repr(found)))


def _line_col(text: str, offset: int) -> Tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse(text: str, message, *, path: str = "<text>",
          warn: Optional[Callable[[str], None]] = None,
          order_of: Tuple[str, ...] = ()) -> List[Tuple[str, int]]:
    """Merge `text` into `message`.

    Unknown fields are skipped and reported through `warn`. Returns, for the top-level
    repeated fields named in `order_of`, the file order of their entries as
    (field name, index) pairs: Caffe files may interleave `layer` and `layers`.
    """
    tokens = _Tokens(text, path)
    reader = _Reader(tokens, warn or (lambda _msg: None), order_of)
    reader.read_fields(message, depth=0, close=None)
    return reader.order


class _Reader:
    def __init__(self, tokens: _Tokens, warn: Callable[[str], None], order_of: Tuple[str, ...]):
        self.t = tokens
        self.warn = warn
        self.order_of = order_of
        self.order: List[Tuple[str, int]] = []

    def read_fields(self, message, depth: int, close: Optional[str]) -> None:
        t = self.t
        if depth > MAX_DEPTH:
            raise t.error(f"nesting deeper than {MAX_DEPTH} levels")
        descriptor = message.DESCRIPTOR
        seen_singular = set()
        while True:
            if close is not None and t.accept(close):
                return
            if t.at_end():
                if close is None:
                    return
                raise t.error(f"unexpected end of file: missing '{close}'")
            kind, name = t.take()
            if kind != "ident" or name.startswith("-"):
                t.pos -= 1
                raise t.error(f"expected a field name, found {name!r}")
            field = descriptor.fields_by_name.get(name)
            if field is None:
                self.warn(f"{t.path}: line {t.line_of(t.pos - 1)}: unknown field '{name}' in "
                          f"{descriptor.full_name} (ignored)")
                self.skip_value(depth)
            else:
                repeated = field.is_repeated
                if not repeated:
                    if name in seen_singular:
                        t.pos -= 1
                        raise t.error(f"field '{name}' of {descriptor.full_name} "
                                      "is set more than once")
                    seen_singular.add(name)
                if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
                    self.read_message_field(message, field, repeated, depth, close is None)
                else:
                    self.read_scalar_field(message, field, repeated)
            # Separators between fields are optional.
            if not t.accept(","):
                t.accept(";")

    def read_message_field(self, message, field, repeated: bool, depth: int,
                           top_level: bool) -> None:
        t = self.t
        t.accept(":")
        if t.accept("{"):
            close = "}"
        elif t.accept("<"):
            close = ">"
        else:
            raise t.error(f"expected '{{' after message field '{field.name}'")
        if field.message_type.GetOptions().map_entry:
            # A map is written as repeated {key: ... value: ...} entries.
            entry = field.message_type._concrete_class()
            self.read_fields(entry, depth + 1, close)
            container = getattr(message, field.name)
            value_field = field.message_type.fields_by_name["value"]
            if value_field.message_type is not None:
                container[entry.key].CopyFrom(entry.value)
            else:
                container[entry.key] = entry.value
            return
        if repeated:
            container = getattr(message, field.name)
            if top_level and field.name in self.order_of:
                self.order.append((field.name, len(container)))
            sub = container.add()
        else:
            sub = getattr(message, field.name)
            sub.SetInParent()
        self.read_fields(sub, depth + 1, close)

    def read_scalar_field(self, message, field, repeated: bool) -> None:
        t = self.t
        t.expect(":")
        if repeated:
            target = getattr(message, field.name)
            if t.accept("["):
                if t.accept("]"):
                    return
                while True:
                    target.append(self.scalar(field))
                    if t.accept("]"):
                        return
                    t.expect(",")
            target.append(self.scalar(field))
        else:
            if t.peek() == "[" and t.peek_kind() == "punct":
                raise t.error(f"field '{field.name}' takes one value, not a list")
            setattr(message, field.name, self.scalar(field))

    def scalar(self, field):
        t = self.t
        start = t.pos
        kind, text = t.take()
        ftype = field.type
        try:
            if ftype == FieldDescriptor.TYPE_STRING or ftype == FieldDescriptor.TYPE_BYTES:
                if kind != "string":
                    raise ValueError(f"expected a quoted string for '{field.name}'")
                value = _unquote(text)
                # Adjacent string literals concatenate, as in C.
                while t.peek_kind() == "string":
                    value += _unquote(t.take()[1])
                if ftype == FieldDescriptor.TYPE_BYTES:
                    return value.encode("latin-1", errors="strict")
                return value
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
                    if number not in enum.values_by_number:
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
        except ValueError as e:
            t.pos = start
            raise t.error(str(e)) from None

    def skip_value(self, depth: int) -> None:
        """Skip what follows an unknown field name: a scalar, a list, or a message."""
        t = self.t
        had_colon = t.accept(":")
        if t.accept("{"):
            self.skip_block("}", depth + 1)
        elif t.accept("<"):
            self.skip_block(">", depth + 1)
        elif not had_colon:
            raise t.error("expected ':' or '{' after field name")
        elif t.accept("["):
            while not t.accept("]"):
                kind, text = t.take()
                if kind == "punct" and text not in (",", "-"):
                    t.pos -= 1
                    raise t.error(f"unexpected {text!r} in list")
        else:
            kind, text = t.take()
            if kind not in ("string", "number", "ident"):
                t.pos -= 1
                raise t.error(f"expected a value, found {text!r}")
            while kind == "string" and t.peek_kind() == "string":
                t.take()

    def skip_block(self, close: str, depth: int) -> None:
        t = self.t
        if depth > MAX_DEPTH:
            raise t.error(f"nesting deeper than {MAX_DEPTH} levels")
        while not t.accept(close):
            if t.at_end():
                raise t.error(f"unexpected end of file: missing '{close}'")
            kind, name = t.take()
            if kind != "ident":
                t.pos -= 1
                raise t.error(f"expected a field name, found {name!r}")
            self.skip_value(depth)
            if not t.accept(","):
                t.accept(";")


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
        return float(int(text, 16))
    return float(text.rstrip("fF"))


def _unquote(token: str) -> str:
    body = token[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        i += 1
        esc = body[i]
        if esc in _ESCAPES:
            out.append(_ESCAPES[esc])
            i += 1
        elif esc in "xX":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 1:])
            if not m:
                raise ValueError("bad \\x escape in string")
            out.append(chr(int(m.group(), 16)))
            i += 1 + len(m.group())
        elif esc in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i:])
            out.append(chr(int(m.group(), 8)))
            i += len(m.group())
        else:
            raise ValueError(f"bad escape \\{esc} in string")
    return "".join(out)
