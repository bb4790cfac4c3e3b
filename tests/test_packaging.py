"""The wheel installs only the `netcost` import namespace, and `import netcost` stays light."""
import os
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_holds_only_the_netcost_namespace(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), ROOT], check=True)
    wheels = [f for f in os.listdir(tmp_path) if f.endswith(".whl")]
    assert len(wheels) == 1
    names = zipfile.ZipFile(tmp_path / wheels[0]).namelist()
    top_levels = {n.split("/")[0] for n in names}
    dist_info = [t for t in top_levels if t.endswith(".dist-info")]
    assert top_levels - set(dist_info) == {"netcost"}, top_levels
    for required in ("netcost/__init__.py", "netcost/cli.py", "netcost/frontends/caffe.py",
                     "netcost/proto/caffe.proto", "netcost/proto/caffe_pb2.py",
                     "netcost/shapes/caffe.py"):
        assert required in names
    for folder, package in (("netcost", "netcost"), ("frontends", "netcost/frontends"),
                            ("proto", "netcost/proto")):
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            if "__pycache__" in dirpath:
                continue
            rel = os.path.relpath(dirpath, os.path.join(ROOT, folder))
            for f in files:
                if f.endswith(".py"):
                    installed = os.path.normpath(os.path.join(package, rel, f))
                    assert installed in names, f"{installed} missing from the wheel"
    assert not any(n.startswith(("frontends/", "proto/", "tests/", "samples/")) for n in names)
    entry_points = [n for n in names if n.endswith("entry_points.txt")][0]
    text = zipfile.ZipFile(tmp_path / wheels[0]).read(entry_points).decode()
    assert "netcost = netcost.cli:main" in text


def test_import_and_analysis_never_import_tensorflow():
    code = ("import sys, netcost; r = netcost.analyze(%r); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'torch')]; "
            "print(r.total_params, bad)") % os.path.join(ROOT, "samples", "lenet.prototxt")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["431080", "[]"]


def test_plain_import_is_light():
    code = "import sys, netcost; print(sorted(m for m in ('google.protobuf', 'numpy', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
