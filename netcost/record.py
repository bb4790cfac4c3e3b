"""Frozen records that stay cheap when a graph has 100,000 nodes.

`record` is `dataclass(frozen=True)` with a leaner `__init__`: the generated one looks up
`object.__setattr__` through a global for every field; here it is bound once as a default
argument (about 20% less time per object). Setting fields through `object.__setattr__`
keeps Python's compact per-instance storage: filling `self.__dict__` in one call was faster
still but doubled each object's memory. Signature, defaults, default factories, equality,
repr and the frozen `__setattr__` are dataclasses' own.

`cached` is a lock-free `functools.cached_property` (Python 3.11's takes a lock on every
first read, which cost more than the numel it cached).
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, fields


def record(cls):
    cls = dataclass(frozen=True)(cls)
    namespace = {"_MISSING": MISSING}
    params, fills, names = [], [], []
    for f in fields(cls):
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: record fields are all __init__ fields")
        names.append(f.name)
        if f.default is not MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            fills.append(f"    if {f.name} is _MISSING: {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: records have no __post_init__")
    source = "\n".join([f"def __init__(self, {', '.join(params)}, _set=object.__setattr__):",
                        *fills, *(f"    _set(self, {n!r}, {n})" for n in names)])
    exec(source, namespace)  # noqa: S102 - built from the class's own field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls


class cached:  # noqa: N801 - used like `property`
    """A property computed on first read and stored on the instance, where later reads find
    it before this (non-data) descriptor."""

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.compute(instance)
        # object.__setattr__ passes the frozen guard and, unlike writing __dict__, keeps the
        # instance's compact attribute storage.
        object.__setattr__(instance, self.name, value)
        return value
