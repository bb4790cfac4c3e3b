"""Several files or a folder: each analyzed, one failure does not stop the rest."""
import os
import shutil

from conftest import SAMPLES, run_cli


def _folder(tmp_path):
    models = tmp_path / "models"
    (models / "nested").mkdir(parents=True)
    shutil.copy(os.path.join(SAMPLES, "lenet.prototxt"), models / "lenet.prototxt")
    shutil.copy(os.path.join(SAMPLES, "vgg16.prototxt"), models / "nested" / "vgg16.prototxt")
    (models / "broken.prototxt").write_text('layer { name: "x" ')
    (models / "notes.txt").write_text("not a network: skipped")
    return models


def test_folder_with_a_broken_file(tmp_path):
    models = _folder(tmp_path)
    out = tmp_path / "reports"
    result = run_cli(str(models), "-o", str(out), "--format", "json")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "netcost: 3 file(s): 2 analyzed, 1 failed"
    assert any(line.startswith(f"netcost: error: {models / 'broken.prototxt'}") for line in lines)
    assert sorted(os.listdir(out)) == ["lenet.prototxt.json", "vgg16.prototxt.json"]


def test_jobs_give_the_same_reports(tmp_path):
    models = _folder(tmp_path)
    (models / "broken.prototxt").unlink()
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert run_cli(str(models), "-o", str(serial), "--format", "md").returncode == 0
    result = run_cli(str(models), "-o", str(parallel), "--format", "md", "--jobs", "2")
    assert result.returncode == 0
    assert result.stderr.strip().endswith("2 analyzed, 0 failed")
    for name in os.listdir(serial):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes()


def test_several_files_to_stdout():
    result = run_cli(os.path.join(SAMPLES, "lenet.prototxt"),
                     os.path.join(SAMPLES, "lenet_v1.prototxt"))
    assert result.returncode == 0
    assert result.stdout.count("== ") == 2 and result.stdout.count("431,080") == 2
