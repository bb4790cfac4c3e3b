"""Regenerate the *_pb2.py modules beside this file from the .proto schemas.

    pip install grpcio-tools && python proto/generate.py

The generated modules are committed so that users need only the protobuf runtime;
tests/test_proto_generated.py checks that they still match the schemas.

protoc writes modules meant to sit at the top of sys.path; this script then adapts them
to the `netcost.proto` package:

* `import tf_graph_pb2 as ...` (a schema of this folder) becomes `from . import ...`;
* modules of the TensorFlow schemas (package `tensorflow`) register their types in a
  descriptor pool private to netcost instead of protobuf's default pool.  TensorFlow
  registers the same full names (tensorflow.GraphDef, ...) from its own files in the
  default pool, and a pool refuses a second file defining a name it already has, so
  with the default pool netcost and TensorFlow could not be loaded in one process (the
  tests use TensorFlow as an oracle).  The first module of the dependency chain creates
  the pool; every other one reuses the pool of a module it imports, adding any
  google/protobuf well-known files it depends on.  (With the pure-Python protobuf runtime,
  which registers every generated class in the default symbol database as well, the clash
  remains; the upb runtime of the protobuf wheels is not affected.)
"""
from __future__ import annotations

import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Schemas in these packages get the private pool.
PRIVATE_POOL_PACKAGES = {"tensorflow"}

_LOCAL_IMPORT = re.compile(r"^import (\w+)_pb2 as (\w+)$", re.M)
_OTHER_IMPORT = re.compile(r"^from ([\w.]+) import (\w+_pb2) as (\w+)$", re.M)
_ADD_FILE = "DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile("


def protoc_args(out_flag: str, proto_files):
    import grpc_tools

    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    return ["grpc_tools.protoc", f"-I{HERE}", f"-I{include}", out_flag, *proto_files]


def proto_package(proto_path: str) -> str:
    with open(proto_path, encoding="utf-8") as f:
        match = re.search(r"^\s*package\s+([\w.]+)\s*;", f.read(), re.M)
    return match.group(1) if match else ""


def adapt_module(text: str, stem: str, local: set, private: set, pool_root: dict) -> str:
    """Rewrite protoc's output for `stem`.proto as described in the module docstring.

    local: stems of the schemas in this folder; private: those using the private pool;
    pool_root: stem -> the private module whose pool it uses (filled as we go, in
    dependency order)."""
    deps = []  # (stem, alias) of local schemas imported, in protoc's order

    def relative(match):
        dep, alias = match.group(1), match.group(2)
        if dep not in local:
            return match.group(0)
        deps.append((dep, alias))
        return f"from . import {dep}_pb2 as {alias}"

    text = _LOCAL_IMPORT.sub(relative, text)
    if stem not in private:
        return text

    if text.count(_ADD_FILE) != 1:
        raise RuntimeError(f"{stem}_pb2.py: protoc output changed shape; cannot find "
                           f"the single {_ADD_FILE!r}")
    private_deps = [(dep, alias) for dep, alias in deps if dep in private]
    roots = {pool_root[dep] for dep, _ in private_deps}
    if len(roots) > 1:
        raise RuntimeError(f"{stem}.proto imports schemas using different private pools "
                           f"({', '.join(sorted(roots))}); make one import the other")
    lines = ["# netcost (proto/generate.py): these types live in a descriptor pool private to",
             "# netcost, so that TensorFlow's own registrations of the same names in the",
             "# default pool cannot collide with them."]
    if private_deps:
        pool_root[stem] = pool_root[private_deps[0][0]]
        lines.append(f"_pool = {private_deps[0][1]}.DESCRIPTOR.pool")
    else:
        pool_root[stem] = stem
        lines.append("_pool = _descriptor_pool.DescriptorPool()")
    # Files this one depends on that are not in the pool yet (well-known types, or local
    # schemas kept in the default pool): add them (adding an identical file twice is a
    # no-op) and make their message classes, which the pure-Python protobuf runtime does
    # not create on demand.
    foreign = [alias for package, _module, alias in _OTHER_IMPORT.findall(text)
               if package != "."]  # local schemas were handled above
    foreign += [alias for dep, alias in deps if dep not in private]
    if foreign:
        lines.append("from google.protobuf import message_factory as _message_factory")
        for alias in foreign:
            lines.append(f"_pool.AddSerializedFile({alias}.DESCRIPTOR.serialized_pb)")
        names = ", ".join(f"{alias}.DESCRIPTOR.name" for alias in foreign)
        lines.append(f"_message_factory.GetMessageClassesForFiles([{names}], _pool)")
    lines.append("DESCRIPTOR = _pool.AddSerializedFile(")
    return text.replace(_ADD_FILE, "\n".join(lines))


def _dependency_order(protos):
    """Stems sorted so that every schema comes after the local schemas it imports."""
    imports = {}
    for path in protos:
        stem = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            names = re.findall(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', f.read(), re.M)
        imports[stem] = [os.path.splitext(n)[0] for n in names if "/" not in n]
    order, seen = [], set()

    def visit(stem, stack=()):
        if stem in seen:
            return
        if stem in stack:
            raise RuntimeError(f"import cycle: {' -> '.join(stack + (stem,))}")
        for dep in imports.get(stem, []):
            visit(dep, stack + (stem,))
        seen.add(stem)
        order.append(stem)

    for stem in sorted(imports):
        visit(stem)
    return order


def main() -> int:
    from grpc_tools import protoc

    protos = sorted(glob.glob(os.path.join(HERE, "*.proto")))
    status = protoc.main(protoc_args(f"--python_out={HERE}", protos))
    if status:
        print(f"protoc failed with status {status}", file=sys.stderr)
        return status

    local = {os.path.splitext(os.path.basename(p))[0] for p in protos}
    private = {os.path.splitext(os.path.basename(p))[0] for p in protos
               if proto_package(p) in PRIVATE_POOL_PACKAGES}
    pool_root: dict = {}
    for stem in _dependency_order(protos):
        module = os.path.join(HERE, f"{stem}_pb2.py")
        with open(module, encoding="utf-8") as f:
            text = f.read()
        adapted = adapt_module(text, stem, local, private, pool_root)
        if adapted != text:
            with open(module, "w", encoding="utf-8") as f:
                f.write(adapted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
