"""One exception hierarchy; only the CLI turns these into messages and exit codes."""
from __future__ import annotations


class NetcostError(Exception):
    """A problem with the user's input, reported as `FILE: LAYER: message`."""

    def __init__(self, message: str, *, file: str | None = None, layer: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.layer = layer

    def with_context(self, *, file: str | None = None, layer: str | None = None) -> "NetcostError":
        """Fill in file/layer when a lower level raised without knowing them."""
        if file and not self.file:
            self.file = file
        if layer and not self.layer:
            self.layer = layer
        return self

    def __str__(self) -> str:
        # File and layer names come from the input and may hold any character: escaped
        # rather than collapsed, so that the name stays recognizable.
        parts = [_one_line(p) for p in (self.file, self.layer) if p]
        # Keep the report on one line whatever the message holds.
        message = " ".join(self.message.split())
        return ": ".join(parts + [message])


def _one_line(name) -> str:
    """`name` with every character that is not printable (newlines, form feeds, Unicode line
    separators, other control characters) written as its Python escape, e.g. `x\\ny`. A name
    read from a binary file may be bytes that are not UTF-8: their bad bytes are escaped
    too (`\\xff`)."""
    if isinstance(name, bytes):
        name = name.decode("utf-8", errors="backslashreplace")
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in name)


class ParseError(NetcostError):
    """The file is not a well-formed network definition."""


class GraphError(NetcostError):
    """The network is well formed but inconsistent (missing blob, cycle, ...)."""


class ShapeError(NetcostError):
    """A layer cannot produce a shape from its inputs (impossible configuration)."""
